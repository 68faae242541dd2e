//! Intercommunicators, and communicators made from groups rather than over a
//! parent.
//!
//! An intercommunicator is a [`Communicator`] with a remote group: its
//! point-to-point calls and rooted collectives name ranks of the remote
//! group. Both groups share one context id, agreed as everywhere else (the
//! maximum of every member's next free id), but the agreement spans two
//! groups that have no intracommunicator in common: each group gathers to
//! its leader, the two leaders swap what they learnt, and each leader
//! broadcasts the result to its group. Local and remote groups are disjoint,
//! so the local-group and the leader-to-leader messages of one operation can
//! share the intercommunicator's collective context: their sources differ.
//!
//! `Comm.Create_group` and `Create_from_group(s)` have no collective over a
//! parent: only the members of the group take part, so the agreement runs
//! among them alone, under a tag of their own (the caller's tag, or one
//! derived from the string tag) so that concurrent creations over
//! overlapping groups do not meet.

use crate::collectives::{COLL_TAG, Members, mismatch, pack, try_unpack};
use crate::comm::Communicator;
use crate::endpoint::Endpoint;
use crate::error::{ErrorClass, MpiError, Result};
use crate::state::BlockedOp;
use crate::{PROC_NULL, ROOT, UNDEFINED};

/// The context creations from groups (no parent) travel in; far above any
/// communicator's and apart from the `multiprocessing` one.
pub const GROUP_COMM: u32 = 0x7fff_ffe0;

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect()
}

/// The members' agreement payloads of `width` words each, or the error of
/// members that called different collectives.
fn agreed(items: &[Vec<u8>], width: usize, op: BlockedOp) -> Result<Vec<Vec<u32>>> {
    if items.is_empty() || items.iter().any(|b| b.len() != width * 4) {
        return Err(mismatch(op));
    }
    Ok(items.iter().map(|b| words(b)).collect())
}

fn bytes(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A tag for a creation from groups, from its string tag (FNV-1a): negative,
/// so it never meets a user's tag nor the collectives' own.
pub fn string_tag(s: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h = (h ^ b as u32).wrapping_mul(0x0100_0193);
    }
    -2 - (h & 0x0fff_ffff) as i32
}

/// Where a rooted intercommunicator collective puts this rank.
enum Side {
    /// `MPI.ROOT`: the root itself.
    Root,
    /// `MPI.PROC_NULL`: the root's group, not the root.
    Idle,
    /// A rank of the remote group: the root, this rank's group receives or sends.
    Peer(usize),
}

impl Endpoint {
    /// The local group and the remote group of intercommunicator `comm`.
    fn inter_members(&self, comm: u32) -> Result<(Members, Members)> {
        let c = self.comm(comm)?;
        let Some(remote) = &c.remote else {
            return Err(MpiError::new(ErrorClass::Comm, "MPI call", "Intracommunicator is not allowed"));
        };
        let wire = c.ctx * 2 + 1;
        Ok((
            Members { wire, tag: COLL_TAG, group: c.group.clone(), rank: c.rank as usize },
            Members { wire, tag: COLL_TAG, group: remote.clone(), rank: usize::MAX },
        ))
    }

    /// Refuses an intercommunicator where MPI allows only intracommunicators.
    pub(crate) fn intra_only(&self, comm: u32, call: &str) -> Result<()> {
        if self.comm(comm)?.is_inter() {
            return Err(MpiError::new(ErrorClass::Comm, call, "Intercommunicator is not allowed"));
        }
        Ok(())
    }

    pub fn comm_is_inter(&self, comm: u32) -> Result<bool> {
        Ok(self.comm(comm)?.is_inter())
    }

    pub fn comm_remote_group(&self, comm: u32) -> Result<Vec<u32>> {
        match &self.comm(comm)?.remote {
            Some(r) => Ok(r.clone()),
            None => Err(MpiError::new(ErrorClass::Comm, "MPI_Comm_remote_group", "Intracommunicator is not allowed")),
        }
    }

