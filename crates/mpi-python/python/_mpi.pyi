# The native module `_mpi`, written in Rust (crates/mpi-python/src/native.rs).
#
# This stub is its contract with the Python layer (mpi4py/MPI.py): the native side
# moves bytes between ranks, blocks, validates ranks and tags, and keeps the
# communicator tables; the Python side pickles objects, wraps buffers and gives
# every name the shape mpi4py gives it. Communicators and requests are plain int
# handles. Ranks are always relative to the communicator handle passed in.
# Every MPI error is raised as `error_class(error_code, message)`, the class
# registered with `set_error_class` (MPI.Exception).

from typing import Callable, Optional, Union

WORLD: int            # handle of COMM_WORLD
SELF: int             # handle of COMM_SELF
COMM_NULL: int        # handle of COMM_NULL (never a live communicator)
PROC_NULL: int        # -1, as MPICH
ANY_SOURCE: int       # -2
ANY_TAG: int          # -1
UNDEFINED: int        # -32766
TAG_UB: int           # largest valid tag
CART: int             # topology kinds, as MPICH: GRAPH=1, CART=2, DIST_GRAPH=3
ERR: dict             # error class name -> value, e.g. {"ERR_RANK": 6, ...}

def set_error_class(cls: type) -> None: ...
def error_string(code: int) -> str: ...          # MPICH-style text for an error class

def rank(comm: int) -> int: ...
def size(comm: int) -> int: ...
def group_ranks(comm: int) -> list[int]: ...     # the WORLD ranks of the members, in comm rank order
def wtime() -> float: ...                        # seconds, shared origin across ranks
def wtick() -> float: ...
def address(data: bytes) -> int: ...
def processor_name() -> str: ...
def sleep(seconds: float) -> None: ...           # the host's sleep (installed as time.sleep in the browser)
def clock() -> float: ...                        # the host's monotonic clock in seconds (time.monotonic in the browser)
def abort(comm: int, code: int) -> None: ...     # ends the whole run with exit status `code`; does not return

# Point to point. `data` is bytes. A result triple is (data, source, tag) with
# the actual source (comm rank) and tag; data is None for a send request.
# dest/source may be PROC_NULL: a send to it is a no-op, a recv from it returns
# (None, PROC_NULL, ANY_TAG) at once.
# A send's `mode`: SEND_STANDARD (buffered up to the run's eager limit, larger
# messages wait for their matching receive, as MPICH's do), SEND_SYNCHRONOUS
# (waits for the match) or SEND_BUFFERED (never waits: Bsend, and the
# library's own protocol messages).
Result = tuple[Optional[bytes], int, int]
SEND_STANDARD: int
SEND_SYNCHRONOUS: int
SEND_BUFFERED: int
def trace_preview(obj: object, slow: Callable[[object], str]) -> None:
    """Give the next send the start of `repr(obj)` if the rank recorded at
    its latest call; `slow(obj)` makes it for what is not a number, str or
    bytes."""

def send(comm: int, data: bytes, dest: int, tag: int, mode: int) -> None: ...
def recv(comm: int, source: int, tag: int) -> Result: ...
def set_plain_datatypes(cls: type, sizes: dict[int, int]) -> None:
    """The Datatype class, and {_id: size} of the predefined types with no
    gap: messages [buffer, datatype] of these are plain too."""
def send_plain(comm: int, msg: object, dest: int, tag: int, mode: int) -> bool:
    """`send` of a bytes, bytearray or C-order array (alone or with a plain
    predefined datatype), previewed for the timeline here; False (nothing
    done) for any other message."""
def recv_into(comm: int, msg: object, source: int, tag: int) -> bool:
    """`recv` stored at the front of a bytearray or writeable C-order
    array (alone or with a plain predefined datatype; MPICH's truncation
    error if it does not fit); False (nothing received) for any other."""
def isend(comm: int, data: bytes, dest: int, tag: int, mode: int) -> int: ...
def coll_isend(comm: int, dest: int, tag: int, data: bytes) -> int: ...
def coll_irecv(comm: int, source: int, tag: int) -> int: ...
def irecv(comm: int, source: int, tag: int) -> int: ...
def test(req: int) -> Optional[Result]: ...      # None while pending; a completed request is freed
def wait(req: int) -> Result: ...                # frees the request
def waitany(reqs: list[int]) -> tuple[int, Result]: ...   # index of the one completed (freed)
def waitall(reqs: list[int]) -> list[Result]: ...
def cancel(req: int) -> None: ...
def request_free(req: int) -> None: ...          # drop a request without completing it
def probe(comm: int, source: int, tag: int) -> tuple[int, int, int]: ...   # (source, tag, nbytes)
def iprobe(comm: int, source: int, tag: int) -> Optional[tuple[int, int, int]]: ...
def sendrecv(comm: int, data: bytes, dest: int, sendtag: int, source: int, recvtag: int) -> Result: ...

