"""How arrays and scalars print: NumPy 2.4's rules (numpy/_core/arrayprint.py).

Arrays reach this module through a small protocol only: `shape`, `ndim`,
`size`, `dtype` (`name`, `kind`, `itemsize`), basic indexing and `tolist()`.
Only the elements that are shown are converted to Python values: a summarised
array (more than `threshold` elements) shows `edgeitems` entries at each end
of every long axis. The digits of floats come from the native `_numpy`
functions `format_positional` / `format_scientific` (NumPy's Dragon4).

Print options live in a module global: there is one interpreter per rank.
"""

import math
import struct

import _numpy

_DEFAULTS = {
    'edgeitems': 3,
    'threshold': 1000,
    'floatmode': 'maxprec',
    'precision': 8,
    'suppress': False,
    'linewidth': 75,
    'nanstr': 'nan',
    'infstr': 'inf',
    'sign': '-',
    'formatter': None,
    'legacy': False,
    'override_repr': None,
}
_options = dict(_DEFAULTS)

_FLOATMODES = ('fixed', 'unique', 'maxprec', 'maxprec_equal')
_IMPLIED_DTYPES = ('bool', 'int64', 'float64', 'complex128')


# ----------------------------------------------------------------- options

def _checked_options(precision=None, threshold=None, edgeitems=None,
                     linewidth=None, suppress=None, nanstr=None, infstr=None,
                     formatter=None, sign=None, floatmode=None, legacy=None):
    """The given (non-None) options, validated as NumPy validates them."""
    given = {
        'precision': precision, 'threshold': threshold,
        'edgeitems': edgeitems, 'linewidth': linewidth, 'suppress': suppress,
        'nanstr': nanstr, 'infstr': infstr, 'sign': sign,
        'floatmode': floatmode, 'legacy': legacy,
    }
    opts = {k: v for k, v in given.items() if v is not None}
    if suppress is not None:
        opts['suppress'] = bool(suppress)
    if floatmode is not None and floatmode not in _FLOATMODES:
        raise ValueError("floatmode option must be one of " +
                         ", ".join(f'"{m}"' for m in _FLOATMODES))
    if sign is not None and sign not in ('-', '+', ' '):
        raise ValueError("sign option must be one of ' ', '+', or '-'")
    if threshold is not None:
        if not isinstance(threshold, (int, float)):
            raise TypeError("threshold must be numeric")
        if threshold != threshold:
            raise ValueError("threshold must be non-NAN, try "
                             "sys.maxsize for untruncated representation")
    if precision is not None:
        if isinstance(precision, bool) or not hasattr(precision, '__index__'):
            raise TypeError('precision must be an integer')
        opts['precision'] = precision.__index__()
    if legacy is not None:
        opts['legacy'] = legacy
    return opts


def set_printoptions(precision=None, threshold=None, edgeitems=None,
                     linewidth=None, suppress=None, nanstr=None, infstr=None,
                     formatter=None, sign=None, floatmode=None, *, legacy=None,
                     override_repr=None):
    """Sets the print options; `formatter` and `override_repr` always reset."""
    opts = _checked_options(precision, threshold, edgeitems, linewidth,
                            suppress, nanstr, infstr, formatter, sign,
                            floatmode, legacy)
    opts['formatter'] = formatter
    opts['override_repr'] = override_repr
    _options.update(opts)


def get_printoptions():
    """A copy of the current print options."""
    return dict(_options)


class printoptions:
    """Context manager: set print options in a `with` block, then restore."""

    def __init__(self, *args, **kwargs):
        self._args, self._kwargs = args, kwargs
        self._saved = None

    def __enter__(self):
        self._saved = dict(_options)
        set_printoptions(*self._args, **self._kwargs)
        return get_printoptions()

    def __exit__(self, *exc):
        _options.clear()
        _options.update(self._saved)
        return False


# --------------------------------------------------------- shown elements

def _summarised(a, threshold):
    return a.size > threshold


