"""Object communication with pickle protocol 5.

An object travels as its pickle data plus the out-of-band buffers pickle
protocol 5 hands over (a NumPy array's memory, say): point-to-point, a
small header message with the sizes (64-bit integers) comes first, then
each part as a message of its own, so no part is ever copied into one big
pickle. Collectives exchange the same parts in the communicator's
collective context.
"""

import struct as _struct

from .. import MPI
from ..MPI import ANY_SOURCE, ANY_TAG, PROC_NULL, ROOT, Pickle, Status

pickle = Pickle()


class _BigMPI:
    """Describes a part of any size as one message: a part longer than
    `blocksize` bytes goes as one element of a contiguous type of its
    length (kept until the end of the exchange)."""

    blocksize = (1 << 63) - 1

    def __init__(self):
        self.cache = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        types, self.cache = list(self.cache.values()), {}
        for datatype in types:
            datatype.Free()

    def __call__(self, buf):
        view = memoryview(buf)
        nbytes = view.nbytes
        if nbytes <= self.blocksize:
            return (view, nbytes, MPI.BYTE)
        datatype = self.cache.get(nbytes)
        if datatype is None:
            datatype = MPI.BYTE.Create_contiguous(nbytes).Commit()
            self.cache[nbytes] = datatype
        return (view, 1, datatype)


_bigmpi = _BigMPI()

_SIZE_CODE = "q"


def _sizes_type():
    return MPI.Datatype.fromcode(_SIZE_CODE)


def _pack_sizes(sizes):
    return _struct.pack(f"{len(sizes)}{_SIZE_CODE}", *sizes)


def _unpack_sizes(raw):
    n = len(raw) // _struct.calcsize(_SIZE_CODE)
    return list(_struct.unpack(f"{n}{_SIZE_CODE}", bytes(raw)))


def _dump(obj):
    data, bufs = pickle.dumps_oob(obj)
    return data, bufs


def _load(data, bufs):
    return pickle.loads_oob(data, bufs)


def _parts_sizes(data, bufs):
    return [len(data)] + [memoryview(b).nbytes for b in bufs]


# --- point to point ---------------------------------------------------------

def _post_parts(comm, post, data, bufs, dest, tag):
    """Send the header and then every part with `post(comm, buf, dest, tag)`."""
    post(comm, (_pack_sizes(_parts_sizes(data, bufs)), _sizes_type()), dest, tag)
    with _bigmpi as big:
        post(comm, big(data), dest, tag)
        for part in bufs:
            post(comm, big(part), dest, tag)


def _send(comm, post, obj, dest, tag):
    if dest == PROC_NULL:
        post(comm, (None, 0, MPI.BYTE), dest, tag)
        return
    data, bufs = _dump(obj)
    with MPI._comm_lock(comm, "send"):
        _post_parts(comm, post, data, bufs, dest, tag)


def _isend(comm, start, obj, dest, tag):
    started = []

    def post(comm, buf, dest, tag):
        started.append(start(comm, buf, dest, tag))

    _send(comm, post, obj, dest, tag)
    return Request(started)


def _receive_parts(comm, buf, source, tag, status):
    """Receive one object's header and parts from one sender (blocking)."""
    if status is None:
        status = Status()
    MPI.Comm.Probe(comm, source, tag, status)
    source, tag = status.Get_source(), status.Get_tag()
    raw = bytearray(status.Get_elements(_sizes_type()) * _struct.calcsize(_SIZE_CODE))
    MPI.Comm.Recv(comm, (raw, _sizes_type()), source, tag, status)
    sizes = _unpack_sizes(raw)
    data = None
    if buf is not None:
        view = memoryview(buf).cast("B")
        if len(view) >= sizes[0]:
            data = view[: sizes[0]]
    if data is None:
        data = MPI.buffer.allocate(sizes[0])
    bufs = [MPI.buffer.allocate(n) for n in sizes[1:]]
    with _bigmpi as big:
        MPI.Comm.Recv(comm, big(data), source, tag)
        for part in bufs:
            MPI.Comm.Recv(comm, big(part), source, tag)
    status.Set_elements(MPI.BYTE, sum(sizes))
    return data, bufs


def _recv(comm, buf, source, tag, status):
    if source == PROC_NULL:
        MPI.Comm.Recv(comm, (None, 0, MPI.BYTE), source, tag, status)
        return None
    with MPI._comm_lock(comm, "recv"):
        data, bufs = _receive_parts(comm, buf, source, tag, status)
    return _load(data, bufs)


