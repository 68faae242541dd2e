//! One rank's side of MPI: requests, matching and the progress engine.
//!
//! An [`Endpoint`] is owned by exactly one rank (a thread or a Web Worker). It
//! turns sends into frames in other ranks' inboxes and drains its own inbox into
//! local memory, where messages meet receives by MPI's matching rules:
//! same communicator, source equal or ANY_SOURCE, tag equal or ANY_TAG, and
//! messages from one source matched in the order they were sent (non-overtaking).
//! Every blocking call is "start a request, then wait for it"; waiting drives
//! progress (drain the inbox, push pending frames) and sleeps on the rank's
//! doorbell only when nothing can move, after publishing what it waits for so a
//! supervisor can tell a deadlock from slowness.
//!
//! A buffered send completes once its bytes are in the peer's inbox (or, for
//! a large message, once the last chunk is). Synchronous sends also wait for
//! the receiver's acknowledgement that the message was matched, and so do
//! standard-mode sends larger than the run's eager limit (rendezvous), as
//! MPICH's do; smaller ones are buffered (eager).

use crate::comm::{COMM_NULL, Communicator, WORLD_CTX};
use crate::error::{ErrorClass, MpiError, Result};
use crate::mailbox::{FrameHeader, FrameKind};
use crate::state::{Activity, BlockedOn, BlockedOp, Rendezvous};
use crate::world::{RunState, World};
use crate::{ANY_SOURCE, ANY_TAG, PROC_NULL, TAG_UB};
use std::collections::{HashMap, VecDeque};

/// A request handle, as the Python layer holds it.
pub type ReqId = u32;

/// How a point-to-point send completes: MPI's send modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendMode {
    /// `MPI_Send` (and ready mode): buffered up to the run's eager limit,
    /// larger messages wait for their matching receive.
    Standard,
    /// `MPI_Ssend`: completes once the matching receive has started.
    Synchronous,
    /// `MPI_Bsend`, and the library's own messages: never waits for the receiver.
    Buffered,
}

impl SendMode {
    /// The mode's number in the Python layer's calls (`_mpi.send(..., mode)`).
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(SendMode::Standard),
            1 => Some(SendMode::Synchronous),
            2 => Some(SendMode::Buffered),
            _ => None,
        }
    }
}

/// A received message, after reassembly.
#[derive(Debug)]
pub(crate) struct Message {
    pub src: u32,
    pub ctx: u32,
    pub tag: i32,
    pub data: Vec<u8>,
    pub sync: u32,
    /// The sender's script line (0 if unknown), for the warning about a
    /// message never received.
    pub line: u32,
}

/// What a completed request yields: the payload of a receive (None for a send),
/// and the actual source (as a rank of the request's communicator) and tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub data: Option<Vec<u8>>,
    pub source: i32,
    pub tag: i32,
}

impl Completion {
    fn null() -> Self {
        Completion { data: None, source: PROC_NULL, tag: ANY_TAG }
    }
}

/// Envelope of a probed message: source (comm rank), tag and size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probed {
    pub source: i32,
    pub tag: i32,
    pub len: usize,
}

pub(crate) struct Incoming {
    ctx: u32,
    tag: i32,
    sync: u32,
    line: u32,
    data: Vec<u8>,
    filled: usize,
}

struct SendState {
    dest: u32,
    ctx: u32,
    tag: i32,
    data: Vec<u8>,
    /// The message length; `data` is released once every byte is out.
    len: usize,
    sent: usize,
    started: bool,
    /// Nonzero for a synchronous send, until the ack arrives.
    awaiting_ack: u32,
    /// A standard-mode send that waits for its receive because it is larger
    /// than the eager limit (what a deadlock report says of it).
    rendezvous: bool,
    /// The script line that started it.
    line: u32,
}

impl SendState {
    fn pushed(&self) -> bool {
        self.started && self.sent == self.len
    }
}

struct RecvState {
    ctx: u32,
    src: Option<u32>,
    tag: Option<i32>,
    /// The communicator whose ranks the completion reports.
    comm: u32,
    got: Option<Message>,
    /// The script line that started it.
    line: u32,
}

