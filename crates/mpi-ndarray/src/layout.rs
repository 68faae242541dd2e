//! Where an array's elements sit in its storage: a byte offset, a shape and
//! byte strides, as NumPy describes a view. Views (slices, transposes,
//! broadcasts) are new layouts over the same bytes; `gather` and `scatter`
//! move elements between a layout and a packed C-order buffer.

use std::borrow::Cow;

/// A view's addressing: element `[i0, i1, ...]` is at byte
/// `offset + i0 * strides[0] + i1 * strides[1] + ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub offset: isize,
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
}

impl Layout {
    /// A fresh C-ordered array of `shape` with elements of `itemsize` bytes.
    pub fn c_contiguous(shape: &[usize], itemsize: usize) -> Layout {
        Layout { offset: 0, shape: shape.to_vec(), strides: c_strides(shape, itemsize) }
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn size(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the elements are packed in C order (NumPy's C_CONTIGUOUS flag:
    /// dimensions of length 1 may have any stride).
    pub fn is_c_contiguous(&self, itemsize: usize) -> bool {
        contiguous(self.shape.iter().rev().zip(self.strides.iter().rev()), itemsize, self.size())
    }

    /// Whether the elements are packed in Fortran order (a C array's `.T`).
    pub fn is_f_contiguous(&self, itemsize: usize) -> bool {
        contiguous(self.shape.iter().zip(self.strides.iter()), itemsize, self.size())
    }

    /// The byte range the elements occupy, when they are packed in C or
    /// Fortran order: what MPI reads or writes for a contiguous buffer.
    pub fn contiguous_range(&self, itemsize: usize) -> Option<std::ops::Range<usize>> {
        if self.is_c_contiguous(itemsize) || self.is_f_contiguous(itemsize) {
            let start = self.offset.max(0) as usize;
            Some(start..start + self.size() * itemsize)
        } else {
            None
        }
    }

    /// Calls `f` with the byte offset of every element, in C order.
    pub fn for_each_offset(&self, mut f: impl FnMut(usize)) {
        let size = self.size();
        if size == 0 {
            return;
        }
        let ndim = self.ndim();
        if ndim == 0 {
            f(self.offset as usize);
            return;
        }
        // The innermost axis runs in a plain loop; an odometer steps the others.
        let inner_len = self.shape[ndim - 1];
        let inner_stride = self.strides[ndim - 1];
        let mut index = vec![0usize; ndim - 1];
        let mut base = self.offset;
        loop {
            let mut at = base;
            for _ in 0..inner_len {
                f(at as usize);
                at += inner_stride;
            }
            // Advance the odometer over the outer axes.
            let mut axis = ndim - 1;
            loop {
                if axis == 0 {
                    return;
                }
                axis -= 1;
                index[axis] += 1;
                base += self.strides[axis];
                if index[axis] < self.shape[axis] {
                    break;
                }
                base -= self.strides[axis] * self.shape[axis] as isize;
                index[axis] = 0;
            }
        }
    }

    /// This layout seen with `shape` by NumPy's broadcasting rules (new
    /// leading axes and length-1 axes get stride 0), or None if it cannot be.
    pub fn broadcast_to(&self, shape: &[usize]) -> Option<Layout> {
        if shape.len() < self.ndim() {
            return None;
        }
        let lead = shape.len() - self.ndim();
        let mut strides = vec![0isize; shape.len()];
        for (i, (&have, &stride)) in self.shape.iter().zip(&self.strides).enumerate() {
            let want = shape[lead + i];
            if have == want {
                strides[lead + i] = stride;
            } else if have != 1 {
                return None;
            }
        }
        Some(Layout { offset: self.offset, shape: shape.to_vec(), strides })
    }

    /// The axes reversed (`.T`).
    pub fn transposed(&self) -> Layout {
        Layout {
            offset: self.offset,
            shape: self.shape.iter().rev().copied().collect(),
            strides: self.strides.iter().rev().copied().collect(),
        }
    }

    /// The axes in the order `axes` gives (`transpose(axes)`); `axes` must be
    /// a permutation of `0..ndim` (the caller checks and reports).
    pub fn permuted(&self, axes: &[usize]) -> Layout {
        Layout {
            offset: self.offset,
            shape: axes.iter().map(|&a| self.shape[a]).collect(),
            strides: axes.iter().map(|&a| self.strides[a]).collect(),
        }
    }
}

/// C-order strides for `shape`.
pub fn c_strides(shape: &[usize], itemsize: usize) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut step = itemsize as isize;
    for (stride, &len) in strides.iter_mut().zip(shape).rev() {
        *stride = step;
        step *= len.max(1) as isize;
    }
    strides
}

fn contiguous<'a>(dims: impl Iterator<Item = (&'a usize, &'a isize)>, itemsize: usize, size: usize) -> bool {
    if size == 0 {
        return true;
    }
    let mut expect = itemsize as isize;
    for (&len, &stride) in dims {
        if len != 1 {
            if stride != expect {
                return false;
            }
            expect *= len as isize;
        }
    }
    true
}

/// The broadcast shape of two shapes, or None when they do not broadcast.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for (i, slot) in out.iter_mut().enumerate() {
        let x = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let y = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        *slot = if x == y || y == 1 {
            x
        } else if x == 1 {
            y
        } else {
            return None;
        };
    }
    Some(out)
}

