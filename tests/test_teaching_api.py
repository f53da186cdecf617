"""The teaching modes' API: narration, unfolding, the check panel, training and the presets, each
against the numbers the course notes print or a closed form worked out here by hand."""

import math
import sys

import numpy as np
import pytest
from conftest import CJK, assert_close

from app.teaching.examples import examples
from app.teaching.gradcheck import VERDICTS, verdict
from app.engine.rounding import format_number
from app.engine.ops import OPS

EXAMPLES = {example["name"]: example for example in examples()}


def example_request(name, **options):
    example = EXAMPLES[name]
    return {"expression": example["program"], "values": example["values"], **options}


def narrated(client, name):
    answer = client.post("/api/graph", json=example_request(name, narrate=True))
    assert answer.status_code == 200, answer.text
    return answer.json()["nodes"]


def only(nodes, op):
    [node] = [node for node in nodes if node["op"] == op]
    return node


# -- narration -----------------------------------------------------------------------------------------------


def test_the_cs231n_gates_narrate_their_patterns_with_the_notes_numbers(client):
    # x=3, y=-4, z=2, w=-1: f = 2(xy + max(z, w)); the add and mul gates get 2.00 from the final ×2.
    nodes = narrated(client, "cs231n-gates")
    mul = [node for node in nodes if node["op"] == "mul" and node["inputs"] == [0, 1]][0]
    assert mul["narration"]["forward"]["en"] == "mul: x × y = 3.00 × -4.00 = -12.00"
    assert mul["narration"]["backward"]["en"] == \
        "mul swapped its inputs: x gets y × 2.00 = -4.00 × 2.00 = -8.00, y gets x × 2.00 = 3.00 × 2.00 = 6.00"
    assert mul["narration"]["backward"]["zh"] == \
        "乘法门交换了输入：x 得到 y × 2.00 = -4.00 × 2.00 = -8.00，y 得到 x × 2.00 = 3.00 × 2.00 = 6.00"
    assert only(nodes, "max")["narration"]["backward"]["en"] == "max routed 2.00 to z because 2.00 > -1.00; w gets 0"
    assert only(nodes, "add")["narration"]["backward"]["en"] == "add distributed 2.00 to both inputs"
    assert only(nodes, "add")["narration"]["backward"]["zh"] == "加法门把 2.00 分给两个输入"


def test_every_node_has_a_forward_and_a_backward_sentence_in_both_languages(client):
    for name in EXAMPLES:
        for node in narrated(client, name):
            for step in ("forward", "backward"):
                assert node["narration"][step]["en"] and node["narration"][step]["zh"], (name, node)


def test_a_variable_used_twice_says_each_share_and_their_sum(client):
    # Colah: c = a + b, d = b + 1, e = c·d at a=2, b=1: ∂e/∂b = d·1 via c + c·1 via d = 2 + 3.
    b = narrated(client, "olah-fanout")[1]
    assert b["name"] == "b"
    assert b["narration"]["backward"]["en"] == "∂e/∂b = 2.00 via c + 3.00 via d = 5.00"
    assert "2.00" in b["narration"]["backward"]["zh"] and "5.00" in b["narration"]["backward"]["zh"]


def test_each_use_of_a_variable_is_told_apart_by_the_expression_it_feeds(client):
    # One line, no names: the uses are (a + b) and (b + 1), bracketed so the sum reads unambiguously.
    answer = client.post("/api/graph", json={"expression": "(a + b)*(b + 1)", "values": {"a": 2, "b": 1},
                                             "narrate": True}).json()
    b = [node for node in answer["nodes"] if node["name"] == "b"][0]
    assert b["narration"]["backward"]["en"] == "∂f/∂b = 2.00 via (a + b) + 3.00 via (b + 1) = 5.00"


def test_a_gate_is_named_by_its_expression_in_the_programs_own_names(client):
    # mul's parameters are a and b; in 3*(a + b*c) the gate b*c multiplies b and c.
    answer = client.post("/api/graph", json={"expression": "3*(a + b*c)", "values": {"a": 5, "b": 3, "c": 2},
                                             "narrate": True, "local": True}).json()
    mul = [node for node in answer["nodes"] if node["op"] == "mul" and node["inputs"] == [1, 2]][0]
    assert mul["narration"]["name"] == mul["narration"]["expression"] == "b × c"
    assert [edge["rule"]["en"] for edge in answer["edges"] if edge["target"] == mul["id"]] == ["c", "b"]
    named = client.post("/api/graph", json={"expression": "u = b*c\nJ = 3*u", "narrate": True,
                                            "default_value": 1}).json()
    u = [node for node in named["nodes"] if node["name"] == "u"][0]
    assert u["narration"]["name"] == "u" and u["narration"]["expression"] == "b × c"
    assert answer["nodes"][0]["narration"]["expression"] == "a"


