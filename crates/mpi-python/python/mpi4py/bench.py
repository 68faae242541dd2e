"""Run MPI benchmarks and tests.

`python -m mpi4py.bench <command>` (here `mpiplay -n N -m mpi4py.bench
<command>`): `helloworld` (the check mpi4py's documentation starts with),
`ringtest` (a message around the ring of ranks) and `pingpong` (latency and
bandwidth between ranks 0 and 1), with mpi4py's options, output and exit
statuses. `futures` (task throughput of mpi4py.futures) is not offered yet:
it is reported as an unknown command.
"""

import sys as _sys

_commands = {}


def _command(function):
    """Registers a benchmark under its function's name."""
    _commands[function.__name__] = function
    return function


def _parser(command="", usage=None):
    """An argument parser whose program name is the command line that ran it."""
    from argparse import ArgumentParser
    from pathlib import Path

    program = f"{Path(_sys.executable).name} -m {__spec__.name} {command}".strip()
    return ArgumentParser(prog=program, usage=usage)


def _quiet_option(parser, verbose):
    parser.add_argument("-q", "--quiet", action="store_false", dest="verbose", default=verbose, help="quiet output")


@_command
def helloworld(comm, args=None, verbose=True):
    """Hello, World! using MPI."""
    parser = _parser("helloworld")
    _quiet_option(parser, verbose)
    options = parser.parse_args(args)

    from . import MPI

    size, rank = comm.Get_size(), comm.Get_rank()
    width = len(str(size - 1))
    message = f"Hello, World! I am process {rank:{width}d} of {size} on {MPI.Get_processor_name()}.\n"
    # Ranks print in order: each waits for an empty message from the one before.
    comm.Barrier()
    if rank > 0:
        comm.Recv([None, "B"], rank - 1)
    if options.verbose:
        _sys.stdout.write(message)
        _sys.stdout.flush()
    if rank < size - 1:
        comm.Send([None, "B"], rank + 1)
    comm.Barrier()
    return message


@_command
def ringtest(comm, args=None, verbose=True):
    """Time a message going around the ring of processes."""
    parser = _parser("ringtest")
    _quiet_option(parser, verbose)
    parser.add_argument("-n", "--size", type=int, dest="size", default=1, help="message size")
    parser.add_argument("-s", "--skip", type=int, dest="skip", default=0, help="number of warm-up iterations")
    parser.add_argument("-l", "--loop", type=int, dest="loop", default=1, help="number of iterations")
    options = parser.parse_args(args)

    comm.Barrier()
    elapsed = _time_ring(comm, options.size, options.loop, options.skip)
    if options.verbose and comm.rank == 0:
        _sys.stdout.write(
            f"time for {options.loop} loops = {elapsed:g} seconds ({comm.size} processes, {options.size} bytes)\n"
        )
        _sys.stdout.flush()
    return elapsed


def _time_ring(comm, nbytes, loop, skip):
    """Seconds for `loop` trips of `nbytes` around the ring, after `skip` trips."""
    from array import array

    from . import MPI

    size, rank = comm.Get_size(), comm.Get_rank()
    after, before = (rank + 1) % size, (rank - 1) % size
    outgoing = array("B", [42]) * nbytes
    incoming = array("B", [0]) * nbytes
    if rank != 0:
        outgoing = incoming  # pass on what arrived
    start = MPI.Wtime()
    for trip in range(skip + loop):
        if trip == skip:
            start = MPI.Wtime()
        if size == 1:
            comm.Sendrecv(outgoing, after, 0, incoming, before, 0)
        elif rank == 0:
            comm.Send(outgoing, after, 0)
            comm.Recv(incoming, before, 0)
        else:
            comm.Recv(incoming, before, 0)
            comm.Send(outgoing, after, 0)
    elapsed = MPI.Wtime() - start
    if rank == 0 and outgoing != incoming:
        from warnings import warn

        warn("received message does not match!", stacklevel=1)
    return elapsed


