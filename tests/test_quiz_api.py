"""Quiz mode's API ("quiz": true): the questions on every gradient (and every gate's value), the answers
they accept, and hints written from the op table's wording with this graph's numbers in the program's own
names, which say what to multiply but never the answer. References: the numbers of the course notes, the
engine's own answer without quiz, and a student simulated working by hand from the rounded numbers shown."""

import math

import numpy as np
import pytest
from hypothesis import given

from app import compute_graph
from app.teaching.examples import examples
from app.engine.ops import OPS_BY_NAME
from app.engine.rounding import format_number, shown
from test_properties import SETTINGS, programs

NG = ("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
EXAMPLES = {example["name"]: example for example in examples()}


def quizzed(client, program, values, **options):
    answer = client.post("/api/graph", json={"expression": program, "values": values, "quiz": True, **options})
    assert answer.status_code == 200, answer.text
    return answer.json()


def named(result, name):
    return next(node for node in result["nodes"] if node["name"] == name or node["label"] == name)


def accepts(question, answer) -> bool:
    low, high = np.asarray(question["accept"]["low"], float), np.asarray(question["accept"]["high"], float)
    return bool(np.all((low <= answer) & (answer <= high)))


# -- which questions ------------------------------------------------------------------------------------------


def test_every_number_of_the_backward_pass_is_asked_and_the_engines_answer_is_accepted(client):
    result = quizzed(client, *NG)
    asked = [node["label"] for node in result["nodes"] if "grad" in (node.get("quiz") or {})]
    assert asked == ["a", "b", "c", "*", "+", "*"]  # the constant 3 needs no gradient
    for node in result["nodes"]:
        if node.get("quiz"):
            assert accepts(node["quiz"]["grad"], node["grad"])
    assert result["gradients"] == {"a": 3.0, "b": 6.0, "c": 9.0}  # the answer itself is unchanged


def test_every_gate_is_asked_its_value_too_for_an_exercise_that_hides_the_forward_pass(client):
    result = quizzed(client, *NG)
    gates = [node for node in result["nodes"] if node["inputs"]]
    assert all(accepts(node["quiz"]["value"], node["value"]) for node in gates)
    assert not any("value" in (node.get("quiz") or {}) for node in result["nodes"] if not node["inputs"])
    mul = gates[0]
    assert mul["quiz"]["value"]["hint"]["en"] == "mul: b × c = 3.00 × 2.00 = ?"
    assert mul["quiz"]["value"]["hint"]["zh"] == "乘法门：b × c = 3.00 × 2.00 = ?"
    assert mul["quiz"]["value"]["show"]["en"] == "mul: b × c = 3.00 × 2.00 = 6.00"
    assert mul["quiz"]["value"]["asks"] == "b × c" and mul["quiz"]["grad"]["asks"] == "∂f/∂(b × c)"


def test_quiz_adds_only_the_questions(client):
    plain = client.post("/api/graph", json={"expression": NG[0], "values": NG[1]}).json()
    result = quizzed(client, *NG)
    assert "tolerance" in result.pop("quiz")
    for node in result["nodes"]:
        node.pop("quiz", None)
    assert result == plain
    assert "narration" not in result["nodes"][0]  # the page asks for quiz without the narration, which tells all


def test_a_number_that_is_not_finite_is_not_asked(client):
    result = quizzed(client, "log(x) + y", {"x": 0, "y": 2})
    x = named(result, "x")
    assert x["grad"] is None and "quiz" not in x  # d log(x)/dx at 0 is infinite
    assert accepts(named(result, "y")["quiz"]["grad"], 1.0)


# -- hints ----------------------------------------------------------------------------------------------------


def test_a_wrong_answer_for_b_gets_the_mul_gates_swap_with_the_numbers_but_not_the_answer(client):
    b = named(quizzed(client, *NG), "b")["quiz"]["grad"]
    hint = b["hint"]["en"]
    assert "The mul gate swaps" in hint and "the other input's value" in hint  # the op table's sentence
    assert "upstream ∂f/∂(b × c) = 3.00" in hint  # the upstream gradient, in the program's names
    assert "∂(b × c)/∂b = c = 2.00" in hint  # the local gradient: the other input's value
    assert "6.00" not in hint and "6.00" not in b["hint"]["zh"]
    assert "乘法门交换输入" in b["hint"]["zh"] and "3.00" in b["hint"]["zh"] and "c = 2.00" in b["hint"]["zh"]
    assert b["show"]["en"] == "∂f/∂b = 3.00 × 2.00 = 6.00" and b["asks"] == "∂f/∂b"
    [use] = b["uses"]
    assert (use["op"], use["rule"]["en"], use["upstream"], use["local"]) == ("mul", "c", 3.0, 2.0)


def test_the_hint_is_in_the_programs_names_never_the_gates_parameters(client):
    # mul's table rules call its inputs a and b; here the program's b is mul's first input, a its second.
    result = quizzed(client, "y = b*a\nz = c/y", {"a": 2, "b": 4, "c": 3})
    b = named(result, "b")["quiz"]["grad"]
    assert "∂y/∂b = a = 2.00" in b["hint"]["en"]
    y = named(result, "y")["quiz"]["grad"]
    # div's rule for its second input, -a / b², is -c / y² in this program
    assert "∂z/∂y = -c / y² = -0.05" in y["hint"]["en"]
    assert "-a / b²" not in y["hint"]["en"]


def test_a_fanned_out_node_is_told_that_its_uses_add_up(client):
    # Colah: c = a + b, d = b + 1, e = c·d at a=2, b=1: ∂e/∂b = 2 via c + 3 via d = 5.
    example = EXAMPLES["olah-fanout"]
    b = named(quizzed(client, example["program"], example["values"]), "b")["quiz"]["grad"]
    assert "b is used 2 times, so its gradient is the sum of what flows back along each use" in b["hint"]["en"]
    assert "upstream ∂e/∂c = 2.00" in b["hint"]["en"] and "upstream ∂e/∂d = 3.00" in b["hint"]["en"]
    assert "5.00" not in b["hint"]["en"] and "被使用了 2 次" in b["hint"]["zh"]
    assert [(use["upstream"], use["local"]) for use in b["uses"]] == [(2.0, 1.0), (3.0, 1.0)]
    assert b["show"]["en"] == "∂e/∂b = 2.00 via c + 3.00 via d = 5.00"
    assert not accepts(b, 2.0) and not accepts(b, 3.0)  # one use only: the classic slip


def test_the_output_starts_the_backward_pass(client):
    output = named(quizzed(client, "J = 3*v", {"v": 11}), "J")["quiz"]["grad"]
    assert output["hint"]["en"] == "The backward pass starts at the output J: what is the gradient of J with respect to itself?"
    assert accepts(output, 1.0) and output["show"]["en"] == "∂J/∂J = 1.00" and output["uses"] == []


def test_a_gate_whose_sentence_speaks_of_its_parameters_is_named_instead(client):
    # sub's sentence ("… unchanged to a and negated to b") uses the table's letters: only the rule is said.
    result = quizzed(client, "u - v", {"u": 1, "v": 2})
    hint = named(result, "v")["quiz"]["grad"]["hint"]["en"]
    assert hint.startswith("v feeds the sub gate u − v: take the upstream ∂f/∂(u − v) = 1.00 times the local gradient")
    assert "negated to b" not in hint


def test_the_uses_carry_the_same_numbers_as_the_engines_wires(client):
    example = EXAMPLES["cs231n-gates"]
    result = quizzed(client, example["program"], example["values"], local=True)
    for node in result["nodes"]:
        for use in (node.get("quiz") or {}).get("grad", {}).get("uses", []):
            edge = result["edges"][use["wire"]]
            assert (edge["source"], edge["target"]) == (node["id"], use["gate"])
            assert use["local"] == edge["local"] and use["rule"] == edge["rule"]
            assert use["upstream"] == result["nodes"][use["gate"]]["grad"]


def test_array_hints_give_the_rule_and_the_arrays_first_elements(client):
    example = EXAMPLES["cs231n-vectorized"]  # q = W @ x, f = sum(q^2)
    result = quizzed(client, example["program"], example["values"])
    W = named(result, "W")
    hint = W["quiz"]["grad"]["hint"]["en"]
    assert "The matrix-product gate is the mul gate for arrays." in hint
    assert "whose local-gradient rule for it is ∂f/∂q @ xᵀ" in hint and "x = [0.200, 0.400]" in hint
    assert accepts(W["quiz"]["grad"], W["grad"])
    assert np.shape(W["quiz"]["grad"]["accept"]["low"]) == np.shape(W["grad"])
    q = named(result, "q")["quiz"]["grad"]
    assert "times, element by element, the local gradient ∂(q^2)/∂q = 2·q^(2−1) = [0.440, 0.520]" in q["hint"]["en"]


def test_every_question_of_every_worked_example_has_hints_in_both_languages(client):
    for name, example in EXAMPLES.items():
        result = quizzed(client, example["program"], example["values"])
        for node in result["nodes"]:
            for kind, question in (node.get("quiz") or {}).items():
                for text in ("hint", "show"):
                    assert question[text]["en"] and question[text]["zh"], (name, node["id"], kind)
                assert accepts(question, node["grad" if kind == "grad" else "value"]), (name, node["id"], kind)
        assert result["quiz"]["tolerance"]["about"]["zh"]


def test_quiz_works_on_the_unfolded_graph(client):
    result = quizzed(client, "sigmoid(w*x)", {"w": 1, "x": 2}, unfold=True)
    exp = next(node for node in result["nodes"] if node["op"] == "exp")
    assert "feeds the add gate" in exp["quiz"]["grad"]["hint"]["en"]


# -- what counts as right -------------------------------------------------------------------------------------


def test_an_answer_worked_from_the_rounded_numbers_on_screen_is_right(client):
    # σ(w·x) at w=1, x=2: the upstream at w·x is σ′(2) = 0.105, shown 0.10; a student takes 0.10 × 2.00 = 0.20
    # for ∂f/∂w, whose exact value is 0.20999 (shown 0.21). Both are right; the local σ (0.88) is not.
    result = quizzed(client, "sigmoid(w*x)", {"w": 1, "x": 2})
    w = named(result, "w")["quiz"]["grad"]
    assert accepts(w, 0.20) and accepts(w, 0.21) and not accepts(w, 0.88 * 2) and not accepts(w, 0.30)
    product = next(node for node in result["nodes"] if node["op"] == "mul")["quiz"]["grad"]
    assert accepts(product, 0.10) and accepts(product, 0.105) and not accepts(product, 0.88)


def test_the_classic_slips_are_wrong(client):
    result = quizzed(client, *NG)
    b = named(result, "b")["quiz"]["grad"]
    assert not accepts(b, 9.0)  # b's own value times the upstream: the swap forgotten
    assert not accepts(b, 3.0)  # the upstream alone
    assert not accepts(b, -6.0)
    assert accepts(b, 6.0) and accepts(b, 6.04) and not accepts(b, 6.1)


def student_by_hand(result):
    """Each answer as a student works it by hand from the numbers on screen and in the hints, every one rounded
    as the drawing rounds it: forward from the inputs (the op table's rule on rounded arguments), then backward
    from 1 at the output, summing upstream × local (as the hint shows it) over each node's uses."""
    nodes, edges = result["nodes"], result["edges"]
    read = lambda x: float(format_number(x))  # noqa: E731
    values, grads = {}, {}
    for node in nodes:
        if node["inputs"]:
            op = OPS_BY_NAME[node["op"]]
            with np.errstate(all="ignore"):
                values[node["id"]] = read(float(op.forward(*[np.float64(values[a]) for a in node["inputs"]])))
        else:
            values[node["id"]] = read(node["value"])
    for node in reversed(nodes):
        if node["grad"] is None:
            continue
        uses = [edge for edge in edges if edge["source"] == node["id"] and edge["grad"] is not None]
        total = 1.0 if node["id"] == result["output"] else sum(grads[e["target"]] * read(e["local"]) for e in uses)
        grads[node["id"]] = read(total)
    return values, grads


@SETTINGS
@given(programs())
def test_a_student_working_from_the_rounded_numbers_is_right_in_random_programs(program):
    text, values, _, _ = program
    result = compute_graph(text, values, quiz=True, local=True)
    by_hand_values, by_hand_grads = student_by_hand(result)
    for node in result["nodes"]:
        quiz = node.get("quiz") or {}
        if "grad" in quiz:
            assert accepts(quiz["grad"], by_hand_grads[node["id"]]), (text, values, node, by_hand_grads[node["id"]])
            assert accepts(quiz["grad"], node["grad"])
        if "value" in quiz:
            assert accepts(quiz["value"], by_hand_values[node["id"]]), (text, values, node, by_hand_values[node["id"]])


def test_shown_rounds_as_format_number_does():
    rng = np.random.default_rng(16)
    numbers = rng.standard_normal(20_000) * 10.0 ** rng.integers(-9, 10, 20_000)
    numbers = np.concatenate([numbers, [0.0, -0.0, 0.01, 0.009999, 99999.4, 1e5, -1e5, 0.005, 123.456]])
    assert np.allclose(shown(numbers), [float(format_number(x)) for x in numbers], rtol=1e-12, atol=0)


def test_the_openapi_schema_documents_quiz_mode(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "quiz" in schema["GraphRequest"]["properties"]
    assert {"accept", "hint", "uses", "show"} <= schema["GradientQuestion"]["properties"].keys()


@pytest.mark.parametrize("name", ["ng-J", "cs231n-gates", "karpathy-reuse"])
def test_the_questions_are_those_of_the_engines_own_gradients(client, name):
    example = EXAMPLES[name]
    result = quizzed(client, example["program"], example["values"])
    for input_name, gradient in example["expected"]["gradients"].items():
        node = [node for node in result["nodes"] if node["op"] == "input" and node["name"] == input_name][0]
        assert accepts(node["quiz"]["grad"], gradient)
        assert not accepts(node["quiz"]["grad"], gradient + max(0.1, 0.05 * abs(gradient)))
        assert math.isfinite(gradient)


# -- any text, any network --------------------------------------------------------------------------------------

from hypothesis import HealthCheck, settings, strategies as st  # noqa: E402

from app import ProgramError  # noqa: E402
from test_fuzz import programs as any_text, values as any_values  # noqa: E402
from test_layers import networks  # noqa: E402


def check_every_question(result):
    for node in result["nodes"]:
        for kind, question in (node.get("quiz") or {}).items():
            assert accepts(question, node["grad" if kind == "grad" else "value"]), node
            assert question["hint"]["en"] and question["hint"]["zh"] and question["show"]["en"]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, any_values, st.booleans())
def test_any_text_in_quiz_mode_answers_or_says_what_is_wrong(program, given_values, unfold):
    try:
        result = compute_graph(program, given_values, quiz=True, unfold=unfold, default_value=1.0, strict=False)
    except ProgramError as error:
        assert error.kind in {"syntax", "name", "function", "arity", "shape", "value", "limit"}
    else:
        check_every_question(result)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_any_typed_network_has_its_arrays_asked_with_ranges_shaped_like_them(network):
    program, values, _ = network
    result = compute_graph(program, values, quiz=True)
    check_every_question(result)
    for node in result["nodes"]:
        if "grad" in (node.get("quiz") or {}):
            assert np.shape(node["quiz"]["grad"]["accept"]["high"]) == np.shape(node["grad"])
