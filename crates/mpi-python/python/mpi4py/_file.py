"""MPI-IO: `MPI.File`, as mpi4py offers it on MPICH (ROMIO), over the run's
file system.

Files are the host's files, reached through `os`: natively the real working
directory (as under mpiexec), in the browser the run's shared in-memory file
system (the browser's `posix`). Every rank opens the file itself and reads and
writes it with `pread`/`pwrite`, which every other rank sees at once, so MPI's
consistency rules (sync-barrier-sync) hold and more.

A view is MPI's: a displacement, an etype and a filetype tiled from the
displacement; positions count etypes of the data the filetype selects. The
shared file pointer is a counter in the run's shared heap, under a heap
semaphore, so `Write_shared` from any rank takes the next free place.
Collective calls (`..._all`, `Open`, `Close`, `Set_view`, ...) meet their
group as ROMIO's do, so a rank that skips one waits (and shows in the
deadlock report) rather than going on alone; nonblocking calls complete at
once.

Errors read as ROMIO's: its error-stack lines (the function and source line
MPICH 4.0.2 prints) are kept where recorded.
"""

import os as _os
import struct as _struct
import sys as _sys

import _mpi
from mpi4py._handle import Handle, adopt

_MPI = _sys.modules["mpi4py.MPI"]

_FILE_NULL = 0
_FILES = {}
_next_handle = [1]            # MPICH's Fortran handles count from 1

# Where ROMIO reports a bad handle, per call (recorded from MPICH 4.0.2; a
# few are other calls' names, as MPICH prints them).
_BAD_HANDLE = {
    "Close": "MPI_FILE_CLOSE(50)", "Set_size": "MPI_FILE_SET_SIZE(54)",
    "Preallocate": "MPI_FILE_PREALLOCATE(54)", "Get_size": "MPI_FILE_GET_SIZE(53)",
    "Get_amode": "MPI_FILE_GET_AMODE(47)", "Get_group": "MPI_FILE_GET_GROUP(50)",
    "Set_info": "MPI_FILE_SET_INFO(47)", "Get_info": "MPI_FILE_GET_INFO(49)",
    "Set_view": "MPI_FILE_SET_VIEW(55)", "Get_view": "MPI_FILE_GET_VIEW",
    "Read_at": "MPI_FILE_READ_AT(138)", "Read_at_all": "MPI_FILE_IREAD_AT(139)",
    "Write_at": "MPI_FILE_WRITE_AT(139)", "Write_at_all": "MPI_FILE_WRITE_AT_ALL(139)",
    "Iread_at": "MPI_FILE_IREAD_AT(153)", "Iread_at_all": "MPI_FILE_IREAD_AT_ALL(157)",
    "Iwrite_at": "MPI_FILE_IWRITE_AT(155)", "Iwrite_at_all": "MPI_FILE_IWRITE_AT_ALL(146)",
    "Read": "MPI_FILE_READ(138)", "Read_all": "MPI_FILE_READ_ALL(139)",
    "Write": "MPI_FILE_WRITE(139)", "Write_all": "MPI_FILE_WRITE_ALL(139)",
    "Iread": "MPI_FILE_IREAD(153)", "Iread_all": "MPI_FILE_IREAD_ALL(157)",
    "Iwrite": "MPI_FILE_IWRITE(155)", "Iwrite_all": "MPI_FILE_IWRITE_ALL(146)",
    "Seek": "MPI_FILE_SEEK(56)", "Get_position": "MPI_FILE_GET_POSITION",
    "Get_byte_offset": "MPI_FILE_GET_BYTE_OFFSET",
    "Read_shared": "MPI_FILE_READ_SHARED(107)", "Write_shared": "MPI_FILE_READ_SHARED(108)",
    "Iread_shared": "MPI_FILE_IREAD_SHARED(110)", "Iwrite_shared": "MPI_FILE_IWRITE_SHARED(113)",
    "Read_ordered": "MPI_FILE_READ_ORDERED(108)", "Write_ordered": "MPI_FILE_WRITE_ORDERED(110)",
    "Seek_shared": "MPI_FILE_SEEK_SHARED(49)",
    "Get_position_shared": "MPI_FILE_GET_POSITION_SHARED(48)",
    "Read_at_all_begin": "MPI_FILE_READ_AT_ALL_BEGIN(111)",
    "Read_at_all_end": "MPI_FILE_READ_AT_ALL_END(64)",
    "Write_at_all_begin": "MPI_FILE_WRITE_AT_ALL_BEGIN(111)",
    "Write_at_all_end": "MPI_FILE_WRITE_AT_ALL_END(63)",
    "Read_all_begin": "MPI_FILE_READ_ALL_BEGIN(111)", "Read_all_end": "MPI_FILE_IREAD(64)",
    "Write_all_begin": "MPI_FILE_WRITE_ALL_BEGIN(111)", "Write_all_end": "MPI_FILE_WRITE_ALL_END(63)",
    "Read_ordered_begin": "MPI_FILE_READ_ORDERED_BEGIN(97)",
    "Read_ordered_end": "MPI_FILE_READ_ORDERED_END(52)",
    "Write_ordered_begin": "MPI_FILE_WRITE_ORDERED_BEGIN(103)",
    "Write_ordered_end": "MPI_FILE_WRITE_ORDERED_END",
    "Get_type_extent": "MPI_FILE_GET_TYPE_EXTENT(97)", "Set_atomicity": "MPI_FILE_SET_ATOMICITY(48)",
    "Get_atomicity": "MPI_FILE_GET_ATOMICITY", "Sync": "MPI_FILE_SYNC(51)",
    "Call_errhandler": "MPI_FILE_CALL_ERRHANDLER",
}

