"""Attribute caching: keyvals and the attributes they name on communicators,
datatypes and windows, with mpi4py's rules for copying and deleting.

`Create_keyval(copy_fn, delete_fn, nopython)`: when an object is duplicated,
an attribute is left behind if `copy_fn` is None or False, carried over as
the same object if it is True, and otherwise replaced by what
`copy_fn(obj, keyval, value)` returns (NotImplemented: left behind).
`delete_fn(obj, keyval, value)` runs when an attribute is deleted, replaced,
or its object freed. Attributes live in this rank, by object (a
communicator's or window's handle, a datatype's id).
"""

import sys as _sys


class _MPIModule:
    """mpi4py.MPI, looked up when used: this module is an attribute of
    mpi4py.MPI, and holding it back would make the two a cycle of modules
    (which tools walking the namespace, like mpi4py's own test_doc, follow)."""

    def __getattr__(self, name):
        return getattr(_sys.modules["mpi4py.MPI"], name)


_MPI = _MPIModule()

_KEYVALS = {}            # keyval -> (kind, copy_fn, delete_fn)
_ATTRS = {}              # (kind, object key) -> {keyval: value}
_next_keyval = [0]
_free_indices = []
# Keyvals as MPICH numbers them: an index from one pool (freed ones are
# reused first), the object kind in the high bits of a C int (so they print
# negative, as under mpi4py on MPICH).
_KIND_BITS = {"comm": 0xA4400000, "datatype": 0xA4C00000, "win": 0xA6000000}
_INDEX_MASK = 0x000FFFFF


def create_keyval(kind, copy_fn, delete_fn):
    if _free_indices:
        index = _free_indices.pop()
    else:
        index = _next_keyval[0]
        _next_keyval[0] += 1
    keyval = (_KIND_BITS[kind] | index) - (1 << 32)
    _KEYVALS[keyval] = (kind, copy_fn, delete_fn)
    return keyval


def free_keyval(kind, keyval, call):
    # A freed keyval still names the attributes set with it (MPI keeps it
    # alive for them); only its index goes back to the pool.
    keyval, _entry = _known(kind, keyval, call)
    _free_indices.append(keyval & _INDEX_MASK)
    return _MPI.KEYVAL_INVALID


def _known(kind, keyval, call):
    keyval = _MPI._index(keyval)
    entry = _KEYVALS.get(keyval)
    if entry is None or entry[0] != kind:
        raise _MPI._error(_MPI.ERR_KEYVAL, call, "Invalid keyval ")
    return keyval, entry


def get(kind, key, keyval, call):
    keyval, _entry = _known(kind, keyval, call)
    return _ATTRS.get((kind, key), {}).get(keyval)


def set(kind, key, obj, keyval, value, call):
    keyval, _entry = _known(kind, keyval, call)
    attrs = _ATTRS.setdefault((kind, key), {})
    if keyval in attrs:
        _delete(obj, keyval, attrs.pop(keyval))
    attrs[keyval] = value


def delete(kind, key, obj, keyval, call):
    keyval, _entry = _known(kind, keyval, call)
    attrs = _ATTRS.get((kind, key), {})
    if keyval in attrs:
        _delete(obj, keyval, attrs.pop(keyval))


def _delete(obj, keyval, value):
    _kind, _copy, delete_fn = _KEYVALS.get(keyval, (None, None, None))
    if delete_fn is not None:
        delete_fn(obj, keyval, value)


def copy_all(kind, key, obj, new_key):
    """Carries `obj`'s attributes over to its duplicate (`new_key`)."""
    if not _ATTRS:
        return
    carried = {}
    for keyval, value in _ATTRS.get((kind, key), {}).items():
        _kind, copy_fn, _delete_fn = _KEYVALS.get(keyval, (None, None, None))
        if copy_fn is None or copy_fn is False:
            continue
        if copy_fn is True:
            carried[keyval] = value
            continue
        new = copy_fn(obj, keyval, value)
        if new is not NotImplemented:
            carried[keyval] = new
    if carried:
        _ATTRS[(kind, new_key)] = carried


def delete_all(kind, key, obj):
    """Deletes every attribute of `obj`, which is being freed."""
    if not _ATTRS:
        return
    attrs = _ATTRS.pop((kind, key), {})
    for keyval, value in attrs.items():
        _delete(obj, keyval, value)


class Cached:
    """The attribute methods of communicators, datatypes and windows.

    A class names its kind (`_ATTR_KIND`) and its MPI calls' prefix
    (`_ATTR_CALL`); an object gives its key (`_attr_key`) and checks that it
    is live (`_attr_live`). `Get_attr` stays each class's own: it answers
    the predefined keyvals first."""

    __slots__ = ()
    _ATTR_KIND = ""
    _ATTR_CALL = ""

    def _cached_attr(self, keyval):
        return get(self._ATTR_KIND, self._attr_key(), keyval, f"{self._ATTR_CALL}_get_attr")

    def Set_attr(self, keyval, attrval):
        """Store attribute value associated with a key."""
        call = f"{self._ATTR_CALL}_set_attr"
        self._attr_live(call)
        set(self._ATTR_KIND, self._attr_key(), self, keyval, attrval, call)

    def Delete_attr(self, keyval):
        """Delete attribute value associated with a key."""
        call = f"{self._ATTR_CALL}_delete_attr"
        self._attr_live(call)
        delete(self._ATTR_KIND, self._attr_key(), self, keyval, call)

    @classmethod
    def Create_keyval(cls, copy_fn=None, delete_fn=None, nopython=False):
        """Create a new attribute key."""
        return create_keyval(cls._ATTR_KIND, copy_fn, delete_fn)

    @classmethod
    def Free_keyval(cls, keyval):
        """Free an attribute key."""
        return free_keyval(cls._ATTR_KIND, keyval, f"{cls._ATTR_CALL}_free_keyval")
