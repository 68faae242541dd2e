//! `_mpi`'s functions for the `multiprocessing` package: process slots and
//! the messages between processes, and the shared-heap objects (semaphores,
//! flags, pipes) that locks, events, queues and shared values are made of.
//!
//! The contract is the "Processes" and "Shared memory" sections of
//! `python/_mpi.pyi`. Everything that blocks publishes what it waits in (an
//! entry of `MP_OPS`) so that deadlocks between processes are reported like
//! deadlocks between ranks.

use crate::native::mpi_error;
use crate::rank::{RankContext, with_rank};
use mpi_core::{BlockedOp, Deadline, Endpoint, MpiError, SyncError};
use rustpython_vm::{PyResult, VirtualMachine, builtins::PyBaseExceptionRef};
use std::rc::Rc;

fn sync_error(vm: &VirtualMachine, e: SyncError) -> PyBaseExceptionRef {
    match e {
        SyncError::Stopped => mpi_error(vm, MpiError::Stopped),
        SyncError::Value(m) => vm.new_value_error(m),
        SyncError::Full(m) => vm.new_memory_error(m),
    }
}

fn op_named(vm: &VirtualMachine, name: &str) -> PyResult<BlockedOp> {
    BlockedOp::mp_named(name).ok_or_else(|| vm.new_value_error(format!("unknown multiprocessing call {name:?}")))
}

/// Runs `f` on the endpoint with the deadline `timeout` seconds from now.
fn with_deadline<T>(
    vm: &VirtualMachine,
    timeout: Option<f64>,
    f: impl FnOnce(&mut Endpoint, Option<&Deadline>) -> Result<T, SyncError>,
) -> PyResult<T> {
    if timeout.is_some_and(f64::is_nan) {
        return Err(vm.new_value_error("timeout must be a number".to_owned()));
    }
    let rank: Rc<RankContext> = with_rank(|r| r.clone());
    let host = rank.host.clone();
    let clock = move || host.clock();
    let deadline = timeout.map(|t| Deadline { at: clock() + t.max(0.0), clock: &clock });
    let mut ep = rank
        .endpoint
        .try_borrow_mut()
        .map_err(|_| vm.new_runtime_error("multiprocessing cannot be used inside a reduction operation".to_owned()))?;
    f(&mut ep, deadline.as_ref()).map_err(|e| sync_error(vm, e))
}

pub(crate) fn with_endpoint<T>(vm: &VirtualMachine, f: impl FnOnce(&mut Endpoint) -> Result<T, SyncError>) -> PyResult<T> {
    with_deadline(vm, None, |ep, _| f(ep))
}

/// A slot argument: any slot of the run, or ANY (-1) where `any_ok`.
fn slot_arg(vm: &VirtualMachine, slot: i64, any_ok: bool) -> PyResult<Option<u32>> {
    let slots = with_rank(|r| r.endpoint.borrow().world().slots());
    match slot {
        -1 if any_ok => Ok(None),
        s if (0..i64::from(slots)).contains(&s) => Ok(Some(s as u32)),
        s => Err(vm.new_value_error(format!("no process slot {s} in this run"))),
    }
}

fn tag_arg(tag: i32) -> Option<i32> {
    (tag >= 0).then_some(tag)
}

pub(crate) fn offset_arg(vm: &VirtualMachine, offset: i64) -> PyResult<usize> {
    usize::try_from(offset).map_err(|_| vm.new_value_error(format!("no shared object at offset {offset}")))
}

#[rustpython_vm::pymodule(sub, name = "_mpi")]
pub(crate) mod _mpi_processes {
    use super::*;
    use mpi_core::MpReceived;
    use rustpython_vm::{
        PyObjectRef,
        builtins::PyTupleRef,
        function::{ArgBytesLike, ArgIntoFloat, OptionalArg},
    };

    #[pyattr]
    const ANY: i32 = -1;
    /// How long a spawn waits for a detached process's slot to come free.
    const SLOT_WAIT_SECONDS: f64 = 10.0;
    const SLOT_POLL_SECONDS: f64 = 0.01;

    #[pyattr(name = "MP_OPS")]
    fn mp_ops(vm: &VirtualMachine) -> PyTupleRef {
        vm.ctx.new_tuple(BlockedOp::MP.iter().map(|op| vm.ctx.new_str(op.name()).into()).collect())
    }

    fn me() -> u32 {
        with_rank(|r| r.endpoint.borrow().world_rank())
    }

    #[pyfunction]
    fn mp_self() -> u32 {
        me()
    }

    #[pyfunction]
    fn mp_parent() -> i64 {
        with_rank(|r| r.endpoint.borrow().world().parent_of(me())).map_or(-1, i64::from)
    }

