"""The `ndarray` class: indexing, operators and methods over `_numpy`.

Every loop over elements runs in Rust (`_numpy._ndarray_base`); this module
turns NumPy's argument forms into those primitives: index expressions into
views (offset, shape, strides) or gathers, Python operands into 0-d arrays
with NEP 50's weak kinds, axes and keywords into reductions.
"""

import operator

_builtin_type = type

import _numpy

from . import _dtypes
from ._dtypes import _COMPONENT, _by_name, _resolve, _scalar, bool_, generic

newaxis = None

_INT_RANGES = {
    "int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "int32": (-2**31, 2**31 - 1),
    "int64": (-2**63, 2**63 - 1), "uint8": (0, 2**8 - 1), "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1), "uint64": (0, 2**64 - 1),
}


_INT64_MIN, _INT64_MAX = _INT_RANGES["int64"]


def _shape_text(shape):
    """A shape as NumPy's C errors print it: `(2,3)`, `(3,)`, `()`. In a
    requested shape, NumPy drops leading unknown (negative) dimensions and
    prints later ones as `newaxis`: `reshape(-1, 4)` -> `(4)`."""
    dims = list(shape)
    first = 0
    while first < len(dims) and dims[first] < 0:
        first += 1
    if first == len(dims):
        return "()"
    text = ",".join("newaxis" if d < 0 else str(d) for d in dims[first:])
    return f"({text},)" if len(dims) == 1 else f"({text})"


def _normalize_axis(axis, ndim):
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"'{type(axis).__name__}' object cannot be interpreted as an integer") from None
    if not -ndim <= axis < ndim:
        raise AxisError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis + ndim if axis < 0 else axis


class AxisError(ValueError, IndexError):
    """NumPy's `numpy.exceptions.AxisError`."""

    __module__ = "numpy.exceptions"


