//! The World: how one run's shared memory is laid out, and the run-wide words
//! (run state, generation, abort code) that a supervisor reads and writes.
//!
//! Layout, in 32-bit words: a header, then one block of control words per slot
//! (its published state and its inbox indices), then one byte ring per slot
//! (its inbox), then the shared heap. Slots are the MPI ranks, then the
//! process slots that `multiprocessing` fills at run time (`reserve_process`).
//! Any host that can allocate `World::byte_len` shared bytes can hold a run: a
//! native heap block, or a browser SharedArrayBuffer.

use crate::memory::SharedMemory;
use std::sync::Arc;

const MAGIC: u32 = 0x4d50_4931; // "MPI1"

/// Header words.
pub(crate) mod hdr {
    pub const MAGIC: usize = 0;
    pub const RANKS: usize = 1;
    pub const RING_BYTES: usize = 2;
    /// 0 while running; [`super::RunState`] otherwise.
    pub const RUN_STATE: usize = 3;
    /// Bumped on every state change and every message written: a supervisor that
    /// reads the same generation before and after a scan saw a consistent snapshot.
    pub const GENERATION: usize = 4;
    pub const ABORT_CODE: usize = 5;
    pub const ABORT_RANK: usize = 6;
    /// Doorbell loads a rank spins through before it sleeps.
    pub const SPIN_LOADS: usize = 7;
    /// Process slots after the ranks, and how many have been handed out.
    pub const PROCESSES: usize = 8;
    pub const NEXT_PROCESS: usize = 9;
    /// Shared heap size and its bump pointer (bytes handed out).
    pub const HEAP_BYTES: usize = 10;
    pub const HEAP_USED: usize = 11;
    /// Blocks given back to the heap (RMA windows are freed): offset + 1 of the
    /// first, 0 for none; and the spin lock that guards the list.
    pub const HEAP_FREE: usize = 12;
    pub const HEAP_LOCK: usize = 13;
    /// The run's file system (`fs`): its superblock's heap offset + 1, 0
    /// until a rank first touches a file.
    pub const FS: usize = 14;
    /// The name service (`MPI.Publish_name`): its table's heap offset + 2;
    /// 0 until first used, 1 while a rank sets it up.
    pub const SERVICES: usize = 15;
    /// Standard-mode sends of more bytes than this wait for their matching
    /// receive (rendezvous); `u32::MAX`: none do. See [`super::World::set_eager_limit`].
    pub const EAGER_LIMIT: usize = 16;
    /// 1 while ranks record trace events (`trace`), 0 otherwise.
    pub const TRACE: usize = 17;
    /// Two cache lines, so that rank words start on a line.
    pub const LEN: usize = 32;
}

/// Per-rank control words, at `hdr::LEN + rank * rank::LEN`.
pub(crate) mod rank {
    /// [`crate::state::Activity`] as a number.
    pub const STATE: usize = 0;
    /// What a blocked rank waits in: [`crate::state::BlockedOp`] code.
    pub const OP: usize = 1;
    /// World rank it waits for, or `u32::MAX` for any.
    pub const PEER: usize = 2;
    pub const TAG: usize = 3;
    pub const CTX: usize = 4;
    /// The doorbell: bumped by anyone who wants this rank to look again.
    pub const WAKE: usize = 5;
    /// 1 while the rank sleeps on WAKE, so wakers can skip the syscall otherwise.
    pub const SLEEPING: usize = 6;
    /// Inbox ring: total bytes ever written / read (wrapping counters).
    pub const HEAD: usize = 7;
    pub const TAIL: usize = 8;
    /// Producer lock of the inbox (0 free, 1 held, 2 held with sleepers).
    pub const LOCK: usize = 9;
    /// How many senders wait for room in this inbox.
    pub const SPACE_WANTERS: usize = 10;
    /// 1 while this rank waits for room in some inbox.
    pub const WANTS_SPACE_IN: usize = 11;
    /// The WAKE value a blocked rank sleeps on: once WAKE has moved past it,
    /// the rank has been rung and is waking up, whatever STATE still says.
    pub const SLEPT_AT: usize = 12;
    /// Process slots: [`super::proc`] flags.
    pub const PROC: usize = 13;
    /// A process's exit code, once PROC has `ENDED`.
    pub const EXIT_CODE: usize = 14;
    /// The slot that started this process.
    pub const PARENT: usize = 15;
    /// Heap object (offset + 1) whose change this slot waits for, 0 for none.
    pub const SYNC_WAIT: usize = 16;
    /// Bytes + 1 of the standard send a blocked rank waits in because it is
    /// larger than the eager limit (rendezvous); 0 otherwise.
    pub const RENDEZVOUS: usize = 17;
    /// The rank's counters for the status table (`trace`): messages sent,
    /// bytes sent (two words, low first), messages and bytes received.
    pub const MSGS_SENT: usize = 18;
    pub const BYTES_SENT: usize = 19;
    pub const MSGS_RECEIVED: usize = 21;
    pub const BYTES_RECEIVED: usize = 22;
    /// The script line of the rank's current or last MPI call.
    pub const LINE: usize = 24;
    /// Trace records this rank has written (wrapping).
    pub const TRACE_HEAD: usize = 25;
    /// Whole cache lines per slot (128 bytes, after a 128-byte header): two
    /// ranks ping-ponging must not write into the line the other spins on.
    pub const LEN: usize = 32;
}

