//! NumPy's `SeedSequence`: it hashes any amount of entropy into a pool of
//! four 32-bit words and draws seeding words for bit generators from it
//! (Melissa O'Neill's seed_seq design as NumPy implements it).

const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
const XSHIFT: u32 = 16;
/// NumPy's default pool size, in 32-bit words.
pub const DEFAULT_POOL_SIZE: usize = 4;

/// A SeedSequence reduced to what it generates from: its mixed pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedSequence {
    pool: Vec<u32>,
}

/// A multiplicative hash whose constant advances on every use.
fn hashmix(value: u32, hash_const: &mut u32) -> u32 {
    let mut value = value ^ *hash_const;
    *hash_const = hash_const.wrapping_mul(MULT_A);
    value = value.wrapping_mul(*hash_const);
    value ^ (value >> XSHIFT)
}

fn mix(x: u32, y: u32) -> u32 {
    let r = MIX_MULT_L.wrapping_mul(x).wrapping_sub(MIX_MULT_R.wrapping_mul(y));
    r ^ (r >> XSHIFT)
}

/// The 32-bit words of a non-negative integer, least significant first;
/// zero is one word, as NumPy's `_int_to_uint32_array` makes it.
pub fn int_to_words(mut n: u128) -> Vec<u32> {
    let mut words = vec![];
    loop {
        words.push(n as u32);
        n >>= 32;
        if n == 0 {
            return words;
        }
    }
}

impl SeedSequence {
    /// `SeedSequence(entropy, spawn_key=spawn_key)` with both already
    /// flattened to 32-bit words, as NumPy's `_coerce_to_uint32_array` does.
    pub fn new(entropy: &[u32], spawn_key: &[u32]) -> Self {
        Self::with_pool_size(entropy, spawn_key, DEFAULT_POOL_SIZE)
    }

    /// `SeedSequence(seed)` for an integer seed.
    pub fn from_int(seed: u128) -> Self {
        Self::new(&int_to_words(seed), &[])
    }

    /// As `new`, with another pool size.
    pub fn with_pool_size(entropy: &[u32], spawn_key: &[u32], pool_size: usize) -> Self {
        // A spawn key is appended after entropy padded to the pool size, so
        // that children never collide with a parent seeded by more words.
        let mut words = entropy.to_vec();
        if !spawn_key.is_empty() && words.len() < pool_size {
            words.resize(pool_size, 0);
        }
        words.extend_from_slice(spawn_key);

        let mut hash_const = INIT_A;
        let mut pool: Vec<u32> =
            (0..pool_size).map(|i| hashmix(words.get(i).copied().unwrap_or(0), &mut hash_const)).collect();
        for src in 0..pool_size {
            for dst in 0..pool_size {
                if src != dst {
                    let hashed = hashmix(pool[src], &mut hash_const);
                    pool[dst] = mix(pool[dst], hashed);
                }
            }
        }
        for &word in words.iter().skip(pool_size) {
            for dst in 0..pool_size {
                let hashed = hashmix(word, &mut hash_const);
                pool[dst] = mix(pool[dst], hashed);
            }
        }
        SeedSequence { pool }
    }

    /// The mixed pool (`SeedSequence.pool`).
    pub fn pool(&self) -> &[u32] {
        &self.pool
    }

    /// `generate_state(n, np.uint32)`.
    pub fn generate_state_u32(&self, n: usize) -> Vec<u32> {
        let mut hash_const = INIT_B;
        self.pool
            .iter()
            .cycle()
            .take(n)
            .map(|&word| {
                let mut v = word ^ hash_const;
                hash_const = hash_const.wrapping_mul(MULT_B);
                v = v.wrapping_mul(hash_const);
                v ^ (v >> XSHIFT)
            })
            .collect()
    }

    /// `generate_state(n, np.uint64)`: twice the 32-bit words, paired
    /// little-endian as NumPy's `view(np.uint64)` pairs them.
    pub fn generate_state_u64(&self, n: usize) -> Vec<u64> {
        self.generate_state_u32(2 * n).chunks(2).map(|pair| pair[0] as u64 | (pair[1] as u64) << 32).collect()
    }
}
