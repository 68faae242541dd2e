"""Where a datatype's bytes lie: the layouts of derived MPI datatypes.

A `Layout` describes one instance of a datatype the way MPI defines it: its
size (the bytes it holds), its lower and upper bounds (where the next
instance starts), its true bounds (the bytes it touches) and, for the pack
and unpack that every send and receive of a non-contiguous type does, the
byte segments it covers in type-map order. Constructors follow MPICH 4.0.2's
arithmetic for bounds, including its quirks: zero-length blocks count in
vectors but not in indexed types, and a struct's extent is padded to the
alignment of its widest member.

Nothing here knows mpi4py's classes; `MPI.Datatype` keeps one `Layout` per
handle and builds new ones with the functions below. Segments are computed
lazily, since building a type (which the test suites do by the thousand)
must not cost what packing it does.
"""


class Layout:
    """One instance of a datatype. Immutable once built."""

    __slots__ = ("size", "lb", "ub", "true_lb", "true_ub", "align",
                 "_blocks", "basic", "_segments", "_elements")

    def __init__(self, size, lb, ub, true_lb, true_ub, align, blocks=None, basic=None):
        self.size = size
        self.lb = lb
        self.ub = ub
        self.true_lb = true_lb
        self.true_ub = true_ub
        self.align = align
        # [(byte displacement, count, child Layout)]: `count` consecutive
        # copies of the child, one child extent apart. None for a basic type;
        # a function that makes them for an array type (made when needed).
        self._blocks = blocks
        # For a basic type: the key of the predefined datatype it is.
        self.basic = basic
        self._segments = None
        self._elements = None

    @property
    def blocks(self):
        if callable(self._blocks):
            self._blocks = self._blocks()
        return self._blocks

    @property
    def extent(self):
        return self.ub - self.lb

    @property
    def dense(self):
        """Its bytes are one run starting at 0 and instances abut: a message
        of this type is its buffer's bytes as they are."""
        return self.lb == 0 and self.size == self.ub and self.segments() == [(0, self.size)]

    def segments(self):
        """[(offset, nbytes)]: the bytes one instance covers, in type-map
        order, adjacent runs merged."""
        if self._segments is None:
            if self.blocks is None:
                self._segments = [(0, self.size)] if self.size else []
            else:
                out = []
                for disp, count, child in self.blocks:
                    _replicate(out, disp, count, child.extent, child.segments(),
                               child.size, _merge_segment)
                self._segments = out
        return self._segments

    def elements(self):
        """[(basic key, basic size, n)]: the basic elements of one instance
        in type-map order, runs of one kind merged (for `Get_elements`)."""
        if self._elements is None:
            if self.blocks is None:
                self._elements = [(self.basic, self.size, 1)] if self.size else []
            else:
                out = []
                for _disp, count, child in self.blocks:
                    items = child.elements()
                    if len(items) == 1:
                        key, size, n = items[0]
                        _merge_element(out, key, size, n * count)
                    else:
                        for _ in range(count):
                            for key, size, n in items:
                                _merge_element(out, key, size, n)
                self._elements = out
        return self._elements


def _merge_segment(out, offset, nbytes):
    if nbytes <= 0:
        return
    if out and out[-1][0] + out[-1][1] == offset:
        last = out[-1]
        out[-1] = (last[0], last[1] + nbytes)
    else:
        out.append((offset, nbytes))


def _merge_element(out, key, size, n):
    if n <= 0:
        return
    if out and out[-1][0] == key:
        out[-1] = (key, size, out[-1][2] + n)
    else:
        out.append((key, size, n))


def _replicate(out, disp, count, extent, segments, size, merge):
    """Append `count` copies of `segments`, `extent` apart, from `disp`."""
    if not count or not segments:
        return
    if len(segments) == 1 and segments[0][1] == size == extent:
        # Copies abut: one run, however many (a contiguous type of 2**31 bytes).
        merge(out, disp + segments[0][0], size * count)
        return
    for k in range(count):
        base = disp + k * extent
        for offset, nbytes in segments:
            merge(out, base + offset, nbytes)


def basic(key, size, align=None):
    """A predefined datatype of `size` bytes."""
    return Layout(size, 0, size, 0, size, align or min(size, 16) or 1, basic=key)


