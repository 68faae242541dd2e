"""The worker side of `mpi4py.futures`: run tasks until told to stop.

`python -m mpi4py.futures.server`, as `MPIPoolExecutor` spawns it, serves
the spawning process; `serve(slot)` serves any manager (the ranks of an
`MPICommExecutor`, or of ``mpiplay -m mpi4py.futures``). The first message
is the pool's start-up (the initializer, and whether to import the
parent's main script so that functions defined there unpickle); then
each task is (id, pickled call) and gets back (id, ok, value).
"""

import _mpi
from mpi4py.futures._manager import RESULT_TAG, TASK_TAG

_comm_workers = [None]


def _pickle():
    from mpi4py import MPI
    return MPI.pickle


def serve(manager):
    """Runs the tasks world slot `manager` sends until it says stop."""
    pickle = _pickle()
    broken = None
    while True:
        data, _source, _tag = _mpi.mp_recv(manager, TASK_TAG, None, "Pool task")
        message = pickle.loads(data)
        if message is None:
            return
        if message[0] == "init":
            broken = _start(message[1])
            continue
        task, call = message
        if broken is not None:
            reply = (task, False, broken)
        else:
            try:
                fn, args, kwargs = pickle.loads(call)
                reply = (task, True, fn(*args, **kwargs))
            except BaseException as exc:   # noqa: BLE001 - the task's, sent back
                reply = (task, False, exc)
        try:
            data = pickle.dumps(reply)
        except BaseException as exc:       # noqa: BLE001
            data = pickle.dumps((task, False, RuntimeError(f"cannot pickle the task's result: {exc!r}")))
        _mpi.mp_send(manager, RESULT_TAG, data)


def _start(setup):
    """The pool's start-up in this worker; the error that breaks it, if any."""
    from mpi4py.futures._base import BrokenExecutor
    path = setup.get("main")
    if path is not None:
        code = _import_main(path)
        if code is not None:
            return BrokenExecutor(f"importing the main script {path} in a worker failed (exit code {code})")
    initializer = setup.get("initializer")
    if initializer is not None:
        try:
            initializer(*setup.get("initargs", ()))
        except BaseException as exc:       # noqa: BLE001
            import traceback
            traceback.print_exc()
            return BrokenExecutor(f"a worker's initializer failed: {exc!r}")
    return None


def _import_main(path):
    """Imports the manager's main script as `__mp_main__` (installed as
    `__main__` too, its `if __name__ == "__main__":` block not run); None,
    or the exit code of its failure. The run's own script comes from the
    host (in the browser it is no file)."""
    import multiprocessing._child as child
    import os
    import sys
    from mpi4py import _spawn
    script = _spawn.main_script()
    if script is not None and os.path.abspath(script[1]) == path:
        source = script[0]
    else:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    sys.path.insert(0, os.path.dirname(path))
    return child._import_main(source, path)


def main():
    """A spawned worker: serve the parent that spawned us, then disconnect."""
    from mpi4py import MPI
    parent = MPI.Comm.Get_parent()
    _comm_workers[0] = MPI.COMM_WORLD
    serve(parent.Get_remote_group()._ranks[0])
    parent.Disconnect()


if __name__ == "__main__":
    main()
