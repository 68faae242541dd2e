"""One-sided communication: `MPI.Win`, as mpi4py offers it on MPICH.

A window's memory is the user's buffer, in this rank's interpreter, which no
other rank can reach. So each rank's part of a window also has a public copy
in the run's shared heap (`_mpi.shm_*`). Put, Get and the accumulates act on
the target's public copy directly, at the call, without the target taking
part; that is what passive-target synchronisation (Lock/Unlock) needs. A rank
brings its own memory in step with its public copy (`_mpi.shm_sync`: its local
stores go out, what others put comes in) at every window synchronisation
(Fence, Post/Wait, Lock/Unlock, Sync, Free) and, while windows exist, around
every blocking communication call. So a program that follows MPI's unified
memory model (the one MPICH reports) sees what it would see under MPICH: a
value put and then announced by a barrier or a message is in the target's
buffer when the target looks after that call.

Accumulates on one target are atomic with respect to each other (a mutex in
the target's control block), as MPI requires of them.
"""

import sys as _sys

import _mpi
from mpi4py._attributes import Cached
from mpi4py._handle import Handle, adopt


def _adopt_all(cls):
    return adopt(adopt(cls, Handle), Cached)


_MPI = _sys.modules["mpi4py.MPI"]

# Handles: WIN_NULL as MPICH numbers it, windows after it.
_WIN_NULL = 0x20000000
_WIN_BASE_HANDLE = 0xA0000000
_WINDOWS = {}
_next_handle = [_WIN_BASE_HANDLE]

# Control block of each rank's part of a window (16 heap bytes): the lock word
# and its last taker (`_mpi.win_lock`), the accumulate mutex, then padding.
_CONTROL_BYTES = 16
_ACC_MUTEX = 8

# A dynamic window's table of attached regions per rank: a count, then per
# region (address, size, public offset), 8 bytes each.
_MAX_ATTACH = 64
_ATTACH_ENTRY = 24
_ATTACH_TABLE_BYTES = 8 + _MAX_ATTACH * _ATTACH_ENTRY

# Synchronisation messages of post/start/complete/wait, on the window's own
# communicator (no user message can match them).
_TAG_POST = 1
_TAG_COMPLETE = 2


def _err(errorclass, call, detail):
    return _MPI._error(errorclass, call, detail)


class _Mirror:
    """A local copy of public heap bytes, with what it held at the last sync."""

    __slots__ = ("offset", "view", "snapshot")

    def __init__(self, offset, view, fresh=False):
        self.offset, self.view = offset, view
        self.snapshot = bytearray(len(view))
        if fresh:
            # A copy of someone else's memory: take it as it is now.
            _mpi.shm_read_into(offset, view)
            self.snapshot[:] = view
        else:
            # This rank's own memory: its contents are the window's to start.
            _mpi.shm_write(offset, bytes(view))
            self.snapshot[:] = view

    def sync(self):
        if len(self.view):
            _mpi.shm_sync(self.offset, self.view, self.snapshot)


