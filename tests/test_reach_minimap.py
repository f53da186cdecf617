"""The minimap on a phone (issue 22): at 390×844 a 400-node drawing is not hidden behind its map. The map is
folded into a small button in a corner until the student taps it; opened, it moves the view where it is tapped;
tapped again, the button folds it away. In a real headless Chromium with touch emulation."""

from test_page import browser  # noqa: F401
from test_page_reach import PHONE, box, close, open_page, overlap

BIG = "\n".join(f"v{i} = tanh(v{i - 1} * {1 + i % 3} + a)" if i else "v0 = a * b" for i in range(100))


def covered_share(page, selector):
    """The share of the drawing's area that the element covers (0 if it is hidden)."""
    if not page.is_visible(selector):
        return 0.0
    graph, element = box(page, "#graph"), box(page, selector)
    width = max(0.0, min(graph["right"], element["right"]) - max(graph["left"], element["left"]))
    height = max(0.0, min(graph["bottom"], element["bottom"]) - max(graph["top"], element["top"]))
    return width * height / (graph["width"] * graph["height"])


def view(page):
    return page.evaluate("(({k, x, y}) => [k, x, y])(window.backpropLab.view.transform())")


def test_on_a_phone_the_minimap_waits_folded_in_a_corner_and_opens_on_a_tap(browser, server):  # noqa: F811
    page = open_page(browser, server, BIG, touch=True)
    page.wait_for_selector(".minimap-toggle:not([hidden])")
    assert page.is_hidden(".minimap"), "the map covers the drawing before anyone asked for it"
    assert covered_share(page, ".minimap") + covered_share(page, ".minimap-toggle") <= 0.02
    toggle, graph = box(page, ".minimap-toggle"), box(page, "#graph")
    assert toggle["width"] >= 44 - 0.5 and toggle["height"] >= 44 - 0.5, "a finger's target"
    assert toggle["right"] <= graph["right"] and toggle["right"] >= graph["right"] - 24, "in the right corner"
    assert toggle["bottom"] <= graph["bottom"] and toggle["bottom"] >= graph["bottom"] - 24, "in the bottom corner"
    assert page.get_attribute(".minimap-toggle", "aria-expanded") == "false"

    page.touchscreen.tap(toggle["x"] + toggle["width"] / 2, toggle["y"] + toggle["height"] / 2)
    page.wait_for_selector(".minimap:not([hidden])")
    minimap = box(page, ".minimap")
    assert min(minimap["width"], minimap["height"]) >= 80, minimap
    assert minimap["right"] <= PHONE["width"] and not overlap(minimap, box(page, ".minimap-toggle"))
    assert page.get_attribute(".minimap-toggle", "aria-expanded") == "true"
    before = view(page)
    page.touchscreen.tap(minimap["x"] + minimap["width"] / 2, minimap["bottom"] - 6)  # the end of the drawing
    page.wait_for_timeout(300)
    assert view(page) != before, "a tap on the map moves the view there"
    assert page.is_visible(".minimap"), "the map stays open while it is used"

    page.touchscreen.tap(toggle["x"] + toggle["width"] / 2, toggle["y"] + toggle["height"] / 2)
    page.wait_for_timeout(200)
    assert page.is_hidden(".minimap")
    close(page)


def test_on_a_desktop_the_minimap_shows_without_asking(browser, server):  # noqa: F811
    page = open_page(browser, server, BIG)
    page.wait_for_selector(".minimap:not([hidden])")
    assert page.is_hidden(".minimap-toggle")
    close(page)


def test_the_minimap_button_is_named_in_the_pages_language(browser, server):  # noqa: F811
    page = open_page(browser, server, BIG, touch=True)
    page.wait_for_selector(".minimap-toggle:not([hidden])")
    assert page.get_attribute(".minimap-toggle", "aria-label") == "Show the map of the whole drawing"
    page.evaluate("[...document.querySelectorAll('button')].find(b => b.textContent.trim() === '中文').click()")
    page.wait_for_function("() => document.querySelector('.minimap-toggle').getAttribute('aria-label') === '显示整张计算图的缩略图'")
    close(page)
