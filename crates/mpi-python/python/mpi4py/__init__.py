"""The **MPI for Python** package, as the playground provides it.

Scripts written for mpi4py run here unchanged: ``from mpi4py import MPI`` gives
the module `mpi4py.MPI`, which speaks the mpi4py API on top of the playground's
native message-passing core. MPI is initialized when `mpi4py.MPI` is imported,
as with mpi4py's defaults.
"""

import sys as _sys

# The package is frozen into the runtime, so it has no folder of its own; it
# names the one pip would have installed it in, as CPython names a frozen
# stdlib package's source folder. Scripts and mpi4py's tests build paths
# from these (`mpi4py.__path__[0]`), though nothing is read there.
__file__ = "{}/lib/python{}.{}/site-packages/mpi4py/__init__.py".format(
    _sys.prefix, *_sys.version_info[:2])
__path__.append(__file__.rpartition("/")[0])

__version__ = "4.1.2"
__author__ = "Lisandro Dalcin"
__credits__ = "MPI Forum, MPICH Team, Open MPI Team"

__all__ = ["MPI"]


class Rc:
    """Runtime configuration options.

    The same options as mpi4py's. Most only matter to a real MPI library and
    are accepted for compatibility; ``irecv_bufsz`` is honoured (the largest
    message ``irecv()`` without a buffer accepts, as in mpi4py).

    Attributes
    ----------
    initialize : bool
        Automatic MPI initialization at import (default: True).
    threads : bool
        Request initialization with thread support (default: True).
    thread_level : {"multiple", "serialized", "funneled", "single"}
        Level of thread support to request (default: "multiple").
    finalize : None or bool
        Automatic MPI finalization at exit (default: None).
    fast_reduce : bool
        Use tree-based reductions for objects (default: True).
    recv_mprobe : bool
        Use matched probes to receive objects (default: True).
    irecv_bufsz : int
        Default buffer size in bytes for ``irecv()`` (default = 32768).
    errors : {"exception", "default", "abort", "fatal"}
        Error handling policy (default: "exception").
    """

    initialize = True
    threads = True
    thread_level = "multiple"
    finalize = None
    fast_reduce = True
    recv_mprobe = True
    irecv_bufsz = 32768
    errors = "exception"

    def __init__(self, **kwargs):
        """Initialize options."""
        self(**kwargs)

    def __setattr__(self, name, value):
        """Set option."""
        if not hasattr(self, name):
            raise TypeError(f"object has no attribute {name!r}")
        super().__setattr__(name, value)

    def __call__(self, **kwargs):
        """Update options."""
        for key in kwargs:
            if not hasattr(self, key):
                raise TypeError(f"unexpected argument {key!r}")
        for key, value in kwargs.items():
            setattr(self, key, value)

    def __repr__(self):
        """Return repr(self)."""
        return f"<{__name__}.rc>"


rc = Rc()
__import__("sys").modules[__name__ + ".rc"] = rc


def get_include():
    """Return the directory of mpi4py's C headers.

    There are none here: the playground compiles no extension modules.
    """
    raise RuntimeError("mpi4py.get_include() is not available in the playground")


def get_config():
    """Return a dictionary with information about MPI (empty, as mpi4py's default)."""
    return {}


def profile(name, *, path=None):
    """Support for the MPI profiling interface (no profilers exist here)."""
    raise ValueError(f"profiler {name!r} not found")
