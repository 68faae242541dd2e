"""Contexts: the start methods and the factory functions of the package.

Every process here starts as CPython's *spawn* method starts one: a fresh
interpreter that imports the script as `__mp_main__`. The default start method
is therefore "spawn" (as on macOS and Windows). "fork" and "forkserver" are
accepted so that scripts written for Linux run, and their classes carry the
method's name as in CPython (ForkProcess, ForkPoolWorker-N), but their
processes start by spawning too: a forked child would share the parent's
memory, and an interpreter here cannot be copied.
"""

import _mpi

from . import process


class ProcessError(Exception):
    pass


class BufferTooShort(ProcessError):
    pass


class TimeoutError(ProcessError):
    pass


class AuthenticationError(ProcessError):
    pass


class BaseContext:
    """The package's API; each start method's context is one of these."""

    ProcessError = ProcessError
    BufferTooShort = BufferTooShort
    TimeoutError = TimeoutError
    AuthenticationError = AuthenticationError

    current_process = staticmethod(process.current_process)
    parent_process = staticmethod(process.parent_process)
    active_children = staticmethod(process.active_children)

    def cpu_count(self):
        """The number of workers the host allows (the machine's cores natively,
        navigator.hardwareConcurrency in the browser)."""
        return _mpi.mp_cpu_count()

    def Manager(self):
        from .managers import SyncManager

        return SyncManager(ctx=self.get_context())

    def Pipe(self, duplex=True):
        from .connection import Pipe

        return Pipe(duplex)

    def Lock(self):
        from .synchronize import Lock

        return Lock(ctx=self.get_context())

    def RLock(self):
        from .synchronize import RLock

        return RLock(ctx=self.get_context())

    def Condition(self, lock=None):
        from .synchronize import Condition

        return Condition(lock, ctx=self.get_context())

    def Semaphore(self, value=1):
        from .synchronize import Semaphore

        return Semaphore(value, ctx=self.get_context())

    def BoundedSemaphore(self, value=1):
        from .synchronize import BoundedSemaphore

        return BoundedSemaphore(value, ctx=self.get_context())

    def Event(self):
        from .synchronize import Event

        return Event(ctx=self.get_context())

    def Barrier(self, parties, action=None, timeout=None):
        from .synchronize import Barrier

        return Barrier(parties, action, timeout, ctx=self.get_context())

    def Queue(self, maxsize=0):
        from .queues import Queue

        return Queue(maxsize, ctx=self.get_context())

    def JoinableQueue(self, maxsize=0):
        from .queues import JoinableQueue

        return JoinableQueue(maxsize, ctx=self.get_context())

    def SimpleQueue(self):
        from .queues import SimpleQueue

        return SimpleQueue(ctx=self.get_context())

    def Pool(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None):
        from .pool import Pool

        return Pool(processes, initializer, initargs, maxtasksperchild, context=self.get_context())

    def RawValue(self, typecode_or_type, *args):
        from .sharedctypes import RawValue

        return RawValue(typecode_or_type, *args)

    def RawArray(self, typecode_or_type, size_or_initializer):
        from .sharedctypes import RawArray

        return RawArray(typecode_or_type, size_or_initializer)

    def Value(self, typecode_or_type, *args, lock=True):
        from .sharedctypes import Value

        return Value(typecode_or_type, *args, lock=lock, ctx=self.get_context())

    def Array(self, typecode_or_type, size_or_initializer, *, lock=True):
        from .sharedctypes import Array

        return Array(typecode_or_type, size_or_initializer, lock=lock, ctx=self.get_context())

    def freeze_support(self):
        """Nothing to do: there are no frozen executables here."""

    def get_logger(self):
        from .util import get_logger

        return get_logger()

    def log_to_stderr(self, level=None):
        from .util import log_to_stderr

        return log_to_stderr(level)

    def allow_connection_pickling(self):
        """Connections always pickle here; kept for compatibility."""

    def set_executable(self, executable):
        """Ignored: a process is an interpreter of the run, not an executable."""

    def set_forkserver_preload(self, module_names):
        """Ignored: there is no fork server."""

    def get_context(self, method=None):
        if method is None:
            return self
        try:
            ctx = _concrete_contexts[method]
        except KeyError:
            raise ValueError("cannot find context for %r" % method) from None
        ctx._check_available()
        return ctx

    def get_start_method(self, allow_none=False):
        return self._name

    def set_start_method(self, method, force=False):
        raise ValueError("cannot set start method of concrete context")

    def get_all_start_methods(self):
        return list(_concrete_contexts)

    def _check_available(self):
        pass


class Process(process.BaseProcess):
    """A process of the default context (named "Process-N")."""

    _start_method = None


class DefaultContext(BaseContext):
    """The context `multiprocessing.*` uses: a start method chosen once."""

    Process = Process

    def __init__(self, context):
        self._default_context = context
        self._actual_context = None

    def get_context(self, method=None):
        if method is None:
            if self._actual_context is None:
                self._actual_context = self._default_context
            return self._actual_context
        return super().get_context(method)

    def set_start_method(self, method, force=False):
        if self._actual_context is not None and not force:
            raise RuntimeError("context has already been set")
        if method is None and force:
            self._actual_context = None
            return
        self._actual_context = self.get_context(method)

    def get_start_method(self, allow_none=False):
        if self._actual_context is None:
            if allow_none:
                return None
            self._actual_context = self._default_context
        return self._actual_context._name

    def get_all_start_methods(self):
        return list(_concrete_contexts)


class SpawnProcess(process.BaseProcess):
    _start_method = "spawn"


class ForkProcess(process.BaseProcess):
    _start_method = "fork"


class ForkServerProcess(process.BaseProcess):
    _start_method = "forkserver"


class SpawnContext(BaseContext):
    _name = "spawn"
    Process = SpawnProcess


class ForkContext(BaseContext):
    _name = "fork"
    Process = ForkProcess


class ForkServerContext(BaseContext):
    _name = "forkserver"
    Process = ForkServerProcess


# The default first, as CPython lists them.
_concrete_contexts = {
    "spawn": SpawnContext(),
    "fork": ForkContext(),
    "forkserver": ForkServerContext(),
}
_default_context = DefaultContext(_concrete_contexts["spawn"])


def _force_start_method(method):
    """In a child: the parent's start method, as CPython's spawn sets it."""
    _default_context._actual_context = _concrete_contexts[method]
