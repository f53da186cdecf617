"""Quiz mode as a student and an instructor use it, in a real headless Chromium against the real server:
every gradient is a field on its wire, answers are checked as they are typed, a wrong one gets the gate's
rule with the numbers, the score counts, finishing shows the whole drawing, and an exercise link opens
straight into it. Screenshots go to $SHOTS, when it is set, to be looked at.

References are independent of the page: the engine's gradients fetched from the API without quiz mode."""

import os
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.teaching.examples import examples
from test_page import browser, page, set_input, type_program, wait_until_idle  # noqa: F401

SHOTS = Path(os.environ["SHOTS"]) if os.environ.get("SHOTS") else None  # screenshots only when asked for
NG = ("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
EXAMPLES = {example["name"]: example for example in examples()}


def exercise_link(server, program, values, reveal=None):
    """An instructor's link, written by hand: the program, its values, quiz=1 (and reveal=forward)."""
    link = f"{server}/#program={quote(program)}&values={quote(str(values).replace(chr(39), chr(34)))}&quiz=1"
    return link + (f"&reveal={reveal}" if reveal else "")


def open_quiz(page, program, values, reveal=None):
    page.goto(exercise_link(page.server, program, values, reveal))
    page.wait_for_selector("input[data-quiz-node]", state="attached")
    wait_until_idle(page)


def engine(page, program, values):
    """The engine's answer, without quiz mode: the reference every field is held to."""
    body = {"expression": program, "values": values, "default_value": 1, "strict": False}
    response = httpx.post(page.server + "/api/graph", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def field(page, node_id):
    return page.locator(f'input[data-quiz-node="{node_id}"]')


def fields_in_tab_order(page):
    return page.evaluate("[...document.querySelectorAll('input[data-quiz-node], input[data-quiz-value]')]"
                         ".map(i => i.dataset.quizNode ? 'grad:' + i.dataset.quizNode : 'value:' + i.dataset.quizValue)")


def mark_of(page, node_id):
    return page.evaluate("(id) => document.querySelector(`input[data-quiz-node=\"${id}\"]`).nextElementSibling.textContent",
                         node_id)


def visible_grads(page):
    return page.evaluate("[...document.querySelectorAll('#graph .wire-label text.grad')]"
                         ".filter(t => getComputedStyle(t).visibility !== 'hidden').length")


def shot(page, name):
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"quiz-{name}.png"))


# -- the student's work ---------------------------------------------------------------------------------------


def test_typing_the_engines_gradients_into_every_field_gives_full_marks(page):
    open_quiz(page, *NG)
    reference = engine(page, *NG)
    asked = [node for node in reference["nodes"] if node["grad"] is not None]
    assert page.locator("input[data-quiz-node]").count() == len(asked) == 6  # the constant 3 is not asked
    assert visible_grads(page) == 0  # every gradient is hidden while the student works
    assert page.evaluate("document.querySelectorAll('#graph g.wire-label > title').length") == 0  # no tooltips
    assert page.locator("#details").is_hidden() and page.locator("#narration").is_hidden()
    assert page.text_content("#quiz-score") == "0 of 6 right"
    shot(page, "start")
    for number, node in enumerate(reversed(asked), start=1):
        field(page, node["id"]).fill(str(node["grad"]))
        assert "correct" in field(page, node["id"]).get_attribute("class")
        assert mark_of(page, node["id"]) == "✓"
        if number < len(asked):
            assert page.text_content("#quiz-score") == f"{number} of 6 right"
    # Full marks, and the whole CS231n drawing: every gradient back on its wire.
    page.wait_for_function("() => !document.querySelector('input[data-quiz-node]')")
    assert page.text_content("#quiz-score") == "6 of 6 right: finished."
    assert visible_grads(page) == len(reference["edges"]) + 1 - 1  # every wire but the constant's, and the output's
    assert page.text_content("#wout text.grad").endswith("1.00")
    page.hover("#graph g.gate")  # the explanation is back too
    page.wait_for_selector("#details:not([hidden])")
    shot(page, "finished")


def test_a_wrong_answer_for_b_gets_the_mul_gates_swap_with_its_numbers_and_show_gives_it(page):
    open_quiz(page, *NG)
    b = next(node["id"] for node in engine(page, *NG)["nodes"] if node["name"] == "b")
    field(page, b).fill("9")  # b's own value times the upstream: the swap forgotten
    field(page, b).press("Enter")
    assert "wrong" in field(page, b).get_attribute("class")
    assert field(page, b).get_attribute("aria-invalid") == "true"
    assert mark_of(page, b) == "✗"
    hint = page.text_content("#quiz-hint")
    assert "∂f/∂b is not 9" in hint and "The mul gate swaps" in hint
    assert "upstream ∂f/∂(b × c) = 3.00" in hint and "∂(b × c)/∂b = c = 2.00" in hint
    assert "6.00" not in hint and "6" not in hint.replace("∂f/∂b is not 9", "")  # the hint never gives the answer
    shot(page, "wrong-b")
    page.click("#quiz-show")
    assert field(page, b).input_value() == "6.00" and "shown" in field(page, b).get_attribute("class")
    assert page.text_content("#quiz-hint") == "Shown: ∂f/∂b = 3.00 × 2.00 = 6.00"
    assert page.text_content("#quiz-score") == "0 of 6 right, 1 shown"


