"""NumPy's functions over arrays: ufuncs, reductions as functions, creation
of ranges, joining and splitting, comparisons, products, sorting."""

import math
import operator

import _numpy

from ._dtypes import _by_name, _resolve, generic


def _arr():
    from . import _array
    return _array


class ufunc:
    """A NumPy universal function (`np.sqrt`, `np.add`, ...)."""

    __module__ = "numpy"

    def __init__(self, name, nin):
        self.__name__ = name
        self.nin = nin
        self.nout = 1
        self.nargs = nin + 1

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"

    def __call__(self, *args, out=None, dtype=None, where=True, **kwargs):
        A = _arr()
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}() takes from {self.nin} to {self.nin + 1} positional arguments but "
                            f"{len(args)} were given")
        if self.nin == 1:
            x = args[0]
            try:
                a = A.asarray(x)
            except A._StringData:
                raise A._no_string_loop(self.__name__) from None
            if dtype is not None:
                a = a.astype(dtype)
            result = a._unary(self.__name__)
        else:
            x, y = args
            if isinstance(x, str) != isinstance(y, str):
                # One string operand: the array operators raise NumPy's errors.
                if isinstance(x, str):
                    result = A.asarray(y)._binop(self.__name__, x, True)
                else:
                    result = A.asarray(x)._binop(self.__name__, y, False)
            elif isinstance(x, A.ndarray) or isinstance(x, generic) or isinstance(x, (list, tuple)):
                a = A.asarray(x)
                operand, weak = A._operand(y, a.dtype)
                result = a._binary(self.__name__, operand, weak, False)
            elif isinstance(y, A.ndarray) or isinstance(y, generic) or isinstance(y, (list, tuple)):
                b = A.asarray(y)
                operand, weak = A._operand(x, b.dtype)
                result = b._binary(self.__name__, operand, weak, True)
            else:
                result = A.asarray(x)._binary(self.__name__, A.asarray(y), None, False)
            if dtype is not None:
                result = result.astype(dtype)
        if out is not None:
            target = out[0] if isinstance(out, tuple) else out
            target[...] = result
            return target
        return A._result(result)

    def reduce(self, a, axis=0, dtype=None, out=None, keepdims=False):
        name = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
                "logical_and": "all", "logical_or": "any"}.get(self.__name__)
        if name is None:
            raise NotImplementedError(f"{self.__name__}.reduce: this numpy implements a subset of NumPy")
        return _arr()._reduce(a, name, axis, dtype, keepdims)

    def accumulate(self, a, axis=0, dtype=None, out=None):
        name = {"add": "cumsum", "multiply": "cumprod"}.get(self.__name__)
        if name is None:
            raise NotImplementedError(f"{self.__name__}.accumulate: this numpy implements a subset of NumPy")
        return _arr()._reduce(a, name, axis, dtype, False)

    def outer(self, a, b):
        A = _arr()
        a, b = A.asarray(a), A.asarray(b)
        return self(a.reshape(list(a.shape) + [1] * b.ndim), b)


_UNARY = ["negative", "positive", "absolute", "invert", "logical_not", "sign", "sqrt", "square", "exp", "exp2",
          "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
          "cosh", "tanh", "floor", "ceil", "trunc", "rint", "isnan", "isinf", "isfinite", "deg2rad", "rad2deg"]
_BINARY = ["add", "subtract", "multiply", "divide", "floor_divide", "remainder", "power", "maximum",
           "minimum", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "equal",
           "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
           "logical_xor", "arctan2", "hypot"]

_ufuncs = {name: ufunc(name, 1) for name in _UNARY}
_ufuncs.update({name: ufunc(name, 2) for name in _BINARY})
globals().update(_ufuncs)
abs = absolute = _ufuncs["absolute"]  # noqa: A001
true_divide = _ufuncs["divide"]
mod = _ufuncs["remainder"]
bitwise_not = _ufuncs["invert"]
radians = _ufuncs["deg2rad"]
degrees = _ufuncs["rad2deg"]


def conjugate(x):
    A = _arr()
    a = A.asarray(x)
    if a.dtype.kind != "c":
        return A._result(a.copy())
    out = a.copy()
    out.imag[...] = -a.imag
    return A._result(out)


conj = conjugate


