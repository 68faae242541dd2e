"""``python -m mpi4py.futures script.py ...`` (here ``mpiplay -n N -m
mpi4py.futures script.py ...``): rank 0 runs the program; the other ranks
are the workers of every `MPIPoolExecutor` it makes, and end with it."""

import runpy
import sys

import _mpi


def main():
    from mpi4py import MPI
    from mpi4py.futures import _manager, pool, server
    from mpi4py.run import _parse
    world = MPI.COMM_WORLD
    kind, target, rest = _parse(sys.argv[1:])
    workers = world.Split(0 if world.rank == 0 else 1, world.rank)
    if world.size > 1 and world.rank > 0:
        # A worker: the program's module is imported (not as __main__), so
        # that its functions unpickle; then serve rank 0 until it is done.
        server._comm_workers[0] = workers
        sys.argv[:] = [target, *rest]
        if kind == "path":
            module = runpy.run_path(target, run_name="__worker__")
            main_module = type(sys)("__main__")
            main_module.__dict__.update(module)
            sys.modules["__main__"] = main_module
        server.serve(world.Get_group()._ranks[0])
        return
    if world.size > 1:
        manager = _manager.Manager(world.Get_group()._ranks[1:])
        setup = {"initializer": None, "initargs": (), "main": None}
        for slot in manager.workers:
            _mpi.mp_send(slot, _manager.TASK_TAG, MPI.pickle.dumps(("init", setup)))
        pool._world_pool[0] = manager
    from mpi4py.run import run_command_line
    run_command_line()


if __name__ == "__main__":
    main()
