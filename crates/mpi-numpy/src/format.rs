//! `_numpy`'s half for printing: the float digits of mpi-ndarray's `format`
//! bound to Python, for `numpy/_arrayprint.py`.
//!
//! Arguments and results are plain Python values so that the pure-Python
//! stand-in in tests/fixtures/numpy-print/_numpy.py can offer the same
//! functions under CPython. A float is a Python float with its width in
//! bytes (2, 4 or 8; True and False, as older callers pass, mean 4 and 8);
//! a longdouble is its 16 bytes, since a Python float cannot hold it.

#[rustpython_vm::pymodule(sub, name = "_numpy")]
pub(crate) mod _numpy_format {
    use mpi_ndarray::format::{self, Digits, Half, Real, Single, Trim};
    use mpi_ndarray::longdouble;
    use rustpython_vm::{
        PyObjectRef, PyResult, VirtualMachine,
        builtins::{PyBytes, PyFloat},
    };

    /// The digit request, or NumPy's errors for impossible ones.
    fn digits(
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
        Ok(Digits { precision, min_digits, unique, trim })
    }

    fn not_finite(vm: &VirtualMachine) -> rustpython_vm::builtins::PyBaseExceptionRef {
        vm.new_value_error("only finite floats have digits".to_owned())
    }

    /// The two formatters over any width, boxed so that one dispatch serves both.
    trait RealFormat {
        fn positional(&self, d: &Digits) -> String;
        fn scientific(&self, d: &Digits, exp_digits: usize) -> String;
    }

    impl<R: Real> RealFormat for R {
        fn positional(&self, d: &Digits) -> String {
            format::positional(*self, d)
        }
        fn scientific(&self, d: &Digits, exp_digits: usize) -> String {
            format::scientific(*self, d, exp_digits)
        }
    }

    /// `x` (a float with its width, or a longdouble's bytes) as a value to
    /// format; NumPy's error for infinities and NaN.
    fn real(x: &PyObjectRef, width: usize, vm: &VirtualMachine) -> PyResult<Box<dyn RealFormat>> {
        if let Some(b) = x.downcast_ref::<PyBytes>() {
            let v = longdouble::from_bytes(b.as_bytes());
            if !longdouble::is_finite(v) {
                return Err(not_finite(vm));
            }
            return Ok(Box::new(v));
        }
        let v = x
            .downcast_ref::<PyFloat>()
            .map(|f| f.to_f64())
            .ok_or_else(|| vm.new_type_error("a float or a longdouble's bytes is required".to_owned()))?;
        if !v.is_finite() {
            return Err(not_finite(vm));
        }
        Ok(match width {
            2 => Box::new(Half(v)),
            1 | 4 => Box::new(Single(v)),
            _ => Box::new(v),
        })
    }

    /// `parse_longdouble(text)`: the 16 bytes of the longdouble nearest the
    /// decimal `text` (`np.longdouble('0.1')`), or Python's ValueError.
    #[pyfunction]
    fn parse_longdouble(text: String, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        longdouble::parse(&text)
            .map(|x| longdouble::to_bytes(x).to_vec())
            .ok_or_else(|| vm.new_value_error(format!("could not convert string to float: {text:?}")))
    }

    /// `format_positional(x, width, precision, min_digits, unique, trim)`:
    /// `np.format_float_positional` of a finite float without the `+` sign
    /// and padding.
    #[pyfunction]
    fn format_positional(
        x: PyObjectRef,
        width: usize,
        precision: Option<usize>,
        min_digits: usize,
        unique: bool,
        trim: String,
        vm: &VirtualMachine,
    ) -> PyResult<String> {
        let d = digits(precision, min_digits, unique, &trim, vm)?;
        Ok(real(&x, width, vm)?.positional(&d))
    }

    /// `format_scientific(x, width, precision, min_digits, unique, trim,
    /// exp_digits)`: `np.format_float_scientific` likewise.
    #[pyfunction]
    fn format_scientific(
        x: PyObjectRef,
        width: usize,
        precision: Option<usize>,
        min_digits: usize,
        unique: bool,
        trim: String,
        exp_digits: usize,
        vm: &VirtualMachine,
    ) -> PyResult<String> {
        let d = digits(precision, min_digits, unique, &trim, vm)?;
        Ok(real(&x, width, vm)?.scientific(&d, exp_digits))
    }
}
