"""Helpers shared by the package: pickling for a spawn, logging, exit cleanup.

Objects that live in the run's shared memory (locks, queues, values) pickle as
their offsets. CPython lets most of them travel only while a process is being
started ("through inheritance"), and refuses otherwise with a RuntimeError;
`spawning_dumps` marks that window so their `__reduce__` can tell.
"""

import pickle
import re
import sys

# How many spawn pickles are in progress in this process (a count, not a flag,
# so that a spawn started while pickling another one cannot clear it early).
_spawning = 0


def dumps(obj):
    """pickle.dumps, raising what CPython 3.11's pickle raises for functions it
    cannot reach by reference (RustPython's pickle words them as CPython 3.14's)."""
    try:
        return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    except pickle.PicklingError as e:
        translated = _as_cpython_311(str(e))
        if translated is None:
            raise
        raise translated.with_traceback(e.__traceback__) from None


def _as_cpython_311(message):
    local = re.match(r"Can't pickle local object <function (\S+) at 0x[0-9a-fA-F]+>$", message)
    if local:
        return AttributeError("Can't pickle local object %r" % local.group(1))
    missing = re.match(r"(Can't pickle .*): it's not found as (.+)$", message)
    if missing:
        head, dotted = missing.groups()
        # The longest prefix that is a loaded module is the module; the rest
        # is the qualified name.
        parts = dotted.split(".")
        cut = 1
        for i in range(len(parts) - 1, 0, -1):
            if ".".join(parts[:i]) in sys.modules:
                cut = i
                break
        module, name = ".".join(parts[:cut]), ".".join(parts[cut:])
        return pickle.PicklingError("%s: attribute lookup %s on %s failed" % (head, name, module))
    return None


def seconds(timeout):
    """A timeout as _mpi takes it: None (no limit) or a float >= 0 (ints and
    negative values are accepted, as CPython's blocking calls accept them)."""
    return None if timeout is None else max(float(timeout), 0.0)


def spawning_dumps(obj):
    """Pickles `obj` for a process being started: shared objects may travel."""
    global _spawning
    _spawning += 1
    try:
        return dumps(obj)
    finally:
        _spawning -= 1


def assert_spawning(obj):
    """Raises CPython's RuntimeError unless a process is being started."""
    if not _spawning:
        raise RuntimeError(
            "%s objects should only be shared between processes through inheritance" % type(obj).__name__
        )


def flush_std_streams():
    """Pushes out what this process printed (the host keeps lines whole)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, ValueError):
            pass


# Logging, as CPython's multiprocessing.util offers it: a "multiprocessing"
# logger that stays silent unless a script asks for it.
SUBDEBUG = 5
DEBUG = 10
INFO = 20
SUBWARNING = 25
WARNING = 30

LOGGER_NAME = "multiprocessing"
DEFAULT_LOGGING_FORMAT = "[%(levelname)s/%(processName)s] %(message)s"

_logger = None


def get_logger():
    """The package's logger (created on first use, with no handler)."""
    global _logger
    if _logger is None:
        import logging

        _logger = logging.getLogger(LOGGER_NAME)
        _logger.propagate = False
    return _logger


def log_to_stderr(level=None):
    """Makes the package's logger print to stderr, as CPython's does."""
    import logging

    logger = get_logger()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(DEFAULT_LOGGING_FORMAT))
    logger.addHandler(handler)
    if level:
        logger.setLevel(level)
    return logger


def _log(level, msg, *args):
    if _logger is not None:
        _logger.log(level, msg, *args)


def sub_debug(msg, *args):
    _log(SUBDEBUG, msg, *args)


def debug(msg, *args):
    _log(DEBUG, msg, *args)


def info(msg, *args):
    _log(INFO, msg, *args)


def sub_warning(msg, *args):
    _log(SUBWARNING, msg, *args)
