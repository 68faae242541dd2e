//! The rank-state table and deadlock analysis.
//!
//! Every rank publishes what it is doing in its control words: running, blocked
//! (in which call, waiting for whom), done or failed. A supervisor (the native
//! runner's watchdog thread, or the browser's UI thread, which never blocks)
//! takes consistent snapshots of the table and asks [`analyze`] whether the run
//! can still make progress. When every unfinished rank is blocked and no message
//! is in flight to any of them, nothing can ever wake them: that is a deadlock,
//! and the report names each blocked call and the wait-for cycle.

use crate::world::{World, hdr, rank};
use std::fmt::{self, Write as _};

/// What a rank is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    Running = 0,
    Blocked = 1,
    Done = 2,
    Failed = 3,
    /// A process slot nobody has started (never stored; read from its flags).
    Absent = 4,
}

impl Activity {
    fn from_word(w: u32) -> Self {
        match w {
            1 => Activity::Blocked,
            2 => Activity::Done,
            3 => Activity::Failed,
            _ => Activity::Running,
        }
    }
}

/// The MPI call a blocked rank sits in, as it will be named in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockedOp {
    Recv = 1,
    Send,
    Ssend,
    Probe,
    Wait,
    Waitany,
    Waitall,
    Sendrecv,
    Barrier,
    Bcast,
    Scatter,
    Gather,
    Allgather,
    Alltoall,
    Reduce,
    Allreduce,
    Scan,
    Exscan,
    CommSplit,
    CommDup,
    CartCreate,
    CartSub,
    IntercommCreate,
    IntercommMerge,
    CommCreateGroup,
    CommFromGroup,
    IntercommFromGroups,
    // multiprocessing: named as the Python call a user wrote.
    ProcessJoin,
    PoolTask,
    PoolResult,
    QueueGet,
    QueuePut,
    ConnectionRecv,
    ConnectionSend,
    LockAcquire,
    SemaphoreAcquire,
    EventWait,
    ConditionWait,
    BarrierWait,
    // RMA: a window's lock, held by another rank.
    WinLock,
    // MPI-IO: the shared file pointer, held by another rank for a moment.
    FilePointer,
    // Dynamic processes: a port's accept or connect waiting for the other side.
    CommAccept,
    CommConnect,
    // The run's file system (`fs`): its lock, held by another rank for a moment.
    FileSystem,
}

impl BlockedOp {
    /// The MPI calls.
    const MPI: [BlockedOp; 27] = [
        BlockedOp::Recv,
        BlockedOp::Send,
        BlockedOp::Ssend,
        BlockedOp::Probe,
        BlockedOp::Wait,
        BlockedOp::Waitany,
        BlockedOp::Waitall,
        BlockedOp::Sendrecv,
        BlockedOp::Barrier,
        BlockedOp::Bcast,
        BlockedOp::Scatter,
        BlockedOp::Gather,
        BlockedOp::Allgather,
        BlockedOp::Alltoall,
        BlockedOp::Reduce,
        BlockedOp::Allreduce,
        BlockedOp::Scan,
        BlockedOp::Exscan,
        BlockedOp::CommSplit,
        BlockedOp::CommDup,
        BlockedOp::CartCreate,
        BlockedOp::CartSub,
        BlockedOp::IntercommCreate,
        BlockedOp::IntercommMerge,
        BlockedOp::CommCreateGroup,
        BlockedOp::CommFromGroup,
        BlockedOp::IntercommFromGroups,
    ];

    /// The `multiprocessing` calls, by the names the Python layer passes (`_mpi.MP_OPS`).
    pub const MP: [BlockedOp; 17] = [
        BlockedOp::ProcessJoin,
        BlockedOp::PoolTask,
        BlockedOp::PoolResult,
        BlockedOp::QueueGet,
        BlockedOp::QueuePut,
        BlockedOp::ConnectionRecv,
        BlockedOp::ConnectionSend,
        BlockedOp::LockAcquire,
        BlockedOp::SemaphoreAcquire,
        BlockedOp::EventWait,
        BlockedOp::ConditionWait,
        BlockedOp::BarrierWait,
        BlockedOp::WinLock,
        BlockedOp::FilePointer,
        BlockedOp::CommAccept,
        BlockedOp::CommConnect,
        BlockedOp::FileSystem,
    ];

