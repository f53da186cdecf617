"""What the BP panel's layer heading calls z (issue 21): "δ¹ = ∂C/∂z" names z as the program does; an unnamed z
goes by its expression through the one printer where that is short enough to read in a heading (∂C/∂(W @ x)),
else by Nielsen's zˡ (a longer expression, ∂C/∂(W1 @ a0 + bias1), would bury the δ it defines)."""

from __future__ import annotations

import pytest

from app import compute_graph
from app.teaching.layers import Z_EXPRESSION_MOST
from test_page import browser, page, type_program, wait_until_idle  # noqa: F401

SHORT = "W = [[0.1, 0.2], [0.3, -0.4]]\nb = [0.1, 0.1]\nx = [1, 2]\na = sigmoid(W @ x + b)\nC = sum(a ^ 2)"
LONG = "W1 = [[0.1, 0.2], [0.3, -0.4]]\nbias1 = [0.1, 0.1]\na0 = [1, 2]\na1 = sigmoid(W1 @ a0 + bias1)\nC = sum(a1 ^ 2)"


@pytest.mark.parametrize("program, z_name", [
    (SHORT, "(W @ x + b)"),  # 9 characters: the expression, bracketed as ∂C/∂(…) needs
    (LONG, "z¹"),  # "W1 @ a0 + bias1", 15 characters: Nielsen's z¹
    (SHORT.replace("a = sigmoid(W @ x + b)", "z = W @ x + b\na = sigmoid(z)"), "z"),  # a name is the name
    ("W = [[1, 2], [3, 4]]\nx = [0.5, -1]\nC = sum((W @ x) ^ 2)", "(W @ x)"),
])
def test_an_unnamed_z_is_its_short_expression_or_nielsens_z(program, z_name):
    layer = compute_graph(program, {}, layers=True)["layers"][0]
    assert layer["z_name"] == z_name


def test_the_rule_is_the_length_of_the_printed_expression():
    assert len("W @ x + b") <= Z_EXPRESSION_MOST < len("W1 @ a0 + bias1")


def test_the_http_answer_carries_z_name(client):
    body = client.post("/api/graph", json={"expression": SHORT, "layers": True}).json()
    assert body["layers"][0]["z_name"] == "(W @ x + b)"


@pytest.mark.parametrize("program, heading", [
    (SHORT, "Layer 1 of 1, the output layer: δ¹ = ∂C/∂(W @ x + b)"),
    (LONG, "Layer 1 of 1, the output layer: δ¹ = ∂C/∂z¹"),
])
def test_the_bp_panels_heading_names_z_as_the_api_does(page, program, heading):
    type_program(page, program)
    wait_until_idle(page)
    page.wait_for_selector("#equations .layer[data-layer='1'] h3")
    assert page.text_content("#equations .layer[data-layer='1'] h3") == heading