class _Window:
    """One rank's state of a window."""

    def __init__(self, comm, flavor, disp_unit):
        self.comm = comm.Dup()          # private: its messages match nothing else
        self.h = self.comm._h
        self.rank = _mpi.rank(self.h)
        self.size = _mpi.size(self.h)
        self.flavor = flavor
        self.disp_unit = disp_unit
        self.memory = None              # what tomemory()/Create's buffer is
        self.view = memoryview(bytearray())
        self.base = 0
        self.mirrors = []
        self.shared = {}                # rank -> mirror of its segment (Shared_query)
        self.attached = {}              # address -> (view, mirror, nbytes)
        self.blocks = []                # (offset, nbytes) this rank allocated
        # A fence epoch is open: RMA calls may follow. A lock, start or post
        # ends it instead, as MPICH lets them follow a fence.
        self.fence = False
        self.started = None             # world... comm ranks of a Start epoch
        self.posted = None              # comm ranks of a Post epoch
        self.locks = {}                 # target -> lock type
        self.lock_all = False
        self.sends = []                 # pending native sends (PSCW)
        self.name = ""
        self.info = None
        self.errhandler = _MPI.ERRORS_ARE_FATAL

    def alloc(self, nbytes):
        offset = _mpi.shm_alloc(nbytes)
        self.blocks.append((offset, nbytes))
        return offset

    def setup(self, view, base):
        """Publish this rank's part and learn everyone's: (control, public,
        size, disp_unit, attach table)."""
        self.view, self.base = view, base
        control = self.alloc(_CONTROL_BYTES)
        _mpi.sem_release(control + _ACC_MUTEX, 1)
        public = table = -1
        if self.flavor == _MPI.WIN_FLAVOR_DYNAMIC:
            table = self.alloc(_ATTACH_TABLE_BYTES)
        elif len(view):
            public = self.alloc(len(view))
            self.mirrors.append(_Mirror(public, view))
        mine = _MPI._struct.pack("<qqqqq", control, public, len(view), self.disp_unit, table)
        self.table = [_MPI._struct.unpack("<qqqqq", b) for b in _mpi.allgather(self.h, mine)]

    def sync(self):
        for mirror in self.mirrors:
            mirror.sync()

    def check_target(self, rank, call):
        if not 0 <= rank < self.size:
            raise _err(_MPI.ERR_RANK, call,
                       f"Invalid rank has value {rank} but must be nonnegative and less than {self.size}")

    def check_access(self, rank, call):
        if self.fence or self.lock_all or rank in self.locks:
            return
        if self.started is not None and rank in self.started:
            return
        raise _err(_MPI.ERR_RMA_SYNC, call, "Wrong synchronization of RMA calls ")

    def pieces(self, rank, disp, count, datatype, call):
        """(heap offset, nbytes) of `count` `datatype` at `disp` in rank's part,
        in the order of the datatype's bytes."""
        control, public, size, unit, table = self.table[rank]
        if datatype._envelope is None or datatype._layout.dense:
            spans = [(0, count * datatype._size)] if count else []
        else:
            packed = _MPI._typemap.Packed(None, 0, datatype._layout, count)
            spans = [(at, n) for at, _p, n in packed._pieces(0, len(packed))]
        if self.flavor == _MPI.WIN_FLAVOR_DYNAMIC:
            return [self.attached_piece(rank, table, disp + at, n, call) for at, n in spans]
        start = disp * unit
        out = []
        for at, n in spans:
            if start + at < 0 or start + at + n > size:
                raise _err(_MPI.ERR_RMA_RANGE, call,
                           f"Target memory bytes {start + at} to {start + at + n} are outside "
                           f"the window of rank {rank} ({size} bytes) ")
            out.append((public + start + at, n))
        return out

    def attached_piece(self, rank, table, address, n, call):
        count = _MPI._struct.unpack("<q", _mpi.shm_read(table, 8))[0]
        entries = _mpi.shm_read(table + 8, count * _ATTACH_ENTRY)
        for k in range(count):
            base, size, public = _MPI._struct.unpack_from("<qqq", entries, k * _ATTACH_ENTRY)
            if base <= address and address + n <= base + size:
                return public + address - base, n
        raise _err(_MPI.ERR_RMA_RANGE, call,
                   f"Target address {address:#x} ({n} bytes) is in no memory attached "
                   f"to the window at rank {rank} ")

    def read(self, pieces):
        return b"".join([_mpi.shm_read(at, n) for at, n in pieces])

    def write(self, pieces, data):
        k = 0
        for at, n in pieces:
            _mpi.shm_write(at, data[k:k + n])
            k += n

    def acc_mutex(self, rank):
        return self.table[rank][0] + _ACC_MUTEX

    def free_blocks(self):
        for offset, nbytes in self.blocks:
            _mpi.shm_free(offset, nbytes)
        self.blocks = []


# --- unified memory: windows kept in step around communication calls -------

# The calls of `_mpi` that wait for or deliver messages: while a window
# exists, a rank's local stores are published before them and what others
# put is taken in after them.
_COMM_CALLS = frozenset((
    "send", "recv", "sendrecv", "wait", "waitany", "waitall", "test", "probe", "iprobe",
    "barrier", "bcast", "gather", "scatter", "allgather", "alltoall", "reduce",
    "allreduce", "scan", "exscan", "mp_send", "mp_recv",
))


def _sync_all():
    for window in _WINDOWS.values():
        window.sync()


class _SyncingMpi:
    """`_mpi` as MPI.py sees it while windows exist."""

    def __getattr__(self, name):
        native = getattr(_mpi, name)
        if name in _COMM_CALLS:
            def call(*args, _native=native):
                _sync_all()
                try:
                    return _native(*args)
                finally:
                    _sync_all()
            value = call
        else:
            value = native
        setattr(self, name, value)
        return value


_SYNCING = _SyncingMpi()


