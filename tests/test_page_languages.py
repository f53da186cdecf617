"""Chinese all the way, on the page: every string of the interface has its Chinese, and the API's errors are
shown in the page's language (the API writes each in English and Chinese, see tests/test_messages.py)."""

import re
from pathlib import Path

import pytest

from test_page import browser, wait_until_idle  # noqa: F401 (the fixture; the module skips without Chromium)

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A key the page looks up: t("key") in a script, data-i18n="key" (or -title, -aria) in a page or a script.
LOOKED_UP = [re.compile(r"\bt\(\s*\"([\w.]+)\""), re.compile(r"data-i18n(?:-title|-aria|-placeholder)?=\"([\w.]+)\""),
             re.compile(r"dataset\.i18n(?:Title|Aria)?\s*=\s*\"([\w.]+)\"")]


@pytest.fixture
def fresh(browser, server):
    """A page of its own (its own localStorage, so its own language)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.server = server
    yield page
    context.close()
    assert not page.errors, page.errors


def the_tables(page) -> dict:
    """The page's string tables (the catalogs' [page] table, the playground's words in it), as the browser reads
    them."""
    page.goto(page.server + "/playground")
    return page.evaluate("""async () => (await import("/static/js/i18n.js")).STRINGS""")


def test_every_english_string_of_the_page_has_its_chinese(fresh):
    strings = the_tables(fresh)
    english, chinese = strings["en"], strings["zh"]
    assert english.keys() == chinese.keys(), "keys in one language only"
    for key, text in english.items():
        zh = chinese[key]
        if re.search(r"[a-z]{2}", PLACEHOLDER.sub("", text)) and not key.startswith("language."):
            # words, not a name the same in both (API), nor only facts, nor the language's own tag
            assert CJK.search(zh), f"{key}: no Chinese in {zh!r}"
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(zh)), f"{key}: not the same facts"
    sources = [*(ROOT / "templates").glob("*.html"), *(ROOT / "static" / "js").rglob("*.js")]
    texts = [re.sub(r"^\s*//.*$", "", source.read_text(), flags=re.M) for source in sources]  # not comments
    looked_up = {key for text in texts for pattern in LOOKED_UP for key in pattern.findall(text)}
    assert len(looked_up) > 100
    assert looked_up - english.keys() == set(), "keys the page looks up that the tables lack"


def wait_for_error(page):
    page.wait_for_selector("#error:not([hidden])")
    return page.text_content("#error")


def test_an_api_error_is_shown_in_the_pages_language_and_follows_a_switch(fresh):
    fresh.goto(fresh.server + "/?lang=zh")
    fresh.wait_for_selector("#graph svg g.wire-label")
    fresh.fill("#program", "a +* b")
    fresh.press("#program", "Control+Enter")
    zh = "第 1 行，第 4 列：'+' 和 '*' 之间缺少内容：一个数、一个名字或一个括号。"
    fresh.wait_for_function(f"() => document.querySelector('#error').textContent === {zh!r}")
    fresh.click("[data-lang=en]")
    assert wait_for_error(fresh) == "Line 1, column 4: Something is missing between '+' and '*': a number, a name " \
                                    "or a bracket."
    fresh.click("[data-lang=zh]")
    assert wait_for_error(fresh) == zh


def test_a_request_the_server_cannot_read_is_said_by_the_page_in_its_language(fresh):
    fresh.goto(fresh.server + "/?lang=zh")
    fresh.wait_for_selector("#graph svg g.wire-label")
    said = fresh.evaluate("""async () => {
        const api = await import("/static/js/api.js");
        const { setLanguage } = await import("/static/js/i18n.js");
        const error = await api.computeGraph("a*2", { a: "5" }).catch((error) => error);  // a 422: "5" is no number
        const zh = error.message;
        setLanguage("en");
        return { status: error.status, zh, en: error.message };
    }""")
    assert said["status"] == 422
    assert said["zh"].startswith("服务器读不懂这个请求：values.a") and "values.a 应当是数。" in said["zh"]
    assert said["en"].startswith("The server could not read the request: values.a")
    assert "values.a should be a number." in said["en"]


def test_the_playground_says_why_it_stopped_in_chinese(fresh):
    fresh.goto(fresh.server + "/playground?layers=0&play=1&lang=zh")
    fresh.wait_for_selector("#message:not([hidden])")
    message = fresh.text_content("#message")
    assert message.startswith("已停止。第 1 个隐含层有 0 个神经元；一个隐含层有 1 到 8 个神经元"), message


def test_gates_are_named_in_chinese_in_the_card_the_table_the_boxes_and_for_screen_readers(fresh):
    fresh.goto(fresh.server + "/?lang=zh")
    fresh.wait_for_selector("#graph svg g.wire-label")
    fresh.click("#presets button[data-example='ng-J']")  # u = b*c; v = a + u; J = 3*v
    wait_until_idle(fresh)
    graph = fresh.evaluate("window.backpropLab.page.graph")
    u = next(node["id"] for node in graph["nodes"] if node["name"] == "u")
    fresh.click("#table-toggle")
    assert fresh.text_content(f"#table-view tr[data-node='{u}'] td.op") == "乘法门 *"
    assert fresh.get_attribute(f"#n{u}", "aria-label") == "乘法门 * → u"
    fresh.focus(f"#n{u}")
    fresh.wait_for_selector("#details:not([hidden]) h3 .gate-name")
    assert fresh.text_content("#details h3 .gate-name").strip() == "乘法门"
    fresh.click("[data-lang=en]")
    assert fresh.text_content(f"#table-view tr[data-node='{u}'] td.op") == "mul *"
    assert fresh.get_attribute(f"#n{u}", "aria-label") == "mul gate * → u"
    fresh.click("[data-lang=zh]")
    fresh.click("#presets button[data-example='cs231n-sigmoid-gate']")
    fresh.check("#unfold")
    fresh.wait_for_selector("#graph g.cluster.unfolded-group")
    assert fresh.text_content("#graph g.cluster.unfolded-group text.group-label") == "σ  sigmoid 门"
    sigmoid_part = fresh.evaluate("window.backpropLab.page.graph.nodes.find(n => n.unfolded_from === 'sigmoid').id")
    fresh.focus(f"#n{sigmoid_part}")
    fresh.wait_for_selector("#details:not([hidden]) .formula")
    assert "展开后的 sigmoid 门的一部分" in fresh.text_content("#details")
