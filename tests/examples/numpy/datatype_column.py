# Derived datatypes: send matrix columns without copying them first.
# Run with: mpiexec -n 2
from mpi4py import MPI
import numpy as np

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

rows, cols = 4, 5
# One column of a rows x cols matrix (C order): `rows` blocks of one double,
# `cols` doubles apart. Resized to the extent of one double, so that column j
# of the matrix is the message [a, (1, j), column]: one column, j columns in.
vector = MPI.DOUBLE.Create_vector(rows, 1, cols)
column = vector.Create_resized(0, MPI.DOUBLE.Get_size()).Commit()
vector.Free()

if rank == 0:
    a = np.arange(rows * cols, dtype='d').reshape(rows, cols)
    print(f"rank 0 sends columns 1 and 3 of\n{a}")
    comm.Send([a, (1, 1), column], dest=1, tag=1)
    comm.Send([a, (1, 3), column], dest=1, tag=3)
elif rank == 1:
    b = np.zeros((rows, cols))
    # The same type on the receiving side puts the values back in columns.
    comm.Recv([b, (1, 1), column], source=0, tag=1)
    # Or receive a column as plain contiguous doubles.
    c = np.empty(rows)
    status = MPI.Status()
    comm.Recv([c, MPI.DOUBLE], source=0, tag=3, status=status)
    print(f"rank 1 got column 1 in place:\n{b}")
    print(f"rank 1 got column 3 as {c}, {status.Get_count(MPI.DOUBLE)} doubles")

column.Free()
