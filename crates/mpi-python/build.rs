//! Rebuilds the crate when the frozen Python sources change (py_freeze! reads
//! them at compile time, which cargo cannot see on its own), and, for the
//! browser, splits RustPython's standard library in two:
//!
//! - the modules of `stdlib/frozen-in-browser.txt` are copied to
//!   `$OUT_DIR/frozen_stdlib/` and frozen into the rank runtime
//!   (`$OUT_DIR/browser_stdlib.rs` holds the `py_freeze!` of that folder);
//! - every other module, except those of `stdlib/not-served.txt`, is listed
//!   in the same file (name, path in the library, whether it is a package):
//!   the page serves the library's files under `stdlib/SERVED_DIR/`
//!   (web/stdlib-tree.mjs) and a rank fetches one on its first import.
//!
//! Natively nothing is split: `rustpython_pylib::FROZEN_STDLIB` is used whole.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=python");
    println!("cargo:rerun-if-changed=stdlib");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        split_stdlib();
    }
}

/// Where a module's source lies in the library, and whether it is a package.
struct Module {
    path: String,
    package: bool,
}

fn split_stdlib() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let lib = Path::new(rustpython_pylib::LIB_PATH);
    // The library's files never change for a given crate version, so the
    // crate's folder name (`rustpython-pylib-0.6.0`) versions the served copy.
    let served_dir = lib.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).expect("pylib's folder name");

    let frozen = names(&manifest.join("stdlib/frozen-in-browser.txt"));
    let not_served = names(&manifest.join("stdlib/not-served.txt"));
    let mut modules = BTreeMap::new();
    collect(lib, "", &mut modules);

    let frozen_dir = out.join("frozen_stdlib");
    let _ = std::fs::remove_dir_all(&frozen_dir);
    for name in &frozen {
        let module = modules.get(name).unwrap_or_else(|| panic!("frozen-in-browser.txt: no stdlib module {name}"));
        let target = frozen_dir.join(&module.path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(lib.join(&module.path), &target).unwrap();
    }

    let covered = |name: &str| not_served.iter().any(|n| name == n || name.strip_prefix(n.as_str()).is_some_and(|rest| rest.starts_with('.')));
    let mut code = String::new();
    writeln!(code, "/// The standard library modules frozen into the browser's rank runtime.").unwrap();
    writeln!(code, "pub(crate) static FROZEN: &rustpython_vm::frozen::FrozenLib = rustpython_vm::py_freeze!(dir = \"frozen_stdlib\");").unwrap();
    writeln!(code, "/// Where the page serves the rest, relative to the rank worker's script.").unwrap();
    writeln!(code, "pub(crate) const SERVED_DIR: &str = \"stdlib/{served_dir}/\";").unwrap();
    writeln!(code, "/// The served modules, sorted by name: (name, path under SERVED_DIR, package).").unwrap();
    writeln!(code, "pub(crate) static SERVED: &[(&str, &str, bool)] = &[").unwrap();
    for (name, module) in &modules {
        if !frozen.contains(name) && !covered(name) {
            writeln!(code, "    ({name:?}, {:?}, {}),", module.path, module.package).unwrap();
        }
    }
    writeln!(code, "];").unwrap();
    std::fs::write(out.join("browser_stdlib.rs"), code).unwrap();
}

/// The module names of a list file: one per line, `#` comments.
fn names(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

/// Every importable module under `dir` (`prefix` is its package's dotted
/// name): `.py` files, and folders with an `__init__.py` as packages.
fn collect(dir: &Path, prefix: &str, modules: &mut BTreeMap<String, Module>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    let lib = Path::new(rustpython_pylib::LIB_PATH);
    let relative = |p: &Path| p.strip_prefix(lib).unwrap().to_str().unwrap().replace('\\', "/");
    for path in entries {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        let name = if prefix.is_empty() { stem.to_owned() } else { format!("{prefix}.{stem}") };
        if path.is_dir() {
            let init = path.join("__init__.py");
            if init.is_file() && is_identifier(stem) {
                modules.insert(name.clone(), Module { path: relative(&init), package: true });
                collect(&path, &name, modules);
            }
        } else if path.extension().is_some_and(|e| e == "py") && stem != "__init__" && is_identifier(stem) {
            modules.insert(name, Module { path: relative(&path), package: false });
        }
    }
}

fn is_identifier(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}
