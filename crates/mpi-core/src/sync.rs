//! The run's shared heap and the synchronisation objects `multiprocessing`
//! builds on it: counting semaphores (locks), flags (events) and pipes (item
//! channels behind queues and connections).
//!
//! Objects are addressed by their byte offset in the heap, which is what
//! processes pass to each other. A process that waits for an object publishes
//! which one (`SYNC_WAIT`) and sleeps on its own doorbell like any blocked
//! rank; whoever changes the object rings every slot waiting for it. So the
//! deadlock detector sees these waits too, and nobody sleep-polls.

use crate::endpoint::{Deadline, Endpoint};
use crate::error::MpiError;
use crate::process::MP_COMM;
use crate::state::{BlockedOn, BlockedOp};
use crate::world::{World, hdr, rank};

/// Why a shared-heap call failed, beyond the run stopping.
#[derive(Debug)]
pub enum SyncError {
    Stopped,
    /// A bad argument (an offset that is no such object, a semaphore released too often).
    Value(String),
    /// The heap has no room left.
    Full(String),
}

impl From<MpiError> for SyncError {
    fn from(_: MpiError) -> Self {
        // The only error a wait can meet is the run (or this process) stopping.
        SyncError::Stopped
    }
}

pub type SyncResult<T> = std::result::Result<T, SyncError>;

/// Pipe header words, before its ring.
mod pipe {
    pub const CAPACITY: usize = 0;
    pub const HEAD: usize = 1;
    pub const TAIL: usize = 2;
    pub const PUT_LOCK: usize = 3;
    pub const GET_LOCK: usize = 4;
    pub const COUNT: usize = 5;
    pub const HEADER_BYTES: usize = 32;
}

impl World {
    /// Takes `nbytes` zeroed bytes of the heap (8-aligned); their offset.
    /// A block given back by [`World::heap_free`] is reused first (first fit).
    pub fn heap_alloc(&self, nbytes: usize) -> SyncResult<usize> {
        let size = Self::heap_block(nbytes);
        if let Some(offset) = self.take_free_block(size) {
            self.mem.write_bytes(self.layout.heap_offset() + offset, &vec![0; size]);
            return Ok(offset);
        }
        let heap = self.layout.heap_bytes as usize;
        let mut used = self.mem.load(hdr::HEAP_USED) as usize;
        loop {
            if used + size > heap {
                return Err(SyncError::Full(format!(
                    "the run's shared memory (multiprocessing objects and RMA windows) is full ({} MiB)",
                    heap >> 20
                )));
            }
            match self.mem.compare_exchange(hdr::HEAP_USED, used as u32, (used + size) as u32) {
                Ok(_) => return Ok(used),
                Err(now) => used = now as usize,
            }
        }
    }

    /// Gives back a block `heap_alloc(nbytes)` returned. RMA windows and the
    /// file system (`fs`) free theirs; the objects of `multiprocessing` live
    /// as long as the run.
    pub fn heap_free(&self, offset: usize, nbytes: usize) -> SyncResult<()> {
        let size = Self::heap_block(nbytes);
        if offset % 8 != 0 {
            return Err(SyncError::Value(format!("no shared object at offset {offset}")));
        }
        self.check_heap(offset, size)?;
        let node = (self.layout.heap_offset() + offset) / 4;
        self.with_free_list(|| {
            self.mem.store(node, size as u32);
            self.mem.store(node + 1, self.mem.load(hdr::HEAP_FREE));
            self.mem.store(hdr::HEAP_FREE, offset as u32 + 1);
        });
        Ok(())
    }

    /// The bytes a request of `nbytes` takes: at least a free-list node (two
    /// words), a multiple of 8.
    fn heap_block(nbytes: usize) -> usize {
        nbytes.max(8).div_ceil(8) * 8
    }

