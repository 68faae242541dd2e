//! The run's file system: a small POSIX-like tree of directories and regular
//! files in the World's shared heap, so that every rank and `multiprocessing`
//! process of a run sees the same files (in the browser, where there is no
//! operating system to hold them).
//!
//! Layout, in heap blocks: a superblock (the lock, the inode table's place
//! and size, the pool of free chunks, the write quota and what it has used),
//! the inode table (fixed-size records; inode 0 is "/", 1 starts as "/tmp"),
//! and the data of each non-empty file or directory.
//!
//! A directory's data is one block of entries, `[inode u32][name length
//! u32][name, padded to 4]`, in the order they were made; it grows by alloc
//! + copy + free, which is cheap because entries are small.
//!
//! A file's data is cut into chunks of 64 KiB (`CHUNK_BYTES`): chunk `k`
//! holds bytes from `k * CHUNK_BYTES`. The inode points at the file's chunk
//! table (a heap block of words, heap offset + 1 of chunk `k`'s block or 0
//! for a hole, growing by copy, which is cheap: 4 bytes per chunk), so a
//! file grows without ever copying its data, a hole (a write past the end,
//! `set_len` growth) takes no memory and reads as zeros, and the heap a
//! run's files need is what they hold plus a little. Every chunk but the
//! first is a whole chunk's block; the first may be a smaller block (exactly
//! what was written, doubling as it grows, a whole chunk once it would reach
//! one), so a small file costs its size, not 64 KiB; bytes of the first
//! chunk past its block read as zeros. Whole chunks that files give back go
//! to the file system's own pool, not to the heap's free list, where other
//! blocks would carve them up: a chunk taken from the heap stays a chunk
//! (unless the heap runs out for metadata), so the heap's share of chunks
//! never exceeds the most the files held at once. The bytes past a file's
//! size in its blocks are always zero, so growing never has to clear stale
//! bytes.
//!
//! File data is bounded by a write quota ([`WRITE_QUOTA_BYTES`] unless
//! [`World::fs_set_quota`] says otherwise), counted in the bytes of data
//! blocks the files hold (what really takes heap) and measured from what the
//! seeded workspace holds, so the seed does not eat it. A write past it
//! fails with ENOSPC and changes nothing: every block a call needs is found
//! (and the quota checked) before any byte moves. Removing files gives the
//! room back. [`heap_bytes_for_files`] sizes a heap that holds the quota.
//!
//! Permission bits are enforced for the one user there is (no root): opening
//! needs the owner's read bit to read and write bit to write or truncate,
//! making, removing or renaming an entry needs the directory's write bit.
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
use crate::world::{Layout, World, hdr};

/// Bytes of file data a run may write beyond its seeded workspace.
pub const WRITE_QUOTA_BYTES: u64 = 256 << 20;

/// Bytes of a file's data chunk. 64 KiB: the whole quota is 4096 chunks, so
/// chunk tables stay tiny (16 KiB for one file holding it all) and large
/// reads and writes are long copies; the price, up to one partly used chunk
/// per file, is paid only by files larger than a chunk, because a file's
/// first chunk may be a smaller block (see the module header).
const CHUNK_BYTES: usize = 64 << 10;

/// Heap beside file data for what is not file data: inodes, directories,
/// chunk tables, small first chunks' blocks stranded between others as
/// files come and go, a first chunk's old copy while it grows.
const METADATA_BYTES: u64 = 4 << 20;

/// The heap a World needs so that a workspace of `seeded_bytes` (the sum of
/// the seeded files' sizes) and [`WRITE_QUOTA_BYTES`] of written files fit
/// beside [`Layout::DEFAULT_HEAP_BYTES`] for everything else.
pub fn heap_bytes_for_files(seeded_bytes: usize) -> u32 {
    // A seeded file's blocks hold at most twice its bytes (one just over a
    // chunk takes two); the tiniest files' rounding is in METADATA_BYTES.
    let data = 2 * seeded_bytes as u64 + WRITE_QUOTA_BYTES;
    // A word per chunk in the tables, twice for the smaller tables that
    // growing ones left behind.
    let tables = data.div_ceil(CHUNK_BYTES as u64) * 8;
    let total = u64::from(Layout::DEFAULT_HEAP_BYTES) + data + tables + METADATA_BYTES;
    // Whole WebAssembly pages, within what a heap's size (u32) can say.
    let page = 64 << 10;
    total.div_ceil(page).saturating_mul(page).min(u64::from(u32::MAX) / page * page) as u32
}

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
    /// Heap offset + 1 of the first free whole chunk (each links the next
    /// by its first word), 0 for none.
    pub const POOL: usize = 4;
    /// Bytes of data blocks the files hold.
    pub const USED: usize = 5;
    /// Bytes of data blocks files may hold beyond `SEEDED`.
    pub const QUOTA: usize = 6;
    /// Bytes of data blocks the seeded workspace held when it was put in.
    pub const SEEDED: usize = 7;
    pub const BYTES: usize = 32;
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
    /// Heap offset + 1 of the data block (a file: of its chunk table), 0
    /// for none; and its size (a chunk table: in entries).
    pub const DATA: usize = 6;
    pub const CAP: usize = 7;
    /// The modification time, an f64's bits, low word first.
    pub const MTIME: usize = 8;
    /// A file's first chunk's block size: a whole chunk's, or less (a block
    /// of the heap's own, not of the pool); 0 while that chunk is a hole.
    pub const HEAD_CAP: usize = 10;
    pub const WORDS: usize = 11;
    pub const BYTES: usize = WORDS * 4;
}

