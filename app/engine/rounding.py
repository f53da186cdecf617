"""How a number is written for a person: the one rule of the drawing, the DOT export, the narration, the node
details, the table and the check panel. The full value is always in the JSON.

Rounded for the eye (``format_number``), as the course notes print numbers: two decimals (``3.00``,
``-12.00``, ``0.20``), or three significant digits when a number is very large or very small (``1.23e5``,
``0.00123``, ``1e-9``), trailing zeros kept (``1.40e-166`` beside ``1.62e-171``) unless the shorter text is
the number itself (``1e-9``, ``0.005`` as typed). A view that must show more digits asks for more decimals, and the same rule scales:
``decimals`` decimals from ``10**-decimals`` up to ``1e5``, else ``decimals + 1`` significant digits.
Zero is ``0.00``; a number that is not finite is ``+∞``, ``-∞`` or ``NaN``; the JSON writes it as null, with
which it is beside it (``nonfinite``), and a null whose kind is not known is ``NOT_FINITE``.

An array is written in one format (``array_decimals``, ``format_array``): as many decimals as give its largest
element three significant digits, so 0.0724 and 0.0650 look different and 0.088 stands beside 0.208 as the notes
write it. A worked equation ("a ⊙ b = c") shows its operands with enough decimals that, multiplied as shown,
they land within half the last digit of the result as shown (``checkable_decimals``; app/teaching/layers.py).

Rounding is of the number's exact binary value, halves away from zero (``0.125`` is ``0.13``): what
JavaScript's ``toFixed`` and ``toExponential`` do, so that the page's ``static/js/format.js`` can follow this
module exactly. ``tests/number_format_cases.json`` holds both to the same cases: pytest runs it against this
module, and a test in Chromium against format.js.

At full precision (``full_precision``): the shortest digits that read back as the same float64, laid out as
Python's ``repr`` lays them out (an exponent below 1e-4 and from 1e16) but without a trailing ``.0``.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

EYE = 2  # decimals for the eye: the drawing, the DOT export, the narration
NOT_FINITE = "nan/inf"  # a JSON null standing for a number that is not finite
TOP = 1e5  # from here on, significant digits


def format_number(number: float | None, decimals: int = EYE) -> str:
    """``number`` rounded for the eye: ``decimals`` decimals, or ``decimals + 1`` significant digits when it is
    smaller than ``10**-decimals`` or at least 1e5; None (a JSON null) is NOT_FINITE."""
    if number is None:
        return NOT_FINITE
    number = float(number)
    if not math.isfinite(number):
        return non_finite_text(number)
    if number == 0:
        return f"{0:.{decimals}f}"  # the sign of a zero is not worth a reader's attention
    if float(f"1e-{decimals}") <= abs(number) < TOP:
        if not _a_tie(number, decimals):  # Python rounds the exact binary value too: only ties differ
            return f"{number:.{decimals}f}"
        text = f"{abs(Decimal(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"
    else:
        exact = abs(Decimal(number))
        text = _significant(exact, decimals + 1)
    return "-" + text if number < 0 else text


def _a_tie(number: float, decimals: int) -> bool:
    """Whether ``number`` lies exactly halfway between two numbers of ``decimals`` decimals (0.125 at two), where
    Python's formatting rounds to even and this rule away from zero. Exact: on the float's own fraction."""
    numerator, denominator = abs(number).as_integer_ratio()  # the denominator is a power of two
    twice = numerator * 10 ** decimals * 2
    return twice % denominator == 0 and (twice // denominator) % 2 == 1


def non_finite_text(number: float) -> str:
    """+∞, -∞ or NaN: which one, never "nan/inf"."""
    return "NaN" if number != number else "+∞" if number > 0 else "-∞"


def _significant(exact: Decimal, digits: int) -> str:
    """A positive number to ``digits`` significant digits, as ``%g`` lays it out (fixed from 1e-4 up to
    10**digits, else with an exponent), the exponent written plainly: 1.23e5, 1.40e-166; trailing zeros
    dropped only where the shorter text is the number itself (1e-9, as typed)."""
    exponent = exact.adjusted()
    rounded = exact.quantize(Decimal(1).scaleb(exponent - digits + 1), rounding=ROUND_HALF_UP)
    if rounded.adjusted() > exponent:  # rounding carried into a new digit: 9.996 is 10.0
        exponent += 1
        rounded = exact.quantize(Decimal(1).scaleb(exponent - digits + 1), rounding=ROUND_HALF_UP)
    if -4 <= exponent < digits:
        return _short_if_exact(f"{rounded:f}", exact)
    return _short_if_exact(f"{rounded.scaleb(-exponent):f}", exact, f"e{exponent}")


def _short_if_exact(digits: str, exact: Decimal, exponent: str = "") -> str:
    """Every significant digit, its trailing zeros too ("1.40e-166" beside "1.62e-171": three digits each), but
    for a number that the shorter text is exactly (1e-9, 0.005, 1.5e-5 as typed): its zeros say nothing."""
    short = _without_trailing_zeros(digits)
    return short + exponent if float(short + exponent) == float(exact) else digits + exponent


def _without_trailing_zeros(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value, shape: tuple | list, decimals: int = EYE) -> str:
    """A number, or an array by its shape and first elements, in the array's one format: ``2×3 [1.00, 2.00,
    3.00, …]``, ``4 [0.0724, 0.0650, 0.0681, …]``."""
    if not shape:
        return format_number(value, decimals)
    flat = _flatten(value)
    texts = format_array(flat, array_decimals(flat, decimals))
    preview = ", ".join(texts[:3]) + (", …" if len(flat) > 3 else "")
    return f"{'×'.join(map(str, shape))} [{preview}]"


MAX_LISTED_ELEMENTS = 4  # an array with more elements is previewed by its corner and its shape
CORNER = (2, 3)  # rows and columns of a larger array's corner


def format_preview(value, decimals: int | None | bool = False, whole: bool = False) -> str:
    """A value where its numbers should be (an equation, a card, a total on the drawing), in the array's one
    format (``array_decimals``, or ``decimals`` when given): a number; a short array whole ("[0.440, 0.520]");
    a longer one by its corner and its shape ("[[0.10, -0.20, …], [0.40, 0.50, …], …] (4×3)")."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return format_number(float(array)) if decimals is False else format_array([float(array)], decimals)[0]
    if decimals is False:
        decimals = array_decimals(array.ravel().tolist())
    if whole or array.size <= MAX_LISTED_ELEMENTS:
        return _whole(array, decimals)
    return f"{_corner(array, decimals)} ({'×'.join(map(str, array.shape))})"


