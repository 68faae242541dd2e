"""``python -m mpi4py`` (here ``mpiplay -n N -m mpi4py ...``): see `mpi4py.run`."""

from mpi4py.run import main

main()
