//! The standard library in the browser: a small part frozen into the rank
//! runtime, the rest fetched from the page's server on first import.
//!
//! build.rs splits RustPython's library (`stdlib/frozen-in-browser.txt` is
//! frozen, `stdlib/not-served.txt` is left out) and lists every served
//! module; the page serves their sources under [`SERVED_DIR`]
//! (web/stdlib-tree.mjs copies them at build time, under a folder named
//! after the library's version, so a cached file is never stale). A served
//! module is found by `_browser_stdlib.find` and its source read by
//! `_browser_stdlib.fetch`, a synchronous request the rank's host makes
//! (the worker is blocked anyway, as an import is). `python/_served_stdlib.py`
//! is the meta-path finder over them, installed last (frozen, so a run does
//! not compile it again): a workspace file of the same name is found first,
//! as a script's folder comes before the standard library on `sys.path`
//! under CPython. The same module installs, first on `sys.meta_path`, the
//! finder that has the host put back the tables the page serves apart from
//! the runtime (web/pack-dist.mjs's cold data) before a module that reads
//! them is imported (`_browser_stdlib.restore`), and wraps the codec
//! functions that read the Unicode names so that they ask for them too.

include!(concat!(env!("OUT_DIR"), "/browser_stdlib.rs"));

/// `(path, package)` of the served module `name`.
fn lookup(name: &str) -> Option<(&'static str, bool)> {
    SERVED.binary_search_by(|(n, _, _)| (*n).cmp(name)).ok().map(|i| (SERVED[i].1, SERVED[i].2))
}

#[rustpython_vm::pymodule(name = "_browser_stdlib")]
pub(crate) mod browser_stdlib {
    use crate::rank::try_with_rank;
    use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine, convert::ToPyObject};

    /// `(path, is_package)` of a served module, or None.
    #[pyfunction]
    fn find(name: String, vm: &VirtualMachine) -> PyObjectRef {
        match super::lookup(&name) {
            Some((path, package)) => (path, package).to_pyobject(vm),
            None => vm.ctx.none(),
        }
    }

    /// The source of served module `name` (at `path`), fetched from the page.
    #[pyfunction]
    fn fetch(name: String, path: String, vm: &VirtualMachine) -> PyResult<String> {
        let url = format!("{}{path}", super::SERVED_DIR);
        let fetched = try_with_rank(|rank| rank.host.fetch_text(&url))
            .unwrap_or_else(|| Err("no rank is running".to_owned()));
        fetched.map_err(|why| {
            let message =
                format!("No module named {name:?}: the standard library module could not be fetched from the page ({why})");
            vm.new_import_error(message, vm.ctx.new_str(name.as_str()))
        })
    }

    /// Has the host put back cold data group `group`: None once it is back,
    /// else why it could not be (the caller raises the error its readers
    /// would see).
    #[pyfunction]
    fn restore(group: String) -> Option<String> {
        try_with_rank(|rank| rank.host.restore_cold_data(&group))
            .unwrap_or_else(|| Err("no rank is running".to_owned()))
            .err()
    }
}

/// The URLs (relative to the rank worker's script, as the page's are) of
/// the served modules of `stdlib/prefetched.txt` (what the report of an
/// uncaught exception and a first `open()` import): the page fetches them
/// into the browser's cache once it is ready.
pub fn prefetched_urls() -> Vec<String> {
    PREFETCHED.iter().map(|path| format!("{SERVED_DIR}{path}")).collect()
}
