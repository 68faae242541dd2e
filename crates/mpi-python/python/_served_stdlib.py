"""The standard library modules the page serves, for the browser's ranks
(crates/mpi-python/src/browser_stdlib.rs): a finder, last on
`sys.meta_path`, and a loader that compiles a fetched source; and a finder,
first on `sys.meta_path`, that puts back the tables the page serves apart
from the rank runtime before a module that reads them loads. Importing it
installs both; natively the whole library is frozen and this module is not
used."""

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

# The native modules whose tables web/pack-dist.mjs serves apart, by the
# group its COLD_DATA names them: the CJK codecs read theirs only through
# the codec objects their `getcodec` makes.
_COLD_DATA = dict.fromkeys(
    ["_codecs_cn", "_codecs_hk", "_codecs_iso2022", "_codecs_jp", "_codecs_kr", "_codecs_tw"], "cjk")

class ColdDataFinder:
    """Finds nothing: before one of `_COLD_DATA`'s modules is imported it
    has the host put that module's tables back (once per worker), then
    leaves the import to the finders after it."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        group = _COLD_DATA.get(name)
        if group is not None:
            _browser_stdlib.restore(name, group)
        return None

sys.meta_path.insert(0, ColdDataFinder)
