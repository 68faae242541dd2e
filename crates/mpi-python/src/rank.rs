//! Running one rank: an interpreter with the stdlib and `mpi4py` frozen in, the
//! script executed as `__main__`, its output line-buffered to the host, and its
//! end (normal, exception, exit code, abort, stop) turned into a [`RankOutcome`].

use mpi_core::{Activity, Endpoint, RankOutcome, RunState};
use rustpython_vm::{
    AsObject, Interpreter, PyObjectRef, PyResult, VirtualMachine,
    builtins::{PyBaseExceptionRef, PyTypeRef},
    compiler::Mode,
};
use std::cell::RefCell;
use std::rc::Rc;

/// Where a rank's output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// What the embedding (native runner or browser worker) provides to a rank.
pub trait RankHost {
    /// Whole lines of output (each ending in '\n'), or, when the rank ends, the
    /// last unterminated line.
    fn output(&self, stream: Stream, text: &str);
    /// Seconds since an origin shared by every rank of the run (`MPI.Wtime`).
    fn wtime(&self) -> f64;
    /// `MPI.Get_processor_name()`.
    fn processor_name(&self) -> String;
    /// `time.sleep` where the interpreter cannot sleep by itself (the browser).
    fn sleep(&self, seconds: f64);
    /// A monotonic clock in seconds, for `time.monotonic`/`time.perf_counter`
    /// where the interpreter has none (the browser).
    fn clock(&self) -> f64;
    /// A warning about the run from this rank (a message it never received,
    /// a collective it never matched): said apart from its output.
    fn warn(&self, text: &str);
    /// Starts a fresh interpreter in process slot `slot` (already reserved in
    /// the World), running this run's script as a `multiprocessing` child;
    /// `name` labels its output. Returns at once.
    fn spawn_process(&self, slot: u32, name: &str) -> Result<(), String>;
    /// Ends process `slot` for real where the host can (a browser terminates
    /// its worker). The World already says it ended; natively it stops at its
    /// next call into the runtime, and its output is dropped.
    fn kill_process(&self, slot: u32);
    /// How many processes may run at once (`multiprocessing.cpu_count()`).
    fn cpu_count(&self) -> usize;
    /// The process id `multiprocessing` reports for `slot` (and `os.getpid()` there).
    fn pid(&self, slot: u32) -> u32;
    /// The text at `url`, relative to where the runtime is served, or why it
    /// could not be had: the browser's rank runtime fetches the standard
    /// library modules it does not carry (browser_stdlib.rs). Natively the
    /// whole library is frozen and nothing asks.
    fn fetch_text(&self, url: &str) -> Result<String, String> {
        Err(format!("{url} cannot be fetched here"))
    }
    /// Puts back the runtime's tables of cold data group `group` (the page
    /// serves them apart: web/pack-dist.mjs), before a module that reads
    /// them is imported, or says why it could not. Natively, and in a
    /// browser runtime packed with every table, there is nothing to do.
    fn restore_cold_data(&self, _group: &str) -> Result<(), String> {
        Ok(())
    }
}

/// The script every rank runs.
#[derive(Clone, Debug)]
pub struct Script {
    pub source: String,
    /// Shown in tracebacks and as `sys.argv[0]`.
    pub path: String,
    /// `sys.argv[1:]`.
    pub args: Vec<String>,
    /// `MPI.APPNUM`: which program of an MPMD run this is (0 otherwise).
    pub appnum: u32,
    /// What the rank reads on stdin, when the host gives it as text (the
    /// page's input box, rank 0's alone); `None`: the process's own stdin,
    /// natively.
    pub stdin: Option<String>,
}

/// This rank's state shared with the native module, reachable from any
/// `_mpi` function through a thread-local (one rank per thread or worker).
pub(crate) struct RankContext {
    pub endpoint: RefCell<Endpoint>,
    pub host: Rc<dyn RankHost>,
    pub error_class: RefCell<Option<PyObjectRef>>,
    /// mpi4py's `Datatype` class and, by `_id`, the size of each predefined
    /// type whose instances are their bytes with no gap (`_mpi.set_plain_datatypes`).
    pub plain_datatypes: RefCell<Option<(PyObjectRef, std::collections::HashMap<u64, usize>)>>,
    pub stopped_class: PyTypeRef,
    lines: RefCell<[String; 2]>,
    /// The script's path, as its code objects name it: the frames a trace
    /// record takes its line from.
    pub script_path: String,
    /// The rank's descriptors and working directory over the run's file
    /// system (the browser's `posix`; natively the OS keeps them).
    #[cfg(target_arch = "wasm32")]
    pub files: RefCell<crate::browser_os::Files>,
}

