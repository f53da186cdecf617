"""The course on the page, in a real headless Chromium against the real server: Nielsen's four equations with
this graph's numbers, each term linked to its node; δ on every layer's z; the update step w ← w − η·∂L/∂w with
its numbers and Nielsen's SGD loop; the local Jacobian and the vector-Jacobian product of an array wire.

References are the API's own answers fetched over HTTP (the page must show them as they are), and numbers
worked out here where the page's numbers can be checked independently. Screenshots go to $SHOTS if it is set."""

import os
from pathlib import Path

import httpx
import pytest

from app.teaching.examples import examples
from app.engine.rounding import array_decimals, format_array, format_number
from test_page import browser, page, wait_until_idle  # noqa: F401
from test_page_modes import contrast

SHOTS = os.environ.get("SHOTS")
EXAMPLES = {example["name"]: example for example in examples()}


def shot(page, name, element=None):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        target = page.locator(element) if element else page
        target.screenshot(path=str(Path(SHOTS) / f"course-{name}.png"))


def load_preset(page, name):
    page.click(f"#presets button[data-example='{name}']")
    wait_until_idle(page)


def api(page, path, body):
    response = httpx.post(page.server + path, json=body, timeout=30)
    response.raise_for_status()
    return response.json()


# -- the update, step by step ---------------------------------------------------------------------------------

def test_one_step_of_training_is_said_with_its_numbers_and_in_the_singular(page):
    load_preset(page, "logistic-loss")
    page.fill("#train-steps", "1")
    page.click("#train-run")
    page.wait_for_function("() => document.querySelector('#train-status').textContent.startsWith('1 step:')")
    assert page.text_content("#train-status") == "1 step: loss 0.9741 → 0.2985"
    example = EXAMPLES["logistic-loss"]
    [step] = api(page, "/api/train", {"expression": example["program"], "values": example["values"],
                                      "params": ["w", "b"], "learning_rate": 0.5, "steps": 1,
                                      "updates": True})["updates"]
    assert page.text_content("#train-update .update-step").startswith("Step 1: each parameter moves against")
    shown = page.eval_on_selector_all("#train-update li.update", "ls => ls.map(l => l.textContent)")
    assert shown == [param["text"]["en"] for param in step["params"]]
    assert shown[0] == "w ← w − η·∂L/∂w = 0.5 − 0.5 × (−1.24) = 1.12"
    # every number at full precision on hover
    w = step["params"][0]["elements"][0]
    assert page.get_attribute("#train-update li[data-param='w']", "title") == \
        f"w: 0.5 − 0.5 × ({w['gradient']!r}) = {w['after']!r}"
    page.click("button[data-lang='zh']")
    assert page.text_content("#train-status") == "1 步：损失 0.9741 → 0.2985"
    assert page.text_content("#train-update .update-step").startswith("第 1 步：每个参数逆着它的梯度移动一步")


def test_the_sgd_preset_trains_on_mini_batches_epoch_after_epoch_as_one_request_would(page):
    load_preset(page, "nielsen-sgd")
    example = EXAMPLES["nielsen-sgd"]
    settings = example["train"]
    assert page.is_visible("#train-sgd")
    assert page.input_value("#train-batch") == str(settings["batch_size"]) == "2"
    assert page.input_value("#train-seed") == "0"
    assert "one sample per column of X, Y" in page.text_content("#train-sgd-note")
    page.fill("#train-steps", "6")
    page.click("#train-run")  # six requests of one step each, each going on from the last one's step
    page.wait_for_function("() => document.querySelector('#train-status').textContent.startsWith('6 steps')")
    whole = api(page, "/api/train", {"expression": example["program"], "values": example["values"],
                                      **{**settings, "steps": 6}, "updates": True})
    assert page.text_content("#train-update .update-step").startswith(
        "Step 6 (epoch 2, mini-batch 2 of 4: columns " + ", ".join(map(str, whole["batches"][-1]["samples"])))
    assert page.eval_on_selector_all("#train-update li.update", "ls => ls.map(l => l.textContent)") == \
        [param["text"]["en"] for param in whole["updates"][-1]["params"]]
    wait_until_idle(page)
    b2 = whole["values"]["b2"][0][0]
    rounded = page.input_value("#input-b2-0")  # at rest the field shows the number rounded for the eye
    assert len(rounded) <= len(f"{b2:.2f}") + 4 and float(rounded) == pytest.approx(b2, abs=0.006)
    page.focus("#input-b2-0")  # focused, it holds every digit
    assert float(page.input_value("#input-b2-0")) == pytest.approx(b2, rel=1e-12)
    shot(page, "train-sgd", "#train-section")
    # another preset puts the panel back to plain gradient descent
    load_preset(page, "logistic-loss")
    assert not page.is_visible("#train-sgd")


