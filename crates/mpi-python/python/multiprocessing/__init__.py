"""multiprocessing for the playground: processes as extra interpreters of the run.

This package replaces the standard library's. A process is a fresh
interpreter in a slot of the run (a thread natively, a Web Worker in the
browser) that imports the script as `__mp_main__` and runs what its parent
pickled for it: CPython's *spawn* semantics, so code under
``if __name__ == "__main__":`` runs only in the main process, and functions
and arguments travel pickled by reference. Locks, queues, pipes and shared
values live in the run's shared memory and pickle as their offsets.

The API is CPython's: the names below are the default context's (see
`context.py`), as in CPython's own `multiprocessing/__init__.py`.
Not offered: managers (`Manager()` raises NotImplementedError), the fork
server, `multiprocessing.dummy`, shared_memory and listeners/clients.
"""

import sys

from . import context, process

__all__ = [
    "Array",
    "AuthenticationError",
    "Barrier",
    "BoundedSemaphore",
    "BufferTooShort",
    "Condition",
    "Event",
    "JoinableQueue",
    "Lock",
    "Manager",
    "Pipe",
    "Pool",
    "Process",
    "ProcessError",
    "Queue",
    "RLock",
    "RawArray",
    "RawValue",
    "Semaphore",
    "SimpleQueue",
    "TimeoutError",
    "Value",
    "active_children",
    "allow_connection_pickling",
    "cpu_count",
    "current_process",
    "freeze_support",
    "get_all_start_methods",
    "get_context",
    "get_logger",
    "get_start_method",
    "log_to_stderr",
    "parent_process",
    "set_executable",
    "set_forkserver_preload",
    "set_start_method",
]

# Bound to the default context, so that set_start_method() affects them all.
globals().update((name, getattr(context._default_context, name)) for name in __all__)

SUBDEBUG = 5
SUBWARNING = 25

# A child imports the script as `__mp_main__` and also installs it as
# `__main__`. Here, in the process that runs the script as `__main__`, the
# alias lets this process unpickle what a child pickled by reference to its
# `__mp_main__` (a class defined in the script, say).
if "__main__" in sys.modules:
    sys.modules["__mp_main__"] = sys.modules["__main__"]


def _at_rank_exit(failed):
    """Called by the host after an MPI rank's script ends (if it imported this
    package): terminates daemonic children (pool workers among them) and joins
    the others, or terminates them all when the script failed."""
    process._exit_function(failed)
