//! The ufunc and reduction loops: elementwise binary operations with NumPy's
//! result types, unary math, and reductions along an axis with NumPy's
//! summation order (pairwise along the contiguous axis, row by row across
//! outer axes), so that printed sums are bit-identical.

use crate::dtype::{DType, Kind};
use crate::libc_math;
use crate::long_kernels;
use crate::longdouble::Ld;
use crate::values::{Column, Scalar, as_complex, as_f64, as_i64, cast, truthy};

/// Why an operation cannot run; the binding raises it as the Python type named.
#[derive(Debug, Clone, PartialEq)]
pub enum KernelError {
    Type(String),
    Value(String),
}

pub type Result<T> = std::result::Result<T, KernelError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    Maximum,
    Minimum,
    BitAnd,
    BitOr,
    BitXor,
    LeftShift,
    RightShift,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
    Arctan2,
    Hypot,
}

impl BinOp {
    /// The ufunc's name, for error messages.
    pub fn ufunc(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "add",
            Sub => "subtract",
            Mul => "multiply",
            TrueDiv => "divide",
            FloorDiv => "floor_divide",
            Mod => "remainder",
            Pow => "power",
            Maximum => "maximum",
            Minimum => "minimum",
            BitAnd => "bitwise_and",
            BitOr => "bitwise_or",
            BitXor => "bitwise_xor",
            LeftShift => "left_shift",
            RightShift => "right_shift",
            Eq => "equal",
            Ne => "not_equal",
            Lt => "less",
            Le => "less_equal",
            Gt => "greater",
            Ge => "greater_equal",
            LogicalAnd => "logical_and",
            LogicalOr => "logical_or",
            LogicalXor => "logical_xor",
            Arctan2 => "arctan2",
            Hypot => "hypot",
        }
    }

    pub fn from_ufunc(name: &str) -> Option<BinOp> {
        use BinOp::*;
        [
            Add, Sub, Mul, TrueDiv, FloorDiv, Mod, Pow, Maximum, Minimum, BitAnd, BitOr, BitXor, LeftShift, RightShift,
            Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, Arctan2, Hypot,
        ]
        .into_iter()
        .find(|op| op.ufunc() == name || (name == "true_divide" && *op == TrueDiv))
    }

    fn is_comparison(self) -> bool {
        use BinOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor)
    }
}

/// The dtype the operands are computed in and the dtype of the result, for
/// operands promoted to `common`.
pub fn binary_types(op: BinOp, common: DType) -> Result<(DType, DType)> {
    use BinOp::*;
    let kind = common.kind();
    let unsupported = || {
        Err(KernelError::Type(format!(
            "ufunc '{}' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe''",
            op.ufunc()
        )))
    };
    Ok(match op {
        _ if op.is_comparison() => (common, DType::Bool),
        Add | Mul | Maximum | Minimum => (common, common),
        Sub if kind == Kind::Bool => {
            return Err(KernelError::Type(
                "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logical_xor function instead.".into(),
            ));
        }
        Sub => (common, common),
        TrueDiv => {
            let t = common.divide_result();
            (t, t)
        }
        FloorDiv | Mod | Pow if kind == Kind::Bool => (DType::Int8, DType::Int8),
        FloorDiv | Mod if kind == Kind::Complex => return unsupported(),
        FloorDiv | Mod | Pow => (common, common),
        BitAnd | BitOr | BitXor if matches!(kind, Kind::Bool | Kind::Int | Kind::UInt) => (common, common),
        LeftShift | RightShift if matches!(kind, Kind::Int | Kind::UInt) => (common, common),
        BitAnd | BitOr | BitXor | LeftShift | RightShift => return unsupported(),
        Arctan2 | Hypot if kind == Kind::Complex => return unsupported(),
        Arctan2 | Hypot => {
            let t = common.float_result();
            (t, t)
        }
        _ => unreachable!("comparisons are handled above"),
    })
}

/// Applies `op` elementwise to two columns of equal length, both already cast
/// to the compute dtype `ct`; the result is in the result dtype's kind.
pub fn binary(op: BinOp, ct: DType, a: &Column, b: &Column) -> Result<Column> {
    use BinOp::*;
    if op.is_comparison() {
        return Ok(Column::Bool(compare(op, a, b)));
    }
    Ok(match (a, b) {
        (Column::Bool(x), Column::Bool(y)) => match op {
            Add | BitOr | Maximum => Column::Bool(zip(x, y, |p, q| p | q)),
            Mul | BitAnd | Minimum => Column::Bool(zip(x, y, |p, q| p & q)),
            BitXor => Column::Bool(zip(x, y, |p, q| p ^ q)),
            _ => {
                // floor_divide, remainder and power of bools compute in int8.
                let x = cast(a, DType::Int8);
                let y = cast(b, DType::Int8);
                return binary(op, DType::Int8, &x, &y);
            }
        },
        (Column::Int(x), Column::Int(y)) => Column::Int(int_op(op, x, y)?),
        (Column::UInt(x), Column::UInt(y)) => Column::UInt(uint_op(op, x, y)?),
        (Column::Float(x), Column::Float(y)) => round_to(ct, Column::Float(float_op(op, x, y))),
        (Column::Complex(x), Column::Complex(y)) if ct == DType::Complex64 => {
            round_to(ct, Column::Complex(complex64_op(op, x, y)?))
        }
        (Column::Complex(x), Column::Complex(y)) => Column::Complex(complex_op(op, x, y)?),
        (Column::Long(x), Column::Long(y)) => Column::Long(long_kernels::binary(op, x, y)),
        (Column::LongComplex(x), Column::LongComplex(y)) => {
            Column::LongComplex(long_kernels::binary_complex(op, x, y)?)
        }
        _ => unreachable!("both operands are cast to one compute type first"),
    })
}

/// `out`, computed in f64, rounded to the narrower float type `ct` it
/// stands for (float16, float32, complex64); other types are kept.
fn round_to(ct: DType, out: Column) -> Column {
    match ct {
        DType::Float16 | DType::Float32 | DType::Complex64 => cast(&out, ct),
        _ => out,
    }
}

