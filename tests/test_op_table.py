"""The operation table drives the language: a new operator or gate is one new row, and nothing else; and a row's
words for people say what its rules compute.

The parser builds its operator tokens, precedences, associativity, augmented assignments and error hints
from the rows of ``app.engine.ops.OPS``; the engine, the catalogue, the narration and the tests read the same rows.
The proof is the edit itself: a copy of the app with two rows added (a ``%`` operator and a ``log1p``
gate) parses, computes, narrates and passes the table-driven gradient tests, with no other file touched.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from app import ProgramError, compute_graph
from app.engine.ops import OPS, OPS_BY_NAME
from app.engine.parser import AUGMENTED, BINARY, PREFIX

# -- the syntax the rows give -----------------------------------------------------------------------------------------


def test_a_row_is_a_binary_operator_a_prefix_operator_or_neither():
    for op in OPS:
        assert not (op.infix and op.prefix), op.name
        if op.infix:
            assert len(op.params) == 2 and op.precedence > 0, op.name
        if op.prefix:
            assert len(op.params) == 1 and op.precedence > 0, op.name
        if not (op.infix or op.prefix):
            assert op.precedence == 0 and not op.right_associative, op.name


def test_operators_of_one_precedence_agree_on_their_associativity():
    # The parser compares precedences only: a ^ b ** c must read the same whichever token comes first.
    by_level: dict[int, set[bool]] = {}
    for op in BINARY.values():
        by_level.setdefault(op.precedence, set()).add(op.right_associative)
    assert all(len(kinds) == 1 for kinds in by_level.values()), by_level


def test_every_binary_operator_has_an_augmented_assignment():
    for token, op in BINARY.items():
        assert AUGMENTED[token + "="] is op
        values = {"a": [1.75, 2.5], "b": [0.5, 1.5]}  # vectors, which every operator takes (@ too)
        expected = compute_graph(f"c = a {token} b", values)["value"]
        assert compute_graph(f"c = a\nc {token}= b", values)["value"] == expected, token


@pytest.mark.parametrize("token", sorted(PREFIX))
def test_a_prefix_operator_on_a_number_is_a_number(token):
    result = compute_graph(f"{token}2 * a", {"a": 3})
    assert sorted(node["op"] for node in result["nodes"]) == ["const", "input", "mul"]
    assert [node["label"] for node in result["nodes"] if node["op"] == "const"] == [f"{token}2"]
    assert result["value"] == PREFIX[token].forward(2.0) * 3


def test_a_character_that_is_no_operator_says_which_are():
    with pytest.raises(ProgramError) as caught:
        compute_graph("a % b", {"a": 1, "b": 2})
    message = caught.value.message
    assert "'%' is not an operator here" in message
    listed = message.split("the operators are ")[1].rstrip(".").split()
    assert sorted(listed) == sorted({*BINARY, *PREFIX})


# -- a new row is all it takes ------------------------------------------------------------------------------------------

NEW_ROWS = '''
    Op("mod", "%", ("a", "b"), np.mod,
       (lambda g, ans, a, b: g, lambda g, ans, a, b: -g * np.floor_divide(a, b)),
       "a % b", ("1", "-floor(a / b)"),
       infix=("%",), precedence=2, function=False, show="{a} % {b}"),
    Op("log1p", "log1p", ("x",), np.log1p,
       (lambda g, ans, x: g / (1.0 + x),),
       "log(1 + x)", ("1 / (1 + x)",),
       show="log1p({x})"),
'''

# ... and their words, a table in each catalog
NEW_WORDS = {
    "en": '''
[ops.mod]
name = "mod"
sentence = "The remainder gate hands the upstream gradient to a unchanged, and to b times -floor(a / b)."

[ops.log1p]
name = "log1p"
sentence = "The log1p gate divides the upstream gradient by 1 + x."
''',
    "zh": '''
[ops.mod]
name = "取余门"
sentence = "取余门把上游梯度原样交给 a，乘以 -floor(a / b) 交给 b。"

[ops.log1p]
name = "log1p 门"
sentence = "log1p 门把上游梯度除以 1 + x。"
''',
}

CHECKS = '''
import math
import numpy as np
from app import ProgramError, catalogue, compute_graph

result = compute_graph("7.5 % b", {"b": 2})
assert result["value"] == 1.5 and result["gradients"] == {"b": -3.0}, result
assert compute_graph("1 + 7 % 4 * 2")["value"] == 7.0  # as tight as *, left to right: 1 + ((7 % 4) * 2)
assert compute_graph("u = 7\\nu %= 4\\nu")["value"] == 3.0
result = compute_graph("log1p(x)", {"x": 0.5}, narrate=True, local=True, check=True, dot=True)
assert result["value"] == math.log1p(0.5) and result["gradients"]["x"] == 1 / 1.5
assert result["nodes"][-1]["narration"]["forward"]["en"].startswith("log1p: log1p(x)")
assert {"mod", "log1p"} <= {op["name"] for op in catalogue()}
try:
    compute_graph("a ! b", {"a": 1, "b": 2})
except ProgramError as error:
    assert "%" in error.message.split("the operators are ")[1].rstrip(".").split(), error.message
try:
    compute_graph("log2(x)", {"x": 1})
except ProgramError as error:
    assert "log1p" in error.message, error.message
print("ok")
'''


@pytest.fixture(scope="module")
def app_with_two_more_rows(tmp_path_factory):
    """A copy of the app whose op table has two more rows, their words in the catalogs, and nothing else changed."""
    copy = tmp_path_factory.mktemp("one-row")
    shutil.copytree(ROOT / "app", copy / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", copy / "tests", ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    for shared in ("static", "templates"):
        (copy / shared).symlink_to(ROOT / shared)
    ops = copy / "app" / "engine" / "ops.py"
    text = ops.read_text(encoding="utf-8")
    table_start = "OPS: tuple[Op, ...] = (\n"
    assert text.count(table_start) == 1
    ops.write_text(text.replace(table_start, table_start + NEW_ROWS.lstrip("\n")), encoding="utf-8")
    for language, words in NEW_WORDS.items():
        catalog = copy / "app" / "words" / "catalogs" / f"{language}.toml"
        catalog.write_text(catalog.read_text(encoding="utf-8") + words, encoding="utf-8")
    return copy


def run_in(copy, *args):
    return subprocess.run([sys.executable, *args], cwd=copy, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(copy)}, check=False)


def test_a_new_operator_and_a_new_gate_work_from_their_rows_alone(app_with_two_more_rows):
    done = run_in(app_with_two_more_rows, "-c", CHECKS)
    assert done.returncode == 0 and done.stdout.split() == ["ok"], done.stderr[-3000:]


def test_the_table_driven_gradient_tests_cover_the_new_rows(app_with_two_more_rows):
    done = run_in(app_with_two_more_rows, "-m", "pytest", "-v", "-p", "no:cacheprovider",
                  "tests/test_op_gradients.py", "-k", "mod or log1p or every_op or one_rule")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    passed = [line for line in done.stdout.splitlines() if line.endswith("PASSED") or " PASSED " in line]
    assert any("[mod-" in line for line in passed) and any("log1p" in line for line in passed), done.stdout[-3000:]


# -- the words of a row say what its rules compute ----------------------------------------------------------------------
#
# A row gives its forward rule and local-gradient rules as code, and again as words for people: ``formula``
# ("x if x > 0, else slope · x") and ``local_grads`` ("1 if x > 0, else slope"), which /api/ops, the tooltips
# and the narration show. Here the words of every gate of numbers are read as the maths they write and held
# to the code at points on both sides of every kink, at the kinks and at ties. (The narration's shorter
# ``local_short``, where a row has one, abbreviates its ``local_grads``: σ(1−σ) for σ(x)(1 - σ(x)).)

NOTATION = [("·", "*"), ("²", "**2"), ("^", "**"), ("½", "0.5"), ("σ", "sigmoid"), (")(", ")*(")]
FUNCTIONS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh, "sin": np.sin, "cos": np.cos,
             "sign": np.sign, "abs": np.abs, "max": max, "min": min, "sigmoid": OPS_BY_NAME["sigmoid"].forward}


def as_python(words: str) -> str:
    for notation, python in NOTATION:
        words = words.replace(notation, python)
    words = re.sub(r"\|(\w+)\|", r"abs(\1)", words)  # |x|
    words = re.sub(r"\blog (\w+)", r"log(\1)", words)  # log a
    return re.sub(r"(\d) (\w)", r"\1*\2", words)  # 2 sqrt(x)


def top_level_clauses(words: str) -> list[str]:
    clauses, depth, start = [], 0, 0
    for i, character in enumerate(words):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and words.startswith(", ", i):
            clauses.append(words[start:i])
            start = i + 2
    return clauses + [words[start:]]


def read(words: str, params: tuple[str, ...], args: tuple[float, ...]) -> float:
    """The number the words say: an expression, or clauses "A if condition", "A on a tie", "A at x = 0", "else A"."""
    scope = {"__builtins__": {}, **FUNCTIONS, **dict(zip(params, map(np.float64, args)))}
    otherwise = None
    for clause in top_level_clauses(words):
        if clause.startswith("else "):
            otherwise = clause[5:]
        elif " if " in clause:
            value, condition = clause.split(" if ")
            if eval(as_python(condition), scope):  # the op table's own words, never a user's
                return float(eval(as_python(value), scope))
        elif clause.endswith(" on a tie"):
            if args[0] == args[1]:
                return float(eval(as_python(clause[:-len(" on a tie")]), scope))
        elif " at " in clause:
            value, place = clause.split(" at ")
            name, number = place.split(" = ")
            if scope[name] == float(number):
                return float(eval(as_python(value), scope))
        else:
            otherwise = clause
    return float(eval(as_python(otherwise), scope))


POINTS = [-1.3, -0.5, 0.0, 0.4, 1.7, 2.5]
GATES_OF_NUMBERS = [op for op in OPS if op.elementwise and not op.variadic]


@pytest.mark.parametrize("op", GATES_OF_NUMBERS, ids=lambda op: op.name)
def test_a_rows_words_say_what_its_rules_compute(op):
    compared = 0
    for args in itertools.product(POINTS, repeat=len(op.params)):
        values = tuple(np.float64(x) for x in args)
        with np.errstate(all="ignore"):
            ans = op.forward(*values)
            if not np.isfinite(ans):
                continue  # outside the domain (log of a negative number)
            local = [float(vjp(np.float64(1.0), ans, *values)) for vjp in op.vjps]
        with np.errstate(all="ignore"):
            said = read(op.formula.split(" = ")[-1], op.params, args)  # "σ(x) = 1 / (1 + exp(-x))": the gate, then it
            texts = [read(words, op.params, args) for words in op.local_grads]
        assert said == pytest.approx(float(ans), rel=1e-12), f"{op.name}{args}: formula {op.formula!r}"
        for words, text, rule in zip(op.local_grads, texts, local):
            assert text == pytest.approx(rule, rel=1e-12, abs=1e-300, nan_ok=True), \
                f"{op.name}{args}: local gradient {words!r} says {text}, the rule {rule}"
        compared += 1
    assert compared >= 3