# -- Nielsen's four equations, live ------------------------------------------------------------------------------

def graph_with_layers(page, name):
    example = EXAMPLES[name]
    return api(page, "/api/graph", {"expression": example["program"], "values": example["values"], "layers": True,
                                    "default_value": 1, "strict": False})


def delta_tags(page):
    """Each δ tag on the drawing: its text, the node it is on, and its rendered height in CSS pixels."""
    return page.eval_on_selector_all("#graph text.tag.delta-tag", """ts => ts.map(t => [t.textContent,
        parseInt(t.closest('g.node').id.slice(1)), t.getBoundingClientRect().height])""")


def test_the_four_equations_of_each_layer_show_this_graphs_numbers_linked_to_the_drawing(page):
    load_preset(page, "nielsen-three-layer")
    reference = graph_with_layers(page, "nielsen-three-layer")
    assert page.is_visible("#equations-section")
    layers = page.eval_on_selector_all("#equations .layer", "ls => ls.map(l => [...l.querySelectorAll('.equation')]"
                                                            ".map(e => e.dataset.name))")
    assert layers == [["BP2", "BP3", "BP4"], ["BP2", "BP3", "BP4"], ["BP1", "BP3", "BP4"]]
    assert page.text_content("#equations .layer[data-layer='3'] h3") == "Layer 3 of 3, the output layer: δ³ = ∂C/∂z3"
    # Each equation as the API says it, cut at its formula: what it says, the formula in the program's names
    # (each term a link) and the numbers.
    for layer in reference["layers"]:
        for equation in layer["equations"]:
            box = f"#equations .layer[data-layer='{layer['number']}'] .equation[data-name='{equation['name']}']"
            says, named, numbers = (page.text_content(f"{box} .{part}") for part in ("says", "named", "numbers"))
            assert f"{says}: {named} {numbers}" == equation["text"]["en"]
            terms = page.eval_on_selector_all(f"{box} .named .term", "ts => ts.map(t => [t.textContent, +t.dataset.node])")
            assert terms[1:] == [[term["symbol"], term["node"]] for term in equation["terms"]]
    # The independent check: BP3 says ∂C/∂b¹ = δ¹, and δ¹ is the engine's gradient at z1.
    z1 = next(node for node in reference["nodes"] if node["name"] == "z1")
    assert page.text_content("#equations .layer[data-layer='1'] .equation[data-name='BP3'] .numbers") == \
        "= [" + ", ".join(format_array(z1["grad"], array_decimals(z1["grad"]))) + "]"  # one array, one format
    # A term hovered marks its node and the number it is in the drawing: W3ᵀ in BP2 of layer 2 is W3's value.
    W3 = next(node["id"] for node in reference["nodes"] if node["name"] == "W3")
    page.hover(f"#equations .layer[data-layer='2'] .equation[data-name='BP2'] .term[data-node='{W3}']")
    assert page.eval_on_selector(f"#n{W3}", "g => g.classList.contains('linked')")
    marked = page.eval_on_selector_all("#graph text.linked-number", "ts => ts.map(t => t.classList.contains('value'))")
    assert marked and all(marked)
    # ...and a node hovered in the drawing marks the terms that come from it.
    page.hover(f"#n{z1['id']}")
    pointed = page.eval_on_selector_all("#equations .term.pointed", "ts => ts.map(t => t.textContent)")
    assert set(pointed) == {"δ¹", "σ′(z1)"} and pointed.count("δ¹") == 3  # BP2's result, BP3's and BP4's term
    # Clicking a term brings its node into view.
    page.click(f"#equations .term[data-node='{W3}']")
    frame = page.eval_on_selector("#graph", "g => { const r = g.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }")
    at = page.eval_on_selector(f"#n{W3}", "g => { const r = g.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }")
    assert frame[0] <= at[0] <= frame[2] and frame[1] <= at[1] <= frame[3]
    page.click("button[data-lang='zh']")
    assert page.text_content("#equations .layer[data-layer='2'] .equation[data-name='BP2'] .says") == \
        "BP2，由第 3 层的误差得到第 2 层的误差"
    assert page.text_content("#equations .layer[data-layer='3'] h3") == "第 3 / 3 层，输出层：δ³ = ∂C/∂z3"
    shot(page, "equations-zh")