/// `op` (`+ - * /`) over float64 operands held as native-endian bytes, in
/// one pass: the loop NumPy runs for the most common arithmetic, without
/// the general path's decode, cast and encode. Either operand may be a
/// single value (a scalar broadcast over the other). `None` when `op` is
/// another ufunc or the lengths do not fit; the caller then takes the
/// general path, which gives the same values.
pub fn float64_arith_bytes(op: BinOp, x: &[u8], y: &[u8]) -> Option<Vec<u8>> {
    const W: usize = std::mem::size_of::<f64>();
    let f = float_arith(op)?;
    let read = |b: &[u8]| f64::from_ne_bytes(b.try_into().expect("8-byte chunk"));
    let (nx, ny) = (x.len() / W, y.len() / W);
    if x.len() % W != 0 || y.len() % W != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(nx.max(ny) * W);
    if nx == ny {
        for (p, q) in x.chunks_exact(W).zip(y.chunks_exact(W)) {
            out.extend_from_slice(&f(read(p), read(q)).to_ne_bytes());
        }
    } else if ny == 1 {
        let q = read(y);
        for p in x.chunks_exact(W) {
            out.extend_from_slice(&f(read(p), q).to_ne_bytes());
        }
    } else if nx == 1 {
        let p = read(x);
        for q in y.chunks_exact(W) {
            out.extend_from_slice(&f(p, read(q)).to_ne_bytes());
        }
    } else {
        return None;
    }
    Some(out)
}

/// `np.arange(start, start + n * step, step, dtype)` as packed bytes. As in
/// NumPy, the first two values are `start` and `start + step` in the dtype,
/// and the dtype's `fill` steps the rest by their difference,
/// `start + i * delta`, in the dtype's own arithmetic (float32 in f32,
/// integers wrapping, float16 in f32, longdouble in its own). `None` for
/// bool and complex dtypes.
pub fn arange_bytes(dtype: DType, start: Scalar, step: Scalar, n: usize) -> Option<Vec<u8>> {
    macro_rules! fill {
        ($t:ty, $first:expr, $second:expr, $at:expr) => {{
            let (first, second): ($t, $t) = ($first, $second);
            let mut out = Vec::with_capacity(n * std::mem::size_of::<$t>());
            for i in 0..n {
                let v: $t = if i == 1 { second } else { $at(first, second, i) };
                out.extend_from_slice(&v.to_ne_bytes());
            }
            out
        }};
    }
    macro_rules! int {
        ($t:ty) => {
            fill!($t, as_i64(start) as $t, as_i64(start).wrapping_add(as_i64(step)) as $t, |f: $t, s: $t, i: usize| f
                .wrapping_add((i as $t).wrapping_mul(s.wrapping_sub(f))))
        };
    }
    let (x0, dx) = (as_f64(start), as_f64(step));
    Some(match dtype {
        DType::Int8 => int!(i8),
        DType::Int16 => int!(i16),
        DType::Int32 => int!(i32),
        DType::Int64 => int!(i64),
        DType::UInt8 => int!(u8),
        DType::UInt16 => int!(u16),
        DType::UInt32 => int!(u32),
        DType::UInt64 => int!(u64),
        DType::Float32 => fill!(f32, x0 as f32, (x0 + dx) as f32, |f: f32, s: f32, i: usize| f + i as f32 * (s - f)),
        DType::Float64 => fill!(f64, x0, x0 + dx, |f: f64, s: f64, i: usize| f + i as f64 * (s - f)),
        // NumPy fills float16 in float32 arithmetic, rounding each value.
        DType::Float16 => {
            let half = |v: f32| half::f16::from_f32(v);
            let (first, second) = (half(x0 as f32).to_f32(), half((x0 + dx) as f32).to_f32());
            let mut out = Vec::with_capacity(n * 2);
            for i in 0..n {
                let v = if i == 1 { second } else { first + i as f32 * (second - first) };
                out.extend_from_slice(&half(v).to_bits().to_ne_bytes());
            }
            out
        }
        // longdouble steps in its own arithmetic.
        DType::LongDouble => {
            let first = crate::values::as_ld(start);
            let second = first + crate::values::as_ld(step);
            let mut out = Vec::with_capacity(n * 16);
            for i in 0..n {
                let v = if i == 1 { second } else { first + Ld::from_u64(i as u64) * (second - first) };
                out.extend_from_slice(&v.to_bytes());
            }
            out
        }
        DType::Bool | DType::Complex64 | DType::Complex128 | DType::CLongDouble => return None,
    })
}

fn zip<T: Copy, U>(x: &[T], y: &[T], f: impl Fn(T, T) -> U) -> Vec<U> {
    x.iter().zip(y).map(|(&p, &q)| f(p, q)).collect()
}

fn compare(op: BinOp, a: &Column, b: &Column) -> Vec<bool> {
    use BinOp::*;
    fn cmp<T: PartialOrd + Copy>(op: BinOp, x: &[T], y: &[T], truth: impl Fn(T) -> bool) -> Vec<bool> {
        zip(x, y, |p, q| match op {
            Eq => p == q,
            Ne => p != q,
            Lt => p < q,
            Le => p <= q,
            Gt => p > q,
            Ge => p >= q,
            LogicalAnd => truth(p) && truth(q),
            LogicalOr => truth(p) || truth(q),
            _ => truth(p) != truth(q),
        })
    }
    match (a, b) {
        (Column::Bool(x), Column::Bool(y)) => cmp(op, x, y, |v| v),
        (Column::Int(x), Column::Int(y)) => cmp(op, x, y, |v| v != 0),
        (Column::UInt(x), Column::UInt(y)) => cmp(op, x, y, |v| v != 0),
        (Column::Float(x), Column::Float(y)) => cmp(op, x, y, |v| v != 0.0),
        (Column::Long(x), Column::Long(y)) => cmp(op, x, y, |v| !v.is_zero()),
        (Column::LongComplex(x), Column::LongComplex(y)) => {
            cmp(op, x, y, |(a, b): (Ld, Ld)| !a.is_zero() || !b.is_zero())
        }
        (Column::Complex(x), Column::Complex(y)) => {
            // NumPy orders complex numbers lexicographically.
            let key = |v: (f64, f64)| (v.0, v.1);
            zip(x, y, |p, q| match op {
                Eq => p == q,
                Ne => p != q,
                Lt => key(p) < key(q),
                Le => key(p) <= key(q),
                Gt => key(p) > key(q),
                Ge => key(p) >= key(q),
                LogicalAnd => truthy(Scalar::Complex(p.0, p.1)) && truthy(Scalar::Complex(q.0, q.1)),
                LogicalOr => truthy(Scalar::Complex(p.0, p.1)) || truthy(Scalar::Complex(q.0, q.1)),
                _ => truthy(Scalar::Complex(p.0, p.1)) != truthy(Scalar::Complex(q.0, q.1)),
            })
        }
        _ => unreachable!("both operands are cast to one compute type first"),
    }
}

