"""Dynamic processes: `Comm.Spawn`, `Spawn_multiple` and `Comm.Get_parent`.

A spawned MPI process is a process slot of the run (`_mpi.mp_spawn`, the
way `multiprocessing` starts one), so it runs as a thread natively and in a
worker of its own in the browser. The spawning root sends each child one
boot message (on multiprocessing's BOOT_TAG, which `multiprocessing._child`
reads first) saying what to run and who is who; the child makes the
children its `MPI_COMM_WORLD` (`_mpi.adopt_world`), and both sides build the
intercommunicator between them with `_mpi.intercomm_from_groups` (leaders:
the spawning root and child 0), which the parents get back from `Spawn` and
the children from `Get_parent`.

The command is what `mpiexec` would run: a Python interpreter with its
arguments (`sys.executable`, ``python``, ``python3``: a script, ``-c code``
or ``-m module``, after interpreter options), or a Python script itself.
"""

import os
import pickle
import re
import sys

import _mpi

_BOOT_TAG = 1                   # multiprocessing.process.BOOT_TAG
_parent = [None]                # this child's parent intercommunicator handle
_appnum = [0]                   # MPI.APPNUM: which command of Spawn_multiple

# Interpreter options that take a value (python -X opt -W arg ...).
_OPTIONS_WITH_VALUE = {"-X", "-W", "--check-hash-based-pycs"}


def _MPI():
    return sys.modules["mpi4py.MPI"]


def _is_python(command):
    if command == sys.executable:
        return True
    return re.fullmatch(r"python(\d+(\.\d+)?)?", os.path.basename(command)) is not None


def child_spec(command, args):
    """(kind, target, argv) of one command: kind "path", "code" or "module"."""
    command = os.fsdecode(os.fspath(command))
    args = [os.fsdecode(os.fspath(a)) if isinstance(a, (bytes, os.PathLike)) else str(a) for a in args or ()]
    if not _is_python(command):
        return ("path", command, [command] + args)
    rest = list(args)
    while rest and rest[0].startswith("-") and rest[0] not in ("-c", "-m", "-"):
        option = rest.pop(0)
        if option in _OPTIONS_WITH_VALUE and rest:
            rest.pop(0)
    if not rest or rest[0] == "-":
        raise ValueError(f"cannot spawn an interactive interpreter: {command} {' '.join(args)}".rstrip())
    if rest[0] == "-c":
        if len(rest) < 2:
            raise ValueError("Argument expected for the -c option")
        return ("code", rest[1], ["-c"] + rest[2:])
    if rest[0] == "-m":
        if len(rest) < 2:
            raise ValueError("Argument expected for the -m option")
        return ("module", rest[1], [rest[1]] + rest[2:])
    return ("path", rest[0], rest)


def _check(spec):
    kind, target, _argv = spec
    if kind == "path" and not os.path.isfile(target):
        raise FileNotFoundError(2, "No such file or directory", target)


def spawn(comm, commands, root, errcodes, call, multiple=False):
    """Spawns `commands` [(command, args, maxprocs)] (significant at `root`
    only) collectively over intracommunicator `comm`; the intercommunicator.
    `errcodes` gets one code per child (per command, for Spawn_multiple)."""
    MPI = _MPI()
    h = comm._h
    me = _mpi.rank(h)
    parents = _mpi.group_ranks(h)
    children = counts = error = None
    if me == root:
        try:
            children = _start(commands, parents, root)
            counts = [maxprocs for _command, _args, maxprocs in commands]
        except Exception as exc:        # every rank raises it, not only the root
            error = f"{type(exc).__name__}: {exc}"
    children, counts, error = comm.bcast((children, counts, error), root)
    if error is not None:
        raise MPI._error(MPI.ERR_SPAWN, call, error)
    inter = _mpi.intercomm_from_groups(parents, root, children, 0, _tag(children))
    if errcodes is not None:
        if multiple:
            errcodes[:] = [[MPI.SUCCESS] * n for n in counts]
        else:
            errcodes[:] = [MPI.SUCCESS] * len(children)
    return MPI.Intercomm._of(inter)


def _tag(children):
    return f"mpi4py-spawn-{children[0]}"


