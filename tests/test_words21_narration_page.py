"""The narration on the page checks by hand (issue 21): a swap shows the other argument's number with the digits
the check needs, a sum of shares adds up as written, in the node's card, in English and in Chinese."""

from __future__ import annotations

import re

import pytest

from test_page import browser, page, type_program, wait_until_idle  # noqa: F401


def card_backward(page, program, chosen):
    """The backward sentence in the card of the first node ``chosen`` picks."""
    type_program(page, program)
    wait_until_idle(page)
    graph = page.evaluate("window.backpropLab.page.graph")
    node = next(node["id"] for node in graph["nodes"] if chosen(node))
    page.focus(f"#n{node}")
    page.wait_for_selector("#details .narrated.backward")
    return page.text_content("#details .narrated.backward")


@pytest.mark.parametrize("language, gets", [("en", "gets"), ("zh", "得到")])
def test_a_swap_in_the_card_shows_the_number_the_drawing_rounds_off(page, language, gets):
    if language == "zh":
        page.click("button[data-lang='zh']")
        page.wait_for_selector("#graph svg g.wire-label")
    # b = 0.125 is drawn 0.13; 0.13 × 3.00 = 0.39 would not give the 0.38 on a's wire
    text = card_backward(page, "a = 2\nb = 0.125\nf = 3*(a*b)",
                         lambda node: node["op"] == "mul" and node["name"] is None)  # a × b
    assert re.search(rf"a {gets} b × 3\.00 = 0\.125 × 3\.00 = 0\.38", text), text


def test_a_sum_of_shares_in_the_card_adds_up_as_written(page):
    text = card_backward(page, "a = 1\nf = a/3 + a/3 + a/3", lambda node: node["name"] == "a")
    assert "0.333 via (a / 3) + 0.333 via (a / 3) + 0.333 via (a / 3) = 1.00" in text, text