def fmax(x, y):
    """maximum that ignores a NaN when the other value is a number."""
    return where(isnan(x), y, where(isnan(y), x, maximum(x, y)))  # noqa: F821


def fmin(x, y):
    """minimum that ignores a NaN when the other value is a number."""
    return where(isnan(x), y, where(isnan(y), x, minimum(x, y)))  # noqa: F821


def around(a, decimals=0, out=None):
    A = _arr()
    a = A.asarray(a)
    if a.dtype.kind in "biu":
        if decimals >= 0:
            return A._result(a.copy())
        # NumPy rounds integers half to even at the tens, hundreds, ...
        f = 10 ** (-decimals)
        vals = [round(v / f) * f for v in a.ravel().tolist()]
        return A._result(A.array(vals, a.dtype).reshape(a.shape))
    if decimals == 0:
        return A._result(a._unary("rint"))
    f = 10.0 ** decimals
    if decimals > 0:
        return A._result(asarray_f(a * f)._unary("rint") / f)
    return A._result(asarray_f(a / (10.0 ** -decimals))._unary("rint") * (10.0 ** -decimals))


def asarray_f(x):
    return _arr().asarray(x)


round = around  # noqa: A001
round_ = around


def clip(a, a_min=None, a_max=None, out=None):
    r = a
    if a_min is not None:
        r = maximum(r, a_min)  # noqa: F821
    if a_max is not None:
        r = minimum(r, a_max)  # noqa: F821
    return r


# -- reductions as functions ------------------------------------------------

def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    return _arr()._reduce(a, "sum", axis, dtype, keepdims, initial)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    return _arr()._reduce(a, "prod", axis, dtype, keepdims, initial)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    return _arr()._reduce(a, "max", axis, None, keepdims, initial)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    return _arr()._reduce(a, "min", axis, None, keepdims, initial)


amax = max
amin = min


def all(a, axis=None, out=None, keepdims=False, where=None):  # noqa: A001
    return _arr()._reduce(a, "all", axis, None, keepdims)


def any(a, axis=None, out=None, keepdims=False, where=None):  # noqa: A001
    return _arr()._reduce(a, "any", axis, None, keepdims)


def argmax(a, axis=None, out=None, keepdims=False):
    return _arr()._reduce(a, "argmax", axis, None, keepdims)


def argmin(a, axis=None, out=None, keepdims=False):
    return _arr()._reduce(a, "argmin", axis, None, keepdims)


def cumsum(a, axis=None, dtype=None, out=None):
    return _arr()._reduce(a, "cumsum", axis, dtype, False)


def cumprod(a, axis=None, dtype=None, out=None):
    return _arr()._reduce(a, "cumprod", axis, dtype, False)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    return _arr()._mean(a, axis, dtype, keepdims)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None, correction=None):
    return _arr()._var(a, axis, dtype, ddof, keepdims)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None, correction=None):
    A = _arr()
    return A._result(A.asarray(A._var(a, axis, dtype, ddof, keepdims))._unary("sqrt"))


def average(a, axis=None, weights=None):
    if weights is None:
        return mean(a, axis)
    A = _arr()
    a, w = A.asarray(a), A.asarray(weights)
    return sum(a * w, axis) / sum(w, axis)


def count_nonzero(a, axis=None):
    A = _arr()
    r = A._reduce(A.asarray(a) != 0, "sum", axis, None, False)
    return int(r) if axis is None else r


# -- shapes and copies ------------------------------------------------------

def shape(a):
    return tuple(_arr().asarray(a).shape)


def size(a, axis=None):
    a = _arr().asarray(a)
    return a.size if axis is None else a.shape[axis]


def ndim(a):
    return _arr().asarray(a).ndim


def reshape(a, shape, order="C", **kwargs):
    return _arr().asarray(a).reshape(shape)


def ravel(a, order="C"):
    return _arr().asarray(a).ravel()


def transpose(a, axes=None):
    a = _arr().asarray(a)
    return a.transpose() if axes is None else a.transpose(axes)


def swapaxes(a, axis1, axis2):
    return _arr().asarray(a).swapaxes(axis1, axis2)


def squeeze(a, axis=None):
    return _arr().asarray(a).squeeze(axis)


def expand_dims(a, axis):
    a = _arr().asarray(a)
    shape = list(a.shape)
    axis = axis if axis >= 0 else axis + a.ndim + 1
    shape.insert(axis, 1)
    return a.reshape(shape)


