"""What MPI objects known by one integer handle (windows, sessions) share:
mpi4py's copy constructor, comparisons, truth, pickling of the null object,
and the conversions between objects and handles.

Classes take these methods with `adopt`, not by inheritance: mpi4py's
classes derive from `object` alone, and programs (and mpi4py's tests) look
at `__mro__`."""


def adopt(cls, source):
    """Copies `source`'s methods and properties into `cls` (those `cls`
    does not define itself)."""
    skip = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__slots__"}
    for name, value in vars(source).items():
        if name not in skip and name not in vars(cls) and not name.endswith("_HANDLE") \
                and name not in ("_NULL_NAME", "_ARG"):
            setattr(cls, name, value)
    return cls


class Handle:
    """The methods of an MPI object whose state is its handle `_h`.

    A subclass names its null handle (`_NULL_HANDLE`), its null object's
    module-level name (`_NULL_NAME`) and its constructor's argument name
    (`_ARG`)."""

    __slots__ = ("_h",)
    _NULL_HANDLE = 0
    _NULL_NAME = ""
    _ARG = ""

    def __new__(cls, other=None):
        self = object.__new__(cls)
        kind = cls._kind()
        if other is None:
            self._h = cls._NULL_HANDLE
        elif isinstance(other, kind):
            self._h = other._h
        else:
            raise TypeError(
                f"Argument '{cls._ARG}' has incorrect type "
                f"(expected mpi4py.MPI.{kind.__name__}, got {type(other).__name__})")
        return self

    @classmethod
    def _kind(cls):
        """The class that defines the kind (Win, Session), not a subclass."""
        for klass in cls.__mro__:
            if "_ARG" in vars(klass):
                return klass
        return cls

    @classmethod
    def _of(cls, handle):
        self = object.__new__(cls)
        self._h = handle
        return self

    def __eq__(self, other):
        if not isinstance(other, self._kind()):
            return NotImplemented
        return self._h == other._h

    def __ne__(self, other):
        if not isinstance(other, self._kind()):
            return NotImplemented
        return self._h != other._h

    __hash__ = None

    def __bool__(self):
        return self._h != self._NULL_HANDLE

    def __reduce__(self):
        # The null object pickles by name, a copy of it as a new null
        # object, any other not at all (as in mpi4py).
        import sys
        null = getattr(sys.modules["mpi4py.MPI"], self._NULL_NAME)
        if self is null:
            return self._NULL_NAME
        if self._h == self._NULL_HANDLE:
            return (self._kind(), (null,))
        raise ValueError(f"cannot serialize 'mpi4py.MPI.{self._kind().__name__}' instance")

    @property
    def handle(self):
        """MPI handle."""
        return self._h

    @classmethod
    def fromhandle(cls, handle):
        """Create object from MPI handle."""
        return cls._of(_index(handle))

    def toint(self):
        """Translate object to integer."""
        return self._h

    def py2f(self):
        """Translate object to Fortran integer."""
        return self.toint()

    @classmethod
    def fromint(cls, arg, /):
        """Translate integer to object."""
        return cls._of(_index(arg))

    @classmethod
    def f2py(cls, arg):
        """Translate Fortran integer to object."""
        return cls.fromint(arg)


def _index(value):
    import operator
    return operator.index(value)
