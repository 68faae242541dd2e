"""The legacy `RandomState` (NumPy's mtrand): MT19937 with NumPy's legacy
seeding, the polar-method normals, masked-rejection integers."""

import operator

from . import _common as c
from ._bit_generator import MT19937, key_bytes


class RandomState:
    """Container for the slow Mersenne Twister pseudo-random number
    generator, bit-exact with NumPy's for the same seed."""

    def __init__(self, seed=None):
        if isinstance(seed, MT19937):
            self._bit_generator = seed
        else:
            self._bit_generator = MT19937.__new__(MT19937)
            self._bit_generator._legacy_seeding(seed)

    @property
    def _core(self):
        return self._bit_generator._core

    def __repr__(self):
        return f"RandomState(MT19937) at 0x{id(self):X}"

    def seed(self, seed=None):
        self._bit_generator._legacy_seeding(seed)

    def get_state(self, legacy=True):
        key, pos, has_gauss, gauss = self._core.get_state()
        key = c.to_array(key, "uint32", (624,))
        if legacy:
            return ("MT19937", key, pos, int(has_gauss), gauss)
        return {"bit_generator": "MT19937", "state": {"key": key, "pos": pos},
                "has_gauss": int(has_gauss), "gauss": gauss}

    def set_state(self, state):
        if isinstance(state, dict):
            if "bit_generator" not in state or "state" not in state:
                raise ValueError("state dictionary is not valid.")
            if state["bit_generator"] != "MT19937":
                raise ValueError("set_state can only be used with legacy MT19937 state instances.")
            key, pos = state["state"]["key"], state["state"]["pos"]
            has_gauss, gauss = state.get("has_gauss", 0), state.get("gauss", 0.0)
        else:
            if not isinstance(state, (tuple, list)):
                raise TypeError("state must be a dict or a tuple.")
            if state[0] != "MT19937":
                raise ValueError("set_state can only be used with legacy MT19937 state instances.")
            key, pos = state[1], state[2]
            has_gauss, gauss = (state[3], state[4]) if len(state) > 3 else (0, 0.0)
        self._core.set_state(key_bytes(key), int(pos), bool(has_gauss), float(gauss))

    def __getstate__(self):
        return self.get_state(legacy=False)

    def __setstate__(self, state):
        self.set_state(state)

    # Floats.

    def random_sample(self, size=None):
        shape = c.shape_of(size)
        if shape is None:
            return self._core.random_sample()
        return c.to_array(self._core.random_sample_n(c.count(shape)), "float64", shape)

    def random(self, size=None):
        return self.random_sample(size)

    def rand(self, *args):
        if not args:
            return self._core.random_sample()
        return self.random_sample(size=args)

    def standard_normal(self, size=None):
        shape = c.shape_of(size)
        if shape is None:
            return self._core.standard_normal()
        return c.to_array(self._core.standard_normal_n(c.count(shape)), "float64", shape)

    def randn(self, *args):
        if not args:
            return self._core.standard_normal()
        return self.standard_normal(size=args)

    def normal(self, loc=0.0, scale=1.0, size=None):
        if c.is_scalar_param(loc) and c.is_scalar_param(scale):
            loc, scale = float(loc), float(scale)
            shape = c.shape_of(size)
            if shape is None:
                return self._core.normal(loc, scale)
            return c.to_array(self._core.normal_n(loc, scale, c.count(shape)), "float64", shape)
        # Array parameters: one normal per element of the broadcast shape,
        # in C order, scaled elementwise (the same arithmetic as NumPy's).
        np = c.np()
        loc, scale = np.asarray(loc, dtype="float64"), np.asarray(scale, dtype="float64")
        if (scale < 0).any():
            raise ValueError("scale < 0")
        shape = c.shape_of(size) or np.broadcast_shapes(loc.shape, scale.shape)
        z = self.standard_normal(shape)
        return loc + scale * z

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
        u = self.random_sample(shape)
        return low + span * u

    # Integers.

    def randint(self, low, high=None, size=None, dtype=int):
        name = c.int_dtype_name(dtype)
        if high is None:
            high, low = low, 0
        shape = c.shape_of(size)
        if not (c.is_scalar_param(low) and c.is_scalar_param(high)):
            return self._randint_arrays(low, high, shape, name)
        low, high = c.clamp(low), c.clamp(high)
        if shape is None:
            v = self._core.randint(low, high, name)
            if dtype is int or dtype is bool:
                return dtype(v)
            return c.scalar_of(name, v)
        n = c.count(shape)
        if n == 0:
            return c.np().empty(shape, dtype=name)
        return c.to_array(self._core.randint_n(low, high, name, n), name, shape)

    def _randint_arrays(self, low, high, shape, name):
        # One draw per element; exact for 32- and 64-bit dtypes, whose draws
        # share no buffer (NumPy's `_rand_*_broadcast`).
        np = c.np()
        low, high = np.asarray(low), np.asarray(high)
        shape = shape or np.broadcast_shapes(low.shape, high.shape)
        lo = np.broadcast_to(low, shape).reshape((-1,)) if low.shape != shape else low.reshape((-1,))
        hi = np.broadcast_to(high, shape).reshape((-1,)) if high.shape != shape else high.reshape((-1,))
        if any(int(a) >= int(b) for a, b in zip(lo, hi)):
            raise ValueError("low >= high" if any(int(a) != 0 for a in lo) else "high <= 0")
        vals = [self._core.randint(c.clamp(int(a)), c.clamp(int(b)), name) for a, b in zip(lo, hi)]
        return np.asarray(vals, dtype=name).reshape(shape)

    def random_integers(self, low, high=None, size=None):
        if high is None:
            import warnings  # only this deprecation needs it (not every rank start)
            warnings.warn(f"This function is deprecated. Please call randint(1, {low} + 1) instead",
                          DeprecationWarning, stacklevel=2)
            high, low = low, 1
        else:
            import warnings  # only this deprecation needs it (not every rank start)
            warnings.warn(f"This function is deprecated. Please call randint({low}, {high} + 1) instead",
                          DeprecationWarning, stacklevel=2)
        return self.randint(low, int(high) + 1, size=size, dtype="l")

    # Sequences.

    def shuffle(self, x):
        n = len(x)
        if n > 1:
            c.apply_order(x, c.unpack_i64(self._core.shuffle_order(n)))

    def permutation(self, x):
        if isinstance(x, int) or (not c.is_array(x) and _is_index(x)):
            n = operator.index(x)
            return c.to_array(self._core.shuffle_order(n), "int64", (n,))
        arr = c.np().asarray(x)
        if arr.ndim < 1:
            raise IndexError("x must be an integer or at least 1-dimensional")
        arr = arr.copy()
        self.shuffle(arr)
        return arr

    def choice(self, a, size=None, replace=True, p=None):
        arr = None
        if _is_index(a) or (c.is_array(a) and a.ndim == 0):
            try:
                pop_size = operator.index(a if not c.is_array(a) else a.item())
            except TypeError:
                raise ValueError("a must be 1-dimensional or an integer") from None
            if pop_size <= 0 and _prod(size) != 0:
                raise ValueError("a must be greater than 0 unless no samples are taken")
        else:
            arr = c.np().asarray(a)
            if arr.ndim != 1:
                raise ValueError("a must be 1-dimensional")
            pop_size = arr.shape[0]
            if pop_size == 0 and _prod(size) != 0:
                raise ValueError("'a' cannot be empty unless no samples are taken")
        atol = c.ATOL_F64
        if p is not None:
            p, atol = c.check_p(p, pop_size, legacy=True)
        shape = c.shape_of(size)
        n = 1 if shape is None else c.count(shape)
        if not replace and n > pop_size:
            raise ValueError("Cannot take a larger sample than population when 'replace=False'")
        idx = c.unpack_i64(self._core.choice(pop_size, n, bool(replace), p, atol))
        if shape is None:
            return idx[0] if arr is None else arr[idx[0]]
        if arr is None:
            return c.np().asarray(idx, dtype="int64").reshape(shape)
        return c.take(arr, idx, shape)


def _is_index(x):
    if isinstance(x, bool):
        return True
    try:
        operator.index(x)
        return True
    except TypeError:
        return False


def _prod(size):
    if size is None:
        return 1
    n = 1
    for s in (size if isinstance(size, (tuple, list)) else (size,)):
        n *= s
    return n
