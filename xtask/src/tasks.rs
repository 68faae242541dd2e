//! The tasks that build things: `test` (every check, with a summary), `serve`,
//! `dist`, and `run` (the native `mpiplay` runner).

use std::path::PathBuf;
use std::process::{Command, ExitCode, ExitStatus};
use std::time::{Duration, Instant};

use crate::setup::{self, Options};
use crate::toolchain::{Toolchain, WASM_TARGET};
use crate::{checks, conformance, util};

/// One step of `test`: `Err` carries what went wrong.
type StepFn<'a> = dyn Fn() -> Result<(), String> + 'a;

/// `cargo xtask test`: setup, then every step in order (all run even if one
/// fails), a summary, and a non-zero exit if anything failed.
pub fn test(cargo_test_args: &[String]) -> Result<ExitCode, String> {
    let start = Instant::now();
    let mut summary: Vec<(&str, Result<(), String>, Duration)> = Vec::new();

    let t = Instant::now();
    let tc = match setup::run(Options { browser: true }) {
        Ok(tc) => tc,
        Err(e) => {
            summary.push(("setup", Err(e), t.elapsed()));
            return Ok(report(&summary, start));
        }
    };
    summary.push(("setup", Ok(()), t.elapsed()));

    let dist = util::checkout_target().join("xtask-dist");
    let steps: [(&str, &StepFn); 8] = [
        ("invariants: `//!` headers, mpi-core and mpi-ndarray dependencies", &|| checks::run(&tc)),
        ("native tests: cargo test --workspace", &|| native_tests(&tc, cargo_test_args)),
        ("mpi4py's test suite: the files of tests/conformance/passing.txt at 2 ranks", &|| {
            conformance::check_passing(tc.native)
        }),
        ("browser transport: mpi-web in a dedicated worker (wasm-bindgen-test, Chromium)", &|| transport_tests(&tc)),
        ("trunk build --release: the page and the rank runtime", &|| trunk_build(&tc, &dist, Packing::Tests)),
        ("browser fixtures: every example through mpiPlayground.run (Chromium)", &|| {
            browser_node(&dist, "run-fixtures.mjs", &[])
        }),
        ("browser UI: the page driven as a person would (Chromium), its run.sh under real mpi4py + MPICH", &|| {
            let python = setup::ensure_mpi4py()?;
            browser_node(&dist, "ui.mjs", &["--real-python".as_ref(), python.as_os_str()])
        }),
        ("mpi4py's test suite in the browser: tests/conformance/passing-browser.txt at 2 ranks (Chromium)", &|| {
            conformance::check_passing_browser(&dist)
        }),
    ];
    let total = steps.len();
    for (i, (name, step)) in steps.iter().enumerate() {
        util::header(&format!("[{}/{total}] {name}", i + 1));
        let t = Instant::now();
        let result = step();
        if let Err(e) = &result {
            eprintln!("FAILED: {e}");
        }
        summary.push((name, result, t.elapsed()));
    }
    Ok(report(&summary, start))
}

/// Prints the summary table and turns it into the exit code.
fn report(summary: &[(&str, Result<(), String>, Duration)], start: Instant) -> ExitCode {
    util::header("summary");
    for (name, result, took) in summary {
        let mark = if result.is_ok() { "ok  " } else { "FAIL" };
        eprintln!("  {mark} {:>9}  {name}", util::format_duration(*took));
    }
    let failed = summary.iter().filter(|(_, r, _)| r.is_err()).count();
    eprintln!("total: {} ({} failed)", util::format_duration(start.elapsed()), failed);
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn native_tests(tc: &Toolchain, extra: &[String]) -> Result<(), String> {
    let mut cmd = tc.native_cargo();
    cmd.current_dir(util::repo_root()).arg("test");
    // The whole workspace unless the caller names packages (`-- -p mpi-core`).
    let names_packages = extra.iter().any(|a| a.starts_with("-p") || a.starts_with("--package"));
    if !names_packages {
        cmd.arg("--workspace");
    }
    // --no-fail-fast: one failing test binary should not hide the others' results.
    cmd.arg("--no-fail-fast").args(extra);
    util::run(&mut cmd)
}

/// mpi-web's SharedArrayBuffer memory and the mailbox over it, in headless
/// Chromium (a dedicated worker: Atomics.wait is not allowed on a page).
fn transport_tests(tc: &Toolchain) -> Result<(), String> {
    let mut cmd = tc.wasm_cargo();
    cmd.current_dir(util::repo_root())
        // Release, as the page's build after it: the standard library (built
        // from source for wasm) and the shared crates are then compiled once.
        .args(["test", "--release", "--target", WASM_TARGET, "-p", "mpi-web"])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
        .env(
            "CHROMEDRIVER",
            util::find_in_path("chromedriver", &tc.wasm_path()).ok_or("chromedriver is not installed")?,
        )
        // The default 20 s can pass on a loaded 2-core machine before the tests even start.
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    util::run(&mut cmd)
}

/// How a page is built: as hosted, or quickly for a page only the tests load.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// What a host serves and the bench measures: the `dist` cargo profile
    /// (whole-program optimisation; long to build) and brotli at its best
    /// (quality 11; two minutes for the rank runtime on 2 cores).
    Hosting,
    /// The `release` profile and brotli quality 5: the same behaviour, the
    /// same files decompressing to the same bytes in 2 s; about 14% larger,
    /// which a page served from localhost never notices.
    Tests,
}

impl Packing {
    /// The cargo profile the page's crates are built with.
    pub fn cargo_profile(self) -> &'static str {
        match self {
            Packing::Hosting => "dist",
            Packing::Tests => "release",
        }
    }
}