# Data representations: the three MPI names, and those registered.
_DATAREPS = {"native": None, "internal": None, "external32": None}

# The shared file pointer: a semaphore (used as a mutex) and a counter, in
# the run's heap.
_SHARED_BYTES = 16
_SHARED_COUNTER = 8


def _err(errorclass, where, detail):
    """An MPI.Exception worded as ROMIO's error stack."""
    return _MPI.Exception(errorclass, f"{_MPI._ERROR_STRINGS[errorclass]}, error stack:\n{where}: {detail}")


def _fspath(filename):
    try:
        return _os.fsdecode(_os.fspath(filename))
    except TypeError:
        raise TypeError(
            f"expected str, bytes or os.PathLike object, not {type(filename).__name__}") from None


def _os_error(exc, where, path):
    """The MPI error class and text ROMIO gives an operating-system error."""
    import errno
    code = exc.errno
    if code == errno.ENOENT:
        return _err(_MPI.ERR_NO_SUCH_FILE, where, f"File {path} does not exist")
    if code == errno.EEXIST:
        return _err(_MPI.ERR_FILE_EXISTS, where, "File exists")
    if code in (errno.EISDIR, errno.ENOTDIR):
        return _err(_MPI.ERR_BAD_FILE, where, f"Invalid or missing directory {path}")
    if code in (errno.EACCES, errno.EPERM):
        return _err(_MPI.ERR_ACCESS, where, f"Access denied to file {path}")
    if code == errno.EROFS:
        return _err(_MPI.ERR_READ_ONLY, where, f"Read-only file system {path}")
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return _err(_MPI.ERR_NO_SPACE, where, "Not enough space for file ")
    return _err(_MPI.ERR_IO, where, f"{exc.strerror or exc}")


class _Transferred:
    """What a completed file request reports: a byte count (`Status.count`)."""

    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def _done_request(nbytes):
    request = _MPI._request(None, _MPI._SEND)
    request._done = (_Transferred(nbytes), _MPI.ANY_SOURCE, _MPI.ANY_TAG)
    return request


def _fill_status(status, nbytes):
    if status is not None:
        _MPI._set_status(status, _MPI.ANY_SOURCE, _MPI.ANY_TAG, nbytes)


class _View:
    """A file view: where the data a rank sees lies in the file."""

    def __init__(self, disp, etype, filetype, datarep):
        self.disp, self.etype, self.filetype, self.datarep = disp, etype, filetype, datarep
        self.esize = etype._size
        layout = filetype._layout
        self.tsize = filetype._size
        self.extent = filetype._extent
        self.segments = layout.segments()
        # A filetype without holes: the data is the file's bytes from disp.
        self.contiguous = layout.dense or self.segments == [(0, self.extent)]

    def pieces(self, start, nbytes):
        """[(file offset, length)] holding `nbytes` of view data from view byte `start`."""
        if nbytes <= 0:
            return []
        if self.contiguous:
            return [(self.disp + start, nbytes)]
        if self.tsize == 0:
            return []
        out = []
        k, within = divmod(start, self.tsize)
        while nbytes > 0:
            base = self.disp + k * self.extent
            for off, length in self.segments:
                if within >= length:
                    within -= length
                    continue
                take = min(length - within, nbytes)
                at = base + off + within
                if out and out[-1][0] + out[-1][1] == at:
                    out[-1] = (out[-1][0], out[-1][1] + take)
                else:
                    out.append((at, take))
                nbytes -= take
                within = 0
                if not nbytes:
                    break
            k += 1
        return out

    def data_below(self, size):
        """How many bytes of view data lie below file offset `size`."""
        span = size - self.disp
        if span <= 0:
            return 0
        if self.contiguous:
            return span
        k, rem = divmod(span, self.extent) if self.extent > 0 else (0, span)
        total = k * self.tsize
        for off, length in self.segments:
            total += max(0, min(length, rem - off))
        return total


