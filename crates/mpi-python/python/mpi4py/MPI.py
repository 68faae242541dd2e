"""Message Passing Interface: mpi4py's `mpi4py.MPI` for the playground.

Every rank runs its own interpreter; the native module `_mpi` moves bytes
between ranks, blocks, validates ranks and tags, and keeps the communicator
tables (its contract is `_mpi.pyi`). This module gives those bytes the shape
mpi4py gives them, so that a script behaves here as under mpi4py 4.1 on MPICH:

* the lowercase methods (`Comm.send`, `recv`, `bcast`, `reduce`, ...) move
  Python objects, pickled with the highest protocol as mpi4py does;
* the uppercase methods (`Comm.Send`, `Recv`, `Bcast`, `Reduce`, ...) move the
  contents of buffer objects (bytearray, array.array, memoryview, bytes for
  sending), described as ``buf``, ``[buf, datatype]``, ``[buf, count,
  datatype]`` or ``[buf, (count, displ), datatype]``;
* names, signatures, defaults, constants (MPICH's values), error classes and
  error messages follow mpi4py and MPICH.

Handles are plain ints owned by `_mpi`. Objects that only exist on one rank
(datatypes, statuses, operations, groups) live entirely in Python.

Sections follow mpi4py's own layout: constants, Datatype, Status, Request, Op,
Group, Info and Errhandler, Comm and its subclasses, Exception and error codes,
environment functions, pickling.
"""

import _mpi
import struct as _struct
import array as _arrays
import sys as _sys
from pickle import HIGHEST_PROTOCOL as _HIGHEST_PROTOCOL
from pickle import dumps as _pickle_dumps
from pickle import loads as _pickle_loads

from mpi4py import rc as _rc
from mpi4py import _typemap
from mpi4py import _attributes

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

UNDEFINED = _mpi.UNDEFINED
ANY_SOURCE = _mpi.ANY_SOURCE
ANY_TAG = _mpi.ANY_TAG
PROC_NULL = _mpi.PROC_NULL
ROOT = -3

# Attribute keys (MPICH's values); `Comm.Get_attr(TAG_UB)` gives the value.
KEYVAL_INVALID = 603979776
TAG_UB = 1681915905
IO = 1681915909
WTIME_IS_GLOBAL = 1681915911
UNIVERSE_SIZE = 1681915913
LASTUSEDCODE = 1681915915
APPNUM = 1681915917

# Error classes, with MPICH's numbering (the native side's table wins).
SUCCESS = 0
ERR_BUFFER = 1
ERR_COUNT = 2
ERR_TYPE = 3
ERR_TAG = 4
ERR_COMM = 5
ERR_RANK = 6
ERR_ROOT = 7
ERR_GROUP = 8
ERR_OP = 9
ERR_TOPOLOGY = 10
ERR_DIMS = 11
ERR_ARG = 12
ERR_UNKNOWN = 13
ERR_TRUNCATE = 14
ERR_OTHER = 15
ERR_INTERN = 16
ERR_IN_STATUS = 17
ERR_PENDING = 18
ERR_REQUEST = 19
ERR_ACCESS = 20
ERR_AMODE = 21
ERR_BAD_FILE = 22
ERR_CONVERSION = 23
ERR_DUP_DATAREP = 24
ERR_FILE_EXISTS = 25
ERR_FILE_IN_USE = 26
ERR_FILE = 27
ERR_INFO = 28
ERR_INFO_KEY = 29
ERR_INFO_VALUE = 30
ERR_INFO_NOKEY = 31
ERR_IO = 32
ERR_NAME = 33
ERR_NO_MEM = 34
ERR_NOT_SAME = 35
ERR_NO_SPACE = 36
ERR_NO_SUCH_FILE = 37
ERR_PORT = 38
ERR_QUOTA = 39
ERR_READ_ONLY = 40
ERR_SERVICE = 41
ERR_SPAWN = 42
ERR_UNSUPPORTED_DATAREP = 43
ERR_UNSUPPORTED_OPERATION = 44
ERR_WIN = 45
ERR_BASE = 46
ERR_LOCKTYPE = 47
ERR_KEYVAL = 48
ERR_RMA_CONFLICT = 49
ERR_RMA_SYNC = 50
ERR_SIZE = 51
ERR_DISP = 52
ERR_ASSERT = 53
ERR_RMA_RANGE = 55
ERR_RMA_ATTACH = 56
ERR_RMA_SHARED = 57
ERR_RMA_FLAVOR = 58
ERR_SESSION = 75
ERR_PROC_ABORTED = 76
ERR_VALUE_TOO_LARGE = 77
ERR_PROC_FAILED = 13
ERR_PROC_FAILED_PENDING = 13
ERR_REVOKED = 13
ERR_LASTCODE = 1073741823
ERR_ABI = 1073741823
ERR_ERRHANDLER = 1073741823
globals().update(_mpi.ERR)

# MPICH's text for each error class (what MPI_Error_string returns).
_ERROR_STRINGS = {
    0: "No MPI error",
    1: "Invalid buffer pointer",
    2: "Invalid count",
    3: "Invalid datatype",
    4: "Invalid tag",
    5: "Invalid communicator",
    6: "Invalid rank",
    7: "Invalid root",
    8: "Invalid group",
    9: "Invalid MPI_Op",
    10: "Invalid topology",
    11: "Invalid dimension argument",
    12: "Invalid argument",
    13: "Unknown error.  Please file a bug report.",
    14: "Message truncated",
    15: "Other MPI error",
    16: "Internal MPI error!",
    17: "See the MPI_ERROR field in MPI_Status for the error code",
    18: "Pending request (no error)",
    19: "Request pending due to failure",
    20: "Access denied to file",
    21: "Invalid amode value in MPI_File_open ",
    22: "Invalid file name",
    23: "An error occurred in a user-defined data conversion function",
    24: "The requested datarep name has already been specified to MPI_REGISTER_DATAREP",
    25: "File exists",
    26: "File in use by some process",
    27: "Invalid MPI_File",
    28: "Invalid MPI_Info",
    29: "Invalid key for MPI_Info ",
    30: "Invalid MPI_Info value ",
    31: "MPI_Info key is not defined ",
    32: "Other I/O error ",
    33: "Invalid service name (see MPI_Publish_name)",
    34: "Unable to allocate memory for MPI_Alloc_mem",
    35: "Inconsistent arguments to collective routine ",
    36: "Not enough space for file ",
    37: "File does not exist",
    38: "Invalid port",
    39: "Quota exceeded for files",
    40: "Read-only file or filesystem name",
    41: "Attempt to lookup an unknown service name ",
    42: "Error in spawn call",
    43: "Unsupported datarep passed to MPI_File_set_view ",
    44: "Unsupported file operation ",
    45: "Invalid MPI_Win",
    46: "Invalid base address",
    47: "Invalid locktype argument",
    48: "Invalid keyval",
    49: "Conflicting accesses to window ",
    50: "Wrong synchronization of RMA calls ",
    51: "Invalid size argument in RMA call",
    52: "Invalid displacement argument in RMA call ",
    53: "Invalid assert argument",
    54: "Process failed",
    55: "Target memory is not contained within the window",
    56: "Memory cannot be attached",
    57: "Memory cannot be shared",
    58: "Incorrect window flavor",
    59: "Communication object revoked",
    60: "Operation could not be issued (EAGAIN)",
    61: "failure occurred while allocating memory for a request object",
    # MPICH 4.0.2 has no text for MPI 4's session class.
    75: "Unknown error class",
}

# Comparison results, topologies, thread levels.
IDENT = 0
CONGRUENT = 1
SIMILAR = 2
UNEQUAL = 3
GRAPH = 1
CART = _mpi.CART
DIST_GRAPH = 3
THREAD_SINGLE = 0
THREAD_FUNNELED = 1
THREAD_SERIALIZED = 2
THREAD_MULTIPLE = 3
COMM_TYPE_SHARED = 1

# The MPI standard version this module speaks, and MPICH's limits.
VERSION = 4
SUBVERSION = 0
MAX_PROCESSOR_NAME = 128
MAX_ERROR_STRING = 512
MAX_PORT_NAME = 1024
MAX_INFO_KEY = 255
MAX_INFO_VAL = 1024
MAX_OBJECT_NAME = 128
MAX_DATAREP_STRING = 128
MAX_LIBRARY_VERSION_STRING = 8192
BSEND_OVERHEAD = 96
ORDER_C = 56
ORDER_FORTRAN = 57
ORDER_F = ORDER_FORTRAN

# The rest of MPICH 4.0.2's constants, with the values mpi4py 4.1.2 shows there.
COMM_TYPE_HW_GUIDED = 2
COMM_TYPE_HW_UNGUIDED = 3
COMM_TYPE_RESOURCE_GUIDED = -32766
MAX_PSET_NAME_LEN = 256
MAX_STRINGTAG_LEN = 256
F_SOURCE = 2
F_TAG = 3
F_ERROR = 4
F_STATUS_SIZE = 5
TYPECLASS_REAL = 1
TYPECLASS_INTEGER = 2
TYPECLASS_COMPLEX = 3
TYPECLASS_LOGICAL = 4
# Datatype combiners (Datatype.Get_envelope).
COMBINER_NAMED = 1
COMBINER_VALUE_INDEX = 1
COMBINER_DUP = 2
COMBINER_CONTIGUOUS = 3
COMBINER_VECTOR = 4
COMBINER_HVECTOR = 6
COMBINER_INDEXED = 7
COMBINER_HINDEXED = 9
COMBINER_INDEXED_BLOCK = 10
COMBINER_STRUCT = 12
COMBINER_SUBARRAY = 13
COMBINER_DARRAY = 14
COMBINER_F90_REAL = 15
COMBINER_F90_COMPLEX = 16
COMBINER_F90_INTEGER = 17
COMBINER_RESIZED = 18
COMBINER_HINDEXED_BLOCK = 19
DISTRIBUTE_BLOCK = 121
DISTRIBUTE_CYCLIC = 122
DISTRIBUTE_NONE = 123
DISTRIBUTE_DFLT_DARG = -49767
# One-sided communication.
LOCK_EXCLUSIVE = 234
LOCK_SHARED = 235
MODE_NOCHECK = 1024
MODE_NOSTORE = 2048
MODE_NOPUT = 4096
MODE_NOPRECEDE = 8192
MODE_NOSUCCEED = 16384
WIN_BASE = 1711276033
WIN_SIZE = 1711276035
WIN_DISP_UNIT = 1711276037
WIN_CREATE_FLAVOR = WIN_FLAVOR = 1711276039
WIN_MODEL = 1711276041
WIN_FLAVOR_CREATE = 1
WIN_FLAVOR_ALLOCATE = 2
WIN_FLAVOR_DYNAMIC = 3
WIN_FLAVOR_SHARED = 4
WIN_SEPARATE = 1
WIN_UNIFIED = 2
# MPI-IO.
MODE_CREATE = 1
MODE_RDONLY = 2
MODE_WRONLY = 4
MODE_RDWR = 8
MODE_DELETE_ON_CLOSE = 16
MODE_UNIQUE_OPEN = 32
MODE_EXCL = 64
MODE_APPEND = 128
MODE_SEQUENTIAL = 256
SEEK_SET = 600
SEEK_CUR = 602
SEEK_END = 604
DISPLACEMENT_CURRENT = DISP_CUR = -54278278


class BottomType(int):
    """Type of `BOTTOM`."""

    def __new__(cls):
        return int.__new__(cls, 0)

    def __repr__(self):
        return "BOTTOM"

    __str__ = __repr__

    def __reduce__(self):
        return "BOTTOM"


class InPlaceType(int):
    """Type of `IN_PLACE`."""

    def __new__(cls):
        return int.__new__(cls, -1)

    def __repr__(self):
        return "IN_PLACE"

    __str__ = __repr__

    def __reduce__(self):
        return "IN_PLACE"


class BufferAutomaticType(int):
    """Type of `BUFFER_AUTOMATIC`."""

    def __new__(cls):
        return int.__new__(cls, 0)

    def __repr__(self):
        return "BUFFER_AUTOMATIC"

    __str__ = __repr__

    def __reduce__(self):
        return "BUFFER_AUTOMATIC"


BOTTOM = BottomType()


class _WeightsType(int):
    """Type of `UNWEIGHTED` and `WEIGHTS_EMPTY`, the special weight arrays."""

    def __new__(cls, name, value):
        self = int.__new__(cls, value)
        self._name = name
        return self

    def __repr__(self):
        return self._name

    __str__ = __repr__

    def __reduce__(self):
        return self._name


UNWEIGHTED = _WeightsType("UNWEIGHTED", 1)
WEIGHTS_EMPTY = _WeightsType("WEIGHTS_EMPTY", 2)
IN_PLACE = InPlaceType()
BUFFER_AUTOMATIC = BufferAutomaticType()

# A communicator handle no communicator ever has: COMM_NULL, and what
# `Comm.Free` leaves behind. The native side rejects it ("Null communicator").
_NULL = _mpi.COMM_NULL


def _new_handle(cls, other, base, argname, null):
    """mpi4py's copy constructors: `cls()` is the null object (`null`, an
    instance of `base` or a dict of slot values) and `cls(x)` shares x's handle."""
    self = object.__new__(cls)
    if other is None:
        other = null
    elif not isinstance(other, base):
        raise TypeError(
            f"Argument '{argname}' has incorrect type "
            f"(expected mpi4py.MPI.{base.__name__}, got {type(other).__name__})")
    if isinstance(other, dict):
        for slot, value in other.items():
            setattr(self, slot, value)
    else:
        _slot_copier(base)(self, other)
    return self


_SLOT_COPIERS = {}


def _slot_copier(base):
    """A function that copies every slot of `base` from one object to
    another. Generated once per class: plain attribute stores are several
    times faster than a `setattr` loop, and datatypes are copied and freed
    thousands of times by `mpi4py.util.dtlib`."""
    copier = _SLOT_COPIERS.get(base)
    if copier is None:
        names = [slot for slot in base.__slots__ if slot != "__weakref__"]
        source = "def _copy_slots(dst, src):\n" + "".join(f"    dst.{n} = src.{n}\n" for n in names)
        namespace = {}
        exec(source, namespace)
        copier = _SLOT_COPIERS[base] = namespace["_copy_slots"]
    return copier


# ---------------------------------------------------------------------------
# Datatype
# ---------------------------------------------------------------------------

# What each predefined datatype is made of, for reductions: "int" (C integers,
# every elementwise op), "float", "bool" (logical ops), "byte" (bitwise ops),
# "complex" (SUM and PROD) or "pair" (MAXLOC and MINLOC), as MPICH allows.
_OPS_FOR_KIND = {
    "int": ("SUM", "PROD", "MAX", "MIN", "LAND", "LOR", "LXOR", "BAND", "BOR", "BXOR"),
    "float": ("SUM", "PROD", "MAX", "MIN", "LAND", "LOR", "LXOR"),
    "bool": ("LAND", "LOR", "LXOR"),
    "byte": ("BAND", "BOR", "BXOR"),
    "complex": ("SUM", "PROD"),
    "pair": ("MAXLOC", "MINLOC"),
}

# The element code the native reduction understands, by (kind, size).
_NATIVE_CODE = {
    ("int", 1): "b", ("int", 2): "h", ("int", 4): "i", ("int", 8): "q",
    ("uint", 1): "B", ("uint", 2): "H", ("uint", 4): "I", ("uint", 8): "Q",
    ("float", 4): "f", ("float", 8): "d", ("bool", 1): "?", ("byte", 1): "B",
}

_datatype_ids = iter(range(1, 1 << 30))

# MAXLOC/MINLOC pairs: the value's size by struct code, and where MPICH
# puts the true upper bound when it is not the pair's size.
_PAIR_VALUE_SIZE = {"h": 2, "i": 4, "l": 8, "f": 4, "d": 8, "g": 16}
_PAIR_TRUE_UB = {"hi": 8, "gi": 20}

# Every datatype handle made so far, for `Datatype.fromhandle`.
_DATATYPE_BY_HANDLE = {}

# MPI_COMBINER_* by the names `Datatype.decode` gives them.
_COMBINER_NAMES = {
    1: "NAMED", 2: "DUP", 3: "CONTIGUOUS", 4: "VECTOR", 6: "HVECTOR",
    7: "INDEXED", 9: "HINDEXED", 10: "INDEXED_BLOCK", 19: "HINDEXED_BLOCK",
    12: "STRUCT", 13: "SUBARRAY", 14: "DARRAY", 18: "RESIZED",
    15: "F90_REAL", 16: "F90_COMPLEX", 17: "F90_INTEGER",
}


def _counts(values, argname, expected=None):
    """A sequence of integers (mpi4py's getarray/chkarray)."""
    if isinstance(values, int):
        values = [values]
    try:
        len(values)
    except TypeError:
        cls = type(values)
        name = cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"
        raise TypeError(f"object of type '{name}' has no len()") from None
    items = [v if type(v) is int else _index(v) for v in values]
    if expected is not None and len(items) != expected:
        raise ValueError(f"expecting {expected} items, got {len(items)}")
    return items


class Datatype:
    """Datatype object."""

    __slots__ = ("_id", "_name", "_size", "_extent", "_char", "_str",
                 "_kind", "_code", "_pair", "_named", "_layout", "_envelope",
                 "_committed", "_predefined")

    def __new__(cls, datatype=None):
        return _new_handle(cls, datatype, Datatype, "datatype", DATATYPE_NULL)

    @classmethod
    def _make(cls, name, size, char=None, typestr=None, kind=None,
              extent=None, pair=None, named=True, align=None):
        self = object.__new__(cls)
        self._id = next(_datatype_ids)
        self._name = name
        self._size = size
        self._extent = size if extent is None else extent
        self._char = char
        self._str = typestr
        self._code = _NATIVE_CODE.get((kind, size))
        self._kind = "int" if kind == "uint" else kind
        self._pair = pair
        self._named = named
        self._predefined = named
        self._envelope = None
        self._committed = True
        if pair is not None:
            # MAXLOC/MINLOC pairs: a C struct of the value and an int.
            # Its bounds are MPICH's (whose true extent of MPI_SHORT_INT is 8).
            value = _PAIR_VALUE_SIZE[pair[0]]
            parts = [_typemap.basic(pair[0], value), _typemap.basic("i", 4)]
            self._layout = _typemap.from_blocks(
                [(0, 1, parts[0]), (value, 1, parts[1])], skip_empty=True,
                bounds=(0, self._extent))
            self._layout.true_ub = _PAIR_TRUE_UB.get(pair, size)
        else:
            if align is None and kind == "complex":
                align = size // 2
            self._layout = _typemap.basic(self._id, size, align)
        _DATATYPE_BY_HANDLE[self._id] = self
        return self

    @classmethod
    def _derived(cls, layout, combiner, ints=(), aints=(), counts=(), types=(),
                 like=None, predefined=False):
        """A new user datatype of `layout`, made by `combiner` from `types`
        (kept as copies, so freeing the caller's handles leaves it intact)."""
        self = object.__new__(cls)
        self._id = next(_datatype_ids)
        self._name = ""
        self._layout = layout
        self._size = layout.size
        self._extent = layout.extent
        self._char = self._str = None
        # MPICH's predefined operations take predefined datatypes only: a
        # user type has no element kind they accept (MPI_ERR_OP).
        self._kind = self._code = self._pair = None
        if like is not None:
            # What a duplicate or a Fortran type keeps of its original's codes.
            self._char, self._str = like._char, like._str
            if predefined:
                self._kind, self._code, self._pair = like._kind, like._code, like._pair
        self._named = False
        self._predefined = predefined
        self._envelope = (combiner, list(ints), list(aints), list(counts),
                          [_datatype_copy(t) for t in types])
        self._committed = predefined
        _DATATYPE_BY_HANDLE[self._id] = self
        return self

    def __eq__(self, other):
        if not isinstance(other, Datatype):
            return NotImplemented
        return self._id == other._id

    def __ne__(self, other):
        if not isinstance(other, Datatype):
            return NotImplemented
        return self._id != other._id

    __hash__ = None

    def __bool__(self):
        return self._id != 0

    def __reduce__(self):
        if self._named or self._id == 0:
            name = _DATATYPE_NAMES[self._id]
            if globals()[name] is self:
                return name
            return (Datatype, (globals()[name],))
        basetype, combiner, params = self.decode()
        return (_datatype_create, (basetype, combiner, params, True))

    @property
    def handle(self):
        """MPI handle."""
        return self._id

    @classmethod
    def fromhandle(cls, handle):
        """Create object from MPI handle."""
        try:
            return Datatype(_DATATYPE_BY_HANDLE[_index(handle)])
        except KeyError:
            raise ValueError(f"invalid datatype handle {handle}") from None

    def free(self):
        """Call `Free` if not null or predefined."""
        if self and not self._predefined:
            self.Free()

    def _live(self, call):
        if self._id == 0:
            raise _error(ERR_TYPE, call, "Datatype for argument datatype is a null datatype")

    # Size and extent
    # ---------------

    def Get_size(self):
        """Return the number of bytes occupied by entries in the datatype."""
        self._live("internal_Type_size_c")
        return self._size

    def Get_extent(self):
        """Return lower bound and extent of datatype."""
        self._live("internal_Type_get_extent_c")
        return (self._layout.lb, self._extent)

    def Get_true_extent(self):
        """Return the true lower bound and extent of a datatype."""
        self._live("internal_Type_get_true_extent_c")
        layout = self._layout
        return (layout.true_lb, layout.true_ub - layout.true_lb)

    size = property(lambda self: self.Get_size(), doc="Size (in bytes).")
    extent = property(lambda self: self._extent, doc="Extent.")
    lb = property(lambda self: self._layout.lb, doc="Lower bound.")
    ub = property(lambda self: self._layout.ub, doc="Upper bound.")
    true_extent = property(lambda self: self.Get_true_extent()[1], doc="True extent.")
    true_lb = property(lambda self: self._layout.true_lb, doc="True lower bound.")
    true_ub = property(lambda self: self._layout.true_ub, doc="True upper bound.")

    # Constructors
    # ------------

    def _checked(self, call):
        self._live(call)
        return self._layout

    def Dup(self):
        """Duplicate a datatype."""
        layout = self._checked("internal_Type_dup")
        new = Datatype._derived(layout, COMBINER_DUP, types=[self], like=self)
        new._committed = self._committed
        _attributes.copy_all("datatype", self._id, self, new._id)
        return new

    # Attributes (the rest from `_attributes.Cached`)
    # ----------

    _ATTR_KIND, _ATTR_CALL = "datatype", "MPI_Type"

    def _attr_key(self):
        return self._id

    def _attr_live(self, call):
        self._live(call)

    def Get_attr(self, keyval):
        """Retrieve attribute value by key."""
        self._live("MPI_Type_get_attr")
        return self._cached_attr(keyval)

    Create_dup = Dup

    @staticmethod
    def _counted(call, *values):
        """MPICH's check of counts and block lengths: none negative."""
        for value in values:
            if value < 0:
                raise _error(ERR_COUNT, call, f"Negative count, value is {value}")

    def Create_contiguous(self, count):
        """Create a contiguous datatype."""
        count = _index(count)
        if count < 0:
            raise _error(ERR_COUNT, "MPI_Type_contiguous", f"Negative count, value is {count}")
        layout = _typemap.contiguous(self._checked("MPI_Type_contiguous"), count)
        return Datatype._derived(layout, COMBINER_CONTIGUOUS, counts=[count], types=[self])

    def Create_vector(self, count, blocklength, stride):
        """Create a vector (strided) datatype."""
        count, blocklength, stride = _index(count), _index(blocklength), _index(stride)
        old = self._checked("MPI_Type_vector")
        self._counted("MPI_Type_vector", count, blocklength)
        layout = _typemap.hvector(old, count, blocklength, stride * old.extent)
        return Datatype._derived(layout, COMBINER_VECTOR,
                                 counts=[count, blocklength, stride], types=[self])

    def Create_hvector(self, count, blocklength, stride):
        """Create a vector (strided) datatype with stride in bytes."""
        count, blocklength, stride = _index(count), _index(blocklength), _index(stride)
        self._counted("MPI_Type_create_hvector", count, blocklength)
        layout = _typemap.hvector(self._checked("MPI_Type_create_hvector"), count, blocklength, stride)
        return Datatype._derived(layout, COMBINER_HVECTOR,
                                 counts=[count, blocklength, stride], types=[self])

    def Create_indexed(self, blocklengths, displacements):
        """Create an indexed datatype."""
        blocklengths = _counts(blocklengths, "blocklengths")
        displacements = _counts(displacements, "displacements", len(blocklengths))
        old = self._checked("MPI_Type_indexed")
        self._counted("MPI_Type_indexed", *blocklengths)
        layout = _typemap.hindexed(old, blocklengths, [d * old.extent for d in displacements])
        return Datatype._derived(layout, COMBINER_INDEXED, types=[self],
                                 counts=[len(blocklengths), *blocklengths, *displacements])

    def Create_hindexed(self, blocklengths, displacements):
        """Create an indexed datatype with displacements in bytes."""
        blocklengths = _counts(blocklengths, "blocklengths")
        displacements = _counts(displacements, "displacements", len(blocklengths))
        self._counted("MPI_Type_create_hindexed", *blocklengths)
        layout = _typemap.hindexed(self._checked("MPI_Type_create_hindexed"), blocklengths, displacements)
        return Datatype._derived(layout, COMBINER_HINDEXED, types=[self],
                                 counts=[len(blocklengths), *blocklengths, *displacements])

    def Create_indexed_block(self, blocklength, displacements):
        """Create an indexed datatype with constant-sized blocks."""
        blocklength = _index(blocklength)
        displacements = _counts(displacements, "displacements")
        old = self._checked("MPI_Type_create_indexed_block")
        self._counted("MPI_Type_create_indexed_block", blocklength)
        layout = _typemap.hindexed_block(old, blocklength, [d * old.extent for d in displacements])
        return Datatype._derived(layout, COMBINER_INDEXED_BLOCK, types=[self],
                                 counts=[len(displacements), blocklength, *displacements])

    def Create_hindexed_block(self, blocklength, displacements):
        """Create an indexed datatype with constant-sized blocks, displacements in bytes."""
        blocklength = _index(blocklength)
        displacements = _counts(displacements, "displacements")
        self._counted("MPI_Type_create_hindexed_block", blocklength)
        layout = _typemap.hindexed_block(self._checked("MPI_Type_create_hindexed_block"),
                                         blocklength, displacements)
        return Datatype._derived(layout, COMBINER_HINDEXED_BLOCK, types=[self],
                                 counts=[len(displacements), blocklength, *displacements])

    @classmethod
    def Create_struct(cls, blocklengths, displacements, datatypes):
        """Create a general composite (struct) datatype."""
        blocklengths = _counts(blocklengths, "blocklengths")
        displacements = _counts(displacements, "displacements", len(blocklengths))
        datatypes = list(datatypes)
        if len(datatypes) != len(blocklengths):
            raise ValueError(f"expecting {len(blocklengths)} items, got {len(datatypes)}")
        for t in datatypes:
            if not isinstance(t, Datatype):
                raise TypeError(f"expected Datatype, got {type(t).__name__}")
            t._live("MPI_Type_create_struct")
        Datatype._counted("MPI_Type_create_struct", *blocklengths)
        layout = _typemap.struct(blocklengths, displacements, [t._layout for t in datatypes])
        return Datatype._derived(layout, COMBINER_STRUCT, types=datatypes,
                                 counts=[len(blocklengths), *blocklengths, *displacements])

    def Create_subarray(self, sizes, subsizes, starts, order=ORDER_C):
        """Create a datatype for a subarray of a multidimensional array."""
        sizes = _counts(sizes, "sizes")
        subsizes = _counts(subsizes, "subsizes", len(sizes))
        starts = _counts(starts, "starts", len(sizes))
        order = _index(order)
        call = "MPI_Type_create_subarray"
        old = self._checked(call)
        for n, (size, sub, start) in enumerate(zip(sizes, subsizes, starts)):
            if size <= 0:
                raise _error(ERR_ARG, call, f"Invalid value in array_of_sizes[{n}]={size}")
            if sub <= 0 or sub > size:
                raise _error(ERR_ARG, call, f"Invalid value in array_of_subsizes[{n}]={sub}")
            if start < 0 or start > size - sub:
                raise _error(ERR_ARG, call, f"Invalid value in array_of_starts[{n}]={start}")
        if order not in (ORDER_C, ORDER_FORTRAN):
            raise _error(ERR_ARG, call, f"Invalid order argument {order}")
        layout = _typemap.subarray(old, sizes, subsizes, starts, order == ORDER_FORTRAN)
        return Datatype._derived(layout, COMBINER_SUBARRAY, types=[self],
                                 ints=[len(sizes), order], counts=[*sizes, *subsizes, *starts])

    def Create_darray(self, size, rank, gsizes, distribs, dargs, psizes, order=ORDER_C):
        """Create a datatype for a distributed array on a Cartesian process grid."""
        size, rank, order = _index(size), _index(rank), _index(order)
        gsizes = _counts(gsizes, "gsizes")
        ndims = len(gsizes)
        distribs = _counts(distribs, "distribs", ndims)
        dargs = _counts(dargs, "dargs", ndims)
        psizes = _counts(psizes, "psizes", ndims)
        call = "MPI_Type_create_darray"
        old = self._checked(call)
        grid = 1
        for p in psizes:
            grid *= p
        if grid != size:
            raise _error(ERR_ARG, call, f"Invalid argument, product of psizes {grid} is not size {size}")
        if not 0 <= rank < size:
            raise _error(ERR_ARG, call, f"Invalid rank {rank}")
        if order not in (ORDER_C, ORDER_FORTRAN):
            raise _error(ERR_ARG, call, f"Invalid order argument {order}")
        for g, dist, darg, p in zip(gsizes, distribs, dargs, psizes):
            if dist == DISTRIBUTE_BLOCK and darg != DISTRIBUTE_DFLT_DARG and darg * p < g:
                raise _error(ERR_ARG, call,
                             f"m * nprocs is {darg * p} but must equal the array size {g} "
                             f"and is not valid for block(m) distr")
        layout = _typemap.darray(old, size, rank, gsizes, distribs, dargs, psizes,
                                 order == ORDER_FORTRAN)
        return Datatype._derived(layout, COMBINER_DARRAY, types=[self], counts=gsizes,
                                 ints=[size, rank, ndims, *distribs, *dargs, *psizes, order])

    def Create_resized(self, lb, extent):
        """Create a datatype with a new lower bound and extent."""
        lb, extent = _index(lb), _index(extent)
        layout = _typemap.resized(self._checked("MPI_Type_create_resized"), lb, extent)
        return Datatype._derived(layout, COMBINER_RESIZED, counts=[lb, extent], types=[self])

    Resized = Create_resized

    @classmethod
    def Get_value_index(cls, value, index):
        """Return a predefined type for a (value, index) pair, or the null datatype."""
        for t in (value, index):
            if not isinstance(t, Datatype):
                raise TypeError(f"expected Datatype, got {type(t).__name__}")
            t._live("MPI_Type_get_value_index")
        if index != INT:
            return DATATYPE_NULL
        return _VALUE_INDEX.get(value._id, DATATYPE_NULL)

    @classmethod
    def _fortran(cls, typechar, typestr, size, combiner, ints):
        base = _typedict[typechar]
        new = cls._derived(base._layout, combiner, ints=ints, like=base, predefined=True)
        new._str = typestr
        return new

    @classmethod
    def Create_f90_integer(cls, r):
        """Return a bounded integer datatype."""
        r = _index(r)
        for digits, size in ((2, 1), (4, 2), (9, 4), (18, 8)):
            if r <= digits:
                return cls._fortran(_INT_BY_SIZE[True, size]._char, f"i{size}", size,
                                    COMBINER_F90_INTEGER, [r])
        raise _error(ERR_OTHER, f" MPI_Type_create_f90_int (range={r})",
                     f" No integer type with {r} digits of range is available")

    @classmethod
    def _f90_float(cls, p, r, kind, combiner, call):
        p, r = _index(p), _index(r)
        for digits, exponent, size in ((6, 37, 4), (15, 307, 8)):
            if p <= digits and r <= exponent:
                if kind == "f":
                    return cls._fortran("f" if size == 4 else "d", f"f{size}", size, combiner, [p, r])
                return cls._fortran("F" if size == 4 else "D", f"c{2 * size}", 2 * size, combiner, [p, r])
        raise _error(ERR_OTHER, f"{call} (precision={p}, range={r})",
                     f" No real type with both {p} digits of precision and "
                     f"an exponent range of {r} is available")

    @classmethod
    def Create_f90_real(cls, p, r):
        """Return a bounded real datatype."""
        return cls._f90_float(p, r, "f", COMBINER_F90_REAL, "MPI_Type_create_f90_real")

    @classmethod
    def Create_f90_complex(cls, p, r):
        """Return a bounded complex datatype."""
        return cls._f90_float(p, r, "c", COMBINER_F90_COMPLEX, "MPI_Type_create_f90_complex")

    @classmethod
    def Match_size(cls, typeclass, size):
        """Find a datatype matching a specified size in bytes."""
        typeclass, size = _index(typeclass), _index(size)
        names = {
            TYPECLASS_INTEGER: ("INTEGER", {1: INTEGER1, 2: INTEGER2, 4: INTEGER4, 8: INTEGER8}),
            TYPECLASS_REAL: ("REAL", {4: REAL4, 8: REAL8, 16: REAL16}),
            TYPECLASS_COMPLEX: ("COMPLEX", {8: COMPLEX8, 16: COMPLEX16, 32: COMPLEX32}),
            TYPECLASS_LOGICAL: ("LOGICAL", {4: LOGICAL}),
        }
        if typeclass not in names:
            raise _error(ERR_ARG, f"internal_Type_match_size(65)..: MPI_Type_match_size(typeclass={typeclass}, size={size})",
                         f"Invalid typeclass {typeclass}")
        name, table = names[typeclass]
        if size not in table:
            raise _error(
                ERR_ARG,
                f"internal_Type_match_size(65)..: MPI_Type_match_size(typeclass={typeclass}, size={size})",
                f"MPIR_Type_match_size_impl(367): No MPI datatype available for typeclass "
                f"MPI_TYPECLASS_{name} and size {size}")
        return table[size]

    def Commit(self):
        """Commit the datatype."""
        self._live("MPI_Type_commit")
        self._committed = True
        return self

    def Free(self):
        """Free the datatype."""
        if self._predefined and self._envelope is None or self._id == 0:
            raise _error(ERR_TYPE, "MPI_Type_free", "Cannot free permanent data type")
        _attributes.delete_all("datatype", self._id, self)
        _datatype_slots(self, DATATYPE_NULL)

    # Decoding
    # --------

    def Get_envelope(self):
        """Return the number of input arguments used to create a datatype."""
        self._live("internal_Type_get_envelope_c(237): MPI_Type_get_envelope_c(MPI_DATATYPE_NULL)")
        if self._envelope is None:
            return (0, 0, 0, 0, COMBINER_NAMED)
        combiner, ints, aints, counts, types = self._envelope
        return (len(ints), len(aints), len(counts), len(types), combiner)

    envelope = property(Get_envelope, doc="Datatype envelope.")
    combiner = property(lambda self: self.Get_envelope()[-1], doc="Datatype combiner.")

    def Get_contents(self):
        """Return the input arguments used to create a datatype."""
        self._live("MPI_Type_get_contents_c")
        if self._envelope is None:
            raise _error(ERR_ARG, "MPI_Type_get_contents_c", "Invalid argument, datatype is a named datatype")
        _combiner, ints, aints, counts, types = self._envelope
        copies = [t if t._named else Datatype(t) for t in types]
        return (list(ints), list(aints), list(counts), copies)

    contents = property(Get_contents, doc="Datatype contents.")

    def decode(self):
        """Convenience method for decoding a datatype."""
        combiner = self.Get_envelope()[-1]
        if combiner == COMBINER_NAMED:
            return (self, "NAMED", {})
        i, _a, c, d = self.Get_contents()
        return _decoded_params(combiner, i, c, d)

    @property
    def is_named(self):
        """Is a named datatype."""
        return self.Get_envelope()[-1] == COMBINER_NAMED

    @property
    def is_predefined(self):
        """Is a predefined datatype."""
        return self._predefined or self._id == 0

    # Pack and Unpack
    # ---------------

    def _pack_into(self, inbuf, outbuf, position, call, external=False):
        self._live(call)
        if not self._committed:
            raise _error(ERR_TYPE, call, "Datatype has not been committed ")
        source = memoryview(inbuf).cast("B") if not hasattr(inbuf, "_mpi_buffer") \
            else inbuf._mpi_buffer(False)[0].cast("B")
        out = _writable_bytes(outbuf)
        position = _index(position)
        extent = self._extent
        count = len(source) // extent if extent > 0 else 0
        view = _typed_view(source, self, count)
        data = view.tobytes()
        if external:
            data = _external32(self, data, True)
        if position < 0 or position + len(data) > len(out):
            raise _error(ERR_TRUNCATE, call,
                         f"Message truncated; {len(data)} bytes packed at {position} "
                         f"but buffer size is {len(out)}")
        out[position:position + len(data)] = data
        return position + len(data)

    def _unpack_from(self, inbuf, position, outbuf, call, external=False):
        self._live(call)
        if not self._committed:
            raise _error(ERR_TYPE, call, "Datatype has not been committed ")
        source = memoryview(inbuf).cast("B") if not hasattr(inbuf, "_mpi_buffer") \
            else inbuf._mpi_buffer(False)[0].cast("B")
        out = _writable_bytes(outbuf)
        position = _index(position)
        extent = self._extent
        count = len(out) // extent if extent > 0 else 0
        view = _typed_view(out, self, count)
        nbytes = len(view) if not external else self.Pack_external_size("external32", count)
        if position < 0 or position + nbytes > len(source):
            raise _error(ERR_TRUNCATE, call,
                         f"Message truncated; {nbytes} bytes to unpack at {position} "
                         f"but buffer size is {len(source)}")
        data = source[position:position + nbytes].tobytes()
        if external:
            data = _external32(self, data, False)
        view[:len(view)] = data
        return position + nbytes

    def Pack(self, inbuf, outbuf, position, comm):
        """Pack into contiguous memory according to datatype."""
        return self._pack_into(inbuf, outbuf, position, "MPI_Pack_c")

    def Unpack(self, inbuf, position, outbuf, comm):
        """Unpack from contiguous memory according to datatype."""
        return self._unpack_from(inbuf, position, outbuf, "MPI_Unpack_c")

    def Pack_size(self, count, comm):
        """Determine the amount of space needed to pack a message."""
        count = _index(count)
        call = f"internal_Pack_size_c: MPI_Pack_size_c(incount={count})"
        self._live(call)
        if not self._committed:
            raise _error(ERR_TYPE, call, "Datatype has not been committed ")
        return count * self._size

    def Pack_external(self, datarep, inbuf, outbuf, position):
        """Pack into contiguous memory according to datatype (external32)."""
        str(datarep)
        return self._pack_into(inbuf, outbuf, position, "MPI_Pack_external_c", True)

    def Unpack_external(self, datarep, inbuf, position, outbuf):
        """Unpack from contiguous memory according to datatype (external32)."""
        str(datarep)
        return self._unpack_from(inbuf, position, outbuf, "MPI_Unpack_external_c", True)

    def Pack_external_size(self, datarep, count):
        """Determine the amount of space needed to pack a message (external32)."""
        str(datarep)
        count = _index(count)
        self._live("MPI_Pack_external_size_c")
        per = 0
        for key, size, n in self._layout.elements():
            per += n * _external_size(key, size)
        return count * per

    # Names and codes
    # ---------------

    def Get_name(self):
        """Get the print name for this datatype."""
        return self._name

    def Set_name(self, name):
        """Set the print name for this datatype."""
        self._name = str(name)

    name = property(Get_name, Set_name, doc="Print name.")

    def tocode(self):
        """Get character code or type string from predefined MPI datatype."""
        t = self
        while t._envelope is not None and t._envelope[0] == COMBINER_DUP:
            t = t._envelope[4][0]
        if t._char is None or t._id == 0:
            raise ValueError("cannot map to character code or type string")
        if t._envelope is not None or t._id in _CODE_IS_TYPESTR:
            return t._str
        return t._char

    @classmethod
    def fromcode(cls, code):
        """Get predefined MPI datatype from character code or type string."""
        try:
            return _typedict[code]
        except KeyError:
            raise ValueError(f"cannot map code {code!r} to MPI datatype") from None

    @property
    def typechar(self):
        """Character code."""
        if self._id == 0:
            return ""
        return self._char if self._char is not None else "V"

    @property
    def typestr(self):
        """Type string."""
        if self._id == 0:
            return ""
        return self._str if self._str is not None else f"V{self._extent}"


