//! NumPy's `longdouble` on x86-64: the x87 80-bit extended format (64-bit
//! significand with an explicit integer bit, 15-bit exponent), stored little
//! endian in 16 bytes whose last 6 are zero padding.
//!
//! The arithmetic, conversions and decimal parsing come from
//! `rustc_apfloat` (LLVM's APFloat), so they are correctly rounded on every
//! target, wasm included, where there is no `long double` hardware.

use rustc_apfloat::ieee::{Double, X87DoubleExtended};
use rustc_apfloat::{Float, FloatConvert};

/// One longdouble value.
pub type X87 = X87DoubleExtended;

/// The bytes of one element.
pub const SIZE: usize = 16;

/// The value in `bytes` (at least 10; the padding is ignored).
pub fn from_bytes(bytes: &[u8]) -> X87 {
    let mut raw = [0u8; 16];
    raw[..10].copy_from_slice(&bytes[..10]);
    X87::from_bits(u128::from_le_bytes(raw))
}

/// The 16 bytes NumPy stores for `x`: 10 bytes of value, 6 of zeros.
pub fn to_bytes(x: X87) -> [u8; SIZE] {
    (x.to_bits() & ((1u128 << 80) - 1)).to_le_bytes()
}

pub fn is_finite(x: X87) -> bool {
    x.is_finite()
}

pub fn is_nan(x: X87) -> bool {
    x.is_nan()
}

/// `x` exactly (every double is a longdouble).
pub fn from_f64(x: f64) -> X87 {
    let mut loses = false;
    Double::from_bits(x.to_bits() as u128).convert(&mut loses).value
}

/// `x` rounded to the nearest double (ties to even), as a C cast.
pub fn to_f64(x: X87) -> f64 {
    let mut loses = false;
    let d: Double = x.convert(&mut loses).value;
    f64::from_bits(d.to_bits() as u64)
}

/// An int64 exactly (the significand has 64 bits).
pub fn from_i64(x: i64) -> X87 {
    X87::from_i128(x as i128).value
}

pub fn from_u64(x: u64) -> X87 {
    X87::from_u128(x as u128).value
}

/// A C cast to int64 on x86-64: truncation, and the "integer indefinite"
/// value (i64::MIN) for NaN and values out of range.
pub fn to_i64(x: X87) -> i64 {
    let mut exact = false;
    let r = x.to_i128_r(64, rustc_apfloat::Round::TowardZero, &mut exact);
    if x.is_nan() || r.status.contains(rustc_apfloat::Status::INVALID_OP) { i64::MIN } else { r.value as i64 }
}

/// A C cast to uint64 (values out of range wrap as the x87 conversion
/// through int64 does for negative values).
pub fn to_u64(x: X87) -> u64 {
    if x.is_negative() {
        return to_i64(x) as u64;
    }
    let mut exact = false;
    let r = x.to_u128_r(64, rustc_apfloat::Round::TowardZero, &mut exact);
    if x.is_nan() || r.status.contains(rustc_apfloat::Status::INVALID_OP) { 1u64 << 63 } else { r.value as u64 }
}

/// A decimal string (`"0.1"`, `"1e-4000"`, `"inf"`, `"nan"`) correctly
/// rounded to the nearest longdouble; None when it is not a number.
pub fn parse(text: &str) -> Option<X87> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    let x = match lower.as_str() {
        "inf" | "infinity" => X87::INFINITY,
        "nan" => X87::NAN,
        _ => {
            if lower.is_empty() || !lower.bytes().all(|b| b.is_ascii_digit() || b"._e+-".contains(&b)) {
                return None;
            }
            body.replace('_', "").parse::<X87>().ok()?
        }
    };
    Some(if neg { -x } else { x })
}

/// The shortest decimal digits of `|x|` (finite, nonzero) that parse back
/// to `x`, as `(digits, pos)` meaning `0.d1d2... * 10**pos`: the digits
/// correctly rounded to 1, 2, ... significant places until one reads back.
pub fn shortest(x: X87) -> (String, i32) {
    let ax = x.abs();
    let all = exact(ax);
    for n in 1..=21 {
        let (digits, pos) = round_digits(&all, n);
        let text = format!("0.{digits}e{pos}");
        if parse(&text).is_some_and(|y| y.bitwise_eq(ax)) {
            return (digits, pos);
        }
    }
    exact(ax)
}