/// Flags in a process slot's `PROC` word.
pub(crate) mod proc {
    pub const RESERVED: u32 = 1;
    pub const ENDED: u32 = 2;
    pub const KILLED: u32 = 4;
    /// (8 is the claim on ending, in `process`.)
    /// Nobody will ask for its exit code: a process `Comm.Spawn` started.
    pub const RECYCLABLE: u32 = 16;
    /// Its host has finished with it (thread joined, worker back in the pool).
    pub const RELEASED: u32 = 32;
}

/// How a run ended early, as stored in the RUN_STATE word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Running = 0,
    /// A rank called Abort; ABORT_CODE holds its code.
    Aborted = 1,
    /// The supervisor stopped the run (failure elsewhere, deadlock, Stop, timeout).
    Stopped = 2,
}

/// Sizes of a run's shared memory.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// MPI ranks (the size of COMM_WORLD).
    pub ranks: u32,
    /// Slots for `multiprocessing` processes, after the ranks.
    pub processes: u32,
    /// Inbox ring capacity per slot, a power of two.
    pub ring_bytes: u32,
    /// Bytes of shared heap (locks, queues, shared values, RMA windows).
    pub heap_bytes: u32,
}

impl Layout {
    /// The default inbox: large enough that tutorial-sized messages are one frame,
    /// small enough that 64 ranks fit comfortably in a browser.
    pub const DEFAULT_RING_BYTES: u32 = 1 << 20;
    /// Process slots a run offers at least: every process alive at once takes
    /// one (the slot of an ended spawned MPI process is reused once its host
    /// released it). Memory is committed only when touched.
    pub const DEFAULT_PROCESSES: u32 = 32;
    /// Process slots per rank when that is more: every rank of a run may
    /// spawn children of its own at once (mpi4py's test_spawn has each of 4
    /// ranks spawn 12 over `COMM_SELF`).
    pub const PROCESSES_PER_RANK: u32 = 16;
    /// The most process slots a run offers, whatever its rank count: each
    /// slot is an inbox ring in the page's SharedArrayBuffer.
    pub const MAX_PROCESSES: u32 = 64;
    /// The shared heap: room for dozens of queues and pipes, and the public
    /// copies of RMA windows. Memory is committed only when touched.
    pub const DEFAULT_HEAP_BYTES: u32 = 32 << 20;

    pub fn new(ranks: u32) -> Self {
        Self::with_ring_bytes(ranks, Self::DEFAULT_RING_BYTES)
    }

    pub fn with_ring_bytes(ranks: u32, ring_bytes: u32) -> Self {
        assert!(ring_bytes.is_power_of_two() && ring_bytes >= 4096, "ring must be a power of two >= 4 KiB");
        let processes = (ranks * Self::PROCESSES_PER_RANK).clamp(Self::DEFAULT_PROCESSES, Self::MAX_PROCESSES);
        Layout { ranks, processes, ring_bytes, heap_bytes: Self::DEFAULT_HEAP_BYTES }
    }

