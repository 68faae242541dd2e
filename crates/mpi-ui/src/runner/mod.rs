//! The run supervisor on the UI thread: a pool of warm rank workers, one run
//! at a time over a fresh World SharedArrayBuffer, and how each run ends.
//!
//! Nothing here blocks: workers talk by events, and a 20 ms interval watches
//! the World's rank-state table (deadlock, the same analysis as the native
//! runner), the time limit and the grace given to ranks to unwind after a stop.
//! A worker whose rank ended by itself warms a fresh interpreter and serves the
//! next run; one that did not (Stop, timeout, a rank stuck in a Python loop) is
//! terminated, which always works, and replaced in the background.

mod js_api;
pub mod observe;
mod pool;
mod prefetch;
pub mod record;
mod runtime_load;

pub use js_api::install;
pub use pool::{MAX_RANKS, Playground, ProgramRun, RunEvent, RunRequest};
pub use record::Status;