fn int_op(op: BinOp, x: &[i64], y: &[i64]) -> Result<Vec<i64>> {
    use BinOp::*;
    if op == Pow && y.iter().any(|&q| q < 0) {
        return Err(KernelError::Value("Integers to negative integer powers are not allowed.".into()));
    }
    Ok(zip(x, y, |p, q| match op {
        Add => p.wrapping_add(q),
        Sub => p.wrapping_sub(q),
        Mul => p.wrapping_mul(q),
        // NumPy gives 0 for integer division and remainder by zero (with a warning).
        FloorDiv if q == 0 => 0,
        FloorDiv => {
            let d = p.wrapping_div(q);
            if (p % q != 0) && ((p < 0) != (q < 0)) { d - 1 } else { d }
        }
        Mod if q == 0 => 0,
        Mod => {
            let r = p.wrapping_rem(q);
            if r != 0 && ((r < 0) != (q < 0)) { r + q } else { r }
        }
        Pow => p.wrapping_pow(q.min(u32::MAX as i64) as u32),
        Maximum => p.max(q),
        Minimum => p.min(q),
        BitAnd => p & q,
        BitOr => p | q,
        BitXor => p ^ q,
        LeftShift => {
            if (0..64).contains(&q) {
                p << q
            } else {
                0
            }
        }
        RightShift => {
            if (0..64).contains(&q) {
                p >> q
            } else if p < 0 {
                -1
            } else {
                0
            }
        }
        _ => unreachable!("float-only or comparison op on ints"),
    }))
}

fn uint_op(op: BinOp, x: &[u64], y: &[u64]) -> Result<Vec<u64>> {
    use BinOp::*;
    Ok(zip(x, y, |p, q| match op {
        Add => p.wrapping_add(q),
        Sub => p.wrapping_sub(q),
        Mul => p.wrapping_mul(q),
        FloorDiv => p.checked_div(q).unwrap_or(0),
        Mod => p.checked_rem(q).unwrap_or(0),
        Pow => p.wrapping_pow(q.min(u32::MAX as u64) as u32),
        Maximum => p.max(q),
        Minimum => p.min(q),
        BitAnd => p & q,
        BitOr => p | q,
        BitXor => p ^ q,
        LeftShift => {
            if q < 64 {
                p << q
            } else {
                0
            }
        }
        RightShift => {
            if q < 64 {
                p >> q
            } else {
                0
            }
        }
        _ => unreachable!("float-only or comparison op on uints"),
    }))
}

/// Python's and NumPy's float floor division and remainder (divmod).
pub fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    if b == 0.0 {
        return (a / b, f64::NAN);
    }
    let m = a % b;
    let mut div = (a - m) / b;
    let m = if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            div -= 1.0;
            m + b
        } else {
            m
        }
    } else {
        0.0f64.copysign(b)
    };
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 { f + 1.0 } else { f }
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

/// The float loop of `+ - * /`, shared by the general path and the
/// one-pass float64 path so that both compute alike.
fn float_arith(op: BinOp) -> Option<fn(f64, f64) -> f64> {
    Some(match op {
        BinOp::Add => |p, q| p + q,
        BinOp::Sub => |p, q| p - q,
        BinOp::Mul => |p, q| p * q,
        BinOp::TrueDiv => |p, q| p / q,
        _ => return None,
    })
}

fn float_op(op: BinOp, x: &[f64], y: &[f64]) -> Vec<f64> {
    use BinOp::*;
    if let Some(f) = float_arith(op) {
        return zip(x, y, f);
    }
    match op {
        FloorDiv => zip(x, y, |p, q| float_divmod(p, q).0),
        Mod => zip(x, y, |p, q| float_divmod(p, q).1),
        Pow => zip(x, y, libc_math::pow),
        // maximum/minimum propagate NaN.
        Maximum => zip(x, y, |p, q| if p.is_nan() || q.is_nan() { f64::NAN } else { p.max(q) }),
        Minimum => zip(x, y, |p, q| if p.is_nan() || q.is_nan() { f64::NAN } else { p.min(q) }),
        Arctan2 => zip(x, y, libc_math::atan2),
        Hypot => zip(x, y, libc_math::hypot),
        _ => unreachable!("int-only or comparison op on floats"),
    }
}

fn complex_op(op: BinOp, x: &[(f64, f64)], y: &[(f64, f64)]) -> Result<Vec<(f64, f64)>> {
    use BinOp::*;
    Ok(zip(x, y, |(a, b), (c, d)| match op {
        Add => (a + c, b + d),
        Sub => (a - c, b - d),
        Mul => (a * c - b * d, a * d + b * c),
        TrueDiv => complex_div((a, b), (c, d)),
        Pow => complex_pow((a, b), (c, d)),
        Maximum => {
            if (a, b) >= (c, d) {
                (a, b)
            } else {
                (c, d)
            }
        }
        Minimum => {
            if (a, b) <= (c, d) {
                (a, b)
            } else {
                (c, d)
            }
        }
        _ => (f64::NAN, f64::NAN),
    }))
}

/// complex64 `op` in float32 arithmetic, as NumPy's loops on x86-64 run
/// it: the product with fused multiply-adds (`re = fma(a, c, -(b*d))`,
/// `im = fma(a, d, b*c)`, which the SIMD loops use), the quotient by
/// Smith's method through the reciprocal of the denominator. Values come
/// and go widened to f64.
fn complex64_op(op: BinOp, x: &[(f64, f64)], y: &[(f64, f64)]) -> Result<Vec<(f64, f64)>> {
    use BinOp::*;
    let narrow = |(a, b): (f64, f64)| (a as f32, b as f32);
    let wide = |(a, b): (f32, f32)| (a as f64, b as f64);
    match op {
        Add | Sub | Mul | TrueDiv => Ok(zip(x, y, |p, q| {
            let ((a, b), (c, d)) = (narrow(p), narrow(q));
            wide(match op {
                Add => (a + c, b + d),
                Sub => (a - c, b - d),
                Mul => (a.mul_add(c, -(b * d)), a.mul_add(d, b * c)),
                _ => complex64_div((a, b), (c, d)),
            })
        })),
        // The rest compute in f64 and round once.
        _ => complex_op(op, x, y),
    }
}

/// One complex64 `+` or `*` of widened values in float32, for products and
/// cumulative sums: NumPy's accumulating loops multiply without fused
/// operations (`re = a*c - b*d`), unlike its elementwise SIMD loop.
fn complex64_step(op: BinOp, p: (f64, f64), q: (f64, f64)) -> (f64, f64) {
    let ((a, b), (c, d)) = ((p.0 as f32, p.1 as f32), (q.0 as f32, q.1 as f32));
    let (re, im) = if op == BinOp::Add { (a + c, b + d) } else { (a * c - b * d, a * d + b * c) };
    (re as f64, im as f64)
}