enum Request {
    Send(SendState),
    Recv(RecvState),
    /// Completed at once (PROC_NULL peers).
    Ready(Completion),
}

/// The name of an MPI call with its arguments, as an error message shows it.
type Call<'a> = dyn Fn() -> String + 'a;

/// When a timed wait gives up: `at` on the host's clock (seconds).
pub struct Deadline<'a> {
    pub at: f64,
    pub clock: &'a dyn Fn() -> f64,
}

/// One rank's MPI engine. Not `Sync`: it belongs to the rank that created it.
pub struct Endpoint {
    pub(crate) world: World,
    pub(crate) me: u32,
    pub(crate) partial: HashMap<u32, Incoming>,
    pub(crate) unexpected: VecDeque<Message>,
    requests: HashMap<ReqId, Request>,
    next_req: ReqId,
    /// Receive requests not yet matched, in the order they were posted.
    posted: Vec<ReqId>,
    /// Send requests with bytes not yet in the peer's inbox, in the order sent.
    outbox: VecDeque<ReqId>,
    acks_out: VecDeque<(u32, u32)>,
    next_sync: u32,
    /// Inboxes this rank is registered as waiting for room in.
    waiting_for_room: Vec<u32>,
    pub(crate) comms: HashMap<u32, Communicator>,
    pub(crate) next_ctx: u32,
    /// The host's run clock (seconds since the run started), which trace
    /// records carry; without one the rank records nothing (`trace`).
    pub(crate) clock: Option<Box<dyn Fn() -> f64>>,
    /// The `repr` preview of the object the current call sends, if the
    /// Python layer made one (only while the run records).
    pub(crate) preview: String,
    /// The script line of the current MPI call (0 if unknown): what the
    /// requests it starts and the messages it sends carry for warnings.
    pub(crate) call_line: u32,
    /// The signature of the blocking collective this rank is in (`misuse`).
    pub(crate) coll_sig: Option<crate::misuse::CollSig>,
    /// What this rank records (`trace`): whether the run records, as read at
    /// its latest call, and the records not yet in its ring.
    pub(crate) recorder: crate::trace::Recorder,
}