_datatype_slots = _slot_copier(Datatype)


def _datatype_copy(datatype):
    """`Datatype(datatype)` without its checks, for handles known to be
    datatypes (the oldtypes a derived datatype keeps)."""
    copy = object.__new__(Datatype)
    _datatype_slots(copy, datatype)
    return copy


class _AddressSpace:
    """Memory addressed absolutely, from MPI.BOTTOM: the bytes of the buffers
    whose address `Get_address` gave (the way a C program takes `&x` before
    building a struct type of absolute displacements). An address in no such
    buffer is refused, never dereferenced."""

    LIMIT = 4096

    def __init__(self):
        self._buffers = {}

    def register(self, address, view):
        """register(self, address: int, view: memoryview) -> None

        Remember the buffer `Get_address` gave `address` of.
        """
        buffers = self._buffers
        buffers.pop(address, None)
        buffers[address] = view
        while len(buffers) > self.LIMIT:
            del buffers[next(iter(buffers))]

    def _find(self, start, stop):
        for base, view in reversed(self._buffers.items()):
            if base <= start and stop <= base + len(view):
                return view, start - base
        raise ValueError(
            f"message: bytes at address {start:#x} to {stop:#x} are in no buffer "
            f"whose address MPI.Get_address gave")

    def __getitem__(self, key):
        view, offset = self._find(key.start, key.stop)
        return view[offset:offset + key.stop - key.start]

    def __len__(self):
        return _sys.maxsize

    def __setitem__(self, key, data):
        view, offset = self._find(key.start, key.stop)
        if view.readonly:
            raise BufferError("Object is not writable.")
        view[offset:offset + key.stop - key.start] = data


_ADDRESSES = _AddressSpace()


class buffer:
    """Buffer: a window of bytes over another object's memory, as mpi4py's
    `MPI.buffer` (what `Alloc_mem` returns and user reduction functions get).
    Its address is that memory's; `fromaddress` accepts the address of a
    buffer this rank knows (from `Get_address` or another `buffer`), never
    an arbitrary one."""

    __slots__ = ("_view", "_obj", "_readonly")

    def __init__(self, *args):
        if args:
            obj = args[0]
            view = _bytes_view(obj)
            self._set(obj, view, view.readonly)
        else:
            self._set(None, memoryview(bytearray()), False)

    def _set(self, obj, view, readonly):
        self._obj, self._view, self._readonly = obj, view, bool(readonly)

    @staticmethod
    def allocate(nbytes, clear=False):
        """Buffer allocation."""
        nbytes = _index(nbytes)
        if nbytes < 0:
            raise ValueError("expecting non-negative size")
        new = buffer.__new__(buffer)
        memory = bytearray(nbytes)
        new._set(memory, memoryview(memory), False)
        return new

    @staticmethod
    def frombuffer(obj, readonly=False):
        """Buffer from buffer-like object."""
        view = _bytes_view(obj)
        if not readonly and view.readonly:
            raise BufferError("Object is not writable.")
        new = buffer.__new__(buffer)
        new._set(obj, view, readonly)
        return new

    @staticmethod
    def fromaddress(address, nbytes, readonly=False):
        """Buffer from address and size in bytes."""
        address, nbytes = _index(address), _index(nbytes)
        if nbytes < 0:
            raise ValueError("expecting non-negative buffer length")
        if nbytes > 0 and address == 0:
            raise ValueError("expecting non-NULL address")
        new = buffer.__new__(buffer)
        try:
            view = _ADDRESSES[address:address + nbytes] if nbytes else memoryview(bytearray())
        except ValueError:
            raise ValueError(
                f"fromaddress: {nbytes} bytes at {address:#x} are in no buffer this rank knows; "
                f"the playground reaches memory only through buffers "
                f"(MPI.Get_address and MPI.buffer give their addresses)") from None
        new._set(None, view, readonly or view.readonly)
        return new

    @property
    def address(self):
        """Buffer address (from then on, `fromaddress` finds it)."""
        if self._obj is None and not len(self._view):
            return 0
        address = _mpi.address(self._view)
        if len(self._view):
            _ADDRESSES.register(address, self._view)
        return address

    obj = property(lambda self: self._obj, doc="Object exposing buffer.")
    nbytes = property(lambda self: len(self._view), doc="Buffer size (in bytes).")
    readonly = property(lambda self: self._readonly, doc="Buffer is read-only.")
    format = property(lambda self: "B", doc="Format of each element.")
    itemsize = property(lambda self: 1, doc="Size (in bytes) of each element.")

    def cast(self, format, shape=...):
        """Cast to a `memoryview` with new format or shape."""
        view = memoryview(self)
        return view.cast(format) if shape is ... else view.cast(format, shape)

    def tobytes(self, order=None):
        """Return the data in the buffer as a byte string."""
        return self._view.tobytes()

    def toreadonly(self):
        """Return a readonly version of the buffer object."""
        new = buffer.__new__(buffer)
        new._set(self._obj if self._obj is not None else self, self._view, True)
        return new

    def release(self):
        """Release the underlying buffer exposed by the buffer object."""
        self._set(None, memoryview(bytearray()), False)

    def __buffer__(self, flags):
        return self._view.toreadonly() if self._readonly else self._view

    def __len__(self):
        return len(self._view)

    def _span(self, item):
        if isinstance(item, slice):
            start, stop, step = item.indices(len(self._view))
            if step != 1:
                raise IndexError("slice with step not supported")
            return start, max(start, stop)
        raise TypeError("index must be integer or slice")

    def _position(self, item):
        n = len(self._view)
        k = item.__index__()
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("index out of range")
        return k

    def __getitem__(self, item):
        if hasattr(item, "__index__"):
            return self._view[self._position(item)]
        start, stop = self._span(item)
        new = buffer.__new__(buffer)
        new._set(self._obj, self._view[start:stop], self._readonly)
        return new

    def __setitem__(self, item, value):
        if self._readonly:
            raise TypeError("buffer is read-only")
        if hasattr(item, "__index__"):
            self._view[self._position(item)] = value & 0xFF
            return
        start, stop = self._span(item)
        if hasattr(value, "__index__"):
            self._view[start:stop] = bytes([value & 0xFF]) * (stop - start)
            return
        data = _bytes_view(value)
        if len(data) != stop - start:
            raise ValueError("slice length does not match buffer")
        self._view[start:stop] = data

    def __delitem__(self, item):
        raise NotImplementedError("Subscript deletion not supported by mpi4py.MPI.buffer")


memory = buffer  # mpi4py's older name


def _bytes_view(obj):
    """A flat byte view of any buffer-like object (TypeError otherwise)."""
    if hasattr(obj, "_mpi_buffer"):
        try:
            view = obj._mpi_buffer(True)[0]
        except (BufferError, ValueError):
            view = obj._mpi_buffer(False)[0]
    else:
        view = memoryview(obj)
    return view.cast("B") if view.ndim != 1 or view.format != "B" else view


def Alloc_mem(size, info=None):
    """Allocate memory for message passing and remote memory access."""
    size = _index(size)
    if size < 0:
        raise _error(ERR_ARG, "MPI_Alloc_mem", f"Invalid argument, size is negative ({size})")
    return buffer.allocate(size, True)


def Free_mem(mem):
    """Free memory allocated with `Alloc_mem`."""
    mem.release()


def Get_address(location):
    """Get the address of a location in memory."""
    if location is None or location is BOTTOM:
        return 0
    if type(location) is buffer and location._obj is None and not len(location._view):
        return 0  # mpi4py's empty buffer has no memory: a NULL address
    if hasattr(location, "_mpi_buffer"):
        try:
            view = location._mpi_buffer(True)[0]
        except (BufferError, ValueError):
            view = location._mpi_buffer(False)[0]
    else:
        view = memoryview(location)
    view = view.cast("B") if view.ndim != 1 or view.format != "B" else view
    address = _mpi.address(view)
    _ADDRESSES.register(address, view)
    return address


def Aint_add(base, disp):
    """Return the sum of base address and displacement."""
    return _index(base) + _index(disp)


def Aint_diff(addr1, addr2):
    """Return the difference between absolute addresses."""
    return _index(addr1) - _index(addr2)


def _datatype_create(datatype, combiner, params, free=False):
    """Create datatype from base datatype, combiner name, and parameters
    (what unpickling a derived datatype calls)."""
    datatypes = params.get("datatypes", [datatype])
    try:
        factory = getattr(datatype, f"Create_{combiner.lower()}")
        return factory(**params).Commit()
    finally:
        if free:
            for t in datatypes:
                t.free()


def _datatype_decode(datatype, mark=False):
    """Decode datatype to base datatype, combiner name, and parameters."""
    return datatype.decode()


def _writable_bytes(buf):
    if hasattr(buf, "_mpi_buffer"):
        return buf._mpi_buffer(True)[0].cast("B")
    view = memoryview(buf)
    if view.readonly:
        raise BufferError("Object is not writable.")
    return view.cast("B")


def _typed_view(mem, dtype, count, origin=0):
    """`count` instances of `dtype` in the byte view `mem` from `origin`: the
    bytes as they are for a dense type, else a packing view. Refuses what
    would reach outside the buffer (MPI would read or write there)."""
    layout = dtype._layout
    if mem is _ADDRESSES:
        return _typemap.Packed(mem, origin, layout, count)
    if dtype._envelope is None or layout.dense:
        nbytes = count * dtype._size
        if origin + nbytes > len(mem):
            raise ValueError(f"message: buffer too small: {nbytes} bytes needed, {len(mem) - origin} given")
        return mem[origin:origin + nbytes]
    if count > 0 and layout.size > 0:
        last = (count - 1) * layout.extent
        low = origin + min(layout.true_lb, last + layout.true_lb)
        high = origin + max(layout.true_ub, last + layout.true_ub)
        if low < 0 or high > len(mem):
            raise ValueError(
                f"message: datatype reaches bytes {low} to {high} of a buffer of {len(mem)} bytes")
    return _typemap.Packed(mem, origin, layout, count)


def _predefined(name, size, char, typestr, kind, **extra):
    return Datatype._make("MPI_" + name, size, char, typestr, kind, **extra)


# C long as on x86-64 Linux, the platform mpi4py's recorded behaviour comes
# from, and as NumPy's "l" is here everywhere; wasm32's own C long (struct's
# and array.array's "l") has 4 bytes, so struct formats name it "q" there.
_LONG_SIZE = 8
_LP64 = {} if _struct.calcsize("l") == 8 else {"l": "q", "L": "Q"}


def _fmt(code):
    """A struct/memoryview format for type codes, with C long 8 bytes wide."""
    return "".join(_LP64.get(c, c) for c in code)


DATATYPE_NULL = Datatype._make("MPI_DATATYPE_NULL", 0)
DATATYPE_NULL._id = 0
DATATYPE_NULL._committed = False
_DATATYPE_BY_HANDLE[0] = _DATATYPE_BY_HANDLE.pop(1)
PACKED = _predefined("PACKED", 1, "B", "u1", None)
BYTE = _predefined("BYTE", 1, "B", "u1", "byte")
AINT = _predefined("AINT", 8, "p", "i8", "int")
OFFSET = _predefined("OFFSET", 8, "p", "i8", "int")
COUNT = _predefined("COUNT", 8, "p", "i8", "int")
CHAR = _predefined("CHAR", 1, "c", "S1", "int")
WCHAR = _predefined("WCHAR", 4, "U", "U1", None)
SIGNED_CHAR = _predefined("SIGNED_CHAR", 1, "b", "i1", "int")
SHORT = _predefined("SHORT", 2, "h", "i2", "int")
INT = _predefined("INT", 4, "i", "i4", "int")
LONG = _predefined("LONG", _LONG_SIZE, "l", f"i{_LONG_SIZE}", "int")
LONG_LONG = _predefined("LONG_LONG_INT", 8, "q", "i8", "int")
UNSIGNED_CHAR = _predefined("UNSIGNED_CHAR", 1, "B", "u1", "uint")
UNSIGNED_SHORT = _predefined("UNSIGNED_SHORT", 2, "H", "u2", "uint")
UNSIGNED = _predefined("UNSIGNED", 4, "I", "u4", "uint")
UNSIGNED_LONG = _predefined("UNSIGNED_LONG", _LONG_SIZE, "L", f"u{_LONG_SIZE}", "uint")
UNSIGNED_LONG_LONG = _predefined("UNSIGNED_LONG_LONG", 8, "Q", "u8", "uint")
FLOAT = _predefined("FLOAT", 4, "f", "f4", "float")
DOUBLE = _predefined("DOUBLE", 8, "d", "f8", "float")
LONG_DOUBLE = _predefined("LONG_DOUBLE", 16, "g", "f16", "float")
C_BOOL = _predefined("C_BOOL", 1, "?", "b1", "bool")
INT8_T = _predefined("INT8_T", 1, "b", "i1", "int")
INT16_T = _predefined("INT16_T", 2, "h", "i2", "int")
INT32_T = _predefined("INT32_T", 4, "i", "i4", "int")
INT64_T = _predefined("INT64_T", 8, "l", "i8", "int")
UINT8_T = _predefined("UINT8_T", 1, "B", "u1", "uint")
UINT16_T = _predefined("UINT16_T", 2, "H", "u2", "uint")
UINT32_T = _predefined("UINT32_T", 4, "I", "u4", "uint")
UINT64_T = _predefined("UINT64_T", 8, "L", "u8", "uint")
C_FLOAT_COMPLEX = _predefined("C_COMPLEX", 8, "F", "c8", "complex")
C_DOUBLE_COMPLEX = _predefined("C_DOUBLE_COMPLEX", 16, "D", "c16", "complex")
CXX_BOOL = _predefined("CXX_BOOL", 1, "?", "b1", "bool")
C_LONG_DOUBLE_COMPLEX = _predefined("C_LONG_DOUBLE_COMPLEX", 32, "G", "c32", "complex")
CXX_FLOAT_COMPLEX = _predefined("CXX_FLOAT_COMPLEX", 8, "F", "c8", "complex")
CXX_DOUBLE_COMPLEX = _predefined("CXX_DOUBLE_COMPLEX", 16, "D", "c16", "complex")
CXX_LONG_DOUBLE_COMPLEX = _predefined("CXX_LONG_DOUBLE_COMPLEX", 32, "G", "c32", "complex")
# MPICH names FLOAT16_T nothing (an empty name), as mpi4py 4.1.2 shows it there.
FLOAT16_T = Datatype._make("", 2, "e", "f2", "float16")
# Fortran types, with MPICH's sizes (as mpi4py 4.1.2 on MPICH 4.0.2 reports them).
CHARACTER = _predefined("CHARACTER", 1, "c", "S1", "int")
LOGICAL = _predefined("LOGICAL", 4, "i", "i4", "logical")
INTEGER = _predefined("INTEGER", 4, "i", "i4", "int")
REAL = _predefined("REAL", 4, "f", "f4", "float")
DOUBLE_PRECISION = _predefined("DOUBLE_PRECISION", 8, "d", "f8", "float")
COMPLEX = _predefined("COMPLEX", 8, "F", "c8", "complex")
DOUBLE_COMPLEX = _predefined("DOUBLE_COMPLEX", 16, "D", "c16", "complex")
INTEGER1 = _predefined("INTEGER1", 1, "b", "i1", "int")
INTEGER2 = _predefined("INTEGER2", 2, "h", "i2", "int")
INTEGER4 = _predefined("INTEGER4", 4, "i", "i4", "int")
INTEGER8 = _predefined("INTEGER8", 8, "l", "i8", "int")
REAL4 = _predefined("REAL4", 4, "f", "f4", "float")
REAL8 = _predefined("REAL8", 8, "d", "f8", "float")
REAL16 = _predefined("REAL16", 16, "g", "f16", "float")
COMPLEX8 = _predefined("COMPLEX8", 8, "F", "c8", "complex")
COMPLEX16 = _predefined("COMPLEX16", 16, "D", "c16", "complex")
COMPLEX32 = _predefined("COMPLEX32", 32, "G", "c32", "complex")
# Value-index pairs for MAXLOC and MINLOC, laid out as C structs.
SHORT_INT = _predefined("SHORT_INT", 6, None, None, "pair", extent=8, pair="hi")
TWOINT = _predefined("2INT", 8, None, None, "pair", pair="ii")
LONG_INT = _predefined("LONG_INT", 12, None, None, "pair", extent=16, pair="li")
FLOAT_INT = _predefined("FLOAT_INT", 8, None, None, "pair", pair="fi")
DOUBLE_INT = _predefined("DOUBLE_INT", 12, None, None, "pair", extent=16, pair="di")
LONG_DOUBLE_INT = _predefined("LONG_DOUBLE_INT", 20, None, None, "pair", extent=32, pair="gi")

# `tocode` gives these types' type string rather than their character code.
_CODE_IS_TYPESTR = {t._id for t in (
    C_BOOL, INT8_T, INT16_T, INT32_T, INT64_T, UINT8_T, UINT16_T, UINT32_T, UINT64_T,
    INTEGER1, INTEGER2, INTEGER4, INTEGER8, REAL4, REAL8, REAL16,
    COMPLEX8, COMPLEX16, COMPLEX32)}

# Types MPICH 4.0.2 does not provide: the null datatype, as in mpi4py there.
BFLOAT16_T = COMPLEX4 = INTEGER16 = REAL2 = DATATYPE_NULL
LOGICAL1 = LOGICAL2 = LOGICAL4 = LOGICAL8 = LOGICAL16 = DATATYPE_NULL

# Aliases, the same objects as in mpi4py.
BOOL = C_BOOL
C_COMPLEX = C_FLOAT_COMPLEX
INT_INT = TWOINT
UNSIGNED_INT = UNSIGNED
SIGNED_SHORT = SHORT
SIGNED_INT = INT
SIGNED_LONG = LONG
SIGNED_LONG_LONG = LONG_LONG
SINT8_T = INT8_T
SINT16_T = INT16_T
SINT32_T = INT32_T
SINT64_T = INT64_T
FLOAT32_T = FLOAT
FLOAT64_T = DOUBLE
F_BOOL = LOGICAL
F_INT = INTEGER
F_FLOAT = REAL
F_DOUBLE = DOUBLE_PRECISION
F_COMPLEX = F_FLOAT_COMPLEX = COMPLEX
F_DOUBLE_COMPLEX = DOUBLE_COMPLEX

# Buffer format characters and type strings -> datatype (mpi4py's _typedict).
_typedict = {
    "?": C_BOOL, "b1": C_BOOL, "c": CHAR, "S": CHAR, "S1": CHAR, "1s": CHAR, "a": CHAR,
    "s": CHAR, "U": WCHAR, "U1": WCHAR, "w": WCHAR, "1w": WCHAR,
    "b": SIGNED_CHAR, "h": SHORT, "i": INT, "l": LONG, "q": LONG_LONG,
    "B": UNSIGNED_CHAR, "H": UNSIGNED_SHORT, "I": UNSIGNED, "L": UNSIGNED_LONG,
    "Q": UNSIGNED_LONG_LONG, "e": FLOAT16_T, "f": FLOAT, "d": DOUBLE, "g": LONG_DOUBLE,
    "F": C_FLOAT_COMPLEX, "D": C_DOUBLE_COMPLEX, "G": C_LONG_DOUBLE_COMPLEX,
    "Zf": C_FLOAT_COMPLEX, "Zd": C_DOUBLE_COMPLEX, "Zg": C_LONG_DOUBLE_COMPLEX,
    "n": COUNT, "N": UNSIGNED_LONG, "p": AINT, "P": UNSIGNED_LONG,
    "i1": INT8_T, "i2": INT16_T, "i4": INT32_T, "i8": INT64_T,
    "u1": UINT8_T, "u2": UINT16_T, "u4": UINT32_T, "u8": UINT64_T, "u": UINT16_T, "1u": UINT16_T,
    "f2": FLOAT16_T, "f4": FLOAT, "f8": DOUBLE, "f16": LONG_DOUBLE,
    "c8": C_FLOAT_COMPLEX, "c16": C_DOUBLE_COMPLEX, "c32": C_LONG_DOUBLE_COMPLEX,
    # NumPy's datetime64 and timedelta64 travel as 64-bit integers.
    "m": INT64_T, "m8": INT64_T, "M": INT64_T, "M8": INT64_T,
}


