"""Structured and subarray dtypes: NumPy's `'V'` kind.

A structured dtype is a record of named fields, each a dtype at a byte
offset (`np.dtype('i4,f8')`, `np.dtype([('x', 'f8'), ('n', 'i4', (3,))])`,
`np.dtype({'names': ..., 'formats': ..., 'offsets': ...})`); `align=True`
lays the fields out as a C compiler lays out a struct. A subarray dtype is a
fixed-shape block of one element type (`np.dtype(('i4', (2, 3)))`), found
mostly as a field. Both print, compare and describe themselves as NumPy 2.4
does. They are layouts only: arrays of them are outside this subset.
"""

import re
from types import MappingProxyType

from ._dtypes import _make_dtype, dtype
from ._dtypes import void as _void_scalar

__all__ = []

# `dtype.flags` bits: NPY_NEEDS_PYAPI, which every struct has; NPY_FROM_FIELDS,
# the bits a struct takes from its fields; NPY_ALIGNED_STRUCT.
_NEEDS_PYAPI = 0x10
_FROM_FIELDS = 0x1B
_ALIGNED_STRUCT = 0x80


class VoidDType(dtype):
    """Raw bytes (`'V8'`), a structured dtype (fields) or a subarray dtype
    (`subdtype`), as NumPy's `numpy.dtypes.VoidDType`."""

    # `_hasobject` and `_isnative` are worked out on first use: nested
    # structs would otherwise ask every member again at every level.
    __slots__ = ("_names", "_fields", "_sub", "_alignment", "_aligned", "_hasobject", "_isnative")
    __module__ = "numpy.dtypes"

    num = 20

    @property
    def alignment(self):
        return self._alignment

    @property
    def isalignedstruct(self):
        return self._aligned

    @property
    def names(self):
        return self._names

    @property
    def fields(self):
        if self._fields is None:
            return None
        return MappingProxyType(self._fields)

    @property
    def subdtype(self):
        return self._sub

    @property
    def shape(self):
        return self._sub[1] if self._sub else ()

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def base(self):
        return self._sub[0] if self._sub else self

    @property
    def isbuiltin(self):
        return 1 if self._fields is None and self._sub is None and self.itemsize == 0 else 0

    @property
    def isnative(self):
        # NumPy asks a struct's fields, but a subarray dtype answers for
        # itself: its bytes have no order ('|'), whatever its element's.
        if self._isnative is None:
            self._isnative = self._sub is not None or all(d.isnative for d in self._members())
        return self._isnative

    @property
    def hasobject(self):
        if self._hasobject is None:
            self._hasobject = any(d.hasobject for d in self._members())
        return self._hasobject

    @property
    def flags(self):
        flags = 0
        for d in self._members():
            flags |= d.flags & _FROM_FIELDS
        if self._fields is not None:
            flags |= _NEEDS_PYAPI
        if self._aligned:
            flags |= _ALIGNED_STRUCT
        return flags

    @property
    def descr(self):
        if self._fields is None:
            return [("", self.str)]
        return _descr(self)

    def _members(self):
        """The dtypes this one is made of."""
        if self._sub:
            return [self._sub[0]]
        if self._fields:
            return [f[0] for f in self._fields.values()]
        return []

    def __len__(self):
        return len(self._names) if self._names is not None else 0

    def __getitem__(self, key):
        if self._fields is None:
            raise KeyError(f"There are no fields in dtype {self}.")
        if isinstance(key, str):
            if key not in self._fields:
                raise KeyError(f"Field named {key!r} not found.")
            return self._fields[key][0]
        if isinstance(key, int):
            n = len(self._names)
            if not -n <= key < n:
                raise IndexError(f"Field index {key} out of range.")
            return self._fields[self._names[key]][0]
        raise TypeError("Field key must be an integer field offset, single field name, or list of field names.")

    def _with_order(self, order):
        if self._sub:
            return subarray(self._sub[0]._with_order(order), self._sub[1])
        if self._fields is None:
            return self
        fields = [(n, *self._field(n)) for n in self._names]
        return _record([(n, d._with_order(order), off, title) for n, d, off, title in fields],
                       self.itemsize, self._aligned, self._alignment)

    def _field(self, name):
        entry = self._fields[name]
        return entry[0], entry[1], entry[2] if len(entry) > 2 else None

    def _short(self):
        if self._fields is not None:
            return _struct_text(self, with_align=False)
        if self._sub:
            return f"({self._sub[0]._short()}, {self._sub[1]})"
        return f"'V{self.itemsize}'" if self.itemsize else "'V'"

    _long = _short

    def __repr__(self):
        return f"dtype({self._short()}{', align=True' if self._aligned else ''})"

    def __str__(self):
        if self._fields is not None:
            return _struct_text(self, with_align=True)
        if self._sub:
            return self._short()
        return self.str

    def _key(self):
        if self._sub:
            return ("sub", self._sub[0]._key(), self._sub[1])
        if self._fields is not None:
            return ("struct", self.itemsize,
                    tuple((n, *(self._field(n)[0]._key(), *self._field(n)[1:])) for n in self._names))
        return ("V", self.itemsize)

    def __reduce__(self):
        if self._sub:
            return (dtype, (self._sub,))
        if self._fields is None:
            return (dtype, (self.str[1:],))
        spec = {"names": list(self._names), "formats": [], "offsets": [], "itemsize": self.itemsize}
        for n in self._names:
            d, off, _ = self._field(n)
            spec["formats"].append(d)
            spec["offsets"].append(off)
        return (dtype, (spec, self._aligned))


