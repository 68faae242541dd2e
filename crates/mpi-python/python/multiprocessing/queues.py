"""Queue, JoinableQueue and SimpleQueue over the run's shared-memory channels.

A queue is a native item channel (`_mpi.pipe_*`: a ring in shared memory that
streams items of any size and blocks for real), plus a BoundedSemaphore that
counts free places when the queue has a maxsize. Items are pickled on put and
unpickled on get, as in CPython.

Differences from CPython, which feeds the pipe from a background thread:
put() writes the item itself, so an unpicklable item raises in put() (CPython
prints the error from its feeder thread and drops the item), and an item is
visible to empty()/qsize()/get() as soon as put() returns. A put() of an item
larger than the channel's free room waits until a reader makes room.
"""

import pickle
from queue import Empty, Full

import _mpi

from . import util
from .synchronize import SEM_VALUE_MAX, BoundedSemaphore, Condition, Lock, Semaphore

# Ring size of a queue's channel; larger items stream through it.
CHANNEL_BYTES = 1 << 16


class Queue:
    """A FIFO shared between processes; put/get block as queue.Queue's do."""

    def __init__(self, maxsize=0, *, ctx=None):
        if maxsize <= 0:
            maxsize = SEM_VALUE_MAX
        self._maxsize = maxsize
        self._channel = _mpi.pipe_new(CHANNEL_BYTES)
        # Only a bounded queue needs to count free places.
        self._sem = BoundedSemaphore(maxsize) if maxsize < SEM_VALUE_MAX else None
        self._closed = False

    def __getstate__(self):
        util.assert_spawning(self)
        state = self.__dict__.copy()
        state["_closed"] = False
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    def _check_closed(self):
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")

    def put(self, obj, block=True, timeout=None):
        self._check_closed()
        data = util.dumps(obj)
        if self._sem is not None and not self._sem._acquire(block, timeout, "Queue.put"):
            raise Full
        self._before_put()
        _mpi.pipe_put(self._channel, data, "Queue.put")

    def _before_put(self):
        pass

    def get(self, block=True, timeout=None):
        self._check_closed()
        if block and timeout is None:
            data = _mpi.pipe_get(self._channel, None, "Queue.get")
        else:
            data = _mpi.pipe_get(self._channel, util.seconds(timeout) if block else 0.0, "Queue.get")
            if data is None:
                raise Empty
        if self._sem is not None:
            self._sem.release()
        return pickle.loads(data)

    def put_nowait(self, obj):
        return self.put(obj, False)

    def get_nowait(self):
        return self.get(False)

    def qsize(self):
        return _mpi.pipe_count(self._channel)

    def empty(self):
        return _mpi.pipe_count(self._channel) == 0

    def full(self):
        if self._sem is None:
            return False
        return self._sem.get_value() == 0

    def close(self):
        """This process will put no more items (nothing to flush: put() wrote them)."""
        self._closed = True

    def join_thread(self):
        """Nothing to wait for (there is no feeder thread); only checks close() came first."""
        assert self._closed, "Queue {0!r} not closed".format(self)

    def cancel_join_thread(self):
        """Nothing to cancel (there is no feeder thread)."""


class JoinableQueue(Queue):
    """A Queue whose consumers confirm each item with task_done(), so join() can wait for them all."""

    def __init__(self, maxsize=0, *, ctx=None):
        super().__init__(maxsize)
        self._unfinished = Semaphore(0)
        self._cond = Condition(Lock())

    def _before_put(self):
        # Counted before the item becomes visible, so a fast consumer's
        # task_done() never runs ahead of the count.
        with self._cond:
            self._unfinished.release()

    def task_done(self):
        with self._cond:
            if not self._unfinished.acquire(False):
                raise ValueError("task_done() called too many times")
            if self._unfinished.get_value() == 0:
                self._cond.notify_all()

    def join(self):
        """Waits until every item put has been confirmed with task_done()."""
        with self._cond:
            while self._unfinished.get_value() != 0:
                self._cond.wait()


class SimpleQueue:
    """An unbounded FIFO with blocking get(), no timeouts."""

    def __init__(self, *, ctx=None):
        self._channel = _mpi.pipe_new(CHANNEL_BYTES)
        self._closed = False

    def __getstate__(self):
        util.assert_spawning(self)
        return {"_channel": self._channel, "_closed": False}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def close(self):
        self._closed = True

    def empty(self):
        return _mpi.pipe_count(self._channel) == 0

    def get(self):
        if self._closed:
            raise OSError("handle is closed")
        return pickle.loads(_mpi.pipe_get(self._channel, None, "Queue.get"))

    def put(self, obj):
        if self._closed:
            raise OSError("handle is closed")
        _mpi.pipe_put(self._channel, util.dumps(obj), "Queue.put")