def test_an_input_used_once_says_its_gradient(client):
    a = [node for node in narrated(client, "ng-J") if node["name"] == "a"][0]
    assert a["narration"]["backward"]["en"] == "∂J/∂a = 3.00"


def test_a_gate_without_a_pattern_gives_the_chain_rule_with_its_numbers(client):
    sigma = only(narrated(client, "cs231n-sigmoid-gate"), "sigmoid")
    s = 1 / (1 + math.exp(-1.0))  # the neuron's input is w0·x0 + w1·x1 + w2 = 1
    assert sigma["narration"]["backward"]["en"].endswith(
        f"= σ(1−σ) × upstream = {format_number(s * (1 - s))} × 1.00 = {format_number(s * (1 - s))}")


def test_a_tie_at_max_splits_and_says_so(client):
    answer = client.post("/api/graph", json={"expression": "max(a, b)", "values": {"a": 2, "b": 2}, "narrate": True})
    assert answer.json()["nodes"][-1]["narration"]["backward"]["en"] == \
        "max split 1.00 between a and b, which tie at 2.00: each gets 0.50"


@pytest.mark.parametrize("x, text", [(3, "3.00"), (-12, "-12.00"), (0, "0.00"), (0.19661193, "0.20"),
                                     (0.0012345, "0.00123"), (123456.0, "1.23e5"), (-1e-9, "-1e-9")])
def test_numbers_are_rounded_for_the_eye(client, x, text):
    # A sentence writes a number as the drawing does (app/engine/rounding.py; tests/test_number_format.py has the rule).
    node = client.post("/api/graph", json={"expression": "x", "values": {"x": x}, "narrate": True}).json()["nodes"][0]
    assert node["narration"]["forward"]["en"] == f"x = {text} (input)"


def test_a_big_array_is_told_by_its_shape(client):
    answer = client.post("/api/graph", json={"expression": "sum(W @ x)", "narrate": True,
                                             "values": {"W": np.ones((3, 3)).tolist(), "x": [1, 2, 3]}})
    assert answer.json()["nodes"][0]["narration"]["forward"]["en"] == "W = a 3×3 array (input)"


def test_the_op_table_has_every_sentence_in_chinese(client):
    catalogue = client.get("/api/ops").json()
    assert all(row["sentence"]["zh"] for row in catalogue)
    assert {row["name"]: row["called"]["zh"] for row in catalogue}["mul"] == "乘法门"  # the page's gate names in Chinese
    assert {row["name"]: row["unfolds_to"] for row in catalogue}["sigmoid"] == "1 / (1 + exp(-x))"
    assert all(op.show and CJK.search(op.words("name")["zh"]) and CJK.search(op.words("sentence")["zh"]) for op in OPS)


# -- unfolding -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cs231n-sigmoid-gate", "cs231n-sigmoid-neuron", "logistic-loss", "nielsen-mlp",
                                  "karpathy-tanh-neuron", "activations"])
def test_unfolding_leaves_every_input_gradient_as_it_was(client, name):
    folded = client.post("/api/graph", json=example_request(name)).json()
    unfolded = client.post("/api/graph", json=example_request(name, unfold=True)).json()
    for input_name, gradient in folded["gradients"].items():  # relative only: no absolute slack for small ones
        assert_close(unfolded["gradients"][input_name], gradient, rel=1e-12, abs_=0)
    assert_close(unfolded["value"], folded["value"], rel=1e-12, abs_=0)


def test_the_sigmoid_unfolds_into_negate_exp_plus_one_and_one_over(client):
    answer = client.post("/api/graph", json=example_request("cs231n-sigmoid-gate", unfold=True)).json()
    folded = client.post("/api/graph", json=example_request("cs231n-sigmoid-gate")).json()
    sigmoid_id = only(folded["nodes"], "sigmoid")["id"]
    group = [node for node in answer["nodes"] if node.get("group") is not None]
    assert {node["unfolded_from"] for node in group} == {"sigmoid"}
    assert {node["group"] for node in group} == {sigmoid_id}
    assert [node["op"] for node in group if node["op"] != "const"] == ["neg", "exp", "add", "div"]
    assert not any(node["op"] == "sigmoid" for node in answer["nodes"])
    # The input of the σ gate (the sum w0·x0 + w1·x1 + w2) gets the same gradient both ways.
    the_sum = folded["nodes"][sigmoid_id - 1]
    assert_close(answer["nodes"][sigmoid_id - 1]["grad"], the_sum["grad"], rel=1e-12, abs_=0)


