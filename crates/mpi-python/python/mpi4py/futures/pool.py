"""`MPIPoolExecutor`, `MPICommExecutor` and the pool's names, over the
manager of `_manager` (see there why results come in while you wait).

Workers of an `MPIPoolExecutor` are MPI processes it spawns (`Comm.Spawn`
of ``python -m mpi4py.futures.server``), started at the first task (or
`bootup`), each a process slot of the run with the workers as its
`COMM_WORLD`. Under ``mpiplay -m mpi4py.futures`` the other ranks of the
world serve rank 0's executors instead, as under ``mpiexec ... python -m
mpi4py.futures``. `MPICommExecutor` makes the other ranks of a communicator
the workers of its root.

`ThreadPoolExecutor` and `ProcessPoolExecutor` are mpi4py's names for pools
whose workers are local; a rank here runs one thread, and its MPI belongs
to it, so their workers are spawned processes too.
"""

import atexit
import itertools
import os
import sys
import time
import weakref

import _mpi
from mpi4py.futures import _manager
from mpi4py.futures._base import BrokenExecutor, Executor, TimeoutError

_executors = weakref.WeakSet()
_world_pool = [None]            # under -m mpi4py.futures: the other ranks, shared


def _main_path():
    """The file of the program's `__main__` now (a script run by runpy too),
    which workers import so that functions defined there unpickle."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.abspath(path) if isinstance(path, str) and path.endswith(".py") else None


def _max_workers():
    value = os.environ.get("MPI4PY_FUTURES_MAX_WORKERS")
    return int(value) if value is not None else 1


class MPIPoolExecutor(Executor):
    """MPI-based asynchronous executor."""

    Future = _manager.Future

    def __init__(self, max_workers=None, initializer=None, initargs=(), **kwargs):
        if max_workers is not None:
            max_workers = int(max_workers)
            if max_workers <= 0:
                raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._max_workers = max_workers
        self._setup = {"initializer": initializer, "initargs": tuple(initargs),
                       "main": _main_path() if kwargs.pop("main", True) else None}
        self._options = kwargs
        self._manager = None
        self._intercomm = None
        self._shutdown = False
        _executors.add(self)

    @property
    def num_workers(self):
        """Number of worker processes."""
        return len(self._boot().workers)

    def bootup(self, wait=True):
        """Start the workers (at once, not at the first task)."""
        self._boot()
        return self

    def _boot(self):
        if self._shutdown:
            raise RuntimeError("cannot bootup after shutdown")
        if self._manager is None:
            shared = _world_pool[0]
            if shared is not None:
                self._manager = shared
            else:
                self._manager = self._spawn_workers(self._max_workers or _max_workers())
        return self._manager

    def _spawn_workers(self, count):
        from mpi4py import MPI
        python = self._options.get("python_exe", sys.executable)
        args = list(self._options.get("python_args", ())) + ["-m", "mpi4py.futures.server"]
        self._intercomm = MPI.COMM_SELF.Spawn(python, args, maxprocs=count)
        workers = list(self._intercomm.Get_remote_group()._ranks)
        manager = _manager.Manager(workers)
        for slot in workers:
            _mpi.mp_send(slot, _manager.TASK_TAG, MPI.pickle.dumps(("init", self._setup)))
        return manager

    def submit(self, fn, /, *args, **kwargs):
        """Submit a callable to be executed with the given arguments."""
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        manager = self._boot()
        if manager.broken:
            raise BrokenExecutor(manager.broken)
        from mpi4py import MPI
        call = MPI.pickle.dumps((fn, args, kwargs))
        return manager.submit_call(call)

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None, unordered=False):
        """Return an iterator equivalent to ``map(fn, *iterables)``."""
        return self._map(fn, zip(*iterables), timeout, chunksize, unordered)

    def starmap(self, fn, iterable, timeout=None, chunksize=1, buffersize=None, unordered=False):
        """Return an iterator equivalent to ``itertools.starmap(...)``."""
        return self._map(fn, iter(iterable), timeout, chunksize, unordered)

    def _map(self, fn, argtuples, timeout, chunksize, unordered):
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        end = None if timeout is None else time.monotonic() + timeout
        futures = []
        while True:
            chunk = list(itertools.islice(argtuples, chunksize))
            if not chunk:
                break
            futures.append(self.submit(_run_chunk, fn, chunk))
        return _results(futures, end, unordered)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Clean-up the resources associated with the executor."""
        self._shutdown = True
        manager = self._manager
        if manager is None:
            return
        if cancel_futures:
            manager.cancel_queued()
        if manager is _world_pool[0]:
            if wait:
                manager.join()
            return
        if wait:
            manager.stop()
            if self._intercomm is not None:
                self._intercomm.Disconnect()
                self._intercomm = None
        else:
            _lingering.append(self)

    def _terminate(self):
        """Stop the workers now, even in the middle of tasks (util.pool)."""
        self._shutdown = True
        manager = self._manager
        if manager is not None and manager is not _world_pool[0]:
            manager.terminate()
            if self._intercomm is not None:
                self._intercomm.Free()
                self._intercomm = None


