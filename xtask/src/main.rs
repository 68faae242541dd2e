//! `cargo xtask`: the project's automation, in Rust with only the standard library.
//!
//! This file parses the command line and dispatches to the tasks. The toolchain
//! choice lives in `toolchain`, installing what is missing in `setup`, the
//! invariant checks in `checks`, and the tasks that build things in `tasks`.
//! The xtask itself never needs the project's toolchain (rustc >= 1.96): it only
//! starts other programs.

mod bench;
mod cache;
mod checks;
mod conformance;
mod setup;
mod tasks;
mod toolchain;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  setup [--browser]          Install or find what the builds need (idempotent).
                             --browser also installs Chromium and chromedriver.
  test [-- CARGO_TEST_ARGS]  Run every check: invariants, native tests, the
                             browser transport, the page build, the browser
                             fixtures and the UI tests (headless Chromium).
  bench [--against-mpi4py] [--repeat N]
                             Benchmark figures (bench/) natively and in headless
                             Chromium, median of N runs (default 5); with
                             --against-mpi4py also under real mpi4py + MPICH,
                             with ratios. Writes target/bench.json.
  conformance [--ranks 1,2,3,4] [--browser] [FILE...]
                             mpi4py 4.1.2's own test suite (fetched from PyPI)
                             under mpiplay at each rank count (default 2): a
                             table of tests, failures, errors and skips per
                             file, also written to target/conformance.md.
                             --browser: in the built page in headless Chromium
                             instead (first rank count; target/conformance-browser.md).
  ci                         What CI runs (.ci/run): the same as `test`.
  serve [--port PORT]        Build and serve the playground with COOP/COEP headers
                             on http://127.0.0.1:PORT (default 8080), rebuilding on change.
  dist [--public-url PATH]   Release build of the static site into dist/.
  run -- MPIPLAY_ARGS        Build (release) and run the native runner `mpiplay`,
                             e.g. `cargo xtask run -- -n 4 script.py`.
  help                       Show this text.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command named by `args[0]`; `Err` carries a message for the user.
fn dispatch(args: &[String]) -> Result<ExitCode, String> {
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    match command.as_str() {
        "setup" => {
            let mut browser = false;
            for arg in rest {
                match arg.as_str() {
                    "--browser" => browser = true,
                    other => return Err(unknown(other, "setup")),
                }
            }
            setup::run(setup::Options { browser }).map(|_| ExitCode::SUCCESS)
        }
        "test" | "ci" => {
            let (own, passthrough) = split_at_dashes(rest);
            if let Some(other) = own.first() {
                return Err(unknown(other, command));
            }
            tasks::test(passthrough)
        }
        "bench" => {
            let (mut options, mut it) = (bench::BenchOptions { against_mpi4py: false, repeat: 5 }, rest.iter());
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--against-mpi4py" => options.against_mpi4py = true,
                    "--repeat" => {
                        let value = it.next().ok_or("--repeat needs a value")?;
                        options.repeat =
                            value.parse().ok().filter(|n| *n > 0).ok_or(format!("invalid --repeat `{value}`"))?;
                    }
                    other => return Err(unknown(other, "bench")),
                }
            }
            bench::run(options)
        }
        "conformance" => {
            let mut options = conformance::Options { ranks: vec![2], files: Vec::new() };
            let mut browser = false;
            let mut it = rest.iter();
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--browser" => browser = true,
                    "--ranks" => {
                        let value = it.next().ok_or("--ranks needs a value, e.g. 1,2,3,4")?;
                        options.ranks = value
                            .split(',')
                            .map(|n| n.trim().parse().ok().filter(|n| (1..=64).contains(n)))
                            .collect::<Option<_>>()
                            .ok_or(format!("invalid --ranks `{value}`"))?;
                    }
                    other if other.starts_with('-') => return Err(unknown(other, "conformance")),
                    file => options.files.push(file.to_string()),
                }
            }
            let tc = setup::run(setup::Options { browser })?;
            if browser {
                let dist = util::checkout_target().join("xtask-dist");
                tasks::trunk_build(&tc, &dist, tasks::Packing::Tests)?;
                return conformance::run_browser(&dist, &options).map(|()| ExitCode::SUCCESS);
            }
            conformance::run(tc.native, &options).map(|()| ExitCode::SUCCESS)
        }
        "serve" => {
            let (mut port, mut it) = (8080u16, rest.iter());
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--port" | "-p" => {
                        let value = it.next().ok_or("--port needs a value")?;
                        port = value.parse().map_err(|_| format!("invalid port `{value}`"))?;
                    }
                    other => return Err(unknown(other, "serve")),
                }
            }
            tasks::serve(port)
        }
        "dist" => {
            let (mut public_url, mut it) = (None, rest.iter());
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--public-url" => {
                        public_url = Some(it.next().ok_or("--public-url needs a value")?.clone());
                    }
                    other => return Err(unknown(other, "dist")),
                }
            }
            tasks::dist(public_url.as_deref())
        }
        "run" => {
            // Everything after `run` (and an optional `--`) belongs to mpiplay.
            let (own, passthrough) = split_at_dashes(rest);
            let args = if own.is_empty() { passthrough } else { rest };
            tasks::run_mpiplay(args)
        }
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprint!("{USAGE}");
            Err(format!("unknown command `{other}`"))
        }
    }
}

/// Splits `args` at the first `--`: the part before it and the part after it.
fn split_at_dashes(args: &[String]) -> (&[String], &[String]) {
    match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[]),
    }
}

fn unknown(arg: &str, command: &str) -> String {
    format!("unknown argument `{arg}` for `{command}` (see `cargo xtask help`)")
}

#[cfg(test)]
mod tests {
    use super::split_at_dashes;

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dashes_split_own_args_from_passthrough() {
        let args = strings(&["--x", "--", "-n", "4", "--", "y"]);
        let (own, rest) = split_at_dashes(&args);
        assert_eq!(own, strings(&["--x"]));
        assert_eq!(rest, strings(&["-n", "4", "--", "y"]));
        let args = strings(&["-n", "4"]);
        let (own, rest) = split_at_dashes(&args);
        assert_eq!(own, strings(&["-n", "4"]));
        assert!(rest.is_empty());
    }
}
