//! The ufunc loops of longdouble and clongdouble, in 80-bit arithmetic:
//! `+ - * /`, floor division and remainder, maximum/minimum, comparisons,
//! negation, `abs`, `sqrt`, rounding, and the complex product and quotient
//! as NumPy's generic complex loops compute them (no fused operations: the
//! x87 unit has none).
//!
//! The transcendental functions (`power`, `exp`, `sin`, `arctan2`, `hypot`,
//! complex `sqrt` ...) compute through f64 and widen the result:
//! APFloat has none, and NumPy's own (glibc's `long double` functions) give
//! up to 11 more bits, so these differ from NumPy past a double's digits.

use crate::kernels::{BinOp, KernelError, Result, UnaryOp, float_divmod};
use crate::libc_math;
use crate::longdouble::Ld;
use crate::values::Column;

fn zip<T: Copy, U>(x: &[T], y: &[T], f: impl Fn(T, T) -> U) -> Vec<U> {
    x.iter().zip(y).map(|(&p, &q)| f(p, q)).collect()
}

/// Through f64, for the functions APFloat lacks (see the module header).
fn via_f64(f: impl Fn(f64, f64) -> f64) -> impl Fn(Ld, Ld) -> Ld {
    move |p, q| Ld::from_f64(f(p.to_f64(), q.to_f64()))
}

/// Python's floor division and remainder on longdoubles: the exact
/// remainder of truncated division, then adjusted toward -inf.
fn divmod(a: Ld, b: Ld) -> (Ld, Ld) {
    if b.is_zero() {
        return (a / b, Ld::NAN);
    }
    if !a.is_finite() || !b.is_finite() {
        let (d, m) = float_divmod(a.to_f64(), b.to_f64());
        return (Ld::from_f64(d), Ld::from_f64(m));
    }
    let m = a.fmod(b);
    let mut div = (a - m) / b;
    let m = if !m.is_zero() {
        if b.is_negative() != m.is_negative() {
            div = div - Ld::from_f64(1.0);
            m + b
        } else {
            m
        }
    } else if b.is_negative() {
        -Ld::ZERO
    } else {
        Ld::ZERO
    };
    let floordiv = if !div.is_zero() {
        let f = div.floor();
        if (div - f) > Ld::from_f64(0.5) { f + Ld::from_f64(1.0) } else { f }
    } else if (a / b).is_negative() {
        -Ld::ZERO
    } else {
        Ld::ZERO
    };
    (floordiv, m)
}

pub fn binary(op: BinOp, x: &[Ld], y: &[Ld]) -> Vec<Ld> {
    use BinOp::*;
    match op {
        Add => zip(x, y, |p, q| p + q),
        Sub => zip(x, y, |p, q| p - q),
        Mul => zip(x, y, |p, q| p * q),
        TrueDiv => zip(x, y, |p, q| p / q),
        FloorDiv => zip(x, y, |p, q| divmod(p, q).0),
        Mod => zip(x, y, |p, q| divmod(p, q).1),
        // maximum/minimum propagate NaN.
        Maximum => zip(x, y, |p, q| {
            if p.is_nan() || q.is_nan() {
                Ld::NAN
            } else if q > p {
                q
            } else {
                p
            }
        }),
        Minimum => zip(x, y, |p, q| {
            if p.is_nan() || q.is_nan() {
                Ld::NAN
            } else if q < p {
                q
            } else {
                p
            }
        }),
        Pow => zip(x, y, via_f64(libc_math::pow)),
        Arctan2 => zip(x, y, via_f64(libc_math::atan2)),
        Hypot => zip(x, y, via_f64(libc_math::hypot)),
        _ => unreachable!("int-only or comparison op on floats"),
    }
}

/// NumPy's complex quotient (Smith's method through the reciprocal).
fn complex_div((a, b): (Ld, Ld), (c, d): (Ld, Ld)) -> (Ld, Ld) {
    let one = Ld::from_f64(1.0);
    let (ac, ad) = (c.abs(), d.abs());
    if ac >= ad {
        if ac.is_zero() && ad.is_zero() {
            return (a / ac, b / ac);
        }
        let rat = d / c;
        let scl = one / (c + d * rat);
        ((a + b * rat) * scl, (b - a * rat) * scl)
    } else {
        let rat = c / d;
        let scl = one / (d + c * rat);
        ((a * rat + b) * scl, (b * rat - a) * scl)
    }
}

/// NumPy's complex power: small integer exponents by repeated squaring
/// (in 80 bits), others through complex128 (see the module header).
fn complex_pow(base: (Ld, Ld), exp: (Ld, Ld)) -> (Ld, Ld) {
    let one = (Ld::from_f64(1.0), Ld::ZERO);
    let (c, d) = exp;
    if c.is_zero() && d.is_zero() {
        return one;
    }
    let mul = |(a, b): (Ld, Ld), (p, q): (Ld, Ld)| (a * p - b * q, a * q + b * p);
    if d.is_zero() && c == c.trunc() && c.abs() < Ld::from_f64(100.0) && !(base.0.is_zero() && base.1.is_zero()) {
        let n = c.abs().to_i64() as u32;
        let acc = match n {
            1 => base,
            2 => mul(base, base),
            3 => mul(base, mul(base, base)),
            _ => {
                let (mut acc, mut p, mut mask) = (one, base, 1u32);
                loop {
                    if n & mask != 0 {
                        acc = mul(acc, p);
                    }
                    mask <<= 1;
                    if n < mask {
                        break;
                    }
                    p = mul(p, p);
                }
                acc
            }
        };
        return if c.is_negative() { complex_div(one, acc) } else { acc };
    }
    let (re, im) = crate::kernels::complex_pow((base.0.to_f64(), base.1.to_f64()), (exp.0.to_f64(), exp.1.to_f64()));
    (Ld::from_f64(re), Ld::from_f64(im))
}

