//! `_numpy`'s half for `numpy.random`: NumPy's bit generators and
//! distributions (mpi-ndarray's `random`) bound to Python.
//!
//! Two classes hold generator state: `LegacyGenerator` (a `RandomState`:
//! MT19937 and the cached normal) and `PCG64Generator` (the bit generator of
//! `default_rng()`). Made by the module functions `legacy_generator`,
//! `legacy_generator_from_seed_sequence` and `pcg64_generator`, since the
//! Python layer (`numpy/random`) owns argument handling. A single draw comes
//! back as a Python float or int; `n` draws (the `_n` methods) come back as
//! `bytes` of packed native-endian float64, or of the requested integer dtype,
//! which the Python layer wraps with `numpy.frombuffer`.

use mpi_ndarray::random::{Error, IntKind};
use rustpython_vm::{PyResult, VirtualMachine};

/// The Python exception NumPy raises for `err`.
fn py_err(vm: &VirtualMachine, err: Error) -> rustpython_vm::builtins::PyBaseExceptionRef {
    match err {
        Error::Value(m) => vm.new_value_error(m),
        Error::Overflow(m) => vm.new_overflow_error(m),
    }
}

fn f64_bytes(values: impl IntoIterator<Item = f64>) -> Vec<u8> {
    values.into_iter().flat_map(f64::to_ne_bytes).collect()
}

fn i64_bytes(values: impl IntoIterator<Item = i64>) -> Vec<u8> {
    values.into_iter().flat_map(i64::to_ne_bytes).collect()
}

fn int_kind(dtype: &str, vm: &VirtualMachine) -> PyResult<IntKind> {
    IntKind::from_name(dtype).ok_or_else(|| vm.new_type_error(format!("Unsupported dtype {dtype:?} for randint")))
}

fn raw_bytes(kind: IntKind, raw: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() * kind.itemsize());
    raw.iter().for_each(|&r| kind.pack(r, &mut out));
    out
}

/// NumPy's checks on `normal`'s scale and `uniform`'s range.
fn check_scale(scale: f64, vm: &VirtualMachine) -> PyResult<()> {
    if scale < 0.0 { Err(vm.new_value_error("scale < 0")) } else { Ok(()) }
}

fn check_range(low: f64, high: f64, vm: &VirtualMachine) -> PyResult<()> {
    if (high - low).is_finite() { Ok(()) } else { Err(vm.new_overflow_error("Range exceeds valid bounds")) }
}

#[rustpython_vm::pymodule(sub, name = "_numpy")]
pub(crate) mod _numpy_random {
    use super::*;
    use mpi_ndarray::random::generator as rg;
    use mpi_ndarray::random::legacy::{LegacySeed, LegacyState};
    use mpi_ndarray::random::{BitGenerator, Mt19937, Pcg64, RandomState, SeedSequence};
    use rustpython_vm::{
        Py, PyObjectRef, PyPayload,
        builtins::{PyBytesRef, PyIntRef, PyTupleRef},
        common::lock::PyMutex,
        function::ArgBytesLike,
        pyclass,
    };

    /// An integer argument as i128; the Python layer clamps larger ones.
    fn int_arg(n: &PyIntRef, vm: &VirtualMachine) -> PyResult<i128> {
        n.try_to_primitive::<i128>(vm)
    }

    fn words_arg(words: &[PyIntRef], vm: &VirtualMachine) -> PyResult<Vec<u32>> {
        words.iter().map(|w| w.try_to_primitive::<u32>(vm)).collect()
    }

    fn bytes(vm: &VirtualMachine, data: Vec<u8>) -> PyBytesRef {
        vm.ctx.new_bytes(data)
    }

    /// `RandomState(seed)` for an int seed or a list of int seeds (checked
    /// here with NumPy's messages).
    #[pyfunction]
    fn legacy_generator(seed: PyObjectRef, vm: &VirtualMachine) -> PyResult<LegacyGenerator> {
        let seed = match seed.downcast::<rustpython_vm::builtins::PyInt>() {
            Ok(n) => LegacySeed::Int(int_arg(&n, vm)?),
            Err(seq) => {
                let items: Vec<PyIntRef> = seq.try_into_value(vm)?;
                LegacySeed::Array(items.iter().map(|n| int_arg(n, vm)).collect::<PyResult<_>>()?)
            }
        };
        let state = RandomState::from_seed(&seed).map_err(|e| py_err(vm, e))?;
        Ok(LegacyGenerator { rs: PyMutex::new(state) })
    }

