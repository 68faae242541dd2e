//! The mailbox protocol: how bytes move from one rank's memory into another's.
//!
//! Every rank owns an inbox, a byte ring in the World with many producers (any
//! rank may send to it) and one consumer (its owner). A producer takes the
//! inbox's lock, appends one *frame* (a fixed header plus a chunk of payload),
//! publishes the new head, releases the lock and rings the owner's doorbell. A
//! message larger than the free room travels as a first frame and continuation
//! frames; the consumer reassembles per source (a rank sends one message to a
//! given peer at a time, in order, so chunks from one source never interleave).
//! The lock is held only while copying one frame, never while waiting, so a rank
//! blocked for room can keep draining its own inbox: that is what keeps two
//! ranks sending large messages to each other from deadlocking.

use crate::memory::SharedMemory;
use crate::world::{World, hdr, rank};

/// Size of a frame header in bytes: eight little-endian u32 fields.
pub(crate) const HEADER: usize = 32;

/// Payloads up to this size are written together with their frame's header.
const SMALL_PAYLOAD: usize = 224;

/// Smallest chunk worth splitting a message for.
const MIN_CHUNK: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// Starts a message; `total` is its full length.
    First = 1,
    /// More bytes of the message the same source started last.
    Cont = 2,
    /// A synchronous-send acknowledgement: the message `sync` was matched.
    Ack = 3,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameHeader {
    pub kind: FrameKind,
    pub src: u32,
    /// Wire context: communicator context id * 2, +1 for collective traffic.
    pub ctx: u32,
    pub tag: i32,
    pub total: u32,
    pub chunk: u32,
    /// Nonzero for a synchronous send: the id the ack must carry back.
    pub sync: u32,
    /// The sender's script line, for the warning about a message never received.
    pub line: u32,
}

impl FrameHeader {
    fn encode(&self) -> [u8; HEADER] {
        let fields = [self.kind as u32, self.src, self.ctx, self.tag as u32, self.total, self.chunk, self.sync, self.line];
        let mut out = [0u8; HEADER];
        for (i, f) in fields.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&f.to_le_bytes());
        }
        out
    }

    fn decode(b: &[u8; HEADER]) -> Self {
        let f = |i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
        let kind = match f(0) {
            1 => FrameKind::First,
            2 => FrameKind::Cont,
            3 => FrameKind::Ack,
            k => panic!("corrupt inbox: frame kind {k}"),
        };
        FrameHeader { kind, src: f(1), ctx: f(2), tag: f(3) as i32, total: f(4), chunk: f(5), sync: f(6), line: f(7) }
    }
}

/// A ring inside the shared memory, addressed by ever-growing wrapping positions.
struct Ring<'a> {
    mem: &'a dyn SharedMemory,
    base: usize,
    cap: u32,
}

impl Ring<'_> {
    fn write(&self, pos: u32, mut src: &[u8]) {
        let mut at = pos % self.cap;
        while !src.is_empty() {
            let n = src.len().min((self.cap - at) as usize);
            self.mem.write_bytes(self.base + at as usize, &src[..n]);
            src = &src[n..];
            at = 0;
        }
    }

    fn read(&self, pos: u32, mut dst: &mut [u8]) {
        let mut at = pos % self.cap;
        while !dst.is_empty() {
            let n = dst.len().min((self.cap - at) as usize);
            let (head, rest) = dst.split_at_mut(n);
            self.mem.read_bytes(self.base + at as usize, head);
            dst = rest;
            at = 0;
        }
    }
}

