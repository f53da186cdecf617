"""No text, however garbled, gets anything but an answer or a ProgramError: never a 500."""

import json
import math
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from app import ProgramError, compute_graph, sweep
from app.engine.ops import catalogue

ALPHABET = "abcxyzWe0123456789.+-*/^@()[],;=\n #_" + "eE"
FRAGMENTS = ["exp(", "log(", "max(", "leaky_relu(", "slope=", "sum(", "dot(", "transpose(", "**", "+=", "[[1, 2], [3, 4]]",
             "[1, 2]", "pi", "1e308", "-", "sigmoid(", ")", "@", "relu(", "elu(", "alpha=", "mean(", "sqrt(", "0"]

programs = st.lists(st.one_of(st.text(ALPHABET, min_size=1, max_size=4), st.sampled_from(FRAGMENTS)),
                    max_size=25).map("".join)
values = st.dictionaries(st.sampled_from(["a", "b", "c", "x", "W"]),
                         st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just([1.0, 2.0]),
                                   st.just([[1.0, 2.0], [3.0, 4.0]]), st.just([]), st.just([[1.0], [2.0, 3.0]])),
                         max_size=4)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(programs, values)
def test_any_text_answers_or_says_what_is_wrong(program, given_values):
    for options in ({}, {"check": True, "local": True, "dot": True, "default_value": 1.0, "strict": False}):
        try:
            result = compute_graph(program, given_values, **options)
        except ProgramError as error:
            assert error.kind in {"syntax", "name", "function", "arity", "shape", "value", "limit"}
            assert error.message.endswith((".", "?"))
            if error.line is not None:
                assert 1 <= error.line <= program.count("\n") + 1 and error.column >= 1
        else:
            assert result["output"] == len(result["nodes"]) - 1


@settings(max_examples=100, deadline=None, derandomize=True)
@given(programs)
def test_any_text_sweeps_or_says_what_is_wrong(program):
    try:
        result = sweep(program, "x", -1, 1, 5, {"a": 1, "b": 2})
    except ProgramError:
        return
    assert len(result["x"]) == len(result["value"]) == len(result["grad"]) == 5


# -- the language, through HTTP: programs from the grammar, valid and broken --------------------------------------
#
# FUZZ_EXAMPLES sets the number of examples of each test below (a small default keeps CI fast); the README gives
# the big run: FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py -q -p no:randomly


FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
ERROR_KINDS = {"syntax", "name", "function", "arity", "shape", "value", "limit"}
TRACEBACK_SIGNS = ("Traceback", 'File "', "Error:", "<module>", "site-packages", "\n  at ")


def fuzz_settings(default: int):
    return settings(max_examples=FUZZ_EXAMPLES or default, deadline=None, derandomize=not FUZZ_EXAMPLES,
                    database=None, suppress_health_check=list(HealthCheck))


OPS = catalogue()
FUNCTIONS = [op for op in OPS if op["function"]]
INFIX = sorted({token for op in OPS for token in op["infix"]})
PREFIX = sorted({op["prefix"] for op in OPS if op["prefix"]})
ASSIGNMENTS = ["=", *(token + "=" for token in INFIX)]  # every binary operator has its augmented assignment
NAMES = ["a", "b", "c", "x", "y", "W", "v"]


def _call(op, args):
    """A call with as many arguments as the op takes, sometimes with a keyword parameter."""
    arity = op["arity"]
    params = op["params"]
    if arity.startswith("1 to"):
        optional = params[1:]
        return st.one_of(
            args.map(lambda a: f"{op['name']}({a})"),
            st.tuples(args, st.sampled_from(optional), args).map(lambda t, n=op["name"]: f"{n}({t[0]}, {t[1]}={t[2]})"),
            st.tuples(args, args).map(lambda t, n=op["name"]: f"{n}({t[0]}, {t[1]})"))
    count = int(arity.split()[0]) if arity[0].isdigit() else 1
    return st.lists(args, min_size=count, max_size=count).map(lambda a, n=op["name"]: f"{n}({', '.join(a)})")