    /// Ranks and process slots together.
    pub fn slots(&self) -> u32 {
        self.ranks + self.processes
    }

    pub(crate) fn rank_word(&self, rank: u32, field: usize) -> usize {
        hdr::LEN + rank as usize * rank::LEN + field
    }

    fn control_words(&self) -> usize {
        hdr::LEN + self.slots() as usize * rank::LEN
    }

    /// Byte offset of a slot's inbox ring.
    pub(crate) fn ring_offset(&self, rank: u32) -> usize {
        self.control_words() * 4 + rank as usize * self.ring_bytes as usize
    }

    /// Byte offset of the shared heap.
    pub(crate) fn heap_offset(&self) -> usize {
        self.ring_offset(self.slots())
    }

    /// Byte offset of the trace rings, one per rank, after the heap.
    pub(crate) fn trace_offset(&self) -> usize {
        self.heap_offset() + self.heap_bytes as usize
    }

    /// Total bytes of shared memory a run with this layout needs.
    pub fn byte_len(&self) -> usize {
        self.trace_offset() + self.ranks as usize * crate::trace::RING_RECORDS as usize * crate::trace::RECORD_BYTES
    }

    pub fn word_len(&self) -> usize {
        self.byte_len() / 4
    }
}

/// A run's shared memory with its layout: what every rank and the supervisor hold.
#[derive(Clone)]
pub struct World {
    pub(crate) mem: Arc<dyn SharedMemory>,
    pub(crate) layout: Layout,
}

impl World {
    /// Formats fresh (zeroed) memory for a run.
    pub fn create(mem: Arc<dyn SharedMemory>, layout: Layout) -> Self {
        assert!(mem.len_words() >= layout.word_len(), "shared memory too small for the layout");
        mem.store(hdr::RANKS, layout.ranks);
        mem.store(hdr::RING_BYTES, layout.ring_bytes);
        mem.store(hdr::PROCESSES, layout.processes);
        mem.store(hdr::HEAP_BYTES, layout.heap_bytes);
        mem.store(hdr::SPIN_LOADS, Self::SHARED_CORES_SPIN);
        mem.store(hdr::EAGER_LIMIT, u32::MAX);
        mem.store(hdr::MAGIC, MAGIC);
        World { mem, layout }
    }

    /// Spin before sleeping when ranks share cores: brief, since a spinning
    /// rank takes the core the rank it waits for needs.
    pub const SHARED_CORES_SPIN: u32 = 200;
    /// Spin before sleeping when every rank has a core of its own: tens of
    /// microseconds natively, which beats a futex wake-up by far (measured
    /// with bench/p2p.py: half round trip 15.8 us -> 3.5 us on 2 cores).
    pub const OWN_CORE_SPIN: u32 = 20_000;

    /// MPICH 4.0.2's eager limit for a standard-mode send between processes
    /// of one node, measured with Debian's MPICH: a blocking `MPI_Send` of up
    /// to 8255 bytes (a pickled object by its pickled size) completes before
    /// the matching receive is posted, one of 8256 bytes waits for it.
    pub const MPICH_EAGER_LIMIT: u32 = 8255;

    /// How standard-mode sends complete in this run (set before ranks start):
    /// `Some(n)`: messages of up to `n` bytes are buffered (eager), larger
    /// ones wait for their matching receive (rendezvous), as MPICH's do;
    /// `Some(0)`: every standard send waits; `None`: every one is buffered,
    /// however large (a run's default, until its host chooses).
    pub fn set_eager_limit(&self, limit: Option<u32>) {
        self.mem.store(hdr::EAGER_LIMIT, limit.unwrap_or(u32::MAX));
    }

    pub fn eager_limit(&self) -> Option<u32> {
        Some(self.mem.load(hdr::EAGER_LIMIT)).filter(|&n| n != u32::MAX)
    }

    /// Whether a standard-mode send of `len` bytes waits for its receive.
    pub(crate) fn is_rendezvous(&self, len: usize) -> bool {
        match self.eager_limit() {
            None => false,
            Some(0) => true,
            Some(limit) => len > limit as usize,
        }
    }

