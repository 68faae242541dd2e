"""NumPy's dtype objects and scalar types.

`dtype(x)` accepts NumPy's spellings (`int`, `float`, `'i'`, `'d'`, `'f8'`,
`'int32'`, `np.intc`, `'single'`, ...) and returns one shared `dtype` per
element type. The scalar types (`np.float64`, `np.int32`, `np.bool`, ...) are
what indexing and reductions return; their arithmetic goes through 0-d
arrays so that it follows NEP 50 exactly as arrays do.
"""

import _numpy

__all__ = ["dtype", "generic"]

# name -> (kind, char, itemsize, str)
_INFO = {
    "bool": ("b", "?", 1, "|b1"),
    "int8": ("i", "b", 1, "|i1"),
    "int16": ("i", "h", 2, "<i2"),
    "int32": ("i", "i", 4, "<i4"),
    "int64": ("i", "l", 8, "<i8"),
    "uint8": ("u", "B", 1, "|u1"),
    "uint16": ("u", "H", 2, "<u2"),
    "uint32": ("u", "I", 4, "<u4"),
    "uint64": ("u", "L", 8, "<u8"),
    "float32": ("f", "f", 4, "<f4"),
    "float64": ("f", "d", 8, "<f8"),
    "complex128": ("c", "D", 16, "<c16"),
    "float16": ("f", "e", 2, "<f2"),
    "float128": ("f", "g", 16, "<f16"),
    "complex64": ("c", "F", 8, "<c8"),
    "complex256": ("c", "G", 32, "<c32"),
}

# Every string spelling NumPy accepts for the types above.
_SPELLINGS = {
    "?": "bool", "b1": "bool", "bool": "bool", "bool_": "bool",
    "b": "int8", "i1": "int8", "int8": "int8", "byte": "int8",
    "h": "int16", "i2": "int16", "int16": "int16", "short": "int16",
    "i": "int32", "i4": "int32", "int32": "int32", "intc": "int32",
    "l": "int64", "q": "int64", "i8": "int64", "int64": "int64", "int": "int64",
    "int_": "int64", "long": "int64", "longlong": "int64", "intp": "int64", "p": "int64", "n": "int64",
    "B": "uint8", "u1": "uint8", "uint8": "uint8", "ubyte": "uint8",
    "H": "uint16", "u2": "uint16", "uint16": "uint16", "ushort": "uint16",
    "I": "uint32", "u4": "uint32", "uint32": "uint32", "uintc": "uint32",
    "L": "uint64", "Q": "uint64", "u8": "uint64", "uint64": "uint64", "uint": "uint64",
    "ulong": "uint64", "ulonglong": "uint64", "uintp": "uint64", "P": "uint64", "N": "uint64",
    "f": "float32", "f4": "float32", "float32": "float32", "single": "float32",
    "d": "float64", "f8": "float64", "float64": "float64", "float": "float64", "double": "float64",
    "D": "complex128", "c16": "complex128", "complex128": "complex128", "complex": "complex128",
    "cdouble": "complex128",
    "e": "float16", "f2": "float16", "float16": "float16", "half": "float16",
    "g": "float128", "f16": "float128", "float128": "float128", "longdouble": "float128",
    "F": "complex64", "c8": "complex64", "complex64": "complex64", "csingle": "complex64",
    "G": "complex256", "c32": "complex256", "complex256": "complex256", "clongdouble": "complex256",
}

# Spellings NumPy knows for types this runtime lacks.
_MISSING = {
    "U": "str", "M": "datetime64", "m": "timedelta64",
}

_by_name = {}


# NumPy's type numbers (`dtype.num`), which also order `np.typecodes`.
_NUMS = {
    "bool": 0, "int8": 1, "uint8": 2, "int16": 3, "uint16": 4, "int32": 5, "uint32": 6,
    "int64": 7, "uint64": 8, "float32": 11, "float64": 12, "float128": 13, "complex64": 14,
    "complex128": 15, "complex256": 16, "float16": 23,
}

# The byte-order characters a dtype spelling may start with, and what each
# means on this (little-endian) host.
_ORDER_PREFIX = {"<": "=", "=": "=", "|": "=", ">": ">"}