/// NumPy's complex float32 division (Smith's method with a reciprocal).
fn complex64_div((a, b): (f32, f32), (c, d): (f32, f32)) -> (f32, f32) {
    let (ac, ad) = (c.abs(), d.abs());
    if ac >= ad {
        if ac == 0.0 && ad == 0.0 {
            return (a / ac, b / ac);
        }
        let rat = d / c;
        let scl = 1.0 / (c + d * rat);
        ((a + b * rat) * scl, (b - a * rat) * scl)
    } else {
        let rat = c / d;
        let scl = 1.0 / (d + c * rat);
        ((a * rat + b) * scl, (b * rat - a) * scl)
    }
}

/// NumPy's `abs` of a complex64 in float32: the larger part times
/// `sqrt(1 + r*r)` with `r` the ratio of the smaller to the larger (the
/// sum fused), which NumPy's SIMD loop computes instead of `hypotf`.
fn complex64_abs(re: f64, im: f64) -> f64 {
    let (a, b) = ((re as f32).abs(), (im as f32).abs());
    if a.is_nan() || b.is_nan() {
        return if a.is_infinite() || b.is_infinite() { f64::INFINITY } else { f64::NAN };
    }
    let (big, small) = if a >= b { (a, b) } else { (b, a) };
    if big == 0.0 || big.is_infinite() {
        return big as f64;
    }
    let r = small / big;
    (big * r.mul_add(r, 1.0).sqrt()) as f64
}

/// Smith's algorithm, as NumPy and CPython divide complex numbers.
fn complex_div((a, b): (f64, f64), (c, d): (f64, f64)) -> (f64, f64) {
    if c.abs() >= d.abs() {
        if c == 0.0 && d == 0.0 {
            return (a / c.abs(), b / c.abs());
        }
        let r = d / c;
        let den = c + d * r;
        ((a + b * r) / den, (b - a * r) / den)
    } else {
        let r = c / d;
        let den = c * r + d;
        ((a * r + b) / den, (b * r - a) / den)
    }
}

pub(crate) fn complex_pow(base: (f64, f64), exp: (f64, f64)) -> (f64, f64) {
    if exp == (0.0, 0.0) {
        return (1.0, 0.0);
    }
    if base == (0.0, 0.0) {
        return (0.0, 0.0);
    }
    // Small integer powers by repeated squaring, as NumPy's `nc_pow` does
    // (so that (1j)**2 is exactly -1).
    let (c, d) = exp;
    if d == 0.0 && c == c.trunc() && c.abs() < 100.0 {
        let mul = |(a, b): (f64, f64), (p, q): (f64, f64)| (a * p - b * q, a * q + b * p);
        let n = c.abs() as u32;
        let (mut acc, mut p, mut mask) = ((1.0, 0.0), base, 1u32);
        if n == 1 {
            acc = base;
        } else if n == 2 {
            acc = mul(base, base);
        } else if n == 3 {
            acc = mul(base, mul(base, base));
        } else {
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
        }
        return if c < 0.0 { complex_div((1.0, 0.0), acc) } else { acc };
    }
    let (r, theta) = (libc_math::hypot(base.0, base.1), libc_math::atan2(base.1, base.0));
    let (c, d) = exp;
    let len = libc_math::pow(r, c) * libc_math::exp(-d * theta);
    let phase = theta * c + d * libc_math::log(r);
    (len * libc_math::cos(phase), len * libc_math::sin(phase))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Negative,
    Positive,
    Absolute,
    Invert,
    LogicalNot,
    Sign,
    Sqrt,
    Square,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    Arcsin,
    Arccos,
    Arctan,
    Sinh,
    Cosh,
    Tanh,
    Floor,
    Ceil,
    Trunc,
    Rint,
    Isnan,
    Isinf,
    Isfinite,
    Deg2rad,
    Rad2deg,
}

impl UnaryOp {
    pub fn from_ufunc(name: &str) -> Option<UnaryOp> {
        use UnaryOp::*;
        Some(match name {
            "negative" => Negative,
            "positive" => Positive,
            "absolute" | "abs" => Absolute,
            "invert" | "bitwise_not" => Invert,
            "logical_not" => LogicalNot,
            "sign" => Sign,
            "sqrt" => Sqrt,
            "square" => Square,
            "exp" => Exp,
            "exp2" => Exp2,
            "expm1" => Expm1,
            "log" => Log,
            "log2" => Log2,
            "log10" => Log10,
            "log1p" => Log1p,
            "sin" => Sin,
            "cos" => Cos,
            "tan" => Tan,
            "arcsin" => Arcsin,
            "arccos" => Arccos,
            "arctan" => Arctan,
            "sinh" => Sinh,
            "cosh" => Cosh,
            "tanh" => Tanh,
            "floor" => Floor,
            "ceil" => Ceil,
            "trunc" => Trunc,
            "rint" => Rint,
            "isnan" => Isnan,
            "isinf" => Isinf,
            "isfinite" => Isfinite,
            "deg2rad" | "radians" => Deg2rad,
            "rad2deg" | "degrees" => Rad2deg,
            _ => return None,
        })
    }

    fn is_math(self) -> bool {
        use UnaryOp::*;
        matches!(
            self,
            Sqrt | Exp
                | Exp2
                | Expm1
                | Log
                | Log2
                | Log10
                | Log1p
                | Sin
                | Cos
                | Tan
                | Arcsin
                | Arccos
                | Arctan
                | Sinh
                | Cosh
                | Tanh
                | Deg2rad
                | Rad2deg
        )
    }
}

/// The compute and result dtypes of a unary op on `dtype`.
pub fn unary_types(op: UnaryOp, dtype: DType, name: &str) -> Result<(DType, DType)> {
    use UnaryOp::*;
    let kind = dtype.kind();
    let unsupported = || {
        Err(KernelError::Type(format!(
            "ufunc '{name}' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe''"
        )))
    };
    Ok(match op {
        Negative if kind == Kind::Bool => {
            return Err(KernelError::Type(
                "The numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the logical_not function instead.".into(),
            ));
        }
        Isnan | Isinf | Isfinite | LogicalNot => (dtype, DType::Bool),
        Invert if matches!(kind, Kind::Float | Kind::Complex) => return unsupported(),
        Absolute if kind == Kind::Complex => (dtype, dtype.component()),
        Floor | Ceil | Trunc | Rint if kind == Kind::Complex => return unsupported(),
        Floor | Ceil | Trunc if kind != Kind::Float => (dtype, dtype),
        _ if op.is_math() || matches!(op, Floor | Ceil | Trunc | Rint) => {
            if matches!(op, Rint) && kind != Kind::Float && kind != Kind::Complex {
                let t = dtype.float_result();
                (t, t)
            } else if kind == Kind::Complex {
                if matches!(op, Sqrt | Exp | Log) { (dtype, dtype) } else { return unsupported() }
            } else {
                let t = dtype.float_result();
                (t, t)
            }
        }
        Sign | Square | Negative | Positive | Absolute | Invert => (dtype, dtype),
        _ => unreachable!("every op is listed"),
    })
}