def test_a_wrong_answer_is_marked_after_a_pause_and_the_show_button_waits_for_one(page):
    open_quiz(page, *NG)
    a = 0
    field(page, a).focus()
    assert page.locator("#quiz-show").is_hidden()  # no answer to show before a first try
    assert page.text_content("#quiz-hint").startswith("∂f/∂a = ?")
    page.keyboard.type("2")  # half an answer is not marked at once …
    assert "wrong" not in (field(page, a).get_attribute("class") or "")
    page.wait_for_function("() => document.querySelector('input[data-quiz-node=\"0\"]').classList.contains('wrong')")
    assert page.locator("#quiz-show").is_visible()  # … but after a pause it is, and the answer can be shown


def test_changing_an_input_checks_every_answer_again(page):
    open_quiz(page, *NG)
    field(page, 1).fill("6")  # ∂f/∂b = 3c = 6
    assert "correct" in field(page, 1).get_attribute("class")
    set_input(page, "c", 3)  # now 9: the answer typed is wrong
    page.wait_for_function("() => document.querySelector('input[data-quiz-node=\"1\"]').classList.contains('wrong')")
    assert field(page, 1).input_value() == "6" and page.text_content("#quiz-score") == "0 of 6 right"
    field(page, 1).fill("9")
    assert "correct" in field(page, 1).get_attribute("class")


def test_tab_moves_backwards_through_the_graph_in_the_order_a_student_computes(page):
    open_quiz(page, *NG)
    order = fields_in_tab_order(page)
    assert order == ["grad:6", "grad:4", "grad:3", "grad:2", "grad:1", "grad:0"]  # the output first, inputs last
    page.focus('input[data-quiz-node="6"]')
    visited = []
    for _ in order:
        visited.append(page.evaluate("document.activeElement.dataset.quizNode"))
        page.keyboard.press("Tab")
    assert visited == ["6", "4", "3", "2", "1", "0"]
    labels = page.evaluate("[...document.querySelectorAll('input[data-quiz-node]')].map(i => i.getAttribute('aria-label'))")
    assert labels[0] == "gradient ∂f/∂(3 × (a + b × c))" and labels[-1] == "gradient ∂f/∂a"


def test_the_score_and_hints_come_in_chinese_too(page):
    open_quiz(page, *NG)
    page.click("[data-lang='zh']")
    assert page.text_content("#quiz-score") == "6 题中答对 0 题"
    field(page, 1).fill("9")
    field(page, 1).press("Enter")
    assert "乘法门交换输入" in page.text_content("#quiz-hint")
    assert field(page, 1).get_attribute("aria-label") == "梯度 ∂f/∂b"
    page.click("[data-lang='en']")


# -- the instructor's side -------------------------------------------------------------------------------------


def test_each_presets_quiz_link_opens_it_in_quiz_mode(page, browser):
    page.click("#quiz-exercises summary")
    links = page.eval_on_selector_all("#quiz-exercises a", "as => as.map(a => [a.dataset.quizExample, a.href])")
    assert [name for name, _ in links] == [example["name"] for example in examples()]
    href = dict(links)["ng-J"]
    assert "quiz=1" in href
    fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    try:
        fresh.goto(href)
        fresh.wait_for_selector("input[data-quiz-node]", state="attached")
        assert fresh.input_value("#program") == EXAMPLES["ng-J"]["program"]
        assert fresh.get_attribute("#quiz-toggle", "aria-pressed") == "true"
        assert fresh.locator("input[data-quiz-node]").count() == 6  # a, b, c, u, v, J
    finally:
        fresh.context.close()
    # Clicked on the page itself, it loads the example as a quiz too.
    page.click("#quiz-exercises a[data-quiz-example='olah-fanout']")
    page.wait_for_function("() => document.querySelector('#program').value.startsWith('c = a + b')")
    page.wait_for_selector("input[data-quiz-node]", state="attached")
    wait_until_idle(page)
    b = field(page, 1)
    b.fill("3")  # one use only: the classic slip at a fanned-out node
    b.press("Enter")
    assert "b is used 2 times, so its gradient is the sum of what flows back along each use" in page.text_content("#quiz-hint")