def _new_void(itemsize):
    d = object.__new__(VoidDType)
    d.name = f"void{itemsize * 8}" if itemsize else "void"
    d.kind, d.char, d.itemsize, d.str, d._order = "V", "V", itemsize, f"|V{itemsize}", "|"
    d.type = _void_scalar
    d._names = d._fields = d._sub = d._hasobject = d._isnative = None
    d._alignment, d._aligned = 1, False
    return d


def void(itemsize):
    """Raw bytes: `np.dtype('V8')`."""
    return _new_void(itemsize)


def subarray(base, shape):
    """`shape` elements of `base`, as one element (`np.dtype(('i4', (2, 3)))`)."""
    count = 1
    for n in shape:
        count *= n
    d = _new_void(base.itemsize * count)
    d._sub = (base, shape)
    # A block aligns as its element; an aligned struct's flag carries over.
    d._alignment, d._aligned = base.alignment, base.isalignedstruct
    return d


def _record(fields, itemsize, aligned, alignment):
    """A structured dtype from (name, dtype, offset, title) in field order."""
    d = _new_void(itemsize)
    d._names = tuple(f[0] for f in fields)
    d._fields = {}
    for name, fdt, off, title in fields:
        d._fields[name] = (fdt, off) if title is None else (fdt, off, title)
    for name, fdt, off, title in fields:
        # NumPy also lists a field under its title.
        if title is not None:
            d._fields[title] = (fdt, off, title)
    d._alignment, d._aligned = alignment, aligned
    return d


