//! NumPy's random streams, bit-exact with NumPy 2.4 for the same seed.
//!
//! As in `numpy/random`, the bit generators are kept apart from what is drawn
//! from them. `mt19937` and `pcg64` make raw bits (`pcg64` seeded through
//! `seed_sequence`); `bounded` turns bits into integers in a range (NumPy's
//! masked rejection and Lemire's method); `ziggurat` builds the tables of the
//! Generator's normal sampler. The two front ends are `legacy` (the
//! `RandomState` behind `np.random.seed`/`rand`/`randint`/...) and `generator`
//! (the distributions of `np.random.default_rng()`'s `Generator`).
//!
//! Everything here works on plain numbers and vectors; shapes, dtypes and
//! Python objects belong to the callers.

pub mod bounded;
pub mod generator;
pub mod legacy;
pub mod mt19937;
pub mod pcg64;
pub mod seed_sequence;
mod weights;
mod ziggurat;

pub use bounded::IntKind;
pub use legacy::RandomState;
pub use mt19937::Mt19937;
pub use pcg64::Pcg64;
pub use seed_sequence::SeedSequence;

/// A source of raw random bits, NumPy's `bitgen_t`.
///
/// The distributions only ever ask for these three things, so every
/// distribution works with every generator, as NumPy's C functions do.
pub trait BitGenerator {
    /// The next 32 random bits.
    fn next_u32(&mut self) -> u32;
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;
    /// A double in [0, 1), each generator with its own recipe.
    fn next_double(&mut self) -> f64;
}

/// An argument NumPy would refuse, with the Python exception it raises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Raised as `ValueError(message)`.
    Value(String),
    /// Raised as `OverflowError(message)`.
    Overflow(String),
}

impl Error {
    pub(crate) fn value(message: impl Into<String>) -> Self {
        Error::Value(message.into())
    }

    /// The exception's message, whatever its type.
    pub fn message(&self) -> &str {
        match self {
            Error::Value(m) | Error::Overflow(m) => m,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Value(m) => write!(f, "ValueError: {m}"),
            Error::Overflow(m) => write!(f, "OverflowError: {m}"),
        }
    }
}

impl std::error::Error for Error {}