/// `trunk build` of the page with `packing`'s cargo profile and asset URLs
/// under `public_url` (relative, "./", works from any sub-path).
fn trunk_build_command(tc: &Toolchain, packing: Packing, public_url: &str) -> Result<Command, String> {
    let mut cmd = trunk(tc)?;
    cmd.args(["build", "--release", "--cargo-profile", packing.cargo_profile(), "--public-url", public_url]);
    Ok(cmd)
}

/// Builds the page into `dist`, as `packing` says.
pub fn trunk_build(tc: &Toolchain, dist: &std::path::Path, packing: Packing) -> Result<(), String> {
    // Relative asset URLs, as `dist` ships them: the tests serve it from a sub-path too.
    let mut cmd = trunk_build_command(tc, packing, "./")?;
    cmd.arg("--offline").arg("--dist").arg(dist);
    util::run(&mut cmd)?;
    for file in ["index.html", "_headers", "rank-worker.js", "mpi-worker.js", "mpi-worker_bg.wasm"] {
        if !dist.join(file).is_file() {
            return Err(format!("trunk build produced no {file} in {}", dist.display()));
        }
    }
    pack(tc, dist, packing)
}

/// Finishes a built dist/ for hosting (web/pack-dist.mjs): the rank runtime
/// without its name section and its cold tables (served apart, as the
/// linker's map of the runtime trunk last built with `packing`'s profile and
/// that build's build-script outputs locate them; mpi-worker's build.rs has
/// the map written beside the wasm), and brotli and gzip twins of the files,
/// which hosts and the test server send to browsers that accept them.
fn pack(tc: &Toolchain, dist: &std::path::Path, packing: Packing) -> Result<(), String> {
    let target = tc.wasm_target_dir();
    let map = target.join("wasm32-unknown-unknown").join(packing.cargo_profile()).join("mpi-worker.map");
    // Build scripts run on the host, so their outputs are outside the wasm target's folder.
    let build_dir = target.join(packing.cargo_profile()).join("build");
    let mut cmd = Command::new("node");
    cmd.current_dir(util::repo_root()).arg("web/pack-dist.mjs").arg(dist);
    cmd.arg("--map").arg(map).arg("--build-dir").arg(build_dir);
    if packing == Packing::Tests {
        cmd.arg("--quick");
    }
    util::run(&mut cmd)
}

/// One of the browser suites in tests/browser, against the built page.
fn browser_node(dist: &std::path::Path, script: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let mut cmd = Command::new("node");
    cmd.current_dir(util::repo_root().join("tests/browser")).arg(script).arg("--dist").arg(dist).args(args);
    util::run(&mut cmd)
}

/// `trunk`, found where setup installs it, with the wasm toolchain environment.
fn trunk(tc: &Toolchain) -> Result<Command, String> {
    let program: PathBuf =
        util::find_in_path("trunk", &tc.wasm_path()).ok_or("trunk is not installed (run `cargo xtask setup`)")?;
    let mut cmd = tc.wasm_tool(&program);
    cmd.current_dir(util::repo_root());
    Ok(cmd)
}

/// `cargo xtask serve`: trunk's dev server with the COOP/COEP headers of Trunk.toml.
pub fn serve(port: u16) -> Result<ExitCode, String> {
    let tc = setup::run(Options { browser: false })?;
    let mut cmd = trunk(&tc)?;
    // Release, as `test` and `dist` build it: RustPython is slow unoptimised,
    // and the three then share one build.
    cmd.args(["serve", "--release", "--port", &port.to_string()]);
    eprintln!("serving on http://127.0.0.1:{port}/ (Ctrl-C stops)");
    run_to_exit(&mut cmd)
}

/// `cargo xtask dist`: the static site as a host serves it, into dist/.
pub fn dist(public_url: Option<&str>) -> Result<ExitCode, String> {
    let tc = setup::run(Options { browser: false })?;
    // Relative asset URLs by default: the same dist/ works from any sub-path.
    util::run(&mut trunk_build_command(&tc, Packing::Hosting, public_url.unwrap_or("./"))?)?;
    let dist = util::repo_root().join("dist");
    pack(&tc, &dist, Packing::Hosting)?;
    eprintln!("dist: {}", dist.display());
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask run -- ARGS`: builds `mpiplay` (release) and runs it in the
/// current directory, exiting with its status.
pub fn run_mpiplay(args: &[String]) -> Result<ExitCode, String> {
    let exe = build_mpiplay(&setup::native_toolchain()?, "release")?;
    run_to_exit(Command::new(exe).args(args))
}

/// Builds `mpiplay` with cargo profile `profile` and returns its path.
pub fn build_mpiplay(native: &crate::toolchain::Native, profile: &str) -> Result<PathBuf, String> {
    let mut build = native.cargo();
    build.current_dir(util::repo_root()).args([
        "build",
        "--profile",
        profile,
        "--quiet",
        "-p",
        "mpi-runner",
        "--bin",
        "mpiplay",
    ]);
    // Quiet, so that the output is mpiplay's own; cargo still reports errors.
    let status = build.status().map_err(|e| format!("could not start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building mpiplay failed ({status})"));
    }
    Ok(util::target_dir().join(profile).join(format!("mpiplay{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs `cmd` with inherited stdio and returns its exit status as ours.
fn run_to_exit(cmd: &mut Command) -> Result<ExitCode, String> {
    let status = cmd.status().map_err(|e| format!("could not start `{}`: {e}", cmd.get_program().to_string_lossy()))?;
    Ok(ExitCode::from(exit_byte(status)))
}

/// The process's exit code, or 128 + signal number when a signal ended it.
fn exit_byte(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return code as u8;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128u8.wrapping_add(signal as u8);
        }
    }
    1
}
