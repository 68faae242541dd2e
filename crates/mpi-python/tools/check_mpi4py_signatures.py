"""Lists where our `mpi4py.MPI` differs from mpi4py's recorded signatures.

Run it under the playground (`mpiplay -n 1 crates/mpi-python/tools/
check_mpi4py_signatures.py`): for every method and function `_docs` has a
signature line for, it compares ours, as `inspect.signature` (and so pydoc)
shows it, with that line: parameter names, kinds and defaults (evaluated in
`mpi4py.MPI`, where the line's ``BYTE`` or ``ANY_SOURCE`` live), and names
what mpi4py has that we lack. Prints nothing when all agree.
"""

import inspect

from mpi4py import MPI
from mpi4py._docs import DOCS


def expected(line):
    """A Signature from a signature line such as ``recv(self, buf:
    Buffer | None = None, source: int = ANY_SOURCE) -> Any``: the line as a
    def, its annotations left as strings, its defaults evaluated in MPI."""
    namespace = dict(vars(MPI))
    exec(compile(f"from __future__ import annotations\ndef {line}: pass", "<line>", "exec"), namespace)
    return inspect.signature(namespace[line.partition("(")[0]])


def main():
    problems = 0
    for key, doc in sorted(DOCS.items()):
        cls_name, _, name = key.rpartition(".")
        line = doc.partition("\n")[0]
        if not name or not line.startswith(name + "("):
            continue
        owner = getattr(MPI, cls_name) if cls_name else MPI
        ours = inspect.getattr_static(owner, name, None)
        if ours is None:
            print(f"{key}: missing")
            problems += 1
            continue
        if isinstance(ours, (classmethod, staticmethod)):
            ours = ours.__func__
        if not callable(ours) or type(ours).__name__ != "function":
            continue
        try:
            theirs = expected(line)
        except (SyntaxError, NameError, AttributeError) as e:
            print(f"{key}: cannot read {line!r}: {e}")
            continue
        mine = inspect.signature(ours)
        a = [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
        b = [(p.name, p.kind, p.default) for p in mine.parameters.values()]
        if len(a) != len(b) or any(x[:2] != y[:2] or (x[2] is not y[2] and x[2] != y[2]) for x, y in zip(a, b)):
            print(f"{key}: ours {mine}\n    mpi4py {line}")
            problems += 1
    print(f"{problems} differences")


main()
