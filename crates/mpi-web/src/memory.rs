//! [`SabMemory`]: a run's World in a JS `SharedArrayBuffer`.
//!
//! Every worker (and the UI thread) wraps the same buffer; words go through
//! `Atomics` (sequentially consistent, as the mailbox protocol needs), payload
//! bytes through bulk `Uint8Array` copies. Only workers may call
//! [`SharedMemory::wait`]: browsers forbid `Atomics.wait` on the main thread,
//! and the UI thread only ever reads the state table and rings doorbells.

use js_sys::{Atomics, Int32Array, SharedArrayBuffer, Uint8Array};
use mpi_core::SharedMemory;
use wasm_bindgen::prelude::*;

// The word operations, bound without js-sys's `catch`: its wrapper (a
// try/catch over `arguments`) costs more than the atomic itself, and these
// are the mailbox's hottest calls (a rank spinning on its doorbell makes
// thousands). On an Int32Array over a SharedArrayBuffer, with indices inside
// the World, they cannot throw; if a layout bug made one throw, the wasm
// would trap and the worker report a crash.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Atomics, js_name = load)]
    fn atomic_load(array: &Int32Array, index: u32) -> i32;
    #[wasm_bindgen(js_namespace = Atomics, js_name = store)]
    fn atomic_store(array: &Int32Array, index: u32, value: i32) -> i32;
    #[wasm_bindgen(js_namespace = Atomics, js_name = exchange)]
    fn atomic_exchange(array: &Int32Array, index: u32, value: i32) -> i32;
    #[wasm_bindgen(js_namespace = Atomics, js_name = add)]
    fn atomic_add(array: &Int32Array, index: u32, value: i32) -> i32;
    #[wasm_bindgen(js_namespace = Atomics, js_name = compareExchange)]
    fn atomic_compare_exchange(array: &Int32Array, index: u32, expected: i32, value: i32) -> i32;
    #[wasm_bindgen(js_namespace = Atomics, js_name = notify)]
    fn atomic_notify(array: &Int32Array, index: u32) -> i32;
}

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

impl SharedMemory for SabMemory {
    fn len_words(&self) -> usize {
        self.words.length() as usize
    }
    fn load(&self, word: usize) -> u32 {
        atomic_load(&self.words, word as u32) as u32
    }
    fn store(&self, word: usize, value: u32) {
        atomic_store(&self.words, word as u32, value as i32);
    }
    fn swap(&self, word: usize, value: u32) -> u32 {
        atomic_exchange(&self.words, word as u32, value as i32) as u32
    }
    fn fetch_add(&self, word: usize, delta: u32) -> u32 {
        atomic_add(&self.words, word as u32, delta as i32) as u32
    }
    fn compare_exchange(&self, word: usize, current: u32, new: u32) -> Result<u32, u32> {
        let old = atomic_compare_exchange(&self.words, word as u32, current as i32, new as i32) as u32;
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
        atomic_notify(&self.words, word as u32);
    }
    fn write_bytes(&self, offset: usize, src: &[u8]) {
        if src.is_empty() {
            return;
        }
        // SAFETY: the view of our own memory is used at once, before anything
        // could allocate (and so grow and move the wasm memory it looks at).
        let view = unsafe { Uint8Array::view(src) };
        self.bytes.set(&view, offset as u32);
    }
    fn read_bytes(&self, offset: usize, dst: &mut [u8]) {
        if dst.is_empty() {
            return;
        }
        self.bytes.subarray(offset as u32, (offset + dst.len()) as u32).copy_to(dst);
    }
}
