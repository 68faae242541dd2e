//! What ranks do, recorded for the timeline and the rank-status table.
//!
//! Every rank keeps a few counters in its control words (messages and bytes
//! sent and received, the script line of its current MPI call), always: they
//! cost a store each. While the run's `TRACE` header word is on (a host turns
//! it on when the user opens the timeline, or for `mpiplay --trace`), each
//! rank also appends fixed-size [`TraceEvent`] records to its own ring in the
//! World: a call's begin and end, a message sent, a message received. Only
//! the rank writes its ring, and it never waits for a reader: a host drains
//! the rings with a [`TraceReader`] every tick, and a ring the host fell
//! behind on overwrites its oldest records, which the reader counts as
//! dropped. [`crate::timeline::Timeline`] turns the events into spans, arrows
//! and collective groups.

use crate::endpoint::Endpoint;
use crate::state::{Activity, RankState};
use crate::world::{World, hdr, rank};

/// Records per rank ring: 4096 records of 128 bytes, 512 KiB a rank, enough
/// for well over a tick of the busiest ping-pong.
pub const RING_RECORDS: u32 = 4096;
/// Bytes of one record: a header of 11 words and the preview's bytes.
pub const RECORD_BYTES: usize = 128;
const HEADER_BYTES: usize = 44;
/// Bytes of preview a record holds (an 80-character `repr`, cut on a
/// character boundary when its UTF-8 is longer).
pub const PREVIEW_BYTES: usize = RECORD_BYTES - HEADER_BYTES;

/// What a record says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A rank entered an MPI call.
    Begin = 1,
    /// It left it (`peer`, `tag`, `bytes` then say what the call ended with).
    End = 2,
    /// A message left for `peer` (a world rank).
    Sent = 3,
    /// A message from `peer` (a world rank) was matched and taken in.
    Received = 4,
}

impl Kind {
    fn from_code(c: u8) -> Option<Self> {
        [Kind::Begin, Kind::End, Kind::Sent, Kind::Received].into_iter().find(|k| *k as u8 == c)
    }
}

/// How the timeline colours a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Send,
    Recv,
    Wait,
    Barrier,
    Collective,
    Communicator,
}

macro_rules! calls {
    ($($variant:ident = $name:literal, $cat:ident;)*) => {
        /// The MPI calls a trace names, as a user of mpi4py knows them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Call { $($variant),* }

        impl Call {
            pub const ALL: &'static [Call] = &[$(Call::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Call::$variant => $name),* }
            }

            pub fn category(self) -> Category {
                match self { $(Call::$variant => Category::$cat),* }
            }
        }
    };
}

calls! {
    Send = "send", Send;
    Ssend = "ssend", Send;
    Bsend = "bsend", Send;
    Isend = "isend", Send;
    Issend = "issend", Send;
    Ibsend = "ibsend", Send;
    Recv = "recv", Recv;
    Irecv = "irecv", Recv;
    Probe = "probe", Recv;
    Sendrecv = "sendrecv", Recv;
    Wait = "wait", Wait;
    Waitany = "waitany", Wait;
    Waitall = "waitall", Wait;
    Barrier = "barrier", Barrier;
    Bcast = "bcast", Collective;
    Scatter = "scatter", Collective;
    Gather = "gather", Collective;
    Allgather = "allgather", Collective;
    Alltoall = "alltoall", Collective;
    Reduce = "reduce", Collective;
    Allreduce = "allreduce", Collective;
    Scan = "scan", Collective;
    Exscan = "exscan", Collective;
    CommDup = "Dup", Communicator;
    CommSplit = "Split", Communicator;
    CartCreate = "Create_cart", Communicator;
    CartSub = "Sub", Communicator;
    IntercommCreate = "Create_intercomm", Communicator;
    IntercommMerge = "Merge", Communicator;
    CommCreateGroup = "Create_group", Communicator;
    CommFromGroup = "Create_from_group", Communicator;
}

impl Call {
    fn from_code(c: u8) -> Option<Self> {
        Self::ALL.get(c as usize).copied()
    }

