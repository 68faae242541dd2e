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

use mpi_web::protocol::{Chunk, FromWorker, StreamName};
use std::cell::{Cell, RefCell};

/// The least time between two posts while output keeps coming.
const MIN_POST_GAP_MS: f64 = 10.0;
/// Buffered bytes that force a post even within the gap.
const MAX_BUFFERED_BYTES: usize = 256 << 10;

pub struct Batcher {
    origin_ms: f64,
    chunks: RefCell<Vec<Chunk>>,
    bytes: Cell<usize>,
    last_post_ms: Cell<f64>,
}

impl Batcher {
    pub fn new(origin_ms: f64) -> Self {
        Batcher { origin_ms, chunks: RefCell::new(Vec::new()), bytes: Cell::new(0), last_post_ms: Cell::new(f64::MIN) }
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
        self.last_post_ms.set(now);
        crate::rank::post(&FromWorker::Output { chunks });
    }
}

/// The protocol's name for a rank's stream.
pub fn stream_name(stream: mpi_python::Stream) -> StreamName {
    match stream {
        mpi_python::Stream::Stdout => StreamName::Stdout,
        mpi_python::Stream::Stderr => StreamName::Stderr,
    }
}