def _track(h, window):
    global _unsynced
    if not _WINDOWS:
        _unsynced = _MPI._mpi
    _WINDOWS[h] = window
    _MPI._mpi = _SYNCING


def _untrack(h):
    if _WINDOWS.pop(h, None) is not None and not _WINDOWS:
        _MPI._mpi = _unsynced


# --- the Win class ------------------------------------------------------------

def _intracomm(comm, call):
    if not isinstance(comm, _MPI.Intracomm):
        raise TypeError(
            "Argument 'comm' has incorrect type "
            f"(expected mpi4py.MPI.Intracomm, got {type(comm).__name__})")
    if not comm:
        raise _err(_MPI.ERR_COMM, call, "Null communicator")
    return comm


def _target(spec, count, datatype):
    """(disp, count, datatype) from mpi4py's target argument."""
    if spec is None:
        return 0, count, datatype
    if isinstance(spec, (list, tuple)):
        if len(spec) > 3:
            raise ValueError("target: expecting 3 items at most")
        disp = _MPI._index(spec[0]) if len(spec) >= 1 else 0
        if len(spec) >= 2:
            count = _MPI._index(spec[1])
        if len(spec) >= 3:
            datatype = spec[2] if isinstance(spec[2], _MPI.Datatype) else _MPI._lookup_datatype(spec[2])
        return disp, count, datatype
    try:
        return _MPI._index(spec), count, datatype
    except TypeError:
        raise ValueError("target: expecting integral or list/tuple") from None


def _origin(origin, writable, rank):
    """(byte view, count, datatype) of an origin buffer."""
    if rank == _MPI.PROC_NULL and origin is None:
        return memoryview(bytearray()), 0, _MPI.BYTE
    view, nbytes, datatype = _MPI._message(origin, writable)
    count = nbytes // datatype._size if datatype._size else 0
    return view, count, datatype


def _completed():
    request = _MPI._request(None, _MPI._SEND)
    request._done = (None, _MPI.ANY_SOURCE, _MPI.ANY_TAG)
    return request