    /// Every member of the communicator makes this call, in the same order:
    /// the timeline groups the n-th such call of each rank on a communicator.
    pub fn is_collective(self) -> bool {
        matches!(self.category(), Category::Barrier | Category::Collective | Category::Communicator)
    }
}

/// One record of a rank's trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    pub kind: Kind,
    pub call: Call,
    /// Seconds since the run started, on the clock every rank shares.
    pub time: f64,
    /// The script line the call was made from, 0 when unknown.
    pub line: u32,
    /// A world rank: the destination of a send, the source of a receive, a
    /// collective's root; -1 for none.
    pub peer: i32,
    pub tag: i32,
    /// The communicator's context id (0 = COMM_WORLD).
    pub ctx: u32,
    pub bytes: u64,
    /// For a sent message: the start of the object's `repr`.
    pub preview: String,
}

impl TraceEvent {
    pub fn new(kind: Kind, call: Call, time: f64) -> Self {
        TraceEvent { kind, call, time, line: 0, peer: -1, tag: -1, ctx: 0, bytes: 0, preview: String::new() }
    }

    fn encode(&self) -> [u8; RECORD_BYTES] {
        let mut out = [0u8; RECORD_BYTES];
        let mut cut = self.preview.len().min(PREVIEW_BYTES);
        while !self.preview.is_char_boundary(cut) {
            cut -= 1;
        }
        out[0] = self.kind as u8;
        out[1] = self.call as u8;
        out[2..4].copy_from_slice(&(cut as u16).to_le_bytes());
        out[4..8].copy_from_slice(&self.line.to_le_bytes());
        out[8..16].copy_from_slice(&self.time.to_le_bytes());
        out[16..20].copy_from_slice(&self.peer.to_le_bytes());
        out[20..24].copy_from_slice(&self.tag.to_le_bytes());
        out[24..28].copy_from_slice(&self.ctx.to_le_bytes());
        out[28..36].copy_from_slice(&self.bytes.to_le_bytes());
        out[HEADER_BYTES..HEADER_BYTES + cut].copy_from_slice(&self.preview.as_bytes()[..cut]);
        out
    }

    fn decode(b: &[u8; RECORD_BYTES]) -> Option<Self> {
        let word = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let cut = (u16::from_le_bytes([b[2], b[3]]) as usize).min(PREVIEW_BYTES);
        Some(TraceEvent {
            kind: Kind::from_code(b[0])?,
            call: Call::from_code(b[1])?,
            line: word(4),
            time: f64::from_le_bytes(b[8..16].try_into().expect("8 bytes")),
            peer: word(16) as i32,
            tag: word(20) as i32,
            ctx: word(24),
            bytes: u64::from_le_bytes(b[28..36].try_into().expect("8 bytes")),
            preview: String::from_utf8_lossy(&b[HEADER_BYTES..HEADER_BYTES + cut]).into_owned(),
        })
    }
}

/// One rank's row of the status table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankStatus {
    pub state: RankState,
    /// The script line of the rank's current (or last) MPI call; 0 before
    /// its first call or while the run is not recording lines.
    pub line: u32,
    pub msgs_sent: u32,
    pub bytes_sent: u64,
    pub msgs_received: u32,
    pub bytes_received: u64,
}

impl World {
    /// Turns recording on or off; ranks look at the word on every call, so
    /// a host may flip it while the run goes on.
    pub fn set_tracing(&self, on: bool) {
        self.mem.store(hdr::TRACE, on as u32);
    }

    pub fn tracing(&self) -> bool {
        self.mem.load(hdr::TRACE) != 0
    }

    /// Byte offset of rank `r`'s trace ring.
    pub(crate) fn trace_ring(&self, r: u32) -> usize {
        self.layout.trace_offset() + r as usize * RING_RECORDS as usize * RECORD_BYTES
    }

    /// Appends `ev` to rank `me`'s ring at once, as a rank's batch does.
    #[cfg(test)]
    pub(crate) fn trace_push(&self, me: u32, ev: &TraceEvent) {
        if me >= self.ranks() {
            return;
        }
        let head_word = self.layout.rank_word(me, rank::TRACE_HEAD);
        let head = self.mem.load(head_word);
        let at = self.trace_ring(me) + (head % RING_RECORDS) as usize * RECORD_BYTES;
        self.mem.write_bytes(at, &ev.encode());
        self.mem.store(head_word, head.wrapping_add(1));
    }