def copy(a, order="K"):
    return _arr().asarray(a).copy()


def copyto(dst, src, casting="same_kind", where=True):
    A = _arr()
    if not isinstance(dst, A.ndarray):
        raise TypeError(f"copyto() argument 1 must be numpy.ndarray, not {type(dst).__name__}")
    casting = A._casting_rule(casting)
    if type(src) in (bool, int, float, complex):
        # A Python scalar is weakly typed (NEP 50): only its kind counts, and
        # an int fits signed and unsigned integers alike.
        kinds = "buifc"
        kind = {bool: "b", int: "u", float: "f", complex: "c"}[type(src)]
        if casting != "unsafe" and kinds.index(kind) > kinds.index(dst.dtype.kind):
            A._check_cast(A.asarray(src).dtype, dst.dtype, casting, "scalar")
    else:
        src = A.asarray(src)
        A._check_cast(src.dtype, dst.dtype, casting)
    dst[...] = src


def atleast_1d(a):
    a = _arr().asarray(a)
    return a.reshape(1) if a.ndim == 0 else a


def atleast_2d(a):
    a = _arr().asarray(a)
    return a.reshape(1, -1) if a.ndim == 1 else (a.reshape(1, 1) if a.ndim == 0 else a)


# -- ranges -----------------------------------------------------------------

def arange(start, stop=None, step=None, dtype=None, like=None):
    A = _arr()
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if step == 0:
        raise ZeroDivisionError("division by zero")
    args = [x for x in (start, stop, step)]
    all_int = all_ints(args)
    d = _resolve(dtype) if dtype is not None else _by_name["int64" if all_int else "float64"]
    if all_int:
        n = len(range(operator.index(start), operator.index(stop), operator.index(step)))
        if d.kind in "iuf":
            return _numpy.arange(A.ndarray, operator.index(start), operator.index(step), n, d.name)
        # bool and complex: from the values, as floats.
        values = range(operator.index(start), operator.index(start) + n * operator.index(step),
                       operator.index(step))
        return _numpy.from_values(A.ndarray, [float(v) for v in values], d.name, [n])
    # NumPy's length, and the first two values whose difference steps the rest.
    start, stop, step = float(start), float(stop), float(step)
    n = math.ceil((stop - start) / step)
    n = n if n > 0 else 0
    if d.kind in "iuf":
        filled = _numpy.arange(A.ndarray, start, step, n, "float64")
        return filled if d.name == "float64" else filled.astype(d)
    second = start + step
    delta = second - start
    values = [start + i * delta for i in range(n)]
    if n > 1:
        values[1] = second
    out = _numpy.from_values(A.ndarray, values, "float64", [n])
    return out if d.name == "float64" else out.astype(d)


def all_ints(args):
    for x in args:
        if isinstance(x, bool) or not isinstance(x, int):
            if isinstance(x, generic) and x.dtype.kind in "iu":
                continue
            return False
    return True


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    A = _arr()
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    start, stop = float(start), float(stop)
    delta = stop - start
    y = arange(0, num).astype("float64")
    if div > 0:
        step = delta / div
        if step == 0:
            y = (y / div) * delta
        else:
            y = y * step
    else:
        step = math.nan
        y = y * delta
    y = y + start
    if endpoint and num > 1:
        y[-1] = stop
    if dtype is not None:
        d = _resolve(dtype)
        y = y.astype(d) if d.kind not in "iu" else y._unary("floor").astype(d)
    if retstep:
        return y, step
    return y


def eye(N, M=None, k=0, dtype=float):
    A = _arr()
    M = N if M is None else M
    out = A.zeros((N, M), dtype)
    for i in range(N):
        j = i + k
        if 0 <= j < M:
            out[i, j] = 1
    return out


def identity(n, dtype=float):
    return eye(n, dtype=dtype)


def diagonal(a, offset=0):
    A = _arr()
    a = A.asarray(a)
    n, m = a.shape[0], a.shape[1]
    vals = [a[i, i + offset] for i in range(n) if 0 <= i + offset < m]
    return A.array(vals, a.dtype)