class ndarray(_numpy._ndarray_base, metaclass=_dtypes._CType):
    """An N-dimensional array: `np.ndarray(shape, dtype=float)`."""

    __module__ = "numpy"
    __hash__ = None
    __array_priority__ = 0.0

    def __new__(cls, shape, dtype=float, buffer=None, offset=0, strides=None, order=None):
        if isinstance(shape, int):
            shape = (shape,)
        d = _resolve(dtype)
        if buffer is not None:
            # The buffer's memory, shared: as many elements as the shape needs.
            shape = [operator.index(s) for s in shape]
            n = 1
            for s in shape:
                n *= s
            try:
                flat = frombuffer(buffer, d, count=n, offset=offset)
            except ValueError as e:
                if "smaller" in str(e):
                    raise TypeError("buffer is too small for requested array") from None
                raise
            return flat.reshape(shape)
        return _numpy.new(cls, [operator.index(s) for s in shape], d.name)

    # -- attributes ---------------------------------------------------------

    def _set_shape(self, shape):
        # An array's layout here is fixed when it is made, so only a shape
        # equal to the current one can be set; NumPy's errors for shapes that
        # do not fit come first.
        if self.reshape(shape).shape != self.shape:
            raise NotImplementedError(
                "setting an array's shape in place: this numpy implements a subset of NumPy; "
                "use a = a.reshape(...) instead")

    shape = property(_numpy._ndarray_base.shape.__get__, _set_shape)

    @property
    def dtype(self):
        return _by_name[self._dtype_name]

    @property
    def T(self):
        return self.transpose()

    @property
    def base(self):
        return getattr(self, "_base_ref", None)

    @property
    def data(self):
        return memoryview(self)

    @property
    def flat(self):
        return flatiter(self)

    @property
    def real(self):
        if self.dtype.kind == "c":
            part = _COMPONENT[self._dtype_name]
            return self._view(self._offset, list(self.shape), list(self.strides), part)._keep(self)
        return self

    @property
    def imag(self):
        if self.dtype.kind == "c":
            part = _COMPONENT[self._dtype_name]
            offset = self._offset + self.itemsize // 2
            return self._view(offset, list(self.shape), list(self.strides), part)._keep(self)
        return zeros_like(self)

    @property
    def __array_interface__(self):
        """NumPy's array interface (version 3): where the data is and how."""
        strides = None if self._c_contiguous else self.strides
        return {
            "data": (self._data_address(), not self._writeable),
            "strides": strides,
            "descr": self.dtype.descr,
            "typestr": self.dtype.str,
            "shape": self.shape,
            "version": 3,
        }

    @property
    def flags(self):
        return _Flags(self)

    def _keep(self, owner):
        """Records the array owning this view's memory (`.base`)."""
        self._base_ref = owner.base if owner.base is not None else owner
        return self

    # -- conversion ---------------------------------------------------------

    def _scalar_at(self):
        """The element of a 0-d array as a NumPy scalar."""
        return _scalar(self._dtype_name, self._first())

    def _first(self):
        # A longdouble's value comes as its bytes, which only its NumPy
        # scalar can stand for (NumPy's item() and tolist() give that too).
        value = super()._first()
        if type(value) is bytes:
            return _scalar(self._dtype_name, value)
        return value

    def item(self, *args):
        if len(args) == 1:
            return self.ravel()[args[0]].item()
        if args:
            return self[args].item()
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self._first()

    def tolist(self):
        flat = self._flat_values()
        if self.dtype.char in "gG":
            flat = [_scalar(self._dtype_name, b) for b in flat]
        shape = self.shape
        if not shape:
            return flat[0]
        return _nest(flat, shape)

    def tobytes(self, order="C"):
        return bytes(self._tobytes())

    def tofile(self, fid, sep="", format="%s"):
        from ._more import tofile
        tofile(self, fid, sep, format)

    def __bool__(self):
        if self.size == 1:
            return bool(self._first())
        if self.size == 0:
            raise ValueError(
                "The truth value of an empty array is ambiguous. Use `array.size > 0` to check that an array is not empty.")
        raise ValueError(
            "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()")

    def _only_scalar(self):
        if self.ndim != 0:
            raise TypeError("only 0-dimensional arrays can be converted to Python scalars")
        return self._first()

    def __int__(self):
        return int(self._only_scalar())

    def __float__(self):
        return float(self._only_scalar())

    def __complex__(self):
        return complex(self._only_scalar())

    def __index__(self):
        if self.ndim != 0 or self.dtype.kind not in "iu":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return self._first()

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        for i in range(self.shape[0]):
            yield self[i]

    def __repr__(self):
        from ._arrayprint import array_repr
        return array_repr(self)

    def __str__(self):
        from ._arrayprint import array_str
        return array_str(self)

    def __format__(self, spec):
        from ._arrayprint import array_format
        return array_format(self, spec)

    def __reduce_ex__(self, protocol):
        # Protocol 5 hands a C-contiguous array's memory to the pickler as a
        # PickleBuffer, which it may send out of band (NumPy does the same).
        if protocol >= 5 and self._c_contiguous and self._dtype_name != "object":
            from pickle import PickleBuffer
            return (_rebuild_from_buffer, (PickleBuffer(self), self._dtype_name, tuple(self.shape)))
        return self.__reduce__()

    def __reduce__(self):
        if self._f_contiguous and not self._c_contiguous:
            # A Fortran-ordered array (a transpose) stays Fortran-ordered.
            return (_rebuild_fortran, (self.T._tobytes(), self._dtype_name, tuple(self.shape)))
        return (_rebuild, (self._tobytes(), self._dtype_name, tuple(self.shape)))

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __array__(self, dtype=None, copy=None):
        return self if dtype is None else self.astype(dtype)

    def _mpi_buffer(self, writable):
        """The memory an MPI call reads or writes: a flat byte view of this
        array's elements in memory order (C or Fortran), its type code and
        item size. mpi4py takes arrays through DLPack; its errors are these."""
        if not (self._c_contiguous or self._f_contiguous):
            raise BufferError("dlpack: buffer is not contiguous")
        if writable and not self._writeable:
            raise BufferError("dlpack: buffer is not writable")
        start = self._offset
        for d, st in zip(self.shape, self.strides):
            if st < 0 and d > 1:
                start += st * (d - 1)
        flat = self._view(start, [self.nbytes], [1], "uint8")
        return memoryview(flat), self.dtype.char, self.itemsize

    def __contains__(self, value):
        return bool((self == value).any())

    # -- shape --------------------------------------------------------------

    def reshape(self, *shape, order="C"):
        shape = _shape_arg(shape[0]) if len(shape) == 1 else [_dim(s) for s in shape]
        size = self.size
        unknown = [i for i, s in enumerate(shape) if s < 0]
        if len(unknown) > 1:
            raise ValueError("can only specify one unknown dimension")
        known = 1
        for s in shape:
            if s >= 0:
                known *= s
        if unknown:
            if known == 0 or size % known:
                raise ValueError(f"cannot reshape array of size {size} into shape "
                                 f"{_shape_text(shape)}")
            shape[unknown[0]] = size // known
        elif known != size:
            raise ValueError(f"cannot reshape array of size {size} into shape {_shape_text(shape)}")
        src = self if self._c_contiguous else self.copy()
        strides = _c_strides(shape, self.itemsize)
        return src._view(src._offset, shape, strides)._keep(src)

    def ravel(self, order="C"):
        return self.reshape(-1) if self.size else self.reshape(0)

    def flatten(self, order="C"):
        return self.copy().reshape(-1)

    def transpose(self, *axes):
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        nd = self.ndim
        if not axes:
            axes = tuple(range(nd))[::-1]
        if len(axes) != nd:
            raise ValueError("axes don't match array")
        axes = [_normalize_axis(a, nd) for a in axes]
        if sorted(axes) != list(range(nd)):
            raise ValueError("repeated axis in transpose")
        shape, strides = self.shape, self.strides
        return self._view(self._offset, [shape[a] for a in axes], [strides[a] for a in axes])._keep(self)

    def swapaxes(self, a, b):
        axes = list(range(self.ndim))
        a, b = _normalize_axis(a, self.ndim), _normalize_axis(b, self.ndim)
        axes[a], axes[b] = axes[b], axes[a]
        return self.transpose(axes)

    def squeeze(self, axis=None):
        keep = [i for i, d in enumerate(self.shape) if d != 1]
        return self._view(self._offset, [self.shape[i] for i in keep], [self.strides[i] for i in keep])._keep(self)

    def copy(self, order="C"):
        return self._astype()

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        # NumPy 2.4's astype also names 'same_value', which this numpy lacks.
        casting = _casting_rule(casting, _CASTING_RULES + ("same_value",))
        d = _resolve(dtype)
        _check_cast(self.dtype, d, casting)
        if not copy and d.name == self._dtype_name:
            return self
        return self._astype(d.name)

    def view(self, dtype=None, type=None):
        if dtype is None or isinstance(dtype, _builtin_type) and issubclass(dtype, ndarray):
            return self._view(self._offset, list(self.shape), list(self.strides))._keep(self)
        d = _resolve(dtype)
        if d.itemsize == self.itemsize:
            return self._view(self._offset, list(self.shape), list(self.strides), d.name)._keep(self)
        if not self._c_contiguous or self.ndim == 0:
            raise ValueError("To change to a dtype of a different size, the last axis must be contiguous")
        last = self.shape[-1] * self.itemsize
        if last % d.itemsize:
            raise ValueError(
                "When changing to a smaller dtype, its size must be a divisor of the size of original dtype"
                if d.itemsize < self.itemsize else
                "When changing to a larger dtype, its size must be a divisor of the total size in bytes of the last axis of the array.")
        shape = list(self.shape[:-1]) + [last // d.itemsize]
        return self._view(self._offset, shape, _c_strides(shape, d.itemsize), d.name)._keep(self)

    def fill(self, value):
        self[...] = value

    # -- indexing -----------------------------------------------------------

    def __getitem__(self, key):
        if type(key) is int and self.ndim == 1:
            n = self.shape[0]
            i = key + n if key < 0 else key
            if not 0 <= i < n:
                raise IndexError(f"index {key} is out of bounds for axis 0 with size {n}")
            return _scalar(self._dtype_name, self._item_at(self._offset + i * self.strides[0]))
        if type(key) is tuple and not key and self.ndim == 0:
            return self._scalar_at()
        offset = _element_offset(self, key)
        if offset is not None:
            return _scalar(self._dtype_name, self._item_at(offset))
        kind, parts = _parse_key(self, key)
        if kind == "basic":
            view, scalar = _basic_view(self, parts)
            if scalar:
                return view._scalar_at()
            return view._keep(self)
        if kind == "mask":
            return self._compress(parts)
        flat, shape = _advanced_flat(self, parts)
        return self._take_flat(flat, shape)

    def __setitem__(self, key, value):
        if type(key) is int and self.ndim == 1 and type(value) in (int, float):
            n = self.shape[0]
            i = key + n if key < 0 else key
            if not 0 <= i < n:
                raise IndexError(f"index {key} is out of bounds for axis 0 with size {n}")
            if type(value) is int and self.dtype.kind in "iu":
                _check_int_range(value, self.dtype)
            elif type(value) is float and self.dtype.kind in "iu" and value != value:
                raise ValueError("cannot convert float NaN to integer")
            self._set_at(self._offset + i * self.strides[0], value)
            return
        if type(value) in (int, float, bool):
            offset = _element_offset(self, key)
            if offset is not None:
                if type(value) is int and self.dtype.kind in "iu":
                    _check_int_range(value, self.dtype)
                elif type(value) is float and self.dtype.kind in "iu" and value != value:
                    raise ValueError("cannot convert float NaN to integer")
                self._set_at(offset, value)
                return
        kind, parts = _parse_key(self, key)
        if kind == "basic":
            view, _ = _basic_view(self, parts)
            view._assign(_value_array(value, self.dtype))
        elif kind == "mask":
            self._put_mask(parts, _value_array(value, self.dtype).ravel())
        else:
            flat, shape = _advanced_flat(self, parts)
            src = _value_array(value, self.dtype)
            if src.size != 1 and tuple(src.shape) != tuple(shape):
                try:
                    src = broadcast_to(src, shape)
                except ValueError:
                    raise ValueError(
                        f"shape mismatch: value array of shape {_shape_text(src.shape)} could not be broadcast "
                        f"to indexing result of shape {_shape_text(shape)}") from None
            self._put_flat(flat, src.ravel())

    # -- operators ----------------------------------------------------------

    def _binop(self, name, other, reflected=False):
        if isinstance(other, str):
            if name.startswith("logical_"):
                # NumPy's logical ufuncs take a string's truth, as Python does.
                return self._binop(name, bool(other), reflected)
            raise _no_string_loop(name, self.dtype, other, reflected)
        operand, weak = _operand(other, self.dtype)
        if operand is NotImplemented:
            return NotImplemented
        return _result(self._binary(name, operand, weak, reflected))

    def _inplace(self, name, other):
        result = self._binop(name, other)
        if result is NotImplemented:
            return NotImplemented
        result = asarray(result)
        if result.dtype is not self.dtype and not _can_cast_same_kind(result.dtype, self.dtype):
            raise _UFuncTypeError(
                f"Cannot cast ufunc '{_UFUNC_NAMES.get(name, name)}' output from {result.dtype!r} to "
                f"{self.dtype!r} with casting rule 'same_kind'")
        self._assign(result)
        return self

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return _result(self._unary("negative"))

    def __pos__(self):
        return _result(self._unary("positive"))

    def __abs__(self):
        return _result(self._unary("absolute"))

    def __invert__(self):
        return _result(self._unary("invert"))

    def __round__(self, ndigits=None):
        return around(self, ndigits or 0)

    # -- methods ------------------------------------------------------------

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        return _reduce(self, "sum", axis, dtype, keepdims, initial)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        return _reduce(self, "prod", axis, dtype, keepdims, initial)

    def max(self, axis=None, out=None, keepdims=False, initial=None, where=None):
        return _reduce(self, "max", axis, None, keepdims, initial)

    def min(self, axis=None, out=None, keepdims=False, initial=None, where=None):
        return _reduce(self, "min", axis, None, keepdims, initial)

    def all(self, axis=None, out=None, keepdims=False, where=None):
        return _reduce(self, "all", axis, None, keepdims)

    def any(self, axis=None, out=None, keepdims=False, where=None):
        return _reduce(self, "any", axis, None, keepdims)

    def argmax(self, axis=None, out=None, keepdims=False):
        return _reduce(self, "argmax", axis, None, keepdims)

    def argmin(self, axis=None, out=None, keepdims=False):
        return _reduce(self, "argmin", axis, None, keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        return _reduce(self, "cumsum", axis, dtype, False)

    def cumprod(self, axis=None, dtype=None, out=None):
        return _reduce(self, "cumprod", axis, dtype, False)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, where=None):
        return _mean(self, axis, dtype, keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None, correction=None):
        return _var(self, axis, dtype, ddof, keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None, correction=None):
        v = _var(self, axis, dtype, ddof, keepdims)
        return _result(asarray(v)._unary("sqrt"))

    def ptp(self, axis=None, out=None, keepdims=False):
        return self.max(axis, keepdims=keepdims) - self.min(axis, keepdims=keepdims)

    def sort(self, axis=-1, kind=None, order=None):
        self[...] = sort(self, axis)

    def argsort(self, axis=-1, kind=None, order=None):
        return argsort(self, axis)

    def dot(self, other):
        return dot(self, other)

    def nonzero(self):
        return nonzero(self)

    def round(self, decimals=0, out=None):
        return around(self, decimals)

    def clip(self, min=None, max=None, out=None):
        return clip(self, min, max)

    def conj(self):
        return conjugate(self)

    conjugate = conj

    def repeat(self, repeats, axis=None):
        return repeat(self, repeats, axis)

    def diagonal(self, offset=0):
        return diagonal(self, offset)

    def trace(self, offset=0):
        return diagonal(self, offset).sum()


ndarray.__name__ = "numpy.ndarray"  # its internal name; see _dtypes._CType


def _install_operators():
    names = {
        "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
        "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "and": "bitwise_and",
        "or": "bitwise_or", "xor": "bitwise_xor", "lshift": "left_shift", "rshift": "right_shift",
    }
    for short, ufunc in names.items():
        def forward(self, other, _u=ufunc):
            return self._binop(_u, other)

        def reflected(self, other, _u=ufunc):
            return self._binop(_u, other, True)

        def inplace(self, other, _u=ufunc):
            return self._inplace(_u, other)
        setattr(ndarray, f"__{short}__", forward)
        setattr(ndarray, f"__r{short}__", reflected)
        setattr(ndarray, f"__i{short}__", inplace)
    for short, ufunc in {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
                         "eq": "equal", "ne": "not_equal"}.items():
        def compare(self, other, _u=ufunc):
            if isinstance(other, str) and _u in ("equal", "not_equal"):
                # NumPy's == and != answer elementwise where the ufunc has no loop.
                return _result(full(self.shape, _u == "not_equal", dtype=bool))
            result = self._binop(_u, other)
            if result is NotImplemented and _u in ("equal", "not_equal"):
                return full(self.shape, _u == "not_equal", dtype=bool)
            return result
        setattr(ndarray, f"__{short}__", compare)


_install_operators()
_UFUNC_NAMES = {"divide": "divide"}


class _UFuncTypeError(TypeError):
    __module__ = "numpy._core._exceptions"


_UFuncTypeError.__name__ = "UFuncTypeError"
_UFuncTypeError.__qualname__ = "UFuncTypeError"

# Given a string, these ufuncs report the loop they lack by the dtypes, these
# by the DType classes, and the rest (the logical ones aside) that the input
# types are not supported: NumPy resolves their types in different ways.
_LOOP_BY_DTYPE = {"add", "subtract", "multiply", "maximum", "minimum"}
_LOOP_BY_DTYPE_CLASS = {
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "negative", "positive", "absolute", "sign",
}


def _no_string_loop(name, dt=None, text="", reflected=False):
    """NumPy's error for ufunc `name` given the string `text` and an array
    of `dt` (`dt` None: a unary ufunc given a string)."""
    if name in _LOOP_BY_DTYPE:
        types = [f"dtype('{dt.name}')", f"dtype('<U{len(text)}')"]
    elif name in _LOOP_BY_DTYPE_CLASS:
        types = [] if dt is None else [f"<class 'numpy.dtypes.{_dtypes._CLASS_NAMES[dt.name]}'>"]
        types.append("<class 'numpy.dtypes.StrDType'>")
    else:
        return TypeError(f"ufunc '{name}' not supported for the input types, and the inputs could not be "
                         "safely coerced to any supported types according to the casting rule ''safe''")
    if reflected:
        types.reverse()
    signature = f"({', '.join(types)})" if len(types) > 1 else types[0]
    return _UFuncTypeError(f"ufunc '{name}' did not contain a loop with signature matching types {signature} -> None")


def _can_cast_same_kind(src, dst):
    order = "buifc"
    return order.index(src.kind) <= order.index(dst.kind)


_CASTING_RULES = ("no", "equiv", "safe", "same_kind", "unsafe")


def _casting_rule(casting, rules=_CASTING_RULES):
    """Checks a `casting=` argument as NumPy does; `rules` lists the names
    the caller's message offers."""
    if not isinstance(casting, str):
        raise TypeError(f"casting must be str, not {type(casting).__name__}")
    if casting not in rules:
        names = ", ".join(f"'{r}'" for r in rules)
        raise ValueError(f"casting must be one of {names} (got {casting!r})")
    if casting not in _CASTING_RULES:
        raise NotImplementedError(f"casting={casting!r}: this numpy implements a subset of NumPy")
    return casting


def _can_cast(src, dst, casting):
    """NumPy's casting rules. Every dtype here is in native byte order, so
    'no' and 'equiv' both allow only the same dtype; 'safe' is what
    promotion to `dst` allows."""
    if casting == "unsafe" or src is dst:
        return True
    if casting in ("no", "equiv"):
        return False
    if _dtypes._promote(src, dst) is dst:
        return True
    return casting == "same_kind" and _can_cast_same_kind(src, dst)


def _check_cast(src, dst, casting, what="array data"):
    if not _can_cast(src, dst, casting):
        raise TypeError(f"Cannot cast {what} from {src!r} to {dst!r} according to the rule '{casting}'")


class _Flags:
    def __init__(self, a):
        self._a = a

    @property
    def c_contiguous(self):
        return self._a._c_contiguous

    @property
    def f_contiguous(self):
        return self._a._f_contiguous

    @property
    def writeable(self):
        return self._a._writeable

    @property
    def owndata(self):
        return self._a.base is None

    def __getitem__(self, key):
        return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous, "C": self.c_contiguous,
                "F": self.f_contiguous, "WRITEABLE": self.writeable, "OWNDATA": self.owndata}[key]