    /// A `multiprocessing` call by name.
    pub fn mp_named(name: &str) -> Option<Self> {
        Self::MP.into_iter().find(|op| op.name() == name)
    }

    fn from_word(w: u32) -> Option<Self> {
        Self::MPI.into_iter().chain(Self::MP).find(|op| *op as u32 == w)
    }

    /// The mpi4py method name a user wrote.
    pub fn name(self) -> &'static str {
        match self {
            BlockedOp::Recv => "recv",
            BlockedOp::Send => "send",
            BlockedOp::Ssend => "ssend",
            BlockedOp::Probe => "probe",
            BlockedOp::Wait => "wait",
            BlockedOp::Waitany => "Waitany",
            BlockedOp::Waitall => "Waitall",
            BlockedOp::Sendrecv => "sendrecv",
            BlockedOp::Barrier => "barrier",
            BlockedOp::Bcast => "bcast",
            BlockedOp::Scatter => "scatter",
            BlockedOp::Gather => "gather",
            BlockedOp::Allgather => "allgather",
            BlockedOp::Alltoall => "alltoall",
            BlockedOp::Reduce => "reduce",
            BlockedOp::Allreduce => "allreduce",
            BlockedOp::Scan => "scan",
            BlockedOp::Exscan => "exscan",
            BlockedOp::CommSplit => "Split",
            BlockedOp::CommDup => "Dup",
            BlockedOp::CartCreate => "Create_cart",
            BlockedOp::CartSub => "Sub",
            BlockedOp::IntercommCreate => "Create_intercomm",
            BlockedOp::IntercommMerge => "Merge",
            BlockedOp::CommCreateGroup => "Create_group",
            BlockedOp::CommFromGroup => "Create_from_group",
            BlockedOp::IntercommFromGroups => "Create_from_groups",
            BlockedOp::ProcessJoin => "Process.join",
            BlockedOp::PoolTask => "Pool task",
            BlockedOp::PoolResult => "Pool result",
            BlockedOp::QueueGet => "Queue.get",
            BlockedOp::QueuePut => "Queue.put",
            BlockedOp::ConnectionRecv => "Connection.recv",
            BlockedOp::ConnectionSend => "Connection.send",
            BlockedOp::LockAcquire => "Lock.acquire",
            BlockedOp::SemaphoreAcquire => "Semaphore.acquire",
            BlockedOp::EventWait => "Event.wait",
            BlockedOp::ConditionWait => "Condition.wait",
            BlockedOp::BarrierWait => "Barrier.wait",
            BlockedOp::WinLock => "Win.Lock",
            BlockedOp::FilePointer => "File shared pointer",
            BlockedOp::CommAccept => "Comm.Accept",
            BlockedOp::CommConnect => "Comm.Connect",
            BlockedOp::FileSystem => "a file call",
        }
    }

    /// Collectives and communicator constructors: every member must call them.
    pub fn is_collective(self) -> bool {
        (BlockedOp::Barrier as u32..=BlockedOp::IntercommFromGroups as u32).contains(&(self as u32))
    }

    fn is_multiprocessing(self) -> bool {
        Self::MP.contains(&self)
    }
}

/// What a blocked rank waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockedOn {
    pub op: BlockedOp,
    /// World rank of the peer it needs a message from (or room at), `None` = any.
    pub peer: Option<u32>,
    /// Tag it matches, `None` = any (or not a receive).
    pub tag: Option<i32>,
    /// Context id of the communicator (0 = COMM_WORLD, 1 = COMM_SELF).
    pub ctx: u32,
    /// For a standard-mode send that waits for its matching receive because
    /// its message is larger than the run's eager limit: its size and the limit.
    pub rendezvous: Option<Rendezvous>,
}

/// Why a standard-mode send waits for its receive: `bytes` is more than the
/// run's eager limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rendezvous {
    pub bytes: u32,
    pub eager_limit: u32,
}

