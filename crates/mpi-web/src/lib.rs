//! mpi-web: the browser plumbing both sides of a run share.
//!
//! What it is: [`SabMemory`], mpi-core's [`mpi_core::SharedMemory`] over a JS
//! `SharedArrayBuffer` (js-sys `Atomics` for words, bulk `Uint8Array` copies
//! for payloads), and [`protocol`], the control messages the UI thread and a
//! rank's worker exchange by `postMessage`.
//!
//! What it is not: it starts no workers and runs no Python. The rank side is
//! the `mpi-worker` crate, the supervisor side lives in `mpi-ui`. Messages
//! between ranks never use `postMessage`: they go through mpi-core's mailbox
//! protocol in the shared buffer, because a rank blocked in `Atomics.wait`
//! cannot receive events.

pub mod memory;
pub mod protocol;

pub use memory::SabMemory;
