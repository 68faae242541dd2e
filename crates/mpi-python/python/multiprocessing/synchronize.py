"""Locks, semaphores, events, conditions and barriers shared between processes.

Each object is a few words of the run's shared memory (`_mpi.shm_alloc`) and
pickles as their offset, so it can be handed to a Process or a Pool
initializer (CPython allows that only while a process starts, and so does
this module).

- Semaphores and locks are the native counter (`_mpi.sem_*`), which blocks
  for real. Locks also record their holder (slot, thread, depth) beside the
  counter: RLock needs it to re-enter, Condition to check that the caller
  holds the lock, and reprs show it as CPython's do.
- Event is the native flag word (`_mpi.flag_*`).
- Condition is built from three semaphores (waiters announced, wake-up
  tokens, acknowledgements), the classic construction for condition
  variables over semaphores; Barrier is a Condition plus a shared state record.
"""

import struct
import sys
import time

import _mpi

from . import util

try:
    from threading import BrokenBarrierError
except ImportError:  # no threads on this host

    class BrokenBarrierError(RuntimeError):
        pass


try:
    from _thread import get_ident as _thread_ident
except ImportError:  # no threads on this host

    def _thread_ident():
        return 0


SEM_VALUE_MAX = 2147483647

# Layout of a semaphore or lock: the native 4-byte counter at +0, then the
# holder record at +8 (slot + 1, thread id, depth), all zero while free.
_HOLDER = struct.Struct("=qQq")
_HOLDER_AT = 8
_SEM_BYTES = _HOLDER_AT + _HOLDER.size


def _me():
    # Thread ids can be negative here; the record stores them as unsigned.
    return (_mpi.mp_self() + 1, _thread_ident() & 0xFFFFFFFFFFFFFFFF)


class SemLock:
    """A counter in shared memory; acquire waits while it is 0."""

    _op = "Semaphore.acquire"
    _maxvalue = -1  # no bound

    def __init__(self, value, *, ctx=None, _offset=None):
        if _offset is None:
            _offset = _mpi.shm_alloc(_SEM_BYTES)
            # A fresh block is ours alone: its counter can be written directly.
            _mpi.shm_write(_offset, struct.pack("=i", value))
        self._offset = _offset

    def acquire(self, block=True, timeout=None):
        return self._acquire(block, timeout, self._op)

    def _acquire(self, block, timeout, op):
        if not _mpi.sem_acquire(self._offset, bool(block), util.seconds(timeout) if block else None, op):
            return False
        self._set_holder(_me(), 1)
        return True

    def release(self):
        self._set_holder((0, 0), 0)
        try:
            _mpi.sem_release(self._offset, self._maxvalue)
        except ValueError:
            raise ValueError("semaphore or lock released too many times") from None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *args):
        self.release()

    def _get_value(self):
        return _mpi.sem_value(self._offset)

    def _holder(self):
        slot, tid, depth = _HOLDER.unpack(_mpi.shm_read(self._offset + _HOLDER_AT, _HOLDER.size))
        return (slot, tid), depth

    def _set_holder(self, who, depth):
        _mpi.shm_write(self._offset + _HOLDER_AT, _HOLDER.pack(who[0], who[1], depth))

    def _is_mine(self):
        who, depth = self._holder()
        return depth > 0 and who == _me()

    def _holder_name(self):
        """CPython's words for the holder in reprs."""
        who, depth = self._holder()
        if depth == 0 and self._get_value() > 0:
            return None, 0
        if who == _me():
            from .process import current_process

            name = current_process().name
            if _thread_ident() != _main_thread_ident:  # as CPython: "Process|Thread"
                import threading

                name += "|" + threading.current_thread().name
            return name, depth
        return "SomeOtherProcess" if who[0] != _me()[0] else "SomeOtherThread", depth

    def __reduce__(self):
        util.assert_spawning(self)
        return _rebuild_semlock, (type(self), self.__getstate__())

    def __getstate__(self):
        return {"_offset": self._offset, "_maxvalue": self._maxvalue}

    def __setstate__(self, state):
        self.__dict__.update(state)


def _rebuild_semlock(cls, state):
    obj = cls.__new__(cls)
    obj.__setstate__(state)
    return obj