    /// Publishes the script line rank `me` calls MPI from.
    pub fn set_line(&self, me: u32, line: u32) {
        self.mem.store(self.layout.rank_word(me, rank::LINE), line);
    }

    pub fn count_sent(&self, me: u32, count: &mut MessageCount, bytes: usize) {
        self.count(me, rank::MSGS_SENT, rank::BYTES_SENT, count, bytes);
    }

    pub fn count_received(&self, me: u32, count: &mut MessageCount, bytes: usize) {
        self.count(me, rank::MSGS_RECEIVED, rank::BYTES_RECEIVED, count, bytes);
    }

    /// Only the rank writes its counters, so it keeps them (`count`) and
    /// stores them, never reading the World back: in the browser every
    /// access is a call out of wasm, and these come with every message.
    fn count(&self, me: u32, msgs: usize, bytes_lo: usize, count: &mut MessageCount, bytes: usize) {
        let w = |f| self.layout.rank_word(me, f);
        count.msgs = count.msgs.wrapping_add(1);
        self.mem.store(w(msgs), count.msgs);
        let total = count.bytes.wrapping_add(bytes as u64);
        self.mem.store(w(bytes_lo), total as u32);
        if total >> 32 != count.bytes >> 32 {
            self.mem.store(w(bytes_lo) + 1, (total >> 32) as u32);
        }
        count.bytes = total;
    }

    fn read_u64(&self, word: usize) -> u64 {
        self.mem.load(word) as u64 | (self.mem.load(word + 1) as u64) << 32
    }

    /// Every rank's row (not the process slots), read without a lock: a row
    /// may be a moment old, never inconsistent with itself for long.
    pub fn status(&self) -> Vec<RankStatus> {
        (0..self.ranks())
            .map(|r| {
                let w = |f| self.layout.rank_word(r, f);
                RankStatus {
                    state: self.read_rank(r),
                    line: self.mem.load(w(rank::LINE)),
                    msgs_sent: self.mem.load(w(rank::MSGS_SENT)),
                    bytes_sent: self.read_u64(w(rank::BYTES_SENT)),
                    msgs_received: self.mem.load(w(rank::MSGS_RECEIVED)),
                    bytes_received: self.read_u64(w(rank::BYTES_RECEIVED)),
                }
            })
            .collect()
    }
}

impl RankStatus {
    /// "running", "blocked in recv(source=3, tag=7, comm=COMM_WORLD)", "done", "failed".
    pub fn describe(&self) -> String {
        match (self.state.activity, self.state.blocked_on) {
            (Activity::Blocked, Some(on)) => format!("blocked in {on}"),
            (Activity::Blocked, None) => "blocked".into(),
            (Activity::Running, _) => "running".into(),
            (Activity::Done, _) => "done".into(),
            (Activity::Failed, _) => "failed".into(),
            (Activity::Absent, _) => "not started".into(),
        }
    }
}

/// A rank's count of the messages it sent or received, and of their bytes.
#[derive(Debug, Default, Clone, Copy)]
pub struct MessageCount {
    msgs: u32,
    bytes: u64,
}

/// A rank's side of its trace: records gather here and go to the ring in
/// batches (one shared-memory write for many; in the browser every access to
/// the World is a call out of wasm), at the latest when the rank is about to
/// wait, when it ends, or [`Recorder::FLUSH_AFTER`] after the last batch.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Whether the run records, as read at the rank's latest MPI call.
    on: bool,
    /// Encoded records not yet in the ring.
    pending: Vec<u8>,
    /// The rank's message counters, as the World's status table has them.
    sent: MessageCount,
    received: MessageCount,
    /// Records written to the ring (only this rank writes it).
    head: u32,
    /// The run's time of the last batch.
    flushed_at: f64,
    /// The time the current call began, which its `Sent` record shares.
    call_time: f64,
    /// The time the current call took in its latest message, which its
    /// `End` record shares (one clock read fewer per receive).
    received_at: Option<f64>,
}

