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

import app.compute
from app import Limits, ProgramError, compute_graph, compute_graph_json
from app.compute import GRAPHS, OPTIONS_BY_NAME, GraphCache, asked_options, stages_for
from app.engine.graph import build_graph
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
        "build", "unfold", "narration_size", "forward", "backward", "local_gradients", "answer", "quiz"]
    assert stages(numbers_only=True, narrate=True, check=True, unfold=True) == [
        "build", "unfold", "forward", "backward", "answer"]


def test_an_option_that_adds_to_the_answer_counts_in_its_size_before_it_is_written():
    program = GENERATORS["stmts"](300)
    plain = compute_graph_json(program.text, program.inputs)
    limits = Limits(max_answer_bytes=2 * len(plain))
    assert compute_graph_json(program.text, program.inputs, limits=limits) == plain
    with pytest.raises(ProgramError) as refused:
        compute_graph_json(program.text, program.inputs, narrate=True, limits=limits)
    assert refused.value.kind == "limit" and "max_answer_bytes" in refused.value.as_dict()["message"]["en"].replace(
        "BACKPROP_MAX_ANSWER_BYTES", "max_answer_bytes")



@pytest.mark.parametrize("max_wire_elements", [1, 0])
def test_the_answer_size_of_a_graph_of_numbers_counts_each_node_and_wire_to_the_byte(max_wire_elements):
    from app.engine import costs
    from app.engine.forward import forward

    graph = build_graph("y = tanh(a*b + a) * b", {"a": 0.5, "b": -2.0})
    values = forward(graph)
    nodes, wires = len(graph), graph.edge_starts()[-1]
    numbers = 2 * nodes + (2 * wires if max_wire_elements else 0)  # a value and a gradient on each
    estimate = (numbers * costs.BYTES_PER_NUMBER + nodes * costs.BYTES_PER_NODE + wires * costs.BYTES_PER_WIRE)
    costs.answer_size(graph, values, Limits(max_answer_bytes=estimate, max_wire_elements=max_wire_elements))
    with pytest.raises(ProgramError, match="answer"):
        costs.answer_size(graph, values, Limits(max_answer_bytes=estimate - 1, max_wire_elements=max_wire_elements))



# -- a program compiled once, evaluated many times ----------------------------------------------------------------
#
# A program asked again with new values (a slider dragged) is not parsed or built again: its graph is kept (per
# process, app.compute.GRAPHS) and runs forward and backward with the new values. Its answers are the bytes a
# first request would have had.

def first_request(program: str, values: dict, **options) -> bytes:
    GRAPHS.clear()
    return answer_or_error(program, values, **options)


def answer_or_error(program: str, values: dict, **options) -> bytes:
    try:
        return compute_graph_json(program, values, **options)
    except ProgramError as error:
        return orjson.dumps(error.as_dict())


def test_a_program_asked_again_with_new_values_is_built_once(monkeypatch):
    builds = []
    monkeypatch.setattr(app.compute, "build_graph", lambda *args: builds.append(args) or build_graph(*args))
    GRAPHS.clear()
    for a, b in ((5, 3), (6, 4), (7.5, 5)):
        compute_graph_json("3*(a + b*c)", {"a": a, "b": b, "c": 2})
    assert len(builds) == 1
    result = compute_graph("3*(a + b*c)", {"a": 7.5, "b": 5, "c": 2})
    assert result["value"] == 52.5 and result["gradients"] == {"a": 3.0, "b": 6.0, "c": 15.0}
    with pytest.raises(ProgramError, match="c has no value"):  # other names given: built anew (and c unknown)
        compute_graph_json("3*(a + b*c)", {"a": 1, "b": 3})
    compute_graph_json("3*(a + b*c)", {"a": [1, 2], "b": 3, "c": 2})  # another shape: built again
    assert len(builds) == 3


def _nudged(values, step: int):
    if isinstance(values, list):
        return [_nudged(value, step) for value in values]
    return [values * (1 + step / 8), 0.0, -0.0, 1e308, -1000.0, values][step % 6]


ASKED_AGAIN = [{}, {"unfold": True}, {"default_value": 1.0, "strict": False}, {"numbers_only": True},
               {"local": True, "narrate": True}]
PROGRAMS = ([(example["program"], example["values"]) for example in examples()]
            + [(GENERATORS[kind](100).text, GENERATORS[kind](100).inputs) for kind in sorted(GENERATORS)]
            + [("log(x) + exp(y)", {"x": 1, "y": 1}), ("sigmoid(w*x + b)", {"w": 1, "x": 2, "b": 0})])


@pytest.mark.parametrize("options", ASKED_AGAIN, ids=lambda options: "-".join(options) or "plain")
def test_answers_asked_again_are_the_bytes_of_a_first_request(options):
    for program, values in PROGRAMS:
        first_request(program, values, **options)
        for step in range(1, 7):
            given = {name: _nudged(value, step) for name, value in values.items()}
            if step == 3 and given:
                given[next(iter(given))] = [1.0, 2.0]  # a new shape
            if step == 4 and given:
                given[next(iter(given))] = "five"  # an error, then values again
            again = answer_or_error(program, given, **options)
            assert again == first_request(program, given, **options), (program[:40], options, step)
            answer_or_error(program, values, **options)  # kept again, from the first values
            answer_or_error(program, values, **options)  # and its answer's template cut


