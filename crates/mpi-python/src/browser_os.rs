//! `posix` for the browser: what Python's `os` module needs to import, and
//! what tutorial scripts use of it, where there is no operating system.
//!
//! RustPython's own `posix` needs its `host_env` layer, which does not build
//! for wasm32-unknown-unknown; without a `posix` module `import os` (and with
//! it `random`, `tempfile`, much of the stdlib) fails. This stand-in gives each
//! rank a process id of its own (ranks are separate processes under mpiexec
//! too), a small environment, `urandom` from the browser's crypto, and file
//! calls that fail the way they would on an empty file system, with OSError.

#[rustpython_vm::pymodule(name = "posix")]
pub(crate) mod posix {
    use crate::rank::try_with_rank;
    use rustpython_vm::{
        PyObjectRef, PyResult, VirtualMachine,
        builtins::{PyBaseExceptionRef, PyDictRef, PyTypeRef},
        function::{FuncArgs, OptionalArg},
    };

    /// Process ids start here; rank r is FIRST_PID + r.
    const FIRST_PID: u32 = 1000;

    #[pyattr]
    fn error(vm: &VirtualMachine) -> PyTypeRef {
        vm.ctx.exceptions.os_error.to_owned()
    }

    /// None of the `dir_fd`/`fd`/`follow_symlinks` variants exist here; os.py
    /// builds its `supports_*` sets from this list.
    #[pyattr]
    fn _have_functions(vm: &VirtualMachine) -> PyObjectRef {
        vm.ctx.new_list(Vec::new()).into()
    }

    #[pyattr]
    fn environ(vm: &VirtualMachine) -> PyDictRef {
        let env = vm.ctx.new_dict();
        for (k, v) in [("HOME", "/home/mpi"), ("PWD", "/"), ("LANG", "C.UTF-8"), ("USER", "mpi"), ("PATH", "/usr/bin")]
        {
            let key: PyObjectRef = vm.ctx.new_bytes(k.as_bytes().to_vec()).into();
            env.set_item(&*key, vm.ctx.new_bytes(v.as_bytes().to_vec()).into(), vm).expect("bytes keys always work");
        }
        env
    }

    #[pyfunction]
    fn getpid() -> u32 {
        FIRST_PID + try_with_rank(|r| r.endpoint.try_borrow().map_or(0, |e| e.world_rank())).unwrap_or(0)
    }

    /// The parent of every rank: the "mpiexec" that started them.
    #[pyfunction]
    fn getppid() -> u32 {
        FIRST_PID - 1
    }

    #[pyfunction]
    fn getcwd() -> String {
        "/".to_owned()
    }

    #[pyfunction]
    fn getcwdb(vm: &VirtualMachine) -> PyObjectRef {
        vm.ctx.new_bytes(b"/".to_vec()).into()
    }

    #[pyfunction]
    fn getlogin() -> String {
        "mpi".to_owned()
    }

    #[pyfunction]
    fn cpu_count() -> Option<usize> {
        None
    }

    #[pyfunction]
    fn urandom(size: isize, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let size = usize::try_from(size).map_err(|_| vm.new_value_error("negative argument not allowed"))?;
        let mut buf = vec![0u8; size];
        getrandom::fill(&mut buf).map_err(|e| vm.new_os_error(format!("urandom: {e}")))?;
        Ok(vm.ctx.new_bytes(buf).into())
    }

    #[pyfunction]
    fn strerror(code: i32) -> String {
        match code {
            2 => "No such file or directory",
            13 => "Permission denied",
            38 => "Function not implemented",
            _ => "Unknown error",
        }
        .to_owned()
    }

    #[pyfunction]
    fn putenv(_key: PyObjectRef, _value: PyObjectRef) {}

    #[pyfunction]
    fn unsetenv(_key: PyObjectRef) {}

    #[pyfunction]
    fn _exit(code: i32, vm: &VirtualMachine) -> PyResult<()> {
        Err(vm.new_exception(vm.ctx.exceptions.system_exit.to_owned(), vec![vm.ctx.new_int(code).into()]))
    }

    fn no_such_file(vm: &VirtualMachine, path: PyObjectRef) -> PyBaseExceptionRef {
        let args = vec![vm.ctx.new_int(2).into(), vm.ctx.new_str("No such file or directory").into(), path];
        vm.invoke_exception(vm.ctx.exceptions.file_not_found_error, args).unwrap_or_else(|e| e)
    }

    /// There are no files: every path is missing (os.path.exists says False).
    #[pyfunction]
    fn stat(args: FuncArgs, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        Err(no_such_file(vm, args.args.into_iter().next().unwrap_or_else(|| vm.ctx.none())))
    }

    #[pyfunction]
    fn lstat(args: FuncArgs, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        stat(args, vm)
    }

    /// No path is a symbolic link (what os.path.realpath asks, on import of
    /// sysconfig and ctypes): EINVAL, as readlink says of a plain file.
    #[pyfunction]
    fn readlink(args: FuncArgs, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let path = args.args.into_iter().next().unwrap_or_else(|| vm.ctx.none());
        let args = vec![vm.ctx.new_int(22).into(), vm.ctx.new_str("Invalid argument").into(), path];
        Err(vm.invoke_exception(vm.ctx.exceptions.os_error, args).unwrap_or_else(|e| e))
    }

    #[pyfunction]
    fn listdir(path: OptionalArg<PyObjectRef>, vm: &VirtualMachine) -> PyResult<Vec<PyObjectRef>> {
        match path {
            OptionalArg::Present(p) if !vm.is_none(&p) => {
                let is_cwd = p.str(vm).is_ok_and(|s| matches!(&*s.to_string_lossy(), "." | "/"));
                if is_cwd { Ok(Vec::new()) } else { Err(no_such_file(vm, p)) }
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Writing files is not possible in the browser; say so plainly.
    #[pyfunction]
    fn open(args: FuncArgs, vm: &VirtualMachine) -> PyResult<i32> {
        let path = args.args.into_iter().next().unwrap_or_else(|| vm.ctx.none());
        let args = vec![
            vm.ctx.new_int(38).into(),
            vm.ctx.new_str("Function not implemented: the playground has no file system").into(),
            path,
        ];
        Err(vm.invoke_exception(vm.ctx.exceptions.os_error, args).unwrap_or_else(|e| e))
    }
}
