"""Run a Python program on every rank, as ``python -m mpi4py`` does.

``mpiplay -n N -m mpi4py prog.py [args]`` runs ``prog.py`` as ``__main__``
(or a module with ``-m``, a command with ``-c``). What sets it apart from
running the file directly is the end of a failing rank: its traceback is
printed and ``MPI.COMM_WORLD.Abort(1)`` ends every rank, where a plain run
could leave other ranks waiting for the failed one forever (the playground
stops them anyway, and says so).
"""

import sys

__all__ = ["run_command_line", "main"]

_USAGE = """\
usage: python -m mpi4py.run [options] <pyfile> [arg] ...
   or: python -m mpi4py.run [options] -m <mod> [arg] ...
   or: python -m mpi4py.run [options] -c <cmd> [arg] ...
   or: python -m mpi4py.run [options] - [arg] ...
"""

_HELP = _USAGE + """\
options:
  --prefix             show install path and exit
  --version            show version number and exit
  --mpi-library        show MPI library path and exit
  --mpi-std-version    show MPI standard version and exit
  --mpi-lib-version    show MPI library version and exit
  -h|--help            show this help message and exit
  -rc <key=value,...>  set 'mpi4py.rc.key=value'
"""


def _usage_error(message):
    print(message, file=sys.stderr)
    print(_USAGE + "Try `python -m mpi4py.run -h` for more information.", file=sys.stderr)
    sys.exit(1)


def _set_rc(spec):
    import mpi4py
    settings = {}
    for item in spec.split(","):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            _usage_error(f"Invalid option value: -rc {spec}")
        try:
            from ast import literal_eval
            settings[key.strip()] = literal_eval(value.strip())
        except (ValueError, SyntaxError):
            settings[key.strip()] = value.strip()
    mpi4py.rc(**settings)


def _info_option(option):
    """The answer to an option that shows something and exits, or None."""
    import mpi4py
    if option == "--version":
        return f"mpi4py {mpi4py.__version__}"
    if option == "--prefix":
        return "mpi4py is built into mpi-playground (no install path)"
    if option == "--mpi-library":
        return "the MPI library is built into mpi-playground (no library path)"
    if option == "--mpi-std-version":
        from mpi4py import MPI
        return "MPI {}.{}".format(*MPI.Get_version())
    if option == "--mpi-lib-version":
        from mpi4py import MPI
        return MPI.Get_library_version().rstrip()
    return None


def _parse(argv):
    """(kind, target, args): kind 'path', 'module', 'command' or 'stdin'."""
    k = 0
    while k < len(argv):
        arg = argv[k]
        if arg in ("-h", "--help"):
            print(_HELP, end="")
            sys.exit(0)
        shown = _info_option(arg)
        if shown is not None:
            print(shown)
            sys.exit(0)
        if arg == "-rc" or arg.startswith("-rc="):
            if arg == "-rc":
                k += 1
                if k == len(argv):
                    _usage_error("Argument expected for option: -rc")
                spec = argv[k]
            else:
                spec = arg[len("-rc="):]
            _set_rc(spec)
        elif arg in ("-m", "-c"):
            if k + 1 == len(argv):
                _usage_error(f"Argument expected for option: {arg}")
            kind = "module" if arg == "-m" else "command"
            return kind, argv[k + 1], argv[k + 2:]
        elif arg == "-":
            return "stdin", "-", argv[k + 1:]
        elif arg.startswith("-"):
            _usage_error(f"Unknown option: {arg}")
        else:
            return "path", arg, argv[k + 1:]
        k += 1
    _usage_error("No path specified for execution")


def run_command_line(args=None):
    """Run the program the command line names, as ``__main__``."""
    import runpy
    kind, target, rest = _parse(sys.argv[1:] if args is None else list(args))
    if kind == "path":
        sys.argv[:] = [target, *rest]
        runpy.run_path(target, run_name="__main__")
    elif kind == "module":
        sys.argv[:] = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    elif kind == "command":
        sys.argv[:] = ["-c", *rest]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv[:] = ["-", *rest]
        source = sys.stdin.read()
        exec(compile(source, "<stdin>", "exec"), {"__name__": "__main__"})


def main():
    """Entry point of ``python -m mpi4py``: a failing rank aborts them all."""
    from _mpi import RunStopped
    try:
        run_command_line()
    except (SystemExit, KeyboardInterrupt, RunStopped):
        # An exit, an interrupt, or the run stopping (another rank failed):
        # nothing of this rank's own to report.
        raise
    except BaseException:
        import traceback
        traceback.print_exc()
        sys.stderr.flush()
        from mpi4py import MPI
        MPI.COMM_WORLD.Abort(1)


if __name__ == "__main__":
    main()
