//! Element values decoded for computing: every integer type up to 32 bits
//! (and int64) computes as i64, uint64 as u64, floats as f64, complex as
//! (re, im) pairs. Encoding back to a dtype applies NumPy's C casts: integers
//! wrap, floats truncate toward zero, float32 and float16 round to nearest
//! (ties to even), overflowing to infinity.
//!
//! Computing float32 or float16 in f64 and rounding once is exact for
//! `+ - * /` and `sqrt` (f64 has more than twice their precision plus two
//! bits), so results match NumPy's loops bit for bit; sums are the exception
//! and run in f32 (`kernels::sum`). longdouble and clongdouble compute in
//! their own 80-bit format (`longdouble::Ld`).

use crate::dtype::{DType, Kind};
use crate::longdouble::{self, Ld};
use half::f16;

/// A run of values of one compute kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    UInt(Vec<u64>),
    Float(Vec<f64>),
    Complex(Vec<(f64, f64)>),
    Long(Vec<Ld>),
    LongComplex(Vec<(Ld, Ld)>),
}

/// One value of a compute kind (a scalar operand, a reduction's result).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Complex(f64, f64),
    Long(Ld),
    LongComplex(Ld, Ld),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Bool(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::UInt(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Complex(v) => v.len(),
            Column::Long(v) => v.len(),
            Column::LongComplex(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` copies of `value`.
    pub fn repeat(value: Scalar, n: usize) -> Column {
        match value {
            Scalar::Bool(x) => Column::Bool(vec![x; n]),
            Scalar::Int(x) => Column::Int(vec![x; n]),
            Scalar::UInt(x) => Column::UInt(vec![x; n]),
            Scalar::Float(x) => Column::Float(vec![x; n]),
            Scalar::Complex(re, im) => Column::Complex(vec![(re, im); n]),
            Scalar::Long(x) => Column::Long(vec![x; n]),
            Scalar::LongComplex(re, im) => Column::LongComplex(vec![(re, im); n]),
        }
    }

    pub fn get(&self, i: usize) -> Scalar {
        match self {
            Column::Bool(v) => Scalar::Bool(v[i]),
            Column::Int(v) => Scalar::Int(v[i]),
            Column::UInt(v) => Scalar::UInt(v[i]),
            Column::Float(v) => Scalar::Float(v[i]),
            Column::Complex(v) => Scalar::Complex(v[i].0, v[i].1),
            Column::Long(v) => Scalar::Long(v[i]),
            Column::LongComplex(v) => Scalar::LongComplex(v[i].0, v[i].1),
        }
    }

    /// The values at `indices`, in that order.
    pub fn take(&self, indices: &[usize]) -> Column {
        match self {
            Column::Bool(v) => Column::Bool(indices.iter().map(|&i| v[i]).collect()),
            Column::Int(v) => Column::Int(indices.iter().map(|&i| v[i]).collect()),
            Column::UInt(v) => Column::UInt(indices.iter().map(|&i| v[i]).collect()),
            Column::Float(v) => Column::Float(indices.iter().map(|&i| v[i]).collect()),
            Column::Complex(v) => Column::Complex(indices.iter().map(|&i| v[i]).collect()),
            Column::Long(v) => Column::Long(indices.iter().map(|&i| v[i]).collect()),
            Column::LongComplex(v) => Column::LongComplex(indices.iter().map(|&i| v[i]).collect()),
        }
    }
}

/// Decodes packed native-endian elements of `dtype`.
pub fn decode(bytes: &[u8], dtype: DType) -> Column {
    macro_rules! ints {
        ($t:ty, $variant:ident, $as:ty) => {
            Column::$variant(
                bytes
                    .chunks_exact(size_of::<$t>())
                    .map(|c| <$t>::from_ne_bytes(c.try_into().unwrap()) as $as)
                    .collect(),
            )
        };
    }
    match dtype {
        DType::Bool => Column::Bool(bytes.iter().map(|&b| b != 0).collect()),
        DType::Int8 => ints!(i8, Int, i64),
        DType::Int16 => ints!(i16, Int, i64),
        DType::Int32 => ints!(i32, Int, i64),
        DType::Int64 => ints!(i64, Int, i64),
        DType::UInt8 => ints!(u8, Int, i64),
        DType::UInt16 => ints!(u16, Int, i64),
        DType::UInt32 => ints!(u32, Int, i64),
        DType::UInt64 => ints!(u64, UInt, u64),
        DType::Float16 => {
            Column::Float(bytes.chunks_exact(2).map(|c| f16_value(u16::from_ne_bytes([c[0], c[1]]))).collect())
        }
        DType::Float32 => ints!(f32, Float, f64),
        DType::Float64 => ints!(f64, Float, f64),
        DType::LongDouble => Column::Long(bytes.chunks_exact(longdouble::SIZE).map(Ld::from_bytes).collect()),
        DType::Complex64 => Column::Complex(
            bytes
                .chunks_exact(8)
                .map(|c| {
                    let part = |b: &[u8]| f32::from_ne_bytes(b.try_into().unwrap()) as f64;
                    (part(&c[..4]), part(&c[4..]))
                })
                .collect(),
        ),
        DType::CLongDouble => Column::LongComplex(
            bytes
                .chunks_exact(2 * longdouble::SIZE)
                .map(|c| (Ld::from_bytes(&c[..16]), Ld::from_bytes(&c[16..])))
                .collect(),
        ),
        DType::Complex128 => Column::Complex(
            bytes
                .chunks_exact(16)
                .map(|c| {
                    (f64::from_ne_bytes(c[..8].try_into().unwrap()), f64::from_ne_bytes(c[8..].try_into().unwrap()))
                })
                .collect(),
        ),
    }
}

/// Encodes `column` as packed elements of `dtype`, casting as NumPy's
/// `astype` does (unsafe casting).
pub fn encode(column: &Column, dtype: DType) -> Vec<u8> {
    let mut out = Vec::with_capacity(column.len() * dtype.itemsize());
    macro_rules! put {
        ($conv:expr) => {{
            for i in 0..column.len() {
                out.extend_from_slice(&$conv(column.get(i)).to_ne_bytes());
            }
        }};
    }
    match dtype {
        DType::Bool => {
            for i in 0..column.len() {
                out.push(truthy(column.get(i)) as u8);
            }
        }
        DType::Int8 => put!(|s| as_i64(s) as i8),
        DType::Int16 => put!(|s| as_i64(s) as i16),
        DType::Int32 => put!(|s| as_i64(s) as i32),
        DType::Int64 => put!(as_i64),
        DType::UInt8 => put!(|s| as_i64(s) as u8),
        DType::UInt16 => put!(|s| as_i64(s) as u16),
        DType::UInt32 => put!(|s| as_i64(s) as u32),
        DType::UInt64 => put!(as_u64),
        DType::Float16 => put!(|s| f16_bits(as_f64(s))),
        DType::Float32 => put!(|s| as_f64(s) as f32),
        DType::Float64 => put!(as_f64),
        DType::LongDouble => {
            for i in 0..column.len() {
                out.extend_from_slice(&as_ld(column.get(i)).to_bytes());
            }
        }
        DType::Complex64 => {
            for i in 0..column.len() {
                let (re, im) = as_complex(column.get(i));
                out.extend_from_slice(&(re as f32).to_ne_bytes());
                out.extend_from_slice(&(im as f32).to_ne_bytes());
            }
        }
        DType::CLongDouble => {
            for i in 0..column.len() {
                let (re, im) = as_ld_complex(column.get(i));
                out.extend_from_slice(&re.to_bytes());
                out.extend_from_slice(&im.to_bytes());
            }
        }
        DType::Complex128 => {
            for i in 0..column.len() {
                let (re, im) = as_complex(column.get(i));
                out.extend_from_slice(&re.to_ne_bytes());
                out.extend_from_slice(&im.to_ne_bytes());
            }
        }
    }
    out
}

/// The float16 nearest `x` (ties to even, overflowing to infinity), as
/// NumPy's double-to-half cast. `half`'s own `f16::from_f64` drops the low
/// half of the double's significand before rounding, which misrounds values
/// just past a tie (2049.0001 gives 2048), so the conversion is APFloat's.
pub fn f16_bits(x: f64) -> u16 {
    use rustc_apfloat::{Float, FloatConvert, ieee};
    let mut loses = false;
    let h: ieee::Half = ieee::Double::from_bits(x.to_bits() as u128).convert(&mut loses).value;
    h.to_bits() as u16
}

/// float16 bits as the f64 they stand for (exact).
pub fn f16_value(bits: u16) -> f64 {
    f16::from_bits(bits).to_f64()
}

/// `column` as the values `dtype` would hold (wrapped, truncated, rounded),
/// in `dtype`'s compute kind.
pub fn cast(column: &Column, dtype: DType) -> Column {
    if same_variant(column, &compute_column(dtype)) && exact_in(column, dtype) {
        return column.clone();
    }
    decode(&encode(column, dtype), dtype)
}

/// Whether every value of `column`'s kind already fits `dtype` unchanged,
/// so that casting can skip the round trip through bytes.
fn exact_in(column: &Column, dtype: DType) -> bool {
    matches!(
        (column, dtype),
        (Column::Bool(_), DType::Bool)
            | (Column::Int(_), DType::Int64)
            | (Column::UInt(_), DType::UInt64)
            | (Column::Float(_), DType::Float64)
            | (Column::Complex(_), DType::Complex128)
            | (Column::Long(_), DType::LongDouble)
            | (Column::LongComplex(_), DType::CLongDouble)
    )
}

/// The column `dtype` decodes to (`Column` variants have no payload to
/// compare, so the kind is told by a column of no values).
fn compute_column(dtype: DType) -> Column {
    match dtype {
        DType::UInt64 => Column::UInt(vec![]),
        DType::LongDouble => Column::Long(vec![]),
        DType::CLongDouble => Column::LongComplex(vec![]),
        other => match other.kind() {
            Kind::Bool => Column::Bool(vec![]),
            Kind::UInt | Kind::Int => Column::Int(vec![]),
            Kind::Float => Column::Float(vec![]),
            Kind::Complex => Column::Complex(vec![]),
        },
    }
}

/// The values `items`, cast to `dtype`, as the column it computes in.
pub fn column_of(items: &[Scalar], dtype: DType) -> Column {
    let col = match compute_column(dtype) {
        Column::Bool(_) => Column::Bool(items.iter().map(|&s| truthy(s)).collect()),
        Column::Int(_) => Column::Int(items.iter().map(|&s| as_i64(s)).collect()),
        Column::UInt(_) => Column::UInt(items.iter().map(|&s| as_u64(s)).collect()),
        Column::Float(_) => Column::Float(items.iter().map(|&s| as_f64(s)).collect()),
        Column::Complex(_) => Column::Complex(items.iter().map(|&s| as_complex(s)).collect()),
        Column::Long(_) => Column::Long(items.iter().map(|&s| as_ld(s)).collect()),
        Column::LongComplex(_) => Column::LongComplex(items.iter().map(|&s| as_ld_complex(s)).collect()),
    };
    cast(&col, dtype)
}

fn same_variant(a: &Column, b: &Column) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

pub fn truthy(s: Scalar) -> bool {
    match s {
        Scalar::Bool(b) => b,
        Scalar::Int(x) => x != 0,
        Scalar::UInt(x) => x != 0,
        Scalar::Float(x) => x != 0.0,
        Scalar::Complex(re, im) => re != 0.0 || im != 0.0,
        Scalar::Long(x) => !x.is_zero(),
        Scalar::LongComplex(re, im) => !re.is_zero() || !im.is_zero(),
    }
}

pub fn as_i64(s: Scalar) -> i64 {
    match s {
        Scalar::Bool(b) => b as i64,
        Scalar::Int(x) => x,
        Scalar::UInt(x) => x as i64,
        Scalar::Float(x) => float_to_i64(x),
        Scalar::Complex(re, _) => float_to_i64(re),
        Scalar::Long(x) | Scalar::LongComplex(x, _) => x.to_i64(),
    }
}

pub fn as_u64(s: Scalar) -> u64 {
    match s {
        Scalar::Bool(b) => b as u64,
        Scalar::Int(x) => x as u64,
        Scalar::UInt(x) => x,
        Scalar::Float(x) if x < 0.0 => float_to_i64(x) as u64,
        Scalar::Float(x) => x as u64,
        Scalar::Complex(re, _) => as_u64(Scalar::Float(re)),
        Scalar::Long(x) | Scalar::LongComplex(x, _) => x.to_u64(),
    }
}

/// A C cast of a double to int64 on x86-64: truncation, and the
/// "integer indefinite" value for NaN and out-of-range values.
fn float_to_i64(x: f64) -> i64 {
    if x.is_nan() || x >= 9.223_372_036_854_775_807e18 || x < -9.223_372_036_854_775_808e18 {
        i64::MIN
    } else {
        x as i64
    }
}

pub fn as_f64(s: Scalar) -> f64 {
    match s {
        Scalar::Bool(b) => b as u8 as f64,
        Scalar::Int(x) => x as f64,
        Scalar::UInt(x) => x as f64,
        Scalar::Float(x) => x,
        Scalar::Complex(re, _) => re,
        Scalar::Long(x) | Scalar::LongComplex(x, _) => x.to_f64(),
    }
}

pub fn as_complex(s: Scalar) -> (f64, f64) {
    match s {
        Scalar::Complex(re, im) => (re, im),
        Scalar::LongComplex(re, im) => (re.to_f64(), im.to_f64()),
        other => (as_f64(other), 0.0),
    }
}

/// A value as a longdouble (exactly, from any integer or double).
pub fn as_ld(s: Scalar) -> Ld {
    match s {
        Scalar::Bool(b) => Ld::from_i64(b as i64),
        Scalar::Int(x) => Ld::from_i64(x),
        Scalar::UInt(x) => Ld::from_u64(x),
        Scalar::Float(x) | Scalar::Complex(x, _) => Ld::from_f64(x),
        Scalar::Long(x) | Scalar::LongComplex(x, _) => x,
    }
}

pub fn as_ld_complex(s: Scalar) -> (Ld, Ld) {
    match s {
        Scalar::Complex(re, im) => (Ld::from_f64(re), Ld::from_f64(im)),
        Scalar::LongComplex(re, im) => (re, im),
        other => (as_ld(other), Ld::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_wrap_and_truncate_as_numpy() {
        let c = Column::Int(vec![300, -1]);
        assert_eq!(decode(&encode(&c, DType::UInt8), DType::UInt8), Column::Int(vec![44, 255]));
        let f = Column::Float(vec![-2.7, 2.7]);
        assert_eq!(cast(&f, DType::Int32), Column::Int(vec![-2, 2]));
        assert_eq!(cast(&Column::Float(vec![0.1]), DType::Float32), Column::Float(vec![0.1f32 as f64]));
    }

    #[test]
    fn float16_rounds_to_nearest_even() {
        let f16s = |v: Vec<f64>| cast(&Column::Float(v), DType::Float16);
        // Between 2048 and 2050 (float16's step there is 2) ties go to the
        // even significand: 2049 -> 2048, 2051 -> 2052.
        assert_eq!(f16s(vec![2049.0, 2051.0, 2049.0001]), Column::Float(vec![2048.0, 2052.0, 2050.0]));
        // 65504 is the largest; from 65520 on it overflows to infinity.
        assert_eq!(
            f16s(vec![65504.0, 65519.0, 65520.0, -1e6]),
            Column::Float(vec![65504.0, 65504.0, f64::INFINITY, f64::NEG_INFINITY])
        );
        // NumPy 2.4.6: float(np.float16(0.1)) == 0.0999755859375.
        assert_eq!(f16s(vec![0.1, 1e-8]), Column::Float(vec![0.0999755859375, 0.0]));
        assert_eq!(cast(&Column::Float(vec![2.7, -65504.0]), DType::Int16), Column::Int(vec![2, 32]));
    }

    #[test]
    fn complex64_rounds_each_part() {
        let c = cast(&Column::Complex(vec![(0.1, -1e300)]), DType::Complex64);
        assert_eq!(c, Column::Complex(vec![(0.1f32 as f64, f64::NEG_INFINITY)]));
    }
}
