"""The C fast path (app._fastpath, wrapped by app/fastpath.py) against the pure-Python pipeline it stands in for.

compute_graph first asks ``fastpath.answer(program, values, limits, strict)`` (compute_graph_json, for the API,
``fastpath.answer_json``, the same answer as JSON bytes); on ``None`` it runs parser, graph, forward, backward and
serialize in Python. The Python pipeline is the reference: the fast answer must be the same
dict (same keys, node and edge structure, labels, names, ids, inputs, shapes; numbers equal to rel 1e-12, since
C's libm may differ from NumPy's by an ulp in exp, tanh, log, ...), and wherever the Python pipeline raises a
ProgramError the fast path must answer ``None`` (never raise, never crash) and compute_graph raise that same error.
Coverage is checked too: the fast path must answer most valid programs, or it could silently stop being used.

FUZZ_EXAMPLES sets the number of random examples (a small default keeps this file at a few seconds), as in
tests/test_fuzz.py: FUZZ_EXAMPLES=20000 python -m pytest tests/test_fastpath.py -q
"""

from __future__ import annotations

import copy
import functools
import math
import os
import random
import subprocess
import sys
import types
from collections import Counter

import numpy as np
import orjson
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from app import ProgramError, compute_graph, fastpath
from app.compute import DEFAULT_LIMITS, compute_graph_json, cyclic_gc_paused
from app.examples import examples
from app.limits import Limits
from app.ops import OPS
from benchmarks.programs import GENERATORS

PURE_PYTHON = os.environ.get("BACKPROP_PURE_PYTHON", "") not in ("", "0")
AVAILABLE = fastpath.AVAILABLE
needs_fast_path = pytest.mark.skipif(PURE_PYTHON or not AVAILABLE, reason="the C fast path is off or not built "
                                                                          "(test_the_c_fast_path_is_built says which)")

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
REL, ABS = 1e-12, 1e-300
CHECK_ZERO_SIGNS = True  # JSON writes -0.0 and 0.0 apart; a script hunting other differences may turn this off


def fuzz_settings(default: int):
    return settings(max_examples=FUZZ_EXAMPLES or default, deadline=None, derandomize=not FUZZ_EXAMPLES,
                    database=None, suppress_health_check=list(HealthCheck))


# -- the two paths and how to compare them ---------------------------------------------------------------------------

def outcome(run):
    """("answer", dict) or ("error", (kind, message, line, column)) of one call."""
    try:
        return "answer", run()
    except ProgramError as error:
        return "error", (error.kind, error.message, error.line, error.column)


ENTRY_POINTS = ("answer", "answer_json")  # the dict and the JSON bytes of the same answer


def pure_python(program, values, strict=True, limits=None, default_value=None):
    """compute_graph with the fast path switched off: every entry point answers None."""
    with pytest.MonkeyPatch.context() as patch:
        for entry in ENTRY_POINTS:
            patch.setattr(fastpath, entry, lambda *args, **kwargs: None)
        return outcome(lambda: compute_graph(program, values, strict=strict, limits=limits,
                                             default_value=default_value))


def fast_answer(program, values, strict=True, limits=None, default_value=None):
    """The fast path's answer as a dict, or None; any exception fails the test (it is not an outcome).

    Both entry points must give the same answer."""
    limits = limits or DEFAULT_LIMITS
    with cyclic_gc_paused():  # as compute_graph calls it: the collector would rescan a big answer many times
        raw = fastpath.answer_json(program, values, limits, strict, default_value)
        assert raw is None or isinstance(raw, bytes), type(raw)
        from_json = None if raw is None else orjson.loads(raw)  # orjson refuses NaN and Infinity
        as_dict = fastpath.answer(program, values, limits, strict, default_value)
    assert as_dict == from_json, "answer and answer_json differ"
    return from_json


