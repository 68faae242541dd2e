"""The standard library modules the page serves, for the browser's ranks
(crates/mpi-python/src/browser_stdlib.rs): a finder, last on
`sys.meta_path`, and a loader that compiles a fetched source; and a finder,
first on `sys.meta_path`, that puts back the tables the page serves apart
from the rank runtime before a module that reads them loads, with wrappers
that do the same for the codec functions that read them. Importing it
installs all of them; natively the whole library is frozen, every table is
in place and this module is not used."""

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
# group its COLD_DATA and COLD_GENERATED name them: the CJK codecs read theirs
# only through the codec objects their `getcodec` makes; `unicodedata` reads
# the Unicode character names through its `name` and `lookup`.
_COLD_DATA = dict.fromkeys(
    ["_codecs_cn", "_codecs_hk", "_codecs_iso2022", "_codecs_jp", "_codecs_kr", "_codecs_tw"], "cjk")
_COLD_DATA["unicodedata"] = "names"

class ColdDataFinder:
    """Finds nothing: before one of `_COLD_DATA`'s modules is imported it
    has the host put that module's tables back (once per worker), then
    leaves the import to the finders after it."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        group = _COLD_DATA.get(name)
        if group is not None:
            why = _browser_stdlib.restore(group)
            if why is not None:
                raise ImportError(f"No module named {name!r}: its tables could not be fetched from the page ({why})", name=name)
        return None

sys.meta_path.insert(0, ColdDataFinder)

# The Unicode character names have two more readers than `unicodedata` and
# the parser (whose lookups the worker hooks): the `namereplace` error
# handler and `unicode_escape`'s decoding of `\N{...}`. Each is wrapped to
# put the names back first. (RustPython's crates reach the names only
# through rustpython-unicode's `character_name` and `lookup_*`; those are
# all their callers.)
import codecs, _codecs

_names_back = False

def _need_names():
    global _names_back
    if not _names_back:
        why = _browser_stdlib.restore("names")
        if why is not None:
            raise OSError(f"the Unicode character names could not be fetched from the page ({why})")
        _names_back = True

_namereplace_errors = codecs.namereplace_errors

def namereplace_errors(exc, /):
    _need_names()
    return _namereplace_errors(exc)

_unicode_escape_decode = _codecs.unicode_escape_decode

def unicode_escape_decode(data, /, *args):
    if not _names_back:
        try:
            escapes = ("\\N" if isinstance(data, str) else b"\\N") in (data if isinstance(data, str) else memoryview(data).tobytes())
        except TypeError:
            escapes = False  # the decoder raises its own error
        if escapes:
            _need_names()
    return _unicode_escape_decode(data, *args)

for _wrapper, _native in [(namereplace_errors, _namereplace_errors), (unicode_escape_decode, _unicode_escape_decode)]:
    _wrapper.__module__, _wrapper.__doc__ = _native.__module__, _native.__doc__
codecs.register_error("namereplace", namereplace_errors)
codecs.namereplace_errors = namereplace_errors
codecs.unicode_escape_decode = _codecs.unicode_escape_decode = unicode_escape_decode