def _whole(array: np.ndarray, decimals) -> str:
    if array.ndim == 0:
        return format_array([float(array)], decimals)[0]
    return "[" + ", ".join(_whole(row, decimals) for row in array) + "]"


def _corner(array: np.ndarray, decimals) -> str:
    rows, columns = CORNER
    if array.ndim == 1:
        items = format_array(array[:columns].tolist(), decimals)
        return "[" + ", ".join(items + ["…"] * (array.size > columns)) + "]"
    items = [_corner(row, decimals) for row in array[:rows]]
    return "[" + ", ".join(items + ["…"] * (len(array) > rows)) + "]"


SMALLEST = 1e-6  # an array whose largest element is smaller is written with exponents
SIGNIFICANT = 3  # an array's largest element shows this many significant digits, and the others as many decimals


def array_decimals(flat, decimals: int = EYE) -> int | None:
    """One array, one format: the decimals that give its largest element ``SIGNIFICANT`` significant digits
    (at least ``decimals``), so that 0.0724 and 0.0650 do not both read 0.07 and 0.088 stands beside 0.208
    as the notes write them (0.0000589 too). None where the largest is below SMALLEST or from 1e5 on: each
    element then in ``format_number``'s significant digits."""
    finite = [abs(float(x)) for x in flat if x is not None and math.isfinite(float(x))]
    largest = max(finite, default=0.0)
    if largest == 0:
        return decimals
    if not SMALLEST <= largest < TOP:
        return None
    return max(decimals, SIGNIFICANT - 1 - Decimal(largest).adjusted())


