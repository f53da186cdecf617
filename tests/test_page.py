"""The page, as a student uses it, in a real headless Chromium against the real server."""

import json
import os
import re
import shutil
from urllib.parse import quote

import pytest

from app.teaching.examples import examples

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package to run the page's tests",
                allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GREEN = "rgb(26, 127, 55)"  # --value in static/style.css
RED = "rgb(207, 34, 46)"  # --grad


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    page.wait_for_selector("#graph svg g.wire-label")
    page.server = server
    yield page
    context.close()
    assert not errors, errors


def type_program(page, program):
    page.fill("#program", program)
    page.press("#program", "Control+Enter")


def wait_until_idle(page, timeout=30_000):
    """Until the answer to the newest request is on screen."""
    page.wait_for_function("() => { const p = window.backpropLab.page; return p.settled === p.request; }",
                           timeout=timeout)


def set_input(page, name, value):
    page.fill(f"#input-{name}", str(value))
    wait_until_idle(page)


def settle_animations(page):
    """Until the numbers that changed are no longer marked (their colour is their own again)."""
    page.wait_for_function("() => !document.querySelector('#graph text.changed')")


def wire_texts(page, wire):
    """The (value, gradient) texts on a wire, with their colours as the page shows them."""
    settle_animations(page)
    return page.evaluate("""(wire) => [...document.querySelectorAll(`#${wire} text.value, #${wire} text.grad`)]
        .map(t => [t.textContent, getComputedStyle(t).fill])""", wire)


def full_precision_of(page, wire):
    """The tooltip of a wire's numbers: written when the pointer reaches them."""
    page.hover(f"#{wire}")
    return page.eval_on_selector(f"#{wire} title", "t => t.textContent")


def wire_of(page, source_label):
    """The wire label leaving the node labelled `source_label`."""
    graph = page.evaluate("window.backpropLab.page.graph")
    source = next(node["id"] for node in graph["nodes"] if node["label"] == source_label)
    return f"w{next(i for i, edge in enumerate(graph['edges']) if edge['source'] == source)}"


