"""Bit generators: SeedSequence, PCG64 and MT19937 (numpy.random's
bit_generator, _pcg64 and _mt19937), over the native cores in `_numpy`."""

import operator
import os

import _numpy

from . import _common as c

DEFAULT_POOL_SIZE = 4


def _os_entropy():
    """128 bits of OS entropy as an int, as NumPy's `randbits(128)`."""
    return int.from_bytes(os.urandom(16), "little")


class SeedSequence:
    """Mixes entropy into a pool and draws seeding words from it."""

    def __init__(self, entropy=None, *, spawn_key=(), pool_size=DEFAULT_POOL_SIZE, n_children_spawned=0):
        if pool_size < DEFAULT_POOL_SIZE:
            raise ValueError(f"The size of the entropy pool should be at least {DEFAULT_POOL_SIZE}")
        if entropy is None:
            entropy = _os_entropy()
        elif not isinstance(entropy, (int, list, tuple, str)) and not c.is_array(entropy):
            try:
                entropy = operator.index(entropy)
            except TypeError:
                raise TypeError("SeedSequence expects int or sequence of ints for entropy not " + repr(entropy)) from None
        self.entropy = entropy
        self.spawn_key = tuple(spawn_key)
        self.pool_size = pool_size
        self.n_children_spawned = n_children_spawned
        self._entropy_words = c.coerce_to_uint32_words(entropy)
        self._spawn_words = c.coerce_to_uint32_words(self.spawn_key) if self.spawn_key else []

    def __repr__(self):
        lines = ["SeedSequence(", f"    entropy={self.entropy!r},"]
        if self.spawn_key:
            lines.append(f"    spawn_key={self.spawn_key!r},")
        if self.pool_size != DEFAULT_POOL_SIZE:
            lines.append(f"    pool_size={self.pool_size!r},")
        if self.n_children_spawned != 0:
            lines.append(f"    n_children_spawned={self.n_children_spawned!r},")
        lines.append(")")
        return "\n".join(lines)

    @property
    def state(self):
        return {k: getattr(self, k) for k in ("entropy", "spawn_key", "pool_size", "n_children_spawned")}

    @property
    def pool(self):
        data = _numpy.seed_sequence_pool(self._entropy_words, self._spawn_words, self.pool_size)
        return c.to_array(data, "uint32", (self.pool_size,))

    def generate_state(self, n_words, dtype="uint32"):
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
        if name in ("uint32", "u4", "I"):
            data = _numpy.seed_sequence_state(self._entropy_words, self._spawn_words, self.pool_size, n_words)
            return c.to_array(data, "uint32", (n_words,))
        if name in ("uint64", "u8", "Q", "L"):
            # Pairs of 32-bit words, low word first (NumPy's view(np.uint64)).
            data = _numpy.seed_sequence_state(self._entropy_words, self._spawn_words, self.pool_size, 2 * n_words)
            order = "little" if _little() else "big"
            words = [int.from_bytes(data[8 * i:8 * i + 4], order) | int.from_bytes(data[8 * i + 4:8 * i + 8], order) << 32
                     for i in range(n_words)]
            return c.np().asarray(words, dtype="uint64")
        raise ValueError("only support uint32 or uint64")

    def spawn(self, n_children):
        children = [SeedSequence(self.entropy, spawn_key=self.spawn_key + (i,), pool_size=self.pool_size)
                    for i in range(self.n_children_spawned, self.n_children_spawned + n_children)]
        self.n_children_spawned += n_children
        return children


def _little():
    import sys
    return sys.byteorder == "little"


def _seed_seq(seed):
    if isinstance(seed, SeedSequence):
        return seed
    if isinstance(seed, BitGenerator):
        raise TypeError("BitGenerator instances cannot be used as seeds")
    return SeedSequence(seed)


class BitGenerator:
    """Base of the bit generators (for isinstance checks)."""

    @property
    def seed_seq(self):
        return self._seed_seq

    def spawn(self, n_children):
        return [type(self)(s) for s in self._seed_seq.spawn(n_children)]