@_adopt_all
class Win:
    """Remote memory access context."""

    __module__ = "mpi4py.MPI"
    __slots__ = ("_h",)
    _NULL_HANDLE = _WIN_NULL
    _NULL_NAME = "WIN_NULL"
    _ARG = "win"

    def free(self):
        """Call `Free` if not null."""
        if self._h != _WIN_NULL:
            self.Free()

    def _state(self, call="MPI_Win"):
        window = _WINDOWS.get(self._h)
        if window is None:
            raise _err(_MPI.ERR_WIN, call, "Invalid MPI_Win")
        return window

    # Window creation
    # ---------------

    @classmethod
    def _new(cls, window):
        handle = _next_handle[0]
        _next_handle[0] += 1
        _track(handle, window)
        return cls._of(handle)

    @classmethod
    def Create(cls, memory, disp_unit=1, info=_MPI.INFO_NULL, comm=_MPI.COMM_SELF):
        """Create an window object for one-sided communication."""
        comm = _intracomm(comm, "MPI_Win_create")
        disp_unit = _MPI._index(disp_unit)
        if memory is None or memory is _MPI.BOTTOM:
            view, base, memory = memoryview(bytearray()), 0, None
        else:
            view = _MPI._writable_bytes(memory)
            base = _mpi.address(view) if len(view) else 0
            _MPI._ADDRESSES.register(base, view)
        window = _Window(comm, _MPI.WIN_FLAVOR_CREATE, disp_unit)
        window.memory = memory
        window.setup(view, base)
        return cls._new(window)

    @classmethod
    def Allocate(cls, size, disp_unit=1, info=_MPI.INFO_NULL, comm=_MPI.COMM_SELF):
        """Create an window object for one-sided communication."""
        return cls._allocate(size, disp_unit, comm, _MPI.WIN_FLAVOR_ALLOCATE, "MPI_Win_allocate")

    @classmethod
    def Allocate_shared(cls, size, disp_unit=1, info=_MPI.INFO_NULL, comm=_MPI.COMM_SELF):
        """Create an window object for one-sided communication."""
        return cls._allocate(size, disp_unit, comm, _MPI.WIN_FLAVOR_SHARED, "MPI_Win_allocate_shared")

    @classmethod
    def _allocate(cls, size, disp_unit, comm, flavor, call):
        comm = _intracomm(comm, call)
        size, disp_unit = _MPI._index(size), _MPI._index(disp_unit)
        if size < 0:
            raise _err(_MPI.ERR_SIZE, call, f"Invalid size argument in RMA call, value is {size}")
        if disp_unit <= 0:
            raise _err(_MPI.ERR_DISP, call, f"Invalid displacement argument in RMA call, value is {disp_unit}")
        memory = _MPI.buffer.allocate(size, True)
        view = memory._view
        base = _mpi.address(view) if size else 0
        if size:
            _MPI._ADDRESSES.register(base, view)
        window = _Window(comm, flavor, disp_unit)
        window.memory = memory
        window.setup(view, base)
        if flavor == _MPI.WIN_FLAVOR_SHARED and size:
            window.shared[window.rank] = (memory, disp_unit)
        return cls._new(window)

    def Shared_query(self, rank):
        """Query the process-local address for remote memory segments."""
        window = self._state("MPI_Win_shared_query")
        if window.flavor != _MPI.WIN_FLAVOR_SHARED:
            raise _err(_MPI.ERR_RMA_FLAVOR, "MPI_Win_shared_query", "Incorrect window flavor ")
        rank = _MPI._index(rank)
        if rank == _MPI.PROC_NULL:
            rank = next((r for r in range(window.size) if window.table[r][2] > 0), None)
            if rank is None:
                return _MPI.buffer(), window.disp_unit
        else:
            window.check_target(rank, "MPI_Win_shared_query")
        got = window.shared.get(rank)
        if got is None:
            _control, public, size, unit, _table = window.table[rank]
            memory = _MPI.buffer.allocate(size)
            if size:
                window.mirrors.append(_Mirror(public, memory._view, fresh=True))
            got = window.shared[rank] = (memory, unit)
        return got

    @classmethod
    def Create_dynamic(cls, info=_MPI.INFO_NULL, comm=_MPI.COMM_SELF):
        """Create an window object for one-sided communication."""
        comm = _intracomm(comm, "MPI_Win_create_dynamic")
        window = _Window(comm, _MPI.WIN_FLAVOR_DYNAMIC, 1)
        window.setup(memoryview(bytearray()), 0)
        return cls._new(window)

    def Attach(self, memory):
        """Attach a local memory region."""
        window = self._state("MPI_Win_attach")
        if window.flavor != _MPI.WIN_FLAVOR_DYNAMIC:
            raise _err(_MPI.ERR_RMA_FLAVOR, "MPI_Win_attach", "Incorrect window flavor ")
        view = _MPI._writable_bytes(memory)
        if not len(view):
            return
        if len(window.attached) >= _MAX_ATTACH:
            raise _err(_MPI.ERR_RMA_ATTACH, "MPI_Win_attach",
                       f"Could not attach more than {_MAX_ATTACH} memory regions ")
        base = _mpi.address(view)
        _MPI._ADDRESSES.register(base, view)
        public = window.alloc(len(view))
        mirror = _Mirror(public, view)
        window.mirrors.append(mirror)
        window.attached[base] = (view, mirror, len(view))
        self._publish_attached(window)

    def Detach(self, memory):
        """Detach a local memory region."""
        window = self._state("MPI_Win_detach")
        view = _MPI._writable_bytes(memory)
        if not len(view):
            return
        base = _mpi.address(view)
        entry = window.attached.pop(base, None)
        if entry is None:
            raise _err(_MPI.ERR_RMA_ATTACH, "MPI_Win_detach", "Memory region is not attached to the window ")
        _view, mirror, nbytes = entry
        mirror.sync()
        window.mirrors.remove(mirror)
        self._publish_attached(window)
        window.blocks.remove((mirror.offset, nbytes))
        _mpi.shm_free(mirror.offset, nbytes)

    @staticmethod
    def _publish_attached(window):
        table = window.table[window.rank][4]
        rows = [_MPI._struct.pack("<qqq", base, nbytes, mirror.offset)
                for base, (_v, mirror, nbytes) in window.attached.items()]
        _mpi.shm_write(table, _MPI._struct.pack("<q", len(rows)) + b"".join(rows))

    def Free(self):
        """Free a window."""
        window = self._state("MPI_Win_free")
        if window.locks or window.lock_all or window.started is not None or window.posted is not None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_free", "Wrong synchronization of RMA calls ")
        # Collective: every rank's operations are done before anyone's memory goes.
        window.sync()
        _mpi.barrier(window.h)
        window.sync()
        for req in window.sends:
            _mpi.wait(req)
        _mpi.barrier(window.h)
        window.free_blocks()
        _MPI._attributes.delete_all("win", self._h, self)
        window.comm.Free()
        _untrack(self._h)
        if self is not WIN_NULL:
            self._h = _WIN_NULL

    # Info, group, attributes, names, errors
    # --------------------------------------

    def Set_info(self, info):
        """Set new values for the hints associated with a window."""
        self._state("MPI_Win_set_info").info = info.Dup() if info else None

    def Get_info(self):
        """Return the current hints for a window."""
        window = self._state("MPI_Win_get_info")
        return window.info.Dup() if window.info else _MPI.Info.Create()

    info = property(Get_info, Set_info, doc="Info hints.")

    def Get_group(self):
        """Access the group of processes that created the window."""
        return self._state("MPI_Win_get_group").comm.Get_group()

    group = property(Get_group, doc="Group.")

    @property
    def group_size(self):
        """Group size."""
        return self._state().size

    @property
    def group_rank(self):
        """Group rank."""
        return self._state().rank

    def Get_attr(self, keyval):
        """Retrieve attribute value by key."""
        window = self._state("MPI_Win_get_attr")
        keyval = _MPI._index(keyval)
        if keyval == _MPI.WIN_BASE:
            return window.base
        if keyval == _MPI.WIN_SIZE:
            return len(window.view)
        if keyval == _MPI.WIN_DISP_UNIT:
            return window.disp_unit
        if keyval == _MPI.WIN_CREATE_FLAVOR:
            return window.flavor
        if keyval == _MPI.WIN_MODEL:
            return _MPI.WIN_UNIFIED
        return self._cached_attr(keyval)

    _ATTR_KIND, _ATTR_CALL = "win", "MPI_Win"

    def _attr_key(self):
        return self._h

    def _attr_live(self, call):
        self._state(call)

    @property
    def attrs(self):
        """Attributes."""
        window = self._state()
        return (window.base, len(window.view), window.disp_unit)

    @property
    def flavor(self):
        """Create flavor."""
        return self._state().flavor

    @property
    def model(self):
        """Memory model."""
        self._state()
        return _MPI.WIN_UNIFIED

    def tomemory(self):
        """Return window memory buffer."""
        window = self._state()
        if isinstance(window.memory, _MPI.buffer):
            return window.memory
        return _MPI.buffer(window.view) if window.memory is not None else _MPI.buffer()

    def __buffer__(self, flags):
        return self.tomemory().__buffer__(flags)

    @classmethod
    def Create_errhandler(cls, errhandler_fn):
        """Create a new error handler for windows."""
        return _MPI._create_errhandler("win", errhandler_fn)

    def Get_errhandler(self):
        """Get the error handler for a window."""
        return _MPI.Errhandler(self._state("MPI_Win_get_errhandler").errhandler)

    def Set_errhandler(self, errhandler):
        """Set the error handler for a window."""
        self._state("MPI_Win_set_errhandler").errhandler = _MPI.Errhandler(errhandler)

    def Call_errhandler(self, errorcode):
        """Call the error handler installed on a window."""
        window = self._state("MPI_Win_call_errhandler")
        _MPI._call_errhandler(self, window.errhandler._name, errorcode)

    def Get_name(self):
        """Get the print name associated with the window."""
        if self._h == _WIN_NULL:
            return "MPI_WIN_NULL"
        return self._state("MPI_Win_get_name").name

    def Set_name(self, name):
        """Set the print name associated with the window."""
        self._state("MPI_Win_set_name").name = str(name)

    name = property(Get_name, Set_name, doc="Print name.")

    # Communication
    # -------------

    def _transfer(self, origin, target_rank, target, writable, call):
        window = self._state(call)
        target_rank = _MPI._index(target_rank)
        view, count, datatype = _origin(origin, writable, target_rank)
        if target_rank == _MPI.PROC_NULL:
            return window, None, view, datatype, None
        window.check_target(target_rank, call)
        window.check_access(target_rank, call)
        disp, tcount, ttype = _target(target, count, datatype)
        pieces = window.pieces(target_rank, disp, tcount, ttype, call)
        if sum(n for _at, n in pieces) != len(view):
            raise _err(_MPI.ERR_SIZE, call,
                       f"Origin ({len(view)} bytes) and target ({tcount} x {ttype._name}) sizes differ ")
        return window, pieces, view, datatype, ttype

    def Put(self, origin, target_rank, target=None):
        """Put data into a memory window on a remote process."""
        window, pieces, view, _dt, _tt = self._transfer(origin, target_rank, target, False, "MPI_Put")
        if pieces is not None:
            window.write(pieces, view.tobytes())

    def Get(self, origin, target_rank, target=None):
        """Get data from a memory window on a remote process."""
        window, pieces, view, _dt, _tt = self._transfer(origin, target_rank, target, True, "MPI_Get")
        if pieces is not None:
            data = window.read(pieces)
            if data:
                view[:len(data)] = data

    def _accumulate(self, window, rank, pieces, data, ttype, op, call):
        """target = target op data under the target's accumulate mutex; the
        target's bytes before. Nothing to combine is no call at all, whatever
        the op (as in MPICH)."""
        if not pieces:
            return b""
        combine = _combiner(op, ttype, call)
        mutex = window.acc_mutex(rank)
        _mpi.sem_acquire(mutex, True, None, "Lock.acquire")
        try:
            before = window.read(pieces)
            after = combine(before, data)
            if after is not before:
                window.write(pieces, after)
        finally:
            _mpi.sem_release(mutex, 1)
        return before

    def Accumulate(self, origin, target_rank, target=None, op=_MPI.SUM):
        """Accumulate data into the target process."""
        window, pieces, view, _dt, ttype = self._transfer(origin, target_rank, target, False, "MPI_Accumulate")
        if pieces is not None:
            self._accumulate(window, target_rank, pieces, view.tobytes(), ttype, op, "MPI_Accumulate")

    def Get_accumulate(self, origin, result, target_rank, target=None, op=_MPI.SUM):
        """Fetch-and-accumulate data into the target process."""
        call = "MPI_Get_accumulate"
        target_rank = _MPI._index(target_rank)
        rview, rcount, rtype = _origin(result, True, target_rank)
        if origin is None and op is _MPI.NO_OP:
            origin = [None, 0, rtype]
        window, pieces, view, _dt, ttype = self._transfer(
            origin if origin is not None else result, target_rank, target, False, call)
        if pieces is None:
            return
        data = view.tobytes() if origin is not None else None
        before = self._accumulate(window, target_rank, pieces, data, ttype, op, call)
        if len(before) > len(rview):
            raise _err(_MPI.ERR_TRUNCATE, call, "Message truncated ")
        if before:
            rview[:len(before)] = before

    def Fetch_and_op(self, origin, result, target_rank, target_disp=0, op=_MPI.SUM):
        """Perform one-sided read-modify-write."""
        call = "MPI_Fetch_and_op"
        window = self._state(call)
        target_rank = _MPI._index(target_rank)
        oview, ocount, otype = _origin(origin, False, target_rank)
        rview, rcount, rtype = _origin(result, True, target_rank)
        if target_rank == _MPI.PROC_NULL:
            return
        if ocount != 1:
            raise ValueError(f"origin: expecting a single element, got {ocount}")
        if rcount != 1:
            raise ValueError(f"result: expecting a single element, got {rcount}")
        if otype is not rtype and otype._id != rtype._id:
            raise ValueError("mismatch in origin and result MPI datatypes")
        window.check_target(target_rank, call)
        window.check_access(target_rank, call)
        pieces = window.pieces(target_rank, _MPI._index(target_disp), 1, otype, call)
        before = self._accumulate(window, target_rank, pieces, oview.tobytes(), otype, op, call)
        rview[:len(before)] = before

    def Compare_and_swap(self, origin, compare, result, target_rank, target_disp=0):
        """Perform one-sided atomic compare-and-swap."""
        call = "MPI_Compare_and_swap"
        window = self._state(call)
        target_rank = _MPI._index(target_rank)
        oview, ocount, otype = _origin(origin, False, target_rank)
        cview, ccount, ctype = _origin(compare, False, target_rank)
        rview, rcount, rtype = _origin(result, True, target_rank)
        if target_rank == _MPI.PROC_NULL:
            return
        for what, n in (("origin", ocount), ("compare", ccount), ("result", rcount)):
            if n != 1:
                raise ValueError(f"{what}: expecting a single element, got {n}")
        if ctype._id != otype._id:
            raise ValueError("mismatch in origin and compare MPI datatypes")
        if rtype._id != otype._id:
            raise ValueError("mismatch in origin and result MPI datatypes")
        window.check_target(target_rank, call)
        window.check_access(target_rank, call)
        pieces = window.pieces(target_rank, _MPI._index(target_disp), 1, otype, call)
        wanted, new = cview.tobytes(), oview.tobytes()
        mutex = window.acc_mutex(target_rank)
        _mpi.sem_acquire(mutex, True, None, "Lock.acquire")
        try:
            before = window.read(pieces)
            if before == wanted:
                window.write(pieces, new)
        finally:
            _mpi.sem_release(mutex, 1)
        rview[:len(before)] = before

    def Rput(self, origin, target_rank, target=None):
        """Put data into a memory window on a remote process."""
        self._check_passive("MPI_Rput")
        self.Put(origin, target_rank, target)
        return _completed()

    def Rget(self, origin, target_rank, target=None):
        """Get data from a memory window on a remote process."""
        self._check_passive("MPI_Rget")
        self.Get(origin, target_rank, target)
        return _completed()

    def Raccumulate(self, origin, target_rank, target=None, op=_MPI.SUM):
        """Fetch-and-accumulate data into the target process."""
        self._check_passive("MPI_Raccumulate")
        self.Accumulate(origin, target_rank, target, op)
        return _completed()

    def Rget_accumulate(self, origin, result, target_rank, target=None, op=_MPI.SUM):
        """Accumulate data into the target process using remote memory access."""
        self._check_passive("MPI_Rget_accumulate")
        self.Get_accumulate(origin, result, target_rank, target, op)
        return _completed()

    def _check_passive(self, call):
        # Request-based operations belong to passive-target epochs only.
        window = self._state(call)
        if not (window.locks or window.lock_all):
            raise _err(_MPI.ERR_RMA_SYNC, call, "Wrong synchronization of RMA calls ")

    # Synchronization
    # ---------------

    def Fence(self, assertion=0):
        """Perform an MPI fence synchronization on a window."""
        window = self._state("MPI_Win_fence")
        if window.locks or window.lock_all or window.started is not None or window.posted is not None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_fence", "Wrong synchronization of RMA calls ")
        window.sync()
        _mpi.barrier(window.h)
        window.sync()
        window.fence = not (_MPI._index(assertion) & _MPI.MODE_NOSUCCEED)

    def Start(self, group, assertion=0):
        """Start an RMA access epoch for MPI."""
        window = self._state("MPI_Win_start")
        if window.started is not None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_start", "Wrong synchronization of RMA calls ")
        window.fence = False
        targets = _comm_ranks(window, group)
        for rank in targets:
            _mpi.recv(window.h, rank, _TAG_POST)
        window.started = targets

    def Complete(self):
        """Complete an RMA operation begun after an `Start`."""
        window = self._state("MPI_Win_complete")
        if window.started is None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_complete", "Wrong synchronization of RMA calls ")
        for rank in window.started:
            window.sends.append(_mpi.isend(window.h, b"", rank, _TAG_COMPLETE, _mpi.SEND_BUFFERED))
        window.started = None

    def Post(self, group, assertion=0):
        """Start an RMA exposure epoch."""
        window = self._state("MPI_Win_post")
        if window.posted is not None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_post", "Wrong synchronization of RMA calls ")
        origins = _comm_ranks(window, group)
        window.fence = False
        window.sync()
        for rank in origins:
            window.sends.append(_mpi.isend(window.h, b"", rank, _TAG_POST, _mpi.SEND_BUFFERED))
        window.posted = origins

    def Wait(self):
        """Complete an RMA exposure epoch begun with `Post`."""
        window = self._state("MPI_Win_wait")
        if window.posted is None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_wait", "Wrong synchronization of RMA calls ")
        for rank in window.posted:
            _mpi.recv(window.h, rank, _TAG_COMPLETE)
        self._end_exposure(window)
        return True

    def Test(self):
        """Test whether an RMA exposure epoch has completed."""
        window = self._state("MPI_Win_test")
        if window.posted is None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_test", "Wrong synchronization of RMA calls ")
        if any(_mpi.iprobe(window.h, rank, _TAG_COMPLETE) is None for rank in window.posted):
            return False
        return self.Wait()

    @staticmethod
    def _end_exposure(window):
        window.posted = None
        for req in window.sends:
            _mpi.wait(req)
        window.sends = []
        window.sync()

    def Lock(self, rank, lock_type=_MPI.LOCK_EXCLUSIVE, assertion=0):
        """Begin an RMA access epoch at the target process."""
        window = self._state("MPI_Win_lock")
        rank, lock_type = _MPI._index(rank), _MPI._index(lock_type)
        if lock_type not in (_MPI.LOCK_EXCLUSIVE, _MPI.LOCK_SHARED):
            raise _err(_MPI.ERR_LOCKTYPE, "MPI_Win_lock", "Invalid lock type ")
        if rank == _MPI.PROC_NULL:
            return
        window.check_target(rank, "MPI_Win_lock")
        if rank in window.locks or window.lock_all or window.started is not None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_lock", "Wrong synchronization of RMA calls ")
        window.fence = False
        _mpi.win_lock(window.table[rank][0], lock_type == _MPI.LOCK_EXCLUSIVE)
        window.locks[rank] = lock_type
        window.sync()

    def Unlock(self, rank):
        """Complete an RMA access epoch at the target process."""
        window = self._state("MPI_Win_unlock")
        rank = _MPI._index(rank)
        if rank == _MPI.PROC_NULL:
            return
        window.check_target(rank, "MPI_Win_unlock")
        if rank not in window.locks:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_unlock", "Wrong synchronization of RMA calls ")
        del window.locks[rank]
        window.sync()
        _mpi.win_unlock(window.table[rank][0])

    def Lock_all(self, assertion=0):
        """Begin an RMA access epoch at all processes."""
        window = self._state("MPI_Win_lock_all")
        if window.locks or window.lock_all or window.started is not None:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_lock_all", "Wrong synchronization of RMA calls ")
        window.fence = False
        for rank in range(window.size):
            _mpi.win_lock(window.table[rank][0], False)
        window.lock_all = True
        window.sync()

    def Unlock_all(self):
        """Complete an RMA access epoch at all processes."""
        window = self._state("MPI_Win_unlock_all")
        if not window.lock_all:
            raise _err(_MPI.ERR_RMA_SYNC, "MPI_Win_unlock_all", "Wrong synchronization of RMA calls ")
        window.lock_all = False
        window.sync()
        for rank in range(window.size):
            _mpi.win_unlock(window.table[rank][0])

    def _flush(self, rank, call):
        # Operations complete at the call here; a flush still checks its
        # epoch and brings this rank's memory in step.
        window = self._state(call)
        if rank is not None:
            rank = _MPI._index(rank)
            if rank == _MPI.PROC_NULL:
                return
            window.check_target(rank, call)
            if not (window.lock_all or rank in window.locks):
                raise _err(_MPI.ERR_RMA_SYNC, call, "Wrong synchronization of RMA calls ")
        elif not (window.lock_all or window.locks):
            raise _err(_MPI.ERR_RMA_SYNC, call, "Wrong synchronization of RMA calls ")
        window.sync()

    def Flush(self, rank):
        """Complete all outstanding RMA operations at a target."""
        self._flush(rank, "MPI_Win_flush")

    def Flush_all(self):
        """Complete all outstanding RMA operations at all targets."""
        self._flush(None, "MPI_Win_flush_all")

    def Flush_local(self, rank):
        """Complete locally all outstanding RMA operations at a target."""
        self._flush(rank, "MPI_Win_flush_local")

    def Flush_local_all(self):
        """Complete locally all outstanding RMA operations at all targets."""
        self._flush(None, "MPI_Win_flush_local_all")

    def Sync(self):
        """Synchronize public and private copies of the window."""
        self._state("MPI_Win_sync").sync()


