//! The run's file system: a small POSIX-like tree of directories and regular
//! files in the World's shared heap, so that every rank and `multiprocessing`
//! process of a run sees the same files (in the browser, where there is no
//! operating system to hold them).
//!
//! Layout, in heap blocks: a superblock (the lock, the inode table's place and
//! size), the inode table (fixed-size records; inode 0 is "/", 1 starts as
//! "/tmp"), and one data block per non-empty file or directory. A directory's
//! data is its entries, `[inode u32][name length u32][name, padded to 4]`,
//! in the order they were made. A file's data block grows by alloc + copy +
//! free; the bytes past a file's size in its block are always zero, so
//! growing (a write past the end, `set_len`) never has to clear stale bytes.
//!
//! Every call takes one run-wide lock for its whole (short) critical
//! section: metadata and data alike, so a reader never sees half of another
//! rank's write. The holder never waits inside; a rank that finds the lock
//! taken publishes the wait and sleeps on its doorbell like any blocked rank
//! (a futex-style mutex: 0 free, 1 held, 2 held with sleepers).
//!
//! Nothing exists until a rank first touches a file: the first call formats
//! the superblock and publishes it with one compare-and-swap in the World
//! header, so runs that never use files pay nothing.
//!
//! Errors are Linux errno values ([`errno`]); the caller shapes them into its
//! host's errors. Open files are inode numbers ([`FileId`]): an unlinked
//! file's data stays until its last open is closed, as in POSIX. Paths are
//! absolute (the caller resolves a working directory); `.` and `..` are
//! understood, and there are no links.

use crate::endpoint::Endpoint;
use crate::process::MP_COMM;
use crate::state::{BlockedOn, BlockedOp};
use crate::sync::SyncError;
use crate::world::{World, hdr};

/// The errno values the file system reports (Linux's numbers).
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EBADF: i32 = 9;
    pub const EACCES: i32 = 13;
    pub const EBUSY: i32 = 16;
    pub const EEXIST: i32 = 17;
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    pub const EINVAL: i32 = 22;
    pub const EFBIG: i32 = 27;
    pub const ENOSPC: i32 = 28;
    pub const ESPIPE: i32 = 29;
    pub const ENAMETOOLONG: i32 = 36;
    pub const ENOSYS: i32 = 38;
    pub const ENOTEMPTY: i32 = 39;
}

/// glibc's message for an errno value, as `os.strerror` gives it.
pub fn strerror(code: i32) -> &'static str {
    match code {
        errno::EPERM => "Operation not permitted",
        errno::ENOENT => "No such file or directory",
        errno::EBADF => "Bad file descriptor",
        errno::EACCES => "Permission denied",
        errno::EBUSY => "Device or resource busy",
        errno::EEXIST => "File exists",
        errno::ENOTDIR => "Not a directory",
        errno::EISDIR => "Is a directory",
        errno::EINVAL => "Invalid argument",
        errno::EFBIG => "File too large",
        errno::ENOSPC => "No space left on device",
        errno::ESPIPE => "Illegal seek",
        errno::ENAMETOOLONG => "File name too long",
        errno::ENOSYS => "Function not implemented",
        errno::ENOTEMPTY => "Directory not empty",
        _ => "Unknown error",
    }
}

/// Why a file call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsError {
    /// An errno value ([`errno`]).
    Errno(i32),
    /// The run stopped while this rank waited for the file system's lock.
    Stopped,
}

impl From<SyncError> for FsError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Stopped => FsError::Stopped,
            SyncError::Full(_) => FsError::Errno(errno::ENOSPC),
            // Only a corrupt table could name a block that is not one.
            SyncError::Value(_) => FsError::Errno(errno::EINVAL),
        }
    }
}

pub type FsResult<T> = std::result::Result<T, FsError>;

fn fail<T>(code: i32) -> FsResult<T> {
    Err(FsError::Errno(code))
}

/// `open` flags (Linux's values, as Python's `os.O_*` has them).
pub mod flags {
    pub const O_RDONLY: u32 = 0;
    pub const O_WRONLY: u32 = 1;
    pub const O_RDWR: u32 = 2;
    pub const O_ACCMODE: u32 = 3;
    pub const O_CREAT: u32 = 0o100;
    pub const O_EXCL: u32 = 0o200;
    pub const O_TRUNC: u32 = 0o1000;
    pub const O_APPEND: u32 = 0o2000;
    pub const O_DIRECTORY: u32 = 0o200000;
}

/// An open file (or directory): its inode number, valid until closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
}

/// What `stat` says of a file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FileStat {
    pub ino: u32,
    pub kind: FileKind,
    /// Permission bits (`0o644`, ...), without the file type.
    pub mode: u32,
    pub size: u64,
    /// 0 once unlinked (still open), 1 for a file, 2 for a directory.
    pub nlink: u32,
    /// Seconds since the epoch, as the caller's clock gave them.
    pub mtime: f64,
}

/// Where a write goes.
#[derive(Clone, Copy, Debug)]
pub enum WriteAt {
    Offset(u64),
    /// At the end, wherever it is when the write happens (`O_APPEND`).
    End,
}

/// Superblock words.
mod sb {
    pub const LOCK: usize = 0;
    /// Slot + 1 of the lock's last taker, for deadlock reports.
    pub const HOLDER: usize = 1;
    /// Heap offset of the inode table and its capacity in inodes.
    pub const TABLE: usize = 2;
    pub const CAPACITY: usize = 3;
    pub const BYTES: usize = 16;
}

/// Inode words.
mod ino {
    /// 0 free, then [`super::KIND_FILE`] or [`super::KIND_DIR`].
    pub const KIND: usize = 0;
    /// A directory's parent (the root is its own).
    pub const PARENT: usize = 1;
    /// Opens not yet closed.
    pub const OPENS: usize = 2;
    /// 1 while a directory lists it.
    pub const LINKED: usize = 3;
    pub const MODE: usize = 4;
    /// Bytes of data (a directory: of its entries).
    pub const SIZE: usize = 5;
    /// Heap offset + 1 of the data block, 0 for none; and its size.
    pub const DATA: usize = 6;
    pub const CAP: usize = 7;
    /// The modification time, an f64's bits, low word first.
    pub const MTIME: usize = 8;
    pub const WORDS: usize = 10;
    pub const BYTES: usize = WORDS * 4;
}

const KIND_FILE: u32 = 1;
const KIND_DIR: u32 = 2;
const ROOT: u32 = 0;
const INITIAL_INODES: u32 = 64;
const NAME_MAX: usize = 255;

/// A directory entry, parsed from a directory's data.
struct Entry {
    ino: u32,
    name: Vec<u8>,
}