def _shown(a, summary, edge, prefix=()):
    """Nested lists of the Python values of the shown elements."""
    axis = len(prefix)
    n = a.shape[axis]
    cut = summary and n > 2 * edge
    if axis == a.ndim - 1:
        if cut:
            return (a[prefix + (slice(0, edge),)].tolist() +
                    a[prefix + (slice(n - edge, n),)].tolist())
        return a[prefix + (slice(None),)].tolist()
    rows = list(range(edge)) + list(range(n - edge, n)) if cut else range(n)
    return [_shown(a, summary, edge, prefix + (i,)) for i in rows]


def _flat(nested, depth):
    if depth == 0:
        return [nested]
    out = []
    for item in nested:
        out.extend(_flat(item, depth - 1))
    return out


# ------------------------------------------------------------- elements

def _negative(x):
    return math.copysign(1.0, x) < 0


def _as_f32(x):
    """x rounded to float32 (inf where float32 overflows)."""
    try:
        return struct.unpack('<f', struct.pack('<f', x))[0]
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _as_width(x, width):
    """x rounded to the float of `width` bytes it is compared in (float16
    and float32; wider floats compare as Python floats)."""
    if width == 4:
        return _as_f32(x)
    if width == 2:
        try:
            return struct.unpack('<e', struct.pack('<e', x))[0]
        except OverflowError:
            return math.inf if x > 0 else -math.inf
    return x


# The smallest magnitude an array prints in exponent form, by float width:
# NumPy's float16 and float32 arrays switch earlier than float64's 1e8.
_ARRAY_EXP_FROM = {2: 1e3, 4: 1e6, 8: 1e8, 16: 1e8}

# The same for scalars' str (float16 1e3, float32 1e6, else 1e16).
_SCALAR_EXP_FROM = {2: 1e3, 4: 1e6, 8: 1e16, 16: 1e16}


def _finite(x):
    """math.isfinite, also for a longdouble past a double's range."""
    bits = getattr(x, '_bits', None)
    if bits is None:
        return math.isfinite(x)
    return (bits[9] & 0x7f, bits[8]) != (0x7f, 0xff)


def _is_zero(x):
    """x == 0, also for a longdouble too small for a double."""
    bits = getattr(x, '_bits', None)
    if bits is None:
        return x == 0
    return not any(bits[:9]) and not bits[9] & 0x7f


def _digit_arg(x):
    """What `_numpy.format_*` takes for a value: a Python float, or a
    longdouble's bytes (its full precision)."""
    bits = getattr(x, '_bits', None)
    return float(x) if bits is None else bits


