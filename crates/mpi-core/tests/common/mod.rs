//! Shared harness of the mpi-core integration tests: runs one closure per rank
//! on its own thread over a single heap-backed World, and guards the run with a
//! watchdog so that a protocol bug fails the test with a diagnosis instead of
//! hanging it.
//!
//! Each rank gets an [`Endpoint`]; when its closure returns, the harness calls
//! `finish(Activity::Done)` for it (as MPI_Finalize would). A rank that panics
//! is marked failed and stops the run, so the other ranks unwind at once, and
//! the first panic is the one reported.

#![allow(dead_code)]

use mpi_core::{Activity, Endpoint, HeapMemory, Layout, MpiError, Verdict, World, analyze};
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long the ranks of one run may take before the watchdog calls it hung.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// How long stopped ranks get to unwind before the test binary gives up on them.
const UNWIND_GRACE: Duration = Duration::from_secs(10);

/// A fresh World of `ranks` ranks; `ring_bytes` sets a (small) inbox size to
/// force chunking and backpressure, `None` keeps the default inbox.
pub fn world(ranks: u32, ring_bytes: Option<u32>) -> World {
    let layout = match ring_bytes {
        Some(bytes) => Layout::with_ring_bytes(ranks, bytes),
        None => Layout::new(ranks),
    };
    World::create(Arc::new(HeapMemory::new(layout.word_len())), layout)
}

/// Runs `f` on every rank of a fresh World and returns the results in rank order.
pub fn run<T: Send>(ranks: u32, ring_bytes: Option<u32>, f: impl Fn(&mut Endpoint) -> T + Sync) -> Vec<T> {
    run_on(&world(ranks, ring_bytes), f)
}

/// Runs `f` on every rank of `world` (one thread per rank) under the watchdog.
pub fn run_on<T: Send>(world: &World, f: impl Fn(&mut Endpoint) -> T + Sync) -> Vec<T> {
    let ranks = world.ranks();
    let first_failure: Mutex<Option<String>> = Mutex::new(None);
    thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<(u32, Option<T>)>();
        for rank in 0..ranks {
            let tx = tx.clone();
            let (f, first_failure) = (&f, &first_failure);
            thread::Builder::new()
                .name(format!("rank {rank}"))
                .spawn_scoped(s, move || {
                    let mut ep = Endpoint::new(world.clone(), rank);
                    let out = panic::catch_unwind(AssertUnwindSafe(|| f(&mut ep)));
                    let out = match out {
                        Ok(v) => {
                            ep.finish(Activity::Done);
                            Some(v)
                        }
                        Err(payload) => {
                            // Record the cause before stopping: panics that the stop
                            // provokes in other ranks come later and are not the cause.
                            let mut first = first_failure.lock().unwrap_or_else(|e| e.into_inner());
                            first.get_or_insert_with(|| format!("rank {rank} panicked: {}", panic_text(&*payload)));
                            drop(first);
                            ep.finish(Activity::Failed);
                            world.stop();
                            None
                        }
                    };
                    let _ = tx.send((rank, out));
                })
                .expect("spawn a rank thread");
        }
        drop(tx);

        let mut results: Vec<Option<T>> = (0..ranks).map(|_| None).collect();
        let mut finished = 0;
        let deadline = Instant::now() + WATCHDOG;
        let mut hung = None;
        while finished < ranks {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok((rank, out)) => {
                    results[rank as usize] = out;
                    finished += 1;
                }
                Err(RecvTimeoutError::Timeout) => {
                    hung = Some(diagnose(world));
                    world.stop();
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        if let Some(diagnosis) = hung {
            // Stopped ranks unwind from any blocking call; one that does not is
            // stuck outside MPI, and waiting for it would hang the test binary.
            let grace = Instant::now() + UNWIND_GRACE;
            while finished < ranks {
                match rx.recv_timeout(grace.saturating_duration_since(Instant::now())) {
                    Ok(_) => finished += 1,
                    Err(_) => {
                        eprintln!(
                            "ranks did not finish within {WATCHDOG:?} and did not unwind after stop:\n{diagnosis}"
                        );
                        std::process::exit(101);
                    }
                }
            }
            panic!("ranks did not finish within {WATCHDOG:?}:\n{diagnosis}");
        }
        if let Some(failure) = first_failure.lock().unwrap_or_else(|e| e.into_inner()).take() {
            panic!("{failure}");
        }
        results.into_iter().map(|r| r.expect("every rank returned")).collect()
    })
}

/// The rank-state table and the deadlock analysis of a run, as text.
pub fn diagnose(world: &World) -> String {
    for _ in 0..1000 {
        if let Some(states) = world.snapshot() {
            let mut text = String::new();
            for (r, s) in states.iter().enumerate() {
                text.push_str(&format!(
                    "  rank {r}: {:?}, blocked on {:?}, {} inbox bytes unread\n",
                    s.activity, s.blocked_on, s.inbox_pending
                ));
            }
            match analyze(&states) {
                Verdict::Deadlock(report) => text.push_str(&report.to_string()),
                verdict => text.push_str(&format!("verdict: {verdict:?}")),
            }
            return text;
        }
        thread::sleep(Duration::from_millis(1));
    }
    "no consistent snapshot of the rank-state table could be taken".into()
}

/// Polls consistent snapshots until `analyze` returns a verdict accepted by
/// `wanted`, or `limit` passes; returns the verdict found, if any.
pub fn wait_for_verdict(world: &World, limit: Duration, wanted: impl Fn(&Verdict) -> bool) -> Option<Verdict> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(states) = world.snapshot() {
            let verdict = analyze(&states);
            if wanted(&verdict) {
                return Some(verdict);
            }
        }
        thread::sleep(Duration::from_millis(1));
    }
    None
}

/// The message of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".into()
    }
}

/// Unwraps an MPI result with the rank and the operation in the panic message.
pub fn ok<T>(what: &str, r: Result<T, MpiError>) -> T {
    r.unwrap_or_else(|e| panic!("{what} failed: {e}"))
}

/// A tiny deterministic generator (xorshift64*), so runs are reproducible.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // Mix the seed so that nearby seeds give unrelated streams; never zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// `len` bytes of a pattern determined by `seed`, for checking payloads.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Index of the first byte where `got` and `want` differ, for readable failures.
pub fn first_difference(got: &[u8], want: &[u8]) -> Option<usize> {
    got.iter().zip(want).position(|(a, b)| a != b).or((got.len() != want.len()).then(|| got.len().min(want.len())))
}
