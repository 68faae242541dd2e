//! Float digits as NumPy prints them: the digit generation behind
//! `np.format_float_positional` / `np.format_float_scientific` (NumPy's
//! "Dragon4"), for float16, float32, float64 and longdouble values.
//!
//! NumPy starts from the shortest digits that read back as the same float
//! (of the value's own width: a float32 gets float32's shortest digits),
//! cuts them at a precision by rounding the *exact* binary value half to
//! even, and extends them with exact digits up to a minimum count. Rust's
//! `{:e}` gives the shortest round-trip digits (for `f32` too), and a long
//! `{:.N$e}` gives the exact decimal expansion of any finite float (at most
//! 767 significant digits). Rust's own `{:.N$}` / `{:.N$e}` also round the
//! exact value half to even (`format!("{:.0}", 2.5) == "2"`,
//! `format!("{:.1}", 0.25) == "0.2"`), the same tie rule as NumPy, but the
//! rounding is done here on the exact expansion because Dragon4's output
//! depends on the direction of the rounding: rounding down keeps every zero
//! generated up to the cut (`0.12000000` at precision 8 in `'k'` trim mode),
//! rounding up drops the zeros a carry leaves (`0.2`, not `0.20000000`).
//!
//! Values are described as `(digits, pos)`: the value is
//! `0.d1d2d3... * 10**pos`; `digits` are ASCII decimal digits and empty for
//! zero. Signs are the caller's business except for the leading `-` the
//! formatters write for negative values (and `-0.0`).

/// How trailing zeros and the decimal point are trimmed, as NumPy's `trim`
/// argument: `'k'`, `'.'`, `'0'`, `'-'`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// `'k'`: keep the zeros (padding to the precision or minimum digits) and the point.
    Keep,
    /// `'.'`: drop trailing zeros, keep the point.
    Dot,
    /// `'0'`: drop trailing zeros but leave one zero after the point.
    Zero,
    /// `'-'`: drop trailing zeros and a bare point.
    DotZeros,
}

impl Trim {
    /// The mode NumPy spells with `c`, if any.
    pub fn from_char(c: char) -> Option<Trim> {
        match c {
            'k' => Some(Trim::Keep),
            '.' => Some(Trim::Dot),
            '0' => Some(Trim::Zero),
            '-' => Some(Trim::DotZeros),
            _ => None,
        }
    }
}

/// How many digits to produce, as NumPy's `precision`, `min_digits` and
/// `unique` arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digits {
    /// At most this many digits after the point (positional) or after the
    /// first digit (scientific); `None` for no limit (only with `unique`).
    pub precision: Option<usize>,
    /// At least this many such digits, taken from the exact value.
    pub min_digits: usize,
    /// Start from the shortest round-trip digits; otherwise from the exact
    /// value rounded at `precision`, which must then be given.
    pub unique: bool,
    pub trim: Trim,
}

/// A float of one of NumPy's widths, as the digit generation sees it: its
/// shortest round-trip digits (at its own precision), its exact digits and
/// its sign. `f64` is a float64; the others wrap their value.
pub trait Real: Copy {
    fn shortest(self) -> (String, i32);
    fn exact(self) -> (String, i32);
    fn negative(self) -> bool;
}

/// A float32, widened exactly to f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Single(pub f64);

/// A float16, widened exactly to f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Half(pub f64);

impl Real for f64 {
    fn shortest(self) -> (String, i32) {
        shortest(self, false)
    }
    fn exact(self) -> (String, i32) {
        exact(self)
    }
    fn negative(self) -> bool {
        self.is_sign_negative()
    }
}

impl Real for Single {
    fn shortest(self) -> (String, i32) {
        shortest(self.0, true)
    }
    fn exact(self) -> (String, i32) {
        exact(self.0)
    }
    fn negative(self) -> bool {
        self.0.is_sign_negative()
    }
}