_main_thread_ident = _thread_ident()


class Semaphore(SemLock):
    """A counting semaphore with no upper bound."""

    def __init__(self, value=1, *, ctx=None):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        super().__init__(value)

    def get_value(self):
        return self._get_value()

    def __repr__(self):
        return "<%s(value=%s)>" % (type(self).__name__, self._get_value())


class BoundedSemaphore(Semaphore):
    """A semaphore whose release may not raise it above its initial value."""

    def __init__(self, value=1, *, ctx=None):
        super().__init__(value)
        self._maxvalue = value

    def __repr__(self):
        return "<%s(value=%s, maxvalue=%s)>" % (type(self).__name__, self._get_value(), self._maxvalue)


class Lock(SemLock):
    """A non-recursive lock: a semaphore of at most 1 that anyone may release."""

    _op = "Lock.acquire"
    _maxvalue = 1

    def __init__(self, *, ctx=None):
        super().__init__(1)

    def __repr__(self):
        name, _ = self._holder_name()
        return "<%s(owner=%s)>" % (type(self).__name__, name)


class RLock(SemLock):
    """A recursive lock: its holder may acquire it again, and must release it as often."""

    _op = "Lock.acquire"
    _maxvalue = 1

    def __init__(self, *, ctx=None):
        super().__init__(1)

    def _acquire(self, block, timeout, op):
        who, depth = self._holder()
        if depth > 0 and who == _me():
            self._set_holder(who, depth + 1)
            return True
        return super()._acquire(block, timeout, op)

    def release(self):
        who, depth = self._holder()
        if depth == 0 or who != _me():
            raise AssertionError("attempt to release recursive lock not owned by thread")
        if depth > 1:
            self._set_holder(who, depth - 1)
        else:
            super().release()

    def _release_all(self):
        """Releases every level (for Condition.wait); returns the depth to restore."""
        _, depth = self._holder()
        self._set_holder((0, 0), 0)
        _mpi.sem_release(self._offset, self._maxvalue)
        return depth

    def _restore(self, depth, op):
        super()._acquire(True, None, op)
        self._set_holder(_me(), depth)

    def __repr__(self):
        name, depth = self._holder_name()
        return "<%s(%s, %s)>" % (type(self).__name__, name, depth)


def _release_all(lock):
    if isinstance(lock, RLock):
        return lock._release_all()
    lock.release()
    return 1


def _restore(lock, depth, op):
    if isinstance(lock, RLock):
        lock._restore(depth, op)
    else:
        lock._acquire(True, None, op)


class Event:
    """A flag processes can wait for."""

    def __init__(self, *, ctx=None):
        self._offset = _mpi.shm_alloc(8)

    def is_set(self):
        return _mpi.flag_get(self._offset) != 0

    def set(self):
        _mpi.flag_set(self._offset, 1)

    def clear(self):
        _mpi.flag_set(self._offset, 0)

    def wait(self, timeout=None):
        """Waits until the flag is set; returns whether it is (False after a timeout)."""
        return _mpi.flag_wait(self._offset, util.seconds(timeout), "Event.wait")

    def __repr__(self):
        state = "set" if self.is_set() else "unset"
        return "<%s.%s object at %#x, %s>" % (type(self).__module__, type(self).__name__, id(self), state)

    def __reduce__(self):
        util.assert_spawning(self)
        return _rebuild_offset, (type(self), self._offset)


def _rebuild_offset(cls, offset):
    obj = cls.__new__(cls)
    obj._offset = offset
    return obj


