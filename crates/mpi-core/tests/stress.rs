//! Multi-threaded stress of the mailbox protocol and MPI matching: many ranks
//! send seeded-random numbers of messages (0 B to 8 MiB, random tags, random
//! peers, blocking, nonblocking and synchronous sends, on COMM_WORLD and on a
//! duplicate of it) through inboxes small enough that large messages are
//! chunked and senders wait for room. Receivers mix specific sources,
//! ANY_SOURCE and ANY_TAG, blocking receives, probe, irecv with test, waitany
//! and waitall. Every message must arrive exactly once, intact, on the right
//! communicator, and messages with the same source and tag must be matched in
//! the order they were sent (non-overtaking), wildcards included.
//!
//! Receives are planned so that every arrival order completes: per
//! communicator, all specific receives are posted before any wildcard receive,
//! and wildcard receives are nested (on COMM_WORLD `(ANY_SOURCE, tag)` before
//! `(ANY_SOURCE, ANY_TAG)`, on the duplicate `(source, ANY_TAG)` before
//! `(ANY_SOURCE, ANY_TAG)`), so an earlier-posted narrower receive always wins
//! the messages it needs. Every send is started before the first receive that
//! could block, so the plan cannot deadlock whatever the timing.

mod common;

use common::{Rng, ok, pattern, run};
use mpi_core::{ANY_SOURCE, ANY_TAG, Completion, Endpoint, ReqId, WORLD_CTX};
use std::collections::HashMap;

/// Header carried at the start of every payload of at least this many bytes:
/// magic, communicator (0 world, 1 dup), source, destination, tag, sequence.
const HEADER: usize = 24;
const MAGIC: u32 = 0x5354_5253;
const TAGS: u64 = 4;
const MIB: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq)]
enum SendMode {
    Blocking,
    Nonblocking,
    Synchronous,
}

/// One planned message; `seq` is its index in the sender's plan (its send order).
#[derive(Clone, Debug)]
struct Msg {
    src: u32,
    dst: u32,
    on_dup: bool,
    tag: i32,
    seq: u32,
    len: usize,
    mode: SendMode,
}

impl Msg {
    fn payload(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len.max(HEADER));
        for w in [MAGIC, u32::from(self.on_dup), self.src, self.dst, self.tag as u32, self.seq] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let key = (u64::from(self.src) << 40) ^ (u64::from(self.dst) << 20) ^ u64::from(self.seq);
        out.extend(pattern(key, self.len.saturating_sub(HEADER)));
        out.truncate(self.len);
        out
    }
}

#[derive(Clone, Copy)]
struct Config {
    seed: u64,
    ranks: u32,
    ring: u32,
    min_msgs: u64,
    max_msgs: u64,
    /// Percent of messages that are large (128 KiB to 8 MiB).
    large: u64,
    /// Percent of messages sent to rank 0 whatever their random peer, so that
    /// many senders contend for one inbox.
    fan_in: u64,
}

fn random_len(rng: &mut Rng, large_percent: u64) -> usize {
    let r = rng.below(100);
    if r < large_percent {
        // A quarter of the large ones are the maximum, 8 MiB.
        if rng.chance(25) { 8 * MIB } else { rng.range(128 * 1024, 8 * MIB as u64) as usize }
    } else if r < large_percent + 20 {
        rng.range(1024, 128 * 1024) as usize
    } else if rng.chance(10) {
        0
    } else if rng.chance(50) {
        rng.range(1, HEADER as u64 + 8) as usize
    } else {
        rng.range(HEADER as u64, 1024) as usize
    }
}

/// What rank `src` sends, in order; every rank can compute every plan.
fn send_plan(cfg: &Config, src: u32) -> Vec<Msg> {
    let mut rng = Rng::new(cfg.seed ^ (u64::from(src) << 32) ^ 0x5e4d);
    let count = rng.range(cfg.min_msgs, cfg.max_msgs);
    (0..count as u32)
        .map(|seq| {
            let mode = match rng.below(10) {
                0..=4 => SendMode::Blocking,
                5..=8 => SendMode::Nonblocking,
                _ => SendMode::Synchronous,
            };
            Msg {
                src,
                dst: if rng.chance(cfg.fan_in) { 0 } else { rng.below(u64::from(cfg.ranks)) as u32 },
                on_dup: rng.chance(35),
                tag: rng.below(TAGS) as i32,
                seq,
                len: random_len(&mut rng, cfg.large),
                mode,
            }
        })
        .collect()
}

