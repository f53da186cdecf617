"""A third language is catalog files only: a pseudo-locale proves it.

From the English catalog, at test time, a pseudo-language ``qps`` is written: every sentence accented and
lengthened, in brackets ("⟦Ţĥé ɱûļ ĝåţé šŵåþš ~~~~⟧"), with its placeholders kept. It is put beside the real
catalogs in a folder of its own, and a server started on that folder (``BACKPROP_LAB_WORDS``); no other file
changes. Then the API's answers and the page (in Chromium) are read in it: a word written in plain Latin letters
there did not come through a catalog (whose every letter is accented), so it must be a fact: a name of the
program, an op, a name of the API or a limit, a file format, or a word of the op table's notation ("max(a, b)",
"1 if x > 0, else 0": see docs/words.md). Anything else is English written outside the catalogs, and fails.
"""

from __future__ import annotations

import json
import re
import shutil
import string
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.engine.ops import CONSTANTS, FUNCTIONS, OPS
from app.teaching.examples import examples
from app.words.catalogs import CATALOGS, ENGLISH, FOLDER, to_toml
from conftest import free_port, start_app_server, stop_app_server
from test_page import browser  # noqa: F401 (the fixture; the page's tests skip without Chromium)

PSEUDO = "qps"
ACCENTED = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                         "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ")
WORD = re.compile(r"[A-Za-z]{2,}")
# What a language's catalog says of itself rather than translates.
OWN = {"page.language.tag": "qps-ploc", "page.language.button": "ǪÞŠ"}