def test_the_last_node_of_an_unfolded_gate_keeps_its_name(client):
    answer = client.post("/api/graph", json=example_request("nielsen-mlp", unfold=True)).json()
    a1 = [node for node in answer["nodes"] if node["name"] == "a1"]
    assert len(a1) == 1 and a1[0]["op"] == "div" and a1[0]["unfolded_from"] == "sigmoid"


def test_unfold_composes_with_the_other_options(client):
    answer = client.post("/api/graph", json={"expression": "tanh(x) + softplus(x)", "values": {"x": 0.5},
                                             "unfold": True, "narrate": True, "check": True, "local": True,
                                             "dot": True})
    assert answer.status_code == 200
    body = answer.json()
    assert body["check"]["x"]["verdict"] in ("excellent", "good")
    assert all("narration" in node for node in body["nodes"]) and body["dot"].startswith("digraph")
    assert_close(body["gradients"]["x"], (1 - math.tanh(0.5) ** 2) + 1 / (1 + math.exp(-0.5)), rel=1e-12)
    # GET form too
    get = client.get("/api/graph", params={"expression": "sigmoid(x)", "x": 1, "unfold": "true", "narrate": "true"})
    assert get.status_code == 200 and get.json()["nodes"][-1]["unfolded_from"] == "sigmoid"


# -- the check panel -----------------------------------------------------------------------------------------


def test_verdicts_follow_the_cs231n_thresholds():
    assert [bound for bound, _ in VERDICTS] == [1e-7, 1e-4, 1e-2]
    assert [verdict(e) for e in (0.0, 9e-8, 1e-7, 5e-5, 1e-3, 1e-2, 0.5, None)] == \
        ["excellent", "excellent", "good", "good", "suspect", "wrong", "wrong", "wrong"]


def test_relu_at_zero_is_flagged_as_a_kink(client):
    body = client.post("/api/graph", json={"expression": "relu(x) + y*y", "values": {"x": 0, "y": 3},
                                           "check": True}).json()
    assert body["check"]["x"]["kink"] is True and body["check"]["y"]["kink"] is False
    assert body["check"]["x"]["verdict"] == "wrong"  # relu'(0) = 0, the central difference says ½
    assert body["check"]["y"]["verdict"] == "excellent"
    [kink] = body["check_kinks"]
    assert kink["op"] == "relu" and kink["node"] == 1 and kink["message"]["en"] and kink["message"]["zh"]


def test_a_max_tie_is_a_kink_and_a_clear_max_is_not(client):
    tie = client.post("/api/graph", json={"expression": "max(a, b)", "values": {"a": 1, "b": 1}, "check": True})
    assert [k["op"] for k in tie.json()["check_kinks"]] == ["max"]
    clear = client.post("/api/graph", json=example_request("cs231n-gates", check=True)).json()
    assert clear["check_kinks"] == []
    assert {report["verdict"] for report in clear["check"].values()} == {"excellent"}


def test_nudging_a_by_a_thousandth_moves_j_by_three_thousandths(client):
    # Andrew Ng: J = 3(a + bc) at a=5, b=3, c=2; nudge a to 5.001 and J goes from 33 to 33.003.
    nudge = client.post("/api/graph", json=example_request("ng-J", check=True)).json()["check"]["a"]["nudge"]
    assert nudge["step"] == 0.001 and nudge["before"] == 33.0
    assert math.isclose(nudge["after"], 33.003, rel_tol=1e-12)
    assert math.isclose(nudge["change"], 0.003, rel_tol=1e-9)
    assert math.isclose(nudge["predicted"], 0.003, rel_tol=1e-12)


def test_an_array_input_has_no_nudge(client):
    check = client.post("/api/graph", json=example_request("cs231n-vectorized", check=True)).json()["check"]
    assert "nudge" not in check["W"] and check["W"]["verdict"] in ("excellent", "good")


# -- training ------------------------------------------------------------------------------------------------


def train(client, name, **changes):
    example = EXAMPLES[name]
    body = {"expression": example["program"], "values": example["values"], **example["train"], **changes}
    return client.post("/api/train", json=body)


