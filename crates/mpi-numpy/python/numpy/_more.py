"""The rest of the functions course material reaches for: set operations,
NaN-aware reductions, order statistics, inserting and deleting, flips, raw
files, and NumPy's float formatting functions. Written over the array API,
with NumPy's results."""

import math
import operator

import _numpy

from ._array import _result, array, asarray, broadcast_to, empty, ndarray
from ._dtypes import _by_name, _resolve
from . import _funcs


def _flat_list(a):
    return asarray(a).ravel().tolist()


def isin(element, test_elements, assume_unique=False, invert=False):
    e = asarray(element)
    pool = set(_flat_list(test_elements))
    flags = [(x in pool) != invert for x in e.ravel().tolist()]
    return array(flags, bool).reshape(e.shape)


def in1d(ar1, ar2, assume_unique=False, invert=False):
    return isin(asarray(ar1).ravel(), ar2, invert=invert)


def intersect1d(ar1, ar2, assume_unique=False):
    a, b = _funcs.unique(ar1), set(_flat_list(ar2))
    return a[isin(a, list(b))]


def union1d(ar1, ar2):
    return _funcs.unique(_funcs.concatenate([asarray(ar1).ravel(), asarray(ar2).ravel()]))


def setdiff1d(ar1, ar2, assume_unique=False):
    a = _funcs.unique(ar1)
    return a[isin(a, ar2, invert=True)]


def lexsort(keys, axis=-1):
    keys = [_flat_list(k) for k in keys]
    n = len(keys[0]) if keys else 0
    # The last key is the primary one.
    order = sorted(range(n), key=lambda i: tuple(k[i] for k in reversed(keys)))
    return array(order, "int64")


def partition(a, kth, axis=-1):
    # A full sort is one valid partition; NumPy's element order around kth
    # differs only where its introselect leaves elements unsorted.
    return _funcs.sort(a, axis)


def argpartition(a, kth, axis=-1):
    return _funcs.argsort(a, axis)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    a = asarray(a)
    if axis is None:
        a = a.ravel()
        axis = 0
    s = _funcs.sort(a, axis)
    n = s.shape[axis]
    lo, hi = (n - 1) // 2, n // 2
    key_lo = [slice(None)] * s.ndim
    key_hi = [slice(None)] * s.ndim
    key_lo[axis] = slice(lo, lo + 1)
    key_hi[axis] = slice(hi, hi + 1)
    both = _funcs.concatenate([s[tuple(key_lo)], s[tuple(key_hi)]], axis)
    return _funcs.mean(both, axis=axis, keepdims=keepdims)


def percentile(a, q, axis=None, method="linear", keepdims=False):
    return quantile(a, asarray(q) / 100.0 if not isinstance(q, (int, float)) else q / 100.0, axis, method,
                    keepdims)


def quantile(a, q, axis=None, method="linear", keepdims=False):
    a = asarray(a)
    if axis is not None:
        raise NotImplementedError("quantile/percentile with axis: this numpy implements a subset of NumPy")
    values = sorted(float(x) for x in a.ravel().tolist())
    qs = asarray(q)
    out = []
    for p in qs.ravel().tolist():
        if not 0 <= p <= 1:
            raise ValueError("Quantiles must be in the range [0, 1]")
        pos = p * (len(values) - 1)
        i = math.floor(pos)
        frac = pos - i
        below = values[i]
        above = values[min(i + 1, len(values) - 1)]
        # NumPy's linear interpolation: lerp written to be exact at both ends.
        diff = above - below
        r = below + diff * frac if frac < 0.5 else above - diff * (1 - frac)
        out.append(r)
    res = array(out, "float64").reshape(qs.shape)
    return _result(res)


def nansum(a, axis=None, dtype=None, keepdims=False):
    a = asarray(a)
    if a.dtype.kind in "fc":
        a = _funcs.where(_funcs.isnan(a), 0, a)
    return _funcs.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


def _nan_extreme(a, axis, keepdims, pick):
    a = asarray(a)
    if a.dtype.kind not in "fc":
        return pick(a, axis=axis, keepdims=keepdims)
    fill = math.inf if pick is _funcs.min else -math.inf
    return pick(_funcs.where(_funcs.isnan(a), fill, a), axis=axis, keepdims=keepdims)


def nanmax(a, axis=None, keepdims=False):
    return _nan_extreme(a, axis, keepdims, _funcs.max)


def nanmin(a, axis=None, keepdims=False):
    return _nan_extreme(a, axis, keepdims, _funcs.min)


def nanmean(a, axis=None, keepdims=False):
    a = asarray(a)
    ok = ~_funcs.isnan(a)
    return _funcs.sum(_funcs.where(ok, a, 0), axis=axis) / _funcs.sum(ok, axis=axis)


