"""Pipe() and its Connection objects, over the run's shared-memory channels.

A direction of a pipe is a native item channel (`_mpi.pipe_*`); a duplex
Pipe has two. A message is one item: send() puts the pickle of an object,
send_bytes() raw bytes, as in CPython. Connections pickle as their channel
offsets, so they can be passed to processes and through queues.

poll(timeout) has no native counterpart that waits without taking the item,
so a poll that waits takes the next message and keeps it in this Connection
object for the next recv().

Not offered: EOFError when the other end is closed (a blocked recv() on a
pipe whose writer is gone waits until the run ends or is stopped), fileno(),
connection.wait(), Listener and Client.
"""

import pickle

import _mpi

from . import util
from .context import BufferTooShort

# Ring size of each direction; larger messages stream through it.
CHANNEL_BYTES = 1 << 16


class Connection:
    """One end of a Pipe."""

    def __init__(self, incoming, outgoing):
        self._in = incoming  # channel offset, or None for a write-only end
        self._out = outgoing  # channel offset, or None for a read-only end
        self._closed = False
        self._kept = None  # a message poll() took: (bytes,)

    def __reduce__(self):
        return Connection, (self._in, self._out)

    @property
    def closed(self):
        return self._closed

    @property
    def readable(self):
        return self._in is not None

    @property
    def writable(self):
        return self._out is not None

    def _check_closed(self):
        if self._closed:
            raise OSError("handle is closed")

    def _check_readable(self):
        if self._in is None:
            raise OSError("connection is write-only")

    def _check_writable(self):
        if self._out is None:
            raise OSError("connection is read-only")

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def send(self, obj):
        """Sends a picklable object."""
        self._check_closed()
        self._check_writable()
        _mpi.pipe_put(self._out, util.dumps(obj), "Connection.send")

    def send_bytes(self, buf, offset=0, size=None):
        """Sends bytes of a bytes-like object (offset and size in bytes)."""
        self._check_closed()
        self._check_writable()
        data = memoryview(buf).tobytes()
        n = len(data)
        if offset < 0:
            raise ValueError("offset is negative")
        if n < offset:
            raise ValueError("buffer length < offset")
        if size is None:
            size = n - offset
        elif size < 0:
            raise ValueError("size is negative")
        elif offset + size > n:
            raise ValueError("buffer length < offset + size")
        _mpi.pipe_put(self._out, data[offset : offset + size], "Connection.send")

    def _next(self):
        self._check_closed()
        self._check_readable()
        if self._kept is not None:
            data = self._kept[0]
            self._kept = None
            return data
        return _mpi.pipe_get(self._in, None, "Connection.recv")

    def recv(self):
        """Receives an object sent with send(); waits for it."""
        return pickle.loads(self._next())

    def recv_bytes(self, maxlength=None):
        """Receives a message as bytes; OSError if it is longer than maxlength."""
        if maxlength is not None and maxlength < 0:
            raise ValueError("negative maxlength")
        data = self._next()
        if maxlength is not None and len(data) > maxlength:
            self.close()
            raise OSError("bad message length")
        return data

    def recv_bytes_into(self, buf, offset=0):
        """Receives a message into a writable buffer at byte `offset`; returns its length."""
        data = self._next()
        view = memoryview(buf)
        if view.itemsize != 1 or view.format not in ("B", "b", "c"):
            view = view.cast("B")
        if offset < 0 or offset > len(view):
            raise ValueError("offset out of bounds")
        if offset + len(data) > len(view):
            raise BufferTooShort(data)
        view[offset : offset + len(data)] = data
        return len(data)

    def poll(self, timeout=0.0):
        """Whether a message is waiting; waits up to `timeout` seconds (None: forever)."""
        self._check_closed()
        self._check_readable()
        if self._kept is not None:
            return True
        if timeout is not None and timeout <= 0:
            return _mpi.pipe_count(self._in) > 0
        data = _mpi.pipe_get(self._in, util.seconds(timeout), "Connection.recv")
        if data is None:
            return False
        self._kept = (data,)
        return True


def Pipe(duplex=True):
    """Two connected Connections; with duplex=False the first only receives, the second only sends."""
    if duplex:
        a = _mpi.pipe_new(CHANNEL_BYTES)
        b = _mpi.pipe_new(CHANNEL_BYTES)
        return Connection(a, b), Connection(b, a)
    channel = _mpi.pipe_new(CHANNEL_BYTES)
    return Connection(channel, None), Connection(None, channel)
