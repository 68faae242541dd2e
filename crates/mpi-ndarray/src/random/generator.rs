//! The distributions of NumPy's `Generator` (`np.random.default_rng()`),
//! over any bit generator: `random`, `integers` (Lemire's method),
//! `uniform`, `standard_normal`/`normal` (the ziggurat), `shuffle`,
//! `permutation` and `choice` as NumPy's `_generator.pyx` draws them.

use crate::libc_math;
use crate::random::bounded::{self, IntKind};
use crate::random::weights::{self, Flavour};
use crate::random::ziggurat;
use crate::random::{BitGenerator, Error};

/// `random()`: the top 53 bits of a 64-bit draw over 2**53.
pub fn random<B: BitGenerator>(bg: &mut B) -> f64 {
    bg.next_double()
}

/// `random(dtype=np.float32)`: 24 bits of a 32-bit draw.
pub fn random_f32<B: BitGenerator>(bg: &mut B) -> f32 {
    (bg.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// `uniform(low, high)`: `low + (high - low) * random()`.
pub fn uniform<B: BitGenerator>(bg: &mut B, low: f64, high: f64) -> f64 {
    low + (high - low) * bg.next_double()
}

/// `standard_normal()` by the ziggurat: one 64-bit draw gives the layer
/// (8 bits), the sign (1 bit) and a 52-bit abscissa; the rare draws outside
/// a layer's core are resolved against the density or, in the base layer,
/// sampled from the tail.
pub fn standard_normal<B: BitGenerator>(bg: &mut B) -> f64 {
    let t = ziggurat::tables();
    loop {
        let r = bg.next_u64();
        let idx = (r & 0xff) as usize;
        let r = r >> 8;
        let negative = r & 1 == 1;
        let rabs = (r >> 1) & 0x000f_ffff_ffff_ffff;
        let mut x = rabs as f64 * t.wi[idx];
        if negative {
            x = -x;
        }
        if rabs < t.ki[idx] {
            return x;
        }
        if idx == 0 {
            // The tail beyond R (Marsaglia's method); 1 - U keeps log away
            // from zero.
            loop {
                let xx = -ziggurat::INV_R * libc_math::log1p(-bg.next_double());
                let yy = -libc_math::log1p(-bg.next_double());
                if yy + yy > xx * xx {
                    return if (rabs >> 8) & 1 == 1 { -(ziggurat::R + xx) } else { ziggurat::R + xx };
                }
            }
        }
        if (t.fi[idx - 1] - t.fi[idx]) * bg.next_double() + t.fi[idx] < libc_math::exp(-0.5 * x * x) {
            return x;
        }
    }
}

/// `normal(loc, scale)`: `loc + scale * standard_normal()`.
pub fn normal<B: BitGenerator>(bg: &mut B, loc: f64, scale: f64) -> f64 {
    loc + scale * standard_normal(bg)
}

/// `integers(low, high, size=n, dtype=kind, endpoint=endpoint)` as raw
/// draws (`IntKind::value` reads them), by Lemire's method.
pub fn integers<B: BitGenerator>(
    bg: &mut B,
    low: i128,
    high: i128,
    endpoint: bool,
    kind: IntKind,
    n: usize,
) -> Result<Vec<u64>, Error> {
    let (off, rng) = bounded::int_range(low, high, endpoint, kind)?;
    Ok(bounded::bounded_fill(bg, off, rng, kind, false, n))
}

/// The order `shuffle` leaves `n` items in: item k becomes the old item
/// `order[k]`.
pub fn shuffle_order<B: BitGenerator>(bg: &mut B, n: usize) -> Vec<usize> {
    bounded::shuffle_order(bg, n)
}

/// `permutation(n)`: a shuffled `arange(n)`.
pub fn permutation<B: BitGenerator>(bg: &mut B, n: usize) -> Vec<i64> {
    shuffle_order(bg, n).into_iter().map(|i| i as i64).collect()
}

/// NumPy's `_shuffle_int`: shuffles `data[first..]` from the end down with
/// `random_bounded_uint64` (Lemire), as `choice` does.
fn shuffle_int<B: BitGenerator>(bg: &mut B, data: &mut [i64], first: usize) {
    for i in (first.max(1)..data.len()).rev() {
        let j = bounded::bounded_u64(bg, 0, i as u64, false) as usize;
        data.swap(i, j);
    }
}

/// The indices `choice(pop_size, size, replace, p, shuffle=shuffle)` picks,
/// in order. `atol` is the tolerance on the sum of `p` (see the legacy
/// `choice`).
pub fn choice<B: BitGenerator>(
    bg: &mut B,
    pop_size: usize,
    size: usize,
    replace: bool,
    p: Option<&[f64]>,
    atol: f64,
    shuffle: bool,
) -> Result<Vec<i64>, Error> {
    if pop_size == 0 && size != 0 {
        return Err(Error::value("a cannot be empty unless no samples are taken"));
    }
    if let Some(p) = p {
        weights::check_p(p, pop_size, atol, Flavour::Generator)?;
    }
    match (replace, p) {
        (true, Some(p)) => {
            let cdf = weights::cdf(p);
            Ok((0..size).map(|_| weights::search_right(&cdf, bg.next_double())).collect())
        }
        (true, None) => {
            Ok(integers(bg, 0, pop_size as i128, false, IntKind::I64, size)?.into_iter().map(|v| v as i64).collect())
        }
        (false, _) if size > pop_size => {
            Err(Error::value("Cannot take a larger sample than population when replace is False"))
        }
        (false, Some(p)) => weights::unique_weighted(p, size, || bg.next_double()),
        (false, None) => Ok(sample_without_replacement(bg, pop_size, size, shuffle)),
    }
}

/// NumPy's two ways to draw distinct indices: a partial shuffle of the
/// whole range when the sample is a large part of a large population,
/// Floyd's algorithm with an open-addressing set otherwise.
fn sample_without_replacement<B: BitGenerator>(bg: &mut B, pop_size: usize, size: usize, shuffle: bool) -> Vec<i64> {
    let cutoff = if shuffle { 50 } else { 20 };
    if pop_size > 10_000 && size > pop_size / cutoff {
        let mut idx: Vec<i64> = (0..pop_size as i64).collect();
        shuffle_int(bg, &mut idx, (pop_size - size).max(1));
        return idx.split_off(pop_size - size);
    }
    let mask = bounded::gen_mask((1.2 * size as f64) as u64);
    const EMPTY: u64 = u64::MAX;
    let mut set = vec![EMPTY; mask as usize + 1];
    let mut idx = Vec::with_capacity(size);
    for j in (pop_size - size) as u64..pop_size as u64 {
        let val = bounded::bounded_u64(bg, 0, j, false);
        let mut loc = (val & mask) as usize;
        while set[loc] != EMPTY && set[loc] != val {
            loc = (loc + 1) & mask as usize;
        }
        if set[loc] == EMPTY {
            set[loc] = val;
            idx.push(val as i64);
        } else {
            // `val` was taken earlier, so `j` (new at this step) is taken.
            let mut loc = (j & mask) as usize;
            while set[loc] != EMPTY {
                loc = (loc + 1) & mask as usize;
            }
            set[loc] = j;
            idx.push(j as i64);
        }
    }
    if shuffle {
        shuffle_int(bg, &mut idx, 1);
    }
    idx
}