impl Real for Half {
    /// The correctly rounded digits of 1, 2, ... places until they read back
    /// as the same float16 (at most 5 are needed).
    fn shortest(self) -> (String, i32) {
        let bits = crate::values::f16_bits(self.0.abs());
        if self.0 == 0.0 {
            return (String::new(), 0);
        }
        for n in 1..=5 {
            let (digits, pos) = round_significant(self.0, n);
            let back = format!("0.{digits}e{pos}").parse::<f64>().map(crate::values::f16_bits);
            if back == Ok(bits) {
                return (digits, pos);
            }
        }
        exact(self.0)
    }
    fn exact(self) -> (String, i32) {
        exact(self.0)
    }
    fn negative(self) -> bool {
        self.0.is_sign_negative()
    }
}

impl Real for crate::longdouble::X87 {
    fn shortest(self) -> (String, i32) {
        use rustc_apfloat::Float;
        if self.is_zero() { (String::new(), 0) } else { crate::longdouble::shortest(self) }
    }
    fn exact(self) -> (String, i32) {
        crate::longdouble::exact(self)
    }
    fn negative(self) -> bool {
        rustc_apfloat::Float::is_negative(self)
    }
}

/// Splits Rust's `{:e}` output (`"1.25e-3"`) into `(digits, pos)` without
/// trailing zeros.
fn parse_exp(s: &str) -> (String, i32) {
    let (mantissa, exp) = s.split_once('e').expect("{:e} output has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    strip(digits, exp + 1)
}

/// Drops trailing zeros; zero becomes `("", 0)`.
fn strip(mut digits: String, pos: i32) -> (String, i32) {
    while digits.ends_with('0') {
        digits.pop();
    }
    if digits.is_empty() { (digits, 0) } else { (digits, pos) }
}

/// The shortest digits of `|x|` that read back as the same float64, or as
/// the same float32 when `single`.
/// Of two equally short candidates, the one nearer the exact value (half
/// to even on a tie), as NumPy and Python's `repr` choose.
pub fn shortest(x: f64, single: bool) -> (String, i32) {
    // Narrowing a widened float32 back is exact.
    let s = if single { format!("{:e}", (x as f32).abs()) } else { format!("{:e}", x.abs()) };
    let (digits, pos) = parse_exp(&s);
    if digits.is_empty() {
        return (digits, pos);
    }
    // Rust's shortest digits need not be the nearest ones when the exact
    // value lies halfway (2011237524771389.25 gives ...389.3, NumPy ...389.2):
    // prefer the correctly rounded digits of the same length if they read back.
    let (near, near_pos) = round_significant(x, digits.len());
    let (near, near_pos) = strip(near, near_pos);
    if (near.as_str(), near_pos) == (digits.as_str(), pos) || near.len() > digits.len() {
        return (digits, pos);
    }
    let text = format!("0.{near}e{near_pos}");
    let reads_back = if single {
        text.parse::<f32>().is_ok_and(|v| v == (x as f32).abs())
    } else {
        text.parse::<f64>().is_ok_and(|v| v == x.abs())
    };
    if reads_back { (near, near_pos) } else { (digits, pos) }
}

/// Every digit of the exact binary value of `|x|`.
pub fn exact(x: f64) -> (String, i32) {
    parse_exp(&format!("{:.800e}", x.abs()))
}

/// `|x|` cut after its first `keep` digits (counted from the first digit of
/// the exact expansion; `keep` may be zero or negative when the cut lies
/// before it) and rounded half to even, the way Dragon4 leaves the digits:
/// rounding down keeps the zeros up to the cut, rounding up drops the zeros
/// of the carry, and an exact value keeps only its own digits.
fn cut(x: impl Real, keep_from_pos: impl Fn(i32) -> i64) -> (String, i32) {
    let (digits, pos) = x.exact();
    if digits.is_empty() {
        return (digits, 0);
    }
    let keep = keep_from_pos(pos);
    let d = digits.as_bytes();
    if keep >= d.len() as i64 {
        return (digits, pos);
    }
    // The digit the cut falls on, and whether anything nonzero follows it.
    let (next, rest_nonzero) = if keep < 0 { (0, true) } else { (d[keep as usize], d.len() > keep as usize + 1) };
    let last_odd = keep > 0 && (d[keep as usize - 1] - b'0') % 2 == 1;
    let up = next > b'5' || (next == b'5' && (rest_nonzero || last_odd));
    let kept = if keep > 0 { &digits[..keep as usize] } else { "" };
    // The place value (exponent) of the last kept digit.
    let last_place = pos as i64 - keep;
    if !up {
        if kept.is_empty() {
            // Only zeros up to the cut: one zero at the cut's place.
            return ("0".to_owned(), (last_place + 1) as i32);
        }
        return (kept.to_owned(), pos);
    }
    let mut out = kept.as_bytes().to_vec();
    let mut new_pos = pos;
    let mut i = out.len();
    loop {
        if i == 0 {
            // Every kept digit was a 9 (or none was kept): a new leading 1.
            out.insert(0, b'1');
            new_pos = (last_place + out.len() as i64) as i32;
            break;
        }
        i -= 1;
        if out[i] == b'9' {
            out[i] = b'0';
        } else {
            out[i] += 1;
            break;
        }
    }
    strip(String::from_utf8(out).expect("ASCII digits"), new_pos)
}

/// `|x|` rounded half to even to `n` digits after the decimal point.
pub fn round_fractional<R: Real>(x: R, n: usize) -> (String, i32) {
    cut(x, |pos| pos as i64 + n as i64)
}

/// `|x|` rounded half to even to `n` significant digits (`n >= 1`).
pub fn round_significant<R: Real>(x: R, n: usize) -> (String, i32) {
    cut(x, |_| n as i64)
}

/// The digits to print, the length to zero-pad the fraction to in `'k'`
/// mode, and whether `min_digits` lengthened the shortest digits.
fn generate<R: Real>(
    x: R,
    d: &Digits,
    round: impl Fn(R, usize) -> (String, i32),
    nfrac: impl Fn(&str, i32) -> usize,
) -> (String, i32, usize, bool) {
    let Some(precision) = d.precision.filter(|_| !d.unique) else {
        let (digits, pos) = x.shortest();
        let have = nfrac(&digits, pos);
        if d.precision.is_some_and(|p| have > p) {
            let (digits, pos) = round(x, d.precision.unwrap_or(0));
            return (digits, pos, d.min_digits, false);
        }
        if d.min_digits > have {
            let (digits, pos) = round(x, d.min_digits);
            let (digits, pos) = strip(digits, pos);
            let longer = !digits.is_empty();
            return (digits, pos, d.min_digits, longer);
        }
        return (digits, pos, d.min_digits, false);
    };
    let (digits, pos) = round(x, precision);
    (digits, pos, precision, false)
}

/// The fraction after trimming: `frac` as generated, zero-padded to `pad`
/// in `'k'` mode; `keep_dot` keeps a bare point in `'-'` mode.
fn trimmed(frac: &str, pad: usize, trim: Trim, keep_dot: bool) -> String {
    let short = frac.trim_end_matches('0');
    match trim {
        Trim::Keep => format!(".{frac}{}", "0".repeat(pad.saturating_sub(frac.len()))),
        Trim::Dot => format!(".{short}"),
        Trim::Zero if short.is_empty() => ".0".to_owned(),
        Trim::DotZeros if short.is_empty() && !keep_dot => String::new(),
        Trim::Zero | Trim::DotZeros => format!(".{short}"),
    }
}

fn minus(x: impl Real) -> &'static str {
    if x.negative() { "-" } else { "" }
}

