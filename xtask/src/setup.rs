//! `cargo xtask setup`: finds or installs everything the builds need.
//!
//! Idempotent and quick when all is present: each step checks first and prints
//! one line saying what it installs and why when it must install something.
//! Steps: a native rustc >= 1.96, a way to build wasm32 (rustup target or the
//! Debian build-std fallback), `wasm-bindgen-cli` matching Cargo.lock, `trunk`,
//! Node.js with the editor bundle (web/editor, `npm ci` + esbuild), and with
//! `--browser` Chromium + chromedriver and the browser tests' npm packages.

use std::fs;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::toolchain::{self, MIN_RUSTC, Native, Toolchain, Version, WASM_TARGET, Wasm};
use crate::{cache, util};

pub struct Options {
    pub browser: bool,
}

/// Debian packages of rustc 1.96 with its std source and LLD (the wasm fallback).
const DEBIAN_RUST: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "rust-web-llvm", "lld-22"];
const BROWSER: &[&str] = &["chromium", "chromium-driver"];
const TRUNK_VERSION: &str = "0.21.14";
/// `rustup target add` cannot reach its servers on some networks and then hangs.
const RUSTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs every setup step and returns the toolchain decision.
pub fn run(options: Options) -> Result<Toolchain, String> {
    util::header("setup");
    let mut apt = Apt::default();

    let path_rustc = toolchain::rustc_version("rustc");
    let wasm = choose_wasm(path_rustc)?;
    let native = native_with(&mut apt, path_rustc, wasm, true)?;
    let tc = Toolchain { native, wasm };
    eprintln!("setup: toolchain: {}", tc.describe());
    cache::use_shared_target(&tc);

    ensure_wasm_bindgen(&tc)?;
    ensure_trunk(&tc)?;
    ensure_node(&mut apt)?;
    ensure_editor_bundle()?;
    if options.browser {
        ensure_browser(&mut apt)?;
    }
    Ok(tc)
}

/// Only the native toolchain (for `cargo xtask run`), installed if need be.
pub fn native_toolchain() -> Result<Native, String> {
    let path_rustc = toolchain::rustc_version("rustc");
    // The wasm choice does not matter here; `Rustup` asks for nothing more.
    native_with(&mut Apt::default(), path_rustc, Wasm::Rustup, false)
}

/// Picks the native toolchain and installs Debian's rustc-web when it, or the
/// wasm fallback, needs it.
fn native_with(apt: &mut Apt, path_rustc: Option<Version>, wasm: Wasm, verbose: bool) -> Result<Native, String> {
    let path_ok = path_rustc.is_some_and(|v| v >= MIN_RUSTC);
    let native = if path_ok { Native::Path } else { Native::Debian };
    if native == Native::Debian || wasm == Wasm::DebianBuildStd {
        let why = match path_rustc {
            Some(v) if !path_ok => format!("rustc on PATH is {v}, the project needs >= {MIN_RUSTC}"),
            None if !path_ok => "there is no rustc on PATH".to_string(),
            _ => "no wasm32 standard library for the PATH toolchain; Debian's builds it from source".to_string(),
        };
        ensure_debian_rust(apt, &why, verbose)?;
    }
    Ok(native)
}

/// Decides how to build wasm32. `rustup target add` is tried at most once per
/// checkout (the result is cached), and only when the rustup toolchain is new
/// enough to build the project anyway.
fn choose_wasm(path_rustc: Option<Version>) -> Result<Wasm, String> {
    let has_rustup = util::output(Command::new("rustup").arg("--version")).is_some();
    let rustup_new_enough = has_rustup && path_rustc.is_some_and(|v| v >= MIN_RUSTC);
    if rustup_new_enough {
        let installed =
            util::output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
        if installed.lines().any(|l| l.trim() == WASM_TARGET) {
            toolchain::write_cached_wasm(Wasm::Rustup);
            return Ok(Wasm::Rustup);
        }
        if toolchain::read_cached_wasm() == Some(Wasm::DebianBuildStd) {
            eprintln!(
                "setup: wasm32 via Debian rustc-web + build-std (rustup failed earlier; delete {} to retry)",
                toolchain::cache_file().display()
            );
            return Ok(Wasm::DebianBuildStd);
        }
        eprintln!(
            "setup: installing {WASM_TARGET} with rustup (at most {}s): the wasm build needs its standard library",
            RUSTUP_TIMEOUT.as_secs()
        );
        if run_with_timeout(Command::new("rustup").args(["target", "add", WASM_TARGET]), RUSTUP_TIMEOUT) {
            toolchain::write_cached_wasm(Wasm::Rustup);
            return Ok(Wasm::Rustup);
        }
        eprintln!("setup: rustup could not add {WASM_TARGET}; falling back to Debian rustc-web + build-std");
        toolchain::write_cached_wasm(Wasm::DebianBuildStd);
    } else if has_rustup {
        let v = path_rustc.map_or("missing".to_string(), |v| v.to_string());
        eprintln!(
            "setup: not trying `rustup target add`: its rustc ({v}) is older than {MIN_RUSTC}; \
             wasm32 via Debian rustc-web + build-std"
        );
    } else {
        eprintln!("setup: no rustup; wasm32 via Debian rustc-web + build-std");
    }
    Ok(Wasm::DebianBuildStd)
}