/// Words and bytes of the file system, for a caller that holds its lock.
struct Locked<'a> {
    world: &'a World,
    sb: usize,
    now: f64,
}

impl World {
    /// The superblock's heap offset, formatting the file system on first use.
    fn fs_superblock(&self) -> FsResult<usize> {
        if let Some(sb) = self.mem.load(hdr::FS).checked_sub(1) {
            return Ok(sb as usize);
        }
        // Formatted aside, then published by one CAS: a rank that loses the
        // race gives its copy back and uses the winner's.
        let sb = self.heap_alloc(sb::BYTES)?;
        let table = match self.heap_alloc(INITIAL_INODES as usize * ino::BYTES) {
            Ok(t) => t,
            Err(e) => {
                self.heap_free(sb, sb::BYTES)?;
                return Err(e.into());
            }
        };
        let word = |off: usize| self.heap_word(off).expect("a block just allocated");
        self.mem.store(word(sb + sb::TABLE * 4), table as u32);
        self.mem.store(word(sb + sb::CAPACITY * 4), INITIAL_INODES);
        let fs = Locked { world: self, sb, now: 0.0 };
        fs.format_inode(ROOT, KIND_DIR, 0o755, ROOT);
        fs.format_inode(1, KIND_DIR, 0o1777, ROOT);
        fs.set(1, ino::LINKED, 1);
        fs.set(ROOT, ino::LINKED, 1);
        fs.add_entry(ROOT, b"tmp", 1)?;
        match self.mem.compare_exchange(hdr::FS, 0, sb as u32 + 1) {
            Ok(_) => Ok(sb),
            Err(winner) => {
                let data = fs.get(ROOT, ino::DATA) as usize - 1;
                self.heap_free(data, fs.get(ROOT, ino::CAP) as usize)?;
                self.heap_free(table, INITIAL_INODES as usize * ino::BYTES)?;
                self.heap_free(sb, sb::BYTES)?;
                Ok(winner as usize - 1)
            }
        }
    }

    /// Puts `files` (absolute paths; parent directories are made as
    /// needed) into the run's file system before any rank starts: the
    /// workspace a run begins with. `now` stamps them.
    pub fn fs_seed(&self, files: &[(String, Vec<u8>)], now: f64) -> FsResult<()> {
        let sb = self.fs_superblock()?;
        let lock = self.heap_word(sb + sb::LOCK * 4)?;
        // No rank runs yet, so the lock is free; one that is not is misuse.
        if self.mem.compare_exchange(lock, 0, 1).is_err() {
            return fail(errno::EBUSY);
        }
        let fs = Locked { world: self, sb, now };
        let out = files.iter().try_for_each(|(path, data)| fs.seed(path, data));
        self.mem.store(lock, 0);
        out
    }

    /// Every regular file of the run's file system after the run, as
    /// `(path without the leading /, bytes)`, sorted by path; scratch (`/tmp`) and bytecode caches
    /// (`__pycache__`) left out. Read without the lock: every rank has ended
    /// (one stopped mid-call may have left it held). Empty if no rank ever
    /// touched a file and nothing was seeded.
    pub fn fs_files(&self) -> Vec<(String, Vec<u8>)> {
        let Some(sb) = self.mem.load(hdr::FS).checked_sub(1) else { return Vec::new() };
        let fs = Locked { world: self, sb: sb as usize, now: 0.0 };
        let mut out = Vec::new();
        fs.collect_files(ROOT, "", &mut out);
        out.sort();
        out
    }
}

impl Endpoint {
    /// Runs `f` holding the file system's lock; `now` stamps what it modifies.
    fn with_fs<T>(&mut self, now: f64, f: impl FnOnce(&Locked) -> FsResult<T>) -> FsResult<T> {
        let sb = self.world.fs_superblock()?;
        let lock = self.world.heap_word(sb + sb::LOCK * 4)?;
        let holder = self.world.heap_word(sb + sb::HOLDER * 4)?;
        if self.world.mem.compare_exchange(lock, 0, 1).is_err() {
            let peer = self.world.mem.load(holder).checked_sub(1);
            let on = BlockedOn { op: BlockedOp::FileSystem, peer, tag: None, ctx: MP_COMM, rendezvous: None };
            // Taken with "sleepers" marked, so its release wakes whoever waits.
            self.wait_for_object_as(sb, on, None, |ep| ep.world.mem.swap(lock, 2) == 0)?;
        }
        self.world.mem.store(holder, self.me + 1);
        let out = f(&Locked { world: &self.world, sb, now });
        if self.world.mem.swap(lock, 0) == 2 {
            self.world.wake_waiters(sb);
        }
        out
    }

    /// Opens (and with `O_CREAT` makes) the file at `path`; `mode` gives a
    /// new file's permission bits.
    pub fn fs_open(&mut self, path: &str, oflags: u32, mode: u32, now: f64) -> FsResult<FileId> {
        self.with_fs(now, |fs| fs.open(path, oflags, mode))
    }

    /// Closes one open of `file`; the last close of an unlinked file frees it.
    pub fn fs_close(&mut self, file: FileId) -> FsResult<()> {
        self.with_fs(0.0, |fs| fs.close(file))
    }

    /// Reads from `pos` into `buf`; the bytes read (0 at or past the end).
    pub fn fs_read_at(&mut self, file: FileId, pos: u64, buf: &mut [u8]) -> FsResult<usize> {
        self.with_fs(0.0, |fs| {
            let i = fs.open_inode(file)?;
            if fs.get(i, ino::KIND) == KIND_DIR {
                return fail(errno::EISDIR);
            }
            let size = u64::from(fs.get(i, ino::SIZE));
            let n = size.saturating_sub(pos).min(buf.len() as u64) as usize;
            if n > 0 {
                fs.world.heap_read(fs.data(i) + pos as usize, &mut buf[..n])?;
            }
            Ok(n)
        })
    }

    /// Writes `data` at `at`, growing the file (a hole reads as zeros); the
    /// offset just past what was written.
    pub fn fs_write_at(&mut self, file: FileId, at: WriteAt, data: &[u8], now: f64) -> FsResult<u64> {
        self.with_fs(now, |fs| fs.write_at(file, at, data))
    }

    /// Cuts or extends (with zeros) `file` to `len` bytes.
    pub fn fs_set_len(&mut self, file: FileId, len: u64, now: f64) -> FsResult<()> {
        self.with_fs(now, |fs| {
            let i = fs.open_inode(file)?;
            if fs.get(i, ino::KIND) == KIND_DIR {
                return fail(errno::EISDIR);
            }
            let len = u32::try_from(len).or(fail(errno::EFBIG))?;
            fs.set_len(i, len)
        })
    }

