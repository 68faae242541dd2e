# NumPy figures (run with 2 ranks): elementwise `a*b + c` and `a.sum()` on
# 10**6 float64, `np.arange(10**6)`, printing a 1000x1000 array, and
# Send/Recv of a 16 MiB float64 array between ranks 0 and 1. Runs unchanged
# under mpiplay, in the browser and under real mpi4py + NumPy + mpiexec.
# Rank 0 prints `BENCH <name> <value> <unit>` lines.
import io
from mpi4py import MPI
import numpy as np

comm = MPI.COMM_WORLD
rank = comm.rank


def report(name, value, unit):
    if rank == 0:
        print(f"BENCH {name} {value:.3f} {unit}", flush=True)


def best_of(n, f):
    """The fastest of n calls of f, in ms: the figure least disturbed by
    the other rank and the host."""
    best = None
    for _ in range(n):
        t = MPI.Wtime()
        f()
        dt = MPI.Wtime() - t
        best = dt if best is None or dt < best else best
    return best * 1000


n = 10**6
a = np.arange(n) * 0.5
b = np.arange(n) * 0.25 + 1.0
c = np.ones(n)
report("numpy_a_mul_b_plus_c_1m", best_of(5, lambda: a * b + c), "ms")
report("numpy_sum_1m", best_of(5, lambda: a.sum()), "ms")
report("numpy_arange_1m", best_of(5, lambda: np.arange(n)), "ms")
big = np.arange(10**6, dtype=float).reshape(1000, 1000)
report("numpy_print_1000x1000", best_of(5, lambda: print(big, file=io.StringIO())), "ms")

data = np.zeros(2 * 1024 * 1024)  # 16 MiB of float64
reps = 4
comm.Barrier()
t = MPI.Wtime()
for _ in range(reps):
    if rank == 0:
        comm.Send(data, dest=1)
        comm.Recv(data, source=1)
    elif rank == 1:
        comm.Recv(data, source=0)
        comm.Send(data, dest=0)
elapsed = MPI.Wtime() - t
report("numpy_bandwidth_16_mib_array", 2 * reps * data.nbytes / elapsed / 1e6, "MB/s")
