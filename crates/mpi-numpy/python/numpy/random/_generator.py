"""NumPy's `Generator` and `default_rng`, over the PCG64 core: Lemire
integers, the ziggurat normal, NumPy's choice/shuffle algorithms."""

import operator

from . import _common as c
from ._bit_generator import PCG64, BitGenerator, SeedSequence
from ._legacy import _is_index, _prod


class Generator:
    """Container for the BitGenerators, with NumPy's sampling methods."""

    def __init__(self, bit_generator):
        if not isinstance(bit_generator, PCG64):
            # The distributions are bound to PCG64's native core; the others
            # would need a core of their own.
            raise NotImplementedError("this numpy supports Generator(PCG64(...)) only")
        self._bit_generator = bit_generator

    @property
    def _core(self):
        return self._bit_generator._core

    @property
    def bit_generator(self):
        return self._bit_generator

    def __repr__(self):
        return f"Generator({type(self._bit_generator).__name__}) at 0x{id(self):X}"

    def spawn(self, n_children):
        return [Generator(bg) for bg in self._bit_generator.spawn(n_children)]

    def random(self, size=None, dtype="float64", out=None):
        name = c.float_dtype_name(dtype)
        shape = c.shape_of(size) if out is None else tuple(out.shape)
        if shape is None:
            if name == "float32":
                return c.scalar_of("float32", c.np().frombuffer(self._core.random_f32_n(1), dtype="float32")[0])
            return self._core.random()
        n = c.count(shape)
        data = self._core.random_f32_n(n) if name == "float32" else self._core.random_n(n)
        res = c.to_array(data, name, shape)
        if out is not None:
            out[...] = res
            return out
        return res

    def integers(self, low, high=None, size=None, dtype="int64", endpoint=False):
        name = c.int_dtype_name(dtype)
        if high is None:
            high, low = low, 0
        shape = c.shape_of(size)
        if not (c.is_scalar_param(low) and c.is_scalar_param(high)):
            return self._integers_arrays(low, high, shape, name, endpoint)
        low, high = c.clamp(low), c.clamp(high)
        if shape is None:
            return c.scalar_of(name, self._core.integers(low, high, bool(endpoint), name))
        n = c.count(shape)
        if n == 0:
            return c.np().empty(shape, dtype=name)
        return c.to_array(self._core.integers_n(low, high, bool(endpoint), name, n), name, shape)

    def _integers_arrays(self, low, high, shape, name, endpoint):
        # One draw per element; exact for 32- and 64-bit dtypes, whose draws
        # share no buffer (NumPy's `_rand_*_broadcast`).
        np = c.np()
        low, high = np.asarray(low), np.asarray(high)
        shape = shape or np.broadcast_shapes(low.shape, high.shape)
        lo = np.broadcast_to(low, shape).reshape((-1,))
        hi = np.broadcast_to(high, shape).reshape((-1,))
        bad = [int(a) > int(b) if endpoint else int(a) >= int(b) for a, b in zip(lo, hi)]
        if any(bad):
            zero = all(int(a) == 0 for a in lo)
            raise ValueError(("high < 0" if endpoint else "high <= 0") if zero else ("low > high" if endpoint else "low >= high"))
        vals = [self._core.integers(c.clamp(int(a)), c.clamp(int(b)), bool(endpoint), name) for a, b in zip(lo, hi)]
        return np.asarray(vals, dtype=name).reshape(shape)

    def standard_normal(self, size=None, dtype="float64", out=None):
        shape = c.shape_of(size) if out is None else tuple(out.shape)
        if c.float_dtype_name(dtype) != "float64":
            raise NotImplementedError("standard_normal(dtype=float32) is not supported here")
        if shape is None:
            return self._core.standard_normal()
        res = c.to_array(self._core.standard_normal_n(c.count(shape)), "float64", shape)
        if out is not None:
            out[...] = res
            return out
        return res

    def normal(self, loc=0.0, scale=1.0, size=None):
        if c.is_scalar_param(loc) and c.is_scalar_param(scale):
            loc, scale = float(loc), float(scale)
            shape = c.shape_of(size)
            if shape is None:
                return self._core.normal(loc, scale)
            return c.to_array(self._core.normal_n(loc, scale, c.count(shape)), "float64", shape)
        np = c.np()
        loc, scale = np.asarray(loc, dtype="float64"), np.asarray(scale, dtype="float64")
        if (scale < 0).any():
            raise ValueError("scale < 0")
        shape = c.shape_of(size) or np.broadcast_shapes(loc.shape, scale.shape)
        return loc + scale * self.standard_normal(shape)

    def uniform(self, low=0.0, high=1.0, size=None):
        if c.is_scalar_param(low) and c.is_scalar_param(high):
            low, high = float(low), float(high)
            shape = c.shape_of(size)
            if shape is None:
                return self._core.uniform(low, high)
            return c.to_array(self._core.uniform_n(low, high, c.count(shape)), "float64", shape)
        np = c.np()
        low, high = np.asarray(low, dtype="float64"), np.asarray(high, dtype="float64")
        span = high - low
        if not np.isfinite(span).all():
            raise OverflowError("Range exceeds valid bounds")
        shape = c.shape_of(size) or np.broadcast_shapes(low.shape, high.shape)
        return low + span * self.random(shape)

    def shuffle(self, x, axis=0):
        if axis != 0:
            raise NotImplementedError("shuffle along axis != 0 is not supported here")
        n = len(x)
        if n > 1:
            c.apply_order(x, c.unpack_i64(self._core.shuffle_order(n)))

    def permutation(self, x, axis=0):
        if _is_index(x) and not c.is_array(x):
            n = operator.index(x)
            return c.to_array(self._core.shuffle_order(n), "int64", (n,))
        arr = c.np().asarray(x)
        if arr.ndim < 1:
            raise IndexError("x must be an integer or at least 1-dimensional")
        arr = arr.copy()
        self.shuffle(arr, axis)
        return arr

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True):
        if axis != 0:
            raise NotImplementedError("choice along axis != 0 is not supported here")
        arr = None
        if _is_index(a) or (c.is_array(a) and a.ndim == 0):
            try:
                pop_size = operator.index(a if not c.is_array(a) else a.item())
            except TypeError:
                raise ValueError(f"a must be a sequence or an integer, not {type(a)}") from None
            if pop_size <= 0 and _prod(size) != 0:
                raise ValueError("a must be a positive integer unless no samples are taken")
        else:
            arr = c.np().asarray(a)
            if arr.ndim == 0:
                raise ValueError(f"a must be a sequence or an integer, not {type(a)}")
            pop_size = arr.shape[0]
            if pop_size == 0 and _prod(size) != 0:
                raise ValueError("a cannot be empty unless no samples are taken")
        atol = c.ATOL_F64
        if p is not None:
            p, atol = c.check_p(p, pop_size, legacy=False)
        shape = c.shape_of(size)
        n = 1 if shape is None else c.count(shape)
        if not replace and n > pop_size:
            raise ValueError("Cannot take a larger sample than population when replace is False")
        idx = c.unpack_i64(self._core.choice(pop_size, n, bool(replace), p, atol, bool(shuffle)))
        if shape is None:
            return idx[0] if arr is None else arr[idx[0]]
        if arr is None:
            return c.np().asarray(idx, dtype="int64").reshape(shape)
        return c.take(arr, idx, shape)


def default_rng(seed=None):
    """A new Generator over PCG64, seeded like NumPy's `default_rng`."""
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, BitGenerator):
        return Generator(seed)
    return Generator(PCG64(seed))


__all__ = ["Generator", "default_rng", "SeedSequence"]