/// Runs `cmd` (output shown) and kills it after `limit`; true if it succeeded in time.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> bool {
    eprintln!("$ {}", util::describe(cmd));
    let Ok(mut child) = cmd.stdin(Stdio::null()).spawn() else {
        return false;
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if start.elapsed() < limit => thread::sleep(Duration::from_millis(100)),
            _ => {
                eprintln!("setup: gave up after {}s", limit.as_secs());
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// Makes sure Debian's rustc-web 1.96 (compiler, std source, LLD) is installed.
fn ensure_debian_rust(apt: &mut Apt, why: &str, verbose: bool) -> Result<(), String> {
    let missing = Apt::missing(DEBIAN_RUST)?;
    if !missing.is_empty() {
        apt.install(&missing, &format!("{why}; Debian's rustc-web provides rustc/cargo 1.96 at /usr/bin"), false)?;
    }
    let rustc = format!("{}/rustc", toolchain::DEBIAN_BIN);
    match toolchain::rustc_version(&rustc) {
        Some(v) if v >= MIN_RUSTC => {
            if missing.is_empty() && verbose {
                eprintln!("setup: Debian rustc-web {v} present");
            }
            Ok(())
        }
        Some(v) => Err(format!("{rustc} is {v}, the project needs >= {MIN_RUSTC}")),
        None => Err(format!("{rustc} does not run after installing {}", DEBIAN_RUST.join(" "))),
    }
}

/// The `wasm-bindgen` crate versions recorded in Cargo.lock.
fn locked_wasm_bindgen() -> Vec<String> {
    let lock = fs::read_to_string(util::repo_root().join("Cargo.lock")).unwrap_or_default();
    let mut versions = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if line.starts_with("[[package]]") {
            name = None;
        } else if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("version = ").filter(|_| name.as_deref() == Some("wasm-bindgen")) {
            versions.push(v.trim_matches('"').to_string());
        }
    }
    versions
}

/// Installs `wasm-bindgen-cli` at exactly the locked `wasm-bindgen` version (trunk requires the match).
fn ensure_wasm_bindgen(tc: &Toolchain) -> Result<(), String> {
    let locked = locked_wasm_bindgen();
    let Some(want) = locked.iter().max_by_key(|v| Version::parse(v)) else {
        eprintln!("setup: skipping wasm-bindgen-cli: Cargo.lock has no wasm-bindgen yet");
        return Ok(());
    };
    if locked.len() > 1 {
        eprintln!("setup: note: Cargo.lock has several wasm-bindgen versions ({}); using {want}", locked.join(", "));
    }
    let path = tc.wasm_path();
    let have = |path| {
        util::find_in_path("wasm-bindgen", path)
            .and_then(|p| util::output(Command::new(p).arg("--version")))
            .and_then(|out| out.split_whitespace().nth(1).map(str::to_string))
    };
    let current = have(&path);
    if current.as_deref() == Some(want.as_str()) {
        eprintln!("setup: wasm-bindgen {want} present");
        return Ok(());
    }
    let why = match &current {
        Some(v) => format!("the one on PATH is {v}, Cargo.lock has wasm-bindgen {want}"),
        None => format!("trunk needs the CLI matching wasm-bindgen {want} in Cargo.lock"),
    };
    eprintln!("setup: installing wasm-bindgen-cli {want}: {why}");
    // Not --locked: the registry here lacks one of its locked transitive versions.
    cargo_install(tc, &["wasm-bindgen-cli", "--version", want])?;
    match have(&path) {
        Some(v) if v == *want => Ok(()),
        other => Err(format!(
            "after installing, the wasm-bindgen found on PATH is {}, not {want}; \
             remove the other one or put {} first on PATH",
            other.unwrap_or_else(|| "missing".into()),
            util::cargo_home_bin().display()
        )),
    }
}

/// Installs trunk (the wasm bundler and dev server) when it is missing.
fn ensure_trunk(tc: &Toolchain) -> Result<(), String> {
    if let Some(trunk) = util::find_in_path("trunk", &tc.wasm_path()) {
        let version = util::output(Command::new(&trunk).arg("--version")).unwrap_or_default();
        let version = version.split_whitespace().nth(1).unwrap_or("unknown").to_string();
        if version == TRUNK_VERSION {
            eprintln!("setup: trunk {version} present");
        } else {
            eprintln!("setup: trunk {version} present (tested with {TRUNK_VERSION}); keeping it");
        }
        return Ok(());
    }
    eprintln!(
        "setup: installing trunk {TRUNK_VERSION} (several minutes): it builds the page and serves it with COOP/COEP headers"
    );
    // --locked: a newer cssparser breaks its lightningcss dependency.
    // --debug: trunk only starts cargo and copies files, so an unoptimised
    // build serves as well and compiles in about half the time.
    cargo_install(tc, &["trunk", "--version", TRUNK_VERSION, "--locked", "--debug"])
}

/// `cargo install`, first with the cargo on PATH (any version), then with Debian's.
fn cargo_install(tc: &Toolchain, args: &[&str]) -> Result<(), String> {
    let debian = Toolchain { native: Native::Debian, ..*tc };
    let has_path_cargo = util::output(Command::new("cargo").arg("--version")).is_some();
    let has_debian_cargo =
        util::output(Command::new(format!("{}/cargo", toolchain::DEBIAN_BIN)).arg("--version")).is_some();
    let mut attempts = Vec::new();
    if has_path_cargo {
        attempts.push(Command::new("cargo"));
    }
    if has_debian_cargo && (tc.native == Native::Debian || tc.wasm == Wasm::DebianBuildStd || !has_path_cargo) {
        attempts.push(debian.native_cargo());
    }
    let mut last_error = "no cargo found".to_string();
    for mut cmd in attempts {
        cmd.arg("install").args(args).stdin(Stdio::null());
        match util::run(&mut cmd) {
            Ok(()) => return Ok(()),
            Err(e) => {
                eprintln!("setup: {e}");
                last_error = e;
            }
        }
    }
    Err(last_error)
}

/// Node.js and npm: the editor is bundled from npm packages, and the browser
/// tests run on Node.
fn ensure_node(apt: &mut Apt) -> Result<(), String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    if util::find_in_path("node", &path).is_some() && util::find_in_path("npm", &path).is_some() {
        return Ok(());
    }
    let packages = vec!["nodejs".to_owned(), "npm".to_owned()];
    apt.install(&packages, "the editor bundle and the browser tests need Node.js and npm", false)
}

