//! mpi-worker: one rank of a browser run, inside a Web Worker.
//!
//! What it is: the wasm entry point `web/rank-worker.js` starts with the page's
//! compiled module. [`start`] warms an interpreter and posts `ready`;
//! [`on_message`] takes a `run` message, attaches to the run's World (the
//! SharedArrayBuffer posted with it), runs the script as its rank with real
//! blocking (`Atomics.wait`), streams output in batches, posts how the rank
//! ended, then warms the next interpreter, so one worker serves many runs.
//!
//! What it is not: it holds no MPI or Python logic (mpi-core and mpi-python do,
//! exactly as in the native runner) and no supervision (the UI thread does).
//! Natively it builds to a binary that only says what it is for.

#[cfg(target_arch = "wasm32")]
mod output;
#[cfg(target_arch = "wasm32")]
mod rank;

#[cfg(target_arch = "wasm32")]
fn main() {
    // Instantiation calls this; the work starts when rank-worker.js calls `start`.
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("mpi-worker is a rank's Web Worker: build it for wasm32 (trunk builds it with the page).");
    std::process::exit(2);
}