/// Applies a unary op to a column already cast to its compute dtype `ct`.
pub fn unary(op: UnaryOp, ct: DType, a: &Column) -> Column {
    use UnaryOp::*;
    let out = match a {
        Column::Bool(x) => match op {
            Invert | LogicalNot => Column::Bool(x.iter().map(|v| !v).collect()),
            Isnan | Isinf => Column::Bool(vec![false; x.len()]),
            Isfinite => Column::Bool(vec![true; x.len()]),
            _ => Column::Bool(x.clone()),
        },
        Column::Int(x) => match op {
            Negative => Column::Int(x.iter().map(|v| v.wrapping_neg()).collect()),
            Absolute => Column::Int(x.iter().map(|v| v.wrapping_abs()).collect()),
            Invert => Column::Int(x.iter().map(|v| !v).collect()),
            Sign => Column::Int(x.iter().map(|v| v.signum()).collect()),
            Square => Column::Int(x.iter().map(|v| v.wrapping_mul(*v)).collect()),
            LogicalNot => Column::Bool(x.iter().map(|v| *v == 0).collect()),
            Isnan | Isinf => Column::Bool(vec![false; x.len()]),
            Isfinite => Column::Bool(vec![true; x.len()]),
            _ => Column::Int(x.clone()),
        },
        Column::UInt(x) => match op {
            Negative => Column::UInt(x.iter().map(|v| v.wrapping_neg()).collect()),
            Invert => Column::UInt(x.iter().map(|v| !v).collect()),
            Sign => Column::UInt(x.iter().map(|v| (*v != 0) as u64).collect()),
            Square => Column::UInt(x.iter().map(|v| v.wrapping_mul(*v)).collect()),
            LogicalNot => Column::Bool(x.iter().map(|v| *v == 0).collect()),
            Isnan | Isinf => Column::Bool(vec![false; x.len()]),
            Isfinite => Column::Bool(vec![true; x.len()]),
            _ => Column::UInt(x.clone()),
        },
        Column::Float(x) => match op {
            Isnan => Column::Bool(x.iter().map(|v| v.is_nan()).collect()),
            Isinf => Column::Bool(x.iter().map(|v| v.is_infinite()).collect()),
            Isfinite => Column::Bool(x.iter().map(|v| v.is_finite()).collect()),
            LogicalNot => Column::Bool(x.iter().map(|v| *v == 0.0).collect()),
            _ => {
                // NumPy's float16 loops compute in float32 too.
                let single = matches!(ct, DType::Float32 | DType::Float16);
                Column::Float(x.iter().map(|&v| float_unary(op, v, single)).collect())
            }
        },
        Column::Complex(x) => match op {
            Absolute if ct == DType::Complex64 => {
                Column::Float(x.iter().map(|&(re, im)| complex64_abs(re, im)).collect())
            }
            Absolute => Column::Float(x.iter().map(|&(re, im)| libc_math::hypot(re, im)).collect()),
            Negative => Column::Complex(x.iter().map(|(re, im)| (-re, -im)).collect()),
            Isnan => Column::Bool(x.iter().map(|(re, im)| re.is_nan() || im.is_nan()).collect()),
            Isinf => Column::Bool(x.iter().map(|(re, im)| re.is_infinite() || im.is_infinite()).collect()),
            Isfinite => Column::Bool(x.iter().map(|(re, im)| re.is_finite() && im.is_finite()).collect()),
            LogicalNot => Column::Bool(x.iter().map(|&(re, im)| re == 0.0 && im == 0.0).collect()),
            Square => Column::Complex(x.iter().map(|&(a, b)| (a * a - b * b, 2.0 * a * b)).collect()),
            Sqrt => Column::Complex(x.iter().map(|&z| complex_pow(z, (0.5, 0.0))).collect()),
            Exp => Column::Complex(
                x.iter()
                    .map(|&(a, b)| (libc_math::exp(a) * libc_math::cos(b), libc_math::exp(a) * libc_math::sin(b)))
                    .collect(),
            ),
            Log => Column::Complex(
                x.iter().map(|&(a, b)| (libc_math::log(libc_math::hypot(a, b)), libc_math::atan2(b, a))).collect(),
            ),
            _ => Column::Complex(x.clone()),
        },
        Column::Long(x) => long_kernels::unary(op, x),
        Column::LongComplex(x) => long_kernels::unary_complex(op, x),
    };
    // Narrow types computed in f64 round once (complex64's transcendental
    // functions, which NumPy computes in float32, may differ in the last bit).
    match (ct, &out) {
        (DType::Float16 | DType::Float32, Column::Float(_)) => cast(&out, ct),
        (DType::Complex64, Column::Complex(_)) => cast(&out, ct),
        (DType::Complex64, Column::Float(_)) => cast(&out, DType::Float32),
        _ => out,
    }
}

/// One float through a unary op. float32 math functions round through f32,
/// as NumPy's float32 loops call the single-precision libm functions.
fn float_unary(op: UnaryOp, v: f64, single: bool) -> f64 {
    use UnaryOp::*;
    macro_rules! math {
        ($f32:ident, $f64:ident) => {
            if single { (v as f32).$f32() as f64 } else { libc_math::$f64(v) }
        };
    }
    match op {
        Negative => -v,
        Positive => v,
        Absolute => v.abs(),
        Sign => {
            if v.is_nan() {
                f64::NAN
            } else if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        }
        Square => v * v,
        Sqrt => v.sqrt(),
        Exp => math!(exp, exp),
        Exp2 => math!(exp2, exp2),
        Expm1 => math!(exp_m1, expm1),
        Log => math!(ln, log),
        Log2 => math!(log2, log2),
        Log10 => math!(log10, log10),
        Log1p => math!(ln_1p, log1p),
        Sin => math!(sin, sin),
        Cos => math!(cos, cos),
        Tan => math!(tan, tan),
        Arcsin => math!(asin, asin),
        Arccos => math!(acos, acos),
        Arctan => math!(atan, atan),
        Sinh => math!(sinh, sinh),
        Cosh => math!(cosh, cosh),
        Tanh => math!(tanh, tanh),
        Floor => v.floor(),
        Ceil => v.ceil(),
        Trunc => v.trunc(),
        Rint => v.round_ties_even(),
        Deg2rad => v * (std::f64::consts::PI / 180.0),
        Rad2deg => v * (180.0 / std::f64::consts::PI),
        Isnan | Isinf | Isfinite | LogicalNot | Invert => unreachable!("handled by the caller"),
    }
}