class flatiter:
    """`a.flat`: the elements in C order, indexable and assignable."""

    __module__ = "numpy"

    def __init__(self, base):
        self.base = base

    def __iter__(self):
        flat = self.base.ravel()
        for i in range(flat.size):
            yield flat[i]

    def __len__(self):
        return self.base.size

    def __getitem__(self, key):
        return self.base.ravel()[key] if self.base._c_contiguous else self.base.flatten()[key]

    def __setitem__(self, key, value):
        if self.base._c_contiguous:
            self.base.reshape(-1)[key] = value
        else:
            flat = self.base.flatten()
            flat[key] = value
            self.base[...] = flat.reshape(self.base.shape)

    def __array__(self, dtype=None, copy=None):
        return self.base.flatten()

    def copy(self):
        return self.base.flatten()


def _c_strides(shape, itemsize):
    strides = []
    step = itemsize
    for d in reversed(shape):
        strides.append(step)
        step *= max(d, 1)
    return strides[::-1]


def _nest(flat, shape):
    if len(shape) == 1:
        return flat
    n = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * n:(i + 1) * n], shape[1:]) for i in range(shape[0])]


def _rebuild(data, name, shape):
    return _numpy.from_bytes(ndarray, data, name, list(shape))


def _rebuild_from_buffer(buf, name, shape):
    return frombuffer(buf, dtype=name).reshape(shape)