@pytest.mark.parametrize("name", ["logistic-loss", "nielsen-mlp", "nielsen-three-layer", "nielsen-sgd"])
def test_the_presets_training_lowers_the_loss(client, name):
    answer = train(client, name)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    settings = EXAMPLES[name]["train"]
    assert len(body["losses"]) == settings["steps"] + 1
    assert_close(body["losses"][0], EXAMPLES[name]["expected"]["value"])
    assert body["losses"][-1] < body["losses"][0] / 10  # visibly lower
    assert set(body["values"]) == set(body["gradients"]) == set(settings["params"])


def test_one_step_of_logistic_regression_matches_the_closed_form(client):
    # L = -log σ(wx + b): ∂L/∂w = (σ - 1)x, ∂L/∂b = σ - 1.
    w, x, b, eta = 0.5, 2.0, -1.5, 0.5
    s = 1 / (1 + math.exp(-(w * x + b)))
    w1, b1 = w - eta * (s - 1) * x, b - eta * (s - 1)
    s1 = 1 / (1 + math.exp(-(w1 * x + b1)))
    body = train(client, "logistic-loss", steps=1, learning_rate=eta).json()
    assert_close(body["losses"], [-math.log(s), -math.log(s1)])
    assert_close(body["values"]["w"], w1) and assert_close(body["values"]["b"], b1)
    assert_close(body["gradients"]["w"], (s1 - 1) * x)


def test_array_parameters_train_and_keep_their_shape(client):
    body = train(client, "nielsen-mlp", steps=2).json()
    assert np.shape(body["values"]["W1"]) == (2, 2) and np.shape(body["gradients"]["b2"]) == (2,)


@pytest.mark.parametrize("change, kind, status", [
    ({"params": ["nope"]}, "name", 400),
    ({"params": ["a1"]}, "name", 400),  # computed, not an input
    ({"steps": 0}, "value", 400),
    ({"steps": 10 ** 9}, "limit", 413),
    ({"params": []}, "value", 400),
    ({"expression": "W1 @"}, "syntax", 400),
])
def test_a_bad_training_request_says_what_is_wrong(client, change, kind, status):
    answer = train(client, "nielsen-mlp", **change)
    assert answer.status_code == status
    assert answer.json()["detail"]["kind"] == kind and answer.json()["detail"]["message"]["en"]


def test_a_loss_that_blows_up_stops_training_and_says_when(client):
    # w ← w − 10·2w = −19w: after step n the loss w·w is 19^(2n), which overflows a float64 at the first n
    # with 2n·log 19 > log(max float).
    first_infinite = math.floor(math.log(sys.float_info.max) / (2 * math.log(19))) + 1
    answer = client.post("/api/train", json={"expression": "w*w", "values": {"w": 1}, "params": ["w"],
                                             "learning_rate": 10, "steps": 1000})
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert detail["kind"] == "value" and f"after step {first_infinite}:" in detail["message"]["en"]


def test_a_malformed_training_request_is_a_422(client):
    assert client.post("/api/train", json={"expression": "w*w", "params": "w"}).status_code == 422


# -- presets -------------------------------------------------------------------------------------------------


def test_every_preset_has_its_title_and_sentence_in_chinese(client):
    for example in client.get("/api/examples").json():
        assert example["title"]["zh"] and example["sentence"]["zh"], example["name"]


def test_nielsens_network_speaks_of_delta_and_its_output_error_is_bp1():
    nielsen = EXAMPLES["nielsen-mlp"]
    assert "δ" in nielsen["sentence"]["en"] and "four backpropagation equations" in nielsen["sentence"]["en"]
    # δ² = (a² − y) ⊙ σ′(z²), the gradient reaching z2 (Nielsen's BP1).
    a2, y = np.array(nielsen["expected"]["named"]["a2"]["value"]), np.array(nielsen["values"]["y"])
    assert_close(nielsen["expected"]["named"]["z2"]["grad"], (a2 - y) * a2 * (1 - a2))


def test_the_instructors_presets_exist():
    for name in ("cs231n-gates", "cs231n-sigmoid-neuron", "cs231n-sigmoid-gate", "cs231n-vectorized", "nielsen-mlp",
                 "logistic-loss"):
        assert name in EXAMPLES


def test_a_values_query_parameter_that_is_not_an_object_is_a_400(client):
    for path in ("/api/graph", "/api/dot"):
        answer = client.get(path, params={"expression": "a", "values": "false"})
        assert answer.status_code == 400 and answer.json()["detail"]["kind"] == "value"
