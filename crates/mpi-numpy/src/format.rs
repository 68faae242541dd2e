//! `_numpy`'s half for printing: the float digits of mpi-ndarray's `format`
//! bound to Python, for `numpy/_arrayprint.py`.
//!
//! Arguments and results are plain Python values so that the pure-Python
//! stand-in in tests/fixtures/numpy-print/_numpy.py can offer the same
//! functions under CPython.

#[rustpython_vm::pymodule(sub, name = "_numpy")]
pub(crate) mod _numpy_format {
    use mpi_ndarray::format::{self, Digits, Trim};
    use rustpython_vm::{PyResult, VirtualMachine};

    /// The digit request, or NumPy's errors for impossible ones.
    fn digits(
        single: bool,
        precision: Option<usize>,
        min_digits: usize,
        unique: bool,
        trim: &str,
        vm: &VirtualMachine,
    ) -> PyResult<Digits> {
        let mut chars = trim.chars();
        let trim = match (chars.next().and_then(Trim::from_char), chars.next()) {
            (Some(t), None) => t,
            _ => return Err(vm.new_value_error("trim must be one of 'k', '.', '0' or '-'".to_owned())),
        };
        if !unique && precision.is_none() {
            return Err(vm.new_value_error("precision must be given if unique is False".to_owned()));
        }
        Ok(Digits { single, precision, min_digits, unique, trim })
    }

    fn finite(x: f64, vm: &VirtualMachine) -> PyResult<f64> {
        if x.is_finite() { Ok(x) } else { Err(vm.new_value_error("only finite floats have digits".to_owned())) }
    }

    /// `format_positional(x, f32, precision, min_digits, unique, trim)`:
    /// `np.format_float_positional` of a finite float without the `+` sign
    /// and padding; `f32` says `x` is a widened float32.
    #[pyfunction]
    fn format_positional(
        x: f64,
        f32: bool,
        precision: Option<usize>,
        min_digits: usize,
        unique: bool,
        trim: String,
        vm: &VirtualMachine,
    ) -> PyResult<String> {
        let d = digits(f32, precision, min_digits, unique, &trim, vm)?;
        Ok(format::positional(finite(x, vm)?, &d))
    }

    /// `format_scientific(x, f32, precision, min_digits, unique, trim,
    /// exp_digits)`: `np.format_float_scientific` likewise.
    #[pyfunction]
    fn format_scientific(
        x: f64,
        f32: bool,
        precision: Option<usize>,
        min_digits: usize,
        unique: bool,
        trim: String,
        exp_digits: usize,
        vm: &VirtualMachine,
    ) -> PyResult<String> {
        let d = digits(f32, precision, min_digits, unique, &trim, vm)?;
        Ok(format::scientific(finite(x, vm)?, &d, exp_digits))
    }
}
