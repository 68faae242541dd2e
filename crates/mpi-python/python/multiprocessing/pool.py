"""Pool: worker processes that run tasks, with CPython's API and results.

Design. There are no helper threads (the browser has none to give). Each
worker is a daemonic process looping on `_mpi.mp_recv(parent, TASK_TAG)`.

- Submitting work (map, apply_async, ...) cuts it into chunks as CPython does
  and sends every chunk at once to a worker: sends are buffered, so the
  caller never waits to submit. A chunk goes to the worker with the fewest
  chunks outstanding. With maxtasksperchild a worker is sent at most that
  many chunks, then left to finish them and exit, and a fresh worker takes
  its place.
- A worker runs each chunk and sends back (job, chunk index, success, pickled
  value) on the pool's own result tag.
- The parent collects results whenever the caller waits on something:
  AsyncResult.get/wait/ready, map, iteration of imap, join. Collecting runs
  the callbacks, in the parent, as results arrive; map and imap deliver in
  order, imap_unordered in arrival order.
- close() sends each worker a stop message after its tasks; join() collects
  what is outstanding and joins the workers; terminate() ends them at once.

A deliberate difference from CPython: the parent waits for results while
watching the workers that owe it some. A worker that ends without answering
(terminated, os._exit, a crash) fails the tasks it held with WorkerLostError,
naming the worker and its exit code, where CPython's Pool would hang.
Results still outstanding when the pool is terminated fail the same way.

An exception raised by a task is re-raised by get()/map() with its type and
message, and the worker's traceback attached as its __cause__
(RemoteTraceback), as CPython prints it.
"""

import collections
import itertools
import pickle
import sys
import time

import _mpi

from . import util
from . import context as _context
from .context import ProcessError, TimeoutError

__all__ = ["Pool", "AsyncResult", "MapResult", "IMapIterator", "RemoteTraceback", "WorkerLostError"]

# Parent -> worker: tasks and the stop message. Worker -> parent: results, on a
# tag of their own per pool (see _RESULT_TAGS), so pools do not mix results.
TASK_TAG = 2
_RESULT_TAGS = itertools.count(16)

# How a chunk's items are called.
_MAP, _STARMAP, _APPLY = 0, 1, 2

RUN, CLOSE, TERMINATE = "RUN", "CLOSE", "TERMINATE"

job_counter = itertools.count()


class WorkerLostError(ProcessError):
    """A pool worker ended before returning the results of its tasks."""


# ---------------------------------------------------------------------------
# Exceptions travelling from a worker
# ---------------------------------------------------------------------------


class RemoteTraceback(Exception):
    """The worker's traceback, attached as __cause__ of the re-raised exception."""

    def __init__(self, tb):
        self.tb = tb

    def __str__(self):
        return self.tb


class ExceptionWithTraceback:
    """An exception with its formatted traceback, for pickling in a worker.

    Unpickled in the parent it becomes the exception itself, with a
    RemoteTraceback of the worker's traceback as its __cause__.
    """

    def __init__(self, exc, tb):
        import traceback  # only a failing task needs it
        text = "".join(traceback.format_exception(type(exc), exc, tb))
        self.exc = exc
        self.tb = '\n"""\n%s"""' % text

    def __reduce__(self):
        return _with_remote_cause, (self.exc, self.tb)


def _with_remote_cause(exc, tb):
    exc.__cause__ = RemoteTraceback(tb)
    return exc


class MaybeEncodingError(Exception):
    """A task's result (or exception) could not be pickled to send it back."""

    def __init__(self, exc, value):
        self.exc = repr(exc)
        self.value = repr(value)
        super().__init__(self.exc, self.value)

    def __str__(self):
        return "Error sending result: '%s'. Reason: '%s'" % (self.value, self.exc)

    def __repr__(self):
        return "<%s: %s>" % (type(self).__name__, self)


# ---------------------------------------------------------------------------
# The worker
# ---------------------------------------------------------------------------


def _worker_loop(result_tag, initializer, initargs, maxtasks):
    """A worker process's target: run chunks until stopped or maxtasks are done."""
    parent = _mpi.mp_parent()
    if initializer is not None:
        initializer(*initargs)
    done = 0
    while maxtasks is None or done < maxtasks:
        data, _, _ = _mpi.mp_recv(parent, TASK_TAG, None, "Pool task")
        envelope = pickle.loads(data)
        if envelope is None:
            break
        job, index, body = envelope
        try:
            func, kind, items = pickle.loads(body)
            if kind == _MAP:
                value = [func(x) for x in items]
            elif kind == _STARMAP:
                value = [func(*x) for x in items]
            else:
                args, kwds = items
                value = func(*args, **kwds)
            ok = True
        except Exception as exc:
            ok, value = False, ExceptionWithTraceback(exc, exc.__traceback__)
        try:
            payload = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            wrapped = MaybeEncodingError(exc, value.exc if not ok else value)
            ok, payload = False, pickle.dumps(ExceptionWithTraceback(wrapped, None))
        _mpi.mp_send(parent, result_tag, pickle.dumps((job, index, ok, payload)))
        done += 1