    /// Unlinks the first free block of at least `size` bytes; a larger block
    /// keeps its front in the list and gives its tail.
    fn take_free_block(&self, size: usize) -> Option<usize> {
        if self.mem.load(hdr::HEAP_FREE) == 0 {
            return None;
        }
        self.with_free_list(|| {
            let base = self.layout.heap_offset() / 4;
            let mut link = hdr::HEAP_FREE;
            loop {
                let at = self.mem.load(link) as usize;
                if at == 0 {
                    return None;
                }
                let node = base + (at - 1) / 4;
                let have = self.mem.load(node) as usize;
                if have >= size + 8 {
                    self.mem.store(node, (have - size) as u32);
                    return Some(at - 1 + have - size);
                }
                if have >= size {
                    self.mem.store(link, self.mem.load(node + 1));
                    return Some(at - 1);
                }
                link = node + 1;
            }
        })
    }

    /// Runs `f` holding the free list's lock. Holders only walk a list, so
    /// waiters spin instead of sleeping.
    fn with_free_list<T>(&self, f: impl FnOnce() -> T) -> T {
        while self.mem.compare_exchange(hdr::HEAP_LOCK, 0, 1).is_err() {
            std::hint::spin_loop();
        }
        let out = f();
        self.mem.store(hdr::HEAP_LOCK, 0);
        out
    }

    fn check_heap(&self, offset: usize, len: usize) -> SyncResult<()> {
        let used = self.mem.load(hdr::HEAP_USED) as usize;
        match offset.checked_add(len) {
            Some(end) if end <= used => Ok(()),
            _ => Err(SyncError::Value(format!("no shared object at offset {offset} ({len} bytes)"))),
        }
    }

    /// A word of the heap, checked to lie in allocated memory.
    pub(crate) fn heap_word(&self, offset: usize) -> SyncResult<usize> {
        if offset % 4 != 0 {
            return Err(SyncError::Value(format!("no shared object at offset {offset}")));
        }
        self.check_heap(offset, 4)?;
        Ok((self.layout.heap_offset() + offset) / 4)
    }

    pub fn heap_read(&self, offset: usize, dst: &mut [u8]) -> SyncResult<()> {
        self.check_heap(offset, dst.len())?;
        self.mem.read_bytes(self.layout.heap_offset() + offset, dst);
        Ok(())
    }

    pub fn heap_write(&self, offset: usize, src: &[u8]) -> SyncResult<()> {
        self.check_heap(offset, src.len())?;
        self.mem.write_bytes(self.layout.heap_offset() + offset, src);
        Ok(())
    }

    /// Rings every slot that waits for the object at `offset`.
    pub(crate) fn wake_waiters(&self, offset: usize) {
        self.bump_generation();
        let mark = offset as u32 + 1;
        for s in 0..self.slots() {
            if self.mem.load(self.layout.rank_word(s, rank::SYNC_WAIT)) == mark {
                self.ring_doorbell(s);
            }
        }
    }

    fn try_take(&self, word: usize) -> bool {
        let mut v = self.mem.load(word);
        while v > 0 {
            match self.mem.compare_exchange(word, v, v - 1) {
                Ok(_) => return true,
                Err(now) => v = now,
            }
        }
        false
    }
}

impl Endpoint {
    /// Waits until `done` holds, as a wait for the heap object at `object`.
    fn wait_for_object(
        &mut self,
        object: usize,
        op: BlockedOp,
        deadline: Option<&Deadline>,
        done: impl FnMut(&mut Self) -> bool,
    ) -> SyncResult<bool> {
        let on = BlockedOn { op, peer: None, tag: None, ctx: MP_COMM, rendezvous: None };
        self.wait_for_object_as(object, on, deadline, done)
    }