def test_a_kept_graph_writes_its_answer_from_a_template():
    program = GENERATORS["stmts"](300)
    for step in range(3):
        compute_graph_json(program.text, {name: value * (1 + step) for name, value in program.inputs.items()})
    kept = GRAPHS.get(next(key for key in GRAPHS.kept if key[0] == program.text))
    assert kept.template is not None and kept.template.gaps > 2 * len(kept.graph)


def test_kept_graphs_are_bounded_by_count_and_by_size():
    graphs = GraphCache(max_graphs=3, max_bytes=10**9)
    for n in range(5):
        graphs.keep((f"x + {n}",), build_graph(f"x + {n}", {"x": 1.0}), None)
    graphs.get(("x + 2",))  # used: the last to go
    graphs.keep(("x + 5",), build_graph("x + 5", {"x": 1.0}), None)
    assert [key[0] for key in graphs.kept] == ["x + 4", "x + 2", "x + 5"]
    small = GraphCache(max_graphs=100, max_bytes=50_000)
    big = "+".join(["x"] * 1000)
    assert small.keep((big,), build_graph(big, {"x": 1.0}), None) is None and not small.kept
    for n in range(100):
        small.keep((f"x + {n}",), build_graph(f"x + {n}", {"x": 1.0}), None)
    assert small.bytes <= 50_000 and len(small.kept) < 100
    # An array's elements count too (80 kB here).
    assert small.keep(("sum(x)",), build_graph("sum(x)", {"x": [1.0] * 10_000}), None) is None
    assert small.keep(("sum(x)",), build_graph("sum(x)", {"x": [1.0] * 10}), None) is not None


def test_every_limit_holds_for_a_kept_graph():
    program = "+".join(["x"] * 50)
    compute_graph_json(program, {"x": 1.0})
    compute_graph_json(program, {"x": 2.0})
    with pytest.raises(ProgramError, match="max_nodes|BACKPROP_MAX_NODES"):
        compute_graph_json(program, {"x": 3.0}, limits=Limits(max_nodes=20))
    with pytest.raises(ProgramError) as took_too_long:
        compute_graph_json(program, {"x": 3.0}, limits=Limits(max_seconds=0))
    assert took_too_long.value.kind == "limit"
    compute_graph_json("sum(v * v)", {"v": [1.0] * 10}, limits=Limits(max_total_elements=100))
    with pytest.raises(ProgramError, match="max_elements|BACKPROP_MAX_ELEMENTS"):
        compute_graph_json("sum(v * v)", {"v": [1.0] * 10}, limits=Limits(max_total_elements=100, max_elements=5))


# -- ask for and send only what changed ---------------------------------------------------------------------------

@pytest.mark.parametrize("program, values", PROGRAMS, ids=lambda item: str(item)[:30])
def test_the_numbers_alone_are_those_of_the_whole_answer(program, values):
    try:
        whole = orjson.loads(compute_graph_json(program, values, unfold=True))
    except ProgramError:
        return
    numbers = orjson.loads(compute_graph_json(program, values, unfold=True, numbers_only=True, narrate=True))
    assert numbers == {"value": whole["value"], "values": [node["value"] for node in whole["nodes"]],
                       "grads": [node["grad"] for node in whole["nodes"]],
                       "wire_grads": [edge["grad"] for edge in whole["edges"]], "warnings": whole["warnings"]}


def test_the_numbers_alone_are_a_small_part_of_the_answer(client):
    program = GENERATORS["stmts"](300)
    body = {"expression": program.text, "values": program.inputs}
    whole = client.post("/api/graph", json=body)
    numbers = client.post("/api/graph", json={**body, "numbers_only": True})
    assert numbers.status_code == 200 and len(numbers.content) < len(whole.content) / 3
    spec = client.get("/openapi.json").json()
    answers = spec["paths"]["/api/graph"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/GraphNumbers"} in answers["anyOf"]


def test_the_page_asks_for_the_numbers_alone_when_only_values_change(server):
    """The page draws a value change from a numbers_only answer, and shows what a whole answer would have."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        errors, asked = [], []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: asked.append(orjson.loads(request.post_data))
                if request.url.endswith("/api/graph") else None)
        page.goto(server + "/")
        settled = "() => { const p = window.backpropLab.page; return p.settled === p.request; }"
        page.fill("#program", "u = b*c\nv = a + u\nJ = tanh(3*v)")
        page.press("#program", "Control+Enter")
        page.wait_for_function(settled)
        for b in (3, 4, -0.25):
            page.fill("#input-b", str(b))
            page.wait_for_function(settled)
        drawn = page.evaluate("window.backpropLab.page.graph")
        browser.close()
    assert not errors, errors
    assert [request.get("numbers_only", False) for request in asked[-2:]] == [True, True]
    request = {key: value for key, value in asked[-1].items() if key != "numbers_only"}
    whole = orjson.loads(compute_graph_json(request.pop("expression"), request.pop("values"), **request))
    for key in ("value", "gradients", "warnings"):
        assert drawn[key] == whole[key]
    assert [(n["value"], n["grad"]) for n in drawn["nodes"]] == [(n["value"], n["grad"]) for n in whole["nodes"]]
    assert [(e["value"], e["grad"]) for e in drawn["edges"]] == [(e["value"], e["grad"]) for e in whole["edges"]]
