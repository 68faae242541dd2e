# Both ranks send before they receive: fine while MPI can buffer the message, a deadlock once it is too large to buffer. Run with: mpiexec -n 2 python eager_limit.py
#
# A standard-mode Send may return before the matching Recv is posted: MPI
# copies a small message into a buffer ("eager"). A large one waits until the
# receiver takes it ("rendezvous"). MPICH buffers up to 8255 bytes on one
# machine, so 1000 ints (8000 bytes) still go through and 10000 ints do not.
# The fix: Sendrecv, or one rank receiving first, or Isend.
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
other = 1 - rank

n = 1
while n <= 100_000:
    sendbuf = np.full(n, rank, dtype="i8")
    recvbuf = np.empty(n, dtype="i8")
    comm.Send(sendbuf, dest=other)  # returns at once only if MPI buffers it
    comm.Recv(recvbuf, source=other)
    print(f"rank {rank}: exchanged {n} ints ({sendbuf.nbytes} bytes)", flush=True)
    n *= 10
