# The interpreter's own speed: `s += i*i` over 3 million on every rank at
# once; rank 0 prints the slowest rank's time.
from mpi4py import MPI

comm = MPI.COMM_WORLD
comm.barrier()
t = MPI.Wtime()
s = 0
for i in range(3_000_000):
    s += i * i
mine = MPI.Wtime() - t
slowest = comm.reduce(mine, op=MPI.MAX, root=0)
if comm.rank == 0:
    print(f"BENCH loop_3m_per_rank {slowest * 1000:.3f} ms", flush=True)
