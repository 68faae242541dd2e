//! `_mpi`: the native module under `mpi4py.MPI`.
//!
//! It binds the rank's [`Endpoint`] (held in a thread-local [`RankContext`]:
//! one rank per thread natively, one per Web Worker in the browser) to Python:
//! bytes in, bytes out, int handles for communicators and requests. Its
//! contract with the Python layer is `python/_mpi.pyi`. Objects are pickled by
//! the Python layer; everything that blocks, validates or keeps state is here.

use crate::rank::with_rank;
use mpi_core::misuse::CollSig;
use mpi_core::trace::Call;
use mpi_core::{
    ANY_SOURCE, ANY_TAG, Completion, Endpoint, ErrorClass, MpiError, PROC_NULL, ReduceOp, SendMode, TAG_UB, UNDEFINED,
};
use rustpython_vm::{
    PyObjectRef, PyResult, TryFromObject, VirtualMachine,
    builtins::{PyBaseExceptionRef, PyBytes, PyTuple, PyTupleRef},
    function::{ArgBytesLike, ArgIntoFloat, ArgSequence},
};

/// Why a reduction's fold stopped: an MPI error, or the user's op raised.
pub(crate) enum OpFailure {
    Mpi(MpiError),
    Py(PyBaseExceptionRef),
}

impl From<MpiError> for OpFailure {
    fn from(e: MpiError) -> Self {
        OpFailure::Mpi(e)
    }
}

/// Converts an engine error into the Python exception the user sees.
pub(crate) fn mpi_error(vm: &VirtualMachine, err: MpiError) -> PyBaseExceptionRef {
    match err {
        MpiError::Stopped => {
            let cls = with_rank(|r| r.stopped_class.clone());
            vm.new_exception_msg(cls, "the run was stopped".into())
        }
        MpiError::Mpi { class, message } => {
            let registered = with_rank(|r| r.error_class.borrow().clone());
            if let Some(cls) = registered {
                match cls.call((class as i32, message.clone()), vm) {
                    Ok(exc) => match exc.downcast::<rustpython_vm::builtins::PyBaseException>() {
                        Ok(e) => return e,
                        Err(_) => return vm.new_runtime_error(message),
                    },
                    Err(e) => return e,
                }
            }
            vm.new_runtime_error(message)
        }
    }
}

fn op_failure(vm: &VirtualMachine, f: OpFailure) -> PyBaseExceptionRef {
    match f {
        OpFailure::Mpi(e) => mpi_error(vm, e),
        OpFailure::Py(e) => e,
    }
}

/// Runs `f` on this rank's endpoint, mapping engine errors to Python ones.
fn with_ep<T>(vm: &VirtualMachine, f: impl FnOnce(&mut Endpoint) -> mpi_core::Result<T>) -> PyResult<T> {
    let rank = with_rank(|r| r.clone());
    let mut ep = rank
        .endpoint
        .try_borrow_mut()
        .map_err(|_| vm.new_runtime_error("MPI cannot be called from inside a reduction operation".to_owned()))?;
    f(&mut ep).map_err(|e| mpi_error(vm, e))
}

/// The line of the innermost frame of the user's script, 0 if none is on the
/// stack (a call from a module the script imported shows where the script
/// called into that module).
fn script_line(script_path: &str) -> u32 {
    // The interpreter's own frame chain, read in place: `vm.current_frame()`
    // and `f_back` would make a frame object per level, and a frame
    // object's `f_lineno` decodes the line table from its start, which a
    // recording rank would pay at every call.
    let mut frame = rustpython_vm::frame::current_thread_iframe();
    // SAFETY: the frames on this thread's chain stay alive and in place
    // while the native call made from the innermost one runs, and only
    // this thread touches them.
    while let Some(f) = unsafe { frame.as_ref() } {
        let code = f.code();
        if code.source_path().as_str() == script_path {
            // `lasti` is the index of the instruction after the running one.
            let lasti = f.get_lasti() as usize;
            return match lasti.checked_sub(1).and_then(|i| code.locations.get(i)) {
                Some((start, _)) => start.line.get() as u32,
                None => code.first_line_number.map_or(0, |l| l.get() as u32),
            };
        }
        frame = f.previous();
    }
    0
}

/// [`with_ep`] for an MPI call the timeline shows: while the run records,
/// the call's begin (with its script line) and end go into the rank's
/// trace; a collective's messages carry its signature (`mpi_core::misuse`).
/// `peer` is a rank of `comm` (or -1), as the user passed it; a
/// collective's root.
fn with_call<T>(
    vm: &VirtualMachine,
    call: Call,
    comm: u32,
    peer: i32,
    tag: i32,
    f: impl FnOnce(&mut Endpoint) -> mpi_core::Result<T>,
) -> PyResult<T> {
    let begun = begin_call(call, comm, peer, tag, (0, 0));
    let result = with_ep(vm, f);
    if begun {
        end_call(call);
    }
    result
}