class dtype:
    """A data type: `np.dtype('int32')`, `np.dtype('i4,f8')`, `a.dtype`.

    Element types are shared instances; structured (`np.dtype([('x', 'f8')])`),
    subarray, bytes, object and non-native dtypes are built per call, and
    compare equal when their layouts are the same, as in NumPy."""

    __slots__ = ("name", "kind", "char", "itemsize", "str", "type", "_order")
    __module__ = "numpy"

    def __new__(cls, obj, align=False, copy=False, metadata=None):
        return _make_dtype(obj, bool(align))

    @property
    def byteorder(self):
        return self._order

    @property
    def isnative(self):
        return self._order != ">"

    @property
    def num(self):
        return _NUMS[self.name]

    @property
    def alignment(self):
        # A complex number aligns as its parts.
        return self.itemsize if self.kind != "c" else min(self.itemsize // 2, 16)

    @property
    def descr(self):
        return [("", self.str)]

    @property
    def shape(self):
        return ()

    @property
    def ndim(self):
        return 0

    @property
    def base(self):
        return self

    @property
    def subdtype(self):
        return None

    @property
    def isbuiltin(self):
        return 1 if _by_name.get(self.name) is self else 0

    @property
    def names(self):
        return None

    @property
    def fields(self):
        return None

    @property
    def isalignedstruct(self):
        return False

    @property
    def hasobject(self):
        return False

    @property
    def flags(self):
        return 0

    @property
    def metadata(self):
        return None

    def __len__(self):
        return 0

    def __bool__(self):
        return True

    def __getitem__(self, key):
        raise KeyError(f"There are no fields in dtype {self}.")

    def newbyteorder(self, new_order="S"):
        return self._with_order(_new_order(new_order))

    def _with_order(self, order):
        """This dtype with byte order `order` ('S' swaps, '=' native, '>'
        big-endian, '|' leaves it)."""
        if self._order == "|" or order == "|":
            return self
        if order == "S":
            order = "=" if self._order == ">" else ">"
        if order == "=":
            return _by_name[self.name]
        d = object.__new__(type(self))
        d.name, d.kind, d.char, d.itemsize, d.type = self.name, self.kind, self.char, self.itemsize, self.type
        d.str, d._order = ">" + self.str[1:], ">"
        return d

    # Printing follows NumPy's rules: `repr` gives the argument that would
    # rebuild the dtype; inside structures, fields use the short spelling
    # ('<i4' rather than 'int32').
    def _short(self):
        if self.kind == "b":
            return "'?'"
        order = {"=": "<", "|": ""}.get(self._order, self._order)
        return f"'{order}{self.kind}{self.itemsize}'"

    def _long(self):
        if self._order == ">":
            return self._short()
        return f"'{self.name}'"

    def __repr__(self):
        return f"dtype({self._long()})"

    def __str__(self):
        return self.name if self._order != ">" else self.str

    def _key(self):
        """What equality compares: the layout, not the spelling."""
        return (self.name, self._order == ">")

    def __eq__(self, other):
        if self is other:
            return True
        if not isinstance(other, dtype):
            try:
                other = _make_dtype(other, False)
            except (TypeError, ValueError, NotImplementedError, SyntaxError):
                return False
        return self._key() == other._key()

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(("numpy.dtype", self._key()))

    def __reduce__(self):
        return (dtype, (self.name if self._order != ">" else self.str,))


def _new_order(new_order):
    """`newbyteorder`'s argument as '=', '>', 'S' or '|'."""
    table = {"S": "S", "s": "S", "<": "=", "L": "=", "l": "=", ">": ">", "B": ">", "b": ">",
             "=": "=", "N": "=", "n": "=", "|": "|", "I": "|", "i": "|"}
    order = table.get(new_order[:1] if isinstance(new_order, str) else None)
    if order is None:
        raise ValueError(f"{new_order!r} is an unrecognized byteorder")
    return order


_CLASS_NAMES = {
    "bool": "BoolDType", "int8": "Int8DType", "int16": "Int16DType", "int32": "Int32DType",
    "int64": "Int64DType", "uint8": "UInt8DType", "uint16": "UInt16DType", "uint32": "UInt32DType",
    "uint64": "UInt64DType", "float32": "Float32DType", "float64": "Float64DType",
    "complex128": "Complex128DType", "float16": "Float16DType", "float128": "LongDoubleDType",
    "complex64": "Complex64DType", "complex256": "CLongDoubleDType",
}


def _make(name):
    kind, char, itemsize, s = _INFO[name]
    # Each dtype is an instance of its own class, as in NumPy (`numpy.dtypes`).
    cls = type(_CLASS_NAMES[name], (dtype,), {"__slots__": (), "__module__": "numpy.dtypes"})
    d = object.__new__(cls)
    d.name, d.kind, d.char, d.itemsize, d.str = name, kind, char, itemsize, s
    d._order = "|" if itemsize == 1 else "="
    d.type = None
    _by_name[name] = d
    return d


for _n in _INFO:
    _make(_n)
del _n


class BytesDType(dtype):
    """Fixed-length byte strings: `np.dtype('S5')`, and `'c'` (one byte,
    keeping its own character code). Arrays of them are outside this subset;
    the dtype exists for layouts (structured dtypes, MPI_CHAR)."""

    __slots__ = ()
    __module__ = "numpy.dtypes"

    num = 18
    alignment = 1

    @property
    def isbuiltin(self):
        return 1 if self.itemsize == 0 else 0

    def _with_order(self, order):
        return self

    def _short(self):
        return f"'S{self.itemsize}'" if self.itemsize else "'S'"

    _long = _short

    def __str__(self):
        return self.str

    def _key(self):
        return ("S", self.itemsize)

    def __reduce__(self):
        return (dtype, (self.char if self.char == "c" else f"S{self.itemsize}",))


def _bytes(itemsize, char="S"):
    d = object.__new__(BytesDType)
    d.name = f"bytes{itemsize * 8}" if itemsize else "bytes"
    d.kind, d.char, d.itemsize, d.str, d._order = "S", char, itemsize, f"|S{itemsize}", "|"
    d.type = bytes_
    return d


class ObjectDType(dtype):
    """Python objects (`np.dtype('O')`): known so that code can ask about it
    (`hasobject`), while arrays of objects are outside this subset."""

    __slots__ = ()
    __module__ = "numpy.dtypes"

    num = 17
    alignment = 8
    hasobject = True
    isbuiltin = 1
    flags = 63

    def _with_order(self, order):
        return self

    def _short(self):
        return "'O'"

    _long = _short

    def _key(self):
        return ("O",)

    def __reduce__(self):
        return (dtype, ("O",))


def _object():
    d = object.__new__(ObjectDType)
    d.name, d.kind, d.char, d.itemsize, d.str, d._order = "object", "O", "O", 8, "|O", "|"
    d.type = object_
    return d


def _not_understood(obj):
    if isinstance(obj, str):
        return TypeError(f"data type {obj!r} not understood")
    return TypeError(f"Cannot interpret '{obj!r}' as a data type")


def _flexible_size(key, letter):
    """The size in `key` = letter + digits ('S5' -> 5, 'S' -> 0), or None."""
    rest = key[len(letter):]
    if key.startswith(letter) and (rest == "" or rest.isdigit()):
        return int(rest or 0)
    return None


def _structured_module():
    """numpy._structured, imported on first use (it imports this module).
    Kept here once imported: an import statement in a function is costly."""
    if not _STRUCTURED:
        from . import _structured as module
        _STRUCTURED.append(module)
    return _STRUCTURED[0]


_STRUCTURED = []


def _from_string(obj, align):
    name = _SPELLINGS.get(obj)
    if name is not None:        # the common case first: 'f8', 'int32', 'd'
        return _by_name[name]
    _structured = _structured_module()
    if _structured.is_commastring(obj):
        return _structured.from_commastring(obj, align)
    key, order = obj, "="
    if key[:1] in _ORDER_PREFIX:
        key, order = key[1:], _ORDER_PREFIX[key[0]]
    name = _SPELLINGS.get(key)
    if name is not None:
        d = _by_name[name]
        return d if order == "=" else d._with_order(order)
    if key == "c":
        return _bytes(1, "c")
    if key in ("bytes", "bytes_"):
        return _bytes(0)
    if key[:1] == "a" and _flexible_size(key, "a") is not None:
        import warnings
        warnings.warn("Data type alias 'a' was deprecated in NumPy 2.0. Use the 'S' alias instead.",
                      DeprecationWarning, stacklevel=3)
        return _bytes(_flexible_size(key, "a"))
    size = _flexible_size(key, "S")
    if size is not None:
        return _bytes(size)
    size = _flexible_size(key, "V")
    if size is not None:
        return _structured.void(size)
    if key == "void":
        return _structured.void(0)
    if key in ("O", "object", "object_"):
        return _object()
    if key in _MISSING or key.lstrip("0123456789")[:1] in ("U", "M", "m") and key != "":
        lacking = _MISSING.get(key, "string")
        raise NotImplementedError(
            f"dtype {obj!r} ({lacking}): this numpy implements a subset of NumPy "
            "(bool, int8-64, uint8-64, float16-64, longdouble, complex64-128, clongdouble, "
            "bytes, structured dtypes)")
    raise _not_understood(obj)


def _from_type(obj):
    t = getattr(obj, "_dtype_name", None)
    if t is not None:
        return _by_name[t]
    if obj is bool:
        return _by_name["bool"]
    if obj is int:
        return _by_name["int64"]
    if obj is float:
        return _by_name["float64"]
    if obj is complex:
        return _by_name["complex128"]
    if obj is bytes or obj is bytes_:
        return _bytes(0)
    if obj is object or obj is object_:
        return _object()
    if obj is void:
        return _structured_module().void(0)
    if obj is str:
        raise NotImplementedError("string arrays: this numpy implements a subset of NumPy (numbers and bools)")
    raise _not_understood(obj)


def _make_dtype(obj, align=False):
    """The dtype NumPy's `np.dtype(obj, align=align)` makes."""
    if isinstance(obj, dtype):
        return obj
    if obj is None:
        return _by_name["float64"]
    if isinstance(obj, type):
        return _from_type(obj)
    if isinstance(obj, str):
        return _from_string(obj, align)
    if isinstance(obj, (tuple, list, dict)):
        _structured = _structured_module()
        if isinstance(obj, tuple):
            return _structured.from_tuple(obj, align)
        if isinstance(obj, list):
            return _structured.from_list(obj, align)
        return _structured.from_dict(obj, align)
    d = getattr(obj, "dtype", None)
    if isinstance(d, dtype):
        return d
    raise _not_understood(obj)


def _resolve(obj):
    """The element type of an array made with dtype `obj`: one of the shared
    element dtypes, or NotImplementedError for the dtypes that exist here
    only as layouts (structured, bytes, object, non-native byte order)."""
    if isinstance(obj, str):
        name = _SPELLINGS.get(obj)
        if name is not None:
            return _by_name[name]
    d = _make_dtype(obj)
    if _by_name.get(d.name) is d:
        return d
    if d.kind == "V":
        what = "structured arrays" if d.fields is not None else f"arrays of dtype {d}"
    elif d.kind == "S":
        what = "bytes arrays"
    elif d.kind == "O":
        raise NotImplementedError("object arrays: this numpy implements a subset of NumPy (numbers and bools)")
    else:
        raise NotImplementedError(
            f"dtype {d.str!r}: this numpy implements a subset of NumPy (native byte order only)")
    raise NotImplementedError(f"{what}: this numpy implements a subset of NumPy (numbers and bools)")


# ---------------------------------------------------------------------------
# Scalar types
# ---------------------------------------------------------------------------

def _arith(name, reflected=False):
    def method(self, other):
        from ._array import _binary_scalar
        return _binary_scalar(name, self, other, reflected)
    method.__name__ = name
    return method


def _unary(name):
    def method(self):
        from ._array import asarray
        return asarray(self)._unary(name)[()]
    return method


_TYPE_NAME = type.__dict__["__name__"]


class _CType(type):
    """The metaclass of the types NumPy implements in C (`ndarray`, the
    scalar types). Such a type's internal name is dotted, `numpy.ndarray`,
    and Python's own messages print it ("%d format: a real number is
    required, not numpy.ndarray", "'numpy.float64' object ..."), while its
    `__name__` is the last part. Assigning `__name__` sets the internal name;
    reading it gives the last part, as Python does for C types."""

    @property
    def __name__(cls):
        return _TYPE_NAME.__get__(cls).rpartition(".")[2]

    @__name__.setter
    def __name__(cls, value):
        _TYPE_NAME.__set__(cls, value)


class generic(metaclass=_CType):
    """Base of NumPy's scalar types."""

    __module__ = "numpy"
    __slots__ = ()

    @property
    def dtype(self):
        return _by_name[self._dtype_name]

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.dtype.itemsize

    shape = ()
    ndim = 0
    size = 1

    def item(self):
        return self._py()

    def tolist(self):
        return self._py()

    def astype(self, dt):
        from ._array import asarray
        return asarray(self).astype(dt)._scalar_at()

    def __repr__(self):
        from ._arrayprint import scalar_repr
        return scalar_repr(self._py(), self._dtype_name)

    def __str__(self):
        from ._arrayprint import scalar_str
        return scalar_str(self._py(), self._dtype_name)

    def __format__(self, spec):
        # NumPy formats scalars as the Python value they convert to: a
        # float32 shows all its double digits here, unlike str().
        return format(self._py(), spec)

    def __reduce__(self):
        return (_scalar, (self._dtype_name, self._py()))

    def __array__(self, dtype=None, copy=None):
        from ._array import asarray
        return asarray(self, dtype)

    def _mpi_buffer(self, writable):
        """A scalar as an MPI buffer: its bytes, read-only (as mpi4py sees it)."""
        if writable:
            raise BufferError("scalar buffer is readonly")
        from ._array import asarray
        return asarray(self)._mpi_buffer(False)

    def sum(self, *args, **kwargs):
        from ._array import asarray
        return asarray(self).sum(*args, **kwargs)

    def __getitem__(self, key):
        from ._array import asarray
        return asarray(self)[key]

    # Indexable (`x[()]`) but, as in NumPy, not iterable.
    __iter__ = None

    __add__ = _arith("add")
    __radd__ = _arith("add", True)
    __sub__ = _arith("subtract")
    __rsub__ = _arith("subtract", True)
    __mul__ = _arith("multiply")
    __rmul__ = _arith("multiply", True)
    __truediv__ = _arith("divide")
    __rtruediv__ = _arith("divide", True)
    __floordiv__ = _arith("floor_divide")
    __rfloordiv__ = _arith("floor_divide", True)
    __mod__ = _arith("remainder")
    __rmod__ = _arith("remainder", True)
    __pow__ = _arith("power")
    __rpow__ = _arith("power", True)
    __and__ = _arith("bitwise_and")
    __rand__ = _arith("bitwise_and", True)
    __or__ = _arith("bitwise_or")
    __ror__ = _arith("bitwise_or", True)
    __xor__ = _arith("bitwise_xor")
    __rxor__ = _arith("bitwise_xor", True)
    __lshift__ = _arith("left_shift")
    __rshift__ = _arith("right_shift")
    __lt__ = _arith("less")
    __le__ = _arith("less_equal")
    __gt__ = _arith("greater")
    __ge__ = _arith("greater_equal")
    __eq__ = _arith("equal")
    __ne__ = _arith("not_equal")
    __neg__ = _unary("negative")
    __pos__ = _unary("positive")
    __abs__ = _unary("absolute")
    __invert__ = _unary("invert")


class number(generic):
    __slots__ = ()


class integer(number):
    """NumPy's integer scalars hold a Python int; like NumPy's they are not
    `int` instances, but convert wherever Python asks for an index."""

    __slots__ = ("_value",)

    def __hash__(self):
        return hash(self._value)

    def _py(self):
        return self._value

    def __index__(self):
        return self._value

    def __int__(self):
        return self._value

    def __float__(self):
        return float(self._value)

    def __complex__(self):
        return complex(self._value)

    def __bool__(self):
        return self._value != 0

    def __round__(self, ndigits=None):
        return self._value if ndigits is None else self

    def __trunc__(self):
        return self._value

    def __floor__(self):
        return self._value

    def __ceil__(self):
        return self._value

    @property
    def real(self):
        return self

    @property
    def imag(self):
        return _scalar(self._dtype_name, 0)

    @property
    def numerator(self):
        return self

    @property
    def denominator(self):
        return 1

    def bit_length(self):
        return self._value.bit_length()

    def is_integer(self):
        return True


class signedinteger(integer):
    __slots__ = ()


class unsignedinteger(integer):
    __slots__ = ()


class inexact(number):
    __slots__ = ()


class floating(inexact):
    __slots__ = ()

    def __round__(self, ndigits=None):
        if ndigits is None:
            return round(float(self))
        from ._funcs import around
        return around(self, ndigits)

    def __hash__(self):
        return float.__hash__(self)

    def _py(self):
        return float(self)

    def is_integer(self):
        return float(self).is_integer()


class complexfloating(inexact):
    __slots__ = ()

    def __hash__(self):
        return complex.__hash__(self)

    def _py(self):
        return complex(self)

    def __float__(self):
        # NumPy gives the real part (with a ComplexWarning).
        return complex(self).real

    @property
    def real(self):
        return _scalar(_COMPONENT[self._dtype_name], complex(self).real)

    @property
    def imag(self):
        return _scalar(_COMPONENT[self._dtype_name], complex(self).imag)


def _int_type(name, base):
    def __new__(cls, value=0):
        from ._array import asarray
        if isinstance(value, (str, bytes)):
            value = int(value)
        v = asarray(value, name)
        if v.ndim:
            return v
        obj = object.__new__(cls)
        obj._value = v._first()
        return obj
    return type(name, (base,), {"__new__": __new__, "_dtype_name": name, "__module__": "numpy",
                                "__slots__": ()})


def _float_type(name, base, pybase):
    def __new__(cls, value=0.0):
        from ._array import asarray
        if isinstance(value, (str, bytes)):
            value = pybase(value)
        v = asarray(value, name)
        if v.ndim:
            return v
        return pybase.__new__(cls, v._first())
    return type(name, (base, pybase), {"__new__": __new__, "_dtype_name": name, "__module__": "numpy",
                                       "__slots__": ()})


int8 = _int_type("int8", signedinteger)
int16 = _int_type("int16", signedinteger)
int32 = _int_type("int32", signedinteger)
int64 = _int_type("int64", signedinteger)
uint8 = _int_type("uint8", unsignedinteger)
uint16 = _int_type("uint16", unsignedinteger)
uint32 = _int_type("uint32", unsignedinteger)
uint64 = _int_type("uint64", unsignedinteger)
float32 = _float_type("float32", floating, float)
float64 = _float_type("float64", floating, float)
complex128 = _float_type("complex128", complexfloating, complex)
float16 = _float_type("float16", floating, float)
complex64 = _float_type("complex64", complexfloating, complex)

class _HeldBytes:
    """What longdouble and clongdouble share: no Python number can hold their
    value, so they keep their bytes, are their own item, and print through
    their dtype's name."""

    __slots__ = ()

    def _py(self):
        return self._bits

    def item(self):
        return self

    def tolist(self):
        return self

    def __repr__(self):
        from ._arrayprint import scalar_repr
        return scalar_repr(self, self._dtype_name)

    def __str__(self):
        from ._arrayprint import scalar_str
        return scalar_str(self, self._dtype_name)


class longdouble(_HeldBytes, floating):
    """x86-64's `long double` (80-bit extended precision), as NumPy's
    longdouble: it holds its 16 bytes, since a Python float cannot hold the
    value, and computes through 0-d arrays like every scalar."""

    __slots__ = ("_bits",)
    __module__ = "numpy"
    _dtype_name = "float128"

    def __new__(cls, value=0.0):
        from ._array import asarray
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, str):
            # Parsed at full precision: np.longdouble('0.1') is nearer 0.1
            # than the double 0.1.
            return _scalar("float128", _numpy.parse_longdouble(value))
        v = asarray(value, "float128")
        if v.ndim:
            return v
        return v._first()

    def _as(self, name):
        from ._array import asarray
        return asarray(self).astype(name)._first()

    def __float__(self):
        return self._as("float64")

    def __int__(self):
        f = float(self)
        if abs(f) < 2.0 ** 63:
            return int(self._as("int64"))
        return int(f)

    __trunc__ = __int__

    def __complex__(self):
        return complex(float(self))

    def __bool__(self):
        return bool(self._as("bool"))

    def __hash__(self):
        return hash(float(self))

    def __format__(self, spec):
        return format(float(self), spec)


