//! PCG64 (O'Neill's 128-bit LCG with the XSL-RR output), the bit generator
//! behind `np.random.default_rng()`, with NumPy's buffered 32-bit draws.

use crate::random::{BitGenerator, SeedSequence};

/// The 128-bit LCG multiplier of PCG64.
const MULTIPLIER: u128 = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645;

/// PCG64's state: the LCG, its (odd) increment, and the upper half of the
/// last 64-bit draw when a 32-bit draw has used only its lower half.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcg64 {
    state: u128,
    inc: u128,
    buffered: Option<u32>,
}

impl Pcg64 {
    /// `pcg64_srandom_r`: the stream is selected by `initseq`, and the
    /// state is stepped once on each side of adding `initstate`.
    pub fn new(initstate: u128, initseq: u128) -> Self {
        let mut pcg = Pcg64 { state: 0, inc: (initseq << 1) | 1, buffered: None };
        pcg.step();
        pcg.state = pcg.state.wrapping_add(initstate);
        pcg.step();
        pcg
    }

    /// `np.random.PCG64(seed)`: four 64-bit words of the SeedSequence, the
    /// first two (high word first) the state, the last two the stream.
    pub fn from_seed_sequence(seq: &SeedSequence) -> Self {
        let w = seq.generate_state_u64(4);
        let join = |hi: u64, lo: u64| ((hi as u128) << 64) | lo as u128;
        Self::new(join(w[0], w[1]), join(w[2], w[3]))
    }

    /// A state as `PCG64().state` reports it: `state`, `inc`, `has_uint32`,
    /// `uinteger`.
    pub fn from_state(state: u128, inc: u128, has_uint32: bool, uinteger: u32) -> Self {
        Pcg64 { state, inc, buffered: has_uint32.then_some(uinteger) }
    }

    /// `(state, inc, has_uint32, uinteger)`, as `PCG64().state` reports it.
    pub fn state(&self) -> (u128, u128, bool, u32) {
        (self.state, self.inc, self.buffered.is_some(), self.buffered.unwrap_or(0))
    }

    fn step(&mut self) {
        self.state = self.state.wrapping_mul(MULTIPLIER).wrapping_add(self.inc);
    }

    /// `PCG64.advance(delta)`: jumps `delta` steps in O(log delta) (Brown's
    /// algorithm for LCG jumps) and, as NumPy does, forgets a buffered half.
    pub fn advance(&mut self, mut delta: u128) {
        let (mut acc_mult, mut acc_plus) = (1u128, 0u128);
        let (mut cur_mult, mut cur_plus) = (MULTIPLIER, self.inc);
        while delta > 0 {
            if delta & 1 == 1 {
                acc_mult = acc_mult.wrapping_mul(cur_mult);
                acc_plus = acc_plus.wrapping_mul(cur_mult).wrapping_add(cur_plus);
            }
            cur_plus = cur_mult.wrapping_add(1).wrapping_mul(cur_plus);
            cur_mult = cur_mult.wrapping_mul(cur_mult);
            delta >>= 1;
        }
        self.state = acc_mult.wrapping_mul(self.state).wrapping_add(acc_plus);
        self.buffered = None;
    }
}

impl BitGenerator for Pcg64 {
    /// Step, then XSL-RR: xor the halves, rotate by the top six bits.
    fn next_u64(&mut self) -> u64 {
        self.step();
        let folded = ((self.state >> 64) as u64) ^ (self.state as u64);
        folded.rotate_right((self.state >> 122) as u32)
    }

    /// The low half of a 64-bit draw, then its high half on the next call.
    fn next_u32(&mut self) -> u32 {
        if let Some(high) = self.buffered.take() {
            return high;
        }
        let draw = self.next_u64();
        self.buffered = Some((draw >> 32) as u32);
        draw as u32
    }

    /// The top 53 bits of a 64-bit draw.
    fn next_double(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
}