/// What a call does before it runs: its script line (which the requests
/// it starts and the messages it sends carry, for the end-of-run
/// warnings), and if need be its begin in the trace and its collective
/// signature (`op`: a predefined reduction's code and the bytes each
/// member gives). True if [`end_call`] must follow.
fn begin_call(call: Call, comm: u32, peer: i32, tag: i32, op: (u8, u32)) -> bool {
    let rank = with_rank(|r| r.clone());
    let Ok(mut ep) = rank.endpoint.try_borrow_mut() else { return false };
    let line = script_line(&rank.script_path);
    ep.set_call_line(line);
    let tracing = ep.tracing();
    if !tracing && !call.is_collective() {
        return false;
    }
    if call.is_collective() {
        ep.set_collective(Some(CollSig { call, root: peer, op: op.0, count: op.1, line }));
    }
    if tracing {
        ep.trace_begin(call, line, comm, peer, tag);
    }
    true
}

fn end_call(call: Call) {
    with_rank(|r| {
        if let Ok(mut ep) = r.endpoint.try_borrow_mut() {
            ep.set_collective(None);
            ep.trace_end(call);
        }
    });
}

fn completion(vm: &VirtualMachine, c: Completion) -> PyTupleRef {
    let data: PyObjectRef = match c.data {
        Some(d) => vm.ctx.new_bytes(d).into(),
        None => vm.ctx.none(),
    };
    vm.new_tuple((data, c.source, c.tag))
}

fn int_list<T: Into<i64>>(vm: &VirtualMachine, items: impl IntoIterator<Item = T>) -> PyObjectRef {
    vm.ctx.new_list(items.into_iter().map(|i| vm.ctx.new_int(i.into()).into()).collect()).into()
}

fn bool_list(vm: &VirtualMachine, items: &[bool]) -> PyObjectRef {
    vm.ctx.new_list(items.iter().map(|b| vm.ctx.new_bool(*b).into()).collect()).into()
}

fn bytes_list(vm: &VirtualMachine, items: Vec<Vec<u8>>) -> PyObjectRef {
    vm.ctx.new_list(items.into_iter().map(|b| vm.ctx.new_bytes(b).into()).collect()).into()
}

fn to_vecs(items: ArgSequence<ArgBytesLike>) -> Vec<Vec<u8>> {
    items.into_vec().into_iter().map(|b| b.borrow_buf().to_vec()).collect()
}

/// The fold function of a reduction: a Python callable on bytes, or a
/// predefined op on a typed buffer (`(opname, typecode)`).
fn make_op(
    vm: &VirtualMachine,
    op: PyObjectRef,
) -> PyResult<Box<dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, OpFailure> + '_>> {
    if let Some(pair) = op.downcast_ref::<PyTuple>() {
        let [name, typecode] = pair.as_slice() else {
            return Err(vm.new_type_error("a predefined reduction is an (opname, typecode) pair".to_owned()));
        };
        let (name, typecode) =
            (String::try_from_object(vm, name.clone())?, String::try_from_object(vm, typecode.clone())?);
        let rop = ReduceOp::from_name(&name)
            .ok_or_else(|| vm.new_value_error(format!("no predefined reduction named {name}")))?;
        let tc = typecode.chars().next().unwrap_or('B');
        return Ok(Box::new(move |mut acc, other| {
            mpi_core::combine(rop, tc, &mut acc, &other)?;
            Ok(acc)
        }));
    }
    Ok(Box::new(move |a, b| {
        let r = op.call((vm.ctx.new_bytes(a), vm.ctx.new_bytes(b)), vm).map_err(OpFailure::Py)?;
        let bytes = r
            .downcast::<PyBytes>()
            .map_err(|_| OpFailure::Py(vm.new_type_error("a reduction must return bytes".to_owned())))?;
        Ok(bytes.as_bytes().to_vec())
    }))
}

