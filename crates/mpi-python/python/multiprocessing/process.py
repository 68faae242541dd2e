"""Process objects and this interpreter's place in the process tree.

A started process is a slot of the run (`_mpi.mp_spawn`): a fresh interpreter
that imports the script as `__mp_main__` and then runs the process object its
parent pickled for it (see `_child.py`). So every process starts the way
CPython's *spawn* method starts one, whatever start method a script names.

Names and identities follow CPython: each process counts the processes it
creates (1, 2, ...), a process's identity is its creator's identity plus that
count, and its default name is its class name and identity ("Process-1",
"Process-1:2"). The MPI rank itself is "MainProcess" with identity ().

The parent hands a child two things with one message on BOOT_TAG: plain data
the child needs before it imports the script (its name, sys.path, sys.argv,
the start method) and the pickled process object, which can only be unpickled
after the script is imported because the target usually lives there.
"""

import itertools
import os
import sys

import _mpi

from . import util

# Tag of the one message a parent sends a new child (see _child.py).
BOOT_TAG = 1

# The exit codes of processes ended by a signal, as CPython names them in reprs.
_SIGNAL_NAMES = {-2: "SIGINT", -9: "SIGKILL", -15: "SIGTERM"}


def current_process():
    """The Process object of this interpreter."""
    return _current_process


def parent_process():
    """The Process object of this process's parent; None in the main process."""
    return _parent_process


def active_children():
    """The children of this process that have not ended yet."""
    _cleanup()
    return list(_children)


def _cleanup():
    # Forget children that have ended, as CPython does whenever it looks.
    for p in list(_children):
        if p._slot is not None and _mpi.mp_exitcode(p._slot) is not None:
            _children.discard(p)


class AuthenticationString(bytes):
    """An authkey: bytes that refuse to be pickled except to start a process."""

    def __reduce__(self):
        if not util._spawning:
            raise TypeError("Pickling an AuthenticationString object is disallowed for security reasons")
        return AuthenticationString, (bytes(self),)