def _rebuild_fortran(data, name, shape):
    return _numpy.from_bytes(ndarray, data, name, list(shape)[::-1]).T


def _result(arr):
    """A 0-d result as NumPy returns it from operators: a scalar."""
    if isinstance(arr, ndarray) and not arr.shape:
        return arr._scalar_at()
    return arr


# ---------------------------------------------------------------------------
# Index expressions
# ---------------------------------------------------------------------------

def _parse_key(a, key):
    """Classifies an index: ('basic', parts), ('mask', bool array) or
    ('advanced', parts). `parts` has Ellipsis expanded."""
    if not isinstance(key, tuple):
        key = (key,)
    advanced = False
    parts = []
    for k in key:
        if isinstance(k, ndarray) or isinstance(k, list):
            arr = asarray(k)
            if arr.dtype.kind == "b":
                if len(key) == 1 and arr.shape == a.shape:
                    return "mask", arr
                axis = len(parts)
                if arr.ndim != 1 or axis >= a.ndim or arr.shape[0] != a.shape[axis]:
                    size = a.shape[axis] if axis < a.ndim else 0
                    raise IndexError(
                        f"boolean index did not match indexed array along axis {axis}; size of axis is {size} "
                        f"but size of corresponding boolean axis is {arr.shape[0] if arr.ndim else 1}")
                arr = nonzero(arr)[0]
            elif arr.dtype.kind not in "iu":
                if arr.size == 0:
                    arr = arr.astype("int64")
                else:
                    raise IndexError(
                        "arrays used as indices must be of integer (or boolean) type")
            parts.append(arr)
            advanced = True
        elif isinstance(k, bool_) or type(k) is bool:
            raise NotImplementedError("boolean scalar indices: this numpy implements a subset of NumPy")
        elif k is None or k is Ellipsis or isinstance(k, slice):
            parts.append(k)
        elif isinstance(k, generic) and k._dtype_name.startswith(("float", "complex")):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid indices")
        else:
            try:
                parts.append(operator.index(k))
            except TypeError:
                raise IndexError(
                    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid indices") from None
    used = sum(1 for p in parts if p is not None and p is not Ellipsis)
    if used > a.ndim:
        raise IndexError(f"too many indices for array: array is {a.ndim}-dimensional, but {used} were indexed")
    ellipses = [i for i, p in enumerate(parts) if p is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if ellipses:
        i = ellipses[0]
        parts[i:i + 1] = [slice(None)] * (a.ndim - used)
    else:
        parts.extend([slice(None)] * (a.ndim - used))
    return ("advanced" if advanced else "basic"), parts


def _element_offset(a, key):
    """The byte offset of `a[key]` when `key` is a tuple of one plain int
    per axis (the common `m[i, j]`), else None."""
    if type(key) is not tuple or len(key) != a.ndim:
        return None
    offset = a._offset
    for axis, (i, n, st) in enumerate(zip(key, a.shape, a.strides)):
        if type(i) is not int:
            return None
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {key[axis]} is out of bounds for axis {axis} with size {n}")
        offset += i * st
    return offset


def _basic_view(a, parts):
    """The view `parts` (ints, slices, None; one per axis) select, and
    whether every axis was indexed by an int (a scalar)."""
    offset = a._offset
    shape, strides = [], []
    axis = 0
    ashape, astrides = a.shape, a.strides
    only_ints = True
    for p in parts:
        if p is None:
            shape.append(1)
            strides.append(0)
            only_ints = False
            continue
        n, st = ashape[axis], astrides[axis]
        if isinstance(p, slice):
            start, stop, step = p.indices(n)
            count = len(range(start, stop, step))
            offset += start * st if count else 0
            shape.append(count)
            strides.append(st * step)
            only_ints = False
        else:
            i = p + n if p < 0 else p
            if not 0 <= i < n:
                raise IndexError(f"index {p} is out of bounds for axis {axis} with size {n}")
            offset += i * st
        axis += 1
    return a._view(offset, shape, strides), only_ints and a.ndim > 0


def _advanced_flat(a, parts):
    """Flat C-order positions and result shape of an index with integer
    arrays (NumPy's advanced indexing, the arrays broadcast together)."""
    arrays = [(i, p) for i, p in enumerate(parts) if isinstance(p, ndarray)]
    ints = [(i, p) for i, p in enumerate(parts) if isinstance(p, int)]
    if any(p is None for p in parts):
        raise NotImplementedError("newaxis with array indices: this numpy implements a subset of NumPy")
    adv_axes = sorted([i for i, _ in arrays] + [i for i, _ in ints])
    index_arrays = {i: p for i, p in arrays}
    for i, p in ints:
        index_arrays[i] = asarray(p)
    bshape = _broadcast_operands([index_arrays[i].shape for i in adv_axes], IndexError,
                                  "shape mismatch: indexing arrays")
    idx = {i: broadcast_to(index_arrays[i], bshape).ravel().tolist() for i in adv_axes}
    for i in adv_axes:
        n = a.shape[i]
        for k, v in enumerate(idx[i]):
            if not -n <= v < n:
                raise IndexError(f"index {v} is out of bounds for axis {i} with size {n}")
            if v < 0:
                idx[i][k] = v + n
    slices = {i: range(*p.indices(a.shape[i])) for i, p in enumerate(parts) if isinstance(p, slice)}
    adjacent = adv_axes == list(range(adv_axes[0], adv_axes[-1] + 1))
    c_strides = _c_strides(list(a.shape), 1)
    nb = 1
    for d in bshape:
        nb *= d
    before = [i for i in slices if i < adv_axes[0]] if adjacent else []
    after = [i for i in slices if i not in before]
    flat = []

    def walk(axes, base, emit):
        if not axes:
            emit(base)
            return
        ax = axes[0]
        for v in slices[ax]:
            walk(axes[1:], base + v * c_strides[ax], emit)

    def emit_before(base):
        for k in range(nb):
            pos = base + sum(idx[i][k] * c_strides[i] for i in adv_axes)
            walk(after, pos, flat.append)

    walk(before, 0, emit_before)
    shape = [len(slices[i]) for i in before] + list(bshape) + [len(slices[i]) for i in after]
    return flat, shape


# ---------------------------------------------------------------------------
# Operands
# ---------------------------------------------------------------------------

def _check_int_range(value, dt):
    lo, hi = _INT_RANGES[dt.name]
    if not lo <= value <= hi:
        raise OverflowError(f"Python integer {value} out of bounds for {dt.name}")


def _operand(other, dt):
    """`other` as an array for a binary op with an array of dtype `dt`, and
    the NEP 50 weak kind of a Python scalar (None for arrays and NumPy
    scalars)."""
    if isinstance(other, ndarray):
        return other, None
    if isinstance(other, generic):
        return asarray(other), None
    t = type(other)
    if t is bool:
        return _numpy.from_values(ndarray, [other], "bool", []), "bool"
    if t is int:
        if dt.kind in "iu":
            _check_int_range(other, dt)
        elif dt.kind == "b" and not -2**63 <= other < 2**63:
            raise OverflowError(f"Python integer {other} out of bounds for int64")
        name = "int64" if -2**63 <= other < 2**63 else ("uint64" if 0 <= other < 2**64 else None)
        if name is None:
            return _numpy.from_values(ndarray, [float(other)], "float64", []), None
        return _numpy.from_values(ndarray, [other], name, []), "int"
    if t is float:
        return _numpy.from_values(ndarray, [other], "float64", []), "float"
    if t is complex:
        return _numpy.from_values(ndarray, [other], "complex128", []), "complex"
    if isinstance(other, (list, tuple)):
        return asarray(other), None
    # Subclasses of Python's numbers (an IntEnum, say) count as those numbers.
    if isinstance(other, int):
        return _operand(int(other), dt)
    if isinstance(other, float):
        return _operand(float(other), dt)
    if isinstance(other, complex):
        return _operand(complex(other), dt)
    return NotImplemented, None


def _binary_scalar(name, a, b, reflected):
    """`a <op> b` for a NumPy scalar `a`, by 0-d arrays."""
    if isinstance(b, str):
        # NumPy's scalars leave reflected operators and `*` (repetition) with
        # a string to Python, and compare unequal to it.
        if reflected or name == "multiply":
            return NotImplemented
        if name in ("equal", "not_equal"):
            return _scalar("bool", name == "not_equal")
    arr = asarray(a)
    if isinstance(b, ndarray):
        return b._binop(name, arr, not reflected)
    return arr._binop(name, b, reflected)


def _value_array(value, dt):
    """The array an assignment of `value` into an array of `dt` writes."""
    if isinstance(value, ndarray):
        return value
    t = type(value)
    if t is int and dt.kind in "iu":
        _check_int_range(value, dt)
    if t in (int, float, complex, bool):
        if t is float and dt.kind in "iu" and value != value:
            raise ValueError("cannot convert float NaN to integer")
        return _numpy.from_values(ndarray, [value], _py_dtype(value), [])
    try:
        return asarray(value)
    except _StringData:
        return array(value, dtype=dt)


def _py_dtype(value):
    t = type(value)
    if t is bool:
        return "bool"
    if t is int:
        return "int64" if -2**63 <= value < 2**63 else "uint64"
    if t is float:
        return "float64"
    return "complex128"


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------

def _reduce(a, name, axis, dtype, keepdims, initial=None):
    a = asarray(a)
    d = None if dtype is None else _resolve(dtype).name
    if name in ("max", "min") and a.size == 0 and initial is None and axis is None:
        label = "maximum" if name == "max" else "minimum"
        raise ValueError(f"zero-size array to reduction operation {label} which has no identity")
    if axis is None or (a.ndim <= 1 and name not in ("cumsum", "cumprod")):
        if axis is not None:
            _normalize_axis(axis if not isinstance(axis, tuple) else axis[0], max(a.ndim, 1))
        if name in ("cumsum", "cumprod") and axis is None:
            out = a._reduce(name, None, d)
        else:
            out = a._reduce(name, None, d)
        if keepdims and name not in ("cumsum", "cumprod"):
            out = out.reshape([1] * a.ndim)
        if initial is not None:
            out = _apply_initial(name, out, initial)
        return _result(out)
    if isinstance(axis, tuple):
        if len(axis) == 0:
            return a.copy()
        axes = sorted((_normalize_axis(x, a.ndim) for x in axis), reverse=True)
        out = a
        for ax in axes:
            out = asarray(_reduce(out, name, ax, dtype, True))
        if not keepdims:
            out = out.reshape([d for i, d in enumerate(a.shape) if i not in axes])
        return _result(out)
    ax = _normalize_axis(axis, a.ndim)
    out = a._reduce(name, ax, d)
    if keepdims and name not in ("cumsum", "cumprod"):
        shape = list(a.shape)
        shape[ax] = 1
        out = out.reshape(shape)
    if initial is not None:
        out = _apply_initial(name, out, initial)
    return _result(out)


def _apply_initial(name, out, initial):
    if name == "sum":
        return out + initial
    if name == "prod":
        return out * initial
    if name == "max":
        return maximum(out, initial)
    if name == "min":
        return minimum(out, initial)
    return out


def _count(a, axis):
    if axis is None:
        return a.size
    if isinstance(axis, tuple):
        n = 1
        for x in axis:
            n *= a.shape[_normalize_axis(x, a.ndim)]
        return n
    return a.shape[_normalize_axis(axis, a.ndim)]


def _mean(a, axis, dtype, keepdims):
    a = asarray(a)
    if dtype is None and a.dtype.kind in "biu":
        dtype = "float64"
    n = _count(a, axis)
    s = asarray(_reduce(a, "sum", axis, dtype, keepdims))
    if n == 0:
        import warnings
        warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=3)
    return _result(s._binary("divide", _numpy.from_values(ndarray, [n], "int64", []), "int", False))


def _var(a, axis, dtype, ddof, keepdims):
    a = asarray(a)
    if dtype is None and a.dtype.kind in "biu":
        dtype = "float64"
    n = _count(a, axis)
    mean = asarray(_reduce(a, "sum", axis, dtype, True))
    mean = mean._binary("divide", _numpy.from_values(ndarray, [n], "int64", []), "int", False)
    x = asarray(a - mean)
    if x.dtype.kind == "c":
        x = asarray(x.real * x.real + x.imag * x.imag)
    else:
        x = asarray(x * x)
    s = asarray(_reduce(x, "sum", axis, dtype, keepdims))
    count = max(n - ddof, 0)
    return _result(s._binary("divide", _numpy.from_values(ndarray, [count], "int64", []), "int", False))


# ---------------------------------------------------------------------------
# Conversion of Python data
# ---------------------------------------------------------------------------

def _flatten_nested(obj, out, shape, depth, items_dtypes):
    if isinstance(obj, ndarray):
        if depth == len(shape):
            shape.extend(obj.shape)
        elif tuple(shape[depth:]) != tuple(obj.shape):
            raise _inhomogeneous(shape, depth)
        out.extend(obj._flat_values())
        items_dtypes.add(obj._dtype_name)
        return
    if isinstance(obj, (list, tuple)):
        n = len(obj)
        if depth == len(shape):
            shape.append(n)
        elif depth > len(shape) - 1 or shape[depth] != n:
            raise _inhomogeneous(shape, depth)
        for x in obj:
            _flatten_nested(x, out, shape, depth + 1, items_dtypes)
        return
    if depth != len(shape):
        raise _inhomogeneous(shape, depth)
    if isinstance(obj, generic):
        items_dtypes.add(obj._dtype_name)
        out.append(obj._py())
    elif type(obj) in (int, float, complex, bool) or isinstance(obj, (int, float, complex)):
        out.append(obj)
    elif isinstance(obj, str):
        # Kept for `array` to parse when a numeric dtype is asked for; `str`
        # in the set marks that there are some.
        items_dtypes.add(str)
        out.append(obj)
    elif obj is None or True:
        raise NotImplementedError(
            f"arrays of '{type(obj).__name__}' objects: this numpy implements a subset of NumPy (numbers and bools)")


def _inhomogeneous(shape, depth):
    return ValueError(
        "setting an array element with a sequence. The requested array has an inhomogeneous shape after "
        f"{depth} dimensions. The detected shape was {tuple(shape[:depth])} + inhomogeneous part.")


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, like=None):
    if isinstance(obj, ndarray):
        out = obj.astype(dtype if dtype is not None else obj.dtype, copy=copy is not False)
    elif hasattr(obj, "__array__") and not isinstance(obj, generic):
        out = obj.__array__()
        if dtype is not None:
            out = out.astype(dtype)
    else:
        flat, shape, dtypes = [], [], set()
        if isinstance(obj, (range,)):
            obj = list(obj)
        if isinstance(obj, (bytes, bytearray, memoryview)) and not isinstance(obj, memoryview):
            raise NotImplementedError("bytes arrays: this numpy implements a subset of NumPy (numbers and bools)")
        if isinstance(obj, memoryview):
            obj = obj.tolist()
        _flatten_nested(obj, flat, shape, 0, dtypes)
        if str in dtypes:
            dtypes.discard(str)
            if dtype is None:
                raise _StringData("string arrays: this numpy implements a subset of NumPy (numbers and bools)")
            flat = _parse_strings(flat, _resolve(dtype))
        if dtype is None:
            # Python values by their kind; NumPy scalars and arrays inside
            # the list keep their own types.
            name = _numpy.infer_dtype(flat)
            if dtypes:
                inferred = None
                for dn in dtypes:
                    inferred = dn if inferred is None else _numpy.promote_types(inferred, dn)
                if any(True for _ in _python_items(obj)):
                    inferred = _numpy.promote_types(inferred, name)
                name = inferred
            d = _by_name[name]
        else:
            d = _resolve(dtype)
            if d.kind in "iu":
                for x in flat:
                    if type(x) is int:
                        _check_int_range(x, d)
                    elif isinstance(x, float) and x != x:
                        raise ValueError("cannot convert float NaN to integer")
        out = _numpy.from_values(ndarray, flat, d.name, shape)
    while out.ndim < ndmin:
        out = out.reshape((1,) + tuple(out.shape))
    return out