impl Recorder {
    /// Records a batch holds before it goes to the ring.
    const BATCH: usize = 32;
    /// Seconds a record may wait for its batch while the rank keeps calling.
    const FLUSH_AFTER: f64 = 0.05;
}

impl Endpoint {
    /// Gives the rank the run's clock (seconds since the run started, the
    /// same for every rank): without it, it records no trace.
    pub fn set_clock(&mut self, clock: Box<dyn Fn() -> f64>) {
        self.clock = Some(clock);
        self.tracing();
    }

    /// Whether this rank records trace events now (read from the World:
    /// the host may switch recording on or off at any time).
    pub fn tracing(&mut self) -> bool {
        self.recorder.on = self.clock.is_some() && self.world.tracing();
        self.recorder.on
    }

    /// Whether the rank recorded at its latest call (no look at the World).
    pub fn recording(&self) -> bool {
        self.recorder.on
    }

    /// The `repr` preview of what the current call sends.
    pub fn set_preview(&mut self, preview: String) {
        self.preview = preview;
    }

    /// World rank of rank `r` of `comm` (the peers point-to-point names on
    /// an intercommunicator), -1 for none (PROC_NULL, ANY_SOURCE, MPI.ROOT).
    pub fn world_rank_of(&self, comm: u32, r: i32) -> i32 {
        let Ok(c) = self.comm(comm) else { return -1 };
        usize::try_from(r).ok().and_then(|r| c.peers().get(r)).map_or(-1, |w| *w as i32)
    }

    /// A record of this rank's current call, at `time` (the clock's now if `None`).
    fn event(&self, kind: Kind, call: Call, time: Option<f64>) -> Option<TraceEvent> {
        let clock = self.clock.as_ref().filter(|_| self.recorder.on)?;
        let mut ev = TraceEvent::new(kind, call, time.unwrap_or_else(|| clock()));
        ev.line = self.call_line;
        Some(ev)
    }

    fn record(&mut self, ev: &TraceEvent) {
        if self.me >= self.world.ranks() {
            return;
        }
        self.recorder.pending.extend_from_slice(&ev.encode());
        if self.recorder.pending.len() >= Recorder::BATCH * RECORD_BYTES
            || ev.time - self.recorder.flushed_at >= Recorder::FLUSH_AFTER
        {
            self.recorder.flushed_at = ev.time;
            self.flush_trace();
        }
    }

    /// Puts the records gathered so far into this rank's ring.
    pub(crate) fn flush_trace(&mut self) {
        if self.recorder.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.recorder.pending);
        let n = (pending.len() / RECORD_BYTES) as u32;
        // Only the last ring's worth can be kept anyway.
        let skip = n.saturating_sub(RING_RECORDS);
        let mut at = self.recorder.head.wrapping_add(skip);
        let mut rest = &pending[skip as usize * RECORD_BYTES..];
        while !rest.is_empty() {
            let slot = (at % RING_RECORDS) as usize;
            let fit = ((RING_RECORDS as usize - slot) * RECORD_BYTES).min(rest.len());
            self.world.mem.write_bytes(self.world.trace_ring(self.me) + slot * RECORD_BYTES, &rest[..fit]);
            rest = &rest[fit..];
            at = at.wrapping_add((fit / RECORD_BYTES) as u32);
        }
        self.recorder.head = self.recorder.head.wrapping_add(n);
        self.world.mem.store(self.world.layout.rank_word(self.me, rank::TRACE_HEAD), self.recorder.head);
        let mut reuse = pending;
        reuse.clear();
        self.recorder.pending = reuse;
    }

    /// Records that this rank enters `call` from script line `line`, on
    /// `comm` with `peer` (a rank of `comm`) and `tag`.
    pub fn trace_begin(&mut self, call: Call, line: u32, comm: u32, peer: i32, tag: i32) {
        self.call_line = line;
        self.world.set_line(self.me, line);
        self.recorder.received_at = None;
        if let Some(mut ev) = self.event(Kind::Begin, call, None) {
            self.recorder.call_time = ev.time;
            (ev.peer, ev.tag, ev.ctx) = (self.world_rank_of(comm, peer), tag, comm);
            self.record(&ev);
        }
    }

    /// Records that this rank left `call`.
    pub fn trace_end(&mut self, call: Call) {
        self.preview.clear();
        let at = self.recorder.received_at.take();
        if let Some(ev) = self.event(Kind::End, call, at) {
            self.record(&ev);
        }
    }

    /// A user message to world rank `dest` leaves (always counted; recorded
    /// while tracing). `ctx` is its communicator's context id.
    pub(crate) fn sent_message(&mut self, dest: u32, ctx: u32, tag: i32, bytes: usize) {
        self.world.count_sent(self.me, &mut self.recorder.sent, bytes);
        if let Some(mut ev) = self.event(Kind::Sent, Call::Send, Some(self.recorder.call_time)) {
            (ev.peer, ev.tag, ev.ctx, ev.bytes) = (dest as i32, tag, ctx, bytes as u64);
            ev.preview = std::mem::take(&mut self.preview);
            self.record(&ev);
        }
    }

    /// A user message from world rank `src` was taken in.
    pub(crate) fn received_message(&mut self, src: u32, ctx: u32, tag: i32, bytes: usize) {
        self.world.count_received(self.me, &mut self.recorder.received, bytes);
        if let Some(mut ev) = self.event(Kind::Received, Call::Recv, None) {
            self.recorder.received_at = Some(ev.time);
            (ev.peer, ev.tag, ev.ctx, ev.bytes) = (src as i32, tag, ctx, bytes as u64);
            self.record(&ev);
        }
    }
}