def node_boxes(page):
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#graph g.node')]
        .map(g => { const b = g.getBoundingClientRect(); return [g.id, [b.x, b.y, b.width, b.height]]; }))""")


def test_a_student_types_a_program_and_reads_values_in_green_and_gradients_in_red(page):
    type_program(page, "3*(a+b*c)")
    page.wait_for_selector("#input-c")
    for name, value in {"a": 5, "b": 3, "c": 2}.items():
        set_input(page, name, value)
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '33.00'")
    assert wire_texts(page, "wout") == [["33.00", GREEN], ["1.00", RED]]
    assert wire_texts(page, wire_of(page, "c")) == [["2.00", GREEN], ["9.00", RED]]
    full_precision = full_precision_of(page, "wout")
    assert "value: 33" in full_precision and "gradient: 1" in full_precision


def test_changing_a_value_moves_nothing_and_only_numbers_change(page):
    type_program(page, "u = b*c\nv = a + u\nJ = 3*v")
    wait_until_idle(page)
    set_input(page, "b", 3)
    before = node_boxes(page)
    set_input(page, "b", 4)
    # The changed numbers are marked for a moment.
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '39.00' && "
                           "document.querySelector('#wout text.changed')")
    assert node_boxes(page).keys() == before.keys()
    after = node_boxes(page)
    assert all(after[key][:2] == before[key][:2] for key in before if key.startswith("n")), "a node moved"


def test_the_slider_moves_the_value_too(page):
    type_program(page, "x*x")
    wait_until_idle(page)
    page.eval_on_selector("#inputs input[type=range]",
                          "s => { s.value = '3'; s.dispatchEvent(new Event('input')); }")
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '9.00'")
    assert page.input_value("#input-x") == "3"


# Every label on the drawing, as it reads: its group's id and its texts (values, then gradients), and the totals.
DRAWN_NUMBERS = """() => ({
  labels: [...document.querySelectorAll('#graph g.wire-label')].map(g => [g.id,
    [...g.querySelectorAll('text.value')].map(t => t.textContent), [...g.querySelectorAll('text.grad')].map(t => t.textContent)]),
  totals: [...document.querySelectorAll('#graph g.node text.tag.total')].map(t => [t.closest('g.node').id, t.textContent]),
})"""


def test_after_a_value_change_every_number_drawn_is_the_apis_for_the_new_values(page):
    """A value change is drawn from the numbers alone (numbers_only), written into the drawing in place: every
    wire's value and gradient, every node's own numbers and every total must be the whole answer's for the new
    values, as the one rounding rule writes them (app/engine/rounding.py)."""
    import httpx

    from app.engine.rounding import format_number

    program = "u = a*b\nv = tanh(u + c)\nw = u*v + relu(a - c)\nJ = w*w + u"  # u, a and c used twice: totals
    type_program(page, program)
    wait_until_idle(page)
    set_input(page, "a", 2)
    set_input(page, "c", 1)  # from here on the names given are the same: only the numbers are asked for
    asked = []
    page.on("request", lambda request: asked.append(request.post_data_json) if request.url.endswith("/api/graph")
            else None)
    page.eval_on_selector('.input-row[data-name="a"] input[type=range]',
                          "s => { s.value = '0.75'; s.dispatchEvent(new Event('input')); }")
    wait_until_idle(page)
    set_input(page, "c", -0.4)
    assert [body.get("numbers_only") for body in asked] == [True, True], "the page asked for more than the numbers"
    values = page.evaluate("window.backpropLab.page.values")
    assert (values["a"], values["c"]) == (0.75, -0.4)
    answer = httpx.post(page.server + "/api/graph", json={"expression": program, "values": values,
                                                          "default_value": 1, "strict": False}).json()
    drawn = page.evaluate(DRAWN_NUMBERS)
    unmarked = lambda text: text.removeprefix("∇")  # the colour-blind palette's mark  # noqa: E731
    assert len(drawn["labels"]) >= len(answer["edges"])
    for key, value_texts, grad_texts in drawn["labels"]:
        numbers = (answer["edges"][int(key[1:])] if key.startswith("w") and key != "wout" else
                   answer["nodes"][answer["output"] if key == "wout" else int(key[1:])])
        assert value_texts == [format_number(numbers["value"])], key
        assert [unmarked(text) for text in grad_texts] == [format_number(numbers["grad"])], key
    assert len(drawn["totals"]) >= 3
    for key, text in drawn["totals"]:
        node = answer["nodes"][int(key[1:].split("-")[0])]
        assert unmarked(text.removeprefix("Σ ")) == format_number(node["grad"]), key


def test_a_syntax_error_is_underlined_with_its_sentence_and_the_old_graph_stays_dimmed(page):
    type_program(page, "a + b")
    wait_until_idle(page)
    old = page.inner_html("#graph svg .viewport")  # the drawing, wherever the view is
    type_program(page, "a + b\nc = a +* b")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error") == ("Line 2, column 8: Something is missing between '+' and '*': "
                                           "a number, a name or a bracket.")
    assert page.text_content("#program-backdrop mark") == "*"
    assert "stale" in page.get_attribute("#graph", "class")
    assert page.inner_html("#graph svg .viewport") == old
    assert page.input_value("#program") == "a + b\nc = a +* b"  # nothing typed is lost
    type_program(page, "a + b\nc = a * b")
    page.wait_for_selector("#error", state="hidden")
    page.wait_for_selector("#graph:not(.stale)")  # once the new graph is drawn


def test_the_program_survives_a_reload(page):
    type_program(page, "sigmoid(w*x)")
    wait_until_idle(page)
    page.reload()
    page.wait_for_selector("#graph svg g.wire-label")
    assert page.input_value("#program") == "sigmoid(w*x)"


@pytest.mark.parametrize("example", examples(), ids=[e["name"] for e in examples()])
def test_each_preset_loads_in_one_click_and_shows_its_reference_output(page, example):
    page.click(f"#presets button[data-example='{example['name']}']")
    expected = example["expected"]["value"]
    shown = f"{expected:.2f}" if 0.01 <= abs(expected) < 1e5 else f"{expected:.3g}"
    page.wait_for_function("(shown) => document.querySelector('#wout text')?.textContent === shown", arg=shown)
    assert page.input_value("#program") == example["program"]


def test_a_shared_link_opened_in_a_fresh_page_shows_the_same_graph(page, browser):
    type_program(page, "(x + y) * z")
    wait_until_idle(page)
    for name, value in {"x": -2, "y": 5, "z": -4}.items():
        set_input(page, name, value)
    page.wait_for_function("() => location.hash.includes(encodeURIComponent('\"z\":-4'))")  # once values rest
    link = page.evaluate("location.href")
    fresh_context = browser.new_context()
    fresh = fresh_context.new_page()
    fresh.goto(link)
    fresh.wait_for_function("() => document.querySelector('#wout text')?.textContent === '-12.00'")
    assert fresh.input_value("#program") == "(x + y) * z"
    assert wire_texts(fresh, wire_of(fresh, "x")) == wire_texts(page, wire_of(page, "x"))
    fresh_context.close()


def test_a_link_written_by_hand_works_too(page):
    page.goto(page.server + "/#program=" + quote("max(a, b)") + "&values=" + quote(json.dumps({"a": 2, "b": 7})))
    page.wait_for_function("() => document.querySelector('#wout text')?.textContent === '7.00'")


def test_svg_png_json_and_dot_downloads_are_valid_files(page, tmp_path):
    page.click("#presets button[data-example='cs231n-simple']")
    page.wait_for_function("() => document.querySelector('#wout text')?.textContent === '-12.00'")
    saved = {}
    for kind in ("svg", "png", "json", "dot"):
        with page.expect_download() as download:
            page.click(f"[data-export={kind}]")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        saved[kind] = path.read_bytes()
    assert saved["png"].startswith(b"\x89PNG\r\n\x1a\n") and len(saved["png"]) > 2000
    svg = saved["svg"].decode()
    assert svg.startswith("<svg") and "-12.00" in svg and 'fill="rgb(26, 127, 55)"' in svg
    assert json.loads(saved["json"])["value"] == -12
    assert saved["dot"].decode().startswith("digraph")
    if shutil.which("dot"):
        import subprocess
        subprocess.run(["dot", "-Tsvg"], input=saved["dot"], check=True, capture_output=True)


def test_copy_curl_and_copy_link(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#presets button[data-example='ng-J']")
    wait_until_idle(page)
    page.click("[data-export=curl]")
    curl = page.evaluate("navigator.clipboard.readText()")
    assert curl.startswith(f"curl -s {page.server}/api/graph") and '"expression":"u = b*c\\nv = a + u\\nJ = 3*v"' in curl
    page.click("[data-export=link]")
    assert page.evaluate("navigator.clipboard.readText()") == page.evaluate("location.href")


def explain(page, selector, how="hover"):
    """Hover (or focus) a node and wait for its explanation card, sentences included."""
    getattr(page, how)(selector)
    page.wait_for_selector("#details:not([hidden]) .narrated")
    return page.text_content("#details")


def test_hovering_a_gate_works_out_the_chain_rule_with_the_numbers_in(page):
    page.click("#presets button[data-example='cs231n-simple']")  # (x + y) * z at x = -2, y = 5, z = -4
    wait_until_idle(page)
    graph = page.evaluate("window.backpropLab.page.graph")
    mul = next(node["id"] for node in graph["nodes"] if node["op"] == "mul")
    details = explain(page, f"#n{mul}")
    assert "swaps" in details and "upstream × local = what flows back" in details
    rows = page.eval_on_selector_all("#details .chain-rule tbody tr",
                                     "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert rows == [["∂f/∂(x + y)", "z = -4.00", "1.00 × -4.00 = -4.00"], ["∂f/∂z", "(x + y) = 3.00", "1.00 × 3.00 = 3.00"]]
    assert page.get_attribute("#details .chain-rule tbody tr:first-child .grad:last-child", "title") == "-4"


def test_the_explanation_speaks_in_the_programs_names_not_the_gates_placeholders(page):
    type_program(page, "3*(a + b*c)")
    wait_until_idle(page)
    graph = page.evaluate("window.backpropLab.page.graph")
    bc = next(node["id"] for node in graph["nodes"] if node["op"] == "mul" and node["inputs"] == [1, 2])
    details = explain(page, f"#n{bc}")
    assert page.text_content("#details h3").startswith("b × c")
    assert "mul: b × c = 1.00 × 1.00 = 1.00" in details
    rows = page.eval_on_selector_all("#details .chain-rule tbody tr",
                                     "rows => rows.map(r => r.cells[0].textContent + ' ' + r.cells[1].textContent)")
    assert rows == ["∂f/∂b c = 1.00", "∂f/∂c b = 1.00"]
    assert "a = b" not in details and "b = c" not in details


def test_the_explanation_sits_beside_the_node_inside_the_drawing(page):
    page.click("#presets button[data-example='nielsen-mlp']")
    wait_until_idle(page)
    graph = page.evaluate("window.backpropLab.page.graph")
    z2 = next(node["id"] for node in graph["nodes"] if node["name"] == "z2")
    explain(page, f"#n{z2}")
    box = "(s) => JSON.parse(JSON.stringify(document.querySelector(s).getBoundingClientRect()))"
    card, node, stage = (page.evaluate(box, s) for s in ("#details", f"#n{z2}", "#graph"))
    assert stage["top"] <= card["top"] and card["bottom"] <= stage["bottom"] + 1, "the card is not all in view"
    assert card["left"] >= node["right"] or card["right"] <= node["left"], "the card covers its node"
    assert min(abs(card["left"] - node["right"]), abs(node["left"] - card["right"])) < 40, "the card is far from its node"
    assert page.is_visible("#details .chain-rule")
    page.mouse.move(5, 5)
    page.wait_for_selector("#details", state="hidden")


def test_a_variable_used_several_times_shows_each_share_and_their_sum(page):
    type_program(page, "b = a + a")
    wait_until_idle(page)
    explain(page, "#n0", how="focus")
    assert "Used 2 times" in page.text_content("#details")
    assert page.eval_on_selector_all("#details .uses li", "items => items.map(i => i.textContent)") == \
        ["1.00 via b", "1.00 via b"]
    assert page.text_content("#details .uses p:last-child .grad") == "2.00"


def test_the_total_gradient_of_a_reused_node_is_on_the_drawing_and_each_use_is_named(page):
    page.click("#presets button[data-example='olah-fanout']")  # c = a + b, d = b + 1, e = c·d at a = 2, b = 1
    wait_until_idle(page)
    graph = page.evaluate("window.backpropLab.page.graph")
    b = next(node["id"] for node in graph["nodes"] if node["name"] == "b")
    assert page.text_content(f"#n{b} text.tag.total") == "Σ 5.00"  # ∂e/∂b = d + c = 2 + 3
    type_program(page, "(a + b)*(b + 1)")
    wait_until_idle(page)
    details = explain(page, "#n1", how="focus")
    assert page.eval_on_selector_all("#details .uses li", "items => items.map(i => i.textContent)") == \
        ["2.00 via (a + b)", "2.00 via (b + 1)"]
    assert "via (a + b) + " in details


def test_an_array_is_a_small_matrix_and_a_click_shows_all_of_it(page):
    page.click("#presets button[data-example='cs231n-vectorized']")  # W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]
    wait_until_idle(page)
    w_wire = wire_of(page, "W")
    assert page.eval_on_selector_all(f"#{w_wire} text.value", "ts => ts.map(t => t.textContent)") == \
        ["0.100", "0.500", "-0.300", "0.800"]  # one array, one format (issue 21)
    assert page.text_content(f"#{w_wire} text.shape") == "2×2 matrix"
    values = page.eval_on_selector_all(f"#{w_wire} text.value", "ts => ts.map(t => t.getBoundingClientRect().toJSON())")
    grads = page.eval_on_selector_all(f"#{w_wire} text.grad", "ts => ts.map(t => t.getBoundingClientRect().toJSON())")
    assert max(v["bottom"] for v in values) <= min(g["top"] for g in grads) + 1, "values above, gradients below"
    assert values[0]["top"] == pytest.approx(values[1]["top"]) and values[0]["left"] < values[1]["left"]
    assert page.text_content(f"#{wire_of(page, 'x')} text.shape") == "vector of 2"
    page.click(f"#{w_wire}")
    page.wait_for_selector("#array-dialog[open]")
    cells = page.eval_on_selector_all("#array-dialog table.grad td", "tds => tds.map(td => [td.textContent, td.title])")
    assert [text for text, _ in cells] == ["0.088", "0.176", "0.104", "0.208"]  # as drawn, as the notes write it
    assert [float(title) for _, title in cells] == pytest.approx([0.088, 0.176, 0.104, 0.208])  # in full on hover
    assert "0.08800000000000001" not in page.text_content("#array-dialog")


def test_stepping_through_the_forward_then_the_backward_pass(page):
    page.click("#presets button[data-example='ng-J']")
    wait_until_idle(page)
    concealed = "() => document.querySelectorAll('#graph text.concealed').length"
    page.click("#step-start")
    assert page.text_content("#step-status") == "Before the forward pass"
    everything = page.evaluate(concealed)
    page.click("#step-forward")
    assert "Forward pass: node 1" in page.text_content("#step-status")
    assert page.evaluate(concealed) < everything
    steps = 1
    while not page.is_disabled("#step-forward"):
        page.click("#step-forward")
        steps += 1
    # 7 nodes forward (b, c, u, a, v, 3, J), 6 backward: the constant 3 has no gradient to wait for.
    assert steps == 7 + 6
    assert page.text_content("#step-status") == "Backward pass done: all 6 gradients known"
    assert page.evaluate(concealed) == 0
    page.click("#step-back")
    assert page.text_content("#step-status") == "Backward pass: node 5 of 6"
    assert not page.is_disabled("#step-forward")
    page.click("#show-all")
    assert page.text_content("#step-status") == ""


def zoom_of(page):
    transform = page.get_attribute("#graph .viewport", "transform")
    return [float(x) for x in re.findall(r"-?[\d.]+(?:e-?\d+)?", transform)]  # translate x, y, scale


def test_pan_zoom_and_fit(page):
    fitted = zoom_of(page)
    page.click("#zoom-in")
    page.wait_for_timeout(400)
    assert zoom_of(page)[2] == pytest.approx(fitted[2] * 1.4, rel=0.01)
    page.mouse.move(700, 500)
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(200)
    assert zoom_of(page)[2] < fitted[2] * 1.4
    page.click("#fit")
    assert zoom_of(page) == pytest.approx(fitted, rel=0.02, abs=2)


def test_a_big_graph_is_drawn_at_once_in_layers_then_neatly_by_graphviz(page):
    program = "\n".join(f"v{i} = tanh(v{i - 1} * w{i % 7} + x)" for i in range(1, 300))
    type_program(page, "v0 = x\n" + program)
    wait_until_idle(page, timeout=60_000)
    assert page.evaluate("() => [window.backpropLab.page.layout, window.backpropLab.view.mountAll(), "
                         "document.querySelectorAll('#graph g.gate').length]") in (["plain", None, 299 * 3],
                                                                                 ["graphviz", None, 299 * 3])
    # The status says Graphviz is at work (unless it has already finished: wrapped in rows, it is quick).
    page.wait_for_function("() => document.querySelector('#status').dataset.busy || "
                           "window.backpropLab.page.layout === 'graphviz'", timeout=5000)
    page.wait_for_function("() => window.backpropLab.page.layout === 'graphviz'", timeout=90_000)
    assert drawn_gates(page) == 299 * 3
    assert not page.get_attribute("#status", "data-busy")


def drawn_gates(page):
    """The gates of the drawing, all of it put in the page (as an export does; the page shows only the
    part in and near the view)."""
    return page.evaluate("() => { window.backpropLab.view.mountAll(); return document.querySelectorAll('#graph g.gate').length; }")


def test_a_2000_node_graph_still_draws(page):
    program = "\n".join(f"v{i} = tanh(v{i - 1} * w{i % 7} + x)" for i in range(1, 700))
    type_program(page, "v0 = x\n" + program)
    page.wait_for_function("() => window.backpropLab.page.graph?.nodes.length > 2000", timeout=60_000)
    wait_until_idle(page, timeout=60_000)
    in_page = page.eval_on_selector_all("#graph g.gate", "gs => gs.length")
    assert 0 < in_page < 699 * 3, "only the part of the drawing in view is in the page"
    assert drawn_gates(page) == 699 * 3
    last = page.evaluate("window.backpropLab.page.graph.edges.length") - 1
    assert page.text_content(f"#w{last} text.value") != ""


def test_the_plot_shows_the_output_and_its_gradient_against_an_input(page):
    page.click("#presets button[data-example='activations']")
    wait_until_idle(page)
    page.wait_for_selector("#plot svg path.curve.grad")
    assert page.eval_on_selector("#plot-variable", "s => [...s.options].map(o => o.value)") == ["x"]
    assert page.eval_on_selector("#plot path.curve.value", "p => getComputedStyle(p).stroke") == GREEN
    assert page.eval_on_selector("#plot path.curve.grad", "p => getComputedStyle(p).stroke") == RED
    assert page.eval_on_selector("#plot path.curve.value", "p => p.getTotalLength()") > 100


def test_a_value_for_a_name_the_program_no_longer_reads_leaves_the_link(page):
    type_program(page, "a * b")
    wait_until_idle(page)
    set_input(page, "a", 5)
    set_input(page, "b", 7)
    page.wait_for_function("() => location.hash.includes('%22b%22%3A7')")
    page.focus("#program")
    page.keyboard.press("Control+Home")
    page.keyboard.type("b = a * 2\n")  # an edit: b is now computed, its old value ignored, then forgotten
    page.keyboard.press("Control+End")
    page.keyboard.type(" + 1")
    page.keyboard.press("Control+Enter")
    wait_until_idle(page)
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '51.00'")  # a is still 5
    page.wait_for_function("() => !location.hash.includes('%22b%22')")


def test_a_program_typed_over_another_starts_with_fresh_values(page):
    type_program(page, "u = b*c")
    wait_until_idle(page)
    set_input(page, "b", 3)
    type_program(page, "b^2")  # another program, which also has a b
    wait_until_idle(page)
    assert page.input_value("#input-b") == "1"
    page.wait_for_function("() => document.querySelector('#wout text').textContent === '1.00'")