thread_local! {
    static RANK: RefCell<Option<Rc<RankContext>>> = const { RefCell::new(None) };
}

/// Calls `f` with this thread's rank. Only `_mpi` functions call it, and they
/// only run while [`RankRuntime::run`] has a rank installed.
pub(crate) fn with_rank<T>(f: impl FnOnce(&Rc<RankContext>) -> T) -> T {
    RANK.with(|r| f(r.borrow().as_ref().expect("_mpi used outside a running rank")))
}

/// [`with_rank`] for code that may also run before a rank is installed.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn try_with_rank<T>(f: impl FnOnce(&Rc<RankContext>) -> T) -> Option<T> {
    RANK.with(|r| r.borrow().as_ref().map(f))
}

impl RankContext {
    pub fn write(&self, fd: i32, text: &str) {
        let (idx, stream) = if fd == 2 { (1, Stream::Stderr) } else { (0, Stream::Stdout) };
        let mut lines = self.lines.borrow_mut();
        let buf = &mut lines[idx];
        buf.push_str(text);
        if let Some(end) = buf.rfind('\n') {
            let rest = buf.split_off(end + 1);
            let complete = std::mem::replace(buf, rest);
            drop(lines);
            self.host.output(stream, &complete);
        }
    }

    /// Python's `flush()`: lines stay whole, so an unterminated line waits for
    /// its newline (or the end of the rank) rather than splicing with others.
    pub fn flush(&self, _fd: i32) {}

    fn flush_partial_lines(&self) {
        let taken: Vec<(Stream, String)> = {
            let mut lines = self.lines.borrow_mut();
            [Stream::Stdout, Stream::Stderr].into_iter().zip(lines.iter_mut().map(std::mem::take)).collect()
        };
        for (stream, text) in taken {
            if !text.is_empty() {
                self.host.output(stream, &text);
            }
        }
    }
}

/// Installs `sys.stdout`/`sys.stderr` objects that write through `_mpi`.
const STREAMS: &str = r#"
import sys, _mpi