# Collectives on bytes. Every member of `comm` calls them in the same order.
# `op` is either a Python callable (a: bytes, b: bytes) -> bytes, applied as
# op(lower_rank_value, higher_rank_value) folding in rank order, or a pair
# (opname, typecode) for a native elementwise reduction of typed buffers:
# opname in "SUM PROD MAX MIN LAND LOR LXOR BAND BOR BXOR", typecode a struct
# format character (b B h H i I l L q Q f d).
Op = Union[Callable[[bytes, bytes], bytes], tuple[str, str]]
def barrier(comm: int) -> None: ...
def bcast(comm: int, data: Optional[bytes], root: int) -> bytes: ...
def gather(comm: int, data: bytes, root: int) -> Optional[list[bytes]]: ...
def scatter(comm: int, data: Optional[list[bytes]], root: int) -> bytes: ...
def allgather(comm: int, data: bytes) -> list[bytes]: ...
def alltoall(comm: int, data: list[bytes]) -> list[bytes]: ...
def reduce(comm: int, data: bytes, op: Op, root: int) -> Optional[bytes]: ...
def allreduce(comm: int, data: bytes, op: Op) -> bytes: ...
def scan(comm: int, data: bytes, op: Op) -> bytes: ...
def exscan(comm: int, data: bytes, op: Op) -> Optional[bytes]: ...   # None on rank 0

# Communicators and Cartesian topologies (collective over `comm`).
def comm_dup(comm: int) -> int: ...
def comm_split(comm: int, color: int, key: int) -> Optional[int]: ...   # None when color == UNDEFINED
def comm_free(comm: int) -> None: ...

# Intercommunicators: a local group facing a remote group. On one, `rank`,
# `size` and `group_ranks` are the local group's; point-to-point dest/source,
# the completions' sources, and the roots of collectives are ranks of the
# remote group. Rooted collectives take ROOT (-3) on the root, PROC_NULL on
# the rest of its group; the root gets its own data back from bcast, the
# other group's items (in its rank order) from gather, None from reduce's
# non-roots. allgather/alltoall/allreduce give the remote group's data.
# comm_dup and comm_split work on both kinds (a split color with no remote
# members gives None). scan/exscan/cart_create refuse an intercommunicator.
def is_inter(comm: int) -> bool: ...
def remote_group_ranks(comm: int) -> list[int]: ...        # WORLD ranks of the remote group (ERR_COMM on an intracomm)
def intercomm_create(comm: int, local_leader: int, peer_comm: int, remote_leader: int, tag: int) -> int: ...
def intercomm_from_groups(local: list[int], local_leader: int, remote: list[int], remote_leader: int,
                          stringtag: str) -> int: ...     # collective over both groups' members only (world ranks)
def intercomm_merge(comm: int, high: bool) -> int: ...     # the high=False group first
def adopt_world(group: list[int]) -> None: ...             # a spawned child: its WORLD becomes the children of its Spawn (world slots)
# Communicators from groups (world ranks), collective over the members only.
def comm_create_group(comm: int, group: list[int], tag: int) -> int: ...
def comm_from_group(group: list[int], stringtag: str) -> int: ...   # no parent communicator
def compute_dims(nnodes: int, dims: list[int]) -> list[int]: ...
def cart_create(comm: int, dims: list[int], periods: list[bool], reorder: bool) -> Optional[int]: ...
def topo(comm: int) -> int: ...                  # UNDEFINED or CART
def cart_get(comm: int) -> tuple[list[int], list[bool], list[int]]: ...   # dims, periods, my coords
def cart_rank(comm: int, coords: list[int]) -> int: ...
def cart_coords(comm: int, rank: int) -> list[int]: ...
def cart_shift(comm: int, direction: int, disp: int) -> tuple[int, int]: ...   # (source, dest)
def cart_sub(comm: int, remain_dims: list[bool]) -> int: ...

# ----- Processes (the `multiprocessing` package) -----
# A process is an extra endpoint of the run after the MPI ranks: slots
# size(WORLD), size(WORLD)+1, ... Each is a fresh interpreter (a thread
# natively, a Web Worker in the browser) in which rank.rs runs
# `multiprocessing._child.run(source, path)`. Messages between processes have a
# context of their own, apart from every communicator. `slot` and `tag`
# arguments of receives may be ANY (-1). `op` names the call a blocked process
# sits in, for deadlock reports; it is one of MP_OPS.
ANY: int                                         # -1
MP_OPS: tuple[str, ...]                          # "Process.join", "Pool task", "Pool result", "Queue.get", "Queue.put",
                                                 # "Connection.recv", "Connection.send", "Lock.acquire",
                                                 # "Semaphore.acquire", "Event.wait", "Condition.wait", "Barrier.wait",
                                                 # "Win.Lock", "File shared pointer", "Comm.Accept", "Comm.Connect", "a file call"
