//! `_mpi`'s functions for one-sided communication (`MPI.Win`): blocks of the
//! run's shared heap that hold windows' public copies, the window locks, and
//! bringing a rank's own copy of a window in step with its public copy.
//!
//! The contract is the "RMA windows" section of `python/_mpi.pyi`; the
//! reasons for a public copy are in mpi-core's `window` module.

#[rustpython_vm::pymodule(sub, name = "_mpi")]
pub(crate) mod _mpi_windows {
    use crate::processes::{offset_arg, with_endpoint};
    use crate::native::mpi_error;
    use mpi_core::ReduceOp;
    use rustpython_vm::{
        PyObjectRef, PyResult, VirtualMachine,
        function::{ArgBytesLike, ArgMemoryBuffer},
    };

    /// `acc op other`, elementwise, for a predefined op on a typed buffer:
    /// what `Accumulate` does to the target's bytes (`opname` and `typecode`
    /// as in reductions).
    #[pyfunction]
    fn combine(opname: String, typecode: String, acc: ArgBytesLike, other: ArgBytesLike, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let op = ReduceOp::from_name(&opname)
            .ok_or_else(|| vm.new_value_error(format!("no predefined reduction named {opname}")))?;
        let mut out = acc.borrow_buf().to_vec();
        mpi_core::combine(op, typecode.chars().next().unwrap_or('B'), &mut out, &other.borrow_buf())
            .map_err(|e| mpi_error(vm, e))?;
        Ok(vm.ctx.new_bytes(out).into())
    }

    /// Gives back a block `shm_alloc(nbytes)` returned.
    #[pyfunction]
    fn shm_free(offset: i64, nbytes: i64, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        let n = usize::try_from(nbytes).map_err(|_| vm.new_value_error("nbytes must be >= 0".to_owned()))?;
        with_endpoint(vm, |ep| ep.world().heap_free(offset, n))
    }

    /// Brings `private` and the public copy at `offset` in step (see
    /// `World::heap_sync`); `snapshot` is `private` as of the previous sync.
    #[pyfunction]
    fn shm_sync(offset: i64, private: ArgMemoryBuffer, snapshot: ArgMemoryBuffer, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        let (mut private, mut snapshot) = (private.borrow_buf_mut(), snapshot.borrow_buf_mut());
        with_endpoint(vm, |ep| ep.world().heap_sync(offset, &mut private, &mut snapshot))
    }

    /// Reads `len(into)` heap bytes at `offset` into a writable buffer.
    #[pyfunction]
    fn shm_read_into(offset: i64, into: ArgMemoryBuffer, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        let mut into = into.borrow_buf_mut();
        with_endpoint(vm, |ep| ep.world().heap_read(offset, &mut into))
    }

    /// Takes the window lock at `offset` (8 heap bytes), shared or exclusive.
    #[pyfunction]
    fn win_lock(offset: i64, exclusive: bool, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        with_endpoint(vm, |ep| ep.win_lock(offset, exclusive, None))
    }

    #[pyfunction]
    fn win_unlock(offset: i64, vm: &VirtualMachine) -> PyResult<()> {
        let offset = offset_arg(vm, offset)?;
        with_endpoint(vm, |ep| ep.win_unlock(offset))
    }
}
