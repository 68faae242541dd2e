//! Communicators, groups and Cartesian topologies.
//!
//! A communicator is a context id plus an ordered group of world ranks. Its
//! handle, as the Python layer holds it, is the context id itself: each rank
//! hands out context ids in increasing order, so they are unique per rank. New
//! communicators are created collectively over a parent: the members agree on
//! the next context id as the maximum of everyone's next free id (learnt in the
//! same allgather that exchanges colors and keys), which is free on all of them.

use crate::endpoint::Endpoint;
use crate::error::{ErrorClass, MpiError, Result};
use crate::state::BlockedOp;
use crate::{PROC_NULL, UNDEFINED};
use std::collections::HashMap;

pub const WORLD_CTX: u32 = 0;
pub const SELF_CTX: u32 = 1;
/// The handle of `MPI.COMM_NULL`: never a context id.
pub const COMM_NULL: u32 = u32::MAX;

/// A Cartesian topology attached to a communicator (row-major rank order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cart {
    pub dims: Vec<i32>,
    pub periods: Vec<bool>,
}

impl Cart {
    /// Coordinates of `rank` (row-major: the last dimension varies fastest).
    pub fn coords(&self, rank: i32) -> Vec<i32> {
        let mut rest = rank;
        let mut out = vec![0; self.dims.len()];
        for (i, d) in self.dims.iter().enumerate().rev() {
            out[i] = rest % d;
            rest /= d;
        }
        out
    }

    /// Rank at `coords`; periodic dimensions wrap, others must be in range.
    pub fn rank(&self, coords: &[i32]) -> Result<i32> {
        if coords.len() != self.dims.len() {
            return Err(MpiError::new(
                ErrorClass::Arg,
                "MPI_Cart_rank",
                format_args!("Invalid coordinates: {} given for {} dimensions", coords.len(), self.dims.len()),
            ));
        }
        let mut rank = 0;
        for ((c, d), p) in coords.iter().zip(&self.dims).zip(&self.periods) {
            let c = if *p {
                c.rem_euclid(*d)
            } else if (0..*d).contains(c) {
                *c
            } else {
                return Err(MpiError::new(
                    ErrorClass::Arg,
                    "MPI_Cart_rank",
                    format_args!("Cartesian coordinate {c} is out of range for a dimension of size {d}"),
                ));
            };
            rank = rank * d + c;
        }
        Ok(rank)
    }

    /// `(source, dest)` for a shift of `disp` along `direction` from `rank`.
    pub fn shift(&self, rank: i32, direction: usize, disp: i32) -> (i32, i32) {
        let here = self.coords(rank);
        let moved = |delta: i32| {
            let mut c = here.clone();
            c[direction] += delta;
            self.rank(&c).unwrap_or(PROC_NULL)
        };
        (moved(-disp), moved(disp))
    }
}

/// A communicator as one rank sees it.
#[derive(Clone, Debug)]
pub struct Communicator {
    pub ctx: u32,
    /// World ranks of the members, in communicator rank order.
    pub group: Vec<u32>,
    /// This rank's place in `group`.
    pub rank: u32,
    pub cart: Option<Cart>,
    /// For an intercommunicator, the world ranks of the remote group, in
    /// remote rank order: the ranks point-to-point calls and rooted
    /// collectives name. `None` for an intracommunicator.
    pub remote: Option<Vec<u32>>,
}

impl Communicator {
    /// COMM_WORLD over `world` (world ranks, in order) and COMM_SELF, for world rank `me`.
    pub(crate) fn predefined(world: Vec<u32>, me: u32) -> HashMap<u32, Communicator> {
        let rank = world.iter().position(|r| *r == me).expect("a rank belongs to its own world") as u32;
        HashMap::from([
            (WORLD_CTX, Communicator { ctx: WORLD_CTX, group: world, rank, cart: None, remote: None }),
            (SELF_CTX, Communicator { ctx: SELF_CTX, group: vec![me], rank: 0, cart: None, remote: None }),
        ])
    }