class Condition:
    """A condition variable over a Lock or RLock (an RLock by default).

    wait() announces itself on `_sleepers`, releases the lock and waits for a
    token on `_wakeup`; it acknowledges on `_woken` whether it got a token or
    timed out. notify(n) first balances the acknowledgements of waiters that
    timed out against their announcements, then hands out up to n tokens and
    waits for each acknowledgement, and finally takes back tokens nobody took.
    """

    def __init__(self, lock=None, *, ctx=None):
        self._lock = lock if lock is not None else RLock()
        self._sleepers = Semaphore(0)
        self._woken = Semaphore(0)
        self._wakeup = Semaphore(0)

    def __getstate__(self):
        util.assert_spawning(self)
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)

    def acquire(self, block=True, timeout=None):
        return self._lock.acquire(block, timeout)

    def release(self):
        self._lock.release()

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *args):
        return self._lock.__exit__(*args)

    def wait(self, timeout=None):
        return self._wait(timeout, "Condition.wait")

    def _wait(self, timeout, op):
        assert self._lock._is_mine(), "must acquire() condition before using wait()"
        self._sleepers.release()
        depth = _release_all(self._lock)
        try:
            return self._wakeup._acquire(True, timeout, op)
        finally:
            self._woken.release()
            _restore(self._lock, depth, op)

    def notify(self, n=1):
        assert self._lock._is_mine(), "lock is not owned"
        # Waiters that timed out acknowledged without a token: drop their
        # announcements.
        while self._woken.acquire(False):
            self._sleepers.acquire(False)
        handed = 0
        while handed < n and self._sleepers.acquire(False):
            self._wakeup.release()
            handed += 1
        if handed:
            for _ in range(handed):
                self._woken._acquire(True, None, "Condition.wait")
            # A waiter that timed out meanwhile left its token: take it back.
            while self._wakeup.acquire(False):
                pass

    def notify_all(self):
        self.notify(sys.maxsize)

    def wait_for(self, predicate, timeout=None):
        """Waits until predicate() is true; returns its last value."""
        result = predicate()
        if result:
            return result
        deadline = None if timeout is None else time.monotonic() + timeout
        while not result:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.wait(remaining)
            else:
                self.wait()
            result = predicate()
        return result

    def __repr__(self):
        return "<%s(%s, %s)>" % (type(self).__name__, self._lock, self._sleepers._get_value() - self._woken._get_value())


class Barrier:
    """A barrier for `parties` processes (threading.Barrier's behaviour).

    The shared record holds how many wait now, the generation (incremented
    whenever the barrier passes or is reset), the last generation that passed,
    and whether it is broken; waiters sleep on a Condition until the
    generation moves on or the barrier breaks.
    """

    _STATE = struct.Struct("=qqqq")  # waiting, generation, passed generation, broken

    def __init__(self, parties, action=None, timeout=None, *, ctx=None):
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._parties = parties
        self._action = action
        self._timeout = timeout
        self._cond = Condition(Lock())
        self._offset = _mpi.shm_alloc(self._STATE.size)
        self._store(0, 0, -1, 0)

    def __getstate__(self):
        util.assert_spawning(self)
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)

    def _load(self):
        return self._STATE.unpack(_mpi.shm_read(self._offset, self._STATE.size))

    def _store(self, waiting, generation, passed, broken):
        _mpi.shm_write(self._offset, self._STATE.pack(waiting, generation, passed, broken))

    def wait(self, timeout=None):
        """Waits for all parties; returns this caller's arrival index (0 .. parties-1)."""
        if timeout is None:
            timeout = self._timeout
        with self._cond:
            waiting, generation, passed, broken = self._load()
            if broken:
                raise BrokenBarrierError
            index = waiting
            waiting += 1
            if waiting == self._parties:
                try:
                    if self._action:
                        self._action()
                except BaseException:
                    self._break()
                    raise
                self._store(0, generation + 1, generation, 0)
                self._cond.notify_all()
                return index
            self._store(waiting, generation, passed, broken)
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                now = self._load()
                if now[1] != generation or now[3]:
                    break
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    self._break()
                    raise BrokenBarrierError
                self._cond._wait(remaining, "Barrier.wait")
            if now[2] != generation:
                # Broken or reset while this caller waited.
                raise BrokenBarrierError
            return index

    def _break(self):
        waiting, generation, passed, _ = self._load()
        self._store(0, generation, passed, 1)
        self._cond.notify_all()

    def abort(self):
        """Breaks the barrier: current and future waiters get BrokenBarrierError."""
        with self._cond:
            self._break()

    def reset(self):
        """Back to the empty state; current waiters get BrokenBarrierError."""
        with self._cond:
            waiting, generation, passed, _ = self._load()
            self._store(0, generation + 1, passed, 0)
            self._cond.notify_all()

    @property
    def parties(self):
        return self._parties

    @property
    def n_waiting(self):
        return self._load()[0]

    @property
    def broken(self):
        return bool(self._load()[3])
