"""Local Jacobians on array wires (`"local": true`): each one against central differences of the gate's
forward rule, the gradient that flows back against Jᵀ·upstream, and CS231n's ‖Wx‖², whose ∂f/∂W is 2q xᵀ."""

import numpy as np
import pytest
from conftest import assert_close

from app.teaching.examples import examples
from app.engine.ops import OPS_BY_NAME

EXAMPLES = {example["name"]: example for example in examples()}
ARRAY_PROGRAMS = [
    ("q = W @ x\nf = sum(q^2)", {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]}),
    ("z = W @ a + b\nC = sum(sigmoid(z))", {"W": [[1, -2, 0.5], [3, 0.25, -1]], "a": [0.1, -0.2, 0.3], "b": [0.1, 0.2]}),
    ("Y = A @ B\nmean(tanh(Y) * Y)", {"A": [[1, 2], [3, 4], [5, 6]], "B": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]}),
    ("v = [a, 2*b]\nsum(exp(v) / 3) + dot(v, v)", {"a": 0.3, "b": -0.7}),
    ("r = x @ M\nsum(relu(r) + leaky_relu(r, slope=0.2))", {"x": [1, -1], "M": [[0.5, -1.5], [2, 1]]}),
    ("s = sum(u * 3 + c)\ns * transpose(P)", {"u": [1, 2, 3], "c": 0.5, "P": [[1, 2], [3, 4]]}),
]


def graph(client, program, values, **options):
    answer = client.post("/api/graph", json={"expression": program, "values": values, "local": True, **options})
    assert answer.status_code == 200, answer.text
    return answer.json()


def array_wires(body):
    return [edge for edge in body["edges"] if "jacobian" in edge]


def numerical_jacobian(op, args, k, step=1e-6):
    """∂ op(args) / ∂ args[k] by central differences of the forward rule alone: one column per element."""
    args = [np.array(a, dtype=float) for a in args]
    out_size = np.size(op.forward(*args))
    columns = []
    for j in range(args[k].size):
        plus, minus = [a.copy() for a in args], [a.copy() for a in args]
        plus[k].flat[j] += step
        minus[k].flat[j] -= step
        columns.append((np.ravel(op.forward(*plus)) - np.ravel(op.forward(*minus))) / (2 * step))
    return np.array(columns).T.reshape(out_size, args[k].size)


@pytest.mark.parametrize("program, values", ARRAY_PROGRAMS)
def test_each_local_jacobian_matches_central_differences_and_gives_the_gradient_that_flows_back(client, program, values):
    body = graph(client, program, values)
    nodes = body["nodes"]
    wires = array_wires(body)
    assert wires, "no array wire"
    for edge in wires:
        target = nodes[edge["target"]]
        op = OPS_BY_NAME[target["op"]]
        args = [nodes[i]["value"] for i in target["inputs"]]
        jacobian = edge["jacobian"]
        whole = np.array(jacobian["whole"])
        assert whole.shape == (jacobian["rows"], jacobian["columns"]) == (np.size(target["value"]),
                                                                          np.size(edge["value"]))
        assert_close(whole, numerical_jacobian(op, args, edge["index"]), rel=1e-6, abs_=1e-8)
        # The vector-Jacobian product: Jᵀ times the upstream gradient is what flows back along the wire.
        flows_back = whole.T @ np.ravel(target["grad"])
        assert_close(flows_back.reshape(np.shape(edge["grad"])), edge["grad"], rel=1e-12, abs_=1e-15)
        assert jacobian["vjp"]["en"] and jacobian["vjp"]["zh"] and jacobian["about"]["en"] and jacobian["about"]["zh"]


def test_elementwise_gates_have_a_diagonal_jacobian_and_matmul_identical_blocks(client):
    body = graph(client, *ARRAY_PROGRAMS[1])
    by_op = {body["nodes"][e["target"]]["op"] + str(e["index"]): e["jacobian"] for e in array_wires(body)}
    sigmoid = by_op["sigmoid0"]
    assert sigmoid["structure"] == "diagonal"
    assert_close(np.diag(sigmoid["diagonal"]), sigmoid["whole"], rel=0, abs_=0)
    s = np.array(body["nodes"][[n["op"] for n in body["nodes"]].index("sigmoid")]["value"])
    assert_close(sigmoid["diagonal"], s * (1 - s), rel=1e-15)  # σ′ = σ(1 − σ)
    matmul = by_op["matmul0"]
    assert matmul["structure"] == "blocks" and matmul["blocks"] == 2
    assert_close(matmul["whole"], np.kron(np.eye(2), matmul["block"]), rel=0, abs_=0)
    assert matmul["block"] == [[0.1, -0.2, 0.3]]  # the block is aᵀ
    assert by_op["matmul1"]["structure"] == "dense"
    assert by_op["matmul1"]["whole"] == [[1, -2, 0.5], [3, 0.25, -1]]  # ∂(W a)/∂a is W itself


def test_the_gradient_of_w_in_the_norm_of_wx_is_the_outer_product_2q_xt(client):
    example = EXAMPLES["cs231n-vectorized"]
    body = graph(client, example["program"], example["values"])
    W, x = np.array(example["values"]["W"]), np.array(example["values"]["x"])
    q = W @ x
    [w_wire] = [edge for edge in body["edges"] if edge["source"] == 0]
    assert_close(w_wire["grad"], np.outer(2 * q, x))
    assert w_wire["rule"]["en"] == "∂f/∂q @ xᵀ"
    vjp = w_wire["jacobian"]["vjp"]["en"]
    assert vjp.startswith("∂f/∂W = ∂f/∂q @ xᵀ = [0.440, 0.520] ⊗ [0.200, 0.400] = [[0.440 × 0.200, 0.440 × 0.400], ")
    assert "outer product" in vjp and "外积" in w_wire["jacobian"]["vjp"]["zh"]
    # and the upstream gradient 2q comes from the square gate's diagonal Jacobian, 2·q
    [square] = [edge for edge in body["edges"] if edge["source"] == 2]
    assert square["rule"]["en"] == "2·q^(2−1)" and square["jacobian"]["structure"] == "diagonal"
    assert_close(square["jacobian"]["diagonal"], 2 * q)