    /// [`Self::wait_for_object`], published as `on`.
    pub(crate) fn wait_for_object_as(
        &mut self,
        object: usize,
        on: BlockedOn,
        deadline: Option<&Deadline>,
        done: impl FnMut(&mut Self) -> bool,
    ) -> SyncResult<bool> {
        let mark = self.world.layout.rank_word(self.me, rank::SYNC_WAIT);
        // Published before the first look: a change after that look rings us.
        self.world.mem.store(mark, object as u32 + 1);
        let got = self.block_until_timed(done, |_| on, deadline);
        self.world.mem.store(mark, 0);
        Ok(got?)
    }

    /// Takes one from the counter at `offset`, waiting while it is 0 (if `block`).
    pub fn sem_acquire(
        &mut self,
        offset: usize,
        block: bool,
        deadline: Option<&Deadline>,
        op: BlockedOp,
    ) -> SyncResult<bool> {
        let word = self.world.heap_word(offset)?;
        if self.world.try_take(word) {
            return Ok(true);
        }
        if !block {
            return Ok(false);
        }
        self.wait_for_object(offset, op, deadline, |ep| ep.world.try_take(word))
    }

    /// Gives one back to the counter at `offset`; `max` bounds it (a lock: 1).
    pub fn sem_release(&mut self, offset: usize, max: Option<u32>) -> SyncResult<()> {
        let word = self.world.heap_word(offset)?;
        let mut v = self.world.mem.load(word);
        loop {
            if max.is_some_and(|m| v >= m) {
                return Err(SyncError::Value("semaphore or lock released too many times".into()));
            }
            match self.world.mem.compare_exchange(word, v, v + 1) {
                Ok(_) => break,
                Err(now) => v = now,
            }
        }
        self.world.wake_waiters(offset);
        Ok(())
    }

    /// Stores a word of the heap and wakes its waiters.
    pub fn flag_set(&mut self, offset: usize, value: u32) -> SyncResult<()> {
        let word = self.world.heap_word(offset)?;
        self.world.mem.store(word, value);
        self.world.wake_waiters(offset);
        Ok(())
    }

    pub fn flag_get(&self, offset: usize) -> SyncResult<u32> {
        Ok(self.world.mem.load(self.world.heap_word(offset)?))
    }

    /// Waits while the word at `offset` is 0; false when `deadline` came first.
    pub fn flag_wait(&mut self, offset: usize, deadline: Option<&Deadline>, op: BlockedOp) -> SyncResult<bool> {
        let word = self.world.heap_word(offset)?;
        self.wait_for_object(offset, op, deadline, |ep| ep.world.mem.load(word) != 0)
    }

    /// A new pipe with a ring of at least `capacity` bytes; its offset.
    pub fn pipe_new(&mut self, capacity: usize) -> SyncResult<usize> {
        let cap = capacity.clamp(1024, 1 << 24).next_power_of_two();
        let offset = self.world.heap_alloc(pipe::HEADER_BYTES + cap)?;
        self.world.mem.store(self.world.heap_word(offset)?, cap as u32);
        Ok(offset)
    }

    /// The header words and ring capacity of the pipe at `offset`.
    fn pipe_at(&self, offset: usize) -> SyncResult<(usize, usize)> {
        let base = self.world.heap_word(offset)?;
        let cap = self.world.mem.load(base + pipe::CAPACITY) as usize;
        if !cap.is_power_of_two() || cap < 1024 {
            return Err(SyncError::Value(format!("no pipe at offset {offset}")));
        }
        self.world.check_heap(offset, pipe::HEADER_BYTES + cap)?;
        Ok((base, cap))
    }

    /// Items put and not yet taken from the pipe at `offset`.
    pub fn pipe_count(&self, offset: usize) -> SyncResult<u32> {
        let (base, _) = self.pipe_at(offset)?;
        Ok(self.world.mem.load(base + pipe::COUNT))
    }

    fn pipe_lock(
        &mut self,
        offset: usize,
        lock: usize,
        deadline: Option<&Deadline>,
        op: BlockedOp,
    ) -> SyncResult<bool> {
        let take = |ep: &mut Self| ep.world.mem.compare_exchange(lock, 0, 1).is_ok();
        if take(self) {
            return Ok(true);
        }
        self.wait_for_object(offset, op, deadline, take)
    }