class _FileState:
    """One rank's state of an open file."""

    def __init__(self, comm, path, fd, amode, shared):
        self.comm = comm                # a private duplicate: its messages match nothing else
        self.path, self.fd, self.amode = path, fd, amode
        self.shared = shared            # heap offset of the shared file pointer
        self.info = {}
        self.atomicity = False
        self.errhandler = _MPI.Errhandler(_default_errhandler[0])
        self.view = _View(0, _MPI.BYTE, _MPI.BYTE, "native")
        self.position = 0               # the individual file pointer, in etypes
        self.split = None               # the pending split collective: (name, nbytes)

    # The shared file pointer.
    def shared_take(self, count):
        _mpi.sem_acquire(self.shared, True, None, "File shared pointer")
        try:
            at = self.shared_get()
            self.shared_set(at + count)
        finally:
            _mpi.sem_release(self.shared, 1)
        return at

    def shared_get(self):
        return _struct.unpack("<q", _mpi.shm_read(self.shared + _SHARED_COUNTER, 8))[0]

    def shared_set(self, value):
        _mpi.shm_write(self.shared + _SHARED_COUNTER, _struct.pack("<q", value))

    def size(self):
        return _os.fstat(self.fd).st_size

    def end_position(self):
        """The end of file, in etypes of the view."""
        return self.view.data_below(self.size()) // max(self.view.esize, 1)

    # Data.
    def transfer(self, name, offset, msg, write):
        """Read or write `msg` at view offset `offset` (etypes); the bytes moved."""
        where = _BAD_HANDLE.get(name, "MPI_FILE_" + name.upper())
        access = self.amode & (_MPI.MODE_RDONLY | _MPI.MODE_WRONLY | _MPI.MODE_RDWR)
        if write and access == _MPI.MODE_RDONLY:
            raise _err(_MPI.ERR_READ_ONLY, where.split("(")[0] + "(167)",
                       "Cannot write to a file opened with amode MPI_MODE_RDONLY")
        if not write and access == _MPI.MODE_WRONLY:
            raise _err(_MPI.ERR_ACCESS, where.split("(")[0] + "(166)",
                       "Cannot read from a file opened with amode MPI_MODE_WRONLY")
        if offset < 0:
            raise _err(_MPI.ERR_ARG, where.split("(")[0] + "(144)", "Invalid offset argument")
        view, nbytes, dtype = _MPI._message(msg, not write)
        start = offset * self.view.esize
        external = self.view.datarep == "external32"
        try:
            if write:
                data = view.tobytes()
                if external:
                    data = _MPI._external32(dtype, data, True)
                # One view of the data, walked piece by piece (no copies of the rest).
                source, taken = memoryview(data), 0
                for at, length in self.view.pieces(start, len(data)):
                    written = 0
                    while written < length:
                        written += _os.pwrite(self.fd, source[taken + written:taken + length], at + written)
                    taken += length
                return nbytes
            wanted = len(view)
            if external:
                wanted = len(_MPI._external32(dtype, bytes(wanted), True))
            parts = []
            for at, length in self.view.pieces(start, wanted):
                got = _os.pread(self.fd, length, at)
                parts.append(got)
                if len(got) < length:
                    break               # the end of the file
            data = b"".join(parts)
            if external:
                data = _MPI._external32(dtype, data, False)
            if data:
                view[:len(data)] = data
            return len(data)
        except OSError as exc:
            raise _os_error(exc, where, self.path) from None

    def advance(self, nbytes):
        self.position += nbytes // max(self.view.esize, 1)


_default_errhandler = [_MPI.ERRORS_RETURN]


def _intracomm(comm):
    if not isinstance(comm, _MPI.Intracomm):
        raise TypeError(
            "Argument 'comm' has incorrect type "
            f"(expected mpi4py.MPI.Intracomm, got {type(comm).__name__})")
    return comm


