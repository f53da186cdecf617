"""The teaching modes as an instructor uses them, in a real headless Chromium against the real server:
stepping through the passes with the narration line and the projector keys, the narrated gates in the
details panel, folded and unfolded sigmoid, the gradient check panel with the nudge story, the plots,
and training by gradient descent with Stop. Each test saves a screenshot in $SHOTS, when it is set, to be looked at.

References are independent of the page: numbers worked out here in Python (math), or the API's own
answer fetched over HTTP for what the page must show as it is (the narration's sentences)."""

import math
import os
import re
from pathlib import Path

import httpx
import pytest

from app.teaching.examples import examples
from app.engine.rounding import format_number
from test_page import browser, page, type_program, wait_until_idle  # noqa: F401

SHOTS = Path(os.environ["SHOTS"]) if os.environ.get("SHOTS") else None  # screenshots only when asked for
GATES = {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}  # CS231n's gate patterns: 2 * (x*y + max(z, w))


def shot(page, name, panel=None):
    """The whole page, and the panel alone when it is down the side bar."""
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"teach-{name}.png"))
    if panel:
        page.locator(panel).scroll_into_view_if_needed()
        page.locator(panel).screenshot(path=str(SHOTS / f"teach-{name}-panel.png"))


def load_preset(page, name):
    program = next(example["program"] for example in examples() if example["name"] == name)
    page.click(f"#presets button[data-example='{name}']")
    wait_until_idle(page)  # the click sent the request at once
    assert page.input_value("#program") == program


def narration(page):
    """The narration line, once the narrated answer has come (until then it says that it is on its way)."""
    page.wait_for_function("""() => { const said = document.querySelector('#narration').textContent;
        return !said.includes('on its way') && !said.includes('这一步的讲解正在路上……'); }""")
    return page.text_content("#narration")