impl Endpoint {
    /// The endpoint of world rank `me` in `world`.
    /// A process slot's COMM_WORLD holds only itself, as a spawned Python
    /// process that initialises MPI is a singleton.
    pub fn new(world: World, me: u32) -> Self {
        assert!(me < world.slots(), "slot {me} outside a world of {}", world.slots());
        let members: Vec<u32> = if me < world.ranks() { (0..world.ranks()).collect() } else { vec![me] };
        let comms = Communicator::predefined(members, me);
        if !world.has_ended(me) {
            world.publish_activity(me, Activity::Running);
        }
        Endpoint {
            world,
            me,
            partial: HashMap::new(),
            unexpected: VecDeque::new(),
            requests: HashMap::new(),
            next_req: 1,
            posted: Vec::new(),
            outbox: VecDeque::new(),
            acks_out: VecDeque::new(),
            next_sync: 1,
            waiting_for_room: Vec::new(),
            comms,
            next_ctx: 2,
            clock: None,
            preview: String::new(),
            call_line: 0,
            coll_sig: None,
            recorder: crate::trace::Recorder::default(),
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn world_rank(&self) -> u32 {
        self.me
    }

    /// Marks this rank finished (normally or not) in the state table. A rank
    /// that ends normally first delivers what it still has to send, as
    /// MPI_Finalize does; a run that is stopping does not wait for that.
    pub fn finish(&mut self, activity: Activity) {
        self.flush_trace();
        if activity == Activity::Done {
            let _ = self.block_until(
                |ep| ep.outbox.is_empty() && ep.acks_out.is_empty(),
                |ep| {
                    ep.outbox.front().map_or(
                        BlockedOn { op: BlockedOp::Send, peer: None, tag: None, ctx: WORLD_CTX, rendezvous: None },
                        |r| ep.blocked_on(*r, BlockedOp::Send),
                    )
                },
            );
        }
        self.world.publish_activity(self.me, activity);
    }

    /// The receives posted and not matched: wire context, source world rank
    /// and tag (`None`: any).
    pub(crate) fn unmatched_receives(&self) -> Vec<(u32, Option<u32>, Option<i32>, u32)> {
        self.posted
            .iter()
            .filter_map(|id| match self.requests.get(id) {
                Some(Request::Recv(r)) if r.got.is_none() => Some((r.ctx, r.src, r.tag, r.line)),
                _ => None,
            })
            .collect()
    }

    /// The point-to-point requests still held, in the order they began,
    /// that a message completed (or that need no message) but no wait or
    /// test took: `(wire ctx, "isend"/"irecv", peer world rank, tag, line)`.
    pub(crate) fn untaken_requests(&self) -> Vec<(u32, &'static str, u32, i32, u32)> {
        let mut ids: Vec<_> = self.requests.keys().copied().collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| match self.requests.get(&id) {
                Some(Request::Send(s)) => Some((s.ctx, "isend", s.dest, s.tag, s.line)),
                Some(Request::Recv(r)) => r.got.as_ref().map(|m| (r.ctx, "irecv", m.src, m.tag, r.line)),
                _ => None,
            })
            .collect()
    }

    /// Sets the script line of the MPI call now starting.
    pub fn set_call_line(&mut self, line: u32) {
        self.call_line = line;
    }

    /// Records `Abort(code)` for the whole run.
    pub fn abort(&self, code: i32) {
        self.world.abort(self.me, code);
    }

    // ----- communicator lookups and argument checks -----

    pub(crate) fn comm(&self, handle: u32) -> Result<&Communicator> {
        self.comms.get(&handle).ok_or_else(|| {
            if handle == COMM_NULL {
                MpiError::new(ErrorClass::Comm, "MPI call", "Null communicator")
            } else {
                MpiError::new(ErrorClass::Comm, "MPI call", format_args!("Invalid communicator handle {handle}"))
            }
        })
    }

    /// `call` names the call in the error; it is formatted only on an error,
    /// since every send and receive passes here.
    fn check_peer(&self, comm: &Communicator, peer: i32, call: &Call, any_ok: bool) -> Result<Option<Option<u32>>> {
        // Some(Some(world)) a rank, Some(None) ANY_SOURCE, None PROC_NULL.
        if peer == PROC_NULL {
            return Ok(None);
        }
        if any_ok && peer == ANY_SOURCE {
            return Ok(Some(None));
        }
        let peers = comm.peers();
        let size = peers.len() as i32;
        if peer < 0 || peer >= size {
            return Err(MpiError::new(
                ErrorClass::Rank,
                &call(),
                format_args!("Invalid rank has value {peer} but must be nonnegative and less than {size}"),
            ));
        }
        Ok(Some(Some(peers[peer as usize])))
    }

    fn check_tag(tag: i32, call: &Call, any_ok: bool) -> Result<Option<i32>> {
        if any_ok && tag == ANY_TAG {
            return Ok(None);
        }
        if !(0..=TAG_UB).contains(&tag) {
            return Err(MpiError::new(
                ErrorClass::Tag,
                &call(),
                format_args!("Invalid tag, value is {tag} (must be between 0 and {TAG_UB})"),
            ));
        }
        Ok(Some(tag))
    }

    fn new_request(&mut self, r: Request) -> ReqId {
        let id = self.next_req;
        self.next_req = self.next_req.wrapping_add(1).max(1);
        self.requests.insert(id, r);
        id
    }

    // ----- point to point, as the Python layer calls it (comm ranks) -----

    /// Starts a send of `data` to `dest` (a rank of `comm`).
    pub fn isend(&mut self, comm: u32, dest: i32, tag: i32, data: Vec<u8>, mode: SendMode) -> Result<ReqId> {
        let name = match mode {
            SendMode::Standard => "MPI_Isend",
            SendMode::Synchronous => "MPI_Issend",
            SendMode::Buffered => "MPI_Ibsend",
        };
        self.isend_as(comm, dest, tag, data, mode, name)
    }

    fn isend_as(&mut self, comm: u32, dest: i32, tag: i32, data: Vec<u8>, mode: SendMode, name: &str) -> Result<ReqId> {
        let call = || format!("{name}(dest={dest}, tag={tag}, {})", self.comm_label(comm));
        let c = self.comm(comm)?;
        let Some(dest) = self.check_peer(c, dest, &call, false)? else {
            Self::check_tag(tag, &call, false)?;
            return Ok(self.new_request(Request::Ready(Completion::null())));
        };
        let dest = dest.expect("ANY_SOURCE refused for a destination");
        Self::check_tag(tag, &call, false)?;
        let ctx = c.ctx * 2;
        self.sent_message(dest, ctx / 2, tag, data.len());
        let rendezvous = mode == SendMode::Standard && self.world.is_rendezvous(data.len());
        let id = self.start_send(dest, ctx, tag, data, mode == SendMode::Synchronous || rendezvous);
        // Only large messages pay for marking (every send goes through here).
        if rendezvous && let Some(Request::Send(s)) = self.requests.get_mut(&id) {
            s.rendezvous = true;
        }
        Ok(id)
    }

    /// Starts a receive from `source` (a rank of `comm`, ANY_SOURCE or PROC_NULL).
    pub fn irecv(&mut self, comm: u32, source: i32, tag: i32) -> Result<ReqId> {
        self.irecv_as(comm, source, tag, "MPI_Irecv")
    }

    fn irecv_as(&mut self, comm: u32, source: i32, tag: i32, name: &str) -> Result<ReqId> {
        let call = || format!("{name}(source={source}, tag={tag}, {})", self.comm_label(comm));
        let c = self.comm(comm)?;
        let Some(src) = self.check_peer(c, source, &call, true)? else {
            Self::check_tag(tag, &call, true)?;
            return Ok(self.new_request(Request::Ready(Completion::null())));
        };
        let tag = Self::check_tag(tag, &call, true)?;
        let ctx = c.ctx * 2;
        Ok(self.start_recv(ctx, src, tag, comm))
    }

    pub fn send(&mut self, comm: u32, dest: i32, tag: i32, data: Vec<u8>, mode: SendMode) -> Result<()> {
        let (name, op) = match mode {
            SendMode::Standard => ("MPI_Send", BlockedOp::Send),
            SendMode::Synchronous => ("MPI_Ssend", BlockedOp::Ssend),
            SendMode::Buffered => ("MPI_Bsend", BlockedOp::Send),
        };
        let req = self.isend_as(comm, dest, tag, data, mode, name)?;
        self.wait_as(req, op).map(drop)
    }

    pub fn recv(&mut self, comm: u32, source: i32, tag: i32) -> Result<Completion> {
        let req = self.irecv_as(comm, source, tag, "MPI_Recv")?;
        self.wait_as(req, BlockedOp::Recv)
    }

    /// Sends and receives in one call; neither side can deadlock the other.
    pub fn sendrecv(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        dest: i32,
        sendtag: i32,
        source: i32,
        recvtag: i32,
    ) -> Result<Completion> {
        // Check the send half before posting the receive, so a bad destination
        // leaves no receive behind to swallow a later message.
        let call = || format!("MPI_Sendrecv(dest={dest}, sendtag={sendtag}, {})", self.comm_label(comm));
        self.check_peer(self.comm(comm)?, dest, &call, false)?;
        Self::check_tag(sendtag, &call, false)?;
        let rreq = self.irecv_as(comm, source, recvtag, "MPI_Sendrecv")?;
        let sreq = self.isend_as(comm, dest, sendtag, data, SendMode::Standard, "MPI_Sendrecv")?;
        let got = self.wait_as(rreq, BlockedOp::Sendrecv)?;
        self.wait_as(sreq, BlockedOp::Sendrecv)?;
        Ok(got)
    }

    /// Completes `req` if it can without blocking; a completed request is freed.
    pub fn test(&mut self, req: ReqId) -> Result<Option<Completion>> {
        self.progress()?;
        if self.is_complete(req)? { self.take_completion(req).map(Some) } else { Ok(None) }
    }

    pub fn wait(&mut self, req: ReqId) -> Result<Completion> {
        self.wait_as(req, BlockedOp::Wait)
    }

    /// Waits for whichever request completes first; returns its index.
    pub fn waitany(&mut self, reqs: &[ReqId]) -> Result<(usize, Completion)> {
        for r in reqs {
            self.is_complete(*r)?;
        }
        let mut found = None;
        self.block_until(
            |ep| {
                found = reqs.iter().position(|r| ep.is_complete(*r).unwrap_or(false));
                found.is_some()
            },
            |ep| ep.blocked_on_any(reqs, BlockedOp::Waitany),
        )?;
        let i = found.expect("block_until returned before completion");
        Ok((i, self.take_completion(reqs[i])?))
    }

    pub fn waitall(&mut self, reqs: &[ReqId]) -> Result<Vec<Completion>> {
        for r in reqs {
            self.is_complete(*r)?;
        }
        self.block_until(
            |ep| reqs.iter().all(|r| ep.is_complete(*r).unwrap_or(true)),
            |ep| ep.blocked_on_any(reqs, BlockedOp::Waitall),
        )?;
        reqs.iter().map(|r| self.take_completion(*r)).collect()
    }

    /// Cancels a pending receive (a send that has started cannot be recalled).
    pub fn cancel(&mut self, req: ReqId) -> Result<()> {
        if let Some(Request::Recv(r)) = self.requests.get(&req) {
            if r.got.is_none() {
                self.posted.retain(|p| *p != req);
                self.requests.insert(req, Request::Ready(Completion::null()));
            }
        }
        Ok(())
    }

    /// Frees a request without completing it (mpi4py's `Request.Free`).
    pub fn free_request(&mut self, req: ReqId) {
        if matches!(self.requests.get(&req), Some(Request::Recv(_))) {
            self.posted.retain(|p| *p != req);
            self.requests.remove(&req);
        }
        // A send keeps going in the background until its bytes are out.
    }

    pub fn iprobe(&mut self, comm: u32, source: i32, tag: i32) -> Result<Option<Probed>> {
        let (ctx, src, tag) = self.probe_args(comm, source, tag, "MPI_Iprobe")?;
        let Some(src) = src else { return Ok(Some(Probed { source: PROC_NULL, tag: ANY_TAG, len: 0 })) };
        self.progress()?;
        Ok(self.find_unexpected(ctx, src, tag).map(|m| self.probed(comm, m)))
    }

    pub fn probe(&mut self, comm: u32, source: i32, tag: i32) -> Result<Probed> {
        let (ctx, src, tag) = self.probe_args(comm, source, tag, "MPI_Probe")?;
        let Some(src) = src else { return Ok(Probed { source: PROC_NULL, tag: ANY_TAG, len: 0 }) };
        self.block_until(
            |ep| ep.find_unexpected(ctx, src, tag).is_some(),
            |_| BlockedOn { op: BlockedOp::Probe, peer: src, tag, ctx: ctx / 2, rendezvous: None },
        )?;
        let m = self.find_unexpected(ctx, src, tag).expect("probe woke without a message");
        Ok(self.probed(comm, m))
    }

    fn probe_args(
        &self,
        comm: u32,
        source: i32,
        tag: i32,
        call: &str,
    ) -> Result<(u32, Option<Option<u32>>, Option<i32>)> {
        let c = self.comm(comm)?;
        let call = || format!("{call}(source={source}, tag={tag}, {})", self.comm_label(comm));
        let src = self.check_peer(c, source, &call, true)?;
        let tag = Self::check_tag(tag, &call, true)?;
        Ok((c.ctx * 2, src, tag))
    }

    fn probed(&self, comm: u32, m: &Message) -> Probed {
        Probed { source: self.comm_rank_of(comm, m.src), tag: m.tag, len: m.data.len() }
    }

    fn comm_label(&self, comm: u32) -> String {
        match comm {
            0 => "MPI_COMM_WORLD".into(),
            1 => "MPI_COMM_SELF".into(),
            n => format!("comm=#{n}"),
        }
    }

    fn comm_rank_of(&self, comm: u32, world_rank: u32) -> i32 {
        self.comms
            .get(&comm)
            .and_then(|c| c.peers().iter().position(|r| *r == world_rank))
            .map_or(PROC_NULL, |p| p as i32)
    }

    // ----- internal point to point (world ranks, wire contexts) -----

    pub(crate) fn start_send(&mut self, dest: u32, ctx: u32, tag: i32, data: Vec<u8>, sync: bool) -> ReqId {
        let awaiting_ack = if sync {
            let s = self.next_sync;
            self.next_sync = self.next_sync.wrapping_add(1).max(1);
            s
        } else {
            0
        };
        let id = self.new_request(Request::Send(SendState {
            dest,
            ctx,
            tag,
            len: data.len(),
            data,
            sent: 0,
            started: false,
            awaiting_ack,
            rendezvous: false,
            line: self.call_line,
        }));
        self.outbox.push_back(id);
        // Push at once: a small message reaches the peer without waiting for a later call.
        let _ = self.push_outbox();
        id
    }

    pub(crate) fn start_recv(&mut self, ctx: u32, src: Option<u32>, tag: Option<i32>, comm: u32) -> ReqId {
        let mut state = RecvState { ctx, src, tag, comm, got: None, line: self.call_line };
        if let Some(m) = self.take_unexpected(ctx, src, tag) {
            self.matched(&m);
            state.got = Some(m);
            return self.new_request(Request::Recv(state));
        }
        let id = self.new_request(Request::Recv(state));
        self.posted.push(id);
        id
    }

    /// Waits for `req`, reporting `op` as the blocked call.
    pub(crate) fn wait_as(&mut self, req: ReqId, op: BlockedOp) -> Result<Completion> {
        self.is_complete(req)?;
        self.block_until(|ep| ep.is_complete(req).unwrap_or(true), |ep| ep.blocked_on(req, op))?;
        self.take_completion(req)
    }

    fn is_complete(&self, req: ReqId) -> Result<bool> {
        match self.requests.get(&req) {
            None => Err(MpiError::new(ErrorClass::Request, "MPI_Wait", format_args!("Invalid MPI_Request {req}"))),
            Some(Request::Ready(_)) => Ok(true),
            Some(Request::Recv(r)) => Ok(r.got.is_some()),
            Some(Request::Send(s)) => Ok(s.pushed() && s.awaiting_ack == 0),
        }
    }

    fn take_completion(&mut self, req: ReqId) -> Result<Completion> {
        match self.requests.remove(&req) {
            Some(Request::Ready(c)) => Ok(c),
            Some(Request::Send(_)) => Ok(Completion { data: None, source: PROC_NULL, tag: ANY_TAG }),
            Some(Request::Recv(r)) => {
                let m = r.got.expect("take_completion of an incomplete receive");
                if r.ctx % 2 == 0 {
                    self.received_message(m.src, r.ctx / 2, m.tag, m.data.len());
                }
                Ok(Completion { source: self.comm_rank_of(r.comm, m.src), tag: m.tag, data: Some(m.data) })
            }
            None => Err(MpiError::new(ErrorClass::Request, "MPI_Wait", format_args!("Invalid MPI_Request {req}"))),
        }
    }

    fn blocked_on(&self, req: ReqId, op: BlockedOp) -> BlockedOn {
        match self.requests.get(&req) {
            Some(Request::Recv(r)) => BlockedOn { op, peer: r.src, tag: r.tag, ctx: r.ctx / 2, rendezvous: None },
            Some(Request::Send(s)) => {
                let waiting = matches!(op, BlockedOp::Wait | BlockedOp::Waitany | BlockedOp::Waitall);
                let op = match op {
                    _ if waiting && s.awaiting_ack != 0 && !s.rendezvous => BlockedOp::Ssend,
                    _ if waiting => BlockedOp::Send,
                    op => op,
                };
                // Waiting for the ack of a message too large to be buffered:
                // the report says why a standard send blocks.
                let rendezvous = (s.rendezvous && s.awaiting_ack != 0).then(|| Rendezvous {
                    bytes: u32::try_from(s.len).unwrap_or(u32::MAX),
                    eager_limit: self.world.eager_limit().unwrap_or(0),
                });
                BlockedOn { op, peer: Some(s.dest), tag: Some(s.tag), ctx: s.ctx / 2, rendezvous }
            }
            _ => BlockedOn { op, peer: None, tag: None, ctx: WORLD_CTX, rendezvous: None },
        }
    }

    fn blocked_on_any(&self, reqs: &[ReqId], op: BlockedOp) -> BlockedOn {
        let pending = reqs.iter().find(|r| !self.is_complete(**r).unwrap_or(true));
        pending.map_or(BlockedOn { op, peer: None, tag: None, ctx: WORLD_CTX, rendezvous: None }, |r| {
            self.blocked_on(*r, op)
        })
    }

    // ----- the progress engine -----

    /// Drains the inbox and pushes pending frames. Returns whether anything moved.
    pub(crate) fn progress(&mut self) -> Result<bool> {
        if self.world.run_state() != RunState::Running
            || (self.me >= self.world.ranks() && self.world.is_killed(self.me))
        {
            return Err(MpiError::Stopped);
        }
        let world = self.world.clone();
        let frames = world.drain_inbox(self.me, |h, read| self.on_frame(h, read));
        let pushed = self.push_outbox();
        Ok(frames > 0 || pushed)
    }

    /// Blocks until `done` holds, driving progress and sleeping on the doorbell.
    pub(crate) fn block_until(
        &mut self,
        done: impl FnMut(&mut Self) -> bool,
        blocked_on: impl Fn(&Self) -> BlockedOn,
    ) -> Result<()> {
        self.block_until_timed(done, blocked_on, None).map(drop)
    }

    /// [`Endpoint::block_until`] with an optional deadline; `Ok(false)` when it
    /// passed first. A rank waiting with a deadline is not stuck (its timer
    /// will wake it), so it stays "running" in the state table.
    pub(crate) fn block_until_timed(
        &mut self,
        mut done: impl FnMut(&mut Self) -> bool,
        blocked_on: impl Fn(&Self) -> BlockedOn,
        deadline: Option<&Deadline>,
    ) -> Result<bool> {
        loop {
            if done(self) {
                return Ok(true);
            }
            let seen = self.world.doorbell(self.me);
            if self.progress()? {
                continue;
            }
            if done(self) {
                return Ok(true);
            }
            match deadline {
                None => {
                    // What it recorded shows while it waits.
                    self.flush_trace();
                    self.world.publish_blocked(self.me, blocked_on(self), seen);
                    self.world.sleep_unless_rung(self.me, seen);
                    self.world.resume_running(self.me);
                }
                Some(d) => {
                    let left = d.at - (d.clock)();
                    if left <= 0.0 {
                        return Ok(false);
                    }
                    self.world.sleep_unless_rung_for(self.me, seen, left);
                }
            }
        }
    }

    fn on_frame(&mut self, h: FrameHeader, read: &mut dyn FnMut(&mut [u8])) {
        match h.kind {
            FrameKind::First => {
                let mut data = vec![0u8; h.total as usize];
                read(&mut data[..h.chunk as usize]);
                let inc = Incoming { ctx: h.ctx, tag: h.tag, sync: h.sync, line: h.line, data, filled: h.chunk as usize };
                if inc.filled == inc.data.len() {
                    self.arrived(h.src, inc);
                } else {
                    self.partial.insert(h.src, inc);
                }
            }
            FrameKind::Cont => {
                let inc = self.partial.get_mut(&h.src).expect("continuation frame without a first frame");
                let end = inc.filled + h.chunk as usize;
                read(&mut inc.data[inc.filled..end]);
                inc.filled = end;
                if end == inc.data.len() {
                    let inc = self.partial.remove(&h.src).expect("present");
                    self.arrived(h.src, inc);
                }
            }
            FrameKind::Ack => {
                read(&mut []);
                for r in self.requests.values_mut() {
                    if let Request::Send(s) = r {
                        if s.awaiting_ack == h.sync && s.dest == h.src {
                            s.awaiting_ack = 0;
                            break;
                        }
                    }
                }
            }
        }
    }

    /// A whole message is here: give it to the oldest matching posted receive,
    /// or keep it as unexpected.
    fn arrived(&mut self, src: u32, inc: Incoming) {
        let m = Message { src, ctx: inc.ctx, tag: inc.tag, data: inc.data, sync: inc.sync, line: inc.line };
        let hit = self.posted.iter().position(|id| match self.requests.get(id) {
            Some(Request::Recv(r)) => matches(&m, r.ctx, r.src, r.tag),
            _ => false,
        });
        match hit {
            Some(pos) => {
                let id = self.posted.remove(pos);
                self.matched(&m);
                if let Some(Request::Recv(r)) = self.requests.get_mut(&id) {
                    r.got = Some(m);
                }
            }
            None => self.unexpected.push_back(m),
        }
    }

    fn matched(&mut self, m: &Message) {
        if m.sync != 0 {
            self.acks_out.push_back((m.src, m.sync));
            let _ = self.push_outbox();
        }
    }

    pub(crate) fn find_unexpected(&self, ctx: u32, src: Option<u32>, tag: Option<i32>) -> Option<&Message> {
        self.unexpected.iter().find(|m| matches(m, ctx, src, tag))
    }

    /// Takes the first unexpected message that matches, in arrival order.
    pub(crate) fn take_unexpected(&mut self, ctx: u32, src: Option<u32>, tag: Option<i32>) -> Option<Message> {
        let pos = self.unexpected.iter().position(|m| matches(m, ctx, src, tag))?;
        self.unexpected.remove(pos)
    }

    /// Writes as many pending frames as the peers' inboxes have room for,
    /// keeping each destination's messages in order.
    fn push_outbox(&mut self) -> bool {
        let mut moved = false;
        let mut full: Vec<u32> = Vec::new();
        while let Some(&(dest, sync)) = self.acks_out.front() {
            if self.world.has_ended(dest) {
                self.acks_out.pop_front();
                continue;
            }
            let h = FrameHeader { kind: FrameKind::Ack, src: self.me, ctx: 0, tag: 0, total: 0, chunk: 0, sync, line: 0 };
            if self.world.try_write_frame(dest, h, &[]).is_none() {
                full.push(dest);
                break;
            }
            self.acks_out.pop_front();
            moved = true;
        }
        let mut i = 0;
        while i < self.outbox.len() {
            let id = self.outbox[i];
            let Some(Request::Send(s)) = self.requests.get_mut(&id) else {
                self.outbox.remove(i);
                continue;
            };
            if full.contains(&s.dest) {
                i += 1;
                continue;
            }
            let dropped = self.world.has_ended(s.dest);
            if dropped {
                // A process that has ended reads nothing more: its messages
                // are dropped, as bytes written to a closed pipe are.
                s.started = true;
                s.sent = s.len;
                s.awaiting_ack = 0;
            }
            while !dropped {
                let kind = if s.started { FrameKind::Cont } else { FrameKind::First };
                let h = FrameHeader {
                    kind,
                    src: self.me,
                    ctx: s.ctx,
                    tag: s.tag,
                    total: s.data.len() as u32,
                    chunk: 0,
                    sync: s.awaiting_ack,
                    line: s.line,
                };
                match self.world.try_write_frame(s.dest, h, &s.data[s.sent..]) {
                    Some(n) => {
                        s.sent += n;
                        s.started = true;
                        moved = true;
                        if s.sent == s.data.len() {
                            break;
                        }
                    }
                    None => break,
                }
            }
            if s.pushed() {
                s.data = Vec::new();
                self.outbox.remove(i);
            } else {
                full.push(s.dest);
                i += 1;
            }
        }
        // A fresh registration counts as movement: the caller must look once more
        // before sleeping, or a drain between the failed write and the
        // registration would go unnoticed.
        self.register_room_wait(full) || moved
    }

    /// Registers this rank as waiting for room in exactly the inboxes in `full`;
    /// returns whether an inbox was added.
    fn register_room_wait(&mut self, full: Vec<u32>) -> bool {
        // Nearly always both empty: said first, as a slice comparison is a
        // library call (measurable on a small message's path).
        if (full.is_empty() && self.waiting_for_room.is_empty()) || full == self.waiting_for_room {
            return false;
        }
        let added = full.iter().any(|d| !self.waiting_for_room.contains(d));
        self.world.want_space(self.me, &self.waiting_for_room, &full);
        self.waiting_for_room = full;
        added
    }
}

fn matches(m: &Message, ctx: u32, src: Option<u32>, tag: Option<i32>) -> bool {
    m.ctx == ctx && src.is_none_or(|s| s == m.src) && tag.is_none_or(|t| t == m.tag)
}