def assert_same(fast, slow, where="answer", abs_tol=ABS):
    """Equal as JSON, numbers to REL (and the same sign of zero, which JSON shows); everything else exactly."""
    if where == "answer" and isinstance(fast, dict) and orjson.dumps(fast) == orjson.dumps(slow):
        return  # the same JSON, to the bit: the quick way out for a big graph
    if isinstance(slow, dict):
        assert isinstance(fast, dict), f"{where}: {fast!r} is not a dict"
        assert fast.keys() == slow.keys(), f"{where}: keys {sorted(fast)} != {sorted(slow)}"
        for key in slow:
            assert_same(fast[key], slow[key], f"{where}[{key!r}]", abs_tol)
    elif isinstance(slow, list):
        assert isinstance(fast, list) and len(fast) == len(slow), f"{where}: {fast!r} != {slow!r}"
        for i, (f, s) in enumerate(zip(fast, slow)):
            assert_same(f, s, f"{where}[{i}]", abs_tol)
    elif isinstance(slow, float):
        assert type(fast) is float, f"{where}: {fast!r} ({type(fast).__name__}) is not a float like {slow!r}"
        assert math.isclose(fast, slow, rel_tol=REL, abs_tol=abs_tol), f"{where}: fast {fast!r} != pure {slow!r}"
        if CHECK_ZERO_SIGNS and fast == 0 and slow == 0:
            assert math.copysign(1, fast) == math.copysign(1, slow), f"{where}: fast {fast!r} != pure {slow!r}"
    else:
        assert type(fast) is type(slow) and fast == slow, f"{where}: fast {fast!r} != pure {slow!r}"


def assert_paths_agree(program, values=None, strict=True, limits=None, public=True, abs_tol=ABS, default_value=None):
    """The whole contract for one case; returns (the pure-Python outcome, the fast answer or None).

    ``public``: also through compute_graph and compute_graph_json, as callers see it (slow on a huge graph).
    ``abs_tol``: for a program whose sums cancel, where an ulp of tanh becomes a large relative error."""
    _note(f"program {program[:300]!r}, values {values!r}, strict {strict}")
    slow = pure_python(program, values, strict, limits, default_value)
    given = copy.deepcopy(dict(values)) if values is not None else None
    fast = fast_answer(program, values, strict, limits, default_value)
    assert (dict(values) if values is not None else None) == given, "the fast path changed the values it was given"
    if slow[0] == "error":
        assert fast is None, f"the pure path raises {slow[1]}, the fast path answers"
    elif fast is not None:
        assert_same(fast, slow[1], abs_tol=abs_tol)
    # compute_graph as every caller sees it (fast path on) answers or fails exactly as the pure path does.
    options = dict(strict=strict, limits=limits, default_value=default_value)
    callers_see = (lambda: compute_graph(program, values, **options),
                   lambda: orjson.loads(compute_graph_json(program, values, **options)))
    for seen in map(outcome, callers_see if public else ()):
        assert seen[0] == slow[0], f"compute_graph gives {seen}, the pure path {slow}"
        if seen[0] == "error":
            assert seen[1] == slow[1]
        elif fast is not None and seen[1] == fast:
            pass  # the fast answer, already compared (a shortcut: == on dicts is far quicker on a big graph)
        else:
            assert_same(seen[1], slow[1], abs_tol=abs_tol)
    return slow, fast


def _note(text):
    """hypothesis.note inside a property, nothing in a plain test (whose assertion messages say enough)."""
    try:
        note(text)
    except InvalidArgument:
        pass


def cancellation_tolerance(answer) -> float:
    """An absolute tolerance for a program whose sums may cancel: there an ulp of difference between C's libm
    and NumPy (in tanh, exp, ...) becomes a large relative error, at most a few ulps of the largest number the
    sum saw. (-9.143815168555303e-06 + 9.150193665132907e-06 in the 100,000-op benchmark program: 2e-12.)"""
    numbers = [abs(x) for node in answer["nodes"] for x in (node["value"], node["grad"]) if isinstance(x, float)]
    return 1e-13 * max([1.0, *numbers])


def is_finite_answer(slow) -> bool:
    return slow[0] == "answer" and not slow[1]["warnings"]


# -- 1. the extension is there ---------------------------------------------------------------------------------------

@pytest.mark.skipif(PURE_PYTHON, reason="BACKPROP_PURE_PYTHON=1 switches the C fast path off")
def test_the_c_fast_path_is_built():
    assert fastpath.AVAILABLE, ("app._fastpath did not import: install with pip install -e . (needs a C compiler and "
                                "the Python headers), or set BACKPROP_PURE_PYTHON=1 to test the pure-Python path")


