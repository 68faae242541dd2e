"""`_signal` where the host has none (the browser): what `signal`, and with
it `unittest`, `subprocess` and `asyncio`, need to import and run.

A rank in a Web Worker receives no signals (Stop terminates its worker), so
handlers are only remembered: `signal()` returns the previous one, and
`raise_signal` runs the handler set for a signal as the interpreter would.
Natively the interpreter's own `_signal` is built in, and this module is
never imported.
"""

SIG_DFL = 0
SIG_IGN = 1
NSIG = 65

SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE = 1, 2, 3, 4, 5, 6, 7, 8
SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM = 9, 10, 11, 12, 13, 14, 15
SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG = 17, 18, 19, 20, 21, 22, 23
SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS = 24, 25, 26, 27, 28, 29, 30, 31
SIGIOT, SIGPOLL = SIGABRT, SIGIO

_NAMES = {value: name for name, value in globals().items() if name.startswith("SIG") and not name.startswith("SIG_")}


def default_int_handler(signalnum, frame):
    """The default handler for SIGINT installed by Python: raises KeyboardInterrupt."""
    raise KeyboardInterrupt


_handlers = {SIGINT: default_int_handler}


def _check(signalnum):
    if not 1 <= signalnum < NSIG:
        raise ValueError("signal number out of range")


def signal(signalnum, handler):
    """Set the action for the given signal; returns the previous one."""
    _check(signalnum)
    if signalnum in (SIGKILL, SIGSTOP):
        raise OSError(22, "Invalid argument")
    if handler not in (SIG_DFL, SIG_IGN) and not callable(handler):
        raise TypeError("signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object")
    previous = _handlers.get(signalnum, SIG_DFL)
    _handlers[signalnum] = handler
    return previous


def getsignal(signalnum):
    """Return the current action for the given signal."""
    _check(signalnum)
    return _handlers.get(signalnum, SIG_DFL)


def raise_signal(signalnum):
    """Send a signal to the executing process: run its handler."""
    _check(signalnum)
    handler = _handlers.get(signalnum, SIG_DFL)
    if callable(handler):
        handler(signalnum, None)
    elif handler == SIG_DFL and signalnum not in (SIGCHLD, SIGCONT, SIGURG, SIGWINCH):
        raise SystemExit(128 + signalnum)


def strsignal(signalnum):
    """Return the system description of the given signal."""
    _check(signalnum)
    name = _NAMES.get(signalnum)
    return None if name is None else name[3:].capitalize()


def valid_signals():
    """Return a set of valid signal numbers on this platform."""
    return set(range(1, NSIG))


def set_wakeup_fd(fd, *, warn_on_full_buffer=True):
    """Sets the fd to be written to on a signal; there are none: returns -1."""
    return -1


def siginterrupt(signalnum, flag):
    """Change system call restart behaviour (nothing to change here)."""
    _check(signalnum)


def alarm(seconds):
    """Arrange for SIGALRM: no timer delivers signals here; returns 0."""
    return 0