class clongdouble(_HeldBytes, complexfloating):
    """Two longdoubles (NumPy's clongdouble), held as their 32 bytes."""

    __slots__ = ("_bits",)
    __module__ = "numpy"
    _dtype_name = "complex256"

    def __new__(cls, real=0.0, imag=None):
        from ._array import asarray
        value = real if imag is None else complex(real, imag)
        v = asarray(value, "complex256")
        if v.ndim:
            return v
        return v._first()

    @property
    def real(self):
        return _scalar("float128", self._bits[:16])

    @property
    def imag(self):
        return _scalar("float128", self._bits[16:])

    def __complex__(self):
        return complex(float(self.real), float(self.imag))

    def __float__(self):
        return float(self.real)

    def __bool__(self):
        return bool(self.real) or bool(self.imag)

    def __hash__(self):
        return hash(complex(self))

    def __format__(self, spec):
        return format(complex(self), spec)


# The real type of each complex type's parts.
_COMPONENT = {"complex64": "float32", "complex128": "float64", "complex256": "float128"}


class bool_(generic):
    """NumPy's bool scalar (`np.True_`, `np.False_`)."""

    __slots__ = ("_value",)
    _dtype_name = "bool"

    def __new__(cls, value=False):
        if isinstance(value, bool_):
            value = value._value
        obj = _TRUE if bool(value) else _FALSE
        if obj is None:
            obj = object.__new__(cls)
            obj._value = bool(value)
        return obj

    def _py(self):
        return self._value

    def __bool__(self):
        return self._value

    def __hash__(self):
        return hash(self._value)

    def __int__(self):
        return int(self._value)

    def __float__(self):
        return float(self._value)

    def __index__(self):
        raise TypeError("'numpy.bool' object cannot be interpreted as an integer")