/// One rank's row of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RankState {
    pub activity: Activity,
    pub blocked_on: Option<BlockedOn>,
    /// Bytes written to its inbox that it has not read yet.
    pub inbox_pending: u32,
    /// A `multiprocessing` process slot rather than an MPI rank.
    pub process: bool,
}

const ANY: u32 = u32::MAX;

impl World {
    /// Publishes that `me` is blocked in `on` and will sleep unless its doorbell
    /// has moved past `seen` (called by the rank itself).
    pub(crate) fn publish_blocked(&self, me: u32, on: BlockedOn, seen: u32) {
        let w = |f| self.layout.rank_word(me, f);
        self.mem.store(w(rank::OP), on.op as u32);
        self.mem.store(w(rank::PEER), on.peer.unwrap_or(ANY));
        self.mem.store(w(rank::TAG), on.tag.map_or(ANY, |t| t as u32));
        self.mem.store(w(rank::CTX), on.ctx);
        self.mem.store(w(rank::RENDEZVOUS), on.rendezvous.map_or(0, |r| r.bytes.saturating_add(1)));
        self.mem.store(w(rank::SLEPT_AT), seen);
        self.mem.store(w(rank::STATE), Activity::Blocked as u32);
        self.bump_generation();
    }

    /// Bytes written to `slot`'s inbox that it has not read yet.
    pub(crate) fn inbox_pending(&self, slot: u32) -> u32 {
        let w = |f| self.mem.load(self.layout.rank_word(slot, f));
        w(rank::HEAD).wrapping_sub(w(rank::TAIL))
    }

    /// Back to running after a sleep, unless someone ended this slot meanwhile
    /// (a terminated process stays ended).
    pub(crate) fn resume_running(&self, me: u32) {
        let w = self.layout.rank_word(me, rank::STATE);
        if self.mem.compare_exchange(w, Activity::Blocked as u32, Activity::Running as u32).is_ok() {
            self.bump_generation();
        }
    }

    /// Publishes a rank's activity (running, done, failed).
    pub fn publish_activity(&self, me: u32, activity: Activity) {
        self.mem.store(self.layout.rank_word(me, rank::STATE), activity as u32);
        self.bump_generation();
        if matches!(activity, Activity::Done | Activity::Failed) {
            // Senders waiting for room in a finished rank's inbox must re-check.
            for r in 0..self.slots() {
                self.ring_doorbell(r);
            }
        }
    }

    pub(crate) fn read_rank(&self, r: u32) -> RankState {
        let w = |f| self.mem.load(self.layout.rank_word(r, f));
        let process = r >= self.ranks();
        if process && w(rank::PROC) & crate::world::proc::RESERVED == 0 {
            return RankState { activity: Activity::Absent, blocked_on: None, inbox_pending: 0, process };
        }
        let mut activity = Activity::from_word(w(rank::STATE));
        // A blocked rank whose doorbell rang after it went to sleep is waking up
        // to look again: a drain made room for its send, or a rank finished. It
        // publishes nothing until it runs, and a rung rank is not stuck, so it
        // counts as running. Nobody rings the ranks of a real deadlock.
        if activity == Activity::Blocked && w(rank::WAKE) != w(rank::SLEPT_AT) {
            activity = Activity::Running;
        }
        let blocked_on = (activity == Activity::Blocked).then(|| BlockedOn {
            op: BlockedOp::from_word(w(rank::OP)).unwrap_or(BlockedOp::Wait),
            peer: Some(w(rank::PEER)).filter(|p| *p != ANY),
            tag: Some(w(rank::TAG)).filter(|t| *t != ANY).map(|t| t as i32),
            ctx: w(rank::CTX),
            rendezvous: match w(rank::RENDEZVOUS) {
                0 => None,
                n => Some(Rendezvous { bytes: n - 1, eager_limit: self.eager_limit().unwrap_or(0) }),
            },
        });
        RankState { activity, blocked_on, inbox_pending: w(rank::HEAD).wrapping_sub(w(rank::TAIL)), process }
    }