class _StringData(NotImplementedError):
    """Strings in array data with no dtype given: NumPy makes a string array,
    which this numpy lacks. Assignments into numeric arrays catch it and
    parse the strings instead, as NumPy's cast from strings does."""


# Shown as what it is to the user.
_StringData.__module__ = "builtins"
_StringData.__name__ = _StringData.__qualname__ = "NotImplementedError"

# How NumPy casts a string to each kind: as Python's int(), float() and
# complex() parse it (with their errors); a string is True when not empty.
_STRING_PARSERS = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def _parse_strings(flat, d):
    parse = _STRING_PARSERS[d.kind]
    return [parse(x) if isinstance(x, str) else x for x in flat]


def _python_items(obj):
    if isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _python_items(x)
    elif not isinstance(obj, (ndarray, generic)):
        yield obj


def asarray(a, dtype=None, order=None, copy=None, like=None):
    if isinstance(a, ndarray):
        if dtype is None or _resolve(dtype) is a.dtype:
            return a
        return a.astype(dtype)
    if isinstance(a, generic):
        return _numpy.from_values(ndarray, [a._py()], a._dtype_name if dtype is None else _resolve(dtype).name, [])
    return array(a, dtype)


asanyarray = asarray


def ascontiguousarray(a, dtype=None):
    a = asarray(a, dtype)
    return a if a._c_contiguous else a.copy()