def _check_amode(amode):
    where = "MPI_FILE_OPEN"
    access = [m for m in (_MPI.MODE_RDONLY, _MPI.MODE_WRONLY, _MPI.MODE_RDWR) if amode & m]
    if len(access) != 1:
        raise _err(_MPI.ERR_AMODE, where + "(79)",
                   "Exactly one of MPI_MODE_RDONLY, MPI_MODE_WRONLY, or MPI_MODE_RDWR must be specified")
    if amode & _MPI.MODE_RDONLY and amode & (_MPI.MODE_CREATE | _MPI.MODE_EXCL):
        raise _err(_MPI.ERR_AMODE, where + "(85)",
                   "Cannot use MPI_MODE_CREATE or MPI_MODE_EXCL with MPI_MODE_RDONLY ")
    if amode & _MPI.MODE_RDWR and amode & _MPI.MODE_SEQUENTIAL:
        raise _err(_MPI.ERR_AMODE, where + "(91)", "Cannot specify MPI_MODE_SEQUENTIAL with MPI_MODE_RDWR")


def _os_flags(amode):
    if amode & _MPI.MODE_RDONLY:
        return _os.O_RDONLY
    return _os.O_WRONLY if amode & _MPI.MODE_WRONLY else _os.O_RDWR


def _collective_error(comm, error):
    """Every rank raises the first rank's error, if any rank met one (as
    ROMIO agrees on the result of a collective call)."""
    errors = comm.allgather(None if error is None else int(error))
    for errorclass in errors:
        if errorclass is not None:
            if error is not None:
                return error
            # Only the class travels, as in ROMIO; the stack says no more.
            text = _MPI._ERROR_STRINGS[errorclass]
            return _MPI.Exception(errorclass, f"{text}, error stack:\n(unknown)(): {text}")
    return None


