//! Collective operations, built on point-to-point messages.
//!
//! Collective traffic travels in the communicator's second context (wire
//! context `2*ctx + 1`), so it can never match a user's receive. The algorithms
//! are linear (the root talks to every member), which is simple, correct for
//! the rank counts a playground runs (up to 64), and keeps each blocked rank's
//! "waits for" edge pointing at one specific peer for deadlock reports. All of
//! them rely on MPI's rule that members call collectives in the same order, and
//! on messages from one source arriving in the order they were sent.

use crate::endpoint::{Endpoint, ReqId};
use crate::error::{ErrorClass, MpiError, Result};
use crate::state::BlockedOp;
use crate::world::RunState;

/// Messages of one collective between one pair of ranks are distinguished by
/// order alone, so a single tag serves them all.
pub(crate) const COLL_TAG: i32 = 0;

/// Who a collective algorithm talks to: world ranks in rank order, the wire
/// context and tag its messages travel under, and this rank's place (for the
/// remote group of an intercommunicator, a place it does not have).
pub(crate) struct Members {
    pub wire: u32,
    pub tag: i32,
    pub group: Vec<u32>,
    pub rank: usize,
}

impl Endpoint {
    /// The local group of `comm` (the whole group of an intracommunicator).
    pub(crate) fn members(&self, comm: u32) -> Result<Members> {
        let c = self.comm(comm)?;
        Ok(Members { wire: c.ctx * 2 + 1, tag: COLL_TAG, group: c.group.clone(), rank: c.rank as usize })
    }

    /// The ranks the messages of a nonblocking collective address: the
    /// remote group of an intercommunicator, else the group.
    fn peer_members(&self, comm: u32) -> Result<Members> {
        let c = self.comm(comm)?;
        Ok(Members { wire: c.ctx * 2 + 1, tag: COLL_TAG, group: c.peers().to_vec(), rank: c.rank as usize })
    }

    fn check_root(m: &Members, root: i32, call: &str) -> Result<usize> {
        if root < 0 || root as usize >= m.group.len() {
            return Err(MpiError::new(
                ErrorClass::Root,
                call,
                format_args!("Invalid root (value given was {root}, communicator size {})", m.group.len()),
            ));
        }
        Ok(root as usize)
    }

    /// Sends one message of a blocking collective, signed with the call (`misuse`).
    pub(crate) fn coll_isend(&mut self, m: &Members, to: usize, data: Vec<u8>) -> ReqId {
        let data = self.signed(data);
        self.start_send(m.group[to], m.wire, m.tag, data, false)
    }

    /// Receives one, failing if its sender was in another call.
    pub(crate) fn coll_recv(&mut self, m: &Members, from: usize, op: BlockedOp) -> Result<Vec<u8>> {
        let id = self.start_recv(m.wire, Some(m.group[from]), Some(m.tag), 0);
        let data = self.wait_as(id, op)?.data.unwrap_or_default();
        self.unsigned(m.group[from], m.wire, data)
    }

    /// Starts one message of a nonblocking collective: to member `to` of
    /// `comm`, in the collective context under `tag`. The Python layer
    /// numbers each nonblocking collective of a communicator (tags from 1;
    /// the blocking ones use 0), so a message matches only the receive of
    /// the same collective, whatever else is in flight.
    pub fn icoll_send(&mut self, comm: u32, to: i32, tag: i32, data: Vec<u8>) -> Result<ReqId> {
        let m = self.peer_members(comm)?;
        let to = Self::member(&m, to, "MPI_Icollective")?;
        Ok(self.start_send(m.group[to], m.wire, tag, data, false))
    }

    /// Starts the receive of one message of a nonblocking collective.
    pub fn icoll_recv(&mut self, comm: u32, from: i32, tag: i32) -> Result<ReqId> {
        let m = self.peer_members(comm)?;
        let from = Self::member(&m, from, "MPI_Icollective")?;
        Ok(self.start_recv(m.wire, Some(m.group[from]), Some(tag), comm))
    }

    fn member(m: &Members, rank: i32, call: &str) -> Result<usize> {
        if rank < 0 || rank as usize >= m.group.len() {
            return Err(MpiError::new(
                ErrorClass::Rank,
                call,
                format_args!("Invalid rank has value {rank} but must be nonnegative and less than {}", m.group.len()),
            ));
        }
        Ok(rank as usize)
    }

    pub(crate) fn wait_sends(&mut self, sends: Vec<ReqId>, op: BlockedOp) -> Result<()> {
        for id in sends {
            self.wait_as(id, op)?;
        }
        Ok(())
    }

    pub fn barrier(&mut self, comm: u32) -> Result<()> {
        if self.comm(comm)?.is_inter() {
            return self.inter_barrier(comm);
        }
        let m = self.members(comm)?;
        let op = BlockedOp::Barrier;
        self.barrier_in(&m, op)
    }

