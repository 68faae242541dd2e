"""The start of a child process: what the host runs in a fresh process slot.

`run(source, path)` does what CPython's spawn does in a new interpreter:

1. receive the one message the parent sent on BOOT_TAG (process.py): plain
   data first (name, sys.path, sys.argv, start method, authkey), so that the
   script sees them while it is imported, and the pickled process object;
2. import the script as `__mp_main__`, installed as `__main__` too, so that
   its top-level code runs but ``if __name__ == "__main__":`` blocks do not,
   and `__main__.f` pickled by the parent resolves to this copy of `f`;
3. unpickle the process object and run it (`BaseProcess._bootstrap`).

It returns the exit code and catches everything itself: a failure prints its
traceback to stderr and gives exit code 1, as a CPython child would. Only a
stop of the whole run (`_mpi.RunStopped`) goes through, to the host.
os._exit(code) ends just this process with `code` (the real one would end the
host, which runs every process of the run).
"""

import os
import pickle
import sys
import types

import _mpi

from . import context, process, util


def run(source, path):
    """Runs this process slot's process; returns its exit code."""
    try:
        return _run(source, path)
    except _mpi.RunStopped:
        raise
    except process.ExitNow as e:
        return e.code
    except SystemExit as e:
        return process._exit_code_of(e)
    except BaseException:
        import traceback  # only a failing process needs it
        traceback.print_exc()
        return 1
    finally:
        util.flush_std_streams()


def _run(source, path):
    parent = _mpi.mp_parent()
    data, _, _ = _mpi.mp_recv(parent, process.BOOT_TAG, None, "Connection.recv")
    boot = pickle.loads(data)
    if isinstance(boot, dict) and "mpi_spawn" in boot:
        # Not a multiprocessing process: an MPI process `Comm.Spawn` started.
        from mpi4py import _spawn
        _spawn.run_child(boot["mpi_spawn"], source, path)
        return 0
    prep, body = boot

    # os.getpid() answers with the pid multiprocessing reports for this slot,
    # before the script runs, so that the script and its children agree.
    pid = _mpi.mp_pid(_mpi.mp_self())

    def getpid():
        return pid

    os.getpid = getpid
    os._exit = _exit
    _prepare(prep)
    code = _import_main(source, path)
    if code is not None:
        return code
    proc = pickle.loads(body)
    return proc._bootstrap(parent)


def _exit(code):
    """os._exit for a child: ends this process only (see process.ExitNow)."""
    raise process.ExitNow(int(code))


def _prepare(prep):
    """What the parent's state says before the script is imported."""
    sys.argv[:] = prep["sys_argv"]
    sys.path[:] = prep["sys_path"]
    me = process.current_process()
    me.name = prep["name"]
    me.authkey = prep["authkey"]
    # As CPython's spawn: the child uses its parent's start method, so a
    # top-level set_start_method() (not under the main guard) raises here.
    context._force_start_method(prep["start_method"])


def _import_main(source, path):
    """Runs the script as `__mp_main__`; None on success, else the exit code."""
    module = types.ModuleType("__mp_main__")
    module.__file__ = path
    module.__package__ = None
    module.__spec__ = None
    module.__loader__ = None
    sys.modules["__mp_main__"] = sys.modules["__main__"] = module
    _remember_source(source, path)
    try:
        code = compile(source, path, "exec")
        exec(code, module.__dict__)
    except (_mpi.RunStopped, process.ExitNow):
        raise
    except SystemExit as e:
        return process._exit_code_of(e)
    except BaseException:
        import traceback  # only a failing process needs it
        traceback.print_exc()
        return 1
    return None


def _remember_source(source, path):
    # As the host does for the main script: tracebacks quote the script's
    # lines even where it is not a file (the browser).
    import linecache

    lines = [line if line.endswith("\n") else line + "\n" for line in source.splitlines(True)]
    linecache.cache[path] = (len(source), None, lines, path)
