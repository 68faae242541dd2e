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
       mpiplay -n N [options] main.py [args...] : -n M other.py [args...] ...

Runs script.py on N ranks (threads, one Python interpreter each), as
`mpiexec -n N python script.py [args...]` would; with -m, a module as
`python -m module` runs it (`-m mpi4py script.py` as mpi4py.run does).
Programs joined by ` : ` share one MPI_COMM_WORLD, ranks numbered in order
(MPMD, as mpiexec's `:`); each sees its own sys.argv, MPI.APPNUM its index.

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
  --print-mpiexec  print the mpiexec command that runs the same on a
                   cluster, and run nothing
  -h, --help       show this help
  -V, --version    show the version

Exit status: 0 ok; 1 a rank raised or exited non-zero; comm.Abort(code) gives
code; 2 usage error; 3 deadlock; 124 timeout.";

/// The most ranks one process will start; far beyond what a laptop runs usefully.
const MAX_RANKS: u32 = 1024;

/// What the command line asks for.
#[derive(Debug)]
pub struct Options {
    /// Every program's ranks together.
    pub ranks: u32,
    pub label: bool,
    pub timeout: Option<Duration>,
    /// Standard-mode sends of more bytes wait for their receive; `None`: none do.
    pub eager_limit: Option<u32>,
    /// `--trace FILE`: where the run's timeline goes.
    pub trace: Option<std::path::PathBuf>,
    /// `--print-mpiexec`: say the cluster's command instead of running.
    pub print_mpiexec: bool,
    /// What the ranks run, in rank order: one program, or several joined by `:`.
    pub programs: Vec<Program>,
}

/// One program of the run: `-n N script.py args...` or `-n N -m module args...`.
#[derive(Debug)]
pub struct Program {
    pub ranks: u32,
    /// The script's path (for `-m`, a name that says so).
    pub script: String,
    /// `-m MODULE`: run the module as `__main__`.
    pub module: Option<String>,
    pub args: Vec<String>,
}

/// The rest of a program's command line after its script or `-m MODULE`:
/// its arguments, up to a `:` that starts the next program (consumed).
/// True if one did.
fn rest_args(parser: &mut lexopt::Parser) -> Result<(Vec<String>, bool), String> {
    let mut raw = parser.raw_args().map_err(|e| e.to_string())?;
    let mut args = Vec::new();
    for arg in &mut raw {
        if arg == ":" {
            return Ok((args, true));
        }
        args.push(arg.into_string().map_err(|a| format!("argument is not valid UTF-8: {a:?}"))?);
    }
    Ok((args, false))
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
    let mut print_mpiexec = false;
    let mut programs: Vec<Program> = Vec::new();
    // A `:` ended the latest program: another must follow.
    let mut after_colon = false;
    let value = |parser: &mut lexopt::Parser| -> Result<String, String> {
        parser.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())
    };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('n') | Long("np") | Long("n") => {
                let v = value(&mut parser)?;
                let n: u32 = v.parse().map_err(|_| format!("-n wants a number of ranks, got '{v}'"))?;
                if n == 0 || n > MAX_RANKS {
                    return Err(format!("-n must be between 1 and {MAX_RANKS}, got {n}"));
                }
                ranks = Some(n);
            }
            Short('l') | Long("label") => label = true,
            Long("timeout") => {
                let v = value(&mut parser)?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && s.is_finite())
                    .ok_or_else(|| format!("--timeout wants a positive number of seconds, got '{v}'"))?;
                timeout = Some(Duration::from_secs_f64(secs));
            }
            Long("eager-limit") => {
                let v = value(&mut parser)?;
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
            Long("print-mpiexec") => print_mpiexec = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Short('V') | Long("version") => {
                println!("mpiplay {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            Short('m') | Value(_) => {
                let (script, module) = match arg {
                    Value(script) => (script.string().map_err(|e| e.to_string())?, None),
                    _ => {
                        let module = value(&mut parser)?;
                        if !is_module_name(&module) {
                            return Err(format!("-m wants a module name, got '{module}'"));
                        }
                        (format!("<mpiplay -m {module}>"), Some(module))
                    }
                };
                let (args, more) = rest_args(&mut parser)?;
                let what = if programs.is_empty() { "the number of ranks" } else { "the number of ranks of each program after ':'" };
                let ranks = ranks.take().ok_or(format!("missing -n N ({what})"))?;
                programs.push(Program { ranks, script, module, args });
                after_colon = more;
                if !more {
                    break;
                }
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    if programs.is_empty() {
        return Err("missing the script to run".into());
    }
    if after_colon || ranks.is_some() {
        return Err("missing the script after ':'".into());
    }
    let total: u32 = programs.iter().map(|p| p.ranks).sum();
    if total > MAX_RANKS {
        return Err(format!("the programs have {total} ranks together, more than {MAX_RANKS}"));
    }
    Ok(Options { ranks: total, label, timeout, eager_limit, trace, print_mpiexec, programs })
}

/// The `mpiexec` command that runs the same programs under real MPI.
fn mpiexec_command(opts: &Options) -> String {
    let programs: Vec<mpi_core::launch::Program> = opts
        .programs
        .iter()
        .map(|p| {
            let mut argv = match &p.module {
                Some(module) => vec!["-m".to_owned(), module.clone()],
                None => vec![p.script.clone()],
            };
            argv.extend(p.args.iter().cloned());
            mpi_core::launch::Program { ranks: p.ranks, argv }
        })
        .collect();
    mpi_core::launch::mpiexec_command(&programs, opts.label, None)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("mpiplay: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if opts.print_mpiexec {
        println!("{}", mpiexec_command(&opts));
        return ExitCode::SUCCESS;
    }
    let mut sources = Vec::new();
    for program in &opts.programs {
        sources.push(match &program.module {
            Some(module) => module_runner(module),
            None => match std::fs::read_to_string(&program.script) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("mpiplay: cannot read {}: {e}", program.script);
                    return ExitCode::from(2);
                }
            },
        });
    }
    let status = supervisor::run(&opts, sources);
    // Ranks stuck in pure Python (e.g. `while True: pass`) cannot be unwound,
    // so the process ends here rather than joining their threads.
    output::flush_all();
    std::process::exit(status)
}