/// A reduction run on the endpoint: the op may call back into Python, so the
/// endpoint is borrowed for the call and Python re-entry into MPI is refused.
fn reduce_with<T>(
    vm: &VirtualMachine,
    call: Call,
    comm: u32,
    root: i32,
    len: usize,
    op: PyObjectRef,
    f: impl FnOnce(&mut Endpoint, &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, OpFailure>) -> Result<T, OpFailure>,
) -> PyResult<T> {
    // A predefined reduction names its op, and every member gives as many bytes.
    let predefined = op
        .downcast_ref::<PyTuple>()
        .and_then(|pair| pair.as_slice().first().and_then(|n| String::try_from_object(vm, n.clone()).ok()))
        .map_or((0, 0), |name| (CollSig::op_named(&name), len as u32));
    let mut fold = make_op(vm, op)?;
    let rank = with_rank(|r| r.clone());
    if rank.endpoint.try_borrow_mut().is_err() {
        return Err(vm.new_runtime_error("MPI cannot be called from inside a reduction operation".to_owned()));
    }
    let begun = begin_call(call, comm, root, -1, predefined);
    let mut ep = rank.endpoint.borrow_mut();
    let result = f(&mut ep, &mut *fold).map_err(|e| op_failure(vm, e));
    drop(ep);
    if begun {
        end_call(call);
    }
    result
}

use crate::processes::_mpi_processes;
use crate::windows::_mpi_windows;

#[rustpython_vm::pymodule(with(_mpi_processes, _mpi_windows))]
pub(crate) mod _mpi {
    use super::*;
    use rustpython_vm::AsObject;
    use rustpython_vm::builtins::{PyByteArray, PyDictRef, PyList};

    #[pyattr]
    const WORLD: u32 = mpi_core::WORLD_CTX;
    #[pyattr]
    const SELF: u32 = mpi_core::SELF_CTX;
    #[pyattr]
    const COMM_NULL: u32 = mpi_core::COMM_NULL;
    #[pyattr(name = "PROC_NULL")]
    const PROC_NULL_: i32 = PROC_NULL;
    #[pyattr(name = "ANY_SOURCE")]
    const ANY_SOURCE_: i32 = ANY_SOURCE;
    #[pyattr(name = "ANY_TAG")]
    const ANY_TAG_: i32 = ANY_TAG;
    #[pyattr(name = "UNDEFINED")]
    const UNDEFINED_: i32 = UNDEFINED;
    #[pyattr(name = "TAG_UB")]
    const TAG_UB_: i32 = TAG_UB;
    #[pyattr]
    const CART: i32 = 2;

    #[pyattr(name = "ERR")]
    fn err_classes(vm: &VirtualMachine) -> PyDictRef {
        let d = vm.ctx.new_dict();
        for c in ErrorClass::ALL {
            d.set_item(c.name(), vm.ctx.new_int(c as i32).into(), vm).expect("a str key always works");
        }
        d
    }

    #[pyattr(name = "RunStopped")]
    fn run_stopped(_vm: &VirtualMachine) -> PyObjectRef {
        with_rank(|r| r.stopped_class.clone()).into()
    }

    #[pyfunction]
    fn set_error_class(cls: PyObjectRef) {
        with_rank(|r| *r.error_class.borrow_mut() = Some(cls));
    }

    #[pyfunction]
    fn error_string(code: i32) -> String {
        match ErrorClass::from_code(code) {
            Some(c) => c.description().to_owned(),
            None if code == 0 => "No MPI error".to_owned(),
            None => format!("Unknown error class {code}"),
        }
    }

    #[pyfunction]
    fn rank(comm: u32, vm: &VirtualMachine) -> PyResult<u32> {
        with_ep(vm, |ep| ep.comm_rank(comm))
    }

    #[pyfunction]
    fn size(comm: u32, vm: &VirtualMachine) -> PyResult<u32> {
        with_ep(vm, |ep| ep.comm_size(comm))
    }

    #[pyfunction]
    fn group_ranks(comm: u32, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        with_ep(vm, |ep| ep.comm_group(comm)).map(|g| int_list(vm, g))
    }

    #[pyfunction]
    fn wtime() -> f64 {
        with_rank(|r| r.host.wtime())
    }

    #[pyfunction]
    fn wtick() -> f64 {
        1e-9
    }

    /// `time.sleep` in the browser (see rank.rs); same errors as CPython's.
    #[pyfunction]
    fn sleep(seconds: ArgIntoFloat, vm: &VirtualMachine) -> PyResult<()> {
        let seconds = seconds.into_float();
        if seconds.is_nan() {
            return Err(vm.new_value_error("Invalid value NaN (not a number)"));
        }
        if seconds < 0.0 {
            return Err(vm.new_value_error("sleep length must be non-negative"));
        }
        with_rank(|r| r.host.sleep(seconds));
        Ok(())
    }

    #[pyfunction]
    fn clock() -> f64 {
        with_rank(|r| r.host.clock())
    }

    /// The address of a buffer's first byte (`MPI.Get_address`): what a C
    /// program's `&x` would be, for absolute displacements from MPI.BOTTOM.
    #[pyfunction]
    fn address(data: ArgBytesLike) -> usize {
        data.borrow_buf().as_ptr() as usize
    }

