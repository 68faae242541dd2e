"""Records real mpi4py's docstrings into `python/mpi4py/_docs.py`.

Our `mpi4py.MPI` is written in Python, but `help()` and mpi4py's own
`test_doc.py` should show mpi4py's documentation, word for word. That text
is mpi4py's, so it is recorded from the real module, never typed in: run
this with the Python that has real mpi4py (`cargo xtask setup` makes
`.venv-mpi4py`)::

    .venv-mpi4py/bin/python crates/mpi-python/tools/record_mpi4py_docs.py

It writes one dictionary, `DOCS`, from qualified names (``"Comm.ssend"``,
``"Status.source"``, ``"Wtime"``, ``"Status"``; ``""`` is the module) to
docstrings. mpi4py's functions are Cython functions whose docstring starts
with their signature line (``ssend(self, obj: Any, dest: int, tag: int = 0)
-> None``); `mpi4py._apidocs` reads the annotations from that line, so it is
all the data the runtime needs.
"""

import importlib.metadata
import os
import sys

from mpi4py import MPI

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "mpi4py", "_docs.py")


def documented(value):
    """The docstring mpi4py wrote for a class member (a Cython function or
    getset descriptor; `Exception`'s are Python), or None for what Python
    gives every type (slot wrappers, `object.__init__`)."""
    if isinstance(value, (classmethod, staticmethod)):
        value = value.__func__
    if type(value).__name__ in ("cython_function_or_method", "getset_descriptor", "property", "function"):
        return value.__doc__
    return None


def record():
    """The docstrings of `mpi4py.MPI`, by qualified name."""
    docs = {"": MPI.__doc__}
    for name, value in vars(MPI).items():
        if isinstance(value, type) and value.__module__ == MPI.__name__:
            docs[name] = value.__doc__
            for member, attr in vars(value).items():
                doc = documented(attr)
                if doc and member not in ("__dict__", "__weakref__"):
                    docs[f"{name}.{member}"] = doc
        elif type(value).__name__ == "cython_function_or_method" and value.__doc__:
            docs[name] = value.__doc__
    return docs


def main():
    dist = importlib.metadata.distribution("mpi4py")
    license_text = dist.read_text("LICENSE.rst") or dist.read_text("LICENSE") or ""
    if not license_text:
        for path in dist.files or ():
            if "LICENSE" in path.name.upper():
                license_text = path.read_text()
    docs = record()
    lines = [
        '"""mpi4py.MPI\'s docstrings, by qualified name (generated: do not edit).',
        "",
        f"Recorded from mpi4py {dist.version} by",
        "crates/mpi-python/tools/record_mpi4py_docs.py; `mpi4py._apidocs` applies them.",
        "The text is mpi4py's, under mpi4py's license:",
        "",
        *license_text.strip().replace("\\", "\\\\").splitlines(),
        '"""',
        "",
        "DOCS = {",
    ]
    lines += [f"    {key!r}: {doc!r}," for key, doc in sorted(docs.items())]
    lines += ["}", ""]
    with open(OUT, "w") as out:
        out.write("\n".join(line.rstrip() for line in lines))
    print(f"{len(docs)} docstrings, {os.path.getsize(OUT)} bytes -> {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