class BaseProcess:
    """A process: `run()` (by default the target) in a fresh interpreter."""

    # The start method a subclass stands for; None means "the default context's".
    _start_method = None

    def __init__(self, group=None, target=None, name=None, args=(), kwargs={}, *, daemon=None):
        assert group is None, "group argument must be None for now"
        count = next(_process_counter)
        self._identity = _current_process._identity + (count,)
        self._config = _current_process._config.copy()
        self._parent_pid = os.getpid()
        self._parent_name = _current_process.name
        self._slot = None  # the run's slot once started
        self._killed = False
        self._closed = False
        self._target = target
        self._args = tuple(args)
        self._kwargs = dict(kwargs)
        self._name = name or type(self).__name__ + "-" + ":".join(str(i) for i in self._identity)
        if daemon is not None:
            self.daemon = daemon

    def _check_closed(self):
        if self._closed:
            raise ValueError("process object is closed")

    def run(self):
        """What the process does: calls the target with args and kwargs."""
        if self._target:
            self._target(*self._args, **self._kwargs)

    def start(self):
        """Starts the process in a fresh interpreter (spawn semantics)."""
        self._check_closed()
        assert self._slot is None, "cannot start a process twice"
        assert self._parent_pid == os.getpid(), "can only start a process object created by current process"
        assert not _current_process._config.get("daemon"), "daemonic processes are not allowed to have children"
        _cleanup()
        # Pickle first: an unpicklable target or argument raises here, in the
        # caller, before any slot is taken.
        boot = self._boot_message()
        self._slot = _mpi.mp_spawn(self._name)
        _mpi.mp_send(self._slot, BOOT_TAG, boot)
        # As CPython: drop the references, the child has its own copies.
        del self._target, self._args, self._kwargs
        _children.add(self)

    def _boot_message(self):
        from . import context

        method = self._start_method or context._default_context.get_start_method()
        prep = {
            "name": self._name,
            "authkey": bytes(self.authkey),
            "sys_path": list(sys.path),
            "sys_argv": list(sys.argv),
            "start_method": method,
        }
        return util.spawning_dumps((prep, util.spawning_dumps(self)))

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_slot"] = None
        return state

    def terminate(self):
        """Ends the process now (exit code -15, as SIGTERM)."""
        self._check_closed()
        if self._slot is not None:
            _mpi.mp_terminate(self._slot)

    def kill(self):
        """Ends the process now (exit code -9, as SIGKILL)."""
        self._check_closed()
        if self._slot is not None:
            # The host ends a process one way only; remember that this one was
            # killed so that its exit code reads as SIGKILL's.
            if _mpi.mp_exitcode(self._slot) is None:
                self._killed = True
            _mpi.mp_terminate(self._slot)

    def join(self, timeout=None):
        """Waits until the process ends, or until `timeout` seconds pass."""
        self._check_closed()
        assert self._parent_pid == os.getpid(), "can only join a child process"
        assert self._slot is not None, "can only join a started process"
        if _mpi.mp_join(self._slot, util.seconds(timeout)) is not None:
            _children.discard(self)

    def is_alive(self):
        """Whether the process has started and not ended."""
        self._check_closed()
        if self is _current_process:
            return True
        assert self._parent_pid == os.getpid(), "can only test a child process"
        if self._slot is None:
            return False
        if _mpi.mp_exitcode(self._slot) is None:
            return True
        _children.discard(self)
        return False

    def close(self):
        """Releases the process object; most methods raise ValueError after it."""
        if self._slot is not None:
            if _mpi.mp_exitcode(self._slot) is None:
                raise ValueError(
                    "Cannot close a process while it is still running. You should first call join() or terminate()."
                )
            _children.discard(self)
        self._closed = True

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, name):
        assert isinstance(name, str), "name must be a string"
        self._name = name

    @property
    def daemon(self):
        """Daemonic processes are terminated when their parent ends, and may not start children."""
        return self._config.get("daemon", False)

    @daemon.setter
    def daemon(self, daemonic):
        assert self._slot is None, "process has already started"
        self._config["daemon"] = daemonic

    @property
    def authkey(self):
        return self._config["authkey"]

    @authkey.setter
    def authkey(self, authkey):
        self._config["authkey"] = AuthenticationString(authkey)

    @property
    def exitcode(self):
        """None while running; else 0, the code given to sys.exit, 1 after an exception, or -signal."""
        self._check_closed()
        if self._slot is None:
            return None
        code = _mpi.mp_exitcode(self._slot)
        if code == -15 and self._killed:
            return -9
        return code

    @property
    def ident(self):
        """The process id (None before start)."""
        self._check_closed()
        if self is _current_process:
            return os.getpid()
        return None if self._slot is None else _mpi.mp_pid(self._slot)

    pid = ident

    def __repr__(self):
        code = None
        if self is _current_process:
            status = "started"
        elif self._closed:
            status = "closed"
        elif self._parent_pid != os.getpid():
            status = "unknown"
        elif self._slot is None:
            status = "initial"
        else:
            code = self.exitcode
            status = "started" if code is None else "stopped"
        parts = [type(self).__name__, "name=%r" % self._name]
        if self._slot is not None:
            parts.append("pid=%s" % _mpi.mp_pid(self._slot))
        parts.append("parent=%s" % self._parent_pid)
        parts.append(status)
        if code is not None:
            parts.append("exitcode=%s" % _SIGNAL_NAMES.get(code, code))
        if self.daemon:
            parts.append("daemon")
        return "<%s>" % " ".join(parts)

    def _bootstrap(self, parent_slot):
        """Runs this process in the child and returns its exit code (CPython's rules)."""
        global _current_process, _parent_process, _process_counter, _children
        try:
            # The child counts and keeps its own children from scratch.
            _process_counter = itertools.count(1)
            _children = set()
            _current_process = self
            _parent_process = _ParentProcess(self._parent_name, self._parent_pid, parent_slot)
            try:
                self.run()
            except (_mpi.RunStopped, ExitNow):
                raise
            except BaseException:
                _exit_function()
                raise
            _exit_function()
            exitcode = 0
        except (_mpi.RunStopped, ExitNow):
            # The run is being stopped, or os._exit() was called: no cleanup,
            # no traceback (_child.run deals with both).
            raise
        except SystemExit as e:
            exitcode = _exit_code_of(e)
        except BaseException:
            exitcode = 1
            import traceback

            sys.stderr.write("Process %s:\n" % self.name)
            traceback.print_exc()
        finally:
            util.flush_std_streams()
        return exitcode


class ExitNow(BaseException):
    """os._exit(code) in a child: ends the process at once with `code`.

    A child is an interpreter inside the run's host process, so the real
    os._exit would end the whole run; _child.run installs an os._exit that
    raises this instead, and turns it into the exit code.
    """

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _exit_code_of(exc):
    """The exit code a SystemExit stands for; a non-int code is printed, as CPython does."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    sys.stderr.write(str(exc.code) + "\n")
    return 1


def _exit_function(failed=False):
    """At the end of a process: terminate daemonic children, join the others.

    With `failed` (the MPI rank's script raised) every child is terminated,
    since nobody is left to wait for their results.
    """
    for p in active_children():
        if p.daemon or failed:
            p.terminate()
    for p in active_children():
        p.join()


class _MainProcess(BaseProcess):
    """The MPI rank's own process object."""

    def __init__(self):
        self._identity = ()
        self._name = "MainProcess"
        self._parent_pid = None
        self._parent_name = None
        self._slot = None
        self._killed = False
        self._closed = False
        self._config = {"authkey": AuthenticationString(os.urandom(32)), "semprefix": "/mp"}

    def close(self):
        pass


class _ParentProcess(BaseProcess):
    """What a child knows of its parent: name, pid, and whether it still runs."""

    def __init__(self, name, pid, slot):
        self._identity = ()
        self._name = name
        self._pid = pid
        self._parent_pid = None
        self._parent_name = None
        self._slot = slot
        self._killed = False
        self._closed = False
        self._config = {}

    def is_alive(self):
        return _mpi.mp_exitcode(self._slot) is None

    @property
    def ident(self):
        return self._pid

    pid = ident

    def join(self, timeout=None):
        _mpi.mp_join(self._slot, util.seconds(timeout))

    def __repr__(self):
        return "<_ParentProcess name=%r parent=None>" % self._name


_current_process = _MainProcess()
_parent_process = None
_process_counter = itertools.count(1)
_children = set()