/// Installs Chromium and chromedriver, and the browser tests' npm packages.
fn ensure_browser(apt: &mut Apt) -> Result<(), String> {
    let missing = Apt::missing(BROWSER)?;
    if missing.is_empty() {
        eprintln!("setup: chromium and chromedriver present");
    } else {
        apt.install(&missing, "the browser tests drive a headless Chromium", true)?;
    }
    ensure_npm_packages("tests/browser", "the browser tests' packages (playwright-core, smol-toml)")
}

/// The code editor (CodeMirror 6 from npm) bundled into web/gen/editor.js,
/// rebuilt when its source or lockfile is newer than the bundle.
fn ensure_editor_bundle() -> Result<(), String> {
    ensure_npm_packages("web/editor", "the editor's packages (CodeMirror 6, esbuild)")?;
    let dir = util::repo_root().join("web/editor");
    let bundle = util::repo_root().join("web/gen/editor.js");
    let inputs = [dir.join("src/editor.js"), dir.join("package-lock.json")];
    if let Some(built) = modified(&bundle)
        && inputs.iter().all(|i| modified(i).is_some_and(|m| m <= built))
    {
        eprintln!("setup: editor bundle up to date (web/gen/editor.js)");
        return Ok(());
    }
    eprintln!("setup: bundling the editor into web/gen/editor.js");
    let mut cmd = Command::new("npm");
    cmd.current_dir(&dir).args(["run", "build"]).stdin(Stdio::null());
    util::run(&mut cmd)
}

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `npm ci` in `dir` (relative to the repository) when its node_modules is
/// missing or older than its lockfile.
fn ensure_npm_packages(dir: &str, what: &str) -> Result<(), String> {
    let dir = util::repo_root().join(dir);
    if let (Some(installed), Some(locked)) =
        (modified(&dir.join("node_modules/.package-lock.json")), modified(&dir.join("package-lock.json")))
        && installed >= locked
    {
        eprintln!("setup: {what} present");
        return Ok(());
    }
    eprintln!("setup: installing {what} with npm ci");
    let mut cmd = Command::new("npm");
    cmd.current_dir(&dir).args(["ci", "--no-audit", "--no-fund"]).stdin(Stdio::null());
    util::run(&mut cmd)
}

