"""Ng's nudge of an array node (issue 21): the check panel nudges a node that holds an array at its first element,
says which element, and the output moves as that element's gradient predicts; in the API and in Chromium."""

from __future__ import annotations

import pytest

from app import compute_graph
from test_page import browser, page, type_program, wait_until_idle  # noqa: F401

PROGRAM = "W = [[1, 2], [3, 4]]\nx = [1, 1]\nq = W @ x\nf = sum(q*q)"


def by_name(answer):
    return {nudge["name"]: nudge for nudge in answer["check_nudges"]}


def test_an_array_node_is_nudged_at_its_first_element():
    answer = compute_graph(PROGRAM, {}, check=True)
    nudges = by_name(answer)
    # f = q₀² + q₁², q = Wx = [3, 7]: ∂f/∂q = 2q = [6, 14], ∂f/∂W = 2q xᵀ, ∂f/∂x = Wᵀ 2q = [48, 68]
    assert (nudges["q"]["element"], nudges["q"]["value"], nudges["q"]["grad"]) == ([0], 3.0, 6.0)
    assert (nudges["W"]["element"], nudges["W"]["value"], nudges["W"]["grad"]) == ([0, 0], 1.0, 6.0)
    assert (nudges["x"]["element"], nudges["x"]["value"], nudges["x"]["grad"]) == ([0], 1.0, 48.0)
    for nudge in answer["check_nudges"]:
        assert nudge["change"] == pytest.approx(nudge["predicted"], rel=1e-2), nudge["name"]
    # q₀ from 3 to 3.001: f from 58 to 58 + 3.001² − 9 = 58.006001
    assert nudges["q"]["before"] == 58.0 and nudges["q"]["after"] == pytest.approx(58.006001, abs=1e-9)


def test_a_number_node_says_no_element(client):
    answer = client.post("/api/graph", json={"expression": "u = b*c\nJ = 3*u", "values": {"b": 3, "c": 2},
                                             "check": True}).json()
    assert [nudge["element"] for nudge in answer["check_nudges"]] == [None, None, None]
    answer = client.post("/api/graph", json={"expression": PROGRAM, "check": True}).json()
    assert by_name(answer)["W"]["element"] == [0, 0]


def test_the_check_panel_says_which_element_of_an_array_it_nudges(page):
    type_program(page, PROGRAM)
    wait_until_idle(page)
    page.check("#check-toggle")
    page.wait_for_selector("#check-panel .nudges li[data-element='0,0']")
    story = page.text_content("#check-panel .nudges li[data-element='0,0']")
    assert story == "nudge W[0, 0], the first element of W, from 1.000 to 1.001 → f goes from 58.000 to 58.006: " \
                    "change 0.006 ≈ ∂f/∂W[0, 0] × 0.001 = 6.00 × 0.001 = 0.006"
    stories = page.eval_on_selector_all("#check-panel .nudges li", "lis => lis.map(li => li.textContent)")
    assert any(text.startswith("nudge (q × q)[0], the first element of q × q, from 9.000") for text in stories)
    page.click("button[data-lang='zh']")
    page.wait_for_selector("#check-panel .nudges li[data-element='0,0']")
    assert page.text_content("#check-panel .nudges li[data-element='0,0']").startswith(
        "把 W 的第一个元素 W[0, 0] 从 1.000 推到 1.001 → f 从 58.000 变为 58.006")