    pub fn size(&self) -> u32 {
        self.group.len() as u32
    }

    /// The ranks point-to-point calls address: the remote group of an
    /// intercommunicator, the group itself otherwise.
    pub fn peers(&self) -> &[u32] {
        self.remote.as_deref().unwrap_or(&self.group)
    }

    pub fn is_inter(&self) -> bool {
        self.remote.is_some()
    }
}

/// MPI_Dims_create: fills the zero entries of `dims` with a balanced
/// factorisation of `nnodes` (divided by the fixed entries), largest first.
pub fn compute_dims(nnodes: i32, dims: &[i32]) -> Result<Vec<i32>> {
    let bad = |detail: String| MpiError::new(ErrorClass::Dims, "MPI_Dims_create", detail);
    if nnodes < 0 {
        return Err(MpiError::new(
            ErrorClass::Arg,
            "MPI_Dims_create",
            format_args!("Invalid value for nnodes, must be non-negative but is {nnodes}"),
        ));
    }
    if dims.is_empty() {
        // MPICH accepts zero dimensions and fills nothing.
        return Ok(Vec::new());
    }
    if dims.iter().any(|d| *d < 0) {
        return Err(bad(format!("Invalid argument: dims={dims:?} has a negative entry")));
    }
    let fixed: i32 = dims.iter().filter(|d| **d > 0).product();
    if fixed == 0 || nnodes % fixed != 0 {
        return Err(bad(format!(
            "Invalid dimension argument: {nnodes} is not divisible by the fixed dimensions {dims:?}"
        )));
    }
    let free = dims.iter().filter(|d| **d == 0).count();
    let mut rest = nnodes / fixed;
    if free == 0 {
        return if rest == 1 {
            Ok(dims.to_vec())
        } else {
            Err(bad(format!("Invalid dimension argument: {dims:?} for {nnodes} nodes")))
        };
    }
    let mut primes = Vec::new();
    let mut p = 2;
    while rest > 1 {
        while rest % p == 0 {
            primes.push(p);
            rest /= p;
        }
        p += 1;
    }
    // Give each prime, largest first, to the currently smallest free dimension.
    let mut filled = vec![1; free];
    for prime in primes.into_iter().rev() {
        let smallest = (0..free).min_by_key(|i| filled[*i]).expect("free > 0");
        filled[smallest] *= prime;
    }
    filled.sort_unstable_by(|a, b| b.cmp(a));
    let mut it = filled.into_iter();
    Ok(dims.iter().map(|d| if *d == 0 { it.next().expect("one per free dimension") } else { *d }).collect())
}

impl Endpoint {
    pub fn comm_rank(&self, comm: u32) -> Result<u32> {
        Ok(self.comm(comm)?.rank)
    }

    pub fn comm_size(&self, comm: u32) -> Result<u32> {
        Ok(self.comm(comm)?.size())
    }

    pub fn comm_group(&self, comm: u32) -> Result<Vec<u32>> {
        Ok(self.comm(comm)?.group.clone())
    }

    pub fn cart(&self, comm: u32) -> Result<Option<&Cart>> {
        Ok(self.comm(comm)?.cart.as_ref())
    }

    fn cart_of(&self, comm: u32, call: &str) -> Result<(&Communicator, &Cart)> {
        let c = self.comm(comm)?;
        let cart = c.cart.as_ref().ok_or_else(|| {
            MpiError::new(ErrorClass::Topology, call, "Invalid topology: the communicator has no Cartesian topology")
        })?;
        Ok((c, cart))
    }

    pub fn cart_coords(&self, comm: u32, rank: i32) -> Result<Vec<i32>> {
        let (c, cart) = self.cart_of(comm, "MPI_Cart_coords")?;
        if rank < 0 || rank >= c.size() as i32 {
            return Err(MpiError::new(
                ErrorClass::Rank,
                "MPI_Cart_coords",
                format_args!("Invalid rank has value {rank} but must be nonnegative and less than {}", c.size()),
            ));
        }
        Ok(cart.coords(rank))
    }

