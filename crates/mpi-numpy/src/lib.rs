//! The rank runtime's `numpy`.
//!
//! `_numpy` is the native module: the `ndarray` class (`ndarray`) over
//! mpi-ndarray's kernels, the float digits the printer needs (`format`) and
//! NumPy's random streams (`random`). `python/numpy` is the package users
//! import, frozen into the runtime like `mpi4py`: dtypes, scalar types, the
//! API functions, printing (`_arrayprint.py`), `numpy.random`, `numpy.linalg`.

mod format;
mod ndarray;
mod random;

use rustpython_vm::{Context, builtins::PyModuleDef};

/// The `numpy` package, compiled to bytecode at build time.
pub static FROZEN_NUMPY: &rustpython_vm::frozen::FrozenLib =
    rustpython_vm::frozen::FrozenLib::from_ref(include_bytes!(concat!(env!("OUT_DIR"), "/numpy.frozen")));

pub use ndarray::_numpy::{c_order_bytes, c_order_room, store_c_order};

/// The `_numpy` native module, for `InterpreterBuilder::add_native_module`.
pub fn module_def(ctx: &Context) -> &'static PyModuleDef {
    ndarray::_numpy::module_def(ctx)
}
