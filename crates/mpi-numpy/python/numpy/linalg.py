"""`numpy.linalg`: the norms course material uses. Everything else raises
NotImplementedError naming the function (this numpy implements a subset)."""

import math

from ._array import asarray, _result
from . import _funcs


class LinAlgError(ValueError):
    __module__ = "numpy.linalg"


def norm(x, ord=None, axis=None, keepdims=False):
    a = asarray(x)
    if a.dtype.kind in "biu":
        a = a.astype("float64")
    if axis is None and (ord is None or (a.ndim == 2 and ord in ("fro", "f"))):
        flat = a.ravel()
        if flat.dtype.kind == "c":
            sq = (flat.real * flat.real + flat.imag * flat.imag)
        else:
            sq = flat * flat
        return _result(asarray(_funcs.sum(sq))._unary("sqrt"))
    if axis is not None:
        if ord not in (None, 2):
            raise NotImplementedError("linalg.norm with axis and ord: this numpy implements a subset of NumPy")
        return _result(asarray(_funcs.sum(a * a, axis=axis, keepdims=keepdims))._unary("sqrt"))
    if a.ndim == 1:
        absx = _funcs.absolute(a)
        if ord == math.inf:
            return absx.max()
        if ord == -math.inf:
            return absx.min()
        if ord == 0:
            return _result(asarray((a != 0).astype(a.dtype).sum()))
        if ord == 1:
            return _result(asarray(absx.sum()))
        return _result(asarray(asarray(absx ** ord).sum()) ** (1.0 / ord))
    if a.ndim == 2:
        absx = _funcs.absolute(a)
        if ord == 1:
            return absx.sum(axis=0).max()
        if ord == -1:
            return absx.sum(axis=0).min()
        if ord == math.inf:
            return absx.sum(axis=1).max()
        if ord == -math.inf:
            return absx.sum(axis=1).min()
        if ord in (2, -2):
            # The extreme singular values: square roots of the eigenvalues of M^T M.
            eig = _sym_eigenvalues(_rows(asarray(a.T @ a)))
            return _result(asarray(math.sqrt(max(eig) if ord == 2 else max(min(eig), 0.0))))
        raise NotImplementedError(f"linalg.norm with ord={ord!r}: this numpy implements a subset of NumPy")
    raise ValueError("Improper number of dimensions to norm.")


def _rows(a):
    return [[float(x) for x in row] for row in a.tolist()]


def _sym_eigenvalues(m):
    """Eigenvalues of a symmetric matrix by cyclic Jacobi rotations."""
    n = len(m)
    m = [row[:] for row in m]
    for _ in range(100):
        off = sum(m[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        if off < 1e-30:
            break
        for p in range(n):
            for q in range(p + 1, n):
                if abs(m[p][q]) < 1e-300:
                    continue
                theta = (m[q][q] - m[p][p]) / (2 * m[p][q])
                t = (1 if theta >= 0 else -1) / (abs(theta) + math.sqrt(theta * theta + 1))
                c = 1 / math.sqrt(t * t + 1)
                s = t * c
                for k in range(n):
                    mkp, mkq = m[k][p], m[k][q]
                    m[k][p], m[k][q] = c * mkp - s * mkq, s * mkp + c * mkq
                for k in range(n):
                    mpk, mqk = m[p][k], m[q][k]
                    m[p][k], m[q][k] = c * mpk - s * mqk, s * mpk + c * mqk
    return [m[i][i] for i in range(n)]


def _square(a, name):
    a = asarray(a)
    if a.ndim < 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")
    if a.ndim > 2:
        raise NotImplementedError(f"linalg.{name} of stacked matrices: this numpy implements a subset of NumPy")
    if a.shape[0] != a.shape[1]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    return _rows(a)


def _lu(m):
    """LU decomposition with partial pivoting, as LAPACK's getrf: the
    combined factors, the row order and the number of swaps."""
    n = len(m)
    m = [row[:] for row in m]
    perm = list(range(n))
    swaps = 0
    for k in range(n):
        p = max(range(k, n), key=lambda i: abs(m[i][k]))
        if m[p][k] == 0:
            raise LinAlgError("Singular matrix")
        if p != k:
            m[k], m[p] = m[p], m[k]
            perm[k], perm[p] = perm[p], perm[k]
            swaps += 1
        for i in range(k + 1, n):
            m[i][k] /= m[k][k]
            for j in range(k + 1, n):
                m[i][j] -= m[i][k] * m[k][j]
    return m, perm, swaps


def det(a):
    m = _square(a, "det")
    try:
        lu, _, swaps = _lu(m)
    except LinAlgError:
        return _result(asarray(0.0))
    d = -1.0 if swaps % 2 else 1.0
    for i in range(len(lu)):
        d *= lu[i][i]
    return _result(asarray(d))


def solve(a, b):
    m = _square(a, "solve")
    lu, perm, _ = _lu(m)
    bb = asarray(b).astype("float64")
    cols = bb.reshape(-1, 1) if bb.ndim == 1 else bb
    rhs = _rows(cols)
    n = len(lu)
    out = []
    for c in range(len(rhs[0])):
        y = [rhs[perm[i]][c] for i in range(n)]
        for i in range(n):
            for j in range(i):
                y[i] -= lu[i][j] * y[j]
        for i in reversed(range(n)):
            for j in range(i + 1, n):
                y[i] -= lu[i][j] * y[j]
            y[i] /= lu[i][i]
        out.append(y)
    from ._array import array
    result = array(out, "float64").T
    return result.reshape(-1) if bb.ndim == 1 else result.copy()


def inv(a):
    n = len(_square(a, "inv"))
    from ._funcs import eye
    return solve(a, eye(n))


def __getattr__(name):
    raise AttributeError(f"module 'numpy.linalg' has no attribute '{name}' (this numpy implements a subset of NumPy)")