def _mprobe(comm, probe, source, tag, status):
    if source == PROC_NULL:
        return Message(MPI.Comm.Mprobe(comm, source, tag, status))
    if status is None:
        status = Status()
    with MPI._comm_lock(comm, "recv"):
        head = probe(comm, source, tag, status)
        if head is None:
            return None
        source, tag = status.Get_source(), status.Get_tag()
        nparts = status.Get_elements(_sizes_type())
        matched = [head]
        nbytes = 0
        for _ in range(nparts):
            matched.append(MPI.Comm.Mprobe(comm, source, tag, status))
            nbytes += status.Get_elements(MPI.BYTE)
        status.Set_elements(MPI.BYTE, nbytes)
    return Message(matched)


def _take_message(message, receive, status=None):
    """Receive a matched message's parts with `receive(msg, buf)`; return
    (data, bufs) to unpickle once the receives are done."""
    head = message[0]
    if head == MPI.MESSAGE_NO_PROC:
        MPI.Message.Recv(head, (bytearray(), 0, _sizes_type()), status)
        receive(MPI.MESSAGE_NO_PROC, (None, 0, MPI.BYTE))
        data, bufs = _dump(None)
        return bytearray(data), bufs
    nparts = len(message) - 1
    raw = bytearray(nparts * _struct.calcsize(_SIZE_CODE))
    MPI.Message.Recv(head, (raw, _sizes_type()), status)
    sizes = _unpack_sizes(raw)
    data = MPI.buffer.allocate(sizes[0])
    bufs = [MPI.buffer.allocate(n) for n in sizes[1:]]
    with _bigmpi as big:
        for msg, part in zip(message[1:], [data, *bufs]):
            receive(msg, big(part))
    if status is not None:
        status.Set_elements(MPI.BYTE, sum(sizes))
    return data, bufs


def _mrecv(message, status):
    data, bufs = _take_message(message, lambda msg, buf: MPI.Message.Recv(msg, buf), status)
    return _load(data, bufs)


def _imrecv(message):
    started = []
    parts = _take_message(message, lambda msg, buf: started.append(MPI.Message.Irecv(msg, buf)))
    request = Request(started)
    request._parts = parts
    return request


def _finished_object(request):
    parts = request.__dict__.pop("_parts", None)
    if parts is None:
        return None
    return _load(*parts)


def _complete(request, complete, status):
    statuses = None if status is None else [status] * len(request)
    if complete(list(request), statuses):
        return True, _finished_object(request)
    return False, None


def _complete_all(requests, complete, statuses):
    if isinstance(statuses, list):
        statuses.extend(Status() for _ in range(len(requests) - len(statuses)))
    flat = [req for request in requests for req in request]
    flat_statuses = None
    if statuses is not None:
        flat_statuses = [sts for request, sts in zip(requests, statuses) for _ in request]
    if complete(flat, flat_statuses):
        return True, [_finished_object(request) for request in requests]
    return False, None


# --- collectives --------------------------------------------------------------

def _frame(obj):
    data, bufs = _dump(obj)
    sizes = _parts_sizes(data, bufs)
    frame = bytearray(_pack_sizes([len(sizes)] + sizes))
    frame += data
    for part in bufs:
        frame += memoryview(part).cast("B")
    return bytes(frame)


def _unframe(frame):
    width = _struct.calcsize(_SIZE_CODE)
    view = memoryview(frame)
    (nparts,) = _struct.unpack_from(_SIZE_CODE, view, 0)
    offset = width * (1 + nparts)
    pieces = []
    for n in _unpack_sizes(view[width:offset]):
        pieces.append(view[offset : offset + n])
        offset += n
    return _load(pieces[0], pieces[1:])


def _exchange(comm, sends, sources):
    """One step of a collective: send each (rank, obj) of `sends`, receive
    one object from each rank of `sources` (in that order). Every process
    of the communicator calls it for every collective, so that the tags of
    the collective context agree."""
    me = None if comm.Is_inter() else comm.Get_rank()
    own = {}
    outgoing = []
    for rank, obj in sends:
        frame = _frame(obj)
        if rank == me:
            own[rank] = frame
        else:
            outgoing.append((rank, frame))
    remote = [rank for rank in sources if rank != me]
    got = []
    MPI._icollective(comm._h, outgoing, remote, got.extend).Wait()
    received = iter(got)
    return [_unframe(own[rank] if rank == me else next(received)) for rank in sources]


def _bad_root(comm):
    raise MPI.Exception(MPI.ERR_ROOT)