def frombuffer(buffer, dtype=float, count=-1, offset=0, like=None):
    """A 1-d array over `buffer`'s memory, shared as NumPy shares it."""
    d = _resolve(dtype)
    count, offset = operator.index(count), operator.index(offset)
    if isinstance(buffer, ndarray):
        # An array's own storage, viewed again (not exported to itself).
        if not buffer.flags.c_contiguous:
            raise ValueError("ndarray is not C-contiguous")
        flat = buffer.reshape(-1).view(_by_name["uint8"])
        if offset < 0 or offset > flat.size:
            raise ValueError(
                f"offset must be non-negative and no greater than buffer length ({flat.size})")
        available = flat.size - offset
        if count < 0:
            if available % d.itemsize:
                raise ValueError("buffer size must be a multiple of element size")
            count = available // d.itemsize
        elif count * d.itemsize > available:
            raise ValueError("buffer is smaller than requested size")
        return flat[offset:offset + count * d.itemsize].view(d)
    return _numpy.from_buffer(ndarray, buffer, d.name, count, offset)


def _shape_arg(shape):
    """A shape argument as NumPy takes it (a sequence of integers, or one
    integer), as a list, with NumPy's errors for anything else."""
    if shape is None:
        raise TypeError("Use () not None as shape arguments")
    if _is_sequence(shape):
        return [_dim(s) for s in shape]
    # NumPy refuses bools as dimensions, though they are integers to Python.
    if type(shape) is not bool and not isinstance(shape, bool_):
        try:
            return [_dim(shape)]
        except TypeError:
            pass
    raise TypeError(f"expected a sequence of integers or a single integer, got '{shape!r}'")