numbers = st.one_of(st.integers(0, 12).map(str), st.sampled_from(["0.5", ".25", "1e3", "2.5e-3", "1e308", "1e999999",
                                                                     "99999999999999999999999999", "0"]))
atoms = st.one_of(numbers, st.sampled_from(NAMES), st.sampled_from(["pi", "e"]))


def _compound(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(INFIX), children).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(PREFIX), children).map("".join),
        children.map(lambda c: f"({c})"),
        st.tuples(numbers, st.sampled_from(NAMES)).map("".join),  # implicit multiplication: 2x
        st.lists(children, min_size=1, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.sampled_from(FUNCTIONS).flatmap(lambda op: _call(op, children)),
    )


expressions = st.recursive(atoms, _compound, max_leaves=12)
statements = st.one_of(
    expressions,
    st.tuples(st.sampled_from(NAMES), st.sampled_from(ASSIGNMENTS), expressions)
    .map(lambda t: f"{t[0]} {t[1]} {t[2]}"))
valid_looking = st.tuples(st.lists(statements, min_size=1, max_size=4),
                          st.sampled_from(["\n", "; ", ";\n", " # note\n"])).map(lambda t: t[1].join(t[0]))

# Broken programs: a valid-looking one with a cut, a stray token or a hostile character spliced in.
HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "\x00", "\x1b[31m", "\u202e", "\u200b",
           "\ufeff", "é", "名", "🙂", "\r", "\t", "\\", "'", '"', "{", "}", ":", "%", "!", "`", "$", "..", "__import__",
           "lambda", "import os", "os.system('ls')", "1_000", "0x1F", "1e", "1.2.3", "==", "<=", ",", "=", "(", ")",
           "[", "]", "**", "^^", "@@"]
broken = st.tuples(valid_looking, st.integers(0, 10_000), st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)),
                   st.booleans()).map(
    lambda t: (t[0][:t[1] % (len(t[0]) + 1)] + t[2] + (t[0][t[1] % (len(t[0]) + 1):] if t[3] else "")))
# Every Unicode category, control characters and lone surrogates included (sent as JSON escapes such as \ud800).
any_text = st.text(st.characters(exclude_categories=()), max_size=60)


def _deep(depth_and_kind):
    depth, kind = depth_and_kind
    if kind == "brackets":
        return "(" * depth + "a" + ")" * depth
    if kind == "calls":
        return "exp(" * depth + "a" + ")" * depth
    if kind == "arrays":
        return "[" * depth + "1" + "]" * depth
    if kind == "unbalanced":
        return "(" * depth + "a"
    if kind == "unary":
        return "-" * depth + "a"
    if kind == "tower":
        return "^".join(["9"] * depth)
    if kind == "sum":
        return "+".join(["a"] * depth)
    return "a = 1\n" * depth + "a"


deep_and_long = st.tuples(st.sampled_from([1, 50, 500, 5_000, 10_001, 30_000]),
                          st.sampled_from(["brackets", "calls", "arrays", "unbalanced", "unary", "tower", "sum",
                                           "lines"])).map(_deep)

any_program = st.one_of(valid_looking, broken, any_text, deep_and_long)
values_strategy = st.dictionaries(
    st.sampled_from(NAMES + ["<b>x</b>", "é", ""]),
    st.one_of(st.floats(-1e6, 1e6), st.floats(allow_nan=False, allow_infinity=False),
              st.lists(st.floats(-10, 10), min_size=1, max_size=3),
              st.just([[1.0, 2.0], [3.0, 4.0]]), st.just([]), st.just([[1.0], [2.0, 3.0]])),
    max_size=3)


