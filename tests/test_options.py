"""One pipeline: the options a request asks for add to its answer and never change its numbers.

``local``, ``narrate``, ``check`` and ``dot`` each add something (local gradients, sentences, a gradient check,
the drawing), computed after the forward and backward passes from their results. Whatever is asked for,
every value and gradient of the answer is the same float64, to the bit: the page (which asks for local
gradients, narration and the drawing) shows exactly what a plain REST call returns.

Programs: the worked examples, the benchmark programs, and random programs written every way the language
allows, with every gate of numbers in the op table (FUZZ_EXAMPLES sets how many, as in tests/test_fuzz.py).
"""

from __future__ import annotations

import functools
import os

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import ProgramError, compute_graph
from app.teaching.examples import examples
from app.engine.ops import OPS
from app.engine.parser import AUGMENTED, PREFIX
from benchmarks.programs import GENERATORS

OPTIONS = [{"local": True}, {"narrate": True}, {"check": True}, {"dot": True},
           {"local": True, "narrate": True, "check": True, "dot": True}]
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))


def numbers_of(answer: dict) -> bytes:
    """Every value and gradient of an answer, and its warnings, as JSON: equal bytes are equal float64s
    (orjson writes each as the shortest text that reads back as the same number, and -0.0 apart from 0.0)."""
    return orjson.dumps({
        "value": answer["value"], "gradients": answer["gradients"], "warnings": answer["warnings"],
        "nodes": [(node["value"], node["grad"]) for node in answer["nodes"]],
        "edges": [(edge["value"], edge["grad"]) for edge in answer["edges"]],
    })


def outcome(program: str, values: dict, **options):
    try:
        return numbers_of(compute_graph(program, values, **options))
    except ProgramError as error:
        return error.as_dict()


def assert_options_change_no_number(program: str, values: dict):
    plain = outcome(program, values)
    for options in OPTIONS:
        with_options = outcome(program, values, **options)
        if isinstance(with_options, dict) and with_options["kind"] == "limit" and options.get("check"):
            continue  # a gradient check too big to run is refused; the plain answer stands on its own
        assert with_options == plain, f"{program!r} with {options}"


@pytest.mark.parametrize("example", examples(), ids=[example["name"] for example in examples()])
def test_the_worked_examples_have_the_same_numbers_whatever_is_asked(example):
    assert_options_change_no_number(example["program"], example["values"])


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_the_benchmark_programs_have_the_same_numbers_whatever_is_asked(kind):
    program = GENERATORS[kind](300)
    assert_options_change_no_number(program.text, program.inputs)


def test_an_ill_conditioned_program_has_the_same_gradient_whatever_is_asked():
    # 1e20 * tanh(x) near x = -19 multiplies the last bit of tanh by 1e20: any second way of computing tanh shows.
    assert_options_change_no_number("1e20*tanh(x)", {"x": -19.02})


# -- random programs from the grammar ---------------------------------------------------------------------------------
#
# Every op of the table that works on numbers element by element, written every way the language allows: a call
# (optional parameters positional or named), each of its operator tokens, its prefix token.

SCALAR_OPS = [op for op in OPS if op.elementwise and not op.variadic]
INPUT_NAMES = ["a", "b", "c", "x"]
LITERALS = ["2", "0.5", "1e-3", ".5", "3", "10", "1.5e2", "0", "1", "2.0"]
SEPARATORS = ["\n", "; ", ";\n", " # note\n", "\n\n"]
given_numbers = st.one_of(st.integers(-3, 3), st.floats(-3, 3).map(lambda v: round(v, 3)),
                          st.sampled_from([0.0, -0.0, 1e-300, 2.5, 0.5, -19.02]))


def _op_forms(op, children):
    forms = []
    if op.function:
        required = len(op.params) - len(op.defaults)
        args = st.lists(children, min_size=required, max_size=required)
        forms.append(args.map(lambda a, n=op.name: f"{n}({', '.join(a)})"))
        for param in op.params[required:]:
            forms.append(st.tuples(args, children).map(
                lambda t, n=op.name, p=param: f"{n}({', '.join(t[0])}, {p}={t[1]})"))
    for token in op.infix:
        forms.append(st.tuples(children, children).map(lambda t, tok=token: f"({t[0]}){tok}({t[1]})"))
    if op.prefix:
        forms.append(children.map(lambda c, tok=op.prefix: f"{tok}({c})"))
    return forms


@functools.cache
def _expressions(names: tuple[str, ...]):
    atoms = st.one_of(st.sampled_from(names), st.sampled_from(LITERALS), st.sampled_from(["pi", "e"]))

    def extend(children):
        implicit = st.tuples(st.sampled_from(["2", "3", "0.5"]), st.sampled_from(names)).map("".join)  # 2x
        return st.one_of(implicit, *(form for op in SCALAR_OPS for form in _op_forms(op, children)))

    return st.recursive(atoms, extend, max_leaves=10)


@st.composite
def programs(draw):
    """(program, values): inputs given in values or declared (a = 1.5), then statements, some augmented."""
    inputs = INPUT_NAMES[:draw(st.integers(1, len(INPUT_NAMES)))]
    values, statements = {}, []
    for name in inputs:
        if draw(st.booleans()):
            values[name] = draw(given_numbers)
        else:
            statements.append(f"{name} = {draw(given_numbers)}")
    names, temps = list(inputs), []
    for i in range(draw(st.integers(1, 4))):
        expression = draw(_expressions(tuple(names)))
        if temps and draw(st.booleans()):
            statements.append(f"{draw(st.sampled_from(temps))} {draw(st.sampled_from(sorted(AUGMENTED)))} {expression}")
        else:
            statements.append(f"u{i} = {expression}")
            temps.append(f"u{i}")
            names.append(f"u{i}")
    text = statements[0]
    for statement in statements[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + statement
    return text, values


def test_the_grammar_writes_every_operator_and_gate_of_numbers():
    tokens = {token for op in SCALAR_OPS for token in op.infix} | {op.prefix for op in SCALAR_OPS if op.prefix}
    assert set(PREFIX) <= tokens and len(SCALAR_OPS) >= 20


@settings(max_examples=FUZZ_EXAMPLES or 60, deadline=None, derandomize=not FUZZ_EXAMPLES, database=None,
          suppress_health_check=list(HealthCheck))
@given(programs())
def test_random_programs_have_the_same_numbers_whatever_is_asked(case):
    assert_options_change_no_number(*case)
