"""Synchronisation between processes: sequential sections, a shared
counter, mutexes, condition variables and semaphores.

Shared state (the counter, the tail of a mutex's queue) lives in RMA
windows and is changed with atomic one-sided operations. A process that
must wait for another (for the mutex, or for a notification) waits in a
blocking receive on a private duplicate of the communicator, so waiting
costs nothing and shows up as an ordinary MPI wait.
"""

import array as _array

from .. import MPI

__all__ = [
    "Sequential",
    "Counter",
    "Mutex",
    "Condition",
    "Semaphore",
]

_NOBODY = MPI.PROC_NULL
_TAG_SUCCESSOR = 1  # a waiter tells the process queued before it
_TAG_HANDOVER = 2   # a releasing process hands the mutex to its successor
_TAG_WAKEUP = 3     # a notifier wakes a waiter of a condition


def _int_cell(value):
    return _array.array("i", [value])


def _empty():
    return (bytearray(), 0, MPI.BYTE)


class Sequential:
    """Run a block of code one process at a time, in rank order."""

    def __init__(self, comm, tag=0):
        """Prepare sequential execution over ``comm``, passing the turn
        along with zero-size messages under ``tag``."""
        self.comm = comm
        self.tag = int(tag)

    def __enter__(self):
        """Wait for this process's turn."""
        self.begin()
        return self

    def __exit__(self, *exc):
        """Give the turn to the next process."""
        self.end()

    def begin(self):
        """Wait until every lower rank has ended its turn."""
        comm = self.comm
        if comm.Get_size() > 1:
            rank = comm.Get_rank()
            if rank > 0:
                comm.Recv(_empty(), rank - 1, self.tag)

    def end(self):
        """End this process's turn; the next rank may begin."""
        comm = self.comm
        size = comm.Get_size()
        if size > 1:
            rank = comm.Get_rank()
            if rank < size - 1:
                comm.Send(_empty(), rank + 1, self.tag)


class Counter:
    """A counter shared by the processes of a communicator."""

    def __init__(
        self,
        start=0,
        step=1,
        *,
        typecode="i",
        comm=MPI.COMM_SELF,
        info=MPI.INFO_NULL,
        root=0,
    ):
        """Create a counter (collective over ``comm``).

        start: first value; step: default increment of ``next()``;
        typecode: the element type, an `array` module type code;
        info: hints for the window; root: the rank that keeps the value.
        """
        datatype = MPI.Datatype.fromcode(typecode)
        typechar = datatype.typechar
        itemsize = datatype.Get_size()
        here = comm.Get_rank() == root
        window = MPI.Win.Allocate(itemsize if here else 0, itemsize, info, comm)
        if here:
            window.Lock(root, MPI.LOCK_EXCLUSIVE)
            window.Put(_array.array(typechar, [start]), root)
            window.Unlock(root)
        comm.Barrier()
        self._start = start
        self._step = step
        self._typechar = typechar
        self._root = root
        self._window = window
        self._comm = comm

    def __iter__(self):
        """A counter is its own iterator."""
        return self

    def __next__(self):
        """Same as ``next()``."""
        return self.next()

    def next(self, incr=None):
        """Add ``incr`` (default: the step) atomically; return the value
        the counter had before."""
        window = self._window
        if not window:
            raise RuntimeError("counter already freed")
        if incr is None:
            incr = self._step
        origin = _array.array(self._typechar, [incr])
        result = _array.array(self._typechar, [0])
        op = MPI.NO_OP if origin[0] == 0 else MPI.SUM
        root = self._root
        window.Lock(root, MPI.LOCK_SHARED)
        window.Fetch_and_op(origin, result, root, 0, op)
        window.Unlock(root)
        return result[0]

    def free(self):
        """Release the counter's window (collective)."""
        window, self._window = self._window, MPI.WIN_NULL
        self._comm = MPI.COMM_NULL
        if window:
            window.Free()