    pub fn cart_rank(&self, comm: u32, coords: &[i32]) -> Result<i32> {
        self.cart_of(comm, "MPI_Cart_rank")?.1.rank(coords)
    }

    pub fn cart_shift(&self, comm: u32, direction: i32, disp: i32) -> Result<(i32, i32)> {
        let (c, cart) = self.cart_of(comm, "MPI_Cart_shift")?;
        if direction < 0 || direction as usize >= cart.dims.len() {
            return Err(MpiError::new(
                ErrorClass::Arg,
                "MPI_Cart_shift",
                format_args!("Invalid direction {direction} for {} dimensions", cart.dims.len()),
            ));
        }
        Ok(cart.shift(c.rank as i32, direction as usize, disp))
    }

    /// MPI_Comm_dup: same group, new context.
    pub fn comm_dup(&mut self, comm: u32) -> Result<u32> {
        if self.comm(comm)?.is_inter() {
            return self.inter_dup(comm);
        }
        let parent = self.comm(comm)?.clone();
        let Some(new) = self.split_collective(comm, 0, parent.rank as i32, BlockedOp::CommDup)? else {
            unreachable!("color 0 always yields a communicator")
        };
        if let Some(cart) = parent.cart {
            self.comms.get_mut(&new).expect("just created").cart = Some(cart);
        }
        Ok(new)
    }

    /// MPI_Comm_split: members with the same color form a communicator, ordered
    /// by (key, parent rank). `UNDEFINED` gets no communicator.
    pub fn comm_split(&mut self, comm: u32, color: i32, key: i32) -> Result<Option<u32>> {
        if color < 0 && color != UNDEFINED {
            return Err(MpiError::new(ErrorClass::Arg, "MPI_Comm_split", format_args!("Invalid color {color}")));
        }
        if self.comm(comm)?.is_inter() {
            return self.inter_split(comm, color, key);
        }
        self.split_collective(comm, color, key, BlockedOp::CommSplit)
    }

    pub fn comm_free(&mut self, comm: u32) -> Result<()> {
        if comm == WORLD_CTX || comm == SELF_CTX {
            return Err(MpiError::new(ErrorClass::Comm, "MPI_Comm_free", "Cannot free a predefined communicator"));
        }
        self.comms.remove(&comm).map(drop).ok_or_else(|| {
            MpiError::new(ErrorClass::Comm, "MPI_Comm_free", format_args!("Invalid communicator handle {comm}"))
        })
    }

    /// MPI_Cart_create (reorder is accepted but ranks keep their order, which
    /// MPI allows). Ranks beyond the grid get no communicator.
    pub fn cart_create(&mut self, comm: u32, dims: &[i32], periods: &[bool], _reorder: bool) -> Result<Option<u32>> {
        self.intra_only(comm, "MPI_Cart_create")?;
        let size = self.comm(comm)?.size() as i64;
        let cells: i64 = dims.iter().map(|d| *d as i64).product();
        if cells > size {
            return Err(MpiError::new(
                ErrorClass::Arg,
                "MPI_Cart_create",
                format_args!(
                    "Size of the communicator ({size}) is smaller than the size of the Cartesian topology ({cells})"
                ),
            ));
        }
        if dims.iter().any(|d| *d <= 0) || dims.len() != periods.len() {
            return Err(MpiError::new(
                ErrorClass::Dims,
                "MPI_Cart_create",
                format_args!(
                    "Invalid dimension argument: dims {dims:?} (periods {periods:?}) for a communicator of size {size}"
                ),
            ));
        }
        let me = self.comm(comm)?.rank as i64;
        let color = if me < cells { 0 } else { UNDEFINED };
        let new = self.split_collective(comm, color, me as i32, BlockedOp::CartCreate)?;
        if let Some(n) = new {
            self.comms.get_mut(&n).expect("just created").cart =
                Some(Cart { dims: dims.to_vec(), periods: periods.to_vec() });
        }
        Ok(new)
    }

