//! Processes for `multiprocessing`: slots after the MPI ranks, each a fresh
//! interpreter that a rank (or another process) starts at run time.
//!
//! A process slot is reserved by its parent (`World::reserve_process`), which
//! then asks its host to start an interpreter there. Its end (exit code) is
//! published in its control words, where `join` waits for it and a supervisor
//! sees which processes still run. Messages between processes travel through
//! the same inboxes as MPI messages, in a context of their own that no
//! communicator uses, so they never match an MPI receive.

use crate::endpoint::{Deadline, Endpoint};
use crate::error::Result;
use crate::state::{Activity, BlockedOn, BlockedOp};
use crate::world::{World, hdr, proc, rank};

/// The context reports name "multiprocessing"; far above any communicator's.
pub const MP_COMM: u32 = 0x7fff_fff0;
/// Wire context of process messages (a communicator's point-to-point context is twice its id).
const MP_CTX: u32 = MP_COMM * 2;

/// The exit code of a terminated process (minus SIGTERM, as CPython reports it).
pub const TERMINATED: i32 = -15;

/// A claim on ending a slot, taken before its exit code is written.
const ENDING: u32 = 8;

impl World {
    fn proc_word(&self, slot: u32, field: usize) -> usize {
        self.layout.rank_word(slot, field)
    }

    fn proc_flags(&self, slot: u32) -> u32 {
        self.mem.load(self.proc_word(slot, rank::PROC))
    }

    fn set_proc_flag(&self, slot: u32, flag: u32) -> u32 {
        let w = self.proc_word(slot, rank::PROC);
        let mut cur = self.mem.load(w);
        loop {
            match self.mem.compare_exchange(w, cur, cur | flag) {
                Ok(_) => return cur,
                Err(now) => cur = now,
            }
        }
    }

    /// Whether `slot` is a process slot (not an MPI rank).
    pub fn is_process(&self, slot: u32) -> bool {
        (self.ranks()..self.slots()).contains(&slot)
    }

    /// Takes a free process slot for a child of `parent`, marked running from
    /// now on (so a child still starting never looks stuck). `None` when the
    /// run has none left.
    pub fn reserve_process(&self, parent: u32) -> Option<u32> {
        let n = self.mem.fetch_add(hdr::NEXT_PROCESS, 1);
        let slot = if n < self.layout.processes { self.ranks() + n } else { self.recycle()? };
        self.mem.store(self.proc_word(slot, rank::EXIT_CODE), 0);
        self.mem.store(self.proc_word(slot, rank::PARENT), parent);
        self.publish_activity(slot, Activity::Running);
        self.set_proc_flag(slot, proc::RESERVED);
        self.bump_generation();
        Some(slot)
    }

    /// Takes back an ended process slot that nobody will ask about again
    /// (recyclable, released by its host, nothing left in its inbox), once
    /// every slot has been handed out: programs that spawn MPI processes over
    /// and over would otherwise run out.
    fn recycle(&self) -> Option<u32> {
        let done = proc::RESERVED | proc::ENDED | ENDING | proc::RECYCLABLE | proc::RELEASED;
        (self.ranks()..self.slots()).find(|&slot| {
            let w = self.proc_word(slot, rank::PROC);
            let flags = self.mem.load(w);
            let drained = self.mem.load(self.layout.rank_word(slot, rank::HEAD))
                == self.mem.load(self.layout.rank_word(slot, rank::TAIL));
            // Taking it clears every flag: the reserve that follows sets RESERVED.
            flags & done == done && drained && self.mem.compare_exchange(w, flags, 0).is_ok()
        })
    }

    /// Whether a slot will come free without anyone joining it: a detached
    /// process that has not yet ended or not yet been released by its host.
    /// A spawn that finds no free slot waits for one of these.
    pub fn detached_slot_pending(&self) -> bool {
        let done = proc::ENDED | proc::RELEASED;
        (self.ranks()..self.ranks() + self.processes_started()).any(|slot| {
            let flags = self.mem.load(self.proc_word(slot, rank::PROC));
            flags & proc::RECYCLABLE != 0 && flags & done != done
        })
    }