def _round_up(offset, alignment):
    return -(-offset // alignment) * alignment


def _check_offset(off, fdt, align):
    if off < 0:
        raise ValueError(f"offset {off} cannot be negative")
    if align and off % fdt.alignment:
        raise ValueError(f"offset {off} for NumPy dtype with fields is not divisible by the field "
                         f"alignment {fdt.alignment} with align=True")


def _layout(entries, offsets, itemsize, align):
    """The structured dtype with `entries` (name, dtype, title), at
    `offsets` (None: one after the other, padded to each field's alignment
    when `align`), of size `itemsize` (None: what the fields need)."""
    fields, seen, end, max_align = [], set(), 0, 1
    for k, (name, fdt, title) in enumerate(entries):
        if name in seen or (title is not None and title in seen):
            raise ValueError(f"field {name!r} occurs more than once")
        seen.add(name)
        if title is not None:
            seen.add(title)
        if align:
            max_align = max(max_align, fdt.alignment)
        if offsets is None:
            off = _round_up(end, fdt.alignment) if align else end
        else:
            off = int(offsets[k])
            _check_offset(off, fdt, align)
        fields.append((name, fdt, off, title))
        end = max(end, off + fdt.itemsize) if offsets is not None else off + fdt.itemsize
    if align:
        end = _round_up(end, max_align)
    if itemsize is not None:
        itemsize = int(itemsize)
        if itemsize < end:
            raise ValueError(f"NumPy dtype descriptor requires {end} bytes, cannot override to smaller "
                             f"itemsize of {itemsize}")
        if align and itemsize % max_align:
            raise ValueError(f"NumPy dtype descriptor requires alignment of {max_align} bytes, which is not "
                             f"divisible into the specified itemsize {itemsize}")
        end = itemsize
    return _record(fields, end, bool(align), max_align if align else 1)


# ---------------------------------------------------------------------------
# Construction from NumPy's spellings
# ---------------------------------------------------------------------------

def from_tuple(obj, align):
    """`(base, shape)`: a subarray dtype (the base itself for shape ())."""
    if len(obj) != 2:
        raise TypeError(f"Tuple must have size 2, but has size {len(obj)}")
    base = _make_dtype(obj[0], align)
    shape = obj[1]
    if _is_int(shape):
        shape = (int(shape),)
    elif isinstance(shape, tuple) or isinstance(shape, list) and all(_is_int(n) for n in shape):
        if not all(_is_int(n) for n in shape):
            raise ValueError("invalid shape in fixed-type tuple.")
        shape = tuple(int(n) for n in shape)
    else:
        # (base, new_dtype): the same bytes seen through another dtype.
        other = _make_dtype(shape, align)
        if other.itemsize != base.itemsize:
            raise ValueError("mismatch in size of old and new data-descriptor")
        raise NotImplementedError("dtype (base, new_dtype) unions: this numpy implements a subset of NumPy")
    if shape == ():
        return base
    if any(n < 0 for n in shape):
        raise ValueError("invalid shape in fixed-type tuple: dimension smaller then zero.")
    return subarray(base, shape)


def _is_int(n):
    if type(n) is int:
        return True
    if isinstance(n, bool):
        return False
    try:
        n.__index__()
    except (AttributeError, TypeError):
        return False
    return True


def from_list(items, align):
    """`[(name, format), (name, format, shape), ...]`; '' names become f0, f1..."""
    entries = []
    for k, item in enumerate(items):
        if not isinstance(item, tuple) or len(item) < 2:
            raise TypeError(f"Field elements must be 2- or 3-tuples, got '{item}'")
        if len(item) > 3:
            raise TypeError(f"Field elements must be tuples with at most 3 elements, got '{item}'")
        name, title = item[0], None
        if isinstance(name, tuple) and len(name) == 2:
            title, name = name
        if not isinstance(name, str):
            raise TypeError("First element of field tuple is neither a tuple nor str")
        if name == "":
            name = f"f{k}"
        fdt = _make_dtype(item[1] if len(item) == 2 else (item[1], item[2]), align)
        entries.append((name, fdt, title))
    return _layout(entries, None, None, align)


def from_dict(spec, align):
    """`{'names': [...], 'formats': [...], 'offsets': [...], 'itemsize': n,
    'aligned': bool, 'titles': [...]}`, or `{name: (format, offset), ...}`."""
    if "names" not in spec or "formats" not in spec:
        return _from_fields_dict(spec, align)
    names, formats = spec["names"], spec["formats"]
    offsets, titles = spec.get("offsets"), spec.get("titles")
    align = align or spec.get("aligned", False) is True
    n = len(names)
    # Longer lists than `names` are accepted, their extra entries unused.
    if len(formats) < n or offsets is not None and len(offsets) < n or titles is not None and len(titles) < n:
        raise ValueError("'names', 'formats', 'offsets', and 'titles' dict entries must have the same length")
    entries = []
    for k, name in enumerate(names):
        if not isinstance(name, str):
            raise ValueError("field names must be strings")
        title = titles[k] if titles is not None else None
        fdt = _make_dtype(formats[k], align)
        if offsets is not None:
            # Each offset is checked as its field is read, before the next
            # format is converted (whose own errors come later).
            _check_offset(int(offsets[k]), fdt, align)
        entries.append((name, fdt, title))
    return _layout(entries, offsets, spec.get("itemsize"), align)


def _from_fields_dict(spec, align):
    # The older form: each name maps to (format, offset[, title]); fields
    # are taken in the order of their offsets.
    fields = []
    for name, entry in spec.items():
        if not isinstance(entry, tuple) or len(entry) not in (2, 3):
            raise ValueError("entry not a 2- or 3- tuple")
        if len(entry) == 3 and entry[2] == name:
            continue
        off = int(entry[1])
        if off < 0:
            raise ValueError("invalid offset.")
        fields.append((off, name, entry[0], entry[2] if len(entry) == 3 else None))
    fields.sort(key=lambda f: f[0])
    entries = [(name, _make_dtype(fmt, align), title) for _, name, fmt, title in fields]
    return _layout(entries, [f[0] for f in fields], None, align)


# One item of a comma string: byte order, repeat shape ('3', '(2,3)', '()'),
# byte order again, and the type.
_ITEM = re.compile(r"\s*([<>|=]?)\s*(\([0-9 ,]*\)|[0-9]+)?\s*([<>|=]?)\s*([A-Za-z0-9.?]*(?:\[[A-Za-z0-9,.]+\])?)\s*$")


def _split_commas(text):
    """`text` split at the commas outside parentheses and brackets."""
    if "(" not in text and "[" not in text:
        return text.split(",")
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def is_commastring(text):
    """Whether NumPy reads `text` as a comma string: a repeat count or
    `()` in front, or a comma anywhere outside square brackets (the one in
    `'(2,)i4'` counts)."""
    body = text[1:] if text[:1] in "<>|=" else text
    if body[:1].isdigit() or body[:2] == "()":
        return True
    if "[" not in text:
        return "," in text
    depth = 0
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def from_commastring(text, align):
    """'i4,f8', '2i4', '(2,3)f8,u1': one item is that dtype, several (or a
    trailing comma) make a struct with fields f0, f1, ..."""
    parts = _split_commas(text)
    if len(parts) > 1 and parts[-1].strip() == "":
        parts.pop()
        is_list = True
    else:
        is_list = len(parts) > 1
    formats = []
    for k, part in enumerate(parts):
        m = _ITEM.match(part)
        if m is None or m.group(4) == "":
            raise ValueError(f'format number {k + 1} of "{text}" is not recognized')
        order1, repeat, order2, code = m.groups()
        if order1 and order2 and order1 != order2:
            raise ValueError(f"inconsistent byte-order specification {order1} and {order2}")
        code = (order1 or order2) + code
        if repeat is None:
            formats.append(code)
            continue
        inner = repeat.strip("()")
        if repeat.startswith("(") and inner.strip() != "" and "," not in inner:
            import warnings  # only this deprecation needs it (not every rank start)
            warnings.warn('Passing in a parenthesized single number for repeats is deprecated; pass either a '
                          'single number or indicate a tuple with a comma, like "(2,)".', DeprecationWarning,
                          stacklevel=4)
        if repeat.startswith("("):
            shape = tuple(int(n) for n in inner.split(",") if n.strip())
            if "," not in inner and inner.strip():
                shape = shape[0]
        else:
            shape = int(repeat)
        formats.append((code, shape))
    if not is_list:
        return _make_dtype(formats[0], align)
    return from_list([("", f) for f in formats], align)


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------

def _is_packed(d):
    """Whether the fields follow one another in order with no padding but
    the alignment padding of an aligned struct: then the list of (name,
    format) rebuilds the dtype."""
    end, max_align = 0, 1
    for name in d._names:
        fdt, off, _ = d._field(name)
        if d._aligned:
            end = _round_up(end, fdt.alignment)
            max_align = max(max_align, fdt.alignment)
        if off != end:
            return False
        end += fdt.itemsize
    if d._aligned:
        end = _round_up(end, max_align)
    return end == d.itemsize


def _struct_text(d, with_align):
    """The list or dict that builds `d`; the dict shows `'aligned': True`
    when `with_align` (str), which a list cannot (repr adds `align=True`)."""
    if not (with_align and d._aligned) and _is_packed(d):
        items = []
        for name in d._names:
            fdt, _, title = d._field(name)
            label = repr(name) if title is None else f"({title!r}, {name!r})"
            if fdt.subdtype is not None:
                items.append(f"({label}, {fdt.base._short()}, {fdt.shape})")
            else:
                items.append(f"({label}, {fdt._short()})")
        return "[" + ", ".join(items) + "]"
    fields = [d._field(name) for name in d._names]
    text = "{'names': [" + ", ".join(repr(n) for n in d._names) + "]"
    text += ", 'formats': [" + ", ".join(f[0]._short() for f in fields) + "]"
    text += ", 'offsets': [" + ", ".join(str(f[1]) for f in fields) + "]"
    if any(f[2] is not None for f in fields):
        text += ", 'titles': [" + ", ".join(repr(f[2]) for f in fields) + "]"
    text += f", 'itemsize': {d.itemsize}"
    if with_align and d._aligned:
        text += ", 'aligned': True"
    return text + "}"


def _descr_of(d):
    """A field's format in `descr`: its `str`, a nested list for a struct."""
    if d.fields is not None:
        return _descr(d)
    if d.subdtype is not None:
        return (_descr_of(d.base), d.shape)
    return d.str


def _descr(d):
    """The array-interface description: fields in order, with unnamed
    `|V<n>` entries for the padding between and after them."""
    out, end = [], 0
    for name in d._names:
        fdt, off, title = d._field(name)
        if off > end:
            out.append(("", f"|V{off - end}"))
            end = off
        elif off < end:
            raise ValueError("dtype.descr is not defined for types with overlapping or out-of-order fields")
        label = name if title is None else (title, name)
        if fdt.subdtype is not None:
            out.append((label, _descr_of(fdt.base), fdt.shape))
        else:
            out.append((label, _descr_of(fdt)))
        end += fdt.itemsize
    if d.itemsize > end:
        out.append(("", f"|V{d.itemsize - end}"))
    return out