@_command
def pingpong(comm, args=None, verbose=True):
    """Time messages between processes."""
    parser = _parser("pingpong")
    _quiet_option(parser, verbose)
    add = parser.add_argument
    add("-m", "--min-size", type=int, dest="min_size", default=1, help="minimum message size")
    add("-n", "--max-size", type=int, dest="max_size", default=1 << 30, help="maximum message size")
    add("-s", "--skip", type=int, dest="skip", default=100, help="number of warm-up iterations")
    add("-l", "--loop", type=int, dest="loop", default=10000, help="number of iterations")
    add("-a", "--array", dest="array", default="numpy", choices=["numpy", "cupy", "numba", "none"],
        help="use NumPy/CuPy/Numba arrays")
    add("-p", "--pickle", action="store_true", dest="pickle", default=False, help="use pickle-based send and receive")
    add("--protocol", type=int, dest="protocol", default=None, help="pickle protocol version")
    add("-o", "--outband", action="store_true", dest="outband", default=False,
        help="use out-of-band pickle-based send and receive")
    add("--threshold", type=int, dest="threshold", default=None, help="size threshold for out-of-band pickle buffers")
    add("--skip-large", type=int, dest="skip_large", default=10)
    add("--loop-large", type=int, dest="loop_large", default=1000)
    add("--large-size", type=int, dest="large_size", default=1 << 14)
    add("--skip-huge", type=int, dest="skip_huge", default=1)
    add("--loop-huge", type=int, dest="loop_huge", default=10)
    add("--huge-size", type=int, dest="huge_size", default=1 << 20)
    add("--no-header", action="store_false", dest="print_header", default=True)
    add("--no-stats", action="store_false", dest="print_stats", default=True)
    options = parser.parse_args(args)

    import statistics

    from . import MPI
    from .util import pkl5

    # There are no GPUs here: asking for CuPy or Numba fails at their import,
    # as it does where they are not installed.
    numpy = None
    if options.array == "numpy":
        import numpy
    elif options.array == "cupy":
        import cupy  # noqa: F401
    elif options.array == "numba":
        import numba.cuda  # noqa: F401

    def allocate(nbytes):
        return numpy.empty(nbytes, "B") if numpy is not None else bytearray(nbytes)

    pickled = options.pickle or options.outband
    if options.outband:
        comm = pkl5.Intracomm(comm)
        if options.threshold is not None:
            pkl5.pickle.THRESHOLD = options.threshold
    if pickled and options.protocol is not None:
        MPI.pickle.PROTOCOL = options.protocol
    send, recv, sendrecv = (comm.send, comm.recv, comm.sendrecv) if pickled else (comm.Send, comm.Recv, comm.Sendrecv)
    rank, size = comm.Get_rank(), comm.Get_size()

    def half_round_trip(outgoing, incoming):
        start = MPI.Wtime()
        if size == 1:
            sendrecv(outgoing, 0, 0, incoming, 0, 0)
            sendrecv(outgoing, 0, 0, incoming, 0, 0)
        elif rank == 0:
            send(outgoing, 1, 0)
            recv(incoming, 1, 0)
        elif rank == 1:
            recv(incoming, 0, 0)
            send(outgoing, 0, 0)
        return (MPI.Wtime() - start) / 2

    skip, loop = options.skip, options.loop
    results = []
    for nbytes in (1 << i for i in range(33)):
        if not options.min_size <= nbytes <= options.max_size:
            continue
        # Fewer trips for large and huge messages; the cut stays for the
        # sizes after, as the iteration counts only ever shrink.
        if nbytes > options.large_size:
            skip, loop = min(skip, options.skip_large), min(loop, options.loop_large)
        if nbytes > options.huge_size:
            skip, loop = min(skip, options.skip_huge), min(loop, options.loop_huge)
        if pickled:
            outgoing, incoming = allocate(nbytes), None
        else:
            outgoing = [allocate(nbytes), nbytes, MPI.BYTE]
            incoming = [allocate(nbytes), nbytes, MPI.BYTE]
        comm.Barrier()
        times = []
        for trip in range(skip + loop):
            elapsed = half_round_trip(outgoing, incoming)
            if trip >= skip:
                times.append(elapsed)
        mean = statistics.mean(times) if times else float("nan")
        stdev = statistics.stdev(times) if len(times) > 1 else 0.0
        results.append((nbytes, mean, stdev))
        if options.verbose and rank == 0:
            if options.print_header:
                options.print_header = False
                print("# MPI PingPong Test")
                header = "# Size [B]  Bandwidth [MB/s]"
                if options.print_stats:
                    header += " | Time Mean [s] \u00b1 StdDev [s]  Samples"
                print(header, flush=True)
            line = f"{nbytes:10d}{nbytes / mean / 1e6:18.2f}"
            if options.print_stats:
                line += f" | {mean:.7e} \u00b1 {stdev:.4e} {loop:8d}"
            print(line, flush=True)
    return results


def main(args=None):
    """Entry-point for ``python -m mpi4py.bench``."""
    from argparse import REMAINDER

    parser = _parser(usage="%(prog)s [options] <command> [args]")
    parser.add_argument("--threads", action="store_true", dest="threads", default=None,
                        help="initialize MPI with thread support")
    parser.add_argument("--no-threads", action="store_false", dest="threads", default=None,
                        help="initialize MPI without thread support")
    parser.add_argument("--thread-level", dest="thread_level", default=None, metavar="LEVEL",
                        choices="single funneled serialized multiple".split(),
                        help="initialize MPI with required thread level")
    parser.add_argument("command", metavar="<command>", help="benchmark command to run")
    parser.add_argument("args", nargs=REMAINDER, metavar="[args]", help="arguments for benchmark command")
    options = parser.parse_args(args)

    from . import rc

    if options.threads is not None:
        rc.threads = options.threads
    if options.thread_level is not None:
        rc.thread_level = options.thread_level

    from . import MPI

    comm = MPI.COMM_WORLD
    command = _commands.get(options.command)
    if command is None:
        # Rank 0 says so, as argparse's error does; every rank then exits with
        # argparse's usage status, once rank 0 has spoken (a rank that ended
        # first would stop the run before the message).
        if comm.rank == 0:
            parser.print_usage(_sys.stderr)
            _sys.stderr.write(f"{parser.prog}: error: unknown command {options.command!r}\n")
            _sys.stderr.flush()
        comm.Barrier()
        parser.exit(2)
    command(comm, options.args)
    parser.exit()


if __name__ == "__main__":
    main()
