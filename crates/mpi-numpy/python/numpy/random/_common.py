"""Helpers shared by numpy.random's front ends: sizes, dtypes, and turning
the packed bytes the native generators return into ndarrays."""

import operator
import struct

import _numpy

# The tolerance on sum(p) in choice(): sqrt of float64's (or float32's) eps.
ATOL_F64 = 1.4901161193847656e-08
ATOL_F32 = 0.00034526698300124393

_INT_NAMES = {
    "int": "int64", "l": "int64", "q": "int64", "i8": "int64", "int64": "int64",
    "long": "int64", "longlong": "int64", "intp": "int64", "p": "int64",
    "i": "int32", "i4": "int32", "int32": "int32", "intc": "int32",
    "h": "int16", "i2": "int16", "int16": "int16", "short": "int16",
    "b": "int8", "i1": "int8", "int8": "int8", "byte": "int8",
    "L": "uint64", "Q": "uint64", "u8": "uint64", "uint64": "uint64", "uint": "uint64", "ulong": "uint64", "uintp": "uint64",
    "I": "uint32", "u4": "uint32", "uint32": "uint32", "uintc": "uint32",
    "H": "uint16", "u2": "uint16", "uint16": "uint16", "ushort": "uint16",
    "B": "uint8", "u1": "uint8", "uint8": "uint8", "ubyte": "uint8",
    "?": "bool", "bool": "bool", "b1": "bool", "bool_": "bool",
}

# Clamp for integer bounds: past it, Rust's range check reports NumPy's
# "out of bounds" message, whatever the Python int's size.
_CLAMP = 1 << 100


def np():
    import numpy
    return numpy


def int_dtype_name(dtype):
    """The NumPy name of an integer dtype given as a type, string or dtype."""
    if dtype is int:
        return "int64"
    if dtype is bool:
        return "bool"
    key = dtype if isinstance(dtype, str) else getattr(dtype, "name", None) or getattr(dtype, "__name__", None)
    if key is not None:
        key = key.lstrip("<=|")
        if key in _INT_NAMES:
            return _INT_NAMES[key]
    try:
        name = np().dtype(dtype).name
    except Exception:
        name = None
    if name in _INT_NAMES:
        return _INT_NAMES[name]
    raise TypeError(f"Unsupported dtype {dtype!r} for randint")


def float_dtype_name(dtype):
    if dtype is float or dtype is None:
        return "float64"
    key = dtype if isinstance(dtype, str) else getattr(dtype, "name", None) or getattr(dtype, "__name__", None)
    if key in ("float64", "d", "f8", "double", "float"):
        return "float64"
    if key in ("float32", "f", "f4", "single"):
        return "float32"
    try:
        name = np().dtype(dtype).name
    except Exception:
        name = None
    if name in ("float64", "float32"):
        return name
    raise TypeError(f"Unsupported dtype {dtype!r} for this method")


def shape_of(size):
    """`size` as a shape tuple, or None for a single draw."""
    if size is None:
        return None
    if isinstance(size, (tuple, list)):
        return tuple(operator.index(s) for s in size)
    try:
        return (operator.index(size),)
    except TypeError:
        return tuple(operator.index(s) for s in size)


def count(shape):
    n = 1
    for s in shape:
        if s < 0:
            raise ValueError("negative dimensions are not allowed")
        n *= s
    return n


def to_array(data, dtype, shape):
    """An ndarray of `dtype` and `shape` over a copy of packed bytes."""
    arr = np().frombuffer(data, dtype=dtype).copy()
    return arr.reshape(shape)


def unpack_i64(data):
    return list(struct.unpack(f"={len(data) // 8}q", data))


def clamp(n):
    n = operator.index(n)
    return max(-_CLAMP, min(_CLAMP, n))


def scalar_of(dtype_name, value):
    """A NumPy scalar of `dtype_name` (`np.int64(3)`), or the bare value."""
    t = getattr(np(), dtype_name if dtype_name != "bool" else "bool_", None)
    try:
        return t(value) if t is not None else value
    except Exception:
        return value


def is_array(x):
    return isinstance(x, np().ndarray)


def is_scalar_param(x):
    """A plain number (or 0-d array) rather than an array of parameters."""
    if isinstance(x, (int, float)):
        return True
    if is_array(x):
        return x.ndim == 0
    return not isinstance(x, (list, tuple))


def int_words(n):
    """A non-negative int as its 32-bit words, least significant first."""
    if n < 0:
        raise ValueError("expected non-negative integer")
    if n == 0:
        return [0]
    words = []
    while n > 0:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    return words


def coerce_to_uint32_words(x):
    """NumPy's `_coerce_to_uint32_array`: any int or nest of ints as words."""
    if is_array(x) and x.dtype.name == "uint32":
        return [int(v) for v in x.reshape((x.size,))] if x.ndim else [int(x)]
    if isinstance(x, str):
        if x.startswith("0x"):
            x = int(x, base=16)
        elif x.startswith("0"):
            x = int(x, base=8)
        else:
            x = int(x, base=10)
        return int_words(x)
    if isinstance(x, bool) or isinstance(x, float):
        raise TypeError("SeedSequence expects int or sequence of ints for entropy not " + repr(x))
    try:
        return int_words(operator.index(x))
    except TypeError:
        pass
    if is_array(x) and x.ndim == 0:
        return int_words(int(x))
    words = []
    for v in x:
        words.extend(coerce_to_uint32_words(v))
    return words


def apply_order(x, order):
    """Rearranges `x` in place so that item k becomes old item order[k]
    (the end state of NumPy's Fisher-Yates swaps)."""
    if is_array(x):
        orig = x.copy()
        for k, j in enumerate(order):
            if k != j:
                x[k] = orig[j]
    else:
        orig = list(x)
        for k, j in enumerate(order):
            if k != j:
                x[k] = orig[j]


def take(arr, idx, shape):
    """`arr[idx]` for int64 indices `idx` (a flat list) shaped `shape`."""
    items = [arr[i] for i in idx]
    out = np().asarray(items, dtype=arr.dtype) if items else np().empty((0,), dtype=arr.dtype)
    return out.reshape(tuple(shape) + tuple(arr.shape[1:]))


def check_p(p, pop_size, legacy):
    """p as a list of floats and the tolerance on its sum, after NumPy's
    dimension check (the others are made natively)."""
    atol = ATOL_F64
    if is_array(p):
        if p.dtype.name == "float32":
            atol = ATOL_F32
        if p.ndim != 1:
            raise ValueError("'p' must be 1-dimensional" if legacy else "p must be 1-dimensional")
        return [float(v) for v in p], atol
    p = list(p)
    if any(isinstance(v, (list, tuple)) for v in p):
        raise ValueError("'p' must be 1-dimensional" if legacy else "p must be 1-dimensional")
    return [float(v) for v in p], atol

