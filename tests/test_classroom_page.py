"""A class in session, in real headless Chromium against the real server: an instructor's page and three
students' pages. The students follow a program change and a step within a second; one who explores on their own
is not moved; an ask-the-class round with two right answers and one wrong one is tallied with the wrong answer's
mistake; a phone shows the student's view; the students' link cannot drive the class. Screenshots go to $SHOTS,
when it is set, to be looked at."""

import os
import time
from pathlib import Path

import httpx
import pytest

from test_page import CHROMIUM_FLAGS, browser, wait_until_idle  # noqa: F401

SHOTS = Path(os.environ["SHOTS"]) if os.environ.get("SHOTS") else None
FOLLOW_MS = 1000  # a student's page follows the instructor's within this


def shot(page, name):
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"class-{name}.png"))


def new_page(browser, url, errors, **context):
    page = browser.new_context(viewport=context.pop("viewport", {"width": 1400, "height": 900}), **context).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#graph svg g.wire-label")
    return page


@pytest.fixture
def errors():
    found = []
    yield found
    assert not found, found


def start_class(browser, server, errors):
    """The instructor opens the page, types the lecture's program and presses Teach a class."""
    teacher = new_page(browser, server + "/", errors)
    teacher.fill("#program", "3*(a + b*c)")
    teacher.press("#program", "Control+Enter")
    wait_until_idle(teacher)
    teacher.click("#teach")
    teacher.wait_for_selector("#class-panel [data-class-link]")
    teacher.wait_for_selector("#class-qr:not([hidden]) img")
    teacher.click("#class-qr")  # the big QR code closes with a click
    wait_until_idle(teacher)
    return teacher, teacher.get_attribute("[data-class-link]", "data-class-link")


def join(browser, link, errors, **context):
    student = new_page(browser, link, errors, **context)
    student.wait_for_function("() => document.querySelector('#class-status')?.textContent.startsWith('Following')")
    return student


def editor_of(page):
    return page.input_value("#program")


def wait_for_editor(page, text, timeout=FOLLOW_MS):
    page.wait_for_function("(text) => document.querySelector('#program').value === text", arg=text, timeout=timeout)


def step_of(page):
    return page.evaluate("() => document.querySelector('#step-status').textContent")


def test_students_follow_the_instructors_program_and_steps_and_one_explores_on_their_own(browser, server, errors):
    teacher, link = start_class(browser, server, errors)
    assert link.startswith(server + "/class/") and "key=" not in link
    assert "key=" in teacher.url  # the instructor's own link holds the secret
    qr = httpx.get(server + teacher.get_attribute(".class-qr-small img", "src"))
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    students = [join(browser, link, errors) for _ in range(3)]
    for student in students:
        wait_for_editor(student, "3*(a + b*c)")

    explorer = students[2]
    explorer.click("#class-detach")
    explorer.fill("#program", "x*y")
    explorer.press("#program", "Control+Enter")

    teacher.fill("#program", "(a + b) * c")
    teacher.press("#program", "Control+Enter")
    started = time.monotonic()
    for student in students[:2]:
        wait_for_editor(student, "(a + b) * c")
    assert time.monotonic() - started < FOLLOW_MS / 1000

    teacher.click("#step-start")
    teacher.click("#step-forward")
    teacher.click("#step-forward")
    expected = step_of(teacher)
    assert expected.startswith("Forward pass")
    for student in students[:2]:
        student.wait_for_function("(text) => document.querySelector('#step-status').textContent === text",
                                  arg=expected, timeout=FOLLOW_MS)
    assert editor_of(explorer) == "x*y" and step_of(explorer) == ""  # not moved

    explorer.click("#class-follow")
    wait_for_editor(explorer, "(a + b) * c")
    explorer.wait_for_function("(text) => document.querySelector('#step-status').textContent === text",
                               arg=expected, timeout=FOLLOW_MS)
    shot(students[0], "student-following")

    late = join(browser, link, errors)  # a late student catches up at once, step and all
    wait_for_editor(late, "(a + b) * c")
    late.wait_for_function("(text) => document.querySelector('#step-status').textContent === text",
                           arg=expected, timeout=FOLLOW_MS)
    late.reload()
    wait_for_editor(late, "(a + b) * c")


