//! mpi-python: the Python face of the runtime.
//!
//! What it is: a RustPython interpreter per rank ([`RankRuntime`]) with the
//! standard library, the `mpi4py` package (Python sources in `python/`, frozen
//! into the binary) and the native `_mpi` module that binds the rank's
//! [`mpi_core::Endpoint`]. The same code runs in the native runner (a thread
//! per rank) and in the browser (a Web Worker per rank).
//!
//! What it is not: it starts no threads and owns no World; the host creates the
//! World, gives each rank its Endpoint and receives its output ([`RankHost`]).

#[cfg(target_arch = "wasm32")]
mod browser_os;
#[cfg(target_arch = "wasm32")]
mod browser_stdlib;
mod native;
mod processes;
mod rank;
mod windows;

pub use mpi_core::RankOutcome;
#[cfg(target_arch = "wasm32")]
pub use browser_stdlib::prefetched_urls;
pub use rank::{RankHost, RankRuntime, Script, Stream};

/// The `mpi4py` package (and the rest of python/), compiled to bytecode at
/// build time (build.rs).
pub(crate) static FROZEN_MPI4PY: &rustpython_vm::frozen::FrozenLib =
    rustpython_vm::frozen::FrozenLib::from_ref(include_bytes!(concat!(env!("OUT_DIR"), "/mpi4py.frozen")));