def _is_sequence(obj):
    # A str is a sequence to NumPy too: np.empty('3') complains about '3'.
    if isinstance(obj, ndarray):
        return obj.ndim > 0
    return isinstance(obj, (list, tuple, range, str))


def _dim(value):
    """One dimension of a shape argument."""
    if type(value) is bool or isinstance(value, bool_):
        raise TypeError("an integer is required")
    d = operator.index(value)
    if not _INT64_MIN <= d <= _INT64_MAX:
        raise ValueError("Maximum allowed dimension exceeded")
    return d


def _check_shape(shape):
    for s in shape:
        if s < 0:
            raise ValueError("negative dimensions are not allowed")
    return shape


def empty(shape, dtype=float, order="C", like=None):
    return _numpy.new(ndarray, _check_shape(_shape_arg(shape)), _resolve(dtype).name)


zeros = empty


def ones(shape, dtype=None, order="C", like=None):
    return full(shape, 1, dtype if dtype is not None else float)


def full(shape, fill_value, dtype=None, order="C", like=None):
    if dtype is None:
        dtype = asarray(fill_value).dtype
    out = empty(shape, dtype)
    out[...] = fill_value
    return out


def empty_like(a, dtype=None, order="K", subok=True, shape=None):
    a = asarray(a)
    return empty(a.shape if shape is None else shape, a.dtype if dtype is None else dtype)