pub fn binary_complex(op: BinOp, x: &[(Ld, Ld)], y: &[(Ld, Ld)]) -> Result<Vec<(Ld, Ld)>> {
    use BinOp::*;
    Ok(match op {
        Add => zip(x, y, |(a, b), (c, d)| (a + c, b + d)),
        Sub => zip(x, y, |(a, b), (c, d)| (a - c, b - d)),
        Mul => zip(x, y, |(a, b), (c, d)| (a * c - b * d, a * d + b * c)),
        TrueDiv => zip(x, y, complex_div),
        Maximum => zip(x, y, |p, q| if p >= q { p } else { q }),
        Minimum => zip(x, y, |p, q| if p <= q { p } else { q }),
        Pow => zip(x, y, complex_pow),
        _ => {
            return Err(KernelError::Type(format!(
                "ufunc '{}' is not supported for clongdouble here (this numpy implements a subset of NumPy)",
                op.ufunc()
            )));
        }
    })
}

pub fn unary(op: UnaryOp, x: &[Ld]) -> Column {
    use UnaryOp::*;
    let map = |f: &dyn Fn(Ld) -> Ld| Column::Long(x.iter().map(|&v| f(v)).collect());
    let test = |f: &dyn Fn(Ld) -> bool| Column::Bool(x.iter().map(|&v| f(v)).collect());
    match op {
        Negative => map(&|v| -v),
        Positive => map(&|v| v),
        Absolute => map(&|v| v.abs()),
        Sign => map(&|v| {
            if v.is_nan() {
                v
            } else if v > Ld::ZERO {
                Ld::from_f64(1.0)
            } else if v < Ld::ZERO {
                Ld::from_f64(-1.0)
            } else {
                Ld::ZERO
            }
        }),
        Square => map(&|v| v * v),
        Sqrt => map(&|v| v.sqrt()),
        Floor => map(&|v| v.floor()),
        Ceil => map(&|v| v.ceil()),
        Trunc => map(&|v| v.trunc()),
        Rint => map(&|v| v.rint()),
        Isnan => test(&|v| v.is_nan()),
        Isinf => test(&|v| v.is_infinite()),
        Isfinite => test(&|v| v.is_finite()),
        LogicalNot => test(&|v| v.is_zero()),
        Invert => unreachable!("rejected by unary_types"),
        // The math functions, through f64 (see the module header).
        _ => {
            let Column::Float(out) = crate::kernels::unary(
                op,
                crate::dtype::DType::Float64,
                &Column::Float(x.iter().map(|v| v.to_f64()).collect()),
            ) else {
                unreachable!("a float op gives floats")
            };
            Column::Long(out.into_iter().map(Ld::from_f64).collect())
        }
    }
}

pub fn unary_complex(op: UnaryOp, x: &[(Ld, Ld)]) -> Column {
    use UnaryOp::*;
    let test = |f: &dyn Fn(Ld, Ld) -> bool| Column::Bool(x.iter().map(|&(a, b)| f(a, b)).collect());
    match op {
        Negative => Column::LongComplex(x.iter().map(|&(a, b)| (-a, -b)).collect()),
        Positive => Column::LongComplex(x.to_vec()),
        Square => Column::LongComplex(x.iter().map(|&(a, b)| (a * a - b * b, a * b + b * a)).collect()),
        Isnan => test(&|a, b| a.is_nan() || b.is_nan()),
        Isinf => test(&|a, b| a.is_infinite() || b.is_infinite()),
        Isfinite => test(&|a, b| a.is_finite() && b.is_finite()),
        LogicalNot => test(&|a, b| a.is_zero() && b.is_zero()),
        // sqrt(a*a + b*b) in 80 bits: within an ulp of NumPy's hypotl, but
        // overflowing for parts past 1e2466, where hypotl scales.
        Absolute => Column::Long(x.iter().map(|&(a, b)| (a * a + b * b).sqrt()).collect()),
        // sqrt, exp, log and sign through complex128 (see the module header).
        _ => {
            let wide = Column::Complex(x.iter().map(|&(a, b)| (a.to_f64(), b.to_f64())).collect());
            match crate::kernels::unary(op, crate::dtype::DType::Complex128, &wide) {
                Column::Complex(v) => {
                    Column::LongComplex(v.into_iter().map(|(a, b)| (Ld::from_f64(a), Ld::from_f64(b))).collect())
                }
                other => other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_division_and_remainder_follow_python() {
        let ld = |v: f64| Ld::from_f64(v);
        let (d, m) = divmod(ld(-7.0), ld(2.0));
        assert_eq!((d.to_f64(), m.to_f64()), (-4.0, 1.0));
        let (d, m) = divmod(ld(7.5), ld(-2.0));
        assert_eq!((d.to_f64(), m.to_f64()), (-4.0, -0.5));
    }

    #[test]
    fn complex_quotient_is_exact_for_simple_values() {
        let ld = |v: f64| Ld::from_f64(v);
        let q = binary_complex(BinOp::TrueDiv, &[(ld(1.0), ld(2.0))], &[(ld(3.0), ld(4.0))]).unwrap();
        // (1+2j)/(3+4j) = 0.44+0.08j, to a longdouble's precision.
        assert!((q[0].0.to_f64() - 0.44).abs() < 1e-16 && (q[0].1.to_f64() - 0.08).abs() < 1e-16);
    }
}