    /// Says that nobody will join process `slot` (a spawned MPI process): once
    /// it has ended and its host released it, its slot may be used again.
    pub fn mark_recyclable(&self, slot: u32) {
        if self.is_process(slot) {
            self.set_proc_flag(slot, proc::RECYCLABLE);
        }
    }

    /// Its host has finished with process `slot`: nothing of the old
    /// occupant is left that a new one could be mistaken for.
    pub fn release_process(&self, slot: u32) {
        if self.is_process(slot) {
            self.set_proc_flag(slot, proc::RELEASED);
        }
    }

    /// Process slots handed out so far.
    pub fn processes_started(&self) -> u32 {
        self.mem.load(hdr::NEXT_PROCESS).min(self.layout.processes)
    }

    /// The slot that started process `slot`; `None` for an MPI rank.
    pub fn parent_of(&self, slot: u32) -> Option<u32> {
        self.is_process(slot).then(|| self.mem.load(self.proc_word(slot, rank::PARENT)))
    }

    /// The MPI rank at the root of `slot`'s process tree (itself for a rank).
    pub fn root_rank(&self, slot: u32) -> u32 {
        let mut at = slot;
        while let Some(parent) = self.parent_of(at) {
            at = parent;
        }
        at
    }

    /// Records that process `slot` ended with `code`. The first end wins (a
    /// process terminated by its parent may still be unwinding); returns
    /// whether this call was it. Everyone waiting for it is woken.
    pub fn end_process(&self, slot: u32, code: i32) -> bool {
        if !self.is_process(slot) || self.set_proc_flag(slot, ENDING) & ENDING != 0 {
            return false;
        }
        self.mem.store(self.proc_word(slot, rank::EXIT_CODE), code as u32);
        self.set_proc_flag(slot, proc::ENDED);
        self.publish_activity(slot, Activity::Done);
        true
    }

    /// Ends process `slot` from outside (`terminate()`, or its parent ending):
    /// it stops at its next call into the runtime, and its host ends it for
    /// real where it can (a browser terminates the worker).
    pub fn kill_process(&self, slot: u32) -> bool {
        if !self.is_process(slot) {
            return false;
        }
        self.set_proc_flag(slot, proc::KILLED);
        let ended = self.end_process(slot, TERMINATED);
        self.ring_doorbell(slot);
        ended
    }

    /// Whether process `slot` was terminated (its output is no longer wanted).
    pub fn is_killed(&self, slot: u32) -> bool {
        self.is_process(slot) && self.proc_flags(slot) & proc::KILLED != 0
    }

    /// Whether `slot` is a process that has ended.
    pub fn has_ended(&self, slot: u32) -> bool {
        self.is_process(slot) && self.proc_flags(slot) & proc::ENDED != 0
    }

    /// A process's exit code once it has ended.
    pub fn process_exit(&self, slot: u32) -> Option<i32> {
        self.has_ended(slot).then(|| self.mem.load(self.proc_word(slot, rank::EXIT_CODE)) as i32)
    }

    /// Process slots started and not yet ended: what keeps a run going after
    /// its ranks have finished.
    pub fn live_processes(&self) -> Vec<u32> {
        (self.ranks()..self.ranks() + self.processes_started())
            .filter(|s| self.proc_flags(*s) & proc::RESERVED != 0 && !self.has_ended(*s))
            .collect()
    }
}

/// What a process receive found.
#[derive(Debug, PartialEq, Eq)]
pub enum MpReceived {
    Message {
        data: Vec<u8>,
        source: u32,
        tag: i32,
    },
    /// A process in the watch list ended before a message came.
    Ended(u32),
    TimedOut,
}