def _start(commands, parents, root):
    """At the root: starts every child; their slots."""
    specs = []
    for appnum, (command, args, maxprocs) in enumerate(commands):
        spec = child_spec(command, args)
        _check(spec)
        specs.extend([(spec, appnum)] * maxprocs)
    slots = []
    for index, (_spec, _appnum) in enumerate(specs):
        try:
            slots.append(_mpi.mp_spawn(f"spawned rank {index}"))
            _mpi.mp_detach(slots[-1])
        except RuntimeError as exc:
            # The children already started would wait for their boot message forever.
            for slot in slots:
                _mpi.mp_terminate(slot)
            raise RuntimeError(f"cannot spawn {len(specs)} processes: {exc}") from None
    for slot, (spec, appnum) in zip(slots, specs):
        boot = {"mpi_spawn": {"spec": spec, "children": slots, "parents": parents, "root": root,
                              "appnum": appnum, "cwd": os.getcwd()}}
        _mpi.mp_send(slot, _BOOT_TAG, pickle.dumps(boot))
    return slots


_main = [None]


def main_script():
    """(source, path) of the run's main script, in a spawned process: what
    `mpi4py.futures` workers import so that the parent's functions unpickle."""
    return _main[0]


def run_child(boot, source=None, path=None):
    """In a spawned process: joins MPI as the boot message says, then runs
    the command as `__main__`. Raises what the program raises."""
    import atexit
    import runpy
    _main[0] = None if source is None else (source, path)
    kind, target, argv = boot["spec"]
    children = boot["children"]
    _mpi.adopt_world(children)
    _parent[0] = _mpi.intercomm_from_groups(children, 0, boot["parents"], boot["root"], _tag(children))
    _appnum[0] = boot["appnum"]
    sys.argv[:] = argv
    if kind == "code":
        sys.path.insert(0, "")
        main = type(sys)("__main__")
        sys.modules["__main__"] = main
        exec(compile(target, "<string>", "exec"), main.__dict__)
    elif kind == "module":
        sys.path.insert(0, boot["cwd"])
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        runpy.run_path(target, run_name="__main__")
    # As the interpreter's exit does.
    atexit._run_exitfuncs()


def parent():
    """The parent intercommunicator's handle, or None."""
    return _parent[0]


def forget(handle):
    """A communicator was freed or disconnected: if it was the parent, the
    parent is gone (`Get_parent` gives COMM_NULL again)."""
    if _parent[0] == handle:
        _parent[0] = None


def appnum():
    return _appnum[0]


# ---------------------------------------------------------------------------
# Ports: Open_port, Comm.Accept, Comm.Connect, Comm.Join
# ---------------------------------------------------------------------------
#
# A port name says which world slot opened it and its number there. The
# connecting root sends the accepting root (that slot) its group in a process
# message under the port's tag; the acceptor answers with its own; each root
# broadcasts what it learnt to its group, and both groups build the
# intercommunicator with `_mpi.intercomm_from_groups`.

_PORT_TAG = 0x40000000          # + port number: far from multiprocessing's tags
_REPLY_TAG = 0x3FFFFFFF
_ports = {}                     # port name -> number, of the ports this slot opened
_next_port = [0]
_connections = [0]


def open_port():
    me = _mpi.mp_self()
    number = _next_port[0]
    _next_port[0] += 1
    name = f"mpiplay-port#{me}#{number}$"
    _ports[name] = number
    return name


def close_port(port_name):
    MPI = _MPI()
    if _ports.pop(str(port_name), None) is None:
        raise MPI._error(MPI.ERR_PORT, "MPI_Close_port", f"Invalid port name {port_name}")


def _parse(port_name, call):
    MPI = _MPI()
    match = re.fullmatch(r"mpiplay-port#(\d+)#(\d+)\$", str(port_name))
    if match is None:
        raise MPI._error(MPI.ERR_PORT, call, f"Invalid port name {port_name}")
    return int(match.group(1)), int(match.group(2))


def accept(comm, port_name, root):
    """MPI_Comm_accept, collective over `comm`."""
    h = comm._h
    group = _mpi.group_ranks(h)
    peer = None
    if _mpi.rank(h) == root:
        if str(port_name) not in _ports:
            peer = ("error", f"Invalid port name {port_name}")
        else:
            number = _ports[str(port_name)]
            data, source, _tag = _mpi.mp_recv(-1, _PORT_TAG + number, None, "Comm.Accept")
            their_root, their_group, tag = pickle.loads(data)
            _mpi.mp_send(their_group[their_root], _REPLY_TAG, pickle.dumps((root, group)))
            peer = (their_root, their_group, tag)
    return _join(comm, peer, root, "MPI_Comm_accept")