    #[pyfunction]
    fn processor_name() -> String {
        with_rank(|r| r.host.processor_name())
    }

    #[pyfunction]
    fn abort(_comm: u32, code: i32, vm: &VirtualMachine) -> PyResult<()> {
        with_rank(|r| r.endpoint.borrow().abort(code));
        Err(mpi_error(vm, MpiError::Stopped))
    }

    // ----- point to point -----

    #[pyfunction]
    fn send(comm: u32, data: ArgBytesLike, dest: i32, tag: i32, mode: u32, vm: &VirtualMachine) -> PyResult<()> {
        let mode = send_mode(mode, vm)?;
        let data = data.borrow_buf().to_vec();
        with_call(vm, send_call(mode, false), comm, dest, tag, |ep| ep.send(comm, dest, tag, data, mode))
    }

    /// Registers mpi4py's `Datatype` class and the predefined types whose
    /// instances are their bytes with no gap, `{_id: size}`: a message
    /// `[buffer, MPI.INT]` of one of them is as plain as the buffer alone.
    #[pyfunction]
    fn set_plain_datatypes(cls: PyObjectRef, sizes: PyDictRef, vm: &VirtualMachine) -> PyResult<()> {
        let mut table = std::collections::HashMap::new();
        for (id, size) in sizes {
            table.insert(id.try_into_value::<u64>(vm)?, size.try_into_value::<usize>(vm)?);
        }
        with_rank(|r| *r.plain_datatypes.borrow_mut() = Some((cls, table)));
        Ok(())
    }

    /// The buffer of a message spec that `send_plain` and `recv_into` may
    /// take, and the size its byte length must be a multiple of: a buffer
    /// alone (1), or `[buffer, datatype]` of a registered predefined type.
    fn plain_spec(msg: &PyObjectRef, vm: &VirtualMachine) -> Option<(PyObjectRef, usize)> {
        let pair = match (msg.downcast_ref::<PyList>(), msg.downcast_ref::<PyTuple>()) {
            (Some(list), _) => list.borrow_vec().to_vec(),
            (None, Some(tuple)) => tuple.as_slice().to_vec(),
            (None, None) => return Some((msg.clone(), 1)),
        };
        let [buf, datatype] = <[PyObjectRef; 2]>::try_from(pair).ok()?;
        with_rank(|r| {
            let plain = r.plain_datatypes.borrow();
            let (cls, sizes) = plain.as_ref()?;
            if !datatype.class().is(cls) {
                return None;
            }
            let id = datatype.get_attr("_id", vm).ok()?.try_into_value::<u64>(vm).ok()?;
            sizes.get(&id).map(|&size| (buf, size))
        })
    }

    /// `Comm.Send` and `Ssend` of a plain message (a `bytes`, a `bytearray`
    /// or a NumPy array in C order, whose memory is the message as it is,
    /// alone or with a predefined datatype), the common case, which
    /// mpi4py's layer hands straight here: a Python call per message costs
    /// more than the message. Returns false, having done nothing, for any
    /// other message (and for an array while the run records: its timeline
    /// preview is made in Python), and for one whose length is no whole
    /// number of its datatype (the layer raises mpi4py's error).
    #[pyfunction]
    fn send_plain(comm: u32, msg: PyObjectRef, dest: i32, tag: i32, mode: u32, vm: &VirtualMachine) -> PyResult<bool> {
        let mode = send_mode(mode, vm)?;
        let Some((buf, item)) = plain_spec(&msg, vm) else { return Ok(false) };
        let data = if let Some(b) = buf.downcast_ref::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Some(b) = buf.downcast_ref::<PyByteArray>() {
            b.borrow_buf().to_vec()
        } else {
            match mpi_numpy::c_order_bytes(&buf) {
                Some(data) => data,
                None => return Ok(false),
            }
        };
        if data.len() % item != 0 {
            return Ok(false);
        }
        if recording() {
            let Some(preview) = quick_preview(&buf, vm) else { return Ok(false) };
            set_preview(preview);
        }
        with_call(vm, send_call(mode, false), comm, dest, tag, |ep| ep.send(comm, dest, tag, data, mode))?;
        Ok(true)
    }