    /// `truncate(path, len)`: [`Endpoint::fs_set_len`] by path.
    pub fn fs_truncate(&mut self, path: &str, len: u64, now: f64) -> FsResult<()> {
        self.with_fs(now, |fs| {
            let i = fs.resolve(path)?;
            if fs.get(i, ino::KIND) == KIND_DIR {
                return fail(errno::EISDIR);
            }
            let len = u32::try_from(len).or(fail(errno::EFBIG))?;
            fs.set_len(i, len)
        })
    }

    pub fn fs_fstat(&mut self, file: FileId) -> FsResult<FileStat> {
        self.with_fs(0.0, |fs| Ok(fs.stat(fs.open_inode(file)?)))
    }

    pub fn fs_stat(&mut self, path: &str) -> FsResult<FileStat> {
        self.with_fs(0.0, |fs| Ok(fs.stat(fs.resolve(path)?)))
    }

    /// Sets the permission bits of `path`.
    pub fn fs_chmod(&mut self, path: &str, mode: u32) -> FsResult<()> {
        self.with_fs(0.0, |fs| {
            let i = fs.resolve(path)?;
            fs.set(i, ino::MODE, mode & 0o7777);
            Ok(())
        })
    }

    /// Sets the modification time of `path` (`os.utime`).
    pub fn fs_set_mtime(&mut self, path: &str, mtime: f64) -> FsResult<()> {
        self.with_fs(mtime, |fs| {
            let i = fs.resolve(path)?;
            fs.touch(i);
            Ok(())
        })
    }

    /// Removes a file's name; its data stays while it is open.
    pub fn fs_unlink(&mut self, path: &str, now: f64) -> FsResult<()> {
        self.with_fs(now, |fs| {
            let (parent, name, dir_only) = fs.parent_of(path)?;
            let Some(name) = name else { return fail(errno::EISDIR) };
            let Some(i) = fs.lookup(parent, name)? else { return fail(errno::ENOENT) };
            if fs.get(i, ino::KIND) == KIND_DIR {
                return fail(errno::EISDIR);
            }
            if dir_only {
                return fail(errno::ENOTDIR);
            }
            fs.remove_entry(parent, name)?;
            fs.unlinked(i)
        })
    }

    pub fn fs_mkdir(&mut self, path: &str, mode: u32, now: f64) -> FsResult<()> {
        self.with_fs(now, |fs| fs.mkdir(path, mode))
    }

    /// Removes an empty directory.
    pub fn fs_rmdir(&mut self, path: &str, now: f64) -> FsResult<()> {
        self.with_fs(now, |fs| {
            let (parent, name, _) = fs.parent_of(path)?;
            let name = match name {
                None => return fail(errno::EBUSY),
                Some(b".") => return fail(errno::EINVAL),
                Some(b"..") => return fail(errno::ENOTEMPTY),
                Some(n) => n,
            };
            let Some(i) = fs.lookup(parent, name)? else { return fail(errno::ENOENT) };
            if fs.get(i, ino::KIND) != KIND_DIR {
                return fail(errno::ENOTDIR);
            }
            if fs.get(i, ino::SIZE) != 0 {
                return fail(errno::ENOTEMPTY);
            }
            fs.remove_entry(parent, name)?;
            fs.unlinked(i)
        })
    }

    /// Moves `from` to `to`, replacing a file there (or an empty directory,
    /// if `from` is a directory), as `rename(2)` does.
    pub fn fs_rename(&mut self, from: &str, to: &str, now: f64) -> FsResult<()> {
        self.with_fs(now, |fs| {
            let (src_parent, src_name, src_dir_only) = fs.parent_of(from)?;
            let (dst_parent, dst_name, dst_dir_only) = fs.parent_of(to)?;
            let (Some(src_name), Some(dst_name)) = (src_name, dst_name) else { return fail(errno::EBUSY) };
            if [src_name, dst_name].iter().any(|n| matches!(*n, b"." | b"..")) {
                return fail(errno::EBUSY);
            }
            let Some(src) = fs.lookup(src_parent, src_name)? else { return fail(errno::ENOENT) };
            let src_is_dir = fs.get(src, ino::KIND) == KIND_DIR;
            if (src_dir_only || dst_dir_only) && !src_is_dir {
                return fail(errno::ENOTDIR);
            }
            if src_is_dir {
                // A directory cannot move inside itself.
                let mut d = dst_parent;
                loop {
                    if d == src {
                        return fail(errno::EINVAL);
                    }
                    if d == ROOT {
                        break;
                    }
                    d = fs.get(d, ino::PARENT);
                }
            }
            match fs.lookup(dst_parent, dst_name)? {
                Some(dst) if dst == src => return Ok(()),
                Some(dst) => {
                    let dst_is_dir = fs.get(dst, ino::KIND) == KIND_DIR;
                    match (src_is_dir, dst_is_dir) {
                        (true, false) => return fail(errno::ENOTDIR),
                        (false, true) => return fail(errno::EISDIR),
                        (true, true) if fs.get(dst, ino::SIZE) != 0 => return fail(errno::ENOTEMPTY),
                        _ => {}
                    }
                    // The entry keeps its place and names `src` now: nothing grows.
                    fs.retarget_entry(dst_parent, dst_name, src)?;
                    fs.unlinked(dst)?;
                }
                None => fs.add_entry(dst_parent, dst_name, src)?,
            }
            // Found again: in the same directory the entry may have moved.
            let entries = fs.entries(src_parent)?;
            let stale = entries.iter().position(|e| e.name == src_name && e.ino == src);
            if let Some(at) = stale {
                fs.write_entries(
                    src_parent,
                    entries.into_iter().enumerate().filter(|(k, _)| *k != at).map(|(_, e)| e),
                )?;
            }
            if src_is_dir {
                fs.set(src, ino::PARENT, dst_parent);
            }
            fs.touch(src_parent);
            fs.touch(dst_parent);
            Ok(())
        })
    }

    /// The names in directory `path`, in the order they were made.
    pub fn fs_list(&mut self, path: &str) -> FsResult<Vec<String>> {
        self.with_fs(0.0, |fs| {
            let i = fs.resolve(path)?;
            if fs.get(i, ino::KIND) != KIND_DIR {
                return fail(errno::ENOTDIR);
            }
            Ok(fs.entries(i)?.into_iter().map(|e| String::from_utf8_lossy(&e.name).into_owned()).collect())
        })
    }
}