    /// A consistent view of every rank, or `None` if the table changed while it
    /// was read (try again later). A rank that published "blocked" but has been
    /// woken since (its doorbell rang) shows as running until it blocks again.
    pub fn snapshot(&self) -> Option<Vec<RankState>> {
        let before = self.mem.load(hdr::GENERATION);
        let rows = (0..self.slots()).map(|r| self.read_rank(r)).collect();
        (self.mem.load(hdr::GENERATION) == before).then_some(rows)
    }
}

/// A supervisor's deadlock detector, fed one look at the World per tick.
///
/// A deadlock is declared on two consistent snapshots in a row that show one,
/// with no change in between (same generation), so a rank that is merely
/// between two calls is never mistaken for a stuck one.
#[derive(Debug, Default)]
pub struct DeadlockWatch {
    suspect: Option<u32>,
}

impl DeadlockWatch {
    /// Looks once; `Some` when the run is certainly deadlocked.
    pub fn check(&mut self, world: &World) -> Option<DeadlockReport> {
        if let Some(snapshot) = world.snapshot()
            && let Verdict::Deadlock(report) = analyze(&snapshot)
        {
            let generation = world.generation();
            if self.suspect == Some(generation) {
                return Some(report);
            }
            self.suspect = Some(generation);
            return None;
        }
        self.suspect = None;
        None
    }
}

/// What a snapshot says about the run as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some rank can still make progress.
    Progressing,
    /// Every rank finished normally.
    AllDone,
    Deadlock(DeadlockReport),
}

/// Why the run is stuck: the blocked calls and the wait-for cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlockReport {
    /// `(world rank, what it waits in)` for every blocked rank.
    pub blocked: Vec<(u32, BlockedOn)>,
    /// Ranks that already finished (they can never send again).
    pub finished: Vec<u32>,
    /// A wait-for cycle `r0 -> r1 -> ... -> r0` (first rank not repeated), if any.
    pub cycle: Vec<u32>,
    /// Blocked ranks waiting on a rank that already finished: `(waiter, finished)`.
    pub waits_on_finished: Vec<(u32, u32)>,
    /// Slots from here on are `multiprocessing` processes, not MPI ranks.
    pub first_process: u32,
}

impl DeadlockReport {
    /// "rank 3", or "process 2" for the second process slot.
    pub fn slot_name(&self, slot: u32) -> String {
        slot_name(slot, self.first_process)
    }
}

/// How reports name World slot `slot`: "rank 3", or "process 2" (the second
/// process slot) when `slot >= first_process`.
pub fn slot_name(slot: u32, first_process: u32) -> String {
    if slot >= first_process { format!("process {}", slot - first_process + 1) } else { format!("rank {slot}") }
}

/// Decides from one consistent snapshot whether the run can progress.
///
/// A blocked rank with unread bytes in its inbox is about to wake (it drains on
/// waking), so it counts as progressing; so does a running rank. A failed rank
/// ends the run through another path, so it is treated like a finished one here.
pub fn analyze(states: &[RankState]) -> Verdict {
    let mut blocked = Vec::new();
    let mut finished = Vec::new();
    for (r, s) in states.iter().enumerate() {
        match (s.activity, s.blocked_on) {
            (Activity::Running, _) => return Verdict::Progressing,
            (Activity::Blocked, _) if s.inbox_pending != 0 => return Verdict::Progressing,
            (Activity::Blocked, Some(on)) => blocked.push((r as u32, on)),
            (Activity::Blocked, None) => return Verdict::Progressing,
            (Activity::Done | Activity::Failed, _) => finished.push(r as u32),
            (Activity::Absent, _) => {}
        }
    }
    let first_process = states.iter().position(|s| s.process).unwrap_or(states.len()) as u32;
    if blocked.is_empty() {
        return Verdict::AllDone;
    }
    let is_finished = |r: u32| finished.contains(&r);
    let waits_on_finished =
        blocked.iter().filter_map(|(r, on)| on.peer.filter(|p| is_finished(*p)).map(|p| (*r, p))).collect();
    let cycle = find_cycle(&blocked);
    Verdict::Deadlock(DeadlockReport { blocked, finished, cycle, waits_on_finished, first_process })
}