    fn pipe_unlock(&mut self, offset: usize, lock: usize) {
        self.world.mem.store(lock, 0);
        self.world.wake_waiters(offset);
    }

    /// Puts one item: its length, then its bytes, streamed through the ring
    /// as room appears, so an item may be larger than the ring.
    pub fn pipe_put(&mut self, offset: usize, data: &[u8], op: BlockedOp) -> SyncResult<()> {
        let (base, _) = self.pipe_at(offset)?;
        self.pipe_lock(offset, base + pipe::PUT_LOCK, None, op)?;
        let len = u32::try_from(data.len()).map_err(|_| SyncError::Value("an item of 4 GiB or more".into()));
        let result = len.and_then(|len| {
            self.world.mem.fetch_add(base + pipe::COUNT, 1);
            self.pipe_write(offset, &len.to_le_bytes(), op)?;
            self.pipe_write(offset, data, op)
        });
        self.pipe_unlock(offset, base + pipe::PUT_LOCK);
        result
    }

    fn pipe_write(&mut self, offset: usize, mut src: &[u8], op: BlockedOp) -> SyncResult<()> {
        let (base, cap) = self.pipe_at(offset)?;
        let ring = self.world.layout.heap_offset() + offset + pipe::HEADER_BYTES;
        while !src.is_empty() {
            let room = |ep: &Self| {
                let used = ep.world.mem.load(base + pipe::HEAD).wrapping_sub(ep.world.mem.load(base + pipe::TAIL));
                cap - used as usize
            };
            if room(self) == 0 {
                self.wait_for_object(offset, op, None, |ep| room(ep) > 0)?;
            }
            let head = self.world.mem.load(base + pipe::HEAD);
            let at = head as usize & (cap - 1);
            let n = src.len().min(room(self)).min(cap - at);
            self.world.mem.write_bytes(ring + at, &src[..n]);
            self.world.mem.store(base + pipe::HEAD, head.wrapping_add(n as u32));
            self.world.wake_waiters(offset);
            src = &src[n..];
        }
        Ok(())
    }

    /// Takes the next whole item; `None` when `deadline` passed before one began.
    pub fn pipe_get(
        &mut self,
        offset: usize,
        deadline: Option<&Deadline>,
        op: BlockedOp,
    ) -> SyncResult<Option<Vec<u8>>> {
        let (base, _) = self.pipe_at(offset)?;
        if !self.pipe_lock(offset, base + pipe::GET_LOCK, deadline, op)? {
            return Ok(None);
        }
        let result = self.pipe_take(offset, base, deadline, op);
        self.pipe_unlock(offset, base + pipe::GET_LOCK);
        result
    }

