"""One way to show a number: app/engine/rounding.py's rule, and static/js/format.js held to it by one table of cases.

tests/number_format_cases.json lists inputs and the text a person must see. The Python module is the rule;
the same cases run in Chromium against the page's module, so the drawing, the details, the table and the
check panel write every number as the DOT export and the narration do.
"""

from __future__ import annotations

import json
import math
import os
import re

import hypothesis
import pytest
from conftest import ROOT

from app import compute_dot, compute_graph
from app.engine.rounding import array_decimals, format_array, format_number, format_preview, format_value, full_precision

CASES = json.loads((ROOT / "tests" / "number_format_cases.json").read_text(encoding="utf-8"))
NOT_JSON = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}  # floats that JSON cannot hold


def number(raw):
    return NOT_JSON.get(raw, raw) if isinstance(raw, str) else raw


# -- the rule, in Python ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, decimals, expected", CASES["format_number"])
def test_format_number(raw, decimals, expected):
    assert format_number(number(raw), decimals) == expected


@pytest.mark.parametrize("raw, expected", CASES["full_precision"])
def test_full_precision(raw, expected):
    assert full_precision(number(raw)) == expected
    if not isinstance(raw, str):
        assert float(expected) == raw  # it reads back as the same float64


@pytest.mark.parametrize("value, shape, expected", CASES["format_value"])
def test_format_value(value, shape, expected):
    assert format_value(value, shape) == expected


@pytest.mark.parametrize("value, shape, expected", CASES["format_preview"])
def test_format_preview_shows_a_small_array_whole_and_a_big_one_by_its_corner(value, shape, expected):
    assert format_preview(value if shape else number(value)) == expected


@pytest.mark.parametrize("flat, expected", CASES["format_array"])
def test_format_array_writes_one_array_in_one_format(flat, expected):
    assert format_array(flat, array_decimals(flat)) == expected


def test_different_numbers_of_an_array_look_different():
    # W3's gradient of the three-layer preset, and the ‖Wx‖² preset's as the notes write it
    assert format_array([0.0724, 0.0650, 0.0681, 0.0719], array_decimals([0.0724])) == \
        ["0.0724", "0.0650", "0.0681", "0.0719"]
    assert format_array([0.088, 0.176, 0.104, 0.208], array_decimals([0.208])) == ["0.088", "0.176", "0.104", "0.208"]


def test_the_cases_cover_the_rules_corners():
    inputs = [number(raw) for raw, _, _ in CASES["format_number"]]
    assert {0.125, -0.125, 100500.0} <= set(inputs)  # halves away from zero, in both branches
    assert any(x is not None and x == x and 0 < abs(x) < 1e-4 for x in inputs)  # an exponent below
    assert any(x is not None and abs(x) >= 1e5 for x in inputs)  # an exponent above
    assert {decimals for _, decimals, _ in CASES["format_number"]} >= {2, 3, 4, 6}


# -- every place the server writes a number uses it ------------------------------------------------------------------


def test_the_drawing_and_the_narration_write_numbers_alike():
    program, values = "u = x * y; v = u * 1e-9; w = v + 1e6 * x; w - 0.125", {"x": -3.0, "y": 0.5}
    result = compute_graph(program, values, narrate=True)
    dot = compute_dot(program, values)
    for node in result["nodes"]:
        shown = format_number(node["value"])
        assert f">{shown}<" in dot, shown
        if node["op"] not in ("input", "const"):
            assert node["narration"]["forward"]["en"].endswith(f"= {shown}"), node["narration"]


def test_no_other_module_rounds_numbers_for_people():
    """Number formatting in the page's scripts lives in format.js; anything else would be a second rule."""
    formatting = re.compile(r"\.(toFixed|toPrecision|toExponential)\(|toLocaleString\(")
    for path in sorted((ROOT / "static" / "js").rglob("*.js")):
        if path.name != "format.js":
            assert not formatting.search(path.read_text(encoding="utf-8")), path.name
    python_formatting = re.compile(r"""f"\{[^}]*:\.\d+[fge]\}|:\.\d+[fge]\}""")
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name != "rounding.py":
            assert not python_formatting.search(path.read_text(encoding="utf-8")), path.name