/// `x` (finite) in positional notation, as `np.format_float_positional`
/// without `sign`, `pad_left` and `pad_right`.
pub fn positional<R: Real>(x: R, d: &Digits) -> String {
    let nfrac = |digits: &str, pos: i32| (digits.len() as i64 - pos as i64).max(0) as usize;
    let (digits, pos, pad, _) = generate(x, d, round_fractional, nfrac);
    let (whole, frac) = if pos <= 0 {
        ("0".to_owned(), format!("{}{digits}", "0".repeat(pos.unsigned_abs() as usize)))
    } else {
        let pos = pos as usize;
        if digits.len() <= pos {
            (format!("{digits}{}", "0".repeat(pos - digits.len())), String::new())
        } else {
            (digits[..pos].to_owned(), digits[pos..].to_owned())
        }
    };
    format!("{}{whole}{}", minus(x), trimmed(&frac, pad, d.trim, false))
}

/// `x` (finite) in scientific notation, as `np.format_float_scientific`
/// without `sign` and `pad_left`; the exponent has at least `exp_digits`
/// digits.
pub fn scientific<R: Real>(x: R, d: &Digits, exp_digits: usize) -> String {
    let nfrac = |digits: &str, _pos: i32| digits.len().saturating_sub(1);
    let (mut digits, mut pos, pad, longer) = generate(x, d, |x, n| round_significant(x, n + 1), nfrac);
    if digits.is_empty() {
        digits = "0".to_owned();
        pos = 1;
    }
    let e = pos - 1;
    let frac = &digits[1..];
    let keep_dot = longer || !frac.is_empty();
    format!(
        "{}{}{}e{}{:0width$}",
        minus(x),
        &digits[..1],
        trimmed(frac, pad, d.trim, keep_dot),
        if e < 0 { '-' } else { '+' },
        e.unsigned_abs(),
        width = exp_digits
    )
}