    fn pipe_take(
        &mut self,
        offset: usize,
        base: usize,
        deadline: Option<&Deadline>,
        op: BlockedOp,
    ) -> SyncResult<Option<Vec<u8>>> {
        let available =
            |ep: &Self| ep.world.mem.load(base + pipe::HEAD).wrapping_sub(ep.world.mem.load(base + pipe::TAIL));
        if available(self) < 4 && !self.wait_for_object(offset, op, deadline, |ep| available(ep) >= 4)? {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        self.pipe_read(offset, &mut len, op)?;
        self.world.mem.fetch_add(base + pipe::COUNT, u32::MAX);
        // Once an item has begun, the rest is on its way: no deadline.
        let mut data = vec![0u8; u32::from_le_bytes(len) as usize];
        self.pipe_read(offset, &mut data, op)?;
        Ok(Some(data))
    }

    fn pipe_read(&mut self, offset: usize, mut dst: &mut [u8], op: BlockedOp) -> SyncResult<()> {
        let (base, cap) = self.pipe_at(offset)?;
        let ring = self.world.layout.heap_offset() + offset + pipe::HEADER_BYTES;
        while !dst.is_empty() {
            let available = |ep: &Self| {
                ep.world.mem.load(base + pipe::HEAD).wrapping_sub(ep.world.mem.load(base + pipe::TAIL)) as usize
            };
            if available(self) == 0 {
                self.wait_for_object(offset, op, None, |ep| available(ep) > 0)?;
            }
            let tail = self.world.mem.load(base + pipe::TAIL);
            let at = tail as usize & (cap - 1);
            let n = dst.len().min(available(self)).min(cap - at);
            self.world.mem.read_bytes(ring + at, &mut dst[..n]);
            self.world.mem.store(base + pipe::TAIL, tail.wrapping_add(n as u32));
            self.world.wake_waiters(offset);
            dst = &mut dst[n..];
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::memory::HeapMemory;
    use crate::world::Layout;
    use std::sync::Arc;

    /// A World of two ranks, no process slots and a 64 KiB heap.
    pub(crate) fn world() -> World {
        let mut layout = Layout::with_ring_bytes(2, 4096);
        layout.processes = 0;
        layout.heap_bytes = 64 * 1024;
        World::create(Arc::new(HeapMemory::new(layout.word_len())), layout)
    }

    #[test]
    fn a_lock_is_a_semaphore_of_one_and_blocks_across_ranks() {
        let w = world();
        let mut a = Endpoint::new(w.clone(), 0);
        let lock = w.heap_alloc(4).unwrap();
        a.sem_release(lock, Some(1)).unwrap();
        assert!(matches!(a.sem_release(lock, Some(1)), Err(SyncError::Value(_))), "released too many times");
        assert!(a.sem_acquire(lock, true, None, BlockedOp::LockAcquire).unwrap());
        assert!(!a.sem_acquire(lock, false, None, BlockedOp::LockAcquire).unwrap(), "held");
        let other = std::thread::spawn({
            let w = w.clone();
            move || {
                let mut b = Endpoint::new(w, 1);
                b.sem_acquire(lock, true, None, BlockedOp::LockAcquire).unwrap()
            }
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        a.sem_release(lock, Some(1)).unwrap();
        assert!(other.join().unwrap(), "the waiter got the lock once it was released");
    }

    #[test]
    fn pipes_carry_items_larger_than_their_ring_in_order() {
        let w = world();
        let mut a = Endpoint::new(w.clone(), 0);
        let p = a.pipe_new(1024).unwrap();
        let items: Vec<Vec<u8>> = (0..20u32).map(|i| (0..i * 500).map(|b| (b ^ i) as u8).collect()).collect();
        let reader = std::thread::spawn({
            let w = w.clone();
            let n = items.len();
            move || {
                let mut b = Endpoint::new(w, 1);
                (0..n).map(|_| b.pipe_get(p, None, BlockedOp::QueueGet).unwrap().unwrap()).collect::<Vec<_>>()
            }
        });
        for item in &items {
            a.pipe_put(p, item, BlockedOp::QueuePut).unwrap();
        }
        assert_eq!(reader.join().unwrap(), items);
        assert_eq!(a.pipe_count(p).unwrap(), 0);
        let clock = || 0.0;
        let past = Deadline { at: -1.0, clock: &clock };
        assert_eq!(a.pipe_get(p, Some(&past), BlockedOp::QueueGet).unwrap(), None, "empty: times out");
        assert!(matches!(a.pipe_get(p + 8, None, BlockedOp::QueueGet), Err(SyncError::Value(_))), "not a pipe");
    }

    #[test]
    fn the_heap_says_when_it_is_full() {
        let w = world();
        assert_eq!(w.heap_alloc(3).unwrap(), 0);
        assert_eq!(w.heap_alloc(8).unwrap(), 8, "8-aligned");
        assert!(matches!(w.heap_alloc(1 << 20), Err(SyncError::Full(_))));
    }
}
