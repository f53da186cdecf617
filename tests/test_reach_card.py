"""A pinned card on a desktop (issue 22): placed where it covers the least of the drawing, never over its node
nor under the pointer that pinned it. In a real headless Chromium at 1400×900."""

import pytest

from app.teaching.examples import examples
from test_page import browser  # noqa: F401
from test_page_reach import box, close, open_page, overlap

EXAMPLES = {example["name"]: example for example in examples()}

GATES_ON_SCREEN = """() => { const frame = document.querySelector('#graph').getBoundingClientRect();
    return [...document.querySelectorAll('#graph svg g.node.gate')].map(g => [g.id, JSON.parse(JSON.stringify(g.getBoundingClientRect()))])
      .filter(([, b]) => b.right > frame.left && b.left < frame.right && b.bottom > frame.top && b.top < frame.bottom); }"""


def scalar_gates(page):
    return page.evaluate("window.backpropLab.page.graph.nodes.filter(n => n.inputs.length && !n.shape.length).map(n => n.id)")


@pytest.mark.parametrize("name", ["ng-J", "nielsen-mlp"])
def test_a_pinned_card_covers_no_gate_when_the_drawing_leaves_room(browser, server, name):  # noqa: F811
    example = EXAMPLES[name]
    page = open_page(browser, server, example["program"], example["values"])
    for node in scalar_gates(page):
        gate = box(page, f"#n{node}")
        pointer = (gate["x"] + gate["width"] / 2, gate["y"] + gate["height"] / 2)
        page.mouse.click(*pointer)
        page.wait_for_selector("#details.pinned")
        page.wait_for_timeout(100)
        card, graph = box(page, "#details"), box(page, "#graph")
        assert graph["left"] - 0.5 <= card["left"] and card["right"] <= graph["right"] + 0.5
        assert graph["top"] - 0.5 <= card["top"] and card["bottom"] <= graph["bottom"] + 0.5
        assert not (card["left"] <= pointer[0] <= card["right"] and card["top"] <= pointer[1] <= card["bottom"]), \
            "the card opened under the pointer"
        covered = [gate_id for gate_id, gate_box in page.evaluate(GATES_ON_SCREEN) if overlap(card, gate_box)]
        assert not covered, f"pinning n{node}, the card covers {covered}"
        page.keyboard.press("Escape")
        page.mouse.click(graph["left"] + 3, graph["bottom"] - 3)
        page.wait_for_selector("#details", state="hidden")
    close(page)


def test_a_pinned_card_leaves_the_minimap_clear(browser, server):  # noqa: F811
    program = "\n".join(f"v{i} = tanh(v{i - 1} * {1 + i % 3} + a)" if i else "v0 = a * b" for i in range(100))
    page = open_page(browser, server, program)
    page.wait_for_selector(".minimap:not([hidden])")
    minimap = box(page, ".minimap")
    for node in scalar_gates(page)[:6]:
        if not page.is_visible(f"#n{node}"):
            continue
        gate = box(page, f"#n{node}")
        page.mouse.click(gate["x"] + gate["width"] / 2, gate["y"] + gate["height"] / 2)
        page.wait_for_selector("#details.pinned")
        page.wait_for_timeout(100)
        assert not overlap(box(page, "#details"), minimap), f"pinning n{node}, the card hides the minimap"
        page.keyboard.press("Escape")
    close(page)
