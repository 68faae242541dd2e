# Collective figures at 4 ranks: bcast and allreduce of an int, time per call.
# Rank 0 prints `BENCH <name> <value> <unit>` lines.
import sys
from mpi4py import MPI

comm = MPI.COMM_WORLD
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def per_call(f):
    for _ in range(reps // 10):
        f()
    comm.barrier()
    t = MPI.Wtime()
    for _ in range(reps):
        f()
    return (MPI.Wtime() - t) / reps * 1e6


bcast = per_call(lambda: comm.bcast(7 if comm.rank == 0 else None, root=0))
allreduce = per_call(lambda: comm.allreduce(comm.rank, op=MPI.SUM))
if comm.rank == 0:
    print(f"BENCH bcast_int_per_call {bcast:.3f} us", flush=True)
    print(f"BENCH allreduce_int_per_call {allreduce:.3f} us", flush=True)
