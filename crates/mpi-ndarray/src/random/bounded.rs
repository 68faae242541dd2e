//! Integers in a closed range [off, off + rng] from raw bits, the way
//! NumPy's `random_bounded_*_fill` draws them: masked rejection (the legacy
//! `RandomState.randint`) or Lemire's multiply-shift (the `Generator`), with
//! 8- and 16-bit (and boolean) draws carved out of one buffered 32-bit word.

use crate::random::{BitGenerator, Error};

/// The integer dtypes `randint`/`integers` can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntKind {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl IntKind {
    /// The kind for a NumPy dtype name (`"int64"`, `"uint8"`, `"bool"`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "bool" => IntKind::Bool,
            "int8" => IntKind::I8,
            "int16" => IntKind::I16,
            "int32" => IntKind::I32,
            "int64" => IntKind::I64,
            "uint8" => IntKind::U8,
            "uint16" => IntKind::U16,
            "uint32" => IntKind::U32,
            "uint64" => IntKind::U64,
            _ => return None,
        })
    }

    /// NumPy's name for the dtype, as its error messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            IntKind::Bool => "bool",
            IntKind::I8 => "int8",
            IntKind::I16 => "int16",
            IntKind::I32 => "int32",
            IntKind::I64 => "int64",
            IntKind::U8 => "uint8",
            IntKind::U16 => "uint16",
            IntKind::U32 => "uint32",
            IntKind::U64 => "uint64",
        }
    }

    /// Width in bits (1 for bool).
    pub fn bits(self) -> u32 {
        match self {
            IntKind::Bool => 1,
            IntKind::I8 | IntKind::U8 => 8,
            IntKind::I16 | IntKind::U16 => 16,
            IntKind::I32 | IntKind::U32 => 32,
            IntKind::I64 | IntKind::U64 => 64,
        }
    }

    /// Bytes per element when packed.
    pub fn itemsize(self) -> usize {
        (self.bits() as usize).div_ceil(8)
    }

    fn signed(self) -> bool {
        matches!(self, IntKind::I8 | IntKind::I16 | IntKind::I32 | IntKind::I64)
    }

    /// The smallest and largest value of the dtype.
    pub fn bounds(self) -> (i128, i128) {
        let bits = self.bits();
        if self.signed() { (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1) } else { (0, (1i128 << bits) - 1) }
    }

    /// The value a raw draw stands for: the low `bits` of it, sign-extended
    /// for signed kinds (offsets are added in two's complement).
    pub fn value(self, raw: u64) -> i128 {
        let bits = self.bits();
        if bits == 64 {
            return if self.signed() { raw as i64 as i128 } else { raw as i128 };
        }
        let low = raw & ((1u64 << bits) - 1);
        if self.signed() && low >> (bits - 1) == 1 { low as i128 - (1i128 << bits) } else { low as i128 }
    }

    /// Appends a raw draw in native byte order, `itemsize` bytes.
    pub fn pack(self, raw: u64, out: &mut Vec<u8>) {
        let bytes = raw.to_ne_bytes();
        match self.itemsize() {
            8 => out.extend_from_slice(&bytes),
            4 => out.extend_from_slice(&(raw as u32).to_ne_bytes()),
            2 => out.extend_from_slice(&(raw as u16).to_ne_bytes()),
            _ => out.push(raw as u8),
        }
    }
}

/// The smallest `2**k - 1` that is >= `max`.
pub fn gen_mask(max: u64) -> u64 {
    if max == 0 { 0 } else { u64::MAX >> max.leading_zeros() }
}

/// Validates `[low, high)` (or `[low, high]` when `closed`) for `kind` with
/// NumPy's messages, and returns the `(off, rng)` the fills take.
pub fn int_range(low: i128, high: i128, closed: bool, kind: IntKind) -> Result<(u64, u64), Error> {
    let (lb, ub) = kind.bounds();
    // The generators draw on a closed interval, so an open one loses its top.
    let high = if closed { high } else { high - 1 };
    if low < lb {
        return Err(Error::value(format!("low is out of bounds for {}", kind.name())));
    }
    if high > ub {
        return Err(Error::value(format!("high is out of bounds for {}", kind.name())));
    }
    if low > high {
        return Err(Error::value(bounds_error(closed, low == 0)));
    }
    Ok((low as u64, (high - low) as u64))
}

/// NumPy's message for an empty range; `low == 0` gets its own wording
/// because that is the one-argument `randint(high)` case.
pub fn bounds_error(closed: bool, low_is_zero: bool) -> String {
    match (low_is_zero, closed) {
        (true, true) => "high < 0".into(),
        (true, false) => "high <= 0".into(),
        (false, true) => "low > high".into(),
        (false, false) => "low >= high".into(),
    }
}

fn masked_u64<B: BitGenerator>(bg: &mut B, rng: u64, mask: u64) -> u64 {
    loop {
        let v = bg.next_u64() & mask;
        if v <= rng {
            return v;
        }
    }
}