def strict_json(response):
    """The body as JSON, refusing NaN and Infinity, which are not JSON."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(response.content, parse_constant=refuse)


def post_json(client, path, body):
    """POST as JSON with every non-ASCII character escaped, so that a lone surrogate can travel as \\ud800."""
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def assert_answer_or_detail(response, program=""):
    note(f"program {program[:300]!r}; status {response.status_code}: {response.text[:300]}")
    assert response.status_code in (200, 400, 413), response.text[:500]
    body = strict_json(response) if response.headers["content-type"].startswith("application/json") else None
    if response.status_code == 200:
        return body
    detail = body["detail"]
    assert detail["kind"] in ERROR_KINDS
    assert isinstance(detail["message"]["en"], str) and detail["message"]["en"]
    assert not any(sign in detail["message"]["en"] for sign in TRACEBACK_SIGNS), detail["message"]["en"]
    if detail["line"] is not None:
        assert 1 <= detail["line"] <= program.count("\n") + program.count("\r") + 1 and detail["column"] >= 1
    return None


def _options(flags):
    check, local, dot, strict = flags
    return {"check": check, "local": local, "dot": dot, "strict": strict, "default_value": 1.5}


@fuzz_settings(150)
@given(any_program, values_strategy, st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()))
def test_every_program_posted_gets_an_answer_or_a_detail(client, program, given_values, flags):
    response = post_json(client, "/api/graph", {"expression": program, "values": given_values, **_options(flags)})
    body = assert_answer_or_detail(response, program)
    if body is not None:
        assert body["output"] == len(body["nodes"]) - 1
        assert all(edge["source"] < edge["target"] for edge in body["edges"])


@fuzz_settings(50)
@given(any_program)
def test_every_program_in_a_url_gets_an_answer_or_a_detail(client, program):
    assume(not any("\ud800" <= character <= "\udfff" for character in program))  # a URL is UTF-8: no lone surrogates
    assume(len(quote(program)) < 60_000)  # the test client refuses longer URLs; the server's own limit is lower
    response = client.get("/api/graph", params={"expression": program, "a": "2", "default_value": "1"})
    assert_answer_or_detail(response, program)
    response = client.get("/api/dot", params={"expression": program, "default_value": "1"})
    assert response.status_code in (200, 400, 413), response.text[:500]
    if response.status_code != 200:
        assert_answer_or_detail(response, program)


@fuzz_settings(60)
@given(any_program, st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False),
       st.integers(-3, 300))
def test_every_sweep_gets_an_answer_or_a_detail(client, program, start, stop, num):
    response = post_json(client, "/api/sweep", {"expression": program, "variable": "x", "start": start, "stop": stop,
                                                "num": num, "default_value": 1})
    body = assert_answer_or_detail(response, program)
    if body is not None:
        assert len(body["x"]) == len(body["value"]) == len(body["grad"]) == num


# -- gradients of valid programs against central differences ---------------------------------------------------------

SCALAR_NAMES = ["a", "b", "c"]
scalar_expressions = st.recursive(
    st.one_of(st.integers(1, 5).map(str), st.sampled_from(SCALAR_NAMES)),
    lambda children: st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda c: f"-{c}"),
        st.sampled_from([op for op in FUNCTIONS if op["elementwise"]]).flatmap(lambda op: _call(op, children))),
    max_leaves=8)
scalar_programs = st.one_of(
    scalar_expressions,
    st.tuples(scalar_expressions, scalar_expressions).map(lambda t: f"u = {t[0]}\nv = u * {t[1]}\nv + u"))
input_values = st.fixed_dictionaries({name: st.floats(-3, 3).map(lambda v: round(v, 3)) for name in SCALAR_NAMES})


def _value(client, program, values):
    body = client.post("/api/graph", json={"expression": program, "values": values, "default_value": 1}).json()
    return body.get("value")


def _differences(client, program, values, name, step, at):
    """Central, forward and backward differences of the output in ``name`` (``at`` is the output at values)."""
    plus = _value(client, program, {**values, name: values[name] + step})
    minus = _value(client, program, {**values, name: values[name] - step})
    if plus is None or minus is None:
        return None
    return (plus - minus) / (2 * step), (plus - at) / step, (at - minus) / step


KINKS_AT_ZERO = {"abs", "relu", "leaky_relu", "elu"}


def _at_a_kink(nodes) -> bool:
    """A gate exactly at its kink: there the engine follows PyTorch's convention (relu'(0) = 0, a tie in max
    splits the gradient), which need not be the slope: min(1, max(1, a)) is flat at a = 1, the convention 0.25."""
    for node in nodes:
        args = [nodes[i]["value"] for i in node["inputs"]]
        if node["op"] in KINKS_AT_ZERO and args[0] == 0 or node["op"] in ("max", "min") and args[0] == args[1]:
            return True
    return False


@fuzz_settings(60)
@given(scalar_programs, input_values)
def test_valid_programs_gradients_agree_with_finite_differences(client, program, values):
    response = client.post("/api/graph", json={"expression": program, "values": values, "default_value": 1})
    body = assert_answer_or_detail(response, program)
    assume(body is not None and body["value"] is not None and not body["warnings"])
    assume(all(node["value"] is None or abs(node["value"]) < 1e6 for node in body["nodes"]))
    assume(not _at_a_kink(body["nodes"]))
    # Every input's value as the program ran: given, declared in the program (u = -1) or the default.
    values = {node["name"]: node["value"] for node in body["nodes"] if node["op"] == "input"}
    for name, analytic in body["gradients"].items():
        step = 1e-5 * max(1.0, abs(values[name]))
        coarse = _differences(client, program, values, name, step, body["value"])
        fine = _differences(client, program, values, name, step / 4, body["value"])
        assume(coarse is not None and fine is not None and all(map(math.isfinite, coarse + fine)))
        central, forward, backward = fine
        scale = max(1.0, abs(central))
        # Only where the program is smooth is there one derivative to compare with: the left and right slopes
        # agree (not at a kink of relu, abs or max, such as relu(0)), and halving the step changes little (no
        # kink or pole within a step).
        assume(abs(forward - backward) <= 1e-3 * scale and abs(coarse[0] - central) <= 1e-4 * scale)
        note(f"d/d{name}: analytic {analytic}, numerical {central}")
        assert analytic is not None and abs(analytic - central) <= 1e-3 * scale


# -- bounded work: power towers and huge literals are infinity, at once ------------------------------------------------

@pytest.mark.parametrize("program", ["9^9^9^9", "9**9**9**9**9", "exp(exp(exp(1000)))", "1e999999",
                                     "99999999999999999999999999**99999", "10^10^10 - 10^10^10", "x^9^9^9",
                                     "(-8)^(1/3)", "log(0)", "0^-1", "1" + "0" * 100_000])
def test_power_towers_and_huge_literals_are_just_infinity_at_once(client, program):
    response = client.post("/api/graph", json={"expression": program, "default_value": 2})
    assert response.status_code == 200
    body = strict_json(response)
    assert body["value"] is None and body["warnings"], body["value"]
    assert response.elapsed.total_seconds() < 2


def test_a_huge_literal_is_labelled_by_its_float_not_copied_into_the_answer(client):
    program = "x * " + "7" * 100_000
    response = client.post("/api/graph", json={"expression": program, "values": {"x": 2}})
    labels = [node["label"] for node in strict_json(response)["nodes"]]
    assert labels == ["x", "inf", "*"] and len(response.content) < 5_000


@pytest.mark.parametrize("program, expected", [("1e-999999", 0.0), ("0.000000000000000000001e21", 1.0),
                                               ("9^-9^9", 0.0), ("exp(-exp(1000))", 0.0), ("1e308 * 10 * 0", None)])
def test_tiny_literals_underflow_to_zero_and_inf_times_zero_is_nan(client, program, expected):
    body = strict_json(client.post("/api/graph", json={"expression": program}))
    assert body["value"] == expected
