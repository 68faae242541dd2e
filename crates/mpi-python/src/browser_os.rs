//! `posix` for the browser: what Python's `os` module needs to import, and
//! what scripts use of it, where there is no operating system.
//!
//! RustPython's own `posix` needs its `host_env` layer, which does not build
//! for wasm32-unknown-unknown; without a `posix` module `import os` (and with
//! it `random`, `tempfile`, much of the stdlib) fails. This stand-in gives each
//! rank a process id of its own (ranks are separate processes under mpiexec
//! too), a small environment, `urandom` from the browser's crypto, and file
//! calls over the run's file system (mpi-core's `fs`, in the World's shared
//! heap), so every rank and process of a run sees the same files.
//!
//! Each rank keeps its own descriptor table and working directory
//! ([`Files`], in its `RankContext`): descriptors count from 3 (0, 1 and 2
//! are the rank's streams), and relative paths resolve against the working
//! directory, "/" at the start. Errors are the OSError subclasses CPython
//! raises, with errno, strerror and the file name. `rank.rs` then installs
//! `_pyio.open` (the stdlib's pure-Python `open` over these calls) as
//! `open`, and a Python `scandir` over `listdir` and `lstat`.

use mpi_core::fs::FileId;
use std::collections::BTreeMap;

/// A rank's open files and working directory, for one run.
pub(crate) struct Files {
    cwd: String,
    fds: BTreeMap<i32, OpenFile>,
}

impl Default for Files {
    fn default() -> Self {
        Files { cwd: "/".to_owned(), fds: BTreeMap::new() }
    }
}

/// What a descriptor holds: the open file and this descriptor's own offset
/// and access mode (as `open(2)` gives each descriptor its own).
struct OpenFile {
    file: FileId,
    pos: u64,
    readable: bool,
    writable: bool,
    append: bool,
}

impl Files {
    /// `path` as an absolute path without `.`, `..` or repeated slashes
    /// (there are no symbolic links, so this is exact); a trailing '/' stays,
    /// since it says the path must be a directory.
    fn absolute(&self, path: &str) -> String {
        let joined = if path.starts_with('/') { path.to_owned() } else { format!("{}/{path}", self.cwd) };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        let mut out = format!("/{}", parts.join("/"));
        if out.len() > 1 && (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..")) {
            out.push('/');
        }
        out
    }

    /// The lowest free descriptor from 3 up.
    fn insert(&mut self, open: OpenFile) -> i32 {
        let fd = (3..).find(|fd| !self.fds.contains_key(fd)).expect("a free descriptor");
        self.fds.insert(fd, open);
        fd
    }
}

