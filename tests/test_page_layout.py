"""The page at every size, in a real headless Chromium: the first view of any program shows its numbers
at a readable size (measured: the rendered height of the number labels in view), a network is drawn in
rows, a big program gets a minimap, a phone gets one column with the graph given the room, and a value
change asks the server only for what is shown. Screenshots go to $SHOTS if it is set."""

import json
import os
from pathlib import Path

import pytest

from app.teaching.examples import examples
from benchmarks.page import LABEL_HEIGHTS, program_with_nodes
from test_page import browser, page, type_program, wait_until_idle  # noqa: F401

SHOTS = os.environ.get("SHOTS")  # a folder for screenshots to look at; none are taken without it
READABLE_PX = 10  # the "never below about 10 px on screen"
EXAMPLES = {example["name"]: example for example in examples()}


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"layout-{name}.png"))


def settled(page, timeout=60_000):
    """Until the newest answer is drawn, in its final layout (Graphviz's, if it replaces plain layers)."""
    wait_until_idle(page, timeout)
    page.wait_for_function("() => !window.backpropLab.page.refining", timeout=timeout)
    page.wait_for_timeout(100)


def open_at(browser, server, width, height, program=None, values=None):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height})
    fresh = context.new_page()
    errors = []
    fresh.on("pageerror", lambda error: errors.append(str(error)))
    fresh.goto(server + "/")
    fresh.wait_for_selector("#graph svg g.wire-label")
    if program is not None:
        fresh.evaluate("([program, values]) => { location.hash = new URLSearchParams({program, values: "
                       "JSON.stringify(values)}).toString(); }", [program, values or {}])
        fresh.wait_for_function("(program) => document.querySelector('#program').value === program", arg=program)
    settled(fresh)
    fresh.errors = errors
    return fresh


def label_heights(page):
    return sorted(page.evaluate(LABEL_HEIGHTS))


@pytest.fixture(scope="module")
def big_program():
    program, nodes = program_with_nodes(1_000)
    return program.text, nodes


# -- readable by default --------------------------------------------------------------------------------

@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
@pytest.mark.parametrize("case", ["3*(a + b*c)", "nielsen-mlp", "300 nodes", "1,000 nodes"])
def test_the_first_view_of_any_program_shows_its_numbers_at_a_readable_size(browser, server, big_program, case,
                                                                           width, height):
    if case == "nielsen-mlp":
        program, values = EXAMPLES[case]["program"], EXAMPLES[case]["values"]
    elif case == "300 nodes":
        program, values = program_with_nodes(300)[0].text, {}
    elif case == "1,000 nodes":
        program, values = big_program[0], {}
    else:
        program, values = case, {}
    fresh = open_at(browser, server, width, height, program, values)
    heights = label_heights(fresh)
    shot(fresh, f"{case.replace(' ', '').replace('*', '')}-{width}x{height}")
    assert len(heights) >= 4, "hardly any number in view"
    assert heights[0] >= READABLE_PX - 0.1, (case, heights[:5])
    fresh.context.close()
    assert not fresh.errors, fresh.errors


def test_the_two_layer_network_is_drawn_in_rows_not_one_long_line(browser, server):
    nielsen = EXAMPLES["nielsen-mlp"]
    fresh = open_at(browser, server, 1400, 900, nielsen["program"], nielsen["values"])
    assert fresh.evaluate("window.backpropLab.page.shape") in ("rows", "layers")
    rows = fresh.evaluate("window.backpropLab.view.geometry.rows.length")
    assert rows >= 2
    # A later row starts from the layer before it, by name: a reference to a1 or a2.
    references = fresh.eval_on_selector_all("#graph g.leaf.ref text", "ts => ts.map(t => t.textContent)")
    assert set(references) & {"a1", "a2"}
    # Most of the screen is used: the drawing is neither a line across the top nor a sliver.
    box = fresh.evaluate("JSON.parse(JSON.stringify(document.querySelector('#graph .viewport').getBoundingClientRect()))")
    area = fresh.evaluate("JSON.parse(JSON.stringify(document.querySelector('#graph').getBoundingClientRect()))")
    assert box["height"] > 0.5 * area["height"] and box["width"] > 0.6 * area["width"]
    fresh.context.close()


def test_a_big_program_gets_a_minimap_that_moves_the_view(browser, server, big_program):
    fresh = open_at(browser, server, 1400, 900, big_program[0])
    fresh.wait_for_selector(".minimap:not([hidden])")
    before = fresh.get_attribute("#graph .viewport", "transform")
    in_page = fresh.eval_on_selector_all("#graph g.wire-label", "gs => gs.length")
    box = fresh.evaluate("JSON.parse(JSON.stringify(document.querySelector('.minimap').getBoundingClientRect()))")
    fresh.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)  # the far end of the drawing
    fresh.wait_for_function("(before) => document.querySelector('#graph .viewport').getAttribute('transform') !== before",
                            arg=before)
    fresh.wait_for_timeout(200)
    assert fresh.eval_on_selector_all("#graph g.wire-label", "gs => gs.length") > in_page  # drawn as it comes into view
    heights = label_heights(fresh)
    assert heights and heights[0] >= READABLE_PX - 0.1
    shot(fresh, "minimap-moved")
    fresh.context.close()


