"""``python -m mpi4py`` (here ``mpiplay -n N -m mpi4py ...``): see `mpi4py.run`.

Importing it runs nothing, as under CPython: only running it as the main
module does.
"""

from mpi4py.run import main

if __name__ == "__main__":
    main()
