//! `mpiplay`: runs an mpi4py script on N ranks, like `mpiexec -n N python script.py`,
//! with threads as ranks in one process.
//!
//! Exit status: 0 when every rank finished normally; 1 when a rank raised or
//! exited non-zero; the code of `comm.Abort(code)`; 2 for usage errors; 3 for a
//! deadlock; 124 when `--timeout` ran out.

mod output;
mod supervisor;

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: mpiplay -n N [options] script.py [args...]
       mpiplay -n N [options] -m module [args...]

Runs script.py on N ranks (threads, one Python interpreter each), as
`mpiexec -n N python script.py [args...]` would; with -m, a module as
`python -m module` runs it (`-m mpi4py script.py` as mpi4py.run does).

  -n, -np N        number of ranks (1 to 1024)
  -l, --label      prefix every output line with [rank]
  --timeout SECS   stop the run after SECS seconds (exit status 124)
  --eager-limit BYTES
                   standard-mode sends (send, Send, isend, ...) of more than
                   BYTES wait for their matching receive, smaller ones are
                   buffered; 0: every send waits; unlimited: none does
                   (default 8255, MPICH's on one node)
  --trace FILE.json
                   record every MPI call and message and write them as
                   Chrome trace-event JSON (open it in ui.perfetto.dev)
  -h, --help       show this help
  -V, --version    show the version

Exit status: 0 ok; 1 a rank raised or exited non-zero; comm.Abort(code) gives
code; 2 usage error; 3 deadlock; 124 timeout.";

/// The most ranks one process will start; far beyond what a laptop runs usefully.
const MAX_RANKS: u32 = 1024;

/// What the command line asks for.
#[derive(Debug)]
pub struct Options {
    pub ranks: u32,
    pub label: bool,
    pub timeout: Option<Duration>,
    /// Standard-mode sends of more bytes wait for their receive; `None`: none do.
    pub eager_limit: Option<u32>,
    /// `--trace FILE`: where the run's timeline goes.
    pub trace: Option<std::path::PathBuf>,
    pub script: String,
    /// `-m MODULE`: run the module as `__main__` (`script` names it then).
    pub module: Option<String>,
    pub args: Vec<String>,
}

/// The rest of the command line after the script or `-m MODULE`: its arguments.
fn rest_args(parser: &mut lexopt::Parser) -> Result<Vec<String>, String> {
    let args = parser.raw_args().map_err(|e| e.to_string())?;
    args.map(|a| a.into_string().map_err(|a| format!("argument is not valid UTF-8: {a:?}"))).collect()
}

/// A dotted Python module name, so that it can be written into source.
fn is_module_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// The source that runs `module` as `python -m module` would: as `__main__`,
/// with `sys.argv[0]` its file.
fn module_runner(module: &str) -> String {
    format!("import runpy\nrunpy.run_module('{module}', run_name='__main__', alter_sys=True)\n")
}

fn parse_args() -> Result<Options, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut ranks = None;
    let mut label = false;
    let mut timeout = None;
    let mut eager_limit = Some(mpi_core::World::MPICH_EAGER_LIMIT);
    let mut trace = None;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('n') | Long("np") | Long("n") => {
                let v: String = parser.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?;
                let n: u32 = v.parse().map_err(|_| format!("-n wants a number of ranks, got '{v}'"))?;
                if n == 0 || n > MAX_RANKS {
                    return Err(format!("-n must be between 1 and {MAX_RANKS}, got {n}"));
                }
                ranks = Some(n);
            }
            Short('l') | Long("label") => label = true,
            Long("timeout") => {
                let v: String = parser.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && s.is_finite())
                    .ok_or_else(|| format!("--timeout wants a positive number of seconds, got '{v}'"))?;
                timeout = Some(Duration::from_secs_f64(secs));
            }
            Long("eager-limit") => {
                let v: String = parser.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?;
                eager_limit =
                    match v.as_str() {
                        "unlimited" => None,
                        // u32::MAX itself means "unlimited" in the World's header.
                        _ => Some(v.parse().ok().filter(|n| *n < u32::MAX).ok_or_else(|| {
                            format!("--eager-limit wants a number of bytes or 'unlimited', got '{v}'")
                        })?),
                    };
            }
            Long("trace") => trace = Some(std::path::PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Short('V') | Long("version") => {
                println!("mpiplay {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            Short('m') => {
                let module: String = parser.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?;
                if !is_module_name(&module) {
                    return Err(format!("-m wants a module name, got '{module}'"));
                }
                let args = rest_args(&mut parser)?;
                let ranks = ranks.ok_or("missing -n N (the number of ranks)")?;
                let script = format!("<mpiplay -m {module}>");
                return Ok(Options { ranks, label, timeout, eager_limit, trace, script, module: Some(module), args });
            }
            Value(script) => {
                let script = script.string().map_err(|e| e.to_string())?;
                let args = rest_args(&mut parser)?;
                let ranks = ranks.ok_or("missing -n N (the number of ranks)")?;
                return Ok(Options { ranks, label, timeout, eager_limit, trace, script, module: None, args });
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Err("missing the script to run".into())
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("mpiplay: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let source = match &opts.module {
        Some(module) => module_runner(module),
        None => match std::fs::read_to_string(&opts.script) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("mpiplay: cannot read {}: {e}", opts.script);
                return ExitCode::from(2);
            }
        },
    };
    let status = supervisor::run(&opts, source);
    // Ranks stuck in pure Python (e.g. `while True: pass`) cannot be unwound,
    // so the process ends here rather than joining their threads.
    output::flush_all();
    std::process::exit(status)
}
