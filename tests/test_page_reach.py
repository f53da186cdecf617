"""The page within reach of everyone (issue 22), in a real headless Chromium: a student's phone (touch at 390×844),
an instructor's projector (presenter mode at 1400×900), a student lost in a 2,000-node program, and a reader on
the keyboard alone. Screenshots go to $SHOTS if it is set."""

import os
from pathlib import Path

import pytest

from app.teaching.examples import examples
from benchmarks.page import LABEL_HEIGHTS, program_with_nodes
from test_page import browser, wait_until_idle  # noqa: F401

SHOTS = os.environ.get("SHOTS")
EXAMPLES = {example["name"]: example for example in examples()}
PHONE = {"width": 390, "height": 844}


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"reach-{name}.png"))


def open_page(browser, server, program, values=None, touch=False, viewport=None, query=""):  # noqa: F811
    context = browser.new_context(viewport=viewport or (PHONE if touch else {"width": 1400, "height": 900}),
                                  has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(server + "/" + query)
    page.wait_for_selector("#graph svg g.wire-label")
    page.evaluate("([program, values]) => { location.hash = new URLSearchParams({program, values: "
                  "JSON.stringify(values)}).toString(); }", [program, values or {}])
    page.wait_for_function("(program) => document.querySelector('#program').value === program", arg=program)
    wait_until_idle(page, 60_000)
    page.wait_for_function("() => !window.backpropLab.page.refining", timeout=60_000)
    page.wait_for_timeout(200)
    return page


def box(page, selector):
    return page.evaluate(f"JSON.parse(JSON.stringify(document.querySelector({selector!r}).getBoundingClientRect()))")


def overlap(a, b):
    return not (a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"])


def node_named(page, name):
    return page.evaluate(f"window.backpropLab.page.graph.nodes.find(n => n.name === {name!r}).id")


def close(page):
    page.context.close()
    assert not page.errors, page.errors


# -- a phone ------------------------------------------------------------------------------------------------

def test_a_tap_on_a_low_gate_opens_its_card_and_the_card_stays_clear_of_the_node(browser, server):
    page = open_page(browser, server, "u = b*c; v = a + u; J = 3*v", touch=True)
    add = node_named(page, "v")
    gate = box(page, f"#n{add}")
    graph = box(page, "#graph")
    assert gate["top"] + gate["height"] / 2 > graph["top"] + graph["height"] / 2, "the add gate is in the lower half"
    page.touchscreen.tap(gate["x"] + gate["width"] / 2, gate["y"] + gate["height"] / 2)
    page.wait_for_timeout(700)  # longer than the card's 250 ms grace: it would have closed by now
    assert page.is_visible("#details.pinned")
    assert page.text_content("#details h3").startswith("v = a + u")
    assert not overlap(box(page, "#details"), box(page, f"#n{add}")), "the card covers the node it explains"
    shot(page, "phone-tap")
    page.touchscreen.tap(graph["x"] + 8, graph["bottom"] - 8)  # empty paper closes it
    page.wait_for_timeout(300)
    assert page.is_hidden("#details")
    close(page)


def test_on_a_phone_quiz_fields_are_big_enough_for_a_finger_and_nothing_is_cut_at_the_right(browser, server):
    page = open_page(browser, server, "u = b*c; v = a + u; J = 3*v", touch=True)
    for selector in [".legend", "#narration", "#graph", ".toolbar"]:
        assert box(page, selector)["right"] <= PHONE["width"] + 0.5, selector
    page.click("#quiz-toggle")
    page.wait_for_selector(".quiz-box input")
    page.wait_for_timeout(300)
    fields = page.evaluate("""() => [...document.querySelectorAll('.quiz-box input')].map(input => {
        const box = input.getBoundingClientRect();
        const zoom = Number(getComputedStyle(document.querySelector('#graph')).getPropertyValue('--zoom'));
        return [box.width, box.height, parseFloat(getComputedStyle(input).fontSize) * zoom]; })""")
    assert fields
    for width, height, text in fields:
        assert width >= 44 - 0.5 and height >= 44 - 0.5 and text >= 16 - 0.1, (width, height, text)
    shot(page, "phone-quiz")
    close(page)


def test_on_a_phone_the_check_table_keeps_its_words_whole(browser, server):
    page = open_page(browser, server, "3*(a + b*c)", touch=True)
    page.check("#check-toggle")
    page.wait_for_selector("#check-panel .check-table td")
    broken = page.evaluate("""() => [...document.querySelectorAll('#check-panel .check-table td')]
        .filter(td => td.textContent.trim() && td.getClientRects().length && td.getBoundingClientRect().height >
                      1.8 * parseFloat(getComputedStyle(td).lineHeight || 16)).map(td => td.textContent)""")
    assert not broken, broken
    close(page)


# -- a projector -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["nielsen-mlp", "ng-J"])
def test_presenter_mode_keeps_numbers_large_and_follows_the_stepping(browser, server, name):
    example = EXAMPLES[name]
    page = open_page(browser, server, example["program"], example["values"], query="?present=1")
    page.wait_for_timeout(300)
    heights = sorted(page.evaluate(LABEL_HEIGHTS))
    assert heights and heights[0] >= 16 - 0.1, heights[:5]
    shot(page, f"presenter-{name}")
    for _ in range(len(example["program"]) // 6):  # well into the forward pass
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    active = page.evaluate("document.querySelector('#graph g.node.active')?.id ?? null")
    assert active, "no node is being computed"
    assert overlap(box(page, f"#{active}"), box(page, "#graph")), "the node being computed is out of view"
    page.keyboard.press("o")  # the whole graph
    page.wait_for_timeout(500)
    whole = box(page, "#graph .viewport")
    graph = box(page, "#graph")
    assert whole["width"] <= graph["width"] + 1 and whole["height"] <= graph["height"] + 1
    shot(page, f"presenter-{name}-whole")
    close(page)


# -- a big program ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_thousand():
    program, _ = program_with_nodes(2_000)
    return program.text


def test_in_a_2000_node_program_a_node_is_found_by_name_and_the_minimap_is_big_enough(browser, server, two_thousand):
    page = open_page(browser, server, two_thousand)
    page.wait_for_selector(".minimap:not([hidden])")
    minimap = box(page, ".minimap")
    assert min(minimap["width"], minimap["height"]) >= 100 - 0.5, minimap
    name = page.evaluate("window.backpropLab.page.graph.nodes.filter(n => n.name && n.op !== 'input').at(-40).name")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "node-search"
    page.keyboard.type(name)
    page.wait_for_selector("#search-matches li[data-node]")
    first = page.text_content("#search-matches li[aria-selected=true]")
    assert first.startswith(name), first
    page.keyboard.press("Enter")
    page.wait_for_timeout(600)
    wanted = node_named(page, name)
    focused = page.evaluate("document.activeElement.closest('g.node')?.id")
    assert focused == f"n{wanted}"
    assert page.evaluate(f"document.querySelector('#n{wanted}').classList.contains('focused')")
    assert overlap(box(page, f"#n{wanted}"), box(page, "#graph")), "the node found is out of view"
    assert page.is_visible("#details")
    shot(page, "search-2000")
    close(page)


def test_search_lists_nodes_by_their_expression(browser, server):
    page = open_page(browser, server, "u = b*c; v = a + u; J = 3*v")
    page.fill("#node-search", "a + u")
    page.wait_for_selector("#search-matches li[data-node]")
    assert page.eval_on_selector_all("#search-matches li[data-node]", "ls => ls.map(l => l.textContent)") == ["v = a + u"]
    page.fill("#node-search", "zzz")
    assert page.text_content("#search-matches li") == "No node has that name or expression"
    close(page)


# -- the keyboard alone --------------------------------------------------------------------------------------

def test_the_keyboard_reaches_the_graph_with_one_tab_and_escape_closes_the_card(browser, server):
    page = open_page(browser, server, "3*(a + b*c)")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.closest('g.node')?.id")
    assert focused, "the skip link leads to a node of the drawing"
    page.wait_for_selector("#details:not([hidden])")
    page.keyboard.press("Enter")  # the card takes the focus, for a screen reader
    assert page.evaluate("document.activeElement.id") == "details"
    page.keyboard.press("Escape")
    assert page.is_hidden("#details")
    assert page.evaluate("document.activeElement.closest('g.node')?.id") == focused, "focus went back to the node"
    page.wait_for_timeout(400)
    assert page.is_hidden("#details"), "the card came back"
    page.keyboard.press("ArrowRight")  # moving on explains the next node
    page.wait_for_selector("#details:not([hidden])")
    page.keyboard.press("Escape")  # Escape on the node itself closes its card too
    assert page.is_hidden("#details")
    close(page)


def test_opening_the_table_does_not_clip_a_pinned_card(browser, server):
    page = open_page(browser, server, "u = b*c; v = a + u; J = 3*v", viewport={"width": 1000, "height": 700})
    page.click(f"#n{node_named(page, 'J')}")  # the lowest gate: the table opening under the drawing takes its room
    page.wait_for_selector("#details.pinned")
    page.click("#table-toggle")
    page.wait_for_timeout(500)
    card, graph = box(page, "#details"), box(page, "#graph")
    assert card["top"] >= graph["top"] - 0.5 and card["bottom"] <= graph["bottom"] + 0.5, (card, graph)
    close(page)


def test_input_fields_show_rounded_numbers_and_every_digit_on_focus(browser, server):
    page = open_page(browser, server, "y = a * b", {"a": 0.5304747500121, "b": -0.0})
    assert page.input_value("#input-a") == "0.53"
    assert page.input_value("#input-b") == "0"
    page.focus("#input-a")
    assert page.input_value("#input-a") == "0.5304747500121"
    page.focus("#input-b")
    assert page.input_value("#input-a") == "0.53"
    close(page)
