"""The playground as a student uses it, in a real headless Chromium against the real server: the notes'
experiment trains to its lesson, a clicked point opens its graph with the engine's gradients, bad settings
and a diverging learning rate stop with a sentence, and the settings live in the address."""

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import assert_close
from test_page import browser  # noqa: F401 (the fixture; the module skips without Chromium)

from app import compute_graph

CIRCLE = "/playground?dataset=circle&layers=6&activation=tanh&lr=0.03&seed=1"


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    yield context
    context.close()


@pytest.fixture
def open_playground(context, server):
    """Opens a path on a fresh page; at the end, no page may have thrown or been refused anything."""
    pages = []

    def open_(path):
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
        page.goto(server + path)
        page.wait_for_function("() => window.backpropPlayground?.trainer.last || !document.querySelector('#message').hidden")
        pages.append(page)
        return page

    yield open_
    for page in pages:
        assert not [problem for problem in page.problems if "400" not in problem], page.problems


def shown_accuracy(page) -> float:
    text = page.text_content("#test-accuracy")
    return float(re.search(r"([\d.]+) %", text).group(1))


def wait_for_epoch(page, epoch, timeout=60_000):
    page.wait_for_function(f"() => window.backpropPlayground.trainer.epoch >= {epoch}", timeout=timeout)


def test_six_neurons_learn_the_circle_to_90_percent_within_30_seconds(open_playground):
    page = open_playground(CIRCLE + "&play=1")
    page.wait_for_function("""() => { const m = document.querySelector('#test-accuracy').textContent.match(/([\\d.]+) %/);
        return m && Number(m[1]) >= 90; }""", timeout=30_000)
    assert "test accuracy" in page.text_content("#test-accuracy")
    assert page.get_attribute("#play", "aria-pressed") == "true"


def test_two_neurons_stay_visibly_worse_on_the_same_circle(open_playground):
    page = open_playground(CIRCLE.replace("layers=6", "layers=2") + "&play=1&speed=10")
    wait_for_epoch(page, 200)
    assert shown_accuracy(page) < 90
    losses = page.text_content("#losses")
    assert float(re.search(r"train ([\d.]+)", losses).group(1)) > 0.2  # six neurons are below 0.1 by then


def test_a_clicked_point_opens_its_graph_with_the_gradients_the_engine_gives_that_sample(open_playground, context):
    page = open_playground(CIRCLE.replace("layers=6", "layers=6,6"))
    for _ in range(3):
        page.click("#step")
    wait_for_epoch(page, 3)
    weights = page.evaluate("window.backpropPlayground.trainer.weights")
    x, y = page.evaluate("""() => { const plane = window.backpropPlayground.plane;
        const point = plane.points.find((p) => p.subset === 'test' && p.label < 0);
        const [x, y] = plane.toCanvas(point.x, point.y); const box = plane.canvas.getBoundingClientRect();
        return [box.left + x, box.top + y]; }""")
    with context.expect_page() as opened:
        page.mouse.click(x, y)
    graph_page = opened.value
    graph_page.wait_for_selector("#graph svg g.wire-label", timeout=30_000)
    graph_page.wait_for_function("() => { const p = window.backpropLab.page; return p.graph && p.settled === p.request; }")
    state = parse_qs(urlparse(graph_page.url).fragment)
    program, values = state["program"][0], json.loads(state["values"][0])
    assert program.startswith("# A 2-6-6-1 network") and values["y"] == [[-1.0]]
    assert {name: values[name] for name in weights} == weights  # the weights of the epoch clicked at
    shown = graph_page.evaluate("window.backpropLab.page.graph")
    engine = compute_graph(program, values)
    for name in ("W1", "b1", "W2", "b2", "W3", "b3", "X"):
        assert_close(shown["gradients"][name], engine["gradients"][name], rel=1e-12, abs_=1e-15)
    assert_close(shown["value"], engine["value"], rel=1e-12)
    assert "epoch 3" in page.text_content("#sample-note")


def test_the_keyboard_chooses_a_point_and_opens_its_graph_too(open_playground, context):
    page = open_playground(CIRCLE)
    page.focus("#boundary")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.text_content("#sample-note").startswith("The training point (")
    first = page.evaluate("window.backpropPlayground.plane.points[1]")
    with context.expect_page() as opened:
        page.keyboard.press("Enter")
    opened.value.wait_for_selector("#graph svg g.wire-label", timeout=30_000)
    values = json.loads(parse_qs(urlparse(opened.value.url).fragment)["values"][0])
    assert values["X"] == [[first["x"], first["y"]]]


def test_a_layer_of_zero_neurons_is_a_sentence_on_the_page_and_the_controls_mend_it(open_playground):
    page = open_playground("/playground?layers=0&play=1")
    page.wait_for_selector("#message:not([hidden])")
    assert "Hidden layer 1 has 0 neurons" in page.text_content("#message")
    assert page.get_attribute("#play", "aria-pressed") == "false"
    page.click("#network .layer-buttons button:nth-child(2)")  # + on hidden layer 1
    page.wait_for_selector("#message", state="hidden")
    assert "layers=1" in page.url and "test accuracy" in page.text_content("#test-accuracy")


def test_a_learning_rate_that_diverges_stops_training_with_a_sentence(open_playground):
    page = open_playground("/playground?layers=6&activation=relu&lr=10&play=1")
    page.wait_for_selector("#message:not([hidden])")
    assert "Training diverged" in page.text_content("#message")
    assert page.get_attribute("#play", "aria-pressed") == "false" and "play=1" not in page.url
    assert page.is_visible("#boundary")  # the last good state stays drawn