def diag(v, k=0):
    A = _arr()
    v = A.asarray(v)
    if v.ndim == 1:
        n = v.shape[0] + (k if k >= 0 else -k)
        out = A.zeros((n, n), v.dtype)
        for i in range(v.shape[0]):
            out[i + (0 if k >= 0 else -k), i + (k if k >= 0 else 0)] = v[i]
        return out
    return diagonal(v, k)


def meshgrid(*xi, indexing="xy"):
    A = _arr()
    arrays = [A.asarray(x).ravel() for x in xi]
    if len(arrays) != 2:
        raise NotImplementedError("meshgrid of other than two arrays: this numpy implements a subset of NumPy")
    x, y = arrays
    if indexing == "xy":
        X = A.broadcast_to(x.reshape(1, -1), (y.size, x.size)).copy()
        Y = A.broadcast_to(y.reshape(-1, 1), (y.size, x.size)).copy()
    else:
        X = A.broadcast_to(x.reshape(-1, 1), (x.size, y.size)).copy()
        Y = A.broadcast_to(y.reshape(1, -1), (x.size, y.size)).copy()
    return [X, Y]


# -- joining and splitting --------------------------------------------------

def _joined(arrays):
    """`concatenate`'s first argument, checked as NumPy checks it: iterated
    first (by its `__array_function__` dispatcher), then taken as a sequence."""
    try:
        iter(arrays)
    except TypeError:
        raise TypeError("dispatcher for __array_function__ did not return an iterable") from None
    if not hasattr(arrays, "__getitem__") or isinstance(arrays, dict):
        raise TypeError("The first input argument needs to be a sequence")
    return arrays


def _stacked(arrays):
    """The arrays given to `stack`, `vstack`, ...: a sequence, as NumPy asks."""
    if not hasattr(arrays, "__getitem__"):
        raise TypeError('arrays to stack must be passed as a "sequence" type such as list or tuple.')
    return arrays


def concatenate(arrays, axis=0, out=None, dtype=None):
    A = _arr()
    arrays = [A.asarray(a) for a in _joined(arrays)]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [a.ravel() for a in arrays]
        axis = 0
    nd = arrays[0].ndim
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    for i, a in enumerate(arrays[1:], 1):
        if a.ndim != nd:
            raise ValueError(
                "all the input array dimensions except for the concatenation axis must match exactly, but "
                f"along dimension 0, the array at index 0 has {nd} dimension(s) and the array at index {i} has "
                f"{a.ndim} dimension(s)" if False else
                f"all the input arrays must have same number of dimensions, but the array at index 0 has {nd} "
                f"dimension(s) and the array at index {i} has {a.ndim} dimension(s)")
    axis = A._normalize_axis(axis, nd)
    for i, a in enumerate(arrays[1:], 1):
        for d in range(nd):
            if d != axis and a.shape[d] != arrays[0].shape[d]:
                raise ValueError(
                    "all the input array dimensions except for the concatenation axis must match exactly, but "
                    f"along dimension {d}, the array at index 0 has size {arrays[0].shape[d]} and the array at "
                    f"index {i} has size {a.shape[d]}")
    result_dtype = arrays[0].dtype
    for a in arrays[1:]:
        result_dtype = _by_name[_numpy.promote_types(result_dtype.name, a.dtype.name)]
    if dtype is not None:
        result_dtype = _resolve(dtype)
    shape = list(arrays[0].shape)
    shape[axis] = 0
    for a in arrays:
        shape[axis] += a.shape[axis]
    out = A.empty(shape, result_dtype)
    pos = 0
    for a in arrays:
        n = a.shape[axis]
        index = [slice(None)] * nd
        index[axis] = slice(pos, pos + n)
        out[tuple(index)] = a
        pos += n
    return out


def stack(arrays, axis=0, out=None):
    A = _arr()
    arrays = [A.asarray(a) for a in _stacked(arrays)]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shape = arrays[0].shape
    for a in arrays[1:]:
        if a.shape != shape:
            raise ValueError("all input arrays must have the same shape")
    axis = A._normalize_axis(axis, len(shape) + 1)
    expanded = [a.reshape(list(shape[:axis]) + [1] + list(shape[axis:])) for a in arrays]
    return concatenate(expanded, axis)


def vstack(tup):
    return concatenate([atleast_2d(a) for a in _stacked(tup)], 0)


def hstack(tup):
    arrays = [atleast_1d(a) for a in _stacked(tup)]
    return concatenate(arrays, 0 if arrays and arrays[0].ndim == 1 else 1)


