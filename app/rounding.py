"""Numbers for the eye, as the course notes print them: two decimals, or three significant digits when
very large or very small. The drawing (dot.py) and the narration (narrate.py) both round this way; the
page's format.js does the same for numbers it updates in place. The full value is always in the JSON.
"""

from __future__ import annotations

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


def shown(values):
    """``format_number``'s rounding for whole arrays at once, as numbers: what the eye reads (quiz mode works
    out from it how far a student's answer may be from the engine's when worked from the numbers shown)."""
    values = np.asarray(values, dtype=float)
    size = np.abs(values)
    exponent = np.floor(np.log10(np.where((size > 0) & np.isfinite(size), size, 1.0)))
    scale = 10.0 ** (exponent - 2)
    return np.where((size >= 0.01) & (size < 1e5), np.round(values, 2), np.round(values / scale) * scale)