class File:
    """File I/O context."""

    __slots__ = ("_h",)
    _NULL_HANDLE = _FILE_NULL
    _NULL_NAME = "FILE_NULL"
    _ARG = "file"

    def _state(self, name):
        state = _FILES.get(self._h)
        if state is None:
            where = _BAD_HANDLE.get(name, "MPI_FILE_" + name.upper())
            errorclass = _MPI.ERR_ARG if name == "Sync" else _MPI.ERR_FILE
            raise _err(errorclass, where, "Invalid file handle")
        return state

    def free(self):
        """Call `Close` if not null."""
        if self._h != _FILE_NULL:
            self.Close()

    # Opening and closing
    # -------------------

    @classmethod
    def Open(cls, comm, filename, amode=_MPI.MODE_RDONLY, info=_MPI.INFO_NULL):
        """Open a file (collective over `comm`)."""
        comm = _intracomm(comm)
        path = _fspath(filename)
        amode = _MPI._index(amode)
        _check_amode(amode)
        private = comm.Dup()
        flags = _os_flags(amode)
        error = None
        if private.Get_rank() == 0 and amode & _MPI.MODE_CREATE:
            # One rank creates the file (ROMIO's way), the others then open it.
            try:
                excl = _os.O_EXCL if amode & _MPI.MODE_EXCL else 0
                _os.close(_os.open(path, flags | _os.O_CREAT | excl, 0o644))
            except OSError as exc:
                error = _os_error(exc, "ADIOI_UFS_OPEN(56)" if amode & _MPI.MODE_EXCL else "ADIOI_UFS_OPEN(43)", path)
        error = _collective_error(private, error)
        fd = None
        if error is None:
            try:
                fd = _os.open(path, flags)
                if _os.path.isdir(path):
                    raise IsADirectoryError(21, "Is a directory", path)
            except OSError as exc:
                where = "ADIOI_UFS_OPEN(37)" if exc.errno == 2 else "ADIOI_UFS_OPEN(43)"
                error = _os_error(exc, where, path)
            error = _collective_error(private, error)
        if error is not None:
            if fd is not None:
                _os.close(fd)
            private.Free()
            raise error
        shared = _mpi.shm_alloc(_SHARED_BYTES) if private.Get_rank() == 0 else None
        shared = private.bcast(shared, 0)
        state = _FileState(private, path, fd, amode, shared)
        if private.Get_rank() == 0:
            _mpi.sem_release(shared, 1)
        if isinstance(info, _MPI.Info) and info:
            state.info = dict(info.items())
        if amode & _MPI.MODE_APPEND:
            end = state.size()
            state.position = end
            if private.Get_rank() == 0:
                state.shared_set(end)
        private.Barrier()
        self = object.__new__(cls)
        self._h = _next_handle[0]
        _next_handle[0] += 1
        _FILES[self._h] = state
        return self

    def Close(self):
        """Close a file (collective)."""
        state = self._state("Close")
        comm = state.comm
        _os.close(state.fd)
        comm.Barrier()
        if comm.Get_rank() == 0:
            if state.amode & _MPI.MODE_DELETE_ON_CLOSE:
                try:
                    _os.unlink(state.path)
                except OSError:
                    pass
            _mpi.shm_free(state.shared, _SHARED_BYTES)
        comm.Free()
        del _FILES[self._h]
        self._h = _FILE_NULL

    @classmethod
    def Delete(cls, filename, info=_MPI.INFO_NULL):
        """Delete a file."""
        path = _fspath(filename)
        try:
            if _os.path.isdir(path):
                raise IsADirectoryError(21, "Is a directory", path)
            _os.unlink(path)
        except OSError as exc:
            where = "ADIOI_GEN_DELETE(37)" if exc.errno == 2 else "ADIOI_GEN_DELETE(43)"
            raise _os_error(exc, where, path) from None

    # Size, mode, group, info
    # -----------------------

    def Set_size(self, size):
        """Set the file size (collective)."""
        state = self._state("Set_size")
        size = _MPI._index(size)
        if size < 0:
            raise _err(_MPI.ERR_ARG, "MPI_FILE_SET_SIZE(59)", "Invalid size argument")
        state.comm.Barrier()
        if state.comm.Get_rank() == 0:
            self._resize(state, size, "Set_size")
        state.comm.Barrier()

    def Preallocate(self, size):
        """Preallocate storage space for a file (collective): it grows to
        at least `size` bytes."""
        state = self._state("Preallocate")
        size = _MPI._index(size)
        if size < 0:
            raise _err(_MPI.ERR_ARG, "MPI_FILE_PREALLOCATE(59)", "Invalid size argument")
        state.comm.Barrier()
        if state.comm.Get_rank() == 0 and state.size() < size:
            self._resize(state, size, "Preallocate")
        state.comm.Barrier()

    @staticmethod
    def _resize(state, size, name):
        try:
            _os.ftruncate(state.fd, size)
        except OSError as exc:
            raise _os_error(exc, _BAD_HANDLE[name].split("(")[0], state.path) from None

    def Get_size(self):
        """Return the file size in bytes."""
        return self._state("Get_size").size()

    def Get_amode(self):
        """Return the file access mode."""
        return self._state("Get_amode").amode

    def Get_group(self):
        """Access the group of processes that opened the file."""
        return self._state("Get_group").comm.Get_group()

    def Set_info(self, info):
        """Set new values for the hints associated with a file (collective)."""
        state = self._state("Set_info")
        if isinstance(info, _MPI.Info) and info:
            state.info.update(info.items())

    def Get_info(self):
        """Return the current hints for a file."""
        state = self._state("Get_info")
        return _MPI.Info.Create(state.info)

    # Views
    # -----

    def Set_view(self, disp=0, etype=_MPI.BYTE, filetype=None, datarep="native", info=_MPI.INFO_NULL):
        """Set the file view (collective)."""
        state = self._state("Set_view")
        disp = _MPI._index(disp)
        sequential = state.amode & _MPI.MODE_SEQUENTIAL
        if disp == _MPI.DISPLACEMENT_CURRENT:
            if not sequential:
                raise _err(_MPI.ERR_ARG, "MPI_FILE_SET_VIEW(98)",
                           "disp must be set to MPI_DISPLACEMENT_CURRENT since file was opened "
                           "with MPI_MODE_SEQUENTIAL")
            disp = state.view.pieces(state.position * state.view.esize, 1)[0][0] if state.view.tsize else 0
        elif disp < 0:
            raise _err(_MPI.ERR_ARG, "MPI_FILE_SET_VIEW(59)", "Invalid displacement argument")
        if filetype is None:
            filetype = etype
        for datatype in (etype, filetype):
            if datatype._envelope is not None and not datatype._committed:
                raise _MPI._error(_MPI.ERR_TYPE, "MPIR_Ext_datatype_iscommitted(135): ",
                                  "MPIR_Ext_datatype_iscommitted(134): Datatype has not been committed ")
        datarep = str(datarep)
        if datarep not in _DATAREPS:
            raise _err(_MPI.ERR_UNSUPPORTED_DATAREP, "MPI_FILE_SET_VIEW(122)",
                       "Only native data representation currently supported")
        state.comm.Barrier()
        keep = [t if t._envelope is None else t.Dup() for t in (etype, filetype)]
        state.view = _View(disp, keep[0], keep[1], datarep)
        state.position = 0
        if state.comm.Get_rank() == 0:
            state.shared_set(0)
        state.comm.Barrier()
        if isinstance(info, _MPI.Info) and info:
            state.info.update(info.items())

    def Get_view(self):
        """Return the file view: (disp, etype, filetype, datarep)."""
        view = self._state("Get_view").view
        etype, filetype = (t if t._envelope is None else t.Dup() for t in (view.etype, view.filetype))
        return (view.disp, etype, filetype, view.datarep)

    # Data access with explicit offsets
    # ---------------------------------

    def Read_at(self, offset, buf, status=None):
        """Read using explicit offset."""
        _fill_status(status, self._state("Read_at").transfer("Read_at", _MPI._index(offset), buf, False))

    def Read_at_all(self, offset, buf, status=None):
        """Read using explicit offset (collective)."""
        state = self._state("Read_at_all")
        nbytes = state.transfer("Read_at_all", _MPI._index(offset), buf, False)
        state.comm.Barrier()
        _fill_status(status, nbytes)

    def Write_at(self, offset, buf, status=None):
        """Write using explicit offset."""
        _fill_status(status, self._state("Write_at").transfer("Write_at", _MPI._index(offset), buf, True))

    def Write_at_all(self, offset, buf, status=None):
        """Write using explicit offset (collective)."""
        state = self._state("Write_at_all")
        nbytes = state.transfer("Write_at_all", _MPI._index(offset), buf, True)
        state.comm.Barrier()
        _fill_status(status, nbytes)

    def Iread_at(self, offset, buf):
        """Start a nonblocking read using explicit offset."""
        return _done_request(self._state("Iread_at").transfer("Iread_at", _MPI._index(offset), buf, False))

    def Iread_at_all(self, offset, buf):
        """Start a nonblocking read using explicit offset (collective)."""
        return _done_request(self._state("Iread_at_all").transfer("Iread_at_all", _MPI._index(offset), buf, False))

    def Iwrite_at(self, offset, buf):
        """Start a nonblocking write using explicit offset."""
        return _done_request(self._state("Iwrite_at").transfer("Iwrite_at", _MPI._index(offset), buf, True))

    def Iwrite_at_all(self, offset, buf):
        """Start a nonblocking write using explicit offset (collective)."""
        return _done_request(self._state("Iwrite_at_all").transfer("Iwrite_at_all", _MPI._index(offset), buf, True))

    # Data access with individual file pointers
    # -----------------------------------------

    def _individual(self, name, buf, write, collective=False):
        state = self._state(name)
        nbytes = state.transfer(name, state.position, buf, write)
        state.advance(nbytes)
        if collective:
            state.comm.Barrier()
        return nbytes

    def Read(self, buf, status=None):
        """Read using individual file pointer."""
        _fill_status(status, self._individual("Read", buf, False))

    def Read_all(self, buf, status=None):
        """Read using individual file pointer (collective)."""
        _fill_status(status, self._individual("Read_all", buf, False, True))

    def Write(self, buf, status=None):
        """Write using individual file pointer."""
        _fill_status(status, self._individual("Write", buf, True))

    def Write_all(self, buf, status=None):
        """Write using individual file pointer (collective)."""
        _fill_status(status, self._individual("Write_all", buf, True, True))

    def Iread(self, buf):
        """Start a nonblocking read using individual file pointer."""
        return _done_request(self._individual("Iread", buf, False))

    def Iread_all(self, buf):
        """Start a nonblocking read using individual file pointer (collective)."""
        return _done_request(self._individual("Iread_all", buf, False))

    def Iwrite(self, buf):
        """Start a nonblocking write using individual file pointer."""
        return _done_request(self._individual("Iwrite", buf, True))

    def Iwrite_all(self, buf):
        """Start a nonblocking write using individual file pointer (collective)."""
        return _done_request(self._individual("Iwrite_all", buf, True))

    def Seek(self, offset, whence=_MPI.SEEK_SET):
        """Update the individual file pointer."""
        state = self._state("Seek")
        state.position = self._seek_target(state, "MPI_FILE_SEEK", offset, whence, state.position)

    @staticmethod
    def _seek_target(state, where, offset, whence, current):
        offset, whence = _MPI._index(offset), _MPI._index(whence)
        if whence == _MPI.SEEK_SET:
            base = 0
        elif whence == _MPI.SEEK_CUR:
            base = current
        elif whence == _MPI.SEEK_END:
            base = state.end_position()
        else:
            line = 138 if where.endswith("SHARED") else 111
            raise _err(_MPI.ERR_ARG, f"{where}({line})", "Invalid whence argument")
        if base + offset < 0:
            line = 87 if where.endswith("SHARED") else 66
            raise _err(_MPI.ERR_ARG, f"{where}({line})", "Invalid offset argument")
        return base + offset

    def Get_position(self):
        """Return the current position of the individual file pointer
        (in etype units relative to the current view)."""
        return self._state("Get_position").position

    def Get_byte_offset(self, offset):
        """Return the absolute byte position in the file corresponding to
        `offset` etypes relative to the current view."""
        view = self._state("Get_byte_offset").view
        pieces = view.pieces(_MPI._index(offset) * view.esize, 1)
        return pieces[0][0] if pieces else view.disp

    # Data access with shared file pointers
    # -------------------------------------

    def _shared(self, name, buf, write):
        state = self._state(name)
        view, _nbytes, _dtype = _MPI._message(buf, not write)
        count = len(view) // max(state.view.esize, 1)
        at = state.shared_take(count)
        return state.transfer(name, at, buf, write)

    def Read_shared(self, buf, status=None):
        """Read using shared file pointer."""
        _fill_status(status, self._shared("Read_shared", buf, False))

    def Write_shared(self, buf, status=None):
        """Write using shared file pointer."""
        _fill_status(status, self._shared("Write_shared", buf, True))

    def Iread_shared(self, buf):
        """Start a nonblocking read using shared file pointer."""
        return _done_request(self._shared("Iread_shared", buf, False))

    def Iwrite_shared(self, buf):
        """Start a nonblocking write using shared file pointer."""
        return _done_request(self._shared("Iwrite_shared", buf, True))

    def _ordered(self, name, buf, write):
        """Ranks access in rank order from the shared pointer (collective):
        rank 0 takes room for everyone, each learns its place."""
        state = self._state(name)
        view, _nbytes, _dtype = _MPI._message(buf, not write)
        count = len(view) // max(state.view.esize, 1)
        counts = state.comm.gather(count, 0)
        start = None
        if counts is not None:
            start = state.shared_take(sum(counts))
            start = [start + sum(counts[:r]) for r in range(len(counts))]
        at = state.comm.scatter(start, 0)
        return state.transfer(name, at, buf, write)

    def Read_ordered(self, buf, status=None):
        """Collective read using shared file pointer."""
        _fill_status(status, self._ordered("Read_ordered", buf, False))

    def Write_ordered(self, buf, status=None):
        """Collective write using shared file pointer."""
        _fill_status(status, self._ordered("Write_ordered", buf, True))

    def Seek_shared(self, offset, whence=_MPI.SEEK_SET):
        """Update the shared file pointer (collective)."""
        state = self._state("Seek_shared")
        target = self._seek_target(state, "MPI_FILE_SEEK_SHARED", offset, whence, state.shared_get())
        state.comm.Barrier()
        if state.comm.Get_rank() == 0:
            state.shared_set(target)
        state.comm.Barrier()

    def Get_position_shared(self):
        """Return the current position of the shared file pointer (in
        etype units relative to the current view)."""
        return self._state("Get_position_shared").shared_get()

    # Split collectives
    # -----------------

    def _begin(self, name, run):
        state = self._state(name)
        if state.split is not None:
            raise _err(_MPI.ERR_IO, _BAD_HANDLE[name].split("(")[0] + "(125)",
                       "Only one active split collective I/O operation is allowed per file handle")
        nbytes = run()
        state.split = nbytes

    def _end(self, name, status):
        state = self._state(name)
        if state.split is None:
            where = _BAD_HANDLE[name].split("(")[0]
            raise _err(_MPI.ERR_IO, f"{where}({67 if 'WRITE' in where else 68})",
                       "No split collective I/O operation is active")
        nbytes, state.split = state.split, None
        _fill_status(status, nbytes)

    def Read_at_all_begin(self, offset, buf):
        """Start a split collective read using explicit offset."""
        state = self._state("Read_at_all_begin")
        self._begin("Read_at_all_begin",
                    lambda: state.transfer("Read_at_all_begin", _MPI._index(offset), buf, False))

    def Read_at_all_end(self, buf, status=None):
        """Complete a split collective read using explicit offset."""
        self._end("Read_at_all_end", status)

    def Write_at_all_begin(self, offset, buf):
        """Start a split collective write using explicit offset."""
        state = self._state("Write_at_all_begin")
        self._begin("Write_at_all_begin",
                    lambda: state.transfer("Write_at_all_begin", _MPI._index(offset), buf, True))

    def Write_at_all_end(self, buf, status=None):
        """Complete a split collective write using explicit offset."""
        self._end("Write_at_all_end", status)

    def Read_all_begin(self, buf):
        """Start a split collective read using individual file pointer."""
        self._begin("Read_all_begin", lambda: self._individual("Read_all_begin", buf, False))

    def Read_all_end(self, buf, status=None):
        """Complete a split collective read using individual file pointer."""
        self._end("Read_all_end", status)

    def Write_all_begin(self, buf):
        """Start a split collective write using individual file pointer."""
        self._begin("Write_all_begin", lambda: self._individual("Write_all_begin", buf, True))

    def Write_all_end(self, buf, status=None):
        """Complete a split collective write using individual file pointer."""
        self._end("Write_all_end", status)

    def Read_ordered_begin(self, buf):
        """Start a split collective read using shared file pointer."""
        self._begin("Read_ordered_begin", lambda: self._ordered("Read_ordered_begin", buf, False))

    def Read_ordered_end(self, buf, status=None):
        """Complete a split collective read using shared file pointer."""
        self._end("Read_ordered_end", status)

    def Write_ordered_begin(self, buf):
        """Start a split collective write using shared file pointer."""
        self._begin("Write_ordered_begin", lambda: self._ordered("Write_ordered_begin", buf, True))

    def Write_ordered_end(self, buf, status=None):
        """Complete a split collective write using shared file pointer."""
        self._end("Write_ordered_end", status)

    # File interoperability, consistency
    # ----------------------------------

    def Get_type_extent(self, datatype):
        """Return the extent of datatype in the file."""
        view = self._state("Get_type_extent").view
        if datatype._envelope is not None and not datatype._committed:
            raise _MPI._error(_MPI.ERR_TYPE, "MPIR_Ext_datatype_iscommitted(135): ",
                              "MPIR_Ext_datatype_iscommitted(134): Datatype has not been committed ")
        extent_fn = _DATAREPS.get(view.datarep)
        if extent_fn is not None:
            return extent_fn(datatype)
        return datatype._extent

    def Set_atomicity(self, flag):
        """Set the atomicity mode (collective)."""
        state = self._state("Set_atomicity")
        state.atomicity = bool(flag)

    def Get_atomicity(self):
        """Return the atomicity mode."""
        return self._state("Get_atomicity").atomicity

    def Sync(self):
        """Causes all previous writes to be transferred to the storage device."""
        state = self._state("Sync")
        try:
            _os.fsync(state.fd)
        except OSError as exc:
            raise _os_error(exc, "MPI_FILE_SYNC", state.path) from None

    # Error handling
    # --------------

    @classmethod
    def Create_errhandler(cls, errhandler_fn):
        """Create a new error handler for files."""
        return _MPI._create_errhandler("file", errhandler_fn)

    def Get_errhandler(self):
        """Get the error handler for a file (of FILE_NULL: the one new files get)."""
        if self._h == _FILE_NULL:
            return _MPI.Errhandler(_default_errhandler[0])
        return _MPI.Errhandler(self._state("Get_errhandler").errhandler)

    def Set_errhandler(self, errhandler):
        """Set the error handler for a file."""
        if self._h == _FILE_NULL:
            _default_errhandler[0] = _MPI.Errhandler(errhandler)
            return
        self._state("Set_errhandler").errhandler = _MPI.Errhandler(errhandler)

    def Call_errhandler(self, errorcode):
        """Call the error handler installed on a file (of FILE_NULL: the
        one new files get)."""
        if self._h == _FILE_NULL:
            handler = _default_errhandler[0]
        else:
            handler = self._state("Call_errhandler").errhandler
        _MPI._call_errhandler(self, handler._name, errorcode)

    # Properties
    # ----------

    size = property(Get_size, doc="Size (in bytes).")
    amode = property(Get_amode, doc="Access mode.")

    @property
    def group(self):
        """Group."""
        return self.Get_group()

    @property
    def group_size(self):
        """Group size."""
        return self._state("Get_group").comm.Get_size()

    @property
    def group_rank(self):
        """Group rank."""
        return self._state("Get_group").comm.Get_rank()

    info = property(Get_info, Set_info, doc="Info hints.")
    atomicity = property(Get_atomicity, Set_atomicity, doc="Atomicity mode.")


adopt(File, Handle)
FILE_NULL = File()


def Register_datarep(datarep, read_fn, write_fn, extent_fn):
    """Register user-defined data representations."""
    datarep = str(datarep)
    if datarep in _REGISTERED:
        raise _err(_MPI.ERR_DUP_DATAREP, "MPI_REGISTER_DATAREP(157)",
                   f"The requested datarep name {datarep} has already been specified to MPI_REGISTER_DATAREP")
    _REGISTERED.add(datarep)
    if datarep not in _DATAREPS:
        # No conversion functions are called: the data stays native, as
        # ROMIO does with read_fn and write_fn of None.
        _DATAREPS[datarep] = extent_fn


_REGISTERED = set()