class Mutex:
    """A lock shared by the processes of a communicator, granted in the
    order processes asked for it."""

    def __init__(
        self,
        *,
        recursive=False,
        comm=MPI.COMM_SELF,
        info=MPI.INFO_NULL,
    ):
        """Create a mutex (collective over ``comm``). A recursive mutex
        may be acquired again by its holder."""
        here = comm.Get_rank() == 0
        itemsize = MPI.INT.Get_size()
        window = MPI.Win.Allocate(itemsize if here else 0, itemsize, info, comm)
        if here:
            window.Lock(0, MPI.LOCK_EXCLUSIVE)
            window.Put(_int_cell(_NOBODY), 0)
            window.Unlock(0)
        self._channel = comm.Dup()
        comm.Barrier()
        self._recursive = bool(recursive)
        self._window = window
        self._comm = comm
        self._depth = 0

    # The queue: rank 0 of the window holds the rank of the last process
    # that asked for the mutex (or PROC_NULL). A process that swaps itself
    # in and finds another there tells that one it comes next and waits
    # for the hand-over; the holder, on release, either swaps PROC_NULL
    # back (nobody came after it) or hands the mutex to its successor.

    def _lock(self, blocking=True):
        window = self._window
        me = _int_cell(window.group_rank)
        prev = _int_cell(_NOBODY)
        window.Lock(0, MPI.LOCK_SHARED)
        if blocking:
            window.Fetch_and_op(me, prev, 0, 0, MPI.REPLACE)
        else:
            window.Compare_and_swap(me, _int_cell(_NOBODY), prev, 0, 0)
        window.Unlock(0)
        if prev[0] != _NOBODY:
            if not blocking:
                return False
            channel = self._channel
            channel.Send(me, prev[0], _TAG_SUCCESSOR)
            channel.Recv(_empty(), prev[0], _TAG_HANDOVER)
        self._depth = 1
        return True

    def _unlock(self):
        window = self._window
        me = _int_cell(window.group_rank)
        prev = _int_cell(_NOBODY)
        window.Lock(0, MPI.LOCK_SHARED)
        window.Compare_and_swap(_int_cell(_NOBODY), me, prev, 0, 0)
        window.Unlock(0)
        self._depth = 0
        if prev[0] != me[0]:
            channel = self._channel
            successor = _int_cell(_NOBODY)
            channel.Recv(successor, MPI.ANY_SOURCE, _TAG_SUCCESSOR)
            channel.Send(_empty(), successor[0], _TAG_HANDOVER)

    def _release_save(self):
        depth = self._depth
        self._unlock()
        return depth

    def _acquire_restore(self, depth):
        self._lock()
        self._depth = depth

    def _check(self):
        if not self._window:
            raise RuntimeError("mutex already freed")

    def __enter__(self):
        """Acquire the mutex."""
        self.acquire()
        return self

    def __exit__(self, *exc):
        """Release the mutex."""
        self.release()

    def acquire(self, blocking=True):
        """Acquire the mutex; with ``blocking=False`` give up at once if
        another process holds it. Return whether it is now held."""
        self._check()
        if self._depth:
            if not self._recursive:
                raise RuntimeError("cannot acquire already held mutex")
            self._depth += 1
            return True
        return self._lock(blocking)

    def release(self):
        """Release the mutex (once, for a recursive one)."""
        self._check()
        if not self._depth:
            raise RuntimeError("cannot release unheld mutex")
        if self._depth > 1:
            self._depth -= 1
            return
        self._unlock()

    def locked(self):
        """Return whether this process holds the mutex."""
        self._check()
        return self._depth > 0

    def count(self):
        """Return how many times this process holds the mutex."""
        self._check()
        return self._depth

    def free(self):
        """Release the mutex if held, and its resources (collective)."""
        window, self._window = self._window, MPI.WIN_NULL
        if not window:
            return
        self._window = window
        if self._depth:
            self._unlock()
        self._window = MPI.WIN_NULL
        self._comm = MPI.COMM_NULL
        window.Free()
        self._channel.Free()


