"""MPI sessions (MPI 4): `MPI.Session`, as mpi4py offers it on MPICH.

A session is a handle to the run's process sets, which are MPICH's two:
"mpi://WORLD" (every rank) and "mpi://SELF". Their groups make
communicators through `Intracomm.Create_from_group`, without COMM_WORLD.
"""

import sys as _sys

from mpi4py._handle import Handle, adopt

_MPI = _sys.modules["mpi4py.MPI"]

# Handles: SESSION_NULL and sessions as MPICH numbers them.
_SESSION_NULL = 0x38000000
_SESSION_BASE = 0xB8000000
_next_handle = [_SESSION_BASE]
_LIVE = {}       # handle -> errhandler

_PSETS = ("mpi://WORLD", "mpi://SELF")


def _signed(value):
    return value - (1 << 32) if value >= 1 << 31 else value


def _err(call, detail):
    return _MPI._error(_MPI.ERR_ARG, call, detail)


class Session:
    """Session context."""

    __module__ = "mpi4py.MPI"
    __slots__ = ("_h",)
    _NULL_HANDLE = _SESSION_NULL
    _NULL_NAME = "SESSION_NULL"
    _ARG = "session"

    # MPICH's session handles are C ints with the top bit set: mpi4py shows
    # `handle` as the pointer-sized value they extend to, `toint` as the int.

    @property
    def handle(self):
        """MPI handle."""
        return _signed(self._h) & 0xFFFFFFFFFFFFFFFF

    @classmethod
    def fromhandle(cls, handle):
        """Create object from MPI handle."""
        return cls._of(_MPI._index(handle) & 0xFFFFFFFF)

    def toint(self):
        """Translate object to integer."""
        return _signed(self._h)

    @classmethod
    def fromint(cls, arg):
        """Translate integer to object."""
        return cls._of(_MPI._index(arg) & 0xFFFFFFFF)

    def free(self):
        """Call `Finalize` if not null."""
        if self._h != _SESSION_NULL:
            self.Finalize()

    def _live(self, call):
        if self._h not in _LIVE:
            raise _MPI._error(_MPI.ERR_SESSION, call, "Null Session pointer")

    @classmethod
    def Init(cls, info=_MPI.INFO_NULL, errhandler=None):
        """Create a new session."""
        handle = _next_handle[0]
        _next_handle[0] += 1
        _LIVE[handle] = _MPI.ERRORS_RETURN if errhandler is None else _MPI.Errhandler(errhandler)
        return cls._of(handle)

    def Finalize(self):
        """Finalize a session."""
        self._live("MPI_Session_finalize")
        del _LIVE[self._h]
        if self is not SESSION_NULL:
            self._h = _SESSION_NULL

    def Get_num_psets(self, info=_MPI.INFO_NULL):
        """Number of available process sets."""
        self._live("MPI_Session_get_num_psets")
        return len(_PSETS)

    def Get_nth_pset(self, n, info=_MPI.INFO_NULL):
        """Name of the n-th process set."""
        self._live("MPI_Session_get_nth_pset")
        n = _MPI._index(n)
        if not 0 <= n < len(_PSETS):
            raise _err("MPI_Session_get_nth_pset", "Invalid pset number")
        return _PSETS[n]

    def Get_info(self):
        """Return the current hints for a session."""
        self._live("MPI_Session_get_info")
        info = _MPI.Info.Create()
        info.Set("thread_level", "MPI_THREAD_MULTIPLE")
        return info

    def _members(self, pset_name, call):
        self._live(call)
        if pset_name == "mpi://WORLD":
            return _MPI._mpi.group_ranks(_MPI._mpi.WORLD)
        if pset_name == "mpi://SELF":
            return [_MPI._WORLD_RANK]
        raise _err(call, f"Invalid process set name {pset_name!r}")

    def Get_pset_info(self, pset_name):
        """Return the current hints for a session and process set."""
        members = self._members(str(pset_name), "MPI_Session_get_pset_info")
        info = _MPI.Info.Create()
        info.Set("mpi_size", str(len(members)))
        return info

    def Create_group(self, pset_name):
        """Create a new group from session and process set."""
        return _MPI.Group._of(tuple(self._members(str(pset_name), "MPI_Group_from_session_pset")))

    # Buffered mode: the process-wide buffer, as MPICH shares it.

    def Attach_buffer(self, buf):
        """Attach a user-provided buffer for sending in buffered mode."""
        self._live("MPI_Session_attach_buffer")
        _MPI.Attach_buffer(buf)

    def Detach_buffer(self):
        """Remove an existing attached buffer."""
        self._live("MPI_Session_detach_buffer")
        return _MPI.Detach_buffer()

    def Flush_buffer(self):
        """Block until all buffered messages have been transmitted (MPI 4.1)."""
        raise NotImplementedError("MPI_Session_flush_buffer is MPI 4.1; MPICH 4.0.2 has none")

    def Iflush_buffer(self):
        """Nonblocking flush for buffered messages (MPI 4.1)."""
        raise NotImplementedError("MPI_Session_iflush_buffer is MPI 4.1; MPICH 4.0.2 has none")

    @classmethod
    def Create_errhandler(cls, errhandler_fn):
        """Create a new error handler for sessions."""
        return _MPI._create_errhandler("session", errhandler_fn)

    def Get_errhandler(self):
        """Get the error handler for a session."""
        self._live("MPI_Session_get_errhandler")
        return _MPI.Errhandler(_LIVE[self._h])

    def Set_errhandler(self, errhandler):
        """Set the error handler for a session."""
        self._live("MPI_Session_set_errhandler")
        _LIVE[self._h] = _MPI.Errhandler(errhandler)

    def Call_errhandler(self, errorcode):
        """Call the error handler installed on a session."""
        self._live("MPI_Session_call_errhandler")
        _MPI._call_errhandler(self, _LIVE[self._h]._name, errorcode)


adopt(Session, Handle)
SESSION_NULL = Session()
