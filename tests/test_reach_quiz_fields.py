"""Quiz fields on a phone (issue 22): 44×44 px with 16 px text, each is placed near the number it asks for where it
covers no other number, name, gate or field. In a real headless Chromium at 390×844 with touch emulation."""

import pytest

from app.teaching.examples import examples
from test_page import browser  # noqa: F401
from test_page_reach import close, open_page

EXAMPLES = {example["name"]: example for example in examples()}

# Each field's box and every other thing drawn that a field could hide: the numbers and names on screen (not
# the hidden gradients the fields stand for), the gates' circles, and the other fields.
FIELDS_OVER_OTHERS = """() => {
  const svg = document.querySelector('#graph svg.graph-drawing');
  const shown = (element) => getComputedStyle(element).visibility !== 'hidden' && element.textContent?.trim() !== '';
  const things = [...svg.querySelectorAll('g.boxes text')].filter(shown).map(text => [text.textContent, text.getBoundingClientRect()])
    .concat([...svg.querySelectorAll('g.boxes ellipse')].map(circle => ['gate', circle.getBoundingClientRect()]));
  const fields = [...svg.querySelectorAll('.quiz-box input')].map(input => [input.dataset.key, input.getBoundingClientRect()]);
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  const found = [];
  fields.forEach(([key, field], i) => {
    for (const [what, box] of things) if (overlap(field, box)) found.push([key, what]);
    fields.forEach(([other, box], j) => { if (j > i && overlap(field, box)) found.push([key, 'field ' + other]); });
  });
  return { fields: fields.length, found };
}"""


@pytest.mark.parametrize("name", ["ng-J", "cs231n-simple"])
def test_on_a_phone_quiz_fields_cover_no_other_number_name_gate_or_field(browser, server, name):  # noqa: F811
    example = EXAMPLES[name]
    page = open_page(browser, server, example["program"], example["values"], touch=True)
    page.click("#quiz-toggle")
    page.wait_for_selector(".quiz-box input")
    page.wait_for_timeout(400)
    result = page.evaluate(FIELDS_OVER_OTHERS)
    assert result["fields"] >= 3
    assert not result["found"], result["found"]
    sizes = page.evaluate("[...document.querySelectorAll('.quiz-box input')].map(i => i.getBoundingClientRect())"
                          ".map(b => [b.width, b.height])")
    assert all(width >= 43.5 and height >= 43.5 for width, height in sizes), sizes
    close(page)


def test_on_a_phone_quiz_fields_are_placed_again_after_a_zoom(browser, server):  # noqa: F811
    example = EXAMPLES["ng-J"]
    page = open_page(browser, server, example["program"], example["values"], touch=True)
    page.click("#quiz-toggle")
    page.wait_for_selector(".quiz-box input")
    page.tap("#zoom-out")
    page.tap("#zoom-out")
    page.wait_for_timeout(800)  # the zoom's transition, then the fields' placing
    result = page.evaluate(FIELDS_OVER_OTHERS)
    assert result["fields"] >= 3 and not result["found"], result
    close(page)