#[rustpython_vm::pymodule(name = "posix")]
pub(crate) mod posix {
    use super::{Files, OpenFile};
    use crate::native::mpi_error;
    use crate::rank::try_with_rank;
    use mpi_core::fs::{FileKind, FileStat, FsError, WriteAt, errno, flags, strerror as errno_text};
    use mpi_core::{Endpoint, MpiError};
    use rustpython_vm::{
        AsObject, PyObjectRef, PyResult, VirtualMachine,
        builtins::{PyBaseExceptionRef, PyBytes, PyDictRef, PyStr, PyTypeRef},
        convert::ToPyObject,
        function::{ArgBytesLike, ArgMemoryBuffer, FuncArgs, OptionalArg},
        pyclass, pystruct_sequence, pystruct_sequence_data,
        types::PyStructSequence,
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

    // `open` flags and `access` modes, Linux's values.
    #[pyattr]
    const O_RDONLY: u32 = flags::O_RDONLY;
    #[pyattr]
    const O_WRONLY: u32 = flags::O_WRONLY;
    #[pyattr]
    const O_RDWR: u32 = flags::O_RDWR;
    #[pyattr]
    const O_ACCMODE: u32 = flags::O_ACCMODE;
    #[pyattr]
    const O_CREAT: u32 = flags::O_CREAT;
    #[pyattr]
    const O_EXCL: u32 = flags::O_EXCL;
    #[pyattr]
    const O_TRUNC: u32 = flags::O_TRUNC;
    #[pyattr]
    const O_APPEND: u32 = flags::O_APPEND;
    #[pyattr]
    const O_DIRECTORY: u32 = flags::O_DIRECTORY;
    // Accepted and meaningless here: no terminals, links, exec or blocking.
    #[pyattr]
    const O_NOCTTY: u32 = 0o400;
    #[pyattr]
    const O_NONBLOCK: u32 = 0o4000;
    #[pyattr]
    const O_DSYNC: u32 = 0o10000;
    #[pyattr]
    const O_SYNC: u32 = 0o4010000;
    #[pyattr]
    const O_NOFOLLOW: u32 = 0o400000;
    #[pyattr]
    const O_CLOEXEC: u32 = 0o2000000;
    #[pyattr]
    const F_OK: u32 = 0;
    #[pyattr]
    const X_OK: u32 = 1;
    #[pyattr]
    const W_OK: u32 = 2;
    #[pyattr]
    const R_OK: u32 = 4;

    /// Flags that change nothing in an in-memory file system.
    const IGNORED_FLAGS: u32 = O_NOCTTY | O_NONBLOCK | O_SYNC | O_NOFOLLOW | O_CLOEXEC;

    #[pystruct_sequence_data]
    struct StatResultData {
        st_mode: u32,
        st_ino: u32,
        st_dev: u32,
        st_nlink: u32,
        st_uid: u32,
        st_gid: u32,
        st_size: u64,
        #[pystruct_sequence(unnamed)]
        st_atime_int: i64,
        #[pystruct_sequence(unnamed)]
        st_mtime_int: i64,
        #[pystruct_sequence(unnamed)]
        st_ctime_int: i64,
        #[pystruct_sequence(skip)]
        st_atime: f64,
        #[pystruct_sequence(skip)]
        st_mtime: f64,
        #[pystruct_sequence(skip)]
        st_ctime: f64,
        #[pystruct_sequence(skip)]
        st_atime_ns: i128,
        #[pystruct_sequence(skip)]
        st_mtime_ns: i128,
        #[pystruct_sequence(skip)]
        st_ctime_ns: i128,
        #[pystruct_sequence(skip)]
        st_blksize: u32,
        #[pystruct_sequence(skip)]
        st_blocks: u64,
    }

    /// `os.stat_result`, as CPython's: a 10-tuple with the float and
    /// nanosecond times, block size and count as attributes.
    #[pyattr]
    #[pystruct_sequence(name = "stat_result", module = "os", data = "StatResultData")]
    struct PyStatResult;

    #[pyclass(with(PyStructSequence))]
    impl PyStatResult {}

    const S_IFREG: u32 = 0o100000;
    const S_IFDIR: u32 = 0o040000;
    const S_IFCHR: u32 = 0o020000;
    /// st_dev of every file: one device.
    const DEVICE: u32 = 0x2a;

    fn stat_result(st: &FileStat, vm: &VirtualMachine) -> PyObjectRef {
        let kind = if st.kind == FileKind::Dir { S_IFDIR } else { S_IFREG };
        let ns = (st.mtime * 1e9).round() as i128;
        StatResultData {
            st_mode: kind | st.mode,
            st_ino: st.ino,
            st_dev: DEVICE,
            st_nlink: st.nlink,
            st_uid: 0,
            st_gid: 0,
            st_size: st.size,
            st_atime_int: st.mtime.floor() as i64,
            st_mtime_int: st.mtime.floor() as i64,
            st_ctime_int: st.mtime.floor() as i64,
            st_atime: st.mtime,
            st_mtime: st.mtime,
            st_ctime: st.mtime,
            st_atime_ns: ns,
            st_mtime_ns: ns,
            st_ctime_ns: ns,
            st_blksize: 4096,
            st_blocks: st.size.div_ceil(512),
        }
        .to_pyobject(vm)
    }

    /// The rank's streams (fds 0-2): character devices, as a pipe or
    /// terminal would be, and never a terminal.
    fn stream_stat(vm: &VirtualMachine) -> PyObjectRef {
        StatResultData {
            st_mode: S_IFCHR | 0o620,
            st_ino: 0,
            st_dev: DEVICE + 1,
            st_nlink: 1,
            st_uid: 0,
            st_gid: 0,
            st_size: 0,
            st_atime_int: 0,
            st_mtime_int: 0,
            st_ctime_int: 0,
            st_atime: 0.0,
            st_mtime: 0.0,
            st_ctime: 0.0,
            st_atime_ns: 0,
            st_mtime_ns: 0,
            st_ctime_ns: 0,
            st_blksize: 1024,
            st_blocks: 0,
        }
        .to_pyobject(vm)
    }

    /// OSError for `code`, as the subclass CPython picks for it, with the
    /// file name(s) it names.
    fn os_error(
        vm: &VirtualMachine,
        code: i32,
        filename: Option<PyObjectRef>,
        filename2: Option<PyObjectRef>,
    ) -> PyBaseExceptionRef {
        let e = &vm.ctx.exceptions;
        let class = match code {
            errno::ENOENT => e.file_not_found_error,
            errno::EEXIST => e.file_exists_error,
            errno::EISDIR => e.is_a_directory_error,
            errno::ENOTDIR => e.not_a_directory_error,
            errno::EPERM | errno::EACCES => e.permission_error,
            _ => e.os_error,
        };
        let mut args = vec![vm.ctx.new_int(code).into(), vm.ctx.new_str(errno_text(code)).into()];
        if let Some(name) = filename {
            args.push(name);
            if let Some(name2) = filename2 {
                args.push(vm.ctx.none());
                args.push(name2);
            }
        }
        vm.invoke_exception(class, args).unwrap_or_else(|e| e)
    }

    /// Runs a file call on this rank's endpoint and files; an errno becomes
    /// OSError naming `names` (the path(s) the call was given).
    fn fs_call<T>(
        vm: &VirtualMachine,
        names: (Option<&PyObjectRef>, Option<&PyObjectRef>),
        f: impl FnOnce(&mut Endpoint, &mut Files) -> Result<T, FsError>,
    ) -> PyResult<T> {
        let outcome = try_with_rank(|rank| {
            let mut ep = rank.endpoint.try_borrow_mut().map_err(|_| {
                vm.new_runtime_error("file calls cannot be made inside a reduction operation".to_owned())
            })?;
            let mut files = rank.files.borrow_mut();
            Ok(f(&mut ep, &mut files))
        });
        // Before a run (a warm interpreter) there is no file system yet.
        let outcome = outcome.unwrap_or(Ok(Err(FsError::Errno(errno::ENOENT))))?;
        match outcome {
            Ok(v) => Ok(v),
            Err(FsError::Stopped) => Err(mpi_error(vm, MpiError::Stopped)),
            Err(FsError::Errno(code)) => Err(os_error(vm, code, names.0.cloned(), names.1.cloned())),
        }
    }

    /// A path argument as text, and whether it was bytes (`listdir` answers
    /// in kind): str, bytes or an os.PathLike.
    fn path_text(vm: &VirtualMachine, obj: &PyObjectRef) -> PyResult<(String, bool)> {
        let text = |obj: &PyObjectRef| -> Option<(String, bool)> {
            if let Some(s) = obj.downcast_ref::<PyStr>() {
                return Some((s.to_string_lossy().into_owned(), false));
            }
            obj.downcast_ref::<PyBytes>().map(|b| (String::from_utf8_lossy(b.as_bytes()).into_owned(), true))
        };
        let path = fspath(obj.clone(), vm)?;
        Ok(text(&path).expect("fspath gives str or bytes"))
    }

    /// `os.fspath`: str and bytes as they are, else `__fspath__()` (which
    /// importlib asks of `posix` itself).
    #[pyfunction]
    fn fspath(path: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        if path.downcast_ref::<PyStr>().is_some() || path.downcast_ref::<PyBytes>().is_some() {
            return Ok(path);
        }
        let not_a_path = || {
            vm.new_type_error(format!("expected str, bytes or os.PathLike object, not {}", path.class().name()))
        };
        let Some(method) = vm.get_attribute_opt(path.class().as_object(), "__fspath__")? else {
            return Err(not_a_path());
        };
        let out = method.call((path.clone(),), vm)?;
        if out.downcast_ref::<PyStr>().is_some() || out.downcast_ref::<PyBytes>().is_some() {
            Ok(out)
        } else {
            Err(vm.new_type_error(format!(
                "expected {}.__fspath__() to return str or bytes, not {}",
                path.class().name(),
                out.class().name()
            )))
        }
    }

    /// Positional argument `i`, or keyword `name`.
    fn arg(args: &FuncArgs, i: usize, name: &str) -> Option<PyObjectRef> {
        args.args.get(i).cloned().or_else(|| args.kwargs.get(name).cloned())
    }

    fn required(vm: &VirtualMachine, args: &FuncArgs, i: usize, name: &str, func: &str) -> PyResult<PyObjectRef> {
        arg(args, i, name)
            .ok_or_else(|| vm.new_type_error(format!("{func}() missing required argument '{name}' (pos {})", i + 1)))
    }

    /// The path argument of `func`: the object (for error messages) and the
    /// absolute path it names.
    fn path_arg(vm: &VirtualMachine, args: &FuncArgs, i: usize, func: &str) -> PyResult<(PyObjectRef, String)> {
        let name = if i == 0 { "path" } else { "dst" };
        let obj = required(vm, args, i, name, func)?;
        let (text, _) = path_text(vm, &obj)?;
        if text.contains('\0') {
            return Err(vm.new_value_error(format!("{func}: embedded null character in path")));
        }
        let abs = try_with_rank(|r| r.files.borrow().absolute(&text)).unwrap_or(text);
        Ok((obj, abs))
    }

    fn int_arg(vm: &VirtualMachine, obj: &PyObjectRef) -> PyResult<i64> {
        obj.try_index(vm)?.try_to_primitive(vm)
    }

    /// Seconds since the epoch (the browser's clock, through `time`).
    fn now(vm: &VirtualMachine) -> PyResult<f64> {
        let t = vm.import("time", 0)?.get_attr("time", vm)?.call((), vm)?;
        Ok(t.try_float(vm)?.to_f64())
    }

    /// Runs `f` on descriptor `fd`'s entry.
    fn with_fd<T>(
        vm: &VirtualMachine,
        fd: i32,
        f: impl FnOnce(&mut Endpoint, &mut OpenFile) -> Result<T, FsError>,
    ) -> PyResult<T> {
        fs_call(vm, (None, None), |ep, files| match files.fds.get_mut(&fd) {
            Some(open) => f(ep, open),
            None => Err(FsError::Errno(errno::EBADF)),
        })
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
        try_with_rank(|r| r.files.borrow().cwd.clone()).unwrap_or_else(|| "/".to_owned())
    }

    #[pyfunction]
    fn getcwdb(vm: &VirtualMachine) -> PyObjectRef {
        vm.ctx.new_bytes(getcwd().into_bytes()).into()
    }

    #[pyfunction]
    fn chdir(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let (obj, path) = path_arg(vm, &args, 0, "chdir")?;
        fs_call(vm, (Some(&obj), None), |ep, files| {
            if ep.fs_stat(&path)?.kind != FileKind::Dir {
                return Err(FsError::Errno(errno::ENOTDIR));
            }
            files.cwd = path.trim_end_matches('/').to_owned();
            if files.cwd.is_empty() {
                files.cwd = "/".to_owned();
            }
            Ok(())
        })
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
        match errno_text(code) {
            "Unknown error" => format!("Unknown error {code}"),
            text => text.to_owned(),
        }
    }

    #[pyfunction]
    fn putenv(_key: PyObjectRef, _value: PyObjectRef) {}

    #[pyfunction]
    fn unsetenv(_key: PyObjectRef) {}

    #[pyfunction]
    fn umask(_mask: i32) -> i32 {
        0o022
    }

    #[pyfunction]
    fn _exit(code: i32, vm: &VirtualMachine) -> PyResult<()> {
        Err(vm.new_exception(vm.ctx.exceptions.system_exit.to_owned(), vec![vm.ctx.new_int(code).into()]))
    }

    #[pyfunction]
    fn open(args: FuncArgs, vm: &VirtualMachine) -> PyResult<i32> {
        let (obj, path) = path_arg(vm, &args, 0, "open")?;
        let oflags = int_arg(vm, &required(vm, &args, 1, "flags", "open")?)? as u32;
        let mode = arg(&args, 2, "mode").map(|m| int_arg(vm, &m)).transpose()?.unwrap_or(0o777) as u32;
        let now = now(vm)?;
        fs_call(vm, (Some(&obj), None), |ep, files| {
            // The umask every rank has (022) applies to a new file's mode.
            let file = ep.fs_open(&path, oflags & !IGNORED_FLAGS, mode & !0o022, now)?;
            let access = oflags & flags::O_ACCMODE;
            Ok(files.insert(OpenFile {
                file,
                pos: 0,
                readable: access != flags::O_WRONLY,
                writable: access != flags::O_RDONLY,
                append: oflags & flags::O_APPEND != 0,
            }))
        })
    }

    #[pyfunction]
    fn close(fd: i32, vm: &VirtualMachine) -> PyResult<()> {
        if (0..3).contains(&fd) {
            return Ok(());
        }
        fs_call(vm, (None, None), |ep, files| match files.fds.remove(&fd) {
            Some(open) => ep.fs_close(open.file),
            None => Err(FsError::Errno(errno::EBADF)),
        })
    }

    fn read_into(vm: &VirtualMachine, fd: i32, buf: &mut [u8], at: Option<u64>) -> PyResult<usize> {
        with_fd(vm, fd, |ep, open| {
            if !open.readable {
                return Err(FsError::Errno(errno::EBADF));
            }
            let n = ep.fs_read_at(open.file, at.unwrap_or(open.pos), buf)?;
            if at.is_none() {
                open.pos += n as u64;
            }
            Ok(n)
        })
    }

    #[pyfunction]
    fn read(fd: i32, n: isize, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let n = usize::try_from(n).map_err(|_| vm.new_value_error("negative length"))?;
        if (0..3).contains(&fd) {
            // A rank has no input.
            return Ok(vm.ctx.new_bytes(Vec::new()).into());
        }
        let mut buf = vec![0u8; n];
        let got = read_into(vm, fd, &mut buf, None)?;
        buf.truncate(got);
        Ok(vm.ctx.new_bytes(buf).into())
    }

    #[pyfunction]
    fn readinto(fd: i32, buffer: ArgMemoryBuffer, vm: &VirtualMachine) -> PyResult<usize> {
        if (0..3).contains(&fd) {
            return Ok(0);
        }
        let mut buf = buffer.borrow_buf_mut();
        read_into(vm, fd, &mut buf, None)
    }

    #[pyfunction]
    fn pread(fd: i32, n: isize, offset: i64, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let n = usize::try_from(n).map_err(|_| vm.new_value_error("negative length"))?;
        let offset = u64::try_from(offset).map_err(|_| os_error(vm, errno::EINVAL, None, None))?;
        let mut buf = vec![0u8; n];
        let got = read_into(vm, fd, &mut buf, Some(offset))?;
        buf.truncate(got);
        Ok(vm.ctx.new_bytes(buf).into())
    }

    fn write_from(vm: &VirtualMachine, fd: i32, data: &[u8], at: Option<u64>) -> PyResult<usize> {
        if fd == 1 || fd == 2 {
            try_with_rank(|r| r.write(fd, &String::from_utf8_lossy(data)));
            return Ok(data.len());
        }
        let now = now(vm)?;
        with_fd(vm, fd, |ep, open| {
            if !open.writable {
                return Err(FsError::Errno(errno::EBADF));
            }
            let to = match at {
                Some(offset) => WriteAt::Offset(offset),
                None if open.append => WriteAt::End,
                None => WriteAt::Offset(open.pos),
            };
            let end = ep.fs_write_at(open.file, to, data, now)?;
            if at.is_none() {
                open.pos = end;
            }
            Ok(data.len())
        })
    }

    #[pyfunction]
    fn write(fd: i32, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<usize> {
        write_from(vm, fd, &data.borrow_buf(), None)
    }

    #[pyfunction]
    fn pwrite(fd: i32, data: ArgBytesLike, offset: i64, vm: &VirtualMachine) -> PyResult<usize> {
        let offset = u64::try_from(offset).map_err(|_| os_error(vm, errno::EINVAL, None, None))?;
        write_from(vm, fd, &data.borrow_buf(), Some(offset))
    }

    #[pyfunction]
    fn lseek(fd: i32, pos: i64, how: i32, vm: &VirtualMachine) -> PyResult<u64> {
        if (0..3).contains(&fd) {
            return Err(os_error(vm, errno::ESPIPE, None, None));
        }
        with_fd(vm, fd, |ep, open| {
            let base = match how {
                0 => 0,
                1 => open.pos as i64,
                2 => ep.fs_fstat(open.file)?.size as i64,
                _ => return Err(FsError::Errno(errno::EINVAL)),
            };
            let at = base.checked_add(pos).filter(|&p| p >= 0).ok_or(FsError::Errno(errno::EINVAL))?;
            open.pos = at as u64;
            Ok(open.pos)
        })
    }

    #[pyfunction]
    fn fstat(fd: i32, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        if (0..3).contains(&fd) {
            return Ok(stream_stat(vm));
        }
        let st = with_fd(vm, fd, |ep, open| ep.fs_fstat(open.file))?;
        Ok(stat_result(&st, vm))
    }

    /// `stat(path, *, dir_fd=None, follow_symlinks=True)`; a descriptor for
    /// `path` is `fstat`. There are no links, so `lstat` is the same.
    #[pyfunction]
    fn stat(args: FuncArgs, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        if let Some(fd) = arg(&args, 0, "path").filter(|p| p.try_index(vm).is_ok()) {
            return fstat(int_arg(vm, &fd)? as i32, vm);
        }
        let (obj, path) = path_arg(vm, &args, 0, "stat")?;
        let st = fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_stat(&path))?;
        Ok(stat_result(&st, vm))
    }

    #[pyfunction]
    fn lstat(args: FuncArgs, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        stat(args, vm)
    }

    #[pyfunction]
    fn ftruncate(fd: i32, length: i64, vm: &VirtualMachine) -> PyResult<()> {
        let len = u64::try_from(length).map_err(|_| os_error(vm, errno::EINVAL, None, None))?;
        let now = now(vm)?;
        with_fd(vm, fd, |ep, open| {
            if !open.writable {
                return Err(FsError::Errno(errno::EINVAL));
            }
            ep.fs_set_len(open.file, len, now)
        })
    }

    #[pyfunction]
    fn truncate(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let length = int_arg(vm, &required(vm, &args, 1, "length", "truncate")?)?;
        if let Some(fd) = arg(&args, 0, "path").filter(|p| p.try_index(vm).is_ok()) {
            return ftruncate(int_arg(vm, &fd)? as i32, length, vm);
        }
        let (obj, path) = path_arg(vm, &args, 0, "truncate")?;
        let len = u64::try_from(length).map_err(|_| os_error(vm, errno::EINVAL, Some(obj.clone()), None))?;
        let now = now(vm)?;
        fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_truncate(&path, len, now))
    }

