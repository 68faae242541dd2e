//! mpi-core: MPI's semantics with no host attached.
//!
//! What it is: envelopes and MPI matching (communicator, source, tag, wildcards,
//! non-overtaking order), the mailbox protocol that moves bytes between ranks
//! through a shared-word memory, collectives built on point-to-point,
//! communicators (intra and inter) and Cartesian topologies, typed reduce ops, the rank-state
//! table and deadlock analysis.
//!
//! What it is not: it knows nothing of Python, the web or threads. The shared
//! memory is a trait ([`SharedMemory`]); the native runner backs it with heap
//! atomics and futexes, the browser with a SharedArrayBuffer and `Atomics`.
//! Payloads are bytes; serialising objects is the Python layer's business.

pub mod collectives;
pub mod comm;
pub mod endpoint;
pub mod error;
pub mod fs;
pub mod intercomm;
pub mod launch;
mod mailbox;
pub mod misuse;
pub mod memory;
pub mod ops;
pub mod outcome;
pub mod process;
pub mod spawn;
pub mod state;
pub mod sync;
pub mod timeline;
pub mod trace;
mod window;
pub mod world;

pub use comm::{COMM_NULL, Cart, Communicator, SELF_CTX, WORLD_CTX, compute_dims};
pub use endpoint::{Completion, Deadline, Endpoint, Probed, ReqId, SendMode};
pub use error::{ErrorClass, MpiError, Result};
#[cfg(not(target_arch = "wasm32"))]
pub use memory::HeapMemory;
pub use memory::SharedMemory;
pub use ops::{ReduceOp, combine};
pub use outcome::{EXIT_DEADLOCK, EXIT_RANK_FAILED, EXIT_TIMEOUT, Ending, RankOutcome, timeout_ending};
pub use process::{MpReceived, TERMINATED};
pub use state::{
    Activity, BlockedOn, BlockedOp, DeadlockReport, DeadlockWatch, RankState, Rendezvous, Verdict, analyze,
};
pub use sync::SyncError;
pub use world::{Layout, RunState, World};

/// `MPI.PROC_NULL` (MPICH's value).
pub const PROC_NULL: i32 = -1;
/// `MPI.ANY_SOURCE` (MPICH's value).
pub const ANY_SOURCE: i32 = -2;
/// `MPI.ANY_TAG` (MPICH's value).
pub const ANY_TAG: i32 = -1;
/// `MPI.ROOT` (MPICH's value): the root of an intercommunicator collective.
pub const ROOT: i32 = -3;
/// `MPI.UNDEFINED` (MPICH's value).
pub const UNDEFINED: i32 = -32766;
/// The largest valid tag (`MPI.COMM_WORLD.Get_attr(MPI.TAG_UB)`, MPICH's value).
pub const TAG_UB: i32 = (1 << 28) - 1;