impl Locked<'_> {
    /// [`Endpoint::fs_open`] under the lock.
    fn open(&self, path: &str, oflags: u32, mode: u32) -> FsResult<FileId> {
        use flags::*;
        let writing = oflags & O_ACCMODE != O_RDONLY;
        let (parent, name, dir_only) = self.parent_of(path)?;
        let Some(name) = name else {
            // "/" itself.
            return if writing { fail(errno::EISDIR) } else { self.opened(ROOT) };
        };
        match self.lookup(parent, name)? {
            Some(i) => {
                if oflags & O_CREAT != 0 && oflags & O_EXCL != 0 {
                    return fail(errno::EEXIST);
                }
                if self.get(i, ino::KIND) == KIND_DIR {
                    if writing || oflags & O_TRUNC != 0 {
                        return fail(errno::EISDIR);
                    }
                    return self.opened(i);
                }
                if dir_only || oflags & O_DIRECTORY != 0 {
                    return fail(errno::ENOTDIR);
                }
                if oflags & O_TRUNC != 0 && writing {
                    self.set_len(i, 0)?;
                }
                self.opened(i)
            }
            None if oflags & O_CREAT == 0 => fail(errno::ENOENT),
            None if dir_only => fail(errno::EISDIR),
            None => {
                let i = self.new_inode(KIND_FILE, mode & 0o7777, parent)?;
                if let Err(e) = self.add_entry(parent, name, i) {
                    self.release(i)?;
                    return Err(e);
                }
                self.set(i, ino::LINKED, 1);
                self.opened(i)
            }
        }
    }

    /// [`Endpoint::fs_close`] under the lock.
    fn close(&self, file: FileId) -> FsResult<()> {
        let i = self.open_inode(file)?;
        self.set(i, ino::OPENS, self.get(i, ino::OPENS) - 1);
        self.release_if_unused(i)
    }

    /// [`Endpoint::fs_write_at`] under the lock.
    fn write_at(&self, file: FileId, at: WriteAt, data: &[u8]) -> FsResult<u64> {
        let i = self.open_inode(file)?;
        if self.get(i, ino::KIND) == KIND_DIR {
            return fail(errno::EISDIR);
        }
        let size = self.get(i, ino::SIZE);
        let pos = match at {
            WriteAt::Offset(p) => p,
            WriteAt::End => u64::from(size),
        };
        let end = pos.checked_add(data.len() as u64).filter(|&e| e <= u64::from(u32::MAX));
        let Some(end) = end else { return fail(errno::EFBIG) };
        if data.is_empty() {
            return Ok(pos);
        }
        self.reserve(i, end as usize)?;
        self.world.heap_write(self.data(i) + pos as usize, data)?;
        self.set(i, ino::SIZE, size.max(end as u32));
        self.touch(i);
        Ok(end)
    }

    /// [`Endpoint::fs_mkdir`] under the lock.
    fn mkdir(&self, path: &str, mode: u32) -> FsResult<()> {
        let (parent, name, _) = self.parent_of(path)?;
        let Some(name) = name else { return fail(errno::EEXIST) };
        if matches!(name, b"." | b"..") || self.lookup(parent, name)?.is_some() {
            return fail(errno::EEXIST);
        }
        let i = self.new_inode(KIND_DIR, mode & 0o7777, parent)?;
        if let Err(e) = self.add_entry(parent, name, i) {
            self.release(i)?;
            return Err(e);
        }
        self.set(i, ino::LINKED, 1);
        Ok(())
    }

    /// The regular files under directory `dir` (named `prefix`) into `out`.
    fn collect_files(&self, dir: u32, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = self.entries(dir) else { return };
        for e in entries {
            let name = String::from_utf8_lossy(&e.name);
            let path = format!("{prefix}{name}");
            match self.get(e.ino, ino::KIND) {
                KIND_DIR if path != "tmp" && name != "__pycache__" => self.collect_files(e.ino, &format!("{path}/"), out),
                KIND_FILE => {
                    let mut data = vec![0u8; self.get(e.ino, ino::SIZE) as usize];
                    if data.is_empty() || self.world.heap_read(self.data(e.ino), &mut data).is_ok() {
                        out.push((path, data));
                    }
                }
                _ => {}
            }
        }
    }

    /// Makes `path` a file holding `data`, and its missing parent directories.
    fn seed(&self, path: &str, data: &[u8]) -> FsResult<()> {
        for (slash, _) in path.match_indices('/').skip(1) {
            match self.mkdir(&path[..slash], 0o755) {
                Ok(()) | Err(FsError::Errno(errno::EEXIST)) => {}
                Err(e) => return Err(e),
            }
        }
        let file = self.open(path, flags::O_WRONLY | flags::O_CREAT | flags::O_TRUNC, 0o644)?;
        let written = self.write_at(file, WriteAt::Offset(0), data);
        self.close(file)?;
        written.map(drop)
    }

    fn table(&self) -> usize {
        self.world.mem.load(self.sb_word(sb::TABLE)) as usize
    }

    fn capacity(&self) -> u32 {
        self.world.mem.load(self.sb_word(sb::CAPACITY))
    }

    fn sb_word(&self, field: usize) -> usize {
        self.world.heap_word(self.sb + field * 4).expect("the superblock lies in the heap")
    }

    fn word(&self, i: u32, field: usize) -> usize {
        self.world.heap_word(self.table() + i as usize * ino::BYTES + field * 4).expect("inodes lie in their table")
    }

    fn get(&self, i: u32, field: usize) -> u32 {
        self.world.mem.load(self.word(i, field))
    }

    fn set(&self, i: u32, field: usize, value: u32) {
        self.world.mem.store(self.word(i, field), value)
    }

    /// The heap offset of `i`'s data block (only when it has one).
    fn data(&self, i: u32) -> usize {
        self.get(i, ino::DATA) as usize - 1
    }

    fn touch(&self, i: u32) {
        let bits = self.now.to_bits();
        self.set(i, ino::MTIME, bits as u32);
        self.set(i, ino::MTIME + 1, (bits >> 32) as u32);
    }

    fn format_inode(&self, i: u32, kind: u32, mode: u32, parent: u32) {
        for field in 0..ino::WORDS {
            self.set(i, field, 0);
        }
        self.set(i, ino::KIND, kind);
        self.set(i, ino::MODE, mode);
        self.set(i, ino::PARENT, parent);
        self.touch(i);
    }

    fn stat(&self, i: u32) -> FileStat {
        let kind = if self.get(i, ino::KIND) == KIND_DIR { FileKind::Dir } else { FileKind::File };
        let linked = self.get(i, ino::LINKED);
        let bits = u64::from(self.get(i, ino::MTIME)) | u64::from(self.get(i, ino::MTIME + 1)) << 32;
        FileStat {
            ino: i + 1,
            kind,
            mode: self.get(i, ino::MODE),
            size: u64::from(self.get(i, ino::SIZE)),
            nlink: if kind == FileKind::Dir { 2 * linked } else { linked },
            mtime: f64::from_bits(bits),
        }
    }

    /// A free inode, formatted; the table doubles when full.
    fn new_inode(&self, kind: u32, mode: u32, parent: u32) -> FsResult<u32> {
        let cap = self.capacity();
        let free = (0..cap).find(|&i| self.get(i, ino::KIND) == 0);
        let i = match free {
            Some(i) => i,
            None => {
                let old = self.table();
                let bytes = cap as usize * ino::BYTES;
                let new = self.world.heap_alloc(2 * bytes)?;
                self.copy(old, new, bytes)?;
                self.world.mem.store(self.sb_word(sb::TABLE), new as u32);
                self.world.mem.store(self.sb_word(sb::CAPACITY), 2 * cap);
                self.world.heap_free(old, bytes)?;
                cap
            }
        };
        self.format_inode(i, kind, mode, parent);
        Ok(i)
    }

    /// Frees inode `i` and its data.
    fn release(&self, i: u32) -> FsResult<()> {
        if self.get(i, ino::DATA) != 0 {
            self.world.heap_free(self.data(i), self.get(i, ino::CAP) as usize)?;
        }
        for field in 0..ino::WORDS {
            self.set(i, field, 0);
        }
        Ok(())
    }

    fn release_if_unused(&self, i: u32) -> FsResult<()> {
        if self.get(i, ino::OPENS) == 0 && self.get(i, ino::LINKED) == 0 { self.release(i) } else { Ok(()) }
    }

    /// `i` lost its name: freed now, or at its last close.
    fn unlinked(&self, i: u32) -> FsResult<()> {
        self.set(i, ino::LINKED, 0);
        self.release_if_unused(i)
    }

    fn opened(&self, i: u32) -> FsResult<FileId> {
        self.set(i, ino::OPENS, self.get(i, ino::OPENS) + 1);
        Ok(FileId(i))
    }

    /// The inode of an open file, or EBADF.
    fn open_inode(&self, file: FileId) -> FsResult<u32> {
        let i = file.0;
        if i < self.capacity() && self.get(i, ino::KIND) != 0 && self.get(i, ino::OPENS) > 0 {
            Ok(i)
        } else {
            fail(errno::EBADF)
        }
    }

    fn copy(&self, from: usize, to: usize, len: usize) -> FsResult<()> {
        let mut buf = vec![0u8; len.min(64 * 1024)];
        for start in (0..len).step_by(buf.len().max(1)) {
            let n = (len - start).min(buf.len());
            self.world.heap_read(from + start, &mut buf[..n])?;
            self.world.heap_write(to + start, &buf[..n])?;
        }
        Ok(())
    }

    /// Makes `i`'s data block hold at least `len` bytes (new bytes zero).
    fn reserve(&self, i: u32, len: usize) -> FsResult<()> {
        let cap = self.get(i, ino::CAP) as usize;
        if len <= cap {
            return Ok(());
        }
        // Doubling keeps appends linear; past 1 MiB, a quarter more is enough.
        let grown = if cap < 1 << 20 { cap * 2 } else { cap + cap / 4 };
        let want = len.max(grown).max(64);
        let (new, new_cap) = match self.world.heap_alloc(want) {
            Ok(b) => (b, want),
            // A heap near full may still hold exactly what is needed.
            Err(_) if want > len => (self.world.heap_alloc(len)?, len),
            Err(e) => return Err(e.into()),
        };
        if cap > 0 {
            self.copy(self.data(i), new, self.get(i, ino::SIZE) as usize)?;
            self.world.heap_free(self.data(i), cap)?;
        }
        self.set(i, ino::DATA, new as u32 + 1);
        self.set(i, ino::CAP, new_cap as u32);
        Ok(())
    }

    fn set_len(&self, i: u32, len: u32) -> FsResult<()> {
        let size = self.get(i, ino::SIZE);
        if len > size {
            self.reserve(i, len as usize)?;
        } else if len == 0 && self.get(i, ino::DATA) != 0 {
            self.world.heap_free(self.data(i), self.get(i, ino::CAP) as usize)?;
            self.set(i, ino::DATA, 0);
            self.set(i, ino::CAP, 0);
        } else if len < size {
            // Past the size stays zero (see the module header).
            self.world.heap_write(self.data(i) + len as usize, &vec![0; (size - len) as usize])?;
        }
        self.set(i, ino::SIZE, len);
        self.touch(i);
        Ok(())
    }

    fn entries(&self, dir: u32) -> FsResult<Vec<Entry>> {
        let size = self.get(dir, ino::SIZE) as usize;
        let mut raw = vec![0u8; size];
        if size > 0 {
            self.world.heap_read(self.data(dir), &mut raw)?;
        }
        let mut out = Vec::new();
        let mut at = 0;
        while at + 8 <= size {
            let word = |k: usize| u32::from_le_bytes(raw[k..k + 4].try_into().expect("4 bytes"));
            let (ino, len) = (word(at), word(at + 4) as usize);
            out.push(Entry { ino, name: raw[at + 8..at + 8 + len].to_vec() });
            at += 8 + len.div_ceil(4) * 4;
        }
        Ok(out)
    }

    fn encode(entry: &Entry, out: &mut Vec<u8>) {
        out.extend_from_slice(&entry.ino.to_le_bytes());
        out.extend_from_slice(&(entry.name.len() as u32).to_le_bytes());
        out.extend_from_slice(&entry.name);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }

    /// Replaces `dir`'s entries (never longer than before: no allocation).
    fn write_entries(&self, dir: u32, entries: impl Iterator<Item = Entry>) -> FsResult<()> {
        let mut raw = Vec::new();
        for e in entries {
            Self::encode(&e, &mut raw);
        }
        let old = self.get(dir, ino::SIZE);
        if !raw.is_empty() {
            self.world.heap_write(self.data(dir), &raw)?;
        }
        if (raw.len() as u32) < old {
            self.world.heap_write(self.data(dir) + raw.len(), &vec![0; old as usize - raw.len()])?;
        }
        self.set(dir, ino::SIZE, raw.len() as u32);
        self.touch(dir);
        Ok(())
    }

    fn add_entry(&self, dir: u32, name: &[u8], i: u32) -> FsResult<()> {
        let mut raw = Vec::new();
        Self::encode(&Entry { ino: i, name: name.to_vec() }, &mut raw);
        let size = self.get(dir, ino::SIZE) as usize;
        self.reserve(dir, size + raw.len())?;
        self.world.heap_write(self.data(dir) + size, &raw)?;
        self.set(dir, ino::SIZE, (size + raw.len()) as u32);
        self.touch(dir);
        Ok(())
    }

    fn remove_entry(&self, dir: u32, name: &[u8]) -> FsResult<()> {
        let entries = self.entries(dir)?;
        self.write_entries(dir, entries.into_iter().filter(|e| e.name != name))
    }

    fn retarget_entry(&self, dir: u32, name: &[u8], i: u32) -> FsResult<()> {
        let entries = self.entries(dir)?;
        self.write_entries(dir, entries.into_iter().map(|e| if e.name == name { Entry { ino: i, ..e } } else { e }))
    }

    fn lookup(&self, dir: u32, name: &[u8]) -> FsResult<Option<u32>> {
        match name {
            b"." => Ok(Some(dir)),
            b".." => Ok(Some(self.get(dir, ino::PARENT))),
            _ => Ok(self.entries(dir)?.into_iter().find(|e| e.name == name).map(|e| e.ino)),
        }
    }

    /// The directory holding `path`'s last component, that component (None
    /// for "/"), and whether the path ended in '/' (it must name a directory).
    fn parent_of<'p>(&self, path: &'p str) -> FsResult<(u32, Option<&'p [u8]>, bool)> {
        if !path.starts_with('/') {
            return fail(errno::ENOENT);
        }
        let dir_only = path.len() > 1 && path.ends_with('/');
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        let mut dir = ROOT;
        while let Some(part) = parts.next() {
            if part.len() > NAME_MAX {
                return fail(errno::ENAMETOOLONG);
            }
            if parts.peek().is_none() {
                return Ok((dir, Some(part.as_bytes()), dir_only));
            }
            dir = match self.lookup(dir, part.as_bytes())? {
                Some(d) if self.get(d, ino::KIND) == KIND_DIR => d,
                Some(_) => return fail(errno::ENOTDIR),
                None => return fail(errno::ENOENT),
            };
        }
        Ok((ROOT, None, dir_only))
    }

    /// The inode `path` names.
    fn resolve(&self, path: &str) -> FsResult<u32> {
        let (dir, name, dir_only) = self.parent_of(path)?;
        let Some(name) = name else { return Ok(ROOT) };
        match self.lookup(dir, name)? {
            Some(i) if dir_only && self.get(i, ino::KIND) != KIND_DIR => fail(errno::ENOTDIR),
            Some(i) => Ok(i),
            None => fail(errno::ENOENT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::errno::*;
    use super::flags::*;
    use super::*;
    use crate::memory::HeapMemory;
    use crate::world::Layout;
    use std::sync::Arc;

    /// A World of `ranks` ranks with a heap of `heap` bytes.
    fn world(ranks: u32, heap: u32) -> World {
        let mut layout = Layout::with_ring_bytes(ranks, 4096);
        layout.processes = 0;
        layout.heap_bytes = heap;
        World::create(Arc::new(HeapMemory::new(layout.word_len())), layout)
    }

    fn err<T: std::fmt::Debug>(r: FsResult<T>) -> i32 {
        match r {
            Err(FsError::Errno(e)) => e,
            other => panic!("expected an errno, got {other:?}"),
        }
    }

    fn read_all(ep: &mut Endpoint, f: FileId) -> Vec<u8> {
        let size = ep.fs_fstat(f).unwrap().size as usize;
        let mut buf = vec![0u8; size + 10];
        let n = ep.fs_read_at(f, 0, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn a_seeded_workspace_is_there_for_every_rank_with_its_folders() {
        let w = world(2, 1 << 20);
        let files = vec![
            ("/main.py".to_owned(), b"import helper\n".to_vec()),
            ("/modules/heat/grid.py".to_owned(), b"N = 8\n".to_vec()),
            ("/modules/data.bin".to_owned(), vec![0, 255, 7]),
        ];
        w.fs_seed(&files, 5.0).unwrap();
        let mut ep = Endpoint::new(w.clone(), 1);
        for (path, data) in &files {
            let f = ep.fs_open(path, O_RDONLY, 0, 6.0).unwrap();
            assert_eq!(&read_all(&mut ep, f), data, "{path}");
            ep.fs_close(f).unwrap();
        }
        assert_eq!(ep.fs_list("/modules").unwrap(), ["heat", "data.bin"]);
        assert_eq!(ep.fs_stat("/modules/heat").unwrap().kind, FileKind::Dir);
        // The lock was given back: a rank may write at once.
        let f = ep.fs_open("/main.py", O_WRONLY | O_APPEND, 0, 7.0).unwrap();
        ep.fs_write_at(f, WriteAt::End, b"helper.run()\n", 7.0).unwrap();
        ep.fs_close(f).unwrap();
        assert_eq!(ep.fs_stat("/main.py").unwrap().size, 27);
        // What a run leaves: every file with its bytes, scratch and caches aside.
        ep.fs_mkdir("/__pycache__", 0o755, 8.0).unwrap();
        for scratch in ["/tmp/x", "/__pycache__/m.pyc"] {
            let f = ep.fs_open(scratch, O_WRONLY | O_CREAT, 0o644, 8.0).unwrap();
            ep.fs_close(f).unwrap();
        }
        let left = w.fs_files();
        let names: Vec<&str> = left.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["main.py", "modules/data.bin", "modules/heat/grid.py"]);
        assert_eq!(left[0].1, b"import helper\nhelper.run()\n");
    }

    #[test]
    fn nothing_is_formatted_until_a_file_is_touched() {
        let w = world(1, 64 * 1024);
        let mut ep = Endpoint::new(w.clone(), 0);
        assert_eq!(w.mem.load(hdr::FS), 0);
        assert_eq!(ep.fs_list("/").unwrap(), ["tmp"]);
        assert_ne!(w.mem.load(hdr::FS), 0);
        let tmp = ep.fs_stat("/tmp").unwrap();
        assert_eq!((tmp.kind, tmp.mode, tmp.nlink), (FileKind::Dir, 0o1777, 2));
        assert_eq!(ep.fs_stat("/").unwrap().kind, FileKind::Dir);
        assert_eq!(ep.fs_stat("/tmp/../tmp/.").unwrap().ino, tmp.ino);
    }

    #[test]
    fn open_flags_follow_posix() {
        let w = world(1, 64 * 1024);
        let mut ep = Endpoint::new(w, 0);
        assert_eq!(err(ep.fs_open("/tmp/a", O_RDONLY, 0o644, 1.0)), ENOENT);
        let f = ep.fs_open("/tmp/a", O_WRONLY | O_CREAT | O_EXCL, 0o644, 1.0).unwrap();
        assert_eq!(err(ep.fs_open("/tmp/a", O_WRONLY | O_CREAT | O_EXCL, 0o644, 1.0)), EEXIST);
        assert_eq!(ep.fs_write_at(f, WriteAt::Offset(0), b"hello", 2.0).unwrap(), 5);
        let st = ep.fs_fstat(f).unwrap();
        assert_eq!((st.kind, st.size, st.mode, st.mtime), (FileKind::File, 5, 0o644, 2.0));
        let g = ep.fs_open("/tmp/a", O_RDWR | O_APPEND, 0, 3.0).unwrap();
        assert_eq!(ep.fs_write_at(g, WriteAt::End, b"!", 3.0).unwrap(), 6);
        assert_eq!(read_all(&mut ep, f), b"hello!");
        let h = ep.fs_open("/tmp/a", O_WRONLY | O_TRUNC, 0, 4.0).unwrap();
        assert_eq!(ep.fs_fstat(g).unwrap().size, 0, "truncated for every open");
        for file in [f, g, h] {
            ep.fs_close(file).unwrap();
        }
        assert_eq!(err(ep.fs_close(f)), EBADF, "closed once too often");
        assert_eq!(err(ep.fs_open("/tmp", O_WRONLY, 0, 0.0)), EISDIR);
        assert_eq!(err(ep.fs_open("/tmp/a/", O_RDONLY, 0, 0.0)), ENOTDIR);
        assert_eq!(err(ep.fs_open("/tmp/a/b", O_RDONLY | O_CREAT, 0, 0.0)), ENOTDIR);
        assert_eq!(err(ep.fs_open("/tmp/a", O_RDONLY | O_DIRECTORY, 0, 0.0)), ENOTDIR);
        let d = ep.fs_open("/tmp", O_RDONLY, 0, 0.0).unwrap();
        assert_eq!(ep.fs_fstat(d).unwrap().kind, FileKind::Dir);
        assert_eq!(err(ep.fs_read_at(d, 0, &mut [0; 4])), EISDIR);
        assert_eq!(err(ep.fs_open("relative", O_RDONLY, 0, 0.0)), ENOENT);
        assert_eq!(err(ep.fs_open(&format!("/tmp/{}", "x".repeat(256)), O_CREAT, 0, 0.0)), ENAMETOOLONG);
    }

    #[test]
    fn writes_grow_files_and_holes_read_as_zeros() {
        let w = world(1, 1 << 20);
        let mut ep = Endpoint::new(w, 0);
        let f = ep.fs_open("/f", O_RDWR | O_CREAT, 0o600, 0.0).unwrap();
        let big: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        for chunk in big.chunks(333) {
            ep.fs_write_at(f, WriteAt::End, chunk, 0.0).unwrap();
        }
        assert_eq!(read_all(&mut ep, f), big);
        ep.fs_set_len(f, 10, 0.0).unwrap();
        ep.fs_write_at(f, WriteAt::Offset(20), b"xy", 0.0).unwrap();
        let mut want = big[..10].to_vec();
        want.extend([0; 10]);
        want.extend(b"xy");
        assert_eq!(read_all(&mut ep, f), want, "the cut bytes came back as zeros");
        ep.fs_set_len(f, 30, 0.0).unwrap();
        want.extend([0; 8]);
        assert_eq!(read_all(&mut ep, f), want);
        let mut tail = [9u8; 8];
        assert_eq!(ep.fs_read_at(f, 26, &mut tail).unwrap(), 4);
        assert_eq!(ep.fs_read_at(f, 1000, &mut tail).unwrap(), 0, "past the end");
        ep.fs_truncate("/f", 0, 0.0).unwrap();
        assert_eq!(ep.fs_stat("/f").unwrap().size, 0);
        assert_eq!(err(ep.fs_truncate("/tmp", 0, 0.0)), EISDIR);
    }

    #[test]
    fn unlinked_files_live_until_closed() {
        let w = world(1, 64 * 1024);
        let mut ep = Endpoint::new(w.clone(), 0);
        let f = ep.fs_open("/tmp/gone", O_RDWR | O_CREAT, 0o600, 0.0).unwrap();
        ep.fs_write_at(f, WriteAt::Offset(0), &[5; 1000], 0.0).unwrap();
        ep.fs_unlink("/tmp/gone", 0.0).unwrap();
        assert_eq!(err(ep.fs_stat("/tmp/gone")), ENOENT);
        assert_eq!(ep.fs_fstat(f).unwrap().nlink, 0);
        assert_eq!(read_all(&mut ep, f), [5; 1000]);
        let used = w.mem.load(hdr::HEAP_USED);
        ep.fs_close(f).unwrap();
        assert_eq!(err(ep.fs_fstat(f)), EBADF);
        // The freed inode and data are reused rather than the heap growing.
        let g = ep.fs_open("/tmp/again", O_RDWR | O_CREAT, 0o600, 0.0).unwrap();
        assert_eq!(g, f);
        ep.fs_write_at(g, WriteAt::Offset(0), &[6; 1000], 0.0).unwrap();
        assert_eq!(w.mem.load(hdr::HEAP_USED), used);
        assert_eq!(err(ep.fs_unlink("/tmp", 0.0)), EISDIR);
        assert_eq!(err(ep.fs_unlink("/tmp/nothing", 0.0)), ENOENT);
    }

    #[test]
    fn directories_nest_list_and_must_be_empty_to_go() {
        let w = world(1, 64 * 1024);
        let mut ep = Endpoint::new(w, 0);
        ep.fs_mkdir("/d", 0o755, 0.0).unwrap();
        assert_eq!(err(ep.fs_mkdir("/d", 0o755, 0.0)), EEXIST);
        assert_eq!(err(ep.fs_mkdir("/", 0o755, 0.0)), EEXIST);
        assert_eq!(err(ep.fs_mkdir("/no/such", 0o755, 0.0)), ENOENT);
        ep.fs_mkdir("/d/e/", 0o700, 0.0).unwrap();
        for name in ["b", "a", "c"] {
            let f = ep.fs_open(&format!("/d/{name}"), O_WRONLY | O_CREAT, 0o644, 0.0).unwrap();
            ep.fs_close(f).unwrap();
        }
        assert_eq!(ep.fs_list("/d").unwrap(), ["e", "b", "a", "c"]);
        assert_eq!(err(ep.fs_list("/d/a")), ENOTDIR);
        assert_eq!(err(ep.fs_rmdir("/d", 0.0)), ENOTEMPTY);
        assert_eq!(err(ep.fs_rmdir("/d/a", 0.0)), ENOTDIR);
        assert_eq!(err(ep.fs_rmdir("/", 0.0)), EBUSY);
        ep.fs_unlink("/d/a", 0.0).unwrap();
        assert_eq!(ep.fs_list("/d").unwrap(), ["e", "b", "c"]);
        ep.fs_rmdir("/d/e", 0.0).unwrap();
        ep.fs_unlink("/d/b", 0.0).unwrap();
        ep.fs_unlink("/d/c", 0.0).unwrap();
        assert_eq!(ep.fs_list("/d").unwrap(), Vec::<String>::new());
        ep.fs_rmdir("/d", 0.0).unwrap();
        assert_eq!(ep.fs_list("/").unwrap(), ["tmp"]);
        // Enough entries to grow the inode table past its first size.
        ep.fs_mkdir("/many", 0o755, 0.0).unwrap();
        for k in 0..150 {
            ep.fs_mkdir(&format!("/many/{k}"), 0o755, 0.0).unwrap();
        }
        assert_eq!(ep.fs_list("/many").unwrap().len(), 150);
        assert_eq!(ep.fs_stat("/many/149/..").unwrap().ino, ep.fs_stat("/many").unwrap().ino);
    }

    #[test]
    fn rename_moves_replaces_and_refuses_as_posix_does() {
        let w = world(1, 64 * 1024);
        let mut ep = Endpoint::new(w, 0);
        let write = |ep: &mut Endpoint, path: &str, data: &[u8]| {
            let f = ep.fs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644, 0.0).unwrap();
            ep.fs_write_at(f, WriteAt::Offset(0), data, 0.0).unwrap();
            ep.fs_close(f).unwrap();
        };
        write(&mut ep, "/a", b"A");
        write(&mut ep, "/b", b"B");
        let open_b = ep.fs_open("/b", O_RDONLY, 0, 0.0).unwrap();
        ep.fs_rename("/a", "/b", 0.0).unwrap();
        assert_eq!(ep.fs_list("/").unwrap(), ["tmp", "b"]);
        assert_eq!(ep.fs_stat("/b").unwrap().size, 1);
        assert_eq!(read_all(&mut ep, open_b), b"B", "the replaced file lives while open");
        ep.fs_close(open_b).unwrap();
        ep.fs_mkdir("/d", 0o755, 0.0).unwrap();
        ep.fs_rename("/b", "/d/c", 0.0).unwrap();
        assert_eq!(ep.fs_list("/d").unwrap(), ["c"]);
        assert_eq!(err(ep.fs_rename("/d", "/d/x", 0.0)), EINVAL);
        assert_eq!(err(ep.fs_rename("/d", "/d/c/x", 0.0)), ENOTDIR);
        ep.fs_mkdir("/e", 0o755, 0.0).unwrap();
        write(&mut ep, "/e/keep", b"K");
        assert_eq!(err(ep.fs_rename("/d", "/e", 0.0)), ENOTEMPTY);
        ep.fs_unlink("/e/keep", 0.0).unwrap();
        assert_eq!(err(ep.fs_rename("/d", "/e/d/f", 0.0)), ENOENT);
        ep.fs_rename("/d", "/e/d", 0.0).unwrap();
        assert_eq!(ep.fs_stat("/e/d/c").unwrap().size, 1);
        assert_eq!(ep.fs_stat("/e/d/..").unwrap().ino, ep.fs_stat("/e").unwrap().ino);
        assert_eq!(err(ep.fs_rename("/e", "/e/d/c", 0.0)), EINVAL);
        assert_eq!(err(ep.fs_rename("/e/d/c", "/tmp", 0.0)), EISDIR);
        assert_eq!(err(ep.fs_rename("/e/d", "/e/d/c", 0.0)), EINVAL);
        assert_eq!(err(ep.fs_rename("/nothing", "/x", 0.0)), ENOENT);
        ep.fs_rename("/e/d/c", "/e/d/c", 0.0).unwrap();
        ep.fs_rename("/e/d/c", "/e/d/z", 0.0).unwrap();
        assert_eq!(ep.fs_list("/e/d").unwrap(), ["z"]);
    }

    #[test]
    fn a_full_heap_is_enospc_and_leaves_the_file_as_it_was() {
        let w = world(1, 16 * 1024);
        let mut ep = Endpoint::new(w, 0);
        let f = ep.fs_open("/tmp/big", O_RDWR | O_CREAT, 0o600, 0.0).unwrap();
        ep.fs_write_at(f, WriteAt::Offset(0), &[1; 4000], 0.0).unwrap();
        assert_eq!(err(ep.fs_write_at(f, WriteAt::End, &[2; 20_000], 0.0)), ENOSPC);
        assert_eq!(read_all(&mut ep, f), [1; 4000]);
        ep.fs_set_len(f, 0, 0.0).unwrap();
        ep.fs_write_at(f, WriteAt::Offset(0), &[3; 8000], 0.0).unwrap();
        assert_eq!(ep.fs_fstat(f).unwrap().size, 8000, "the freed space serves again");
    }

    #[test]
    fn ranks_share_files_and_writes_never_tear() {
        let w = world(4, 4 << 20);
        let threads: Vec<_> = (0..4u32)
            .map(|r| {
                let w = w.clone();
                std::thread::spawn(move || {
                    let mut ep = Endpoint::new(w, r);
                    // Every rank appends records to one shared log and makes files of its own.
                    let log = ep.fs_open("/tmp/log", O_WRONLY | O_CREAT | O_APPEND, 0o644, 0.0).unwrap();
                    for k in 0..200u32 {
                        let record = [r as u8; 16].iter().chain(&k.to_le_bytes()).copied().collect::<Vec<_>>();
                        ep.fs_write_at(log, WriteAt::End, &record, 0.0).unwrap();
                        let name = format!("/tmp/r{r}-{k}");
                        let f = ep.fs_open(&name, O_WRONLY | O_CREAT | O_EXCL, 0o644, 0.0).unwrap();
                        ep.fs_write_at(f, WriteAt::Offset(0), name.as_bytes(), 0.0).unwrap();
                        ep.fs_close(f).unwrap();
                        if k % 2 == 0 {
                            ep.fs_unlink(&name, 0.0).unwrap();
                        }
                    }
                    ep.fs_close(log).unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut ep = Endpoint::new(w, 0);
        let log = ep.fs_open("/tmp/log", O_RDONLY, 0, 0.0).unwrap();
        let data = read_all(&mut ep, log);
        assert_eq!(data.len(), 4 * 200 * 20);
        let mut next = [0u32; 4];
        for record in data.chunks(20) {
            let r = record[0] as usize;
            assert!(record[..16].iter().all(|&b| b as usize == r), "a torn record");
            assert_eq!(u32::from_le_bytes(record[16..].try_into().unwrap()), next[r], "rank {r}'s records in order");
            next[r] += 1;
        }
        let names = ep.fs_list("/tmp").unwrap();
        assert_eq!(names.len(), 1 + 4 * 100);
        for name in names.iter().filter(|n| n.starts_with('r')) {
            let f = ep.fs_open(&format!("/tmp/{name}"), O_RDONLY, 0, 0.0).unwrap();
            assert_eq!(read_all(&mut ep, f), format!("/tmp/{name}").as_bytes());
            ep.fs_close(f).unwrap();
        }
    }
}