def format_array(flat, decimals: int | None) -> list[str]:
    """Each element of a flat array with ``decimals`` decimals (None: ``format_number`` each)."""
    return [format_number(x) if decimals is None or x is None or not math.isfinite(float(x))
            else _fixed(float(x), decimals) for x in flat]


def _fixed(number: float, decimals: int) -> str:
    if _a_tie(number, decimals):
        text = f"{abs(Decimal(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"
    else:  # Python rounds the exact binary value too: only ties differ (see format_number)
        text = f"{abs(number):.{decimals}f}"
    return "-" + text if number < 0 and text.strip("0.") else text


def checkable_decimals(result, recomputed, decimals: int | None) -> int | None:
    """The most decimals (up to ``decimals``) at which ``result`` is shown so that ``recomputed`` (the same
    sum or product worked from the operands as shown) lands within half its last shown digit: a hand check
    of "[0.0365, 0.0415] ⊙ [0.240, 0.240] = [0.0088, 0.0100]" holds, where [0.00877, 0.00995] would not."""
    if decimals is None:
        return None
    result = np.asarray(result, dtype=float)
    recomputed = np.asarray(recomputed, dtype=float)
    finite = np.isfinite(result) & np.isfinite(recomputed)
    for places in range(decimals, -1, -1):
        rounded = np.array([float(_fixed(x, places)) for x in result[finite].ravel()])
        if np.all(np.abs(recomputed[finite].ravel() - rounded) <= 0.5 * 10.0 ** -places * (1 + 1e-9)):
            return places
    return 0


def shown_array(values, decimals: int | None):
    """The numbers of an array as ``format_array`` shows them, as floats (what a hand check multiplies)."""
    values = np.asarray(values, dtype=float)
    texts = format_array(values.ravel().tolist(), decimals)
    return np.array([float(text) if text not in (NOT_FINITE,) else math.nan for text in texts]).reshape(values.shape)


MORE_DIGITS = 3  # at most this many more decimals for the operands of a worked equation between arrays
SCALAR_MORE_DIGITS = 8  # and of a product of two numbers, whose result keeps the drawing's text


def worked(result, how, *operands) -> tuple[list[str], str]:
    """The operands and the result of ``how`` (a product, an outer product, ⊙) written so that a hand check
    holds: worked from the operands as shown, the result lands within half the last digit of the result as
    shown. Each value shows its own format (an array's one format, a number's ``format_number``); the operands
    get up to MORE_DIGITS more digits where that is needed, and only when that is not enough does an array
    result get fewer decimals (``checkable_decimals``). Used by the BP equations, the Jacobian view's ⊙ and ⊗
    lines and the narration's "local × upstream" of numbers."""
    extra, decimals = worked_decimals(result, how, *operands)
    return [_written(operand, extra) for operand in operands], _written(result, 0, decimals)


def worked_decimals(result, how, *operands) -> tuple[int, int | None | bool]:
    """``worked``'s choice: how many more digits the operands get, and the result's decimals (False: its own)."""
    result = np.asarray(result, dtype=float)
    goal = _texts(result, 0)
    most = MORE_DIGITS if result.ndim else SCALAR_MORE_DIGITS
    slack = _float_noise(how, *operands)
    for extra in range(most + 1):
        shown_operands = [_as_numbers(_texts(operand, extra), operand) for operand in operands]
        if _lands(how(*shown_operands), goal, slack):
            return extra, False
    if result.ndim:
        natural = array_decimals(result.ravel().tolist())
        return MORE_DIGITS, checkable_decimals(result, how(*[_as_numbers(_texts(operand, MORE_DIGITS), operand)
                                                              for operand in operands]), natural)
    return most, False


def operand_decimals(operand, extra: int) -> int | None:
    """The decimals of an array operand shown with ``extra`` more digits (None: significant digits)."""
    natural = array_decimals(np.ravel(operand).tolist())
    return None if natural is None else natural + extra


def _texts(value, extra: int) -> list[str]:
    """A value's numbers as written with ``extra`` more digits: a number by ``format_number``, an array in its
    one format."""
    array = np.asarray(value, dtype=float)
    if not array.ndim:
        return [format_number(float(array), EYE + extra)]
    return format_array(array.ravel().tolist(), operand_decimals(array, extra))


