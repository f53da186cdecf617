"""A number that is not finite says which it is: +∞, −∞ or NaN. JSON has no such numbers, so the API writes
null, with the kind beside it in a ``nonfinite`` field; the warnings, the DOT export and the page (format.js's
readNonFinite, then formatNumber) write +∞, -∞ or NaN, never "nan/inf"."""

import math

import pytest

from app import compute_dot, compute_graph
from app.engine.rounding import format_number, full_precision
from app.engine.serialize import restore_non_finite
from test_number_format import format_js  # noqa: F401  (the page's format.js in Chromium)


def test_a_division_by_zero_says_plus_infinity_in_the_api(client):
    body = client.post("/api/graph", json={"expression": "a/(b-b)", "values": {"a": 1, "b": 2}}).json()
    division, difference = body["nodes"][3], body["nodes"][2]
    assert division["value"] is None and division["nonfinite"] == {"value": "+inf"}
    assert difference["value"] == 0.0 and difference["nonfinite"] == {"grad": "-inf"}
    assert body["nodes"][1]["nonfinite"] == {"grad": "nan"}  # ∂/∂b: +∞ − ∞
    assert "nonfinite" not in body["nodes"][0] or body["nodes"][0]["nonfinite"] == {"grad": "+inf"}
    warning = next(w for w in body["warnings"] if w["node"] == 3)
    assert "is +∞ (infinite)" in warning["message"]["en"] and "nonfinite" in warning["message"]["en"]
    assert "+∞" in warning["message"]["zh"]


def test_each_element_of_an_array_says_which(client):
    body = client.post("/api/graph", json={"expression": "sum(log(x))", "values": {"x": [1, 0, -1]}}).json()
    log = body["nodes"][1]
    assert log["value"][0] == 0.0 and log["value"][1:] == [None, None]
    assert log["nonfinite"]["value"] == [None, "-inf", "nan"]
    wire = next(edge for edge in body["edges"] if edge["source"] == 1)
    assert wire["nonfinite"]["value"] == [None, "-inf", "nan"]


def test_a_finite_answer_has_no_nonfinite_field():
    body = compute_graph("x * y", {"x": 2, "y": 3})
    assert not any("nonfinite" in item for item in body["nodes"] + body["edges"])


@pytest.mark.parametrize("number, text", [(math.inf, "+∞"), (-math.inf, "-∞"), (math.nan, "NaN")])
def test_the_rule_writes_which(number, text):
    assert format_number(number) == text and full_precision(number) == text


def test_restored_from_the_json_the_numbers_are_written_as_what_they_are():
    body = compute_graph("a/(b-b)", {"a": 1, "b": 2})
    assert [format_number(restore_non_finite(node, "grad")) for node in body["nodes"][:3]] == ["+∞", "NaN", "-∞"]
    dot = compute_dot("a/(b-b)", {"a": 1, "b": 2})
    assert ">+∞<" in dot and ">-∞<" in dot and "nan/inf" not in dot


def test_the_page_reads_the_kind_beside_each_null(format_js):
    texts = format_js("""() => {
        const answer = {value: null, output: 1, nodes: [
            {value: 0, grad: null, shape: [], nonfinite: {grad: "-inf"}},
            {value: null, grad: 1, shape: [], nonfinite: {value: "+inf"}},
            {value: [0, null, null], grad: [1, 1, 1], shape: [3], nonfinite: {value: [null, "-inf", "nan"]}}],
          edges: [{value: 0, grad: null, nonfinite: {grad: "-inf"}}]};
        format.readNonFinite(answer);
        const [a, b, c] = answer.nodes;
        return [format.formatNumber(a.grad), format.formatNumber(b.value), format.formatValue(c.value, c.shape),
                format.formatNumber(answer.edges[0].grad), format.formatNumber(answer.value)];
    }""")
    assert texts == ["-∞", "+∞", "3 [0.00, -∞, NaN]", "-∞", "+∞"]