class Condition:
    """A condition variable over a `Mutex`."""

    def __init__(
        self,
        mutex=None,
        *,
        recursive=True,
        comm=MPI.COMM_SELF,
        info=MPI.INFO_NULL,
    ):
        """Create a condition variable (collective). Without ``mutex``, it
        makes its own (``recursive`` as given, over ``comm``); with one,
        it uses that mutex and its communicator."""
        if mutex is None:
            mutex = Mutex(recursive=recursive, comm=comm, info=info)
            self._owns_mutex = True
        else:
            comm = mutex._comm
            self._owns_mutex = False
        self._mutex = mutex
        size = comm.Get_size()
        here = comm.Get_rank() == 0
        itemsize = MPI.INT.Get_size()
        # At rank 0: the waiting queue, [first, length, ranks...], a ring;
        # it is only touched with the mutex held.
        count = size + 2 if here else 0
        window = MPI.Win.Allocate(count * itemsize, itemsize, info, comm)
        if here:
            window.Lock(0, MPI.LOCK_EXCLUSIVE)
            window.Put(_array.array("i", [0] * count), 0)
            window.Unlock(0)
        self._channel = comm.Dup()
        comm.Barrier()
        self._size = size
        self._window = window
        self._comm = comm

    def _read_queue(self):
        window = self._window
        queue = _array.array("i", [0] * (self._size + 2))
        window.Lock(0, MPI.LOCK_EXCLUSIVE)
        window.Get(queue, 0)
        window.Unlock(0)
        return queue

    def _write_queue(self, queue):
        window = self._window
        window.Lock(0, MPI.LOCK_EXCLUSIVE)
        window.Put(queue, 0)
        window.Unlock(0)

    def _enqueue(self, rank):
        queue = self._read_queue()
        first, length = queue[0], queue[1]
        queue[2 + (first + length) % self._size] = rank
        queue[1] = length + 1
        self._write_queue(queue)

    def _dequeue(self, n):
        queue = self._read_queue()
        first, length = queue[0], queue[1]
        taken = []
        while length and len(taken) < n:
            taken.append(queue[2 + first])
            first = (first + 1) % self._size
            length -= 1
        if taken:
            queue[0], queue[1] = first, length
            self._write_queue(queue)
        return taken

    def _check(self):
        if not self._window:
            raise RuntimeError("condition already freed")

    def __enter__(self):
        """Acquire the mutex."""
        self.acquire()
        return self

    def __exit__(self, *exc):
        """Release the mutex."""
        self.release()

    def acquire(self, blocking=True):
        """Acquire the mutex."""
        self._check()
        return self._mutex.acquire(blocking)

    def release(self):
        """Release the mutex."""
        self._check()
        self._mutex.release()

    def locked(self):
        """Return whether this process holds the mutex."""
        return self._mutex.locked()

    def wait(self):
        """Release the mutex, sleep until notified, then take the mutex
        again. Always returns `True`."""
        self._check()
        if not self.locked():
            raise RuntimeError("cannot wait on unheld mutex")
        self._enqueue(self._window.group_rank)
        depth = self._mutex._release_save()
        self._channel.Recv(_empty(), MPI.ANY_SOURCE, _TAG_WAKEUP)
        self._mutex._acquire_restore(depth)
        return True

    def wait_for(self, predicate):
        """Wait until ``predicate()`` is true; return its value."""
        result = predicate()
        while not result:
            self.wait()
            result = predicate()
        return result

    def notify(self, n=1):
        """Wake up to ``n`` waiting processes; return how many woke."""
        self._check()
        if not self.locked():
            raise RuntimeError("cannot notify on unheld mutex")
        woken = self._dequeue(max(0, n))
        for rank in woken:
            self._channel.Send(_empty(), rank, _TAG_WAKEUP)
        return len(woken)

    def notify_all(self):
        """Wake up every waiting process; return how many woke."""
        return self.notify(self._size)

    def free(self):
        """Release the mutex if held; free the resources (collective)."""
        mutex = self._mutex
        if mutex._window and mutex.locked():
            mutex._unlock()
        if self._owns_mutex:
            mutex.free()
        window, self._window = self._window, MPI.WIN_NULL
        self._comm = MPI.COMM_NULL
        if window:
            window.Free()
            self._channel.Free()


class Semaphore:
    """A counting semaphore shared by the processes of a communicator."""

    def __init__(
        self,
        value=1,
        *,
        bounded=True,
        comm=MPI.COMM_SELF,
        info=MPI.INFO_NULL,
    ):
        """Create a semaphore with ``value`` permits (collective). A
        bounded one refuses to be released above its initial value."""
        if value < 0:
            raise ValueError("initial value must be non-negative")
        self._bounded = bool(bounded)
        self._counter = Counter(value, comm=comm, info=info)
        self._condvar = Condition(recursive=False, comm=comm, info=info)
        self._comm = comm

    def __enter__(self):
        """Acquire the semaphore."""
        self.acquire()
        return self

    def __exit__(self, *exc):
        """Release the semaphore."""
        self.release()

    def acquire(self, blocking=True):
        """Take one permit, waiting for one if ``blocking``; return
        whether a permit was taken."""
        with self._condvar:
            while self._counter.next(0) == 0:
                if not blocking:
                    return False
                self._condvar.wait()
            self._counter.next(-1)
        return True

    def release(self, n=1):
        """Give back ``n`` permits, waking as many waiters."""
        if n < 1:
            raise ValueError("increment must be one or more")
        with self._condvar:
            if self._bounded:
                if self._counter.next(0) + n > self._counter._start:
                    raise ValueError("semaphore released too many times")
            self._counter.next(n)
            self._condvar.notify(n)

    def free(self):
        """Free the semaphore's resources (collective)."""
        self._counter.free()
        self._condvar.free()
        self._comm = MPI.COMM_NULL
