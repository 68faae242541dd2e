//! The legacy `RandomState`: MT19937 plus the cached second normal of the
//! polar method, and the distributions of `np.random.rand`, `randn`,
//! `randint`, `uniform`, `normal`, `shuffle`, `permutation` and `choice` as
//! NumPy's `mtrand` draws them (masked rejection for integers).

use crate::libc_math;
use crate::random::bounded::{self, IntKind};
use crate::random::mt19937::{Mt19937, STATE_LEN};
use crate::random::weights::{self, Flavour};
use crate::random::{BitGenerator, Error};

/// `np.random.RandomState`'s state.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomState {
    mt: Mt19937,
    gauss: Option<f64>,
}

/// `get_state()`'s tuple: ('MT19937', key, pos, has_gauss, cached_gaussian).
#[derive(Clone, Debug, PartialEq)]
pub struct LegacyState {
    pub key: Vec<u32>,
    pub pos: usize,
    pub has_gauss: bool,
    pub gauss: f64,
}

impl RandomState {
    /// `RandomState(n)` / `seed(n)` for 0 <= n < 2**32.
    pub fn new(seed: u32) -> Self {
        RandomState { mt: Mt19937::new_legacy(seed), gauss: None }
    }

    /// `RandomState([a, b, ...])`: an array seed of 32-bit words.
    pub fn from_array(words: &[u32]) -> Self {
        RandomState { mt: Mt19937::from_key_array(words), gauss: None }
    }

    /// A RandomState over an existing MT19937 (`RandomState(MT19937(s))`).
    pub fn from_bit_generator(mt: Mt19937) -> Self {
        RandomState { mt, gauss: None }
    }

    /// Checks the words of a seed as NumPy's `_legacy_seeding` does, then
    /// seeds: one integer by `new`, a sequence by `from_array`.
    pub fn from_seed(seed: &LegacySeed) -> Result<Self, Error> {
        let out_of_range = || Error::value("Seed must be between 0 and 2**32 - 1");
        match seed {
            LegacySeed::Int(n) => u32::try_from(*n).map(Self::new).map_err(|_| out_of_range()),
            LegacySeed::Array(words) => {
                if words.is_empty() {
                    return Err(Error::value("Seed must be non-empty"));
                }
                let words: Vec<u32> =
                    words.iter().map(|&w| u32::try_from(w).map_err(|_| out_of_range())).collect::<Result<_, _>>()?;
                Ok(Self::from_array(&words))
            }
        }
    }

    /// The bit generator, for raw draws.
    pub fn bit_generator(&mut self) -> &mut Mt19937 {
        &mut self.mt
    }

    /// `get_state(legacy=True)`.
    pub fn get_state(&self) -> LegacyState {
        LegacyState {
            key: self.mt.key().to_vec(),
            pos: self.mt.pos(),
            has_gauss: self.gauss.is_some(),
            gauss: self.gauss.unwrap_or(0.0),
        }
    }

    /// `set_state(state)`.
    pub fn set_state(&mut self, state: &LegacyState) -> Result<(), Error> {
        let key: [u32; STATE_LEN] =
            state.key.as_slice().try_into().map_err(|_| Error::value("state must be 624 elements"))?;
        self.mt = Mt19937::from_state(key, state.pos);
        self.gauss = state.has_gauss.then_some(state.gauss);
        Ok(())
    }

    /// `random_sample()`: a double in [0, 1) with 53 random bits.
    pub fn random_sample(&mut self) -> f64 {
        self.mt.next_double()
    }

    /// `n` draws of `random_sample()`.
    pub fn random_samples(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.random_sample()).collect()
    }

    /// `standard_normal()`: Marsaglia's polar method, which makes two
    /// normals per accepted point and keeps the second for the next call.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        let (x1, x2, r2) = loop {
            let x1 = 2.0 * self.mt.next_double() - 1.0;
            let x2 = 2.0 * self.mt.next_double() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                break (x1, x2, r2);
            }
        };
        // `ln` is the platform's log; glibc's (and musl's, the same code)
        // is what NumPy's `log` calls on Linux.
        let f = (-2.0 * libc_math::log(r2) / r2).sqrt();
        self.gauss = Some(f * x1);
        f * x2
    }

    /// `n` draws of `standard_normal()`.
    pub fn standard_normals(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.standard_normal()).collect()
    }

    /// `normal(loc, scale)`: `loc + scale * standard_normal()`. NumPy checks
    /// `scale >= 0` first (`check_scale`).
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.standard_normal()
    }

    /// `uniform(low, high)` as `low + (high - low) * random_sample()`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// `randint(low, high, size=n, dtype=kind)`, as raw draws
    /// (`IntKind::value` reads them). `high` is exclusive.
    pub fn randint(&mut self, low: i128, high: i128, kind: IntKind, n: usize) -> Result<Vec<u64>, Error> {
        let (off, rng) = bounded::int_range(low, high, false, kind)?;
        Ok(bounded::bounded_fill(&mut self.mt, off, rng, kind, true, n))
    }

    /// The order `shuffle` leaves `n` items in: item k becomes the old item
    /// `order[k]`.
    pub fn shuffle_order(&mut self, n: usize) -> Vec<usize> {
        bounded::shuffle_order(&mut self.mt, n)
    }

    /// `permutation(n)`: a shuffled `arange(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<i64> {
        self.shuffle_order(n).into_iter().map(|i| i as i64).collect()
    }

    /// The indices `choice(pop_size, size, replace, p)` picks, in order.
    /// `atol` is NumPy's tolerance on the sum of `p`: the square root of
    /// `p`'s float epsilon, at least that of float64.
    pub fn choice(
        &mut self,
        pop_size: usize,
        size: usize,
        replace: bool,
        p: Option<&[f64]>,
        atol: f64,
    ) -> Result<Vec<i64>, Error> {
        if pop_size == 0 && size != 0 {
            return Err(Error::value("'a' cannot be empty unless no samples are taken"));
        }
        if let Some(p) = p {
            weights::check_p(p, pop_size, atol, Flavour::Legacy)?;
        }
        match (replace, p) {
            (true, Some(p)) => {
                let cdf = weights::cdf(p);
                Ok((0..size).map(|_| weights::search_right(&cdf, self.random_sample())).collect())
            }
            (true, None) => {
                Ok(self.randint(0, pop_size as i128, IntKind::I64, size)?.into_iter().map(|v| v as i64).collect())
            }
            (false, _) if size > pop_size => {
                Err(Error::value("Cannot take a larger sample than population when 'replace=False'"))
            }
            (false, Some(p)) => weights::unique_weighted(p, size, || self.random_sample()),
            (false, None) => {
                let mut perm = self.permutation(pop_size);
                perm.truncate(size);
                Ok(perm)
            }
        }
    }
}

/// A legacy seed: one integer, or a 1-d sequence of them. Python ints that
/// do not fit in i128 can be passed as any out-of-range value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegacySeed {
    Int(i128),
    Array(Vec<i128>),
}
