//! NumPy's array semantics in plain Rust, for the rank runtime's `numpy`.
//!
//! Nothing here knows Python: `mpi-numpy` binds it to RustPython. `dtype`
//! names the element types and NumPy's promotion rules; `longdouble` holds
//! the x87 extended format behind NumPy's longdouble; `layout` addresses
//! strided views; `values` decodes and casts elements; `kernels` holds the
//! ufunc and reduction loops (`long_kernels` those of longdouble); `format` turns floats
//! into the digits NumPy prints; `random` holds NumPy's bit generators and
//! the distributions drawn from them, bit-exact with NumPy for the same seed.

pub mod dtype;
pub mod format;
pub mod kernels;
pub mod layout;
pub mod libc_math;
pub mod long_kernels;
pub mod longdouble;
pub mod random;
pub mod values;
