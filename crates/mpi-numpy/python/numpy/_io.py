"""`np.save`/`np.load` (the .npy format, version 1.0) and
`np.savetxt`/`np.loadtxt` over the run's files: natively the real working
directory, in the browser whatever `open` reaches there."""


from ._array import array, asarray, frombuffer
from ._dtypes import _resolve

_MAGIC = b"\x93NUMPY"


def _header(a):
    shape = tuple(a.shape)
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (a.dtype.str, shape)
    # The header, with its magic and length, fills a multiple of 64 bytes.
    total = len(_MAGIC) + 2 + 2 + len(text) + 1
    text += " " * ((64 - total % 64) % 64) + "\n"
    return _MAGIC + b"\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def save(file, arr, allow_pickle=True, fix_imports=True):
    a = asarray(arr)
    if isinstance(file, str):
        if not file.endswith(".npy"):
            file = file + ".npy"
        with open(file, "wb") as f:
            f.write(_header(a) + a.tobytes())
    else:
        file.write(_header(a) + a.tobytes())


def _read_npy(f):
    if f.read(6) != _MAGIC:
        raise ValueError("Cannot load file containing pickled data when allow_pickle=False")
    major = f.read(2)[0]
    size = 2 if major == 1 else 4
    hlen = int.from_bytes(f.read(size), "little")
    import ast  # only reading a .npy header needs it
    header = ast.literal_eval(f.read(hlen).decode("latin1"))
    d = _resolve(header["descr"])
    shape = header["shape"]
    data = f.read()
    out = frombuffer(data, d).reshape(shape) if shape else frombuffer(data, d).reshape(())
    if header.get("fortran_order"):
        out = out.reshape(shape[::-1]).T
    return out.copy()


def load(file, mmap_mode=None, allow_pickle=False, fix_imports=True, encoding="ASCII"):
    if isinstance(file, str):
        with open(file, "rb") as f:
            head = f.read(4)
            f.seek(0)
            if head.startswith(b"PK"):
                return NpzFile(f.read())
            return _read_npy(f)
    return _read_npy(file)


class NpzFile:
    """What `np.load` gives for a .npz archive: its arrays by name."""

    def __init__(self, data):
        import io
        import zipfile
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self.files = [n[:-4] if n.endswith(".npy") else n for n in self._zip.namelist()]

    def __getitem__(self, key):
        import io
        name = key + ".npy" if key + ".npy" in self._zip.namelist() else key
        if name not in self._zip.namelist():
            raise KeyError(f"{key} is not a file in the archive")
        return _read_npy(io.BytesIO(self._zip.read(name)))

    def __contains__(self, key):
        return key in self.files

    def __iter__(self):
        return iter(self.files)

    def keys(self):
        return list(self.files)

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def savez(file, *args, **kwds):
    import zipfile
    arrays = {f"arr_{i}": a for i, a in enumerate(args)}
    arrays.update(kwds)
    if isinstance(file, str) and not file.endswith(".npz"):
        file = file + ".npz"
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as z:
        for name, a in arrays.items():
            a = asarray(a)
            z.writestr(name + ".npy", _header(a) + a.tobytes())


savez_compressed = savez


def _format_row(fmt, row):
    if isinstance(fmt, (list, tuple)):
        return [f % v for f, v in zip(fmt, row)]
    return [fmt % v for v in row]


def savetxt(fname, X, fmt="%.18e", delimiter=" ", newline="\n", header="", footer="", comments="# ",
            encoding=None):
    a = asarray(X)
    if a.ndim == 0 or a.ndim > 2:
        raise ValueError(f"Expected 1D or 2D array, got {a.ndim}D array instead")
    rows = a.reshape(-1, 1).tolist() if a.ndim == 1 else a.tolist()
    lines = []
    if header:
        lines.append(comments + header.replace("\n", "\n" + comments))
    if isinstance(fmt, str) and fmt.count("%") > 1:
        lines.extend(fmt % tuple(r) for r in rows)
    else:
        lines.extend(delimiter.join(_format_row(fmt, r)) for r in rows)
    if footer:
        lines.append(comments + footer.replace("\n", "\n" + comments))
    text = newline.join(lines) + newline
    if isinstance(fname, str):
        with open(fname, "w") as f:
            f.write(text)
    else:
        fname.write(text)


def loadtxt(fname, dtype=float, comments="#", delimiter=None, converters=None, skiprows=0, usecols=None,
            unpack=False, ndmin=0, encoding=None, max_rows=None):
    if isinstance(fname, str):
        with open(fname) as f:
            lines = f.read().splitlines()
    else:
        lines = fname.read().splitlines() if hasattr(fname, "read") else list(fname)
    d = _resolve(dtype)
    rows = []
    for line in lines[skiprows:]:
        if comments:
            for c in ([comments] if isinstance(comments, str) else comments):
                line = line.split(c, 1)[0]
        line = line.strip()
        if not line:
            continue
        fields = line.split(delimiter)
        if usecols is not None:
            cols = [usecols] if isinstance(usecols, int) else list(usecols)
            fields = [fields[i] for i in cols]
        conv = int if d.kind in "iu" else (complex if d.kind == "c" else float)
        try:
            rows.append([conv(x.strip()) for x in fields])
        except ValueError:
            bad = next(x for x in fields if not _parses(conv, x))
            raise ValueError(f"could not convert string '{bad.strip()}' to {d.name} at row {len(rows)}, "
                             f"column {fields.index(bad) + 1}.") from None
        if max_rows is not None and len(rows) >= max_rows:
            break
    out = array(rows, d)
    if out.ndim == 2 and out.shape[1] == 1 and ndmin < 2:
        out = out.reshape(-1)
    elif out.ndim == 2 and out.shape[0] == 1 and ndmin < 2:
        out = out.reshape(-1)
    while out.ndim < ndmin:
        out = out.reshape((1,) + tuple(out.shape)) if out.ndim else out.reshape(1)
    return out.T if unpack else out


def _parses(conv, x):
    try:
        conv(x.strip())
        return True
    except ValueError:
        return False


def genfromtxt(fname, dtype=float, comments="#", delimiter=None, skip_header=0, **kwargs):
    return loadtxt(fname, dtype=dtype, comments=comments, delimiter=delimiter, skiprows=skip_header)
