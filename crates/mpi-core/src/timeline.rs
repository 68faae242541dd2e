//! A run's timeline, built from the ranks' trace events (`trace`): what the
//! page draws and what `mpiplay --trace` writes.
//!
//! Each rank is a lane of spans (the MPI calls it was in); each message is an
//! arrow from the send to the receive that took it; the n-th collective call
//! of every rank on one communicator is one group. Arrows are matched from
//! both ends' events by MPI's non-overtaking rule: messages of one sender to
//! one receiver with one tag on one communicator are received in the order
//! they were sent, so the n-th such send matches the n-th such receive. The
//! model holds at most `cap` spans and `cap` arrows, dropping the oldest and
//! counting them, so a long run costs bounded memory.

use crate::state::comm_name;
use crate::trace::{Call, Category, Kind, TraceEvent};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};

/// One MPI call of one rank.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub rank: u32,
    pub call: Call,
    pub start: f64,
    /// `None` while the rank is still in the call.
    pub end: Option<f64>,
    pub line: u32,
    /// A world rank: the peer or root the call named, -1 for none.
    pub peer: i32,
    pub tag: i32,
    pub ctx: u32,
    pub bytes: u64,
    /// For a collective: `(communicator, its n-th collective)`, shared by
    /// every rank's span of that call.
    pub group: Option<(u32, u32)>,
}

/// One message, from its send to the receive that took it.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub from: u32,
    pub to: u32,
    pub sent: f64,
    pub received: f64,
    pub tag: i32,
    pub ctx: u32,
    pub bytes: u64,
    pub send_line: u32,
    pub recv_line: u32,
    pub preview: String,
}

/// How a lane ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneEnd {
    Done,
    Failed,
    /// The run was stopped (another rank failed, a deadlock, Stop).
    Stopped,
}

impl LaneEnd {
    /// How a rank's outcome ends its lane.
    pub fn of(outcome: &crate::RankOutcome) -> Self {
        match outcome {
            crate::RankOutcome::Done => LaneEnd::Done,
            crate::RankOutcome::Stopped => LaneEnd::Stopped,
            _ => LaneEnd::Failed,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LaneEnd::Done => "finished",
            LaneEnd::Failed => "failed",
            LaneEnd::Stopped => "stopped",
        }
    }
}

/// One end of a message seen before the other.
#[derive(Clone, Debug)]
struct Half {
    time: f64,
    line: u32,
    bytes: u64,
    preview: String,
}

/// Sender, receiver, communicator, tag: messages with the same key match in order.
type Channel = (u32, u32, u32, i32);

/// The most halves kept waiting per channel: sends nobody receives must not grow forever.
const MAX_PENDING: usize = 10_000;

#[derive(Debug)]
pub struct Timeline {
    ranks: u32,
    cap: usize,
    spans: VecDeque<Span>,
    arrows: VecDeque<Arrow>,
    open: Vec<Option<Span>>,
    sends: HashMap<Channel, VecDeque<Half>>,
    receives: HashMap<Channel, VecDeque<Half>>,
    collectives: HashMap<(u32, u32), u32>,
    ends: Vec<Option<(f64, LaneEnd)>>,
    /// Spans and arrows dropped for the cap, plus records the reader lost.
    pub dropped: u64,
    /// The latest time any event carried.
    pub last_time: f64,
    /// The earliest, once there is one.
    pub first_time: Option<f64>,
    /// A deadlock's wait-for cycle, once the run reported one.
    pub cycle: Vec<u32>,
    /// When the deadlock was found: what ranks record after it is their
    /// unwinding, which the timeline leaves out.
    pub deadlock_at: Option<f64>,
}

impl Timeline {
    /// The page's cap: a 64-rank run of 100 000 messages stays whole.
    pub const DEFAULT_CAP: usize = 250_000;

    pub fn new(ranks: u32, cap: usize) -> Self {
        Timeline {
            ranks,
            cap: cap.max(1),
            spans: VecDeque::new(),
            arrows: VecDeque::new(),
            open: vec![None; ranks as usize],
            sends: HashMap::new(),
            receives: HashMap::new(),
            collectives: HashMap::new(),
            ends: vec![None; ranks as usize],
            dropped: 0,
            last_time: 0.0,
            first_time: None,
            cycle: Vec::new(),
            deadlock_at: None,
        }
    }

