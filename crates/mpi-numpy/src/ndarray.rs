//! The `_numpy` module and its array base class, `_numpy.ndarray`: a view
//! (dtype, byte offset, shape, byte strides) over storage that views share,
//! with the buffer protocol and the entry points of mpi-ndarray's kernels.
//!
//! The Python package subclasses it as `numpy.ndarray` and writes the API
//! (indexing, operators, methods) in Python over these primitives; every
//! loop over elements runs here. Arrays made here take the class of the
//! array they came from, so results are `numpy.ndarray`s too.

use crate::{format::_numpy_format, random::_numpy_random};

#[rustpython_vm::pymodule(with(_numpy_format, _numpy_random))]
pub(crate) mod _numpy {
    use std::rc::Rc;

    use rustpython_vm::pyclass;

    use mpi_ndarray::dtype::{DType, Weak};
    use mpi_ndarray::kernels::{self, BinOp, KernelError, ReduceOp, UnaryOp};
    use mpi_ndarray::layout::{self, Layout};
    use mpi_ndarray::longdouble::Ld;
    use mpi_ndarray::values::{self, Column, Scalar};
    use rustpython_vm::{
        AsObject, Py, PyObject, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine,
        builtins::{PyBaseExceptionRef, PyBytes, PyBytesRef, PyComplex, PyFloat, PyInt, PyList, PyTupleRef, PyTypeRef},
        common::{
            borrow::{BorrowedValue, BorrowedValueMut},
            lock::{PyRwLock, PyRwLockReadGuard, PyRwLockWriteGuard},
        },
        function::{ArgBytesLike, OptionalArg},
        protocol::{BufferDescriptor, BufferFlags, BufferMethods, PyBuffer},
        types::AsBuffer,
    };

    /// The bytes views share. Never resized, so a view's layout stays valid.
    #[derive(Debug)]
    enum Storage {
        /// Memory the array owns.
        Owned(PyRwLock<Vec<u8>>),
        /// Another object's memory (`frombuffer`, `ndarray(buffer=...)`), as
        /// NumPy shares it: stores through the array change the object. The
        /// export keeps the object alive and unresizable.
        Borrowed(PyBuffer),
    }

    impl Storage {
        fn owned(bytes: Vec<u8>) -> Rc<Storage> {
            Rc::new(Storage::Owned(PyRwLock::new(bytes)))
        }

        fn read(&self) -> BorrowedValue<'_, [u8]> {
            match self {
                Storage::Owned(bytes) => PyRwLockReadGuard::map(bytes.read(), |v| v.as_slice()).into(),
                // Checked contiguous when borrowed.
                Storage::Borrowed(buffer) => unsafe { buffer.contiguous_unchecked() },
            }
        }