def _roles(comm, root):
    """(peers, sending root?, receiving from root?) for a rooted collective:
    the ranks the root talks to, whether this process is the root, and the
    root this process hears from (None if none)."""
    if comm.Is_inter():
        peers = comm.Get_remote_size()
        if root == ROOT:
            return peers, True, None
        if root == PROC_NULL:
            return peers, False, None
        if 0 <= root < peers:
            return peers, False, root
        _bad_root(comm)
    size = comm.Get_size()
    if not 0 <= root < size:
        _bad_root(comm)
    return size, comm.Get_rank() == root, root


def _peer_count(comm):
    return comm.Get_remote_size() if comm.Is_inter() else comm.Get_size()


def _items(objs, n):
    items = [None] * n if objs is None else list(objs)
    if len(items) != n:
        raise ValueError(f"expecting {n} items, got {len(items)}")
    return items


def _bcast(comm, obj, root):
    with MPI._comm_lock(comm, "bcast"):
        peers, is_root, source = _roles(comm, root)
        sends = [(r, obj) for r in range(peers)] if is_root else []
        got = _exchange(comm, sends, [] if source is None else [source])
    if is_root and comm.Is_inter():
        return None
    return got[0] if got else None


def _gather(comm, obj, root):
    with MPI._comm_lock(comm, "gather"):
        peers, is_root, target = _roles(comm, root)
        sends = [] if target is None else [(target, obj)]
        got = _exchange(comm, sends, range(peers) if is_root else [])
    return got if is_root else None


def _scatter(comm, objs, root):
    with MPI._comm_lock(comm, "scatter"):
        peers, is_root, source = _roles(comm, root)
        sends = list(enumerate(_items(objs, peers))) if is_root else []
        got = _exchange(comm, sends, [] if source is None else [source])
    return got[0] if got else None


def _allgather(comm, obj):
    with MPI._comm_lock(comm, "allgather"):
        peers = _peer_count(comm)
        return _exchange(comm, [(r, obj) for r in range(peers)], range(peers))


def _alltoall(comm, objs):
    with MPI._comm_lock(comm, "alltoall"):
        peers = _peer_count(comm)
        return _exchange(comm, list(enumerate(_items(objs, peers))), range(peers))


# --- classes --------------------------------------------------------------------

def _parts_of(single):
    """Gives a tuple class whose items are the parts of one object in flight
    (`single` objects: MPI requests or messages) the comparisons and truth
    mpi4py's pkl5 gives them. Its bases stay (tuple,), as in mpi4py."""

    def decorate(cls):
        def __eq__(self, other):
            """``self == other``."""
            if isinstance(other, cls):
                return tuple(self) == tuple(other)
            if isinstance(other, single):
                return all(part == other for part in self)
            return NotImplemented

        def __ne__(self, other):
            """``self != other``."""
            result = self.__eq__(other)
            return result if result is NotImplemented else not result

        def __bool__(self):
            """Whether any part is still pending."""
            return any(bool(part) for part in self)

        cls.__eq__, cls.__ne__, cls.__bool__ = __eq__, __ne__, __bool__
        cls.__hash__ = tuple.__hash__
        return cls
    return decorate


@_parts_of(MPI.Request)
class Request(tuple):
    """A request for an object in flight: the requests of its parts."""

    def __new__(cls, request=None):
        """Wrap `request` (an `MPI.Request`, a sequence of them, or None)."""
        if request is None:
            request = (MPI.REQUEST_NULL,)
        elif isinstance(request, MPI.Request):
            request = (request,)
        return super().__new__(cls, request)

    def Free(self):
        """Free every part's request."""
        for req in self:
            req.Free()

    def free(self):
        """Free every part's request."""
        for req in self:
            req.free()

    def cancel(self):
        """Cancel every part's request."""
        for req in self:
            req.Cancel()

    def get_status(self, status=None):
        """Whether every part has completed (without completing them)."""
        statuses = [status] + [None] * (len(self) - 1)
        return all(MPI.Request.Get_status(req, sts) for req, sts in zip(self, statuses))

    def test(self, status=None):
        """(done, object): the received object once done, else None."""
        return _complete(self, MPI.Request.Testall, status)

    def wait(self, status=None):
        """Wait for completion; return the received object (None for a send)."""
        return _complete(self, MPI.Request.Waitall, status)[1]

    @classmethod
    def get_status_all(cls, requests, statuses=None):
        """Whether all the requests have completed (without completing them)."""
        if statuses is None:
            return all(request.get_status() for request in requests)
        statuses += [Status() for _ in range(len(statuses), len(requests))]
        return all(request.get_status(sts) for request, sts in zip(requests, statuses))

    @classmethod
    def testall(cls, requests, statuses=None):
        """(done, objects) for all the requests."""
        return _complete_all(requests, MPI.Request.Testall, statuses)

    @classmethod
    def waitall(cls, requests, statuses=None):
        """Wait for all the requests; return their objects."""
        return _complete_all(requests, MPI.Request.Waitall, statuses)[1]


