"""numpy.random for the rank runtime: the legacy functions on one global
RandomState (MT19937), `RandomState`, and `default_rng`/`Generator` (PCG64),
bit-exact with NumPy 2.4 for the same seed (the Generator's normals aside:
see mpi-ndarray's `random::ziggurat`)."""

from ._bit_generator import MT19937, PCG64, BitGenerator, SeedSequence
from ._generator import Generator, default_rng
from ._legacy import RandomState

__all__ = [
    "BitGenerator", "Generator", "MT19937", "PCG64", "RandomState", "SeedSequence",
    "choice", "default_rng", "get_state", "normal", "permutation", "rand", "randint",
    "randn", "random", "random_integers", "random_sample", "ranf", "sample", "seed",
    "set_state", "shuffle", "standard_normal", "uniform",
]

# Like NumPy's, the global state is seeded from OS entropy at import.
_rand = RandomState()


def seed(seed=None):
    """Seeds the global RandomState (`np.random.seed`)."""
    _rand.seed(seed)


def get_state(legacy=True):
    return _rand.get_state(legacy)


def set_state(state):
    _rand.set_state(state)


def random_sample(size=None):
    return _rand.random_sample(size)


def random(size=None):
    return _rand.random_sample(size)


ranf = sample = random_sample


def rand(*args):
    return _rand.rand(*args)


def randn(*args):
    return _rand.randn(*args)


def randint(low, high=None, size=None, dtype=int):
    return _rand.randint(low, high, size, dtype)


def random_integers(low, high=None, size=None):
    return _rand.random_integers(low, high, size)


def uniform(low=0.0, high=1.0, size=None):
    return _rand.uniform(low, high, size)


def normal(loc=0.0, scale=1.0, size=None):
    return _rand.normal(loc, scale, size)


def standard_normal(size=None):
    return _rand.standard_normal(size)


def shuffle(x):
    _rand.shuffle(x)


def permutation(x):
    return _rand.permutation(x)


def choice(a, size=None, replace=True, p=None):
    return _rand.choice(a, size, replace, p)