def _comm_ranks(window, group):
    """The window communicator's ranks of `group`'s members."""
    members = _mpi.group_ranks(window.h)
    return [members.index(w) for w in group._ranks]


def _combiner(op, datatype, call):
    """bytes x bytes -> bytes of `target op origin` for an accumulate."""
    if not isinstance(op, _MPI.Op):
        raise TypeError(
            "Argument 'op' has incorrect type "
            f"(expected mpi4py.MPI.Op, got {type(op).__name__})")
    if op._name == "REPLACE":
        return lambda before, data: data
    if op._name == "NO_OP":
        return lambda before, data: before
    if op._user is not None:
        raise _err(_MPI.ERR_OP, call, "Invalid MPI_Op: user-defined operations are not allowed in RMA calls ")
    base = datatype
    if datatype._envelope is not None:
        # A derived type accumulates elementwise in its one basic type.
        kinds = {key for key, _size, _n in datatype._layout.elements()}
        if len(kinds) != 1:
            raise _err(_MPI.ERR_TYPE, call, "Accumulate datatypes must be built from one predefined type ")
        base = _MPI._DATATYPE_BY_HANDLE[kinds.pop()]
    native = _MPI._buffer_op(op, base, call)
    if isinstance(native, tuple):
        name, code = native
        return lambda before, data: _mpi.combine(name, code, before, data)
    return lambda before, data: native(data, before)


WIN_NULL = Win()
