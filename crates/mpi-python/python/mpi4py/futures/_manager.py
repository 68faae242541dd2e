"""The manager side of `mpi4py.futures`: workers, tasks and futures.

A rank runs one thread, and MPI belongs to it, so nothing works in the
background here: a task goes to an idle worker when it is submitted (or
waits in the executor's queue), and results come in whenever the program
waits for any future of ours (`result`, `exception`, `wait`,
`as_completed`, `map`, `shutdown`). Waiting is a receive of the next
result from any busy worker (`_mpi.mp_recv` with the wait's timeout), so a
stuck task shows in the deadlock report as "Pool result", and no one polls.

Workers are world slots (spawned processes, or the other ranks of a
communicator) that run `server.serve`; tasks and results are process
messages (`_mpi.mp_send`), pickled with `MPI.pickle`.
"""

import concurrent.futures as _cf
import itertools
import time

import _mpi

TASK_TAG = 0x21000000
RESULT_TAG = 0x21000001

_STOP = None                    # the task message that ends a worker's loop
_task_ids = itertools.count(1)
_pending = {}                   # task id -> (future, manager, worker slot)
_managers = set()               # live managers, each with busy workers


def _pickle():
    from mpi4py import MPI
    return MPI.pickle


class Future(_cf.Future):
    """A `concurrent.futures.Future` that gets its result by waiting here:
    its `result`, `exception` and the waits of `concurrent.futures` on it
    take in results while they wait."""

    def result(self, timeout=None):
        _pump_until(lambda: self.done(), timeout)
        return super().result(timeout=0)

    def exception(self, timeout=None):
        _pump_until(lambda: self.done(), timeout)
        return super().exception(timeout=0)

    def _abort(self):
        """Ends a running task's future as cancelled (its worker was
        terminated): waits on it return, its result is never to come."""
        with self._condition:
            if self._state in (_cf._base.FINISHED, _cf._base.CANCELLED_AND_NOTIFIED):
                return
            self._state = _cf._base.CANCELLED_AND_NOTIFIED
            for waiter in self._waiters:
                waiter.add_cancelled(self)
            self._condition.notify_all()
        self._invoke_callbacks()

    def __init__(self):
        super().__init__()
        # `wait` and `as_completed` hang a waiter on every future and sleep
        # on its event; here that event must take in results instead.
        self._waiters = _Waiters()


class _Waiters(list):
    def append(self, waiter):
        waiter.event = _PumpingEvent(waiter.event)
        super().append(waiter)


class _PumpingEvent:
    """A waiter's event whose `wait` takes in results until it is set."""

    def __init__(self, event):
        self._event = event

    def set(self):
        self._event.set()

    def clear(self):
        self._event.clear()

    def is_set(self):
        return self._event.is_set()

    def wait(self, timeout=None):
        _pump_until(self._event.is_set, timeout)
        return self._event.is_set()


def _pump_until(condition, timeout):
    """Takes in results until `condition()` holds or `timeout` runs out."""
    deadline = None if timeout is None else time.monotonic() + max(timeout, 0)
    while not condition():
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return
        if not _receive(left):
            return


def _receive(timeout):
    """Takes in one result (or a worker's end); False when there was nothing
    to wait for or the timeout ran out."""
    busy = [slot for task, (_f, _m, slot) in _pending.items()]
    if not busy:
        return False
    got = _mpi.mp_recv(-1, RESULT_TAG, timeout, "Pool result", busy)
    if got is None:
        return False
    data, source, _tag = got
    if data is None:
        _worker_died(source)
        return True
    task, ok, value = _pickle().loads(data)
    future, manager, _slot = _pending.pop(task, (None, None, None))
    if manager is not None:
        manager.idle(source)
    if future is not None and not future.done():
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
    return True


def _worker_died(slot):
    from mpi4py.futures._base import BrokenExecutor
    for task, (future, manager, worker) in list(_pending.items()):
        if worker == slot:
            del _pending[task]
            manager.broken = f"a worker process ended while running a task (exit code {_mpi.mp_exitcode(slot)})"
            if not future.done():
                future.set_exception(BrokenExecutor(manager.broken))


class Manager:
    """One executor's workers and queue."""

    def __init__(self, workers):
        self.workers = list(workers)
        self.free = list(workers)
        self.queue = []                 # (task id, future, message) not yet sent
        self.broken = None
        self.stopped = False
        _managers.add(self)

    def submit_call(self, call):
        """Queues a task (`call`: the pickled (fn, args, kwargs)); its future."""
        future = Future()
        task = next(_task_ids)
        message = _pickle().dumps((task, call))
        self.queue.append((task, future, message))
        self.dispatch()
        return future

    def dispatch(self):
        while self.free and self.queue:
            task, future, message = self.queue.pop(0)
            if not future.set_running_or_notify_cancel():
                continue
            slot = self.free.pop(0)
            _pending[task] = (future, self, slot)
            _mpi.mp_send(slot, TASK_TAG, message)

    def idle(self, slot):
        self.free.append(slot)
        self.dispatch()

    def cancel_queued(self):
        for _task, future, _message in self.queue:
            future.cancel()
        self.queue.clear()

    def busy(self):
        return bool(self.queue) or any(m is self for _f, m, _s in _pending.values())

    def join(self, timeout=None):
        """Waits for every task, queued or running."""
        _pump_until(lambda: not self.busy(), timeout)

    def stop(self):
        """Ends the workers' loops (once they are idle)."""
        if self.stopped:
            return
        self.join()
        self.stopped = True
        for slot in self.workers:
            _mpi.mp_send(slot, TASK_TAG, _pickle().dumps(_STOP))
        _managers.discard(self)

    def terminate(self):
        """Ends the workers now, running tasks and all."""
        self.cancel_queued()
        for task, (future, manager, _slot) in list(_pending.items()):
            if manager is self:
                del _pending[task]
                future._abort()
        for slot in self.workers:
            _mpi.mp_terminate(slot)
        self.stopped = True
        _managers.discard(self)