def column_stack(tup):
    A = _arr()
    arrays = [A.asarray(a) for a in _stacked(tup)]
    return concatenate([a.reshape(-1, 1) if a.ndim < 2 else a for a in arrays], 1)


def array_split(ary, indices_or_sections, axis=0):
    A = _arr()
    a = A.asarray(ary)
    n = a.shape[axis]
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + each + (1 if i < extra else 0))
    else:
        bounds = [0] + list(indices_or_sections) + [n]
    parts = []
    for lo, hi in zip(bounds, bounds[1:]):
        index = [slice(None)] * a.ndim
        index[axis] = slice(lo, hi)
        parts.append(a[tuple(index)])
    return parts


def split(ary, indices_or_sections, axis=0):
    A = _arr()
    a = A.asarray(ary)
    if isinstance(indices_or_sections, int) and a.shape[axis] % indices_or_sections:
        raise ValueError("array split does not result in an equal division")
    return array_split(a, indices_or_sections, axis)


def repeat(a, repeats, axis=None):
    A = _arr()
    a = A.asarray(a)
    if axis is None:
        a = a.ravel()
        axis = 0
    n = a.shape[axis]
    reps = [repeats] * n if isinstance(repeats, int) else list(repeats)
    index = [i for i in range(n) for _ in range(reps[i])]
    key = [slice(None)] * a.ndim
    key[axis] = index
    return a[tuple(key)]


def flip(m, axis=None):
    A = _arr()
    m = A.asarray(m)
    if axis is None:
        return m[tuple(slice(None, None, -1) for _ in range(m.ndim))]
    key = [slice(None)] * m.ndim
    key[axis] = slice(None, None, -1)
    return m[tuple(key)]


def roll(a, shift, axis=None):
    A = _arr()
    a = A.asarray(a)
    if axis is None:
        flat = a.ravel()
        n = flat.size
        if n == 0:
            return a.copy()
        s = shift % n
        return concatenate([flat[n - s:], flat[:n - s]]).reshape(a.shape)
    n = a.shape[axis]
    s = shift % n if n else 0
    lo = [slice(None)] * a.ndim
    hi = [slice(None)] * a.ndim
    lo[axis] = slice(n - s, None)
    hi[axis] = slice(None, n - s)
    return concatenate([a[tuple(lo)], a[tuple(hi)]], axis)


# -- selection --------------------------------------------------------------

def where(condition, x=None, y=None):
    A = _arr()
    c = A.asarray(condition)
    if x is None and y is None:
        return nonzero(c)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    xa, xw = A._operand(x, A.asarray(y).dtype) if not isinstance(x, A.ndarray) else (x, None)
    ya, yw = A._operand(y, xa.dtype) if not isinstance(y, A.ndarray) else (y, None)
    if xw and not yw:
        d = ya.dtype if _weak_fits(x, ya.dtype) else _by_name[_numpy.promote_types(xa.dtype.name, ya.dtype.name)]
    elif yw and not xw:
        d = xa.dtype if _weak_fits(y, xa.dtype) else _by_name[_numpy.promote_types(xa.dtype.name, ya.dtype.name)]
    else:
        d = _by_name[_numpy.promote_types(xa.dtype.name, ya.dtype.name)]
    shape = A._broadcast_operands([c.shape, xa.shape, ya.shape])
    out = A.broadcast_to(ya, shape).astype(d)
    mask = A.broadcast_to(c.astype(bool), shape).copy()
    out._put_mask(mask, A.broadcast_to(xa, shape).astype(d)._compress(mask))
    return out


def _weak_fits(value, d):
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return d.kind in "iufc"
    if isinstance(value, float):
        return d.kind in "fc"
    return d.kind == "c"