/// NumPy's pairwise summation (numpy/_core/src/umath/loops_utils.h): a
/// plain loop under 8 values, eight accumulators up to 128, halves above
/// (split at a multiple of 8). `negative_zero` starts the plain loop, so
/// that a sum of -0.0 stays -0.0 until the identity is added.
fn pairwise_sum<T: Copy + std::ops::Add<Output = T>>(x: &[T], negative_zero: T) -> T {
    let n = x.len();
    if n < 8 {
        x.iter().fold(negative_zero, |s, &v| s + v)
    } else if n <= 128 {
        let mut r = [x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]];
        let mut i = 8;
        while i + 8 <= n {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc = *acc + x[i + j];
            }
            i += 8;
        }
        let s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        x[i..].iter().fold(s, |s, &v| s + v)
    } else {
        let half = (n / 2) & !7;
        pairwise_sum(&x[..half], negative_zero) + pairwise_sum(&x[half..], negative_zero)
    }
}

/// NumPy's pairwise summation of complex values: the same scheme over the
/// interleaved parts, so four values per block of eight accumulators (the
/// plain loop under four values, halves above 64).
fn pairwise_sum_complex<T: Copy + std::ops::Add<Output = T>>(x: &[(T, T)], negative_zero: T) -> (T, T) {
    let n = x.len();
    if n < 4 {
        x.iter().fold((negative_zero, negative_zero), |(a, b), &(c, d)| (a + c, b + d))
    } else if n <= 64 {
        let mut r = [x[0], x[1], x[2], x[3]];
        let mut i = 4;
        while i + 4 <= n {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc = (acc.0 + x[i + j].0, acc.1 + x[i + j].1);
            }
            i += 4;
        }
        let re = (r[0].0 + r[1].0) + (r[2].0 + r[3].0);
        let im = (r[0].1 + r[1].1) + (r[2].1 + r[3].1);
        x[i..].iter().fold((re, im), |(a, b), &(c, d)| (a + c, b + d))
    } else {
        // NumPy splits the interleaved length at a multiple of 8.
        let half = ((2 * n / 2) & !7) / 2;
        let (a, b) = pairwise_sum_complex(&x[..half], negative_zero);
        let (c, d) = pairwise_sum_complex(&x[half..], negative_zero);
        (a + c, b + d)
    }
}

/// Pairwise summation of f64, as NumPy sums float64 arrays.
pub fn pairwise_sum_f64(x: &[f64]) -> f64 {
    pairwise_sum(x, -0.0)
}