fn masked_u32<B: BitGenerator>(bg: &mut B, rng: u64, mask: u64) -> u64 {
    loop {
        let v = bg.next_u32() as u64 & mask;
        if v <= rng {
            return v;
        }
    }
}

/// Lemire's method: the high word of draw * (rng + 1), rejecting the few
/// low words that would bias it.
fn lemire_u64<B: BitGenerator>(bg: &mut B, rng: u64) -> u64 {
    let excl = rng + 1;
    let mut m = bg.next_u64() as u128 * excl as u128;
    if (m as u64) < excl {
        let threshold = excl.wrapping_neg() % excl;
        while (m as u64) < threshold {
            m = bg.next_u64() as u128 * excl as u128;
        }
    }
    (m >> 64) as u64
}

/// Lemire's method at 8, 16 or 32 bits, drawing `bits`-wide words from
/// `draw` and working modulo `2**bits`.
fn lemire_narrow(rng: u64, bits: u32, mut draw: impl FnMut() -> u64) -> u64 {
    let word = (1u64 << bits) - 1;
    let excl = rng + 1;
    let mut m = draw() * excl;
    if m & word < excl {
        let threshold = (word - rng) % excl;
        while m & word < threshold {
            m = draw() * excl;
        }
    }
    m >> bits
}

/// NumPy's `random_bounded_uint64` (one draw, no buffer), which
/// `Generator.choice` and the array-bounds paths use.
pub fn bounded_u64<B: BitGenerator>(bg: &mut B, off: u64, rng: u64, masked: bool) -> u64 {
    let v = if rng == 0 {
        0
    } else if rng == 0xFFFF_FFFF {
        bg.next_u32() as u64
    } else if rng < 0xFFFF_FFFF {
        if masked { masked_u32(bg, rng, gen_mask(rng)) } else { lemire_narrow(rng, 32, || bg.next_u32() as u64) }
    } else if rng == u64::MAX {
        bg.next_u64()
    } else if masked {
        masked_u64(bg, rng, gen_mask(rng))
    } else {
        lemire_u64(bg, rng)
    };
    off.wrapping_add(v)
}

/// Narrow words cut from one 32-bit draw, lowest first: NumPy's
/// `buffered_uint8`/`uint16` and the one-bit draws of `buffered_bounded_bool`.
struct Buffer {
    word: u32,
    left: u32,
}

impl Buffer {
    fn take<B: BitGenerator>(&mut self, bg: &mut B, bits: u32) -> u64 {
        if self.left == 0 {
            self.word = bg.next_u32();
            self.left = 32 / bits - 1;
        } else {
            self.word >>= bits;
            self.left -= 1;
        }
        (self.word as u64) & ((1u64 << bits) - 1)
    }
}

/// `cnt` draws on [off, off + rng] for `kind`, as NumPy's
/// `random_bounded_<kind>_fill` makes them. Results are raw 64-bit sums;
/// `IntKind::value` reads them.
pub fn bounded_fill<B: BitGenerator>(
    bg: &mut B,
    off: u64,
    rng: u64,
    kind: IntKind,
    masked: bool,
    cnt: usize,
) -> Vec<u64> {
    let bits = kind.bits();
    if rng == 0 {
        return vec![off; cnt];
    }
    if bits >= 32 {
        // Within 32 bits the draws take no buffer, so one draw at a time is
        // exactly the fill; the mask is computed once either way.
        return (0..cnt).map(|_| bounded_u64(bg, off, rng, masked)).collect();
    }
    let mut buf = Buffer { word: 0, left: 0 };
    if bits == 1 {
        return (0..cnt).map(|_| off.wrapping_add(buf.take(bg, 1))).collect();
    }
    let full = (1u64 << bits) - 1;
    let mask = gen_mask(rng);
    (0..cnt)
        .map(|_| {
            let v = if rng == full {
                buf.take(bg, bits)
            } else if masked {
                loop {
                    let v = buf.take(bg, bits) & mask;
                    if v <= rng {
                        break v;
                    }
                }
            } else {
                lemire_narrow(rng, bits, || buf.take(bg, bits))
            };
            off.wrapping_add(v)
        })
        .collect()
}

/// A uniform integer in [0, max] by masked rejection: NumPy's
/// `random_interval`, which both shuffles use.
pub fn random_interval<B: BitGenerator>(bg: &mut B, max: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    let mask = gen_mask(max);
    if max <= 0xFFFF_FFFF { masked_u32(bg, max, mask) } else { masked_u64(bg, max, mask) }
}

/// The order a Fisher-Yates shuffle of `n` items leaves them in, swapping
/// i = n-1 down to 1 with `random_interval(i)`: item k of the shuffled
/// sequence is item `order[k]` of the original.
pub fn shuffle_order<B: BitGenerator>(bg: &mut B, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = random_interval(bg, i as u64) as usize;
        order.swap(i, j);
    }
    order
}