class PCG64(BitGenerator):
    """PCG64 (128-bit LCG, XSL-RR output), the default bit generator."""

    def __init__(self, seed=None):
        self._seed_seq = _seed_seq(seed)
        s = self._seed_seq
        self._core = _numpy.pcg64_generator(s._entropy_words, s._spawn_words, s.pool_size)

    @property
    def state(self):
        state, inc, has_uint32, uinteger = self._core.get_state()
        return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                "has_uint32": int(has_uint32), "uinteger": uinteger}

    @state.setter
    def state(self, value):
        if not isinstance(value, dict):
            raise TypeError("state must be a dict")
        if value.get("bit_generator") != "PCG64":
            raise ValueError("state must be for a PCG64 RNG")
        st = value["state"]
        self._core.set_state(int(st["state"]), int(st["inc"]), bool(value["has_uint32"]), int(value["uinteger"]))

    def advance(self, delta):
        self._core.advance(operator.index(delta) % (1 << 128))
        return self

    def random_raw(self, size=None, output=True):
        shape = c.shape_of(size)
        if shape is None:
            v = self._core.next_u64()
            return v if output else None
        vals = [self._core.next_u64() for _ in range(c.count(shape))]
        return c.np().asarray(vals, dtype="uint64").reshape(shape) if output else None


class MT19937(BitGenerator):
    """MT19937, seeded through a SeedSequence (or legacy-seeded by
    RandomState)."""

    def __init__(self, seed=None):
        self._seed_seq = _seed_seq(seed)
        s = self._seed_seq
        self._core = _numpy.legacy_generator_from_seed_sequence(s._entropy_words, s._spawn_words, s.pool_size)

    def _legacy_seeding(self, seed):
        """Seeds as `np.random.seed(seed)` does (one word, or init_by_array
        for a sequence), replacing the core."""
        if seed is None:
            # Fresh OS entropy; NumPy draws it through a SeedSequence, which
            # no one can reproduce either.
            words = [int.from_bytes(os.urandom(4), "little") for _ in range(4)]
            self._core = _numpy.legacy_generator(words)
        else:
            self._core = _numpy.legacy_generator(_legacy_seed_arg(seed))
        self._seed_seq = None

    @property
    def state(self):
        key, pos, _, _ = self._core.get_state()
        return {"bit_generator": "MT19937", "state": {"key": c.to_array(key, "uint32", (624,)), "pos": pos}}

    @state.setter
    def state(self, value):
        if isinstance(value, (tuple, list)):
            if value[0] != "MT19937" or len(value) not in (3, 5):
                raise ValueError("state is not a legacy MT19937 state")
            value = {"bit_generator": "MT19937", "state": {"key": value[1], "pos": value[2]}}
        if not isinstance(value, dict):
            raise TypeError("state must be a dict")
        if value.get("bit_generator") != "MT19937":
            raise ValueError("state must be for a MT19937 PRNG")
        _, _, has_gauss, gauss = self._core.get_state()
        self._core.set_state(key_bytes(value["state"]["key"]), int(value["state"]["pos"]), has_gauss, gauss)

    def random_raw(self, size=None, output=True):
        shape = c.shape_of(size)
        if shape is None:
            v = self._core.next_u32()
            return v if output else None
        vals = [self._core.next_u32() for _ in range(c.count(shape))]
        return c.np().asarray(vals, dtype="uint64").reshape(shape) if output else None


def key_bytes(key):
    """624 key words as packed native uint32."""
    import struct
    words = [int(k) for k in (key.reshape((key.size,)) if c.is_array(key) else key)]
    if len(words) != 624:
        raise ValueError("state must be 624 elements")
    return struct.pack("=624I", *[w & 0xFFFFFFFF for w in words])


def _legacy_seed_arg(seed):
    """What `_numpy.legacy_generator` takes: an int, or a list of ints."""
    if c.is_array(seed) and seed.ndim == 0:
        seed = int(seed)
    if isinstance(seed, float):
        raise TypeError("Cannot cast scalar from dtype('float64') to dtype('int64') according to the rule 'safe'")
    try:
        return operator.index(seed)
    except TypeError:
        pass
    if isinstance(seed, str):
        raise TypeError("Cannot cast array data from dtype('<U%d') to dtype('int64') according to the rule 'safe'" % len(seed))
    items = list(seed.reshape((seed.size,))) if c.is_array(seed) and seed.ndim == 1 else seed
    if c.is_array(seed) and seed.ndim != 1:
        raise ValueError("Seed array must be 1-d")
    out = []
    for v in items:
        if isinstance(v, (list, tuple)):
            raise ValueError("Seed array must be 1-d")
        if isinstance(v, float):
            raise TypeError("Cannot cast array data from dtype('float64') to dtype('int64') according to the rule 'safe'")
        out.append(c.clamp(v))
    if not out:
        raise ValueError("Seed must be non-empty")
    return out