class _FloatFormat:
    """Formats the floats of one array alike (NumPy's FloatingFormat)."""

    def __init__(self, values, width, precision, floatmode, suppress, sign):
        # The float's size in bytes (2, 4, 8 or 16).
        self.width = width
        self.floatmode = floatmode
        self.precision = None if floatmode == 'unique' else precision
        if self.precision is not None and self.precision < 0:
            raise ValueError("precision must be >= 0")
        self.sign = sign
        self.exp_format = self._wants_exp(values, suppress)
        self._fill(values)

    def _wants_exp(self, values, suppress):
        # A longdouble decides by its nearest double.
        nonzero = [abs(float(v)) for v in values if _finite(v) and v != 0]
        if not nonzero:
            return False
        big, small = max(nonzero), min(nonzero)
        if self.width <= 4:
            # NumPy compares in the array's type: the Python constants become
            # float32 (float16).
            ratio = _as_width(big / small, self.width)
            return (big >= _ARRAY_EXP_FROM[self.width] or not suppress and
                    (small < _as_width(1e-4, self.width) or ratio > 1000.0))
        ratio = big / small if small else math.inf
        return big >= 1e8 or not suppress and (small < 1e-4 or ratio > 1000.0)

    def _digits(self, x, precision, min_digits, unique, trim, exp_digits=2):
        if self.exp_format:
            s = _numpy.format_scientific(_digit_arg(x), self.width, precision,
                                         min_digits, unique, trim, exp_digits)
        else:
            s = _numpy.format_positional(_digit_arg(x), self.width, precision,
                                         min_digits, unique, trim)
        if self.sign == '+' and not _negative(x):
            s = '+' + s
        return s

    def _fill(self, values):
        finite = [v for v in values if _finite(v)]
        fixed = self.floatmode == 'fixed'
        unique, trim = (False, 'k') if fixed else (True, '.')
        self.pad_left = self.pad_right = 0
        self.min_digits, self.unique, self.trim = 0, True, '.'
        self.exp_size = 2
        if finite and self.exp_format:
            strs = [self._digits(x, self.precision, 0, unique, trim)
                    for x in finite]
            mant = [s.partition('e')[0] for s in strs]
            self.exp_size = max(len(s.partition('e')[2]) for s in strs) - 1
            self.precision = self.min_digits = max(
                len(m.partition('.')[2]) for m in mant)
            self.trim, self.unique = 'k', unique
            self.pad_left = max(len(m.partition('.')[0]) for m in mant)
            self.pad_right = self.exp_size + 2 + self.precision
        elif finite:
            strs = [self._digits(x, self.precision, 0, unique, trim)
                    for x in finite]
            self.pad_left = max(len(s.partition('.')[0]) for s in strs)
            self.pad_right = max(len(s.partition('.')[2]) for s in strs)
            self.unique = unique
            if self.floatmode in ('fixed', 'maxprec_equal'):
                self.precision = self.min_digits = self.pad_right
                self.trim = 'k'
        if self.sign == ' ' and not any(_negative(v) for v in finite):
            self.pad_left += 1
        if len(finite) != len(values):
            neginf = self.sign != '-' or any(v == -math.inf for v in values)
            offset = self.pad_right + 1
            self.pad_left = max(self.pad_left,
                                len(_options['nanstr']) - offset,
                                len(_options['infstr']) + neginf - offset)

    def __call__(self, x):
        if not _finite(x):
            if x != x:
                word = ('+' if self.sign == '+' else '') + _options['nanstr']
            else:
                sign = '-' if x < 0 else '+' if self.sign == '+' else ''
                word = sign + _options['infstr']
            return word.rjust(self.pad_left + self.pad_right + 1)
        s = self._digits(x, self.precision, self.min_digits, self.unique,
                         self.trim, self.exp_size)
        if self.exp_format:
            mant, e, exp = s.partition('e')
            whole, dot, frac = mant.partition('.')
            return whole.rjust(self.pad_left) + dot + frac + e + exp
        whole, dot, frac = s.partition('.')
        return whole.rjust(self.pad_left) + dot + frac.ljust(self.pad_right)


class _ComplexFormat:
    """Real parts and imaginary parts each formatted alike."""

    def __init__(self, values, width, precision, floatmode, suppress, sign):
        self.real = _FloatFormat([v.real for v in values], width, precision,
                                 floatmode, suppress, sign)
        self.imag = _FloatFormat([v.imag for v in values], width, precision,
                                 floatmode, suppress, '+')

    def __call__(self, x):
        r, i = self.real(x.real), self.imag(x.imag)
        cut = len(i.rstrip())
        return r + i[:cut] + 'j' + i[cut:]


class _IntFormat:
    def __init__(self, values, sign):
        if values:
            top, bottom = max(values), min(values)
            top_len = len(str(top))
            if sign == ' ' and bottom < 0:
                sign = '-'
            if top >= 0 and sign in '+ ':
                top_len += 1
            width = max(top_len, len(str(bottom)))
        else:
            width = 0
        self.spec = f'{sign}{width}d'

    def __call__(self, x):
        return format(x, self.spec)


class _BoolFormat:
    def __init__(self, zero_d):
        self.true = 'True' if zero_d else ' True'

    def __call__(self, x):
        return self.true if x else 'False'


def _custom_formatter(kind, formatter):
    """The user's formatter for this kind of dtype, if the options give one."""
    if not formatter:
        return None
    keys = {'b': ('bool',), 'i': ('int', 'int_kind'), 'u': ('int', 'int_kind'),
            'f': ('float', 'float_kind'),
            'c': ('complexfloat', 'complex_kind')}[kind]
    for key in keys + ('all',):
        if formatter.get(key) is not None:
            return formatter[key]
    return None


