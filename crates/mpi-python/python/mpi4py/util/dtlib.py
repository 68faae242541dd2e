"""Conversion between NumPy dtypes and MPI datatypes.

`from_numpy_dtype` builds an MPI datatype with the same memory layout as a
NumPy dtype (elementary types, subarrays, structs with their padding);
`to_numpy_dtype` goes the other way for predefined, pair, contiguous,
vector, indexed, subarray, resized and struct datatypes. Without NumPy,
`to_numpy_dtype` returns the specification NumPy would be given.
"""

from .. import MPI

try:
    from numpy import dtype as _np_dtype
except ImportError:  # pragma: no cover
    _np_dtype = None


def _release(*datatypes):
    for datatype in datatypes:
        if not datatype.is_predefined:
            datatype.Free()


# Decoding here reads a datatype's own record of how it was made
# (`MPI._decode_shared`): no copies of its oldtypes to make and free, which
# is most of the cost of converting nested types.
_combiner = MPI._combiner_of
_decode = MPI._decode_shared


def _aligned_at(datatype, offset=0):
    """Whether every basic element of `datatype`, placed at byte `offset`,
    sits at a multiple of its C alignment."""
    combiner = _combiner(datatype)
    if combiner == MPI.COMBINER_NAMED or datatype.is_predefined:
        if offset == 0:
            return True
        return offset % (MPI._typealign(datatype) or 0) == 0
    base, _, info = _decode(datatype)
    if combiner == MPI.COMBINER_STRUCT:
        parts = zip(info["datatypes"], info["displacements"])
    elif combiner == MPI.COMBINER_RESIZED:
        parts = [(base, info["extent"])]
    elif combiner == MPI.COMBINER_HVECTOR:
        parts = [(base, info["stride"] if info["count"] > 1 else 0)]
    elif combiner in (MPI.COMBINER_HINDEXED, MPI.COMBINER_HINDEXED_BLOCK):
        # As mpi4py decides it: a block list counts as aligned when its
        # first block is (to_numpy_dtype checks every block of the type
        # it converts itself).
        parts = [(base, disp) for disp in info["displacements"][:1]]
    else:
        parts = [(base, 0)]
    return all(_aligned_at(t, offset + d) for t, d in parts)


def from_numpy_dtype(dtype):
    """Return a new MPI datatype laid out as the NumPy dtype `dtype`
    (anything `numpy.dtype()` accepts). The caller frees it."""
    if _np_dtype is None:
        raise RuntimeError("NumPy is not available") from None
    dtype = _np_dtype(dtype)
    if dtype.hasobject:
        raise ValueError("NumPy datatype with object entries")
    if not dtype.isnative:
        raise ValueError("NumPy datatype with non-native byteorder")

    fields = dtype.fields
    if fields:
        members = []
        try:
            for name in dtype.names:
                field = fields[name]
                members.append((field[1], from_numpy_dtype(field[0])))
            struct = MPI.Datatype.Create_struct(
                [1] * len(members),
                [disp for disp, _ in members],
                [t for _, t in members],
            )
        finally:
            _release(*(t for _, t in members))
        try:
            return struct.Create_resized(0, dtype.itemsize)
        finally:
            struct.Free()

    subdtype = dtype.subdtype
    if subdtype:
        element, shape = subdtype
        base = from_numpy_dtype(element)
        try:
            if len(shape) == 1:
                return base.Create_contiguous(shape[0])
            return base.Create_subarray(shape, shape, [0] * len(shape))
        finally:
            base.Free()

    return MPI.Datatype.fromcode(dtype.char).Dup()


def _spec(spec, **options):
    """A NumPy dtype from `spec`, or without NumPy the specification."""
    if _np_dtype is None:
        return (spec, options) if options else spec
    return _np_dtype(spec, **options)


def _block(datatype, count):
    dtype = to_numpy_dtype(datatype)
    return dtype if count == 1 else (dtype, count)


def _record(formats, offsets, aligned, itemsize=None):
    """A struct dtype with fields f0, f1, ... at `offsets`."""
    spec = {
        "names": [f"f{k}" for k in range(len(formats))],
        "formats": formats,
        "offsets": offsets,
    }
    if itemsize is not None:
        spec["itemsize"] = itemsize
    spec["aligned"] = aligned
    return _spec(spec)