class flexible(generic):
    """Base of the scalar types whose dtypes carry a size (bytes, void)."""

    __slots__ = ()


class character(flexible):
    __slots__ = ()


class bytes_(bytes, character):
    """NumPy's bytes scalar: a Python `bytes`."""

    __slots__ = ()
    _dtype_name = None


class void(flexible):
    """The scalar type of structured and raw (`'V8'`) dtypes."""

    __slots__ = ()
    _dtype_name = None


class object_(generic):
    """The scalar type of `dtype('O')`; calling it returns its argument."""

    __slots__ = ()
    _dtype_name = None

    def __new__(cls, value=None):
        return value


for _cls in (generic, number, integer, signedinteger, unsignedinteger, inexact, floating, complexfloating, bool_,
             flexible, character, bytes_, void, object_):
    _cls.__module__ = "numpy"
del _cls
bool_.__qualname__ = "bool"
_TRUE = _FALSE = None
_TRUE = bool_(True)
_FALSE = bool_(False)
True_ = _TRUE
False_ = _FALSE

_SCALAR_TYPES = {
    "bool": bool_, "int8": int8, "int16": int16, "int32": int32, "int64": int64,
    "uint8": uint8, "uint16": uint16, "uint32": uint32, "uint64": uint64,
    "float32": float32, "float64": float64, "complex128": complex128,
    "float16": float16, "complex64": complex64, "float128": longdouble, "complex256": clongdouble,
}
for _n, _t in _SCALAR_TYPES.items():
    _by_name[_n].type = _t
del _n, _t
for _cls in (generic, number, integer, signedinteger, unsignedinteger, inexact, floating, complexfloating,
             flexible, character, bytes_, void, object_, *_SCALAR_TYPES.values()):
    _cls.__name__ = "numpy." + _cls.__qualname__
del _cls


def _scalar(name, value):
    """The NumPy scalar of type `name` holding the Python value `value`
    (already a value of that type)."""
    t = _SCALAR_TYPES[name]
    if t is bool_:
        return _TRUE if value else _FALSE
    if t is longdouble or t is clongdouble:
        if type(value) is t:
            return value
        obj = object.__new__(t)
        obj._bits = value
        return obj
    if name.startswith("complex"):
        return complex.__new__(t, value)
    if name.startswith("float"):
        return float.__new__(t, value)
    obj = object.__new__(t)
    obj._value = value
    return obj


def _promote(a, b):
    return _by_name[_numpy.promote_types(a.name, b.name)]