class _RankStream:
    """A rank's stdout or stderr: text goes to the host, line by line."""
    encoding = "utf-8"
    errors = "strict"

    def __init__(self, fd, name):
        self._fd = fd
        self.name = name

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not " + type(text).__name__)
        _mpi.write(self._fd, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        _mpi.flush(self._fd)

    def isatty(self):
        return False

    def fileno(self):
        return self._fd

    def writable(self):
        return True

    def readable(self):
        return False

sys.stdout = sys.__stdout__ = _RankStream(1, "<stdout>")
sys.stderr = sys.__stderr__ = _RankStream(2, "<stderr>")
"#;

/// As `mpiexec` forwards its stdin to rank 0 alone: every other rank, and
/// every process a rank starts (as `multiprocessing` gives its children),
/// reads an empty stdin, at its end at once (`input()` raises EOFError).
/// Ranks are threads of one process here, which would otherwise all read
/// the one stdin, whichever asked first.
#[cfg(not(target_arch = "wasm32"))]
const NATIVE_STDIN: &str = r#"
import os, sys, _mpi
if _mpi.mp_self() != 0:
    sys.stdin = open(os.devnull, encoding="utf-8")
"#;

/// A stdin the host gives as text (`_text`): read as from a pipe, at its
/// end `input()` raises EOFError as under mpiexec with that stdin.
const GIVEN_STDIN: &str = r#"
import io, sys
sys.stdin = sys.__stdin__ = io.StringIO(_text)
sys.stdin.name = "<stdin>"
"#;

/// In the browser RustPython's `time.sleep` and monotonic clocks would call
/// std functions that wasm32-unknown-unknown lacks; the host provides them.
#[cfg(target_arch = "wasm32")]
const BROWSER_TIME: &str = r#"
import time, _mpi
time.sleep = _mpi.sleep
time.monotonic = time.perf_counter = _mpi.clock
time.monotonic_ns = time.perf_counter_ns = lambda: int(_mpi.clock() * 1e9)
# A rank has a worker to itself, so its CPU time is close to its wall time.
time.process_time = time.thread_time = _mpi.clock
time.process_time_ns = time.thread_time_ns = time.monotonic_ns
# time.time comes from the browser's Date; time_ns would ask std for the
# system time, which panics there (logging calls it at import).
time.time_ns = lambda: int(time.time() * 1e9)
"#;

/// A rank's output is no terminal: `os.get_terminal_size` says so (OSError,
/// as for a pipe), and `shutil.get_terminal_size` (argparse's help, so
/// unittest) falls back to 80x24 as CPython's does.
#[cfg(target_arch = "wasm32")]
const BROWSER_TERMINAL: &str = r#"
import os, posix

class terminal_size(tuple):
    """A pair of terminal width and height."""
    n_fields = n_sequence_fields = 2
    n_unnamed_fields = 0
    def __new__(cls, sequence):
        sequence = tuple(sequence)
        if len(sequence) != 2:
            raise TypeError(f"os.terminal_size() takes a 2-sequence ({len(sequence)}-sequence given)")
        return tuple.__new__(cls, sequence)
    columns = property(lambda self: self[0], doc="width of the terminal window in characters")
    lines = property(lambda self: self[1], doc="height of the terminal window in characters")
    def __repr__(self):
        return f"os.terminal_size(columns={self[0]}, lines={self[1]})"
    def __reduce__(self):
        return (terminal_size, (tuple(self),))

terminal_size.__module__ = "os"

def get_terminal_size(fd=1, /):
    """Return the size of the terminal window as (columns, lines)."""
    raise OSError(25, "Inappropriate ioctl for device")

os.terminal_size = posix.terminal_size = terminal_size
os.get_terminal_size = posix.get_terminal_size = get_terminal_size
del terminal_size, get_terminal_size
"#;

/// In the browser RustPython's `errno` has no names (they come from the
/// host's C library); the browser's `posix` raises Linux's numbers, so
/// `errno.ENOENT` and `errno.errorcode` are Linux's too.
#[cfg(target_arch = "wasm32")]
const BROWSER_ERRNO: &str = r#"
import errno, _errno_linux
for _name, _value in _errno_linux.CODES.items():
    if not hasattr(errno, _name):
        setattr(errno, _name, _value)
    errno.errorcode.setdefault(_value, _name)
"#;

/// In the browser `array` is `_array_lp64`: 'l' and 'L' arrays hold 8-byte
/// items, as `MPI.LONG` and NumPy's `long` do here and on 64-bit Linux,
/// where the native module would give wasm32's 4-byte C long.
#[cfg(target_arch = "wasm32")]
const BROWSER_ARRAY: &str = r#"
import sys, _array_lp64
sys.modules["array"] = _array_lp64
"#;

/// In the browser `open` is the stdlib's pure-Python `_pyio.open`, over the
/// run's file system that `posix` (browser_os.rs) reaches: RustPython's
/// `_io.FileIO` needs the host's files. `_pyio` is imported at the first
/// `open`, so runs that never open a file do not pay for it. `scandir` is
/// Python too: entries with the stat taken as they are listed, which is all
/// `os.walk`, `shutil.rmtree`, `glob` and `pathlib` ask of them.
#[cfg(target_arch = "wasm32")]
const BROWSER_FILES: &str = r#"
import builtins, io, _io, os, posix
import stat as _stat

def open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None, closefd=True, opener=None):
    import _pyio
    return _pyio.open(file, mode, buffering, encoding, errors, newline, closefd, opener)

def open_code(path):
    return open(path, "rb")

open.__doc__ = "Open file and return a stream (the stdlib's _pyio.open)."
builtins.open = io.open = open
# importlib reads source files through _io.open_code: a module a script
# wrote into the run's files can be imported.
io.open_code = _io.open_code = open_code

class DirEntry:
    """An entry os.scandir yields: its name, path and stat."""
    __slots__ = ("name", "path", "_stat")

    def __init__(self, name, path, st):
        self.name = name
        self.path = path
        self._stat = st

    def stat(self, *, follow_symlinks=True):
        return self._stat

    def is_dir(self, *, follow_symlinks=True):
        return _stat.S_ISDIR(self._stat.st_mode)

    def is_file(self, *, follow_symlinks=True):
        return _stat.S_ISREG(self._stat.st_mode)

    def is_symlink(self):
        return False

    def is_junction(self):
        return False

    def inode(self):
        return self._stat.st_ino

    def __fspath__(self):
        return self.path

    def __repr__(self):
        return f"<DirEntry {self.name!r}>"