    pub(crate) fn barrier_in(&mut self, m: &Members, op: BlockedOp) -> Result<()> {
        if m.rank == 0 {
            for r in 1..m.group.len() {
                self.coll_recv(m, r, op)?;
            }
            let sends = (1..m.group.len()).map(|r| self.coll_isend(m, r, Vec::new())).collect();
            self.wait_sends(sends, op)
        } else {
            let s = self.coll_isend(m, 0, Vec::new());
            self.wait_as(s, op)?;
            self.coll_recv(m, 0, op).map(drop)
        }
    }

    /// The root's `data` (required there, ignored elsewhere) on every member.
    pub fn bcast(&mut self, comm: u32, data: Option<Vec<u8>>, root: i32) -> Result<Vec<u8>> {
        if self.comm(comm)?.is_inter() {
            return self.inter_bcast(comm, data, root);
        }
        self.bcast_as(comm, data, root, BlockedOp::Bcast)
    }

    fn bcast_as(&mut self, comm: u32, data: Option<Vec<u8>>, root: i32, op: BlockedOp) -> Result<Vec<u8>> {
        let m = self.members(comm)?;
        let root = Self::check_root(&m, root, "MPI_Bcast")?;
        self.bcast_in(&m, data, root, op)
    }

    pub(crate) fn bcast_in(
        &mut self,
        m: &Members,
        data: Option<Vec<u8>>,
        root: usize,
        op: BlockedOp,
    ) -> Result<Vec<u8>> {
        if m.rank == root {
            let data = data.unwrap_or_default();
            let sends =
                (0..m.group.len()).filter(|r| *r != root).map(|r| self.coll_isend(m, r, data.clone())).collect();
            self.wait_sends(sends, op)?;
            Ok(data)
        } else {
            self.coll_recv(m, root, op)
        }
    }

    /// Every member's `data`, in rank order, at the root (None elsewhere).
    pub fn gather(&mut self, comm: u32, data: Vec<u8>, root: i32) -> Result<Option<Vec<Vec<u8>>>> {
        if self.comm(comm)?.is_inter() {
            return self.inter_gather(comm, data, root, BlockedOp::Gather);
        }
        self.gather_as(comm, data, root, BlockedOp::Gather)
    }

    fn gather_as(&mut self, comm: u32, data: Vec<u8>, root: i32, op: BlockedOp) -> Result<Option<Vec<Vec<u8>>>> {
        let m = self.members(comm)?;
        let root = Self::check_root(&m, root, "MPI_Gather")?;
        self.gather_in(&m, data, root, op)
    }

    pub(crate) fn gather_in(
        &mut self,
        m: &Members,
        data: Vec<u8>,
        root: usize,
        op: BlockedOp,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        if m.rank == root {
            let mut out = Vec::with_capacity(m.group.len());
            let mut own = Some(data);
            for r in 0..m.group.len() {
                out.push(if r == root { own.take().expect("once") } else { self.coll_recv(m, r, op)? });
            }
            Ok(Some(out))
        } else {
            let s = self.coll_isend(m, root, data);
            self.wait_as(s, op)?;
            Ok(None)
        }
    }

    /// A scatter's or all-to-all's items: one per member of the group they go to.
    pub(crate) fn check_items(items: &[Vec<u8>], members: usize, call: &str) -> Result<()> {
        if items.len() != members {
            return Err(MpiError::new(
                ErrorClass::Count,
                call,
                format_args!("expecting {members} items, got {}", items.len()),
            ));
        }
        Ok(())
    }

    /// Item `i` of the root's `items` (one per member) to member `i`.
    pub fn scatter(&mut self, comm: u32, items: Option<Vec<Vec<u8>>>, root: i32) -> Result<Vec<u8>> {
        if self.comm(comm)?.is_inter() {
            return self.inter_scatter(comm, items, root);
        }
        let m = self.members(comm)?;
        let root = Self::check_root(&m, root, "MPI_Scatter")?;
        let op = BlockedOp::Scatter;
        if m.rank == root {
            let items = items.unwrap_or_default();
            Self::check_items(&items, m.group.len(), "MPI_Scatter")?;
            let mut own = Vec::new();
            let mut sends = Vec::new();
            for (r, item) in items.into_iter().enumerate() {
                if r == root { own = item } else { sends.push(self.coll_isend(&m, r, item)) }
            }
            self.wait_sends(sends, op)?;
            Ok(own)
        } else {
            self.coll_recv(&m, root, op)
        }
    }

    pub fn allgather(&mut self, comm: u32, data: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        if self.comm(comm)?.is_inter() {
            return self.inter_allgather(comm, data, BlockedOp::Allgather);
        }
        self.allgather_as(comm, data, BlockedOp::Allgather)
    }

    pub(crate) fn allgather_as(&mut self, comm: u32, data: Vec<u8>, op: BlockedOp) -> Result<Vec<Vec<u8>>> {
        let gathered = self.gather_as(comm, data, 0, op)?;
        let packed = self.bcast_as(comm, gathered.map(|g| pack(&g)), 0, op)?;
        Ok(unpack(&packed))
    }