def nonzero(a):
    A = _arr()
    a = A.asarray(a)
    if a.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar).nonzero() instead. "
                         "If the context of this error is of the form `arr[nonzero(cond)]`, just use `arr[cond]`.")
    flags = a.astype(bool).ravel().tolist()
    positions = [i for i, f in enumerate(flags) if f]
    out = []
    strides = A._c_strides(list(a.shape), 1)
    for ax in range(a.ndim):
        out.append(_numpy.from_values(A.ndarray, [(p // strides[ax]) % a.shape[ax] for p in positions],
                                      "int64", [len(positions)]))
    return tuple(out)


def argwhere(a):
    A = _arr()
    idx = nonzero(a)
    return A.array([list(t) for t in zip(*[i.tolist() for i in idx])], "int64").reshape(-1, len(idx))


def extract(condition, arr):
    A = _arr()
    return A.asarray(arr).ravel()[A.asarray(condition).ravel().astype(bool)]


# -- comparisons ------------------------------------------------------------

def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    A = _arr()
    a, b = A.asarray(a), A.asarray(b)
    if a.dtype.kind in "biu":
        a = a.astype("float64")
    if b.dtype.kind in "biu":
        b = b.astype("float64")
    close = absolute(a - b) <= atol + rtol * absolute(b)  # noqa: F821
    both_inf = isinf(a) & isinf(b) & (a == b)  # noqa: F821
    finite = isfinite(a) & isfinite(b)  # noqa: F821
    result = (close & finite) | both_inf
    if equal_nan:
        result = result | (isnan(a) & isnan(b))  # noqa: F821
    return A._result(A.asarray(result))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False):
    A = _arr()
    try:
        a, b = A.asarray(a1), A.asarray(a2)
    except Exception:
        return False
    if a.shape != b.shape:
        return False
    eq = a == b
    if equal_nan:
        eq = eq | (isnan(a) & isnan(b))  # noqa: F821
    return bool(A.asarray(eq).all())


def array_equiv(a1, a2):
    A = _arr()
    a, b = A.asarray(a1), A.asarray(a2)
    try:
        A.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return False
    return bool(A.asarray(a == b).all())


# -- products ---------------------------------------------------------------

def dot(a, b, out=None):
    A = _arr()
    a, b = A.asarray(a), A.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return A._result(A.asarray(a * b))
    if a.ndim == 1 and b.ndim == 1 and a.shape[0] != b.shape[0]:
        raise ValueError(f"shapes {A._shape_text(a.shape)} and {A._shape_text(b.shape)} not aligned: "
                         f"{a.shape[0]} (dim 0) != {b.shape[0]} (dim 0)")
    if a.ndim <= 2 and b.ndim <= 2:
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            dim_b = 0
            raise ValueError(f"shapes {A._shape_text(a.shape)} and {A._shape_text(b.shape)} not aligned: "
                             f"{k_a} (dim {a.ndim - 1}) != {k_b} (dim {dim_b})")
        return A._result(a._matmul(b))
    raise NotImplementedError("dot of arrays with more than 2 dimensions: this numpy implements a subset of NumPy")


def matmul(a, b, out=None):
    A = _arr()
    a, b = A.asarray(a), A.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: Input operand 0 does not have enough dimensions (has 0, gufunc core with "
                         "signature (n?,k),(k,m?)->(n?,m?) requires 1)" if a.ndim == 0 else
                         "matmul: Input operand 1 does not have enough dimensions (has 0, gufunc core with "
                         "signature (n?,k),(k,m?)->(n?,m?) requires 1)")
    if a.ndim > 2 or b.ndim > 2:
        # A stack of matrices: one product per leading index, broadcast.
        if a.ndim > 2 and b.ndim > 2 and a.shape[0] != b.shape[0] and 1 not in (a.shape[0], b.shape[0]):
            raise ValueError(f"operands could not be broadcast together with remapped shapes "
                             f"[original->remapped]: {A._shape_text(a.shape)} {A._shape_text(b.shape)}")
        n = a.shape[0] if a.ndim > 2 and (b.ndim <= 2 or a.shape[0] != 1) else b.shape[0]
        pick = (lambda x, i: x[i if x.shape[0] != 1 else 0] if x.ndim > 2 else x)
        return stack([matmul(pick(a, i), pick(b, i)) for i in range(n)])
    return A._result(a._matmul(b))


def inner(a, b):
    A = _arr()
    a, b = A.asarray(a), A.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return A._result(A.asarray(a * b))
    if a.ndim == 1 and b.ndim == 1:
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"shapes {A._shape_text(a.shape)} and {A._shape_text(b.shape)} not aligned: "
                             f"{a.shape[0]} (dim 0) != {b.shape[0]} (dim 0)")
        return A._result(a._matmul(b))
    if a.ndim == 2 and b.ndim <= 2:
        return A._result(a._matmul(b.T if b.ndim == 2 else b))
    if a.ndim == 1 and b.ndim == 2:
        return A._result(b._matmul(a))
    raise NotImplementedError("inner of arrays with more than 2 dimensions: this numpy implements a subset of NumPy")