    /// `RandomState(MT19937(seed))`: MT19937 seeded from a SeedSequence given
    /// as its entropy and spawn-key words and pool size.
    #[pyfunction]
    fn legacy_generator_from_seed_sequence(
        entropy: Vec<PyIntRef>,
        spawn_key: Vec<PyIntRef>,
        pool_size: usize,
        vm: &VirtualMachine,
    ) -> PyResult<LegacyGenerator> {
        let seq = SeedSequence::with_pool_size(&words_arg(&entropy, vm)?, &words_arg(&spawn_key, vm)?, pool_size);
        Ok(LegacyGenerator { rs: PyMutex::new(RandomState::from_bit_generator(Mt19937::from_seed_sequence(&seq))) })
    }

    /// `PCG64(SeedSequence(...))`.
    #[pyfunction]
    fn pcg64_generator(
        entropy: Vec<PyIntRef>,
        spawn_key: Vec<PyIntRef>,
        pool_size: usize,
        vm: &VirtualMachine,
    ) -> PyResult<PCG64Generator> {
        let seq = SeedSequence::with_pool_size(&words_arg(&entropy, vm)?, &words_arg(&spawn_key, vm)?, pool_size);
        Ok(PCG64Generator { bg: PyMutex::new(Pcg64::from_seed_sequence(&seq)) })
    }

    /// `SeedSequence(...).generate_state(n, np.uint32)` as packed uint32.
    #[pyfunction]
    fn seed_sequence_state(
        entropy: Vec<PyIntRef>,
        spawn_key: Vec<PyIntRef>,
        pool_size: usize,
        n: usize,
        vm: &VirtualMachine,
    ) -> PyResult<PyBytesRef> {
        let seq = SeedSequence::with_pool_size(&words_arg(&entropy, vm)?, &words_arg(&spawn_key, vm)?, pool_size);
        Ok(bytes(vm, seq.generate_state_u32(n).into_iter().flat_map(u32::to_ne_bytes).collect()))
    }

    /// `SeedSequence(...).pool` as packed uint32 bytes.
    #[pyfunction]
    fn seed_sequence_pool(
        entropy: Vec<PyIntRef>,
        spawn_key: Vec<PyIntRef>,
        pool_size: usize,
        vm: &VirtualMachine,
    ) -> PyResult<PyBytesRef> {
        let seq = SeedSequence::with_pool_size(&words_arg(&entropy, vm)?, &words_arg(&spawn_key, vm)?, pool_size);
        Ok(bytes(vm, seq.pool().iter().flat_map(|w| w.to_ne_bytes()).collect()))
    }

    /// The legacy `RandomState` core.
    #[pyattr]
    #[pyclass(module = "numpy.random", name = "LegacyGenerator")]
    #[derive(Debug, PyPayload)]
    pub(crate) struct LegacyGenerator {
        rs: PyMutex<RandomState>,
    }

    #[pyclass(flags(DISALLOW_INSTANTIATION))]
    impl LegacyGenerator {
        #[pymethod]
        fn random_sample(zelf: &Py<Self>) -> f64 {
            zelf.rs.lock().random_sample()
        }