# Datatypes by (signed, size), for formats whose size varies by platform ("l").
_INT_BY_SIZE = {
    (True, 1): INT8_T, (True, 2): INT16_T, (True, 4): INT32_T, (True, 8): INT64_T,
    (False, 1): UINT8_T, (False, 2): UINT16_T, (False, 4): UINT32_T, (False, 8): UINT64_T,
}

# The module attribute naming each predefined datatype (for pickling).
_DATATYPE_NAMES = {}
for _name, _value in list(globals().items()):
    if isinstance(_value, Datatype) and _value._id not in _DATATYPE_NAMES:
        _DATATYPE_NAMES[_value._id] = _name
del _name, _value

# The predefined types whose instances are their bytes with no gap: a
# message [buffer, MPI.INT] of one is handed to `_mpi` as it is (`Send`).
_mpi.set_plain_datatypes(Datatype, {
    t._id: t._size for t in _DATATYPE_BY_HANDLE.values()
    if t._predefined and t._envelope is None and t._pair is None and 0 < t._size == t._extent
})

# Get_value_index: the predefined (value, int) pairs MPICH 4.0.2 has.
_VALUE_INDEX = {
    SHORT._id: SHORT_INT, INT._id: TWOINT, LONG._id: LONG_INT,
    FLOAT._id: FLOAT_INT, DOUBLE._id: DOUBLE_INT, LONG_DOUBLE._id: LONG_DOUBLE_INT,
}

# external32 (Pack_external): each basic type's size there and how its
# values convert, as MPICH 4.0.2 packs them: big-endian, C long as 4 bytes,
# long double as IEEE binary128. Types MPICH gives no external32 size keep 0.
_EXTERNAL32 = {}
for _t, _rule in (
    (CHAR, "B"), (SIGNED_CHAR, "b"), (UNSIGNED_CHAR, "B"), (BYTE, "B"), (PACKED, "B"),
    (C_BOOL, "B"), (CXX_BOOL, "B"), (INT8_T, "b"), (UINT8_T, "B"), (CHARACTER, "B"),
    (WCHAR, "H"), (SHORT, "h"), (UNSIGNED_SHORT, "H"), (INT16_T, "h"), (UINT16_T, "H"),
    (INT, "i"), (UNSIGNED, "I"), (INT32_T, "i"), (UINT32_T, "I"), (INTEGER, "i"), (LOGICAL, "i"),
    (LONG, "q>i"), (UNSIGNED_LONG, "Q>I"),
    (LONG_LONG, "q"), (UNSIGNED_LONG_LONG, "Q"), (INT64_T, "q"), (UINT64_T, "Q"),
    (AINT, "q"), (OFFSET, "q"), (COUNT, "q"),
    (FLOAT, "f"), (DOUBLE, "d"), (REAL, "f"), (DOUBLE_PRECISION, "d"),
    (C_FLOAT_COMPLEX, "ff"), (C_DOUBLE_COMPLEX, "dd"), (CXX_FLOAT_COMPLEX, "ff"),
    (CXX_DOUBLE_COMPLEX, "dd"), (COMPLEX, "ff"), (DOUBLE_COMPLEX, "dd"),
    (LONG_DOUBLE, "g"), (C_LONG_DOUBLE_COMPLEX, "gg"), (CXX_LONG_DOUBLE_COMPLEX, "gg"),
    (INTEGER1, "b"), (INTEGER2, "h"), (INTEGER4, "i"), (INTEGER8, "q"),
    (REAL4, "f"), (REAL8, "d"), (REAL16, "g"),
    (COMPLEX8, "ff"), (COMPLEX16, "dd"), (COMPLEX32, "gg"),
):
    _EXTERNAL32[_t._id] = _rule
del _t, _rule


def _external_size(key, size):
    rule = _EXTERNAL32.get(key)
    if rule is None:
        return 0
    if ">" in rule:
        return _struct.calcsize(rule.split(">")[1])
    return sum(16 if c == "g" else _struct.calcsize(c) for c in rule)


def _x87_to_quad(raw):
    """An x86 80-bit extended float (16 bytes, little-endian) as IEEE binary128, big-endian."""
    mantissa = int.from_bytes(raw[:8], "little")
    sign_exp = int.from_bytes(raw[8:10], "little")
    fraction = (mantissa & ((1 << 63) - 1)) << 49
    return ((sign_exp << 112) | fraction).to_bytes(16, "big")


def _quad_to_x87(raw):
    bits = int.from_bytes(raw, "big")
    sign_exp = bits >> 112
    fraction = bits & ((1 << 112) - 1)
    exponent = sign_exp & 0x7FFF
    integer = 0 if exponent == 0 else 1 << 63
    mantissa = integer | (fraction >> 49)
    return mantissa.to_bytes(8, "little") + sign_exp.to_bytes(2, "little") + bytes(6)


