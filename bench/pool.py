# multiprocessing.Pool on a CPU-bound function: the same 8 tasks with 1 and
# with 4 worker processes, start-up of the pool included (as a user waits
# for it), and the speed-up. Needs no MPI; rank 0 alone runs it.
import multiprocessing
import time


def burn(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


if __name__ == "__main__":
    work = [400_000] * 8
    took = {}
    for processes in (1, 4):
        start = time.perf_counter()
        with multiprocessing.Pool(processes=processes) as pool:
            results = pool.map(burn, work, chunksize=1)
        took[processes] = time.perf_counter() - start
        assert results == [burn(400_000)] * 8
    print(f"BENCH pool_map_1_process {took[1] * 1000:.1f} ms")
    print(f"BENCH pool_map_4_processes {took[4] * 1000:.1f} ms")
    print(f"BENCH pool_speedup_4_vs_1 {took[1] / took[4]:.2f} x")
