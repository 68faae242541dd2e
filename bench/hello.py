# Start-up cost: every rank says hello, nothing else.
from mpi4py import MPI

print("hello from rank", MPI.COMM_WORLD.rank, "of", MPI.COMM_WORLD.size)