#[cfg(test)]
mod tests {
    //! Expected strings were printed by NumPy 2.4.6's
    //! `format_float_positional` / `format_float_scientific`, and the
    //! vectors in `cases` agree with tests/fixtures/numpy-print/_numpy.py.
    use super::*;

    fn digits(precision: Option<usize>, min_digits: usize, unique: bool, trim: char) -> Digits {
        Digits { precision, min_digits, unique, trim: Trim::from_char(trim).unwrap() }
    }

    #[test]
    fn rust_rounds_half_to_even_like_numpy() {
        assert_eq!(format!("{:.0}", 2.5f64), "2");
        assert_eq!(format!("{:.0}", 1.5f64), "2");
        assert_eq!(format!("{:.1}", 0.25f64), "0.2");
        assert_eq!(format!("{:.2e}", 1.125f64), "1.12e0");
    }

    #[test]
    fn shortest_digits() {
        assert_eq!(shortest(0.1, false), ("1".to_owned(), 0));
        assert_eq!(shortest(f64::from(0.1f32), true), ("1".to_owned(), 0));
        assert_eq!(shortest(f64::from(0.1f32), false), ("10000000149011612".to_owned(), 0));
        assert_eq!(shortest(0.0, false), (String::new(), 0));
        assert_eq!(shortest(-123.5, false), ("1235".to_owned(), 3));
        assert_eq!(shortest(2011237524771389.2, false), ("20112375247713892".to_owned(), 16));
    }

    #[test]
    fn rounding_keeps_zeros_down_and_drops_carries() {
        assert_eq!(round_fractional(0.199999999999, 8), ("2".to_owned(), 0));
        assert_eq!(round_fractional(3.0239937043379195, 8), ("302399370".to_owned(), 1));
        assert_eq!(round_fractional(4.18e-150, 8), ("0".to_owned(), -7));
        assert_eq!(round_fractional(0.5, 0), ("0".to_owned(), 1));
        assert_eq!(round_fractional(1.5, 0), ("2".to_owned(), 1));
        assert_eq!(round_fractional(99.96, 1), ("1".to_owned(), 3));
        assert_eq!(round_fractional(0.006, 2), ("1".to_owned(), -1));
        assert_eq!(round_significant(9.9999999999, 4), ("1".to_owned(), 2));
    }