    #[pyfunction]
    fn mp_rank() -> u32 {
        with_rank(|r| r.endpoint.borrow().world().root_rank(me()))
    }

    #[pyfunction]
    fn mp_cpu_count() -> usize {
        with_rank(|r| r.host.cpu_count()).max(1)
    }

    #[pyfunction]
    fn mp_pid(slot: i64, vm: &VirtualMachine) -> PyResult<u32> {
        let slot = slot_arg(vm, slot, false)?.expect("not ANY");
        Ok(with_rank(|r| r.host.pid(slot)))
    }

    #[pyfunction]
    fn mp_spawn(name: String, vm: &VirtualMachine) -> PyResult<u32> {
        let rank = with_rank(|r| r.clone());
        let world = rank.endpoint.borrow().world().clone();
        // Spawned processes that are ending free their slots soon after:
        // a program that spawns again right after a Disconnect waits for them.
        let mut waited = 0.0;
        let slot = loop {
            if let Some(slot) = world.reserve_process(me()) {
                break slot;
            }
            if waited >= SLOT_WAIT_SECONDS || !world.detached_slot_pending() {
                return Err(vm.new_runtime_error(format!(
                    "cannot start another process: a run may have at most {} processes at once",
                    world.layout().processes
                )));
            }
            vm.check_signals()?;
            rank.host.sleep(SLOT_POLL_SECONDS);
            waited += SLOT_POLL_SECONDS;
        };
        if let Err(why) = rank.host.spawn_process(slot, &name) {
            world.end_process(slot, 1);
            return Err(vm.new_os_error(format!("cannot start process {name}: {why}")));
        }
        Ok(slot)
    }

    /// Nobody will join process `slot` (a spawned MPI process): its slot
    /// may be reused once it has ended.
    #[pyfunction]
    fn mp_detach(slot: i64, vm: &VirtualMachine) -> PyResult<()> {
        let slot = slot_arg(vm, slot, false)?.expect("not ANY");
        with_rank(|r| r.endpoint.borrow().world().mark_recyclable(slot));
        Ok(())
    }

    #[pyfunction]
    fn mp_send(slot: i64, tag: i32, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let dest = slot_arg(vm, slot, false)?.expect("not ANY");
        let bytes = data.borrow_buf().to_vec();
        with_endpoint(vm, |ep| Ok(ep.mp_send(dest, tag.max(0), bytes)?))
    }

    #[pyfunction]
    fn mp_recv(
        slot: i64,
        tag: i32,
        timeout: Option<ArgIntoFloat>,
        op: String,
        watch: OptionalArg<Vec<u32>>,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        let source = slot_arg(vm, slot, true)?;
        let op = op_named(vm, &op)?;
        let watch = watch.unwrap_or_default();
        let got = with_deadline(vm, timeout.map(ArgIntoFloat::into_float), |ep, d| {
            Ok(ep.mp_recv(source, tag_arg(tag), op, d, &watch)?)
        })?;
        Ok(match got {
            MpReceived::Message { data, source, tag } => vm.new_tuple((vm.ctx.new_bytes(data), source, tag)).into(),
            MpReceived::Ended(slot) => vm.new_tuple((vm.ctx.none(), slot, ANY)).into(),
            MpReceived::TimedOut => vm.ctx.none(),
        })
    }

    #[pyfunction]
    fn mp_poll(slot: i64, tag: i32, vm: &VirtualMachine) -> PyResult<bool> {
        let source = slot_arg(vm, slot, true)?;
        with_endpoint(vm, |ep| Ok(ep.mp_poll(source, tag_arg(tag))?))
    }

    #[pyfunction]
    fn mp_join(slot: i64, timeout: Option<ArgIntoFloat>, vm: &VirtualMachine) -> PyResult<Option<i32>> {
        let slot = slot_arg(vm, slot, false)?.expect("not ANY");
        with_deadline(vm, timeout.map(ArgIntoFloat::into_float), |ep, d| Ok(ep.mp_join(slot, d)?))
    }

    #[pyfunction]
    fn mp_exitcode(slot: i64, vm: &VirtualMachine) -> PyResult<Option<i32>> {
        let slot = slot_arg(vm, slot, false)?.expect("not ANY");
        Ok(with_rank(|r| r.endpoint.borrow().world().process_exit(slot)))
    }

    #[pyfunction]
    fn mp_terminate(slot: i64, vm: &VirtualMachine) -> PyResult<()> {
        let slot = slot_arg(vm, slot, false)?.expect("not ANY");
        let rank = with_rank(|r| r.clone());
        let killed = rank.endpoint.borrow().world().kill_process(slot);
        if killed {
            rank.host.kill_process(slot);
        }
        Ok(())
    }