/// Follows "waits for" edges (a specific peer, or for ANY_SOURCE the lowest
/// blocked rank other than itself) from each blocked rank until a rank repeats.
fn find_cycle(blocked: &[(u32, BlockedOn)]) -> Vec<u32> {
    let next = |r: u32| -> Option<u32> {
        let on = blocked.iter().find(|(b, _)| *b == r)?.1;
        match on.peer {
            Some(p) => blocked.iter().any(|(b, _)| *b == p).then_some(p),
            None => blocked.iter().map(|(b, _)| *b).find(|b| *b != r),
        }
    };
    for &(start, _) in blocked {
        let mut path = vec![start];
        let mut at = start;
        while let Some(n) = next(at) {
            if let Some(pos) = path.iter().position(|p| *p == n) {
                return path[pos..].to_vec();
            }
            path.push(n);
            at = n;
        }
    }
    Vec::new()
}

/// How a communicator is named in reports.
pub fn comm_name(ctx: u32) -> String {
    match ctx {
        0 => "COMM_WORLD".into(),
        1 => "COMM_SELF".into(),
        crate::process::MP_COMM => "multiprocessing".into(),
        crate::intercomm::GROUP_COMM => "the new group".into(),
        n => format!("communicator #{n}"),
    }
}

impl fmt::Display for BlockedOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let comm = comm_name(self.ctx);
        let peer = self.peer.map_or("ANY_SOURCE".to_string(), |p| p.to_string());
        match self.op {
            BlockedOp::Recv | BlockedOp::Probe | BlockedOp::Sendrecv | BlockedOp::Wait => {
                let tag = self.tag.map_or("ANY_TAG".to_string(), |t| t.to_string());
                write!(f, "{}(source={peer}, tag={tag}, comm={comm})", self.op.name())
            }
            BlockedOp::Send if self.rendezvous.is_some() => {
                let r = self.rendezvous.expect("checked");
                let tag = self.tag.map_or("ANY_TAG".to_string(), |t| t.to_string());
                write!(
                    f,
                    "{} of {} bytes to rank {peer} (tag={tag}, comm={comm}), which waits for a matching receive \
                     because it is larger than the {}-byte eager limit",
                    self.op.name(),
                    r.bytes,
                    r.eager_limit
                )
            }
            BlockedOp::Send | BlockedOp::Ssend => {
                write!(f, "{}(dest={peer}, comm={comm})", self.op.name())
            }
            op if op.is_multiprocessing() => write!(f, "{}", op.name()),
            op => write!(f, "{}(comm={comm}), waiting for rank {peer}", op.name()),
        }
    }
}