def test_a_large_jacobian_comes_as_its_structure_or_a_slice(client):
    rng = np.random.default_rng(14)
    W, x = rng.normal(size=(20, 20)), rng.normal(size=20)
    body = graph(client, "q = W @ x\nf = sum(sigmoid(q))", {"W": W.tolist(), "x": x.tolist()})
    nodes = body["nodes"]
    jacobians = {(nodes[e["target"]]["op"], e["index"]): e["jacobian"] for e in array_wires(body)}
    blocks = jacobians[("matmul", 0)]
    assert (blocks["rows"], blocks["columns"], blocks["structure"], blocks["blocks"]) == (20, 400, "blocks", 20)
    assert "whole" not in blocks and blocks["block"] == [x.tolist()]
    dense = jacobians[("matmul", 1)]
    assert "whole" not in dense and np.shape(dense["slice"]) == (4, 8)
    assert_close(dense["slice"], W[:4, :8], rel=0, abs_=0)
    diagonal = jacobians[("sigmoid", 0)]
    s = 1 / (1 + np.exp(-(W @ x)))
    assert "whole" not in diagonal and diagonal["structure"] == "diagonal"
    assert_close(diagonal["diagonal"], s * (1 - s))
    row = jacobians[("sum", 0)]
    assert (row["rows"], row["columns"]) == (1, 20) and row["whole"] == [[1.0] * 20]


def test_wires_between_numbers_keep_their_number_and_array_wires_get_a_jacobian(client):
    body = graph(client, "y = sum(v * k)\ny * k", {"v": [1, 2], "k": 3})
    for edge in body["edges"]:
        source, target = body["nodes"][edge["source"]], body["nodes"][edge["target"]]
        if source["shape"] or target["shape"]:
            assert edge["local"] is None and "jacobian" in edge
        else:
            assert edge["local"] is not None and "jacobian" not in edge
    # k (a number) scales the array v * k: its Jacobian is a column, one row per element of v * k
    [k_into_mul] = [e for e in body["edges"] if e["source"] == 1 and body["nodes"][e["target"]]["shape"] == [2]]
    assert k_into_mul["jacobian"]["whole"] == [[1.0], [2.0]]
    assert "jacobian" not in client.post("/api/graph", json={"expression": "sum(W)", "values": {"W": [1, 2]}}
                                         ).json()["edges"][0]


# -- the program's own names, never the op table's placeholders ------------------------------------------------


def narrated(client, program, values):
    body = graph(client, program, values, narrate=True)
    return {node["id"]: node["narration"]["backward"]["en"] for node in body["nodes"]}, body


def test_the_matmul_sentence_names_the_programs_operands_not_placeholders(client):
    # z = W @ a + b: the op table's rule for W, "g @ bᵀ", would name the program's bias b.
    lines, body = narrated(client, "z = W @ a + b\nC = sum(sigmoid(z))", dict(ARRAY_PROGRAMS[1][1]))
    matmul = next(node["id"] for node in body["nodes"] if node["op"] == "matmul")
    assert lines[matmul].startswith("matmul: ∂C/∂W = ∂C/∂(W @ a) @ aᵀ, with upstream ")
    assert "; ∂C/∂a = Wᵀ @ ∂C/∂(W @ a), with upstream " in lines[matmul]
    assert "bᵀ" not in lines[matmul] and " g " not in lines[matmul]
    rules = {(edge["source"], edge["target"]): edge["rule"]["en"] for edge in body["edges"] if "rule" in edge}
    assert rules[(0, matmul)] == "∂C/∂(W @ a) @ aᵀ"


def test_a_program_may_call_a_node_g_or_use_the_op_tables_letters(client):
    lines, body = narrated(client, "g = W @ x\nb = g^2\nsum(b)", {"W": [[1, 2]], "x": [3, 4]})
    assert "∂f/∂W = ∂f/∂g @ xᵀ" in lines[2]
    assert "∂f/∂g = 2·g^(2−1)" in lines[4]


def test_routing_gates_on_arrays_keep_the_article_of_their_rule(client):
    # max on arrays gives the chain rule per argument (its routing sentence is for two numbers)
    lines, _ = narrated(client, "max(x, y)", {"x": [1, 2], "y": [2, 1]})
    assert lines[2].startswith("max: ∂f/∂x = 1 if x > y, 0 if x < y, ½ on a tie, with upstream ")


def test_a_matrix_product_with_big_blocks_gives_the_top_left_slice(client):
    rng = np.random.default_rng(7)
    A, B = rng.normal(size=(20, 20)), rng.normal(size=(20, 20))
    body = graph(client, "sum(A @ B)", {"A": A.tolist(), "B": B.tolist()})
    left = next(edge["jacobian"] for edge in body["edges"] if edge["source"] == 0)
    assert (left["structure"], left["blocks"], left["rows"], left["columns"]) == ("blocks", 20, 400, 400)
    assert "block" not in left and "whole" not in left
    assert_close(left["slice"], B.T[:4, :8], rel=0, abs_=0)  # the first block is Bᵀ
    assert "20 identical 20×20 blocks" in left["about"]["en"]
