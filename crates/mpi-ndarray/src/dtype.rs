//! The element types NumPy arrays hold here, their sizes, names and codes, and
//! NumPy 2's type promotion between them (NEP 50).

/// An array's element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
    Complex128,
}

/// What a dtype's values are, which decides how kernels compute with them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    UInt,
    Float,
    Complex,
}

/// The kinds of Python scalars, which NEP 50 treats as "weak": they take the
/// array's type instead of promoting it (`int8_array + 1` stays int8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weak {
    Bool,
    Int,
    Float,
    Complex,
}

impl DType {
    pub const ALL: [DType; 12] = [
        DType::Bool,
        DType::Int8,
        DType::Int16,
        DType::Int32,
        DType::Int64,
        DType::UInt8,
        DType::UInt16,
        DType::UInt32,
        DType::UInt64,
        DType::Float32,
        DType::Float64,
        DType::Complex128,
    ];

    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1,
            DType::Int16 | DType::UInt16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 | DType::Float64 => 8,
            DType::Complex128 => 16,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64 => Kind::Int,
            DType::UInt8 | DType::UInt16 | DType::UInt32 | DType::UInt64 => Kind::UInt,
            DType::Float32 | DType::Float64 => Kind::Float,
            DType::Complex128 => Kind::Complex,
        }
    }

    /// NumPy's name (`dtype.name`).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int8 => "int8",
            DType::Int16 => "int16",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::UInt8 => "uint8",
            DType::UInt16 => "uint16",
            DType::UInt32 => "uint32",
            DType::UInt64 => "uint64",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Complex128 => "complex128",
        }
    }

    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The buffer-protocol format. int64 is `q`, not NumPy's `l`: a C long
    /// is 4 bytes on wasm32, and the format must say 8 everywhere.
    pub fn buffer_format(self) -> &'static str {
        match self {
            DType::Bool => "?",
            DType::Int8 => "b",
            DType::Int16 => "h",
            DType::Int32 => "i",
            DType::Int64 => "q",
            DType::UInt8 => "B",
            DType::UInt16 => "H",
            DType::UInt32 => "I",
            DType::UInt64 => "Q",
            DType::Float32 => "f",
            DType::Float64 => "d",
            DType::Complex128 => "Zd",
        }
    }

    /// The smallest signed integer type holding every value of both.
    fn int_bits(self) -> u32 {
        (self.itemsize() * 8) as u32
    }

    /// NumPy's promotion of two array (strong) types: `np.result_type(a, b)`.
    pub fn promote(a: DType, b: DType) -> DType {
        use Kind::*;
        if a == b {
            return a;
        }
        match (a.kind(), b.kind()) {
            (Bool, _) => b,
            (_, Bool) => a,
            (Complex, _) | (_, Complex) => DType::Complex128,
            (Float, Float) => DType::Float64,
            (Float, _) => float_for_int(a, b),
            (_, Float) => float_for_int(b, a),
            (Int, Int) | (UInt, UInt) => {
                if a.itemsize() >= b.itemsize() {
                    a
                } else {
                    b
                }
            }
            (Int, UInt) => mixed_int(a, b),
            (UInt, Int) => mixed_int(b, a),
        }
    }

    /// NEP 50: an array of type `a` with a Python scalar of kind `w`. The
    /// scalar adopts the array's type unless its kind is higher.
    pub fn promote_weak(a: DType, w: Weak) -> DType {
        match (a.kind(), w) {
            (_, Weak::Bool) => a,
            (Kind::Bool, Weak::Int) => DType::Int64,
            (_, Weak::Int) => a,
            (Kind::Float | Kind::Complex, Weak::Float) => a,
            (_, Weak::Float) => DType::Float64,
            (Kind::Complex, Weak::Complex) => a,
            (_, Weak::Complex) => DType::Complex128,
        }
    }

    /// The float type float ufuncs (`sqrt`, `exp`, ...) give for this type:
    /// NumPy's smallest float that holds it. NumPy gives float16 for 8-bit
    /// types; there is no float16 here, so they get float32.
    pub fn float_result(self) -> DType {
        match self {
            DType::Float32 | DType::Bool | DType::Int8 | DType::UInt8 | DType::Int16 | DType::UInt16 => DType::Float32,
            DType::Complex128 => DType::Complex128,
            _ => DType::Float64,
        }
    }

    /// The type of true division (`/`): float64 for every integer type.
    pub fn divide_result(self) -> DType {
        match self.kind() {
            Kind::Float | Kind::Complex => self,
            _ => DType::Float64,
        }
    }
}

/// float + int: float32 holds int8/16 and uint8/16 exactly; wider ints need float64.
fn float_for_int(float: DType, int: DType) -> DType {
    if float == DType::Float32 && int.itemsize() <= 2 { DType::Float32 } else { DType::Float64 }
}

/// A signed and an unsigned int: the smallest signed type holding both, or
/// float64 when none does (int64 with uint64).
fn mixed_int(signed: DType, unsigned: DType) -> DType {
    let need = signed.int_bits().max(unsigned.int_bits() * 2);
    match need {
        0..=8 => DType::Int8,
        9..=16 => DType::Int16,
        17..=32 => DType::Int32,
        33..=64 => DType::Int64,
        _ => DType::Float64,
    }
}

#[cfg(test)]
mod tests {
    use super::{DType::*, Weak};
    use crate::dtype::DType;

    #[test]
    fn promotion_follows_numpy() {
        assert_eq!(DType::promote(Int32, Int64), Int64);
        assert_eq!(DType::promote(Int8, UInt8), Int16);
        assert_eq!(DType::promote(Int64, UInt64), Float64);
        assert_eq!(DType::promote(UInt32, Int32), Int64);
        assert_eq!(DType::promote(Float32, Int16), Float32);
        assert_eq!(DType::promote(Float32, Int32), Float64);
        assert_eq!(DType::promote(Bool, UInt8), UInt8);
        assert_eq!(DType::promote(Float64, Complex128), Complex128);
        assert_eq!(DType::promote_weak(Int8, Weak::Int), Int8);
        assert_eq!(DType::promote_weak(Int8, Weak::Float), Float64);
        assert_eq!(DType::promote_weak(Float32, Weak::Float), Float32);
        assert_eq!(DType::promote_weak(Bool, Weak::Int), Int64);
        assert_eq!(DType::promote_weak(Float32, Weak::Complex), Complex128);
    }
}