impl Endpoint {
    /// Sends `data` to process (or rank) `dest` in the process context.
    /// Buffered: returns once the bytes are in its inbox (waiting for room
    /// if it is full); to a process that has ended, the message is dropped.
    pub fn mp_send(&mut self, dest: u32, tag: i32, data: Vec<u8>) -> Result<()> {
        let req = self.start_send(dest, MP_CTX, tag, data, false);
        self.wait_as(req, BlockedOp::Send).map(drop)
    }

    /// Receives the first message from `source` (any: `None`) with `tag` (any:
    /// `None`) in the process context, in the order each source sent them.
    /// Gives up when a process in `watch` has ended, or at `deadline`.
    pub fn mp_recv(
        &mut self,
        source: Option<u32>,
        tag: Option<i32>,
        op: BlockedOp,
        deadline: Option<&Deadline>,
        watch: &[u32],
    ) -> Result<MpReceived> {
        // A process ends only after its last message is in our inbox (it
        // drains its outbox first): once the inbox is read and nothing from
        // it is half-assembled, everything it sent is in `unexpected`.
        let ended = |ep: &Endpoint| {
            watch
                .iter()
                .copied()
                .find(|s| ep.world.has_ended(*s) && ep.world.inbox_pending(ep.me) == 0 && !ep.partial.contains_key(s))
        };
        let on = BlockedOn { op, peer: source, tag, ctx: MP_COMM, rendezvous: None };
        let waiting = |ep: &Endpoint| ep.find_unexpected(MP_CTX, source, tag).is_some();
        let got = self.block_until_timed(|ep| waiting(ep) || ended(ep).is_some(), |_| on, deadline)?;
        if let Some(m) = self.take_unexpected(MP_CTX, source, tag) {
            return Ok(MpReceived::Message { data: m.data, source: m.src, tag: m.tag });
        }
        Ok(match (got, ended(self)) {
            (true, Some(slot)) => MpReceived::Ended(slot),
            _ => MpReceived::TimedOut,
        })
    }

    /// Whether a matching process message is waiting (after looking at the inbox).
    pub fn mp_poll(&mut self, source: Option<u32>, tag: Option<i32>) -> Result<bool> {
        self.progress()?;
        Ok(self.find_unexpected(MP_CTX, source, tag).is_some())
    }

    /// Waits for process `slot` to end; its exit code, or `None` at `deadline`.
    pub fn mp_join(&mut self, slot: u32, deadline: Option<&Deadline>) -> Result<Option<i32>> {
        let on = BlockedOn { op: BlockedOp::ProcessJoin, peer: Some(slot), tag: None, ctx: MP_COMM, rendezvous: None };
        self.block_until_timed(|ep| ep.world.has_ended(slot), |_| on, deadline)?;
        Ok(self.world.process_exit(slot))
    }