def from_blocks(blocks, skip_empty, pad=False, bounds=None):
    """A type made of blocks [(disp, count, child)]. `skip_empty`: blocks of
    count 0 do not count for the bounds (indexed and struct types); `pad`:
    round the extent up to the widest member's alignment (struct types);
    `bounds`: explicit (lb, ub) that replace the computed ones.

    One plain loop, no generators: building types is what
    `mpi4py.util.dtlib` and the test suites do by the ten thousand."""
    size = 0
    align = 1
    lb = ub = true_lb = true_ub = None
    for disp, count, child in blocks:
        size += count * child.size
        if child.align > align:
            align = child.align
        if skip_empty and count <= 0:
            continue
        # The bounds `count` copies of `child` at `disp` reach, one child
        # extent apart (MPICH's arithmetic, also for count 0).
        ext = child.ub - child.lb
        last = disp + (count - 1) * ext
        if ext >= 0:
            lo, hi, tlo, thi = disp + child.lb, last + child.ub, disp + child.true_lb, last + child.true_ub
        else:
            lo, hi, tlo, thi = last + child.lb, disp + child.ub, last + child.true_lb, disp + child.true_ub
        if lb is None:
            lb, ub, true_lb, true_ub = lo, hi, tlo, thi
            continue
        if lo < lb:
            lb = lo
        if hi > ub:
            ub = hi
        if tlo < true_lb:
            true_lb = tlo
        if thi > true_ub:
            true_ub = thi
    if lb is None:
        lb = ub = true_lb = true_ub = 0
    if pad and (ub - lb) % align:
        ub += align - (ub - lb) % align
    if bounds is not None:
        lb, ub = bounds
    return Layout(size, lb, ub, true_lb, true_ub, align, blocks=blocks)


def contiguous(child, count):
    return from_blocks([(0, count, child)], skip_empty=False)


def hvector(child, count, blocklength, stride_bytes):
    return from_blocks([(k * stride_bytes, blocklength, child) for k in range(count)],
                       skip_empty=False)


def hindexed(child, blocklengths, displacements_bytes):
    return from_blocks([(d, n, child) for n, d in zip(blocklengths, displacements_bytes)],
                       skip_empty=True)


def hindexed_block(child, blocklength, displacements_bytes):
    return from_blocks([(d, blocklength, child) for d in displacements_bytes],
                       skip_empty=False)


def struct(blocklengths, displacements_bytes, children):
    return from_blocks([(d, n, c) for n, d, c in zip(blocklengths, displacements_bytes, children)],
                       skip_empty=True, pad=True)


def resized(child, lb, extent):
    return from_blocks([(0, 1, child)], skip_empty=False, bounds=(lb, lb + extent))


def _runs(indices):
    """[(first, length)] of consecutive runs in an increasing index list."""
    runs = []
    for i in indices:
        if runs and runs[-1][0] + runs[-1][1] == i:
            runs[-1][1] += 1
        else:
            runs.append([i, 1])
    return runs


def _array_of(child, gsizes, owned, fortran):
    """The elements `owned[d]` (increasing indices per dimension) of an array
    of `gsizes` children in C or Fortran order; bounds are the whole
    array's, from 0. Size and true bounds come from the first and last
    element; the blocks (runs along the fastest dimension) are made only
    when the type is packed, since the test suites build these by the
    thousand and pack few."""
    ndim = len(gsizes)
    dims = list(range(ndim))
    if fortran:
        dims.reverse()
    # dims[0] is the slowest dimension, dims[-1] the fastest.
    strides = [0] * ndim
    step = 1
    for d in reversed(dims):
        strides[d] = step
        step *= gsizes[d]
    total = step
    ext = child.extent
    fast = dims[-1]
    count = 1
    for indices in owned:
        count *= len(indices)

    def blocks():
        runs = _runs(owned[fast])
        made = []

        def walk(level, offset):
            if level == ndim - 1:
                for first, length in runs:
                    made.append(((offset + first * strides[fast]) * ext, length, child))
                return
            d = dims[level]
            for i in owned[d]:
                walk(level + 1, offset + i * strides[d])

        if count:
            walk(0, 0)
        return made

    if count:
        first = sum(indices[0] * strides[d] for d, indices in enumerate(owned)) * ext
        last = sum(indices[-1] * strides[d] for d, indices in enumerate(owned)) * ext
        lows = (first + child.true_lb, last + child.true_lb)
        highs = (first + child.true_ub, last + child.true_ub)
        true_lb, true_ub = min(lows), max(highs)
    else:
        true_lb = true_ub = 0
    return Layout(count * child.size, 0, total * ext, true_lb, true_ub, child.align, blocks=blocks)


