"""NumPy for the rank runtime: the part of NumPy 2.4 that MPI course
material uses, with NumPy's names, results, printing and errors.

This numpy implements a subset of NumPy. A name outside it raises
AttributeError saying so; NumPy 2's removed names (`np.int`, `np.float`, ...)
raise what NumPy 2.4 raises.
"""

import math as _math

from . import _dtypes
from ._dtypes import (
    bool_, bytes_, character, clongdouble, complex64, complex128, complexfloating, dtype, False_, float16, float32, float64,
    flexible, floating, generic, inexact, int8, longdouble, object_, void,
    int16, int32, int64, integer, number, signedinteger, True_, uint8, uint16, uint32, uint64,
    unsignedinteger,
)
from ._array import (
    AxisError, array, asanyarray, asarray, ascontiguousarray, broadcast_shapes, broadcast_to, empty,
    empty_like, flatiter, frombuffer, full, full_like, ndarray, newaxis, ones, ones_like, zeros, zeros_like,
)
from ._funcs import *  # noqa: F401,F403
from ._funcs import (  # noqa: F401
    abs, all, any, around, max, min, round, round_, sum, ufunc,
)
from ._arrayprint import (  # noqa: F401
    array2string, array_repr, array_str, get_printoptions, printoptions, set_printoptions,
)
from ._more import *  # noqa: F401,F403
from ._more import tile  # noqa: F401  (replaces _funcs.tile)
from ._io import load, loadtxt, save, savetxt, savez, genfromtxt  # noqa: F401
from . import linalg, random  # noqa: F401

__version__ = "2.4.6"

bool = bool_  # noqa: A001
intc = int32
int_ = int64
intp = int64
uintp = uint64
uintc = uint32
uint = uint64
longlong = int64
ulonglong = uint64
long = int64
ulong = uint64
short = int16
ushort = uint16
byte = int8
ubyte = uint8
half = float16
single = float32
double = float64
csingle = complex64
cdouble = complex128
float128 = longdouble
complex256 = clongdouble
complex_ = None
del complex_

pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan
euler_gamma = 0.5772156649015329
PINF = None
del PINF


class _Exceptions:
    AxisError = AxisError


exceptions = _Exceptions()

# NumPy 2 removed these aliases of Python's builtins; their messages are NumPy 2.4's.
_REMOVED_BUILTIN_ALIASES = {
    "int": "int", "float": "float", "complex": "complex", "object": "object", "str": "str",
}
_EXPIRED = {
    "float_": "`np.float_` was removed in the NumPy 2.0 release. Use `np.float64` instead.",
    "complex_": "`np.complex_` was removed in the NumPy 2.0 release. Use `np.complex128` instead.",
    "Inf": "`np.Inf` was removed in the NumPy 2.0 release. Use `np.inf` instead.",
    "Infinity": "`np.Infinity` was removed in the NumPy 2.0 release. Use `np.inf` instead.",
    "NaN": "`np.NaN` was removed in the NumPy 2.0 release. Use `np.nan` instead.",
    "NINF": "`np.NINF` was removed in the NumPy 2.0 release. Use `-np.inf` instead.",
    "PINF": "`np.PINF` was removed in the NumPy 2.0 release. Use `np.inf` instead.",
    "unicode_": "`np.unicode_` was removed in the NumPy 2.0 release. Use `np.str_` instead.",
    "string_": "`np.string_` was removed in the NumPy 2.0 release. Use `np.bytes_` instead.",
    "cfloat": "`np.cfloat` was removed in the NumPy 2.0 release. Use `np.complex128` instead.",
    "longfloat": "`np.longfloat` was removed in the NumPy 2.0 release. Use `np.longdouble` instead.",
    "singlecomplex": "`np.singlecomplex` was removed in the NumPy 2.0 release. Use `np.complex64` instead.",
    "product": "`np.product` was removed in the NumPy 2.0 release. Use `np.prod` instead.",
    "cumproduct": "`np.cumproduct` was removed in the NumPy 2.0 release. Use `np.cumprod` instead.",
    "alltrue": "`np.alltrue` was removed in the NumPy 2.0 release. Use `np.all` instead.",
    "sometrue": "`np.sometrue` was removed in the NumPy 2.0 release. Use `np.any` instead.",
    "asfarray": "`np.asfarray` was removed in the NumPy 2.0 release. Use `np.asarray` with a proper dtype instead.",
}


def __getattr__(name):
    if name in _REMOVED_BUILTIN_ALIASES:
        builtin = _REMOVED_BUILTIN_ALIASES[name]
        raise AttributeError(
            f"module 'numpy' has no attribute '{name}'.\n"
            f"`np.{name}` was a deprecated alias for the builtin `{builtin}`. To avoid this error in existing code, "
            f"use `{builtin}` by itself. Doing this will not modify any behavior and is safe. {_SCALAR_HINT[name]}\n"
            "The aliases was originally deprecated in NumPy 1.20; for more details and guidance see the original "
            "release note at:\n"
            "    https://numpy.org/devdocs/release/1.20.0-notes.html#deprecations")
    if name in _EXPIRED:
        raise AttributeError(_EXPIRED[name])
    from ._names import NUMPY_NAMES
    if name in NUMPY_NAMES:
        raise AttributeError(
            f"module 'numpy' has no attribute '{name}' (this numpy implements a subset of NumPy; "
            f"`numpy.{name}` is not in it)")
    raise AttributeError(f"module 'numpy' has no attribute '{name}'")