    fn side(&self, comm: u32, root: i32, call: &str) -> Result<Side> {
        let rsize = self.comm(comm)?.peers().len();
        match root {
            ROOT => Ok(Side::Root),
            PROC_NULL => Ok(Side::Idle),
            r if r >= 0 && (r as usize) < rsize => Ok(Side::Peer(r as usize)),
            r => Err(MpiError::new(
                ErrorClass::Root,
                call,
                // MPICH names only the value on an intercommunicator.
                format_args!("Invalid root (value given was {r})"),
            )),
        }
    }

    /// Every member's `data`, of both groups: (the local group's, the remote
    /// group's), each in rank order. Gathers to each leader (rank 0), swaps
    /// between the leaders, broadcasts in each group.
    pub(crate) fn both_sides(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        op: BlockedOp,
    ) -> Result<(Vec<Vec<u8>>, Vec<Vec<u8>>)> {
        let (local, remote) = self.inter_members(comm)?;
        let gathered = self.gather_in(&local, data, 0, op)?;
        let packed = match gathered {
            Some(items) => {
                let mine = pack(&items);
                let s = self.coll_isend(&remote, 0, mine.clone());
                let theirs = self.coll_recv(&remote, 0, op)?;
                self.wait_as(s, op)?;
                Some(pack(&[mine, theirs]))
            }
            None => None,
        };
        let both = self.bcast_in(&local, packed, 0, op)?;
        let parsed = try_unpack(&both).and_then(|both| match &both[..] {
            [mine, theirs] => Some((try_unpack(mine)?, try_unpack(theirs)?)),
            _ => None,
        });
        parsed.ok_or_else(|| mismatch(op))
    }

    /// Registers a new intercommunicator under the agreed context `ctx`.
    fn add_inter(&mut self, ctx: u32, group: Vec<u32>, remote: Vec<u32>) -> u32 {
        self.next_ctx = self.next_ctx.max(ctx + 1);
        let rank = group.iter().position(|r| *r == self.me).expect("a member of its local group") as u32;
        self.comms.insert(ctx, Communicator { ctx, group, rank, cart: None, remote: Some(remote) });
        ctx
    }

    fn add_intra(&mut self, ctx: u32, group: Vec<u32>) -> u32 {
        self.next_ctx = self.next_ctx.max(ctx + 1);
        let rank = group.iter().position(|r| *r == self.me).expect("a member of its group") as u32;
        self.comms.insert(ctx, Communicator { ctx, group, rank, cart: None, remote: None });
        ctx
    }

    // ----- construction -----

    /// MPI_Intercomm_create: the leaders of two disjoint groups meet through
    /// `peer_comm` (a point-to-point message under `tag`, as MPI specifies).
    pub fn intercomm_create(
        &mut self,
        local_comm: u32,
        local_leader: i32,
        peer_comm: u32,
        remote_leader: i32,
        tag: i32,
    ) -> Result<u32> {
        let call = "MPI_Intercomm_create";
        let op = BlockedOp::IntercommCreate;
        self.intra_only(local_comm, call)?;
        let local = self.members(local_comm)?;
        if local_leader < 0 || local_leader as usize >= local.group.len() {
            return Err(MpiError::new(
                ErrorClass::Rank,
                call,
                format_args!(
                    "Invalid rank has value {local_leader} but must be nonnegative and less than {}",
                    local.group.len()
                ),
            ));
        }
        let leader = local_leader as usize;
        let gathered = self.gather_in(&local, bytes(&[self.next_ctx]), leader, op)?;
        let packed = match gathered {
            Some(items) => {
                let most = agreed(&items, 1, op)?.iter().map(|w| w[0]).max().expect("a group has members");
                let mut msg = vec![most];
                msg.extend(&local.group);
                let s = self.isend(peer_comm, remote_leader, tag, bytes(&msg), crate::endpoint::SendMode::Buffered)?;
                let r = self.irecv(peer_comm, remote_leader, tag)?;
                let theirs = words(&self.wait_as(r, op)?.data.unwrap_or_default());
                self.wait_as(s, op)?;
                let Some((their_most, their_group)) = theirs.split_first() else { return Err(mismatch(op)) };
                let mut out = vec![most.max(*their_most)];
                out.extend(their_group);
                Some(bytes(&out))
            }
            None => None,
        };
        let got = words(&self.bcast_in(&local, packed, leader, op)?);
        let Some((ctx, remote)) = got.split_first() else { return Err(mismatch(op)) };
        Ok(self.add_inter(*ctx, local.group, remote.to_vec()))
    }

