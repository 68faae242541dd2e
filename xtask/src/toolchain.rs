//! Which Rust toolchain builds what, and the environment each recipe needs.
//!
//! The project needs rustc >= 1.96 (RustPython 0.6's parser crates require it).
//! Natively that is the `cargo` on PATH when it is new enough, otherwise Debian's
//! `rustc-web` at /usr/bin. For wasm32 it is a rustup toolchain with the
//! wasm32-unknown-unknown target when one is available, otherwise Debian's
//! compiler building the standard library from its own source (`build-std`, see
//! /work/shared/TOOLCHAIN.md): compiler and std source must come from the same
//! release, which is why the rustup nightly cannot stand in.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::util;

/// The oldest rustc that builds the project crates.
pub const MIN_RUSTC: Version = Version(1, 96, 0);
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Where Debian's `rustc-web`/`cargo-web` packages put rustc 1.96 and cargo.
pub const DEBIAN_BIN: &str = "/usr/bin";

/// A rustc release number, compared field by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Version {
    /// Parses "1.96.0", "1.97.0-nightly" or "0.2.130" (anything after the third number is ignored).
    pub fn parse(text: &str) -> Option<Version> {
        let mut nums = text.trim().split(['.', '-', ' ']).map(|p| p.parse::<u32>());
        Some(Version(nums.next()?.ok()?, nums.next()?.ok()?, nums.next()?.ok()?))
    }
}

/// The release of the rustc that `rustc_cmd -vV` describes (None if it does not run).
pub fn rustc_version(rustc_cmd: &str) -> Option<Version> {
    let text = util::output(Command::new(rustc_cmd).arg("-vV"))?;
    text.lines().find_map(|l| l.strip_prefix("release: ")).and_then(Version::parse)
}

/// How native builds and tests are compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    /// The `cargo`/`rustc` on PATH are new enough.
    Path,
    /// Debian's `/usr/bin/cargo` with `RUSTC=/usr/bin/rustc`.
    Debian,
}

/// How wasm32-unknown-unknown builds are compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wasm {
    /// The PATH (rustup) toolchain, which has the wasm32 target installed.
    Rustup,
    /// Debian's rustc-web with `build-std` from its rust-web-src package.
    DebianBuildStd,
}

/// Makes `cmd`'s cargo judge a local crate fresh by its files' contents, not
/// their modification times.
///
/// Every clone gives the workspace's files new times, so by times each clone
/// would rebuild our crates, and with them all of RustPython: its parser
/// depends on the path crate `crates/parser-unicode-names`. By contents, a
/// clone sharing the target cache (`cache.rs`) rebuilds only what differs.
/// `-Zchecksum-freshness` is unstable; `RUSTC_BOOTSTRAP=1` lets a stable cargo
/// take it, as the wasm build's `build-std` already needs.
fn judge_freshness_by_content(cmd: &mut Command) {
    cmd.env("RUSTC_BOOTSTRAP", "1").env("CARGO_UNSTABLE_CHECKSUM_FRESHNESS", "true");
}

impl Native {
    /// `cargo` with this toolchain's environment.
    pub fn cargo(self) -> Command {
        let mut cmd = match self {
            Native::Path => Command::new("cargo"),
            Native::Debian => {
                let mut cmd = Command::new(debian("cargo"));
                // PATH too, so that anything a build or test starts by name
                // (`cargo`, `rustc`) is the same toolchain.
                cmd.env("PATH", util::path_with(&[PathBuf::from(DEBIAN_BIN), util::cargo_home_bin()]))
                    .env("RUSTC", debian("rustc"))
                    .env("RUSTDOC", debian("rustdoc"));
                cmd
            }
        };
        judge_freshness_by_content(&mut cmd);
        cmd
    }
}

impl Wasm {
    fn key(self) -> &'static str {
        match self {
            Wasm::Rustup => "rustup",
            Wasm::DebianBuildStd => "debian-build-std",
        }
    }
}

/// The decided toolchains; builds `Command`s carrying the right environment.
#[derive(Clone, Copy, Debug)]
pub struct Toolchain {
    pub native: Native,
    pub wasm: Wasm,
}

impl Toolchain {
    /// `cargo` for native builds and tests.
    pub fn native_cargo(&self) -> Command {
        self.native.cargo()
    }

