//! The tables of the Generator's 256-layer ziggurat for the standard normal,
//! built at first use from their definition (Marsaglia and Tsang 2000) rather
//! than stored.
//!
//! Layer edges x[0] = 0 < x[1] < ... < x[255] = R are fixed by equal areas
//! V: starting at R, each inner edge solves f(x[i-1]) = f(x[i]) + V / x[i]
//! with f(x) = exp(-x*x/2). Then `ki[i] = round(2**52 * x[i-1] / x[i])`,
//! `wi[i] = x[i] / 2**52`, `fi[i] = f(x[i])`, with the base layer (index 0)
//! spanning R * f(R) / V of the tail strip.
//!
//! NumPy's stored tables were printed from a run of this same recurrence on
//! some machine whose `log`/`exp` rounded differently in a few last bits:
//! computed here in f64 with a correctly rounded libm, entries near the top
//! layers (small indices, where the recurrence has accumulated the most
//! rounding) differ from NumPy's in their last bit, so draws that land in
//! those layers can differ in their last bit from NumPy's.

use crate::libc_math;
use std::sync::OnceLock;

/// The start of the tail, R.
pub(crate) const R: f64 = 3.654_152_885_361_008_8;
/// 1 / R, as NumPy rounds it.
pub(crate) const INV_R: f64 = 0.273_661_237_329_758_28;
/// The area of each layer, V.
const V: f64 = 0.004_928_673_233_974_652;
const LAYERS: usize = 256;

pub(crate) struct Tables {
    pub ki: [u64; LAYERS],
    pub wi: [f64; LAYERS],
    pub fi: [f64; LAYERS],
}

fn f(x: f64) -> f64 {
    libc_math::exp(-0.5 * x * x)
}

fn build() -> Tables {
    let scale = (1u64 << 52) as f64;
    let mut x = [0.0f64; LAYERS];
    x[LAYERS - 1] = R;
    for i in (1..LAYERS - 1).rev() {
        x[i] = (-2.0 * libc_math::log(f(x[i + 1]) + V / x[i + 1])).sqrt();
    }
    let mut t = Tables { ki: [0; LAYERS], wi: [0.0; LAYERS], fi: [0.0; LAYERS] };
    for i in 1..LAYERS {
        t.ki[i] = (x[i - 1] / x[i] * scale).round_ties_even() as u64;
    }
    t.ki[0] = (R * f(R) / V * scale).round_ties_even() as u64;
    for i in 0..LAYERS {
        t.wi[i] = x[i] / scale;
        t.fi[i] = f(x[i]);
    }
    t.wi[0] = V / f(R) / scale;
    t
}

pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}