impl fmt::Display for DeadlockReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "deadlock: every unfinished rank is blocked and no message in flight can wake any of them")?;
        let name = |r: &u32| self.slot_name(*r);
        for (r, on) in &self.blocked {
            let mut line = format!("  {} is blocked in {on}", name(r));
            if let Some(p) = on.peer {
                if on.op.is_multiprocessing() && p != *r {
                    let _ = write!(line, ", waiting for {}", name(&p));
                }
                if self.finished.contains(&p) {
                    let _ = write!(line, " -- {} has already finished", name(&p));
                }
            }
            writeln!(f, "{line}")?;
        }
        if !self.finished.is_empty() {
            if self.finished.iter().all(|r| *r < self.first_process) {
                let list: Vec<String> = self.finished.iter().map(u32::to_string).collect();
                writeln!(f, "  finished: rank{} {}", if list.len() > 1 { "s" } else { "" }, list.join(", "))?;
            } else {
                let list: Vec<String> = self.finished.iter().map(name).collect();
                writeln!(f, "  finished: {}", list.join(", "))?;
            }
        }
        if !self.cycle.is_empty() {
            let mut steps: Vec<String> = self.cycle.iter().map(name).collect();
            steps.push(name(&self.cycle[0]));
            writeln!(f, "wait-for cycle: {}", steps.join(" -> "))?;
            let pairs: Vec<String> = self
                .cycle
                .iter()
                .zip(self.cycle.iter().cycle().skip(1))
                .map(|(a, b)| format!("{} waits for {}", name(a), name(b)))
                .collect();
            write!(f, "  ({})", pairs.join(", "))?;
        } else if let Some((w, d)) = self.waits_on_finished.first() {
            write!(f, "{} waits for {}, which has already finished", name(w), name(d))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(op: BlockedOp, peer: Option<u32>) -> RankState {
        RankState {
            activity: Activity::Blocked,
            blocked_on: Some(BlockedOn { op, peer, tag: None, ctx: 0, rendezvous: None }),
            inbox_pending: 0,
            process: false,
        }
    }
    fn done() -> RankState {
        RankState { activity: Activity::Done, blocked_on: None, inbox_pending: 0, process: false }
    }

    #[test]
    fn processes_are_named_as_processes_in_reports() {
        let mut join = blocked(BlockedOp::ProcessJoin, Some(2));
        join.blocked_on.as_mut().unwrap().ctx = crate::process::MP_COMM;
        let mut queue = blocked(BlockedOp::QueueGet, None);
        queue.process = true;
        let absent = RankState { activity: Activity::Absent, blocked_on: None, inbox_pending: 0, process: true };
        let Verdict::Deadlock(report) = analyze(&[join, done(), queue, absent]) else { panic!("a deadlock") };
        assert_eq!(report.first_process, 2);
        let text = report.to_string();
        assert!(text.contains("rank 0 is blocked in Process.join, waiting for process 1"), "{text}");
        assert!(text.contains("process 1 is blocked in Queue.get"), "{text}");
        assert!(text.contains("finished: rank 1\n"), "an unused slot is not listed: {text}");
        assert!(text.contains("wait-for cycle: rank 0 -> process 1 -> rank 0"), "{text}");
        for op in BlockedOp::MP {
            assert_eq!(BlockedOp::from_word(op as u32), Some(op));
            assert_eq!(BlockedOp::mp_named(op.name()), Some(op));
            assert!(!op.is_collective());
        }
    }

    #[test]
    fn two_ranks_receiving_from_each_other_is_a_cycle() {
        let mut s = vec![done(); 9];
        s[1] = blocked(BlockedOp::Recv, Some(5));
        s[5] = blocked(BlockedOp::Recv, Some(1));
        let Verdict::Deadlock(report) = analyze(&s) else { panic!("expected deadlock") };
        assert_eq!(report.cycle, vec![1, 5]);
        let text = report.to_string();
        assert!(text.contains("rank 1 is blocked in recv(source=5, tag=ANY_TAG, comm=COMM_WORLD)"), "{text}");
        assert!(text.contains("wait-for cycle: rank 1 -> rank 5 -> rank 1"), "{text}");
    }

    #[test]
    fn pending_inbox_or_running_rank_means_progress() {
        let mut s = vec![blocked(BlockedOp::Recv, Some(1)), blocked(BlockedOp::Recv, Some(0))];
        s[1].inbox_pending = 40;
        assert_eq!(analyze(&s), Verdict::Progressing);
        s[1] = RankState { activity: Activity::Running, blocked_on: None, inbox_pending: 0, process: false };
        assert_eq!(analyze(&s), Verdict::Progressing);
        assert_eq!(analyze(&[done(), done()]), Verdict::AllDone);
    }

    #[test]
    fn waiting_on_a_finished_rank_is_named() {
        let s = vec![blocked(BlockedOp::Recv, Some(1)), done()];
        let Verdict::Deadlock(report) = analyze(&s) else { panic!("expected deadlock") };
        assert!(report.cycle.is_empty());
        assert_eq!(report.waits_on_finished, vec![(0, 1)]);
        assert!(report.to_string().contains("rank 0 waits for rank 1, which has already finished"));
    }

    #[test]
    fn longer_cycles_are_found_from_any_start() {
        let s = vec![
            blocked(BlockedOp::Recv, Some(1)),
            blocked(BlockedOp::Recv, Some(2)),
            blocked(BlockedOp::Recv, Some(3)),
            blocked(BlockedOp::Recv, Some(1)),
        ];
        let Verdict::Deadlock(report) = analyze(&s) else { panic!("expected deadlock") };
        assert_eq!(report.cycle, vec![1, 2, 3]);
    }
}