def test_a_link_written_by_hand_may_give_values_as_the_apis_get_form_does(page):
    # #program=…&a=5&b=3&c=2&quiz=1, as an instructor types it (the values=JSON form is what Copy link writes).
    page.goto(f"{page.server}/#program={quote(NG[0])}&a=5&b=3&c=2&quiz=1")
    page.wait_for_selector("input[data-quiz-node]", state="attached")
    wait_until_idle(page)
    assert [page.input_value(f"#input-{name}") for name in "abc"] == ["5", "3", "2"]
    assert "values=" in page.evaluate("location.hash")  # rewritten as Copy link writes it


def test_the_toggle_turns_quiz_mode_on_and_off_and_a_copied_link_carries_it(page):
    type_program(page, NG[0])
    wait_until_idle(page)
    assert page.locator("#quiz-panel").is_hidden()
    page.click("#quiz-toggle")
    page.wait_for_selector("input[data-quiz-node]", state="attached")
    assert "quiz=1" in page.evaluate("location.hash")
    page.click("#quiz-toggle")
    page.wait_for_function("() => !document.querySelector('input[data-quiz-node]')")
    assert "quiz=1" not in page.evaluate("location.hash")
    assert visible_grads(page) > 0
    page.hover("#graph g.gate")  # the explanation is back too
    page.wait_for_selector("#details:not([hidden])")


def test_reveal_forward_makes_the_student_do_the_forward_pass_first(page):
    open_quiz(page, *NG, reveal="forward")
    reference = engine(page, *NG)
    order = fields_in_tab_order(page)
    # The gates' values from the inputs forwards, then the gradients from the output backwards.
    assert order == ["value:3", "value:4", "value:6", "grad:6", "grad:4", "grad:3", "grad:2", "grad:1", "grad:0"]
    hidden_values = page.evaluate("[...document.querySelectorAll('#graph .wire-label text.value')]"
                                  ".filter(t => getComputedStyle(t).visibility === 'hidden').map(t => t.textContent)")
    assert sorted(hidden_values) == ["11.00", "33.00", "6.00"]  # the inputs' 5, 3, 2 and the constant stay
    assert page.get_attribute("#quiz-forward", "checked") is not None or page.is_checked("#quiz-forward")
    shot(page, "reveal-forward")
    wrong = page.locator('input[data-quiz-value="3"]')
    wrong.fill("5")
    wrong.press("Enter")
    assert page.text_content("#quiz-hint").endswith("mul: b × c = 3.00 × 2.00 = ?")
    for node in reference["nodes"]:
        if node["inputs"]:
            page.locator(f'input[data-quiz-value="{node["id"]}"]').fill(str(node["value"]))
    for node in reference["nodes"]:
        if node["grad"] is not None:
            field(page, node["id"]).fill(str(node["grad"]))
    page.wait_for_function("() => !document.querySelector('input[data-quiz-node]')")
    assert page.text_content("#quiz-score") == "9 of 9 right: finished."


def test_an_array_is_answered_by_its_first_element_or_whole_in_the_array_dialog(page):
    example = EXAMPLES["cs231n-vectorized"]  # q = W @ x; f = sum(q^2)
    open_quiz(page, example["program"], example["values"])
    reference = engine(page, example["program"], example["values"])
    W = next(node for node in reference["nodes"] if node["name"] == "W")
    assert field(page, W["id"]).get_attribute("aria-label") == "gradient ∂f/∂W, first element"
    page.click(f'input[data-quiz-node="{W["id"]}"] ~ button.quiz-whole')
    dialog = page.locator("#array-dialog")
    assert dialog.is_visible()
    cells = dialog.locator("input[data-key]")
    flat = [x for row in W["grad"] for x in row]
    assert cells.count() == len(flat) == 4
    assert "Gradient" not in dialog.inner_text()  # the dialog asks; it does not show the array's numbers
    cells.nth(1).fill(str(flat[1]))
    cells.nth(2).fill("7")
    cells.nth(2).press("Enter")
    assert "correct" in cells.nth(1).get_attribute("class") and "wrong" in cells.nth(2).get_attribute("class")
    cells.nth(0).fill(str(flat[0]))  # the first element is the field on the drawing
    shot(page, "array-dialog")
    page.click("#array-dialog .close")
    assert field(page, W["id"]).input_value() == str(flat[0])
    assert "correct" in field(page, W["id"]).get_attribute("class")
    assert page.text_content("#quiz-score").startswith("1 of ")


@pytest.mark.parametrize("size", [(1400, 900), (390, 844)])
def test_screenshots_of_quiz_mode(browser, server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.server = server
    try:
        open_quiz(page, *NG)
        for node, answer in ((6, "1"), (1, "9")):  # by the keyboard, as on a phone's number pad
            page.focus(f'input[data-quiz-node="{node}"]')
            page.keyboard.type(answer)
        page.keyboard.press("Enter")
        shot(page, f"{size[0]}x{size[1]}")
        assert page.text_content("#quiz-score") == "1 of 6 right"
        assert "The mul gate swaps" in page.text_content("#quiz-hint")
    finally:
        context.close()