    /// Records this process's end with `code` and marks it finished. Whatever
    /// its code, what it sent is delivered first (a process's queued results
    /// are flushed at exit); a terminated process cannot, and does not wait.
    pub fn finish_process(&mut self, code: i32) {
        self.finish(Activity::Done);
        self.world.end_process(self.me, code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::HeapMemory;
    use crate::world::Layout;
    use std::sync::Arc;

    fn world(ranks: u32, processes: u32) -> World {
        let mut layout = Layout::with_ring_bytes(ranks, 4096);
        layout.processes = processes;
        layout.heap_bytes = 4096;
        World::create(Arc::new(HeapMemory::new(layout.word_len())), layout)
    }

    #[test]
    fn slots_are_handed_out_once_and_end_once() {
        let w = world(2, 2);
        assert_eq!(w.live_processes(), Vec::<u32>::new());
        let a = w.reserve_process(0).expect("a slot");
        let b = w.reserve_process(a).expect("another slot");
        assert_eq!((a, b), (2, 3));
        assert_eq!(w.reserve_process(1), None, "only two process slots");
        assert_eq!((w.parent_of(b), w.root_rank(b), w.root_rank(1)), (Some(2), 0, 1));
        assert_eq!(w.live_processes(), vec![2, 3]);
        assert!(w.kill_process(b));
        assert!(!w.end_process(b, 0), "a terminated process keeps -15");
        assert_eq!(w.process_exit(b), Some(TERMINATED));
        assert!(w.end_process(a, 3));
        assert_eq!((w.process_exit(a), w.is_killed(a)), (Some(3), false));
        assert!(w.live_processes().is_empty());
    }

    #[test]
    fn only_detached_ended_released_slots_are_reused() {
        let w = world(1, 2);
        let (a, b) = (w.reserve_process(0).expect("a"), w.reserve_process(0).expect("b"));
        assert_eq!(w.reserve_process(0), None);
        // Ended, but someone may still join it: never reused.
        assert!(w.end_process(a, 0));
        w.release_process(a);
        assert_eq!(w.reserve_process(0), None);
        // Detached and ended, but its host still holds it: not yet, though
        // it will come free (a spawn waits for it).
        assert!(!w.detached_slot_pending(), "nothing detached yet");
        w.mark_recyclable(b);
        assert!(w.detached_slot_pending(), "detached and running");
        assert!(w.end_process(b, 5));
        assert_eq!(w.reserve_process(0), None);
        assert!(w.detached_slot_pending(), "ended, its host not done with it");
        w.release_process(b);
        assert!(!w.detached_slot_pending(), "free now");
        assert_eq!(w.reserve_process(a), Some(b), "the detached slot comes back");
        assert_eq!((w.has_ended(b), w.parent_of(b), w.live_processes()), (false, Some(a), vec![b]));
        assert!(w.end_process(b, 0), "its new occupant ends afresh");
    }

    #[test]
    fn runs_offer_more_process_slots_the_more_ranks_may_spawn_at_once() {
        let processes = |ranks| Layout::new(ranks).processes;
        assert_eq!((processes(1), processes(2)), (Layout::DEFAULT_PROCESSES, Layout::DEFAULT_PROCESSES));
        assert_eq!(processes(3), 3 * Layout::PROCESSES_PER_RANK);
        assert_eq!((processes(4), processes(64)), (Layout::MAX_PROCESSES, Layout::MAX_PROCESSES));
    }

    #[test]
    fn messages_between_processes_stay_out_of_mpi_and_wait_for_ends() {
        let w = world(1, 2);
        let child = w.reserve_process(0).expect("a slot");
        let mut parent = Endpoint::new(w.clone(), 0);
        let mut kid = Endpoint::new(w.clone(), child);
        assert_eq!(kid.comm_size(0).expect("COMM_WORLD"), 1, "a process is an MPI singleton");
        parent.mp_send(child, 7, b"task".to_vec()).expect("send");
        let got = kid.mp_recv(Some(0), None, BlockedOp::PoolTask, None, &[]).expect("recv");
        assert_eq!(got, MpReceived::Message { data: b"task".to_vec(), source: 0, tag: 7 });
        // Nothing waiting, and a watched process ends: the receive says so.
        let clock = || 0.0;
        let soon = Deadline { at: -1.0, clock: &clock };
        assert_eq!(parent.mp_recv(None, None, BlockedOp::PoolResult, Some(&soon), &[]).unwrap(), MpReceived::TimedOut);
        kid.finish_process(4);
        assert_eq!(
            parent.mp_recv(None, None, BlockedOp::PoolResult, None, &[child]).unwrap(),
            MpReceived::Ended(child)
        );
        assert_eq!(parent.mp_join(child, None).unwrap(), Some(4));
        // Sends to a process that has ended are dropped, never waited on.
        parent.mp_send(child, 1, vec![0; 64 * 1024]).expect("dropped, not blocked");
    }
}