    /// MPI_Intercomm_create_from_groups: as `intercomm_create`, among the
    /// two groups' members alone; the leaders meet under `tag`.
    pub fn intercomm_from_groups(
        &mut self,
        local: Vec<u32>,
        local_leader: i32,
        remote: Vec<u32>,
        remote_leader: i32,
        tag: i32,
    ) -> Result<u32> {
        let call = "MPI_Intercomm_create_from_groups";
        let op = BlockedOp::IntercommFromGroups;
        let m = self.group_members(local, GROUP_COMM * 2 + 1, tag, call)?;
        let leader = Self::leader(local_leader, m.group.len(), call)?;
        let their_leader = Self::leader(remote_leader, remote.len(), call)?;
        let gathered = self.gather_in(&m, bytes(&[self.next_ctx]), leader, op)?;
        let packed = match gathered {
            Some(items) => {
                let most = agreed(&items, 1, op)?.iter().map(|w| w[0]).max().expect("a group has members");
                let peer = Members { wire: m.wire, tag, group: remote.clone(), rank: usize::MAX };
                let s = self.coll_isend(&peer, their_leader, bytes(&[most]));
                let theirs = agreed(&[self.coll_recv(&peer, their_leader, op)?], 1, op)?[0][0];
                self.wait_as(s, op)?;
                Some(bytes(&[most.max(theirs)]))
            }
            None => None,
        };
        let ctx = agreed(&[self.bcast_in(&m, packed, leader, op)?], 1, op)?[0][0];
        Ok(self.add_inter(ctx, m.group, remote))
    }

    fn leader(leader: i32, size: usize, call: &str) -> Result<usize> {
        if leader < 0 || leader as usize >= size {
            return Err(MpiError::new(
                ErrorClass::Rank,
                call,
                format_args!("Invalid rank has value {leader} but must be nonnegative and less than {size}"),
            ));
        }
        Ok(leader as usize)
    }

    /// The members of a group this rank belongs to, talking under `wire` and `tag`.
    fn group_members(&self, group: Vec<u32>, wire: u32, tag: i32, call: &str) -> Result<Members> {
        let Some(rank) = group.iter().position(|r| *r == self.me) else {
            return Err(MpiError::new(ErrorClass::Group, call, "The calling process is not a member of the group"));
        };
        Ok(Members { wire, tag, group, rank })
    }

    /// Agrees on a context among `m` alone and makes it an intracommunicator.
    fn create_among(&mut self, m: Members, op: BlockedOp) -> Result<u32> {
        let most = match self.gather_in(&m, bytes(&[self.next_ctx]), 0, op)? {
            Some(items) => Some(bytes(&[agreed(&items, 1, op)?.iter().map(|w| w[0]).max().expect("members")])),
            None => None,
        };
        let ctx = agreed(&[self.bcast_in(&m, most, 0, op)?], 1, op)?[0][0];
        Ok(self.add_intra(ctx, m.group))
    }

    /// MPI_Comm_create_group: collective over the members of `group` only,
    /// in `comm`'s collective context under a tag derived from `tag`.
    pub fn comm_create_group(&mut self, comm: u32, group: Vec<u32>, tag: i32) -> Result<u32> {
        let call = "MPI_Comm_create_group";
        self.intra_only(comm, call)?;
        let wire = self.comm(comm)?.ctx * 2 + 1;
        if !(0..=crate::TAG_UB).contains(&tag) {
            return Err(MpiError::new(ErrorClass::Tag, call, format_args!("Invalid tag, value is {tag}")));
        }
        let m = self.group_members(group, wire, -2 - tag, call)?;
        self.create_among(m, BlockedOp::CommCreateGroup)
    }

    /// MPI_Comm_create_from_group: the members of `group`, with no parent.
    pub fn comm_from_group(&mut self, group: Vec<u32>, tag: i32) -> Result<u32> {
        let m = self.group_members(group, GROUP_COMM * 2 + 1, tag, "MPI_Comm_create_from_group")?;
        self.create_among(m, BlockedOp::CommFromGroup)
    }