# -- 2. every worked example -----------------------------------------------------------------------------------------

def _all_numbers(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values())


NUMBER_EXAMPLES = [e for e in examples() if _all_numbers(e["values"])]


def test_most_examples_are_numbers_only():
    # Guards the parametrisation below against silently shrinking to nothing.
    assert len(NUMBER_EXAMPLES) >= len(examples()) // 2


@needs_fast_path
@pytest.mark.parametrize("example", NUMBER_EXAMPLES, ids=[e["name"] for e in NUMBER_EXAMPLES])
def test_every_number_example_takes_the_fast_path_and_agrees(example):
    slow, fast = assert_paths_agree(example["program"], example["values"])
    assert slow[0] == "answer" and fast is not None, "the fast path declined a worked example"


# -- 3. random programs from the grammar -----------------------------------------------------------------------------
#
# Every op of app.ops.OPS that works on numbers element by element (matmul needs arrays), written every way the
# language allows: a call (with optional parameters positional or named), an infix operator, a prefix minus.

SCALAR_OPS = [op for op in OPS if op.elementwise and op.name != "matmul" and not op.variadic]
INPUT_NAMES = ["a", "b", "c", "x"]
LITERALS = ["2", "0.5", "1e-3", ".5", "3", "10", "1.5e2", "0", "1", "2.0"]
DECLARED = ["1.5", "-2", "3", ".5", "1e-3", "0", "2.25", "-0.75"]
given_numbers = st.one_of(st.integers(-3, 3), st.floats(-3, 3).map(lambda v: round(v, 3)),
                          st.sampled_from([0.0, -0.0, 1e-300, 2.5, 0.5]))
SEPARATORS = ["\n", "; ", ";\n", " # note\n", "\n\n", ";"]


def test_the_grammar_covers_the_ops_of_the_brief():
    expected = {"add", "sub", "mul", "div", "neg", "pow", "max", "min", "exp", "log", "sqrt", "abs", "sigmoid", "tanh",
                "relu", "leaky_relu", "elu", "softplus", "sin", "cos"}
    assert {op.name for op in SCALAR_OPS} == expected


def _op_forms(op, children):
    """The ways to write one op with child expressions as its arguments."""
    forms = []
    if op.function:
        required = len(op.params) - len(op.defaults)
        args = st.lists(children, min_size=required, max_size=required)
        forms.append(args.map(lambda a, n=op.name: f"{n}({', '.join(a)})"))
        for param in op.params[required:]:
            forms.append(st.tuples(args, children).map(lambda t, n=op.name: f"{n}({', '.join(t[0])}, {t[1]})"))
            forms.append(st.tuples(args, children).map(
                lambda t, n=op.name, p=param: f"{n}({', '.join(t[0])}, {p}={t[1]})"))
    for token in op.infix:
        forms.append(st.tuples(children, st.sampled_from([" ", ""]), children, st.booleans()).map(
            lambda t, tok=token: ("({}{}{}{}{})" if t[3] else "{}{}{}{}{}").format(t[0], t[1], tok, t[1], t[2])))
    if op.prefix:
        forms.append(children.map(lambda c, tok=op.prefix: f"{tok}{c}"))
    return forms


@functools.cache
def _expressions(names: tuple[str, ...]):
    """Expressions over the names defined so far (built once per tuple of names: building one is slow)."""
    atoms = st.one_of(st.sampled_from(names), st.sampled_from(LITERALS), st.sampled_from(["pi", "e"]))

    def extend(children):
        implicit = [  # 2x, 3(a+b), (a+b)(b+1)
            st.tuples(st.sampled_from(["2", "3", "0.5"]), st.sampled_from(names)).map("".join),
            st.tuples(st.sampled_from(["2", "3"]), children).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(children, children).map(lambda t: f"({t[0]})({t[1]})"),
            children.map(lambda c: f"({c})"),
        ]
        return st.one_of(*implicit, *(form for op in SCALAR_OPS for form in _op_forms(op, children)))

    return st.recursive(atoms, extend, max_leaves=10)