_SCALAR_HINT = {
    "int": "When replacing `np.int`, you may wish to use e.g. `np.int64` or `np.int32` to specify the precision. "
           "If you wish to review your current use, check the release note link for additional information.",
    "float": "If you specifically wanted the numpy scalar type, use `np.float64` here.",
    "complex": "If you specifically wanted the numpy scalar type, use `np.complex128` here.",
    "object": "",
    "str": "If you specifically wanted the numpy scalar type, use `np.str_` here.",
}


_err = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}


def geterr():
    return dict(_err)


def seterr(all=None, divide=None, over=None, under=None, invalid=None):
    old = geterr()
    for key, value in (("divide", divide), ("over", over), ("under", under), ("invalid", invalid)):
        if value is not None or all is not None:
            _err[key] = value if value is not None else all
    return old


class errstate:
    """`with np.errstate(...)`: floating-point error handling for a block.
    This runtime never warns about floating-point errors, so the settings
    are kept and reported (`geterr`) but change nothing else."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs

    def __enter__(self):
        self._old = seterr(**self._kwargs)
        return self

    def __exit__(self, *exc):
        _err.clear()
        _err.update(self._old)
        return False

    def __call__(self, func):
        def wrapper(*args, **kwargs):
            with errstate(**self._kwargs):
                return func(*args, **kwargs)
        return wrapper


def result_type(*arrays_and_dtypes):
    from ._dtypes import _by_name, _resolve
    import _numpy
    name = None
    for x in arrays_and_dtypes:
        d = x.dtype if isinstance(x, (ndarray, generic)) else (asarray(x).dtype if not isinstance(x, (type, str, dtype)) else _resolve(x))
        name = d.name if name is None else _numpy.promote_types(name, d.name)
    return _by_name[name]


def promote_types(a, b):
    from ._dtypes import _by_name, _resolve
    import _numpy
    return _by_name[_numpy.promote_types(_resolve(a).name, _resolve(b).name)]


def can_cast(from_, to, casting="safe"):
    from ._dtypes import _resolve
    from ._array import _can_cast, _casting_rule
    casting = _casting_rule(casting)
    if type(from_) in (type(True), int, float, complex):  # (`bool` is np.bool here)
        raise TypeError(
            "can_cast() does not support Python ints, floats, and complex because the result used to depend on "
            "the value.\nThis change was part of adopting NEP 50, we may explicitly allow them again in the future.")
    a = from_.dtype if isinstance(from_, (ndarray, generic)) else _resolve(from_)
    return _can_cast(a, _resolve(to), casting)


def issubdtype(arg1, arg2):
    from ._dtypes import _resolve
    t1 = arg1 if isinstance(arg1, type) and issubclass(arg1, generic) else _resolve(arg1).type
    t2 = arg2 if isinstance(arg2, type) and issubclass(arg2, generic) else _resolve(arg2).type
    return issubclass(t1, t2)


def isscalar(element):
    return isinstance(element, (generic, int, float, complex, str, bytes)) and not isinstance(element, ndarray)


def finfo(dt):
    from ._dtypes import _resolve
    return _FInfo(_resolve(dt))


def iinfo(dt):
    from ._dtypes import _resolve
    from ._array import _INT_RANGES
    d = _resolve(dt)
    return _IInfo(d, *_INT_RANGES[d.name])


class _FInfo:
    def __init__(self, d):
        if d.kind == "c":
            # A complex type's limits are its parts'.
            from ._dtypes import _COMPONENT, _by_name
            d = _by_name[_COMPONENT[d.name]]
        self.dtype = d
        if d.name == "float16":
            self.eps, self.max, self.tiny = (float16(v) for v in (0.0009765625, 65504.0, 6.103515625e-05))
            self.bits, self.precision = 16, 3
        elif d.name == "float128":
            self.eps, self.max, self.tiny = (longdouble(v) for v in (
                "1.084202172485504434e-19", "1.189731495357231765e+4932", "3.3621031431120935063e-4932"))
            self.bits, self.precision = 128, 18
        elif d.name == "float32":
            self.eps, self.max, self.tiny, self.bits, self.precision = 1.1920929e-07, 3.4028235e38, 1.1754944e-38, 32, 6
        else:
            self.eps, self.max, self.tiny, self.bits, self.precision = 2.220446049250313e-16, 1.7976931348623157e308, 2.2250738585072014e-308, 64, 15
        self.min = -self.max
        self.resolution = 10.0 ** -self.precision
        self.smallest_normal = self.tiny


class _IInfo:
    def __init__(self, d, lo, hi):
        self.dtype, self.min, self.max, self.bits = d, lo, hi, d.itemsize * 8