    /// MPI_Comm_dup of an intercommunicator.
    pub(crate) fn inter_dup(&mut self, comm: u32) -> Result<u32> {
        let op = BlockedOp::CommDup;
        let (local, remote) = self.both_sides(comm, bytes(&[self.next_ctx]), op)?;
        let (local, remote) = (agreed(&local, 1, op)?, agreed(&remote, 1, op)?);
        let ctx = local.iter().chain(&remote).map(|w| w[0]).max().expect("members");
        let c = self.comm(comm)?.clone();
        Ok(self.add_inter(ctx, c.group, c.remote.expect("an intercommunicator")))
    }

    /// MPI_Comm_split (and MPI_Comm_create) of an intercommunicator: each
    /// color's members of the local group face those of the remote group;
    /// a color with no remote members gets no communicator.
    pub(crate) fn inter_split(&mut self, comm: u32, color: i32, key: i32) -> Result<Option<u32>> {
        let mine = bytes(&[color as u32, key as u32, self.next_ctx]);
        let op = BlockedOp::CommSplit;
        let (local, remote) = self.both_sides(comm, mine, op)?;
        let (local, remote) = (agreed(&local, 3, op)?, agreed(&remote, 3, op)?);
        let ctx = local.iter().chain(&remote).map(|w| w[2]).max().expect("members");
        self.next_ctx = self.next_ctx.max(ctx + 1);
        if color == UNDEFINED {
            return Ok(None);
        }
        let c = self.comm(comm)?.clone();
        let pick = |items: &[Vec<u32>], ranks: &[u32]| {
            let mut chosen: Vec<(i32, usize)> =
                items.iter().enumerate().filter(|(_, w)| w[0] as i32 == color).map(|(i, w)| (w[1] as i32, i)).collect();
            chosen.sort();
            chosen.into_iter().map(|(_, i)| ranks[i]).collect::<Vec<u32>>()
        };
        let group = pick(&local, &c.group);
        let far = pick(&remote, c.peers());
        if far.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.add_inter(ctx, group, far)))
    }

    /// MPI_Intercomm_merge: one intracommunicator over both groups, the
    /// group whose leader said `high = false` first. When both said the
    /// same, the group whose leader has the lower world rank goes first.
    pub fn intercomm_merge(&mut self, comm: u32, high: bool) -> Result<u32> {
        let c = self.comm(comm)?.clone();
        let Some(far) = c.remote.clone() else {
            return Err(MpiError::new(ErrorClass::Comm, "MPI_Intercomm_merge", "Intracommunicator is not allowed"));
        };
        let op = BlockedOp::IntercommMerge;
        let (local, remote) = self.both_sides(comm, bytes(&[high as u32, self.next_ctx]), op)?;
        let (local, remote) = (agreed(&local, 2, op)?, agreed(&remote, 2, op)?);
        let ctx = local.iter().chain(&remote).map(|w| w[1]).max().expect("members");
        let (my_high, their_high) = (local[0][0] != 0, remote[0][0] != 0);
        let low = if my_high != their_high { !my_high } else { c.group[0] < far[0] };
        let group = if low { [c.group, far].concat() } else { [far, c.group].concat() };
        Ok(self.add_intra(ctx, group))
    }

    // ----- collectives over an intercommunicator -----

    pub(crate) fn inter_barrier(&mut self, comm: u32) -> Result<()> {
        self.both_sides(comm, Vec::new(), BlockedOp::Barrier).map(drop)
    }

    /// The root's data to every member of the other group; the root returns
    /// its own data, the rest of its group nothing.
    pub(crate) fn inter_bcast(&mut self, comm: u32, data: Option<Vec<u8>>, root: i32) -> Result<Vec<u8>> {
        let op = BlockedOp::Bcast;
        let (_, remote) = self.inter_members(comm)?;
        match self.side(comm, root, "MPI_Bcast")? {
            Side::Root => {
                let data = data.unwrap_or_default();
                let sends = (0..remote.group.len()).map(|r| self.coll_isend(&remote, r, data.clone())).collect();
                self.wait_sends(sends, op)?;
                Ok(data)
            }
            Side::Idle => Ok(Vec::new()),
            Side::Peer(r) => self.coll_recv(&remote, r, op),
        }
    }

    /// The other group's data, in its rank order, at the root.
    pub(crate) fn inter_gather(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        root: i32,
        op: BlockedOp,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let (_, remote) = self.inter_members(comm)?;
        let call = if op == BlockedOp::Reduce { "MPI_Reduce" } else { "MPI_Gather" };
        match self.side(comm, root, call)? {
            Side::Root => {
                (0..remote.group.len()).map(|r| self.coll_recv(&remote, r, op)).collect::<Result<_>>().map(Some)
            }
            Side::Idle => Ok(None),
            Side::Peer(r) => {
                let s = self.coll_isend(&remote, r, data);
                self.wait_as(s, op)?;
                Ok(None)
            }
        }
    }

    /// Item `i` of the root's items to member `i` of the other group.
    pub(crate) fn inter_scatter(&mut self, comm: u32, items: Option<Vec<Vec<u8>>>, root: i32) -> Result<Vec<u8>> {
        let op = BlockedOp::Scatter;
        let (_, remote) = self.inter_members(comm)?;
        match self.side(comm, root, "MPI_Scatter")? {
            Side::Root => {
                let items = items.unwrap_or_default();
                Self::check_items(&items, remote.group.len(), "MPI_Scatter")?;
                let sends = items.into_iter().enumerate().map(|(r, item)| self.coll_isend(&remote, r, item)).collect();
                self.wait_sends(sends, op)?;
                Ok(Vec::new())
            }
            Side::Idle => Ok(Vec::new()),
            Side::Peer(r) => self.coll_recv(&remote, r, op),
        }
    }

    /// Every member gets the other group's data, in its rank order.
    pub(crate) fn inter_allgather(&mut self, comm: u32, data: Vec<u8>, op: BlockedOp) -> Result<Vec<Vec<u8>>> {
        let (_, remote) = self.inter_members(comm)?;
        let sends = (0..remote.group.len()).map(|r| self.coll_isend(&remote, r, data.clone())).collect();
        let out = (0..remote.group.len()).map(|r| self.coll_recv(&remote, r, op)).collect::<Result<_>>()?;
        self.wait_sends(sends, op)?;
        Ok(out)
    }

    /// Item `j` of local member `i` becomes item `i` of remote member `j`.
    pub(crate) fn inter_alltoall(&mut self, comm: u32, items: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
        let op = BlockedOp::Alltoall;
        let (_, remote) = self.inter_members(comm)?;
        Self::check_items(&items, remote.group.len(), "MPI_Alltoall")?;
        let sends = items.into_iter().enumerate().map(|(r, item)| self.coll_isend(&remote, r, item)).collect();
        let out = (0..remote.group.len()).map(|r| self.coll_recv(&remote, r, op)).collect::<Result<_>>()?;
        self.wait_sends(sends, op)?;
        Ok(out)
    }

    /// The other group's values folded in its rank order, at the root.
    pub(crate) fn inter_reduce<E: From<MpiError>>(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        root: i32,
        op: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, E>,
    ) -> Result<Option<Vec<u8>>, E> {
        let Some(values) = self.inter_gather(comm, data, root, BlockedOp::Reduce)? else { return Ok(None) };
        Ok(Some(fold(values, op)?))
    }

    /// Every member gets the other group's values folded in its rank order.
    pub(crate) fn inter_allreduce<E: From<MpiError>>(
        &mut self,
        comm: u32,
        data: Vec<u8>,
        op: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, E> {
        let values = self.inter_allgather(comm, data, BlockedOp::Allreduce)?;
        fold(values, op)
    }
}

fn fold<E>(values: Vec<Vec<u8>>, op: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<Vec<u8>, E>) -> Result<Vec<u8>, E> {
    let mut values = values.into_iter();
    let mut acc = values.next().unwrap_or_default();
    for v in values {
        acc = op(acc, v)?;
    }
    Ok(acc)
}