    #[test]
    fn cases() {
        let cases: &[(f64, bool, Option<usize>, usize, bool, char, &str)] = &[
            (0.5, false, Some(8), 0, true, 'k', "0.5"),
            (0.199999999999, false, Some(8), 0, true, 'k', "0.2"),
            (0.199999999999, false, Some(8), 0, false, 'k', "0.20000000"),
            (100.0, false, None, 0, true, 'k', "100."),
            (100.0, false, None, 0, true, '-', "100"),
            (1.0, false, None, 0, true, '0', "1.0"),
            (-0.0, false, Some(3), 0, true, 'k', "-0."),
            (0.5, false, None, 4, true, 'k', "0.5000"),
            (0.5, false, Some(3), 0, false, 'k', "0.500"),
            (f64::from(0.3f32), true, None, 10, true, 'k', "0.3000000119"),
            (f64::from(0.1f32), true, Some(10), 0, false, 'k', "0.1000000015"),
            (1e20, false, None, 0, true, '.', "100000000000000000000."),
            (2.5, false, Some(0), 0, true, '.', "2."),
            (-3.0239937043379195, false, Some(8), 0, true, 'k', "-3.02399370"),
            (4.180282282995296e-150, false, Some(8), 0, true, 'k', "0.00000000"),
            (f64::from(1.0f32 / 3.0), true, Some(8), 0, true, '.', "0.33333334"),
        ];
        for &(x, single, p, m, unique, trim, want) in cases {
            let d = digits(p, m, unique, trim);
            let got = if single { positional(Single(x), &d) } else { positional(x, &d) };
            assert_eq!(got, want, "{x}");
        }
        let sci: &[(f64, bool, Option<usize>, usize, bool, char, usize, &str)] = &[
            (1.0, false, None, 0, true, '.', 2, "1.e+00"),
            (100.0, false, None, 0, true, '-', 2, "1e+02"),
            (0.5, false, Some(3), 0, true, 'k', 2, "5.e-01"),
            (0.5, false, Some(3), 0, false, 'k', 2, "5.000e-01"),
            (9.9999999999, false, Some(3), 0, false, 'k', 2, "1.000e+01"),
            (-5.020955760875698, false, Some(1), 0, true, '-', 2, "-5.e+00"),
            (f64::from(0.3f32), true, Some(8), 7, true, 'k', 2, "3.0000001e-01"),
            (5e-324, false, Some(8), 8, true, 'k', 3, "4.94065646e-324"),
            (f64::from(1.23456789e-5f32), true, None, 0, true, '.', 2, "1.2345679e-05"),
            (0.0, false, None, 0, true, '.', 2, "0.e+00"),
            (1e16, false, None, 0, true, '-', 2, "1e+16"),
        ];
        for &(x, single, p, m, unique, trim, e, want) in sci {
            let d = digits(p, m, unique, trim);
            let got = if single { scientific(Single(x), &d, e) } else { scientific(x, &d, e) };
            assert_eq!(got, want, "{x}");
        }
    }

    #[test]
    fn half_and_longdouble_digits() {
        // NumPy 2.4.6: str(np.float16(0.1)) == '0.1', str(np.float16(1/3))
        // == '0.3333', str(np.float16(65504)) == '65500.0'.
        let unique = digits(None, 0, true, '0');
        assert_eq!(positional(Half(0.0999755859375), &unique), "0.1");
        assert_eq!(positional(Half(0.333251953125), &unique), "0.3333");
        assert_eq!(positional(Half(65504.0), &unique), "65500.0");
        let third = (crate::longdouble::from_f64(1.0) / crate::longdouble::from_f64(3.0)).value;
        assert_eq!(positional(third, &unique), "0.33333333333333333334");
        assert_eq!(scientific(-third, &digits(None, 0, true, '-'), 2), "-3.3333333333333333334e-01");
    }
}
