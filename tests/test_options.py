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
import inspect
import os

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import Limits, ProgramError, compute_graph, compute_graph_json
from app.compute import OPTIONS_BY_NAME, asked_options, stages_for
from app.compute import OPTIONS as DECLARED
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


# -- one declaration of each option -----------------------------------------------------------------------------------
#
# Each option is declared once (app.compute.OPTIONS); the Python API's keywords, the request model, the GET form, the
# page's list and the pipeline's stages are made from that declaration.

def test_each_option_is_a_keyword_of_the_python_api_with_its_default():
    parameters = inspect.signature(compute_graph).parameters
    assert [name for name in parameters if name in OPTIONS_BY_NAME] == [option.name for option in DECLARED]
    for option in DECLARED:
        assert parameters[option.name].default == option.default
        assert f"``{option.name}=" in compute_graph.__doc__


def test_a_misspelt_option_is_the_callers_mistake():
    with pytest.raises(TypeError, match="narate"):
        compute_graph("a * 2", {"a": 1}, narate=True)


def test_each_option_is_a_documented_field_of_the_request_and_of_the_get_form(client):
    spec = client.get("/openapi.json").json()
    fields = spec["components"]["schemas"]["GraphRequest"]["properties"]
    assert list(fields) == ["expression", "values", *(option.name for option in DECLARED)]
    query = {parameter["name"]: parameter for parameter in spec["paths"]["/api/graph"]["get"]["parameters"]}
    for option in DECLARED:
        assert fields[option.name]["description"] == query[option.name]["description"] == option.description


def test_the_get_form_takes_every_option_and_answers_as_post(client):
    asked = {"unfold": True, "local": True, "layers": True, "narrate": True, "quiz": True, "dot": True, "check": True}
    query = {"expression": "sigmoid(w*x)", "w": "2", "x": "0.5", **{name: "true" for name in asked}}
    got = client.get("/api/graph", params=query)
    posted = client.post("/api/graph", json={"expression": "sigmoid(w*x)", "values": {"w": 2, "x": 0.5}, **asked})
    assert got.status_code == 200 and got.content == posted.content


def test_the_page_reads_the_options_the_server_declares(client):
    declared = client.get("/api/options").json()
    assert [option["name"] for option in declared] == [option.name for option in DECLARED]
    by_name = {option["name"]: option for option in declared}
    assert by_name["unfold"]["shapes_graph"] and not by_name["narrate"]["shapes_graph"]
    assert by_name["narrate"]["adds_to_answer"] and not by_name["unfold"]["adds_to_answer"]
    assert by_name["default_value"] == {**by_name["default_value"], "type": "number", "default": None}


def test_the_pipeline_runs_the_stages_asked_for_in_order():
    def stages(**options):
        return [stage.name for stage in stages_for(asked_options(options))]

    assert stages() == ["build", "forward", "backward", "answer"]
    assert stages(narrate=True, check=True) == ["build", "narration_size", "forward", "backward", "local_gradients",
                                                "answer", "narration", "check"]
    assert stages(unfold=True, quiz=True, default_value=1.0) == [
        "build", "unfold", "narration_size", "forward", "backward", "local_gradients", "answer", "mark_unfolded",
        "quiz"]


def test_an_option_that_adds_to_the_answer_counts_in_its_size_before_it_is_written():
    program = GENERATORS["stmts"](300)
    plain = compute_graph_json(program.text, program.inputs)
    limits = Limits(max_answer_bytes=2 * len(plain))
    assert compute_graph_json(program.text, program.inputs, limits=limits) == plain
    with pytest.raises(ProgramError) as refused:
        compute_graph_json(program.text, program.inputs, narrate=True, limits=limits)
    assert refused.value.kind == "limit" and "max_answer_bytes" in refused.value.as_dict()["message"].replace(
        "BACKPROP_MAX_ANSWER_BYTES", "max_answer_bytes")