def mp_self() -> int: ...                        # this interpreter's slot (world rank)
def mp_parent() -> int: ...                      # slot of the process that started this one; -1 in an MPI rank
def mp_rank() -> int: ...                        # the MPI rank at the root of this process tree
def mp_cpu_count() -> int: ...                   # the workers the host allows (os.cpu_count natively, navigator.hardwareConcurrency in the browser)
def mp_pid(slot: int) -> int: ...                # the pid multiprocessing reports for a slot (also os.getpid() inside it)
def mp_spawn(name: str) -> int: ...              # reserves a slot, asks the host to start a fresh interpreter there (name labels its output);
                                                 # returns the slot at once; RuntimeError naming the limit when the run has no slot left
def mp_detach(slot: int) -> None: ...            # nobody will join it (a spawned MPI process): its slot is reused once it ends
def mp_send(slot: int, tag: int, data: bytes) -> None: ...                 # buffered; to a process that has ended: dropped
def mp_recv(slot: int, tag: int, timeout: Optional[float], op: str, watch: list[int] = []) -> Optional[tuple[Optional[bytes], int, int]]: ...
                                                 # (data, source slot, tag), messages from one source in the order sent;
                                                 # None when the timeout ran out; (None, s, ANY) when no message is
                                                 # waiting and process s in `watch` has ended
def mp_poll(slot: int, tag: int) -> bool: ...    # a matching message is waiting
def mp_join(slot: int, timeout: Optional[float]) -> Optional[int]: ...    # its exit code once it has ended; None on timeout
def mp_exitcode(slot: int) -> Optional[int]: ... # None while it runs
def mp_terminate(slot: int) -> None: ...         # ends it now: exit code -15 (SIGTERM's); nothing for an ended process

# Shared memory for Lock/Semaphore/Event/Queue/Pipe/Value/Array: one heap per
# run in the World. Offsets are what processes share (they pickle as ints).
def service_table() -> int: ...                   # heap offset of the run's name service table (16 KiB; its lock a semaphore at offset 0), set up on first use
def shm_alloc(nbytes: int) -> int: ...           # offset of nbytes zeroed bytes, 8-aligned; MemoryError naming the heap size when full
def shm_read(offset: int, nbytes: int) -> bytes: ...
def shm_write(offset: int, data: bytes) -> None: ...
def sem_acquire(offset: int, block: bool, timeout: Optional[float], op: str) -> bool: ...
                                                 # a 4-byte counter at offset: waits while it is 0, then takes one; False if not taken
def sem_release(offset: int, maxvalue: int) -> None: ...   # gives one back; ValueError if it would exceed maxvalue (-1: no bound)
def sem_value(offset: int) -> int: ...
def flag_set(offset: int, value: int) -> None: ...          # stores a 4-byte word and wakes its waiters
def flag_get(offset: int) -> int: ...
def flag_wait(offset: int, timeout: Optional[float], op: str) -> bool: ...   # waits while the word is 0; False on timeout
def pipe_new(capacity: int) -> int: ...          # an item channel with a ring of `capacity` bytes (rounded up to a power of two)
def pipe_put(offset: int, data: bytes, op: str) -> None: ...                 # items of any size stream through; waits for room
def pipe_get(offset: int, timeout: Optional[float], op: str) -> Optional[bytes]: ...   # the next whole item; None on timeout
def pipe_count(offset: int) -> int: ...          # items put and not yet taken

# RMA windows (MPI.Win): each window's memory has a public copy in the shared
# heap that other ranks put into and get from; the owner's own copy is brought
# in step at synchronisation points.
def shm_free(offset: int, nbytes: int) -> None: ...   # gives back a block shm_alloc(nbytes) returned
def shm_sync(offset: int, private: bytearray, snapshot: bytearray) -> None: ...
                                                 # bytes of `private` that differ from `snapshot` go to the heap, the
                                                 # others take the heap's; then snapshot = private (same lengths)
def shm_read_into(offset: int, into: bytearray) -> None: ...   # len(into) heap bytes at offset, into a writable buffer
def win_lock(offset: int, exclusive: bool) -> None: ...   # 8 heap bytes: waits while held incompatibly ("Win.Lock")
def win_unlock(offset: int) -> None: ...
def combine(opname: str, typecode: str, acc: bytes, other: bytes) -> bytes: ...   # acc op other, elementwise (a predefined op)

# Output of this rank, line-buffered by the host (fd 1 stdout, 2 stderr).
def write(fd: int, text: str) -> None: ...
def flush(fd: int) -> None: ...                  # lines stay whole: a partial line waits for its newline

class RunStopped(BaseException): ...             # raised out of MPI calls when the run is stopped or aborted
