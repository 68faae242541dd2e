//! The shared memory every rank of a run sees: 32-bit words with atomic
//! operations and futex-style waiting, plus plain byte copies for payloads.
//!
//! The mailbox protocol is written once against [`SharedMemory`]. The native
//! runner backs it with [`HeapMemory`] (atomics + futex, one process, threads as
//! ranks); the browser backs it with a JS `SharedArrayBuffer` and `Atomics`.
//! Words and bytes share one address space: word `i` covers bytes `4*i..4*i+4`.
//! The protocol never touches the same bytes both as words and as payload.

/// Word-addressed shared memory with atomics, futex waits and bulk byte copies.
///
/// All atomic operations are sequentially consistent: the protocol relies on a
/// Dekker-style handshake (a sleeper publishes "sleeping" then re-reads its
/// doorbell; a waker bumps the doorbell then reads "sleeping").
pub trait SharedMemory: Send + Sync {
    /// Size in 32-bit words.
    fn len_words(&self) -> usize;
    fn load(&self, word: usize) -> u32;
    fn store(&self, word: usize, value: u32);
    fn swap(&self, word: usize, value: u32) -> u32;
    fn fetch_add(&self, word: usize, delta: u32) -> u32;
    fn compare_exchange(&self, word: usize, current: u32, new: u32) -> Result<u32, u32>;
    /// Sleeps while `word` holds `expected`. May return spuriously; callers loop.
    fn wait(&self, word: usize, expected: u32);
    /// [`SharedMemory::wait`] for at most `seconds` (timeouts of `multiprocessing` calls).
    fn wait_for(&self, word: usize, expected: u32, seconds: f64);
    /// Wakes every thread sleeping in [`SharedMemory::wait`] on `word`.
    fn wake_all(&self, word: usize);
    /// Copies `src` into the shared bytes at `offset`.
    fn write_bytes(&self, offset: usize, src: &[u8]);
    /// Copies shared bytes at `offset` into `dst`.
    fn read_bytes(&self, offset: usize, dst: &mut [u8]);
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::HeapMemory;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::SharedMemory;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

    /// Process-local shared memory for ranks that are threads: a heap block of
    /// atomic words, with real futex sleeps (`atomic-wait`), never sleep-polling.
    pub struct HeapMemory {
        words: Box<[AtomicU32]>,
    }

    impl HeapMemory {
        pub fn new(len_words: usize) -> Self {
            // Zeroed by the allocator (calloc), so pages nobody touches (unused
            // process slots, the heap) are never committed.
            let zeroed: Box<[u32]> = vec![0u32; len_words].into_boxed_slice();
            // SAFETY: AtomicU32 has the same size, alignment and bit validity as u32.
            let words = unsafe { Box::from_raw(Box::into_raw(zeroed) as *mut [AtomicU32]) };
            HeapMemory { words }
        }

        fn byte_ptr(&self, offset: usize, len: usize) -> *mut u8 {
            assert!(offset + len <= self.words.len() * 4, "byte range outside the shared memory");
            // The words are UnsafeCell-backed atomics, so writing through a pointer
            // derived from them is allowed; the protocol gives each payload byte a
            // single writer, ordered against its reader by SeqCst index words.
            self.words.as_ptr().cast::<u8>().cast_mut().wrapping_add(offset)
        }
    }

    /// A futex wait with a timeout (Linux); elsewhere a bounded nap, which is
    /// only ever used for calls that have a timeout.
    #[cfg(target_os = "linux")]
    fn timed_wait(word: &AtomicU32, expected: u32, seconds: f64) {
        let secs = seconds.max(0.0);
        let ts = libc::timespec { tv_sec: secs.trunc() as libc::time_t, tv_nsec: (secs.fract() * 1e9) as libc::c_long };
        // SAFETY: a FUTEX_WAIT on a live, aligned u32 with a valid timespec; the
        // kernel only reads them. Any result (woken, timed out, value changed,
        // interrupted) means the caller looks again.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                expected,
                &ts as *const libc::timespec,
            );
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn timed_wait(word: &AtomicU32, expected: u32, seconds: f64) {
        if word.load(SeqCst) == expected {
            std::thread::sleep(std::time::Duration::from_secs_f64(seconds.clamp(0.0, 0.001)));
        }
    }

    impl SharedMemory for HeapMemory {
        fn len_words(&self) -> usize {
            self.words.len()
        }
        fn load(&self, word: usize) -> u32 {
            self.words[word].load(SeqCst)
        }
        fn store(&self, word: usize, value: u32) {
            self.words[word].store(value, SeqCst)
        }
        fn swap(&self, word: usize, value: u32) -> u32 {
            self.words[word].swap(value, SeqCst)
        }
        fn fetch_add(&self, word: usize, delta: u32) -> u32 {
            self.words[word].fetch_add(delta, SeqCst)
        }
        fn compare_exchange(&self, word: usize, current: u32, new: u32) -> Result<u32, u32> {
            self.words[word].compare_exchange(current, new, SeqCst, SeqCst)
        }
        fn wait(&self, word: usize, expected: u32) {
            atomic_wait::wait(&self.words[word], expected)
        }
        fn wait_for(&self, word: usize, expected: u32, seconds: f64) {
            timed_wait(&self.words[word], expected, seconds)
        }
        fn wake_all(&self, word: usize) {
            atomic_wait::wake_all(&self.words[word])
        }
        fn write_bytes(&self, offset: usize, src: &[u8]) {
            let dst = self.byte_ptr(offset, src.len());
            // SAFETY: in bounds (checked), and `src` cannot alias shared memory
            // handed out as `&[u8]`, because none ever is.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) }
        }
        fn read_bytes(&self, offset: usize, dst: &mut [u8]) {
            let src = self.byte_ptr(offset, dst.len());
            // SAFETY: as for write_bytes.
            unsafe { std::ptr::copy_nonoverlapping(src, dst.as_mut_ptr(), dst.len()) }
        }
    }
}
