"""Issue 21's course views and words in a real headless Chromium against the real server: Ng's nudge of v, each
preset's lesson under the graph, the activation functions' f and f′ from the API's sweep, the max card in
Chinese, the playground's comments in Chinese, and no false or stale words (a narration on its way, warnings of
the last program, a point of the last data set, the Exercises menu, quiz mode across a change of language)."""

from __future__ import annotations

import json

import httpx
import pytest

from test_page import browser, page, type_program, wait_until_idle  # noqa: F401

NG = "u = b*c\nv = a + u\nJ = 3*v"


def load_preset(page, name):
    page.click(f"#presets button[data-example='{name}']")
    wait_until_idle(page)


def test_the_check_panel_nudges_v_from_11_to_11_001_before_u_as_ng_does(page):
    load_preset(page, "ng-J")
    page.check("#check-toggle")
    page.wait_for_selector("#check-panel .nudges li")
    stories = page.eval_on_selector_all("#check-panel .nudges li", "lis => lis.map(li => li.textContent)")
    assert stories[0] == "nudge v from 11.000 to 11.001 → J goes from 33.000 to 33.003: change 0.003 ≈ ∂J/∂v × " \
                         "0.001 = 3.00 × 0.001 = 0.003"
    assert stories[1].startswith("nudge u from 6.000 to 6.001 → J goes from 33.000 to 33.003")
    page.click("button[data-lang='zh']")
    assert page.text_content("#check-panel .nudges li").startswith("把 v 从 11.000 推到 11.001 → J 从 33.000 变为 33.003")


def test_each_presets_lesson_is_under_the_graph_in_the_pages_language(page):
    examples = httpx.get(page.server + "/api/examples").json()
    ng = next(example for example in examples if example["name"] == "ng-J")
    load_preset(page, "ng-J")
    lesson = page.locator("#preset-lesson")
    assert lesson.is_visible() and lesson.text_content() == f"{ng['title']['en']} {ng['sentence']['en']}"
    page.click("button[data-lang='zh']")
    assert lesson.text_content() == f"{ng['title']['zh']} {ng['sentence']['zh']}"
    type_program(page, "a*b + 1")  # no preset's program: no preset's lesson
    wait_until_idle(page)
    assert not lesson.is_visible()


def test_the_activations_view_draws_f_and_its_derivative_from_the_apis_sweep(page):
    page.click("#activations-link")
    page.wait_for_selector("#act-plot svg.act-grad path.act-sigmoid")
    assert page.is_visible("#activations-section[open]")
    page.fill("#act-from", "-2")
    page.fill("#act-to", "3")
    page.check("[data-activation='elu']")
    page.wait_for_selector("#act-plot svg.act-value path.act-elu")
    drawn = sorted(page.eval_on_selector_all("#act-plot svg.act-grad path", "ps => ps.map(p => p.dataset.activation)"))
    assert drawn == ["elu", "relu", "sigmoid", "tanh"]
    ticks = page.eval_on_selector_all("#act-plot svg.act-value .act-tick.x", "ts => ts.map(t => t.textContent)")
    assert {"-2.00", "3.00"} <= {tick.replace("−", "-") for tick in ticks}  # the student's range, on the axis
    # the numbers are the API's: sigmoid′ peaks at 0.25 and its panel's top is 1; relu's f′ is 0 then 1
    sweep = httpx.post(page.server + "/api/sweep", json={"expression": "sigmoid(x)", "variable": "x", "start": -2,
                                                         "stop": 3, "num": 201, "default_value": 1,
                                                         "strict": False}).json()
    assert max(sweep["grad"]) == pytest.approx(0.25, abs=1e-3)
    relu = page.get_attribute("#act-plot svg.act-grad path.act-relu", "d")
    heights = {round(float(point.split(",")[1])) for point in relu.replace("M", "L").split("L")[1:]}
    assert len(heights) == 2  # a step: f′ is 0 left of 0 and 1 right of it, nothing between
    page.fill("#act-to", "-5")
    assert page.text_content("#act-note") == "The range needs two numbers, the first smaller than the second."


def test_the_max_card_in_chinese_says_its_rule_in_chinese(page):
    page.click("button[data-lang='zh']")
    load_preset(page, "cs231n-gates")  # 2 * (x*y + max(z, w))
    node = page.evaluate("window.backpropLab.page.graph.nodes.find(n => n.op === 'max').id")
    page.focus(f"#n{node}")
    page.wait_for_selector("#details:not([hidden]) .chain-rule")
    wait_until_idle(page)
    page.wait_for_function("() => document.querySelector('#details .chain-rule tbody td:nth-child(2)')?.textContent"
                           ".includes('时为')")
    rules = page.eval_on_selector_all("#details .chain-rule tbody tr td:nth-child(2)", "ts => ts.map(t => t.textContent)")
    assert rules[0].startswith("z > w 时为 1，z < w 时为 0，相等时为 ½")
    assert not any(word in " ".join(rules) for word in ("if", "tie"))


def test_a_step_whose_narration_is_on_its_way_says_so_and_never_a_false_reason(page):
    load_preset(page, "ng-J")
    held = []
    def hold_narrated(route):
        body = json.loads(route.request.post_data or "{}")
        if body.get("narrate"):
            held.append(route)  # the narrated answer is late: a loaded server
        else:
            route.continue_()
    page.route("**/api/graph", hold_narrated)
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#narration').textContent.includes('on its way')")
    assert "2,000" not in page.text_content("#narration")
    page.wait_for_timeout(200)
    assert held, "the page asked for the narration"
    page.unroute("**/api/graph")
    for route in held:
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 (unroute may have let it go already)
            pass
    page.wait_for_function("() => !document.querySelector('#narration').textContent.includes('on its way')")


def test_the_warnings_of_the_last_program_go_when_a_new_one_has_an_error(page):
    type_program(page, "a/(b-b)")
    wait_until_idle(page)
    assert page.is_visible("#warnings li")
    type_program(page, "a/(b-b) +")
    page.wait_for_selector("#error:not(:empty)")
    assert not page.is_visible("#warnings li")


def test_the_exercises_menu_closes_over_the_quiz_it_opened(page):
    page.click("#quiz-exercises summary")
    page.click("#quiz-exercises a[data-quiz-example='ng-J']")
    wait_until_idle(page)
    assert page.evaluate("document.querySelector('#quiz-exercises').open") is False


def test_quiz_mode_and_its_answers_stay_when_the_language_changes(page):
    load_preset(page, "ng-J")
    page.click("#quiz-toggle")
    page.wait_for_selector("#quiz-panel:not([hidden])")
    wait_until_idle(page)
    score = page.text_content("#quiz-score")
    page.click("button[data-lang='zh']")
    wait_until_idle(page)
    assert page.is_visible("#quiz-panel") and page.get_attribute("#quiz-toggle", "aria-pressed") == "true"
    assert page.text_content("#quiz-score") != score  # the same quiz, said in Chinese
    assert "quiz=1" in page.evaluate("location.hash")  # and a copied link still opens it


def test_the_playground_says_its_program_in_chinese_and_forgets_a_point_of_the_last_data_set(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(server + "/playground?lang=zh")
    page.wait_for_selector("#epoch:not(:empty)")
    page.wait_for_function("() => document.querySelector('#program').textContent.includes('逻辑损失')")
    assert "network" not in page.text_content("#program")
    page.evaluate("document.querySelector('#sample-note').textContent = 'training point (1.00, 2.00), epoch 318'")
    page.click("#datasets [data-dataset='xor']")
    page.wait_for_function("() => document.querySelector('#sample-note').textContent === ''")
    context.close()