/// Every digit of `|x|`'s exact binary value (finite), trailing zeros
/// dropped; `("", 0)` for zero.
pub fn exact(x: X87) -> (String, i32) {
    if x.is_zero() {
        return (String::new(), 0);
    }
    // x = m * 2**e with a 64-bit m: its decimal expansion is finite. It is
    // computed exactly in base 10**9 limbs (least significant first): m
    // times 2**e, or m times 5**-e over 10**-e.
    let bits = x.abs().to_bits();
    let m = (bits & u64::MAX as u128) as u64;
    let biased = ((bits >> 64) & 0x7fff) as i32;
    // Denormals have exponent field 0 and the same scale as field 1.
    let e = biased.max(1) - 16383 - 63;
    let mut limbs = vec![(m % BASE) as u32, ((m / BASE) % BASE) as u32, (m / BASE / BASE) as u32];
    let (mut left, factor, step) = if e >= 0 { (e, 2u64, 29) } else { (-e, 5u64, 13) };
    while left > 0 {
        let k = left.min(step);
        times_small(&mut limbs, factor.pow(k as u32));
        left -= k;
    }
    while limbs.len() > 1 && *limbs.last().unwrap() == 0 {
        limbs.pop();
    }
    let mut text = limbs.last().unwrap().to_string();
    for limb in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{limb:09}"));
    }
    // The number of digits before the decimal point.
    let point = text.len() as i64 + if e >= 0 { 0 } else { e as i64 };
    while text.ends_with('0') {
        text.pop();
    }
    (text, point as i32)
}

const BASE: u64 = 1_000_000_000;

/// Multiplies a number in base 10**9 limbs by `factor` (below 2**32).
fn times_small(limbs: &mut Vec<u32>, factor: u64) {
    let mut carry = 0u64;
    for limb in limbs.iter_mut() {
        let v = *limb as u64 * factor + carry;
        *limb = (v % BASE) as u32;
        carry = v / BASE;
    }
    while carry > 0 {
        limbs.push((carry % BASE) as u32);
        carry /= BASE;
    }
}

