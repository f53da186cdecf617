"""Every error in English and Chinese, with the same facts.

The catalogs (app/words/catalogs/*.toml) are checked key by key: every language has every English key with the
same placeholders, and the messages' Chinese is Chinese. The code is checked for sentences that bypass the table. And while any test
runs, conftest.py checks every error it meets, as it is made (``assert_same_facts``): the tests below show
that check failing where it must.
"""

import ast
import string
from pathlib import Path

import httpx
import pytest

from app import Limits, ProgramError, compute_graph
from app.words.catalogs import CATALOGS, ENGLISH
from app.words.messages import MESSAGES, Text, listing, say
from conftest import CJK, assert_error_in_both_languages, assert_same_facts

APP = Path(__file__).resolve().parents[1] / "app"
SOURCES = {str(path.relative_to(APP)): ast.parse(path.read_text()) for path in APP.rglob("*.py")}


def placeholders(template: str) -> set:
    """The template's fields with their conversions and formats (``!c``, English capitalisation, aside)."""
    return {(name, None if conversion == "c" else conversion, spec)
            for _, name, spec, conversion in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("key", MESSAGES)
def test_each_message_is_written_in_both_languages_with_the_same_placeholders(key):
    en, zh = CATALOGS["en"][key], CATALOGS["zh"][key]
    assert en.strip() and (CJK.search(zh) or not any(c.isalpha() for c in en)), f"{key}: no Chinese"
    assert not CJK.search(en), f"{key}: Chinese in the English"


@pytest.mark.parametrize("language", [language for language in CATALOGS if language != ENGLISH])
def test_every_catalog_has_the_english_keys_with_the_same_placeholders(language):
    english, catalog = CATALOGS[ENGLISH], CATALOGS[language]
    assert set(catalog) == set(english), f"{language}: keys missing or extra"
    for key, text in english.items():
        texts = zip(text, catalog[key]) if isinstance(text, list) else [(text, catalog[key])]
        for en, other in texts:
            assert placeholders(en) == placeholders(other), f"{language}, {key}: not the same facts as the English"


def test_a_phrase_goes_into_each_language_in_its_own_words():
    found = say("the_name", text="Q")
    text = say("not_expected", found=found)
    assert text == {"en": "The name 'Q' is not expected here.", "zh": "这里不应出现名字 'Q'。"}  # 'Q' kept: not str.capitalize
    assert listing(["a", say("none")]) == {"en": "a, none", "zh": "a、无"}
    assert listing([]) == say("none")


def string_constants(tree) -> set[str]:
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def calls(tree, names: set[str]):
    """The calls of functions or methods by these names (not the logger's nor the command line's: they speak to
    whoever runs the server, in English)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            owner = getattr(getattr(function, "value", None), "id", None)
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
            if name in names and owner not in ("log", "parser"):
                yield node


def test_every_message_said_is_in_the_table_and_every_row_is_said_somewhere():
    said = {call.args[0].value for tree in SOURCES.values() for call in calls(tree, {"say", "check"})
            if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)}
    assert said - set(CATALOGS[ENGLISH]) == set()
    used = set().union(*map(string_constants, SOURCES.values()))
    assert set(MESSAGES) - used == set(), "rows no code uses"


# What makes an error or an error answer: a sentence passed to any of these is English only.
ERROR_MAKERS = {"ProgramError", "error", "_error", "error_response", "busy", "_refuse", "bad", "_diverged"}


def test_no_error_is_made_from_a_sentence_of_its_own():
    written_in_place = []
    for file, tree in SOURCES.items():
        for call in calls(tree, ERROR_MAKERS):
            for arg in call.args:
                if isinstance(arg, ast.JoinedStr) or isinstance(arg, ast.Constant) and " " in str(arg.value):
                    written_in_place.append(f"{file}:{call.lineno}")
    assert not written_in_place, "sentences not from the catalogs"


def test_a_program_error_cannot_be_english_only():
    with pytest.raises(TypeError):
        ProgramError("value", "Something in English.")


def test_the_same_facts_check_fails_where_it_must():
    assert_same_facts("q has no value: give it one (for example q = 1 on a line before).",
                      "q 没有值：请给它一个值（例如在前面一行写 q = 1）。")
    for en, zh in [
        ("The program has 12 characters, more than the max_chars limit of 10.", "程序太长了。"),  # numbers, names
        ("Unexpected character '$'.", "意外的字符。"),  # the quoted token
        ("The program is empty.", "The program is empty."),  # not Chinese
        ("The program is empty.", ""),
        ("The program is empty.", "程序是空的：试试 foo。"),  # a name the English does not have
    ]:
        with pytest.raises(AssertionError):
            assert_same_facts(en, zh)
    english_only = httpx.Response(400, json={"detail": {"kind": "value", "message": "No.", "line": None,
                                                         "column": None}})
    english_only_by_language = httpx.Response(400, json={"detail": {"kind": "value", "message": {"en": "No."},
                                                                     "line": None, "column": None}})
    for response in (english_only, english_only_by_language):
        with pytest.raises(AssertionError):
            assert_error_in_both_languages(response)


@pytest.mark.parametrize("program, values, options", [
    ("3*(a+", {}, {}),
    ("u = a\nv = u +\nw = 1", {}, {}),
    ("2 * (a + max(a, b)\nq = 1", {"a": 1, "b": 2}, {}),
    ("bc + 1", {}, {}),
    ("leaky_relu(a, b, c, d)", {"a": 1, "b": 1, "c": 1, "d": 1}, {}),
    ("exp(a, b)", {"a": 1, "b": 1}, {}),
    ("W @ x", {"W": [[1, 2, 3]], "x": [1, 2]}, {}),
    ("[a, b]", {"a": [1, 2], "b": [1, 2, 3]}, {}),
    ("sum(a)", {"a": list(range(100))}, {"check": True, "limits": Limits(max_check_work=50)}),
    ("a * b", {"a": [1, 2, 3], "b": [[1], [2]]}, {"limits": Limits(max_elements=5)}),
])
def test_errors_from_every_stage_in_both_languages(program, values, options):
    with pytest.raises(ProgramError) as caught:
        compute_graph(program, values, **options)
    error = caught.value
    assert error.as_dict() == {"kind": error.kind, "message": error.text, "line": error.line, "column": error.column}
    assert_same_facts(error.text["en"], error.text["zh"])


def test_an_error_says_where_it_is_in_both_languages():
    with pytest.raises(ProgramError) as caught:
        compute_graph("2 * (a + max(a, b)\nq = 1", {"a": 1, "b": 2})
    assert caught.value.text["zh"] == "第 1 行第 5 列的 '(' 没有闭合：在名字 'q'之前应该有 ')'。"
    with pytest.raises(ProgramError) as caught:
        compute_graph("x\ny = bc + 1", {"x": 0})
    assert caught.value.text["zh"] == ("bc 没有值：请给它一个值（例如在前面一行写 bc = 1），或者检查拼写。"
                                       "几个字母连在一起是一个名字：要相乘，请写 b*c。")


def test_warnings_are_in_both_languages_too():
    warnings = compute_graph("exp(1000) * a", {"a": 1})["warnings"]
    assert warnings and all(CJK.search(warning["message"]["zh"]) for warning in warnings)
    assert warnings[0]["message"]["zh"] == "exp（节点 1，第 1 行第 1 列）的值是+∞（正无穷大）；JSON 把它写成 null，" \
                                        "它是哪一种写在节点的 nonfinite 字段里。"
    for warning in warnings:
        assert_same_facts(warning["message"]["en"], warning["message"]["zh"])


def test_the_api_answers_every_sentence_by_language_code_and_documents_it(client):
    answer = client.post("/api/graph", json={"expression": "a +* b", "default_value": 1})
    assert answer.json()["detail"]["message"]["zh"] == "'+' 和 '*' 之间缺少内容：一个数、一个名字或一个括号。"
    url = client.get("/api/graph", params={"expression": "a + + * b", "a": 1, "b": 2})
    message = url.json()["detail"]["message"]
    assert message["zh"].endswith("（在 URL 里，+ 表示空格：加号请写成 %2B。）")
    assert message["en"].endswith(" (In a URL, + stands for a space: write %2B for a plus sign.)")
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["Text"]["required"] == list(CATALOGS)
    for model, field in [("ErrorDetail", "message"), ("Warning", "message"), ("Op", "sentence"), ("Op", "called"),
                         ("Example", "title"), ("Narration", "forward"), ("QuizUse", "text")]:
        assert schemas[model]["properties"][field]["$ref"].endswith("/Text"), (model, field)
    no_second_field = [name for schema in schemas.values() for name in schema.get("properties", {})
                       if name.endswith("_zh")]
    assert no_second_field == []


# Requests that are not of the API's shape: pydantic says what is wrong in English, the table in Chinese.
MALFORMED = [
    ("post", "/api/graph", {"json": {}}, "缺少 expression：这一项必须给出。"),
    ("post", "/api/graph", {"json": {"expression": 5}}, "expression 应当是字符串。"),
    ("post", "/api/graph", {"json": {"expression": "a", "values": {"a": "5"}}}, "values.a 应当是数。"),
    ("post", "/api/graph", {"json": {"expression": "a", "values": [1]}}, "values 应当是对象（{…}）。"),
    ("post", "/api/graph", {"json": [1]}, "请求体 应当是 JSON 对象（{…}）。"),
    ("post", "/api/graph", {"content": b"{bad", "headers": {"content-type": "application/json"}},
     "请求体不是合法的 JSON：key must be a string at line 1 column 2。"),
    ("post", "/api/train", {"json": {"expression": "a", "values": {}, "params": ["a"], "learning_rate": 1,
                                     "steps": "x"}}, "steps 应当是整数。"),
    ("post", "/api/train", {"json": {"expression": "a", "values": {}, "params": ["a"], "learning_rate": 1,
                                     "steps": 1, "updates": "all"}}, "updates 只能是 'last'。"),
    ("get", "/api/graph", {"params": {"expression": "a", "check": "maybe"}}, "check 应当是布尔值（true 或 false）。"),
]


@pytest.mark.parametrize("method, path, request_, chinese", MALFORMED)
def test_a_malformed_request_is_told_what_is_wrong_in_both_languages(client, method, path, request_, chinese):
    answer = getattr(client, method)(path, **request_)
    assert answer.status_code == 422
    problems = answer.json()["detail"]
    assert all(problem["msg"] and CJK.search(problem["message"]["zh"])
               and "不符合要求" not in problem["message"]["zh"]
               for problem in problems), problems  # each problem in both, none by the catalog's fallback
    assert chinese in [problem["message"]["zh"] for problem in problems]


def test_a_path_or_method_the_api_does_not_have_is_said_in_both_languages(client):
    missing = client.get("/api/grpah")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found", "message": {
        "en": "There is no /api/grpah: this address does not exist (the API's addresses are in /docs).",
        "zh": "找不到 /api/grpah：这个地址不存在（API 的地址见 /docs）。"}})
    wrong_method = client.delete("/api/graph")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"]
    assert wrong_method.json()["message"]["zh"] == "/api/graph 不接受 DELETE 请求（各地址接受的请求见 /docs）。"