/// The same in float32 arithmetic, as NumPy sums float32 arrays.
pub fn pairwise_sum_f32(x: &[f32]) -> f32 {
    pairwise_sum(x, -0.0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    All,
    Any,
    ArgMax,
    ArgMin,
    CumSum,
    CumProd,
}

impl ReduceOp {
    pub fn from_name(name: &str) -> Option<ReduceOp> {
        use ReduceOp::*;
        Some(match name {
            "sum" => Sum,
            "prod" => Prod,
            "max" => Max,
            "min" => Min,
            "all" => All,
            "any" => Any,
            "argmax" => ArgMax,
            "argmin" => ArgMin,
            "cumsum" => CumSum,
            "cumprod" => CumProd,
            _ => return None,
        })
    }
}

/// The dtype a reduction computes in and returns: sums and products of
/// small integers widen to int64 (uint64), as NumPy's default accumulator.
pub fn reduce_type(op: ReduceOp, dtype: DType) -> DType {
    use ReduceOp::*;
    match op {
        Sum | Prod | CumSum | CumProd => match dtype {
            DType::Bool | DType::Int8 | DType::Int16 | DType::Int32 => DType::Int64,
            DType::UInt8 | DType::UInt16 | DType::UInt32 => DType::UInt64,
            other => other,
        },
        All | Any => DType::Bool,
        ArgMax | ArgMin => DType::Int64,
        Max | Min => dtype,
    }
}

/// Reduces `groups` runs of `len` values each (`values` packed group after
/// group; `contiguous` says whether the reduced axis was the array's
/// innermost one, which decides NumPy's summation order). The values are
/// already cast to `ct`, the type `reduce_type` gave. Cumulative ops return
/// `groups * len` values; the others `groups`.
pub fn reduce(op: ReduceOp, ct: DType, values: &Column, groups: usize, len: usize, pairwise: bool) -> Result<Column> {
    use ReduceOp::*;
    if len == 0 && matches!(op, Max | Min | ArgMax | ArgMin) {
        let name = match op {
            Max => "maximum",
            Min => "minimum",
            ArgMax => "argmax",
            _ => "argmin",
        };
        return Err(KernelError::Value(if matches!(op, ArgMax | ArgMin) {
            format!("attempt to get {name} of an empty sequence")
        } else {
            format!("zero-size array to reduction operation {name} which has no identity")
        }));
    }
    let group = |g: usize| g * len..(g + 1) * len;
    Ok(match (op, values) {
        (All, _) | (Any, _) => {
            let want_all = op == All;
            Column::Bool(
                (0..groups)
                    .map(|g| {
                        let mut it = group(g).map(|i| truthy(values.get(i)));
                        if want_all { it.all(|v| v) } else { it.any(|v| v) }
                    })
                    .collect(),
            )
        }
        (ArgMax, _) | (ArgMin, _) => {
            let is_max = op == ArgMax;
            Column::Int((0..groups).map(|g| arg_extreme(values, group(g), is_max) as i64).collect())
        }
        // float16 sums run in float32 too (NumPy's half loops accumulate in
        // float and round once at the end, when the result is stored).
        (Sum, Column::Float(x)) if matches!(ct, DType::Float32 | DType::Float16) => {
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            Column::Float(
                (0..groups)
                    .map(|g| {
                        let r = &x32[group(g)];
                        // NumPy adds the pairwise sum to the identity, 0.0.
                        if pairwise {
                            (0.0 + pairwise_sum_f32(r)) as f64
                        } else if ct == DType::Float16 {
                            // Across outer axes NumPy adds into the float16
                            // result, rounding after every row.
                            let h = |v: f64| crate::values::f16_value(crate::values::f16_bits(v));
                            r.iter().fold(0.0f64, |s, &v| h(s + v as f64))
                        } else {
                            r.iter().fold(0.0f32, |s, v| s + v) as f64
                        }
                    })
                    .collect(),
            )
        }
        (Sum, Column::Float(x)) => Column::Float(
            (0..groups)
                .map(|g| {
                    let r = &x[group(g)];
                    if pairwise { 0.0 + pairwise_sum_f64(r) } else { r.iter().fold(0.0, |s, v| s + v) }
                })
                .collect(),
        ),
        (Sum, Column::Complex(x)) if ct == DType::Complex64 => {
            let x32: Vec<(f32, f32)> = x.iter().map(|&(a, b)| (a as f32, b as f32)).collect();
            Column::Complex(
                (0..groups)
                    .map(|g| {
                        let r = &x32[group(g)];
                        let (re, im) = if pairwise {
                            let (re, im) = pairwise_sum_complex(r, -0.0f32);
                            (0.0 + re, 0.0 + im)
                        } else {
                            r.iter().fold((0.0f32, 0.0f32), |(a, b), (c, d)| (a + c, b + d))
                        };
                        (re as f64, im as f64)
                    })
                    .collect(),
            )
        }
        (Sum, Column::Complex(x)) => Column::Complex(
            (0..groups)
                .map(|g| {
                    let r = &x[group(g)];
                    if pairwise {
                        let (re, im) = pairwise_sum_complex(r, -0.0f64);
                        (0.0 + re, 0.0 + im)
                    } else {
                        r.iter().fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d))
                    }
                })
                .collect(),
        ),
        (Sum, Column::Long(x)) => Column::Long(
            (0..groups)
                .map(|g| {
                    let r = &x[group(g)];
                    if pairwise {
                        Ld::ZERO + pairwise_sum(r, -Ld::ZERO)
                    } else {
                        r.iter().fold(Ld::ZERO, |s, &v| s + v)
                    }
                })
                .collect(),
        ),
        (Sum, Column::LongComplex(x)) => Column::LongComplex(
            (0..groups)
                .map(|g| {
                    let r = &x[group(g)];
                    if pairwise {
                        let (re, im) = pairwise_sum_complex(r, -Ld::ZERO);
                        (Ld::ZERO + re, Ld::ZERO + im)
                    } else {
                        r.iter().fold((Ld::ZERO, Ld::ZERO), |(a, b), &(c, d)| (a + c, b + d))
                    }
                })
                .collect(),
        ),
        (Prod, Column::Long(x)) => {
            Column::Long((0..groups).map(|g| x[group(g)].iter().fold(Ld::from_f64(1.0), |p, &v| p * v)).collect())
        }
        (Prod, Column::LongComplex(x)) => Column::LongComplex(
            (0..groups)
                .map(|g| {
                    x[group(g)]
                        .iter()
                        .fold((Ld::from_f64(1.0), Ld::ZERO), |(a, b), &(c, d)| (a * c - b * d, a * d + b * c))
                })
                .collect(),
        ),
        (Sum, Column::Int(x)) => {
            Column::Int((0..groups).map(|g| x[group(g)].iter().fold(0i64, |s, v| s.wrapping_add(*v))).collect())
        }
        (Sum, Column::UInt(x)) => {
            Column::UInt((0..groups).map(|g| x[group(g)].iter().fold(0u64, |s, v| s.wrapping_add(*v))).collect())
        }
        (Prod, Column::Float(x)) => {
            let out: Vec<f64> = (0..groups)
                .map(|g| {
                    let mut p = 1.0f64;
                    for &v in &x[group(g)] {
                        p = if matches!(ct, DType::Float32 | DType::Float16) {
                            ((p as f32) * (v as f32)) as f64
                        } else {
                            p * v
                        };
                    }
                    p
                })
                .collect();
            Column::Float(out)
        }
        (Prod, Column::Int(x)) => {
            Column::Int((0..groups).map(|g| x[group(g)].iter().fold(1i64, |s, v| s.wrapping_mul(*v))).collect())
        }
        (Prod, Column::UInt(x)) => {
            Column::UInt((0..groups).map(|g| x[group(g)].iter().fold(1u64, |s, v| s.wrapping_mul(*v))).collect())
        }
        (Prod, Column::Complex(x)) if ct == DType::Complex64 => Column::Complex(
            (0..groups)
                .map(|g| x[group(g)].iter().fold((1.0, 0.0), |p, &v| complex64_step(BinOp::Mul, p, v)))
                .collect(),
        ),
        (Prod, Column::Complex(x)) => Column::Complex(
            (0..groups)
                .map(|g| x[group(g)].iter().fold((1.0, 0.0), |(a, b), &(c, d)| (a * c - b * d, a * d + b * c)))
                .collect(),
        ),
        (Max, _) | (Min, _) => {
            let is_max = op == Max;
            let picks: Vec<usize> = (0..groups).map(|g| g * len + arg_extreme(values, group(g), is_max)).collect();
            values.take(&picks)
        }
        (CumSum, _) | (CumProd, _) => cumulate(op, ct, values, groups, len),
        (Sum | Prod, Column::Bool(_)) => unreachable!("bool sums are cast to int64 first"),
    })
}

/// The index (within its group) of the first largest or smallest value;
/// NaN wins, as NumPy's argmax/argmin and max/min propagate it.
fn arg_extreme(values: &Column, range: std::ops::Range<usize>, is_max: bool) -> usize {
    let start = range.start;
    let mut best = start;
    for i in range {
        let (cand, cur) = (values.get(i), values.get(best));
        if is_nan(cur) {
            break;
        }
        let better = if is_nan(cand) {
            true
        } else if is_max {
            greater(cand, cur)
        } else {
            greater(cur, cand)
        };
        if better {
            best = i;
        }
    }
    best - start
}

fn is_nan(s: Scalar) -> bool {
    match s {
        Scalar::Float(x) => x.is_nan(),
        Scalar::Complex(re, im) => re.is_nan() || im.is_nan(),
        Scalar::Long(x) => x.is_nan(),
        Scalar::LongComplex(re, im) => re.is_nan() || im.is_nan(),
        _ => false,
    }
}

fn greater(a: Scalar, b: Scalar) -> bool {
    match (a, b) {
        (Scalar::Bool(x), Scalar::Bool(y)) => x & !y,
        (Scalar::Int(x), Scalar::Int(y)) => x > y,
        (Scalar::UInt(x), Scalar::UInt(y)) => x > y,
        (Scalar::Long(x), Scalar::Long(y)) => x > y,
        (Scalar::LongComplex(p, q), Scalar::LongComplex(r, s)) => (p, q) > (r, s),
        (Scalar::Complex(..), _) | (_, Scalar::Complex(..)) => as_complex(a) > as_complex(b),
        _ => as_f64(a) > as_f64(b),
    }
}