def connect(comm, port_name, root):
    """MPI_Comm_connect, collective over `comm`."""
    h = comm._h
    group = _mpi.group_ranks(h)
    peer = None
    if _mpi.rank(h) == root:
        try:
            owner, number = _parse(port_name, "MPI_Comm_connect")
        except Exception as exc:
            peer = ("error", str(exc))
        else:
            _connections[0] += 1
            tag = f"mpi4py-connect-{_mpi.mp_self()}-{_connections[0]}"
            _mpi.mp_send(owner, _PORT_TAG + number, pickle.dumps((root, group, tag)))
            data, _source, _tag = _mpi.mp_recv(owner, _REPLY_TAG, None, "Comm.Connect")
            their_root, their_group = pickle.loads(data)
            peer = (their_root, their_group, tag)
    return _join(comm, peer, root, "MPI_Comm_connect")


def _join(comm, peer, root, call):
    MPI = _MPI()
    peer = comm.bcast(peer, root)
    if peer[0] == "error":
        raise MPI._error(MPI.ERR_PORT, call, peer[1])
    their_root, their_group, tag = peer
    group = _mpi.group_ranks(comm._h)
    return MPI.Intercomm._of(_mpi.intercomm_from_groups(group, root, their_group, their_root, tag))


def join(fd):
    """MPI_Comm_join: the two processes at the ends of a connected socket
    swap their world slots over it and make an intercommunicator."""
    import struct
    me = _mpi.mp_self()
    os.write(fd, struct.pack("<i", me))
    got = b""
    while len(got) < 4:
        chunk = os.read(fd, 4 - len(got))
        if not chunk:
            raise _MPI()._error(_MPI().ERR_OTHER, "MPI_Comm_join", "the socket closed before the exchange")
        got += chunk
    other = struct.unpack("<i", got)[0]
    tag = f"mpi4py-join-{min(me, other)}-{max(me, other)}"
    return _MPI().Intercomm._of(_mpi.intercomm_from_groups([me], 0, [other], 0, tag))


# ---------------------------------------------------------------------------
# The name service: Publish_name, Lookup_name, Unpublish_name
# ---------------------------------------------------------------------------
#
# One table per run in the shared heap (`_mpi.service_table`): a semaphore
# held while the table is read or changed, the length of its contents at 8,
# and from 16 the pickled {service: port} dict.

_TABLE_BYTES = 16 << 10
_TABLE_DATA = 16


def _services(change=None):
    """The name table; with `change(table)`, that change made atomically."""
    import struct
    at = _mpi.service_table()
    _mpi.sem_acquire(at, True, None, "Lock.acquire")
    try:
        size = struct.unpack("<I", _mpi.shm_read(at + 8, 4))[0]
        table = pickle.loads(_mpi.shm_read(at + _TABLE_DATA, size)) if size else {}
        if change is not None:
            change(table)
            data = pickle.dumps(table)
            if len(data) > _TABLE_BYTES - _TABLE_DATA:
                MPI = _MPI()
                raise MPI._error(MPI.ERR_NO_MEM, "MPI_Publish_name", "the run's name service table is full")
            _mpi.shm_write(at + _TABLE_DATA, data)
            _mpi.shm_write(at + 8, struct.pack("<I", len(data)))
        return table
    finally:
        _mpi.sem_release(at, 1)


def publish_name(service_name, port_name):
    MPI = _MPI()
    service, port = str(service_name), str(port_name)

    def add(table):
        if service in table:
            raise MPI._error(MPI.ERR_SERVICE, "MPI_Publish_name", f"The service name {service} is already published")
        table[service] = port
    _services(add)


def lookup_name(service_name):
    MPI = _MPI()
    port = _services().get(str(service_name))
    if port is None:
        raise MPI._error(MPI.ERR_NAME, "MPI_Lookup_name", f"Lookup failed for service name {service_name}")
    return port


def unpublish_name(service_name, port_name):
    MPI = _MPI()
    service = str(service_name)

    def remove(table):
        if table.get(service) != str(port_name):
            raise MPI._error(MPI.ERR_SERVICE, "MPI_Unpublish_name",
                             f"The service name {service} is not published with port {port_name}")
        del table[service]
    _services(remove)