@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
def test_every_layers_z_is_tagged_with_its_delta_readable_at_fit(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    fresh = context.new_page()
    fresh.server = server
    fresh.goto(server + "/")
    fresh.wait_for_selector("#graph svg g.wire-label")
    load_preset(fresh, "nielsen-three-layer")
    fresh.click("#fit")
    reference = graph_with_layers(fresh, "nielsen-three-layer")
    expected = {node["id"]: node["delta"] for node in reference["nodes"] if "delta" in node}
    assert list(expected.values()) == ["δ¹", "δ²", "δ³"]  # nodes in topological order
    fresh.evaluate("window.backpropLab.view.mountAll()")
    tags = delta_tags(fresh)
    assert {node: text for text, node, _ in tags} == expected
    assert min(height for _, _, height in tags) >= 10, tags
    shot(fresh, f"deltas-{width}x{height}")
    context.close()


def test_a_typed_network_gets_its_equations_and_deltas_and_other_programs_do_not_ask_again(page):
    page.fill("#program", "W1 = [[0.1, 0.2], [0.3, -0.4]]\nx = [1, 2]\nb1 = [0, 0.1]\nW2 = [[0.5, -0.5]]\n"
                          "b2 = [0.2]\nh = tanh(W1 @ x + b1)\no = W2 @ h + b2\nL = sum(o^2)")
    page.press("#program", "Control+Enter")
    wait_until_idle(page)
    page.wait_for_selector("#equations-section:not([hidden])")
    assert {text for text, _, _ in delta_tags(page)} == {"δ¹", "δ²"}
    assert page.evaluate("window.backpropLab.request().layers") is True  # a value change asks again
    load_preset(page, "ng-J")  # no layers: asked once, with the new program, and not with its value changes
    assert not page.is_visible("#equations-section") and delta_tags(page) == []
    assert page.evaluate("window.backpropLab.request().layers") is False
    page.fill("#input-a", "4")
    wait_until_idle(page)
    assert page.evaluate("window.backpropLab.request().layers") is False


def test_the_equations_and_deltas_stay_hidden_while_a_quiz_asks(page):
    load_preset(page, "nielsen-mlp")
    assert page.is_visible("#equations-section")
    page.click("#quiz-toggle")
    page.wait_for_selector("html.quizzing")
    assert not page.is_visible("#equations-section")
    assert page.eval_on_selector_all("#graph text.delta-tag", "ts => ts.map(t => getComputedStyle(t).visibility)") \
        == ["hidden", "hidden"]


# -- Jacobians ------------------------------------------------------------------------------------------------

def card_of(page, name):
    """The explanation card of the node a name refers to, with the local gradients (and Jacobians) in it."""
    node = page.evaluate(f"window.backpropLab.page.graph.nodes.find(n => n.name === {name!r}).id")
    page.focus(f"#n{node}")
    page.wait_for_selector("#details:not([hidden]) .chain-rule")
    wait_until_idle(page)  # the answer with the local gradients, asked for when the card opened
    return node


def test_the_card_of_w_at_x_shows_its_jacobians_and_the_outer_product_two_q_x(page):
    load_preset(page, "cs231n-vectorized")  # q = W @ x; f = sum(q^2)
    example = EXAMPLES["cs231n-vectorized"]
    reference = api(page, "/api/graph", {"expression": example["program"], "values": example["values"], "local": True})
    q = card_of(page, "q")
    page.wait_for_selector("#details .jacobian")
    W_wire, x_wire = (wire for wire, edge in enumerate(reference["edges"]) if edge["target"] == q)
    # ∂q/∂W: 2×4, two blocks xᵀ down the diagonal, whole; what flows back is the outer product ∂f/∂q xᵀ...
    W = reference["edges"][W_wire]["jacobian"]
    block = f"#details .jacobian[data-wire='{W_wire}']"
    assert page.get_attribute(block, "data-structure") == "blocks"
    cells = page.eval_on_selector_all(f"{block} td", "tds => tds.map(td => td.textContent)")
    assert cells == ["0.200", "0.400", "0.000", "0.000", "0.000", "0.000", "0.200", "0.400"]  # one matrix, one format
    assert [float(x) for x in page.eval_on_selector_all(f"{block} td", "tds => tds.map(td => td.title)")] == \
        [x for row in W["whole"] for x in row]
    vjp = page.text_content(f"{block} .vjp")
    assert vjp == W["vjp"]["en"] and "= [0.440, 0.520] ⊗ [0.200, 0.400] = [[0.440 × 0.200, 0.440 × 0.400]" in vjp
    # ...where ∂f/∂q, the upstream, is 2q: the square gate's local gradient times 1.
    assert page.text_content("#details .upstream") == \
        "The upstream gradient: ∂f/∂q = 2·q^(2−1) ⊙ upstream = [0.440, 0.520] ⊙ [1.00, 1.00] = [0.440, 0.520]"
    assert page.text_content(f"#details .jacobian[data-wire='{x_wire}'] .vjp") == reference["edges"][x_wire]["jacobian"]["vjp"]["en"]
    shot(page, "jacobian-card", "#details")
    page.click("button[data-lang='zh']")
    assert page.text_content(f"{block} .about").startswith("局部雅可比矩阵 ∂q/∂W 是 2×4 的分块对角矩阵")
    # The array dialog of q shows the same.
    page.click("button[data-lang='en']")
    page.keyboard.press("Escape")
    page.click(f"#n{q}")
    page.wait_for_selector(f"#array-dialog[open] .jacobian[data-wire='{W_wire}'] .vjp")
    assert page.text_content(f"#array-dialog .jacobian[data-wire='{W_wire}'] .vjp") == vjp


def test_a_big_jacobian_is_shown_by_its_structure(page):
    page.fill("#program", f"W = {[[0.01] * 30] * 20}\nx = {[i / 30 for i in range(30)]}\nq = W @ x\nf = sum(tanh(q))")
    page.press("#program", "Control+Enter")
    wait_until_idle(page)
    tanh = page.evaluate("window.backpropLab.page.graph.nodes.find(n => n.op === 'tanh').id")
    page.focus(f"#n{tanh}")
    page.wait_for_selector("#details .jacobian[data-structure='diagonal'] td")
    diagonal = page.eval_on_selector_all("#details .jacobian td", "tds => tds.map(td => td.textContent)")
    assert len(diagonal) == 9 and diagonal[-1] == "…"  # 8 of the 20, then …
    assert "The diagonal of J (20×20, zero elsewhere), 20 elements" in page.text_content("#details .jacobian caption")
    page.keyboard.press("Escape")
    card_of(page, "q")
    page.wait_for_selector("#details .jacobian[data-structure='blocks'] td")
    assert page.text_content("#details .jacobian[data-structure='blocks'] caption") == \
        "One block of J (20×600: 20 such blocks down its diagonal, zero elsewhere)"
    assert page.eval_on_selector_all("#details .jacobian[data-structure='blocks'] td", "tds => tds.length") == 30
    dense = "#details .jacobian[data-structure='dense']"
    assert page.text_content(f"{dense} caption") == "The top-left 4×8 of J (20×30)"
    rows = page.eval_on_selector_all(f"{dense} tr", "trs => trs.map(tr => tr.cells.length)")
    assert rows == [9] * 5  # 4×8, ⋯ at the end of each row and a row of ⋮


# -- unfolded groups --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("theme, palette", [("light", "cs231n"), ("dark", "safe")])
def test_an_unfolded_gate_is_a_labelled_box_apart_from_both_palettes(browser, server, theme, palette):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    fresh = context.new_page()
    fresh.goto(f"{server}/?theme={theme}&palette={palette}")
    fresh.wait_for_selector("#graph svg g.wire-label")
    fresh.server = server
    load_preset(fresh, "cs231n-sigmoid-gate")
    fresh.check("#unfold")
    fresh.wait_for_selector("#graph g.cluster.unfolded-group")
    wait_until_idle(fresh)
    assert fresh.text_content("#graph g.unfolded-group text.group-label") == "σ  sigmoid"
    colours = fresh.evaluate("""() => {
        const style = (selector) => getComputedStyle(document.querySelector(selector));
        return { box: style('#graph g.unfolded-group rect.box').stroke, label: style('#graph g.unfolded-group text').fill,
                 value: style('#graph g.wire-label text.value').fill, grad: style('#graph g.wire-label text.grad').fill,
                 paper: style('#graph').backgroundColor,
                 size: document.querySelector('#graph g.unfolded-group text').getBoundingClientRect().height };
    }""")
    assert colours["box"] == colours["label"] not in (colours["value"], colours["grad"])
    assert contrast(colours["label"], colours["paper"]) >= 4.5, colours
    assert colours["size"] >= 10, colours  # readable at the first view, as the numbers are
    # ...and so in an exported SVG, which has no style sheet: the box is not filled black.
    exported = fresh.evaluate("window.backpropLab.view.svgForExport()")
    box = exported[exported.index('<rect class="box"'):].split(">")[0]
    assert f'stroke="{colours["box"]}"' in box and 'fill="rgba(' in box, box
    shot(fresh, f"unfolded-{theme}-{palette}")
    context.close()


def test_an_unfolded_network_compares_its_array_gradients_and_leaves_the_equations_to_the_folded_one(page):
    load_preset(page, "nielsen-mlp")
    assert page.is_visible("#equations-section")
    page.check("#unfold")
    page.wait_for_selector("#fold-note .fold-same")
    wait_until_idle(page)
    assert page.eval_on_selector_all("#graph g.unfolded-group", "gs => gs.length") == 2
    sentences = page.eval_on_selector_all("#fold-note .fold-same", "ps => ps.map(p => [p.dataset.folded, p.dataset.unfolded])")
    assert [folded for folded, unfolded in sentences if folded == unfolded] == [  # δ¹ and δ², the same both ways
        "2 [0.00877, 0.00995]", "2 [0.138, -0.038]"], sentences
    # An unfolded σ is no activation: the page does not ask for layers (each would be a network of its own).
    assert not page.is_visible("#equations-section") and delta_tags(page) == []
    page.uncheck("#unfold")
    page.wait_for_selector("#equations-section:not([hidden])")
    assert {text for text, _, _ in delta_tags(page)} == {"δ¹", "δ²"}