@st.composite
def valid_programs(draw):
    """(program, values): inputs declared in the program (a = 1.5), given in values, or both; then statements."""
    inputs = INPUT_NAMES[:draw(st.integers(1, len(INPUT_NAMES)))]
    values, statements = {}, []
    if draw(st.booleans()):
        statements.append("# inputs")
    for name in inputs:
        how = draw(st.sampled_from(["values", "values", "declared", "both"]))
        if how != "values":
            statements.append(f"{name} = {draw(st.sampled_from(DECLARED))}")
        if how != "declared":
            values[name] = draw(given_numbers)
    names, temps = list(inputs), []
    for i in range(draw(st.integers(1, 4))):
        expression = draw(_expressions(tuple(names)))
        kind = draw(st.sampled_from(["expression", "assign", "assign", "augment"]))
        if kind == "augment" and temps:
            statements.append(f"{draw(st.sampled_from(temps))} {draw(st.sampled_from(['+=', '-=', '*=', '/=']))} "
                              f"{expression}")
        elif kind == "expression":
            statements.append(expression)
        else:
            target = draw(st.sampled_from(temps)) if temps and draw(st.booleans()) else f"u{i}"
            statements.append(f"{target} = {expression}")
            temps.append(target)
            names.append(target)
    text = statements[0]
    for statement in statements[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + statement
    return text + draw(st.sampled_from(["", "\n", " # the output"])), values


# Broken programs: a valid one with a cut, a stray token or an unknown name spliced in, or a value that is not
# a finite number, or a value given for a name the program computes.
STRAY = [")", "(", "+", "*", ",", "=", "==", "@", "1.2.3", "$", "nobody", "foo(", "exp()", "max(a)", "exp(a, b)",
         "leaky_relu(a, slope=)", "leaky_relu(a, bogus=1)", "sqrt(a, x=1)", "u0 +=", "2 3", "a b", "\x00", "\ud800",
         "é", "[", "]", "1e", "..", "^^", "**", "\t", "\r", "__import__('os')"]
BAD_VALUES = [float("nan"), float("inf"), -float("inf"), 1e308, "2", None, True, [1.0, 2.0], [], [[1.0], [2.0, 3.0]],
              10 ** 400, np.float64(2.0), np.int64(3)]


@st.composite
def broken_programs(draw):
    program, values = draw(valid_programs())
    how = draw(st.sampled_from(["cut", "splice", "splice", "value", "computed"]))
    cut = draw(st.integers(0, len(program)))
    if how == "cut":
        program = program[:cut]
    elif how == "splice":
        program = program[:cut] + draw(st.sampled_from(STRAY)) + program[cut:]
    elif how == "value":
        values = {**values, draw(st.sampled_from(INPUT_NAMES)): draw(st.sampled_from(BAD_VALUES))}
    else:
        values = {**values, "u0": 1.0}
    return program, values


@needs_fast_path
def test_random_valid_programs_agree_and_mostly_take_the_fast_path():
    seen = Counter()

    @fuzz_settings(300)
    @given(valid_programs(), st.booleans())
    def run(case, strict):
        program, values = case
        slow = pure_python(program, values, strict)
        tolerance = cancellation_tolerance(slow[1]) if slow[0] == "answer" else ABS
        slow, fast = assert_paths_agree(program, values, strict, abs_tol=tolerance)
        seen["finite" if is_finite_answer(slow) else slow[0]] += 1
        if is_finite_answer(slow) and fast is None:
            seen["declined"] += 1
            note(f"declined: {program!r} {values!r}")

    run()
    print(f"\nrandom valid programs: {dict(seen)}")
    assert seen["finite"] >= 50, seen  # enough finite programs for the ratio below to mean something
    assert seen["declined"] <= 0.2 * seen["finite"], f"the fast path declined too many finite programs: {seen}"


@needs_fast_path
@fuzz_settings(150)
@given(valid_programs(), st.sampled_from([1.0, -0.5, 2, 0.0]), st.data())
def test_a_default_value_gives_names_without_one_their_value_on_both_paths(case, default_value, data):
    # As the page asks: some inputs left out of values, the default standing in for them (and names the
    # program misspells, which then become inputs too).
    program, values = case
    left_out = data.draw(st.lists(st.sampled_from(sorted(values)), unique=True)) if values else []
    kept = {name: value for name, value in values.items() if name not in left_out}
    program = data.draw(st.sampled_from([program, program + " + typo", "typo2*" + program.split("\n")[-1]]))
    slow = pure_python(program, kept, False, None, default_value)
    tolerance = cancellation_tolerance(slow[1]) if slow[0] == "answer" else ABS
    assert_paths_agree(program, kept, strict=False, abs_tol=tolerance, default_value=default_value)


@needs_fast_path
def test_names_given_by_the_default_value_take_the_fast_path():
    slow, fast = assert_paths_agree("u = a*b; u + c", {"a": 2.0}, strict=False, default_value=1.0)
    assert fast is not None and fast["gradients"] == {"a": 1.0, "b": 2.0, "c": 1.0}


@needs_fast_path
@fuzz_settings(150)
@given(broken_programs(), st.booleans())
def test_broken_programs_give_none_and_the_same_error(case, strict):
    program, values = case
    assert_paths_agree(program, values, strict)


GARBAGE_ALPHABET = "abcxyzWue0123456789.+-*/^@()[],;=\n #_eE\t\r\x00\\'\"{}:%!`$"
GARBAGE_FRAGMENTS = ["exp(", "log(", "max(", "leaky_relu(", "slope=", "alpha=", "sum(", "dot(", "**", "+=", "-=",
                     "[1, 2]", "pi", "1e308", "1e999999", "-", "sigmoid(", ")", "@", "relu(", "elu(", "sqrt(", "0",
                     "a = ", ";", "\ud800", "\u202e", "\ufeff", "名", "é", "9" * 400, "(" * 300, ")" * 300,
                     "x" * 300, "2x", "3(", "\x00", "# comment", "pow(", "min("]
GARBAGE_VALUES = [1.0, -0.0, 2, float("nan"), float("inf"), 1e308, 5e-324, True, None, "x", [1.0, 2.0], [],
                  10 ** 400, np.float64(2.0), np.int64(3), {"a": 1}]


def garbage_cases(count=200, seed=20261128):
    """(program, values, strict): text glued from random characters and fragments, values of every type."""
    rng = random.Random(seed)
    for _ in range(count):
        program = "".join(rng.choice(GARBAGE_FRAGMENTS) if rng.random() < 0.4 else
                          "".join(rng.choice(GARBAGE_ALPHABET) for _ in range(rng.randint(1, 4)))
                          for _ in range(rng.randint(0, 25)))
        values = {rng.choice(["a", "b", "c", "x", "u", "", "é", "<b>"]): rng.choice(GARBAGE_VALUES)
                  for _ in range(rng.randint(0, 4))}
        yield program, values, rng.random() < 0.7


GARBAGE_SCRIPT = """
import sys
from app import fastpath
from app.compute import DEFAULT_LIMITS
from test_fastpath import garbage_cases, fast_answer
for i, (program, values, strict) in enumerate(garbage_cases()):
    print(i, repr(program), repr(values), strict, file=sys.stderr, flush=True)  # names the culprit of a crash
    result = fast_answer(program, values, strict)
    assert result is None or isinstance(result, dict), result
print("done", i + 1)
"""


@needs_fast_path
def test_random_garbage_never_crashes_the_process_nor_raises():
    """In a child process, so that a segfault fails this test (naming the text) instead of killing the run."""
    done = subprocess.run([sys.executable, "-c", GARBAGE_SCRIPT], cwd=ROOT / "tests", capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"})
    assert done.returncode == 0, f"exit {done.returncode}; the last inputs:\n{done.stderr[-3000:]}"
    assert done.stdout.split() == ["done", "200"]
    # The same texts in this process: the fast path declines whatever the pure path refuses.
    for program, values, strict in garbage_cases():
        assert_paths_agree(program, values, strict)


# -- 4. exact cases --------------------------------------------------------------------------------------------------

@needs_fast_path
def test_the_ng_walk_through_gives_the_textbook_numbers():
    fast = fast_answer("3*(a+b*c)", {"a": 5, "b": 3, "c": 2})
    assert fast is not None
    assert fast["value"] == 33.0 and fast["gradients"] == {"a": 3.0, "b": 6.0, "c": 9.0}
    assert [(n["op"], n["label"], n["inputs"], n["value"], n["grad"]) for n in fast["nodes"]] == [
        ("input", "a", [], 5.0, 3.0), ("input", "b", [], 3.0, 6.0), ("input", "c", [], 2.0, 9.0),
        ("mul", "*", [1, 2], 6.0, 3.0), ("add", "+", [0, 3], 11.0, 3.0), ("const", "3", [], 3.0, None),
        ("mul", "*", [5, 4], 33.0, 1.0)]
    assert fast["output"] == 6 and fast["warnings"] == []
    assert [(e["source"], e["target"], e["index"], e["value"], e["grad"]) for e in fast["edges"]] == [
        (1, 3, 0, 3.0, 6.0), (2, 3, 1, 2.0, 9.0), (0, 4, 0, 5.0, 3.0), (3, 4, 1, 6.0, 3.0), (5, 6, 0, 3.0, None),
        (4, 6, 1, 11.0, 3.0)]
    assert_paths_agree("3*(a+b*c)", {"a": 5, "b": 3, "c": 2})


@needs_fast_path
@pytest.mark.parametrize("program, values, gradients", [
    ("max(a, b)", {"a": 2, "b": 2}, {"a": 0.5, "b": 0.5}),  # a tie splits the gradient, as PyTorch does
    ("min(a, b)", {"a": -1.5, "b": -1.5}, {"a": 0.5, "b": 0.5}),
    ("relu(a)", {"a": 0}, {"a": 0.0}),  # relu'(0) = 0
    ("abs(a)", {"a": 0.0}, {"a": 0.0}),
    ("a = 5; a", None, {"a": 1.0}),
    ("x = 2; y = x; y*y", None, {"x": 4.0}),
    ("leaky_relu(x)", {"x": -2}, {"x": 0.1}),  # the default slope, a const node
    ("leaky_relu(x, 0.2)", {"x": -2}, {"x": 0.2}),
    ("elu(x, 2)", {"x": 0.0}, {"x": 2.0}),  # at 0 the table takes the left slope, alpha·exp(0)
    ("pi*x", {"x": 2}, {"x": math.pi}),
    ("e", None, {}),
    ("2x + 3(a+b) + (a+b)(b+1)", {"x": 1, "a": 2, "b": 3}, {"x": 2.0, "a": 7.0, "b": 12.0}),
    ("u = 1; u += a; u *= 2; u -= 1; u /= 3", {"a": 2}, {"u": 2 / 3, "a": 2 / 3}),
    ("2^3^2 + 0*a", {"a": 1}, {"a": 0.0}),
    ("-a^2", {"a": 3}, {"a": -6.0}),
    ("a**0", {"a": 0}, {"a": 0.0}),  # 0^0: PyTorch's 0 gradient, not nan
    ("1e-3 + .5*a", {"a": 1}, {"a": 0.5}),
    ("a = 1.5; a*2", {"a": 3}, {"a": 2.0}),  # a value given wins over the declared one
    ("# a comment\na # and another", {"a": 1}, {"a": 1.0}),
])
def test_exact_cases(program, values, gradients):
    _, fast = assert_paths_agree(program, values)
    assert fast is not None, "the fast path declined a plain number program"
    assert fast["gradients"].keys() == gradients.keys()
    for name, gradient in gradients.items():
        assert math.isclose(fast["gradients"][name], gradient, rel_tol=1e-15), (name, fast["gradients"])


@needs_fast_path
@pytest.mark.parametrize("program, values", [
    ("relu(x)", {"x": -0.0}), ("relu(x)*y", {"x": -0.0, "y": -1.0}),  # numpy's maximum(-0.0, 0.0) is 0.0
    ("max(x, y)", {"x": -0.0, "y": 0.0}), ("max(x, y)", {"x": 0.0, "y": -0.0}),  # on a tie numpy gives y
    ("min(x, y)", {"x": -0.0, "y": 0.0}), ("min(x, y)", {"x": 0.0, "y": -0.0}),
    ("abs(x)", {"x": -0.0}), ("-x", {"x": 0.0}), ("x - x", {"x": 1.0}), ("0*x", {"x": -1.0}),
    ("u = a^0.5\nb", {"a": -0.0, "b": 1.0}),  # numpy.power(-0.0, 0.5) is sqrt(-0.0) = -0.0; C's pow gives 0.0
])
def test_signed_zeros_are_written_as_the_pure_path_writes_them(program, values):
    """JSON tells -0.0 from 0.0, and one -0.0 can flip the sign of a zero output downstream (it does in the
    100,000-op benchmark program)."""
    _, fast = assert_paths_agree(program, values)
    assert fast is not None


@needs_fast_path
@pytest.mark.parametrize("program, values", [
    ("leaky_relu(x, slope=0.2)", {"x": -2}), ("elu(x, alpha=2)", {"x": 0.0}),  # named arguments: may decline
    ("a = 1.5; b = 2; a*b; a", None),  # the output is not the last statement's node: may decline
    ("u = a*2; u", {"a": 2, "u": 3}),  # strict: a value for a computed name is an error...
    ("a*2", {"a": 2, "nobody": 3}),  # ...a value for an unused name is not
    ("a", {"a": float("nan")}), ("a", {"a": float("inf")}), ("exp(a)", {"a": 1000}), ("log(a)", {"a": 0}),
    ("1e308 * 10 * a", {"a": 1}), ("a / b", {"a": 1, "b": 0}), ("sqrt(a)", {"a": -1}),
    ("a*2", {"a": 10 ** 400}), ("a*2", {"a": "2"}), ("a*2", {"a": None}), ("a*2", {"a": True}),
    ("a*2", {"a": np.float64(2.5)}), ("a*2", {"a": np.int64(3)}), ("a*2", {"a": [1.0, 2.0]}),
    ("a*2", types.MappingProxyType({"a": 2})),  # a Mapping that is not a dict
    ("a*2", None), ("", None), ("   \n# nothing\n", None), ("a b", {"a": 1, "b": 2}), ("a\x00+b", {"a": 1, "b": 2}),
    ("a+\ud800", {"a": 1}), ("a + 名", {"a": 1}), ("(a", {"a": 1}), ("a)", {"a": 1}), ("exp(a, b)", {"a": 1, "b": 1}),
    ("leaky_relu(a, bogus=1)", {"a": 1}), ("max(a)", {"a": 1}), ("nobody(a)", {"a": 1}), ("a = 2; a = 3; a", None),
    ("sum(a) + mean(a) + transpose(a)", {"a": 2}), ("[a, b]", {"a": 2, "b": 3}), ("a @ b", {"a": 2, "b": 3}),
    ("dot(a, b)", {"a": 2, "b": 3}), ("W = [[1, 2], [3, 4]]; sum(W)", None), ("-0.0*a", {"a": 1}),
    ("x * " + "7" * 400, {"x": 2}), ("1e999999 * 0 + a", {"a": 1}), ("9^9^9", None),
])
def test_edge_cases_agree_or_decline(program, values):
    assert_paths_agree(program, values)


@needs_fast_path
def test_strict_off_ignores_a_value_for_a_computed_name_as_the_pure_path_does():
    assert_paths_agree("u = a*2; u", {"a": 2, "u": 3}, strict=False)


@needs_fast_path
@pytest.mark.parametrize("program, limits", [
    ("a + b*c + a*b", Limits(max_nodes=5)),
    ("(((a)))", Limits(max_depth=2)),
    ("a + 1", Limits(max_chars=4)),
    ("tanh(" * 50 + "a" + ")" * 50, Limits(max_depth=49)),
])
def test_the_size_limits_hold_on_the_fast_path(program, limits):
    slow, _ = assert_paths_agree(program, {"a": 1, "b": 2, "c": 3}, limits=limits)
    assert slow[0] == "error" and slow[1][0] == "limit", slow


BOUNDARY_PROGRAMS = [("3*(a+b*c)", {"a": 5, "b": 3, "c": 2}), ("u = b*c; v = a + u; J = 3*v", {"a": 5, "b": 3, "c": 2}),
                     ("tanh(tanh(tanh(a)))", {"a": 1}), ("((a+(b)))*(((c)))", {"a": 1, "b": 2, "c": 3}),
                     ("leaky_relu(a) + pi*e", {"a": 1}), ("-(-(-a))", {"a": 1}), ("max(a, min(b, (c)))", {"a": 1, "b": 2, "c": 3})]


@needs_fast_path
@pytest.mark.parametrize("program, values", BOUNDARY_PROGRAMS)
def test_every_limit_is_kept_to_the_node_the_bracket_and_the_character(program, values):
    """At a limit and one under it: the fast path answers exactly when the pure path does (no off-by-one)."""
    nodes = len(pure_python(program, values)[1]["nodes"])
    for limits in [Limits(max_nodes=nodes), Limits(max_nodes=nodes - 1), Limits(max_chars=len(program)),
                   Limits(max_chars=len(program) - 1), *(Limits(max_depth=depth) for depth in range(5))]:
        assert_paths_agree(program, values, limits=limits)


@needs_fast_path
@pytest.mark.parametrize("program", [
    "(" * 1_000 + "a" + ")" * 1_000,
    "tanh(" * 1_000 + "a" + ")" * 1_000,
    "-" * 1_000 + "a",
    " + ".join(["a"] * 5_000),
    " + ".join(f"x{i}" for i in range(5_000)),
    "\n".join(["a = a*0.5 + 1"] * 2_000 + ["a"]),
    "(" * DEFAULT_LIMITS.max_depth + "a" + ")" * DEFAULT_LIMITS.max_depth,
    "(" * (DEFAULT_LIMITS.max_depth + 1) + "a" + ")" * (DEFAULT_LIMITS.max_depth + 1),
])
def test_deep_and_long_programs_agree(program):
    values = {"a": 0.5, **{f"x{i}": i / 5_000 for i in range(5_000)}}
    slow, fast = assert_paths_agree(program, values, strict=True)
    if slow[0] == "answer":
        assert fast is not None, "the fast path declined a deep or long number program"


@needs_fast_path
@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_a_100_000_op_benchmark_program_agrees(kind):
    program = GENERATORS[kind](100_000)
    # Every value lies in [-1, 1], and some sums cancel (see cancellation_tolerance).
    slow, fast = assert_paths_agree(program.text, program.inputs, public=False, abs_tol=1e-13)
    if kind == "chain":  # 100,000 nested calls are deeper than the max_depth limit: the same error, both ways
        assert slow[0] == "error" and slow[1][0] == "limit"
        program = GENERATORS[kind](DEFAULT_LIMITS.max_depth - 1)
        slow, fast = assert_paths_agree(program.text, program.inputs, public=False)
    assert slow[0] == "answer" and fast is not None
    assert len(fast["nodes"]) >= DEFAULT_LIMITS.max_depth


@needs_fast_path
def test_backprop_pure_python_switches_the_fast_path_off():
    script = ("from app import fastpath, compute_graph; from app.compute import DEFAULT_LIMITS; "
              "entries = [fastpath.answer, fastpath.answer_json]; "
              "assert all(e('a*2', {'a': 1}, DEFAULT_LIMITS, True) is None for e in entries); "
              "assert compute_graph('a*2', {'a': 1})['value'] == 2.0")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False, env={**os.environ, "PYTHONPATH": str(ROOT), "BACKPROP_PURE_PYTHON": "1"})
    assert done.returncode == 0, done.stderr[-2000:]


@needs_fast_path
def test_requests_in_many_threads_at_once_get_their_own_answers():
    # uvicorn runs the endpoints in a thread pool, and the fast path calls back into Python (orjson writes
    # its numbers), where another thread may start its own request: each must still get its own answer.
    from concurrent.futures import ThreadPoolExecutor

    programs = [GENERATORS[kind](size) for kind in sorted(GENERATORS) for size in (10, 300, 2_000)]
    expected = [compute_graph_json(p.text, p.inputs) for p in programs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda k: compute_graph_json(programs[k % len(programs)].text,
                                                             programs[k % len(programs)].inputs),
                                range(20 * len(programs))))
    assert all(answer == expected[k % len(programs)] for k, answer in enumerate(answers))
