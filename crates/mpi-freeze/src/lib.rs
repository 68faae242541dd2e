//! Freezes Python sources into RustPython's frozen-module format at build
//! time (used by the build scripts of mpi-python and mpi-numpy), as
//! `py_freeze!` does, with one difference: the code objects are stored, not
//! compressed.
//!
//! `py_freeze!` compresses each module's marshalled code with LZ4. That saves
//! little in a native binary and costs the browser much: LZ4 output is nearly
//! incompressible, so the served rank runtime's brotli (which packs the same
//! bytes three to five times smaller) cannot touch the megabytes of frozen
//! Python in it. Here each code object is one LZ4 block made of a single
//! literal run: RustPython's loader decodes it unchanged (the decode is a
//! copy), and the served file's brotli sees the plain bytecode.
//!
//! Modules compile exactly as `py_freeze!` compiles them (the module's dotted
//! name as the code's file name, default options), so tracebacks read the same.

use rustpython_compiler::{CompileOpts, Mode};
use rustpython_compiler_core::frozen::{FrozenCodeObject, FrozenLib, FrozenModule};
use rustpython_compiler_core::marshal;
use std::path::{Path, PathBuf};

/// A Python module to freeze.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Its dotted name (`json.decoder`; a package's own name for its `__init__.py`).
    pub name: String,
    pub path: PathBuf,
    pub package: bool,
}

/// Every module under `dir`, as `py_freeze!(dir = ...)` finds them: each
/// `.py` file, named by its path below `dir`; an `__init__.py` makes its
/// folder a package. Sorted by name, so a build is reproducible.
pub fn modules_in(dir: &Path) -> Vec<Module> {
    let mut modules = Vec::new();
    walk(dir, "", &mut modules);
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    modules
}

fn walk(dir: &Path, parent: &str, modules: &mut Vec<Module>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name").to_owned();
        let dotted = |stem: &str| if parent.is_empty() { stem.to_owned() } else { format!("{parent}.{stem}") };
        if path.is_dir() {
            walk(&path, &dotted(&name), modules);
        } else if let Some(stem) = name.strip_suffix(".py") {
            let package = stem == "__init__";
            let name = if package { parent.to_owned() } else { dotted(stem) };
            modules.push(Module { name, path, package });
        }
    }
}

/// Compiles `modules` into a frozen library's bytes, for
/// `FrozenLib::from_ref(include_bytes!(...))`.
pub fn freeze(modules: &[Module]) -> Result<Vec<u8>, String> {
    let mut frozen = Vec::with_capacity(modules.len());
    for module in modules {
        let source = std::fs::read_to_string(&module.path).map_err(|e| format!("{}: {e}", module.path.display()))?;
        let code = rustpython_compiler::compile(&source, Mode::Exec, &module.name, CompileOpts::default())
            .map_err(|e| format!("{}: {e}", module.path.display()))?;
        let mut marshalled = Vec::new();
        marshal::serialize_code(&mut marshalled, &code);
        frozen.push((module.name.as_str(), stored_lz4(&marshalled), module.package));
    }
    let lib = FrozenLib::encode(
        frozen.iter().map(|(name, bytes, package)| (*name, FrozenModule { code: FrozenCodeObject { bytes }, package: *package })),
    );
    Ok(lib.bytes)
}

/// `data` as LZ4 with its size prepended (what RustPython's loader reads),
/// in one block holding a single literal run: no compression at all.
fn stored_lz4(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 255 + 16);
    out.extend_from_slice(&u32::try_from(data.len()).expect("a module under 4 GiB").to_le_bytes());
    // The sequence's token: literal length in the high nibble (15: more
    // follows, as 255s and a final byte below 255), no match.
    if data.len() < 15 {
        out.push((data.len() as u8) << 4);
    } else {
        out.push(0xF0);
        let mut rest = data.len() - 15;
        while rest >= 255 {
            out.push(255);
            rest -= 255;
        }
        out.push(rest as u8);
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustpython_compiler_core::bytecode::BasicBag;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mpi-freeze-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn modules_are_named_by_their_path_and_packages_by_their_folder() {
        let dir = scratch("names");
        write(&dir, "top.py", "");
        write(&dir, "pkg/__init__.py", "");
        write(&dir, "pkg/sub/leaf.py", "");
        write(&dir, "pkg/notes.txt", "");
        let found: Vec<(String, bool)> = modules_in(&dir).into_iter().map(|m| (m.name, m.package)).collect();
        assert_eq!(
            found,
            [("pkg".into(), true), ("pkg.sub.leaf".into(), false), ("top".into(), false)]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn frozen_code_decodes_as_rustpython_reads_it_and_stays_uncompressed() {
        let dir = scratch("decode");
        // Long enough for the literal length to need extension bytes.
        let body: String = (0..400).map(|i| format!("value_{i} = {i} * 2\n")).collect();
        write(&dir, "small.py", "x = 1\n");
        write(&dir, "big.py", &body);
        let bytes = freeze(&modules_in(&dir)).unwrap();
        let lib = FrozenLib::from_ref(bytes.as_slice());
        let modules: Vec<_> = lib.into_iter().collect();
        assert_eq!(modules.len(), 2);
        for (name, module) in modules {
            let code = module.code.decode(BasicBag);
            assert_eq!(code.source_path.as_str(), name, "compiled as py_freeze! does: the module name as file name");
            assert!(!module.package);
        }
        // The names of the big module's constants are there as plain text.
        assert!(bytes.windows(9).any(|w| w == b"value_399"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_syntax_error_names_the_file() {
        let dir = scratch("error");
        write(&dir, "bad.py", "def f(:\n");
        let err = freeze(&modules_in(&dir)).unwrap_err();
        assert!(err.contains("bad.py"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