/// The owner's permission bits: the only user there is.
const MAY_READ: u32 = 0o400;
const MAY_WRITE: u32 = 0o200;

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
    /// Putting the workspace in, which the quota does not count.
    seeding: bool,
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
        self.mem.store(word(sb + sb::QUOTA * 4), WRITE_QUOTA_BYTES as u32);
        let fs = Locked { world: self, sb, now: 0.0, seeding: false };
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
    /// The write quota does not count them: it starts from what they hold.
    pub fn fs_seed(&self, files: &[(String, Vec<u8>)], now: f64) -> FsResult<()> {
        self.fs_before_run(now, |fs| {
            let out = files.iter().try_for_each(|(path, data)| fs.seed(path, data));
            // What the workspace holds now is where the quota starts.
            fs.world.mem.store(fs.sb_word(sb::SEEDED), fs.used() as u32);
            out
        })
    }

    /// Sets the write quota, the bytes of file data ranks may hold beyond
    /// the seeded workspace, before any rank starts ([`WRITE_QUOTA_BYTES`]
    /// unless this says otherwise).
    pub fn fs_set_quota(&self, bytes: u64) -> FsResult<()> {
        self.fs_before_run(0.0, |fs| {
            fs.world.mem.store(fs.sb_word(sb::QUOTA), bytes.min(u64::from(u32::MAX)) as u32);
            Ok(())
        })
    }

    /// Runs `f` on the file system before any rank starts, without the
    /// quota; `now` stamps what it makes.
    fn fs_before_run<T>(&self, now: f64, f: impl FnOnce(&Locked) -> FsResult<T>) -> FsResult<T> {
        let sb = self.fs_superblock()?;
        let lock = self.heap_word(sb + sb::LOCK * 4)?;
        // No rank runs yet, so the lock is free; one that is not is misuse.
        if self.mem.compare_exchange(lock, 0, 1).is_err() {
            return fail(errno::EBUSY);
        }
        let out = f(&Locked { world: self, sb, now, seeding: true });
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
        let fs = Locked { world: self, sb: sb as usize, now: 0.0, seeding: false };
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
        let out = f(&Locked { world: &self.world, sb, now, seeding: false });
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
                fs.read_data(i, pos as usize, &mut buf[..n])?;
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
            fs.allow(i, MAY_WRITE)?;
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
            fs.allow(parent, MAY_WRITE)?;
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
            fs.allow(parent, MAY_WRITE)?;
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
            // The name leaves one directory and enters another (or the same).
            fs.allow(src_parent, MAY_WRITE)?;
            fs.allow(dst_parent, MAY_WRITE)?;
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
        let reading = oflags & O_ACCMODE != O_WRONLY;
        // O_TRUNC asks to write even with O_RDONLY (Linux checks it so).
        let needs = if reading { MAY_READ } else { 0 } | if writing || oflags & O_TRUNC != 0 { MAY_WRITE } else { 0 };
        let Some(name) = name else {
            // "/" itself.
            return if writing {
                fail(errno::EISDIR)
            } else {
                self.allow(ROOT, needs)?;
                self.opened(ROOT)
            };
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
                    self.allow(i, needs)?;
                    return self.opened(i);
                }
                if dir_only || oflags & O_DIRECTORY != 0 {
                    return fail(errno::ENOTDIR);
                }
                self.allow(i, needs)?;
                if oflags & O_TRUNC != 0 && writing {
                    self.set_len(i, 0)?;
                }
                self.opened(i)
            }
            None if oflags & O_CREAT == 0 => fail(errno::ENOENT),
            None if dir_only => fail(errno::EISDIR),
            None => {
                // The new file's own bits do not bind the open that makes it.
                let i = self.make_entry(parent, name, KIND_FILE, mode)?;
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
        // Data that reaches past all the room there is: a write that
        // continues the file has run out of space (ENOSPC, as a full disk
        // says); one that would leave a hole before it asks for a file
        // larger than any may be (EFBIG).
        if pos > u64::from(size) {
            self.check_size(end)?;
        } else if end > self.limit() && !self.seeding {
            return fail(errno::ENOSPC);
        }
        self.provide(i, pos as usize, end as usize)?;
        self.write_data(i, pos as usize, data)?;
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
        self.make_entry(parent, name, KIND_DIR, mode)?;
        Ok(())
    }

    /// A new file or directory named `name` in `parent` (whose write bit it
    /// needs); nothing is left behind if the entry cannot be added.
    fn make_entry(&self, parent: u32, name: &[u8], kind: u32, mode: u32) -> FsResult<u32> {
        self.allow(parent, MAY_WRITE)?;
        let i = self.new_inode(kind, mode & 0o7777, parent)?;
        if let Err(e) = self.add_entry(parent, name, i) {
            self.release(i)?;
            return Err(e);
        }
        self.set(i, ino::LINKED, 1);
        Ok(i)
    }

    /// The regular files under directory `dir` (named `prefix`) into `out`.
    fn collect_files(&self, dir: u32, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = self.entries(dir) else { return };
        for e in entries {
            let name = String::from_utf8_lossy(&e.name);
            let path = format!("{prefix}{name}");
            match self.get(e.ino, ino::KIND) {
                KIND_DIR if path != "tmp" && name != "__pycache__" => {
                    self.collect_files(e.ino, &format!("{path}/"), out)
                }
                KIND_FILE => {
                    let mut data = vec![0u8; self.get(e.ino, ino::SIZE) as usize];
                    if self.read_data(e.ino, 0, &mut data).is_ok() {
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
                let new = self.alloc_general(2 * bytes)?;
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
        if self.get(i, ino::KIND) == KIND_FILE {
            self.cut_chunks(i, 0)?;
        } else if self.get(i, ino::DATA) != 0 {
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
        let mut buf = vec![0u8; len.min(CHUNK_BYTES)];
        for start in (0..len).step_by(buf.len().max(1)) {
            let n = (len - start).min(buf.len());
            self.world.heap_read(from + start, &mut buf[..n])?;
            self.world.heap_write(to + start, &buf[..n])?;
        }
        Ok(())
    }

    /// EACCES unless `i`'s owner has every permission bit of `bits`.
    fn allow(&self, i: u32, bits: u32) -> FsResult<()> {
        if self.get(i, ino::MODE) & bits == bits { Ok(()) } else { fail(errno::EACCES) }
    }

    /// A block of the heap for metadata or a small first chunk. When the heap
    /// is full, the pool's idle chunks go back to it first: they are memory
    /// the files no longer use.
    fn alloc_general(&self, nbytes: usize) -> FsResult<usize> {
        match self.world.heap_alloc(nbytes) {
            Err(SyncError::Full(_)) if self.world.mem.load(self.sb_word(sb::POOL)) != 0 => {
                while let Some(chunk) = self.world.mem.load(self.sb_word(sb::POOL)).checked_sub(1) {
                    let next = self.world.mem.load(self.world.heap_word(chunk as usize)?);
                    self.world.mem.store(self.sb_word(sb::POOL), next);
                    self.world.heap_free(chunk as usize, CHUNK_BYTES)?;
                }
                Ok(self.world.heap_alloc(nbytes)?)
            }
            other => Ok(other?),
        }
    }

    /// Makes directory `i`'s block hold at least `len` bytes (new bytes zero).
    fn reserve_dir(&self, i: u32, len: usize) -> FsResult<()> {
        let cap = self.get(i, ino::CAP) as usize;
        if len <= cap {
            return Ok(());
        }
        // Doubling keeps adding entries linear.
        let want = len.max(cap * 2).max(64);
        let (new, new_cap) = match self.alloc_general(want) {
            Ok(b) => (b, want),
            // A heap near full may still hold exactly what is needed.
            Err(_) if want > len => (self.alloc_general(len)?, len),
            Err(e) => return Err(e),
        };
        if cap > 0 {
            self.copy(self.data(i), new, self.get(i, ino::SIZE) as usize)?;
            self.world.heap_free(self.data(i), cap)?;
        }
        self.set(i, ino::DATA, new as u32 + 1);
        self.set(i, ino::CAP, new_cap as u32);
        Ok(())
    }

    /// Bytes of data blocks the files hold.
    fn used(&self) -> u64 {
        u64::from(self.world.mem.load(self.sb_word(sb::USED)))
    }

    fn set_used(&self, bytes: u64) {
        self.world.mem.store(self.sb_word(sb::USED), bytes as u32);
    }

    /// The most bytes of data blocks files may hold: the seed's and the quota.
    fn limit(&self) -> u64 {
        u64::from(self.world.mem.load(self.sb_word(sb::SEEDED)))
            + u64::from(self.world.mem.load(self.sb_word(sb::QUOTA)))
    }

    /// EFBIG for a file larger than all the files may hold: holes cost
    /// nothing, but whoever reads such a file back (a host collecting the
    /// run's files) would need the memory.
    fn check_size(&self, size: u64) -> FsResult<()> {
        if size > self.limit() && !self.seeding { fail(errno::EFBIG) } else { Ok(()) }
    }

    /// The heap block bytes a first chunk of `cap` bytes takes (the heap's
    /// rounding: at least 8, a multiple of 8).
    fn head_block(cap: usize) -> usize {
        cap.max(8).div_ceil(8) * 8
    }

    /// The table word of file `i`'s chunk `k` (below its table's capacity).
    fn chunk_word(&self, i: u32, k: usize) -> usize {
        self.world.heap_word(self.data(i) + 4 * k).expect("a chunk table lies in the heap")
    }

    /// Where file `i`'s chunk `k` lies: its block's heap offset and size;
    /// None for a hole.
    fn chunk(&self, i: u32, k: usize) -> Option<(usize, usize)> {
        if self.get(i, ino::DATA) == 0 || k >= self.get(i, ino::CAP) as usize {
            return None;
        }
        let block = (self.world.mem.load(self.chunk_word(i, k)) as usize).checked_sub(1)?;
        Some((block, if k == 0 { self.get(i, ino::HEAD_CAP) as usize } else { CHUNK_BYTES }))
    }

    /// A whole chunk, zeroed: from the pool, else from the heap.
    fn take_chunk(&self) -> FsResult<usize> {
        let pool = self.sb_word(sb::POOL);
        let Some(chunk) = (self.world.mem.load(pool) as usize).checked_sub(1) else {
            return Ok(self.world.heap_alloc(CHUNK_BYTES)?);
        };
        self.world.mem.store(pool, self.world.mem.load(self.world.heap_word(chunk)?));
        static ZEROS: [u8; CHUNK_BYTES] = [0; CHUNK_BYTES];
        self.world.heap_write(chunk, &ZEROS)?;
        Ok(chunk)
    }

    /// Gives a whole chunk back to the pool.
    fn put_chunk(&self, chunk: usize) -> FsResult<()> {
        let pool = self.sb_word(sb::POOL);
        self.world.mem.store(self.world.heap_word(chunk)?, self.world.mem.load(pool));
        self.world.mem.store(pool, chunk as u32 + 1);
        Ok(())
    }

    /// Gives back a data block of `bytes` (a whole chunk goes to the pool).
    fn free_block(&self, block: usize, bytes: usize) -> FsResult<()> {
        if bytes == CHUNK_BYTES { self.put_chunk(block) } else { Ok(self.world.heap_free(block, bytes)?) }
    }

    /// A data block of `bytes` (a whole chunk, or a small first chunk).
    fn take_block(&self, bytes: usize) -> FsResult<usize> {
        if bytes == CHUNK_BYTES { self.take_chunk() } else { self.alloc_general(bytes) }
    }

    /// Makes file `i`'s chunk table hold at least `entries` entries.
    fn grow_table(&self, i: u32, entries: usize) -> FsResult<()> {
        let cap = self.get(i, ino::CAP) as usize;
        if entries <= cap {
            return Ok(());
        }
        let new_cap = entries.max(2 * cap).max(2);
        let new = self.alloc_general(4 * new_cap)?;
        if cap > 0 {
            self.copy(self.data(i), new, 4 * cap)?;
            self.world.heap_free(self.data(i), 4 * cap)?;
        }
        self.set(i, ino::DATA, new as u32 + 1);
        self.set(i, ino::CAP, new_cap as u32);
        Ok(())
    }

    /// Gives file `i` a block for every chunk that bytes `pos..end` touch
    /// (new bytes zero), within the quota. All or nothing: what it needs is
    /// counted and taken before anything is put in place.
    fn provide(&self, i: u32, pos: usize, end: usize) -> FsResult<()> {
        let (first, last) = (pos / CHUNK_BYTES, (end - 1) / CHUNK_BYTES);
        let missing: Vec<usize> = (first.max(1)..=last).filter(|&k| self.chunk(i, k).is_none()).collect();
        // The first chunk's block, when it must be made or grow: exactly
        // what is written at first (a seeded file, a small file written at
        // once), doubling after, so appends copy little; a whole chunk
        // once it would reach one.
        let head = self.chunk(i, 0);
        let head_need = if first == 0 { end.min(CHUNK_BYTES) } else { 0 };
        let new_head = match head {
            Some((_, cap)) if cap >= head_need => None,
            _ if head_need == 0 => None,
            Some((_, cap)) => Some(head_need.max(2 * cap)),
            None => Some(head_need),
        }
        .map(|want| if want >= CHUNK_BYTES { CHUNK_BYTES } else { Self::head_block(want) });
        let old_head = head.filter(|_| new_head.is_some()).map_or(0, |(_, cap)| cap);
        let added = (missing.len() as u64) * CHUNK_BYTES as u64 + new_head.unwrap_or(0) as u64;
        if added == 0 {
            return Ok(());
        }
        let used = self.used() + added - old_head as u64;
        if used > self.limit() && !self.seeding {
            return fail(errno::ENOSPC);
        }
        // A bigger table holding the same entries changes nothing visible.
        self.grow_table(i, last + 1)?;
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let sizes = missing.iter().map(|_| CHUNK_BYTES).chain(new_head);
        for bytes in sizes {
            match self.take_block(bytes) {
                Ok(block) => taken.push((block, bytes)),
                Err(e) => {
                    for (block, bytes) in taken {
                        self.free_block(block, bytes)?;
                    }
                    return Err(e);
                }
            }
        }
        if new_head.is_some() {
            let (block, bytes) = taken.pop().expect("the first chunk's block was taken last");
            if let Some((old, cap)) = head {
                self.copy(old, block, cap)?;
                self.free_block(old, cap)?;
            }
            self.world.mem.store(self.chunk_word(i, 0), block as u32 + 1);
            self.set(i, ino::HEAD_CAP, bytes as u32);
        }
        for (k, (block, _)) in missing.into_iter().zip(taken) {
            self.world.mem.store(self.chunk_word(i, k), block as u32 + 1);
        }
        self.set_used(used);
        Ok(())
    }

    /// Calls `f(block, offset, range)` for each piece of bytes `pos..pos +
    /// len` of file `i` that one chunk holds: the chunk's block (heap offset
    /// and size) or None for a hole, the piece's offset in the chunk, and its
    /// place in `0..len`.
    fn pieces(
        &self,
        i: u32,
        pos: usize,
        len: usize,
        mut f: impl FnMut(Option<(usize, usize)>, usize, std::ops::Range<usize>) -> FsResult<()>,
    ) -> FsResult<()> {
        let mut done = 0;
        while done < len {
            let at = pos + done;
            let (k, offset) = (at / CHUNK_BYTES, at % CHUNK_BYTES);
            let n = (CHUNK_BYTES - offset).min(len - done);
            f(self.chunk(i, k), offset, done..done + n)?;
            done += n;
        }
        Ok(())
    }

    /// Reads file `i`'s bytes from `pos` into `buf` (within its size):
    /// holes, and what lies past a small first chunk's block, are zeros.
    fn read_data(&self, i: u32, pos: usize, buf: &mut [u8]) -> FsResult<()> {
        self.pieces(i, pos, buf.len(), |block, offset, range| {
            let piece = &mut buf[range];
            let stored = match block {
                Some((block, cap)) if offset < cap => {
                    let stored = piece.len().min(cap - offset);
                    self.world.heap_read(block + offset, &mut piece[..stored])?;
                    stored
                }
                _ => 0,
            };
            piece[stored..].fill(0);
            Ok(())
        })
    }

    /// Writes `data` at `pos` of file `i`, whose blocks [`Self::provide`] made.
    fn write_data(&self, i: u32, pos: usize, data: &[u8]) -> FsResult<()> {
        self.pieces(i, pos, data.len(), |block, offset, range| match block {
            Some((block, cap)) if offset + range.len() <= cap => {
                Ok(self.world.heap_write(block + offset, &data[range])?)
            }
            // Only a corrupt table could lack a block provide made.
            _ => fail(errno::EINVAL),
        })
    }

    /// Frees file `i`'s chunks that lie wholly at or past byte `len` (all,
    /// and the table, for 0), giving their bytes back to the quota.
    fn cut_chunks(&self, i: u32, len: usize) -> FsResult<()> {
        let cap = self.get(i, ino::CAP) as usize;
        let mut freed = 0;
        for k in len.div_ceil(CHUNK_BYTES)..cap {
            if let Some((block, bytes)) = self.chunk(i, k) {
                self.free_block(block, bytes)?;
                self.world.mem.store(self.chunk_word(i, k), 0);
                freed += bytes as u64;
                if k == 0 {
                    self.set(i, ino::HEAD_CAP, 0);
                }
            }
        }
        self.set_used(self.used() - freed);
        if len == 0 && cap > 0 {
            self.world.heap_free(self.data(i), 4 * cap)?;
            self.set(i, ino::DATA, 0);
            self.set(i, ino::CAP, 0);
        }
        Ok(())
    }

    /// Cuts file `i` to `len` bytes, or extends it with a hole.
    fn set_len(&self, i: u32, len: u32) -> FsResult<()> {
        let size = self.get(i, ino::SIZE) as usize;
        let len_bytes = len as usize;
        if len_bytes > size {
            self.check_size(u64::from(len))?;
        } else if len_bytes < size {
            self.cut_chunks(i, len_bytes)?;
            // The chunk the new end falls in keeps zeros past it (see the
            // module header); a chunk it begins was freed whole.
            let (k, offset) = (len_bytes / CHUNK_BYTES, len_bytes % CHUNK_BYTES);
            if let Some((block, cap)) = self.chunk(i, k).filter(|_| offset > 0) {
                let stale_end = cap.min(size - k * CHUNK_BYTES);
                if offset < stale_end {
                    self.world.heap_write(block + offset, &vec![0; stale_end - offset])?;
                }
            }
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
        self.reserve_dir(dir, size + raw.len())?;
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

    /// Bytes `0..len` of a pattern that differs from chunk to chunk.
    fn pattern(seed: u8, len: usize) -> Vec<u8> {
        (0..len).map(|k| (k / 997) as u8 ^ (k as u8).wrapping_mul(31) ^ seed).collect()
    }

    fn write_file(ep: &mut Endpoint, path: &str, data: &[u8]) -> FsResult<u64> {
        let f = ep.fs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644, 0.0)?;
        let out = ep.fs_write_at(f, WriteAt::Offset(0), data, 0.0);
        ep.fs_close(f)?;
        out
    }

    #[test]
    fn one_write_larger_than_the_room_left_is_out_of_space_not_too_large() {
        let w = world(1, 4 << 20);
        w.fs_set_quota(1 << 20).unwrap();
        let mut ep = Endpoint::new(w.clone(), 0);
        let f = ep.fs_open("/big", O_WRONLY | O_CREAT, 0o644, 0.0).unwrap();
        ep.fs_write_at(f, WriteAt::End, &[1; 512 << 10], 0.0).unwrap();
        // Continuing the file past all the room: a full disk's ENOSPC, as a
        // program filling the quota with big writes meets it.
        assert_eq!(err(ep.fs_write_at(f, WriteAt::End, &[2; 1 << 20], 0.0)), ENOSPC);
        assert_eq!(err(ep.fs_write_at(f, WriteAt::Offset(100), &[2; 2 << 20], 0.0)), ENOSPC);
        assert_eq!(ep.fs_fstat(f).unwrap().size, 512 << 10);
    }

    #[test]
    fn the_quota_bounds_written_data_and_a_write_past_it_changes_nothing() {
        const KIB: usize = 1024;
        let w = world(1, 4 << 20);
        let seeded = pattern(9, 300 * KIB);
        w.fs_seed(&[("/seed.bin".to_owned(), seeded.clone())], 1.0).unwrap();
        w.fs_set_quota(1 << 20).unwrap();
        let mut ep = Endpoint::new(w.clone(), 0);
        let a = ep.fs_open("/a", O_RDWR | O_CREAT, 0o644, 0.0).unwrap();
        let data = pattern(1, 1024 * KIB);
        // 15 whole chunks: the seed's 300 KiB did not take from the 1 MiB.
        for piece in data[..960 * KIB].chunks(64 * KIB) {
            ep.fs_write_at(a, WriteAt::End, piece, 0.0).unwrap();
        }
        // Two more chunks would be 1088 KiB: refused, and nothing changed.
        assert_eq!(err(ep.fs_write_at(a, WriteAt::End, &[7; 100 * KIB], 0.0)), ENOSPC);
        assert_eq!(read_all(&mut ep, a), &data[..960 * KIB]);
        // One more chunk is exactly the quota.
        ep.fs_write_at(a, WriteAt::End, &data[960 * KIB..], 0.0).unwrap();
        assert_eq!(err(ep.fs_write_at(a, WriteAt::End, b"x", 0.0)), ENOSPC);
        assert_eq!(err(ep.fs_write_at(a, WriteAt::Offset(2 << 20), b"x", 0.0)), EFBIG, "larger than all files may be");
        assert_eq!(ep.fs_fstat(a).unwrap().size, 1 << 20);
        // Overwriting takes no new room.
        ep.fs_write_at(a, WriteAt::Offset(5), b"over", 0.0).unwrap();
        let mut want = data.clone();
        want[5..9].copy_from_slice(b"over");
        assert_eq!(read_all(&mut ep, a), want);
        ep.fs_close(a).unwrap();
        // A new file has no room either, but a hole costs nothing.
        let b = ep.fs_open("/b", O_RDWR | O_CREAT, 0o644, 0.0).unwrap();
        assert_eq!(err(ep.fs_write_at(b, WriteAt::Offset(0), b"x", 0.0)), ENOSPC);
        ep.fs_set_len(b, 1000, 0.0).unwrap();
        assert_eq!(read_all(&mut ep, b), [0; 1000]);
        assert_eq!(err(ep.fs_set_len(b, 2 << 20, 0.0)), EFBIG, "larger than all files may be");
        // Removing a file gives its room back.
        ep.fs_unlink("/a", 0.0).unwrap();
        let heap_used = w.mem.load(hdr::HEAP_USED);
        ep.fs_write_at(b, WriteAt::Offset(0), &data, 0.0).unwrap();
        assert_eq!(read_all(&mut ep, b), data);
        assert_eq!(w.mem.load(hdr::HEAP_USED), heap_used, "the freed chunks served again");
        // So does cutting one.
        ep.fs_set_len(b, 512 * KIB as u64, 0.0).unwrap();
        assert_eq!(write_file(&mut ep, "/c", &data[..512 * KIB]).unwrap(), 512 * KIB as u64);
        assert_eq!(err(write_file(&mut ep, "/d", b"no room")), ENOSPC);
        ep.fs_close(b).unwrap();
        let files = w.fs_files();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["b", "c", "d", "seed.bin"]);
        assert_eq!((files[0].1.as_slice(), files[1].1.as_slice()), (&data[..512 * KIB], &data[..512 * KIB]));
        assert_eq!((files[2].1.len(), &files[3].1), (0, &seeded));
    }

    #[test]
    fn sparse_files_take_no_room_for_their_holes() {
        let w = world(1, 1 << 20);
        let mut ep = Endpoint::new(w.clone(), 0);
        let f = ep.fs_open("/sparse", O_RDWR | O_CREAT, 0o644, 0.0).unwrap();
        // 100 MiB in, far beyond the heap: one chunk and a table.
        let far = 100 << 20;
        ep.fs_write_at(f, WriteAt::Offset(far), b"end", 0.0).unwrap();
        assert!(w.mem.load(hdr::HEAP_USED) < 128 * 1024, "holes took memory");
        let mut buf = vec![9u8; 300_000];
        assert_eq!(ep.fs_read_at(f, far - 299_997, &mut buf).unwrap(), 300_000);
        assert!(buf[..299_997].iter().all(|&b| b == 0));
        assert_eq!(&buf[299_997..], b"end");
        ep.fs_set_len(f, far + 200_000, 0.0).unwrap();
        assert_eq!(ep.fs_read_at(f, far, &mut buf).unwrap(), 200_000);
        assert_eq!(&buf[..3], b"end");
        assert!(buf[3..200_000].iter().all(|&b| b == 0), "grown with zeros");
        // Cut inside the chunk and grown again: the cut bytes read as zeros.
        ep.fs_set_len(f, far + 1, 0.0).unwrap();
        ep.fs_set_len(f, far + 3, 0.0).unwrap();
        assert_eq!(ep.fs_read_at(f, far, &mut buf[..10]).unwrap(), 3);
        assert_eq!(&buf[..3], b"e\0\0");
        // A small first chunk inside a larger file: past its block is zeros.
        let g = ep.fs_open("/small", O_RDWR | O_CREAT, 0o644, 0.0).unwrap();
        ep.fs_set_len(g, 100_000, 0.0).unwrap();
        ep.fs_write_at(g, WriteAt::Offset(10), b"abc", 0.0).unwrap();
        ep.fs_write_at(g, WriteAt::Offset(70_000), b"xyz", 0.0).unwrap();
        let mut want = vec![0u8; 100_000];
        want[10..13].copy_from_slice(b"abc");
        want[70_000..70_003].copy_from_slice(b"xyz");
        assert_eq!(read_all(&mut ep, g), want);
        // It grows by doubling, keeping what it held.
        ep.fs_write_at(g, WriteAt::Offset(5000), b"mid", 0.0).unwrap();
        want[5000..5003].copy_from_slice(b"mid");
        assert_eq!(read_all(&mut ep, g), want);
        ep.fs_set_len(g, 11, 0.0).unwrap();
        ep.fs_set_len(g, 80_000, 0.0).unwrap();
        want.truncate(11);
        want.resize(80_000, 0);
        assert_eq!(read_all(&mut ep, g), want, "cut bytes of the small block read as zeros");
        for file in [f, g] {
            ep.fs_close(file).unwrap();
        }
        ep.fs_unlink("/sparse", 0.0).unwrap();
        ep.fs_unlink("/small", 0.0).unwrap();
        let f = ep.fs_open("/again", O_RDWR | O_CREAT, 0o644, 0.0).unwrap();
        let heap_used = w.mem.load(hdr::HEAP_USED);
        ep.fs_write_at(f, WriteAt::Offset(far), b"end", 0.0).unwrap();
        assert_eq!(w.mem.load(hdr::HEAP_USED), heap_used, "the chunk and table came back");
    }

    #[test]
    fn a_heap_sized_for_files_holds_the_quota_written_by_files_growing_together() {
        let heap = heap_bytes_for_files(0);
        let w = world(1, heap);
        let mut ep = Endpoint::new(w.clone(), 0);
        let files: Vec<FileId> =
            (0..4).map(|k| ep.fs_open(&format!("/out{k}"), O_WRONLY | O_CREAT, 0o644, 0.0).unwrap()).collect();
        let append = 100 * 1024;
        let mut written = [0usize; 4];
        'fill: loop {
            for (k, &f) in files.iter().enumerate() {
                let data = pattern(k as u8 + written[k] as u8, append);
                match ep.fs_write_at(f, WriteAt::End, &data, 0.0) {
                    Ok(_) => written[k] += append,
                    Err(FsError::Errno(ENOSPC)) => break 'fill,
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
        // What stopped the writes was the quota, not the heap: the files hold
        // all but the unused ends of their last chunks and the refused append.
        let total: usize = written.iter().sum();
        assert!(total as u64 > WRITE_QUOTA_BYTES - 4 * CHUNK_BYTES as u64 - append as u64, "{total}");
        // And the heap's default share is still free for everything else.
        let heap_used = w.mem.load(hdr::HEAP_USED);
        assert!(heap_used + Layout::DEFAULT_HEAP_BYTES <= heap, "{heap_used} of {heap}");
        for (k, &f) in files.iter().enumerate() {
            assert_eq!(ep.fs_fstat(f).unwrap().size, written[k] as u64);
            let mut buf = vec![0u8; append];
            let last = written[k] - append;
            ep.fs_read_at(f, last as u64, &mut buf).unwrap();
            assert_eq!(buf, pattern(k as u8 + last as u8, append), "file {k}'s last append");
            ep.fs_close(f).unwrap();
        }
        // Files going and others coming reuse the chunks: the heap stays.
        ep.fs_unlink("/out0", 0.0).unwrap();
        ep.fs_unlink("/out1", 0.0).unwrap();
        let big = pattern(3, written[0] + written[1]);
        write_file(&mut ep, "/big", &big).unwrap();
        let grown = w.mem.load(hdr::HEAP_USED) - heap_used;
        assert!(grown < CHUNK_BYTES as u32, "no chunk more, only a larger table: {grown}");
        let f = ep.fs_open("/big", O_RDONLY, 0, 0.0).unwrap();
        assert!(read_all(&mut ep, f) == big);
        ep.fs_close(f).unwrap();
    }

    #[test]
    fn permission_bits_are_enforced_for_the_one_user() {
        let w = world(1, 1 << 20);
        let mut ep = Endpoint::new(w, 0);
        ep.fs_mkdir("/d", 0o755, 0.0).unwrap();
        ep.fs_mkdir("/d/sub", 0o755, 0.0).unwrap();
        write_file(&mut ep, "/d/f", b"data").unwrap();
        // A read-only file: no opening to write or truncate, by any route.
        ep.fs_chmod("/d/f", 0o444).unwrap();
        for oflags in [O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_CREAT | O_TRUNC, O_WRONLY | O_APPEND] {
            assert_eq!(err(ep.fs_open("/d/f", oflags, 0o644, 0.0)), EACCES, "{oflags:o}");
        }
        assert_eq!(err(ep.fs_truncate("/d/f", 0, 0.0)), EACCES);
        let f = ep.fs_open("/d/f", O_RDONLY, 0, 0.0).unwrap();
        assert_eq!(read_all(&mut ep, f), b"data", "untouched");
        ep.fs_close(f).unwrap();
        // A write-only file: no reading.
        ep.fs_chmod("/d/f", 0o200).unwrap();
        assert_eq!(err(ep.fs_open("/d/f", O_RDONLY, 0, 0.0)), EACCES);
        assert_eq!(err(ep.fs_open("/d/f", O_RDWR, 0, 0.0)), EACCES);
        let f = ep.fs_open("/d/f", O_WRONLY | O_APPEND, 0, 0.0).unwrap();
        ep.fs_write_at(f, WriteAt::End, b"!", 0.0).unwrap();
        ep.fs_close(f).unwrap();
        ep.fs_truncate("/d/f", 2, 0.0).unwrap();
        ep.fs_chmod("/d/f", 0o644).unwrap();
        // A read-only directory: nothing made, removed or renamed in it;
        // what is in it may still be read and written.
        ep.fs_chmod("/d", 0o555).unwrap();
        assert_eq!(err(ep.fs_open("/d/new", O_WRONLY | O_CREAT, 0o644, 0.0)), EACCES);
        assert_eq!(err(ep.fs_mkdir("/d/new", 0o755, 0.0)), EACCES);
        assert_eq!(err(ep.fs_mkdir("/d/sub", 0o755, 0.0)), EEXIST, "there already");
        assert_eq!(err(ep.fs_unlink("/d/f", 0.0)), EACCES);
        assert_eq!(err(ep.fs_rmdir("/d/sub", 0.0)), EACCES);
        assert_eq!(err(ep.fs_rename("/d/f", "/f", 0.0)), EACCES);
        assert_eq!(err(ep.fs_rename("/d/f", "/d/g", 0.0)), EACCES);
        write_file(&mut ep, "/x", b"x").unwrap();
        assert_eq!(err(ep.fs_rename("/x", "/d/x", 0.0)), EACCES);
        assert_eq!(err(ep.fs_rename("/x", "/d/f", 0.0)), EACCES, "not even replacing");
        assert_eq!(err(ep.fs_unlink("/d/nothing", 0.0)), ENOENT, "what is not there is not there");
        let f = ep.fs_open("/d/f", O_RDWR, 0, 0.0).unwrap();
        ep.fs_write_at(f, WriteAt::Offset(0), b"DA", 0.0).unwrap();
        ep.fs_close(f).unwrap();
        assert_eq!(ep.fs_list("/d").unwrap(), ["sub", "f"]);
        // A directory without its read bit cannot be opened.
        ep.fs_chmod("/d/sub", 0o311).unwrap();
        assert_eq!(err(ep.fs_open("/d/sub", O_RDONLY, 0, 0.0)), EACCES);
        // chmod itself is always allowed, and gives the rights back.
        ep.fs_chmod("/d", 0o755).unwrap();
        ep.fs_rename("/d/f", "/f", 0.0).unwrap();
        ep.fs_rmdir("/d/sub", 0.0).unwrap();
        // A file made without a write bit may be written by the open that makes it.
        let g = ep.fs_open("/d/ro", O_WRONLY | O_CREAT | O_EXCL, 0o444, 0.0).unwrap();
        ep.fs_write_at(g, WriteAt::Offset(0), b"once", 0.0).unwrap();
        ep.fs_close(g).unwrap();
        assert_eq!(err(ep.fs_open("/d/ro", O_WRONLY, 0, 0.0)), EACCES);
        assert_eq!(ep.fs_stat("/f").unwrap().size, 2);
    }
}