/// Real mpi4py on MPICH for `bench --against-mpi4py` and for recording the
/// fixtures: Debian's MPICH and a venv with mpi4py built from source against
/// it (PyPI's wheel looks for a libmpi.so.12 Debian's MPICH does not ship),
/// plus NumPy for the numpy fixtures. Returns the venv's python.
///
/// Under `.ci/run` the venv sits beside the shared target cache, keyed by
/// what it holds and the Python that made it, so clones build it once.
pub fn ensure_mpi4py() -> Result<std::path::PathBuf, String> {
    let venv = mpi4py_venv();
    let python = venv.join("bin/python");
    let imports =
        |modules: &str| util::output(Command::new(&python).args(["-c", &format!("import {modules}")])).is_some();
    if imports("numpy, mpi4py.MPI") {
        eprintln!("setup: mpi4py on MPICH and numpy present ({})", venv.display());
        return Ok(python);
    }
    if !imports("mpi4py.MPI") {
        let mut apt = Apt::default();
        let missing = Apt::missing(&["mpich", "libmpich-dev", "python3-venv"])?;
        if !missing.is_empty() {
            apt.install(&missing, "the comparison runs the benchmarks under real MPICH", false)?;
        }
        if !python.exists() {
            util::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        }
        eprintln!("setup: building mpi4py {MPI4PY_VERSION} against MPICH (a few minutes once)");
        let mut pip = Command::new(venv.join("bin/pip"));
        pip.env("MPICC", "/usr/bin/mpicc")
            .args(["install", "--no-binary", "mpi4py", &format!("mpi4py=={MPI4PY_VERSION}")])
            .stdin(Stdio::null());
        util::run(&mut pip)?;
    }
    if !imports("numpy") {
        eprintln!("setup: installing numpy {NUMPY_VERSION} into the venv: the numpy fixtures were recorded with it");
        let mut pip = Command::new(venv.join("bin/pip"));
        pip.args(["install", &format!("numpy=={NUMPY_VERSION}")]).stdin(Stdio::null());
        util::run(&mut pip)?;
    }
    Ok(python)
}

/// Where the venv is: `<cache>/../venv-mpi4py-<versions>-<python>` when the
/// shared cache is asked for, else `.venv-mpi4py` in the checkout.
fn mpi4py_venv() -> std::path::PathBuf {
    let shared = std::env::var_os(crate::cache::CACHE_ENV)
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .and_then(|root| root.parent().map(std::path::Path::to_path_buf));
    let python = util::output(Command::new("python3").arg("--version")).unwrap_or_default();
    let python = python.trim().replace("Python ", "py").replace(' ', "");
    match shared {
        Some(dir) => dir.join(format!("venv-mpi4py-{MPI4PY_VERSION}-numpy-{NUMPY_VERSION}-{python}")),
        None => util::repo_root().join(".venv-mpi4py"),
    }
}

/// The mpi4py the fixtures' expected output was recorded with.
const MPI4PY_VERSION: &str = "4.1.2";

/// The NumPy the numpy fixtures' expected output was recorded with (a wheel
/// from PyPI; unlike mpi4py it links nothing of the system's).
const NUMPY_VERSION: &str = "2.4.6";

/// apt-get, with `apt-get update` run at most once and only when installing.
#[derive(Default)]
struct Apt {
    updated: bool,
}

impl Apt {
    /// Which of `packages` are not installed (an error when this is not a Debian system).
    fn missing(packages: &[&str]) -> Result<Vec<String>, String> {
        if util::output(Command::new("dpkg-query").arg("--version")).is_none() {
            return Err(format!(
                "this machine has no dpkg/apt; install the equivalent of `{}` yourself \
                 (or a rustup toolchain >= {MIN_RUSTC} with the {WASM_TARGET} target)",
                packages.join(" ")
            ));
        }
        Ok(packages
            .iter()
            .filter(|p| {
                let status = util::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]));
                status.is_none_or(|s| s.trim() != "install ok installed")
            })
            .map(|p| p.to_string())
            .collect())
    }

    fn install(&mut self, packages: &[String], why: &str, recommends: bool) -> Result<(), String> {
        eprintln!("setup: installing {} with apt-get: {why}", packages.join(" "));
        if !self.updated {
            util::run(Self::command().arg("update"))?;
            self.updated = true;
        }
        let mut cmd = Self::command();
        cmd.args(["install", "-y"]);
        if !recommends {
            cmd.arg("--no-install-recommends");
        }
        util::run(cmd.args(packages))
    }

    /// `apt-get`, through sudo when not root; never waits for input.
    fn command() -> Command {
        let root = util::output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
        let has_sudo = util::find_in_path("sudo", &std::env::var_os("PATH").unwrap_or_default()).is_some();
        let mut cmd = if root || !has_sudo {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            sudo
        };
        cmd.env("DEBIAN_FRONTEND", "noninteractive").stdin(Stdio::null());
        cmd
    }
}