def vdot(a, b):
    A = _arr()
    return dot(conjugate(A.asarray(a).ravel()), A.asarray(b).ravel())


def outer(a, b, out=None):
    A = _arr()
    a, b = A.asarray(a).ravel(), A.asarray(b).ravel()
    return A.asarray(a.reshape(-1, 1) * b.reshape(1, -1))


def cross(a, b):
    A = _arr()
    a, b = A.asarray(a), A.asarray(b)
    if a.shape != (3,) or b.shape != (3,):
        raise NotImplementedError("cross of other than two 3-vectors: this numpy implements a subset of NumPy")
    return A.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def tril(m, k=0):
    A = _arr()
    m = A.asarray(m)
    out = m.copy()
    rows, cols = m.shape[-2], m.shape[-1]
    for i in range(rows):
        for j in range(cols):
            if j > i + k:
                out[..., i, j] = 0
    return out


def triu(m, k=0):
    A = _arr()
    m = A.asarray(m)
    out = m.copy()
    rows, cols = m.shape[-2], m.shape[-1]
    for i in range(rows):
        for j in range(cols):
            if j < i + k:
                out[..., i, j] = 0
    return out


def trace(a, offset=0):
    return diagonal(a, offset).sum()


def diff(a, n=1, axis=-1):
    A = _arr()
    a = A.asarray(a)
    for _ in range(n):
        hi = [slice(None)] * a.ndim
        lo = [slice(None)] * a.ndim
        hi[axis] = slice(1, None)
        lo[axis] = slice(None, -1)
        a = A.asarray(a[tuple(hi)] - a[tuple(lo)])
    return a


# -- sorting ----------------------------------------------------------------

def sort(a, axis=-1, kind=None, order=None):
    A = _arr()
    a = A.asarray(a)
    if axis is None:
        return a.ravel()._sort_last(False)
    if a.ndim == 0:
        raise A.AxisError(f"axis {axis} is out of bounds for array of dimension 0")
    axis = A._normalize_axis(axis, a.ndim)
    last = a.ndim - 1
    if axis == last:
        return a.copy()._sort_last(False)
    moved = a.swapaxes(axis, last).copy()._sort_last(False)
    return moved.swapaxes(axis, last).copy()


def argsort(a, axis=-1, kind=None, order=None):
    A = _arr()
    a = A.asarray(a)
    if axis is None:
        return a.ravel()._sort_last(True)
    axis = A._normalize_axis(axis, a.ndim)
    last = a.ndim - 1
    if axis == last:
        return a.copy()._sort_last(True)
    return a.swapaxes(axis, last).copy()._sort_last(True).swapaxes(axis, last).copy()


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, equal_nan=True):
    A = _arr()
    a = A.asarray(ar).ravel()
    order = argsort(a, kind="stable").tolist()
    values = a.tolist()
    uniq, first, counts, inverse = [], [], [], [0] * len(values)
    for i in order:
        v = values[i]
        same = uniq and (uniq[-1] == v or (equal_nan and v != v and uniq[-1] != uniq[-1]))
        if not same:
            uniq.append(v)
            first.append(i)
            counts.append(0)
        counts[-1] += 1
        inverse[i] = len(uniq) - 1
    result = _numpy.from_values(A.ndarray, uniq, a.dtype.name, [len(uniq)])
    extras = []
    if return_index:
        extras.append(A.array(first, "int64"))
    if return_inverse:
        extras.append(A.array(inverse, "int64").reshape(A.asarray(ar).shape))
    if return_counts:
        extras.append(A.array(counts, "int64"))
    return (result, *extras) if extras else result


def searchsorted(a, v, side="left"):
    import bisect
    A = _arr()
    seq = A.asarray(a).tolist()
    find = bisect.bisect_left if side == "left" else bisect.bisect_right
    vv = A.asarray(v)
    if vv.ndim == 0:
        return _numpy.from_values(A.ndarray, [find(seq, vv.item())], "int64", [])._scalar_at()
    return A.array([find(seq, x) for x in vv.ravel().tolist()], "int64").reshape(vv.shape)
