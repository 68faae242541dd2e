"""The standard library modules the page serves, for the browser's ranks
(crates/mpi-python/src/browser_stdlib.rs): a finder, last on
`sys.meta_path`, and a loader that compiles a fetched source. Importing it
installs the finder; natively the whole library is frozen and this module
is not used."""

import sys, _browser_stdlib
from _frozen_importlib import ModuleSpec
from _frozen_importlib_external import FileLoader, SourceLoader

_PREFIX = f"/lib/python{sys.version_info[0]}.{sys.version_info[1]}/"

class ServedStdlibLoader(FileLoader, SourceLoader):
    """Loads a served module as importlib's SourceFileLoader loads a file
    (so its frames leave tracebacks as importlib's do), reading the source
    from the page instead of a disk; nothing is cached as bytecode."""

    def get_data(self, path):
        return _browser_stdlib.fetch(self.name, path.removeprefix(_PREFIX)).encode()

class ServedStdlibFinder:
    """Finds the standard library modules the page serves rather than the
    rank runtime carrying them."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        found = _browser_stdlib.find(name)
        if found is None:
            return None
        relative, is_package = found
        origin = _PREFIX + relative
        spec = ModuleSpec(name, ServedStdlibLoader(name, origin), origin=origin, is_package=is_package)
        spec.has_location = True
        return spec

sys.meta_path.append(ServedStdlibFinder)