    /// `Comm.Recv` into a plain message (a `bytearray` or a writeable NumPy
    /// array in C order, alone or with a predefined datatype; see
    /// `send_plain`): the message is stored at its front, or raises MPICH's
    /// truncation error if it does not fit. Returns false, having received
    /// nothing, for any other message.
    #[pyfunction]
    fn recv_into(comm: u32, msg: PyObjectRef, source: i32, tag: i32, vm: &VirtualMachine) -> PyResult<bool> {
        let Some((buf, item)) = plain_spec(&msg, vm) else { return Ok(false) };
        let bytearray = buf.downcast_ref::<PyByteArray>();
        let room = match bytearray {
            Some(b) => b.borrow_buf().len(),
            None => match mpi_numpy::c_order_room(&buf) {
                Some(room) => room,
                None => return Ok(false),
            },
        };
        if room % item != 0 {
            return Ok(false);
        }
        let got = with_call(vm, Call::Recv, comm, source, tag, |ep| ep.recv(comm, source, tag))?;
        let Some(data) = &got.data else { return Ok(true) };
        if data.len() > room {
            // The text of MPI.py's `_truncated`, which the long way raises.
            let detail = format!(
                "Message from rank {} and tag {} truncated; {} bytes received but buffer size is {room}",
                got.source,
                got.tag,
                data.len()
            );
            return Err(mpi_error(vm, MpiError::new(ErrorClass::Truncate, "MPI_Recv", detail)));
        }
        match bytearray {
            Some(b) => b.borrow_buf_mut()[..data.len()].copy_from_slice(data),
            None => {
                mpi_numpy::store_c_order(&buf, data);
            }
        }
        Ok(true)
    }

    #[pyfunction]
    fn recv(comm: u32, source: i32, tag: i32, vm: &VirtualMachine) -> PyResult<PyTupleRef> {
        with_call(vm, Call::Recv, comm, source, tag, |ep| ep.recv(comm, source, tag)).map(|c| completion(vm, c))
    }

    #[pyfunction]
    fn isend(comm: u32, data: ArgBytesLike, dest: i32, tag: i32, mode: u32, vm: &VirtualMachine) -> PyResult<u32> {
        let mode = send_mode(mode, vm)?;
        let data = data.borrow_buf().to_vec();
        with_call(vm, send_call(mode, true), comm, dest, tag, |ep| ep.isend(comm, dest, tag, data, mode))
    }

    /// How the timeline names a send in `mode`.
    fn send_call(mode: SendMode, nonblocking: bool) -> Call {
        match (mode, nonblocking) {
            (SendMode::Standard, false) => Call::Send,
            (SendMode::Synchronous, false) => Call::Ssend,
            (SendMode::Buffered, false) => Call::Bsend,
            (SendMode::Standard, true) => Call::Isend,
            (SendMode::Synchronous, true) => Call::Issend,
            (SendMode::Buffered, true) => Call::Ibsend,
        }
    }

    /// Gives the next send the preview of `obj` (the start of its `repr`),
    /// if the rank recorded at its latest call; `slow` makes it for what
    /// is not a plain number, string or bytes. Costs a check otherwise.
    #[pyfunction]
    fn trace_preview(obj: PyObjectRef, slow: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        if !recording() {
            return Ok(());
        }
        let preview = match quick_preview(&obj, vm) {
            Some(text) => text,
            None => slow.call((obj,), vm)?.str(vm)?.to_string_lossy().into_owned(),
        };
        set_preview(preview);
        Ok(())
    }

    /// Whether the rank recorded at its latest call (its sends then carry a preview).
    fn recording() -> bool {
        with_rank(|r| r.endpoint.try_borrow().is_ok_and(|ep| ep.recording()))
    }

    /// Gives the next send `preview`.
    fn set_preview(preview: String) {
        with_rank(|r| {
            if let Ok(mut ep) = r.endpoint.try_borrow_mut() {
                ep.set_preview(preview);
            }
        });
    }

    /// The preview of an int, float, bool, None, str or bytes, made here.
    fn quick_preview(obj: &PyObjectRef, vm: &VirtualMachine) -> Option<String> {
        use rustpython_vm::builtins::{PyFloat, PyInt, PyStr};
        let cut = |text: String| {
            if text.chars().count() <= 80 { text } else { text.chars().take(77).collect::<String>() + "..." }
        };
        if vm.is_none(obj) {
            return Some("None".to_owned());
        }
        if obj.downcast_ref::<PyInt>().is_some() || obj.downcast_ref::<PyFloat>().is_some() {
            return obj.repr(vm).ok().map(|r| cut(r.to_string_lossy().into_owned()));
        }
        if let Some(s) = obj.downcast_ref::<PyStr>() {
            let head: String = s.to_string_lossy().chars().take(80).collect();
            return PyObjectRef::from(vm.ctx.new_str(head)).repr(vm).ok().map(|r| cut(r.to_string_lossy().into_owned()));
        }
        let bytes = |b: &[u8]| {
            let head = vm.ctx.new_bytes(b[..b.len().min(24)].to_vec());
            let more = if b.len() > 24 { "..." } else { "" };
            PyObjectRef::from(head).repr(vm).ok().map(|r| format!("{}{more} ({} bytes)", r.to_string_lossy(), b.len()))
        };
        if let Some(b) = obj.downcast_ref::<PyBytes>() {
            return bytes(b.as_bytes());
        }
        if let Some(b) = obj.downcast_ref::<PyByteArray>() {
            return bytes(&b.borrow_buf());
        }
        None
    }

