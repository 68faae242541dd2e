//! Dynamic processes (`Comm.Spawn`): an MPI process started by running ranks.
//!
//! A spawned process is a process slot of the run, like a `multiprocessing`
//! process (its host starts it the same way), that then takes part in MPI:
//! the children of one `Spawn` call make up their own `MPI_COMM_WORLD`, and
//! each side reaches the other through an intercommunicator built by
//! `intercomm_from_groups` (the parents' communicator group and the children,
//! their leaders the spawning root and child 0). The children's world keeps
//! context 0: messages match by context *and* source, and no parent ever
//! sends in context 0 to a child, nor a child to a parent, so the two worlds
//! never meet; every context shared by both sides is agreed as usual, above
//! anything either side has used.

use crate::comm::{Communicator, WORLD_CTX};
use crate::endpoint::Endpoint;
use crate::error::{ErrorClass, MpiError, Result};
use crate::sync::SyncResult;
use crate::world::{World, hdr};

/// Bytes of the name service's table: a semaphore (the table's lock) and
/// its contents, which the Python layer keeps (names and ports, pickled).
pub const SERVICE_TABLE_BYTES: usize = 16 << 10;

impl World {
    /// The heap offset of the run's name service table (`Publish_name`,
    /// `Lookup_name`), set up by the first rank that asks: zeroed, its lock
    /// (a semaphore at offset 0) free.
    pub fn service_table(&self) -> SyncResult<usize> {
        loop {
            match self.mem.load(hdr::SERVICES) {
                0 => {
                    if self.mem.compare_exchange(hdr::SERVICES, 0, 1).is_err() {
                        continue;
                    }
                    let at = match self.heap_alloc(SERVICE_TABLE_BYTES) {
                        Ok(at) => at,
                        Err(e) => {
                            self.mem.store(hdr::SERVICES, 0);
                            return Err(e);
                        }
                    };
                    self.mem.store(self.heap_word(at)?, 1);
                    self.mem.store(hdr::SERVICES, at as u32 + 2);
                    return Ok(at);
                }
                // Another rank is setting it up: a few stores away.
                1 => std::hint::spin_loop(),
                v => return Ok(v as usize - 2),
            }
        }
    }
}

impl Endpoint {
    /// Makes `group` (world slots in rank order, this one among them) this
    /// process's `MPI_COMM_WORLD`: a spawned child does so before its script
    /// runs.
    pub fn adopt_world(&mut self, group: Vec<u32>) -> Result<()> {
        let Some(rank) = group.iter().position(|slot| *slot == self.me) else {
            return Err(MpiError::new(
                ErrorClass::Group,
                "MPI_Comm_spawn",
                "The calling process is not a member of the group",
            ));
        };
        let world = Communicator { ctx: WORLD_CTX, group, rank: rank as u32, cart: None, remote: None };
        self.comms.insert(WORLD_CTX, world);
        Ok(())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use crate::world::{Layout, World};
    use crate::{Endpoint, HeapMemory, WORLD_CTX};
    use std::sync::Arc;

    #[test]
    fn a_child_world_is_its_group_and_excludes_strangers() {
        let layout = Layout::new(2);
        let world = World::create(Arc::new(HeapMemory::new(layout.word_len())), layout);
        let slot = world.reserve_process(0).expect("a free process slot");
        let mut ep = Endpoint::new(world, slot);
        assert_eq!(ep.comm_size(WORLD_CTX).unwrap(), 1);
        ep.adopt_world(vec![slot]).unwrap();
        assert_eq!(ep.comm_group(WORLD_CTX).unwrap(), vec![slot]);
        assert_eq!(ep.comm_rank(WORLD_CTX).unwrap(), 0);
        assert!(ep.adopt_world(vec![0, 1]).is_err());
    }

    #[test]
    fn the_service_table_is_set_up_once_with_its_lock_free() {
        let layout = Layout::new(2);
        let world = World::create(Arc::new(HeapMemory::new(layout.word_len())), layout);
        let threads: Vec<_> =
            (0..4).map(|_| std::thread::spawn({ let w = world.clone(); move || w.service_table().unwrap() })).collect();
        let offsets: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(offsets.iter().all(|o| *o == offsets[0]), "{offsets:?}");
        let mut ep = Endpoint::new(world, 0);
        assert!(ep.sem_acquire(offsets[0], false, None, crate::BlockedOp::LockAcquire).unwrap(), "its lock starts free");
    }
}
