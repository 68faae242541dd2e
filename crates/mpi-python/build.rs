//! Freezes python/ (the mpi4py package and the playground's own modules) into
//! `$OUT_DIR/mpi4py.frozen`, and, for the browser, splits RustPython's
//! standard library in two:
//!
//! - the modules of `stdlib/frozen-in-browser.txt` are frozen into
//!   `$OUT_DIR/stdlib.frozen`, which the rank runtime carries;
//! - every other importable module, except those of `stdlib/not-served.txt`,
//!   is listed in `$OUT_DIR/browser_stdlib.rs` (name, path in the library,
//!   whether it is a package): the page serves the library's files under
//!   `stdlib/SERVED_DIR/` (web/stdlib-tree.mjs) and a rank fetches one on its
//!   first import;
//! - of those, the modules of `stdlib/prefetched.txt` (what the report of
//!   an uncaught exception and a first `open()` import) are listed again, for
//!   the page to fetch into the browser's cache once it is ready.
//!
//! Natively nothing is split: `rustpython_pylib::FROZEN_STDLIB` is used whole.
//! Freezing is mpi-freeze's (stored, so the served file's brotli compresses it).

use mpi_freeze::Module;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=python");
    println!("cargo:rerun-if-changed=stdlib");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let frozen = mpi_freeze::freeze(&mpi_freeze::modules_in("python".as_ref())).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.join("mpi4py.frozen"), frozen).unwrap();
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        split_stdlib(&out);
    }
}

fn split_stdlib(out: &Path) {
    let lib = Path::new(rustpython_pylib::LIB_PATH);
    // The library's files never change for a given crate version, so the
    // crate's folder name (`rustpython-pylib-0.6.0`) versions the served copy.
    let served_dir = lib.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).expect("pylib's folder name");
    let frozen = names("stdlib/frozen-in-browser.txt");
    let not_served = names("stdlib/not-served.txt");
    let modules = importable(mpi_freeze::modules_in(lib));

    let carried: Vec<Module> = frozen
        .iter()
        .map(|name| modules.get(name).cloned().unwrap_or_else(|| panic!("frozen-in-browser.txt: no stdlib module {name}")))
        .collect();
    std::fs::write(out.join("stdlib.frozen"), mpi_freeze::freeze(&carried).unwrap_or_else(|e| panic!("{e}"))).unwrap();

    let left_out = |name: &str| not_served.iter().any(|n| name == n || name.strip_prefix(n.as_str()).is_some_and(|rest| rest.starts_with('.')));
    let mut code = String::new();
    writeln!(code, "/// The standard library modules frozen into the browser's rank runtime.").unwrap();
    writeln!(code, "pub(crate) static FROZEN: &rustpython_vm::frozen::FrozenLib =").unwrap();
    writeln!(code, "    rustpython_vm::frozen::FrozenLib::from_ref(include_bytes!(concat!(env!(\"OUT_DIR\"), \"/stdlib.frozen\")));").unwrap();
    writeln!(code, "/// Where the page serves the rest, relative to the rank worker's script.").unwrap();
    writeln!(code, "pub(crate) const SERVED_DIR: &str = \"stdlib/{served_dir}/\";").unwrap();
    writeln!(code, "/// The served modules, sorted by name: (name, path under SERVED_DIR, package).").unwrap();
    writeln!(code, "pub(crate) static SERVED: &[(&str, &str, bool)] = &[").unwrap();
    let served_path = |name: &str| {
        let module = modules.get(name).filter(|_| !frozen.iter().any(|f| f == name) && !left_out(name))?;
        Some(module.path.strip_prefix(lib).unwrap().to_str().unwrap().replace('\\', "/"))
    };
    for (name, module) in &modules {
        if let Some(path) = served_path(name) {
            writeln!(code, "    ({name:?}, {path:?}, {}),", module.package).unwrap();
        }
    }
    writeln!(code, "];").unwrap();
    writeln!(code, "/// What the report of an uncaught exception and a first `open()` import").unwrap();
    writeln!(code, "/// beyond the frozen modules (`stdlib/prefetched.txt`): paths under SERVED_DIR.").unwrap();
    writeln!(code, "pub(crate) static PREFETCHED: &[&str] = &[").unwrap();
    for name in names("stdlib/prefetched.txt") {
        let path = served_path(&name).unwrap_or_else(|| panic!("prefetched.txt: {name} is not a served stdlib module"));
        writeln!(code, "    {path:?},").unwrap();
    }
    writeln!(code, "];").unwrap();
    std::fs::write(out.join("browser_stdlib.rs"), code).unwrap();
}

/// The module names of a list file: one per line, `#` comments.
fn names(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

/// The modules an import can reach, by name: every part of the name an
/// identifier, and every package above it a real one (with `__init__.py`).
fn importable(modules: Vec<Module>) -> BTreeMap<String, Module> {
    let packages: BTreeSet<String> = modules.iter().filter(|m| m.package).map(|m| m.name.clone()).collect();
    let reachable = |name: &str| {
        let parts: Vec<&str> = name.split('.').collect();
        parts.iter().all(|p| is_identifier(p)) && (1..parts.len()).all(|n| packages.contains(&parts[..n].join(".")))
    };
    modules.into_iter().filter(|m| reachable(&m.name)).map(|m| (m.name.clone(), m)).collect()
}

fn is_identifier(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}