# Executors shut down without waiting: stopped once their tasks are done,
# at the latest when the rank's script ends.
_lingering = []


def _run_chunk(fn, chunk):
    return [fn(*args) for args in chunk]


def _results(futures, end, unordered):
    """The items of the chunks' results, in order (or as chunks complete)."""
    try:
        if unordered:
            from mpi4py.futures._base import as_completed
            left = None if end is None else end - time.monotonic()
            for future in as_completed(futures, timeout=left):
                yield from future.result()
        else:
            for future in futures:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0 and not future.done():
                    raise TimeoutError()
                yield from future.result(timeout=left)
    finally:
        for future in futures:
            future.cancel()


@atexit.register
def _shutdown_all():
    """At the end of the rank's script, as mpi4py does at exit: every
    executor finishes its tasks and its workers end."""
    for executor in list(_executors) + _lingering:
        executor.shutdown(wait=True)
    _lingering.clear()
    if _world_pool[0] is not None:
        _world_pool[0].stop()


class ThreadPoolExecutor(MPIPoolExecutor):
    """`MPIPoolExecutor` (mpi4py's thread-backed pool; here its workers are
    processes, see the module's notes)."""


class ProcessPoolExecutor(MPIPoolExecutor):
    """`MPIPoolExecutor` (mpi4py's process-backed pool)."""


class MPICommExecutor:
    """Context manager for `MPIPoolExecutor`: the root of `comm` gets an
    executor whose workers are the other ranks of `comm`, which serve it
    until the root leaves the `with` block (they get None)."""

    def __init__(self, comm=None, root=0, **kwargs):
        from mpi4py import MPI
        if comm is None:
            comm = MPI.COMM_WORLD
        if comm.Is_inter():
            raise ValueError("expecting an intracommunicator")
        if root < 0 or root >= comm.Get_size():
            raise ValueError("expecting root in range(comm.size)")
        self._comm, self._root, self._options = comm, root, kwargs
        self._executor = None

    def __enter__(self):
        from mpi4py import MPI
        if self._executor is not None:
            raise RuntimeError("__enter__")
        comm = self._comm.Dup()
        self._private = comm
        slots = comm.Get_group()._ranks
        root = slots[self._root]
        if comm.Get_rank() == self._root:
            executor = MPIPoolExecutor(**self._options)
            executor._manager = _manager.Manager([s for s in slots if s != root])
            # The workers run this script already: no main module to import.
            setup = dict(executor._setup, main=None)
            for slot in executor._manager.workers:
                _mpi.mp_send(slot, _manager.TASK_TAG, MPI.pickle.dumps(("init", setup)))
            self._executor = executor
            return executor
        from mpi4py.futures import server
        server.serve(root)
        self._executor = False
        return None

    def __exit__(self, *args):
        executor = self._executor
        self._executor = None
        if executor:
            executor.shutdown(wait=True)
            executor._manager.stop()
        self._private.Free()
        return False


def get_comm_workers():
    """Access an intracommunicator grouping MPI worker processes."""
    from mpi4py import MPI
    from mpi4py.futures import server
    comm = server._comm_workers[0]
    return comm if comm is not None else MPI.COMM_WORLD
