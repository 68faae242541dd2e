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
    Float16,
    Float32,
    Float64,
    /// x86-64's `long double`: the 80-bit extended format in 16 bytes.
    LongDouble,
    Complex64,
    Complex128,
    /// Two `long double`s.
    CLongDouble,
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
    pub const ALL: [DType; 16] = [
        DType::Bool,
        DType::Int8,
        DType::Int16,
        DType::Int32,
        DType::Int64,
        DType::UInt8,
        DType::UInt16,
        DType::UInt32,
        DType::UInt64,
        DType::Float16,
        DType::Float32,
        DType::Float64,
        DType::LongDouble,
        DType::Complex64,
        DType::Complex128,
        DType::CLongDouble,
    ];

    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1,
            DType::Int16 | DType::UInt16 | DType::Float16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 | DType::Float64 | DType::Complex64 => 8,
            DType::Complex128 | DType::LongDouble => 16,
            DType::CLongDouble => 32,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64 => Kind::Int,
            DType::UInt8 | DType::UInt16 | DType::UInt32 | DType::UInt64 => Kind::UInt,
            DType::Float16 | DType::Float32 | DType::Float64 | DType::LongDouble => Kind::Float,
            DType::Complex64 | DType::Complex128 | DType::CLongDouble => Kind::Complex,
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
            DType::Float16 => "float16",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            // NumPy names these by their size in bits on x86-64.
            DType::LongDouble => "float128",
            DType::Complex64 => "complex64",
            DType::Complex128 => "complex128",
            DType::CLongDouble => "complex256",
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
            DType::Float16 => "e",
            DType::Float32 => "f",
            DType::Float64 => "d",
            DType::LongDouble => "g",
            DType::Complex64 => "Zf",
            DType::Complex128 => "Zd",
            DType::CLongDouble => "Zg",
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
            (Complex, _) | (_, Complex) => DType::complex_of(a.float_width().max(b.float_width())),
            (Float, _) | (_, Float) => DType::float_of(a.float_width().max(b.float_width())),
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
            (Kind::Float, Weak::Complex) => DType::complex_of(a.float_width()),
            (_, Weak::Complex) => DType::Complex128,
        }
    }

    /// The size in bytes of the float a value of this type needs without
    /// loss, as NumPy's promotion sees it: a float's own size, a complex
    /// type's component size, and for integers the smallest float holding
    /// every value exactly (int8 in float16, int16 in float32), float64 for
    /// wider ones (which NumPy accepts though it rounds); 0 for bool.
    fn float_width(self) -> usize {
        match self.kind() {
            Kind::Bool => 0,
            Kind::Float => self.itemsize(),
            Kind::Complex => self.itemsize() / 2,
            Kind::Int | Kind::UInt => match self.itemsize() {
                1 => 2,
                2 => 4,
                _ => 8,
            },
        }
    }

    /// The float type of `width` bytes (float16 for bools' 0 too).
    fn float_of(width: usize) -> DType {
        match width {
            0..=2 => DType::Float16,
            3..=4 => DType::Float32,
            5..=8 => DType::Float64,
            _ => DType::LongDouble,
        }
    }

    /// The complex type whose components hold a float of `width` bytes;
    /// there is no complex32, so float16 components widen to complex64.
    fn complex_of(width: usize) -> DType {
        match width {
            0..=4 => DType::Complex64,
            5..=8 => DType::Complex128,
            _ => DType::CLongDouble,
        }
    }

    /// The real type of a complex type's components (`.real`, `abs`);
    /// other types are their own.
    pub fn component(self) -> DType {
        match self {
            DType::Complex64 => DType::Float32,
            DType::Complex128 => DType::Float64,
            DType::CLongDouble => DType::LongDouble,
            other => other,
        }
    }

    /// The float type float ufuncs (`sqrt`, `exp`, ...) give for this type:
    /// NumPy's smallest float that holds it (float16 for bool and 8-bit
    /// integers); complex types are their own.
    pub fn float_result(self) -> DType {
        match self.kind() {
            Kind::Complex => self,
            Kind::Bool => DType::Float16,
            _ => DType::float_of(self.float_width()),
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
        assert_eq!(DType::promote_weak(Float32, Weak::Complex), Complex64);
        assert_eq!(DType::promote_weak(Int8, Weak::Complex), Complex128);
    }

    /// Every pair against NumPy 2.4.6's `np.result_type(a, b).char`, rows
    /// and columns in the order of `CHARS`.
    #[test]
    fn promotion_table_matches_numpy() {
        const CHARS: &str = "?bBhHiIqQefdgFDG";
        const TABLE: [&str; 16] = [
            "??bBhHiIqQefdgFDG",
            "bbbhhiiqqdefdgFDG",
            "BBhBhHiIqQefdgFDG",
            "hhhhhiiqqdffdgFDG",
            "HHiHiHiIqQffdgFDG",
            "iiiiiiiqqddddgDDG",
            "IIqIqIqIqQdddgDDG",
            "qqqqqqqqqddddgDDG",
            "QQdQdQdQdQdddgDDG",
            "eeeeffddddefdgFDG",
            "ffffffddddffdgFDG",
            "dddddddddddddgDDG",
            "ggggggggggggggGGG",
            "FFFFFFDDDDFFDGFDG",
            "DDDDDDDDDDDDDGDDG",
            "GGGGGGGGGGGGGGGGG",
        ];
        let by_char = |c: char| match c {
            '?' => Bool,
            'b' => Int8,
            'B' => UInt8,
            'h' => Int16,
            'H' => UInt16,
            'i' => Int32,
            'I' => UInt32,
            'q' => Int64,
            'Q' => UInt64,
            'e' => Float16,
            'f' => Float32,
            'd' => Float64,
            'g' => LongDouble,
            'F' => Complex64,
            'D' => Complex128,
            _ => CLongDouble,
        };
        for (row, a) in TABLE.iter().zip(CHARS.chars()) {
            let row: Vec<char> = row.chars().skip(1).collect();
            for (b, want) in CHARS.chars().zip(row) {
                assert_eq!(DType::promote(by_char(a), by_char(b)), by_char(want), "{a} with {b}");
            }
        }
    }
}