    /// Everything is already where every rank sees it.
    #[pyfunction]
    fn fsync(fd: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        let fd = match vm.get_attribute_opt(&fd, "fileno")? {
            Some(fileno) => fileno.call((), vm)?,
            None => fd,
        };
        let fd = int_arg(vm, &fd)? as i32;
        if (0..3).contains(&fd) {
            return Ok(());
        }
        with_fd(vm, fd, |_, _| Ok(()))
    }

    #[pyfunction]
    fn fdatasync(fd: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        fsync(fd, vm)
    }

    #[pyfunction]
    fn isatty(_fd: i32) -> bool {
        false
    }

    #[pyfunction]
    fn device_encoding(_fd: i32) -> Option<String> {
        None
    }

    #[pyfunction]
    fn get_inheritable(_fd: i32) -> bool {
        false
    }

    #[pyfunction]
    fn set_inheritable(_fd: i32, _inheritable: bool) {}

    #[pyfunction]
    fn unlink(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let (obj, path) = path_arg(vm, &args, 0, "unlink")?;
        let now = now(vm)?;
        fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_unlink(&path, now))
    }

    #[pyfunction]
    fn remove(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        unlink(args, vm)
    }

    #[pyfunction]
    fn mkdir(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let (obj, path) = path_arg(vm, &args, 0, "mkdir")?;
        let mode = arg(&args, 1, "mode").map(|m| int_arg(vm, &m)).transpose()?.unwrap_or(0o777) as u32;
        let now = now(vm)?;
        // The umask (022) applies, as it does to files open creates.
        fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_mkdir(&path, mode & !0o022, now))
    }

    #[pyfunction]
    fn rmdir(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let (obj, path) = path_arg(vm, &args, 0, "rmdir")?;
        let now = now(vm)?;
        fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_rmdir(&path, now))
    }

    #[pyfunction]
    fn rename(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let (src_obj, src) = path_arg(vm, &args, 0, "rename")?;
        let (dst_obj, dst) = path_arg(vm, &args, 1, "rename")?;
        let now = now(vm)?;
        fs_call(vm, (Some(&src_obj), Some(&dst_obj)), |ep, _| ep.fs_rename(&src, &dst, now))
    }

    #[pyfunction]
    fn replace(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        rename(args, vm)
    }

    #[pyfunction]
    fn listdir(path: OptionalArg<PyObjectRef>, vm: &VirtualMachine) -> PyResult<Vec<PyObjectRef>> {
        let obj = match path {
            OptionalArg::Present(p) if !vm.is_none(&p) => p,
            _ => vm.ctx.new_str(".").into(),
        };
        let (text, as_bytes) = path_text(vm, &obj)?;
        let abs = try_with_rank(|r| r.files.borrow().absolute(&text)).unwrap_or(text);
        let names = fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_list(&abs))?;
        Ok(names
            .into_iter()
            .map(|n| if as_bytes { vm.ctx.new_bytes(n.into_bytes()).into() } else { vm.ctx.new_str(n).into() })
            .collect())
    }

    /// Every file may be read and written by everyone: exists is enough.
    #[pyfunction]
    fn access(args: FuncArgs, vm: &VirtualMachine) -> PyResult<bool> {
        let (obj, path) = path_arg(vm, &args, 0, "access")?;
        Ok(fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_stat(&path)).is_ok())
    }

    #[pyfunction]
    fn chmod(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let (obj, path) = path_arg(vm, &args, 0, "chmod")?;
        let mode = int_arg(vm, &required(vm, &args, 1, "mode", "chmod")?)? as u32;
        fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_chmod(&path, mode))
    }

    /// `utime(path, times=None, *, ns=None)`: only the modification time is kept.
    #[pyfunction]
    fn utime(args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        let (obj, path) = path_arg(vm, &args, 0, "utime")?;
        let second = |pair: PyObjectRef| -> PyResult<PyObjectRef> {
            let items: Vec<PyObjectRef> = pair.try_into_value(vm)?;
            items.get(1).cloned().ok_or_else(|| vm.new_type_error("utime: times must be a pair of numbers".to_owned()))
        };
        let mtime = match (arg(&args, 1, "times").filter(|t| !vm.is_none(t)), args.kwargs.get("ns")) {
            (Some(times), _) => second(times)?.try_float(vm)?.to_f64(),
            (None, Some(ns)) if !vm.is_none(ns) => int_arg(vm, &second(ns.clone())?)? as f64 / 1e9,
            _ => now(vm)?,
        };
        fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_set_mtime(&path, mtime))
    }

    /// No path is a symbolic link (what os.path.realpath asks, on import of
    /// sysconfig and ctypes): EINVAL, as readlink says of a plain file.
    #[pyfunction]
    fn readlink(args: FuncArgs, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let (obj, path) = path_arg(vm, &args, 0, "readlink")?;
        fs_call(vm, (Some(&obj), None), |ep, _| ep.fs_stat(&path))?;
        Err(os_error(vm, errno::EINVAL, Some(obj), None))
    }
}