def pseudo(template: str) -> str:
    """The template accented and about a third longer, in brackets, its placeholders as they were."""
    if not template.strip():
        return template
    pieces = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        pieces.append(literal.translate(ACCENTED).replace("{", "{{").replace("}", "}}"))
        if field is not None:
            pieces.append("{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "⟦" + "".join(pieces) + "~" * (len(template) // 3 + 1) + "⟧"


def pseudo_catalog() -> dict:
    words = {}
    for key, text in CATALOGS[ENGLISH].items():
        words[key] = OWN.get(key) or ([pseudo(part) for part in text] if isinstance(text, list) else pseudo(text))
    return words


def test_the_pseudo_language_keeps_the_placeholders_and_hides_every_letter():
    assert pseudo("{name!r} has {size:,} elements; write {{…}}") == \
        "⟦{name!r} ĥåš {size:,} éļéɱéñţš; ŵŕîţé {{…}}~~~~~~~~~~~~~~~⟧"
    assert pseudo("{name!r} has {size:,} elements").format(name="W", size=1000) == "⟦'W' ĥåš 1,000 éļéɱéñţš~~~~~~~~~~~⟧"


CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Facts the page and the API say in every language alike: file formats and keys, the API, the notes' names.
NAMES = {"SVG", "PNG", "JSON", "DOT", "curl", "API", "Ctrl", "Enter", "CS231n", "Nielsen", "Karpathy", "micrograd",
         "Graphviz", "Ng", "nan", "inf", "null", "true", "false", "train", "test", "epochs", "steps", "values",
         "narrate", "params", "data", "seed", "ReLU", "Leaky", "ELU", "updates", "last", "api", "docs"}


def notation_words() -> set[str]:
    """The op table's names and notation: its names, symbols, and the formulas and local-gradient rules that are
    notation only ("g @ bᵀ"); a rule or a formula with words in it ("1 if a > b, 0 if a < b, ½ on a tie",
    "x if x > 0, else slope · x") is the catalogs'."""
    words = set(FUNCTIONS) | set(CONSTANTS)
    for op in OPS:
        rules = () if op.worded_rules() else op.local_grads
        short = () if op.worded_rules(short=True) else op.local_short
        formula = "" if op.has_words("formula") else op.formula
        for text in (op.name, op.symbol, formula, op.show, op.unfolds_to or "", *rules, *short, *op.params):
            words |= set(CODE.findall(text))
    return words


def is_code(word: str) -> bool:
    """A name of the API or of a program: max_chars, W1, BACKPROP_MAX_DEPTH, a one-letter name."""
    return len(word) < 2 or "_" in word or any(c.isdigit() for c in word) or word.isupper()


def english_leaks(text: str, facts: set[str]) -> list[str]:
    """The words of a pseudo-language text in plain Latin letters that are no facts: English from outside the
    catalogs."""
    return sorted({word for word in CODE.findall(text) if not is_code(word) and word not in facts})


FACTS = notation_words() | NAMES


def test_the_leak_check_finds_english_written_outside_the_catalogs():
    assert english_leaks("⟦ɱûļ: x × y = 3.00 × 2.00~~⟧", FACTS) == []
    assert english_leaks("⟦ŵéîĝĥţš W1, b1 (max_chars, BACKPROP_MAX_NODES)~~⟧", FACTS) == []
    assert english_leaks("⟦W⟧ (the first 4)", FACTS) == ["first", "the"]
    assert {"on", "tie"} <= set(english_leaks("1 if z > w, 0 if z < w, ½ on a tie", FACTS))  # a rule's words
    assert {"if", "else"} <= set(english_leaks("x if x > 0, else slope · x", FACTS))  # a formula's words
    assert {"depends", "this"} <= set(english_leaks("no gradient: this depends on no input", FACTS))


@pytest.fixture(scope="module")
def pseudo_server(tmp_path_factory):
    """A server whose catalogs folder holds the real catalogs and the pseudo-language's: a file, nothing else."""
    folder = tmp_path_factory.mktemp("words")
    for catalog in FOLDER.glob("*.toml"):
        shutil.copy(catalog, folder / catalog.name)
    (folder / f"{PSEUDO}.toml").write_text(to_toml(pseudo_catalog()), encoding="utf-8")
    port = free_port()
    process = start_app_server(port, env={"BACKPROP_LAB_WORDS": str(folder)})
    yield f"http://127.0.0.1:{port}"
    stop_app_server(process)


def texts_in(answer, found=None) -> list[dict]:
    """Every text by language in an answer: each object whose keys are the languages."""
    found = [] if found is None else found
    if isinstance(answer, dict):
        if {ENGLISH, "zh", PSEUDO} <= answer.keys() and all(isinstance(v, str) for v in answer.values()):
            found.append(answer)
        else:
            for value in answer.values():
                texts_in(value, found)
    elif isinstance(answer, list):
        for value in answer:
            texts_in(value, found)
    return found


PROGRAMS = [
    ("3*(a + b*c)", {"a": 5, "b": 3, "c": 2}),
    ("a = 2\nb = 2\nf = max(a, b) + min(a, 3) * abs(a - 2) + relu(a - 2)", {}),
    ("x = [1.0, -2.0, 3.0, 0.5, 2]\ny = sum(relu(x) * sigmoid(x)) + mean(tanh(x)) + dot(x, x)", {}),
    ("W = [[1, 2], [3, 4]]\nv = [0.5, -1]\nq = W @ v\nf = sum(q * q)", {}),
    ("W1 = [[0.1, 0.2], [0.3, -0.4]]\nb1 = [0.1, 0.1]\nW2 = [[0.5, -0.5]]\nx = [[1, 2, 3], [0, 1, 0]]\n"
     "a1 = sigmoid(W1 @ x + [[0.1], [0.1]])\nC = sum((W2 @ a1) ^ 2)", {}),
    ("u = a*a\nf = u + u + exp(u) + log(a) + sqrt(a) + a^3 + leaky_relu(-a) + elu(-a) + softplus(a)", {"a": 1.5}),
]
BAD = ["", "a +", "3 < 4", "a.b", "foo(1)", "(a + b", "a b", "exp(1, 2)", "1 @ [1,2]", "a = [1,2] + [1,2,3]",
       "exp(1000) * q"]


def test_the_api_speaks_the_pseudo_language_in_every_sentence(pseudo_server):
    answers = []
    with httpx.Client(base_url=pseudo_server, timeout=60) as client:
        for program, values in PROGRAMS:
            for options in ({"check": True, "local": True, "narrate": True, "layers": True, "quiz": True},
                            {"unfold": True, "narrate": True}):
                answers.append(client.post("/api/graph", json={"expression": program, "values": values, **options}))
        answers += [client.post("/api/graph", json={"expression": program, "values": {"q": 1}}) for program in BAD]
        answers.append(client.post("/api/train", json={"expression": "w = [0.5, 1, 2, 3, 4, 5]\nL = sum(w^2)",
                                                      "params": ["w"], "learning_rate": 0.1, "steps": 2,
                                                      "updates": "all"}))
        answers.append(client.get("/api/graph", params={"expression": "a + + b", "values": '{"a": 1, "b": 2}'}))
        ops = client.get("/api/ops")
        answers += [ops, client.get("/api/examples"), client.get("/api/nothing")]
        playground = [client.post("/api/playground/step", json={"settings": {"l2": 0.01}, "steps": 0}),
                      client.post("/api/playground/sample", json={"settings": {}, "subset": "train", "index": 0})]
        answers += playground
        schema = client.get("/openapi.json").json()["components"]["schemas"]["Text"]
    assert schema["required"] == [ENGLISH, *sorted({*CATALOGS, PSEUDO} - {ENGLISH})]
    texts = [text for answer in answers for text in texts_in(answer.json())]
    assert len(texts) > 500
    statements = [line.split("#")[0] for answer in playground for line in answer.json()["program"].splitlines()]
    facts = FACTS | {word for line in statements for word in CODE.findall(line)} | {
        word for program, values in PROGRAMS for word in CODE.findall(program)} | {
        word for program in BAD for word in CODE.findall(program)} | {"w", "L", "q", "nothing", "GET", "DELETE"}
    leaks = {(text[PSEUDO], tuple(english_leaks(text[PSEUDO], facts))) for text in texts
             if english_leaks(text[PSEUDO], facts)}
    assert not leaks, f"{len(leaks)} sentences with English from outside the catalogs: {sorted(leaks)[:5]}"
    said = [text[PSEUDO] for text in texts if text[PSEUDO] != text[ENGLISH]]
    assert len(said) > 400 and all("⟦" in text for text in said)
    formulas = {op["name"]: op["formula"] for op in ops.json()}  # /api/ops: every formula by language
    assert formulas["leaky_relu"][PSEUDO].startswith("⟦") and formulas["add"][PSEUDO] == "a + b"


# -- the page, in Chromium ------------------------------------------------------------------------------------

VISIBLE_TEXTS = """() => {
    const texts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest("script, style, textarea, pre, code")) continue;  // programs
        if (node.textContent.trim()) texts.push(node.textContent.trim());
    }
    // the playground's program is the server's: its statements are code, its comments are the catalogs' words
    for (const program of document.querySelectorAll("pre#program")) {
        for (const line of program.textContent.split("\\n")) if (line.includes("#")) texts.push(line.split("#")[1].trim());
    }
    for (const element of document.querySelectorAll("[title], [aria-label], [placeholder]")) {
        for (const name of ["title", "aria-label", "placeholder"]) {
            // a preset's tooltip ends with its program: code, whose comments are the examples' own (docs/words.md)
            if (element.getAttribute(name)) texts.push(element.getAttribute(name).split("\\n\\n")[0]);
        }
    }
    return texts;
}"""


def open_card(name):
    """Open the card of the node called ``name`` (its chain-rule table, with the local-gradient rules)."""
    def opened(page):
        node = page.evaluate(f"window.backpropLab.page.graph.nodes.find(n => n.name === {name!r}).id")
        page.focus(f"#n{node}")
        page.wait_for_selector("#details:not([hidden]) .chain-rule")
        page.wait_for_function("() => { const p = window.backpropLab.page; return p.settled === p.request; }")
        page.wait_for_selector("#details .chain-rule td:nth-child(2):not(:empty)")
    return opened


def page_texts(browser, server: str, path: str, language: str, ready: str, action=None) -> list[str]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + path.replace("LANG", language))
    page.wait_for_selector(ready)
    if action:
        action(page)
    if path.startswith("/?"):
        page.click("#table-toggle")
        page.wait_for_selector("#table-view tr[data-node]")
    page.wait_for_timeout(500)
    texts = page.evaluate(VISIBLE_TEXTS)
    context.close()
    assert not errors, errors
    return texts