/// The elements of `layout` in `bytes`, packed in C order.
pub fn gather<'a>(bytes: &'a [u8], layout: &Layout, itemsize: usize) -> Cow<'a, [u8]> {
    if layout.is_c_contiguous(itemsize) {
        // Already packed: the caller reads the storage itself, no copy.
        let start = layout.offset as usize;
        return Cow::Borrowed(&bytes[start..start + layout.size() * itemsize]);
    }
    let mut out = Vec::with_capacity(layout.size() * itemsize);
    layout.for_each_offset(|at| out.extend_from_slice(&bytes[at..at + itemsize]));
    Cow::Owned(out)
}

/// Writes packed C-order elements `src` into the elements of `layout`.
pub fn scatter(bytes: &mut [u8], layout: &Layout, itemsize: usize, src: &[u8]) {
    if layout.is_c_contiguous(itemsize) {
        let start = layout.offset as usize;
        bytes[start..start + src.len()].copy_from_slice(src);
        return;
    }
    let mut chunks = src.chunks_exact(itemsize);
    layout.for_each_offset(|at| {
        if let Some(chunk) = chunks.next() {
            bytes[at..at + itemsize].copy_from_slice(chunk);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_walk_views_in_c_order() {
        // A 2x3 int32 array's transpose visits columns first.
        let t = Layout::c_contiguous(&[2, 3], 4).transposed();
        let mut seen = Vec::new();
        t.for_each_offset(|o| seen.push(o / 4));
        assert_eq!(seen, [0, 3, 1, 4, 2, 5]);
        assert!(t.is_f_contiguous(4) && !t.is_c_contiguous(4));
    }

    #[test]
    fn broadcasting_matches_numpy() {
        assert_eq!(broadcast_shapes(&[4, 1], &[3]), Some(vec![4, 3]));
        assert_eq!(broadcast_shapes(&[2, 3], &[4]), None);
        let row = Layout::c_contiguous(&[3], 8).broadcast_to(&[2, 3]).unwrap();
        assert_eq!(row.strides, [0, 8]);
    }

    #[test]
    fn gather_and_scatter_round_trip_a_column() {
        let mut bytes: Vec<u8> = (0..6).collect();
        let col = Layout { offset: 1, shape: vec![2], strides: vec![3] };
        assert_eq!(*gather(&bytes, &col, 1), [1, 4]);
        scatter(&mut bytes, &col, 1, &[9, 9]);
        assert_eq!(bytes, [0, 9, 2, 3, 9, 5]);
    }
}
