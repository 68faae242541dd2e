//! Sampling with probabilities `p`, shared by both `choice` methods: the
//! checks on `p` and NumPy's cumulative-sum-and-search sampler.

use crate::random::Error;

/// Which front end's messages to use: the legacy ones are lower-case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavour {
    Legacy,
    Generator,
}

/// NumPy's `kahan_sum`, a compensated sum that starts from the first term.
fn kahan_sum(p: &[f64]) -> f64 {
    let Some((&first, rest)) = p.split_first() else { return 0.0 };
    let (mut sum, mut c) = (first, 0.0);
    for &x in rest {
        let y = x - c;
        let t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    sum
}

/// The checks NumPy makes on `p` once it has the population size.
pub(crate) fn check_p(p: &[f64], pop_size: usize, atol: f64, flavour: Flavour) -> Result<(), Error> {
    let legacy = flavour == Flavour::Legacy;
    if p.len() != pop_size {
        return Err(Error::value(if legacy {
            "'a' and 'p' must have same size"
        } else {
            "a and p must have same size"
        }));
    }
    let sum = kahan_sum(p);
    if sum.is_nan() {
        return Err(Error::value(if legacy { "probabilities contain NaN" } else { "Probabilities contain NaN" }));
    }
    if p.iter().any(|&x| x < 0.0) {
        return Err(Error::value(if legacy {
            "probabilities are not non-negative"
        } else {
            "Probabilities are not non-negative"
        }));
    }
    if (sum - 1.0).abs() > atol {
        return Err(Error::value(if legacy {
            "probabilities do not sum to 1"
        } else {
            "Probabilities do not sum to 1. See Notes section of docstring for more information."
        }));
    }
    Ok(())
}

/// `cumsum(p) / cumsum(p)[-1]`, summed left to right as `np.cumsum` does.
pub(crate) fn cdf(p: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    let mut cdf: Vec<f64> = p
        .iter()
        .map(|&x| {
            acc += x;
            acc
        })
        .collect();
    let last = *cdf.last().unwrap_or(&1.0);
    cdf.iter_mut().for_each(|c| *c /= last);
    cdf
}

/// `cdf.searchsorted(u, side='right')`: the number of entries <= u.
pub(crate) fn search_right(cdf: &[f64], u: f64) -> i64 {
    cdf.partition_point(|&c| c <= u) as i64
}

/// `size` distinct indices drawn with weights `p`, NumPy's loop: draw the
/// missing count of uniforms, zero the weights already taken, keep each new
/// index at its first appearance.
pub(crate) fn unique_weighted(p: &[f64], size: usize, mut uniform: impl FnMut() -> f64) -> Result<Vec<i64>, Error> {
    if p.iter().filter(|&&x| x > 0.0).count() < size {
        return Err(Error::value("Fewer non-zero entries in p than size"));
    }
    let mut p = p.to_vec();
    let mut found: Vec<i64> = Vec::with_capacity(size);
    while found.len() < size {
        let draws: Vec<f64> = (0..size - found.len()).map(|_| uniform()).collect();
        for &f in &found {
            p[f as usize] = 0.0;
        }
        let cdf = cdf(&p);
        let mut seen = std::collections::HashSet::new();
        for u in draws {
            let idx = search_right(&cdf, u);
            if seen.insert(idx) {
                found.push(idx);
            }
        }
    }
    Ok(found)
}