        #[pymethod]
        fn random_sample_n(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyBytesRef {
            bytes(vm, f64_bytes(zelf.rs.lock().random_samples(n)))
        }

        #[pymethod]
        fn standard_normal(zelf: &Py<Self>) -> f64 {
            zelf.rs.lock().standard_normal()
        }

        #[pymethod]
        fn standard_normal_n(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyBytesRef {
            bytes(vm, f64_bytes(zelf.rs.lock().standard_normals(n)))
        }

        #[pymethod]
        fn normal(zelf: &Py<Self>, loc: f64, scale: f64, vm: &VirtualMachine) -> PyResult<f64> {
            check_scale(scale, vm)?;
            Ok(zelf.rs.lock().normal(loc, scale))
        }

        #[pymethod]
        fn normal_n(zelf: &Py<Self>, loc: f64, scale: f64, n: usize, vm: &VirtualMachine) -> PyResult<PyBytesRef> {
            check_scale(scale, vm)?;
            let mut rs = zelf.rs.lock();
            Ok(bytes(vm, f64_bytes((0..n).map(|_| rs.normal(loc, scale)))))
        }

        #[pymethod]
        fn uniform(zelf: &Py<Self>, low: f64, high: f64, vm: &VirtualMachine) -> PyResult<f64> {
            check_range(low, high, vm)?;
            Ok(zelf.rs.lock().uniform(low, high))
        }

        #[pymethod]
        fn uniform_n(zelf: &Py<Self>, low: f64, high: f64, n: usize, vm: &VirtualMachine) -> PyResult<PyBytesRef> {
            check_range(low, high, vm)?;
            let mut rs = zelf.rs.lock();
            Ok(bytes(vm, f64_bytes((0..n).map(|_| rs.uniform(low, high)))))
        }

        /// `randint(low, high, dtype=dtype)`: one value (high exclusive).
        #[pymethod]
        fn randint(
            zelf: &Py<Self>,
            low: PyIntRef,
            high: PyIntRef,
            dtype: String,
            vm: &VirtualMachine,
        ) -> PyResult<PyObjectRef> {
            let kind = int_kind(&dtype, vm)?;
            let raw =
                zelf.rs.lock().randint(int_arg(&low, vm)?, int_arg(&high, vm)?, kind, 1).map_err(|e| py_err(vm, e))?;
            Ok(vm.ctx.new_int(kind.value(raw[0])).into())
        }

        /// `randint(low, high, size=n, dtype=dtype)`, packed as `dtype`.
        #[pymethod]
        fn randint_n(
            zelf: &Py<Self>,
            low: PyIntRef,
            high: PyIntRef,
            dtype: String,
            n: usize,
            vm: &VirtualMachine,
        ) -> PyResult<PyBytesRef> {
            let kind = int_kind(&dtype, vm)?;
            let raw =
                zelf.rs.lock().randint(int_arg(&low, vm)?, int_arg(&high, vm)?, kind, n).map_err(|e| py_err(vm, e))?;
            Ok(bytes(vm, raw_bytes(kind, &raw)))
        }

        /// The order `shuffle` leaves `n` items in, as packed int64.
        #[pymethod]
        fn shuffle_order(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyBytesRef {
            bytes(vm, i64_bytes(zelf.rs.lock().shuffle_order(n).into_iter().map(|i| i as i64)))
        }

        /// `choice`'s indices, as packed int64.
        #[pymethod]
        fn choice(
            zelf: &Py<Self>,
            pop_size: usize,
            size: usize,
            replace: bool,
            p: Option<Vec<f64>>,
            atol: f64,
            vm: &VirtualMachine,
        ) -> PyResult<PyBytesRef> {
            let idx = zelf.rs.lock().choice(pop_size, size, replace, p.as_deref(), atol).map_err(|e| py_err(vm, e))?;
            Ok(bytes(vm, i64_bytes(idx)))
        }

        /// `(key, pos, has_gauss, gauss)`, the key as packed uint32.
        #[pymethod]
        fn get_state(zelf: &Py<Self>, vm: &VirtualMachine) -> PyTupleRef {
            let st = zelf.rs.lock().get_state();
            let key: Vec<u8> = st.key.iter().flat_map(|w| w.to_ne_bytes()).collect();
            vm.new_tuple((bytes(vm, key), st.pos, st.has_gauss, st.gauss))
        }

        /// Restores `get_state()`'s tuple; the key as packed uint32.
        #[pymethod]
        fn set_state(
            zelf: &Py<Self>,
            key: ArgBytesLike,
            pos: usize,
            has_gauss: bool,
            gauss: f64,
            vm: &VirtualMachine,
        ) -> PyResult<()> {
            let key: Vec<u32> =
                key.borrow_buf().chunks(4).map(|c| u32::from_ne_bytes(c.try_into().unwrap_or([0; 4]))).collect();
            zelf.rs.lock().set_state(&LegacyState { key, pos, has_gauss, gauss }).map_err(|e| py_err(vm, e))
        }

        /// `random_raw()`: the next 32-bit output of MT19937.
        #[pymethod]
        fn next_u32(zelf: &Py<Self>) -> u32 {
            zelf.rs.lock().bit_generator().next_u32()
        }
    }

    /// `default_rng()`'s core: PCG64 and the Generator's distributions.
    #[pyattr]
    #[pyclass(module = "numpy.random", name = "PCG64Generator")]
    #[derive(Debug, PyPayload)]
    pub(crate) struct PCG64Generator {
        bg: PyMutex<Pcg64>,
    }

    #[pyclass(flags(DISALLOW_INSTANTIATION))]
    impl PCG64Generator {
        #[pymethod]
        fn random(zelf: &Py<Self>) -> f64 {
            rg::random(&mut *zelf.bg.lock())
        }

        #[pymethod]
        fn random_n(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyBytesRef {
            let mut bg = zelf.bg.lock();
            bytes(vm, f64_bytes((0..n).map(|_| rg::random(&mut *bg))))
        }

        /// `random(size=n, dtype=np.float32)`, as packed float32.
        #[pymethod]
        fn random_f32_n(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyBytesRef {
            let mut bg = zelf.bg.lock();
            bytes(vm, (0..n).flat_map(|_| rg::random_f32(&mut *bg).to_ne_bytes()).collect())
        }

        #[pymethod]
        fn standard_normal(zelf: &Py<Self>) -> f64 {
            rg::standard_normal(&mut *zelf.bg.lock())
        }

        #[pymethod]
        fn standard_normal_n(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyBytesRef {
            let mut bg = zelf.bg.lock();
            bytes(vm, f64_bytes((0..n).map(|_| rg::standard_normal(&mut *bg))))
        }

        #[pymethod]
        fn normal(zelf: &Py<Self>, loc: f64, scale: f64, vm: &VirtualMachine) -> PyResult<f64> {
            check_scale(scale, vm)?;
            Ok(rg::normal(&mut *zelf.bg.lock(), loc, scale))
        }

        #[pymethod]
        fn normal_n(zelf: &Py<Self>, loc: f64, scale: f64, n: usize, vm: &VirtualMachine) -> PyResult<PyBytesRef> {
            check_scale(scale, vm)?;
            let mut bg = zelf.bg.lock();
            Ok(bytes(vm, f64_bytes((0..n).map(|_| rg::normal(&mut *bg, loc, scale)))))
        }

        #[pymethod]
        fn uniform(zelf: &Py<Self>, low: f64, high: f64, vm: &VirtualMachine) -> PyResult<f64> {
            check_range(low, high, vm)?;
            Ok(rg::uniform(&mut *zelf.bg.lock(), low, high))
        }

        #[pymethod]
        fn uniform_n(zelf: &Py<Self>, low: f64, high: f64, n: usize, vm: &VirtualMachine) -> PyResult<PyBytesRef> {
            check_range(low, high, vm)?;
            let mut bg = zelf.bg.lock();
            Ok(bytes(vm, f64_bytes((0..n).map(|_| rg::uniform(&mut *bg, low, high)))))
        }

        /// `integers(low, high, dtype=dtype, endpoint=endpoint)`: one value.
        #[pymethod]
        fn integers(
            zelf: &Py<Self>,
            low: PyIntRef,
            high: PyIntRef,
            endpoint: bool,
            dtype: String,
            vm: &VirtualMachine,
        ) -> PyResult<PyObjectRef> {
            let kind = int_kind(&dtype, vm)?;
            let raw = rg::integers(&mut *zelf.bg.lock(), int_arg(&low, vm)?, int_arg(&high, vm)?, endpoint, kind, 1)
                .map_err(|e| py_err(vm, e))?;
            Ok(vm.ctx.new_int(kind.value(raw[0])).into())
        }

        /// `integers(low, high, size=n, ...)`, packed as `dtype`.
        #[pymethod]
        fn integers_n(
            zelf: &Py<Self>,
            low: PyIntRef,
            high: PyIntRef,
            endpoint: bool,
            dtype: String,
            n: usize,
            vm: &VirtualMachine,
        ) -> PyResult<PyBytesRef> {
            let kind = int_kind(&dtype, vm)?;
            let raw = rg::integers(&mut *zelf.bg.lock(), int_arg(&low, vm)?, int_arg(&high, vm)?, endpoint, kind, n)
                .map_err(|e| py_err(vm, e))?;
            Ok(bytes(vm, raw_bytes(kind, &raw)))
        }

        #[pymethod]
        fn shuffle_order(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyBytesRef {
            bytes(vm, i64_bytes(rg::shuffle_order(&mut *zelf.bg.lock(), n).into_iter().map(|i| i as i64)))
        }

        #[pymethod]
        fn choice(
            zelf: &Py<Self>,
            pop_size: usize,
            size: usize,
            replace: bool,
            p: Option<Vec<f64>>,
            atol: f64,
            shuffle: bool,
            vm: &VirtualMachine,
        ) -> PyResult<PyBytesRef> {
            let idx = rg::choice(&mut *zelf.bg.lock(), pop_size, size, replace, p.as_deref(), atol, shuffle)
                .map_err(|e| py_err(vm, e))?;
            Ok(bytes(vm, i64_bytes(idx)))
        }

        /// `random_raw()`: the next 64-bit output.
        #[pymethod]
        fn next_u64(zelf: &Py<Self>) -> u64 {
            zelf.bg.lock().next_u64()
        }

        #[pymethod]
        fn advance(zelf: &Py<Self>, delta: PyIntRef, vm: &VirtualMachine) -> PyResult<()> {
            let delta = delta.try_to_primitive::<u128>(vm)?;
            zelf.bg.lock().advance(delta);
            Ok(())
        }

        /// `(state, inc, has_uint32, uinteger)` as `PCG64().state` has them.
        #[pymethod]
        fn get_state(zelf: &Py<Self>, vm: &VirtualMachine) -> PyTupleRef {
            let (state, inc, has, u) = zelf.bg.lock().state();
            vm.new_tuple((vm.ctx.new_int(state), vm.ctx.new_int(inc), has, u))
        }

        #[pymethod]
        fn set_state(
            zelf: &Py<Self>,
            state: PyIntRef,
            inc: PyIntRef,
            has_uint32: bool,
            uinteger: u32,
            vm: &VirtualMachine,
        ) -> PyResult<()> {
            let (state, inc) = (state.try_to_primitive::<u128>(vm)?, inc.try_to_primitive::<u128>(vm)?);
            *zelf.bg.lock() = Pcg64::from_state(state, inc, has_uint32, uinteger);
            Ok(())
        }
    }
}
