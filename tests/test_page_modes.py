"""The page's reading modes in a real headless Chromium: Chinese and English, the colour-blind safe
palette, the dark theme, moving between nodes with the keyboard, the table of every node, and
presenter mode. Each test also saves a screenshot in $SHOTS, when it is set, to be looked at."""

import json
import os
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from test_page import (browser, full_precision_of, page, set_input, type_program, wait_until_idle, wire_of,  # noqa: F401
                       wire_texts)

SHOTS = Path(os.environ["SHOTS"]) if os.environ.get("SHOTS") else None  # screenshots only when asked for
# Okabe–Ito blue and vermillion (darkened from #d55e00 to 4.5:1 on white), as static/style.css has them.
SAFE_BLUE = "rgb(0, 114, 178)"
SAFE_VERMILLION = "rgb(192, 84, 0)"
GREEN = "rgb(26, 127, 55)"
RED = "rgb(207, 34, 46)"
CS231N_SIMPLE = "/#program=" + quote("(x + y) * z") + "&values=" + quote(json.dumps({"x": -2, "y": 5, "z": -4}))


def shot(page, name):
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_page(browser, server, path="/", **context_options):
    """A fresh browser context (fresh localStorage) on `path`, once a graph is drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, **context_options)
    fresh = context.new_page()
    errors = []
    fresh.on("pageerror", lambda error: errors.append(str(error)))
    fresh.goto(server + path)
    fresh.wait_for_selector("#graph svg g.wire-label")
    wait_until_idle(fresh)
    fresh.errors = errors
    return fresh


def rgb(text):
    return [int(x) for x in text[text.index("(") + 1:text.index(")")].split(",")[:3]]


def contrast(foreground, background):
    """WCAG 2 contrast ratio of two rgb(...) colours."""
    def luminance(colour):
        channels = [c / 255 for c in rgb(colour)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_interface_switches_to_chinese_and_remembers_it(page, server):
    page.click("#presets button[data-example='cs231n-simple']")
    wait_until_idle(page)
    assert page.text_content("#side h2") == "Inputs"
    page.click("[data-lang=zh]")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.text_content("#side h2") == "输入"
    assert page.text_content("#fit") == "适应"
    assert page.get_attribute("#zoom-in", "title") == "放大"
    assert page.text_content(".legend").count("梯度（反向传播）") == 1
    assert page.get_attribute("#step-forward", "title") == "前进一步：先前向传播，再反向传播"
    assert "梯度的推导" in page.text_content("#hover-hint")
    full = full_precision_of(page, "wout")
    assert "值：" in full and "梯度：" in full
    examples = httpx.get(server + "/api/examples").json()
    chinese = {e["name"]: e["title"]["zh"] for e in examples if e["title"].get("zh")}
    assert chinese, "the API gives no Chinese titles for the presets"
    for name, title in chinese.items():
        assert page.text_content(f"#presets button[data-example='{name}']") == title
    shot(page, "zh-light")
    page.reload()
    page.wait_for_selector("#graph svg g.wire-label")
    assert page.text_content("#side h2") == "输入", "the language was not remembered"
    page.click("[data-lang=en]")
    assert page.text_content("#side h2") == "Inputs"
    assert page.text_content("#presets button[data-example='cs231n-simple']") == \
        next(e["title"]["en"] for e in examples if e["name"] == "cs231n-simple")


def test_lang_zh_in_the_address_opens_the_page_in_chinese(browser, server):
    fresh = open_page(browser, server, "/?lang=zh" + CS231N_SIMPLE[1:])
    assert fresh.text_content("#side h2") == "输入"
    assert fresh.get_attribute("[data-lang=zh]", "aria-pressed") == "true"
    type_program(fresh, "a +* b")
    fresh.wait_for_selector("#error:not([hidden])")
    assert fresh.text_content("#error").startswith("第 1 行，第 4 列：'+' 和 '*' 之间缺少内容")
    fresh.context.close()
    assert not fresh.errors, fresh.errors


def test_op_sentences_follow_the_language_in_the_details_panel_and_the_table(browser, server):
    ops = {op["name"]: op for op in httpx.get(server + "/api/ops").json()}
    assert ops["mul"]["sentence"].get("zh"), "the API gives no Chinese sentence for mul"
    fresh = open_page(browser, server, "/?lang=zh" + CS231N_SIMPLE[1:])
    graph = fresh.evaluate("window.backpropLab.page.graph")
    mul = next(node["id"] for node in graph["nodes"] if node["op"] == "mul")
    fresh.click("#table-toggle")
    sentence = fresh.text_content(f"#table-view tr[data-node='{mul}'] td.sentence")
    assert sentence == ops["mul"]["sentence"]["zh"]
    fresh.context.close()


def test_the_colour_blind_palette_recolours_at_once_and_marks_gradients(page):
    page.goto(page.server + CS231N_SIMPLE)
    page.wait_for_function("() => document.querySelector('#wout text')?.textContent === '-12.00'")
    x_wire = wire_of(page, "x")
    assert wire_texts(page, x_wire) == [["-2.00", GREEN], ["-4.00", RED]]
    page.select_option("#palette", "safe")
    assert wire_texts(page, x_wire) == [["-2.00", SAFE_BLUE], ["∇-4.00", SAFE_VERMILLION]]
    assert wire_texts(page, "wout") == [["-12.00", SAFE_BLUE], ["∇1.00", SAFE_VERMILLION]]
    # Told apart without colour: the gradient is below the value and in italic.
    styles = page.evaluate(f"""() => [...document.querySelectorAll('#{x_wire} text')].map(t =>
        [t.getBoundingClientRect().y, getComputedStyle(t).fontStyle])""")
    assert styles[0][0] < styles[1][0] and styles[0][1] == "normal" and styles[1][1] == "italic"
    assert page.is_visible(".legend .nabla")
    page.wait_for_selector("#plot path.curve.grad", state="attached")  # the plot is drawn once the values rest
    assert page.eval_on_selector("#plot path.curve.grad", "p => getComputedStyle(p).stroke") == SAFE_VERMILLION
    shot(page, "safe-light")
    page.reload()
    page.wait_for_function("() => document.querySelector('#wout text.grad')?.textContent === '∇1.00'")
    assert page.input_value("#palette") == "safe"
    page.select_option("#palette", "cs231n")
    assert wire_texts(page, "wout") == [["-12.00", GREEN], ["1.00", RED]]


@pytest.mark.parametrize("palette", ["cs231n", "safe"])
def test_the_dark_theme_is_dark_and_its_numbers_readable(browser, server, palette):
    fresh = open_page(browser, server, f"/?theme=dark&palette={palette}" + CS231N_SIMPLE[1:])
    background = fresh.evaluate("getComputedStyle(document.querySelector('#graph')).backgroundColor")
    assert sum(rgb(background)) < 3 * 40, background
    body = fresh.evaluate("getComputedStyle(document.body).backgroundColor")
    assert sum(rgb(body)) < 3 * 40
    value, grad = [colour for _, colour in wire_texts(fresh, "wout")]
    assert value != grad
    assert contrast(value, background) >= 4.5 and contrast(grad, background) >= 4.5, (value, grad)
    ink = fresh.evaluate("getComputedStyle(document.querySelector('#n0 text') ?? document.body).fill")
    assert contrast(ink, background) >= 7
    shot(fresh, f"{palette}-dark")
    fresh.select_option("#theme", "light")
    light = fresh.evaluate("getComputedStyle(document.querySelector('#graph')).backgroundColor")
    assert light == "rgb(255, 255, 255)"
    fresh.context.close()
    assert not fresh.errors, fresh.errors


def test_an_svg_exported_in_the_dark_theme_keeps_its_dark_paper(browser, server, tmp_path):
    fresh = open_page(browser, server, "/?theme=dark" + CS231N_SIMPLE[1:], accept_downloads=True)
    with fresh.expect_download() as download:
        fresh.click("[data-export=svg]")
    path = tmp_path / "graph.svg"
    download.value.save_as(path)
    svg = path.read_text()
    paper = svg[svg.index("<rect"):].split(">")[0]
    assert 'fill="rgb(13, 17, 23)"' in paper
    assert 'fill="rgb(63, 185, 80)"' in svg  # the dark theme's green, readable on that paper
    fresh.context.close()


def test_the_light_palettes_keep_readable_contrast_too(browser, server):
    for palette in ("cs231n", "safe"):
        fresh = open_page(browser, server, f"/?theme=light&palette={palette}" + CS231N_SIMPLE[1:])
        for _, colour in wire_texts(fresh, "wout"):
            assert contrast(colour, "rgb(255, 255, 255)") >= 4.5, (palette, colour)
        fresh.context.close()


def test_the_system_theme_follows_the_system(browser, server):
    fresh = open_page(browser, server, CS231N_SIMPLE, color_scheme="dark")
    assert fresh.input_value("#theme") == "system"
    assert fresh.get_attribute("html", "data-theme") == "dark"
    fresh.context.close()


def focused_node(page):
    return page.evaluate("() => parseInt(document.activeElement.id.slice(1), 10)")


def test_arrow_keys_move_from_node_to_node_along_the_wires(page):
    page.goto(page.server + CS231N_SIMPLE)
    page.wait_for_function("() => document.querySelector('#wout text')?.textContent === '-12.00'")
    graph = page.evaluate("window.backpropLab.page.graph")
    by_id = {node["id"]: node for node in graph["nodes"]}
    mul = next(node["id"] for node in graph["nodes"] if node["op"] == "mul")
    step_status = page.text_content("#step-status")
    page.focus(f"#n{mul}")
    page.wait_for_selector("#details .narrated")
    assert "mul gate" in page.text_content("#details h3")
    page.keyboard.press("ArrowLeft")
    first = focused_node(page)
    assert first in by_id[mul]["inputs"]
    # The drawing is one tab stop, at the node last focused (roving tabindex).
    assert page.eval_on_selector_all('#graph g.node[tabindex="0"]', "gs => gs.map(g => g.id)") == [f"n{first}"]
    assert page.text_content("#details h3") != "", "the details follow the focus"
    page.keyboard.press("ArrowRight")
    assert focused_node(page) == mul, "→ goes back to the node that uses it"
    page.keyboard.press("ArrowLeft")
    assert focused_node(page) == first, "← after → goes back the way it came"
    page.keyboard.press("ArrowLeft")
    assert focused_node(page) in by_id[first]["inputs"]
    page.keyboard.press("ArrowDown")
    after = focused_node(page)
    page.keyboard.press("ArrowUp")
    assert focused_node(page) == after - 1
    # The step keys did not also fire: the arrows stayed with the node.
    assert page.text_content("#step-status") == step_status
    assert page.evaluate("document.querySelectorAll('#graph text.concealed').length") == 0
    assert page.get_attribute(f"#n{mul}", "aria-label").startswith("mul gate")
    page.focus(f"#n{mul}")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "details", "Enter opens the details"
    page.keyboard.press("Escape")
    assert focused_node(page) == mul
    shot(page, "keyboard")


def api_graph(server, program, values):
    body = {"expression": program, "values": values, "default_value": 1, "strict": False}
    return httpx.post(server + "/api/graph", json=body).json()


def table_rows(page):
    return page.eval_on_selector_all("#table-view tbody tr", """rows => rows.map(r =>
        Object.fromEntries([...r.cells].map(c => [c.className || 'id', c.textContent])))""")


def test_the_table_lists_every_node_at_full_precision_and_follows_every_answer(page):
    program, values = "u = b*c\nv = a + u\nJ = sigmoid(v) / 3", {"a": 0.1, "b": 0.7, "c": -0.3}
    page.goto(page.server + "/#program=" + quote(program) + "&values=" + quote(json.dumps(values)))
    page.wait_for_selector("#graph svg g.wire-label")
    wait_until_idle(page)
    assert page.is_hidden("#table-view")
    page.click("#table-toggle")
    assert page.get_attribute("#table-toggle", "aria-pressed") == "true"
    expected = api_graph(page.server, program, values)
    rows = table_rows(page)
    assert len(rows) == len(expected["nodes"])
    for row, node in zip(rows, expected["nodes"]):
        assert int(row["id"]) == node["id"]
        assert float(row["value"]) == node["value"]  # the same double, not a rounding of it
        if node["grad"] is None:
            assert row["grad"] == "none needed"
        else:
            assert float(row["grad"]) == node["grad"]
    assert page.eval_on_selector_all("#table-view thead th", "ths => ths.map(th => th.scope)") == ["col"] * 7
    assert page.eval_on_selector_all("#table-view tbody th", "ths => ths.every(th => th.scope === 'row')")
    assert page.text_content("#table-view caption").startswith("Every node")
    assert "distributes" in page.text_content("#table-view")  # the add gate's sentence
    shot(page, "table")
    set_input(page, "a", 2.5)
    expected = api_graph(page.server, program, {**values, "a": 2.5})
    rows = table_rows(page)
    assert [float(row["value"]) for row in rows] == [node["value"] for node in expected["nodes"]]
    page.reload()
    page.wait_for_selector("#table-view tbody tr")  # remembered open


def test_a_presenter_link_opens_straight_into_presenter_mode(browser, server):
    normal = open_page(browser, server, CS231N_SIMPLE)
    normal_button = normal.evaluate("parseFloat(getComputedStyle(document.querySelector('#step-forward')).fontSize)")
    normal_number = normal.evaluate("document.querySelector('#wout text').getBoundingClientRect().height")
    normal.context.close()
    fresh = open_page(browser, server, CS231N_SIMPLE + "&present=1")
    assert fresh.evaluate("document.documentElement.classList.contains('presenting')")
    assert fresh.is_hidden("#side") and fresh.is_hidden("header") and fresh.is_hidden("[data-export=svg]")
    assert fresh.is_visible("#step-forward") and fresh.is_visible("#step-back")
    button = fresh.evaluate("parseFloat(getComputedStyle(document.querySelector('#step-forward')).fontSize)")
    assert button >= 1.4 * normal_button
    fresh.wait_for_timeout(300)
    number = fresh.evaluate("document.querySelector('#wout text').getBoundingClientRect().height")
    assert number >= 1.3 * normal_number, (number, normal_number)
    wire = fresh.evaluate("getComputedStyle(document.querySelector('#graph .wire path')).strokeWidth")
    assert float(wire.rstrip("px")) >= 2
    shot(fresh, "presenter-light")
    fresh.click("#step-start")
    fresh.click("#step-forward")
    assert fresh.text_content("#step-status") != ""
    fresh.keyboard.press("Escape")
    assert fresh.is_visible("#side")
    assert "present=1" not in fresh.evaluate("location.hash")
    fresh.context.close()
    assert not fresh.errors, fresh.errors


def test_the_present_button_and_the_presenter_link(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#present")
    page.wait_for_function("() => document.documentElement.classList.contains('presenting')")
    assert "present=1" in page.evaluate("location.hash")
    assert page.is_hidden("#side")
    page.click("#leave-presenter")
    assert page.is_visible("#side")
    assert "present=1" not in page.evaluate("location.hash")
    page.click("#copy-presenter-link")
    link = page.evaluate("navigator.clipboard.readText()")
    assert "present=1" in link and "program=" in link
    page.click("[data-export=link]")
    assert "present=1" not in page.evaluate("navigator.clipboard.readText()")


def test_presenter_mode_in_the_dark_with_the_safe_palette_in_chinese(browser, server):
    fresh = open_page(browser, server, "/?lang=zh&theme=dark&palette=safe" + CS231N_SIMPLE[1:] + "&present=1")
    assert fresh.text_content("#leave-presenter") == "退出（Esc）"
    shot(fresh, "presenter-dark-safe-zh")
    fresh.context.close()
    assert not fresh.errors, fresh.errors