class _ScandirIterator:
    def __init__(self, entries):
        self._entries = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._entries)

    def close(self):
        self._entries = iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

def scandir(path="."):
    top = "." if path is None else os.fspath(path)
    entries = []
    for name in posix.listdir(top):
        full = os.path.join(top, name)
        try:
            st = posix.lstat(full)
        except FileNotFoundError:
            continue  # removed since it was listed
        entries.append(DirEntry(name, full, st))
    return _ScandirIterator(entries)

os.scandir = posix.scandir = scandir
os.DirEntry = posix.DirEntry = DirEntry

# RustPython installs the path-based importers (PathFinder, FileFinder) only
# where it has an OS layer of its own; here they go over the run's files, so
# a workspace module (or one a rank wrote) imports as from a directory.
import sys, _frozen_importlib
if not any(getattr(f, "__name__", "") == "PathFinder" for f in sys.meta_path):
    _frozen_importlib._install_external_importers()
"#;

/// What CPython's `site` adds to builtins and a script may call: `help`
/// (pydoc; a rank's output is no terminal, so it prints without a pager).
const SITE_BUILTINS: &str = r#"
import builtins, _sitebuiltins
builtins.help = _sitebuiltins._Helper()
"#;

/// Natively RustPython could load `_ctypes`, which calls into the host's
/// shared libraries; the browser has none, and RustPython has no C API for
/// `ctypes.pythonapi` anyway. A rank has no `_ctypes` natively either, so a
/// script sees the same `ModuleNotFoundError` in `mpiplay` as in the page
/// (and code that falls back without ctypes, as mpi4py's tests do, falls back).
#[cfg(not(target_arch = "wasm32"))]
const NO_CTYPES: &str = r#"
import sys