    // ----- the shared heap -----

    /// The run's name service table (`MPI.Publish_name`): its heap offset.
    #[pyfunction]
    fn service_table(vm: &VirtualMachine) -> PyResult<usize> {
        with_endpoint(vm, |ep| ep.world().service_table())
    }

    #[pyfunction]
    fn shm_alloc(nbytes: i64, vm: &VirtualMachine) -> PyResult<usize> {
        let n = usize::try_from(nbytes).map_err(|_| vm.new_value_error("nbytes must be >= 0".to_owned()))?;
        with_endpoint(vm, |ep| ep.world().heap_alloc(n))
    }

    #[pyfunction]
    fn shm_read(offset: i64, nbytes: i64, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let offset = offset_arg(vm, offset)?;
        let n = usize::try_from(nbytes).map_err(|_| vm.new_value_error("nbytes must be >= 0".to_owned()))?;
        let mut buf = vec![0u8; n];
        with_endpoint(vm, |ep| ep.world().heap_read(offset, &mut buf))?;
        Ok(vm.ctx.new_bytes(buf).into())
    }

    #[pyfunction]
    fn shm_write(offset: i64, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        let bytes = data.borrow_buf().to_vec();
        with_endpoint(vm, |ep| ep.world().heap_write(offset, &bytes))
    }

    #[pyfunction]
    fn sem_acquire(
        offset: i64,
        block: bool,
        timeout: Option<ArgIntoFloat>,
        op: String,
        vm: &VirtualMachine,
    ) -> PyResult<bool> {
        let (offset, op) = (offset_arg(vm, offset)?, op_named(vm, &op)?);
        with_deadline(vm, timeout.map(ArgIntoFloat::into_float), |ep, d| ep.sem_acquire(offset, block, d, op))
    }

    #[pyfunction]
    fn sem_release(offset: i64, maxvalue: i64, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        let max = u32::try_from(maxvalue).ok();
        with_endpoint(vm, |ep| ep.sem_release(offset, max))
    }

    #[pyfunction]
    fn sem_value(offset: i64, vm: &VirtualMachine) -> PyResult<u32> {
        let offset = offset_arg(vm, offset)?;
        with_endpoint(vm, |ep| ep.flag_get(offset))
    }

    #[pyfunction]
    fn flag_set(offset: i64, value: u32, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        with_endpoint(vm, |ep| ep.flag_set(offset, value))
    }

    #[pyfunction]
    fn flag_get(offset: i64, vm: &VirtualMachine) -> PyResult<u32> {
        let offset = offset_arg(vm, offset)?;
        with_endpoint(vm, |ep| ep.flag_get(offset))
    }

    #[pyfunction]
    fn flag_wait(offset: i64, timeout: Option<ArgIntoFloat>, op: String, vm: &VirtualMachine) -> PyResult<bool> {
        let (offset, op) = (offset_arg(vm, offset)?, op_named(vm, &op)?);
        with_deadline(vm, timeout.map(ArgIntoFloat::into_float), |ep, d| ep.flag_wait(offset, d, op))
    }

    #[pyfunction]
    fn pipe_new(capacity: i64, vm: &VirtualMachine) -> PyResult<usize> {
        let capacity = usize::try_from(capacity).unwrap_or(0);
        with_endpoint(vm, |ep| ep.pipe_new(capacity))
    }

    #[pyfunction]
    fn pipe_put(offset: i64, data: ArgBytesLike, op: String, vm: &VirtualMachine) -> PyResult<()> {
        let (offset, op) = (offset_arg(vm, offset)?, op_named(vm, &op)?);
        let bytes = data.borrow_buf().to_vec();
        with_endpoint(vm, |ep| ep.pipe_put(offset, &bytes, op))
    }

    #[pyfunction]
    fn pipe_get(offset: i64, timeout: Option<ArgIntoFloat>, op: String, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let (offset, op) = (offset_arg(vm, offset)?, op_named(vm, &op)?);
        let item = with_deadline(vm, timeout.map(ArgIntoFloat::into_float), |ep, d| ep.pipe_get(offset, d, op))?;
        Ok(item.map_or_else(|| vm.ctx.none(), |b| vm.ctx.new_bytes(b).into()))
    }

    #[pyfunction]
    fn pipe_count(offset: i64, vm: &VirtualMachine) -> PyResult<u32> {
        let offset = offset_arg(vm, offset)?;
        with_endpoint(vm, |ep| ep.pipe_count(offset))
    }
}