def reciprocal(x):
    a = asarray(x)
    if a.dtype.kind in "iu":
        # Integer reciprocals truncate toward zero (1, 0, -1, 0, ...).
        vals = [0 if v == 0 else int(1 / v) for v in a.ravel().tolist()]
        return _result(array(vals, a.dtype).reshape(a.shape))
    return _result(asarray(1 / a) if a.ndim else asarray(1 / a[()]))


def fabs(x):
    a = asarray(x)
    if a.dtype.kind in "biu":
        a = a.astype("float64")
    return _funcs.absolute(a)


def fliplr(m):
    return _funcs.flip(m, 1)


def flipud(m):
    return _funcs.flip(m, 0)


def append(arr, values, axis=None):
    arr = asarray(arr)
    values = asarray(values)
    if axis is None:
        return _funcs.concatenate([arr.ravel(), values.ravel()])
    return _funcs.concatenate([arr, values], axis)


def delete(arr, obj, axis=None):
    arr = asarray(arr)
    if axis is None:
        arr = arr.ravel()
        axis = 0
    n = arr.shape[axis]
    if isinstance(obj, slice):
        gone = set(range(*obj.indices(n)))
    else:
        gone = {(i + n if i < 0 else i) for i in asarray(obj).ravel().tolist()}
    keep = [i for i in range(n) if i not in gone]
    key = [slice(None)] * arr.ndim
    key[axis] = keep
    return arr[tuple(key)] if keep else arr[tuple(key[:axis] + [slice(0, 0)])]


def insert(arr, obj, values, axis=None):
    arr = asarray(arr)
    if axis is None:
        arr = arr.ravel()
        axis = 0
    if arr.ndim != 1:
        raise NotImplementedError("insert into an axis of an N-d array: this numpy implements a subset of NumPy")
    items = arr.tolist()
    vals = asarray(values, arr.dtype).ravel().tolist()
    if isinstance(obj, int):
        i = obj + len(items) if obj < 0 else obj
        items[i:i] = vals
    else:
        for k, i in sorted(zip(range(len(vals)), asarray(obj).ravel().tolist()), key=lambda t: t[1], reverse=True):
            items[i:i] = [vals[k]]
    return array(items, arr.dtype)


def fromfile(file, dtype=float, count=-1, sep="", offset=0):
    if sep:
        raise NotImplementedError("fromfile with sep: this numpy implements a subset of NumPy (use loadtxt)")
    from ._array import frombuffer
    with open(file, "rb") as f:
        f.seek(offset)
        data = f.read()
    d = _resolve(dtype)
    if count >= 0:
        data = data[:count * d.itemsize]
    return frombuffer(data, d).copy()


def tofile(a, fid, sep="", format="%s"):
    if sep:
        raise NotImplementedError("tofile with sep: this numpy implements a subset of NumPy (use savetxt)")
    with open(fid, "wb") as f:
        f.write(asarray(a).tobytes())


def _float_arg(x):
    """The value to format and its float's width in bytes; None for inf
    and nan."""
    from ._dtypes import generic
    from ._arrayprint import _digit_arg, _finite
    width = x.dtype.itemsize if isinstance(x, generic) and x.dtype.kind == "f" else 8
    if not _finite(x):
        return None, width
    return _digit_arg(x), width


def _pad_sign(text, x, sign, pad_left, pad_right=None):
    if sign and not text.startswith("-"):
        text = "+" + text
    if pad_left is not None or pad_right is not None:
        whole, dot, frac = text.partition(".")
        if pad_left is not None:
            whole = whole.rjust(pad_left)
        if pad_right is not None and dot:
            frac = frac.ljust(pad_right)
        text = whole + dot + frac
    return text


def format_float_positional(x, precision=None, unique=True, fractional=True, trim="k", sign=False,
                            pad_left=None, pad_right=None, min_digits=None):
    value, f32 = _float_arg(x)
    if value is None:
        return _pad_sign(repr(float(x)).replace("inf", "inf"), x, sign, pad_left)
    text = _numpy.format_positional(value, f32, precision, min_digits or 0, unique, trim)
    return _pad_sign(text, x, sign, pad_left, pad_right)


def format_float_scientific(x, precision=None, unique=True, trim="k", sign=False, pad_left=None,
                            exp_digits=None, min_digits=None):
    value, f32 = _float_arg(x)
    if value is None:
        return _pad_sign(repr(float(x)), x, sign, pad_left)
    text = _numpy.format_scientific(value, f32, precision, min_digits or 0, unique, trim, exp_digits or 2)
    return _pad_sign(text, x, sign, pad_left)


def tile(A, reps):
    a = asarray(A)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    nd = max(a.ndim, len(reps))
    a = a.reshape((1,) * (nd - a.ndim) + tuple(a.shape))
    reps = (1,) * (nd - len(reps)) + reps
    out = a
    for axis, r in enumerate(reps):
        if r != 1:
            out = _funcs.concatenate([out] * r, axis) if r > 0 else out[tuple(
                slice(0, 0) if i == axis else slice(None) for i in range(nd))]
    return out.copy() if out is a else out
