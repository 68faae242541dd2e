//! What one-sided communication (MPI RMA windows) needs from the shared heap:
//! the lock of a window's target (`MPI_Win_lock`, shared or exclusive), and
//! keeping a rank's own copy of a window's memory in step with its public
//! copy in the heap.
//!
//! A window's memory is the user's buffer, inside the rank's interpreter,
//! which no other rank can reach (in the browser each rank is a separate
//! WebAssembly memory). So every window has a public copy in the heap: other
//! ranks put into it and get from it directly, without the target taking part,
//! and the target brings its own copy in step at synchronisation points
//! ([`World::heap_sync`]). The Python layer decides when.

use crate::endpoint::{Deadline, Endpoint};
use crate::process::MP_COMM;
use crate::state::{BlockedOn, BlockedOp};
use crate::sync::{SyncError, SyncResult};
use crate::world::World;

/// The lock word while held exclusively; below it, the number of shared holders.
const EXCLUSIVE: u32 = u32::MAX;

impl World {
    /// Brings `private` (a rank's copy of `private.len()` heap bytes at
    /// `offset`) and the heap in step. `snapshot` is what `private` held after
    /// the previous sync: a byte that differs from it was stored locally since,
    /// and goes to the heap; every other byte takes the heap's value, which
    /// other ranks may have changed. Then `snapshot` is the new `private`.
    ///
    /// Only changed bytes are written, so a rank's local stores never undo
    /// what others put into other bytes of the same window meanwhile.
    pub fn heap_sync(&self, offset: usize, private: &mut [u8], snapshot: &mut [u8]) -> SyncResult<()> {
        if private.len() != snapshot.len() {
            return Err(SyncError::Value("a window's copy and its snapshot differ in size".into()));
        }
        const CHUNK: usize = 64 * 1024;
        let mut public = vec![0u8; CHUNK.min(private.len())];
        for start in (0..private.len()).step_by(CHUNK) {
            let end = (start + CHUNK).min(private.len());
            let public = &mut public[..end - start];
            self.heap_read(offset + start, public)?;
            let (mine, seen) = (&mut private[start..end], &mut snapshot[start..end]);
            let mut i = 0;
            while i < mine.len() {
                if mine[i] == seen[i] {
                    mine[i] = public[i];
                    i += 1;
                    continue;
                }
                // A run of local stores: one write to the heap.
                let run = i;
                while i < mine.len() && mine[i] != seen[i] {
                    i += 1;
                }
                self.heap_write(offset + start + run, &mine[run..i])?;
            }
            seen.copy_from_slice(mine);
        }
        Ok(())
    }
}

impl Endpoint {
    /// Takes the window lock at `offset` (two heap words: the lock, and who
    /// took it last, world rank + 1), shared or exclusive, waiting while it is
    /// held incompatibly. A rank waiting here is published as waiting for the
    /// last taker, so a cycle of locks shows in the deadlock report.
    pub fn win_lock(&mut self, offset: usize, exclusive: bool, deadline: Option<&Deadline>) -> SyncResult<()> {
        let word = self.world.heap_word(offset)?;
        let holder = self.world.heap_word(offset + 4)?;
        let me = self.me;
        let take = |world: &World| -> bool {
            let held = world.mem.load(word);
            let want = match (exclusive, held) {
                (true, 0) => EXCLUSIVE,
                (false, n) if n < EXCLUSIVE - 1 => n + 1,
                _ => return false,
            };
            let taken = world.mem.compare_exchange(word, held, want).is_ok();
            if taken {
                world.mem.store(holder, me + 1);
            }
            taken
        };
        while !take(&self.world) {
            let peer = self.world.mem.load(holder).checked_sub(1);
            let on = BlockedOn { op: BlockedOp::WinLock, peer, tag: None, ctx: MP_COMM, rendezvous: None };
            let free = |ep: &mut Self| {
                let held = ep.world.mem.load(word);
                if exclusive { held == 0 } else { held < EXCLUSIVE - 1 }
            };
            if !self.wait_for_object_as(offset, on, deadline, free)? {
                return Err(SyncError::Stopped);
            }
        }
        Ok(())
    }

    /// Gives back a lock [`Endpoint::win_lock`] took and wakes its waiters.
    pub fn win_unlock(&mut self, offset: usize) -> SyncResult<()> {
        let word = self.world.heap_word(offset)?;
        let mut held = self.world.mem.load(word);
        loop {
            let next = match held {
                0 => return Err(SyncError::Value("window lock released but not held".into())),
                EXCLUSIVE | 1 => 0,
                n => n - 1,
            };
            match self.world.mem.compare_exchange(word, held, next) {
                Ok(_) => break,
                Err(now) => held = now,
            }
        }
        self.world.wake_waiters(offset);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::sync::tests::world;

    #[test]
    fn sync_keeps_local_stores_and_takes_remote_ones() {
        let w = world();
        let at = w.heap_alloc(8).unwrap();
        let mut private = [0u8; 8];
        let mut snapshot = [0u8; 8];
        // Another rank puts into bytes 4..8; this rank stores into byte 0.
        w.heap_write(at + 4, &[7, 7, 7, 7]).unwrap();
        private[0] = 1;
        w.heap_sync(at, &mut private, &mut snapshot).unwrap();
        assert_eq!(private, [1, 0, 0, 0, 7, 7, 7, 7]);
        assert_eq!(snapshot, private);
        let mut public = [0u8; 8];
        w.heap_read(at, &mut public).unwrap();
        assert_eq!(public, [1, 0, 0, 0, 7, 7, 7, 7]);
    }

    #[test]
    fn freed_blocks_are_reused_zeroed() {
        let w = world();
        let a = w.heap_alloc(64).unwrap();
        w.heap_write(a, &[9; 64]).unwrap();
        w.heap_free(a, 64).unwrap();
        let b = w.heap_alloc(24).unwrap();
        // The tail of the freed block, zeroed; its front stays free.
        assert_eq!(b, a + 40);
        let mut got = [1u8; 24];
        w.heap_read(b, &mut got).unwrap();
        assert_eq!(got, [0; 24]);
        assert_eq!(w.heap_alloc(40).unwrap(), a);
        let fresh = w.heap_alloc(8).unwrap();
        assert_eq!(fresh, a + 64, "the free list is empty again: the bump pointer serves");
    }
}
