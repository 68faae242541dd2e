"""`array` for the browser, where C `long` is 8 bytes as on 64-bit Linux.

The interpreter's native `array` takes its item sizes from the host's C
types, and on wasm32 a C `long` is 4 bytes. Everything else in a rank says 8
(`MPI.LONG`, NumPy's `long`, and the cluster a script later runs on), so an
`array('l')` sent as `MPI.LONG` would move half its bytes. This module is
`array` in the browser: 'l' and 'L' arrays store 8-byte items (the native
'q' and 'Q' underneath) and still report typecode 'l' and 'L'; every other
typecode is the native array as it is. Natively the native module is `array`
and this module is never imported.

Operations that build a new array (slices, `+`, `*`, copies, pickling) give
this module's `array` with the original typecode, so `isinstance(x,
array.array)` holds for them as it does under CPython.
"""

import array as _native

__all__ = ["array", "ArrayType", "typecodes"]

# The interpreter's native module lacks the listing CPython has.
typecodes = getattr(_native, "typecodes", "bBuwhHiIlLqQfd")

# The typecodes whose native items are narrower here than on 64-bit Linux.
_WIDE = {"l": "q", "L": "Q"}


class array(_native.array):
    __slots__ = ("_code",)

    def __new__(cls, typecode, initializer=None, /):
        native = _WIDE.get(typecode, typecode) if isinstance(typecode, str) else typecode
        if initializer is None:
            self = super().__new__(cls, native)
        else:
            self = super().__new__(cls, native, initializer)
        self._code = typecode
        return self

    @property
    def typecode(self):
        """the typecode character used to create the array"""
        return self._code

    def _like(self, native):
        """This array's class and typecode over the items of `native`."""
        made = array(self._code)
        made.frombytes(native.tobytes())
        return made

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return self._like(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return self._like(super().__add__(other))

    def __mul__(self, count):
        return self._like(super().__mul__(count))

    __rmul__ = __mul__

    def __copy__(self):
        return self._like(self)

    def __deepcopy__(self, memo):
        return self._like(self)

    def __reduce_ex__(self, protocol):
        state = getattr(self, "__dict__", None) or None
        return (type(self), (self._code, self.tobytes()), state)

    def __repr__(self):
        name = type(self).__name__
        if not len(self):
            return f"{name}({self._code!r})"
        items = self.tounicode() if self._code in "uw" else self.tolist()
        return f"{name}({self._code!r}, {items!r})"


ArrayType = array
