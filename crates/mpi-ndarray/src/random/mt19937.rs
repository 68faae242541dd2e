//! The Mersenne Twister MT19937, as NumPy's `MT19937` and the legacy
//! `RandomState` run it: NumPy's two seeding paths (one 32-bit word, or
//! `init_by_array` for an array of words), the SeedSequence path of
//! `np.random.MT19937(seed)`, and the 53-bit double of `random_sample`.

use crate::random::{BitGenerator, SeedSequence};

/// The number of 32-bit words of state.
pub const STATE_LEN: usize = 624;
const SHIFT: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// MT19937's state: 624 words and the position of the next one to temper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mt19937 {
    key: [u32; STATE_LEN],
    pos: usize,
}

impl Mt19937 {
    /// `np.random.seed(n)` for 0 <= n < 2**32: Knuth's linear recurrence
    /// fills the key, and the first draw regenerates it.
    pub fn new_legacy(seed: u32) -> Self {
        let mut key = [0u32; STATE_LEN];
        let mut s = seed;
        for (i, word) in key.iter_mut().enumerate() {
            *word = s;
            s = 1_812_433_253u32.wrapping_mul(s ^ (s >> 30)).wrapping_add(i as u32 + 1);
        }
        Mt19937 { key, pos: STATE_LEN }
    }

    /// `np.random.seed([a, b, ...])`: the reference `init_by_array`, which
    /// NumPy uses for every array seed (even one of a single word).
    pub fn from_key_array(init: &[u32]) -> Self {
        let mut mt = Self::new_legacy(19_650_218);
        let key = &mut mt.key;
        let n = STATE_LEN;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..n.max(init.len()) {
            let prev = key[i - 1] ^ (key[i - 1] >> 30);
            key[i] = (key[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(init.get(j).copied().unwrap_or(0))
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= n {
                key[0] = key[n - 1];
                i = 1;
            }
            if j >= init.len() {
                j = 0;
            }
        }
        for _ in 0..n - 1 {
            let prev = key[i - 1] ^ (key[i - 1] >> 30);
            key[i] = (key[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= n {
                key[0] = key[n - 1];
                i = 1;
            }
        }
        // The top bit set guarantees a nonzero state whatever the seed.
        key[0] = 0x8000_0000;
        mt.pos = STATE_LEN;
        mt
    }

    /// `np.random.MT19937(seed)`: 624 words from the SeedSequence, the first
    /// replaced by the top bit. NumPy's loop leaves `pos` at 623, so the
    /// first draw tempers word 623 before the key is regenerated.
    pub fn from_seed_sequence(seq: &SeedSequence) -> Self {
        let words = seq.generate_state_u32(STATE_LEN);
        let mut key = [0u32; STATE_LEN];
        key.copy_from_slice(&words);
        key[0] = 0x8000_0000;
        Mt19937 { key, pos: STATE_LEN - 1 }
    }

    /// A state as `get_state()` reported it.
    pub fn from_state(key: [u32; STATE_LEN], pos: usize) -> Self {
        Mt19937 { key, pos }
    }

    /// The 624 words, as `get_state()` reports them.
    pub fn key(&self) -> &[u32; STATE_LEN] {
        &self.key
    }

    /// The position, as `get_state()` reports it.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Regenerates all 624 words (the "twist").
    fn twist(&mut self) {
        let key = &mut self.key;
        for i in 0..STATE_LEN {
            let y = (key[i] & UPPER_MASK) | (key[(i + 1) % STATE_LEN] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            key[i] = key[(i + SHIFT) % STATE_LEN] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }
}

impl BitGenerator for Mt19937 {
    fn next_u32(&mut self) -> u32 {
        if self.pos >= STATE_LEN {
            self.twist();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Two words, the first one high, as NumPy's `mt19937_next64`.
    fn next_u64(&mut self) -> u64 {
        let hi = self.next_u32() as u64;
        (hi << 32) | self.next_u32() as u64
    }

    /// 27 bits then 26 bits make the 53-bit mantissa (randomkit's recipe).
    fn next_double(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }
}
