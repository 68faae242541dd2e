//! A rank's output on its way to the UI thread: chunks timestamped when
//! written, posted in batches.
//!
//! Posting every write would let `while True: print(i)` flood the UI thread
//! with events; holding everything would hide output. So a write is posted at
//! once when the last post was at least [`MIN_POST_GAP_MS`] ago, and buffered
//! otherwise; the buffer goes out on the next write past the gap, when it grows
//! past [`MAX_BUFFERED_BYTES`], before the rank sleeps (in MPI or
//! `time.sleep`: it may sleep for long, or forever in a deadlock) and when the
//! rank ends. A rank thus posts at most ~1/MIN_POST_GAP_MS batches per ms.

use js_sys::{Atomics, Int32Array};
use mpi_web::protocol::{Chunk, FromWorker, MAX_BATCHES_IN_FLIGHT, StreamName};
use std::cell::{Cell, RefCell};

/// The least time between two posts while output keeps coming.
const MIN_POST_GAP_MS: f64 = 10.0;
/// Buffered bytes that force a post even within the gap.
const MAX_BUFFERED_BYTES: usize = 256 << 10;
/// How long a rank waits for the page to take its output before posting
/// anyway (a page that stopped listening must not hang a rank for ever).
const MAX_CREDIT_WAIT_MS: f64 = 10_000.0;

pub struct Batcher {
    origin_ms: f64,
    /// The page's count of batches taken, per rank, and this rank's index.
    credits: Option<(Int32Array, u32)>,
    posted: Cell<i32>,
    chunks: RefCell<Vec<Chunk>>,
    bytes: Cell<usize>,
    last_post_ms: Cell<f64>,
}

impl Batcher {
    pub fn new(origin_ms: f64, credits: Option<(Int32Array, u32)>) -> Self {
        Batcher {
            origin_ms,
            credits,
            posted: Cell::new(0),
            chunks: RefCell::new(Vec::new()),
            bytes: Cell::new(0),
            last_post_ms: Cell::new(f64::MIN),
        }
    }

    pub fn write(&self, stream: StreamName, text: &str) {
        let now = crate::rank::now_ms();
        {
            let mut chunks = self.chunks.borrow_mut();
            match chunks.last_mut() {
                // Lines written in the same millisecond to the same stream travel as one chunk.
                Some(last) if last.stream == stream && now - self.origin_ms - last.t < 1.0 => last.text.push_str(text),
                _ => chunks.push(Chunk { stream, text: text.to_owned(), t: now - self.origin_ms }),
            }
        }
        self.bytes.set(self.bytes.get() + text.len());
        if now - self.last_post_ms.get() >= MIN_POST_GAP_MS || self.bytes.get() >= MAX_BUFFERED_BYTES {
            self.flush_at(now);
        }
    }

    /// Posts whatever is buffered.
    pub fn flush(&self) {
        self.flush_at(crate::rank::now_ms());
    }

    fn flush_at(&self, now: f64) {
        let chunks = std::mem::take(&mut *self.chunks.borrow_mut());
        if chunks.is_empty() {
            return;
        }
        self.bytes.set(0);
        self.wait_for_credit(now);
        self.last_post_ms.set(crate::rank::now_ms());
        crate::rank::post(&FromWorker::Output { chunks });
        self.posted.set(self.posted.get() + 1);
    }

    /// Blocks while the page has [`MAX_BATCHES_IN_FLIGHT`] batches of ours to take.
    fn wait_for_credit(&self, since: f64) {
        let Some((credits, rank)) = &self.credits else { return };
        loop {
            let taken = Atomics::load(credits, *rank).unwrap_or(i32::MAX);
            if self.posted.get() - taken < MAX_BATCHES_IN_FLIGHT || crate::rank::now_ms() - since > MAX_CREDIT_WAIT_MS {
                return;
            }
            let _ = Atomics::wait_with_timeout(credits, *rank, taken, 100.0);
        }
    }
}

/// The protocol's name for a rank's stream.
pub fn stream_name(stream: mpi_python::Stream) -> StreamName {
    match stream {
        mpi_python::Stream::Stdout => StreamName::Stdout,
        mpi_python::Stream::Stderr => StreamName::Stderr,
    }
}
