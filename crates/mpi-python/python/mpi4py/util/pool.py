"""`mpi4py.util.pool`: `multiprocessing.pool`'s interface over
`mpi4py.futures` executors (`Pool` over `MPIPoolExecutor`, `ThreadPool`
over `ThreadPoolExecutor`; a subclass may name another `Executor`)."""

import concurrent.futures as _cf
import warnings

from mpi4py import futures as _futures
from mpi4py.futures import util as _util

__all__ = ["Pool", "ThreadPool", "AsyncResult", "ApplyResult", "MapResult"]


class Pool:
    """Pool using MPI processes as workers."""

    Executor = _futures.MPIPoolExecutor

    def __init__(self, processes=None, initializer=None, initargs=(), **kwargs):
        if processes is not None and processes < 1:
            raise ValueError("number of processes must be at least 1")
        for name in ("maxtasksperchild", "context"):
            if name in kwargs:
                kwargs.pop(name)
                warnings.warn(f"mpi4py.util.pool: argument '{name}' is not supported and is ignored",
                              UserWarning, stacklevel=2)
        self.executor = self.Executor(processes, initializer=initializer, initargs=initargs, **kwargs)
        self._state = "run"

    def _check_running(self):
        if self._state != "run":
            raise ValueError("Pool not running")

    def apply(self, func, args=(), kwds={}):  # noqa: B006 - multiprocessing's signature
        """Call `func` with arguments `args` and keyword arguments `kwds`."""
        return self.apply_async(func, args, kwds).get()

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):  # noqa: B006
        """Asynchronous version of `apply`."""
        self._check_running()
        future = self.executor.submit(func, *args, **kwds)
        return ApplyResult(future, callback, error_callback)

    def map(self, func, iterable, chunksize=None):
        """Apply `func` to each element in `iterable`."""
        return self.map_async(func, iterable, chunksize).get()

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        """Asynchronous version of `map`."""
        return self._map_async(func, [(item,) for item in iterable], chunksize, callback, error_callback)

    def imap(self, func, iterable, chunksize=1):
        """Like `map`, but lazier: the results in order, as they come."""
        self._check_running()
        return self.executor.map(func, iterable, chunksize=chunksize)

    def imap_unordered(self, func, iterable, chunksize=1):
        """Like `imap`, in the order the results come."""
        self._check_running()
        return self.executor.map(func, iterable, chunksize=chunksize, unordered=True)

    def starmap(self, func, iterable, chunksize=None):
        """Like `map`, each item of `iterable` the arguments of one call."""
        return self.starmap_async(func, iterable, chunksize).get()

    def starmap_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        """Asynchronous version of `starmap`."""
        return self._map_async(func, [tuple(args) for args in iterable], chunksize, callback, error_callback)

    def istarmap(self, func, iterable, chunksize=1):
        """Like `starmap`, but lazier."""
        self._check_running()
        return self.executor.starmap(func, iterable, chunksize=chunksize)

    def istarmap_unordered(self, func, iterable, chunksize=1):
        """Like `istarmap`, in the order the results come."""
        self._check_running()
        return self.executor.starmap(func, iterable, chunksize=chunksize, unordered=True)

    def _map_async(self, func, argtuples, chunksize, callback, error_callback):
        self._check_running()
        size = max(int(chunksize or 1), 1)
        chunks = [argtuples[i:i + size] for i in range(0, len(argtuples), size)]
        futures = [self.executor.submit(_run_chunk, func, chunk) for chunk in chunks]
        return MapResult(_util.compose(_util.collect(futures), _flatten), callback, error_callback)

    def close(self):
        """Prevent any more tasks from being submitted to the pool."""
        if self._state == "run":
            self._state = "close"
            self.executor.shutdown(wait=False)

    def terminate(self):
        """Stop the worker processes without completing pending work."""
        self._state = "terminate"
        terminate = getattr(self.executor, "_terminate", None)
        if terminate is not None:
            terminate()
        else:
            self.executor.shutdown(wait=False, cancel_futures=True)

    def join(self):
        """Wait for the worker processes to exit."""
        if self._state == "run":
            raise ValueError("Pool is still running")
        self.executor.shutdown(wait=True)

    def __enter__(self):
        self._check_running()
        return self

    def __exit__(self, *args):
        self.terminate()


class ThreadPool(Pool):
    """Pool using threads as workers (see `mpi4py.futures.pool`)."""

    Executor = _futures.ThreadPoolExecutor


def _run_chunk(func, chunk):
    return [func(*args) for args in chunk]


def _flatten(chunks):
    return [item for chunk in chunks for item in chunk]


class AsyncResult:
    """The result of an asynchronous call, from its future."""

    def __init__(self, future, callback=None, error_callback=None):
        self.future = future
        if callback is not None or error_callback is not None:
            def done(f):
                if f.cancelled():
                    return
                error = f.exception()
                if error is None:
                    if callback is not None:
                        callback(f.result())
                elif error_callback is not None:
                    error_callback(error)
            future.add_done_callback(done)

    def get(self, timeout=None):
        """Return the result when it arrives; TimeoutError if it did not
        within `timeout` seconds (or never will: the pool was terminated)."""
        self.wait(timeout)
        if not self.ready() or self.future.cancelled():
            raise TimeoutError
        return self.future.result()

    def wait(self, timeout=None):
        """Wait until the result is available or `timeout` seconds pass."""
        _cf.wait([self.future], timeout)

    def ready(self):
        """Return whether the call has completed."""
        return self.future.done()

    def successful(self):
        """Return whether the call completed without raising an exception
        (ValueError if it has not completed)."""
        if not self.ready():
            raise ValueError(f"{self!r} not ready")
        return not self.future.cancelled() and self.future.exception() is None


class ApplyResult(AsyncResult):
    """Result type of `apply_async`."""


class MapResult(AsyncResult):
    """Result type of `map_async` and `starmap_async`."""