    /// MPI_Cart_sub: the sub-grids spanned by the dimensions kept.
    pub fn cart_sub(&mut self, comm: u32, remain: &[bool]) -> Result<u32> {
        let (c, cart) = self.cart_of(comm, "MPI_Cart_sub")?;
        if remain.len() != cart.dims.len() {
            return Err(MpiError::new(
                ErrorClass::Arg,
                "MPI_Cart_sub",
                format_args!("remain_dims has {} entries for {} dimensions", remain.len(), cart.dims.len()),
            ));
        }
        let coords = cart.coords(c.rank as i32);
        let mut color = 0;
        let mut key = 0;
        let mut sub = Cart { dims: Vec::new(), periods: Vec::new() };
        for (i, keep) in remain.iter().enumerate() {
            if *keep {
                key = key * cart.dims[i] + coords[i];
                sub.dims.push(cart.dims[i]);
                sub.periods.push(cart.periods[i]);
            } else {
                color = color * cart.dims[i] + coords[i];
            }
        }
        let new = self.split_collective(comm, color, key, BlockedOp::CartSub)?.expect("color is never UNDEFINED");
        self.comms.get_mut(&new).expect("just created").cart = Some(sub);
        Ok(new)
    }

    /// The collective core of every constructor: exchange (color, key, next
    /// free context) over `comm`, agree on a context, keep my color's members.
    fn split_collective(&mut self, comm: u32, color: i32, key: i32, op: BlockedOp) -> Result<Option<u32>> {
        let mut mine = Vec::with_capacity(12);
        for v in [color as u32, key as u32, self.next_ctx] {
            mine.extend_from_slice(&v.to_le_bytes());
        }
        let all = self.allgather_as(comm, mine, op)?;
        // Members that called different collectives leave each other's bytes
        // here: an error, not a crash of the rank.
        if all.iter().any(|b| b.len() != 12) {
            return Err(crate::collectives::mismatch(op));
        }
        let parent = self.comm(comm)?.group.clone();
        let word = |b: &[u8], i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
        let ctx = all.iter().map(|b| word(b, 2)).max().expect("a communicator has members");
        self.next_ctx = ctx + 1;
        if color == UNDEFINED {
            return Ok(None);
        }
        let mut members: Vec<(i32, usize)> = all
            .iter()
            .enumerate()
            .filter(|(_, b)| word(b, 0) as i32 == color)
            .map(|(i, b)| (word(b, 1) as i32, i))
            .collect();
        members.sort();
        let group: Vec<u32> = members.iter().map(|(_, i)| parent[*i]).collect();
        let rank = group.iter().position(|r| *r == self.me).expect("I am a member of my color") as u32;
        self.comms.insert(ctx, Communicator { ctx, group, rank, cart: None, remote: None });
        Ok(Some(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_match_mpich() {
        assert_eq!(compute_dims(6, &[0, 0]).unwrap(), vec![3, 2]);
        assert_eq!(compute_dims(12, &[0, 0]).unwrap(), vec![4, 3]);
        assert_eq!(compute_dims(16, &[0, 0, 0]).unwrap(), vec![4, 2, 2]);
        assert_eq!(compute_dims(7, &[0, 0]).unwrap(), vec![7, 1]);
        assert_eq!(compute_dims(12, &[0, 3]).unwrap(), vec![4, 3]);
        assert_eq!(compute_dims(1, &[0, 0]).unwrap(), vec![1, 1]);
        assert!(compute_dims(10, &[0, 3]).is_err());
    }

    #[test]
    fn cart_shift_follows_row_major_layout() {
        let cart = Cart { dims: vec![3, 2], periods: vec![false, false] };
        assert_eq!(cart.coords(3), vec![1, 1]);
        assert_eq!(cart.shift(0, 0, 1), (PROC_NULL, 2));
        assert_eq!(cart.shift(0, 1, 1), (PROC_NULL, 1));
        let periodic = Cart { dims: vec![3, 2], periods: vec![true, true] };
        assert_eq!(periodic.shift(0, 0, 1), (4, 2));
        assert_eq!(periodic.shift(5, 1, 1), (4, 4));
    }
}