        /// Only reached for writeable arrays: a borrowed read-only buffer makes
        /// a read-only array.
        fn write(&self) -> BorrowedValueMut<'_, [u8]> {
            match self {
                Storage::Owned(bytes) => PyRwLockWriteGuard::map(bytes.write(), |v| v.as_mut_slice()).into(),
                Storage::Borrowed(buffer) => {
                    buffer.as_contiguous_mut().expect("a read-only borrowed buffer makes a read-only array")
                }
            }
        }
    }

    #[pyattr]
    #[pyclass(module = "numpy", name = "_ndarray_base")]
    #[derive(Debug, PyPayload)]
    pub struct PyNdArray {
        storage: Rc<Storage>,
        dtype: DType,
        layout: Layout,
        /// False for arrays over read-only memory (`frombuffer` of bytes).
        writeable: std::cell::Cell<bool>,
    }

    /// The largest array a rank may allocate: wasm32 addresses 4 GiB, and a
    /// request near that fails inside the allocator (an abort, not an error).
    const MAX_BYTES: usize = 2 << 30;

    fn kernel_error(vm: &VirtualMachine, e: KernelError) -> PyBaseExceptionRef {
        match e {
            KernelError::Type(m) => vm.new_type_error(m),
            KernelError::Value(m) => vm.new_value_error(m),
        }
    }

    fn parse_dtype(vm: &VirtualMachine, name: &str) -> PyResult<DType> {
        DType::from_name(name).ok_or_else(|| vm.new_type_error(format!("data type {name:?} not understood")))
    }

    fn alloc(vm: &VirtualMachine, nbytes: usize, shape: &[usize], dtype: DType) -> PyResult<Vec<u8>> {
        check_size(vm, nbytes, shape, dtype)?;
        Ok(vec![0u8; nbytes])
    }

    /// NumPy's MemoryError for an array a rank cannot hold.
    fn check_size(vm: &VirtualMachine, nbytes: usize, shape: &[usize], dtype: DType) -> PyResult<()> {
        if nbytes > MAX_BYTES {
            let dims = shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
            let comma = if shape.len() == 1 { "," } else { "" };
            return Err(vm.new_memory_error(format!(
                "Unable to allocate {} for an array with shape ({dims}{comma}) and data type {}",
                human_bytes(nbytes),
                dtype.name()
            )));
        }
        Ok(())
    }

    /// NumPy's size wording in allocation errors ("7.45 GiB").
    fn human_bytes(n: usize) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        let mut value = n as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < units.len() {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 { format!("{n} bytes") } else { format!("{value:.3} {}", units[unit]) }
    }

    impl PyNdArray {
        fn new_owned(bytes: Vec<u8>, dtype: DType, shape: &[usize]) -> PyNdArray {
            PyNdArray {
                storage: Storage::owned(bytes),
                dtype,
                layout: Layout::c_contiguous(shape, dtype.itemsize()),
                writeable: std::cell::Cell::new(true),
            }
        }

        fn into_instance(self, cls: PyTypeRef, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
            Ok(self.into_ref_with_type(vm, cls)?.into())
        }

        /// The elements, packed in C order.
        fn packed(&self) -> Vec<u8> {
            let bytes = self.storage.read();
            layout::gather(&bytes, &self.layout, self.dtype.itemsize()).into_owned()
        }

        fn column(&self) -> Column {
            let bytes = self.storage.read();
            values::decode(&layout::gather(&bytes, &self.layout, self.dtype.itemsize()), self.dtype)
        }

        fn dims(&self) -> &[usize] {
            &self.layout.shape
        }

        /// Writes packed C-order elements of this array's dtype into it.
        fn write_packed(&self, vm: &VirtualMachine, packed: &[u8]) -> PyResult<()> {
            if !self.writeable.get() {
                return Err(vm.new_value_error("assignment destination is read-only".to_owned()));
            }
            let mut bytes = self.storage.write();
            layout::scatter(&mut bytes, &self.layout, self.dtype.itemsize(), packed);
            Ok(())
        }
    }

    /// `a op b` for float64 operands through the one-pass kernel, when both
    /// are C-contiguous and each is either of the result's shape or a single
    /// value; `None` sends the caller down the general path.
    fn float64_fast(op: BinOp, a: &PyNdArray, b: &PyNdArray, shape: &[usize]) -> Option<Vec<u8>> {
        const W: usize = 8;
        let fits = |x: &PyNdArray| x.layout.is_c_contiguous(W) && (x.dims() == shape || x.layout.size() == 1);
        if !fits(a) || !fits(b) {
            return None;
        }
        let (ga, gb) = (a.storage.read(), b.storage.read());
        let range = |x: &PyNdArray| {
            let start = usize::try_from(x.layout.offset).ok()?;
            Some(start..start + x.layout.size() * W)
        };
        kernels::float64_arith_bytes(op, ga.get(range(a)?)?, gb.get(range(b)?)?)
    }

    /// A Python scalar for one value of `dtype` (the Python layer wraps it in
    /// NumPy's scalar type). A longdouble (clongdouble) is its 16 (32) bytes,
    /// which no Python number could hold.
    fn scalar_to_py(vm: &VirtualMachine, s: Scalar) -> PyObjectRef {
        match s {
            Scalar::Long(x) => vm.ctx.new_bytes(x.to_bytes().to_vec()).into(),
            Scalar::LongComplex(re, im) => vm.ctx.new_bytes([re.to_bytes(), im.to_bytes()].concat()).into(),
            Scalar::Bool(b) => vm.ctx.new_bool(b).into(),
            Scalar::Int(x) => vm.ctx.new_int(x).into(),
            Scalar::UInt(x) => vm.ctx.new_int(x).into(),
            Scalar::Float(x) => vm.ctx.new_float(x).into(),
            Scalar::Complex(re, im) => vm.ctx.new_complex(num_complex::Complex64::new(re, im)).into(),
        }
    }

    /// A Python bool, int, float or complex as a value (or the bytes of a
    /// longdouble or clongdouble, as `scalar_to_py` gives them); ints beyond
    /// 64 bits raise OverflowError as NumPy's conversions do.
    fn py_to_scalar(vm: &VirtualMachine, obj: &PyObject) -> PyResult<Scalar> {
        if let Some(b) = obj.downcast_ref::<PyBytes>() {
            let b = b.as_bytes();
            match b.len() {
                16 => return Ok(Scalar::Long(Ld::from_bytes(b))),
                32 => return Ok(Scalar::LongComplex(Ld::from_bytes(&b[..16]), Ld::from_bytes(&b[16..]))),
                _ => {}
            }
        }
        if obj.class().is(vm.ctx.types.bool_type) {
            return Ok(Scalar::Bool(obj.is(&vm.ctx.true_value)));
        }
        if let Some(i) = obj.downcast_ref::<PyInt>() {
            if let Ok(x) = i.try_to_primitive::<i64>(vm) {
                return Ok(Scalar::Int(x));
            }
            if let Ok(x) = i.try_to_primitive::<u64>(vm) {
                return Ok(Scalar::UInt(x));
            }
            return Err(vm.new_overflow_error("Python int too large to convert to C long".to_owned()));
        }
        if let Some(f) = obj.downcast_ref::<PyFloat>() {
            return Ok(Scalar::Float(f.to_f64()));
        }
        if let Some(c) = obj.downcast_ref::<PyComplex>() {
            let z = c.to_complex();
            return Ok(Scalar::Complex(z.re, z.im));
        }
        // A longdouble or clongdouble scalar: its bytes.
        if let Ok(bits) = obj.get_attr("_bits", vm)
            && bits.downcast_ref::<PyBytes>().is_some()
        {
            return py_to_scalar(vm, &bits);
        }
        Err(vm.new_type_error(format!("cannot convert '{}' object to a number", obj.class().name())))
    }

    fn column_from_scalars(items: &[Scalar], dtype: DType) -> Column {
        values::column_of(items, dtype)
    }

    /// A new zero-filled array of `cls` (`numpy.empty`/`zeros`: both zeroed).
    #[pyfunction]
    fn new(cls: PyTypeRef, shape: Vec<usize>, dtype: String, vm: &VirtualMachine) -> PyResult {
        let dtype = parse_dtype(vm, &dtype)?;
        let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        let nbytes = count.and_then(|c| c.checked_mul(dtype.itemsize())).unwrap_or(usize::MAX);
        let bytes = alloc(vm, nbytes, &shape, dtype)?;
        PyNdArray::new_owned(bytes, dtype, &shape).into_instance(cls, vm)
    }

    /// An array of `cls` holding a copy of `data` (packed elements of `dtype`).
    #[pyfunction]
    fn from_bytes(
        cls: PyTypeRef,
        data: ArgBytesLike,
        dtype: String,
        shape: Vec<usize>,
        vm: &VirtualMachine,
    ) -> PyResult {
        let dtype = parse_dtype(vm, &dtype)?;
        let bytes = data.borrow_buf().to_vec();
        let count: usize = shape.iter().product();
        if count * dtype.itemsize() != bytes.len() {
            return Err(vm.new_value_error(format!(
                "{} bytes do not make {count} elements of {}",
                bytes.len(),
                dtype.name()
            )));
        }
        PyNdArray::new_owned(bytes, dtype, &shape).into_instance(cls, vm)
    }

    /// A 1-d array of `cls` over `obj`'s memory (NumPy's `frombuffer`): `count`
    /// elements of `dtype` from byte `offset`, all that fit when `count` < 0.
    /// Writeable when the buffer is.
    #[pyfunction]
    fn from_buffer(
        cls: PyTypeRef,
        obj: PyObjectRef,
        dtype: String,
        count: isize,
        offset: isize,
        vm: &VirtualMachine,
    ) -> PyResult {
        let dtype = parse_dtype(vm, &dtype)?;
        let (buffer, writeable) = match PyBuffer::from_object(vm, &obj, BufferFlags::FULL) {
            Ok(buffer) => (buffer, true),
            Err(_) => (PyBuffer::from_object(vm, &obj, BufferFlags::FULL_RO)?, false),
        };
        if !buffer.desc.is_contiguous() {
            return Err(vm.new_value_error("ndarray is not contiguous".to_owned()));
        }
        let len = buffer.desc.len as isize;
        if offset < 0 || offset > len {
            return Err(vm.new_value_error(format!(
                "offset must be non-negative and no greater than buffer length ({len})"
            )));
        }
        let itemsize = dtype.itemsize() as isize;
        let available = len - offset;
        let n = if count < 0 {
            if available % itemsize != 0 {
                return Err(vm.new_value_error("buffer size must be a multiple of element size".to_owned()));
            }
            available / itemsize
        } else {
            if count * itemsize > available {
                return Err(vm.new_value_error("buffer is smaller than requested size".to_owned()));
            }
            count
        };
        let array = PyNdArray {
            storage: Rc::new(Storage::Borrowed(buffer)),
            dtype,
            layout: Layout { offset, shape: vec![n as usize], strides: vec![itemsize] },
            writeable: std::cell::Cell::new(writeable),
        };
        array.into_instance(cls, vm)
    }

    /// An array of `cls` from a flat list of Python bool/int/float/complex
    /// values in C order, cast to `dtype`.
    #[pyfunction]
    fn from_values(
        cls: PyTypeRef,
        items: Vec<PyObjectRef>,
        dtype: String,
        shape: Vec<usize>,
        vm: &VirtualMachine,
    ) -> PyResult {
        let dtype = parse_dtype(vm, &dtype)?;
        let scalars = items.iter().map(|o| py_to_scalar(vm, o)).collect::<PyResult<Vec<_>>>()?;
        let col = column_from_scalars(&scalars, dtype);
        PyNdArray::new_owned(values::encode(&col, dtype), dtype, &shape).into_instance(cls, vm)
    }

    /// `np.arange` of `n` values from `start` by `step` in a numeric dtype
    /// (NumPy's fill, see `kernels::arange_bytes`); None for bool and
    /// complex, which the Python layer builds from values.
    #[pyfunction]
    fn arange(
        cls: PyTypeRef,
        start: PyObjectRef,
        step: PyObjectRef,
        n: usize,
        dtype: String,
        vm: &VirtualMachine,
    ) -> PyResult<Option<PyObjectRef>> {
        let dtype = parse_dtype(vm, &dtype)?;
        let nbytes = n.checked_mul(dtype.itemsize()).unwrap_or(usize::MAX);
        check_size(vm, nbytes, &[n], dtype)?;
        let (start, step) = (py_to_scalar(vm, &start)?, py_to_scalar(vm, &step)?);
        match kernels::arange_bytes(dtype, start, step, n) {
            Some(bytes) => PyNdArray::new_owned(bytes, dtype, &[n]).into_instance(cls, vm).map(Some),
            None => Ok(None),
        }
    }

    /// The dtype name NumPy infers for a flat list of Python scalars
    /// ("bool", "int64", "float64", "complex128"), for `np.array(list)`.
    #[pyfunction]
    fn infer_dtype(items: Vec<PyObjectRef>, vm: &VirtualMachine) -> PyResult<String> {
        let mut rank = 0;
        let mut big_unsigned = false;
        for o in &items {
            let r = match py_to_scalar(vm, o)? {
                Scalar::Bool(_) => 0,
                Scalar::Int(_) => 1,
                Scalar::UInt(_) => {
                    big_unsigned = true;
                    1
                }
                Scalar::Float(_) | Scalar::Long(_) => 2,
                Scalar::Complex(..) | Scalar::LongComplex(..) => 3,
            };
            rank = rank.max(r);
        }
        Ok(match rank {
            0 if !items.is_empty() => "bool",
            0 => "float64",
            1 if big_unsigned => {
                if items.iter().any(|o| matches!(py_to_scalar(vm, o), Ok(Scalar::Int(x)) if x < 0)) {
                    return Err(vm.new_overflow_error("Python int too large to convert to C long".to_owned()));
                }
                "uint64"
            }
            1 => "int64",
            2 => "float64",
            _ => "complex128",
        }
        .to_owned())
    }

    /// `np.promote_types` of two dtype names.
    #[pyfunction]
    fn promote_types(a: String, b: String, vm: &VirtualMachine) -> PyResult<&'static str> {
        Ok(DType::promote(parse_dtype(vm, &a)?, parse_dtype(vm, &b)?).name())
    }

    #[pyclass(flags(BASETYPE), with(AsBuffer))]
    impl PyNdArray {
        #[pygetset]
        fn shape(zelf: &Py<Self>, vm: &VirtualMachine) -> PyTupleRef {
            vm.new_tuple(zelf.layout.shape.iter().map(|&d| vm.ctx.new_int(d).into()).collect::<Vec<PyObjectRef>>())
        }

        #[pygetset]
        fn strides(zelf: &Py<Self>, vm: &VirtualMachine) -> PyTupleRef {
            vm.new_tuple(zelf.layout.strides.iter().map(|&d| vm.ctx.new_int(d).into()).collect::<Vec<PyObjectRef>>())
        }

        #[pygetset]
        fn _dtype_name(zelf: &Py<Self>) -> &'static str {
            zelf.dtype.name()
        }

        #[pygetset]
        fn _offset(zelf: &Py<Self>) -> isize {
            zelf.layout.offset
        }

        #[pygetset]
        fn ndim(zelf: &Py<Self>) -> usize {
            zelf.layout.ndim()
        }

        #[pygetset]
        fn size(zelf: &Py<Self>) -> usize {
            zelf.layout.size()
        }

        #[pygetset]
        fn itemsize(zelf: &Py<Self>) -> usize {
            zelf.dtype.itemsize()
        }

        #[pygetset]
        fn nbytes(zelf: &Py<Self>) -> usize {
            zelf.layout.size() * zelf.dtype.itemsize()
        }

        #[pygetset]
        fn _c_contiguous(zelf: &Py<Self>) -> bool {
            zelf.layout.is_c_contiguous(zelf.dtype.itemsize())
        }

        #[pygetset]
        fn _f_contiguous(zelf: &Py<Self>) -> bool {
            zelf.layout.is_f_contiguous(zelf.dtype.itemsize())
        }

        #[pygetset]
        fn _writeable(zelf: &Py<Self>) -> bool {
            zelf.writeable.get()
        }

        /// Makes this array read-only (`frombuffer` of read-only memory,
        /// `a.flags.writeable = False`); its later views are read-only too.
        #[pymethod]
        fn _set_readonly(zelf: &Py<Self>) {
            zelf.writeable.set(false);
        }

        /// The address of the first element (NumPy's data pointer, as
        /// `__array_interface__` shows it).
        #[pymethod]
        fn _data_address(zelf: &Py<Self>) -> usize {
            zelf.storage.read().as_ptr() as usize + zelf.layout.offset as usize
        }

        /// Whether two arrays view the same storage.
        #[pymethod]
        fn _shares_storage(zelf: &Py<Self>, other: PyRef<PyNdArray>) -> bool {
            Rc::ptr_eq(&zelf.storage, &other.storage)
        }

        /// A view of the same storage with another layout (the Python layer
        /// computes it for slicing, transposes and reshapes, and checks it).
        #[pymethod]
        fn _view(
            zelf: PyRef<Self>,
            offset: isize,
            shape: Vec<usize>,
            strides: Vec<isize>,
            dtype: OptionalArg<String>,
            vm: &VirtualMachine,
        ) -> PyResult {
            let dtype = match dtype {
                OptionalArg::Present(name) => parse_dtype(vm, &name)?,
                OptionalArg::Missing => zelf.dtype,
            };
            let view = PyNdArray {
                storage: zelf.storage.clone(),
                dtype,
                layout: Layout { offset, shape, strides },
                writeable: std::cell::Cell::new(zelf.writeable.get()),
            };
            // A view must stay inside the storage, whatever the caller computed.
            let len = zelf.storage.read().len() as isize;
            let mut ok = true;
            if view.layout.size() > 0 {
                let (mut lo, mut hi) = (offset, offset);
                for (&d, &s) in view.layout.shape.iter().zip(&view.layout.strides) {
                    let span = s * (d as isize - 1);
                    if span < 0 { lo += span } else { hi += span }
                }
                ok = lo >= 0 && hi + dtype.itemsize() as isize <= len;
            }
            if !ok {
                return Err(vm.new_value_error("view outside the array's memory".to_owned()));
            }
            view.into_instance(zelf.class().to_owned(), vm)
        }

        /// A C-ordered copy of `dtype` (this one's when omitted).
        #[pymethod]
        fn _astype(zelf: PyRef<Self>, dtype: OptionalArg<String>, vm: &VirtualMachine) -> PyResult {
            let target = match dtype {
                OptionalArg::Present(name) => parse_dtype(vm, &name)?,
                OptionalArg::Missing => zelf.dtype,
            };
            let bytes = if target == zelf.dtype { zelf.packed() } else { values::encode(&zelf.column(), target) };
            PyNdArray::new_owned(bytes, target, zelf.dims()).into_instance(zelf.class().to_owned(), vm)
        }

        /// The elements as packed C-order bytes (`tobytes`).
        #[pymethod]
        fn _tobytes(zelf: &Py<Self>, vm: &VirtualMachine) -> PyBytesRef {
            vm.ctx.new_bytes(zelf.packed())
        }

        /// The elements as a flat list of Python values, in C order.
        #[pymethod]
        fn _flat_values(zelf: &Py<Self>, vm: &VirtualMachine) -> PyObjectRef {
            let col = zelf.column();
            let items: Vec<PyObjectRef> = (0..col.len()).map(|i| scalar_to_py(vm, col.get(i))).collect();
            PyList::from(items).into_ref(&vm.ctx).into()
        }

        /// The first element as a Python value (for 0-d and size-1 arrays).
        #[pymethod]
        fn _first(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult {
            if zelf.layout.size() == 0 {
                return Err(vm.new_index_error("index 0 is out of bounds for size 0".to_owned()));
            }
            let bytes = zelf.storage.read();
            let at = zelf.layout.offset as usize;
            let one = &bytes[at..at + zelf.dtype.itemsize()];
            Ok(scalar_to_py(vm, values::decode(one, zelf.dtype).get(0)))
        }

        /// The element at byte `offset` of the storage (an index the Python
        /// layer computed from this array's strides) as a Python value.
        #[pymethod]
        fn _item_at(zelf: &Py<Self>, offset: usize, vm: &VirtualMachine) -> PyResult {
            let size = zelf.dtype.itemsize();
            let bytes = zelf.storage.read();
            let one = bytes
                .get(offset..offset + size)
                .ok_or_else(|| vm.new_index_error("index outside the array's memory".to_owned()))?;
            Ok(scalar_to_py(vm, values::decode(one, zelf.dtype).get(0)))
        }

        /// Sets the element at byte `offset` to the Python value `value`, cast
        /// to this array's dtype.
        #[pymethod]
        fn _set_at(zelf: &Py<Self>, offset: usize, value: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
            if !zelf.writeable.get() {
                return Err(vm.new_value_error("assignment destination is read-only".to_owned()));
            }
            let s = py_to_scalar(vm, &value)?;
            let encoded = values::encode(&column_from_scalars(&[s], zelf.dtype), zelf.dtype);
            let mut bytes = zelf.storage.write();
            let slot = bytes
                .get_mut(offset..offset + encoded.len())
                .ok_or_else(|| vm.new_index_error("index outside the array's memory".to_owned()))?;
            slot.copy_from_slice(&encoded);
            Ok(())
        }

        /// Copies `src` (an array, broadcast to this shape and cast to this
        /// dtype) into this array's elements.
        #[pymethod]
        fn _assign(zelf: &Py<Self>, src: PyRef<PyNdArray>, vm: &VirtualMachine) -> PyResult<()> {
            let Some(layout) = src.layout.broadcast_to(zelf.dims()) else {
                return Err(vm.new_value_error(format!(
                    "could not broadcast input array from shape {} into shape {}",
                    shape_str(src.dims()),
                    shape_str(zelf.dims())
                )));
            };
            let packed = {
                let bytes = src.storage.read();
                layout::gather(&bytes, &layout, src.dtype.itemsize()).into_owned()
            };
            let packed = if src.dtype == zelf.dtype {
                packed
            } else {
                values::encode(&values::decode(&packed, src.dtype), zelf.dtype)
            };
            zelf.write_packed(vm, &packed)
        }

        /// Sets every element to the Python value `value`.
        #[pymethod]
        fn _fill(zelf: &Py<Self>, value: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
            let s = py_to_scalar(vm, &value)?;
            let col = column_from_scalars(&vec![s; zelf.layout.size()], zelf.dtype);
            zelf.write_packed(vm, &values::encode(&col, zelf.dtype))
        }

        /// `self <op> other` elementwise with broadcasting. `weak` names the
        /// kind of Python scalar `other` came from ("bool", "int", "float",
        /// "complex"), which NEP 50 promotes weakly; `reflected` swaps the
        /// operands. The result is a new array of this array's class.
        #[pymethod]
        fn _binary(
            zelf: PyRef<Self>,
            op: String,
            other: PyRef<PyNdArray>,
            weak: Option<String>,
            reflected: bool,
            vm: &VirtualMachine,
        ) -> PyResult {
            let op = BinOp::from_ufunc(&op).ok_or_else(|| vm.new_value_error(format!("unknown ufunc {op}")))?;
            let common = match weak.as_deref() {
                Some(kind) => {
                    let w = match kind {
                        "bool" => Weak::Bool,
                        "int" => Weak::Int,
                        "float" => Weak::Float,
                        _ => Weak::Complex,
                    };
                    DType::promote_weak(zelf.dtype, w)
                }
                None => DType::promote(zelf.dtype, other.dtype),
            };
            let (ct, rt) = kernels::binary_types(op, common).map_err(|e| kernel_error(vm, e))?;
            let (a, b) = if reflected { (&*other, &*zelf) } else { (&*zelf, &*other) };
            let Some(shape) = layout::broadcast_shapes(a.dims(), b.dims()) else {
                return Err(vm.new_value_error(format!(
                    "operands could not be broadcast together with shapes {} {} ",
                    shape_str(a.dims()),
                    shape_str(b.dims())
                )));
            };
            if (a.dtype, b.dtype, ct, rt) == (DType::Float64, DType::Float64, DType::Float64, DType::Float64)
                && let Some(out) = float64_fast(op, a, b, &shape)
            {
                return PyNdArray::new_owned(out, rt, &shape).into_instance(zelf.class().to_owned(), vm);
            }
            let x = values::cast(&broadcast_column(a, &shape), ct);
            let y = values::cast(&broadcast_column(b, &shape), ct);
            let out = kernels::binary(op, ct, &x, &y).map_err(|e| kernel_error(vm, e))?;
            PyNdArray::new_owned(values::encode(&out, rt), rt, &shape).into_instance(zelf.class().to_owned(), vm)
        }

        /// A unary ufunc (`sqrt`, `negative`, `isnan`, ...) elementwise.
        #[pymethod]
        fn _unary(zelf: PyRef<Self>, name: String, vm: &VirtualMachine) -> PyResult {
            let op = UnaryOp::from_ufunc(&name).ok_or_else(|| vm.new_value_error(format!("unknown ufunc {name}")))?;
            let (ct, rt) = kernels::unary_types(op, zelf.dtype, &name).map_err(|e| kernel_error(vm, e))?;
            let x = values::cast(&zelf.column(), ct);
            let out = kernels::unary(op, ct, &x);
            PyNdArray::new_owned(values::encode(&out, rt), rt, zelf.dims()).into_instance(zelf.class().to_owned(), vm)
        }

        /// A reduction (`sum prod max min all any argmax argmin cumsum
        /// cumprod`) over `axis`, or over every element when it is None (the
        /// cumulative ones then run over the flattened array). `dtype`
        /// overrides the accumulator type, as `sum(dtype=...)` does.
        #[pymethod]
        fn _reduce(
            zelf: PyRef<Self>,
            name: String,
            axis: Option<usize>,
            dtype: Option<String>,
            vm: &VirtualMachine,
        ) -> PyResult {
            let op =
                ReduceOp::from_name(&name).ok_or_else(|| vm.new_value_error(format!("unknown reduction {name}")))?;
            let ct = match dtype {
                Some(d) => parse_dtype(vm, &d)?,
                None => kernels::reduce_type(op, zelf.dtype),
            };
            let cumulative = matches!(op, ReduceOp::CumSum | ReduceOp::CumProd);
            let shape = zelf.dims().to_vec();
            let (groups, len, pairwise, out_shape, moved) = match axis {
                None => {
                    let n = zelf.layout.size();
                    let out_shape = if cumulative { vec![n] } else { vec![] };
                    (1, n, true, out_shape, zelf.layout.clone())
                }
                Some(axis) => {
                    let ndim = shape.len();
                    // The reduced axis moved last, so each group is one run.
                    let mut order: Vec<usize> = (0..ndim).filter(|&a| a != axis).collect();
                    order.push(axis);
                    let moved = zelf.layout.permuted(&order);
                    let len = shape[axis];
                    let groups = if len == 0 {
                        shape.iter().enumerate().filter(|&(a, _)| a != axis).map(|(_, &d)| d).product()
                    } else {
                        zelf.layout.size() / len
                    };
                    let out_shape: Vec<usize> =
                        if cumulative { shape.clone() } else { order[..ndim - 1].iter().map(|&a| shape[a]).collect() };
                    // NumPy adds pairwise along the innermost axis only; across
                    // outer axes it accumulates row after row.
                    (groups, len, axis == ndim - 1, out_shape, moved)
                }
            };
            let col = {
                let bytes = zelf.storage.read();
                values::decode(&layout::gather(&bytes, &moved, zelf.dtype.itemsize()), zelf.dtype)
            };
            let input = match op {
                ReduceOp::All | ReduceOp::Any | ReduceOp::ArgMax | ReduceOp::ArgMin => col,
                // Already in the accumulator's type: no copy.
                _ if ct == zelf.dtype => col,
                _ => values::cast(&col, ct),
            };
            let rt = match op {
                ReduceOp::All | ReduceOp::Any => DType::Bool,
                ReduceOp::ArgMax | ReduceOp::ArgMin => DType::Int64,
                _ => ct,
            };
            let mut out = kernels::reduce(op, ct, &input, groups, len, pairwise).map_err(|e| kernel_error(vm, e))?;
            if cumulative {
                if let Some(axis) = axis {
                    // Back from axis-last order to the array's own.
                    out = unmove_axis(&out, &shape, axis);
                }
            }
            PyNdArray::new_owned(values::encode(&out, rt), rt, &out_shape).into_instance(zelf.class().to_owned(), vm)
        }

        /// The elements where the bool array `mask` (same shape) is True, as a
        /// new 1-D array (`a[mask]`).
        #[pymethod]
        fn _compress(zelf: PyRef<Self>, mask: PyRef<PyNdArray>, vm: &VirtualMachine) -> PyResult {
            let picks = mask_indices(&zelf, &mask, vm)?;
            let out = zelf.column().take(&picks);
            PyNdArray::new_owned(values::encode(&out, zelf.dtype), zelf.dtype, &[picks.len()])
                .into_instance(zelf.class().to_owned(), vm)
        }

        /// Sets the elements where `mask` is True from `src` (cycled, or one
        /// value broadcast), as `a[mask] = src` does.
        #[pymethod]
        fn _put_mask(
            zelf: &Py<Self>,
            mask: PyRef<PyNdArray>,
            src: PyRef<PyNdArray>,
            vm: &VirtualMachine,
        ) -> PyResult<()> {
            let picks = mask_indices(zelf, &mask, vm)?;
            let src_col = values::cast(&src.column(), zelf.dtype);
            if src_col.is_empty() && !picks.is_empty() {
                return Err(vm.new_value_error("cannot assign an empty array to a masked selection".to_owned()));
            }
            if src_col.len() != 1 && src_col.len() != picks.len() {
                return Err(vm.new_value_error(format!(
                    "NumPy boolean array indexing assignment cannot assign {} input values to the {} output values where the mask is true",
                    src_col.len(),
                    picks.len()
                )));
            }
            let mut col = zelf.column();
            let put = |col: &mut Column| {
                for (k, &i) in picks.iter().enumerate() {
                    let v = src_col.get(k % src_col.len());
                    match (&mut *col, v) {
                        (Column::Bool(c), Scalar::Bool(x)) => c[i] = x,
                        (Column::Int(c), Scalar::Int(x)) => c[i] = x,
                        (Column::UInt(c), Scalar::UInt(x)) => c[i] = x,
                        (Column::Float(c), Scalar::Float(x)) => c[i] = x,
                        (Column::Complex(c), Scalar::Complex(re, im)) => c[i] = (re, im),
                        (Column::Long(c), Scalar::Long(x)) => c[i] = x,
                        (Column::LongComplex(c), Scalar::LongComplex(re, im)) => c[i] = (re, im),
                        _ => {}
                    }
                }
            };
            put(&mut col);
            zelf.write_packed(vm, &values::encode(&col, zelf.dtype))
        }

        /// The elements at flat C-order positions `indices` (already checked
        /// and made non-negative), as a new array of `shape`.
        #[pymethod]
        fn _take_flat(zelf: PyRef<Self>, indices: Vec<usize>, shape: Vec<usize>, vm: &VirtualMachine) -> PyResult {
            let n = zelf.layout.size();
            if let Some(bad) = indices.iter().find(|&&i| i >= n) {
                return Err(vm.new_index_error(format!("index {bad} is out of bounds for size {n}")));
            }
            let out = zelf.column().take(&indices);
            PyNdArray::new_owned(values::encode(&out, zelf.dtype), zelf.dtype, &shape)
                .into_instance(zelf.class().to_owned(), vm)
        }

        /// Sets the elements at flat positions `indices` from `src` (one
        /// value per index, or one value for all).
        #[pymethod]
        fn _put_flat(zelf: &Py<Self>, indices: Vec<usize>, src: PyRef<PyNdArray>, vm: &VirtualMachine) -> PyResult<()> {
            let n = zelf.layout.size();
            if let Some(bad) = indices.iter().find(|&&i| i >= n) {
                return Err(vm.new_index_error(format!("index {bad} is out of bounds for size {n}")));
            }
            let src_col = values::cast(&src.column(), zelf.dtype);
            if src_col.len() != 1 && src_col.len() != indices.len() {
                return Err(vm.new_value_error(format!(
                    "shape mismatch: value array of shape {} could not be broadcast to indexing result of shape ({},)",
                    shape_str(src.dims()),
                    indices.len()
                )));
            }
            let mut packed = zelf.packed();
            let size = zelf.dtype.itemsize();
            let src_bytes = values::encode(&src_col, zelf.dtype);
            for (k, &i) in indices.iter().enumerate() {
                let j = k % src_col.len();
                packed[i * size..(i + 1) * size].copy_from_slice(&src_bytes[j * size..(j + 1) * size]);
            }
            zelf.write_packed(vm, &packed)
        }

        /// Sorted copy along the last axis (`kind` is ignored: NumPy's default
        /// quicksort is not stable, but equal values are indistinguishable),
        /// or the indices that sort it when `arg` is set (stable).
        #[pymethod]
        fn _sort_last(zelf: PyRef<Self>, arg: bool, vm: &VirtualMachine) -> PyResult {
            let shape = zelf.dims().to_vec();
            let len = shape.last().copied().unwrap_or(1);
            let col = zelf.column();
            let groups = if len == 0 { 0 } else { col.len() / len };
            let mut order: Vec<usize> = Vec::with_capacity(col.len());
            for g in 0..groups {
                let mut idx: Vec<usize> = (g * len..(g + 1) * len).collect();
                idx.sort_by(|&i, &j| sort_key_cmp(col.get(i), col.get(j)));
                order.extend(idx);
            }
            if arg {
                let positions: Vec<i64> = order.iter().map(|&i| (i % len.max(1)) as i64).collect();
                let out = Column::Int(positions);
                PyNdArray::new_owned(values::encode(&out, DType::Int64), DType::Int64, &shape)
                    .into_instance(zelf.class().to_owned(), vm)
            } else {
                let out = col.take(&order);
                PyNdArray::new_owned(values::encode(&out, zelf.dtype), zelf.dtype, &shape)
                    .into_instance(zelf.class().to_owned(), vm)
            }
        }

        /// Matrix product of 1-D/2-D arrays (`@`, `dot`, `matmul`): sums in
        /// index order (NumPy's BLAS order differs only in float rounding).
        #[pymethod]
        fn _matmul(zelf: PyRef<Self>, other: PyRef<PyNdArray>, vm: &VirtualMachine) -> PyResult {
            let (a, b) = (&*zelf, &*other);
            if a.layout.ndim() == 0 || b.layout.ndim() == 0 || a.layout.ndim() > 2 || b.layout.ndim() > 2 {
                return Err(vm.new_value_error(
                    "matmul: Input operand does not have enough dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)".to_owned(),
                ));
            }
            let (n, k) = if a.layout.ndim() == 2 { (a.dims()[0], a.dims()[1]) } else { (1, a.dims()[0]) };
            let (k2, m) = if b.layout.ndim() == 2 { (b.dims()[0], b.dims()[1]) } else { (b.dims()[0], 1) };
            if k != k2 {
                return Err(vm.new_value_error(format!(
                    "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size {k2} is different from {k})"
                )));
            }
            let common = DType::promote(a.dtype, b.dtype);
            let ct = if common == DType::Bool { DType::Bool } else { common };
            let x = values::cast(&a.column(), ct);
            let y = values::cast(&b.column(), ct);
            let mut out = Vec::with_capacity(n * m);
            for i in 0..n {
                for j in 0..m {
                    let mut acc: Option<Column> = None;
                    for t in 0..k {
                        let p = kernels::binary(BinOp::Mul, ct, &x.take(&[i * k + t]), &y.take(&[t * m + j]))
                            .map_err(|e| kernel_error(vm, e))?;
                        acc = Some(match acc {
                            None => p,
                            Some(s) => kernels::binary(BinOp::Add, ct, &s, &p).map_err(|e| kernel_error(vm, e))?,
                        });
                    }
                    out.push(match acc {
                        Some(c) => c.get(0),
                        None => values::cast(&Column::Int(vec![0]), ct).get(0),
                    });
                }
            }
            let shape: Vec<usize> = match (a.layout.ndim(), b.layout.ndim()) {
                (2, 2) => vec![n, m],
                (2, 1) => vec![n],
                (1, 2) => vec![m],
                _ => vec![],
            };
            let col = column_from_scalars(&out, ct);
            PyNdArray::new_owned(values::encode(&col, ct), ct, &shape).into_instance(zelf.class().to_owned(), vm)
        }
    }

    fn sort_key_cmp(a: Scalar, b: Scalar) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        // NaN sorts last, as in NumPy.
        let nan = |s: Scalar| match s {
            Scalar::Float(x) => x.is_nan(),
            Scalar::Long(x) => x.is_nan(),
            _ => false,
        };
        match (nan(a), nan(b)) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => match (a, b) {
                (Scalar::Int(x), Scalar::Int(y)) => x.cmp(&y),
                (Scalar::UInt(x), Scalar::UInt(y)) => x.cmp(&y),
                (Scalar::Bool(x), Scalar::Bool(y)) => x.cmp(&y),
                (Scalar::Long(x), Scalar::Long(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                (Scalar::LongComplex(p, q), Scalar::LongComplex(r, t)) => {
                    (p, q).partial_cmp(&(r, t)).unwrap_or(Ordering::Equal)
                }
                (Scalar::Complex(..), _) | (_, Scalar::Complex(..)) => {
                    values::as_complex(a).partial_cmp(&values::as_complex(b)).unwrap_or(Ordering::Equal)
                }
                _ => values::as_f64(a).partial_cmp(&values::as_f64(b)).unwrap_or(Ordering::Equal),
            },
        }
    }

    fn mask_indices(arr: &PyNdArray, mask: &PyNdArray, vm: &VirtualMachine) -> PyResult<Vec<usize>> {
        if mask.dims() != arr.dims() {
            return Err(vm.new_index_error(format!(
                "boolean index did not match indexed array along axis 0; size of axis is {} but size of corresponding boolean axis is {}",
                arr.dims().first().copied().unwrap_or(0),
                mask.dims().first().copied().unwrap_or(0)
            )));
        }
        let Column::Bool(flags) = values::cast(&mask.column(), DType::Bool) else { unreachable!() };
        Ok(flags.iter().enumerate().filter(|&(_, &f)| f).map(|(i, _)| i).collect())
    }

    /// `arr`'s values broadcast to `shape`, in C order.
    fn broadcast_column(arr: &PyNdArray, shape: &[usize]) -> Column {
        let layout = arr.layout.broadcast_to(shape).expect("shapes were checked to broadcast");
        let bytes = arr.storage.read();
        values::decode(&layout::gather(&bytes, &layout, arr.dtype.itemsize()), arr.dtype)
    }

    /// Reorders values computed with `axis` moved last back to C order of `shape`.
    fn unmove_axis(col: &Column, shape: &[usize], axis: usize) -> Column {
        let ndim = shape.len();
        let mut order: Vec<usize> = (0..ndim).filter(|&a| a != axis).collect();
        order.push(axis);
        let moved_shape: Vec<usize> = order.iter().map(|&a| shape[a]).collect();
        let moved_strides = layout::c_strides(&moved_shape, 1);
        // Strides (in elements) of the moved layout, seen in original axis order.
        let mut strides = vec![0isize; ndim];
        for (k, &a) in order.iter().enumerate() {
            strides[a] = moved_strides[k];
        }
        let view = Layout { offset: 0, shape: shape.to_vec(), strides };
        let mut picks = Vec::with_capacity(col.len());
        view.for_each_offset(|o| picks.push(o));
        col.take(&picks)
    }

    fn shape_str(shape: &[usize]) -> String {
        match shape.len() {
            1 => format!("({},)", shape[0]),
            _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",")),
        }
    }

    impl AsBuffer for PyNdArray {
        fn as_buffer(zelf: &Py<Self>, _vm: &VirtualMachine) -> PyResult<PyBuffer> {
            Ok(PyBuffer::new(zelf.to_owned().into(), zelf.buffer_desc(), &BUFFER_METHODS))
        }

        fn slot_as_buffer(zelf: &PyObject, flags: BufferFlags, vm: &VirtualMachine) -> PyResult<PyBuffer> {
            let zelf =
                zelf.downcast_ref::<Self>().ok_or_else(|| vm.new_type_error("unexpected payload for as_buffer"))?;
            let desc = zelf.buffer_desc();
            if flags.contains(BufferFlags::C_CONTIGUOUS) && !zelf.layout.is_c_contiguous(zelf.dtype.itemsize()) {
                return Err(vm.new_buffer_error("ndarray is not C-contiguous".to_owned()));
            }
            if !flags.contains(BufferFlags::STRIDES) && !zelf.layout.is_c_contiguous(zelf.dtype.itemsize()) {
                return Err(vm.new_buffer_error("ndarray is not C-contiguous".to_owned()));
            }
            let desc = desc.projected(flags);
            flags.check_writable(desc.readonly, "buffer source array is read-only", vm)?;
            Ok(PyBuffer::new(zelf.to_owned().into(), desc, &BUFFER_METHODS))
        }
    }

    /// Where the elements of an array in C order lie in its storage.
    fn c_order_range(array: &PyNdArray) -> Option<std::ops::Range<usize>> {
        if !array.layout.is_c_contiguous(array.dtype.itemsize()) {
            return None;
        }
        let start = usize::try_from(array.layout.offset).ok()?;
        Some(start..start + array.layout.size() * array.dtype.itemsize())
    }

    /// A copy of the elements of `obj` if it is an array in C order: MPI's
    /// common case, a message that is an array's memory as it is.
    pub fn c_order_bytes(obj: &PyObject) -> Option<Vec<u8>> {
        let array = obj.downcast_ref::<PyNdArray>()?;
        Some(array.storage.read()[c_order_range(array)?].to_vec())
    }

    /// The bytes a writeable array in C order holds (`None` for any other object).
    pub fn c_order_room(obj: &PyObject) -> Option<usize> {
        let array = obj.downcast_ref::<PyNdArray>()?;
        if !array.writeable.get() {
            return None;
        }
        c_order_range(array).map(|r| r.len())
    }

    /// Stores `data` at the front of the elements of a writeable array in
    /// C order; false (and nothing stored) for anything else or if it does
    /// not fit.
    pub fn store_c_order(obj: &PyObject, data: &[u8]) -> bool {
        let Some(array) = obj.downcast_ref::<PyNdArray>() else { return false };
        match c_order_range(array) {
            Some(range) if array.writeable.get() && data.len() <= range.len() => {
                array.storage.write()[range.start..range.start + data.len()].copy_from_slice(data);
                true
            }
            _ => false,
        }
    }

    impl PyNdArray {
        fn buffer_desc(&self) -> BufferDescriptor {
            let itemsize = self.dtype.itemsize();
            BufferDescriptor {
                len: self.layout.size() * itemsize,
                offset: self.layout.offset,
                readonly: !self.writeable.get(),
                itemsize,
                format: std::borrow::Cow::Borrowed(self.dtype.buffer_format()),
                dim_desc: self.layout.shape.iter().zip(&self.layout.strides).map(|(&d, &s)| (d, s, 0)).collect(),
            }
        }
    }

    static BUFFER_METHODS: BufferMethods = BufferMethods {
        obj_bytes: |buffer| {
            let arr = buffer.obj_as::<PyNdArray>();
            arr.storage.read()
        },
        obj_bytes_mut: |buffer| {
            let arr = buffer.obj_as::<PyNdArray>();
            arr.storage.write()
        },
        release: |_| {},
        retain: |_| {},
    };
}