# -- every screen ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("width, height", [(390, 844), (800, 900)])
def test_a_narrow_screen_gets_one_column_with_the_graph_given_the_room(browser, server, width, height):
    nielsen = EXAMPLES["nielsen-mlp"]
    fresh = open_at(browser, server, width, height, nielsen["program"], nielsen["values"])
    assert fresh.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    graph = fresh.evaluate("JSON.parse(JSON.stringify(document.querySelector('#graph').getBoundingClientRect()))")
    assert graph["height"] >= height / 2, graph
    assert graph["width"] >= width - 2 and graph["left"] <= 1, "the graph has the whole width"
    program = fresh.evaluate("JSON.parse(JSON.stringify(document.querySelector('#program').getBoundingClientRect()))")
    inputs = fresh.evaluate("JSON.parse(JSON.stringify(document.querySelector('#inputs').getBoundingClientRect()))")
    assert program["bottom"] <= graph["top"] <= inputs["top"], "one column: the program, the graph, then the inputs"
    assert graph["bottom"] <= height + 1, "the graph is on the first screen"
    assert label_heights(fresh)[0] >= READABLE_PX - 0.1
    # The explanation of a node is docked along the graph's bottom, inside the screen.
    type_program(fresh, "3*(a + b*c)")
    settled(fresh)
    fresh.locator("#graph g.gate").first.click()
    fresh.wait_for_selector("#details:not([hidden])")
    card = fresh.evaluate("JSON.parse(JSON.stringify(document.querySelector('#details').getBoundingClientRect()))")
    assert card["left"] >= 0 and card["right"] <= width and card["bottom"] <= graph["bottom"] + 1
    shot(fresh, f"narrow-{width}x{height}")
    fresh.context.close()
    assert not fresh.errors, fresh.errors


# -- live values ------------------------------------------------------------------------------------------

def test_a_value_change_asks_only_for_what_is_shown(page):
    type_program(page, "3*(a + b*c)")  # a, b, c start at 1
    settled(page)
    bodies = []
    page.on("request", lambda request: "/api/graph" in request.url and bodies.append(json.loads(request.post_data)))
    page.fill("#input-b", "4")
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '15.00'")
    assert bodies, "no request"
    for option in ("dot", "narrate", "local", "check"):
        assert not bodies[-1].get(option), (option, bodies[-1])
    # While a node is explained, its sentences and local gradients are asked for too.
    page.hover("#graph g.gate")
    page.wait_for_selector("#details .narrated")
    page.fill("#input-b", "5")
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '18.00'")
    assert bodies[-1]["narrate"] and bodies[-1]["local"] and not bodies[-1].get("dot")


def test_a_slider_dragged_fast_ends_on_the_last_value_and_never_falls_behind(page):
    type_program(page, "x*x + 3*x")
    settled(page)
    page.evaluate("""() => { const s = document.querySelector('#inputs input[type=range]');
        for (let v = 0; v <= 4; v += 0.25) { s.value = String(v); s.dispatchEvent(new Event('input')); } }""")
    wait_until_idle(page)
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '28.00'")  # 16 + 12
    assert page.input_value("#input-x") == "4"


# -- rough edges ------------------------------------------------------------------------------------------------

def test_a_constant_never_shows_nan_or_inf_even_in_plain_layers(page):
    chain = "\n".join(f"v{i} = 0.5*v{i - 1} + 2*x + 1" for i in range(1, 90))
    type_program(page, "v0 = x\n" + chain)
    wait_until_idle(page)
    texts = page.evaluate("() => { window.backpropLab.view.mountAll(); return document.querySelector('#graph svg').textContent; }")
    assert "nan" not in texts and "inf" not in texts
    settled(page)
    texts = page.evaluate("() => { window.backpropLab.view.mountAll(); return document.querySelector('#graph svg').textContent; }")
    assert "nan" not in texts and "inf" not in texts


def test_an_unknown_function_is_underlined_whole(page):
    type_program(page, "x + sigmoyd(x)")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#program-backdrop mark") == "sigmoyd"


def test_a_preset_without_training_settings_resets_the_training_panel(page):
    page.click("#presets button[data-example='logistic-loss']")
    wait_until_idle(page)
    assert page.input_value("#train-rate") == "0.5" and page.input_value("#train-steps") == "20"
    page.click("#presets button[data-example='cs231n-simple']")
    wait_until_idle(page)
    assert page.input_value("#train-rate") == "0.1" and page.input_value("#train-steps") == "50"
    assert page.eval_on_selector_all("#train-params input:checked", "bs => bs.length") == 0


def test_a_long_gate_name_fits_its_shape(page):
    type_program(page, "leaky_relu(x, slope=0.2)")
    settled(page)
    text, shape = page.evaluate("""() => [document.querySelector('#graph g.gate text.symbol'),
        document.querySelector('#graph g.gate ellipse')].map(e => e.getBoundingClientRect().toJSON())""")
    assert shape["left"] <= text["left"] and text["right"] <= shape["right"], (text, shape)


def test_the_toolbar_does_not_jump_as_the_step_text_changes(page):
    page.click("#presets button[data-example='ng-J']")
    settled(page)
    where = "() => JSON.stringify(document.querySelector('[data-export=link]').getBoundingClientRect())"
    positions = set()
    page.click("#step-start")
    positions.add(page.evaluate(where))
    while not page.is_disabled("#step-forward"):
        page.click("#step-forward")
        positions.add(page.evaluate(where))
    assert len(positions) == 1, positions


@pytest.mark.parametrize("program, shown", [("x", "1.00"), ("3", "3.00"), ("y = 2*x\nx + 0*y", "1.00"),
                                            ("y = 2*x\nx", "1.00")])
def test_a_program_that_ends_in_an_input_or_a_constant_still_shows_its_output(page, program, shown):
    type_program(page, program)
    settled(page)
    assert page.text_content("#wout text.value") == shown