/// A receive to post: communicator handle, source and tag (wildcards allowed).
#[derive(Clone, Copy, Debug)]
struct Spec {
    comm: u32,
    on_dup: bool,
    source: i32,
    tag: i32,
}

/// What one receive got, reduced to what the order check needs.
struct Received {
    /// The order in which the receive was posted on this rank.
    posted: u64,
    on_dup: bool,
    source: u32,
    tag: i32,
    /// The sequence number from the payload header, when the payload has one.
    seq: Option<u32>,
    /// Payloads too short for a header are kept whole.
    short: Vec<u8>,
}

struct Receiver<'a> {
    me: u32,
    plans: &'a [Vec<Msg>],
    posts: u64,
    got: Vec<Received>,
}

impl Receiver<'_> {
    fn post(&mut self, ep: &mut Endpoint, spec: Spec) -> (u64, Spec, ReqId) {
        let req = ok("irecv", ep.irecv(spec.comm, spec.source, spec.tag));
        self.posts += 1;
        (self.posts, spec, req)
    }

    /// Checks one completed receive against its spec and its own header, then
    /// keeps what the order check needs.
    fn record(&mut self, posted: u64, spec: Spec, c: Completion) {
        let data = c.data.expect("a receive completion carries a payload");
        assert!(c.source >= 0 && c.tag >= 0, "rank {}: completion with source {} tag {}", self.me, c.source, c.tag);
        if spec.source != ANY_SOURCE {
            assert_eq!(
                c.source, spec.source,
                "rank {}: a receive from {} matched a message from {}",
                self.me, spec.source, c.source
            );
        }
        if spec.tag != ANY_TAG {
            assert_eq!(c.tag, spec.tag, "rank {}: a receive for tag {} matched tag {}", self.me, spec.tag, c.tag);
        }
        let source = c.source as u32;
        let mut seq = None;
        if data.len() >= HEADER {
            let w = |i: usize| u32::from_le_bytes(data[i * 4..i * 4 + 4].try_into().unwrap());
            assert_eq!(w(0), MAGIC, "rank {}: payload without the header magic", self.me);
            let header = (w(1) == 1, w(2), w(3), w(4) as i32);
            assert_eq!(
                header,
                (spec.on_dup, source, self.me, c.tag),
                "rank {}: header (on_dup, src, dst, tag) disagrees with the receive on {} from {} tag {}",
                self.me,
                if spec.on_dup { "the dup" } else { "COMM_WORLD" },
                source,
                c.tag
            );
            let msg = self.plans[source as usize].get(w(5) as usize).expect("a planned sequence number");
            assert!(
                msg.len == data.len(),
                "rank {}: message {source}#{} is {} bytes, {} were sent",
                self.me,
                msg.seq,
                data.len(),
                msg.len
            );
            assert!(
                msg.payload() == data,
                "rank {}: message {source}#{} of {} bytes arrived altered",
                self.me,
                msg.seq,
                msg.len
            );
            seq = Some(msg.seq);
        }
        let short = if seq.is_none() { data } else { Vec::new() };
        self.got.push(Received { posted, on_dup: spec.on_dup, source, tag: c.tag, seq, short });
    }

    /// Completes a batch of posted receives with repeated waitany.
    fn waitany_all(&mut self, ep: &mut Endpoint, mut batch: Vec<(u64, Spec, ReqId)>) {
        while !batch.is_empty() {
            let reqs: Vec<ReqId> = batch.iter().map(|b| b.2).collect();
            let (i, c) = ok("waitany", ep.waitany(&reqs));
            let (posted, spec, _) = batch.swap_remove(i);
            self.record(posted, spec, c);
        }
    }

    fn waitall(&mut self, ep: &mut Endpoint, batch: Vec<(u64, Spec, ReqId)>) {
        let reqs: Vec<ReqId> = batch.iter().map(|b| b.2).collect();
        let done = ok("waitall", ep.waitall(&reqs));
        assert_eq!(done.len(), batch.len());
        for ((posted, spec, _), c) in batch.into_iter().zip(done) {
            self.record(posted, spec, c);
        }
    }

    /// Receives everything in `specs`, in order of posting, with a random mix
    /// of blocking receives, probe-then-receive, waitany and waitall batches.
    fn receive_all(&mut self, ep: &mut Endpoint, rng: &mut Rng, specs: &[Spec]) {
        let mut i = 0;
        while i < specs.len() {
            match rng.below(4) {
                0 => {
                    let spec = specs[i];
                    let c = ok("recv", ep.recv(spec.comm, spec.source, spec.tag));
                    self.posts += 1;
                    self.record(self.posts, spec, c);
                    i += 1;
                }
                1 => {
                    // The message probe reports is the one the next receive with the same
                    // envelope gets: no pending receive can take it, it would have already.
                    let spec = specs[i];
                    let probed = ok("probe", ep.probe(spec.comm, spec.source, spec.tag));
                    let c = ok("recv", ep.recv(spec.comm, spec.source, spec.tag));
                    assert_eq!(
                        (probed.source, probed.tag, probed.len),
                        (c.source, c.tag, c.data.as_ref().map_or(0, Vec::len)),
                        "rank {}: probe and the receive after it saw different messages",
                        self.me
                    );
                    self.posts += 1;
                    self.record(self.posts, spec, c);
                    i += 1;
                }
                mode => {
                    let k = (rng.range(1, 8) as usize).min(specs.len() - i);
                    let batch: Vec<_> = specs[i..i + k].iter().map(|s| self.post(ep, *s)).collect();
                    i += k;
                    if mode == 2 { self.waitany_all(ep, batch) } else { self.waitall(ep, batch) }
                }
            }
        }
    }
}

fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i as u64 + 1) as usize);
    }
}

fn rank_main(ep: &mut Endpoint, cfg: &Config, plans: &[Vec<Msg>]) -> (usize, usize) {
    let me = ep.world_rank();
    let dup = ok("comm_dup", ep.comm_dup(WORLD_CTX));
    let comm_of = |on_dup: bool| if on_dup { dup } else { WORLD_CTX };
    let mut rng = Rng::new(cfg.seed ^ (u64::from(me) << 32) ^ 0x2ec7);

    // Everything addressed to me, in each sender's order.
    let incoming: Vec<&Msg> = plans.iter().flatten().filter(|m| m.dst == me).collect();
    let mut layers: [Vec<Spec>; 3] = Default::default();
    for m in &incoming {
        let layer = rng.below(3) as usize;
        let (source, tag) = match (layer, m.on_dup) {
            (0, _) => (m.src as i32, m.tag),
            (1, false) => (ANY_SOURCE, m.tag),
            (1, true) => (m.src as i32, ANY_TAG),
            _ => (ANY_SOURCE, ANY_TAG),
        };
        layers[layer].push(Spec { comm: comm_of(m.on_dup), on_dup: m.on_dup, source, tag });
    }
    for layer in &mut layers {
        shuffle(&mut rng, layer);
    }

    let mut rx = Receiver { me, plans, posts: 0, got: Vec::new() };
    let mut sends = Vec::new();
    let mut early = Vec::new();
    let mut next_specific = 0;

    // Phase 1: every send, interleaved with posting specific receives and testing them.
    for m in &plans[me as usize] {
        if next_specific < layers[0].len() && rng.chance(30) {
            early.push(rx.post(ep, layers[0][next_specific]));
            next_specific += 1;
        }
        let comm = comm_of(m.on_dup);
        match m.mode {
            SendMode::Blocking => {
                ok("send", ep.send(comm, m.dst as i32, m.tag, m.payload(), mpi_core::SendMode::Standard))
            }
            SendMode::Nonblocking => {
                sends.push(ok("isend", ep.isend(comm, m.dst as i32, m.tag, m.payload(), mpi_core::SendMode::Standard)))
            }
            SendMode::Synchronous => sends
                .push(ok("issend", ep.isend(comm, m.dst as i32, m.tag, m.payload(), mpi_core::SendMode::Synchronous))),
        }
        if !early.is_empty() && rng.chance(40) {
            let at = rng.below(early.len() as u64) as usize;
            if let Some(c) = ok("test", ep.test(early[at].2)) {
                let (posted, spec, _) = early.swap_remove(at);
                rx.record(posted, spec, c);
            }
        }
    }

    // Phase 2: the early receives, then each layer in turn.
    if rng.chance(50) {
        rx.waitany_all(ep, early)
    } else {
        rx.waitall(ep, early)
    }
    let rest = layers[0][next_specific..].to_vec();
    rx.receive_all(ep, &mut rng, &rest);
    let wide = layers[1].clone();
    rx.receive_all(ep, &mut rng, &wide);
    let widest = layers[2].clone();
    rx.receive_all(ep, &mut rng, &widest);
    ok("waitall on sends", ep.waitall(&sends));

    // Exactly once and non-overtaking: per (communicator, source, tag), the
    // receives in posting order got the messages in sending order.
    assert_eq!(
        rx.got.len(),
        incoming.len(),
        "rank {me}: received {} messages, {} were sent to it",
        rx.got.len(),
        incoming.len()
    );
    let mut expected: HashMap<(bool, u32, i32), Vec<&Msg>> = HashMap::new();
    for m in &incoming {
        expected.entry((m.on_dup, m.src, m.tag)).or_default().push(m);
    }
    let mut received: HashMap<(bool, u32, i32), Vec<&Received>> = HashMap::new();
    for r in &rx.got {
        received.entry((r.on_dup, r.source, r.tag)).or_default().push(r);
    }
    for (key, want) in &expected {
        let mut got = received.remove(key).unwrap_or_default();
        got.sort_by_key(|r| r.posted);
        assert_eq!(
            got.len(),
            want.len(),
            "rank {me}: {} messages for (dup, source, tag) {key:?}, {} sent",
            got.len(),
            want.len()
        );
        for (g, w) in got.iter().zip(want) {
            match g.seq {
                Some(seq) => assert_eq!(
                    seq, w.seq,
                    "rank {me}: (dup, source, tag) {key:?}: receive #{} got message #{seq}, #{} was next (overtaking)",
                    g.posted, w.seq
                ),
                None => assert!(
                    g.short == w.payload(),
                    "rank {me}: (dup, source, tag) {key:?}: short message out of order or altered, expected #{}",
                    w.seq
                ),
            }
        }
    }
    assert!(received.is_empty(), "rank {me}: messages nobody sent: {:?}", received.keys().collect::<Vec<_>>());
    let bytes = incoming.iter().map(|m| m.len).sum();
    (incoming.len(), bytes)
}