    /// `cargo` for wasm32 builds (the caller adds `--target wasm32-unknown-unknown`).
    pub fn wasm_cargo(&self) -> Command {
        let mut cmd = match self.wasm {
            Wasm::Rustup => Command::new("cargo"),
            Wasm::DebianBuildStd => Command::new(debian("cargo")),
        };
        self.apply_wasm_env(&mut cmd);
        cmd
    }

    /// A wasm tool (trunk) run with the wasm environment: trunk starts the literal
    /// `cargo` from PATH and prefers a `wasm-bindgen` found on PATH.
    pub fn wasm_tool(&self, program: &PathBuf) -> Command {
        let mut cmd = Command::new(program);
        self.apply_wasm_env(&mut cmd);
        cmd
    }

    fn apply_wasm_env(&self, cmd: &mut Command) {
        judge_freshness_by_content(cmd);
        match self.wasm {
            Wasm::Rustup => {
                cmd.env("PATH", util::path_with(&[util::cargo_home_bin()]));
            }
            Wasm::DebianBuildStd => {
                cmd.env("PATH", util::path_with(&[PathBuf::from(DEBIAN_BIN), util::cargo_home_bin()]))
                    .env("RUSTC", debian("rustc"))
                    .env("RUSTDOC", debian("rustdoc"))
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
                    // A target directory of its own. It was needed when only
                    // this build set RUSTC_BOOTSTRAP (some build scripts, such
                    // as proc-macro2's, configure their crates by it, so the
                    // two builds rebuilt each other's host crates); both set it
                    // now, and the directory stays apart so that the standard
                    // library built from source keeps a place of its own.
                    .env("CARGO_TARGET_DIR", self.wasm_target_dir());
            }
        }
    }

    /// The target directory of wasm builds (the one `apply_wasm_env` sets).
    pub fn wasm_target_dir(&self) -> PathBuf {
        match self.wasm {
            Wasm::Rustup => util::target_dir(),
            Wasm::DebianBuildStd => util::target_dir().join("build-std"),
        }
    }

    /// The PATH value the wasm tools see (where `wasm-bindgen` must be found).
    pub fn wasm_path(&self) -> std::ffi::OsString {
        match self.wasm {
            Wasm::Rustup => util::path_with(&[util::cargo_home_bin()]),
            Wasm::DebianBuildStd => util::path_with(&[PathBuf::from(DEBIAN_BIN), util::cargo_home_bin()]),
        }
    }

    /// One line for logs.
    pub fn describe(&self) -> String {
        let native = match self.native {
            Native::Path => "cargo on PATH",
            Native::Debian => "Debian rustc-web (/usr/bin/cargo, RUSTC=/usr/bin/rustc)",
        };
        let wasm = match self.wasm {
            Wasm::Rustup => "rustup toolchain with the wasm32 target",
            Wasm::DebianBuildStd => "Debian rustc-web + build-std (RUSTC_BOOTSTRAP=1)",
        };
        format!("native: {native}; wasm32: {wasm}")
    }
}

fn debian(tool: &str) -> PathBuf {
    PathBuf::from(DEBIAN_BIN).join(tool)
}

/// The file that remembers the wasm decision, so that after a failed (slow)
/// `rustup target add` later runs go straight to the fallback.
pub fn cache_file() -> PathBuf {
    util::target_dir().join("xtask-toolchain.txt")
}

/// The wasm decision recorded by an earlier run, if any.
pub fn read_cached_wasm() -> Option<Wasm> {
    let text = fs::read_to_string(cache_file()).ok()?;
    let value = text.lines().find_map(|l| l.strip_prefix("wasm="))?;
    [Wasm::Rustup, Wasm::DebianBuildStd].into_iter().find(|w| w.key() == value.trim())
}

pub fn write_cached_wasm(wasm: Wasm) {
    let text = format!(
        "# Written by `cargo xtask setup`: how wasm32 is built here. Delete this file to try rustup again.\nwasm={}\n",
        wasm.key()
    );
    let path = cache_file();
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    if let Err(e) = fs::write(&path, text) {
        eprintln!("xtask: note: could not record the toolchain choice in {}: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(Version::parse("1.96.0"), Some(Version(1, 96, 0)));
        assert_eq!(Version::parse("1.97.0-nightly"), Some(Version(1, 97, 0)));
        assert_eq!(Version::parse("0.2.130\n"), Some(Version(0, 2, 130)));
        assert_eq!(Version::parse("1.96"), None);
        assert!(Version(1, 95, 0) < super::MIN_RUSTC);
        assert!(Version(1, 96, 1) >= super::MIN_RUSTC);
    }
}