/// Exact digits correctly rounded (half to even) to `n >= 1` significant digits.
fn round_digits((digits, pos): &(String, i32), n: usize) -> (String, i32) {
    let pos = *pos;
    if digits.len() <= n {
        return (digits.clone(), pos);
    }
    let d = digits.as_bytes();
    let next = d[n];
    let rest_nonzero = d[n + 1..].iter().any(|&c| c != b'0');
    let odd = (d[n - 1] - b'0') % 2 == 1;
    let mut kept = d[..n].to_vec();
    let mut pos = pos;
    if next > b'5' || (next == b'5' && (rest_nonzero || odd)) {
        let mut i = n;
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                kept.pop();
                pos += 1;
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    while kept.last() == Some(&b'0') {
        kept.pop();
    }
    (String::from_utf8(kept).expect("ASCII digits"), pos)
}

/// A longdouble as kernels compute with it: APFloat's value with Rust's
/// operators (each correctly rounded to nearest, ties to even, as the x87
/// unit rounds at 64-bit precision) and IEEE comparisons.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Ld(pub X87);

impl Ld {
    pub const ZERO: Ld = Ld(X87::ZERO);
    pub const NAN: Ld = Ld(X87::NAN);

    pub fn from_f64(x: f64) -> Ld {
        Ld(from_f64(x))
    }
    pub fn to_f64(self) -> f64 {
        to_f64(self.0)
    }
    pub fn from_i64(x: i64) -> Ld {
        Ld(from_i64(x))
    }
    pub fn from_u64(x: u64) -> Ld {
        Ld(from_u64(x))
    }
    pub fn to_i64(self) -> i64 {
        to_i64(self.0)
    }
    pub fn to_u64(self) -> u64 {
        to_u64(self.0)
    }
    pub fn from_bytes(bytes: &[u8]) -> Ld {
        Ld(from_bytes(bytes))
    }
    pub fn to_bytes(self) -> [u8; SIZE] {
        to_bytes(self.0)
    }
    pub fn is_nan(self) -> bool {
        self.0.is_nan()
    }
    pub fn is_infinite(self) -> bool {
        self.0.is_infinite()
    }
    pub fn is_finite(self) -> bool {
        self.0.is_finite()
    }
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
    pub fn is_negative(self) -> bool {
        self.0.is_negative()
    }
    pub fn abs(self) -> Ld {
        Ld(self.0.abs())
    }
    /// Rounds to an integer: toward -inf (`floor`), +inf (`ceil`), zero
    /// (`trunc`) or to nearest even (`rint`).
    pub fn round(self, mode: rustc_apfloat::Round) -> Ld {
        Ld(self.0.round_to_integral(mode).value)
    }
    pub fn floor(self) -> Ld {
        self.round(rustc_apfloat::Round::TowardNegative)
    }
    pub fn ceil(self) -> Ld {
        self.round(rustc_apfloat::Round::TowardPositive)
    }
    pub fn trunc(self) -> Ld {
        self.round(rustc_apfloat::Round::TowardZero)
    }
    pub fn rint(self) -> Ld {
        self.round(rustc_apfloat::Round::NearestTiesToEven)
    }
    /// The correctly rounded square root (APFloat has none): the integer
    /// square root of the 64-bit significand, widened to 128 bits so that
    /// the root has 64, rounded by its remainder (a root is never a tie).
    pub fn sqrt(self) -> Ld {
        let x = self.0;
        if x.is_nan() || (x.is_negative() && !x.is_zero()) {
            return Ld::NAN;
        }
        if x.is_zero() || x.is_infinite() {
            return self;
        }
        let bits = x.to_bits();
        let mut m = (bits & u64::MAX as u128) as u64;
        let biased = ((bits >> 64) & 0x7fff) as i32;
        let mut e = biased.max(1) - 16383 - 63;
        // Denormals: normalise the significand first.
        let shift = m.leading_zeros() as i32;
        m <<= shift;
        e -= shift;
        // x = m * 2**e = wide * 2**(e - s), with e - s even.
        let s = if e.rem_euclid(2) == 0 { 64 } else { 63 };
        let wide = (m as u128) << s;
        let mut root = wide.isqrt();
        if wide - root * root > root {
            root += 1;
        }
        let r = X87::from_u128(root).value;
        Ld(r.scalbn((e - s) / 2))
    }

    /// C's `fmod`: the remainder of truncated division, exact.
    pub fn fmod(self, rhs: Ld) -> Ld {
        Ld(self.0.c_fmod(rhs.0).value)
    }
}

macro_rules! ld_op {
    ($trait:ident, $method:ident) => {
        impl std::ops::$trait for Ld {
            type Output = Ld;
            fn $method(self, rhs: Ld) -> Ld {
                Ld(std::ops::$trait::$method(self.0, rhs.0).value)
            }
        }
    };
}
ld_op!(Add, add);
ld_op!(Sub, sub);
ld_op!(Mul, mul);
ld_op!(Div, div);

impl std::ops::Neg for Ld {
    type Output = Ld;
    fn neg(self) -> Ld {
        Ld(-self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(x: f64) -> [u8; 16] {
        to_bytes(from_f64(x))
    }

    #[test]
    fn encodes_as_x87() {
        // 1.0: exponent 0x3fff, explicit integer bit.
        assert_eq!(bytes_of(1.0), [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f, 0, 0, 0, 0, 0, 0]);
        // 0.1 as a double widened: the double's 53 bits, then zeros.
        assert_eq!(bytes_of(0.1), [0, 0xd0, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xfb, 0x3f, 0, 0, 0, 0, 0, 0]);
        // 0.1 parsed as a longdouble: 64 correctly rounded bits.
        let tenth = to_bytes(parse("0.1").unwrap());
        assert_eq!(tenth, [0xcd, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xfb, 0x3f, 0, 0, 0, 0, 0, 0]);
        assert_eq!(bytes_of(f64::INFINITY), [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f, 0, 0, 0, 0, 0, 0]);
        assert_eq!(bytes_of(-0.0)[9], 0x80);
        let nan = bytes_of(f64::NAN);
        assert_eq!(&nan[8..10], &[0xff, 0x7f]);
        assert!(from_bytes(&nan).is_nan());
    }

    #[test]
    fn f64_round_trips() {
        for x in [0.1, 1.0 / 3.0, 5e-324, f64::MAX, -2.5, 1e300, 65504.0] {
            assert_eq!(to_f64(from_f64(x)).to_bits(), x.to_bits());
            assert_eq!(to_f64(from_bytes(&bytes_of(x))).to_bits(), x.to_bits());
        }
        // Past a double's range a longdouble rounds to infinity.
        assert_eq!(to_f64(parse("1e400").unwrap()), f64::INFINITY);
    }

    #[test]
    fn integers_cast_like_c() {
        assert_eq!(to_i64(parse("-2.7").unwrap()), -2);
        assert_eq!(to_i64(X87::NAN), i64::MIN);
        assert_eq!(to_i64(parse("1e30").unwrap()), i64::MIN);
        assert_eq!(to_u64(from_u64(u64::MAX)), u64::MAX);
        assert_eq!(to_i64(from_i64(i64::MAX)), i64::MAX);
    }

    #[test]
    fn shortest_digits_read_back() {
        // NumPy 2.4.6: str(np.longdouble(1) / 3) == '0.33333333333333333334'.
        let third = (from_f64(1.0) / from_f64(3.0)).value;
        assert_eq!(shortest(third), ("33333333333333333334".to_owned(), 0));
        assert_eq!(shortest(parse("0.1").unwrap()), ("1".to_owned(), 0));
        // NumPy 2.4.6: str(np.longdouble(0.1)) == '0.10000000000000000555'.
        assert_eq!(shortest(from_f64(0.1)), ("10000000000000000555".to_owned(), 0));
        assert_eq!(exact(from_f64(0.5)), ("5".to_owned(), 0));
        assert_eq!(exact(from_f64(1024.0)), ("1024".to_owned(), 4));
        assert_eq!(
            exact(from_f64(0.1)).0,
            format!("{:.60e}", 0.1).replace('.', "").split('e').next().unwrap().trim_end_matches('0')
        );
        // NumPy 2.4.6: repr(np.longdouble('1e-4000')) == "np.longdouble('1e-4000')".
        assert_eq!(shortest(parse("1e-4000").unwrap()), ("1".to_owned(), -3999));
        assert_eq!(shortest(parse("1e4000").unwrap()), ("1".to_owned(), 4001));
    }

    #[test]
    fn arithmetic_is_extended() {
        // 1/3 in 64 bits of significand, not a double's 53.
        let third = Ld::from_f64(1.0) / Ld::from_f64(3.0);
        assert_ne!(third.to_f64().to_bits(), third.0.to_bits() as u64);
        assert_eq!(third.to_f64(), 1.0 / 3.0);
        // 2**64 + 1 is not a longdouble, 2**63 + 1 is.
        let big = Ld::from_u64(1 << 63) + Ld::from_f64(1.0);
        assert_eq!(big.to_u64(), (1 << 63) + 1);
        assert!((Ld::from_f64(0.0) / Ld::from_f64(0.0)).is_nan());
        assert_eq!(Ld::from_f64(-2.5).rint().to_f64(), -2.0);
        // NumPy 2.4.6: np.sqrt(np.longdouble(2)) == np.longdouble('1.4142135623730950488').
        assert_eq!(Ld::from_f64(2.0).sqrt().0.to_bits(), parse("1.4142135623730950488").unwrap().to_bits());
        assert_eq!(Ld::from_f64(0.25).sqrt().to_f64(), 0.5);
        let tiny = parse("1e-4940").unwrap();
        let r = Ld(tiny).sqrt();
        assert!((r * r).0.to_bits().abs_diff(tiny.to_bits()) <= 1);
    }
}
