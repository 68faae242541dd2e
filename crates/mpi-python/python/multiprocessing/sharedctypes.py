"""Value, Array, RawValue and RawArray: typed numbers in the run's shared memory.

CPython builds these from ctypes objects in shared memory; here each is a
block of the run's heap (`_mpi.shm_alloc`) read and written with `struct`, in
the C type's native layout. A type is given as an array/struct typecode
('i', 'd', 'c', ...) or a ctypes type (ctypes.c_int, ...). Integers wrap
around as ctypes' do; 'c' holds one byte (bytes of length 1), 'u' one
character.

Value and Array (lock=True) wrap the raw object with a lock (an RLock unless
one is given) that get_lock() returns; each single read or write of `.value`
or an element takes it, but `v.value += 1` is a read then a write, so
counters need ``with v.get_lock():`` as in CPython.
"""

import struct

import _mpi

from . import util

# typecode -> (ctypes name, struct format)
_TYPES = {
    "c": ("c_char", "c"),
    "u": ("c_wchar", "I"),
    "b": ("c_byte", "b"),
    "B": ("c_ubyte", "B"),
    "?": ("c_bool", "?"),
    "h": ("c_short", "h"),
    "H": ("c_ushort", "H"),
    "i": ("c_int", "i"),
    "I": ("c_uint", "I"),
    "l": ("c_long", "l"),
    "L": ("c_ulong", "L"),
    "q": ("c_longlong", "q"),
    "Q": ("c_ulonglong", "Q"),
    "f": ("c_float", "f"),
    "d": ("c_double", "d"),
}
_BY_CTYPES_NAME = {name: code for code, (name, _) in _TYPES.items()}
_INTEGER = set("bBhHiIlLqQ")


def _typecode(typecode_or_type):
    """The typecode of a typecode or ctypes type (TypeError for anything else)."""
    if isinstance(typecode_or_type, str):
        # '?' only through ctypes.c_bool, as in CPython.
        if typecode_or_type in _TYPES and typecode_or_type != "?":
            return typecode_or_type
    else:
        code = getattr(typecode_or_type, "_type_", None)
        if isinstance(code, str) and code in _TYPES:
            return code
        name = getattr(typecode_or_type, "__name__", None)
        if name in _BY_CTYPES_NAME:
            return _BY_CTYPES_NAME[name]
    raise TypeError("this type has no size")


class _Codec:
    """Converts between Python values and one element's bytes, as ctypes does."""

    def __init__(self, code):
        self.code = code
        self.ctype = _TYPES[code][0]
        self.struct = struct.Struct("@" + _TYPES[code][1])
        self.size = self.struct.size
        if code in _INTEGER:
            bits = self.size * 8
            self.modulus = 1 << bits
            self.signed = code.islower()

    def pack(self, value):
        code = self.code
        if code in _INTEGER:
            if not isinstance(value, int):
                raise TypeError("'%s' object cannot be interpreted as an integer" % type(value).__name__)
            value %= self.modulus
            if self.signed and value >= self.modulus >> 1:
                value -= self.modulus
        elif code == "c":
            if isinstance(value, int) and 0 <= value < 256:
                value = bytes([value])
            elif not (isinstance(value, bytes) and len(value) == 1):
                raise TypeError("one character bytes, bytearray or integer expected")
        elif code == "u":
            if not (isinstance(value, str) and len(value) == 1):
                raise TypeError("one character unicode string expected")
            value = ord(value)
        elif code in "fd":
            if not isinstance(value, (int, float)):
                raise TypeError("must be real number, not %s" % type(value).__name__)
            value = float(value)
        else:  # '?'
            value = bool(value)
        return self.struct.pack(value)

    def unpack(self, data):
        value = self.struct.unpack(data)[0]
        if self.code == "u":
            return chr(value)
        return value

    def zero(self):
        if self.code == "c":
            return b"\x00"
        if self.code == "u":
            return "\x00"
        return self.unpack(bytes(self.size))


def _codec(code):
    codec = _CODECS.get(code)
    if codec is None:
        codec = _CODECS[code] = _Codec(code)
    return codec


_CODECS = {}


class _RawValue:
    """One C value in shared memory (what CPython gives as a ctypes object)."""

    def __init__(self, code, offset):
        self._code = code
        self._offset = offset
        self._codec = _codec(code)

    @property
    def value(self):
        return self._codec.unpack(_mpi.shm_read(self._offset, self._codec.size))

    @value.setter
    def value(self, value):
        _mpi.shm_write(self._offset, self._codec.pack(value))

    def __repr__(self):
        return "%s(%r)" % (self._codec.ctype, self.value)

    def __reduce__(self):
        util.assert_spawning(self)
        return _RawValue, (self._code, self._offset)