class _NoCtypes:
    """Finds `_ctypes` to be missing, as it is in the browser."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "_ctypes":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoCtypes)
"#;

/// A rank's interpreter, created before the rank has anything to run so that a
/// host can keep warm ones ready.
pub struct RankRuntime {
    interp: Interpreter,
}

impl Default for RankRuntime {
    fn default() -> Self {
        Self::new()
    }
}

impl RankRuntime {
    pub fn new() -> Self {
        // UTF-8 mode, which `sys.flags.utf8_mode` already reports: a text
        // file opened without an encoding is UTF-8, as CPython's is in a
        // UTF-8 locale. Left unset, RustPython asks the C locale, which a Rust
        // program never sets, and reads and writes ASCII natively.
        let mut settings = rustpython_vm::vm::Settings::default();
        settings.utf8_mode = 1;
        let builder = Interpreter::builder(settings);
        #[cfg_attr(not(target_arch = "wasm32"), allow(unused_mut))]
        let mut stdlib = rustpython_stdlib::stdlib_module_defs(&builder.ctx);
        // The native `_datetime` reads std's clock, which wasm32-unknown-unknown
        // lacks (datetime.now() would abort the worker); without it `datetime`
        // uses the pure-Python `_pydatetime`, which reads time.time().
        #[cfg(target_arch = "wasm32")]
        stdlib.retain(|def| AsRef::<str>::as_ref(def.name) != "_datetime");
        let mpi = crate::native::module_def(&builder.ctx);
        let numpy = mpi_numpy::module_def(&builder.ctx);
        #[cfg(target_arch = "wasm32")]
        let builder = {
            let posix = crate::browser_os::posix::module_def(&builder.ctx);
            builder.add_native_module(posix)
        };
        // Our `multiprocessing` (python/) replaces the stdlib's whole package,
        // which needs OS processes, pipes and semaphores.
        #[cfg(not(target_arch = "wasm32"))]
        let stdlib_python = rustpython_pylib::FROZEN_STDLIB
            .into_iter()
            .filter(|(name, _)| *name != "multiprocessing" && !name.starts_with("multiprocessing."));
        // The browser's runtime carries only part of it; the page serves the rest.
        #[cfg(target_arch = "wasm32")]
        let (stdlib_python, builder) = {
            let served = crate::browser_stdlib::browser_stdlib::module_def(&builder.ctx);
            (crate::browser_stdlib::FROZEN, builder.add_native_module(served))
        };
        let interp = builder
            .add_native_modules(&stdlib)
            .add_native_module(mpi)
            .add_native_module(numpy)
            .add_frozen_modules(stdlib_python)
            .add_frozen_modules(crate::FROZEN_MPI4PY)
            .add_frozen_modules(mpi_numpy::FROZEN_NUMPY)
            .build();
        RankRuntime { interp }
    }

    /// Runs `script` as world rank `endpoint.world_rank()`, then marks the rank
    /// finished in the World's state table.
    pub fn run(self, mut endpoint: Endpoint, host: Rc<dyn RankHost>, script: &Script) -> RankOutcome {
        let clock = host.clone();
        endpoint.set_clock(Box::new(move || clock.wtime()));
        self.interp.enter(|vm| {
            let stopped_class = vm.ctx.new_exception_type(
                "_mpi",
                "RunStopped",
                Some(vec![vm.ctx.exceptions.base_exception_type.to_owned()]),
            );
            let rank = Rc::new(RankContext {
                endpoint: RefCell::new(endpoint),
                host,
                error_class: RefCell::new(None),
                plain_datatypes: RefCell::new(None),
                stopped_class,
                lines: RefCell::new([String::new(), String::new()]),
                script_path: script.path.clone(),
                #[cfg(target_arch = "wasm32")]
                files: RefCell::default(),
            });
            RANK.with(|r| *r.borrow_mut() = Some(rank.clone()));
            let is_process = {
                let ep = rank.endpoint.borrow();
                ep.world().is_process(ep.world_rank())
            };
            let outcome = if is_process { run_process(vm, &rank, script) } else { run_rank(vm, &rank, script) };
            rank.flush_partial_lines();
            if is_process {
                let code = match &outcome {
                    RankOutcome::Done => 0,
                    RankOutcome::Failed { exit_code, .. } => exit_code.unwrap_or(1),
                    _ => mpi_core::TERMINATED,
                };
                rank.endpoint.borrow_mut().finish_process(code);
            } else {
                let activity = if outcome == RankOutcome::Done { Activity::Done } else { Activity::Failed };
                if activity == Activity::Done {
                    for warning in rank.endpoint.borrow_mut().leftovers() {
                        rank.host.warn(&warning);
                    }
                }
                rank.endpoint.borrow_mut().finish(activity);
            }
            RANK.with(|r| r.borrow_mut().take());
            outcome
        })
    }
}

/// An MPI rank: the script as `__main__`, then (as CPython's exit does) the
/// cleanup of the processes it started.
fn run_rank(vm: &VirtualMachine, rank: &RankContext, script: &Script) -> RankOutcome {
    let ran = run_main(vm, script);
    if ran.is_ok() {
        // As the interpreter's exit does: what the script registered with
        // `atexit` runs (mpi4py.futures shuts its executors down there).
        rustpython_vm::stdlib::atexit::_run_exitfuncs(vm);
    }
    let failed = ran.is_err();
    let cleanup = multiprocessing_exit(vm, failed);
    match ran.and(cleanup) {
        Ok(()) => RankOutcome::Done,
        Err(exc) => outcome_of(vm, rank, exc),
    }
}

/// `multiprocessing._at_rank_exit(failed)`, if the script used multiprocessing:
/// daemonic children are terminated, the others joined (terminated too if
/// the rank failed).
fn multiprocessing_exit(vm: &VirtualMachine, failed: bool) -> PyResult<()> {
    let modules = vm.sys_module.get_attr("modules", vm)?;
    let Ok(mp) = modules.get_item("multiprocessing", vm) else {
        return Ok(());
    };
    vm.call_method(&mp, "_at_rank_exit", (failed,)).map(drop)
}

/// A `multiprocessing` process: `multiprocessing._child.run` imports the
/// script as `__mp_main__`, runs what the parent sent and returns the exit
/// code; it reports the process's own errors as CPython's children do.
fn run_process(vm: &VirtualMachine, rank: &RankContext, script: &Script) -> RankOutcome {
    let ran = prepare(vm, script).and_then(|()| {
        remember_source(vm, script)?;
        // `import a.b` hands back package `a`; the submodule is in sys.modules.
        vm.import("multiprocessing._child", 0)?;
        let child = vm.sys_module.get_attr("modules", vm)?.get_item("multiprocessing._child", vm)?;
        let code = vm.call_method(&child, "run", (script.source.as_str(), script.path.as_str()))?;
        code.try_to_value::<i32>(vm)
    });
    match ran {
        Ok(0) => RankOutcome::Done,
        Ok(code) => RankOutcome::Failed { traceback: String::new(), summary: String::new(), exit_code: Some(code) },
        Err(exc) => {
            let outcome = outcome_of(vm, rank, exc);
            if let RankOutcome::Failed { traceback, .. } = &outcome {
                rank.host.output(Stream::Stderr, traceback);
            }
            outcome
        }
    }
}

/// What every interpreter gets before its script: argv, sys.path, the
/// output streams, and the browser's clocks.
fn prepare(vm: &VirtualMachine, script: &Script) -> PyResult<()> {
    let argv: Vec<PyObjectRef> =
        std::iter::once(&script.path).chain(&script.args).map(|a| vm.ctx.new_str(a.as_str()).into()).collect();
    vm.sys_module.set_attr("argv", vm.ctx.new_list(argv), vm)?;
    // As `python script.py` does: the script's folder comes first on sys.path.
    let folder = std::path::Path::new(&script.path).parent().map_or(String::new(), |p| p.display().to_string());
    let sys_path = vm.sys_module.get_attr("path", vm)?;
    vm.call_method(&sys_path, "insert", (0, folder))?;
    // First: what follows may import a module the page serves.
    #[cfg(target_arch = "wasm32")]
    vm.import("_served_stdlib", 0)?;
    vm.run_string(vm.new_scope_with_builtins(), STREAMS, "<mpi-playground streams>")?;
    vm.run_string(vm.new_scope_with_builtins(), SITE_BUILTINS, "<mpi-playground site>")?;
    #[cfg(target_arch = "wasm32")]
    vm.run_string(vm.new_scope_with_builtins(), BROWSER_TIME, "<mpi-playground time>")?;
    #[cfg(target_arch = "wasm32")]
    vm.run_string(vm.new_scope_with_builtins(), BROWSER_ERRNO, "<mpi-playground errno>")?;
    #[cfg(target_arch = "wasm32")]
    vm.run_string(vm.new_scope_with_builtins(), BROWSER_FILES, "<mpi-playground files>")?;
    #[cfg(target_arch = "wasm32")]
    vm.run_string(vm.new_scope_with_builtins(), BROWSER_TERMINAL, "<mpi-playground terminal>")?;
    #[cfg(target_arch = "wasm32")]
    vm.run_string(vm.new_scope_with_builtins(), BROWSER_ARRAY, "<mpi-playground array>")?;
    // Only installs a finder: `threading` and `concurrent.futures.thread`
    // load at a script's first import, and are fixed then (python/_import_fixes.py).
    vm.import("_import_fixes", 0)?;
    #[cfg(not(target_arch = "wasm32"))]
    vm.run_string(vm.new_scope_with_builtins(), NO_CTYPES, "<mpi-playground ctypes>")?;
    match &script.stdin {
        Some(text) => {
            let scope = vm.new_scope_with_builtins();
            scope.globals.set_item("_text", vm.ctx.new_str(text.as_str()).into(), vm)?;
            vm.run_string(scope, GIVEN_STDIN, "<mpi-playground stdin>")?;
        }
        None => {
            #[cfg(not(target_arch = "wasm32"))]
            vm.run_string(vm.new_scope_with_builtins(), NATIVE_STDIN, "<mpi-playground stdin>")?;
        }
    }
    Ok(())
}

fn run_main(vm: &VirtualMachine, script: &Script) -> PyResult<()> {
    prepare(vm, script)?;
    if script.appnum != 0 {
        // An MPMD run's later program: MPI.APPNUM says which.
        vm.import("mpi4py._spawn", 0)?;
        let spawn = vm.sys_module.get_attr("modules", vm)?.get_item("mpi4py._spawn", vm)?;
        spawn.get_attr("_appnum", vm)?.set_item(&0usize, vm.ctx.new_int(script.appnum).into(), vm)?;
    }
    let scope = vm.new_scope_with_main()?;
    scope.globals.set_item("__file__", vm.ctx.new_str(script.path.as_str()).into(), vm)?;
    let code = vm
        .compile(&script.source, Mode::Exec, script.path.clone())
        .map_err(|err| err.into_pyexception(vm, Some(&script.source)))?;
    remember_source(vm, script)?;
    vm.run_code_obj(code, scope).map(drop)
}

/// Puts the script's source in `linecache`, as an entry that is never checked
/// against a file, so that tracebacks quote its lines even where the script
/// is not a file (the browser) or has changed on disk since.
fn remember_source(vm: &VirtualMachine, script: &Script) -> PyResult<()> {
    let lines: Vec<PyObjectRef> = script
        .source
        .split_inclusive('\n')
        .map(|l| if l.ends_with('\n') { l.to_owned() } else { format!("{l}\n") })
        .map(|l| vm.ctx.new_str(l).into())
        .collect();
    let path: PyObjectRef = vm.ctx.new_str(script.path.as_str()).into();
    let entry = vm.ctx.new_tuple(vec![
        vm.ctx.new_int(script.source.len()).into(),
        vm.ctx.none(),
        vm.ctx.new_list(lines).into(),
        path.clone(),
    ]);
    let cache = vm.import("linecache", 0)?.get_attr("cache", vm)?;
    cache.set_item(&*path, entry.into(), vm)
}

fn outcome_of(vm: &VirtualMachine, rank: &RankContext, exc: PyBaseExceptionRef) -> RankOutcome {
    if exc.fast_isinstance(&rank.stopped_class) {
        let ep = rank.endpoint.borrow();
        return match (ep.world().run_state(), ep.world().abort_info()) {
            (RunState::Aborted, Some((code, who))) if who == ep.world_rank() => RankOutcome::Aborted { code },
            _ => RankOutcome::Stopped,
        };
    }
    if exc.fast_isinstance(vm.ctx.exceptions.system_exit) {
        let code = exc.as_object().get_attr("code", vm).ok().filter(|c| !vm.is_none(c));
        return match code {
            None => RankOutcome::Done,
            Some(c) => match c.try_to_value::<i32>(vm) {
                Ok(0) => RankOutcome::Done,
                Ok(n) => RankOutcome::Failed { traceback: String::new(), summary: String::new(), exit_code: Some(n) },
                Err(_) => {
                    let text = c.str(vm).map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    RankOutcome::Failed { traceback: format!("{text}\n"), summary: text, exit_code: Some(1) }
                }
            },
        };
    }
    RankOutcome::Failed { traceback: format_traceback(vm, &exc), summary: summarize(vm, &exc), exit_code: None }
}

/// "module.Class: message" (builtins unqualified). Of a multi-line message
/// (MPICH's error stacks) the last line, which names the actual fault.
fn summarize(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> String {
    let class = exc.class();
    let module =
        class.__module__(vm).and_then(|m| m.str(vm)).map(|m| m.to_string_lossy().into_owned()).unwrap_or_default();
    let name = class.name().to_string();
    let qualified = if module.is_empty() || module == "builtins" { name } else { format!("{module}.{name}") };
    let message = exc.as_object().str(vm).map(|m| m.to_string_lossy().into_owned()).unwrap_or_default();
    match message.lines().rfind(|l| !l.trim().is_empty()) {
        Some(first) if !first.is_empty() => format!("{qualified}: {first}"),
        _ => qualified,
    }
}

/// The report CPython prints for an uncaught exception. Python's own
/// `traceback` module writes it, as under CPython: it uses the exception's
/// `__str__` and module-qualified class name (`mpi4py.MPI.Exception: ...`),
/// which RustPython's built-in writer does not.
fn format_traceback(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> String {
    let formatted = vm.import("traceback", 0).and_then(|tb| {
        let lines = vm.call_method(&tb, "format_exception", (exc.clone(),))?;
        let empty: PyObjectRef = vm.ctx.new_str("").into();
        let text = vm.call_method(&empty, "join", (lines,))?;
        Ok(text.str(vm)?.to_string_lossy().into_owned())
    });
    formatted.unwrap_or_else(|_| {
        let mut text = String::new();
        let _ = vm.write_exception(&mut text, exc);
        text
    })
}