@_parts_of(MPI.Message)
class Message(tuple):
    """A matched message: the matched messages of an object's parts."""

    def __new__(cls, message=None):
        """Wrap `message` (an `MPI.Message`, a sequence of them, or None)."""
        if message is None:
            message = (MPI.MESSAGE_NULL,)
        elif isinstance(message, MPI.Message):
            message = (message,)
        return super().__new__(cls, message)

    def free(self):
        """Do nothing (as `MPI.Message.free`)."""
        for msg in self:
            msg.free()

    def recv(self, status=None):
        """Receive the matched object (blocking)."""
        return _mrecv(self, status)

    def irecv(self):
        """Start receiving the matched object; its `Request.wait` returns it."""
        return _imrecv(self)

    @classmethod
    def probe(cls, comm, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Match the next object from `source` with `tag` (blocking)."""
        return _mprobe(comm, MPI.Comm.Mprobe, source, tag, status)

    @classmethod
    def iprobe(cls, comm, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Match an object if one is there, else return None."""
        return _mprobe(comm, MPI.Comm.Improbe, source, tag, status)


class Comm(MPI.Comm):
    """A communicator whose object methods use pickle protocol 5."""

    def __new__(cls, comm=None):
        """Wrap `comm` (the same communicator, not a duplicate)."""
        return MPI.Comm.__new__(cls, comm)

    def send(self, obj, dest, tag=0):
        """Send in standard mode (blocking)."""
        _send(self, MPI.Comm.Send, obj, dest, tag)

    def bsend(self, obj, dest, tag=0):
        """Send in buffered mode (blocking)."""
        _send(self, MPI.Comm.Bsend, obj, dest, tag)

    def ssend(self, obj, dest, tag=0):
        """Send in synchronous mode (blocking)."""
        MPI.Request.Waitall(list(_isend(self, MPI.Comm.Issend, obj, dest, tag)))

    def isend(self, obj, dest, tag=0):
        """Start a send in standard mode."""
        return _isend(self, MPI.Comm.Isend, obj, dest, tag)

    def ibsend(self, obj, dest, tag=0):
        """Start a send in buffered mode."""
        return _isend(self, MPI.Comm.Ibsend, obj, dest, tag)

    def issend(self, obj, dest, tag=0):
        """Start a send in synchronous mode."""
        return _isend(self, MPI.Comm.Issend, obj, dest, tag)

    def recv(self, buf=None, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Receive an object (blocking); `buf`, if large enough, takes the
        pickle data."""
        return _recv(self, buf, source, tag, status)

    def irecv(self, buf=None, source=ANY_SOURCE, tag=ANY_TAG):
        """Not available: the parts' sizes are unknown before the header
        arrives (use `mprobe` and `Message.irecv`)."""
        raise RuntimeError("unsupported")

    def sendrecv(self, sendobj, dest, sendtag=0, recvbuf=None,
                 source=ANY_SOURCE, recvtag=ANY_TAG, status=None):
        """Send one object and receive another."""
        sending = _isend(self, MPI.Comm.Isend, sendobj, dest, sendtag)
        obj = _recv(self, recvbuf, source, recvtag, status)
        MPI.Request.Waitall(list(sending))
        return obj

    def mprobe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Match the next object (blocking)."""
        return _mprobe(self, MPI.Comm.Mprobe, source, tag, status)

    def improbe(self, source=ANY_SOURCE, tag=ANY_TAG, status=None):
        """Match an object if one is there, else return None."""
        return _mprobe(self, MPI.Comm.Improbe, source, tag, status)

    def bcast(self, obj, root=0):
        """Broadcast an object."""
        return _bcast(self, obj, root)

    def gather(self, sendobj, root=0):
        """Gather objects at the root."""
        return _gather(self, sendobj, root)

    def scatter(self, sendobj, root=0):
        """Scatter objects from the root."""
        return _scatter(self, sendobj, root)

    def allgather(self, sendobj):
        """Gather objects at every process."""
        return _allgather(self, sendobj)

    def alltoall(self, sendobj):
        """Send a distinct object to every process and receive one from each."""
        return _alltoall(self, sendobj)


class Intracomm(Comm, MPI.Intracomm):
    """An intracommunicator whose object methods use pickle protocol 5."""


class Intercomm(Comm, MPI.Intercomm):
    """An intercommunicator whose object methods use pickle protocol 5."""