    /// The run deadlocked at `at` with wait-for cycle `cycle`: the calls the
    /// ranks were stuck in stay as they were then.
    pub fn deadlock(&mut self, cycle: Vec<u32>, at: f64) {
        self.cycle = cycle;
        self.deadlock_at = Some(at);
        self.last_time = self.last_time.max(at);
    }

    /// The call rank `rank` was in when the deadlock was found.
    pub fn stuck_in(&self, rank: u32) -> Option<&Span> {
        let at = self.deadlock_at?;
        let stuck = |s: &&Span| s.rank == rank && s.start <= at && s.end.is_none_or(|e| e >= at);
        self.open_spans().find(stuck).or_else(|| self.spans.iter().rev().find(stuck))
    }

    pub fn ranks(&self) -> u32 {
        self.ranks
    }

    pub fn spans(&self) -> impl Iterator<Item = &Span> {
        self.spans.iter()
    }

    /// Calls still going on (drawn up to "now").
    pub fn open_spans(&self) -> impl Iterator<Item = &Span> {
        self.open.iter().flatten()
    }

    pub fn arrows(&self) -> impl Iterator<Item = &Arrow> {
        self.arrows.iter()
    }

    pub fn lane_end(&self, rank: u32) -> Option<(f64, LaneEnd)> {
        self.ends.get(rank as usize).copied().flatten()
    }

    /// Takes in one event of rank `rank`.
    pub fn add(&mut self, rank: u32, ev: TraceEvent) {
        if rank >= self.ranks || self.deadlock_at.is_some_and(|at| ev.time > at) {
            return;
        }
        self.last_time = self.last_time.max(ev.time);
        self.first_time = Some(self.first_time.map_or(ev.time, |t| t.min(ev.time)));
        match ev.kind {
            Kind::Begin => {
                let group = ev.call.is_collective().then(|| {
                    let seq = self.collectives.entry((rank, ev.ctx)).or_insert(0);
                    *seq += 1;
                    (ev.ctx, *seq)
                });
                let span = Span {
                    rank,
                    call: ev.call,
                    start: ev.time,
                    end: None,
                    line: ev.line,
                    peer: ev.peer,
                    tag: ev.tag,
                    ctx: ev.ctx,
                    bytes: ev.bytes,
                    group,
                };
                if let Some(unended) = self.open[rank as usize].replace(span) {
                    self.push_span(Span { end: Some(ev.time), ..unended });
                }
            }
            Kind::End => {
                if let Some(mut span) = self.open[rank as usize].take() {
                    span.end = Some(ev.time);
                    if span.bytes == 0 {
                        span.bytes = ev.bytes;
                    }
                    if span.peer < 0 {
                        span.peer = ev.peer;
                    }
                    self.push_span(span);
                }
            }
            Kind::Sent => {
                let Ok(to) = u32::try_from(ev.peer) else { return };
                let key = (rank, to, ev.ctx, ev.tag);
                let half = Half { time: ev.time, line: ev.line, bytes: ev.bytes, preview: ev.preview };
                match self.receives.get_mut(&key).and_then(VecDeque::pop_front) {
                    Some(recv) => self.push_arrow(key, half, recv),
                    None => push_bounded(self.sends.entry(key).or_default(), half),
                }
            }
            Kind::Received => {
                let Ok(from) = u32::try_from(ev.peer) else { return };
                let key = (from, rank, ev.ctx, ev.tag);
                let half = Half { time: ev.time, line: ev.line, bytes: ev.bytes, preview: String::new() };
                match self.sends.get_mut(&key).and_then(VecDeque::pop_front) {
                    Some(send) => self.push_arrow(key, send, half),
                    None => push_bounded(self.receives.entry(key).or_default(), half),
                }
            }
        }
    }

    /// Marks a rank's end: what it was still in ends there.
    pub fn rank_ended(&mut self, rank: u32, time: f64, how: LaneEnd) {
        let Some(slot) = self.ends.get_mut(rank as usize) else { return };
        *slot = Some((time, how));
        self.last_time = self.last_time.max(time);
        if let Some(span) = self.open[rank as usize].take() {
            self.push_span(Span { end: Some(time), ..span });
        }
    }

    /// Records lost before they reached the model.
    pub fn add_dropped(&mut self, n: u64) {
        self.dropped += n;
    }

    fn push_span(&mut self, span: Span) {
        if self.spans.len() == self.cap {
            self.spans.pop_front();
            self.dropped += 1;
        }
        self.spans.push_back(span);
    }