def _written(value, extra: int, decimals: int | None | bool = False) -> str:
    array = np.asarray(value, dtype=float)
    if not array.ndim:
        return format_number(float(array), EYE + extra)
    return format_preview(array, operand_decimals(array, extra) if decimals is False else decimals)


def _as_numbers(texts: list[str], like) -> np.ndarray:
    numbers = [float(text) if _READABLE.fullmatch(text) else math.nan for text in texts]
    return np.reshape(numbers, np.shape(like))


_READABLE = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _float_noise(how, *operands) -> float:
    """How far float64 arithmetic on these operands may land from the exact result: 14.8 + -14.8000000000000018
    is 1.78e-15, which no operand shown to fewer than 17 digits sums to. Within it, a hand check holds. The noise
    is a few rounding steps of the magnitudes the working adds up, ``how`` of the operands' sizes (a sum's terms,
    a product's product), not of the largest operand: 0.047 × 6.31e-14 is noisy at 1e-30, not at 1e-17."""
    sizes = [np.abs(np.nan_to_num(np.asarray(operand, dtype=float), nan=0.0, posinf=0.0, neginf=0.0))
             for operand in operands]
    with np.errstate(all="ignore"):
        magnitude = np.nan_to_num(np.abs(np.asarray(how(*sizes), dtype=float)), nan=0.0, posinf=0.0)
    return 8 * np.finfo(float).eps * float(np.max(magnitude, initial=0.0))


def _lands(worked_out, goal: list[str], slack: float = 0.0) -> bool:
    """Each number worked out lies within half the last digit of its text in ``goal`` (or within ``slack``, the
    float noise of the working)."""
    worked_out = np.ravel(np.asarray(worked_out, dtype=float))
    for number, text in zip(worked_out, goal):
        if not _READABLE.fullmatch(text) or not math.isfinite(number):
            continue  # a value that is not finite is written as a word: nothing to check
        if abs(number - float(text)) > half_last_digit(text) * (1 + 1e-9) + slack:
            return False
    return True


def half_last_digit(text: str) -> float:
    """Half the place of a written number's last digit: how far the number it rounds may be from it."""
    mantissa, _, exponent = text.lstrip("-").partition("e")
    return 0.5 * 10.0 ** (-len(mantissa.partition(".")[2]) + (int(exponent) if exponent else 0))


def _flatten(value) -> list:
    flat, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            flat.append(item)
    return flat


def full_precision(number: float) -> str:
    """Every digit that matters: the shortest text that reads back as the same float64 (0.1, 33, 1e-7, 1e16)."""
    number = float(number)
    if not math.isfinite(number):
        return non_finite_text(number)
    if number == 0:
        return "0"
    text = repr(number)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text[:-2] if text.endswith(".0") else text


def last_digit(values):
    """The place of the last digit ``format_number`` shows, element by element: 0.01 where it shows two
    decimals (and for 0), else that of the third significant digit. A number as shown is off by at most half
    of it (quiz mode works out from this how far an answer worked from the numbers on screen may be off)."""
    smallest = 10.0 ** -EYE
    if isinstance(values, (float, np.floating)):  # one number: plain floats, many times cheaper than NumPy
        size = abs(float(values))
        if size == 0 or smallest <= size < TOP or not math.isfinite(size):
            return smallest
        return 10.0 ** (math.floor(math.log10(size)) - EYE)
    size = np.abs(np.asarray(values, dtype=float))
    exponent = np.floor(np.log10(np.where((size > 0) & np.isfinite(size), size, 1.0)))
    return np.where((size == 0) | ((size >= smallest) & (size < TOP)), smallest, 10.0 ** (exponent - EYE))


def shown(values):
    """``format_number``'s rounding for whole arrays at once, as numbers: what the eye reads."""
    values = np.asarray(values, dtype=float)
    step = last_digit(values)
    return np.sign(values) * np.floor(np.abs(values) / step + 0.5) * step  # halves away from zero, as shown
