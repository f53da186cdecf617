"""In a big drawing a long wire runs past rows of numbers (issue 22): it must never cover them. Every point of a
wire that lies inside another wire's label is checked in a real headless Chromium, on the pixels the browser
painted: with the numbers themselves made invisible, the point shows the paper there, not the wire (the label's
numbers are drawn on the paper's colour, above the wires)."""

import base64

import pytest

from benchmarks.page import program_with_nodes
from test_page import browser  # noqa: F401
from test_page_reach import close, open_page

# The points of the wires on screen that fall inside another wire's label, and what the browser paints on top at
# each: the label, or something else (the wire).
WIRES_OVER_LABELS = """() => {
  const frame = document.querySelector('#graph').getBoundingClientRect();
  const svg = document.querySelector('#graph svg.graph-drawing');
  const inside = (b, p, inset = 1.5) => p.x > b.left + inset && p.x < b.right - inset && p.y > b.top + inset && p.y < b.bottom - inset;
  const labels = [...svg.querySelectorAll('g.wire-label')].map(g => [g, g.getBoundingClientRect()]).filter(([, b]) => inside(frame, {x: b.left, y: b.top}, 0));
  const found = [];
  for (const wire of svg.querySelectorAll('g.wire')) {
    const own = wire.id.replace(/-(in|out)$/, '');
    const path = wire.querySelector('path');
    const toScreen = path.getScreenCTM();
    const length = path.getTotalLength();
    for (let s = 0; s <= length; s += 2) {
      const p = path.getPointAtLength(s).matrixTransform(toScreen);
      if (!inside(frame, p, 2)) continue;
      const label = labels.find(([g, b]) => g.id !== own && inside(b, p));
      if (!label) continue;
      found.push({ wire: wire.id, label: label[0].id, x: p.x, y: p.y });
    }
  }
  return found;
}"""


# What the screenshot shows at each point, as the distance of its colour from the paper's (0: the paper).
PAINTED = """async ([png, points]) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + png;
  await image.decode();
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [image.width, image.height];
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const probe = document.createElement('div');
  probe.style.color = getComputedStyle(document.querySelector('#graph')).backgroundColor;
  document.body.append(probe);
  const paper = getComputedStyle(probe).color.match(/[0-9.]+/g).map(Number);
  probe.remove();
  return points.map(({x, y}) => {
    const [r, g, b] = context.getImageData(Math.round(x), Math.round(y), 1, 1).data;
    return Math.abs(r - paper[0]) + Math.abs(g - paper[1]) + Math.abs(b - paper[2]);
  });
}"""


def wires_over_numbers(page):
    """The points where a wire runs through another wire's numbers and can be seen there."""
    page.evaluate("document.querySelector('.minimap')?.remove()")  # its corner is not the drawing
    crossings = page.evaluate(WIRES_OVER_LABELS)
    page.evaluate("document.querySelectorAll('.graph-drawing .wire-label text, .graph-drawing .wire-label .rule')"
                  ".forEach(element => { element.style.visibility = 'hidden'; })")
    page.wait_for_timeout(100)
    png = base64.b64encode(page.screenshot()).decode()
    seen = page.evaluate(PAINTED, [png, crossings])
    return crossings, [crossing for crossing, distance in zip(crossings, seen) if distance > 60]


@pytest.fixture(scope="module")
def two_thousand():
    program, _ = program_with_nodes(2_000)
    return program.text


def test_in_a_2000_node_drawing_no_wire_covers_another_wires_numbers(browser, server, two_thousand):  # noqa: F811
    page = open_page(browser, server, two_thousand)
    crossings, seen = wires_over_numbers(page)
    assert len({(c["wire"], c["label"]) for c in crossings}) >= 5, "the first view should have long wires passing labels"
    assert not seen, seen[:5]
    close(page)


def test_in_a_400_node_drawing_no_wire_covers_another_wires_numbers(browser, server):  # noqa: F811
    page = open_page(browser, server, program_with_nodes(400)[0].text)
    _, seen = wires_over_numbers(page)
    assert not seen, seen[:5]
    close(page)