class _RawArray:
    """A C array in shared memory: len, indexing, slicing, iteration."""

    def __init__(self, code, offset, length):
        self._code = code
        self._offset = offset
        self._length = length
        self._codec = _codec(code)

    def __len__(self):
        return self._length

    def _index(self, i):
        if not isinstance(i, int):
            raise TypeError("indices must be integers")
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("invalid index")
        return i

    def _read(self, start, count):
        size = self._codec.size
        data = _mpi.shm_read(self._offset + start * size, count * size)
        return [self._codec.unpack(data[k * size : (k + 1) * size]) for k in range(count)]

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(self._length)
            if step == 1:
                values = self._read(start, max(stop - start, 0))
            else:
                values = [self._read(k, 1)[0] for k in range(start, stop, step)]
            if self._code == "c":
                return b"".join(values)
            if self._code == "u":
                return "".join(values)
            return values
        return self._read(self._index(i), 1)[0]

    def __setitem__(self, i, value):
        size = self._codec.size
        if isinstance(i, slice):
            indices = range(*i.indices(self._length))
            values = list(value)
            if len(values) != len(indices):
                raise ValueError("Can only assign sequence of same size")
            if indices.step == 1:
                data = b"".join(self._codec.pack(v) for v in values)
                _mpi.shm_write(self._offset + indices.start * size, data)
            else:
                for k, v in zip(indices, values):
                    _mpi.shm_write(self._offset + k * size, self._codec.pack(v))
            return
        _mpi.shm_write(self._offset + self._index(i) * size, self._codec.pack(value))

    def __iter__(self):
        return iter(self[:])

    # Character arrays read as strings up to the first NUL, as ctypes' do.
    @property
    def value(self):
        if self._code not in "cu":
            raise AttributeError("%r object has no attribute 'value'" % type(self).__name__)
        text = self[:]
        end = text.find(b"\x00" if self._code == "c" else "\x00")
        return text if end < 0 else text[:end]

    @value.setter
    def value(self, value):
        if self._code not in "cu":
            raise AttributeError("%r object has no attribute 'value'" % type(self).__name__)
        if len(value) > self._length:
            raise ValueError("byte string too long" if self._code == "c" else "string too long")
        if len(value) < self._length:
            value = value + (b"\x00" if self._code == "c" else "\x00")
        self[: len(value)] = value

    @property
    def raw(self):
        if self._code != "c":
            raise AttributeError("%r object has no attribute 'raw'" % type(self).__name__)
        return self[:]

    @raw.setter
    def raw(self, value):
        if self._code != "c":
            raise AttributeError("%r object has no attribute 'raw'" % type(self).__name__)
        if len(value) > self._length:
            raise ValueError("byte string too long")
        self[: len(value)] = value

    def __repr__(self):
        return "<%s_Array_%d object>" % (self._codec.ctype, self._length)

    def __reduce__(self):
        util.assert_spawning(self)
        return _RawArray, (self._code, self._offset, self._length)


def RawValue(typecode_or_type, *args):
    """A shared C value without a lock (initial value 0, or args[0])."""
    code = _typecode(typecode_or_type)
    if len(args) > 1:
        raise TypeError("%s takes at most 1 argument (%d given)" % (_TYPES[code][0], len(args)))
    obj = _RawValue(code, _mpi.shm_alloc(max(_codec(code).size, 8)))
    if args:
        obj.value = args[0]
    return obj


def RawArray(typecode_or_type, size_or_initializer):
    """A shared C array without a lock: zeros of a size, or a sequence's values."""
    code = _typecode(typecode_or_type)
    if isinstance(size_or_initializer, int):
        values, length = None, size_or_initializer
    else:
        values = list(size_or_initializer)
        length = len(values)
    if length < 0:
        raise ValueError("Array length must be >= 0")
    obj = _RawArray(code, _mpi.shm_alloc(max(_codec(code).size * length, 8)), length)
    if values:
        obj[:] = values
    return obj


def _check_lock(lock, ctx):
    if lock is True or lock is None:
        from .synchronize import RLock

        return RLock()
    if not hasattr(lock, "acquire"):
        raise AttributeError("%r has no method 'acquire'" % lock)
    return lock


def Value(typecode_or_type, *args, lock=True, ctx=None):
    """A shared C value; with a lock (default), wrapped in a Synchronized object."""
    obj = RawValue(typecode_or_type, *args)
    if lock is False:
        return obj
    return Synchronized(obj, _check_lock(lock, ctx))


def Array(typecode_or_type, size_or_initializer, *, lock=True, ctx=None):
    """A shared C array; with a lock (default), wrapped in a SynchronizedArray."""
    obj = RawArray(typecode_or_type, size_or_initializer)
    if lock is False:
        return obj
    lock = _check_lock(lock, ctx)
    if obj._code == "c":
        return SynchronizedString(obj, lock)
    return SynchronizedArray(obj, lock)


class SynchronizedBase:
    """A shared object with the lock that guards it."""

    def __init__(self, obj, lock=None, ctx=None):
        self._obj = obj
        self._lock = lock if lock is not None else _check_lock(True, ctx)
        self.acquire = self._lock.acquire
        self.release = self._lock.release

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *args):
        return self._lock.__exit__(*args)

    def __reduce__(self):
        util.assert_spawning(self)
        return type(self), (self._obj, self._lock)

    def get_obj(self):
        return self._obj

    def get_lock(self):
        return self._lock

    def __repr__(self):
        return "<%s wrapper for %s>" % (type(self).__name__, self._obj)


class Synchronized(SynchronizedBase):
    @property
    def value(self):
        with self._lock:
            return self._obj.value

    @value.setter
    def value(self, value):
        with self._lock:
            self._obj.value = value


class SynchronizedArray(SynchronizedBase):
    def __len__(self):
        return len(self._obj)

    def __getitem__(self, i):
        with self._lock:
            return self._obj[i]

    def __setitem__(self, i, value):
        with self._lock:
            self._obj[i] = value

    def __iter__(self):
        return iter(self[:])


class SynchronizedString(SynchronizedArray):
    # The same locked .value as a single shared value.
    value = Synchronized.value

    @property
    def raw(self):
        with self._lock:
            return self._obj.raw

    @raw.setter
    def raw(self, value):
        with self._lock:
            self._obj.raw = value