    /// Item `j` of member `i`'s `items` becomes item `i` of member `j`'s result.
    pub fn alltoall(&mut self, comm: u32, items: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
        if self.comm(comm)?.is_inter() {
            return self.inter_alltoall(comm, items);
        }
        let m = self.members(comm)?;
        let op = BlockedOp::Alltoall;
        Self::check_items(&items, m.group.len(), "MPI_Alltoall")?;
        let mut own = Vec::new();
        let mut sends = Vec::new();
        for (r, item) in items.into_iter().enumerate() {
            if r == m.rank { own = item } else { sends.push(self.coll_isend(&m, r, item)) }
        }
        let mut out = Vec::with_capacity(m.group.len());
        for r in 0..m.group.len() {
            out.push(if r == m.rank { std::mem::take(&mut own) } else { self.coll_recv(&m, r, op)? });
        }
        self.wait_sends(sends, op)?;
        Ok(out)
    }

    /// Folds every member's value with `op` in rank order,
    /// `op(op(v0, v1), v2) ...`, at the root.
    pub fn reduce<E: From<MpiError>>(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        root: i32,
        op: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, E>,
    ) -> Result<Option<Vec<u8>>, E> {
        if self.comm(comm)?.is_inter() {
            return self.inter_reduce(comm, data, root, op);
        }
        self.reduce_as(comm, data, root, op, BlockedOp::Reduce)
    }

    fn reduce_as<E: From<MpiError>>(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        root: i32,
        op: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, E>,
        label: BlockedOp,
    ) -> Result<Option<Vec<u8>>, E> {
        let Some(values) = self.gather_as(comm, data, root, label)? else { return Ok(None) };
        let mut values = values.into_iter();
        let mut acc = values.next().unwrap_or_default();
        for v in values {
            acc = op(acc, v)?;
        }
        Ok(Some(acc))
    }

    pub fn allreduce<E: From<MpiError>>(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        op: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, E> {
        if self.comm(comm)?.is_inter() {
            return self.inter_allreduce(comm, data, op);
        }
        // The root must still take part in the broadcast if its fold fails, or
        // the others would wait forever; a failed fold stops the run anyway.
        let reduced = self.reduce_as(comm, data, 0, op, BlockedOp::Allreduce)?;
        Ok(self.bcast_as(comm, reduced, 0, BlockedOp::Allreduce)?)
    }

    /// Inclusive prefix: member `i` gets `op(v0, ..., vi)`. With `exclusive`,
    /// member `i` gets `op(v0, ..., v(i-1))` and member 0 gets None.
    pub fn scan<E: From<MpiError>>(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        exclusive: bool,
        op: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, E>,
    ) -> Result<Option<Vec<u8>>, E> {
        let label = if exclusive { BlockedOp::Exscan } else { BlockedOp::Scan };
        self.intra_only(comm, if exclusive { "MPI_Exscan" } else { "MPI_Scan" })?;
        let m = self.members(comm)?;
        let before = if m.rank > 0 { Some(self.coll_recv(&m, m.rank - 1, label)?) } else { None };
        let inclusive = match &before {
            Some(b) => op(b.clone(), data)?,
            None => data,
        };
        if m.rank + 1 < m.group.len() {
            let s = self.coll_isend(&m, m.rank + 1, inclusive.clone());
            self.wait_as(s, label)?;
        }
        Ok(if exclusive { before } else { Some(inclusive) })
    }

    /// Whether the run is still going (a host checks this between long computations).
    pub fn running(&self) -> bool {
        self.world.run_state() == RunState::Running
    }
}

/// The error of members that called different collectives in the same
/// order slot: each found the other's bytes where its own were due.
pub(crate) fn mismatch(op: BlockedOp) -> MpiError {
    MpiError::new(
        ErrorClass::Other,
        op.name(),
        "Collective mismatch: the members of the communicator called different collectives",
    )
}

/// Packs a list of byte strings into one: a count, the lengths, the bytes.
pub(crate) fn pack(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + items.len() * 4 + items.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for i in items {
        out.extend_from_slice(&(i.len() as u32).to_le_bytes());
    }
    for i in items {
        out.extend_from_slice(i);
    }
    out
}

pub(crate) fn unpack(b: &[u8]) -> Vec<Vec<u8>> {
    try_unpack(b).expect("bytes packed by `pack`")
}

/// [`unpack`] of bytes that may not come from `pack` (a member that called
/// another collective): None when they do not parse.
pub(crate) fn try_unpack(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    let word = |i: usize| Some(u32::from_le_bytes(b.get(i * 4..i * 4 + 4)?.try_into().ok()?) as usize);
    let n = word(0)?;
    let mut at = 4usize.checked_add(n.checked_mul(4)?)?;
    let mut out = Vec::with_capacity(n.min(b.len()));
    for i in 0..n {
        let len = word(1 + i)?;
        out.push(b.get(at..at.checked_add(len)?)?.to_vec());
        at += len;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pack_round_trips() {
        let items = vec![b"ab".to_vec(), Vec::new(), vec![7; 1000]];
        assert_eq!(super::unpack(&super::pack(&items)), items);
        assert_eq!(super::try_unpack(&[9, 0, 0, 0, 1]), None);
        assert_eq!(super::try_unpack(&[]), None);
    }
}