zeros_like = empty_like


def ones_like(a, dtype=None, order="K", subok=True, shape=None):
    a = asarray(a)
    return ones(a.shape if shape is None else shape, a.dtype if dtype is None else dtype)


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    a = asarray(a)
    return full(a.shape if shape is None else shape, fill_value, a.dtype if dtype is None else dtype)


def broadcast_shapes(*shapes):
    shapes = [(shape,) if isinstance(shape, int) else tuple(shape) for shape in shapes]
    nd = max((len(shape) for shape in shapes), default=0)
    out = []
    # Axis by axis, as NumPy's broadcasting does: its error names the first
    # argument that gave the axis its length and the first that disagrees.
    for axis in range(nd):
        length, owner = 1, None
        for j, shape in enumerate(shapes):
            k = axis + len(shape) - nd
            if k < 0 or shape[k] == 1:
                continue
            if length == 1:
                length, owner = shape[k], j
            elif shape[k] != length:
                raise ValueError(
                    "shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between "
                    f"arg {owner} with shape {shapes[owner]} and arg {j} with shape {shape}.")
        out.append(length)
    return tuple(out)


def _broadcast_operands(shapes, error=ValueError, subject="operands"):
    """`broadcast_shapes` with the message NumPy's ufuncs and indexing give:
    every operand's shape."""
    try:
        return broadcast_shapes(*shapes)
    except ValueError:
        listed = " ".join(_shape_text(shape) for shape in shapes)
        raise error(f"{subject} could not be broadcast together with shapes {listed} ") from None


def broadcast_to(a, shape):
    a = asarray(a)
    shape = tuple(_shape_arg(shape))
    if any(d < 0 for d in shape):
        raise ValueError("all elements of broadcast shape must be non-negative")
    n = len(shape)
    if a.ndim > n:
        raise ValueError("input operand has more dimensions than allowed by the axis remapping")
    lead = n - a.ndim
    strides = [0] * lead
    for i, (d, st) in enumerate(zip(a.shape, a.strides)):
        if d == shape[lead + i]:
            strides.append(st)
        elif d == 1:
            strides.append(0)
        else:
            raise ValueError(
                f"operands could not be broadcast together with remapped shapes [original->remapped]: "
                f"{_shape_text(a.shape)}  and requested shape {_shape_text(shape)}")
    return a._view(a._offset, list(shape), strides)._keep(a)


# Filled in by _funcs (they need each other).
from ._funcs import (  # noqa: E402
    around, clip, conjugate, diagonal, dot, matmul, maximum, minimum, nonzero, repeat, sort, argsort,
)
