"""The page against hostile input, under its Content-Security-Policy, in a real Chromium against the real server.

Nothing typed is ever inserted as HTML; no script runs that the server did not send; the page asks nothing of any
other origin; and when the server goes away and comes back, nothing on screen is lost.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import pytest

from conftest import free_port, start_app_server, stop_app_server
from test_page import CHROMIUM, CHROMIUM_FLAGS, browser, playwright_api, type_program, wait_until_idle  # noqa: F401

# Every policy violation the page sees, reported by the browser itself, before any of the page's scripts run.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""
HOSTILE_PROGRAMS = [
    '<img src=x onerror="window.pwned=1;alert(1)">',
    'a = 1; <script>window.pwned=1;alert(1)</script>',
    '<img src=x onerror=alert(1)> = 3\na * 2',
    'x + 1 # <img src=x onerror="window.pwned=1"> in a comment is no HTML either',
    '"><svg onload=alert(1)>',
    '</textarea><img src=x onerror=alert(1)>',
    "a" * 3000 + " * b",  # a very long name
    "# " + "x" * 100_000 + "\na + b",  # a very long line
    " + ".join(["x"] * 600),  # a long program: 1,200 nodes, drawn in plain layers
    "(" * 500 + "a" + ")" * 500,  # 500 nested brackets
    "(" * 500 + "a",
    "[" * 500 + "1" + "]" * 500,
    "α = 2\nβ = α * 3",
    "名前 + 1",
    "a\u202e + b",  # right-to-left override
    "a\u200b + b",  # zero-width space
    "🙂 * 2",
    "a\x00b + \x1b[31m",
]


@pytest.fixture
def watched(browser, server):  # noqa: F811
    """A fresh page that records every request, console message, dialog and CSP violation."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.requests, page.console, page.dialogs, page.errors = [], [], [], []
    context.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: page.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server + "/")
    page.wait_for_selector("#graph svg g.wire-label")
    page.server = server
    yield page
    context.close()


def assert_nothing_injected(page):
    assert page.dialogs == [], page.dialogs
    assert page.evaluate("window.pwned") is None
    assert page.eval_on_selector_all("img, iframe, object, embed", "els => els.length") == 0
    assert page.eval_on_selector_all("script", "els => els.filter(s => !s.src).length") == 0  # no inline script
    handlers = page.evaluate("""() => [...document.querySelectorAll('*')]
        .filter(el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')))
        .map(el => el.outerHTML.slice(0, 80))""")
    assert handlers == []


def assert_only_this_server_was_asked(page):
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.server))
    others = [url for url in page.requests if not url.startswith((origin + "/", "data:", "blob:"))]
    assert others == []


def assert_no_policy_violation(page):
    assert page.evaluate("window.__violations") == []
    reported = [line for line in page.console if "Content Security Policy" in line or "Refused to" in line]
    assert reported == []


def draws(page, program, shown):
    type_program(page, program)
    page.wait_for_function("(shown) => document.querySelector('#wout text')?.textContent === shown", arg=shown,
                           timeout=30_000)


def test_normal_use_stays_within_the_policy_and_this_server(watched):
    page = watched
    for button in page.query_selector_all("#presets button[data-example]"):
        button.click()
        wait_until_idle(page)
    page.click("#presets button[data-example='cs231n-vectorized']")
    wait_until_idle(page)
    page.hover("#graph g.gate")  # the details panel
    with page.expect_download() as download:  # the PNG export draws the SVG through a data: URL
        page.click("[data-export=png]")
    assert download.value.suggested_filename.endswith(".png")
    draws(page, "v0 = s\n" + "\n".join(f"v{i} = tanh(v{i - 1} * k + s)" for i in range(1, 8)), "0.96")  # new names: 1
    assert not any("Graphviz could not" in line for line in page.console), "the WebAssembly layout was refused"
    assert_no_policy_violation(page)
    assert_only_this_server_was_asked(page)
    assert page.errors == []


def test_hostile_text_is_text_and_the_page_keeps_working(watched):
    page = watched  # one page for them all, as a student would paste one after another
    for index, program in enumerate(HOSTILE_PROGRAMS):
        type_program(page, program)
        wait_until_idle(page, timeout=60_000)
        assert page.input_value("#program") == program, index  # what was typed stays, unchanged
        assert_nothing_injected(page)
        draws(page, "3*(p+q*r)", "6.00")  # the page still works; every input without a value is 1
        assert_nothing_injected(page)
    assert_no_policy_violation(page)
    assert_only_this_server_was_asked(page)
    assert page.errors == []


def test_hostile_names_and_values_in_a_link_are_text_too(watched):
    page = watched
    values = {"<img src=x onerror=alert(1)>": 1, "b": "<img src=x onerror=\"window.pwned=1\">",
              "__proto__": {"polluted": 1}}
    page.goto(page.server + "/#program=" + quote("a * b") + "&values=" + quote(json.dumps(values)))
    page.wait_for_function("() => window.backpropLab.page.settled > 0")
    wait_until_idle(page)
    assert page.input_value("#program") == "a * b"
    assert_nothing_injected(page)
    draws(page, "3*(p+q*r)", "6.00")
    for bad in ("null", "5", "[1]", '"<img src=x onerror=alert(1)>"', "{"):  # values that are no object at all
        page.goto(page.server + "/#program=" + quote("p * 2") + "&values=" + quote(bad))
        page.wait_for_function("() => document.querySelector('#wout text')?.textContent === '2.00'")
        assert_nothing_injected(page)
    assert page.evaluate("({}).polluted") is None
    assert_no_policy_violation(page)
    assert page.errors == []


# -- nothing lost when the server goes away ---------------------------------------------------------------------------

def test_when_the_server_goes_away_nothing_on_screen_is_lost_and_it_comes_back(browser):  # noqa: F811
    port = free_port()
    process = start_app_server(port)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#graph svg g.wire-label")
        draws(page, "p*q + r", "2.00")
        drawing = page.inner_html("#graph svg")
        nodes = page.eval_on_selector_all("#graph g.node", "nodes => nodes.length")

        stop_app_server(process)
        type_program(page, "p*q + r + 1")
        page.wait_for_selector("#status.failed", timeout=15_000)
        assert page.text_content("#status").strip()  # a message says what happened
        assert page.input_value("#program") == "p*q + r + 1"  # the edit is kept
        assert page.eval_on_selector_all("#graph g.node", "nodes => nodes.length") == nodes  # the drawing stays
        assert page.text_content("#wout text") == "2.00"
        assert page.inner_html("#graph svg").count("wire-label") == drawing.count("wire-label")
        assert "p*q" in page.evaluate("location.hash + localStorage.getItem('backprop-lab-state')")

        process = start_app_server(port)
        type_program(page, "p*q + r")  # back to the drawn program: a change of value only, no new layout
        page.fill("#input-p", "3")
        page.wait_for_function("() => document.querySelector('#wout text')?.textContent === '4.00'")
        assert not page.eval_on_selector("#status", "s => s.classList.contains('failed')")  # the message went
        draws(page, "p*q + r + 2", "6.00")  # and the next edit draws anew
        assert page.eval_on_selector_all("#graph g.node", "nodes => nodes.length") > nodes
    finally:
        context.close()
        stop_app_server(process)