    fn push_arrow(&mut self, (from, to, ctx, tag): Channel, send: Half, recv: Half) {
        if self.arrows.len() == self.cap {
            self.arrows.pop_front();
            self.dropped += 1;
        }
        self.arrows.push_back(Arrow {
            from,
            to,
            sent: send.time,
            received: recv.time.max(send.time),
            tag,
            ctx,
            bytes: send.bytes.max(recv.bytes),
            send_line: send.line,
            recv_line: recv.line,
            preview: send.preview,
        });
    }

    /// The run as Chrome trace-event JSON (Perfetto and chrome://tracing open
    /// it): a thread per rank, a complete event per call, a flow per message,
    /// an instant where a rank ended and where a deadlock was found.
    pub fn to_chrome_trace(&self) -> String {
        let us = |t: f64| (t * 1e6 * 1000.0).round() / 1000.0;
        let mut events: Vec<Value> = vec![json!({"name": "process_name", "ph": "M", "pid": 1,
            "args": {"name": format!("mpi-playground: {} ranks", self.ranks)}})];
        for r in 0..self.ranks {
            events.push(json!({"name": "thread_name", "ph": "M", "pid": 1, "tid": r,
                "args": {"name": format!("rank {r}")}}));
            events.push(json!({"name": "thread_sort_index", "ph": "M", "pid": 1, "tid": r,
                "args": {"sort_index": r}}));
        }
        let mut spans: Vec<&Span> = self.spans.iter().chain(self.open_spans()).collect();
        spans.sort_by(|a, b| a.start.total_cmp(&b.start));
        for s in spans {
            let end = s.end.unwrap_or(self.last_time);
            let mut args = json!({"comm": comm_name(s.ctx), "line": s.line});
            if s.peer >= 0 {
                args["peer"] = json!(s.peer);
            }
            if s.tag >= 0 {
                args["tag"] = json!(s.tag);
            }
            if s.bytes > 0 {
                args["bytes"] = json!(s.bytes);
            }
            if s.end.is_none() {
                args["unfinished"] = json!(true);
            }
            events.push(json!({"name": s.call.name(), "cat": category_name(s.call.category()), "ph": "X",
                "ts": us(s.start), "dur": us(end - s.start), "pid": 1, "tid": s.rank, "args": args}));
        }
        for (id, a) in self.arrows.iter().enumerate() {
            let args = json!({"from": a.from, "to": a.to, "tag": a.tag, "comm": comm_name(a.ctx),
                "bytes": a.bytes, "send_line": a.send_line, "recv_line": a.recv_line, "preview": a.preview});
            events.push(json!({"name": "message", "cat": "message", "ph": "s", "id": id, "ts": us(a.sent),
                "pid": 1, "tid": a.from, "args": args}));
            events.push(json!({"name": "message", "cat": "message", "ph": "f", "bp": "e", "id": id,
                "ts": us(a.received), "pid": 1, "tid": a.to}));
        }
        for r in 0..self.ranks {
            if let Some((t, how)) = self.lane_end(r) {
                events.push(json!({"name": how.name(), "ph": "i", "s": "t", "ts": us(t), "pid": 1, "tid": r}));
            }
        }
        if !self.cycle.is_empty() {
            let mut names: Vec<String> = self.cycle.iter().map(|r| format!("rank {r}")).collect();
            names.push(names[0].clone());
            events.push(json!({"name": format!("deadlock: {}", names.join(" -> ")), "ph": "i", "s": "g",
                "ts": us(self.last_time), "pid": 1, "tid": self.cycle[0]}));
        }
        json!({"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"dropped": self.dropped}})
        .to_string()
    }
}

fn push_bounded(queue: &mut VecDeque<Half>, half: Half) {
    if queue.len() == MAX_PENDING {
        queue.pop_front();
    }
    queue.push_back(half);
}

/// The trace-event category of a call (and the timeline's colour key).
pub fn category_name(c: Category) -> &'static str {
    match c {
        Category::Send => "send",
        Category::Recv => "recv",
        Category::Wait => "wait",
        Category::Barrier => "barrier",
        Category::Collective => "collective",
        Category::Communicator => "communicator",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: Kind, call: Call, time: f64, peer: i32) -> TraceEvent {
        let mut e = TraceEvent::new(kind, call, time);
        e.peer = peer;
        e.tag = 0;
        e
    }

    #[test]
    fn a_receive_seen_before_its_send_still_gets_its_arrow_in_order() {
        let mut t = Timeline::new(2, 100);
        t.add(1, ev(Kind::Received, Call::Recv, 2.0, 0));
        let mut first = ev(Kind::Sent, Call::Send, 1.0, 1);
        first.preview = "'first'".into();
        t.add(0, first);
        t.add(0, ev(Kind::Sent, Call::Send, 3.0, 1));
        t.add(1, ev(Kind::Received, Call::Recv, 4.0, 0));
        let arrows: Vec<&Arrow> = t.arrows().collect();
        assert_eq!(arrows.len(), 2);
        assert_eq!((arrows[0].from, arrows[0].to, arrows[0].sent, arrows[0].received), (0, 1, 1.0, 2.0));
        assert_eq!(arrows[0].preview, "'first'");
        assert_eq!((arrows[1].sent, arrows[1].received), (3.0, 4.0));
    }

    #[test]
    fn collectives_group_by_communicator_and_order_and_spans_close() {
        let mut t = Timeline::new(2, 100);
        for r in 0..2 {
            t.add(r, ev(Kind::Begin, Call::Bcast, r as f64, 0));
            t.add(r, ev(Kind::End, Call::Bcast, 5.0, -1));
            t.add(r, ev(Kind::Begin, Call::Barrier, 6.0, -1));
        }
        t.add(0, ev(Kind::End, Call::Barrier, 7.0, -1));
        let groups: Vec<_> = t.spans().map(|s| (s.rank, s.call, s.group)).collect();
        assert_eq!(
            groups,
            vec![(0, Call::Bcast, Some((0, 1))), (1, Call::Bcast, Some((0, 1))), (0, Call::Barrier, Some((0, 2)))]
        );
        assert_eq!(t.open_spans().count(), 1, "rank 1 is still in its barrier");
        t.rank_ended(1, 9.0, LaneEnd::Failed);
        assert_eq!(t.open_spans().count(), 0);
        assert_eq!(t.lane_end(1), Some((9.0, LaneEnd::Failed)));
    }

    #[test]
    fn the_cap_keeps_the_latest_and_counts_the_rest() {
        let mut t = Timeline::new(1, 3);
        for i in 0..5 {
            t.add(0, ev(Kind::Begin, Call::Recv, i as f64, 0));
            t.add(0, ev(Kind::End, Call::Recv, i as f64 + 0.5, 0));
        }
        let starts: Vec<f64> = t.spans().map(|s| s.start).collect();
        assert_eq!(starts, vec![2.0, 3.0, 4.0]);
        assert_eq!(t.dropped, 2);
    }

    #[test]
    fn the_chrome_trace_has_a_lane_per_rank_a_slice_per_call_and_a_flow_per_message() {
        let mut t = Timeline::new(2, 100);
        t.add(0, ev(Kind::Begin, Call::Send, 0.001, 1));
        t.add(0, ev(Kind::Sent, Call::Send, 0.001, 1));
        t.add(0, ev(Kind::End, Call::Send, 0.002, -1));
        t.add(1, ev(Kind::Begin, Call::Recv, 0.0, 0));
        t.add(1, ev(Kind::Received, Call::Recv, 0.003, 0));
        t.add(1, ev(Kind::End, Call::Recv, 0.003, 0));
        t.deadlock(vec![0, 1], 0.004);
        t.add(1, ev(Kind::Begin, Call::Recv, 0.005, 0));
        assert_eq!(t.open_spans().count(), 0, "what a rank does after the deadlock is its unwinding");
        assert_eq!(t.stuck_in(1).map(|s| s.call), None, "rank 1's recv had ended");
        let v: Value = serde_json::from_str(&t.to_chrome_trace()).unwrap();
        let events = v["traceEvents"].as_array().unwrap();
        let of = |ph: &str| events.iter().filter(|e| e["ph"] == ph).collect::<Vec<_>>();
        assert_eq!(of("M").iter().filter(|e| e["name"] == "thread_name").count(), 2);
        let slices = of("X");
        assert_eq!(slices.len(), 2);
        assert_eq!((slices[0]["name"].as_str(), slices[0]["tid"].as_u64()), (Some("recv"), Some(1)));
        assert_eq!((slices[1]["ts"].as_f64(), slices[1]["dur"].as_f64()), (Some(1000.0), Some(1000.0)));
        let (s, f) = (of("s"), of("f"));
        assert_eq!((s.len(), f.len()), (1, 1));
        assert_eq!((s[0]["tid"].as_u64(), f[0]["tid"].as_u64(), s[0]["id"] == f[0]["id"]), (Some(0), Some(1), true));
        assert_eq!(of("i")[0]["name"], "deadlock: rank 0 -> rank 1 -> rank 0");
    }
}
