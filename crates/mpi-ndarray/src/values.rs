//! Element values decoded for computing: every integer type up to 32 bits
//! (and int64) computes as i64, uint64 as u64, floats as f64, complex as
//! (re, im) pairs. Encoding back to a dtype applies NumPy's C casts: integers
//! wrap, floats truncate toward zero, float32 rounds to nearest.
//!
//! Computing float32 in f64 and rounding once is exact for `+ - * /` and
//! `sqrt` (f64 has more than twice float32's precision plus two bits), so
//! results match NumPy's float32 loops bit for bit; sums are the exception
//! and run in f32 (`kernels::sum`).

use crate::dtype::{DType, Kind};

/// A run of values of one compute kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    UInt(Vec<u64>),
    Float(Vec<f64>),
    Complex(Vec<(f64, f64)>),
}

/// One value of a compute kind (a scalar operand, a reduction's result).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Complex(f64, f64),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Bool(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::UInt(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Complex(v) => v.len(),
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
        }
    }

    pub fn get(&self, i: usize) -> Scalar {
        match self {
            Column::Bool(v) => Scalar::Bool(v[i]),
            Column::Int(v) => Scalar::Int(v[i]),
            Column::UInt(v) => Scalar::UInt(v[i]),
            Column::Float(v) => Scalar::Float(v[i]),
            Column::Complex(v) => Scalar::Complex(v[i].0, v[i].1),
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
        DType::Float32 => ints!(f32, Float, f64),
        DType::Float64 => ints!(f64, Float, f64),
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
        DType::Float32 => put!(|s| as_f64(s) as f32),
        DType::Float64 => put!(as_f64),
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

/// `column` as the values `dtype` would hold (wrapped, truncated, rounded),
/// in `dtype`'s compute kind.
pub fn cast(column: &Column, dtype: DType) -> Column {
    if natural_kind(column) == compute_kind(dtype) && exact_in(column, dtype) {
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
    )
}

/// The compute kind `dtype` decodes to.
pub fn compute_kind(dtype: DType) -> Kind {
    match dtype {
        DType::UInt64 => Kind::UInt,
        other => match other.kind() {
            Kind::UInt => Kind::Int,
            k => k,
        },
    }
}

fn natural_kind(column: &Column) -> Kind {
    match column {
        Column::Bool(_) => Kind::Bool,
        Column::Int(_) => Kind::Int,
        Column::UInt(_) => Kind::UInt,
        Column::Float(_) => Kind::Float,
        Column::Complex(_) => Kind::Complex,
    }
}

pub fn truthy(s: Scalar) -> bool {
    match s {
        Scalar::Bool(b) => b,
        Scalar::Int(x) => x != 0,
        Scalar::UInt(x) => x != 0,
        Scalar::Float(x) => x != 0.0,
        Scalar::Complex(re, im) => re != 0.0 || im != 0.0,
    }
}

pub fn as_i64(s: Scalar) -> i64 {
    match s {
        Scalar::Bool(b) => b as i64,
        Scalar::Int(x) => x,
        Scalar::UInt(x) => x as i64,
        Scalar::Float(x) => float_to_i64(x),
        Scalar::Complex(re, _) => float_to_i64(re),
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
    }
}

pub fn as_complex(s: Scalar) -> (f64, f64) {
    match s {
        Scalar::Complex(re, im) => (re, im),
        other => (as_f64(other), 0.0),
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
}