def subarray(child, sizes, subsizes, starts, fortran):
    owned = [range(s, s + n) for s, n in zip(starts, subsizes)]
    return _array_of(child, sizes, owned, fortran)


DISTRIBUTE_BLOCK = 121
DISTRIBUTE_CYCLIC = 122
DISTRIBUTE_NONE = 123
DISTRIBUTE_DFLT_DARG = -49767


def darray(child, size, rank, gsizes, distribs, dargs, psizes, fortran):
    """The part of a distributed array that process `rank` of a `psizes`
    grid (numbered row-major, as MPI defines it) owns."""
    coords = []
    r = rank
    for p in reversed(psizes):
        coords.append(r % p)
        r //= p
    coords.reverse()
    owned = []
    for g, dist, darg, p, c in zip(gsizes, distribs, dargs, psizes, coords):
        if dist == DISTRIBUTE_NONE:
            owned.append(range(g))
        elif dist == DISTRIBUTE_BLOCK:
            b = -(-g // p) if darg == DISTRIBUTE_DFLT_DARG else darg
            owned.append(range(min(c * b, g), min((c + 1) * b, g)))
        else:
            k = 1 if darg == DISTRIBUTE_DFLT_DARG else darg
            owned.append([i for i in range(g) if (i // k) % p == c])
    return _array_of(child, gsizes, owned, fortran)


def elements_in(layout, nbytes):
    """How many basic elements `nbytes` of packed data of `layout` hold
    (MPI_Get_elements): whole instances, then the whole basic elements of
    the next one."""
    size = layout.size
    items = layout.elements()
    if not size:
        return 0
    full, rest = divmod(nbytes, size)
    count = full * sum(n for _key, _size, n in items)
    for _key, esize, n in items:
        if rest <= 0:
            break
        take = min(n, rest // esize)
        count += take
        rest -= take * esize
        if take < n:
            break
    return count


class Packed:
    """The packed bytes of `count` instances of a non-contiguous layout in
    a buffer, addressed as if they were contiguous: slicing, `len`,
    `tobytes` and slice assignment are what the message code needs of a
    memoryview, and here they gather from or scatter to the buffer."""

    __slots__ = ("_mem", "_origin", "_segments", "_extent", "_size", "_start", "_stop")

    def __init__(self, mem, origin, layout, count, start=0, stop=None):
        self._mem = mem
        self._origin = origin
        self._segments = layout.segments()
        self._extent = layout.extent
        self._size = layout.size
        self._start = start
        self._stop = count * layout.size if stop is None else stop

    @classmethod
    def _sub(cls, parent, start, stop):
        self = object.__new__(cls)
        for slot in cls.__slots__:
            setattr(self, slot, getattr(parent, slot))
        self._start, self._stop = start, stop
        return self

    def __len__(self):
        return self._stop - self._start

    def _bounds(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("packed message views take contiguous slices only")
        start, stop, _ = key.indices(len(self))
        return self._start + start, self._start + max(start, stop)

    def __getitem__(self, key):
        start, stop = self._bounds(key)
        return Packed._sub(self, start, stop)

    def _pieces(self, start, stop):
        """(buffer offset, packed offset, nbytes) for the packed range."""
        size = self._size
        if not size or start >= stop:
            return
        first = start // size
        position = first * size
        element = first
        while position < stop:
            base = self._origin + element * self._extent
            for offset, nbytes in self._segments:
                lo, hi = max(position, start), min(position + nbytes, stop)
                if lo < hi:
                    yield base + offset + (lo - position), lo, hi - lo
                position += nbytes
                if position >= stop:
                    return
            element += 1

    def tobytes(self):
        mem = self._mem
        return b"".join([mem[at:at + n] for at, _p, n in self._pieces(self._start, self._stop)])

    def __setitem__(self, key, data):
        start, stop = self._bounds(key)
        data = memoryview(data).cast("B")
        if len(data) != stop - start:
            raise ValueError("packed message views keep their length")
        mem = self._mem
        for at, packed, n in self._pieces(start, stop):
            mem[at:at + n] = data[packed - start:packed - start + n]