def _element_formatter(dtype, values, zero_d, opts):
    custom = _custom_formatter(dtype.kind, opts['formatter'])
    if custom is not None:
        return custom
    kind = dtype.kind
    if kind == 'b':
        return _BoolFormat(zero_d)
    if kind in 'iu':
        return _IntFormat(values, opts['sign'])
    if kind == 'c':
        return _ComplexFormat(values, dtype.itemsize // 2, opts['precision'],
                              opts['floatmode'], opts['suppress'], opts['sign'])
    return _FloatFormat(values, dtype.itemsize, opts['precision'],
                        opts['floatmode'], opts['suppress'], opts['sign'])


# --------------------------------------------------------------- layout

def _extend(text, line, word, width, indent):
    """Adds word to line, first wrapping the line if it would pass width."""
    if len(line) + len(word) > width and len(line) > len(indent):
        text += line.rstrip() + '\n'
        line = indent
    return text, line + word


class _Layout:
    """Lays out shown elements in brackets, wrapping rows at the width."""

    def __init__(self, shape, fmt, sep, edge, summary):
        self.shape, self.fmt, self.sep = shape, fmt, sep
        self.edge, self.summary = edge, summary

    def block(self, node, axis, indent, width):
        n = self.shape[axis]
        cut = self.summary and n > 2 * self.edge
        lead = self.edge if cut else len(node) - 1
        items = list(node)
        if axis == len(self.shape) - 1:
            body = self._row(items, lead, cut, indent, width)
        else:
            body = self._rows(items, lead, cut, axis, indent, width)
        return '[' + body[len(indent):] + ']'

    def _row(self, items, lead, cut, indent, width):
        elem_width = width - max(len(self.sep.rstrip()), 1)
        text, line = '', indent
        words = [self.fmt(x) for x in items]
        for i, word in enumerate(words[:-1]):
            text, line = _extend(text, line, word, elem_width, indent)
            line += self.sep
            if cut and i == lead - 1:
                text, line = _extend(text, line, '...', elem_width, indent)
                line += self.sep
        text, line = _extend(text, line, words[-1], elem_width, indent)
        return text + line

    def _rows(self, items, lead, cut, axis, indent, width):
        line_sep = self.sep.rstrip() + '\n' * (len(self.shape) - axis - 1)
        inner = indent + ' '
        text = ''
        for i, item in enumerate(items[:-1]):
            text += indent + self.block(item, axis + 1, inner, width - 1) + line_sep
            if cut and i == lead - 1:
                text += indent + '...' + line_sep
        return text + indent + self.block(items[-1], axis + 1, inner, width - 1)


def _merged_options(max_line_width, precision, suppress_small, threshold,
                    edgeitems, sign, floatmode, formatter):
    opts = dict(_options)
    opts.update(_checked_options(precision=precision, threshold=threshold,
                                 edgeitems=edgeitems,
                                 linewidth=max_line_width,
                                 suppress=suppress_small, sign=sign,
                                 floatmode=floatmode))
    if formatter is not None:
        opts['formatter'] = formatter
    return opts


def array2string(a, max_line_width=None, precision=None, suppress_small=None,
                 separator=' ', prefix='', *, formatter=None, threshold=None,
                 edgeitems=None, sign=None, floatmode=None, suffix='',
                 legacy=None):
    """The elements of `a` in nested brackets, as np.array2string."""
    opts = _merged_options(max_line_width, precision, suppress_small,
                           threshold, edgeitems, sign, floatmode, formatter)
    width = opts['linewidth'] - len(suffix)
    if a.size == 0:
        return '[]'
    if a.ndim == 0:
        value = a.tolist()
        return _element_formatter(a.dtype, [value], True, opts)(value)
    summary = _summarised(a, opts['threshold'])
    edge = opts['edgeitems']
    shown = _shown(a, summary, edge)
    values = _flat(shown, a.ndim)
    fmt = _element_formatter(a.dtype, values, False, opts)
    layout = _Layout(a.shape, fmt, separator, edge, summary)
    return layout.block(shown, 0, ' ' + ' ' * len(prefix), width)


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
    """str(a): a 0-d array prints as its scalar."""
    if a.ndim == 0:
        return scalar_str(a.tolist(), a.dtype.name)
    return array2string(a, max_line_width, precision, suppress_small, ' ', '')


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
    """repr(a): `array(...)` with the shape and dtype where not implied."""
    if _options['override_repr'] is not None:
        return _options['override_repr'](arr)
    if max_line_width is None:
        max_line_width = _options['linewidth']
    prefix = 'array('
    body = array2string(arr, max_line_width, precision, suppress_small, ', ',
                        prefix, suffix=')')
    extras = []
    if ((arr.size == 0 and arr.shape != (0,))
            or arr.size > _options['threshold']):
        extras.append(f'shape={arr.shape}')
    if arr.dtype.name not in _IMPLIED_DTYPES or arr.size == 0:
        extras.append(f'dtype={arr.dtype.name}')
    if not extras:
        return prefix + body + ')'
    text = prefix + body + ','
    tail = ', '.join(extras) + ')'
    last_line = len(text) - (text.rfind('\n') + 1)
    spacer = ' '
    if last_line + len(tail) + 1 > max_line_width:
        spacer = '\n' + ' ' * len(prefix)
    return text + spacer + tail


