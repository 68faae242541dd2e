"""Managers are not offered in the playground.

A CPython manager is a server process that other processes reach through
sockets; processes here have no sockets. Creating one raises
NotImplementedError with a message that names what to use instead.
"""

__all__ = ["BaseManager", "SyncManager"]

UNSUPPORTED = (
    "multiprocessing managers (Manager(), SyncManager, BaseManager) are not supported in the playground; "
    "share data with multiprocessing.Queue, JoinableQueue, SimpleQueue, Pipe, Value, Array, RawValue, "
    "RawArray, or synchronize with Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and Barrier"
)


class BaseManager:
    """Raises NotImplementedError: there is no manager server here."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(UNSUPPORTED)

    @classmethod
    def register(cls, *args, **kwargs):
        """Accepted, so that class definitions in scripts still run."""


class SyncManager(BaseManager):
    pass