/// A host's reader of every rank's trace ring.
#[derive(Debug, Default)]
pub struct TraceReader {
    /// Per rank: how many of its records this reader has seen (or skipped).
    next: Vec<u32>,
    /// Records overwritten before they were read.
    pub dropped: u64,
}

impl TraceReader {
    /// The records written since the last drain, rank by rank.
    pub fn drain(&mut self, world: &World) -> Vec<(u32, TraceEvent)> {
        let ranks = world.ranks();
        self.next.resize(ranks as usize, 0);
        let mut out = Vec::new();
        let mut buf = [0u8; RECORD_BYTES];
        for r in 0..ranks {
            let head_word = world.layout.rank_word(r, rank::TRACE_HEAD);
            let head = world.mem.load(head_word);
            let mut next = self.next[r as usize];
            let behind = head.wrapping_sub(next);
            if behind > RING_RECORDS {
                self.dropped += (behind - RING_RECORDS) as u64;
                next = head.wrapping_sub(RING_RECORDS);
            }
            let first = next;
            let mut read = Vec::new();
            while next != head {
                world.mem.read_bytes(world.trace_ring(r) + (next % RING_RECORDS) as usize * RECORD_BYTES, &mut buf);
                read.push((next.wrapping_sub(first), TraceEvent::decode(&buf)));
                next = next.wrapping_add(1);
            }
            // A record the rank overwrote while it was copied is torn: the
            // rank has written past it by a whole ring. Drop those.
            let written_since = world.mem.load(head_word).wrapping_sub(first);
            let torn = written_since.saturating_sub(RING_RECORDS);
            self.dropped += torn.min(read.len() as u32) as u64;
            out.extend(read.into_iter().filter(|(i, _)| *i >= torn).filter_map(|(_, ev)| ev.map(|ev| (r, ev))));
            self.next[r as usize] = next;
        }
        out
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::memory::HeapMemory;
    use crate::world::Layout;
    use std::sync::Arc;

    fn world(ranks: u32) -> World {
        let layout = Layout::with_ring_bytes(ranks, 4096);
        World::create(Arc::new(HeapMemory::new(layout.word_len())), layout)
    }

    #[test]
    fn events_round_trip_through_a_ring_with_their_preview_cut_on_a_character() {
        let w = world(2);
        let mut ev = TraceEvent::new(Kind::Sent, Call::Isend, 1.25);
        (ev.line, ev.peer, ev.tag, ev.ctx, ev.bytes) = (17, 1, 7, 3, 5 << 33);
        ev.preview = "é".repeat(60);
        w.trace_push(0, &ev);
        w.trace_push(1, &TraceEvent::new(Kind::Begin, Call::Barrier, 2.0));
        let mut reader = TraceReader::default();
        let got = reader.drain(&w);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 0);
        assert_eq!(got[0].1.preview, "é".repeat(PREVIEW_BYTES / 2), "cut at {PREVIEW_BYTES} bytes, whole characters");
        ev.preview = got[0].1.preview.clone();
        assert_eq!(got[0].1, ev);
        assert_eq!((got[1].0, got[1].1.call), (1, Call::Barrier));
        assert!(reader.drain(&w).is_empty(), "a drain takes each record once");
    }

