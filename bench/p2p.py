# Point-to-point figures between ranks 0 and 1 (run with 2 ranks). Runs
# unchanged under mpiplay, in the browser and under real mpi4py + mpiexec.
# Rank 0 prints `BENCH <name> <value> <unit>` lines.
import sys
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.rank
other = 1 - rank
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def report(name, value, unit):
    if rank == 0:
        print(f"BENCH {name} {value:.3f} {unit}", flush=True)


# Two loops rather than one taking send/recv callables: a Python call per
# message would add its own cost to the figure being measured.
def pingpong_obj(obj, n):
    comm.barrier()
    t = MPI.Wtime()
    for _ in range(n):
        if rank == 0:
            comm.send(obj, dest=1)
            obj = comm.recv(source=1)
        else:
            obj = comm.recv(source=0)
            comm.send(obj, dest=0)
    return MPI.Wtime() - t


def pingpong_buf(buf, n):
    comm.barrier()
    t = MPI.Wtime()
    for _ in range(n):
        if rank == 0:
            comm.Send(buf, dest=1)
            comm.Recv(buf, source=1)
        else:
            comm.Recv(buf, source=0)
            comm.Send(buf, dest=0)
    return MPI.Wtime() - t


pingpong_obj(1, reps // 10)  # warm up
report("half_rtt_int_object", pingpong_obj(1, reps) / reps / 2 * 1e6, "us")
small = bytearray(8)
pingpong_buf(small, reps // 10)
report("half_rtt_8_byte_buffer", pingpong_buf(small, reps) / reps / 2 * 1e6, "us")

for mib in (1, 16):
    n = max(4, 64 // mib)
    data = bytes(mib << 20)
    pingpong_obj(data, 1)
    report(f"bandwidth_{mib}_mib_bytes", 2 * n * len(data) / pingpong_obj(data, n) / 1e6, "MB/s")
    buf = bytearray(mib << 20)
    pingpong_buf(buf, 1)
    report(f"bandwidth_{mib}_mib_buffer", 2 * n * len(buf) / pingpong_buf(buf, n) / 1e6, "MB/s")