impl World {
    fn ring(&self, owner: u32) -> Ring<'_> {
        Ring { mem: &*self.mem, base: self.layout.ring_offset(owner), cap: self.layout.ring_bytes }
    }

    fn lock_inbox(&self, owner: u32) {
        let lock = self.layout.rank_word(owner, rank::LOCK);
        if self.mem.compare_exchange(lock, 0, 1).is_ok() {
            return;
        }
        // Holders never wait while holding, so a short spin usually suffices;
        // after that, sleep on the lock word (state 2 = held with sleepers).
        for _ in 0..100 {
            std::hint::spin_loop();
            if self.mem.compare_exchange(lock, 0, 1).is_ok() {
                return;
            }
        }
        while self.mem.swap(lock, 2) != 0 {
            self.mem.wait(lock, 2);
        }
    }

    fn unlock_inbox(&self, owner: u32) {
        let lock = self.layout.rank_word(owner, rank::LOCK);
        if self.mem.swap(lock, 0) == 2 {
            self.mem.wake_all(lock);
        }
    }

    /// Appends one frame carrying a prefix of `payload` to `dest`'s inbox.
    /// Returns how many payload bytes it carried, or `None` if there was no room
    /// (then nothing was written). A payload that fits whole is never split.
    pub(crate) fn try_write_frame(&self, dest: u32, mut header: FrameHeader, payload: &[u8]) -> Option<usize> {
        let cap = self.layout.ring_bytes;
        let head_w = self.layout.rank_word(dest, rank::HEAD);
        let tail_w = self.layout.rank_word(dest, rank::TAIL);
        self.lock_inbox(dest);
        let head = self.mem.load(head_w);
        let free = (cap - head.wrapping_sub(self.mem.load(tail_w))) as usize;
        // Cap each chunk at a quarter ring so several senders can share an inbox.
        let fair = (cap as usize / 4).max(MIN_CHUNK);
        // The smallest chunk must fit in an empty inbox with its header, or a
        // message that does not fit whole could never start in a small ring.
        let min_chunk = MIN_CHUNK.min(cap as usize / 4);
        let chunk = if HEADER + payload.len() <= free && payload.len() <= fair {
            payload.len()
        } else if free >= HEADER + min_chunk.min(payload.len()) {
            payload.len().min(free - HEADER).min(fair)
        } else {
            self.unlock_inbox(dest);
            return None;
        };
        header.chunk = chunk as u32;
        let ring = self.ring(dest);
        if chunk <= SMALL_PAYLOAD {
            // A small frame is written in one copy: in the browser every copy
            // into the World is a call out of wasm.
            let mut frame = [0u8; HEADER + SMALL_PAYLOAD];
            frame[..HEADER].copy_from_slice(&header.encode());
            frame[HEADER..HEADER + chunk].copy_from_slice(&payload[..chunk]);
            ring.write(head, &frame[..HEADER + chunk]);
        } else {
            ring.write(head, &header.encode());
            ring.write(head.wrapping_add(HEADER as u32), &payload[..chunk]);
        }
        self.mem.store(head_w, head.wrapping_add((HEADER + chunk) as u32));
        self.unlock_inbox(dest);
        self.bump_generation();
        self.ring_doorbell(dest);
        Some(chunk)
    }

    /// Reads every frame in `me`'s inbox, oldest first. For each, `on_frame`
    /// gets the header and must read exactly `header.chunk` payload bytes
    /// through the reader it is given. Returns the number of frames read.
    pub(crate) fn drain_inbox(
        &self,
        me: u32,
        mut on_frame: impl FnMut(FrameHeader, &mut dyn FnMut(&mut [u8])),
    ) -> usize {
        let head_w = self.layout.rank_word(me, rank::HEAD);
        let tail_w = self.layout.rank_word(me, rank::TAIL);
        let head = self.mem.load(head_w);
        let mut tail = self.mem.load(tail_w);
        if head == tail {
            return 0;
        }
        let ring = self.ring(me);
        let mut frames = 0;
        while tail != head {
            let mut hb = [0u8; HEADER];
            ring.read(tail, &mut hb);
            let header = FrameHeader::decode(&hb);
            let payload_at = tail.wrapping_add(HEADER as u32);
            let mut read_payload = |dst: &mut [u8]| {
                assert_eq!(dst.len(), header.chunk as usize, "frame payload read with the wrong length");
                ring.read(payload_at, dst);
            };
            on_frame(header, &mut read_payload);
            tail = payload_at.wrapping_add(header.chunk);
            frames += 1;
        }
        self.mem.store(tail_w, tail);
        if self.mem.load(self.layout.rank_word(me, rank::SPACE_WANTERS)) != 0 {
            for r in 0..self.slots() {
                if r != me && self.mem.load(self.layout.rank_word(r, rank::WANTS_SPACE_IN)) != 0 {
                    self.ring_doorbell(r);
                }
            }
        }
        // Only now: a snapshot taken across the drain must not see the freed
        // room together with a waiting sender whose doorbell has not rung yet.
        self.bump_generation();
        frames
    }

    /// Moves `me`'s registration as a sender waiting for room from the inboxes
    /// in `old` to those in `new`. A rank that drains an inbox with registered
    /// waiters rings the doorbell of every rank waiting for room anywhere: a few
    /// spurious wake-ups are cheap, a missed one would hang a correct program.
    pub(crate) fn want_space(&self, me: u32, old: &[u32], new: &[u32]) {
        for d in new {
            self.mem.fetch_add(self.layout.rank_word(*d, rank::SPACE_WANTERS), 1);
        }
        self.mem.store(self.layout.rank_word(me, rank::WANTS_SPACE_IN), u32::from(!new.is_empty()));
        for d in old {
            self.mem.fetch_add(self.layout.rank_word(*d, rank::SPACE_WANTERS), u32::MAX);
        }
    }

    /// The doorbell value to wait on: read it before looking for work, then
    /// [`World::sleep_unless_rung`] with it.
    pub(crate) fn doorbell(&self, me: u32) -> u32 {
        self.mem.load(self.layout.rank_word(me, rank::WAKE))
    }

    fn spin_loads(&self) -> u32 {
        self.mem.load(hdr::SPIN_LOADS)
    }

    /// Sleeps until the doorbell moves past `seen` or `seconds` pass, with no spin
    /// (a timed wait is a user's timeout, seldom a reply microseconds away).
    pub(crate) fn sleep_unless_rung_for(&self, me: u32, seen: u32, seconds: f64) {
        self.sleep_on_doorbell(me, seen, Some(seconds));
    }

    /// The sleep itself: SLEEPING is published before the last look at the
    /// doorbell, so a waker that bumps it after that look also sees SLEEPING
    /// and wakes us (the Dekker handshake of `ring_doorbell`).
    fn sleep_on_doorbell(&self, me: u32, seen: u32, seconds: Option<f64>) {
        let wake = self.layout.rank_word(me, rank::WAKE);
        let sleeping = self.layout.rank_word(me, rank::SLEEPING);
        self.mem.store(sleeping, 1);
        if self.mem.load(wake) == seen {
            match seconds {
                Some(s) => self.mem.wait_for(wake, seen, s),
                None => self.mem.wait(wake, seen),
            }
        }
        self.mem.store(sleeping, 0);
    }

    /// Sleeps until the doorbell moves past `seen` (or returns at once if it has).
    pub(crate) fn sleep_unless_rung(&self, me: u32, seen: u32) {
        let wake = self.layout.rank_word(me, rank::WAKE);
        // Spin first: a reply often arrives within microseconds, and a futex
        // round trip costs more than that. How long is the host's call
        // (World::set_spin_loads): long when every rank has a core, short when
        // ranks share cores and a spinning rank would slow the one it awaits.
        for _ in 0..self.spin_loads() {
            if self.mem.load(wake) != seen {
                return;
            }
            std::hint::spin_loop();
        }
        self.sleep_on_doorbell(me, seen, None);
    }
}
