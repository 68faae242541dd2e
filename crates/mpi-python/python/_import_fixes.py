"""Fixes a rank makes to standard library modules when a script first imports
them, for an interpreter that has no threads of its own.

A rank's RustPython is built without threads (every rank is one interpreter;
ranks are the parallelism). There, `threading.Thread.start()` runs the target
at once, to its end, and a blocking wait that nothing else could end returns
or raises. Two stdlib modules need a hand:

- `threading`: RustPython's `_thread.RLock` has no `_is_owned`, so a
  `Condition` over one (the default, as in every `concurrent.futures.Future`)
  believes it is never held and refuses to notify. The stdlib's own Python
  RLock has it: with `threading._CRLock = None`, `threading.RLock()` makes
  that one (it reads `_CRLock` at each call).
- `concurrent.futures.thread`: a pool's worker would run at the first
  `submit`, take that call, then wait for more forever; later calls would
  never run and their `result()` would time out. Here the pool runs each
  call when it is submitted, in the caller, and keeps everything else of
  the executor (futures, `map`, exceptions, initializer, shutdown).

The fix is made when the module is first imported, not at start: `threading`
imports `traceback`, and through it `inspect`, `dis`, `ast` and
`dataclasses`, which a rank that never uses threads need not load. A finder
first on `sys.meta_path` finds the module as the others would and has its
loader apply the fix once the module has run; the module's spec then names
the real loader. The finder leaves `sys.meta_path` once every fix is made.
"""

import sys

import _frozen_importlib


def _threading(module):
    module._CRLock = None


def _thread_pool(module):
    import queue

    from concurrent.futures import _base

    executor = module.ThreadPoolExecutor
    original_submit = executor.submit
    original_shutdown = executor.shutdown

    def run_submitted(self):
        # What a worker thread does: set up its context once (a failing
        # initializer breaks the pool, its calls get BrokenThreadPool), then
        # run the queued calls in order.
        context = self.__dict__.get("_caller_context")
        if context is None:
            context = self._create_worker_context()
            try:
                context.initialize()
            except BaseException:
                _base.LOGGER.critical("Exception in initializer:", exc_info=True)
                self._initializer_failed()
                return
            self._caller_context = context
        while True:
            try:
                item = self._work_queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item.run(context)

    def submit(self, fn, /, *args, **kwargs):
        # The stdlib's submit checks and queues the call (and starts no
        # thread, below); the call runs once its locks are released, so that
        # it may submit too.
        future = original_submit(self, fn, *args, **kwargs)
        run_submitted(self)
        return future

    def shutdown(self, wait=True, *, cancel_futures=False):
        original_shutdown(self, wait, cancel_futures=cancel_futures)
        context = self.__dict__.pop("_caller_context", None)
        if context is not None:
            context.finalize()

    # Named and documented as the methods they replace, for help() and reprs.
    for method in (submit, shutdown):
        replaced = getattr(executor, method.__name__)
        method.__doc__ = replaced.__doc__
        method.__module__ = replaced.__module__
        method.__qualname__ = replaced.__qualname__
        setattr(executor, method.__name__, method)
    executor._adjust_thread_count = lambda self: None


_FIXES = {"threading": _threading, "concurrent.futures.thread": _thread_pool}


class _FixAfterImport:
    def __init__(self, loader, fix):
        self.loader = loader
        self.fix = fix

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        fix = _FIXES.pop(name, None)
        if fix is None:
            return None
        if not _FIXES:
            sys.meta_path.remove(cls)
        # Popped first, so that this search (through sys.meta_path) passes
        # this finder by.
        spec = _frozen_importlib._find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = cls(spec.loader, fix)
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self.loader
        self.loader.exec_module(module)
        self.fix(module)


sys.meta_path.insert(0, _FixAfterImport)