class _Worker:
    """What the parent tracks of a worker: its process and the chunks it owes."""

    def __init__(self, process):
        self.process = process
        self.slot = process._slot
        self.owed = set()  # (job, chunk index) sent and not yet answered
        self.sent = 0  # chunks sent in all (for maxtasksperchild)
        self.stopped = False  # sent the stop message, or its last allowed chunk


# ---------------------------------------------------------------------------
# The pool
# ---------------------------------------------------------------------------


class Pool:
    """A pool of worker processes (see the module docstring for how it works)."""

    def __init__(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None, context=None):
        self._state = "INIT"
        self._ctx = context or _context._default_context.get_context()
        if processes is None:
            processes = _mpi.mp_cpu_count()
        if processes < 1:
            raise ValueError("Number of processes must be at least 1")
        if maxtasksperchild is not None:
            if not isinstance(maxtasksperchild, int) or maxtasksperchild <= 0:
                raise ValueError("maxtasksperchild must be a positive int or None")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._processes = processes
        self._initializer = initializer
        self._initargs = initargs
        self._maxtasksperchild = maxtasksperchild
        self._tag = next(_RESULT_TAGS)
        self._cache = {}  # job id -> result object still waiting for chunks
        self._workers = {}  # slot -> _Worker, every worker not yet joined
        self._pool = []  # the worker processes accepting tasks, as CPython names it
        try:
            for _ in range(processes):
                self._add_worker()
        except Exception:
            for w in self._workers.values():
                w.process.terminate()
            for w in self._workers.values():
                w.process.join()
            raise
        self._state = RUN

    def _add_worker(self):
        p = self._ctx.Process(
            target=_worker_loop,
            args=(self._tag, self._initializer, self._initargs, self._maxtasksperchild),
        )
        p.name = p.name.replace("Process", "PoolWorker")
        p.daemon = True
        p.start()
        self._workers[p._slot] = _Worker(p)
        self._pool.append(p)

    def __reduce__(self):
        raise NotImplementedError("pool objects cannot be passed between processes or pickled")

    def __repr__(self):
        return "<%s.%s state=%s pool_size=%d>" % (type(self).__module__, type(self).__qualname__, self._state, len(self._pool))

    def _check_running(self):
        if self._state != RUN:
            raise ValueError("Pool not running")

    # -- submitting ---------------------------------------------------------

    def _dispatch(self, result, index, func, kind, items):
        """Sends one chunk to the least busy worker (or fails it if it cannot be pickled)."""
        try:
            body = util.dumps((func, kind, items))
        except Exception as exc:
            if result._job in self._cache:  # not already failed by an earlier chunk
                result._set(index, False, exc)
            return
        worker = self._least_busy()
        _mpi.mp_send(worker.slot, TASK_TAG, pickle.dumps((result._job, index, body)))
        worker.owed.add((result._job, index))
        worker.sent += 1
        if self._maxtasksperchild is not None and worker.sent >= self._maxtasksperchild:
            # It exits by itself after this chunk; another takes its place.
            worker.stopped = True
            self._pool.remove(worker.process)
            self._add_worker()

    def _least_busy(self):
        return min((self._workers[p._slot] for p in self._pool), key=lambda w: len(w.owed))

    def apply(self, func, args=(), kwds={}):
        """func(*args, **kwds) in a worker; waits for the result."""
        return self.apply_async(func, args, kwds).get()

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        """func(*args, **kwds) in a worker; returns an AsyncResult."""
        self._check_running()
        result = ApplyResult(self, callback, error_callback)
        self._dispatch(result, 0, func, _APPLY, (tuple(args), dict(kwds)))
        return result

    def map(self, func, iterable, chunksize=None):
        """[func(x) for x in iterable], computed by the workers, in order."""
        return self._map_async(func, iterable, _MAP, chunksize).get()

    def starmap(self, func, iterable, chunksize=None):
        """[func(*args) for args in iterable], computed by the workers, in order."""
        return self._map_async(func, iterable, _STARMAP, chunksize).get()

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return self._map_async(func, iterable, _MAP, chunksize, callback, error_callback)

    def starmap_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return self._map_async(func, iterable, _STARMAP, chunksize, callback, error_callback)

    def _map_async(self, func, iterable, kind, chunksize=None, callback=None, error_callback=None):
        self._check_running()
        items = list(iterable)
        if chunksize is None:
            # CPython's rule: about four chunks per worker.
            chunksize, extra = divmod(len(items), len(self._pool) * 4)
            if extra:
                chunksize += 1
        if len(items) == 0:
            chunksize = 0
        elif chunksize < 1:
            raise ValueError("Chunksize must be 1+, not {0:n}".format(chunksize))
        result = MapResult(self, chunksize, len(items), callback, error_callback)
        for index, start in enumerate(range(0, len(items), chunksize or 1)):
            self._dispatch(result, index, func, kind, items[start : start + chunksize])
        return result

    def imap(self, func, iterable, chunksize=1):
        """An iterator over func(x) for x in iterable, in order."""
        return self._imap(IMapIterator, func, iterable, chunksize)

    def imap_unordered(self, func, iterable, chunksize=1):
        """An iterator over func(x) for x in iterable, in the order results arrive."""
        return self._imap(IMapUnorderedIterator, func, iterable, chunksize)

    def _imap(self, cls, func, iterable, chunksize):
        self._check_running()
        if chunksize < 1:
            raise ValueError("Chunksize must be 1+, not {0:n}".format(chunksize))
        items = list(iterable)
        chunks = [items[start : start + chunksize] for start in range(0, len(items), chunksize)]
        result = cls(self, len(chunks))
        for index, chunk in enumerate(chunks):
            self._dispatch(result, index, func, _MAP, chunk)
        return result

    # -- collecting ---------------------------------------------------------

    def _collect(self, until, timeout=None):
        """Receives results until until() is true; False if `timeout` seconds pass first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not until():
            watch = [w.slot for w in self._workers.values() if w.owed]
            if not watch:
                # Nothing is owed that could make until() true.
                return until()
            remaining = None
            if deadline is not None:
                remaining = max(deadline - time.monotonic(), 0.0)
            got = _mpi.mp_recv(_mpi.ANY, self._tag, remaining, "Pool result", watch)
            if got is None:
                return False
            data, source, _ = got
            if data is None:
                # The end of a worker is reported when nothing from it is
                # waiting; look once more before believing it, so that an
                # answer sent just before the end is never taken for a loss.
                late = _mpi.mp_recv(source, self._tag, 0.0, "Pool result")
                if late is not None:
                    self._receive(source, late[0])
                    continue
                self._lost(self._workers[source])
            else:
                self._receive(source, data)
        return True

    def _drain(self):
        """Takes the results that have already arrived, without waiting."""
        self._collect(lambda: False, 0.0)

    def _receive(self, source, data):
        job, index, ok, payload = pickle.loads(data)
        worker = self._workers.get(source)
        if worker is not None:
            worker.owed.discard((job, index))
        result = self._cache.get(job)
        if result is None:
            return  # a map that already failed, or a terminated pool's job
        try:
            value = pickle.loads(payload)
        except Exception as exc:
            ok, value = False, exc
        result._set(index, ok, value)

    def _lost(self, worker):
        """A worker ended owing results: fail its chunks and replace it."""
        code = worker.process.exitcode
        error = WorkerLostError(
            "pool worker %s ended with exit code %s before returning the results of its tasks"
            % (worker.process.name, code)
        )
        self._fail_owed(worker, error)
        del self._workers[worker.slot]
        if worker.process in self._pool:
            self._pool.remove(worker.process)
            # Keep the pool's size while it takes tasks (after close() nothing
            # more will be submitted).
            if self._state == RUN:
                self._add_worker()

    def _fail_owed(self, worker, error):
        for job, index in sorted(worker.owed):
            result = self._cache.get(job)
            if result is not None:
                result._set(index, False, error)
        worker.owed.clear()

    # -- ending -------------------------------------------------------------

    def _stop(self, worker):
        if not worker.stopped:
            _mpi.mp_send(worker.slot, TASK_TAG, pickle.dumps(None))
            worker.stopped = True

    def close(self):
        """No more tasks: each worker exits once it has run the ones it has."""
        if self._state == RUN:
            self._state = CLOSE
            for p in self._pool:
                self._stop(self._workers[p._slot])

    def terminate(self):
        """Ends the workers now; results still outstanding fail with WorkerLostError."""
        if self._state == TERMINATE:
            return
        self._state = TERMINATE
        for w in self._workers.values():
            w.process.terminate()
        for w in list(self._workers.values()):
            w.process.join()
            self._fail_owed(w, WorkerLostError("the pool was terminated before the task finished"))
        self._workers.clear()
        self._pool = []

    def join(self):
        """Waits for the workers to exit (after close() or terminate())."""
        if self._state == RUN:
            raise ValueError("Pool is still running")
        elif self._state not in (CLOSE, TERMINATE):
            raise ValueError("In unknown state")
        self._collect(lambda: not any(w.owed for w in self._workers.values()))
        for w in list(self._workers.values()):
            w.process.join()
        self._workers.clear()
        self._pool = []

    def __enter__(self):
        self._check_running()
        return self

    def __exit__(self, *args):
        self.terminate()


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


class ApplyResult:
    """The result of apply_async (and the base of map_async's)."""

    def __init__(self, pool, callback, error_callback):
        self._pool = pool
        self._job = next(job_counter)
        self._callback = callback
        self._error_callback = error_callback
        self._ready = False
        self._success = None
        self._value = None
        pool._cache[self._job] = self

    def ready(self):
        """Whether the result has arrived (takes any results waiting, without blocking)."""
        if not self._ready:
            self._pool._drain()
        return self._ready

    def successful(self):
        """Whether the call returned without raising; ValueError if not ready."""
        if not self.ready():
            raise ValueError("{0!r} not ready".format(self))
        return self._success

    def wait(self, timeout=None):
        """Waits until the result arrives or `timeout` seconds pass."""
        self._pool._collect(lambda: self._ready, timeout)

    def get(self, timeout=None):
        """The result, or the exception the call raised; TimeoutError if not ready in time."""
        self.wait(timeout)
        if not self._ready:
            raise TimeoutError
        if self._success:
            return self._value
        raise self._value

    def _set(self, index, ok, value):
        self._success, self._value = ok, value
        self._finish()

    def _finish(self):
        del self._pool._cache[self._job]
        self._ready = True
        if self._success and self._callback:
            self._callback(self._value)
        if not self._success and self._error_callback:
            self._error_callback(self._value)


AsyncResult = ApplyResult


class MapResult(ApplyResult):
    """The result of map_async: a list, ready when every chunk is (or one fails)."""

    def __init__(self, pool, chunksize, length, callback, error_callback):
        super().__init__(pool, callback, error_callback)
        self._chunksize = chunksize
        self._success = True
        self._value = [None] * length
        self._left = 0 if chunksize == 0 else -(-length // chunksize)
        if self._left == 0:
            self._finish()

    def _set(self, index, ok, value):
        if ok:
            start = index * self._chunksize
            self._value[start : start + self._chunksize] = value
            self._left -= 1
            if self._left == 0:
                self._finish()
        else:
            # The first failure decides, as in CPython; later chunks are ignored.
            self._success, self._value = False, value
            self._finish()


class IMapIterator:
    """The iterator imap returns: results in order, collected as they are needed."""

    def __init__(self, pool, chunks):
        self._pool = pool
        self._job = next(job_counter)
        self._chunks = chunks  # how many chunks were submitted
        self._arrived = {}  # chunk index -> (ok, value)
        self._next_chunk = 0
        self._items = collections.deque()  # values of the chunk being handed out
        if chunks:
            pool._cache[self._job] = self

    def __iter__(self):
        return self

    def _set(self, index, ok, value):
        self._arrived[index] = (ok, value)
        if len(self._arrived) + self._next_chunk >= self._chunks:
            self._pool._cache.pop(self._job, None)

    def _available(self):
        return self._next_chunk in self._arrived

    def next(self, timeout=None):
        while not self._items:
            if self._next_chunk >= self._chunks:
                raise StopIteration
            if not self._available():
                if not self._pool._collect(self._available, timeout) and not self._available():
                    raise TimeoutError
            ok, value = self._take()
            if not ok:
                raise value
            self._items.extend(value)
        return self._items.popleft()

    __next__ = next

    def _take(self):
        got = self._arrived.pop(self._next_chunk)
        self._next_chunk += 1
        return got


class IMapUnorderedIterator(IMapIterator):
    """The iterator imap_unordered returns: results in the order they arrive."""

    def __init__(self, pool, chunks):
        super().__init__(pool, chunks)
        self._order = collections.deque()  # chunk indices in arrival order

    def _set(self, index, ok, value):
        self._order.append(index)
        super()._set(index, ok, value)

    def _available(self):
        return bool(self._order)

    def _take(self):
        got = self._arrived.pop(self._order.popleft())
        self._next_chunk += 1
        return got


class ThreadPool:
    """Not offered: a thread pool needs threads, which the browser does not give."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("multiprocessing.pool.ThreadPool is not supported in the playground; use Pool")