    /// The spin a host picks for `cores` hardware threads (set before ranks start).
    pub fn set_spin_for_cores(&self, cores: usize) {
        let spin = if self.layout.ranks as usize <= cores { Self::OWN_CORE_SPIN } else { Self::SHARED_CORES_SPIN };
        self.mem.store(hdr::SPIN_LOADS, spin);
    }

    /// Opens memory formatted by [`World::create`] (another worker's view of it).
    pub fn attach(mem: Arc<dyn SharedMemory>) -> Self {
        assert_eq!(mem.load(hdr::MAGIC), MAGIC, "shared memory holds no World");
        let layout = Layout {
            ranks: mem.load(hdr::RANKS),
            processes: mem.load(hdr::PROCESSES),
            ring_bytes: mem.load(hdr::RING_BYTES),
            heap_bytes: mem.load(hdr::HEAP_BYTES),
        };
        World { mem, layout }
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// MPI ranks: the size of COMM_WORLD.
    pub fn ranks(&self) -> u32 {
        self.layout.ranks
    }

    /// Ranks and process slots: every endpoint the run may have.
    pub fn slots(&self) -> u32 {
        self.layout.slots()
    }

    pub fn run_state(&self) -> RunState {
        match self.mem.load(hdr::RUN_STATE) {
            0 => RunState::Running,
            1 => RunState::Aborted,
            _ => RunState::Stopped,
        }
    }

    /// The code and world rank of the first `Abort` call, if any.
    pub fn abort_info(&self) -> Option<(i32, u32)> {
        (self.run_state() == RunState::Aborted)
            .then(|| (self.mem.load(hdr::ABORT_CODE) as i32, self.mem.load(hdr::ABORT_RANK)))
    }

    /// Ends the run: every rank blocked in MPI wakes up and unwinds.
    pub fn stop(&self) {
        let _ = self.mem.compare_exchange(hdr::RUN_STATE, 0, RunState::Stopped as u32);
        self.wake_everyone();
    }

    /// Records an `Abort(code)` from `rank` (the first one wins) and stops the run.
    pub fn abort(&self, rank: u32, code: i32) {
        if self.mem.compare_exchange(hdr::RUN_STATE, 0, RunState::Aborted as u32).is_ok() {
            self.mem.store(hdr::ABORT_CODE, code as u32);
            self.mem.store(hdr::ABORT_RANK, rank);
        }
        self.wake_everyone();
    }

    pub(crate) fn wake_everyone(&self) {
        self.bump_generation();
        for r in 0..self.slots() {
            self.ring_doorbell(r);
        }
    }

    pub(crate) fn bump_generation(&self) {
        self.mem.fetch_add(hdr::GENERATION, 1);
    }

    pub fn generation(&self) -> u32 {
        self.mem.load(hdr::GENERATION)
    }

    /// Makes `rank` look at its inbox and run state again.
    pub(crate) fn ring_doorbell(&self, rank: u32) {
        let wake = self.layout.rank_word(rank, rank::WAKE);
        self.mem.fetch_add(wake, 1);
        if self.mem.load(self.layout.rank_word(rank, rank::SLEEPING)) != 0 {
            self.mem.wake_all(wake);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::HeapMemory;

    #[test]
    fn ranks_spin_long_only_when_each_has_a_core() {
        let layout = Layout::with_ring_bytes(4, 4096);
        let world = World::create(Arc::new(HeapMemory::new(layout.word_len())), layout);
        assert_eq!(world.mem.load(hdr::SPIN_LOADS), World::SHARED_CORES_SPIN, "brief unless the host says otherwise");
        world.set_spin_for_cores(4);
        assert_eq!(world.mem.load(hdr::SPIN_LOADS), World::OWN_CORE_SPIN);
        world.set_spin_for_cores(2);
        assert_eq!(world.mem.load(hdr::SPIN_LOADS), World::SHARED_CORES_SPIN);
        let attached = World::attach(world.mem.clone());
        attached.set_spin_for_cores(64);
        assert_eq!(world.mem.load(hdr::SPIN_LOADS), World::OWN_CORE_SPIN, "every view shares the setting");
    }
}
