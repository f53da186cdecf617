"""Every expression the app writes reads back, with the app's own parser, to the number it states: the
narration's forward and backward lines, each node's expression, quiz hints, the Jacobian view and Nielsen's
equations, in English and in Chinese, for the presets and for random programs. Written without the brackets
its precedence needs ("a − b gets c + d × 2.00 = 7.00"), an expression reads back to another number."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from app import ProgramError, compute_graph
from app.teaching.examples import examples

# -- reading a written expression as a program --------------------------------------------------------------------

UNREADABLE = ("…", "vector", "array", "元", "数组", "nan", "inf", "—", "∂", "upstream", "上游")
POSTFIX_TRANSPOSE = "ᵀ"


def _operand_end(text: str, start: int) -> int:
    """Where the operand that starts at ``start`` ends: a bracketed group, |…|, or a name or number with the
    call brackets after it."""
    if text[start] in "([":
        depth = 0
        for i in range(start, len(text)):
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[i], 0)
            if depth == 0:
                return i + 1
    if text[start] == "-":
        return _operand_end(text, start + 1)
    match = re.match(r"[A-Za-z_0-9.]+", text[start:])
    end = start + match.end()
    if end < len(text) and text[end] == "(":
        return _operand_end(text, end)
    return end


def _operand_start(text: str, end: int) -> int:
    """Where the operand that ends just before ``end`` starts (for a postfix ᵀ)."""
    if text[end - 1] in ")]":
        depth = 0
        for i in range(end - 1, -1, -1):
            depth += {")": 1, "]": 1, "(": -1, "[": -1}.get(text[i], 0)
            if depth == 0:
                start = i
                break
        match = re.search(r"[A-Za-z_0-9]+$", text[:start])
        return match.start() if match and text[start] == "(" else start
    return re.search(r"[A-Za-z_0-9.]+$", text[:end]).start()


def _absolute_values(text: str) -> str:
    """|x| → abs(x): a bar where an operand is expected opens, any other closes."""
    out, expect_operand = [], True
    for char in text:
        if char == "|":
            out.append("abs(" if expect_operand else ")")
            continue  # an operand is still expected after an opening bar, not after a closing one
        out.append(char)
        if char in "+-*/^@(,[":
            expect_operand = True
        elif not char.isspace():
            expect_operand = False
    return "".join(out)


def as_program(written: str) -> str:
    """The written form in the parser's syntax: − ×, σ( √ Σ ᵀ |x| and a · b spelled as the language spells
    them (the printer leaves only atoms bare beside √, Σ, ᵀ and ·, so their operands are easy to find)."""
    text = written.replace("−", "-").replace("×", "*").replace(" · ", " @ ").replace("·", "*")
    text = text.replace("σ(", "sigmoid(").replace("leaky relu(", "leaky_relu(")
    text = _absolute_values(text)
    for symbol, function in (("√", "sqrt"), ("Σ ", "sum")):
        while symbol in text:
            start = text.index(symbol) + len(symbol)
            end = _operand_end(text, start)
            text = f"{text[:text.index(symbol)]}{function}({text[start:end]}){text[end:]}"
    while POSTFIX_TRANSPOSE in text:
        end = text.index(POSTFIX_TRANSPOSE)
        start = _operand_start(text, end)
        text = f"{text[:start]}transpose({text[start:end]}){text[end + 1:]}"
    return text


def read_back(written: str, values: dict):
    return np.asarray(compute_graph(as_program(written), values)["value"], dtype=float)


def readable(text: str) -> bool:
    return not any(word in text for word in UNREADABLE)


def names_and_values(body: dict) -> dict:
    """Each name's value; a name given to several nodes (c = c + 1) is left out, and so are the
    expressions that mention it (which of its values they mean depends on where they stand)."""
    named = [node["name"] for node in body["nodes"] if node["name"] is not None]
    return {node["name"]: node["value"] for node in body["nodes"]
            if node["name"] is not None and named.count(node["name"]) == 1}


def mentions_an_unknown_name(written: str, values: dict) -> bool:
    """A name (not a function called) the values do not give: one of several nodes of that name."""
    names = re.findall(r"\b([A-Za-z_][A-Za-z_0-9]*)\b(?!\()", as_program(written))
    return any(name not in values and name not in ("e", "pi") for name in names)


def assert_reads_as(written: str, values: dict, stated, rel: float, abs_: float):
    if not readable(written) or mentions_an_unknown_name(written, values):
        return
    ours, stated = read_back(written, values), np.asarray(stated, dtype=float)
    assert np.allclose(ours, stated, rtol=rel, atol=abs_, equal_nan=True), f"{written!r} ({as_program(written)}) reads as {ours}, " \
                                                          f"not {stated}"


def shown_number(text: str) -> float | None:
    try:
        return float(text.replace("−", "-"))
    except ValueError:
        return None


# Numbers in a sentence are rounded to 3 significant digits: read back from rounded operands they land
# near, not on, the stated number; a missing bracket lands elsewhere (c + d × 2 is 6, not 7).
NUMBERS_REL, NUMBERS_ABS = 0.03, 0.02


def check_body(body: dict):
    values = names_and_values(body)
    for node in body["nodes"]:
        narration = node.get("narration")
        if narration is None:
            continue
        # the node's expression, in its names, is its value
        if node["op"] not in ("input", "const"):
            assert_reads_as(narration["expression"], values, node["value"], 1e-9, 1e-12)
            assert_reads_as(narration["name"], values, node["value"], 1e-9, 1e-12)
        for lang, colon in (("en", ": "), ("zh", "：")):
            forward = narration["forward"][lang]
            if node["op"] not in ("input", "const") and colon in forward:
                steps = forward.split(colon, 1)[1].split(" = ")
                if node["name"] is not None and steps[0] == node["name"]:
                    steps = steps[1:]
                result = shown_number(steps[-1])
                if len(steps) == 3 and result is not None:
                    assert_reads_as(steps[0], values, node["value"], 1e-9, 1e-12)
                    assert_reads_as(steps[1], values, result, NUMBERS_REL, NUMBERS_ABS)
            check_backward(narration["backward"][lang], values)


GETS = re.compile(r"(?:^|: |, |，|：)(?P<who>.+?) (?:gets|得到) (?P<what>[^=]+?)(?: = (?P<numbers>[^=]+?))? = "
                  r"(?P<result>-?[0-9.e+-]+)(?=,|，|$)")
TIMES_UPSTREAM = re.compile(r"= (?P<local>-?[0-9.e+-]+) × (?P<g>-?[0-9.e+-]+) = (?P<result>-?[0-9.e+-]+)")


def check_backward(sentence: str, values: dict):
    for part in re.split(r"; |；", sentence):
        for match in GETS.finditer(part):  # mul: "(a − b) gets (c + d) × 2.00 = 3.50 × 2.00 = 7.00"
            for what in filter(None, (match["what"], match["numbers"])):
                assert_reads_as(what, values, float(match["result"]), NUMBERS_REL, NUMBERS_ABS)
        match = TIMES_UPSTREAM.search(part)
        if match:  # the chain rule: "= 1.00 × 7.00 = 7.00"
            assert_reads_as(f"{match['local']} × {match['g']}", values, float(match["result"]), NUMBERS_REL,
                            NUMBERS_ABS)


# -- the examples of the issue -----------------------------------------------------------------------------------


def test_a_product_of_two_differences_is_narrated_with_its_brackets():
    body = compute_graph("2*((a-b)*(c+d))", {"a": 3, "b": 1, "c": 1, "d": 2.5}, narrate=True)
    product = body["nodes"][6]["narration"]
    assert product["expression"] == "(a − b) × (c + d)"
    assert "(a − b) gets (c + d) × 2.00 = 3.50 × 2.00 = 7.00" in product["backward"]["en"]
    assert "(a − b) 得到 (c + d) × 2.00 = 3.50 × 2.00 = 7.00" in product["backward"]["zh"]
    check_body(body)


def test_the_preset_f_of_x_y_z_says_z_gets_the_bracketed_sum():
    body = compute_graph("f = (x + y) * z", {"x": -2, "y": 5, "z": -4}, narrate=True)
    assert "z gets (x + y) × 1.00 = 3.00 × 1.00 = 3.00" in body["nodes"][-1]["narration"]["backward"]["en"]


@pytest.mark.parametrize("program, values, written", [
    ("(-3)^2", {}, "(-3)^2"),
    ("x^2", {"x": -3}, "(-3.00)^2.00"),  # the numbers too: −3.00^2.00 would be −9
    ("a - (b - c)", {"a": 1, "b": 2, "c": 3}, "a − (b − c)"),
    ("a - b - c", {"a": 1, "b": 2, "c": 3}, "a − b − c"),
    ("(a^b)^c", {"a": 2, "b": 2, "c": 3}, "(a^b)^c"),
    ("a^b^c", {"a": 2, "b": 2, "c": 3}, "a^b^c"),
    ("-(a*b)", {"a": 2, "b": 3}, "−(a × b)"),
    ("(-a)^2", {"a": 2}, "(−a)^2"),
    ("-a^2", {"a": 2}, "−a^2"),
    ("sum(x*x) * 2", {"x": [1, 2]}, "(Σ (x × x)) × 2"),
    ("sqrt(a + b) * 2", {"a": 1, "b": 3}, "(√(a + b)) × 2"),
    ("transpose(W + W) @ x", {"W": [[1, 2], [3, 4]], "x": [1, 1]}, "(W + W)ᵀ @ x"),
])
def test_the_printer_brackets_by_the_op_tables_precedence(program, values, written):
    body = compute_graph(program, values, narrate=True)
    narration = body["nodes"][-1]["narration"]
    assert written in (narration["expression"], narration["forward"]["en"].split(" = ")[1]), narration
    check_body(body)


# -- every preset and random programs ---------------------------------------------------------------------------


@pytest.mark.parametrize("example", examples(), ids=lambda example: example["name"])
def test_every_presets_written_expressions_read_back_to_their_numbers(example):
    body = compute_graph(example["program"], example["values"], narrate=True, local=True)
    check_body(body)


NAMES = ["a", "b", "c", "d"]
BINARY = ["+", "-", "*", "/", "^"]
FUNCTIONS = ["exp", "sigmoid", "tanh", "abs", "sum", "softplus", "sqrt"]


@st.composite
def expressions(draw, depth=3):
    """A random expression, fully bracketed so its meaning is fixed whatever the printer writes."""
    if depth == 0 or draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(NAMES + ["2", "0.5", "-1.5"]))
    kind = draw(st.sampled_from(["binary"] * 4 + ["neg", "function", "max"]))
    if kind == "binary":
        op = draw(st.sampled_from(BINARY))
        right = draw(st.sampled_from(["2", "3", "0.5"])) if op == "^" else draw(expressions(depth - 1))
        return f"({draw(expressions(depth - 1))} {op} {right})"
    if kind == "neg":
        return f"(-{draw(expressions(depth - 1))})"
    if kind == "function":
        return f"{draw(st.sampled_from(FUNCTIONS))}({draw(expressions(depth - 1))})"
    return f"max({draw(expressions(depth - 1))}, {draw(expressions(depth - 1))})"


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(expressions(), min_size=1, max_size=3), st.lists(st.floats(0.3, 2.0), min_size=4, max_size=4))
def test_any_programs_written_expressions_read_back_to_their_numbers(lines, numbers):
    program = "\n".join(f"v{i} = {line}" for i, line in enumerate(lines[:-1])) + ("\n" if len(lines) > 1 else "") \
        + " + ".join([f"0.7 * {lines[-1]}"] + [f"v{i}" for i in range(len(lines) - 1)])  # an upstream not 1
    values = dict(zip(NAMES, (round(x, 2) for x in numbers)))
    try:
        body = compute_graph(program, values, narrate=True, local=True, strict=False)
    except ProgramError:
        assume(False)
    assume(all(np.isfinite(np.asarray(node["value"], dtype=float)).all() for node in body["nodes"]))
    check_body(body)