def test_a_link_the_page_cannot_read_says_which_part_and_uses_the_default(open_playground):
    page = open_playground("/playground?layers=six&lr=fast")
    message = page.text_content("#message")
    assert "layers=six" in message and "lr=fast" in message
    assert page.text_content("#shape") == "2-4-2-1" and page.input_value("#lr") == "0.03"


def test_the_settings_live_in_the_address_and_a_link_reproduces_the_run(open_playground):
    page = open_playground("/playground?dataset=xor&layers=4&seed=5")
    page.select_option("#lr", "0.1")
    page.select_option("#activation", "relu")
    page.click("#add-layer")
    page.click("[data-dataset=spiral]")
    for _ in range(2):
        page.click("#step")
    wait_for_epoch(page, 2)
    query = parse_qs(urlparse(page.url).query)
    assert {key: query[key][0] for key in ("dataset", "layers", "activation", "lr", "seed")} == {
        "dataset": "spiral", "layers": "4,2", "activation": "relu", "lr": "0.1", "seed": "5"}
    weights = page.evaluate("window.backpropPlayground.trainer.weights")
    again = open_playground(page.url.removeprefix(page.url.split("/playground")[0]))
    again.click("#step")
    again.click("#step")
    wait_for_epoch(again, 2)
    assert again.evaluate("window.backpropPlayground.trainer.weights") == weights
    assert again.text_content("#program") == page.text_content("#program")


def test_the_notes_experiment_is_one_click_each_and_side_by_side(open_playground):
    page = open_playground("/playground")
    page.click("[data-preset='2']")
    assert "layers=2" in page.url and "dataset=circle" in page.url
    assert "only two features" in page.text_content("#lesson")
    page.click("[data-preset='6']")
    assert "enough to represent the circle" in page.text_content("#lesson")
    page.click("#compare-toggle")
    assert page.get_attribute("#play", "aria-pressed") == "false"  # the comparison trains instead
    assert page.locator("#compare figcaption").all_text_contents() == [
        "2 hidden neurons", "4 hidden neurons", "6 hidden neurons"]
    page.wait_for_function("() => document.querySelectorAll('#compare .compare-accuracy')[2].textContent.includes('%')")
    page.click("[data-preset='overfit']")
    query = parse_qs(urlparse(page.url).query)
    assert {key: query[key][0] for key in ("dataset", "noise", "train", "layers")} == {
        "dataset": "xor", "noise": "50", "train": "10", "layers": "8,8"}
    assert "over-fitting" in page.text_content("#lesson")


def test_both_languages_and_the_choice_is_remembered(open_playground):
    page = open_playground(CIRCLE)
    page.click("[data-lang=zh]")
    assert page.text_content("h1") == "神经网络游乐场"
    assert page.text_content("#test-accuracy").startswith("测试准确率")
    assert page.text_content("#play") == "播放"
    again = open_playground(CIRCLE)
    assert again.text_content("#epoch") == "第 0 轮"
    again.click("[data-lang=en]")
    assert again.text_content("#epoch") == "epoch 0"


def test_each_hidden_neuron_shows_its_feature_large_on_hover(open_playground):
    page = open_playground(CIRCLE.replace("layers=6", "layers=3,2"))
    assert page.locator("#network canvas.neuron").count() == 5
    page.hover("#network canvas.neuron >> nth=3")
    assert page.text_content("#showing") == "Showing neuron 1 of hidden layer 2"
    assert "bias" in page.get_attribute("#network canvas.neuron >> nth=3", "title")
    page.mouse.move(0, 0)
    page.wait_for_function("() => document.querySelector('#showing').textContent === ''")


def test_on_a_phone_a_tap_on_a_hidden_neuron_shows_its_feature(browser, server):  # noqa: F811
    """A real tap (touch events, in a touch context), on a phone that gives a tapped element neither hover nor
    focus: Chromium would also send the tap's compatibility mouseenter and focus the canvas, which would show the
    neuron without the tap's own handler; here they are stopped before they reach the page, as on a phone that
    sends neither, so the tap alone must show it."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(server + CIRCLE.replace("layers=6", "layers=3,2"))
    page.wait_for_function("() => window.backpropPlayground?.trainer.last")
    page.evaluate("""() => { window.heard = [];
        for (const type of ['mouseover', 'mouseenter', 'mousemove', 'focus', 'focusin']) {
          window.addEventListener(type, (event) => event.stopImmediatePropagation(), true);
        }
        window.addEventListener('pointerdown', (event) => window.heard.push(event.pointerType), true); }""")
    neuron = page.locator("#network canvas.neuron >> nth=3")
    neuron.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    at = neuron.bounding_box()
    page.touchscreen.tap(at["x"] + at["width"] / 2, at["y"] + at["height"] / 2)
    page.wait_for_function("() => document.querySelector('#showing').textContent !== ''", timeout=3000)
    assert page.evaluate("window.heard") == ["touch"], "the tap came as a touch"
    assert page.text_content("#showing") == "Showing neuron 1 of hidden layer 2"
    context.close()


def test_the_main_page_links_to_the_playground_and_back(open_playground, server):
    page = open_playground(CIRCLE)
    page.click("#back-link")
    page.wait_for_selector("#graph svg g.wire-label")
    page.click("a[href='/playground']")
    page.wait_for_function("() => window.backpropPlayground?.trainer.last")
    assert page.url.startswith(server + "/playground?")


def test_the_page_fits_a_laptop_and_a_phone_without_sideways_scrolling(open_playground):
    page = open_playground(CIRCLE)
    for width, height in [(1400, 900), (390, 844)]:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = page.locator("#boundary").bounding_box()
        assert box["width"] >= min(300, width - 40) and box["x"] >= 0 and box["x"] + box["width"] <= width
