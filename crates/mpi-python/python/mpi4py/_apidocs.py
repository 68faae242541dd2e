"""Gives `mpi4py.MPI` mpi4py's documentation: docstrings and signatures.

`_docs` holds real mpi4py's docstrings by qualified name (recorded by
`crates/mpi-python/tools/record_mpi4py_docs.py`). `apply` puts them on the
classes, methods, properties and functions of our `MPI` whose names match,
so `help()` prints what it prints under mpi4py and mpi4py's `test_doc.py`
finds every docstring it checks. mpi4py's functions are Cython functions
whose docstring starts with their signature line; its annotations become our
functions' `__annotations__` (the strings mpi4py's functions carry), so
`inspect.signature`, and with it pydoc's header line, read as mpi4py's.
Parameter names and defaults are the functions' own.
"""

from functools import partial as _partial

# Python functions, without importing `types`.
_FunctionType = type(lambda: None)


def _annotations(code, line, format=None):
    """The annotations a signature line such as ``ssend(self, obj: Any,
    dest: int, tag: int = 0) -> None`` gives the parameters of `code`
    (those of its parameters the line names), and its return annotation:
    strings in every `format`, as Cython's functions give them. Called as
    a function's `__annotate__`, the first time something asks."""
    open_at = line.find("(")
    params, arrow, result = line[open_at + 1:].rpartition(") -> ")
    if not arrow:
        params, result = line[open_at + 1:].rpartition(")")[0], None
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount
                             + bool(code.co_flags & 4) + bool(code.co_flags & 8)]
    found = {}
    for param in _split(params):
        name, colon, rest = param.partition(":")
        name = name.strip().lstrip("*")
        if colon and name in names:
            found[name] = rest.partition(" = ")[0].strip()
    if result is not None:
        found["return"] = result.strip()
    return found


def _split(params):
    """The parameters of a signature line, split at the commas outside
    brackets (`Sequence[tuple[int, int]]`); most have no brackets."""
    if "[" not in params and "(" not in params:
        return params.split(", ")
    parts = []
    depth = start = 0
    for i, c in enumerate(params):
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(params[start:i])
            start = i + 1
    parts.append(params[start:])
    return parts


def _function(cls, name, function, doc, module):
    """`function` documented as `cls.name` of `module`; a copy when it is
    also another class's (classes take shared methods by `adopt`), so that
    each keeps its own docstring and qualified name."""
    qualname = f"{cls.__name__}.{name}" if cls is not None else name
    if function.__qualname__ != qualname and cls is not None:
        copy = _FunctionType(function.__code__, function.__globals__, name,
                             function.__defaults__, function.__closure__)
        copy.__kwdefaults__ = function.__kwdefaults__
        copy.__dict__.update(function.__dict__)
        function = copy
    function.__name__ = name
    function.__qualname__ = qualname
    function.__module__ = module
    function.__doc__ = doc
    if doc.startswith(name + "("):
        # Lazily (`__annotate__`): only help() and inspect want them.
        # inspect.signature reads a decorated method's `__wrapped__`.
        target = function
        while True:
            target.__annotate__ = _partial(_annotations, target.__code__, doc.partition("\n")[0])
            if not hasattr(target, "__wrapped__"):
                break
            target = target.__wrapped__
    return function


def _member_doc(docs, cls, name):
    """mpi4py's docstring of `cls.name`, or of the method it overrides:
    our classes override some methods mpi4py's inherit."""
    for base in cls.__mro__:
        doc = docs.get(f"{base.__name__}.{name}")
        if doc is not None:
            return doc
    return None


def _document_class(docs, cls, module):
    doc = docs.get(cls.__name__)
    if doc is not None:
        cls.__doc__ = doc
    for name, value in list(vars(cls).items()):
        doc = _member_doc(docs, cls, name)
        if doc is None:
            continue
        if type(value) is _FunctionType:
            setattr(cls, name, _function(cls, name, value, doc, module))
        elif type(value) in (classmethod, staticmethod) and type(value.__func__) is _FunctionType:
            setattr(cls, name, type(value)(_function(cls, name, value.__func__, doc, module)))
        elif type(value) is property:
            # A new property: ours are often `property(Get_x)`, whose name
            # would be the getter's, and some are shared by `adopt`.
            documented = property(value.fget, value.fset, value.fdel, doc)
            documented.__name__ = name
            setattr(cls, name, documented)


def _private(name):
    return name.startswith("_") and not name.endswith("__")


def _undocument_private(namespace):
    """Drops the docstrings of private helpers (they stay in the source):
    mpi4py.MPI's have none, and mpi4py's test_doc holds any docstring it
    finds in its namespace to mpi4py's form, a signature line first."""
    for name, value in namespace.items():
        if _private(name) and (type(value) is _FunctionType or isinstance(value, type)):
            try:
                value.__doc__ = None
            except (AttributeError, TypeError):
                pass  # a builtin type's docstring
        if isinstance(value, type) and value.__module__.startswith("mpi4py"):
            for member, attr in vars(value).items():
                if isinstance(attr, (classmethod, staticmethod)):
                    attr = attr.__func__
                if _private(member) and type(attr) is _FunctionType:
                    attr.__doc__ = None


def _without_modules(namespace):
    """Replaces the modules among the globals by plain namespaces of their
    contents, and the loader class by an instance. mpi4py.MPI holds no module, and tools that walk its namespace
    (mpi4py's test_doc) would otherwise walk through ours into the whole
    interpreter. The contents are functions, classes and constants, so the
    snapshot calls the same code."""
    from types import ModuleType, SimpleNamespace
    for name, value in list(namespace.items()):
        if type(value) is ModuleType and name != "__builtins__":
            namespace[name] = SimpleNamespace(**vars(value))
    # Nor a class for a loader: mpi4py's is an ExtensionFileLoader, a
    # frozen module's the FrozenImporter class, whose methods all work
    # on an instance too.
    loader = namespace.get("__loader__")
    if isinstance(loader, type):
        namespace["__loader__"] = loader()


def apply(namespace):
    """Documents the module whose globals are `namespace` (`mpi4py.MPI`),
    whose namespace then holds what mpi4py's does: no modules, and no
    docstrings on private helpers."""
    from mpi4py._docs import DOCS
    _without_modules(namespace)
    _undocument_private(namespace)
    module = namespace["__name__"]
    namespace["__doc__"] = DOCS[""]
    for name, value in list(namespace.items()):
        if isinstance(value, type):
            # mpi4py's classes, some defined in our helper modules.
            if name in DOCS and value.__name__ == name:
                value.__module__ = module
                _document_class(DOCS, value, module)
        elif type(value) is _FunctionType and name in DOCS:
            namespace[name] = _function(None, name, value, DOCS[name], module)
