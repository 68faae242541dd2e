//! The control plane: what the UI thread and a rank's worker tell each other
//! by `postMessage`. Never on the message path between ranks.
//!
//! A worker's life: the JS bootstrap (`web/rank-worker.js`) receives
//! `{kind: "init", module}`, instantiates the shared compiled module and hands
//! every later message to Rust. The worker names the files the page should
//! fetch into the browser's cache once it is ready ([`FromWorker::Prefetch`]),
//! creates an interpreter and posts [`FromWorker::Ready`]; the supervisor
//! sends one [`ToWorker::Run`] (with the World buffer beside it, in the field
//! [`WORLD_FIELD`]); the worker streams [`FromWorker::Output`] batches, posts
//! [`FromWorker::Exit`], warms a fresh interpreter and posts `Ready` again, so
//! a worker serves many runs.
//!
//! A rank (or process) whose script uses `multiprocessing` asks the page for
//! a process with [`FromWorker::Spawn`]; the page runs it on a free worker
//! with a `Run` message for that process slot, and ends it for
//! [`FromWorker::Kill`] by terminating that worker.
//!
//! Messages are plain JS objects (serde-wasm-bindgen) tagged by `kind`.

use mpi_core::RankOutcome;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// The field of a `run` message that carries the World's SharedArrayBuffer
/// (posted as is, not serialized, so that it stays shared).
pub const WORLD_FIELD: &str = "world";

/// The field of a `run` message that carries the output credits: a
/// SharedArrayBuffer of one i32 per World slot (rank or process) counting the output batches the page
/// has taken. A rank with [`MAX_BATCHES_IN_FLIGHT`] batches not yet taken
/// waits (in `Atomics.wait`) before posting more, as a writer to a full pipe
/// does, so a flooding rank runs at the speed the page can show.
pub const CREDITS_FIELD: &str = "credits";

/// Output batches a rank may have posted and the page not yet taken.
pub const MAX_BATCHES_IN_FLIGHT: i32 = 8;

/// The UI thread to a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ToWorker {
    /// Run `source` as world rank `rank` of the World posted beside it (a
    /// `rank` past the MPI ranks is a process slot: the script is imported
    /// as `__mp_main__` there and runs what its parent sends).
    #[serde(rename_all = "camelCase")]
    Run {
        rank: u32,
        source: String,
        /// Shown in tracebacks and as `sys.argv[0]`.
        path: String,
        args: Vec<String>,
        /// `MPI.APPNUM`: which program of an MPMD run this rank's is.
        #[serde(default)]
        appnum: u32,
        /// What this rank reads on stdin: the run's input for rank 0, nothing
        /// for the others (as mpiexec forwards its stdin to rank 0 alone).
        #[serde(default)]
        stdin: String,
        /// `performance.timeOrigin + performance.now()` of the UI thread when
        /// the run started: the zero of `MPI.Wtime()` and of output timestamps,
        /// the same for every rank.
        origin_ms: f64,
    },
}

/// Which stream a chunk of output was written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StreamName {
    Stdout,
    Stderr,
}

/// Whole lines a rank wrote to one stream (or, at its end, its last partial line).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub stream: StreamName,
    pub text: String,
    /// Milliseconds since the run's origin when the rank wrote it.
    pub t: f64,
}

/// A worker to the UI thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FromWorker {
    /// An interpreter is ready for the next run; it took `warm_ms` to create.
    #[serde(rename_all = "camelCase")]
    Ready { warm_ms: f64 },
    /// Files (URLs relative to the worker's script) the page should fetch
    /// into the browser's cache once it is ready: the standard library
    /// modules the report of an uncaught exception and a first `open()`
    /// import, which the rank runtime does not carry, and the runtime's cold
    /// tables. Posted once, when the worker starts.
    Prefetch { urls: Vec<String> },
    /// Output, in the order the rank wrote it.
    Output { chunks: Vec<Chunk> },
    /// The rank's script ended (all its output was posted before this).
    Exit { outcome: RankOutcome },
    /// The runtime itself failed (a Rust panic); the worker is unusable.
    Crash { message: String },
    /// Start a `multiprocessing` process in World slot `slot` (reserved by
    /// the sender); `name` (e.g. "SpawnPoolWorker-1") labels its output.
    Spawn { slot: u32, name: String },
    /// End process `slot` now (`Process.terminate()`); the World already says it ended.
    Kill { slot: u32 },
    /// A warning about the run (a message this rank never received, a
    /// collective it never matched), shown apart from its output.
    Warning { text: String },
}

/// A message as the JS object `postMessage` takes.
pub fn to_js<T: Serialize>(message: &T) -> JsValue {
    // Plain structs of strings and numbers always serialize.
    message.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).expect("control message serializes")
}

/// A received JS object as a message; `Err` says what did not fit.
pub fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}