_PAIR_VALUES = [
    (MPI.SHORT_INT, MPI.SHORT),
    (MPI.INT_INT, MPI.INT),
    (MPI.LONG_INT, MPI.LONG),
    (MPI.FLOAT_INT, MPI.FLOAT),
    (MPI.DOUBLE_INT, MPI.DOUBLE),
    (MPI.LONG_DOUBLE_INT, MPI.LONG_DOUBLE),
]


def _named(datatype):
    code = MPI._typecode(datatype)
    if code is not None:
        return _spec(code)
    for pair, value in _PAIR_VALUES:
        if pair == datatype:
            return _spec(f"{MPI._typecode(value)},i", align=True)
    raise ValueError("cannot convert MPI datatype to NumPy")


def _struct(datatype, info, aligned):
    types = info["datatypes"]
    offsets = info["displacements"]
    formats = [_block(t, n) for t, n in zip(types, info["blocklengths"])]
    aligned = aligned and all(_aligned_at(t, d) for t, d in zip(types, offsets))
    return _record(formats, offsets, aligned, datatype.extent)


def to_numpy_dtype(datatype):
    """Return the NumPy dtype laid out as the MPI datatype `datatype`."""
    if datatype == MPI.DATATYPE_NULL:
        raise ValueError("cannot convert null MPI datatype to NumPy")
    combiner = _combiner(datatype)
    if combiner == MPI.COMBINER_NAMED:
        return _named(datatype)

    base, _, info = _decode(datatype)
    if combiner == MPI.COMBINER_DUP:
        return to_numpy_dtype(base)

    if combiner == MPI.COMBINER_CONTIGUOUS:
        return _spec((to_numpy_dtype(base), (info["count"],)))

    if combiner == MPI.COMBINER_SUBARRAY:
        sizes = list(info["sizes"])
        whole = info["subsizes"] == info["sizes"] and not any(info["starts"])
        if not whole:
            raise ValueError("cannot convert subarray MPI datatype to NumPy")
        if info["order"] == MPI.ORDER_FORTRAN:
            sizes.reverse()
        return _spec((to_numpy_dtype(base), tuple(sizes)))

    if combiner == MPI.COMBINER_STRUCT:
        return _struct(datatype, info, True)

    if combiner == MPI.COMBINER_RESIZED and _combiner(base) == MPI.COMBINER_STRUCT:
        aligned = _aligned_at(base, info["extent"])
        _, _, inner = _decode(base)
        return _struct(datatype, inner, aligned)

    if combiner in (MPI.COMBINER_VECTOR, MPI.COMBINER_HVECTOR):
        count, stride = info["count"], info["stride"]
        if combiner == MPI.COMBINER_VECTOR:
            stride *= base.extent
            aligned = _aligned_at(base)
        else:
            if count <= 1:
                stride = 0
            aligned = _aligned_at(base, stride)
        block = (to_numpy_dtype(base), (info["blocklength"],))
        return _record([block] * count, [k * stride for k in range(count)],
                       aligned, datatype.extent)

    if combiner in (MPI.COMBINER_INDEXED, MPI.COMBINER_HINDEXED,
                    MPI.COMBINER_INDEXED_BLOCK, MPI.COMBINER_HINDEXED_BLOCK):
        disps = info["displacements"]
        if combiner in (MPI.COMBINER_INDEXED, MPI.COMBINER_HINDEXED):
            lengths = info["blocklengths"]
        else:
            lengths = [info["blocklength"]] * len(disps)
        aligned = _aligned_at(base)
        if combiner in (MPI.COMBINER_INDEXED, MPI.COMBINER_INDEXED_BLOCK):
            offsets = [d * base.extent for d in disps]
        else:
            offsets = list(disps)
            aligned = aligned and all(_aligned_at(base, d) for d in disps)
        element = to_numpy_dtype(base)
        return _record([(element, (n,)) for n in lengths], offsets, aligned)

    if combiner in (MPI.COMBINER_F90_INTEGER, MPI.COMBINER_F90_REAL,
                    MPI.COMBINER_F90_COMPLEX):
        return _spec(MPI._typecode(datatype))

    raise ValueError("cannot convert MPI datatype to NumPy")