def answer(student, text):
    student.wait_for_selector("#class-question:not([hidden])", timeout=FOLLOW_MS)
    student.fill("#class-answer", text)
    student.click("#class-send")
    student.wait_for_function("() => document.querySelector('#class-verdict').textContent !== ''")
    return student.text_content("#class-verdict")


def ask_the_class(teacher, students, node_name="b"):
    """A round: the instructor asks for b's gradient in 3*(a + b*c) (a=1, b=1, c=1: ∂f/∂b = 3·c = 3)."""
    teacher.select_option("#class-node", label=node_name)
    teacher.click("#class-ask-grad")
    verdicts = [answer(students[0], "3"), answer(students[1], "3.00"), answer(students[2], "-3")]
    assert verdicts[0].startswith("✓") and verdicts[1].startswith("✓") and verdicts[2].startswith("✗")
    assert "mul" in verdicts[2]  # the quiz's hint: b feeds the mul gate…
    teacher.wait_for_function("() => document.querySelector('#class-tally').textContent.includes('3 answered')",
                              timeout=FOLLOW_MS)
    tally = teacher.text_content("#class-tally")
    assert "67% right" in tally and "the sign flipped" in tally and "-3.00 ×1" in tally
    teacher.click("#class-reveal")
    for student in students:
        student.wait_for_function("() => document.querySelector('#class-revealed').textContent.includes('= 3.00')",
                                  timeout=FOLLOW_MS)
    return tally


def test_asking_the_class_tallies_two_right_and_one_wrong_with_its_mistake(browser, server, errors):
    teacher, link = start_class(browser, server, errors)
    students = [join(browser, link, errors) for _ in range(3)]
    students[0].click(".class-nickname summary")  # a nickname: escaped, and shown to the instructor only
    students[0].fill("#class-nickname", "<b>Ann</b>")
    students[0].click(".class-nickname button")
    ask_the_class(teacher, students)
    teacher.wait_for_function("() => document.querySelector('#class-tally').textContent.includes('<b>Ann</b>')")
    assert teacher.locator("#class-tally b").count() == 0
    for student in students[1:]:
        assert "Ann" not in student.content()
    shot(teacher, "instructor-tally")


def test_a_phone_student_view(browser, server, errors):
    teacher, link = start_class(browser, server, errors)
    phone = join(browser, link, errors, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    teacher.select_option("#class-node", label="b")
    teacher.click("#class-ask-grad")
    phone.wait_for_selector("#class-question:not([hidden])", timeout=FOLLOW_MS)
    phone.wait_for_function("() => document.querySelector('#step-status').textContent.startsWith('Forward pass')",
                            timeout=FOLLOW_MS)  # the gradients asked for are not on the student's drawing
    assert phone.evaluate("""() => [...document.querySelectorAll('#graph .wire-label text.grad')]
        .filter(t => getComputedStyle(t).visibility !== 'hidden' && getComputedStyle(t).opacity !== '0').length""") == 0
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing sideways
    box = phone.locator("#class-answer").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    graph = phone.locator("#graph").bounding_box()
    assert graph["height"] > 300
    shot(phone, "phone-student")


def test_a_students_link_cannot_drive_the_class(browser, server, errors):
    teacher, link = start_class(browser, server, errors)
    student = join(browser, link, errors)
    code = link.rsplit("/", 1)[1]
    for route in ("state", "ask", "reveal", "end"):
        forged = student.evaluate("""async ([code, route]) => (await fetch(`/class/${code}/${route}`, {method: 'POST',
            headers: {'content-type': 'application/json', 'x-class-key': 'guessed'},
            body: JSON.stringify({program: 'hacked'})})).status""", [code, route])
        assert forged in (403, 422), route
    assert student.locator("#class-panel").count() == 0 and student.locator("#class-ask-grad").count() == 0
    assert student.evaluate("() => document.querySelector('#program').readOnly")
    time.sleep(0.3)
    assert editor_of(teacher) == "3*(a + b*c)" and editor_of(student) == "3*(a + b*c)"
