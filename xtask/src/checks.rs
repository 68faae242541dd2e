//! Invariant checks that need no build: every Rust file opens with a `//!`
//! header, `mpi-core` and `mpi-ndarray` depend on nothing web or Python
//! (DESIGN.md), proven with `cargo tree` for the native and the wasm32
//! targets, and the UI
//! thread's crate never calls `Atomics.wait` (browsers forbid it there, and
//! the page must never block).

use std::fs;
use std::path::{Path, PathBuf};

use crate::toolchain::{Toolchain, WASM_TARGET};
use crate::util;

/// Directories whose `.rs` files must start with a `//!` header.
const HEADER_DIRS: &[&str] = &["crates", "xtask", "tests"];

/// The crates that hold semantics only (MPI's, NumPy's): no host, no Python.
const PURE_CRATES: &[&str] = &["mpi-core", "mpi-ndarray"];

/// Crates the pure crates must never depend on (exact names, or prefixes ending in `*`).
const FORBIDDEN_IN_PURE: &[&str] = &["wasm-bindgen*", "js-sys", "web-sys", "rustpython*", "pyo3*", "yew*", "gloo*"];

/// Blocking waits the UI thread's crate must never call (`Atomics.waitAsync` is fine).
const BLOCKING_IN_UI: &[&str] = &["Atomics::wait(", "Atomics::wait_with_timeout(", "Atomics::wait_bigint("];

/// Runs all invariant checks; `Err` lists every violation.
pub fn run(tc: &Toolchain) -> Result<(), String> {
    let mut problems = Vec::new();

    let root = util::repo_root();
    let mut files = Vec::new();
    for dir in HEADER_DIRS {
        collect_rs_files(&root.join(dir), &mut files);
    }
    files.sort();
    let missing: Vec<_> = files.iter().filter(|f| !has_header(f)).collect();
    eprintln!("checks: {} .rs files, {} without a `//!` header", files.len(), missing.len());
    for file in missing {
        let shown = file.strip_prefix(&root).unwrap_or(file);
        problems.push(format!("{} does not start with a `//!` header saying what it is", shown.display()));
    }

    let mut ui_files = Vec::new();
    collect_rs_files(&root.join("crates/mpi-ui"), &mut ui_files);
    for file in &ui_files {
        let text = fs::read_to_string(file).unwrap_or_default();
        for call in BLOCKING_IN_UI.iter().filter(|c| text.contains(*c)) {
            let shown = file.strip_prefix(&root).unwrap_or(file);
            problems.push(format!("{} calls `{call}`: the UI thread must never block", shown.display()));
        }
    }
    eprintln!("checks: {} mpi-ui files free of blocking Atomics waits", ui_files.len());

    for krate in PURE_CRATES {
        for target in [None, Some(WASM_TARGET)] {
            let label = target.unwrap_or("native");
            match pure_dependencies(tc, krate, target) {
                Ok(deps) => {
                    let bad: Vec<_> = deps.iter().filter(|d| is_forbidden(d)).collect();
                    eprintln!(
                        "checks: {krate} ({label}) has {} normal dependencies, {} forbidden",
                        deps.len(),
                        bad.len()
                    );
                    for dep in bad {
                        problems.push(format!(
                            "{krate} ({label}) depends on `{dep}`: it must stay free of web and Python crates"
                        ));
                    }
                }
                Err(e) => problems.push(format!("cargo tree for {krate} ({label}): {e}")),
            }
        }
    }

    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect_rs_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn has_header(file: &Path) -> bool {
    fs::read_to_string(file).is_ok_and(|text| starts_with_header(&text))
}

fn starts_with_header(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').starts_with("//!")
}

/// The names of mpi-core's normal (non-dev, non-build) dependencies, transitively.
fn pure_dependencies(tc: &Toolchain, krate: &str, target: Option<&str>) -> Result<Vec<String>, String> {
    let mut cmd = tc.native_cargo();
    cmd.current_dir(util::repo_root())
        .args(["tree", "--quiet", "-p", krate, "-e", "normal", "--prefix", "none", "--format", "{p}"]);
    if let Some(target) = target {
        cmd.args(["--target", target]);
    }
    eprintln!("$ {}", util::describe(&cmd));
    let out = cmd.output().map_err(|e| format!("could not start cargo: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != krate)
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

fn is_forbidden(name: &str) -> bool {
    FORBIDDEN_IN_PURE.iter().any(|pattern| match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *pattern,
    })
}

#[cfg(test)]
mod tests {
    use super::{is_forbidden, starts_with_header};

    #[test]
    fn forbidden_names_match_exactly_or_by_prefix() {
        assert!(is_forbidden("wasm-bindgen"));
        assert!(is_forbidden("wasm-bindgen-shared"));
        assert!(is_forbidden("js-sys"));
        assert!(is_forbidden("rustpython-vm"));
        assert!(!is_forbidden("js-sys-extra"));
        assert!(!is_forbidden("atomic-wait"));
    }

    #[test]
    fn header_is_the_first_line() {
        assert!(starts_with_header("//! What this is.\nuse x;"));
        assert!(!starts_with_header("use x;\n//! Late.\n"));
        assert!(!starts_with_header("/// Outer doc.\nfn f() {}"));
        assert!(!starts_with_header(""));
    }
}