def array_format(a, spec):
    """format(a, spec): str for an empty spec, the scalar's format for 0-d."""
    if a.ndim == 0:
        return scalar_format(a.tolist(), a.dtype.name, spec)
    if spec == '':
        return array_str(a)
    raise TypeError('unsupported format string passed to numpy.ndarray.__format__')


# --------------------------------------------------------------- scalars

def _float_str(x, width, trim='0'):
    """str of a NumPy float scalar of `width` bytes: Python's float repr
    rules, switching to exponent form earlier for float16 and float32."""
    f = float(x)
    if not _finite(x):
        return 'nan' if f != f else '-inf' if f < 0 else 'inf'
    # A longdouble below a double's range has f == 0 but is not zero.
    if _is_zero(x) or (f != 0 and 1e-4 <= abs(f) < _SCALAR_EXP_FROM[width]):
        return _numpy.format_positional(_digit_arg(x), width, None, 0, True, trim)
    return _numpy.format_scientific(_digit_arg(x), width, None, 0, True, '-', 2)


def _complex_str(z, width):
    """str of a complex scalar, as Python's complex repr (with the parts'
    own digits for complex64 and clongdouble)."""
    re, im = z.real, z.imag
    imag = _float_str(im, width, '-')
    if float(re) == 0 and not _negative(float(re)):
        return imag + 'j'
    if not imag.startswith('-'):
        imag = '+' + imag
    return '(' + _float_str(re, width, '-') + imag + 'j)'


_WIDTHS = {'float16': 2, 'float32': 4, 'float64': 8, 'float128': 16,
           'complex64': 4, 'complex128': 8, 'complex256': 16}


def scalar_str(value, dtype_name):
    """str of a NumPy scalar of dtype `dtype_name` holding `value`."""
    if dtype_name == 'bool':
        return 'True' if value else 'False'
    if dtype_name.startswith('float'):
        return _float_str(value, _WIDTHS[dtype_name])
    if dtype_name.startswith('complex'):
        if dtype_name != 'complex256':
            value = complex(value)
        return _complex_str(value, _WIDTHS[dtype_name])
    return str(int(value))


_LONG_NAMES = {'float128': 'longdouble', 'complex256': 'clongdouble'}


def scalar_format(value, dtype_name, spec):
    """format(scalar, spec): NumPy hands the Python value to its __format__.

    A float32 is widened first, so f'{np.float32(0.1)}' shows the float64
    digits (0.10000000149011612) although str() shows 0.1.
    """
    if dtype_name in ('float16', 'float32'):
        return format(float(value), spec)
    if dtype_name == 'complex64':
        return format(complex(value), spec)
    if spec == '':
        return scalar_str(value, dtype_name)
    return format(value, spec)


def scalar_repr(value, dtype_name):
    """repr of a NumPy scalar: `np.float64(0.1)`, `np.int32(3)`, `np.True_`."""
    if dtype_name == 'bool':
        return 'np.True_' if value else 'np.False_'
    text = scalar_str(value, dtype_name)
    if dtype_name.startswith('complex') and text.startswith('('):
        text = text[1:-1]
    if dtype_name in _LONG_NAMES:
        # Quoted: a Python float literal would lose the extra digits.
        return f"np.{_LONG_NAMES[dtype_name]}('{text}')"
    return f'np.{dtype_name}({text})'