fn cumulate(op: ReduceOp, ct: DType, values: &Column, groups: usize, len: usize) -> Column {
    let is_sum = op == ReduceOp::CumSum;
    macro_rules! scan {
        ($x:expr, $zero:expr, $one:expr, $add:expr, $mul:expr) => {{
            let mut out = Vec::with_capacity($x.len());
            for g in 0..groups {
                let mut acc = if is_sum { $zero } else { $one };
                for &v in &$x[g * len..(g + 1) * len] {
                    acc = if is_sum { $add(acc, v) } else { $mul(acc, v) };
                    out.push(acc);
                }
            }
            out
        }};
    }
    match values {
        // Each partial result is stored, so float16 rounds at every step.
        Column::Float(x) if ct == DType::Float16 => {
            let h = |v: f64| crate::values::f16_value(crate::values::f16_bits(v));
            Column::Float(scan!(x, 0.0f64, 1.0f64, |a: f64, v: f64| h(a + v), |a: f64, v: f64| h(a * v)))
        }
        Column::Float(x) if ct == DType::Float32 => Column::Float(scan!(
            x,
            0.0f64,
            1.0f64,
            |a: f64, v: f64| ((a as f32) + (v as f32)) as f64,
            |a: f64, v: f64| ((a as f32) * (v as f32)) as f64
        )),
        Column::Float(x) => Column::Float(scan!(x, 0.0f64, 1.0f64, |a: f64, v| a + v, |a: f64, v| a * v)),
        Column::Int(x) => Column::Int(scan!(x, 0i64, 1i64, i64::wrapping_add, i64::wrapping_mul)),
        Column::UInt(x) => Column::UInt(scan!(x, 0u64, 1u64, u64::wrapping_add, u64::wrapping_mul)),
        // complex64 stores each partial result, in float32.
        Column::Complex(x) if ct == DType::Complex64 => {
            Column::Complex(scan!(x, (0.0, 0.0), (1.0, 0.0), |p, v| complex64_step(BinOp::Add, p, v), |p, v| {
                complex64_step(BinOp::Mul, p, v)
            }))
        }
        Column::Complex(x) => Column::Complex(scan!(
            x,
            (0.0, 0.0),
            (1.0, 0.0),
            |(a, b): (f64, f64), (c, d): (f64, f64)| (a + c, b + d),
            |(a, b): (f64, f64), (c, d): (f64, f64)| (a * c - b * d, a * d + b * c)
        )),
        Column::Long(x) => Column::Long(scan!(x, Ld::ZERO, Ld::from_f64(1.0), |a: Ld, v| a + v, |a: Ld, v| a * v)),
        Column::LongComplex(x) => Column::LongComplex(scan!(
            x,
            (Ld::ZERO, Ld::ZERO),
            (Ld::from_f64(1.0), Ld::ZERO),
            |(a, b): (Ld, Ld), (c, d): (Ld, Ld)| (a + c, b + d),
            |(a, b): (Ld, Ld), (c, d): (Ld, Ld)| (a * c - b * d, a * d + b * c)
        )),
        Column::Bool(_) => unreachable!("bool cumsums are cast to int64 first"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_numpy_order() {
        // NumPy 2.4.6: np.sum(np.arange(1001) * 0.01) == 5005.0 and
        // np.sum(np.arange(200) * 0.1) == 1990.0, where a plain
        // left-to-right loop gives 5004.999999999999 and 1990.0000000000002.
        let x: Vec<f64> = (0..1001).map(|i| i as f64 * 0.01).collect();
        assert_eq!(pairwise_sum_f64(&x), 5005.0);
        let x: Vec<f64> = (0..200).map(|i| i as f64 * 0.1).collect();
        assert_eq!(pairwise_sum_f64(&x), 1990.0);
    }

    #[test]
    fn float64_fast_path_agrees_with_the_general_path() {
        let bytes = |v: &[f64]| v.iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<u8>>();
        let (x, y) = (vec![1.5, -2.0, 0.1, f64::INFINITY], vec![0.25, 3.0, 0.2, 1.0]);
        for op in [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::TrueDiv] {
            let general = binary(op, DType::Float64, &Column::Float(x.clone()), &Column::Float(y.clone())).unwrap();
            let Column::Float(general) = general else { panic!("float result") };
            assert_eq!(float64_arith_bytes(op, &bytes(&x), &bytes(&y)), Some(bytes(&general)));
            let scalar = float64_arith_bytes(op, &bytes(&x), &bytes(&[0.5])).unwrap();
            let general = binary(op, DType::Float64, &Column::Float(x.clone()), &Column::Float(vec![0.5; 4])).unwrap();
            let Column::Float(general) = general else { panic!("float result") };
            assert_eq!(scalar, bytes(&general));
        }
        assert_eq!(float64_arith_bytes(BinOp::Maximum, &bytes(&x), &bytes(&y)), None);
        assert_eq!(float64_arith_bytes(BinOp::Add, &bytes(&x), &bytes(&[1.0, 2.0])), None);
    }

    #[test]
    fn arange_fills_like_numpy() {
        let f64s =
            |b: Vec<u8>| b.chunks_exact(8).map(|c| f64::from_ne_bytes(c.try_into().unwrap())).collect::<Vec<_>>();
        // NumPy 2.4.6: np.arange(0.5, 3.3, 0.7).tolist() == [0.5, 1.2, 1.9, 2.5999999999999996].
        let x = f64s(arange_bytes(DType::Float64, Scalar::Float(0.5), Scalar::Float(0.7), 4).unwrap());
        assert_eq!(x, [0.5, 1.2, 1.9, 2.5999999999999996]);
        let i = arange_bytes(DType::Int16, Scalar::Int(5), Scalar::Int(-2), 4).unwrap();
        let i: Vec<i16> = i.chunks_exact(2).map(|c| i16::from_ne_bytes(c.try_into().unwrap())).collect();
        assert_eq!(i, [5, 3, 1, -1]);
        assert_eq!(arange_bytes(DType::Bool, Scalar::Int(0), Scalar::Int(1), 2), None);
    }

    #[test]
    fn integer_division_floors_like_python() {
        let r = int_op(BinOp::FloorDiv, &[-7, 7, 5], &[2, -2, 0]).unwrap();
        assert_eq!(r, [-4, -4, 0]);
        let m = int_op(BinOp::Mod, &[-7, 7], &[2, -2]).unwrap();
        assert_eq!(m, [1, -1]);
        assert_eq!(float_divmod(-7.0, 2.0), (-4.0, 1.0));
    }

    #[test]
    fn result_types() {
        assert_eq!(binary_types(BinOp::TrueDiv, DType::Int32).unwrap(), (DType::Float64, DType::Float64));
        assert_eq!(binary_types(BinOp::Lt, DType::Float32).unwrap().1, DType::Bool);
        assert!(binary_types(BinOp::BitAnd, DType::Float64).is_err());
        assert!(binary_types(BinOp::Sub, DType::Bool).is_err());
    }
}