    #[test]
    fn a_reader_that_falls_behind_keeps_the_latest_records_and_counts_the_rest() {
        let w = world(1);
        for i in 0..RING_RECORDS + 10 {
            let mut ev = TraceEvent::new(Kind::Begin, Call::Recv, i as f64);
            ev.line = i;
            w.trace_push(0, &ev);
        }
        let mut reader = TraceReader::default();
        let got = reader.drain(&w);
        assert_eq!(got.len(), RING_RECORDS as usize);
        assert_eq!(reader.dropped, 10);
        assert_eq!(got[0].1.line, 10, "the oldest ten were overwritten");
    }

    #[test]
    fn a_rank_records_in_batches_that_reach_the_ring_when_full_when_it_waits_or_after_a_while() {
        let w = world(2);
        let mut ep = Endpoint::new(w.clone(), 0);
        let now = std::rc::Rc::new(std::cell::Cell::new(1.0));
        let clock = now.clone();
        ep.set_clock(Box::new(move || clock.get()));
        let mut reader = TraceReader::default();
        ep.trace_begin(Call::Barrier, 3, 0, -1, -1);
        assert!(reader.drain(&w).is_empty(), "recording is off");
        w.set_tracing(true);
        assert!(ep.tracing());
        ep.trace_begin(Call::Barrier, 3, 0, -1, -1);
        ep.trace_end(Call::Barrier);
        let first = reader.drain(&w);
        assert_eq!(first.len(), 1, "the first record goes out at once (nothing went out for a while); the next waits");
        for _ in 0..15 {
            ep.trace_begin(Call::Recv, 4, 0, 1, 0);
            ep.trace_end(Call::Recv);
        }
        assert!(reader.drain(&w).is_empty(), "31 records wait for their batch");
        ep.trace_begin(Call::Recv, 4, 0, 1, 0);
        assert_eq!(reader.drain(&w).len(), 32, "a full batch goes out");
        ep.trace_end(Call::Recv);
        ep.trace_begin(Call::Send, 5, 0, 1, 0);
        now.set(1.2);
        ep.trace_end(Call::Send);
        let late = reader.drain(&w);
        assert_eq!(late.iter().map(|(_, e)| (e.line, e.time)).collect::<Vec<_>>(), [(4, 1.0), (5, 1.0), (5, 1.2)]);
        ep.trace_begin(Call::Send, 6, 0, 1, 0);
        ep.flush_trace();
        assert_eq!(reader.drain(&w).len(), 1, "waiting or ending flushes");
        assert_eq!(reader.dropped, 0);
    }

    #[test]
    fn counters_and_lines_show_in_the_status_table() {
        let w = world(2);
        let (mut sent, mut received) = (MessageCount::default(), MessageCount::default());
        w.count_sent(1, &mut sent, 3 << 31);
        w.count_sent(1, &mut sent, 5);
        w.count_received(0, &mut received, 8);
        w.set_line(1, 42);
        let rows = w.status();
        assert_eq!((rows[1].msgs_sent, rows[1].bytes_sent, rows[1].line), (2, (3 << 31) + 5, 42));
        assert_eq!((rows[0].msgs_received, rows[0].bytes_received), (1, 8));
        assert_eq!(rows[0].describe(), "running");
        assert!(!w.tracing());
        w.set_tracing(true);
        assert!(World::attach(w.mem.clone()).tracing(), "every view sees the switch");
    }
}