def api_graph(page, program, values, **options):
    body = {"expression": program, "values": values, "default_value": 1, "strict": False, **options}
    response = httpx.post(page.server + "/api/graph", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# -- 1. stepping through the passes ------------------------------------------------------------------

def test_stepping_forward_then_backward_narrates_each_node_with_its_numbers(page):
    load_preset(page, "cs231n-gates")
    reference = api_graph(page, "2 * (x*y + max(z, w))", GATES, narrate=True)
    nodes = reference["nodes"]
    page.evaluate("document.activeElement.blur()")  # keys to the page, as from a remote
    page.keyboard.press("Home")
    assert page.text_content("#step-status") == "Before the forward pass"
    assert page.evaluate("document.querySelectorAll('#graph text.concealed').length") > 0
    # Forward: one node at a time in topological order, its forward sentence, it and its wires lit.
    for k, node in enumerate(nodes, start=1):
        page.keyboard.press("ArrowRight")
        assert page.text_content("#step-status") == f"Forward pass: node {k} of {len(nodes)}"
        assert narration(page) == node["narration"]["forward"]["en"]
        assert page.evaluate("[...document.querySelectorAll('#graph g.node.active:not(.wire-label)')]"
                             ".map(g => parseInt(g.id.slice(1)))") == [node["id"]]
        if k == 3:
            shot(page, "step-forward")
    assert page.evaluate("document.querySelectorAll('#graph text.value.concealed').length") == 0
    # The numbers are the notes' own: x*y = 3 × −4 = −12, then max(2, −1) = 2, −12 + 2 = −10, 2 × −10 = −20.
    assert re.search(r"3\.00 × [−-]4\.00 = [−-]12\.00", nodes[2]["narration"]["forward"]["en"])
    # Backward: in reverse order, the backward sentence; the wires of the active gate are lit. The constant
    # 2 has no gradient and takes no step.
    backward = [node for node in reversed(nodes) if node["grad"] is not None]
    assert len(backward) == len(nodes) - 1
    for k, node in enumerate(backward, start=1):
        page.keyboard.press("ArrowRight")
        assert page.text_content("#step-status") == (f"Backward pass: node {k} of {len(backward)}" if k < len(backward)
                                                     else f"Backward pass done: all {len(backward)} gradients known")
        assert narration(page) == node["narration"]["backward"]["en"]
        if node["op"] == "max":
            assert re.search(r"max routed 2\.00 to z because 2\.00 > [−-]1\.00; w gets 0", narration(page))
            lit = page.evaluate("[...document.querySelectorAll('#graph g.wire-label.active')].map(g => g.id)")
            into_max = {f"w{i}" for i, edge in enumerate(reference["edges"])
                        if node["id"] in (edge["source"], edge["target"])}
            assert set(lit) == into_max
            assert page.evaluate("document.querySelectorAll('#graph g.wire.active').length") >= len(into_max)
            # max has passed gradient back: 2 along z's wire and 0 along w's; x*y has not yet.
            shown = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#graph g.wire-label')]
                .map(g => [g.id, g.querySelector('text.grad:not(.concealed)')?.textContent ?? null]))""")
            wire = {reference["nodes"][edge["source"]]["label"]: f"w{i}" for i, edge in enumerate(reference["edges"])}
            assert shown[wire["z"]].endswith("2.00") and shown[wire["w"]].endswith("0.00")
            assert shown[wire["x"]] is None and shown[wire["y"]] is None
            shot(page, "step-backward-max")
    assert page.evaluate("document.querySelectorAll('#graph text.concealed').length") == 0
    # ← goes back one node; Home starts again.
    page.keyboard.press("ArrowLeft")
    assert narration(page) == nodes[1]["narration"]["backward"]["en"]
    page.keyboard.press("Home")
    assert page.text_content("#step-status") == "Before the forward pass"


def test_the_step_keys_leave_text_fields_and_focused_nodes_alone_and_space_plays(page):
    load_preset(page, "cs231n-simple")
    page.evaluate("document.activeElement.blur()")  # keys to the page, as from a remote
    page.keyboard.press("Home")
    page.focus("#program")
    page.keyboard.press("ArrowRight")  # moves the caret, not the step
    assert page.text_content("#step-status") == "Before the forward pass"
    page.focus("#graph g.node:not(.wire-label)")
    page.keyboard.press("ArrowRight")  # the other helper's node-to-node navigation, not a step
    assert page.text_content("#step-status") == "Before the forward pass"
    page.locator("#step-forward").focus()
    page.keyboard.press("Space")  # plays (and does not also click ▶: the first step comes after a pause)
    assert page.text_content("#step-status") == "Before the forward pass"
    page.wait_for_function("() => document.querySelector('#step-status').textContent.startsWith('Forward pass: node 2')")
    assert page.get_attribute("#step-play", "aria-pressed") == "true"
    page.keyboard.press("Space")
    assert page.get_attribute("#step-play", "aria-pressed") == "false"
    paused_at = page.text_content("#step-status")
    page.wait_for_timeout(1800)
    assert page.text_content("#step-status") == paused_at
    page.click("#show-all")
    assert page.text_content("#step-status") == ""


# -- 2. narrated gates in the details panel ----------------------------------------------------------

def test_the_details_panel_narrates_the_gate_and_each_share_of_a_reused_variable(page):
    load_preset(page, "cs231n-gates")
    graph = page.evaluate("window.backpropLab.page.graph")
    gate = next(node["id"] for node in graph["nodes"] if node["op"] == "max")
    page.hover(f"#n{gate}")
    backward = page.text_content("#details .narrated.backward")
    assert re.fullmatch(r"max routed 2\.00 to z because 2\.00 > [−-]1\.00; w gets 0", backward)
    load_preset(page, "olah-fanout")  # c = a + b; d = b + 1; e = c * d at a = 2, b = 1
    graph = page.evaluate("window.backpropLab.page.graph")
    b = next(node["id"] for node in graph["nodes"] if node["name"] == "b")
    page.focus(f"#n{b}")
    # ∂e/∂b = d (via c) + c (via d) = 2 + 3 = 5
    shares = page.text_content("#details .narrated.backward")
    assert re.search(r"2\.00 via c \+ 3\.00 via d = 5\.00", shares), shares
    shot(page, "details-shares")


# -- 3. folded and unfolded --------------------------------------------------------------------------

def test_unfolded_sigmoid_draws_its_primitives_and_the_same_gradient_at_its_input(page):
    load_preset(page, "cs231n-sigmoid-gate")  # sigmoid(w0*x0 + w1*x1 + w2) = σ(1)
    assert page.eval_on_selector_all("#graph g.gate", "gs => gs.length") > 0
    folded_gates = page.eval_on_selector_all("#graph g.gate", "gs => gs.length")
    page.check("#unfold")
    page.wait_for_selector("#fold-note .fold-same")
    wait_until_idle(page)
    assert page.eval_on_selector_all("#graph g.gate.exp", "gs => gs.length") == 1
    assert page.eval_on_selector_all("#graph g.gate", "gs => gs.length") > folded_gates
    note = page.locator("#fold-note .fold-same")
    expected = format_number(sigmoid(1) * (1 - sigmoid(1)))  # σ′(1) = σ(1)(1 − σ(1)) = 0.197, shown 0.20
    assert note.get_attribute("data-folded") == note.get_attribute("data-unfolded") == expected
    assert f"is {expected} folded and {expected} unfolded: the same both ways" in note.text_content()
    # Every input's gradient from the two answers, side by side and equal: w0 gets x0 σ′(1) = −0.197 (-0.20).
    rows = page.eval_on_selector_all("#fold-note .fold-table tbody tr",
                                     "rs => rs.map(r => [...r.querySelectorAll('td')].map(c => c.textContent))")
    names, folded, unfolded = rows
    assert names == ["w0", "x0", "w1", "x1", "w2"]
    assert folded == unfolded
    assert folded[names.index("w0")] == format_number(-1 * sigmoid(1) * (1 - sigmoid(1)))  # x0 σ′(1), x0 = −1
    assert folded[names.index("w2")] == expected
    assert "unfold=1" in page.evaluate("location.hash")
    shot(page, "unfolded-sigmoid")


def test_unfolding_a_network_of_arrays_compares_its_array_gradients_as_drawn(page):
    load_preset(page, "nielsen-mlp")
    page.check("#unfold")
    page.wait_for_selector("#fold-note .fold-same")
    wait_until_idle(page)
    notes = page.eval_on_selector_all("#fold-note .fold-same", "ps => ps.map(p => p.dataset.folded)")
    assert len(notes) == 2 and all(note.startswith("2 [") and "inf" not in note for note in notes)  # z1's, z2's
    rows = page.eval_on_selector_all("#fold-note .fold-table tbody tr",
                                     "rs => rs.map(r => [...r.querySelectorAll('td')].map(c => c.textContent))")
    names, folded, unfolded = rows
    assert "W1" in names and folded == unfolded and folded[names.index("W1")].startswith("2×2 [")
    page.reload()
    page.wait_for_selector("#fold-note .fold-same")
    assert page.is_checked("#unfold")
    page.uncheck("#unfold")
    page.wait_for_selector("#fold-note", state="hidden")
    assert "unfold=1" not in page.evaluate("location.hash")


# -- 4. gradient check -------------------------------------------------------------------------------

def test_the_check_panel_shows_relative_errors_verdicts_and_the_nudge_story(page):
    load_preset(page, "ng-J")  # J = 3(a + bc) at a = 5, b = 3, c = 2: ∂J/∂a = 3
    page.check("#check-toggle")
    page.wait_for_selector("#check-panel .check-table tbody tr")
    rows = page.eval_on_selector_all("#check-panel .check-table tbody tr",
                                     "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
    assert sorted(row[0] for row in rows) == ["a", "b", "c"]
    analytic = {"a": 3.0, "b": 6.0, "c": 9.0}  # 3, 3c, 3b
    for name, shown_analytic, shown_numerical, error, verdict in rows:
        assert float(shown_analytic) == analytic[name]
        assert float(shown_numerical) == pytest.approx(analytic[name], rel=1e-6)
        assert float(error) < 1e-7  # central differences on a polynomial: CS231n's "excellent"
        assert verdict.endswith("excellent")
    assert page.eval_on_selector(".verdict-excellent", "td => getComputedStyle(td).color") != \
        page.eval_on_selector("body", "b => getComputedStyle(b).color")
    story = page.text_content("#check-panel .nudges li[data-input='a']")
    assert story == "nudge a from 5.000 to 5.001 → J goes from 33.000 to 33.003: change 0.003 ≈ ∂J/∂a × 0.001 = " \
                    "3.00 × 0.001 = 0.003"
    shot(page, "check-panel", "#check-section")


def test_a_kink_is_flagged_and_its_large_error_judged_wrong(page):
    type_program(page, "relu(x) + 2*x")
    wait_until_idle(page)
    page.fill("#input-x", "0")
    wait_until_idle(page)
    page.check("#check-toggle")
    page.wait_for_selector("#check-panel .check-kinks li")
    verdict = page.text_content("#check-panel tr[data-input='x'] .verdict")
    # At 0 relu' is taken as 0 (gradient 2) but the central difference sees (1 + 2·2 ... ) the mean slope 2.5.
    assert "kink" in verdict
    error = float(page.text_content("#check-panel tr[data-input='x'] .error"))
    assert error == pytest.approx(abs(2 - 2.5) / 2.5, rel=0.01)
    assert "relu" in page.text_content("#check-panel .check-kinks")
    shot(page, "check-kink")


# -- 5. plots ----------------------------------------------------------------------------------------

def plot_points(page):
    return page.eval_on_selector("#plot path.curve.value", "p => (p.getAttribute('d').match(/[ML]/g) || []).length")


def test_the_sweep_plot_draws_sigmoid_and_its_derivative_with_axis_labels(page):
    load_preset(page, "cs231n-sigmoid-gate")
    page.select_option("#plot-variable", "w2")
    page.wait_for_function("() => document.querySelector('#plot .axis-label')?.textContent === 'w2'")
    assert plot_points(page) > 100
    assert page.eval_on_selector("#plot path.curve.grad", "p => p.getTotalLength()") > 100
    assert page.text_content("#plot .axis-label tspan.grad") == "∂f/∂w2"
    assert page.locator("#plot circle.here").count() == 1
    shot(page, "plot-sigmoid")


@pytest.mark.parametrize("program", ["log(x)", "exp(x)"])
def test_the_plot_of_log_keeps_to_where_it_is_finite_and_exp_draws_whole(page, program):
    type_program(page, program)
    wait_until_idle(page)
    page.wait_for_function("() => document.querySelector('#plot path.curve.value')?.getAttribute('d')")
    if program == "log(x)":  # a second sweep, over the finite stretch: wait for its axis, however busy the machine
        page.wait_for_function("""() => {
            const ticks = [...document.querySelectorAll('#plot .axis:first-of-type .tick text')];
            return ticks.length && ticks.every(t => parseFloat(t.textContent.replace('\u2212', '-')) >= 0);
        }""")
    d = page.get_attribute("#plot path.curve.value", "d")
    assert "NaN" not in d and plot_points(page) > 100
    ticks = [float(t.replace("−", "-")) for t in page.eval_on_selector_all(
        "#plot .axis:first-of-type .tick text", "ts => ts.map(t => t.textContent)")]
    if program == "log(x)":
        assert min(ticks) >= 0  # the sweep was asked again from just above 0
    shot(page, f"plot-{program[:3]}")


# -- 6. training ---------------------------------------------------------------------------------------

def test_training_the_logistic_loss_lowers_it_step_by_step(page):
    load_preset(page, "logistic-loss")  # -log(sigmoid(w*x + b)) at w = 0.5, x = 2, b = -1.5
    assert page.eval_on_selector_all("#train-params input:checked", "bs => bs.map(b => b.value)") == ["w", "b"]
    assert page.input_value("#train-rate") == "0.5" and page.input_value("#train-steps") == "20"
    page.click("#train-run")
    page.wait_for_function("() => document.querySelector('#train-status').textContent.startsWith('20 steps')")
    assert page.get_attribute("#train-plot", "data-points") == "21"
    first, last = map(float, re.findall(r"[\d.]+", page.text_content("#train-status").split(":")[1]))
    assert first == pytest.approx(-math.log(sigmoid(0.5 * 2 - 1.5)), abs=1e-4)  # 0.9741
    assert last < first
    assert page.eval_on_selector("#train-progress", "p => [p.value, p.max]") == [20, 20]
    wait_until_idle(page)
    # The inputs took the trained values and the graph shows the loss they give.
    w, b = float(page.input_value("#input-w")), float(page.input_value("#input-b"))
    assert (w, b) != (0.5, -1.5)
    assert float(page.text_content("#wout text.value")) == pytest.approx(-math.log(sigmoid(w * 2 + b)), abs=0.01)
    assert page.eval_on_selector("#train-plot path.curve.loss", "p => p.getTotalLength()") > 50
    shot(page, "train-logistic", "#train-section")


def test_stop_halts_training_at_once(page):
    load_preset(page, "logistic-loss")
    page.fill("#train-steps", "5000")
    page.click("#train-run")
    page.wait_for_function("() => document.querySelector('#train-progress').value >= 20")
    page.click("#train-stop")
    page.wait_for_function("() => !document.querySelector('#train-run').disabled")
    stopped_at = page.eval_on_selector("#train-progress", "p => p.value")
    assert stopped_at < 5000
    assert page.text_content("#train-status").startswith(f"Stopped after {stopped_at} steps")
    page.wait_for_timeout(1000)
    assert page.eval_on_selector("#train-progress", "p => p.value") == stopped_at
    assert page.is_disabled("#train-stop")


def test_nielsen_network_labels_each_layer_delta_and_prefills_training(page):
    load_preset(page, "nielsen-mlp")
    tags = page.eval_on_selector_all("#graph text.delta-tag", "ts => ts.map(t => t.textContent)")
    assert set(tags) == {"δ¹", "δ²"}
    assert page.eval_on_selector_all("#train-params input:checked", "bs => bs.map(b => b.value)") == \
        ["W1", "b1", "W2", "b2"]
    graph = page.evaluate("window.backpropLab.page.graph")
    z2 = next(node for node in graph["nodes"] if node["name"] == "z2")
    page.focus(f"#n{z2['id']}")
    assert page.text_content("#details .delta").startswith("δ² = ∂C/∂z2 = ")
    shot(page, "nielsen-deltas", "#details")
    page.click("#train-run")
    page.wait_for_function("() => document.querySelector('#train-status').textContent.startsWith('100 steps')",
                           timeout=60_000)
    first, last = map(float, re.findall(r"[\d.]+", page.text_content("#train-status").split(":")[1]))
    assert first == pytest.approx(0.298371, abs=1e-4)  # Mazur's worked example: E_total = 0.298371109
    assert last < first
    assert set(page.eval_on_selector_all("#graph text.delta-tag", "ts => ts.map(t => t.textContent)")) == {"δ¹", "δ²"}


# -- both languages --------------------------------------------------------------------------------------

def test_the_teaching_panels_speak_chinese_too(page):
    load_preset(page, "ng-J")
    page.check("#check-toggle")
    page.wait_for_selector("#check-panel .nudges li")
    page.evaluate("document.activeElement.blur()")  # keys to the page, as from a remote
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.click("button[data-lang='zh']")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    assert page.text_content("#check-panel .nudges li[data-input='a']").startswith("把 a 从 5.000 推到 5.001 → J 从 33.000 变为 33.003")
    assert "极好" in page.text_content("#check-panel tr[data-input='a'] .verdict")
    assert narration(page) == "b = 3.00（输入）"  # u = b*c comes first
    assert page.text_content("#train-run") == "运行"
    shot(page, "chinese")