fn stress(cfg: Config) {
    let plans: Vec<Vec<Msg>> = (0..cfg.ranks).map(|r| send_plan(&cfg, r)).collect();
    let results = run(cfg.ranks, Some(cfg.ring), |ep| rank_main(ep, &cfg, &plans));
    let messages: usize = results.iter().map(|r| r.0).sum();
    let bytes: usize = results.iter().map(|r| r.1).sum();
    assert_eq!(messages, plans.iter().map(Vec::len).sum::<usize>());
    assert_eq!(bytes, plans.iter().flatten().map(|m| m.len).sum::<usize>());
    // The plan exercised what it is meant to: chunked messages and empty ones.
    assert!(
        plans.iter().flatten().any(|m| m.len > 4 * cfg.ring as usize),
        "seed {}: no message needed chunking",
        cfg.seed
    );
    assert!(plans.iter().flatten().any(|m| m.len == 0), "seed {}: no empty message", cfg.seed);
}

#[test]
fn eight_ranks_through_4_kib_inboxes() {
    for seed in 1..=4 {
        stress(Config { seed, ranks: 8, ring: 4096, min_msgs: 100, max_msgs: 250, large: 1, fan_in: 0 });
    }
}

#[test]
fn sixteen_ranks_through_16_kib_inboxes() {
    for seed in 11..=13 {
        stress(Config { seed, ranks: 16, ring: 16 * 1024, min_msgs: 60, max_msgs: 160, large: 1, fan_in: 0 });
    }
}

#[test]
fn sixteen_ranks_converging_on_one_4_kib_inbox() {
    for seed in 21..=22 {
        stress(Config { seed, ranks: 16, ring: 4096, min_msgs: 40, max_msgs: 100, large: 1, fan_in: 60 });
    }
}

#[test]
fn four_ranks_with_many_large_messages_through_64_kib_inboxes() {
    for seed in 31..=33 {
        stress(Config { seed, ranks: 4, ring: 64 * 1024, min_msgs: 100, max_msgs: 200, large: 5, fan_in: 0 });
    }
}