    /// `_mpi.SEND_STANDARD`, `SEND_SYNCHRONOUS` or `SEND_BUFFERED`.
    fn send_mode(code: u32, vm: &VirtualMachine) -> PyResult<SendMode> {
        SendMode::from_code(code).ok_or_else(|| vm.new_value_error(format!("no send mode {code}")))
    }

    #[pyattr]
    const SEND_STANDARD: u32 = 0;
    #[pyattr]
    const SEND_SYNCHRONOUS: u32 = 1;
    #[pyattr]
    const SEND_BUFFERED: u32 = 2;

    #[pyfunction]
    fn irecv(comm: u32, source: i32, tag: i32, vm: &VirtualMachine) -> PyResult<u32> {
        with_call(vm, Call::Irecv, comm, source, tag, |ep| ep.irecv(comm, source, tag))
    }

    /// One message of a nonblocking collective (`coll_isend`, `coll_irecv`):
    /// member ranks of `comm`, the collective context, the collective's tag.
    #[pyfunction]
    fn coll_isend(comm: u32, dest: i32, tag: i32, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<u32> {
        let data = data.borrow_buf().to_vec();
        with_ep(vm, |ep| ep.icoll_send(comm, dest, tag, data))
    }

    #[pyfunction]
    fn coll_irecv(comm: u32, source: i32, tag: i32, vm: &VirtualMachine) -> PyResult<u32> {
        with_ep(vm, |ep| ep.icoll_recv(comm, source, tag))
    }

    #[pyfunction]
    fn test(req: u32, vm: &VirtualMachine) -> PyResult<Option<PyTupleRef>> {
        with_ep(vm, |ep| ep.test(req)).map(|c| c.map(|c| completion(vm, c)))
    }

    #[pyfunction]
    fn wait(req: u32, vm: &VirtualMachine) -> PyResult<PyTupleRef> {
        with_call(vm, Call::Wait, 0, -1, -1, |ep| ep.wait(req)).map(|c| completion(vm, c))
    }

    #[pyfunction]
    fn waitany(reqs: Vec<u32>, vm: &VirtualMachine) -> PyResult<(usize, PyTupleRef)> {
        with_call(vm, Call::Waitany, 0, -1, -1, |ep| ep.waitany(&reqs)).map(|(i, c)| (i, completion(vm, c)))
    }

    #[pyfunction]
    fn waitall(reqs: Vec<u32>, vm: &VirtualMachine) -> PyResult<Vec<PyObjectRef>> {
        with_call(vm, Call::Waitall, 0, -1, -1, |ep| ep.waitall(&reqs))
            .map(|cs| cs.into_iter().map(|c| completion(vm, c).into()).collect())
    }

    #[pyfunction]
    fn cancel(req: u32, vm: &VirtualMachine) -> PyResult<()> {
        with_ep(vm, |ep| ep.cancel(req))
    }

    #[pyfunction]
    fn request_free(req: u32, vm: &VirtualMachine) -> PyResult<()> {
        with_ep(vm, |ep| {
            ep.free_request(req);
            Ok(())
        })
    }

    #[pyfunction]
    fn probe(comm: u32, source: i32, tag: i32, vm: &VirtualMachine) -> PyResult<(i32, i32, usize)> {
        with_call(vm, Call::Probe, comm, source, tag, |ep| ep.probe(comm, source, tag))
            .map(|p| (p.source, p.tag, p.len))
    }

    #[pyfunction]
    fn iprobe(comm: u32, source: i32, tag: i32, vm: &VirtualMachine) -> PyResult<Option<(i32, i32, usize)>> {
        with_ep(vm, |ep| ep.iprobe(comm, source, tag)).map(|p| p.map(|p| (p.source, p.tag, p.len)))
    }

    #[pyfunction]
    fn sendrecv(
        comm: u32,
        data: ArgBytesLike,
        dest: i32,
        sendtag: i32,
        source: i32,
        recvtag: i32,
        vm: &VirtualMachine,
    ) -> PyResult<PyTupleRef> {
        let data = data.borrow_buf().to_vec();
        with_call(vm, Call::Sendrecv, comm, dest, sendtag, |ep| ep.sendrecv(comm, data, dest, sendtag, source, recvtag))
            .map(|c| completion(vm, c))
    }

    // ----- collectives -----

    #[pyfunction]
    fn barrier(comm: u32, vm: &VirtualMachine) -> PyResult<()> {
        with_call(vm, Call::Barrier, comm, -1, -1, |ep| ep.barrier(comm))
    }

    #[pyfunction]
    fn bcast(comm: u32, data: Option<ArgBytesLike>, root: i32, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        let data = data.map(|d| d.borrow_buf().to_vec());
        with_call(vm, Call::Bcast, comm, root, -1, |ep| ep.bcast(comm, data, root))
    }

    #[pyfunction]
    fn gather(comm: u32, data: ArgBytesLike, root: i32, vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let data = data.borrow_buf().to_vec();
        with_call(vm, Call::Gather, comm, root, -1, |ep| ep.gather(comm, data, root))
            .map(|g| g.map(|items| bytes_list(vm, items)))
    }

    #[pyfunction]
    fn scatter(
        comm: u32,
        data: Option<ArgSequence<ArgBytesLike>>,
        root: i32,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<u8>> {
        let items = data.map(to_vecs);
        with_call(vm, Call::Scatter, comm, root, -1, |ep| ep.scatter(comm, items, root))
    }

    #[pyfunction]
    fn allgather(comm: u32, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let data = data.borrow_buf().to_vec();
        with_call(vm, Call::Allgather, comm, -1, -1, |ep| ep.allgather(comm, data)).map(|items| bytes_list(vm, items))
    }

    #[pyfunction]
    fn alltoall(comm: u32, data: ArgSequence<ArgBytesLike>, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let items = to_vecs(data);
        with_call(vm, Call::Alltoall, comm, -1, -1, |ep| ep.alltoall(comm, items)).map(|items| bytes_list(vm, items))
    }

    #[pyfunction]
    fn reduce(
        comm: u32,
        data: ArgBytesLike,
        op: PyObjectRef,
        root: i32,
        vm: &VirtualMachine,
    ) -> PyResult<Option<Vec<u8>>> {
        let data = data.borrow_buf().to_vec();
        reduce_with(vm, Call::Reduce, comm, root, data.len(), op, |ep, fold| ep.reduce(comm, data, root, fold))
    }

    #[pyfunction]
    fn allreduce(comm: u32, data: ArgBytesLike, op: PyObjectRef, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        let data = data.borrow_buf().to_vec();
        reduce_with(vm, Call::Allreduce, comm, -1, data.len(), op, |ep, fold| ep.allreduce(comm, data, fold))
    }

    #[pyfunction]
    fn scan(comm: u32, data: ArgBytesLike, op: PyObjectRef, vm: &VirtualMachine) -> PyResult<Option<Vec<u8>>> {
        let data = data.borrow_buf().to_vec();
        reduce_with(vm, Call::Scan, comm, -1, data.len(), op, |ep, fold| ep.scan(comm, data, false, fold))
    }

    #[pyfunction]
    fn exscan(comm: u32, data: ArgBytesLike, op: PyObjectRef, vm: &VirtualMachine) -> PyResult<Option<Vec<u8>>> {
        let data = data.borrow_buf().to_vec();
        reduce_with(vm, Call::Exscan, comm, -1, data.len(), op, |ep, fold| ep.scan(comm, data, true, fold))
    }

    // ----- communicators and topologies -----

    #[pyfunction]
    fn comm_dup(comm: u32, vm: &VirtualMachine) -> PyResult<u32> {
        with_call(vm, Call::CommDup, comm, -1, -1, |ep| ep.comm_dup(comm))
    }

    #[pyfunction]
    fn comm_split(comm: u32, color: i32, key: i32, vm: &VirtualMachine) -> PyResult<Option<u32>> {
        with_call(vm, Call::CommSplit, comm, -1, -1, |ep| ep.comm_split(comm, color, key))
    }

    #[pyfunction]
    fn is_inter(comm: u32, vm: &VirtualMachine) -> PyResult<bool> {
        with_ep(vm, |ep| Ok(ep.comm_is_inter(comm)?))
    }

    #[pyfunction]
    fn remote_group_ranks(comm: u32, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        with_ep(vm, |ep| ep.comm_remote_group(comm)).map(|g| int_list(vm, g))
    }

    #[pyfunction]
    fn intercomm_create(
        comm: u32,
        local_leader: i32,
        peer_comm: u32,
        remote_leader: i32,
        tag: i32,
        vm: &VirtualMachine,
    ) -> PyResult<u32> {
        with_call(vm, Call::IntercommCreate, comm, -1, -1, |ep| {
            ep.intercomm_create(comm, local_leader, peer_comm, remote_leader, tag)
        })
    }

    #[pyfunction]
    fn intercomm_from_groups(
        local: Vec<u32>,
        local_leader: i32,
        remote: Vec<u32>,
        remote_leader: i32,
        stringtag: String,
        vm: &VirtualMachine,
    ) -> PyResult<u32> {
        let tag = mpi_core::intercomm::string_tag(&stringtag);
        with_ep(vm, |ep| ep.intercomm_from_groups(local, local_leader, remote, remote_leader, tag))
    }

    /// A spawned child's `MPI_COMM_WORLD`: the children of its `Spawn` call.
    #[pyfunction]
    fn adopt_world(group: Vec<u32>, vm: &VirtualMachine) -> PyResult<()> {
        with_ep(vm, |ep| ep.adopt_world(group))
    }

    #[pyfunction]
    fn intercomm_merge(comm: u32, high: bool, vm: &VirtualMachine) -> PyResult<u32> {
        with_call(vm, Call::IntercommMerge, comm, -1, -1, |ep| ep.intercomm_merge(comm, high))
    }

    #[pyfunction]
    fn comm_create_group(comm: u32, group: Vec<u32>, tag: i32, vm: &VirtualMachine) -> PyResult<u32> {
        with_call(vm, Call::CommCreateGroup, comm, -1, -1, |ep| ep.comm_create_group(comm, group, tag))
    }

    #[pyfunction]
    fn comm_from_group(group: Vec<u32>, stringtag: String, vm: &VirtualMachine) -> PyResult<u32> {
        let tag = mpi_core::intercomm::string_tag(&stringtag);
        with_call(vm, Call::CommFromGroup, 0, -1, -1, |ep| ep.comm_from_group(group, tag))
    }

    #[pyfunction]
    fn comm_free(comm: u32, vm: &VirtualMachine) -> PyResult<()> {
        with_ep(vm, |ep| ep.comm_free(comm))
    }

    #[pyfunction]
    fn compute_dims(nnodes: i32, dims: Vec<i32>, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        mpi_core::compute_dims(nnodes, &dims).map(|d| int_list(vm, d)).map_err(|e| mpi_error(vm, e))
    }

    #[pyfunction]
    fn cart_create(
        comm: u32,
        dims: Vec<i32>,
        periods: Vec<bool>,
        reorder: bool,
        vm: &VirtualMachine,
    ) -> PyResult<Option<u32>> {
        with_call(vm, Call::CartCreate, comm, -1, -1, |ep| ep.cart_create(comm, &dims, &periods, reorder))
    }

    #[pyfunction]
    fn topo(comm: u32, vm: &VirtualMachine) -> PyResult<i32> {
        with_ep(vm, |ep| Ok(if ep.cart(comm)?.is_some() { CART } else { UNDEFINED }))
    }

    #[pyfunction]
    fn cart_get(comm: u32, vm: &VirtualMachine) -> PyResult<(PyObjectRef, PyObjectRef, PyObjectRef)> {
        let (dims, periods, coords) = with_ep(vm, |ep| {
            let me = ep.comm_rank(comm)? as i32;
            let coords = ep.cart_coords(comm, me)?;
            let cart = ep.cart(comm)?.expect("cart_coords checked the topology");
            Ok((cart.dims.clone(), cart.periods.clone(), coords))
        })?;
        Ok((int_list(vm, dims), bool_list(vm, &periods), int_list(vm, coords)))
    }

    #[pyfunction]
    fn cart_rank(comm: u32, coords: Vec<i32>, vm: &VirtualMachine) -> PyResult<i32> {
        with_ep(vm, |ep| ep.cart_rank(comm, &coords))
    }

    #[pyfunction]
    fn cart_coords(comm: u32, rank: i32, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        with_ep(vm, |ep| ep.cart_coords(comm, rank)).map(|c| int_list(vm, c))
    }

    #[pyfunction]
    fn cart_shift(comm: u32, direction: i32, disp: i32, vm: &VirtualMachine) -> PyResult<(i32, i32)> {
        with_ep(vm, |ep| ep.cart_shift(comm, direction, disp))
    }

    #[pyfunction]
    fn cart_sub(comm: u32, remain_dims: Vec<bool>, vm: &VirtualMachine) -> PyResult<u32> {
        with_call(vm, Call::CartSub, comm, -1, -1, |ep| ep.cart_sub(comm, &remain_dims))
    }

    // ----- output -----

    #[pyfunction]
    fn write(fd: i32, text: String) {
        with_rank(|r| r.write(fd, &text));
    }

    #[pyfunction]
    fn flush(fd: i32) {
        with_rank(|r| r.flush(fd));
    }
}

pub(crate) use _mpi::module_def;