def _external32(dtype, data, to_external):
    """Convert packed native bytes of `dtype` to external32, or back."""
    out = bytearray()
    position = 0
    elements = dtype._layout.elements()
    per = sum(n * _external_size(k, s) for k, s, n in elements)
    native = dtype._size if to_external else per
    if not native:
        return bytes(out)
    for _ in range(len(data) // native):
        for key, size, n in elements:
            rule = _EXTERNAL32.get(key)
            for _k in range(n):
                if rule is None:
                    position += size if to_external else 0
                    continue
                native_fmt, _, ext_fmt = rule.partition(">")
                ext_fmt = ext_fmt or native_fmt
                if native_fmt in ("g", "gg"):
                    for _half in native_fmt:
                        if to_external:
                            out += _x87_to_quad(data[position:position + 16])
                        else:
                            out += _quad_to_x87(data[position:position + 16])
                        position += 16
                    continue
                src, dst = ("@" + native_fmt, ">" + ext_fmt) if to_external else (">" + ext_fmt, "@" + native_fmt)
                step = _struct.calcsize(src)
                out += _struct.pack(dst, *_struct.unpack(src, data[position:position + step]))
                position += step
    return bytes(out)


def _lookup_datatype(key):
    try:
        return _typedict[key]
    except KeyError:
        raise KeyError(f"cannot map {key!r} to MPI datatype") from None


# ---------------------------------------------------------------------------
# Buffer specifications (the uppercase methods' messages)
# ---------------------------------------------------------------------------

def _index(value):
    """An integer argument, as Cython's `int` conversion accepts it."""
    if type(value) is int:
        return value
    try:
        return value.__index__()
    except AttributeError:
        raise TypeError(f"an integer is required (got type {type(value).__name__})") from None


def _message(msg, writable, blocks=0):
    """Resolve a buffer specification.

    Returns ``(view, nbytes, datatype)``: `view` is a flat byte memoryview of
    the part of the buffer the message covers (`blocks` consecutive blocks for
    the scatter/gather family, else one), `nbytes` the size of one block.
    """
    if type(msg) is bytearray and blocks <= 1:
        # The common case, short-cut: a whole bytearray is its own bytes as
        # MPI_UNSIGNED_CHAR (what the general path below concludes).
        view = memoryview(msg)
        return view, len(view), UNSIGNED_CHAR
    count = displ = dtype = None
    if type(msg) is list or type(msg) is tuple:
        nargs = len(msg)
        if nargs == 2:
            buf, count = msg
            if isinstance(count, (Datatype, str)):
                count, dtype = None, count
            elif isinstance(count, (tuple, list)):
                count, displ = count
        elif nargs == 3:
            buf, count, dtype = msg
            if isinstance(count, (tuple, list)):
                count, displ = count
        elif nargs == 4:
            buf, count, displ, dtype = msg
        else:
            raise ValueError("message: expecting 2 to 4 items")
    else:
        buf = msg
    fmt = itemsize = None
    if buf is BOTTOM and count and dtype is not None:
        # Absolute displacements: the datatype says where the data is.
        if not isinstance(dtype, Datatype):
            dtype = _lookup_datatype(dtype)
        count = _index(count)
        return _typed_view(_ADDRESSES, dtype, count * max(blocks, 1)), count * dtype._size, dtype
    if buf is None or buf is BOTTOM:
        if count:
            raise ValueError(f"message: buffer is None but count is {count}")
        view = memoryview(bytearray())
    elif hasattr(buf, "_mpi_buffer"):
        # A NumPy array: its memory in order (C or Fortran), and its type
        # code, as mpi4py reads arrays (through DLPack, with its errors).
        view, fmt, itemsize = buf._mpi_buffer(writable)
    else:
        try:
            view = memoryview(buf)
        except TypeError:
            if buf is msg:
                raise TypeError("message: expecting buffer or list/tuple") from None
            raise TypeError(f"a bytes-like object is required, not '{type(buf).__name__}'") from None
        if writable and view.readonly:
            raise BufferError("Object is not writable.")
    if dtype is None:
        # Inferred from the buffer's format, as mpi4py does: bytes and
        # bytearray ("B") are MPI_UNSIGNED_CHAR.
        fmt = fmt or view.format
        if fmt == "B":
            dtype = UNSIGNED_CHAR
        else:
            if fmt[:1] in "@=<":
                fmt = fmt[1:]
            elif fmt[:1] in ">!":
                raise BufferError(f"format string {view.format!r} with non-native byte order")
            dtype = _lookup_datatype(fmt)
            itemsize = itemsize or view.itemsize
            if dtype._size != itemsize and dtype._kind == "int":
                dtype = _INT_BY_SIZE[fmt.islower(), itemsize]
    elif not isinstance(dtype, Datatype):
        dtype = _lookup_datatype(dtype)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    length = len(view)
    extent = dtype._extent
    offset = 0
    if displ is not None:
        displ = _index(displ)
        if displ < 0:
            raise ValueError(f"message: negative displacement {displ}")
        if displ > 0:
            if extent <= 0:
                raise ValueError(f"message: cannot handle displacement, datatype extent {extent}")
            if displ * extent > length:
                raise ValueError(
                    f"message: displacement {displ} out of bounds, "
                    f"number of datatype entries {length // extent}")
            offset = displ * extent
            length -= offset
    if count is not None:
        count = _index(count)
        if count < 0:
            raise ValueError(f"message: negative count {count}")
    elif length > 0:
        if extent <= 0:
            raise ValueError("message: cannot infer count, datatype is null")
        if length % extent:
            raise ValueError(
                f"message: cannot infer count, buffer length {length} is not "
                f"a multiple of datatype extent {extent} (lb:0, ub:{extent})")
        count = length // extent
        if blocks > 1:
            if count % blocks:
                raise ValueError(
                    f"message: cannot infer count, number of entries {count} is not "
                    f"a multiple of required number of blocks {blocks}")
            count //= blocks
    else:
        count = 0
    if dtype._envelope is not None and not dtype._layout.dense:
        # A derived type with gaps (or bounds that are not its bytes): the
        # message is its packed bytes, gathered from and scattered to the buffer.
        if not dtype._committed:
            raise _error(ERR_TYPE, "MPI message", "Datatype has not been committed ")
        view = _typed_view(view, dtype, count * max(blocks, 1), offset)
        return view, count * dtype._size, dtype
    nbytes = count * extent
    total = nbytes * blocks if blocks > 1 else nbytes
    if total > length:
        raise ValueError(f"message: buffer too small: {total} bytes needed, {length} given")
    if offset or total != len(view):
        view = view[offset:offset + total]
    return view, nbytes, dtype


def _send_obj(obj, dest):
    """The pickle a point-to-point send carries (nothing to PROC_NULL);
    while the run records a timeline, the object's preview goes with it."""
    if dest == PROC_NULL:
        return b""
    _mpi.trace_preview(obj, _preview)
    return _dumps(obj, _PROTOCOL)


def _send_buf(buf, dest):
    """`_send_obj` for a buffer specification."""
    if dest == PROC_NULL:
        return b""
    # A buffer specification, [buf, MPI.DOUBLE]: the buffer says it.
    spec = type(buf) is list or type(buf) is tuple
    _mpi.trace_preview(buf[0] if spec and buf else buf, _preview)
    return _send_bytes(buf)


_PREVIEW = None


def _preview(obj):
    """The start of `repr(obj)`, at most 80 characters, made without
    building the whole text of a large object (a message's preview on the
    timeline costs its sender only while the run records). Numbers,
    strings and bytes never get here: `_mpi.trace_preview` previews them."""
    global _PREVIEW
    kind = type(obj)
    if kind is memoryview:
        text = "<memory of %d bytes>" % obj.nbytes
    elif getattr(obj, "size", 0) > 1000 and hasattr(obj, "dtype"):
        text = "<array of shape %s, %s>" % (obj.shape, obj.dtype)
    else:
        if _PREVIEW is None:
            import reprlib
            _PREVIEW = reprlib.Repr(maxlevel=3, maxlist=8, maxtuple=8, maxdict=6, maxset=6,
                                    maxstring=80, maxlong=80, maxother=80)
        try:
            text = _PREVIEW.repr(obj)
        except Exception:
            text = "<%s object>" % kind.__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _send_bytes(msg):
    """The bytes a send buffer specification describes."""
    if type(msg) is bytes:
        return msg
    if type(msg) is bytearray:
        return bytes(msg)
    return _message(msg, False)[0].tobytes()


def _vector(msg, writable, size):
    """Resolve a vector buffer specification (Gatherv, Scatterv, ...).

    Returns ``(view, [(start, nbytes)] * size, datatype)`` in bytes.
    """
    counts = displs = dtype = None
    if type(msg) is list or type(msg) is tuple:
        nargs = len(msg)
        if nargs == 2:
            buf, counts = msg
            if isinstance(counts, (Datatype, str)):
                counts, dtype = None, counts
            elif type(counts) is tuple:
                counts, displs = counts
        elif nargs == 3:
            buf, counts, dtype = msg
            if type(counts) is tuple:
                counts, displs = counts
        elif nargs == 4:
            buf, counts, displs, dtype = msg
        else:
            raise ValueError("message: expecting 2 to 4 items")
    else:
        buf = msg
    view, nbytes, dtype = _message([buf, dtype] if dtype is not None else buf, writable)
    # Positions in the message: packed bytes (each entry `size` long) for a
    # type with gaps, else the buffer's own (each entry `extent` apart).
    extent = dtype._size if isinstance(view, _typemap.Packed) else dtype._extent
    if counts is None:
        entries = nbytes // extent if extent else 0
        if entries % size:
            raise ValueError(
                f"message: cannot infer count, number of entries {entries} is not "
                f"a multiple of required number of blocks {size}")
        counts = [entries // size] * size
    elif not isinstance(counts, (list, tuple)):
        counts = [_index(counts)] * size
    if len(counts) != size:
        raise ValueError(f"expecting {size} items, got {len(counts)}")
    if displs is None:
        displs, position = [], 0
        for c in counts:
            displs.append(position)
            position += c
    elif not isinstance(displs, (list, tuple)):
        displs = [_index(displs) * i for i in range(size)]
    if len(displs) != size:
        raise ValueError(f"expecting {size} items, got {len(displs)}")
    blocks = [(_index(d) * extent, _index(c) * extent) for c, d in zip(counts, displs)]
    for start, n in blocks:
        if start < 0 or n < 0 or start + n > len(view):
            raise ValueError(f"message: block of {n} bytes at {start} outside a buffer of {len(view)} bytes")
    return view, blocks, dtype


def _vector_w(msg, writable, size):
    """Resolve a general vector specification (Alltoallw): ``(buf, datatypes)``,
    ``(buf, (counts, displs), datatypes)`` or ``(buf, counts, displs,
    datatypes)``, displacements in bytes. Returns one view per peer."""
    nargs = len(msg)
    if nargs == 2:
        buf, types = msg
        counts = displs = None
    elif nargs == 3:
        buf, (counts, displs), types = msg
    elif nargs == 4:
        buf, counts, displs, types = msg
    else:
        raise ValueError("message: expecting 2 to 4 items")
    if buf is BOTTOM:
        mem = _ADDRESSES
    elif writable:
        mem = _writable_bytes(buf)
    elif hasattr(buf, "_mpi_buffer"):
        mem = buf._mpi_buffer(False)[0].cast("B")
    else:
        mem = memoryview(buf).cast("B")
    if counts is None and displs is None:
        counts, displs = [1] * size, [0] * size
    else:
        counts = _counts(counts, "counts", size)
        displs = _counts(displs, "displs", size)
    types = list(types)
    if len(types) != size:
        raise ValueError(f"expecting {size} items, got {len(types)}")
    views = []
    for count, displ, dtype in zip(counts, displs, types):
        if count and not dtype._committed:
            raise _error(ERR_TYPE, "MPI_Alltoallw", "Datatype has not been committed ")
        views.append(_typed_view(mem, dtype, count, displ))
    return views


def _truncated(call, data, capacity, source, tag):
    # `_mpi.recv_into` raises the same text for the short way of `Recv`.
    return _error(
        ERR_TRUNCATE, call,
        f"Message from rank {source} and tag {tag} truncated; "
        f"{len(data)} bytes received but buffer size is {capacity}")


def _store(view, data, call, source=ANY_SOURCE, tag=ANY_TAG):
    """Copy received bytes into the front of a byte view."""
    n = len(data)
    if n > len(view):
        raise _truncated(call, data, len(view), source, tag)
    if n:
        view[:n] = data


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------

def _status_int(index):
    """A field of MPI_Status, one C int of its memory (`Status.tomemory`)."""
    return property(lambda self: self._mem[index], lambda self, value: self._mem.__setitem__(index, value))


def _as_c_int(value):
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


class Status:
    """Status object."""

    # MPICH's MPI_Status, five C ints: count_lo, count_hi_and_cancelled,
    # MPI_SOURCE, MPI_TAG, MPI_ERROR. `tomemory` hands out this memory.
    __slots__ = ("_mem",)

    _source = _status_int(2)
    _tag = _status_int(3)
    _error = _status_int(4)

    @property
    def _count(self):
        return (self._mem[0] & 0xFFFFFFFF) + ((self._mem[1] >> 1) << 32)

    @_count.setter
    def _count(self, count):
        self._mem[0] = _as_c_int(count)
        self._mem[1] = _as_c_int(((count >> 31) & ~1) | (self._mem[1] & 1))

    @property
    def _cancelled(self):
        return bool(self._mem[1] & 1)

    @_cancelled.setter
    def _cancelled(self, flag):
        self._mem[1] = (self._mem[1] & ~1) | bool(flag)

    def __new__(cls, status=None):
        self = object.__new__(cls)
        if status is None:
            self._mem = _arrays.array("i", (0, 0, ANY_SOURCE, ANY_TAG, SUCCESS))
        elif isinstance(status, Status):
            self._mem = _arrays.array("i", status._mem)
        else:
            raise TypeError(
                "Argument 'status' has incorrect type "
                f"(expected mpi4py.MPI.Status, got {type(status).__name__})")
        return self

    def __eq__(self, other):
        if not isinstance(other, Status):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __ne__(self, other):
        if not isinstance(other, Status):
            return NotImplemented
        return self.__getstate__() != other.__getstate__()

    __hash__ = None

    def __getstate__(self):
        return {"source": self._source, "tag": self._tag, "error": self._error,
                "count": self._count, "cancelled": self._cancelled}

    def __setstate__(self, state):
        self._source = state["source"]
        self._tag = state["tag"]
        self._error = state["error"]
        self._count = state["count"]
        self._cancelled = state["cancelled"]

    def __reduce__(self):
        return (type(self), (), self.__getstate__())

    def tomemory(self):
        """Status memory buffer."""
        return memoryview(self._mem)

    def Get_source(self):
        """Get message source."""
        return self._source

    def Set_source(self, source):
        """Set message source."""
        self._source = _index(source)

    def Get_tag(self):
        """Get message tag."""
        return self._tag

    def Set_tag(self, tag):
        """Set message tag."""
        self._tag = _index(tag)

    def Get_error(self):
        """Get message error."""
        return self._error

    def Set_error(self, error):
        """Set message error."""
        self._error = _index(error)

    def Get_count(self, datatype=BYTE):
        """Get the number of *top level* elements."""
        datatype._live("MPI_Get_count_c")
        size = datatype._size
        if size == 0:
            return 0
        count, rest = divmod(self._count, size)
        return UNDEFINED if rest else count

    def Get_elements(self, datatype):
        """Get the number of basic elements in a status."""
        datatype._live("MPI_Get_elements_c")
        if datatype._envelope is None:
            return self.Get_count(datatype)
        return _typemap.elements_in(datatype._layout, self._count)

    def Set_elements(self, datatype, count):
        """Set the number of elements in a status."""
        datatype._live("MPI_Status_set_elements_x")
        count = _index(count)
        if datatype._envelope is None:
            self._count = count * datatype._size
            return
        items = datatype._layout.elements()
        per = sum(n for _key, _size, n in items)
        full, rest = divmod(count, per) if per else (0, 0)
        nbytes = full * datatype._size
        for _key, size, n in items:
            take = min(n, rest)
            nbytes += take * size
            rest -= take
        self._count = nbytes

    def Is_cancelled(self):
        """Test to see if a request was cancelled."""
        return self._cancelled

    def Set_cancelled(self, flag):
        """Set the cancelled state associated with a status."""
        self._cancelled = bool(flag)

    source = property(Get_source, Set_source, doc="Message source.")
    tag = property(Get_tag, Set_tag, doc="Message tag.")
    error = property(Get_error, Set_error, doc="Message error.")
    cancelled = property(Is_cancelled, Set_cancelled, doc="Cancelled state.")

    @property
    def count(self):
        """Byte count."""
        return self.Get_count(BYTE)

    @count.setter
    def count(self, value):
        self.Set_elements(BYTE, value)


def _set_status(status, source, tag, count, cancelled=False):
    if not isinstance(status, Status):
        raise TypeError(
            "Argument 'status' has incorrect type "
            f"(expected mpi4py.MPI.Status, got {type(status).__name__})")
    status._source = source
    status._tag = tag
    status._error = SUCCESS
    status._count = count
    status._cancelled = cancelled


# ---------------------------------------------------------------------------
# Request
# ---------------------------------------------------------------------------

# What a completed request yields: an object, nothing (a send), or bytes
# copied into the receive buffer.
_OBJECT, _SEND, _BUFFER = 0, 1, 2


class Request:
    """Request handler.

    A request holds a native request id while pending. Once the native side
    has completed it, the completion is kept until the request is waited or
    tested (`Testall` and `Get_status` may complete requests without
    reporting them), then the request becomes `REQUEST_NULL`.
    """

    # `_pid` and `_starter`: a persistent request's handle and how it starts.
    # `_coll`: a nonblocking collective's state (`_Collective`), else None.
    # `_greq`: a generalized request's state (`_GrequestState`), else None.
    __slots__ = ("_req", "_done", "_kind", "_buf", "_limit", "_cancelled", "_pid", "_starter",
                 "_coll", "_greq")

    def __new__(cls, request=None):
        self = object.__new__(cls)
        if request is None:
            self._req = self._done = self._buf = self._pid = self._starter = self._coll = None
            self._greq = None
            self._kind = _SEND
            self._limit = 0
            self._cancelled = False
        elif isinstance(request, Request):
            _slot_copier(Request)(self, request)
        else:
            raise TypeError(
                "Argument 'request' has incorrect type "
                f"(expected mpi4py.MPI.Request, got {type(request).__name__})")
        return self

    def __eq__(self, other):
        if not isinstance(other, Request):
            return NotImplemented
        if not self or not other:
            return not self and not other
        if self._pid is not None or other._pid is not None:
            return self._pid == other._pid
        return self is other or (self._req is not None and self._req == other._req)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None

    def __bool__(self):
        return self._active() or self._pid is not None

    def __reduce__(self):
        # REQUEST_NULL pickles by name, a null copy as a new null request, a
        # live request not at all (as in mpi4py).
        if self is REQUEST_NULL:
            return "REQUEST_NULL"
        if not self:
            return (type(self), (REQUEST_NULL,))
        raise ValueError(f"cannot serialize '{__name__}.{type(self).__name__}' instance")

    @property
    def handle(self):
        """MPI handle."""
        if self._pid is not None:
            return self._pid
        return 0 if self._req is None else self._req

    @classmethod
    def fromhandle(cls, handle):
        """Create object from MPI handle."""
        handle = _index(handle)
        if handle == 0:
            return cls()
        persistent = _PERSISTENT.get(handle)
        if persistent is None:
            raise ValueError(f"invalid request handle {handle}")
        return cls(persistent)

    def toint(self):
        """Translate object to integer."""
        return self.handle

    py2f = toint
    fromint = f2py = fromhandle

    # Completion
    # ----------

    def _poll(self):
        """Complete natively without blocking; True once complete."""
        if self._greq is not None:
            return self._greq.completed.is_set()
        if self._coll is not None:
            for req in self._coll.natives():
                done = _mpi.test(req)
                if done is not None:
                    self._absorb(req, done)
            return self._coll is None
        if self._done is None and self._req is not None:
            done = _mpi.test(self._req)
            if done is None:
                return False
            self._done, self._req = done, None
        return True

    def _take(self, status):
        """Report the completion: fill `status`, return the received object."""
        if self._greq is not None:
            return self._greq.take(self, status)
        self._complete_collective()
        done = self._done
        if done is None:
            # An inactive request completes at once with an empty status.
            if status is not None:
                _set_status(status, ANY_SOURCE, ANY_TAG, 0)
            return None
        self._done = None
        data, source, tag = done
        if status is not None:
            _set_status(status, source, tag, 0 if data is None else len(data),
                        self._cancelled and data is None)
        if data is None:
            return None
        kind = self._kind
        if kind == _OBJECT:
            if len(data) > self._limit:
                raise _truncated("MPI_Wait", data, self._limit, source, tag)
            return _loads(data) if data else None
        if kind == _BUFFER:
            _store(self._buf, data, "MPI_Wait", source, tag)
            self._buf = None
        return None

    def _complete_collective(self):
        while self._coll is not None:
            req = self._coll.natives()[0]
            self._absorb(req, _mpi.wait(req))

    def _wait(self, status):
        if self._done is None and self._req is not None:
            self._done, self._req = _mpi.wait(self._req), None
        return self._take(status)

    def Wait(self, status=None):
        """Wait for a send or receive to complete."""
        self._wait(status)
        return True

    def Test(self, status=None):
        """Test for the completion of a send or receive."""
        if not self._poll():
            return False
        self._take(status)
        return True

    def Get_status(self, status=None):
        """Non-destructive test for the completion of a request."""
        if not self._poll():
            return False
        if status is not None:
            if self._done is None:
                _set_status(status, ANY_SOURCE, ANY_TAG, 0)
            else:
                data, source, tag = self._done
                _set_status(status, source, tag, 0 if data is None else len(data),
                            self._cancelled and data is None)
        return True

    def wait(self, status=None):
        """Wait for a non-blocking operation to complete."""
        return self._wait(status)

    def test(self, status=None):
        """Test for the completion of a non-blocking operation."""
        if not self._poll():
            return (False, None)
        return (True, self._take(status))

    get_status = Get_status

    def Cancel(self):
        """Cancel a request (not a nonblocking collective's)."""
        if not self:
            raise _error(ERR_REQUEST, "MPI_Cancel", "Null MPI_Request ")
        if self._greq is not None:
            self._greq.cancel()
        if self._req is not None:
            _mpi.cancel(self._req)
            self._cancelled = True

    cancel = Cancel

    def Free(self):
        """Free a communication request (a started send still completes)."""
        if not self:
            raise _error(ERR_REQUEST, "MPI_Request_free", "Null MPI_Request ")
        for req in self._natives():
            _mpi.request_free(req)
        if self._greq is not None:
            self._greq.free()
        self._req = self._done = self._buf = self._coll = self._greq = None

    def free(self):
        """Call `Free` if not null."""
        if self:
            self.Free()

    # Multiple completions
    # --------------------

    @staticmethod
    def _waitall(requests, statuses):
        requests = list(requests)
        pending = [q for q in requests if q._done is None and q._req is not None]
        if pending:
            for q, done in zip(pending, _mpi.waitall([q._req for q in pending])):
                q._done, q._req = done, None
        if statuses is not None and len(statuses) < len(requests) and isinstance(statuses, list):
            statuses += [Status() for _ in range(len(statuses), len(requests))]
        results = []
        for i, q in enumerate(requests):
            status = statuses[i] if statuses is not None and i < len(statuses) else None
            results.append(q._take(status))
        return results

    def _natives(self):
        """The native requests this request waits on."""
        if self._coll is not None:
            return self._coll.natives()
        return [] if self._req is None else [self._req]

    def _absorb(self, req, done):
        """Record the completion of one of its native requests."""
        if self._coll is None:
            self._done, self._req = done, None
        elif self._coll.absorb(req, done):
            status, self._coll = self._coll.status, None
            self._done = (None, ANY_SOURCE, ANY_TAG) if status is None else status

    @staticmethod
    def _wait_one(requests):
        """Block until one more native request of `requests` completes;
        False if none is pending."""
        pending = [(q, req) for q in requests for req in q._natives()]
        if not pending:
            return False
        k, done = _mpi.waitany([req for _q, req in pending])
        q, req = pending[k]
        q._absorb(req, done)
        return True

    @staticmethod
    def _waitany(requests, status):
        requests = list(requests)
        while True:
            for i, q in enumerate(requests):
                if q._done is not None or (q._greq is not None and q._poll()):
                    return i, q._take(status)
            if not Request._wait_one(requests):
                if status is not None:
                    _set_status(status, ANY_SOURCE, ANY_TAG, 0)
                return UNDEFINED, None

    @staticmethod
    def _testany(requests, status):
        requests = list(requests)
        active = False
        for i, q in enumerate(requests):
            if q._active():
                active = True
                if q._poll():
                    return i, True, q._take(status)
        if not active:
            if status is not None:
                _set_status(status, ANY_SOURCE, ANY_TAG, 0)
            return UNDEFINED, True, None
        return UNDEFINED, False, None

    @staticmethod
    def _testall(requests, statuses):
        requests = list(requests)
        complete = True
        for q in requests:
            if not q._poll():
                complete = False
        if not complete:
            return False, None
        return True, Request._waitall(requests, statuses)

    def _active(self):
        # Started and not yet reported (an inactive persistent request is not).
        return (self._req is not None or self._done is not None or self._coll is not None
                or self._greq is not None)

    @staticmethod
    def _some(requests, statuses, block):
        requests = list(requests)
        if not any(q._active() for q in requests):
            return None, None
        ready = [i for i, q in enumerate(requests) if q._active() and q._poll()]
        while not ready and block and Request._wait_one(requests):
            ready = [i for i, q in enumerate(requests) if q._active() and q._poll()]
        if statuses is not None and len(statuses) < len(ready) and isinstance(statuses, list):
            statuses += [Status() for _ in range(len(statuses), len(ready))]
        objects = []
        for n, i in enumerate(ready):
            status = statuses[n] if statuses is not None and n < len(statuses) else None
            objects.append(requests[i]._take(status))
        return ready, objects

    @classmethod
    def Waitall(cls, requests, statuses=None):
        """Wait for all previously initiated requests to complete."""
        cls._waitall(requests, statuses)
        return True

    @classmethod
    def waitall(cls, requests, statuses=None):
        """Wait for all previously initiated requests to complete."""
        return cls._waitall(requests, statuses)

    @classmethod
    def Waitany(cls, requests, status=None):
        """Wait for any previously initiated request to complete."""
        return cls._waitany(requests, status)[0]

    @classmethod
    def waitany(cls, requests, status=None):
        """Wait for any previously initiated request to complete."""
        return cls._waitany(requests, status)

    @classmethod
    def Testany(cls, requests, status=None):
        """Test for completion of any previously initiated request."""
        index, flag, _ = cls._testany(requests, status)
        return (index, flag)

    @classmethod
    def testany(cls, requests, status=None):
        """Test for completion of any previously initiated request."""
        return cls._testany(requests, status)

    @classmethod
    def Testall(cls, requests, statuses=None):
        """Test for completion of all previously initiated requests."""
        return cls._testall(requests, statuses)[0]

    @classmethod
    def testall(cls, requests, statuses=None):
        """Test for completion of all previously initiated requests."""
        flag, objects = cls._testall(requests, statuses)
        return (flag, objects)

    @classmethod
    def Waitsome(cls, requests, statuses=None):
        """Wait for some previously initiated requests to complete."""
        return cls._some(requests, statuses, True)[0]

    @classmethod
    def waitsome(cls, requests, statuses=None):
        """Wait for some previously initiated requests to complete."""
        return cls._some(requests, statuses, True)

    @classmethod
    def Testsome(cls, requests, statuses=None):
        """Test for completion of some previously initiated requests."""
        return cls._some(requests, statuses, False)[0]

    @classmethod
    def testsome(cls, requests, statuses=None):
        """Test for completion of some previously initiated requests."""
        return cls._some(requests, statuses, False)

    @classmethod
    def Get_status_any(cls, requests, status=None):
        """Non-destructive test for the completion of any requests."""
        requests = list(requests)
        if not any(requests):
            # Only null requests: MPI sets the empty status.
            if status is not None:
                status.__setstate__(Status().__getstate__())
            return (UNDEFINED, True)
        for i, q in enumerate(requests):
            if q and q.Get_status(status):
                return (i, True)
        return (UNDEFINED, False)

    get_status_any = Get_status_any

    @classmethod
    def Get_status_some(cls, requests, statuses=None):
        """Non-destructive test for completion of some requests."""
        requests = list(requests)
        if not any(requests):
            return None
        ready = [i for i, q in enumerate(requests) if q and q._poll()]
        if statuses is not None:
            for n, i in enumerate(ready[:len(statuses)]):
                requests[i].Get_status(statuses[n])
        return ready

    get_status_some = Get_status_some

    @classmethod
    def Get_status_all(cls, requests, statuses=None):
        """Non-destructive test for the completion of all requests."""
        requests = list(requests)
        if not all(q._poll() for q in requests):
            return False
        if statuses is not None:
            if isinstance(statuses, list) and len(statuses) < len(requests):
                statuses += [Status() for _ in range(len(statuses), len(requests))]
            for q, status in zip(requests, statuses):
                q.Get_status(status)
        return True

    get_status_all = Get_status_all


def _request(req, kind, buf=None, limit=0):
    self = object.__new__(Request)
    self._pid = self._starter = self._coll = self._greq = None
    self._req = req
    self._done = None
    self._kind = kind
    self._buf = buf
    self._limit = limit
    self._cancelled = False
    return self


REQUEST_NULL = Request()


class Prequest(Request):
    """Persistent request handler.

    Made inactive by `Comm.Send_init`, `Recv_init` and the other ``*_init``
    methods; each `Start` begins the operation anew (reading the send buffer
    then), and completing it makes the request inactive again, not null,
    until it is freed.
    """

    __slots__ = ()

    def __new__(cls, request=None):
        if isinstance(request, Grequest):
            raise TypeError("expecting a persistent request")
        return Request.__new__(cls, request)

    def Start(self):
        """Initiate a request with a persistent request."""
        if self._starter is None:
            raise _error(ERR_REQUEST, "MPI_Start", "Invalid MPI_Request")
        if self._active():
            raise _error(ERR_REQUEST, "MPI_Start", "Request is already active")
        started = self._starter()
        for slot in ("_req", "_done", "_kind", "_buf", "_limit", "_cancelled", "_coll"):
            setattr(self, slot, getattr(started, slot))

    @classmethod
    def Startall(cls, requests):
        """Start a collection of persistent requests."""
        for request in requests:
            request.Start()

    def Free(self):
        """Free a persistent request (a started operation still completes)."""
        Request.Free(self)
        _PERSISTENT.pop(self._pid, None)
        _PARTITIONED.pop(self._pid, None)
        self._starter = self._pid = None

    # Partitioned communication (MPI 4)
    # ---------------------------------

    def _partitions(self, call):
        state = _PARTITIONED.get(self._pid)
        if state is None:
            raise _error(ERR_REQUEST, call, "Invalid MPI_Request")
        return state

    def Pready(self, partition):
        """Mark a given partition as ready."""
        self._partitions("MPI_Pready").ready(self, [_index(partition)], "MPI_Pready")

    def Pready_range(self, partition_low, partition_high):
        """Mark a range of partitions as ready."""
        low, high = _index(partition_low), _index(partition_high)
        self._partitions("MPI_Pready_range").ready(self, range(low, high + 1), "MPI_Pready_range")

    def Pready_list(self, partitions):
        """Mark a sequence of partitions as ready."""
        self._partitions("MPI_Pready_list").ready(self, [_index(p) for p in partitions], "MPI_Pready_list")

    def Parrived(self, partition):
        """Test partial completion of a partitioned receive operation."""
        state = self._partitions("MPI_Parrived")
        state.check(_index(partition), "MPI_Parrived")
        # The message moves whole: every partition arrives with it.
        return self._poll() and (self._done is not None or state.peer == PROC_NULL)


# Live persistent requests by handle (`Request.fromhandle`); numbered apart
# from the native ids of ordinary requests.
_PERSISTENT = {}
# Partitioned requests' state, by the same handles.
_PARTITIONED = {}


class _Partitioned:
    """A partitioned send or receive. The message moves whole, in the
    communicator's collective context (so only a partitioned receive
    matches a partitioned send): a send goes when its last partition is
    marked ready, and a receive's partitions all arrive with it."""

    __slots__ = ("h", "peer", "tag", "view", "count", "marked")

    def check(self, partition, call):
        """check(self, partition: int, call: str) -> None

        Refuse a partition number out of range, as `call`.
        """
        if not 0 <= partition < self.count:
            raise _error(ERR_ARG, call, f"Invalid partition {partition}, must be in [0, {self.count})")

    def ready(self, request, partitions, call):
        """ready(self, request: Prequest, partitions: Iterable[int], call: str) -> None

        Mark partitions ready; send once all are.
        """
        for partition in partitions:
            self.check(partition, call)
            self.marked.add(partition)
        if len(self.marked) == self.count and request._req is None and request._done is None:
            if self.peer == PROC_NULL:
                request._done = (None, PROC_NULL, ANY_TAG)
            else:
                request._req = _mpi.coll_isend(self.h, self.peer, self.tag, self.view.tobytes())


def _partition_tag(tag):
    # Above the tags of nonblocking collectives (1 to 2**30) in the same context.
    return (1 << 30) + 1 + tag % ((1 << 30) - 1) if tag >= 0 else tag
_persistent_ids = iter(range(1 << 40, 1 << 62))


class Grequest(Request):
    """Generalized request handler: an operation the program itself carries
    out and marks done with `Complete`."""

    __slots__ = ()

    def __new__(cls, request=None):
        if isinstance(request, Prequest):
            raise TypeError("expecting a generalized request")
        return Request.__new__(cls, request)

    @classmethod
    def Start(cls, query_fn=None, free_fn=None, cancel_fn=None, args=None, kwargs=None):
        """Create and return a user-defined request."""
        request = cls()
        request._greq = _GrequestState(query_fn, free_fn, cancel_fn, args or (), kwargs or {})
        request._pid = next(_persistent_ids)
        _PERSISTENT[request._pid] = request
        return request

    def Complete(self, obj=None):
        """Notify that a user-defined request is complete."""
        if self._greq is None:
            raise _error(ERR_REQUEST, "MPI_Grequest_complete", "Invalid MPI_Request")
        self._greq.result = obj
        self._greq.completed.set()

    def complete(self, obj=None):
        """Notify that a user-defined request is complete."""
        self.Complete(obj)


class _GrequestState:
    """The callbacks of a generalized request, its completion and result."""

    __slots__ = ("query_fn", "free_fn", "cancel_fn", "args", "kwargs", "completed",
                 "cancelled", "result")

    def __init__(self, query_fn, free_fn, cancel_fn, args, kwargs):
        import threading
        self.query_fn, self.free_fn, self.cancel_fn = query_fn, free_fn, cancel_fn
        self.args, self.kwargs = tuple(args), dict(kwargs)
        self.completed = threading.Event()
        self.cancelled = False
        self.result = None

    def _call(self, fn, *head):
        """Run a callback as MPI would: an exception in it becomes the call's
        MPI error (its traceback printed to stderr, as mpi4py does)."""
        import builtins
        try:
            fn(*head, *self.args, **self.kwargs)
        except builtins.Exception as exc:
            import traceback
            traceback.print_exc()
            # `Exception` here is MPI.Exception.
            code = exc.Get_error_class() if isinstance(exc, Exception) else ERR_OTHER
            raise Exception(code) from None

    def cancel(self):
        """cancel(self) -> None

        Call the cancel function.
        """
        if self.cancel_fn is not None:
            self._call(self.cancel_fn, self.completed.is_set())

    def free(self):
        """free(self) -> None

        Call the free function once.
        """
        if self.free_fn is not None:
            fn, self.free_fn = self.free_fn, None
            self._call(fn)

    def take(self, request, status):
        """take(self, request: Grequest, status: Status | None) -> None

        Wait for completion and fill `status` by the query function.
        """
        self.completed.wait()
        query = Status()
        _set_status(query, ANY_SOURCE, ANY_TAG, 0)
        try:
            if self.query_fn is not None:
                self._call(self.query_fn, query)
        finally:
            request._greq = None
            try:
                self.free()
            finally:
                _PERSISTENT.pop(request._pid, None)
                request._pid = None
        if status is not None:
            status.Set_source(query.Get_source())
            status.Set_tag(query.Get_tag())
            status.Set_error(query.Get_error())
            status._count = query._count
            status.Set_cancelled(query.Is_cancelled())
        result, self.result = self.result, None
        return result


def _persistent(starter):
    request = Prequest()
    request._starter = starter
    request._pid = next(_persistent_ids)
    _PERSISTENT[request._pid] = request
    return request


# ---------------------------------------------------------------------------
# Nonblocking collectives
# ---------------------------------------------------------------------------
# Each is one step: at the call a rank starts every message it sends and
# every receive it needs (linear algorithms, in the collective context under
# the collective's own tag), and when the receives are in, it finishes
# locally (stores, combines). Sends never wait for receives here, so no rank
# has to call into MPI for another's collective to make progress.

# Nonblocking collectives started per communicator handle: their tags.
_NBC_SEQ = {}


def _nbc_tag(h):
    seq = _NBC_SEQ.get(h, 0) + 1
    _NBC_SEQ[h] = seq
    return 1 + seq % (1 << 30)


class _Collective:
    """A nonblocking collective in flight: its native sends and receives,
    and what to do with the received bytes once they are all in."""

    # `status`: None, or for a send-receive (`Isendrecv`) the receive's
    # completion once in, which the request reports as MPI does.
    __slots__ = ("sends", "recvs", "got", "finish", "status")

    def natives(self):
        """natives(self) -> list[int]

        Return the native requests still pending.
        """
        return [req for req in self.sends if req is not None] + \
               [req for req in self.recvs if req is not None]

    def absorb(self, req, done):
        """absorb(self, req: int, done: Any) -> bool

        Record one completion; True once the collective has finished.
        """
        if req in self.sends:
            self.sends[self.sends.index(req)] = None
        else:
            k = self.recvs.index(req)
            self.recvs[k] = None
            self.got[k] = done[0] or b""
            if self.status is not None:
                self.status = done
        return self.done()

    def done(self):
        """done(self) -> bool

        Finish the collective once nothing is pending.
        """
        if self.natives():
            return False
        if self.finish is not None:
            finish, self.finish = self.finish, None
            finish(self.got)
        return True


def _icollective(h, sends, recvs, finish):
    """Start a nonblocking collective on communicator handle `h`: `sends`
    [(rank, bytes)], `recvs` [rank]; `finish(received)` gets the received
    bytes in the order of `recvs`."""
    tag = _nbc_tag(h)
    state = _Collective()
    state.sends = [_mpi.coll_isend(h, rank, tag, data) for rank, data in sends]
    state.recvs = [_mpi.coll_irecv(h, rank, tag) for rank in recvs]
    state.got = [b""] * len(recvs)
    state.finish = finish
    state.status = None
    request = _request(None, _SEND)
    if state.done():
        request._done = (None, ANY_SOURCE, ANY_TAG)
    else:
        request._coll = state
    return request


def _fold(parts, combine):
    """parts[0] op parts[1] op ... in rank order."""
    result = parts[0]
    for part in parts[1:]:
        result = combine(result, part)
    return result


def _combiner(nop):
    return nop if callable(nop) else _local_op(*nop)


# ---------------------------------------------------------------------------
# Message (matched probes)
# ---------------------------------------------------------------------------

class Message:
    """Matched message: the envelope found by `Comm.mprobe`, received later.

    A rank runs one thread, so the message a probe found is the next one a
    receive from its exact source and tag gets (MPI's non-overtaking order).
    """

    __slots__ = ("_comm", "_source", "_tag")

    def __new__(cls, message=None):
        null = {"_comm": None, "_source": PROC_NULL, "_tag": ANY_TAG}
        return _new_handle(cls, message, Message, "message", null)

    def __reduce__(self):
        # The predefined messages pickle by name, a copy of one as a new copy
        # of it, a matched message not at all (as in mpi4py).
        for name in ("MESSAGE_NULL", "MESSAGE_NO_PROC"):
            constant = globals()[name]
            if self is constant:
                return name
            if self == constant:
                return (type(self), (constant,))
        raise ValueError(f"cannot serialize '{__name__}.{type(self).__name__}' instance")

    @classmethod
    def _of(cls, comm, source, tag):
        self = object.__new__(cls)
        self._comm, self._source, self._tag = comm, source, tag
        return self

    def __eq__(self, other):
        if not isinstance(other, Message):
            return NotImplemented
        return (self._comm, self._source, self._tag) == (other._comm, other._source, other._tag)

    __hash__ = None

    def __bool__(self):
        return self._comm is not None

    def free(self):
        """Do nothing (a matched message is freed by its receive)."""

    def _consume(self, call):
        if self._comm is None:
            raise _error(ERR_REQUEST, call, "Null message")
        comm, source, tag = self._comm, self._source, self._tag
        # A received message becomes MESSAGE_NULL; the predefined
        # MESSAGE_NO_PROC is a constant, which mpi4py never modifies.
        if self is not MESSAGE_NO_PROC:
            self._comm, self._source, self._tag = None, PROC_NULL, ANY_TAG
        return comm, source, tag

    @classmethod
    def _found(cls, comm, source, tag):
        """The message a probe found; from PROC_NULL it is MESSAGE_NO_PROC,
        whose receive (on any communicator) returns nothing at once."""
        return cls._of(COMM_SELF if source == PROC_NULL else comm, source, tag)

    @classmethod
    def probe(cls, comm, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Blocking test for a matched message."""
        return comm.mprobe(source, tag, status)

    @classmethod
    def iprobe(cls, comm, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Nonblocking test for a matched message."""
        return comm.improbe(source, tag, status)

    Probe = probe
    Iprobe = iprobe

    def recv(self, status=None):
        """Blocking receive of a matched message."""
        comm, source, tag = self._consume("MPI_Mrecv")
        return comm.recv(None, source, tag, status)

    def irecv(self):
        """Nonblocking receive of a matched message."""
        comm, source, tag = self._consume("MPI_Imrecv")
        return _request(_mpi.irecv(comm._h, source, tag), _OBJECT, None, 1 << 62)

    def Recv(self, buf, status=None):
        """Blocking receive of a matched message."""
        comm, source, tag = self._consume("MPI_Mrecv")
        comm.Recv(buf, source, tag, status)

    def Irecv(self, buf):
        """Nonblocking receive of a matched message."""
        comm, source, tag = self._consume("MPI_Imrecv")
        return comm.Irecv(buf, source, tag)


MESSAGE_NULL = Message()


# ---------------------------------------------------------------------------
# Op
# ---------------------------------------------------------------------------

def _op_MAX(x, y):
    return y if y > x else x


def _op_MIN(x, y):
    return y if y < x else x


def _op_SUM(x, y):
    return x + y


def _op_PROD(x, y):
    return x * y


def _op_BAND(x, y):
    return x & y


def _op_BOR(x, y):
    return x | y


def _op_BXOR(x, y):
    return x ^ y


def _op_LAND(x, y):
    return bool(x) & bool(y)


def _op_LOR(x, y):
    return bool(x) | bool(y)


def _op_LXOR(x, y):
    return bool(x) ^ bool(y)


def _op_MAXLOC(x, y):
    u, i = x
    v, j = y
    if u > v:
        return u, i
    if v > u:
        return v, j
    return (v, j) if j < i else (u, i)


def _op_MINLOC(x, y):
    u, i = x
    v, j = y
    if u < v:
        return u, i
    if v < u:
        return v, j
    return (v, j) if j < i else (u, i)


def _op_REPLACE(x, y):
    return y


def _op_NO_OP(x, y):
    return x


_op_ids = iter(range(1, 1 << 30))


# Live user-defined operations: mpi4py has room for 32 at a time.
_MAX_USER_OPS = 32
_USER_OPS = set()
_OP_BY_HANDLE = {}


class Op:
    """Reduction operation."""

    __slots__ = ("_id", "_name", "_fn", "_user", "_commute", "_objop", "__weakref__")

    def __new__(cls, op=None):
        return _new_handle(cls, op, Op, "op", OP_NULL)

    @classmethod
    def _make(cls, name, fn, commute=True):
        self = object.__new__(cls)
        self._id = next(_op_ids) if fn is not None else 0
        self._name = name
        self._fn = fn
        self._user = None
        self._commute = commute
        self._objop = _object_op(fn) if fn is not None else None
        _OP_BY_HANDLE[self._id] = self
        return self

    def __call__(self, x, y):
        if self._fn is not None:
            return self._fn(x, y)
        if self._user is not None:
            return self._user(x, y, None)
        raise ValueError("cannot call user-defined operation")

    def __eq__(self, other):
        if not isinstance(other, Op):
            return NotImplemented
        return self._id == other._id

    def __ne__(self, other):
        if not isinstance(other, Op):
            return NotImplemented
        return self._id != other._id

    __hash__ = None

    def __bool__(self):
        return self._id != 0

    def __reduce__(self):
        if self._name is not None or self._id == 0:
            name = self._name or "OP_NULL"
            if globals()[name] is self:
                return name
            return (Op, (globals()[name],))
        if self._user is None or _OP_BY_HANDLE.get(self._id) is not self:
            # Only the operation `Create` made pickles, not copies of its handle.
            raise ValueError("cannot pickle user-defined reduction operation")
        return (type(self).Create, (self._user, self._commute))

    @classmethod
    def Create(cls, function, commute=False):
        """Create a user-defined reduction operation.

        `function(invec, inoutvec, datatype)` combines buffers in place; on
        Python objects (the lowercase reductions, or calling the op)
        `function(x, y, None)` returns the result, as in mpi4py.
        """
        if not callable(function):
            raise AttributeError(f"'{type(function).__name__}' object has no attribute '__call__'")
        if len(_USER_OPS) >= _MAX_USER_OPS:
            raise RuntimeError("cannot create too many user-defined reduction operations")
        self = object.__new__(cls)
        self._id = next(_op_ids)
        # A slot of mpi4py's 32 for user functions, until freed or collected.
        _USER_OPS.add(self._id)
        _OP_BY_HANDLE[self._id] = self
        import weakref
        weakref.finalize(self, _USER_OPS.discard, self._id)
        self._name = None
        self._fn = None
        self._user = function
        self._commute = bool(commute)
        self._objop = _object_op(self)
        return self

    @property
    def handle(self):
        """MPI handle."""
        return self._id

    @classmethod
    def fromhandle(cls, handle):
        """Create object from MPI handle."""
        op = _OP_BY_HANDLE.get(_index(handle))
        if op is None:
            raise ValueError(f"invalid op handle {handle}")
        return cls(op)

    def toint(self):
        """Translate object to integer."""
        return self._id

    py2f = toint
    fromint = f2py = fromhandle

    def Free(self):
        """Free a user-defined reduction operation."""
        if not self:
            raise _error(ERR_OP, "MPI_Op_free", "Null Op pointer")
        if self._name is not None:
            raise _error(ERR_OP, "MPI_Op_free", "Cannot free permanent MPI_Op ")
        _USER_OPS.discard(self._id)
        _OP_BY_HANDLE.pop(self._id, None)
        for slot in ("_id", "_name", "_fn", "_user", "_commute", "_objop"):
            setattr(self, slot, getattr(OP_NULL, slot))

    def free(self):
        """Call `Free` if not null or predefined."""
        if self and self._name is None:
            self.Free()

    def Is_commutative(self):
        """Query reduction operations for their commutativity."""
        return self._commute

    @property
    def is_commutative(self):
        """Is a commutative operation."""
        return self._commute

    @property
    def is_predefined(self):
        """Is a predefined operation."""
        return self._name is not None or self._id == 0

    @property
    def handle(self):
        """MPI handle."""
        return self._id

    def Reduce_local(self, inbuf, inoutbuf):
        """Apply a reduction operation to local data."""
        inout, nbytes, dtype = _message(inoutbuf, True)
        data = _message(inbuf, False)[0]
        if len(data) != nbytes:
            raise ValueError(f"mismatch in send count {len(data) // dtype._extent} "
                             f"and receive count {nbytes // dtype._extent}")
        op = _buffer_op(self, dtype, "MPI_Reduce_local")
        if not callable(op):
            op = _local_op(*op)
        inout[:] = op(data.tobytes(), inout.tobytes())


def _object_op(op):
    """The native fold function for Python objects: pickled in, pickled out."""
    def combine(a, b):
        return _dumps(op(_loads(a), _loads(b)), _PROTOCOL)
    return combine


def _buffer_op(op, dtype, call):
    """The native reduction for a typed buffer: ``(opname, code)`` when the
    native side does it elementwise, else a bytes-combining function."""
    if not isinstance(op, Op):
        raise TypeError(
            "Argument 'op' has incorrect type "
            f"(expected mpi4py.MPI.Op, got {type(op).__name__})")
    if op._user is not None:
        function = op._user

        def combine(a, b):
            # MPI's user function: inoutvec = invec (lower ranks) op inoutvec.
            inout = bytearray(b)
            function(buffer.frombuffer(a, True), buffer(inout), dtype)
            return bytes(inout)
        return combine
    name = op._name
    if name is None:
        raise _error(ERR_OP, call, "Null MPI_Op")
    if name not in _OPS_FOR_KIND.get(dtype._kind, ()):
        raise _error(ERR_OP, call, f"MPI_Op MPI_{name} operation not defined for this datatype ")
    if dtype._pair is not None:
        return _pair_op(op._fn, dtype)
    if dtype._code is None:
        if dtype._char in _NUMPY_REDUCED and name in _NUMPY_UFUNCS:
            return _numpy_op(name, dtype._char)
        raise _error(ERR_TYPE, call, f"Reductions on {dtype._name} are not supported by mpi-playground")
    return (name, dtype._code)


# Types the native reductions do not cover (complex numbers, the 80-bit long
# double) reduce through NumPy's ufuncs, which compute them as C does.
_NUMPY_REDUCED = frozenset("gFDG")
_NUMPY_UFUNCS = {"SUM": "add", "PROD": "multiply", "MAX": "maximum", "MIN": "minimum"}


def _numpy_op(name, char):
    def combine(a, b):
        import numpy
        ufunc = getattr(numpy, _NUMPY_UFUNCS[name])
        return ufunc(numpy.frombuffer(a, char), numpy.frombuffer(b, char)).tobytes()
    return combine


def _pair_op(pick, dtype):
    """MAXLOC/MINLOC over buffers of (value, index) C structs."""
    layout = _struct.Struct("@" + _fmt(dtype._pair))
    step = dtype._extent

    def combine(a, b):
        out = bytearray(len(a))
        for k in range(0, len(a), step):
            x = layout.unpack_from(a, k)
            y = layout.unpack_from(b, k)
            layout.pack_into(out, k, *pick(x, y))
        return bytes(out)
    return combine


def _local_op(name, code):
    """Elementwise reduction in Python, for `Op.Reduce_local`."""
    fn = _PREDEFINED_FN[name]
    if name in ("LAND", "LOR", "LXOR"):
        fn = (lambda f: lambda x, y: int(f(x, y)))(fn)

    def combine(a, b):
        # Reduce_local: inoutbuf = inbuf op inoutbuf, inbuf first.
        code_ = _fmt(code)
        values = [fn(x, y) for x, y in zip(memoryview(a).cast(code_), memoryview(b).cast(code_))]
        return _struct.pack(f"@{len(values)}{code_}", *values)
    return combine


_PREDEFINED_FN = {
    "MAX": _op_MAX, "MIN": _op_MIN, "SUM": _op_SUM, "PROD": _op_PROD,
    "LAND": _op_LAND, "BAND": _op_BAND, "LOR": _op_LOR, "BOR": _op_BOR,
    "LXOR": _op_LXOR, "BXOR": _op_BXOR, "MAXLOC": _op_MAXLOC, "MINLOC": _op_MINLOC,
    "REPLACE": _op_REPLACE, "NO_OP": _op_NO_OP,
}

OP_NULL = Op._make(None, None, False)
MAX = Op._make("MAX", _op_MAX)
MIN = Op._make("MIN", _op_MIN)
SUM = Op._make("SUM", _op_SUM)
PROD = Op._make("PROD", _op_PROD)
LAND = Op._make("LAND", _op_LAND)
BAND = Op._make("BAND", _op_BAND)
LOR = Op._make("LOR", _op_LOR)
BOR = Op._make("BOR", _op_BOR)
LXOR = Op._make("LXOR", _op_LXOR)
BXOR = Op._make("BXOR", _op_BXOR)
MAXLOC = Op._make("MAXLOC", _op_MAXLOC)
MINLOC = Op._make("MINLOC", _op_MINLOC)
REPLACE = Op._make("REPLACE", _op_REPLACE, False)
NO_OP = Op._make("NO_OP", _op_NO_OP, False)


def _reducer(op):
    """The native fold function for a lowercase reduction's `op`."""
    if isinstance(op, Op):
        if op._objop is None:
            raise ValueError("cannot call user-defined operation")
        return op._objop
    return _object_op(op)


# ---------------------------------------------------------------------------
# Group
# ---------------------------------------------------------------------------

class Group:
    """Group of processes: world ranks, in group rank order."""

    __slots__ = ("_ranks",)

    def __new__(cls, group=None):
        return _new_handle(cls, group, Group, "group", {"_ranks": None})

    @classmethod
    def Create_from_session_pset(cls, session, pset_name):
        """Create a new group from session and process set."""
        return session.Create_group(pset_name)

    @classmethod
    def _of(cls, ranks):
        self = object.__new__(cls)
        self._ranks = tuple(ranks)
        return self

    def _members(self, call):
        if self._ranks is None:
            raise _error(ERR_GROUP, call, "Null group passed to function")
        return self._ranks

    def __eq__(self, other):
        if not isinstance(other, Group):
            return NotImplemented
        return self._ranks == other._ranks

    def __ne__(self, other):
        if not isinstance(other, Group):
            return NotImplemented
        return self._ranks != other._ranks

    __hash__ = None

    def __bool__(self):
        return self._ranks is not None

    def Get_size(self):
        """Return the number of processes in a group."""
        return len(self._members("MPI_Group_size"))

    def Get_rank(self):
        """Return the rank of this process in a group."""
        ranks = self._members("MPI_Group_rank")
        return ranks.index(_WORLD_RANK) if _WORLD_RANK in ranks else UNDEFINED

    size = property(Get_size, doc="Number of processes.")
    rank = property(Get_rank, doc="Rank of this process.")

    def Translate_ranks(self, ranks=None, group=None):
        """Translate ranks in a group to those in another group."""
        mine = self._members("MPI_Group_translate_ranks")
        other = COMM_WORLD.Get_group()._ranks if group is None else group._members(
            "MPI_Group_translate_ranks")
        if ranks is None:
            ranks = range(len(mine))
        result = []
        for r in ranks:
            r = _index(r)
            if r == PROC_NULL:
                result.append(PROC_NULL)
                continue
            if not 0 <= r < len(mine):
                raise _error(ERR_RANK, "MPI_Group_translate_ranks",
                             f"Invalid rank has value {r} but must be nonnegative and less than {len(mine)}")
            world = mine[r]
            result.append(other.index(world) if world in other else UNDEFINED)
        return result

    def Compare(self, group):
        """Compare two groups."""
        a = self._members("MPI_Group_compare")
        b = group._members("MPI_Group_compare")
        if a == b:
            return IDENT
        return SIMILAR if sorted(a) == sorted(b) else UNEQUAL

    def Dup(self):
        """Duplicate a group."""
        return Group._of(self._members("MPI_Group_dup"))

    def Incl(self, ranks):
        """Create a new group from ranks in an existing group."""
        mine = self._members("MPI_Group_incl")
        return Group._of(mine[_index(r)] for r in ranks)

    def Excl(self, ranks):
        """Create a new group by excluding ranks of an existing group."""
        mine = self._members("MPI_Group_excl")
        drop = {_index(r) for r in ranks}
        return Group._of(w for i, w in enumerate(mine) if i not in drop)

    @staticmethod
    def _ranges(ranges):
        """The ranks of MPI's `(first, last, stride)` triplets, in order."""
        ranks = []
        for first, last, stride in ranges:
            first, last, stride = _index(first), _index(last), _index(stride)
            if stride == 0:
                raise _error(ERR_ARG, "MPI_Group_range_incl", "Invalid argument: stride is zero")
            ranks.extend(range(first, last + (1 if stride > 0 else -1), stride))
        return ranks

    def Range_incl(self, ranks):
        """Create a new group from ranges of ranks in an existing group."""
        mine = self._members("MPI_Group_range_incl")
        return Group._of(mine[r] for r in self._ranges(ranks))

    def Range_excl(self, ranks):
        """Create a new group by excluding ranges of processes from an existing group."""
        mine = self._members("MPI_Group_range_excl")
        drop = set(self._ranges(ranks))
        return Group._of(w for i, w in enumerate(mine) if i not in drop)

    def __reduce__(self):
        # The predefined groups pickle by name; a null or empty group as a
        # copy of them (MPICH hands out its predefined handles for those);
        # any other group, as in mpi4py, not at all.
        if self is GROUP_NULL:
            return "GROUP_NULL"
        if self is GROUP_EMPTY:
            return "GROUP_EMPTY"
        if self._ranks is None or self._ranks == ():
            return (Group, (GROUP_NULL if self._ranks is None else GROUP_EMPTY,))
        raise ValueError(f"cannot serialize '{__name__}.Group' instance")

    @classmethod
    def Union(cls, group1, group2):
        """Create a new group from the union of two existing groups."""
        a = group1._members("MPI_Group_union")
        return cls._of(a + tuple(w for w in group2._members("MPI_Group_union") if w not in a))

    @classmethod
    def Intersection(cls, group1, group2):
        """Create a new group from the intersection of two existing groups."""
        b = group2._members("MPI_Group_intersection")
        return cls._of(w for w in group1._members("MPI_Group_intersection") if w in b)

    Intersect = Intersection

    @classmethod
    def Difference(cls, group1, group2):
        """Create a new group from the difference of two existing groups."""
        b = group2._members("MPI_Group_difference")
        return cls._of(w for w in group1._members("MPI_Group_difference") if w not in b)

    def Free(self):
        """Free a group."""
        self._members("MPI_Group_free")
        self._ranks = None

    def free(self):
        """Call `Free` if not null."""
        self._ranks = None


GROUP_NULL = Group()
GROUP_EMPTY = Group._of(())


# ---------------------------------------------------------------------------
# Info and Errhandler (accepted for compatibility; they change nothing here)
# ---------------------------------------------------------------------------

class Info:
    """Info object.

    The handle is the dict of (key, value) strings itself: `Info(info)`
    shares it, as a copied MPI handle does, and `Free` sets this object's
    handle to null.
    """

    __slots__ = ("_items",)

    def __new__(cls, info=None):
        self = object.__new__(cls)
        if info is not None and not isinstance(info, Info):
            raise TypeError(
                f"Argument 'info' has incorrect type (expected mpi4py.MPI.Info, got {type(info).__name__})")
        self._items = None if info is None else info._items
        return self

    def __eq__(self, other):
        if not isinstance(other, Info):
            return NotImplemented
        return self._items is other._items

    def __ne__(self, other):
        if not isinstance(other, Info):
            return NotImplemented
        return self._items is not other._items

    __hash__ = None

    def __bool__(self):
        return self._items is not None

    def __reduce__(self):
        if self is INFO_NULL:
            return "INFO_NULL"
        if self is INFO_ENV:
            return "INFO_ENV"
        if self._items is None or self._items is INFO_ENV._items:
            return (Info, (INFO_NULL if self._items is None else INFO_ENV,))
        return (type(self).Create, (self.items(),))

    def _dict(self, call):
        if self._items is None:
            raise _error(ERR_ARG, f"{call}(MPI_INFO_NULL)", "Null MPI_Info")
        return self._items

    @classmethod
    def Create(cls, items=None):
        """Create a new info object."""
        self = object.__new__(cls)
        self._items = {}
        if items is not None:
            if isinstance(items, dict):
                items = items.items()
            for key, value in items:
                self.Set(key, value)
        return self

    @classmethod
    def Create_env(cls, args=None):
        """Create a new environment info object."""
        # As in MPICH, which records none of the optional keys.
        return cls.Create()

    def Free(self):
        """Free an info object."""
        self._dict("MPI_Info_free")
        self._items = None

    def Dup(self):
        """Duplicate an existing info object."""
        return type(self).Create(self._dict("MPI_Info_dup"))

    def Get(self, key):
        """Retrieve the value associated with a key."""
        return self._dict("MPI_Info_get_string").get(str(key))

    def Set(self, key, value):
        """Store a value associated with a key."""
        self._dict("MPI_Info_set")[str(key)] = str(value)

    def Delete(self, key):
        """Remove a (key, value) pair from info."""
        items = self._dict("MPI_Info_delete")
        if key not in items:
            raise _error(ERR_INFO_NOKEY, f"MPI_Info_delete(key={key})", f"MPI_Info key {key} is not defined ")
        del items[key]

    def Get_nkeys(self):
        """Return the number of currently defined keys in info."""
        return len(self._dict("MPI_Info_get_nkeys"))

    def Get_nthkey(self, n):
        """Return the *n*-th defined key in info."""
        keys = list(self._dict("MPI_Info_get_nthkey"))
        n = _index(n)
        if not 0 <= n < len(keys):
            raise _error(ERR_ARG, f"MPI_Info_get_nthkey(n={n})",
                         f"Requested key {n} but this MPI_Info only has {len(keys)} keys")
        return keys[n]

    # The mapping interface mpi4py adds; INFO_NULL reads as empty and
    # refuses changes with KeyError.

    def __len__(self):
        return len(self._items or {})

    def __contains__(self, key):
        return key in (self._items or {})

    def __iter__(self):
        return iter(list(self._items or {}))

    def __getitem__(self, key):
        return (self._items or {})[key]

    def __setitem__(self, key, value):
        if self._items is None:
            raise KeyError(key)
        self.Set(key, value)

    def __delitem__(self, key):
        if self._items is None or key not in self._items:
            raise KeyError(key)
        del self._items[key]

    def get(self, key, default=None):
        """Retrieve value by key."""
        return (self._items or {}).get(key, default)

    def keys(self):
        """Return list of keys."""
        return list(self._items or {})

    def values(self):
        """Return list of values."""
        return list((self._items or {}).values())

    def items(self):
        """Return list of items."""
        return list((self._items or {}).items())

    def update(self, items=(), **kwds):
        """Update contents."""
        if self._items is None:
            raise KeyError("cannot update null info")
        if isinstance(items, dict):
            items = items.items()
        for key, value in list(items) + list(kwds.items()):
            self.Set(key, value)

    def pop(self, key, *default):
        """Pop value by key."""
        if self._items is not None and key in self._items:
            return self._items.pop(key)
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self):
        """Pop first item."""
        if not self._items:
            raise KeyError("popitem(): info is empty")
        return self._items.popitem()

    def copy(self):
        """Copy contents."""
        return type(self)() if self._items is None else type(self).Create(self._items)

    def clear(self):
        """Clear contents."""
        if self._items is not None:
            self._items.clear()


INFO_NULL = Info()
# MPICH records none of the keys MPI defines for it: an empty, non-null info.
INFO_ENV = Info.Create()


class Errhandler:
    """Error handler.

    Every MPI error raises `MPI.Exception`, as under mpi4py (which sets
    ERRORS_RETURN); a handler matters to `Call_errhandler`: a user's
    function is called, ERRORS_ARE_FATAL and ERRORS_ABORT end the run.
    """

    __slots__ = ("_name",)

    def __new__(cls, errhandler=None):
        self = object.__new__(cls)
        self._name = None if errhandler is None else errhandler._name
        return self

    @classmethod
    def _named(cls, name):
        self = object.__new__(cls)
        self._name = name
        return self

    def __eq__(self, other):
        if not isinstance(other, Errhandler):
            return NotImplemented
        return self._name == other._name

    __hash__ = None

    def __bool__(self):
        return self._name is not None

    def __reduce__(self):
        # The predefined handlers pickle by name, a copy of one as a new
        # copy of it, a user's handler not at all (as in mpi4py).
        for name in ("ERRHANDLER_NULL", "ERRORS_RETURN", "ERRORS_ABORT", "ERRORS_ARE_FATAL"):
            constant = globals()[name]
            if self is constant:
                return name
            if self._name == constant._name:
                return (Errhandler, (constant,))
        raise ValueError(f"cannot serialize '{__name__}.{type(self).__name__}' instance")

    def Free(self):
        """Free an error handler."""
        if self._name is None:
            raise _error(ERR_ARG, "MPI_Errhandler_free", "Null errhandler ")
        if any(self is globals()[name] for name in ("ERRORS_RETURN", "ERRORS_ABORT", "ERRORS_ARE_FATAL")):
            return  # the predefined objects stay what they are, as in mpi4py
        if self._name in _user_errhandlers and self._name not in _freed_errhandlers:
            # Objects still set to it keep it (MPI counts references).
            _freed_errhandlers.add(self._name)
        self._name = None


# User error handlers by name: (object kind, function). Entries stay while
# objects may use them; at most 32 may be live at once, as in mpi4py.
_user_errhandlers = {}
_freed_errhandlers = set()
_MAX_USER_ERRHANDLERS = 32


def _create_errhandler(kind, fn):
    """`X.Create_errhandler(fn)` for objects of `kind`."""
    if not callable(fn):
        raise TypeError("expecting a callable")
    if len(_user_errhandlers) - len(_freed_errhandlers) >= _MAX_USER_ERRHANDLERS:
        raise RuntimeError(f"cannot create too many user-defined {kind} error handlers")
    name = f"user-{kind}-{len(_user_errhandlers)}"
    _user_errhandlers[name] = (kind, fn)
    return Errhandler._named(name)


def _call_errhandler(obj, name, errorcode):
    """`obj.Call_errhandler(errorcode)` with the handler named `name`."""
    errorcode = _index(errorcode)
    user = _user_errhandlers.get(name)
    if user is not None:
        user[1](obj, errorcode)
    elif name in ("ERRORS_ARE_FATAL", "ERRORS_ABORT") and errorcode != SUCCESS:
        _mpi.abort(_mpi.WORLD if name == "ERRORS_ARE_FATAL" else getattr(obj, "_h", _mpi.WORLD), errorcode)


ERRHANDLER_NULL = Errhandler()
ERRORS_RETURN = Errhandler._named("ERRORS_RETURN")
ERRORS_ABORT = Errhandler._named("ERRORS_ABORT")
ERRORS_ARE_FATAL = Errhandler._named("ERRORS_ARE_FATAL")


# ---------------------------------------------------------------------------
# Communicators
# ---------------------------------------------------------------------------

# Communicator names are local to a rank, as in MPI; so are the error
# handlers set on them (every MPI error raises here, whichever is set).
_comm_names = {}
_comm_errhandlers = {}


class Comm:
    """Communication context."""

    __slots__ = ("_h",)

    def __new__(cls, comm=None):
        return _new_handle(cls, comm, Comm, "comm", {"_h": _NULL})

    @classmethod
    def _of(cls, handle):
        self = object.__new__(cls)
        self._h = _NULL if handle is None else handle
        return self

    def __eq__(self, other):
        if not isinstance(other, Comm):
            return NotImplemented
        return self._h == other._h

    def __ne__(self, other):
        if not isinstance(other, Comm):
            return NotImplemented
        return self._h != other._h

    __hash__ = None

    def __bool__(self):
        return self._h != _NULL

    def __reduce__(self):
        # A predefined communicator pickles by name, a copy of one as a new
        # copy of it, any other not at all (as in mpi4py).
        for name in ("COMM_WORLD", "COMM_SELF", "COMM_NULL"):
            constant = globals()[name]
            if self is constant:
                return name
            if self._h == constant._h:
                return (type(self), (constant,))
        raise ValueError(f"cannot serialize '{__name__}.{type(self).__name__}' instance")

    @property
    def handle(self):
        """MPI handle."""
        return self._h

    @classmethod
    def fromhandle(cls, handle):
        """Create object from MPI handle."""
        handle = _index(handle)
        if cls is Comm and handle != _NULL:
            cls = _comm_class(handle)
        return cls._of(handle)

    def toint(self):
        """Translate object to integer."""
        return self._h

    py2f = toint

    @classmethod
    def fromint(cls, arg, /):
        """Translate integer to object."""
        return cls.fromhandle(arg)

    @classmethod
    def f2py(cls, arg):
        """Translate Fortran integer to object."""
        return cls.fromhandle(arg)

    # Group and size
    # --------------

    def Get_group(self):
        """Access the group associated with a communicator."""
        return Group._of(_mpi.group_ranks(self._h))

    def Get_size(self):
        """Return the number of processes in a communicator."""
        return _mpi.size(self._h)

    def Get_rank(self):
        """Return the rank of this process in a communicator."""
        return _mpi.rank(self._h)

    group = property(Get_group, doc="Group.")
    size = property(Get_size, doc="Number of processes.")
    rank = property(Get_rank, doc="Rank of this process.")

    def Compare(self, comm):
        """Compare two communicators."""
        if self._h == comm._h:
            _mpi.size(self._h)  # a null communicator is an error
            return IDENT
        a = _mpi.group_ranks(self._h)
        b = _mpi.group_ranks(comm._h)
        inter = _mpi.is_inter(self._h)
        if inter != _mpi.is_inter(comm._h):
            return UNEQUAL
        if inter:
            # Intercommunicators compare both groups (MPI 4.0, 6.4.1).
            ra, rb = _mpi.remote_group_ranks(self._h), _mpi.remote_group_ranks(comm._h)
            if a == b and ra == rb:
                return CONGRUENT
            if sorted(a) == sorted(b) and sorted(ra) == sorted(rb):
                return SIMILAR
            return UNEQUAL
        if a == b:
            return CONGRUENT
        return SIMILAR if sorted(a) == sorted(b) else UNEQUAL

    # Constructors and destructor
    # ---------------------------

    def Clone(self):
        """Clone an existing communicator."""
        return self.Dup()

    def Dup(self, info=None):
        """Duplicate a communicator (topology included)."""
        new = type(self)._of(_mpi.comm_dup(self._h))
        if self._h in _GRAPHS:
            _GRAPHS[new._h] = _GRAPHS[self._h]
        _attributes.copy_all("comm", self._h, self, new._h)
        return new

    def Dup_with_info(self, info):
        """Duplicate a communicator with hints."""
        return self.Dup()

    def Idup(self, info=None):
        """Nonblocking duplicate a communicator: (new communicator, request).

        The duplicate is agreed at once (as `Dup`), so the request is
        already complete."""
        new = self.Dup(info)
        request = _request(None, _SEND)
        request._done = (None, ANY_SOURCE, ANY_TAG)
        return new, request

    def Idup_with_info(self, info):
        """Nonblocking duplicate a communicator with hints."""
        return self.Idup(info)

    @classmethod
    def Join(cls, fd):
        """Interconnect two processes connected by a socket."""
        return _spawn.join(_index(fd))

    @classmethod
    def Get_parent(cls):
        """Return the parent intercommunicator for this process: in a
        process `Spawn` started, the one to its parents; else COMM_NULL."""
        parent = _spawn.parent()
        return Intercomm._of(_NULL if parent is None else parent)

    def Set_info(self, info):
        """Set new values for the hints of the communicator."""
        _mpi.size(self._h)
        _comm_infos[self._h] = dict(info._dict("MPI_Comm_set_info"))

    def Get_info(self):
        """Return the current hints for a communicator."""
        _mpi.size(self._h)
        return Info.Create(_comm_infos.get(self._h, {}))

    info = property(Get_info, Set_info, doc="Info hints.")

    def Create(self, group):
        """Create communicator from group (collective over this communicator)."""
        members = group._members("MPI_Comm_create")
        if _WORLD_RANK in members:
            color, key = 0, members.index(_WORLD_RANK)
        else:
            color, key = UNDEFINED, 0
        return self._made_class()._of(_mpi.comm_split(self._h, color, key))

    def _made_class(self):
        """The class of a communicator split or created from this one."""
        if isinstance(self, Intercomm):
            return Intercomm
        return Intracomm if isinstance(self, Intracomm) else Comm

    def Split(self, color=0, key=0):
        """Split communicator by color and key."""
        return self._made_class()._of(_mpi.comm_split(self._h, color, key))

    def Split_type(self, split_type, key=0, info=INFO_NULL):
        """Split communicator by split type.

        Every rank of the playground shares one memory node, so
        ``COMM_TYPE_SHARED`` keeps the whole communicator, as does
        ``COMM_TYPE_HW_GUIDED`` asked for ``mpi_shared_memory``; any other
        hardware resource, and ``COMM_TYPE_HW_UNGUIDED``, find no smaller
        level and give COMM_NULL (as MPICH on one node).
        """
        if split_type == COMM_TYPE_HW_GUIDED:
            items = info._items if info is not None and info._items is not None else {}
            shared = items.get("mpi_hw_resource_type") == "mpi_shared_memory"
            color = 0 if shared else UNDEFINED
        elif split_type in (UNDEFINED, COMM_TYPE_HW_UNGUIDED):
            color = UNDEFINED
        else:
            color = 0
        return self._made_class()._of(_mpi.comm_split(self._h, color, key))

    def Free(self):
        """Free a communicator."""
        if self._h == _NULL:
            raise _error(ERR_COMM, "MPI_Comm_free(comm=MPI_COMM_NULL)", "Null communicator")
        _attributes.delete_all("comm", self._h, self)
        _mpi.comm_free(self._h)
        _comm_names.pop(self._h, None)
        _comm_errhandlers.pop(self._h, None)
        _NBC_SEQ.pop(self._h, None)
        _GRAPHS.pop(self._h, None)
        _COMM_LOCKS.pop(self._h, None)
        _spawn.forget(self._h)
        self._h = _NULL

    def free(self):
        """Call `Free` if not null or predefined."""
        if self._h not in (_NULL, _mpi.WORLD, _mpi.SELF):
            self.Free()

    # Attributes, names, errors, abort
    # --------------------------------

    def Get_attr(self, keyval):
        """Retrieve attribute value by key."""
        _mpi.size(self._h)
        predefined = {
            TAG_UB: _mpi.TAG_UB,
            IO: ANY_SOURCE,
            WTIME_IS_GLOBAL: 1,
            APPNUM: _spawn.appnum(),
            UNIVERSE_SIZE: None,
            # MPICH counts the classes a program added, not their codes.
            LASTUSEDCODE: _DYNAMIC_ERROR | _user_error_classes if _user_error_classes else ERR_LASTCODE,
        }
        if keyval in predefined:
            return predefined[keyval]
        return self._cached_attr(keyval)

    _ATTR_KIND, _ATTR_CALL = "comm", "MPI_Comm"

    def _attr_key(self):
        return self._h

    def _attr_live(self, call):
        _mpi.size(self._h)

    def Get_name(self):
        """Get the print name for this communicator."""
        if self._h == _NULL:
            return "MPI_COMM_NULL"
        return _comm_names.get(self._h, "")

    def Set_name(self, name):
        """Set the print name for this communicator."""
        _mpi.size(self._h)
        _comm_names[self._h] = str(name)

    name = property(Get_name, Set_name, doc="Print name.")

    def Get_errhandler(self):
        """Get the error handler for a communicator (a new reference)."""
        if self._h == _NULL:
            raise _error(ERR_COMM, "MPI_Comm_get_errhandler", "Null communicator")
        return Errhandler._named(_comm_errhandlers.get(self._h, "ERRORS_RETURN"))

    def Set_errhandler(self, errhandler):
        """Set the error handler for a communicator (errors always raise here)."""
        if self._h == _NULL:
            raise _error(ERR_COMM, "MPI_Comm_set_errhandler", "Null communicator")
        if not errhandler:
            raise _error(ERR_ARG, "MPI_Comm_set_errhandler", "Null errhandler ")
        _comm_errhandlers[self._h] = errhandler._name

    def Disconnect(self):
        """Disconnect from a communicator: wait for its pending
        communication, then free it (collective)."""
        if self._h == _NULL:
            raise _error(ERR_COMM, "MPI_Comm_disconnect", "Null communicator")
        _mpi.barrier(self._h)
        self.Free()

    # Fault tolerance (ULFM), as mpi4py offers it on MPICH 4.0.2: no
    # process of a run fails on its own, so none is ever reported failed.
    # ------------------------------------------------------------------

    def Is_revoked(self):
        """Indicate whether the communicator has been revoked."""
        _mpi.size(self._h)
        return False

    def Revoke(self):
        """Revoke a communicator (MPICH 4.0.2 has no MPIX_Comm_revoke for mpi4py)."""
        raise NotImplementedError("MPI_Comm_revoke")

    def Get_failed(self):
        """Extract the group of failed processes."""
        _mpi.size(self._h)
        return Group(GROUP_EMPTY)

    def Ack_failed(self, num_to_ack=None):
        """Acknowledge failures on a communicator; how many are acknowledged."""
        _mpi.size(self._h)
        return 0

    def Agree(self, flag):
        """Blocking agreement: the bitwise AND of every member's `flag`."""
        return self.allreduce(_index(flag), op=BAND)

    def Iagree(self, flag):
        """Nonblocking agreement: `flag` (a buffer of one C int) becomes the
        bitwise AND of every member's."""
        view = memoryview(flag)
        if view.format not in ("i", "@i", "=i", "<i"):
            raise ValueError(f"expecting buffer with format 'i', got '{view.format}'")
        return self.Iallreduce(IN_PLACE, [flag, 1, INT], BAND)

    def Shrink(self):
        """Create a new communicator of the processes not failed (all)."""
        return self.Dup()

    def Ishrink(self):
        """Nonblocking `Shrink`: (the new communicator, a request)."""
        comm = self.Dup()
        request = _request(None, _SEND)
        request._done = (None, ANY_SOURCE, ANY_TAG)
        return comm, request

    @classmethod
    def Create_errhandler(cls, errhandler_fn):
        """Create a new error handler for communicators."""
        return _create_errhandler("comm", errhandler_fn)

    def Call_errhandler(self, errorcode):
        """Call the error handler installed on a communicator."""
        if self._h == _NULL:
            raise _error(ERR_COMM, "MPI_Comm_call_errhandler", "Null communicator")
        _call_errhandler(self, _comm_errhandlers.get(self._h, "ERRORS_RETURN"), errorcode)

    def Abort(self, errorcode=0):
        """Terminate the MPI execution environment."""
        if not isinstance(errorcode, int):
            raise TypeError("an integer is required")
        _mpi.abort(self._h, errorcode)

    def Get_topology(self):
        """Return the type of topology (if any) associated with a communicator."""
        graph = _GRAPHS.get(self._h)
        return _mpi.topo(self._h) if graph is None else graph[0]

    topology = property(Get_topology, doc="Topology type.")

    @property
    def is_topo(self):
        """Is a topology."""
        return self.Get_topology() != UNDEFINED

    def Is_inter(self):
        """Return whether the communicator is an intercommunicator."""
        return _mpi.is_inter(self._h)

    def Is_intra(self):
        """Return whether the communicator is an intracommunicator."""
        return not _mpi.is_inter(self._h)

    is_inter = property(Is_inter, doc="Is intercommunicator.")
    is_intra = property(Is_intra, doc="Is intracommunicator.")

    # Point to point, Python objects
    # ------------------------------

    def send(self, obj, dest, tag=0):
        """Send in standard mode."""
        _mpi.send(self._h, _send_obj(obj, dest), dest, tag, _mpi.SEND_STANDARD)

    def ssend(self, obj, dest, tag=0):
        """Send in synchronous mode."""
        _mpi.send(self._h, _send_obj(obj, dest), dest, tag, _mpi.SEND_SYNCHRONOUS)

    def recv(self, buf=None, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Receive."""
        if buf is not None:
            return self._recv_with_buffer(buf, source, tag, status)
        data, source, tag = _mpi.recv(self._h, source, tag)
        if status is not None:
            _set_status(status, source, tag, 0 if data is None else len(data))
        return _loads(data) if data else None

    def _recv_with_buffer(self, buf, source, tag, status):
        # mpi4py's deprecated form: `buf` bounds the size of the message.
        import warnings
        warnings.warn("the 'buf' argument is deprecated", UserWarning, stacklevel=3)
        limit = _index(buf) if isinstance(buf, int) else _message(buf, True)[1]
        data, source, tag = _mpi.recv(self._h, source, tag)
        if status is not None:
            _set_status(status, source, tag, 0 if data is None else len(data))
        if not data:
            return None
        if len(data) > limit:
            raise _truncated("MPI_Recv", data, limit, source, tag)
        return _loads(data)

    def sendrecv(self, sendobj, dest, sendtag=0, recvbuf=None,
                 source=ANY_SOURCE, recvtag=ANY_TAG, status=None):
        """Send and receive a message."""
        data = _send_obj(sendobj, dest)
        data, source, tag = _mpi.sendrecv(self._h, data, dest, sendtag, source, recvtag)
        if status is not None:
            _set_status(status, source, tag, 0 if data is None else len(data))
        return _loads(data) if data else None

    def isend(self, obj, dest, tag=0):
        """Nonblocking send."""
        data = _send_obj(obj, dest)
        return _request(_mpi.isend(self._h, data, dest, tag, _mpi.SEND_STANDARD), _SEND)

    def issend(self, obj, dest, tag=0):
        """Nonblocking send in synchronous mode."""
        data = _send_obj(obj, dest)
        return _request(_mpi.isend(self._h, data, dest, tag, _mpi.SEND_SYNCHRONOUS), _SEND)

    def irecv(self, buf=None, source=ANY_SOURCE, tag=ANY_TAG):
        """Nonblocking receive.

        As in mpi4py, a message larger than the receive buffer (by default
        `mpi4py.rc.irecv_bufsz` bytes) fails with ERR_TRUNCATE when waited.
        """
        if buf is None:
            limit = _rc.irecv_bufsz
        elif isinstance(buf, int):
            limit = _index(buf)
        else:
            limit = _message(buf, True)[1]
        return _request(_mpi.irecv(self._h, source, tag), _OBJECT, None, limit)

    def probe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Blocking test for a message."""
        source, tag, nbytes = _mpi.probe(self._h, source, tag)
        if status is not None:
            _set_status(status, source, tag, nbytes)
        return True

    def iprobe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Nonblocking test for a message."""
        found = _mpi.iprobe(self._h, source, tag)
        if found is None:
            return False
        if status is not None:
            _set_status(status, *found)
        return True

    def mprobe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Blocking test for a matched message."""
        source, tag, nbytes = _mpi.probe(self._h, source, tag)
        if status is not None:
            _set_status(status, source, tag, nbytes)
        return Message._found(self, source, tag)

    def improbe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Nonblocking test for a matched message."""
        found = _mpi.iprobe(self._h, source, tag)
        if found is None:
            return None
        if status is not None:
            _set_status(status, *found)
        return Message._found(self, found[0], found[1])

    Mprobe = mprobe
    Improbe = improbe

    def bsend(self, obj, dest, tag=0):
        """Send in buffered mode (needs `MPI.Attach_buffer`, as in MPI)."""
        data = _send_obj(obj, dest)
        _check_bsend(data, "MPI_Bsend")
        _mpi.send(self._h, data, dest, tag, _mpi.SEND_BUFFERED)

    def ibsend(self, obj, dest, tag=0):
        """Nonblocking send in buffered mode."""
        data = _send_obj(obj, dest)
        _check_bsend(data, "MPI_Ibsend")
        return _request(_mpi.isend(self._h, data, dest, tag, _mpi.SEND_BUFFERED), _SEND)

    # Point to point, buffers
    # -----------------------

    def Send(self, buf, dest, tag=0):
        """Blocking send."""
        if not _mpi.send_plain(self._h, buf, dest, tag, _mpi.SEND_STANDARD):
            _mpi.send(self._h, _send_buf(buf, dest), dest, tag, _mpi.SEND_STANDARD)

    def Bsend(self, buf, dest, tag=0):
        """Blocking send in buffered mode (needs `MPI.Attach_buffer`)."""
        data = _send_buf(buf, dest)
        _check_bsend(data, "MPI_Bsend")
        _mpi.send(self._h, data, dest, tag, _mpi.SEND_BUFFERED)

    Rsend = Send

    def Attach_buffer(self, buf):
        """Attach a user-provided buffer for sending in buffered mode."""
        Attach_buffer(buf)

    def Detach_buffer(self):
        """Remove an existing attached buffer."""
        return Detach_buffer()

    def Flush_buffer(self):
        """Block until all buffered messages have been transmitted (MPI 4.1,
        which MPICH 4.0 lacks: NotImplementedError, as under mpi4py)."""
        raise NotImplementedError

    def Iflush_buffer(self):
        """Nonblocking flush for buffered messages (MPI 4.1: NotImplementedError)."""
        raise NotImplementedError

    def Ssend(self, buf, dest, tag=0):
        """Blocking send in synchronous mode."""
        if not _mpi.send_plain(self._h, buf, dest, tag, _mpi.SEND_SYNCHRONOUS):
            _mpi.send(self._h, _send_buf(buf, dest), dest, tag, _mpi.SEND_SYNCHRONOUS)

    def Recv(self, buf, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Blocking receive."""
        if status is None and _mpi.recv_into(self._h, buf, source, tag):
            return
        view = _message(buf, True)[0] if source != PROC_NULL else None
        data, source, tag = _mpi.recv(self._h, source, tag)
        if status is not None:
            _set_status(status, source, tag, 0 if data is None else len(data))
        if data is not None:
            _store(view, data, "MPI_Recv", source, tag)

    def Sendrecv(self, sendbuf, dest, sendtag=0, recvbuf=None,
                 source=ANY_SOURCE, recvtag=ANY_TAG, status=None):
        """Send and receive a message."""
        data = _send_bytes(sendbuf) if dest != PROC_NULL else b""
        view = _message(recvbuf, True)[0] if source != PROC_NULL else None
        data, source, tag = _mpi.sendrecv(self._h, data, dest, sendtag, source, recvtag)
        if status is not None:
            _set_status(status, source, tag, 0 if data is None else len(data))
        if data is not None:
            _store(view, data, "MPI_Sendrecv", source, tag)

    def Isendrecv(self, sendbuf, dest, sendtag=0, recvbuf=None,
                  source=ANY_SOURCE, recvtag=ANY_TAG):
        """Nonblocking send and receive."""
        data = _send_bytes(sendbuf) if dest != PROC_NULL else b""
        view = _message(recvbuf, True)[0] if source != PROC_NULL else None
        return self._isendrecv(data, dest, sendtag, view, source, recvtag, "MPI_Isendrecv")

    def Isendrecv_replace(self, buf, dest, sendtag=0, source=ANY_SOURCE, recvtag=ANY_TAG):
        """Nonblocking send and receive, replacing the buffer's contents."""
        view = _message(buf, True)[0]
        data = view.tobytes() if dest != PROC_NULL else b""
        return self._isendrecv(data, dest, sendtag, view, source, recvtag, "MPI_Isendrecv_replace")

    def _isendrecv(self, data, dest, sendtag, view, source, recvtag, call):
        # A send and a receive under one request, which reports the receive.
        state = _Collective()
        state.sends = [_mpi.isend(self._h, data, dest, sendtag, _mpi.SEND_STANDARD)]
        state.recvs = [_mpi.irecv(self._h, source, recvtag)]
        state.got = [b""]
        state.status = (None, ANY_SOURCE, ANY_TAG)

        def finish(got):
            done = state.status
            if done[0] is not None:
                _store(view, done[0], call, done[1], done[2])
        state.finish = finish
        request = _request(None, _SEND)
        request._coll = state
        return request

    def Sendrecv_replace(self, buf, dest, sendtag=0, source=ANY_SOURCE,
                         recvtag=ANY_TAG, status=None):
        """Send and receive a message, replacing the buffer's contents."""
        view = _message(buf, True)[0]
        data = view.tobytes() if dest != PROC_NULL else b""
        data, source, tag = _mpi.sendrecv(self._h, data, dest, sendtag, source, recvtag)
        if status is not None:
            _set_status(status, source, tag, 0 if data is None else len(data))
        if data is not None:
            _store(view, data, "MPI_Sendrecv_replace", source, tag)

    def Isend(self, buf, dest, tag=0):
        """Nonblocking send."""
        data = _send_buf(buf, dest)
        return _request(_mpi.isend(self._h, data, dest, tag, _mpi.SEND_STANDARD), _SEND)

    def Ibsend(self, buf, dest, tag=0):
        """Nonblocking send in buffered mode."""
        data = _send_buf(buf, dest)
        _check_bsend(data, "MPI_Ibsend")
        return _request(_mpi.isend(self._h, data, dest, tag, _mpi.SEND_BUFFERED), _SEND)

    Irsend = Isend

    def Issend(self, buf, dest, tag=0):
        """Nonblocking send in synchronous mode."""
        data = _send_buf(buf, dest)
        return _request(_mpi.isend(self._h, data, dest, tag, _mpi.SEND_SYNCHRONOUS), _SEND)

    def Irecv(self, buf, source=ANY_SOURCE, tag=ANY_TAG):
        """Nonblocking receive."""
        view = _message(buf, True)[0] if source != PROC_NULL else None
        return _request(_mpi.irecv(self._h, source, tag), _BUFFER, view)

    # Persistent requests: each Start begins the operation with the buffer's
    # contents at that moment.

    def _send_init(self, buf, dest, tag, mode, call):
        h = self._h
        _message(buf, False) if dest != PROC_NULL else None

        def start():
            data = _send_buf(buf, dest)
            if call == "MPI_Bsend_init":
                _check_bsend(data, call)
            return _request(_mpi.isend(h, data, dest, tag, mode), _SEND)
        return _persistent(start)

    def Send_init(self, buf, dest, tag=0):
        """Create a persistent request for a standard send."""
        return self._send_init(buf, dest, tag, _mpi.SEND_STANDARD, "MPI_Send_init")

    def Bsend_init(self, buf, dest, tag=0):
        """Persistent request for a send in buffered mode."""
        return self._send_init(buf, dest, tag, _mpi.SEND_BUFFERED, "MPI_Bsend_init")

    def Ssend_init(self, buf, dest, tag=0):
        """Persistent request for a send in synchronous mode."""
        return self._send_init(buf, dest, tag, _mpi.SEND_SYNCHRONOUS, "MPI_Ssend_init")

    def Rsend_init(self, buf, dest, tag=0):
        """Persistent request for a send in ready mode."""
        return self._send_init(buf, dest, tag, _mpi.SEND_STANDARD, "MPI_Rsend_init")

    def Psend_init(self, buf, partitions, dest, tag=0, info=INFO_NULL):
        """Create request for a partitioned send operation."""
        return self._partitioned(buf, partitions, dest, tag, True)

    def Precv_init(self, buf, partitions, source=ANY_SOURCE, tag=ANY_TAG, info=INFO_NULL):
        """Create request for a partitioned recv operation."""
        return self._partitioned(buf, partitions, source, tag, False)

    def _partitioned(self, buf, partitions, peer, tag, send):
        state = _Partitioned()
        state.h, state.peer, state.tag = self._h, _index(peer), _partition_tag(_index(tag))
        state.count = _index(partitions)
        if state.count < 1:
            raise _error(ERR_ARG, "MPI_Psend_init" if send else "MPI_Precv_init",
                         f"Invalid number of partitions {state.count}")
        state.view = _message(buf, not send)[0] if state.peer != PROC_NULL else None
        state.marked = set()

        def start():
            state.marked = set()
            if send:
                return _request(None, _SEND)
            if state.peer == PROC_NULL:
                request = _request(None, _BUFFER)
                request._done = (None, PROC_NULL, ANY_TAG)
                return request
            # A one-receive schedule, so that the status reports the tag the
            # program gave rather than the context's.
            recv = _Collective()
            recv.sends, recv.got = [], [b""]
            recv.recvs = [_mpi.coll_irecv(state.h, state.peer, state.tag)]
            recv.status = (None, ANY_SOURCE, ANY_TAG)

            def finish(_got):
                data, source, native_tag = recv.status
                sent_tag = native_tag - (1 << 30) - 1
                if data:
                    _store(state.view, data, "MPI_Wait", source, sent_tag)
                recv.status = (data, source, sent_tag)
            recv.finish = finish
            request = _request(None, _SEND)
            request._coll = recv
            return request
        request = _persistent(start)
        _PARTITIONED[request._pid] = state
        return request

    def Recv_init(self, buf, source=ANY_SOURCE, tag=ANY_TAG):
        """Create a persistent request for a receive."""
        h = self._h
        view = _message(buf, True)[0] if source != PROC_NULL else None

        def start():
            return _request(_mpi.irecv(h, source, tag), _BUFFER, view)
        return _persistent(start)

    def Probe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Blocking test for a message."""
        return self.probe(source, tag, status)

    def Iprobe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Nonblocking test for a message."""
        return self.iprobe(source, tag, status)

    # Collectives, Python objects
    # ---------------------------

    def barrier(self):
        """Barrier synchronization."""
        _mpi.barrier(self._h)

    def Barrier(self):
        """Barrier synchronization."""
        _mpi.barrier(self._h)

    def bcast(self, obj, root=0):
        """Broadcast."""
        h = self._h
        data = _dumps(obj, _PROTOCOL) if _mpi.rank(h) == root else None
        return _loads(_mpi.bcast(h, data, root))

    def gather(self, sendobj, root=0):
        """Gather."""
        items = _mpi.gather(self._h, _dumps(sendobj, _PROTOCOL), root)
        return None if items is None else [_loads(b) for b in items]

    def scatter(self, sendobj, root=0):
        """Scatter."""
        h = self._h
        items = None
        if _mpi.rank(h) == root:
            items = _pickle_items(sendobj, _mpi.size(h))
        return _loads(_mpi.scatter(h, items, root))

    def allgather(self, sendobj):
        """Gather to All."""
        return [_loads(b) for b in _mpi.allgather(self._h, _dumps(sendobj, _PROTOCOL))]

    def alltoall(self, sendobj):
        """All to All Scatter/Gather."""
        h = self._h
        items = _pickle_items(sendobj, _mpi.size(h))
        return [_loads(b) for b in _mpi.alltoall(h, items)]

    def reduce(self, sendobj, op=SUM, root=0):
        """Reduce to Root."""
        data = _mpi.reduce(self._h, _dumps(sendobj, _PROTOCOL), _reducer(op), root)
        return None if data is None else _loads(data)

    def allreduce(self, sendobj, op=SUM):
        """Reduce to All."""
        return _loads(_mpi.allreduce(self._h, _dumps(sendobj, _PROTOCOL), _reducer(op)))

    # Collectives, buffers
    # --------------------

    def Bcast(self, buf, root=0):
        """Broadcast data from one process to all other processes."""
        h = self._h
        if _mpi.rank(h) == root:
            _mpi.bcast(h, _send_bytes(buf), root)
        else:
            view = _message(buf, True)[0]
            _store(view, _mpi.bcast(h, None, root), "MPI_Bcast")

    def Gather(self, sendbuf, recvbuf, root=0):
        """Gather data to one process from all other processes."""
        h = self._h
        if _mpi.rank(h) != root:
            _mpi.gather(h, _send_bytes(sendbuf), root)
            return
        view, nbytes, _ = _message(recvbuf, True, _mpi.size(h))
        if sendbuf is IN_PLACE:
            data = view[root * nbytes:(root + 1) * nbytes].tobytes()
        else:
            data = _send_bytes(sendbuf)
        for i, part in enumerate(_mpi.gather(h, data, root)):
            _store(view[i * nbytes:(i + 1) * nbytes], part, "MPI_Gather")

    def Gatherv(self, sendbuf, recvbuf, root=0):
        """Gather Vector."""
        h = self._h
        if _mpi.rank(h) != root:
            _mpi.gather(h, _send_bytes(sendbuf), root)
            return
        view, blocks, _ = _vector(recvbuf, True, _mpi.size(h))
        if sendbuf is IN_PLACE:
            start, n = blocks[root]
            data = view[start:start + n].tobytes()
        else:
            data = _send_bytes(sendbuf)
        for (start, n), part in zip(blocks, _mpi.gather(h, data, root)):
            _store(view[start:start + n], part, "MPI_Gatherv")

    def Scatter(self, sendbuf, recvbuf, root=0):
        """Scatter data from one process to all other processes."""
        h = self._h
        parts = None
        if _mpi.rank(h) == root:
            view, nbytes, _ = _message(sendbuf, False, _mpi.size(h))
            parts = [view[i * nbytes:(i + 1) * nbytes].tobytes() for i in range(_mpi.size(h))]
        data = _mpi.scatter(h, parts, root)
        # A root's None receive buffer keeps its part where it is (as IN_PLACE).
        if recvbuf is not IN_PLACE and not (recvbuf is None and parts is not None):
            _store(_message(recvbuf, True)[0], data, "MPI_Scatter")

    def Scatterv(self, sendbuf, recvbuf, root=0):
        """Scatter Vector."""
        h = self._h
        parts = None
        if _mpi.rank(h) == root:
            view, blocks, _ = _vector(sendbuf, False, _mpi.size(h))
            parts = [view[start:start + n].tobytes() for start, n in blocks]
        data = _mpi.scatter(h, parts, root)
        # A root's None receive buffer keeps its part where it is (as IN_PLACE).
        if recvbuf is not IN_PLACE and not (recvbuf is None and parts is not None):
            _store(_message(recvbuf, True)[0], data, "MPI_Scatterv")

    def Allgather(self, sendbuf, recvbuf):
        """Gather to All."""
        h = self._h
        view, nbytes, _ = _message(recvbuf, True, _mpi.size(h))
        if sendbuf is IN_PLACE:
            me = _mpi.rank(h)
            data = view[me * nbytes:(me + 1) * nbytes].tobytes()
        else:
            data = _send_bytes(sendbuf)
        for i, part in enumerate(_mpi.allgather(h, data)):
            _store(view[i * nbytes:(i + 1) * nbytes], part, "MPI_Allgather")

    def Allgatherv(self, sendbuf, recvbuf):
        """Gather to All Vector."""
        h = self._h
        view, blocks, _ = _vector(recvbuf, True, _mpi.size(h))
        if sendbuf is IN_PLACE:
            start, n = blocks[_mpi.rank(h)]
            data = view[start:start + n].tobytes()
        else:
            data = _send_bytes(sendbuf)
        for (start, n), part in zip(blocks, _mpi.allgather(h, data)):
            _store(view[start:start + n], part, "MPI_Allgatherv")

    def Alltoall(self, sendbuf, recvbuf):
        """All to All Scatter/Gather, send data to all from all."""
        h = self._h
        size = _mpi.size(h)
        view, nbytes, _ = _message(recvbuf, True, size)
        if sendbuf is IN_PLACE:
            source, step = view, nbytes
        else:
            source, step, _ = _message(sendbuf, False, size)
        parts = [source[i * step:(i + 1) * step].tobytes() for i in range(size)]
        for i, part in enumerate(_mpi.alltoall(h, parts)):
            _store(view[i * nbytes:(i + 1) * nbytes], part, "MPI_Alltoall")

    def Alltoallv(self, sendbuf, recvbuf):
        """All to All Scatter/Gather Vector."""
        h = self._h
        size = _mpi.size(h)
        view, rblocks, _ = _vector(recvbuf, True, size)
        if sendbuf is IN_PLACE:
            source, sblocks = view, rblocks
        else:
            source, sblocks, _ = _vector(sendbuf, False, size)
        parts = [source[start:start + n].tobytes() for start, n in sblocks]
        for (start, n), part in zip(rblocks, _mpi.alltoall(h, parts)):
            _store(view[start:start + n], part, "MPI_Alltoallv")

    def Alltoallw(self, sendbuf, recvbuf):
        """All to All Scatter/Gather General: a count, a byte displacement and a
        datatype per peer."""
        h = self._h
        size = _mpi.size(h)
        rviews = _vector_w(recvbuf, True, size)
        if sendbuf is IN_PLACE:
            parts = [v.tobytes() for v in rviews]
        else:
            parts = [v.tobytes() for v in _vector_w(sendbuf, False, size)]
        for view, part in zip(rviews, _mpi.alltoall(h, parts)):
            _store(view, part, "MPI_Alltoallw")

    def _reduction(self, sendbuf, recvbuf, op, call):
        """(receive view or None, send bytes, native op) for a reduction."""
        view = None
        if recvbuf is not None:
            view, nbytes, dtype = _message(recvbuf, True)
        if sendbuf is IN_PLACE:
            if view is None:
                raise ValueError("message: IN_PLACE needs a receive buffer")
            data = view.tobytes()
        else:
            send, sbytes, sdtype = _message(sendbuf, False)
            if view is not None:
                if sdtype != dtype:
                    raise ValueError("mismatch in send and receive MPI datatypes")
                if sbytes != nbytes:
                    raise ValueError(
                        f"mismatch in send count {sbytes // (dtype._extent or 1)} "
                        f"and receive count {nbytes // (dtype._extent or 1)}")
            dtype = sdtype
            data = send.tobytes()
        return view, data, _buffer_op(op, dtype, call)

    def Reduce(self, sendbuf, recvbuf, op=SUM, root=0):
        """Reduce to Root."""
        h = self._h
        if _mpi.rank(h) != root:
            recvbuf = None
        view, data, nop = self._reduction(sendbuf, recvbuf, op, "MPI_Reduce")
        result = _mpi.reduce(h, data, nop, root)
        if result is not None and view is not None:
            _store(view, result, "MPI_Reduce")

    def Allreduce(self, sendbuf, recvbuf, op=SUM):
        """Reduce to All."""
        view, data, nop = self._reduction(sendbuf, recvbuf, op, "MPI_Allreduce")
        _store(view, _mpi.allreduce(self._h, data, nop), "MPI_Allreduce")

    def _reduce_scatter_block(self, sendbuf, recvbuf, op, call):
        """(send bytes, op, finish(result)) of a reduce-scatter with blocks."""
        h = self._h
        size = _mpi.size(h)
        if sendbuf is IN_PLACE:
            # The input is the whole receive buffer; the result goes to its front.
            whole, nbytes, dtype = _message(recvbuf, True, size)
            data, view = whole.tobytes(), whole[:nbytes]
        else:
            view, nbytes, dtype = _message(recvbuf, True)
            send, sbytes, _ = _message(sendbuf, False, size)
            if sbytes != nbytes:
                raise ValueError(f"mismatch in send count {sbytes // dtype._extent} "
                                 f"and receive count {nbytes // dtype._extent}")
            data = send.tobytes()
        me = _mpi.rank(h)

        def finish(result):
            _store(view, result[me * nbytes:(me + 1) * nbytes], call)
        return data, _buffer_op(op, dtype, call), finish

    def Reduce_scatter_block(self, sendbuf, recvbuf, op=SUM):
        """Reduce-scatter (block size)."""
        data, nop, finish = self._reduce_scatter_block(sendbuf, recvbuf, op, "MPI_Reduce_scatter_block")
        finish(_mpi.allreduce(self._h, data, nop))

    def _reduce_scatter(self, sendbuf, recvbuf, recvcounts, op, call):
        """(send bytes, op, finish(result)) of a reduce-scatter with counts."""
        h = self._h
        size = _mpi.size(h)
        me = _mpi.rank(h)
        view, nbytes, dtype = _message(recvbuf, True)
        extent = dtype._size if isinstance(view, _typemap.Packed) else dtype._extent
        if recvcounts is None:
            recvcounts = _mpi.allgather(h, _struct.pack("@q", nbytes // extent))
            recvcounts = [_struct.unpack("@q", c)[0] for c in recvcounts]
        if len(recvcounts) != size:
            raise ValueError(f"expecting {size} items, got {len(recvcounts)}")
        start = sum(recvcounts[:me]) * extent
        total = sum(recvcounts) * extent
        # mpi4py's checks, in its order: the counts must add up exactly.
        if sendbuf is IN_PLACE:
            # The input is the receive buffer's sum(recvcounts) entries.
            if nbytes != total:
                raise ValueError(f"mismatch in receive count {nbytes // extent} and sum(counts) {total // extent}")
            send, sbytes = view, nbytes
        else:
            send, sbytes, sdtype = _message(sendbuf, False)
            if sbytes != total:
                raise ValueError(f"mismatch in send count {sbytes // extent} and sum(counts) {total // extent}")
            if nbytes != recvcounts[me] * extent:
                raise ValueError(
                    f"mismatch in receive count {nbytes // extent} and counts[{me}] {recvcounts[me]}")
            if sdtype != dtype:
                raise ValueError("mismatch in send and receive MPI datatypes")
            dtype = sdtype

        def finish(result):
            _store(view, result[start:start + recvcounts[me] * extent], call)
        return send[:total].tobytes(), _buffer_op(op, dtype, call), finish

    def Reduce_scatter(self, sendbuf, recvbuf, recvcounts=None, op=SUM):
        """Reduce-scatter (vector version)."""
        data, nop, finish = self._reduce_scatter(sendbuf, recvbuf, recvcounts, op, "MPI_Reduce_scatter")
        finish(_mpi.allreduce(self._h, data, nop))

    # Nonblocking collectives (see `_icollective`)
    # ---------------------------------------

    def _members(self):
        h = self._h
        size, me = _mpi.size(h), _mpi.rank(h)
        return h, size, me, [r for r in range(size) if r != me]

    def _root(self, root, size, call):
        root = _index(root)
        if not 0 <= root < size:
            raise _error(ERR_ROOT, call, f"Invalid root (value given was {root}, communicator size {size})")
        return root

    def Ibarrier(self):
        """Nonblocking Barrier."""
        h, _size, _me, others = self._members()
        return _icollective(h, [(r, b"") for r in others], others, lambda got: None)

    def Ibcast(self, buf, root=0):
        """Nonblocking Broadcast."""
        h, size, me, others = self._members()
        root = self._root(root, size, "MPI_Ibcast")
        view = _message(buf, me != root)[0]
        if me == root:
            data = view.tobytes()
            return _icollective(h, [(r, data) for r in others], [], lambda got: None)
        return _icollective(h, [], [root], lambda got: _store(view, got[0], "MPI_Ibcast"))

    def _igather(self, sendbuf, recvbuf, root, call, blocks_of):
        h, size, me, others = self._members()
        root = self._root(root, size, call)
        if me != root:
            return _icollective(h, [(root, _send_bytes(sendbuf))], [], lambda got: None)
        view, blocks = blocks_of(recvbuf, size)
        own = None if sendbuf is IN_PLACE else _send_bytes(sendbuf)

        def finish(got):
            parts = dict(zip(others, got))
            if own is not None:
                parts[me] = own
            for r, part in parts.items():
                start, n = blocks[r]
                _store(view[start:start + n], part, call)
        return _icollective(h, [], others, finish)

    def Igather(self, sendbuf, recvbuf, root=0):
        """Nonblocking Gather."""
        return self._igather(sendbuf, recvbuf, root, "MPI_Igather", _even_blocks)

    def Igatherv(self, sendbuf, recvbuf, root=0):
        """Nonblocking Gather Vector."""
        return self._igather(sendbuf, recvbuf, root, "MPI_Igatherv", _vector_blocks)

    def _iscatter(self, sendbuf, recvbuf, root, call, blocks_of):
        h, size, me, others = self._members()
        root = self._root(root, size, call)

        def store(got):
            if recvbuf is not IN_PLACE and not (recvbuf is None and me == root):
                _store(_message(recvbuf, True)[0], got[0], call)
        if me != root:
            return _icollective(h, [], [root], store)
        view, blocks = blocks_of(sendbuf, size, False)
        parts = [view[start:start + n].tobytes() for start, n in blocks]
        return _icollective(h, [(r, parts[r]) for r in others], [],
                            lambda got: store([parts[me]]))

    def Iscatter(self, sendbuf, recvbuf, root=0):
        """Nonblocking Scatter."""
        return self._iscatter(sendbuf, recvbuf, root, "MPI_Iscatter", _even_blocks)

    def Iscatterv(self, sendbuf, recvbuf, root=0):
        """Nonblocking Scatter Vector."""
        return self._iscatter(sendbuf, recvbuf, root, "MPI_Iscatterv", _vector_blocks)

    def _iallgather(self, sendbuf, recvbuf, call, blocks_of):
        h, size, me, others = self._members()
        view, blocks = blocks_of(recvbuf, size)
        start, n = blocks[me]
        own = view[start:start + n].tobytes() if sendbuf is IN_PLACE else _send_bytes(sendbuf)

        def finish(got):
            for r, part in list(zip(others, got)) + [(me, own)]:
                start, n = blocks[r]
                _store(view[start:start + n], part, call)
        return _icollective(h, [(r, own) for r in others], others, finish)

    def Iallgather(self, sendbuf, recvbuf):
        """Nonblocking Gather to All."""
        return self._iallgather(sendbuf, recvbuf, "MPI_Iallgather", _even_blocks)

    def Iallgatherv(self, sendbuf, recvbuf):
        """Nonblocking Gather to All Vector."""
        return self._iallgather(sendbuf, recvbuf, "MPI_Iallgatherv", _vector_blocks)

    def _ialltoall(self, rviews, sparts, call):
        h, _size, me, others = self._members()

        def finish(got):
            for r, part in list(zip(others, got)) + [(me, sparts[me])]:
                _store(rviews[r], part, call)
        return _icollective(h, [(r, sparts[r]) for r in others], others, finish)

    def _ialltoall_blocks(self, sendbuf, recvbuf, blocks_of, call):
        size = _mpi.size(self._h)
        view, blocks = blocks_of(recvbuf, size)
        rviews = [view[start:start + n] for start, n in blocks]
        if sendbuf is IN_PLACE:
            sparts = [v.tobytes() for v in rviews]
        else:
            sview, sblocks = blocks_of(sendbuf, size, False)
            sparts = [sview[start:start + n].tobytes() for start, n in sblocks]
        return self._ialltoall(rviews, sparts, call)

    def Ialltoall(self, sendbuf, recvbuf):
        """Nonblocking All to All Scatter/Gather."""
        return self._ialltoall_blocks(sendbuf, recvbuf, _even_blocks, "MPI_Ialltoall")

    def Ialltoallv(self, sendbuf, recvbuf):
        """Nonblocking All to All Scatter/Gather Vector."""
        return self._ialltoall_blocks(sendbuf, recvbuf, _vector_blocks, "MPI_Ialltoallv")

    def Ialltoallw(self, sendbuf, recvbuf):
        """Nonblocking All to All Scatter/Gather General."""
        size = _mpi.size(self._h)
        rviews = _vector_w(recvbuf, True, size)
        source = rviews if sendbuf is IN_PLACE else _vector_w(sendbuf, False, size)
        return self._ialltoall(rviews, [v.tobytes() for v in source], "MPI_Ialltoallw")

    def Ireduce(self, sendbuf, recvbuf, op=SUM, root=0):
        """Nonblocking Reduce to Root."""
        h, size, me, others = self._members()
        root = self._root(root, size, "MPI_Ireduce")
        view, data, nop = self._reduction(sendbuf, recvbuf if me == root else None, op, "MPI_Ireduce")
        if me != root:
            return _icollective(h, [(root, data)], [], lambda got: None)

        def finish(got):
            parts = dict(zip(others, got))
            parts[me] = data
            _store(view, _fold([parts[r] for r in range(size)], _combiner(nop)), "MPI_Ireduce")
        return _icollective(h, [], others, finish)

    def Iallreduce(self, sendbuf, recvbuf, op=SUM):
        """Nonblocking Reduce to All."""
        h, size, me, others = self._members()
        view, data, nop = self._reduction(sendbuf, recvbuf, op, "MPI_Iallreduce")

        def finish(got):
            parts = dict(zip(others, got))
            parts[me] = data
            _store(view, _fold([parts[r] for r in range(size)], _combiner(nop)), "MPI_Iallreduce")
        return _icollective(h, [(r, data) for r in others], others, finish)

    def _ireduce_scatter(self, data, nop, finish_with):
        h, size, me, others = self._members()

        def finish(got):
            parts = dict(zip(others, got))
            parts[me] = data
            finish_with(_fold([parts[r] for r in range(size)], _combiner(nop)))
        return _icollective(h, [(r, data) for r in others], others, finish)

    def Ireduce_scatter_block(self, sendbuf, recvbuf, op=SUM):
        """Nonblocking Reduce-scatter (block size)."""
        return self._ireduce_scatter(*self._reduce_scatter_block(
            sendbuf, recvbuf, op, "MPI_Ireduce_scatter_block"))

    def Ireduce_scatter(self, sendbuf, recvbuf, recvcounts=None, op=SUM):
        """Nonblocking Reduce-scatter (vector version)."""
        return self._ireduce_scatter(*self._reduce_scatter(
            sendbuf, recvbuf, recvcounts, op, "MPI_Ireduce_scatter"))

    # Persistent collectives: each Start runs the nonblocking collective anew
    # (members start their persistent collectives in the same order, as MPI
    # requires, so the collectives' tags agree).
    # ---------------------------------------

    def Barrier_init(self, info=INFO_NULL):
        """Persistent Barrier."""
        return _persistent(lambda: self.Ibarrier())

    def Bcast_init(self, buf, root=0, info=INFO_NULL):
        """Persistent Broadcast."""
        return _persistent(lambda: self.Ibcast(buf, root))

    def Gather_init(self, sendbuf, recvbuf, root=0, info=INFO_NULL):
        """Persistent Gather."""
        return _persistent(lambda: self.Igather(sendbuf, recvbuf, root))

    def Gatherv_init(self, sendbuf, recvbuf, root=0, info=INFO_NULL):
        """Persistent Gather Vector."""
        return _persistent(lambda: self.Igatherv(sendbuf, recvbuf, root))

    def Scatter_init(self, sendbuf, recvbuf, root=0, info=INFO_NULL):
        """Persistent Scatter."""
        return _persistent(lambda: self.Iscatter(sendbuf, recvbuf, root))

    def Scatterv_init(self, sendbuf, recvbuf, root=0, info=INFO_NULL):
        """Persistent Scatter Vector."""
        return _persistent(lambda: self.Iscatterv(sendbuf, recvbuf, root))

    def Allgather_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent Gather to All."""
        return _persistent(lambda: self.Iallgather(sendbuf, recvbuf))

    def Allgatherv_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent Gather to All Vector."""
        return _persistent(lambda: self.Iallgatherv(sendbuf, recvbuf))

    def Alltoall_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent All to All Scatter/Gather."""
        return _persistent(lambda: self.Ialltoall(sendbuf, recvbuf))

    def Alltoallv_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent All to All Scatter/Gather Vector."""
        return _persistent(lambda: self.Ialltoallv(sendbuf, recvbuf))

    def Alltoallw_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent All to All Scatter/Gather General."""
        return _persistent(lambda: self.Ialltoallw(sendbuf, recvbuf))

    def Reduce_init(self, sendbuf, recvbuf, op=SUM, root=0, info=INFO_NULL):
        """Persistent Reduce to Root."""
        return _persistent(lambda: self.Ireduce(sendbuf, recvbuf, op, root))

    def Allreduce_init(self, sendbuf, recvbuf, op=SUM, info=INFO_NULL):
        """Persistent Reduce to All."""
        return _persistent(lambda: self.Iallreduce(sendbuf, recvbuf, op))

    def Reduce_scatter_block_init(self, sendbuf, recvbuf, op=SUM, info=INFO_NULL):
        """Persistent Reduce-scatter (block size)."""
        return _persistent(lambda: self.Ireduce_scatter_block(sendbuf, recvbuf, op))

    def Reduce_scatter_init(self, sendbuf, recvbuf, recvcounts=None, op=SUM, info=INFO_NULL):
        """Persistent Reduce-scatter (vector version)."""
        return _persistent(lambda: self.Ireduce_scatter(sendbuf, recvbuf, recvcounts, op))


def _even_blocks(msg, size, writable=True):
    """(view, [(start, nbytes)] * size): a buffer in `size` equal blocks."""
    view, nbytes, _ = _message(msg, writable, size)
    return view, [(r * nbytes, nbytes) for r in range(size)]


def _vector_blocks(msg, size, writable=True):
    """(view, [(start, nbytes)] * size) of a vector specification."""
    view, blocks, _ = _vector(msg, writable, size)
    return view, blocks


# mpi4py's communicator locks: threads of a rank calling the same lowercase
# collective on one communicator take turns.
_COMM_LOCKS = {}


def _comm_lock_table(comm):
    """Internal communicator lock table."""
    return _COMM_LOCKS.setdefault(comm._h, {})


def _comm_lock(comm, key=None):
    """Create/get communicator lock."""
    # threading.Lock is _thread's lock; importing threading for it would
    # load traceback, inspect and dataclasses at a rank's first bcast.
    import _thread
    table = _comm_lock_table(comm)
    lock = table.get(key)
    if lock is None:
        lock = table.setdefault(key, _thread.allocate_lock())
    return lock


def _locked(name):
    import functools

    def wrap(method):
        @functools.wraps(method)
        def locked(self, *args, **kwargs):
            with _comm_lock(self, name):
                return method(self, *args, **kwargs)
        return locked
    return wrap


def _expecting(sequence, n):
    """`sequence` as a list of `n` items (mpi4py's check of array arguments)."""
    items = list(sequence)
    if len(items) != n:
        raise ValueError(f"expecting {n} items, got {len(items)}")
    return items


def _pickle_items(sequence, size):
    """Pickle the `size` items a scatter or alltoall sends."""
    items = [None] * size if sequence is None else list(sequence)
    if len(items) != size:
        raise ValueError(f"expecting {size} items, got {len(items)}")
    return [_dumps(item, _PROTOCOL) for item in items]


class Intracomm(Comm):
    """Intracommunicator."""

    __slots__ = ()

    def __new__(cls, comm=None):
        self = Comm.__new__(cls, comm)
        if self._h != _NULL and _mpi.is_inter(self._h):
            raise TypeError("expecting an intracommunicator")
        return self

    def Create_group(self, group, tag=0):
        """Create communicator from group, collective over the group's
        members only."""
        members = list(group._members("MPI_Comm_create_group"))
        return Intracomm._of(_mpi.comm_create_group(self._h, members, _index(tag)))

    def Spawn(self, command, args=None, maxprocs=1, info=INFO_NULL, root=0, errcodes=None):
        """Spawn instances of a single MPI application (collective; the
        arguments count at `root` only)."""
        root = _index(root)
        if _mpi.rank(self._h) == root:
            maxprocs = _index(maxprocs)
            if maxprocs < 0:
                raise _error(ERR_ARG, "MPI_Comm_spawn", f"Invalid value for maxprocs, must be non-negative but is {maxprocs}")
        commands = [(command, args, maxprocs)]
        return _spawn.spawn(self, commands, root, errcodes, "MPI_Comm_spawn")

    def Spawn_multiple(self, command, args=None, maxprocs=None, info=INFO_NULL, root=0, errcodes=None):
        """Spawn instances of multiple MPI applications (collective; the
        arguments count at `root` only)."""
        root = _index(root)
        commands = None
        if _mpi.rank(self._h) == root:
            if isinstance(command, (str, bytes)) or not isinstance(command, (list, tuple)):
                raise ValueError("expecting a sequence of commands")
            count = len(command)
            args = [None] * count if args is None else list(args)
            maxprocs = [1] * count if maxprocs is None else maxprocs
            maxprocs = [maxprocs] * count if isinstance(maxprocs, int) else list(maxprocs)
            infos = [info] * count if isinstance(info, Info) else list(info)
            for name, values in (("args", args), ("maxprocs", maxprocs), ("info", infos)):
                if len(values) != count:
                    raise ValueError(f"expecting {count} items, got {len(values)}")
            if any(isinstance(a, (str, bytes)) for a in args):
                raise ValueError("expecting a sequence of argument lists")
            commands = list(zip(command, args, [_index(n) for n in maxprocs]))
        return _spawn.spawn(self, commands, root, errcodes, "MPI_Comm_spawn_multiple", multiple=True)

    def Accept(self, port_name, info=INFO_NULL, root=0):
        """Accept a request to form a new intercommunicator (collective)."""
        return _spawn.accept(self, port_name, _index(root))

    def Connect(self, port_name, info=INFO_NULL, root=0):
        """Make a request to form a new intercommunicator (collective)."""
        return _spawn.connect(self, port_name, _index(root))

    def Create_intercomm(self, local_leader, peer_comm, remote_leader, tag=0):
        """Create intercommunicator."""
        return Intercomm._of(_mpi.intercomm_create(
            self._h, _index(local_leader), peer_comm._h, _index(remote_leader), _index(tag)))

    @classmethod
    def Create_from_group(cls, group, stringtag="org.mpi4py", info=INFO_NULL, errhandler=None):
        """Create communicator from group (collective over its members, no parent)."""
        members = list(group._members("MPI_Comm_create_from_group"))
        return Intracomm._of(_mpi.comm_from_group(members, str(stringtag)))

    def Create_cart(self, dims, periods=None, reorder=False):
        """Create cartesian communicator."""
        dims = [_index(d) for d in dims]
        if periods is None:
            periods = False
        if isinstance(periods, bool):
            periods = [periods] * len(dims)
        periods = [bool(p) for p in _expecting(periods, len(dims))]
        return Cartcomm._of(_mpi.cart_create(self._h, dims, periods, bool(reorder)))

    def Cart_map(self, dims, periods=None):
        """Return an optimal placement for the calling process on the physical machine."""
        dims = [_index(d) for d in dims]
        total = 1
        for d in dims:
            total *= d
        rank = self.Get_rank()
        return rank if rank < total else UNDEFINED

    @staticmethod
    def _graph_args(index, edges):
        index = _counts(index, "index")
        edges = _counts(edges, "edges")
        # mpi4py's extension: 'standard' adjacency arrays with a leading 0.
        if index and index[0] == 0 and index[-1] == len(edges):
            index = index[1:]
        return index, edges

    def Graph_map(self, index, edges):
        """Return an optimal placement for the calling process on the physical machine."""
        index, _edges = self._graph_args(index, edges)
        rank = self.Get_rank()
        return rank if rank < len(index) else UNDEFINED

    def Create_graph(self, index, edges, reorder=False):
        """Create graph communicator."""
        index, edges = self._graph_args(index, edges)
        size = self.Get_size()
        call = "MPI_Graph_create"
        if len(index) > size:
            raise _error(ERR_ARG, call, f"Invalid argument, nnodes {len(index)} is larger than "
                         f"the communicator size {size}")
        for e in edges:
            if not 0 <= e < len(index):
                raise _error(ERR_ARG, call, f"Invalid argument, edge {e} is not a node")
        rank = self.Get_rank()
        new = Graphcomm._of(_mpi.comm_split(self._h, 0 if rank < len(index) else UNDEFINED, rank))
        if new._h != _NULL:
            _GRAPHS[new._h] = (GRAPH, index, edges)
        return new

    def Create_dist_graph_adjacent(self, sources, destinations, sourceweights=None,
                                   destweights=None, info=INFO_NULL, reorder=False):
        """Create distributed graph communicator."""
        sources = [] if sources is None else _counts(sources, "sources")
        destinations = [] if destinations is None else _counts(destinations, "destinations")
        sw = _weights(sourceweights, len(sources), "MPI_Dist_graph_create_adjacent")
        dw = _weights(destweights, len(destinations), "MPI_Dist_graph_create_adjacent")
        if (sw is None) != (dw is None) and (sources and destinations):
            raise ValueError("weights: both or neither of sourceweights and destweights")
        if sw is None or dw is None:
            sw = dw = None
        new = Distgraphcomm._of(_mpi.comm_dup(self._h))
        _GRAPHS[new._h] = (DIST_GRAPH, sources, sw, destinations, dw)
        return new

    def Create_dist_graph(self, sources, degrees, destinations, weights=None,
                          info=INFO_NULL, reorder=False):
        """Create distributed graph communicator."""
        sources = _counts(sources, "sources")
        degrees = _counts(degrees, "degrees", len(sources))
        destinations = _counts(destinations, "destinations", sum(degrees))
        weighted = _weights(weights, len(destinations), "MPI_Dist_graph_create")
        # Each edge (source -> destination) given anywhere is told to both ends.
        size, me = self.Get_size(), self.Get_rank()
        edges = []
        position = 0
        for source, degree in zip(sources, degrees):
            for k in range(degree):
                weight = weighted[position] if weighted is not None else 1
                edges.append((source, destinations[position], weight))
                position += 1
        told = [[] for _ in range(size)]
        for edge in edges:
            told[edge[0]].append(edge)
            if edge[1] != edge[0]:
                told[edge[1]].append(edge)
        known = []
        for data in _mpi.alltoall(self._h, [_dumps(t, _PROTOCOL) for t in told]):
            known.extend(_loads(data))
        ins = [(s, w) for s, d, w in known if d == me]
        outs = [(d, w) for s, d, w in known if s == me]
        flags = _mpi.allgather(self._h, b"1" if weighted is not None else b"0")
        any_weights = any(f == b"1" for f in flags)
        new = Distgraphcomm._of(_mpi.comm_dup(self._h))
        _GRAPHS[new._h] = (DIST_GRAPH, [s for s, _w in ins],
                           [w for _s, w in ins] if any_weights else None,
                           [d for d, _w in outs], [w for _d, w in outs] if any_weights else None)
        return new

    def Scan(self, sendbuf, recvbuf, op=SUM):
        """Inclusive Scan."""
        view, data, nop = self._reduction(sendbuf, recvbuf, op, "MPI_Scan")
        _store(view, _mpi.scan(self._h, data, nop), "MPI_Scan")

    def Exscan(self, sendbuf, recvbuf, op=SUM):
        """Exclusive Scan (the receive buffer of rank 0 is left as is)."""
        view, data, nop = self._reduction(sendbuf, recvbuf, op, "MPI_Exscan")
        result = _mpi.exscan(self._h, data, nop)
        if result is not None:
            _store(view, result, "MPI_Exscan")

    def _iscan(self, sendbuf, recvbuf, op, call, inclusive):
        h, size, me, _others = self._members()
        view, data, nop = self._reduction(sendbuf, recvbuf, op, call)
        lower = list(range(me))

        def finish(got):
            parts = got + [data] if inclusive else got
            if parts:
                _store(view, _fold(parts, _combiner(nop)), call)
        return _icollective(h, [(r, data) for r in range(me + 1, size)], lower, finish)

    def Iscan(self, sendbuf, recvbuf, op=SUM):
        """Inclusive Scan."""
        return self._iscan(sendbuf, recvbuf, op, "MPI_Iscan", True)

    def Iexscan(self, sendbuf, recvbuf, op=SUM):
        """Exclusive Scan."""
        return self._iscan(sendbuf, recvbuf, op, "MPI_Iexscan", False)

    def Scan_init(self, sendbuf, recvbuf, op=SUM, info=INFO_NULL):
        """Persistent Inclusive Scan."""
        return _persistent(lambda: self.Iscan(sendbuf, recvbuf, op))

    def Exscan_init(self, sendbuf, recvbuf, op=SUM, info=INFO_NULL):
        """Persistent Exclusive Scan."""
        return _persistent(lambda: self.Iexscan(sendbuf, recvbuf, op))

    def scan(self, sendobj, op=SUM):
        """Inclusive Scan."""
        return _loads(_mpi.scan(self._h, _dumps(sendobj, _PROTOCOL), _reducer(op)))

    def exscan(self, sendobj, op=SUM):
        """Exclusive Scan (None on rank 0)."""
        data = _mpi.exscan(self._h, _dumps(sendobj, _PROTOCOL), _reducer(op))
        return None if data is None else _loads(data)


class Topocomm(Intracomm):
    """Topology intracommunicator."""

    __slots__ = ()

    _kind = None

    def __new__(cls, comm=None):
        self = Comm.__new__(cls, comm)
        if self._h != _NULL:
            kind = self.Get_topology()
            if kind == UNDEFINED:
                raise TypeError("expecting a topology communicator")
            if cls._kind is not None and kind != cls._kind:
                raise TypeError(f"expecting a {cls._description} communicator")
        return self

    def _inout(self):
        """(sources, destinations): the neighbors in MPI's order (a Cartesian
        topology: each dimension's -1 then +1 neighbor, PROC_NULL included)."""
        graph = _GRAPHS.get(self._h)
        if graph is None:
            edges = []
            for direction in range(len(_mpi.cart_get(self._h)[0])):
                edges.extend(_mpi.cart_shift(self._h, direction, 1))
            return edges, list(edges)
        if graph[0] == GRAPH:
            neighbors = _graph_neighbors(graph, _mpi.rank(self._h))
            return neighbors, list(neighbors)
        return list(graph[1]), list(graph[3])

    @property
    def degrees(self):
        """Number of incoming and outgoing neighbors."""
        sources, destinations = self._inout()
        return (len(sources), len(destinations))

    @property
    def indegree(self):
        """Number of incoming neighbors."""
        return len(self._inout()[0])

    @property
    def outdegree(self):
        """Number of outgoing neighbors."""
        return len(self._inout()[1])

    @property
    def inoutedges(self):
        """Incoming and outgoing neighbors."""
        return self._inout()

    @property
    def inedges(self):
        """Incoming neighbors."""
        return self._inout()[0]

    @property
    def outedges(self):
        """Outgoing neighbors."""
        return self._inout()[1]

    # Neighborhood collectives: a message to each destination, one from each
    # source (PROC_NULL neighbors of a Cartesian topology send and receive
    # nothing), run as nonblocking collectives.

    def _ineighbor(self, sparts, rviews, call):
        sources, destinations = self._inout()
        sends = [(d, part) for d, part in zip(destinations, sparts) if d != PROC_NULL]
        live = [(k, src) for k, src in enumerate(sources) if src != PROC_NULL]

        def finish(got):
            for (k, _src), part in zip(live, got):
                _store(rviews[k], part, call)
        return _icollective(self._h, sends, [src for _k, src in live], finish)

    def _neighbor_allgather(self, sendbuf, recvbuf, blocks_of, call):
        sources, destinations = self._inout()
        data = _send_bytes(sendbuf)
        view, blocks = blocks_of(recvbuf, len(sources))
        rviews = [view[start:start + n] for start, n in blocks]
        return self._ineighbor([data] * len(destinations), rviews, call)

    def _neighbor_alltoall(self, sendbuf, recvbuf, blocks_of, call):
        sources, destinations = self._inout()
        sview, sblocks = blocks_of(sendbuf, len(destinations), False)
        view, blocks = blocks_of(recvbuf, len(sources))
        return self._ineighbor([sview[a:a + n].tobytes() for a, n in sblocks],
                               [view[a:a + n] for a, n in blocks], call)

    def Ineighbor_allgather(self, sendbuf, recvbuf):
        """Nonblocking Neighbor Gather to All."""
        return self._neighbor_allgather(sendbuf, recvbuf, _even_blocks, "MPI_Ineighbor_allgather")

    def Ineighbor_allgatherv(self, sendbuf, recvbuf):
        """Nonblocking Neighbor Gather to All Vector."""
        return self._neighbor_allgather(sendbuf, recvbuf, _vector_blocks, "MPI_Ineighbor_allgatherv")

    def Ineighbor_alltoall(self, sendbuf, recvbuf):
        """Nonblocking Neighbor All to All."""
        return self._neighbor_alltoall(sendbuf, recvbuf, _even_blocks, "MPI_Ineighbor_alltoall")

    def Ineighbor_alltoallv(self, sendbuf, recvbuf):
        """Nonblocking Neighbor All to All Vector."""
        return self._neighbor_alltoall(sendbuf, recvbuf, _vector_blocks, "MPI_Ineighbor_alltoallv")

    def Ineighbor_alltoallw(self, sendbuf, recvbuf):
        """Nonblocking Neighbor All to All General."""
        sources, destinations = self._inout()
        sviews = _vector_w(sendbuf, False, len(destinations))
        rviews = _vector_w(recvbuf, True, len(sources))
        return self._ineighbor([v.tobytes() for v in sviews], rviews, "MPI_Ineighbor_alltoallw")

    def Neighbor_allgather(self, sendbuf, recvbuf):
        """Neighbor Gather to All."""
        self.Ineighbor_allgather(sendbuf, recvbuf).Wait()

    def Neighbor_allgatherv(self, sendbuf, recvbuf):
        """Neighbor Gather to All Vector."""
        self.Ineighbor_allgatherv(sendbuf, recvbuf).Wait()

    def Neighbor_alltoall(self, sendbuf, recvbuf):
        """Neighbor All to All."""
        self.Ineighbor_alltoall(sendbuf, recvbuf).Wait()

    def Neighbor_alltoallv(self, sendbuf, recvbuf):
        """Neighbor All to All Vector."""
        self.Ineighbor_alltoallv(sendbuf, recvbuf).Wait()

    def Neighbor_alltoallw(self, sendbuf, recvbuf):
        """Neighbor All to All General."""
        self.Ineighbor_alltoallw(sendbuf, recvbuf).Wait()

    def Neighbor_allgather_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent Neighbor Gather to All."""
        return _persistent(lambda: self.Ineighbor_allgather(sendbuf, recvbuf))

    def Neighbor_allgatherv_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent Neighbor Gather to All Vector."""
        return _persistent(lambda: self.Ineighbor_allgatherv(sendbuf, recvbuf))

    def Neighbor_alltoall_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent Neighbor All to All."""
        return _persistent(lambda: self.Ineighbor_alltoall(sendbuf, recvbuf))

    def Neighbor_alltoallv_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent Neighbor All to All Vector."""
        return _persistent(lambda: self.Ineighbor_alltoallv(sendbuf, recvbuf))

    def Neighbor_alltoallw_init(self, sendbuf, recvbuf, info=INFO_NULL):
        """Persistent Neighbor All to All General."""
        return _persistent(lambda: self.Ineighbor_alltoallw(sendbuf, recvbuf))

    def _neighbor_objects(self, parts):
        sources, destinations = self._inout()
        received = [None] * len(sources)
        rviews = [_Slot(received, k) for k in range(len(sources))]
        self._ineighbor(parts, rviews, "neighbor").Wait()
        return [None if item is None else _loads(item) for item in received]

    def neighbor_allgather(self, sendobj):
        """Neighbor Gather to All (Python objects)."""
        data = _dumps(sendobj, _PROTOCOL)
        return self._neighbor_objects([data] * self.outdegree)

    def neighbor_alltoall(self, sendobj):
        """Neighbor All to All (Python objects)."""
        items = _expecting(sendobj, self.outdegree)
        return self._neighbor_objects([_dumps(item, _PROTOCOL) for item in items])


for _cls, _names in ((Comm, ("bcast", "gather", "scatter", "allgather", "alltoall")),
                     (Topocomm, ("neighbor_allgather", "neighbor_alltoall"))):
    for _name in _names:
        setattr(_cls, _name, _locked(_name)(getattr(_cls, _name)))
del _cls, _names, _name


class _Slot:
    """Where `_store` puts one received message of a lowercase neighborhood
    collective: an item of a list, as bytes."""

    __slots__ = ("_items", "_k")

    def __init__(self, items, k):
        self._items, self._k = items, k

    def __len__(self):
        return _sys.maxsize

    def __setitem__(self, key, data):
        self._items[self._k] = bytes(data)


class Cartcomm(Topocomm):
    """Cartesian topology intracommunicator."""

    __slots__ = ()

    _kind = CART
    _description = "Cartesian"

    def __new__(cls, comm=None):
        self = Topocomm.__new__(cls, comm)
        if self._h != _NULL and _mpi.topo(self._h) != CART:
            raise TypeError("expecting a Cartesian communicator")
        return self

    def Get_dim(self):
        """Return number of dimensions."""
        return len(_mpi.cart_get(self._h)[0])

    dim = property(Get_dim, doc="Number of dimensions.")
    ndim = property(Get_dim, doc="Number of dimensions.")

    def Get_topo(self):
        """Return information on the cartesian topology."""
        dims, periods, coords = _mpi.cart_get(self._h)
        return (list(dims), [int(p) for p in periods], list(coords))

    topo = property(Get_topo, doc="Topology information.")
    dims = property(lambda self: self.Get_topo()[0], doc="Dimensions.")
    periods = property(lambda self: self.Get_topo()[1], doc="Periodicity.")
    coords = property(lambda self: self.Get_topo()[2], doc="Coordinates.")

    def Get_cart_rank(self, coords):
        """Translate logical coordinates to ranks."""
        coords = _expecting(coords, self.Get_dim())
        return _mpi.cart_rank(self._h, [_index(c) for c in coords])

    def Get_coords(self, rank):
        """Translate ranks to logical coordinates."""
        return list(_mpi.cart_coords(self._h, rank))

    def Shift(self, direction, disp):
        """Return a process ranks for data shifting with `Sendrecv`."""
        return tuple(_mpi.cart_shift(self._h, direction, disp))

    def Sub(self, remain_dims):
        """Return a lower-dimensional Cartesian topology."""
        remain_dims = _expecting(remain_dims, self.Get_dim())
        return Cartcomm._of(_mpi.cart_sub(self._h, [bool(r) for r in remain_dims]))


class Graphcomm(Topocomm):
    """General graph topology intracommunicator."""

    __slots__ = ()

    _kind = GRAPH
    _description = "graph"

    def Get_dims(self):
        """Return the number of nodes and edges."""
        _kind, index, edges = _GRAPHS[self._h]
        return (len(index), len(edges))

    dims = property(Get_dims, doc="Number of nodes and edges.")
    nnodes = property(lambda self: self.Get_dims()[0], doc="Number of nodes.")
    nedges = property(lambda self: self.Get_dims()[1], doc="Number of edges.")

    def Get_topo(self):
        """Return index and edges."""
        _kind, index, edges = _GRAPHS[self._h]
        return (list(index), list(edges))

    topo = property(Get_topo, doc="Topology information.")
    index = property(lambda self: self.Get_topo()[0], doc="Index.")
    edges = property(lambda self: self.Get_topo()[1], doc="Edges.")

    def Get_neighbors_count(self, rank):
        """Return number of neighbors of a process."""
        return len(self.Get_neighbors(rank))

    def Get_neighbors(self, rank):
        """Return list of neighbors of a process."""
        graph = _GRAPHS[self._h]
        rank = _index(rank)
        if not 0 <= rank < len(graph[1]):
            raise _error(ERR_RANK, "MPI_Graph_neighbors", f"Invalid rank has value {rank} "
                         f"but must be nonnegative and less than {len(graph[1])}")
        return _graph_neighbors(graph, rank)

    nneighbors = property(lambda self: len(self.neighbors), doc="Number of neighbors.")
    neighbors = property(lambda self: self.Get_neighbors(self.Get_rank()), doc="Neighbors.")


def _graph_neighbors(graph, rank):
    _kind, index, edges = graph
    return list(edges[index[rank - 1] if rank else 0:index[rank]])


class Distgraphcomm(Topocomm):
    """Distributed graph topology intracommunicator."""

    __slots__ = ()

    _kind = DIST_GRAPH
    _description = "distributed graph"

    def Get_dist_neighbors_count(self):
        """Return adjacency information for a distributed graph topology."""
        _kind, sources, sweights, destinations, dweights = _GRAPHS[self._h]
        return (len(sources), len(destinations), sweights is not None)

    def Get_dist_neighbors(self):
        """Return adjacency information for a distributed graph topology."""
        _kind, sources, sweights, destinations, dweights = _GRAPHS[self._h]
        weights = None if sweights is None else (list(sweights), list(dweights))
        return (list(sources), list(destinations), weights)


# Graph and distributed graph topologies, by communicator handle:
# (GRAPH, index, edges) or (DIST_GRAPH, sources, weights, destinations, weights).
_GRAPHS = {}


def _comm_class(handle):
    if _mpi.is_inter(handle):
        return Intercomm
    kind = _GRAPHS[handle][0] if handle in _GRAPHS else _mpi.topo(handle)
    return {CART: Cartcomm, GRAPH: Graphcomm, DIST_GRAPH: Distgraphcomm}.get(kind, Intracomm)


def _weights(weights, degree, call):
    """A weight array: None when unweighted, else a list of `degree` ints."""
    if weights is None or weights is UNWEIGHTED:
        return None
    if weights is WEIGHTS_EMPTY:
        if degree:
            raise ValueError(f"expecting {degree} items, got 0")
        return []
    return _counts(weights, "weights", degree)


class Intercomm(Comm):
    """Intercommunicator: a local group facing a remote group.

    Point-to-point calls and the roots of collectives name ranks of the
    remote group. In a rooted collective the root passes `ROOT`, the rest of
    its group `PROC_NULL`, and the other group the root's rank.
    """

    __slots__ = ()

    def __new__(cls, comm=None):
        self = Comm.__new__(cls, comm)
        if self._h != _NULL and not _mpi.is_inter(self._h):
            raise TypeError("expecting an intercommunicator")
        return self

    @classmethod
    def Create_from_groups(cls, local_group, local_leader, remote_group, remote_leader,
                           stringtag="org.mpi4py", info=INFO_NULL, errhandler=None):
        """Create intercommunicator from a local and a remote group (collective
        over their members, no parent)."""
        call = "MPI_Intercomm_create_from_groups"
        return Intercomm._of(_mpi.intercomm_from_groups(
            list(local_group._members(call)), _index(local_leader),
            list(remote_group._members(call)), _index(remote_leader), str(stringtag)))

    def Get_remote_group(self):
        """Access the remote group associated with the inter-communicator."""
        return Group._of(_mpi.remote_group_ranks(self._h))

    def Get_remote_size(self):
        """Intercommunicator remote size."""
        return len(_mpi.remote_group_ranks(self._h))

    remote_group = property(Get_remote_group, doc="Remote group.")
    remote_size = property(Get_remote_size, doc="Number of remote processes.")

    def Merge(self, high=False):
        """Merge intercommunicator into an intracommunicator."""
        return Intracomm._of(_mpi.intercomm_merge(self._h, bool(high)))

    # Collectives: the root's side passes ROOT (the root) or PROC_NULL (the
    # others), the other side the root's rank in the remote group.

    def bcast(self, obj, root=0):
        """Broadcast."""
        data = _dumps(obj, _PROTOCOL) if root == ROOT else None
        data = _mpi.bcast(self._h, data, root)
        return None if root in (ROOT, PROC_NULL) else _loads(data)

    def scatter(self, sendobj, root=0):
        """Scatter."""
        items = _pickle_items(sendobj, self.Get_remote_size()) if root == ROOT else None
        data = _mpi.scatter(self._h, items, root)
        return None if root in (ROOT, PROC_NULL) else _loads(data)

    def alltoall(self, sendobj):
        """All to All Scatter/Gather."""
        items = _pickle_items(sendobj, self.Get_remote_size())
        return [_loads(b) for b in _mpi.alltoall(self._h, items)]

    def Bcast(self, buf, root=0):
        """Broadcast data from one process to all other processes."""
        h = self._h
        if root == ROOT:
            _mpi.bcast(h, _send_bytes(buf), root)
        elif root == PROC_NULL:
            _mpi.bcast(h, None, root)
        else:
            view = _message(buf, True)[0]
            _store(view, _mpi.bcast(h, None, root), "MPI_Bcast")

    def _gather(self, sendbuf, recvbuf, root, call, blocks_of):
        h = self._h
        if root != ROOT:
            data = b"" if root == PROC_NULL else _send_bytes(sendbuf)
            _mpi.gather(h, data, root)
            return
        view, blocks = blocks_of(recvbuf, self.Get_remote_size())
        for (start, n), part in zip(blocks, _mpi.gather(h, b"", root)):
            _store(view[start:start + n], part, call)

    def Gather(self, sendbuf, recvbuf, root=0):
        """Gather data to one process from all other processes."""
        self._gather(sendbuf, recvbuf, root, "MPI_Gather", _even_blocks)

    def Gatherv(self, sendbuf, recvbuf, root=0):
        """Gather Vector."""
        self._gather(sendbuf, recvbuf, root, "MPI_Gatherv", _vector_blocks)

    def _scatter(self, sendbuf, recvbuf, root, call, blocks_of):
        h = self._h
        if root == ROOT:
            view, blocks = blocks_of(sendbuf, self.Get_remote_size(), False)
            _mpi.scatter(h, [view[start:start + n].tobytes() for start, n in blocks], root)
        elif root == PROC_NULL:
            _mpi.scatter(h, None, root)
        else:
            _store(_message(recvbuf, True)[0], _mpi.scatter(h, None, root), call)

    def Scatter(self, sendbuf, recvbuf, root=0):
        """Scatter data from one process to all other processes."""
        self._scatter(sendbuf, recvbuf, root, "MPI_Scatter", _even_blocks)

    def Scatterv(self, sendbuf, recvbuf, root=0):
        """Scatter Vector."""
        self._scatter(sendbuf, recvbuf, root, "MPI_Scatterv", _vector_blocks)

    def _allgather(self, sendbuf, recvbuf, call, blocks_of):
        view, blocks = blocks_of(recvbuf, self.Get_remote_size())
        for (start, n), part in zip(blocks, _mpi.allgather(self._h, _send_bytes(sendbuf))):
            _store(view[start:start + n], part, call)

    def Allgather(self, sendbuf, recvbuf):
        """Gather to All."""
        self._allgather(sendbuf, recvbuf, "MPI_Allgather", _even_blocks)

    def Allgatherv(self, sendbuf, recvbuf):
        """Gather to All Vector."""
        self._allgather(sendbuf, recvbuf, "MPI_Allgatherv", _vector_blocks)

    def _alltoall(self, sendbuf, recvbuf, call, blocks_of):
        rsize = self.Get_remote_size()
        view, blocks = blocks_of(recvbuf, rsize)
        sview, sblocks = blocks_of(sendbuf, rsize, False)
        parts = [sview[start:start + n].tobytes() for start, n in sblocks]
        for (start, n), part in zip(blocks, _mpi.alltoall(self._h, parts)):
            _store(view[start:start + n], part, call)

    def Alltoall(self, sendbuf, recvbuf):
        """All to All Scatter/Gather, send data to all from all."""
        self._alltoall(sendbuf, recvbuf, "MPI_Alltoall", _even_blocks)

    def Alltoallv(self, sendbuf, recvbuf):
        """All to All Scatter/Gather Vector."""
        self._alltoall(sendbuf, recvbuf, "MPI_Alltoallv", _vector_blocks)

    def Alltoallw(self, sendbuf, recvbuf):
        """All to All Scatter/Gather General."""
        rsize = self.Get_remote_size()
        rviews = _vector_w(recvbuf, True, rsize)
        parts = [v.tobytes() for v in _vector_w(sendbuf, False, rsize)]
        for view, part in zip(rviews, _mpi.alltoall(self._h, parts)):
            _store(view, part, "MPI_Alltoallw")

    def Reduce(self, sendbuf, recvbuf, op=SUM, root=0):
        """Reduce to Root."""
        h = self._h
        if root == ROOT:
            view, _nbytes, dtype = _message(recvbuf, True)
            result = _mpi.reduce(h, b"", _buffer_op(op, dtype, "MPI_Reduce"), root)
            _store(view, result, "MPI_Reduce")
        elif root == PROC_NULL:
            _mpi.reduce(h, b"", lambda a, b: a, root)
        else:
            _view, data, nop = self._reduction(sendbuf, None, op, "MPI_Reduce")
            _mpi.reduce(h, data, nop, root)

    # Nonblocking collectives: every message goes to or comes from the
    # remote group (`_members` lists it as the peers), so a barrier is a
    # message to and from every remote member.

    def _members(self):
        h = self._h
        rsize = self.Get_remote_size()
        return h, rsize, _mpi.rank(h), list(range(rsize))

    def _root(self, root, size, call):
        root = _index(root)
        if root not in (ROOT, PROC_NULL) and not 0 <= root < size:
            raise _error(ERR_ROOT, call, f"Invalid root (value given was {root})")
        return root

    def Ibcast(self, buf, root=0):
        """Nonblocking Broadcast."""
        h, rsize, _me, remote = self._members()
        root = self._root(root, rsize, "MPI_Ibcast")
        if root == ROOT:
            data = _send_bytes(buf)
            return _icollective(h, [(r, data) for r in remote], [], lambda got: None)
        if root == PROC_NULL:
            return _icollective(h, [], [], lambda got: None)
        view = _message(buf, True)[0]
        return _icollective(h, [], [root], lambda got: _store(view, got[0], "MPI_Ibcast"))

    def _igather(self, sendbuf, recvbuf, root, call, blocks_of):
        h, rsize, _me, remote = self._members()
        root = self._root(root, rsize, call)
        if root == PROC_NULL:
            return _icollective(h, [], [], lambda got: None)
        if root != ROOT:
            return _icollective(h, [(root, _send_bytes(sendbuf))], [], lambda got: None)
        view, blocks = blocks_of(recvbuf, rsize)

        def finish(got):
            for (start, n), part in zip(blocks, got):
                _store(view[start:start + n], part, call)
        return _icollective(h, [], remote, finish)

    def _iscatter(self, sendbuf, recvbuf, root, call, blocks_of):
        h, rsize, _me, remote = self._members()
        root = self._root(root, rsize, call)
        if root == PROC_NULL:
            return _icollective(h, [], [], lambda got: None)
        if root != ROOT:
            return _icollective(h, [], [root], lambda got: _store(_message(recvbuf, True)[0], got[0], call))
        view, blocks = blocks_of(sendbuf, rsize, False)
        return _icollective(h, [(r, view[start:start + n].tobytes()) for r, (start, n) in enumerate(blocks)],
                            [], lambda got: None)

    def _iallgather(self, sendbuf, recvbuf, call, blocks_of):
        h, rsize, _me, remote = self._members()
        view, blocks = blocks_of(recvbuf, rsize)
        own = _send_bytes(sendbuf)

        def finish(got):
            for (start, n), part in zip(blocks, got):
                _store(view[start:start + n], part, call)
        return _icollective(h, [(r, own) for r in remote], remote, finish)

    def _ialltoall(self, rviews, sparts, call):
        h, _rsize, _me, remote = self._members()

        def finish(got):
            for view, part in zip(rviews, got):
                _store(view, part, call)
        return _icollective(h, [(r, sparts[r]) for r in remote], remote, finish)

    def _ialltoall_blocks(self, sendbuf, recvbuf, blocks_of, call):
        rsize = self.Get_remote_size()
        view, blocks = blocks_of(recvbuf, rsize)
        sview, sblocks = blocks_of(sendbuf, rsize, False)
        return self._ialltoall([view[start:start + n] for start, n in blocks],
                               [sview[start:start + n].tobytes() for start, n in sblocks], call)

    def Ialltoallw(self, sendbuf, recvbuf):
        """Nonblocking All to All Scatter/Gather General."""
        rsize = self.Get_remote_size()
        rviews = _vector_w(recvbuf, True, rsize)
        sparts = [v.tobytes() for v in _vector_w(sendbuf, False, rsize)]
        return self._ialltoall(rviews, sparts, "MPI_Ialltoallw")

    def Ireduce(self, sendbuf, recvbuf, op=SUM, root=0):
        """Nonblocking Reduce to Root."""
        h, rsize, _me, remote = self._members()
        root = self._root(root, rsize, "MPI_Ireduce")
        if root == PROC_NULL:
            return _icollective(h, [], [], lambda got: None)
        if root != ROOT:
            _view, data, _nop = self._reduction(sendbuf, None, op, "MPI_Ireduce")
            return _icollective(h, [(root, data)], [], lambda got: None)
        view, _nbytes, dtype = _message(recvbuf, True)
        nop = _buffer_op(op, dtype, "MPI_Ireduce")
        return _icollective(h, [], remote,
                            lambda got: _store(view, _fold(got, _combiner(nop)), "MPI_Ireduce"))

    def Iallreduce(self, sendbuf, recvbuf, op=SUM):
        """Nonblocking Reduce to All."""
        h, _rsize, _me, remote = self._members()
        view, data, nop = self._reduction(sendbuf, recvbuf, op, "MPI_Iallreduce")
        return _icollective(h, [(r, data) for r in remote], remote,
                            lambda got: _store(view, _fold(got, _combiner(nop)), "MPI_Iallreduce"))

    def _ireduce_scatter(self, data, nop, finish_with):
        h, _rsize, _me, remote = self._members()
        return _icollective(h, [(r, data) for r in remote], remote,
                            lambda got: finish_with(_fold(got, _combiner(nop))))

    # Reduce_scatter_block works as on an intracommunicator: each group's
    # send buffers hold (local size) blocks, and the reduction of the remote
    # group's buffers, as long as the two groups agree on the total, is
    # scattered over the local group. Reduce_scatter needs its counts given.

    def _reduce_scatter(self, sendbuf, recvbuf, recvcounts, op, call):
        h = self._h
        size, me = _mpi.size(h), _mpi.rank(h)
        view, nbytes, dtype = _message(recvbuf, True)
        extent = dtype._size if isinstance(view, _typemap.Packed) else dtype._extent
        if recvcounts is None:
            raise ValueError("recvcounts: required on an intercommunicator")
        recvcounts = _expecting(recvcounts, size)
        start = sum(recvcounts[:me]) * extent
        total = sum(recvcounts) * extent
        send, _sbytes, dtype = _message(sendbuf, False)

        def finish(result):
            _store(view, result[start:start + recvcounts[me] * extent], call)
        return send[:total].tobytes(), _buffer_op(op, dtype, call), finish


# The lowercase collectives Intercomm redefines take the same per-communicator
# locks as Comm's.
for _name in ("bcast", "scatter", "alltoall"):
    setattr(Intercomm, _name, _locked(_name)(getattr(Intercomm, _name)))
del _name


# The hints `Set_info` gave each communicator, by handle.
_comm_infos = {}

COMM_NULL = Comm()
COMM_SELF = Intracomm._of(_mpi.SELF)
COMM_WORLD = Intracomm._of(_mpi.WORLD)
_comm_names[_mpi.WORLD] = "MPI_COMM_WORLD"
_comm_names[_mpi.SELF] = "MPI_COMM_SELF"
_WORLD_RANK = _mpi.rank(_mpi.WORLD)
MESSAGE_NO_PROC = Message._found(COMM_SELF, PROC_NULL, ANY_TAG)


def Compute_dims(nnodes, dims):
    """Return a balanced distribution of processes per coordinate direction."""
    if isinstance(dims, int):
        if dims < 0:
            raise ValueError(f"expecting {dims} items, got 0")
        dims = [0] * dims
    else:
        dims = [_index(d) for d in dims]
    return list(_mpi.compute_dims(nnodes, dims))


# ---------------------------------------------------------------------------
# Exception and error codes
# ---------------------------------------------------------------------------

class Exception(RuntimeError):
    """Exception class.

    ``MPI.Exception(code)`` as in mpi4py; the native side also passes the
    message of the failed call, ``MPI.Exception(code, message)``, which
    ``str()`` returns (mpi4py's text is MPICH's error stack of the call).
    """

    def __init__(self, ierr=SUCCESS, message=None, /):
        if not isinstance(ierr, int):
            raise TypeError("an integer is required")
        if ierr < SUCCESS:
            ierr = ERR_UNKNOWN
        RuntimeError.__init__(self, ierr)
        self._message = message

    def __int__(self):
        return self.args[0]

    def __bool__(self):
        return self.args[0] != SUCCESS

    def __hash__(self):
        return hash(self.args[0])

    def __eq__(self, other):
        return self.args[0] == other

    def __ne__(self, other):
        return self.args[0] != other

    def __lt__(self, other):
        return self.args[0] < other

    def __le__(self, other):
        return self.args[0] <= other

    def __gt__(self, other):
        return self.args[0] > other

    def __ge__(self, other):
        return self.args[0] >= other

    def __repr__(self):
        return f"MPI.Exception({self.args[0]})"

    def __str__(self):
        message = getattr(self, "_message", None)
        return message if message is not None else self.Get_error_string()

    def Get_error_code(self):
        """Error code."""
        return self.args[0]

    def Get_error_class(self):
        """Error class."""
        return Get_error_class(self.args[0])

    def Get_error_string(self):
        """Error string."""
        # MPICH's code for a failed call carries the call's error stack.
        message = getattr(self, "_message", None)
        return message if message is not None else Get_error_string(self.args[0])

    error_code = property(Get_error_code, doc="Error code.")
    error_class = property(Get_error_class, doc="Error class.")
    error_string = property(Get_error_string, doc="Error string.")


# User-defined error classes and codes, numbered as MPICH numbers them: a
# dynamic bit, the class's index in the low 8 bits, the code's index above.
_DYNAMIC_ERROR = 0x40000000
_user_error_strings = {}
_user_error_classes = 0
_user_error_codes = {}


def Get_error_class(errorcode):
    """Convert an *error code* into an *error class*."""
    errorcode = _index(errorcode)
    if errorcode < 0:
        raise Exception(ERR_ARG)
    if errorcode & _DYNAMIC_ERROR:
        return errorcode & (_DYNAMIC_ERROR | 0xFF)
    # MPICH keeps the class in the low 7 bits of a code.
    return errorcode & 0x7F


def Get_error_string(errorcode):
    """Return the *error string* for a given *error class* or *error code*."""
    errorcode = _index(errorcode)
    if errorcode in _user_error_strings:
        return _user_error_strings[errorcode]
    return _ERROR_STRINGS.get(Get_error_class(errorcode), "Unknown error class")


def Add_error_class():
    """Add an *error class* to the known error classes."""
    global _user_error_classes
    _user_error_classes += 1
    errorclass = _DYNAMIC_ERROR | _user_error_classes
    _user_error_strings[errorclass] = ""
    return errorclass


def Add_error_code(errorclass):
    """Add an *error code* to an *error class*."""
    # MPICH takes any class here without checking it.
    errorclass = _index(errorclass)
    index = _user_error_codes.get(errorclass, 0) + 1
    _user_error_codes[errorclass] = index
    errorcode = _DYNAMIC_ERROR | (index << 8) | (errorclass & 0xFF)
    _user_error_strings[errorcode] = ""
    return errorcode


def Add_error_string(errorcode, string):
    """Associate an *error string* with an *error class* or *error code*."""
    errorcode, string = _index(errorcode), str(string)
    if errorcode not in _user_error_strings:
        # MPICH's two checks: not a dynamic code, or not one it handed out.
        line = 151 if errorcode & _DYNAMIC_ERROR else 137
        raise _error(ERR_ARG,
                     f"internal_Add_error_string(64)..: MPI_Add_error_string(errorcode={errorcode}, string={string})",
                     f"MPIR_Add_error_string_impl({line}): Invalid error code {errorcode}")
    _user_error_strings[errorcode] = string


def Remove_error_class(errorclass):
    """Remove an *error class* from the known error classes."""
    # MPI 4.1, which the MPICH 4.0 this runtime reports itself as lacks.
    raise NotImplementedError


def Remove_error_code(errorcode):
    """Remove an *error code* from the known error codes."""
    raise NotImplementedError


def Remove_error_string(errorcode):
    """Remove *error string* association from *error class* or *error code*."""
    raise NotImplementedError


def _error(errorclass, call, detail):
    """An `Exception` whose text reads like MPICH's error stack."""
    return Exception(errorclass, f"{_ERROR_STRINGS[errorclass]}, error stack:\n{call} failed\n{detail}")


_mpi.set_error_class(Exception)


# ---------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------

_finalized = False


def Init():
    """Initialize the MPI execution environment (done at import, as mpi4py does)."""
    raise _error(ERR_OTHER, "MPI_Init(argc=(nil), argv=(nil))",
                 "Cannot call MPI_INIT or MPI_INIT_THREAD more than once")


def Init_thread(required=THREAD_MULTIPLE):
    """Initialize the MPI execution environment (done at import, as mpi4py does)."""
    raise _error(ERR_OTHER, f"MPI_Init_thread(argc=(nil), argv=(nil), required={required})",
                 "Cannot call MPI_INIT or MPI_INIT_THREAD more than once")


def Finalize():
    """Terminate the MPI execution environment.

    As under MPICH, any MPI call afterwards ends the process with status 1.
    """
    global _finalized, _mpi
    if _finalized:
        _after_finalize("Finalize")
    _finalized = True
    _mpi = _Finalized()


def Is_initialized():
    """Indicate whether `Init` has been called."""
    return True


def Is_finalized():
    """Indicate whether `Finalize` has completed."""
    return _finalized


def Query_thread():
    """Return the level of thread support provided by the MPI library."""
    return THREAD_SINGLE


def Is_thread_main():
    """Indicate whether this thread called `Init` or `Init_thread`."""
    return True


def Get_version():
    """Obtain the version number of the MPI standard supported."""
    return (VERSION, SUBVERSION)


def Get_hw_resource_info():
    """Obtain information about the hardware platform of the calling processor."""
    # MPI 4.1. The MPICH 4.0 this runtime reports itself as lacks it, and
    # mpi4py raises NotImplementedError there.
    raise NotImplementedError


def Get_library_version():
    """Obtain the version string of the MPI library."""
    return ("mpi-playground: MPI in the browser, mpi4py 4.1.2 API on RustPython\n"
            "MPI standard version:\t4.0")


def get_vendor():
    """Information about the underlying MPI implementation.

    The playground behaves as MPICH 4.0.2 does (names, sizes, error classes,
    quirks), so code that adapts to its MPI, mpi4py's test suite among it,
    should adapt as to that; `Get_library_version` says what runs.
    """
    return ("MPICH", (4, 0, 2))


def Open_port(info=INFO_NULL):
    """Return an address used to connect group of processes."""
    return _spawn.open_port()


def Close_port(port_name):
    """Close a port."""
    _spawn.close_port(port_name)


def Publish_name(service_name, port_name, info=INFO_NULL):
    """Publish a service name."""
    _spawn.publish_name(service_name, port_name)


def Lookup_name(service_name, info=INFO_NULL):
    """Lookup a port name given a service name."""
    return _spawn.lookup_name(service_name)


def Unpublish_name(service_name, port_name, info=INFO_NULL):
    """Unpublish a service name."""
    _spawn.unpublish_name(service_name, port_name)


def Get_processor_name():
    """Obtain the name of the calling processor."""
    return _mpi.processor_name()


def Wtime():
    """Return an elapsed time on the calling processor."""
    return _mpi.wtime()


def Wtick():
    """Return the resolution of `Wtime`."""
    return _mpi.wtick()


# The buffer attached for buffered-mode sends. Messages are buffered by the
# runtime anyway; like MPI, a buffered send still needs room in this buffer.
_bsend_buffer = None


def Attach_buffer(buf):
    """Attach a user-provided buffer for sending in buffered mode."""
    global _bsend_buffer
    if buf is not BUFFER_AUTOMATIC and _bytes_view(buf).readonly:
        raise BufferError("Object is not writable.")
    if _bsend_buffer is not None:
        raise _error(ERR_BUFFER, "MPI_Buffer_attach", "Buffer is already attached")
    _bsend_buffer = buf


def Detach_buffer():
    """Remove an existing attached buffer (`BUFFER_AUTOMATIC` if none was)."""
    global _bsend_buffer
    buf, _bsend_buffer = _bsend_buffer, None
    return BUFFER_AUTOMATIC if buf is None else buf


def Flush_buffer():
    """Block until all buffered messages have been transmitted (MPI 4.1)."""
    raise NotImplementedError("MPI_Buffer_flush is MPI 4.1; MPICH 4.0.2 has none")


def Iflush_buffer():
    """Nonblocking flush for buffered messages (MPI 4.1)."""
    raise NotImplementedError("MPI_Buffer_iflush is MPI 4.1; MPICH 4.0.2 has none")


def _check_bsend(data, call):
    size = 0 if _bsend_buffer is None else len(_bytes_view(_bsend_buffer))
    if len(data) + BSEND_OVERHEAD > size:
        raise _error(ERR_BUFFER, call,
                     f"Insufficient space in Bsend buffer; requested {len(data)}; total buffer size is {size}")


def Pcontrol(level):
    """Control profiling."""
    if not 0 <= level <= 2:
        raise _error(ERR_ARG, f"MPI_Pcontrol(level={level})", f"Invalid level {level}")


# MPI routine names of the native calls, for the message after Finalize.
_ROUTINES = {
    "rank": "Comm_rank", "size": "Comm_size", "group_ranks": "Comm_group",
    "wtime": "Wtime", "wtick": "Wtick", "processor_name": "Get_processor_name",
    "topo": "Topo_test", "cart_get": "Cart_get", "cart_shift": "Cart_shift",
    "compute_dims": "Dims_create",
}


def _after_finalize(routine):
    import sys  # the stream of the moment: `_sys` is a snapshot (see the end)
    sys.stderr.write(f"Attempting to use an MPI routine (internal_{routine}) "
                      "before initializing or after finalizing MPICH\n")
    raise SystemExit(1)


class _Finalized:
    """Stands in for the native module after `Finalize`."""

    def __getattr__(self, name):
        routine = _ROUTINES.get(name, name[:1].upper() + name[1:])
        _after_finalize(routine)


# ---------------------------------------------------------------------------
# Pickling of Python objects
# ---------------------------------------------------------------------------

_PROTOCOL = _HIGHEST_PROTOCOL
_dumps = _pickle_dumps
_loads = _pickle_loads


class Pickle:
    """Pickle/unpickle Python objects (`MPI.pickle` is the one the methods use)."""

    def __init__(self, dumps=None, loads=None, protocol=None, threshold=None):
        if dumps is None:
            dumps = _pickle_dumps
        if loads is None:
            loads = _pickle_loads
        if protocol is None and dumps is _pickle_dumps:
            protocol = _HIGHEST_PROTOCOL
        self._dumps = dumps
        self._loads = loads
        self._protocol = protocol
        self.THRESHOLD = threshold
        if globals().get("pickle") is self:
            _install_pickle(self)

    @property
    def THRESHOLD(self):
        """Size in bytes from which `dumps_oob` keeps a buffer out of band."""
        return self._threshold

    @THRESHOLD.setter
    def THRESHOLD(self, threshold):
        self._threshold = 1024 ** 2 // 4 if threshold is None else _index(threshold)

    def dumps_oob(self, obj):
        """Serialize with protocol 5: the pickle data, and the list of
        `buffer` objects kept out of band (those of at least THRESHOLD bytes)."""
        protocol = self._protocol
        if protocol is None or protocol < 5:
            protocol = max(5, _HIGHEST_PROTOCOL)
        threshold = self._threshold
        bufs = []

        def keep(picklebuffer):
            view = picklebuffer.raw()
            if view.nbytes < threshold:
                return True
            bufs.append(buffer(view))
            return False

        data = self._dumps(obj, protocol, buffer_callback=keep)
        return bytes(data), bufs

    def loads_oob(self, data, buffers):
        """Deserialize pickle data whose out-of-band buffers are `buffers`."""
        return self._loads(data, buffers=buffers)

    def dumps(self, obj):
        """Serialize object to pickle data stream."""
        if self._protocol is None:
            return self._dumps(obj)
        return self._dumps(obj, self._protocol)

    def loads(self, data):
        """Deserialize object from pickle data stream."""
        return self._loads(data)

    @property
    def PROTOCOL(self):
        """Protocol version."""
        return self._protocol

    @PROTOCOL.setter
    def PROTOCOL(self, protocol):
        if protocol is None and self._dumps is _pickle_dumps:
            protocol = _HIGHEST_PROTOCOL
        self._protocol = protocol
        if globals().get("pickle") is self:
            _install_pickle(self)


def _install_pickle(p):
    """Make the object methods use `p`'s functions (kept as module globals,
    so a send costs one call to `dumps`)."""
    global _dumps, _loads, _PROTOCOL
    if p._protocol is None:
        plain = p._dumps
        _dumps = lambda obj, protocol: plain(obj)  # noqa: E731
    else:
        _dumps = p._dumps
    _loads = p._loads
    _PROTOCOL = p._protocol


pickle = Pickle()


# Communicators and datatypes cache attributes (`_attributes`).
from mpi4py._handle import adopt as _adopt  # noqa: E402
_adopt(Comm, _attributes.Cached)
_adopt(Datatype, _attributes.Cached)

# One-sided communication lives in its own module (it needs everything above).


# ---------------------------------------------------------------------------
# Integer handles of objects whose state is not a number
# ---------------------------------------------------------------------------

class _HandleTable:
    """MPICH's handles for one kind of object: its numbers for the
    predefined objects, then `0x80000000 | kind << 26 | index` (as a signed C
    int) for each distinct state met, so `fromhandle(x.handle) == x`."""

    def __init__(self, kind, predefined):
        self._dynamic = (0x80000000 | kind << 26) - (1 << 32)
        self._predefined = predefined           # [(handle, state key, object)]
        self._keys, self._objects = {}, []

    def number(self, key, obj):
        """number(self, key: Any, obj: Any) -> int

        Return the handle of `obj`, numbering it on first use.
        """
        for handle, known, _obj in self._predefined:
            if key == known:
                return handle
        index = self._keys.get(key)
        if index is None:
            index = self._keys[key] = len(self._objects)
            self._objects.append(obj)
        return self._dynamic | index

    def lookup(self, handle, cls):
        """lookup(self, handle: int, cls: type) -> Any

        Return the object a handle number names, as a `cls`.
        """
        handle = _index(handle)
        for number, _key, obj in self._predefined:
            if handle == number:
                return cls(obj)
        index = handle - self._dynamic
        if 0 <= index < len(self._objects):
            return cls(self._objects[index])
        raise ValueError(f"invalid {cls.__name__.lower()} handle {handle}")


def _give_handles(cls, table, key):
    """`handle`, `fromhandle` and the int and Fortran conversions, by `table`."""
    # The table keeps a copy: the object itself may be freed later.
    cls.handle = property(lambda self: table.number(key(self), cls(self)), doc="MPI handle.")
    cls.fromhandle = classmethod(lambda cls, handle: table.lookup(handle, cls))
    _give_conversions(cls)


def _give_conversions(cls):
    cls.toint = lambda self: self.handle
    cls.py2f = lambda self: self.handle
    cls.fromint = classmethod(lambda cls, arg, /: cls.fromhandle(arg))
    cls.f2py = classmethod(lambda cls, arg: cls.fromhandle(arg))


_give_handles(Group, _HandleTable(2, [(0x08000000, None, GROUP_NULL), (0x48000000, (), GROUP_EMPTY)]),
              lambda g: g._ranks)
_give_handles(Info, _HandleTable(7, [(0x1C000000, None, INFO_NULL), (0x5C000001, id(INFO_ENV._items), INFO_ENV)]),
              lambda i: None if i._items is None else id(i._items))
_give_handles(Errhandler, _HandleTable(5, [(0x14000000, None, ERRHANDLER_NULL),
                                           (0x54000000, "ERRORS_ARE_FATAL", ERRORS_ARE_FATAL),
                                           (0x54000001, "ERRORS_RETURN", ERRORS_RETURN),
                                           (0x54000003, "ERRORS_ABORT", ERRORS_ABORT)]),
              lambda e: e._name)
_give_handles(Message, _HandleTable(11, [(0x2C000000, (None, PROC_NULL, ANY_TAG), MESSAGE_NULL),
                                         (0x6C000000, (COMM_SELF._h, PROC_NULL, ANY_TAG), MESSAGE_NO_PROC)]),
              lambda m: (None if m._comm is None else m._comm._h, m._source, m._tag))
_give_conversions(Datatype)


def _status_from_ints(cls, arg):
    status = cls()
    status._mem = _arrays.array("i", arg)
    return status


# A status in Fortran is MPICH's MPI_Status as a list of ints.
Status.py2f = lambda self: list(self._mem)
Status.f2py = classmethod(_status_from_ints)

from mpi4py._rma import Win, WIN_NULL  # noqa: E402
from mpi4py._session import Session, SESSION_NULL  # noqa: E402
from mpi4py._file import File, FILE_NULL, Register_datarep  # noqa: E402
from mpi4py import _spawn  # noqa: E402


def _undup(datatype):
    """The datatype a chain of `Dup` calls started from."""
    while datatype._envelope is not None and datatype._envelope[0] == COMBINER_DUP:
        datatype = datatype._envelope[4][0]
    return datatype


def _typecode(datatype):
    """Character code or type string of a predefined datatype (or of a
    duplicate of one); None for pair and derived types (mpi4py's helper)."""
    t = _undup(datatype)
    if t._id == 0 or t._pair is not None or t._char is None:
        return None
    try:
        return t.tocode()
    except ValueError:
        return None


def _decoded_params(combiner, i, c, d):
    """`Datatype.decode`'s (oldtype, combiner name, parameters) from the
    contents of a derived datatype of `combiner`."""
    params = {}
    if combiner in (COMBINER_CONTIGUOUS,):
        params = {"count": c[0]}
    elif combiner in (COMBINER_VECTOR, COMBINER_HVECTOR):
        params = {"count": c[0], "blocklength": c[1], "stride": c[2]}
    elif combiner in (COMBINER_INDEXED, COMBINER_HINDEXED):
        params = {"blocklengths": c[1:1 + c[0]], "displacements": c[1 + c[0]:1 + 2 * c[0]]}
    elif combiner in (COMBINER_INDEXED_BLOCK, COMBINER_HINDEXED_BLOCK):
        params = {"blocklength": c[1], "displacements": c[2:2 + c[0]]}
    elif combiner == COMBINER_STRUCT:
        params = {"blocklengths": c[1:1 + c[0]], "displacements": c[1 + c[0]:1 + 2 * c[0]],
                  "datatypes": d}
    elif combiner == COMBINER_SUBARRAY:
        n = i[0]
        params = {"sizes": c[:n], "subsizes": c[n:2 * n], "starts": c[2 * n:3 * n], "order": i[1]}
    elif combiner == COMBINER_DARRAY:
        n = i[2]
        params = {"size": i[0], "rank": i[1], "gsizes": c[:n], "distribs": i[3:3 + n],
                  "dargs": i[3 + n:3 + 2 * n], "psizes": i[3 + 2 * n:3 + 3 * n],
                  "order": i[3 + 3 * n]}
    elif combiner == COMBINER_RESIZED:
        params = {"lb": c[0], "extent": c[1]}
    elif combiner == COMBINER_F90_INTEGER:
        params = {"r": i[0]}
    elif combiner in (COMBINER_F90_REAL, COMBINER_F90_COMPLEX):
        params = {"p": i[0], "r": i[1]}
    oldtype = d[0] if len(d) == 1 else DATATYPE_NULL
    return (oldtype, _COMBINER_NAMES[combiner], params)


def _combiner_of(datatype):
    """The combiner of a live datatype, without `Get_envelope`'s tuple."""
    envelope = datatype._envelope
    return COMBINER_NAMED if envelope is None else envelope[0]


def _decode_shared(datatype):
    """`decode` of a live derived datatype, whose oldtypes are its own
    (not copies the caller frees): for `mpi4py.util.dtlib`, which decodes
    every type it converts, nested ones again and again."""
    combiner, ints, _aints, counts, types = datatype._envelope
    return _decoded_params(combiner, ints, counts, types)


def _typealign(datatype):
    """Alignment in bytes a C compiler gives a predefined datatype (or a
    duplicate of one, or a MINLOC/MAXLOC pair); None for derived types."""
    t = _undup(datatype)
    if t._id == 0:
        return None
    if t._pair is not None:
        return max(_PAIR_VALUE_SIZE[t._pair[0]], 4)
    if _typecode(t) is None:
        return None
    return t._size // 2 if t._kind == "complex" else t._size


# ---------------------------------------------------------------------------
# mpi4py's documentation, and a namespace shaped like mpi4py's
# ---------------------------------------------------------------------------

from mpi4py._apidocs import apply as _apply_docs  # noqa: E402
_apply_docs(globals())
del _apply_docs, _adopt
