//! Predefined reduction operations on typed buffers (the uppercase `Reduce`,
//! `Allreduce`, `Scan` of mpi4py): elementwise over native-endian arrays whose
//! element type is named by a Python `struct` format character.

use crate::error::{ErrorClass, MpiError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    Land,
    Lor,
    Lxor,
    Band,
    Bor,
    Bxor,
}

impl ReduceOp {
    /// From the mpi4py name (`"SUM"`, `"MAX"`, ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "SUM" => ReduceOp::Sum,
            "PROD" => ReduceOp::Prod,
            "MAX" => ReduceOp::Max,
            "MIN" => ReduceOp::Min,
            "LAND" => ReduceOp::Land,
            "LOR" => ReduceOp::Lor,
            "LXOR" => ReduceOp::Lxor,
            "BAND" => ReduceOp::Band,
            "BOR" => ReduceOp::Bor,
            "BXOR" => ReduceOp::Bxor,
            _ => return None,
        })
    }
}

/// Applies one op to a pair of elements of one numeric type.
trait Element: Copy {
    const SIZE: usize;
    fn get(b: &[u8]) -> Self;
    fn put(self, b: &mut [u8]);
    fn apply(op: ReduceOp, a: Self, b: Self) -> Option<Self>;
}

macro_rules! int_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn get(b: &[u8]) -> Self { <$t>::from_ne_bytes(b.try_into().expect("element size")) }
            fn put(self, b: &mut [u8]) { b.copy_from_slice(&self.to_ne_bytes()) }
            fn apply(op: ReduceOp, a: Self, b: Self) -> Option<Self> {
                let truth = |x: bool| if x { 1 as $t } else { 0 as $t };
                Some(match op {
                    ReduceOp::Sum => a.wrapping_add(b),
                    ReduceOp::Prod => a.wrapping_mul(b),
                    ReduceOp::Max => a.max(b),
                    ReduceOp::Min => a.min(b),
                    ReduceOp::Land => truth(a != 0 && b != 0),
                    ReduceOp::Lor => truth(a != 0 || b != 0),
                    ReduceOp::Lxor => truth((a != 0) != (b != 0)),
                    ReduceOp::Band => a & b,
                    ReduceOp::Bor => a | b,
                    ReduceOp::Bxor => a ^ b,
                })
            }
        }
    )*};
}
int_element!(i8, u8, i16, u16, i32, u32, i64, u64);

macro_rules! float_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn get(b: &[u8]) -> Self { <$t>::from_ne_bytes(b.try_into().expect("element size")) }
            fn put(self, b: &mut [u8]) { b.copy_from_slice(&self.to_ne_bytes()) }
            fn apply(op: ReduceOp, a: Self, b: Self) -> Option<Self> {
                let truth = |x: bool| if x { 1.0 } else { 0.0 };
                Some(match op {
                    ReduceOp::Sum => a + b,
                    ReduceOp::Prod => a * b,
                    ReduceOp::Max => a.max(b),
                    ReduceOp::Min => a.min(b),
                    ReduceOp::Land => truth(a != 0.0 && b != 0.0),
                    ReduceOp::Lor => truth(a != 0.0 || b != 0.0),
                    ReduceOp::Lxor => truth((a != 0.0) != (b != 0.0)),
                    ReduceOp::Band | ReduceOp::Bor | ReduceOp::Bxor => return None,
                })
            }
        }
    )*};
}
float_element!(f32, f64);

fn combine_as<T: Element>(op: ReduceOp, acc: &mut [u8], other: &[u8]) -> Option<()> {
    for (a, b) in acc.chunks_exact_mut(T::SIZE).zip(other.chunks_exact(T::SIZE)) {
        T::apply(op, T::get(a), T::get(b))?.put(a);
    }
    Some(())
}

/// `acc[i] = op(acc[i], other[i])` for every element; `acc` holds the values of
/// the lower ranks. `typecode` is a `struct` format character.
pub fn combine(op: ReduceOp, typecode: char, acc: &mut [u8], other: &[u8]) -> Result<()> {
    if acc.len() != other.len() {
        return Err(MpiError::new(
            ErrorClass::Count,
            "MPI_Reduce",
            format_args!("Message sizes differ between ranks: {} and {} bytes", acc.len(), other.len()),
        ));
    }
    let done = match typecode {
        'b' => combine_as::<i8>(op, acc, other),
        'B' | '?' | 'c' => combine_as::<u8>(op, acc, other),
        'h' => combine_as::<i16>(op, acc, other),
        'H' => combine_as::<u16>(op, acc, other),
        'i' => combine_as::<i32>(op, acc, other),
        'I' => combine_as::<u32>(op, acc, other),
        'l' | 'q' | 'n' => combine_as::<i64>(op, acc, other),
        'L' | 'Q' | 'N' => combine_as::<u64>(op, acc, other),
        'f' => combine_as::<f32>(op, acc, other),
        'd' => combine_as::<f64>(op, acc, other),
        _ => {
            return Err(MpiError::new(
                ErrorClass::Type,
                "MPI_Reduce",
                format_args!("Invalid datatype: no reduction for element type '{typecode}'"),
            ));
        }
    };
    done.ok_or_else(|| {
        MpiError::new(
            ErrorClass::Op,
            "MPI_Reduce",
            format_args!("Invalid MPI_Op: {op:?} is not defined for the floating-point type '{typecode}'"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_ne_bytes()).collect()
    }

    #[test]
    fn elementwise_ops_on_ints_and_doubles() {
        let mut acc = ints(&[1, 5, -3]);
        combine(ReduceOp::Sum, 'i', &mut acc, &ints(&[2, 2, 2])).unwrap();
        assert_eq!(acc, ints(&[3, 7, -1]));
        combine(ReduceOp::Max, 'i', &mut acc, &ints(&[4, 0, 0])).unwrap();
        assert_eq!(acc, ints(&[4, 7, 0]));
        let mut d: Vec<u8> = [1.5f64, 2.0].iter().flat_map(|x| x.to_ne_bytes()).collect();
        combine(ReduceOp::Prod, 'd', &mut d, &[2.0f64, 0.5].iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<_>>())
            .unwrap();
        assert_eq!(d, [3.0f64, 1.0].iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<_>>());
    }

    #[test]
    fn bitwise_op_on_floats_is_an_op_error() {
        let mut a = 1.0f32.to_ne_bytes().to_vec();
        let err = combine(ReduceOp::Band, 'f', &mut a, &2.0f32.to_ne_bytes()).unwrap_err();
        assert!(matches!(err, MpiError::Mpi { class: ErrorClass::Op, .. }));
    }
}
