"""`collect` and `compose`: futures made from futures."""

from mpi4py.futures import _manager

__all__ = ["collect", "compose"]


class _Derived(_manager.Future):
    """A future completed from others: waiting on it waits on them."""

    def __init__(self, sources):
        super().__init__()
        self._sources = list(sources)

    def _settle(self, timeout):
        import time
        end = None if timeout is None else time.monotonic() + timeout
        for source in self._sources:
            left = None if end is None else max(end - time.monotonic(), 0)
            try:
                source.exception(timeout=left)
            except Exception:           # timed out or cancelled: ours says so below
                break

    def result(self, timeout=None):
        self._settle(timeout)
        return _manager._cf.Future.result(self, timeout=0)

    def exception(self, timeout=None):
        self._settle(timeout)
        return _manager._cf.Future.exception(self, timeout=0)


def collect(fs):
    """Gather a collection of futures in a new future: its result is the
    list of their results; the first failure (or cancellation) is its own."""
    fs = list(fs)
    out = _Derived(fs)
    if not fs:
        out.set_result([])
        return out
    left = [len(fs)]

    def done(_f):
        if out.done():
            return
        if _f.cancelled():
            for f in fs:
                f.cancel()
            out.cancel()
            out.set_running_or_notify_cancel()
            return
        error = _f.exception()
        if error is not None:
            for f in fs:
                f.cancel()
            out.set_exception(error)
            return
        left[0] -= 1
        if not left[0]:
            out.set_result([f.result() for f in fs])

    for f in fs:
        f.add_done_callback(done)
    return out


def compose(future, resulthook=None, excepthook=None):
    """Compose the completion of a future with result and exception hooks:
    the new future holds `resulthook(result)`, or `excepthook(exception)`
    (an exception it returns is raised; anything else is the result)."""
    out = _Derived([future])

    def done(f):
        if f.cancelled():
            out.cancel()
            out.set_running_or_notify_cancel()
            return
        error = f.exception()
        try:
            if error is None:
                value = f.result()
                out.set_result(value if resulthook is None else resulthook(value))
            elif excepthook is None:
                out.set_exception(error)
            else:
                value = excepthook(error)
                if isinstance(value, BaseException):
                    out.set_exception(value)
                else:
                    out.set_result(value)
        except BaseException as exc:    # noqa: BLE001 - a hook's failure is the future's
            out.set_exception(exc)

    future.add_done_callback(done)
    return out
