//! [`SabMemory`]: a run's World in a JS `SharedArrayBuffer`.
//!
//! Every worker (and the UI thread) wraps the same buffer; words go through
//! `Atomics` (sequentially consistent, as the mailbox protocol needs), payload
//! bytes through bulk `Uint8Array` copies. Only workers may call
//! [`SharedMemory::wait`]: browsers forbid `Atomics.wait` on the main thread,
//! and the UI thread only ever reads the state table and rings doorbells.

use js_sys::{Atomics, Int32Array, SharedArrayBuffer, Uint8Array};
use mpi_core::SharedMemory;

/// mpi-core's shared memory over a `SharedArrayBuffer`.
pub struct SabMemory {
    buffer: SharedArrayBuffer,
    words: Int32Array,
    bytes: Uint8Array,
    /// Called before this worker goes to sleep in `Atomics.wait`, so that a
    /// host can hand over what it buffered (output, say) before it may block
    /// for long, or forever in a deadlock.
    before_wait: Option<Box<dyn Fn()>>,
}

// SAFETY: wasm32 without the `atomics` target feature has one thread per
// instance, so these JS handles can never be reached from another thread. The
// trait wants Send + Sync because native ranks are threads sharing one memory;
// in the browser each worker holds its own handle to the shared buffer.
unsafe impl Send for SabMemory {}
unsafe impl Sync for SabMemory {}

impl SabMemory {
    /// A fresh zeroed buffer of `len_words` words (what the UI thread does once per run).
    pub fn new(len_words: usize) -> Self {
        Self::wrap(SharedArrayBuffer::new((len_words * 4) as u32))
    }

    /// Wraps a buffer another thread created (what a worker does with its run's World).
    pub fn wrap(buffer: SharedArrayBuffer) -> Self {
        let words = Int32Array::new(&buffer);
        let bytes = Uint8Array::new(&buffer);
        SabMemory { buffer, words, bytes, before_wait: None }
    }

    /// Sets the hook run before every `Atomics.wait`.
    pub fn with_before_wait(mut self, hook: impl Fn() + 'static) -> Self {
        self.before_wait = Some(Box::new(hook));
        self
    }

    /// The underlying buffer, to post to workers.
    pub fn buffer(&self) -> &SharedArrayBuffer {
        &self.buffer
    }
}

/// Atomics on an in-bounds Int32Array index cannot throw: an error here means
/// the World layout and the buffer disagree, a bug worth stopping for.
fn ok<T>(result: Result<T, wasm_bindgen::JsValue>) -> T {
    result.expect("Atomics on the World buffer failed")
}

impl SharedMemory for SabMemory {
    fn len_words(&self) -> usize {
        self.words.length() as usize
    }
    fn load(&self, word: usize) -> u32 {
        ok(Atomics::load(&self.words, word as u32)) as u32
    }
    fn store(&self, word: usize, value: u32) {
        ok(Atomics::store(&self.words, word as u32, value as i32));
    }
    fn swap(&self, word: usize, value: u32) -> u32 {
        ok(Atomics::exchange(&self.words, word as u32, value as i32)) as u32
    }
    fn fetch_add(&self, word: usize, delta: u32) -> u32 {
        ok(Atomics::add(&self.words, word as u32, delta as i32)) as u32
    }
    fn compare_exchange(&self, word: usize, current: u32, new: u32) -> Result<u32, u32> {
        let old = ok(Atomics::compare_exchange(&self.words, word as u32, current as i32, new as i32)) as u32;
        if old == current { Ok(old) } else { Err(old) }
    }
    fn wait(&self, word: usize, expected: u32) {
        if let Some(hook) = &self.before_wait {
            hook();
        }
        // "not-equal", "ok" and "timed-out" all mean: look again. On the main
        // thread Atomics.wait throws; returning is the only safe answer there.
        let _ = Atomics::wait(&self.words, word as u32, expected as i32);
    }
    fn wait_for(&self, word: usize, expected: u32, seconds: f64) {
        if let Some(hook) = &self.before_wait {
            hook();
        }
        let _ = Atomics::wait_with_timeout(&self.words, word as u32, expected as i32, seconds.max(0.0) * 1000.0);
    }
    fn wake_all(&self, word: usize) {
        let _ = Atomics::notify(&self.words, word as u32);
    }
    fn write_bytes(&self, offset: usize, src: &[u8]) {
        if src.is_empty() {
            return;
        }
        self.bytes.subarray(offset as u32, (offset + src.len()) as u32).copy_from(src);
    }
    fn read_bytes(&self, offset: usize, dst: &mut [u8]) {
        if dst.is_empty() {
            return;
        }
        self.bytes.subarray(offset as u32, (offset + dst.len()) as u32).copy_to(dst);
    }
}
