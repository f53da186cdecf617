"""Numbers for the eye, as the course notes print them: two decimals, or three significant digits when
very large or very small. The drawing (dot.py) and the narration (narrate.py) both round this way; the
page's format.js does the same for numbers it updates in place. The full value is always in the JSON.
"""

from __future__ import annotations

import math

import numpy as np


def format_number(number) -> str:
    """Rounded for the eye: two decimals as the notes print them, or three significant digits when very large or small."""
    if number is None:
        return "nan/inf"
    if number == 0:
        return "0.00"
    if 0.01 <= abs(number) < 1e5:
        return f"{number:.2f}"
    return f"{number:.3g}"


def last_digit(values):
    """The place of the last digit ``format_number`` shows, element by element: 0.01 where it shows two
    decimals (and for 0), else that of the third significant digit. A number as shown is off by at most half
    of it (quiz mode works out from this how far an answer worked from the numbers on screen may be off)."""
    if isinstance(values, (float, np.floating)):  # one number: plain floats, many times cheaper than NumPy
        size = abs(float(values))
        if size == 0 or 0.01 <= size < 1e5 or not math.isfinite(size):
            return 0.01
        return 10.0 ** (math.floor(math.log10(size)) - 2)
    size = np.abs(np.asarray(values, dtype=float))
    exponent = np.floor(np.log10(np.where((size > 0) & np.isfinite(size), size, 1.0)))
    return np.where((size == 0) | ((size >= 0.01) & (size < 1e5)), 0.01, 10.0 ** (exponent - 2))


def shown(values):
    """``format_number``'s rounding for whole arrays at once, as numbers: what the eye reads."""
    values = np.asarray(values, dtype=float)
    step = last_digit(values)
    return np.round(values / step) * step