def linked(program: str, values: dict) -> str:
    return "/?lang=LANG#program=" + quote(program) + "&values=" + quote(json.dumps(values))


NIELSEN = next(example for example in examples() if example["name"] == "nielsen-mlp")


@pytest.mark.parametrize("path, ready, action", [
    (linked("3*(a + b*c)", {"a": 5, "b": 3, "c": 2}), "#graph svg g.wire-label", None),
    # a card's chain rule: the op table's local-gradient rules with words in them (max, relu, sum, mean, pow, abs)
    (linked("m = max(z, w) + min(z, w)\nr = relu(z) + abs(w) + z^2\nf = m + r + sum([z, w]) + mean([z, w])",
            {"z": 2, "w": -1}), "#graph svg g.wire-label", open_card("m")),
    (linked("y = leaky_relu(z) + elu(w)\nf = sum(transpose([[z, w]]))", {"z": 2, "w": -1}),
     "#graph svg g.wire-label", open_card("y")),
    # Nielsen's equations beside the graph
    (linked(NIELSEN["program"], NIELSEN["values"]), "#equations-section:not([hidden])", None),
    ("/playground?lang=LANG", "#epoch:not(:empty)", None),
    ("/playground?lang=LANG&l2=0.01", "#epoch:not(:empty)", None),
])
def test_the_page_speaks_the_pseudo_language_in_every_text(browser, pseudo_server, path, ready, action):
    pseudo_texts = page_texts(browser, pseudo_server, path, PSEUDO, ready, action)
    facts = FACTS | {"a", "b", "c", "z", "w", "m", "r", "f", "y"} | set(CODE.findall(NIELSEN["program"]))
    leaks = sorted({text for text in pseudo_texts if english_leaks(text, facts)})
    assert not leaks, f"texts on the page not from a catalog: {leaks[:10]}"
    assert sum("⟦" in text for text in pseudo_texts) > 30