# -- the same cases in the page's module, in Chromium ----------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def format_js(server):
    """A function evaluating JavaScript in a page that has imported static/js/format.js as ``format``."""
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(server + "/")
        page.evaluate("async () => { window.format = await import('/static/js/format.js'); }")
        yield page.evaluate
        browser.close()


TO_NUMBER = "(raw) => raw === 'nan' ? NaN : raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : raw"


def test_format_js_gives_every_case_the_same_text(format_js):
    got = format_js(f"""(cases) => {{
        const number = {TO_NUMBER};
        return {{
            format_number: cases.format_number.map(([raw, decimals]) => format.formatNumber(number(raw), decimals)),
            full_precision: cases.full_precision.map(([raw]) => format.fullPrecision(number(raw))),
            format_value: cases.format_value.map(([value, shape]) => format.formatValue(value, shape)),
            format_array: cases.format_array.map(([flat]) => format.formatArray(flat, format.arrayDecimals(flat))),
            format_preview: cases.format_preview.map(([value, shape]) => format.formatPreview(value, shape)),
        }};
    }}""", CASES)
    for key in ("format_number", "full_precision", "format_value", "format_array", "format_preview"):
        expected = [case[-1] for case in CASES[key]]
        mismatches = [(case, text) for case, text in zip(CASES[key], got[key]) if text != case[-1]]
        assert not mismatches, f"{key}: format.js differs from app/engine/rounding.py on {mismatches}"
        assert len(got[key]) == len(expected)


def test_format_js_tells_a_missing_gradient_from_one_that_is_not_finite(format_js):
    texts = format_js("""() => [
        format.formatGradient({op: "const", grad: null, shape: []}),
        format.formatGradient({op: "mul", grad: null, shape: []}),
        format.formatGradient({op: "input", grad: 0.125, shape: []}),
        format.hasGradient({op: "const", grad: null}),
        format.hasGradient({op: "add", grad: null}),
    ]""")
    assert texts == ["—", "nan/inf", "0.13", False, True]


@hypothesis.given(hypothesis.strategies.floats(min_value=-1e5, max_value=1e5, allow_nan=False),
                  hypothesis.strategies.integers(min_value=0, max_value=6))
@hypothesis.settings(max_examples=3000, deadline=None)
def test_the_fast_way_of_writing_decimals_agrees_with_exact_rounding_half_away_from_zero(number, decimals):
    from decimal import ROUND_HALF_UP, Decimal

    if not 10.0 ** -decimals <= abs(number) < 1e5:
        return
    exact = abs(Decimal(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    assert format_number(number, decimals) == ("-" if number < 0 else "") + f"{exact:f}"


@pytest.mark.parametrize("number, written", [(0.125, "0.13"), (-0.125, "-0.13"), (0.375, "0.38"), (4.0625, "4.06"),
                                              (2.5, "2.50")])
def test_exact_ties_round_away_from_zero(number, written):
    # Python's own formatting rounds a tie to even (0.125 → "0.12"); the notes and JavaScript round it away.
    assert format_number(number) == written


@hypothesis.given(hypothesis.strategies.lists(hypothesis.strategies.floats(min_value=-1e5, max_value=1e5,
                                                                           allow_nan=False), min_size=1, max_size=6),
                  hypothesis.strategies.integers(min_value=0, max_value=9))
@hypothesis.settings(max_examples=2000, deadline=None)
def test_an_arrays_fixed_decimals_agree_with_exact_rounding_half_away_from_zero(numbers, decimals):
    from decimal import ROUND_HALF_UP, Decimal

    expected = []
    for number in numbers:
        text = f"{abs(Decimal(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"
        expected.append("-" + text if number < 0 and text.strip("0.") else text)
    assert format_array(numbers, decimals) == expected
