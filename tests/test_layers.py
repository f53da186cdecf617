"""Nielsen's four equations, live (`"layers": true`): the layers found from the graph's shape, δ = ∂C/∂z on
each layer's z, and BP1–BP4 worked through with the graph's numbers, each held to the engine's own gradient;
and the presets of our own (the three-layer network, the SGD loop) against Nielsen's backprop in NumPy."""

import numpy as np
import pytest
from conftest import assert_close

from app.teaching.examples import examples

EXAMPLES = {example["name"]: example for example in examples()}


# -- Nielsen's backprop, as the notes give it (network.py), for columns of samples: the independent reference --


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nielsen_backprop(weights, biases, x, y, scale):
    """C = scale · Σ (a − y)² of a sigmoid network: the cost, each layer's z, a, δ and ∂C/∂a, and the
    gradients of the weights, biases, x and y, by the notes' loop (not by our engine)."""
    activation, activations, zs = x, [x], []
    for w, b in zip(weights, biases):
        zs.append(w @ activation + b)
        activation = sigmoid(zs[-1])
        activations.append(activation)
    grad_a = [2 * scale * (activations[-1] - y)]
    deltas = [grad_a[0] * activations[-1] * (1 - activations[-1])]
    for l in range(2, len(weights) + 1):
        grad_a.insert(0, weights[-l + 1].T @ deltas[0])
        deltas.insert(0, grad_a[0] * activations[-l] * (1 - activations[-l]))
    return {
        "cost": scale * np.sum((activations[-1] - y) ** 2), "z": zs, "a": activations[1:], "delta": deltas,
        "grad_a": grad_a,
        "W": [d @ a.T if a.ndim == 2 else np.outer(d, a) for d, a in zip(deltas, activations)],
        "b": [d if d.shape == b.shape else d.sum(axis=-1, keepdims=True) for d, b in zip(deltas, biases)],
        "x": weights[0].T @ deltas[0], "y": -2 * scale * (activations[-1] - y),
    }


@pytest.mark.parametrize("name", ["nielsen-mlp", "nielsen-three-layer", "nielsen-sgd"])
def test_the_network_presets_match_nielsens_backprop(name):
    example = EXAMPLES[name]
    values = {key: np.array(value, dtype=float) for key, value in example["values"].items()}
    layers = sum(key.startswith("W") for key in values)
    x, y = ("X", "Y") if "X" in values else ("x", "y")
    scale = 0.5 / values[y].size if "mean(" in example["program"] else 0.5
    reference = nielsen_backprop([values[f"W{l}"] for l in range(1, layers + 1)],
                                 [values[f"b{l}"] for l in range(1, layers + 1)], values[x], values[y], scale)
    expected = example["expected"]
    assert_close(expected["value"], reference["cost"])
    for l in range(1, layers + 1):
        assert_close(expected["gradients"][f"W{l}"], reference["W"][l - 1])
        assert_close(expected["gradients"][f"b{l}"], reference["b"][l - 1])
        assert_close(expected["named"][f"z{l}"]["grad"], reference["delta"][l - 1])
        assert_close(expected["named"][f"a{l}"]["value"], reference["a"][l - 1])
        assert_close(expected["named"][f"a{l}"]["grad"], reference["grad_a"][l - 1])
    assert_close(expected["gradients"][x], reference["x"])
    assert_close(expected["gradients"][y], reference["y"])


# -- the equations, each held to the engine's gradient --------------------------------------------------------


def layered(client, program, values):
    answer = client.post("/api/graph", json={"expression": program, "values": values, "layers": True})
    assert answer.status_code == 200, answer.text
    return answer.json()


def right_hand_side(equation, rows=False, next_rows=False):
    """Each equation's right-hand side computed here, in NumPy, from the terms the API names, in the order it
    writes them; ``rows``: the layer's samples are rows (z = a @ W + b), ``next_rows``: the next layer's."""
    terms = [np.array(term["value"], dtype=float) for term in equation["terms"]]
    if equation["name"] == "BP1":  # δᴸ = ∇ₐC ⊙ σ′(zᴸ)
        return np.prod(terms, axis=0)
    if equation["name"] == "BP2":  # δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ), or (δˡ⁺¹ (Wˡ⁺¹)ᵀ) ⊙ σ′(zˡ) for rows
        back = terms[0] @ terms[1].T if next_rows else terms[0].T @ terms[1]
        return back * terms[2] if len(terms) == 3 else back
    if equation["name"] == "BP3":  # ∂C/∂bˡ = δˡ (summed over the samples a broadcast bias is shared by)
        return terms[0]
    other = terms.pop() if len(terms) == 3 else 0.0  # W's other uses (an L2 term): their share, added
    if rows:  # BP4 for rows: ∂C/∂Wˡ = (aˡ⁻¹)ᵀ δˡ
        a, delta = terms
        return (np.outer(a, delta) if a.ndim == 1 else a.T @ delta) + other
    delta, a = terms  # BP4: ∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ
    return (np.outer(delta, a) if a.ndim == 1 else delta @ a.T) + other


def check_every_equation(body):
    nodes = body["nodes"]
    assert body["layers"], "no layer found"
    following = {(layer["network"], layer["number"]): layer for layer in body["layers"]}
    for layer in body["layers"]:
        assert nodes[layer["z"]]["delta"] == layer["delta"]
        rows = layer["samples"] == "rows"
        nxt = following.get((layer["network"], layer["number"] + 1))
        for equation in layer["equations"]:
            engine = np.array(nodes[equation["node"]]["grad"], dtype=float)
            ours = right_hand_side(equation, rows, nxt is not None and nxt["samples"] == "rows")
            if equation["name"] == "BP3" and ours.shape != engine.shape:
                ours = ours.sum(axis=0) if rows else ours.sum(axis=-1, keepdims=True)
                ours = ours.reshape(engine.shape)
            assert_close(ours, engine, rel=1e-12, abs_=1e-16)
            assert_close(equation["result"], engine, rel=1e-12, abs_=1e-16)
            assert equation["difference"] <= 1e-15 * max(1.0, np.abs(engine).max())
            for term in equation["terms"]:
                node = nodes[term["node"]]
                if term["of"] in ("value", "grad"):
                    assert_close(term["value"], node[term["of"]], rel=1e-12, abs_=1e-16)
            assert equation["text"]["en"].startswith(equation["name"] + ", ")
            assert equation["text"]["zh"].startswith(equation["name"] + "，")


@pytest.mark.parametrize("name", ["nielsen-mlp", "nielsen-three-layer", "nielsen-sgd"])
def test_each_equation_of_the_presets_gives_the_engines_gradient(client, name):
    example = EXAMPLES[name]
    body = layered(client, example["program"], example["values"])
    check_every_equation(body)
    named = {layer["delta"]: body["nodes"][layer["z"]]["name"] for layer in body["layers"]}
    assert named == {f"δ{'¹²³'[l]}": f"z{l + 1}" for l in range(len(body["layers"]))}  # δˡ on zl, as Nielsen writes


RNG = np.random.default_rng(14)
TYPED = [
    # CS231n's two-layer net: relu, then a linear output layer
    ("h = relu(W1 @ x + b1)\ns = W2 @ h + b2\nL = sum((s - y)^2)",
     {"W1": RNG.normal(size=(3, 2)).tolist(), "x": [1, 2], "b1": [0.1, 0.2, 0.3], "W2": RNG.normal(size=(2, 3)).tolist(),
      "b2": [0, 1], "y": [1, 0]}, 2),
    # a batch of samples in columns, tanh, the bias broadcast along them
    ("A = tanh(W @ X + b)\nC = 0.5*mean((A - Y)^2)",
     {"W": RNG.normal(size=(1, 2)).tolist(), "X": RNG.normal(size=(2, 4)).tolist(), "b": [[0.5]],
      "Y": [[1, 0, 1, 0]]}, 1),
    # one expression, no names at all, the bias first, and leaky_relu with its slope
    ("sigmoid(b2 + W2 @ leaky_relu(W1 @ x + b1, slope=0.2))",
     {"W1": [[1, -1], [2, 0.5]], "x": [0.3, -0.4], "b1": [0, 0], "W2": [[1, 1]], "b2": [0.1]}, 2),
    # no bias, no activation: CS231n's ‖Wx‖², whose BP4 is 2q xᵀ
    ("q = W @ x\nf = sum(q^2)", {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]}, 1),
    # column vectors, as Nielsen's code keeps them
    ("p = softplus(U @ v + c)\nr = elu(V @ p + d)\nsum(r * r)",
     {"U": RNG.normal(size=(3, 2)).tolist(), "v": [[0.5], [-1.0]], "c": [[0.1], [0.2], [0.3]],
      "V": RNG.normal(size=(2, 3)).tolist(), "d": [[0.0], [-0.5]]}, 2),
]


@pytest.mark.parametrize("program, values, count", TYPED)
def test_a_typed_network_gets_its_layers_deltas_and_equations(client, program, values, count):
    body = layered(client, program, values)
    assert [layer["number"] for layer in body["layers"]] == list(range(1, count + 1))
    assert {layer["layers"] for layer in body["layers"]} == {count}
    check_every_equation(body)
    assert [node["delta"] for node in body["nodes"] if "delta" in node] == ["δ¹", "δ²"][:count]


def test_the_three_layer_network_says_each_equation_with_its_numbers(client):
    example = EXAMPLES["nielsen-three-layer"]
    body = layered(client, example["program"], example["values"])
    by_layer = {layer["number"]: {eq["name"]: eq for eq in layer["equations"]} for layer in body["layers"]}
    assert [sorted(equations) for equations in by_layer.values()] == [["BP2", "BP3", "BP4"]] * 2 + [["BP1", "BP3", "BP4"]]
    bp1 = by_layer[3]["BP1"]
    assert bp1["formula"] == "δ³ = ∇ₐC ⊙ σ′(z³)" and bp1["named"] == "δ³ = ∂C/∂a3 ⊙ σ′(z3)"
    assert bp1["text"]["en"].startswith("BP1, the error of the output layer: δ³ = ∂C/∂a3 ⊙ σ′(z3) = [")
    assert bp1["text"]["zh"].startswith("BP1，输出层的误差：δ³ = ∂C/∂a3 ⊙ σ′(z3) = [")
    assert [term["symbol"] for term in bp1["terms"]] == ["∂C/∂a3", "σ′(z3)"]
    a3 = np.array(example["expected"]["named"]["a3"]["value"])
    assert_close(bp1["terms"][1]["value"], a3 * (1 - a3), rel=1e-15)  # σ′(z) = σ(z)(1 − σ(z))
    bp2 = by_layer[1]["BP2"]
    assert bp2["formula"] == "δ¹ = ((W²)ᵀ δ²) ⊙ σ′(z¹)" and bp2["named"] == "δ¹ = (W2ᵀ δ²) ⊙ σ′(z1)"
    assert "the error of layer 1 from that of layer 2" in bp2["text"]["en"]
    assert by_layer[2]["BP4"]["named"] == "∂C/∂W2 = δ² a1ᵀ" and by_layer[1]["BP4"]["formula"] == "∂C/∂W¹ = δ¹ (a⁰)ᵀ"
    assert by_layer[1]["BP3"]["named"] == "∂C/∂b1 = δ¹"
    # every term links to a node of the graph, named as the program names it
    names = {node["id"]: node["name"] for node in body["nodes"]}
    assert [names[term["node"]] for term in bp2["terms"]] == ["W2", "z2", "z1"]


def test_a_bias_shared_by_a_batch_of_samples_sums_its_delta_over_them(client):
    example = EXAMPLES["nielsen-sgd"]
    body = layered(client, example["program"], example["values"])
    bp3 = {eq["name"]: eq for eq in body["layers"][0]["equations"]}["BP3"]
    assert bp3["formula"] == "∂C/∂b¹ = Σₓ δ¹" and "summed over the columns" in bp3["text"]["en"]
    assert np.shape(bp3["result"]) == (3, 1)


def test_layers_are_found_by_shape_not_by_name(client):
    example = EXAMPLES["nielsen-mlp"]
    renamed = {"W1": "P", "b1": "q", "W2": "R", "b2": "s", "x": "t", "y": "u", "z1": "m", "a1": "n", "z2": "o",
               "a2": "v", "C": "cost"}
    program = example["program"]
    for old, new in sorted(renamed.items(), key=lambda item: -len(item[0])):
        program = program.replace(old, new)
    body = layered(client, program, {renamed[name]: value for name, value in example["values"].items()})
    original = layered(client, example["program"], example["values"])
    assert [(l["z"], l["a"], l["W"], l["b"]) for l in body["layers"]] == \
        [(l["z"], l["a"], l["W"], l["b"]) for l in original["layers"]]
    assert body["layers"][1]["equations"][0]["named"] == "δ² = ∂cost/∂v ⊙ σ′(o)"


@pytest.mark.parametrize("program, values", [
    ("3*(a + b*c)", {"a": 5, "b": 3, "c": 2}),
    ("sum(W @ x + W @ x)", {"W": [[1, 2]], "x": [1, 2]}),  # W used twice: not one layer's weights
])
def test_a_program_without_layers_answers_none(client, program, values):
    body = layered(client, program, values)
    assert body["layers"] == [] and not any("delta" in node for node in body["nodes"])


def test_a_layer_whose_activation_is_used_twice_ends_its_chain(client):
    # a1 feeds the next layer and the cost: BP2 would miss the cost's share, so two networks of one layer
    body = layered(client, "a1 = sigmoid(W1 @ x + b1)\na2 = sigmoid(W2 @ a1 + b2)\nsum(a2) + sum(a1)",
                   {"W1": [[1, 0], [0, 1]], "x": [1, 2], "b1": [0, 0], "W2": [[1, 1]], "b2": [0]})
    assert [(layer["network"], layer["number"], layer["layers"]) for layer in body["layers"]] == [(0, 1, 1), (1, 1, 1)]
    check_every_equation(body)


def test_without_the_option_there_are_no_layers(client):
    example = EXAMPLES["nielsen-mlp"]
    body = client.post("/api/graph", json={"expression": example["program"], "values": example["values"]}).json()
    assert "layers" not in body and not any("delta" in node for node in body["nodes"])


# -- any network, any text ----------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from app import ProgramError, compute_graph  # noqa: E402
from test_fuzz import programs, values as any_values  # noqa: E402

ACTIVATIONS = ["sigmoid({})", "tanh({})", "relu({})", "leaky_relu({}, slope=0.3)", "elu({})", "softplus({})", "{}"]


@st.composite
def networks(draw):
    """A random chain of 1 to 3 layers, as a student might type it, with its values."""
    count = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 4), min_size=count + 1, max_size=count + 1))
    samples = draw(st.sampled_from([None, 1, 3]))  # a vector, or that many columns
    floats = st.floats(-2, 2, allow_nan=False).map(lambda x: round(x, 3))

    def array(*shape):
        return np.array(draw(st.lists(floats, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
                        ).reshape(shape).tolist()

    column = () if samples is None else (samples,)
    values, lines, a = {"x": array(widths[0], *column)}, [], "x"
    for l in range(1, count + 1):
        values[f"W{l}"] = array(widths[l], widths[l - 1])
        z = f"W{l} @ {a}"
        if draw(st.booleans()):
            values[f"b{l}"] = array(widths[l], *((1,) if samples else ()))
            z += f" + b{l}"
        lines += [f"z{l} = {z}", f"a{l} = {draw(st.sampled_from(ACTIVATIONS)).format(f'z{l}')}"]
        a = f"a{l}"
    values["y"] = array(widths[-1], *column)
    lines.append(f"C = {draw(st.sampled_from(['0.5 * sum', 'mean']))}(({a} - y)^2)")
    return "\n".join(lines), values, count


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_any_typed_network_gets_every_layer_and_its_equations_hold(network):
    program, values, count = network
    body = compute_graph(program, values, layers=True)
    assert [layer["number"] for layer in body["layers"]] == list(range(1, count + 1)), program
    check_every_equation(body)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(programs, any_values, st.booleans())
def test_any_text_with_layers_and_jacobians_answers_or_says_what_is_wrong(program, given_values, unfold):
    try:
        result = compute_graph(program, given_values, layers=True, local=True, narrate=True, unfold=unfold,
                               dot=True, default_value=1.0, strict=False)
    except ProgramError as error:
        assert error.kind in {"syntax", "name", "function", "arity", "shape", "value", "limit"}
    else:
        assert isinstance(result["layers"], list)


# -- samples as rows: a @ W, as the playground and most libraries write a network ----------------------------------

from app.teaching.playground import Settings, sample, train  # noqa: E402


def node_names(body):
    return {node["id"]: node["name"] for node in body["nodes"]}


@pytest.mark.parametrize("layers, activation, index", [
    ((4, 2), "tanh", 0), ((3,), "sigmoid", 5), ((), "tanh", 2), ((6, 6, 6), "relu", 7), ((1,), "tanh", 1)])
def test_the_playgrounds_network_is_found_with_its_data_as_the_input_and_every_equation_holds(
        client, layers, activation, index):
    settings = Settings(layers=layers, activation=activation)
    point = sample(settings, None, "train", index)
    body = layered(client, point["program"], point["values"])
    count = len(layers) + 1
    assert [layer["number"] for layer in body["layers"]] == list(range(1, count + 1))
    assert {layer["samples"] for layer in body["layers"]} == {"rows"}
    names = node_names(body)
    assert [names[layer["W"]] for layer in body["layers"]] == [f"W{l}" for l in range(1, count + 1)]
    assert names[body["layers"][0]["input"]] == "X"  # the data are the input a⁰, never the weights
    output = body["layers"][-1]
    assert names[output["z"]] == "z" and output["activation"] is None  # the score is the output layer, unactivated
    assert [eq["name"] for eq in output["equations"]] == ["BP1", "BP3", "BP4"]
    for hidden in body["layers"][:-1]:
        assert names[hidden["a"]] == f"H{hidden['number']}" and hidden["activation"] == activation
        assert [eq["name"] for eq in hidden["equations"]] == ["BP2", "BP3", "BP4"]
    check_every_equation(body)


def test_a_trained_playground_network_of_a_mini_batch_sums_each_bias_over_its_rows(client):
    settings = Settings(layers=(3, 2))
    weights = train(settings, steps=3)["weights"]
    point = sample(settings, weights, "test", 0)
    values = dict(point["values"])
    values["X"] = [[0.5, -1.0], [0.25, 0.75], [-0.3, 0.1]]  # three samples, one a row
    values["y"] = [1, -1, 1]
    body = layered(client, point["program"], values)
    check_every_equation(body)
    first = body["layers"][0]
    equations = {eq["name"]: eq for eq in first["equations"]}
    assert equations["BP2"]["formula"] == "δ¹ = (δ² (W²)ᵀ) ⊙ tanh′(z¹)"
    assert equations["BP3"]["formula"] == "∂C/∂b¹ = Σₓ δ¹" and "summed over the rows" in equations["BP3"]["text"]["en"]
    assert equations["BP4"]["formula"] == "∂C/∂W¹ = (a⁰)ᵀ δ¹" and equations["BP4"]["named"] == "∂loss/∂W1 = Xᵀ δ¹"
    assert np.shape(equations["BP3"]["result"]) == (3,)


@pytest.mark.parametrize("program, values, rows", [
    # the weights on the right of a single vector: one layer, samples as rows
    ("sum(x @ W)", {"W": [[1, 2], [3, 4]], "x": [1, 2]}, ["rows"]),
    # two inputs either side, no bias: the next layer's product says which way round (H @ V: rows)
    ("H = sigmoid(X @ W)\nsum(H @ V)", {"X": [[1, 2], [3, 4], [5, 6]], "W": [[0.1, 0.2], [0.3, 0.4]],
                                        "V": [[1], [-1]]}, ["rows", "rows"]),
    # the same, written Nielsen's way round
    ("H = sigmoid(W @ X)\nsum(V @ H)", {"X": [[1, 2, 3], [4, 5, 6]], "W": [[0.1, 0.2], [0.3, 0.4]],
                                        "V": [[1, -1]]}, ["columns", "columns"]),
    # a bias of shape (h,) on rows of samples, the bias first, and no activation anywhere
    ("mean((b + X @ W - Y)^2)", {"X": [[1, 2], [3, 4], [5, 6]], "W": [[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]],
                                 "b": [0.5, -0.5, 0], "Y": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}, ["rows"]),
    # a bias of shape (h, 1) on columns of samples
    ("mean((W @ X + b)^2)", {"W": [[1, 2], [3, 4], [5, 6]], "X": [[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]],
                             "b": [[0.5], [-0.5], [0]]}, ["columns"]),
])
def test_either_way_round_the_layers_are_found_and_their_equations_hold(client, program, values, rows):
    body = layered(client, program, values)
    assert [layer["samples"] for layer in body["layers"]] == rows
    check_every_equation(body)
    names = node_names(body)
    assert all(names[layer["W"]] in {"W", "V"} for layer in body["layers"])


@st.composite
def row_networks(draw):
    """A random chain of 1 to 3 layers written with samples as rows (a @ W + b), as the playground writes it."""
    count = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 4), min_size=count + 1, max_size=count + 1))
    samples = draw(st.sampled_from([None, 1, 3]))  # one sample as a vector, or that many rows
    floats = st.floats(-2, 2, allow_nan=False).map(lambda x: round(x, 3))

    def array(*shape):
        return np.array(draw(st.lists(floats, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
                        ).reshape(shape).tolist()

    rows = () if samples is None else (samples,)
    values, lines, a = {"X": array(*rows, widths[0])}, [], "X"
    for l in range(1, count + 1):
        values[f"W{l}"] = array(widths[l - 1], widths[l])
        z = f"{a} @ W{l}"
        if draw(st.booleans()):
            values[f"b{l}"] = array(*draw(st.sampled_from([(widths[l],), (1, widths[l])] if samples else [(widths[l],)])))
            z = draw(st.sampled_from([f"{z} + b{l}", f"b{l} + {z}"]))
        lines += [f"Z{l} = {z}", f"H{l} = {draw(st.sampled_from(ACTIVATIONS)).format(f'Z{l}')}"]
        a = f"H{l}"
    values["Y"] = array(*rows, widths[-1])
    lines.append(draw(st.sampled_from([f"C = 0.5 * sum(({a} - Y)^2)", f"C = mean(({a} - Y)^2)",
                                       f"C = mean(-log(sigmoid(Y * {a})))"])))
    return "\n".join(lines), values, count


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(row_networks())
def test_any_network_with_samples_as_rows_gets_every_layer_and_its_equations_hold(network):
    program, values, count = network
    body = compute_graph(program, values, layers=True)
    assert [layer["number"] for layer in body["layers"]] == list(range(1, count + 1)), program
    names = node_names(body)
    assert [names[layer["W"]] for layer in body["layers"]] == [f"W{l}" for l in range(1, count + 1)], program
    check_every_equation(body)


# -- each equation checkable by hand: the numbers as shown, worked as written, land on the result as shown -----------

import json  # noqa: E402
import re  # noqa: E402


def _half_last_digit(text: str) -> float:
    """Half a unit in the last place a number is written to (0.0088: 0.00005)."""
    mantissa, _, exponent = text.partition("e")
    places = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (-places + (int(exponent) if exponent else 0))


def hand_check(equation: dict):
    """The worked numbers of an equation, "A ⊙ B = C", "Σ A = C", "A ⊗ B = C", "A @ B = C", read as written."""
    numbers = equation["text"]["en"].split(f"{equation['named']} = ", 1)[1]
    if "…" in numbers or numbers.count(" = ") != 1 or re.search(r"\de-?\d", numbers):
        return  # an array too big to list, or of numbers written with exponents (below 1e-6, from 1e5)
    left, result_text = (re.sub(r" \(\d+(×\d+)*\)$", "", part) for part in numbers.split(" = "))  # the shape
    result = np.array(json.loads(result_text), dtype=float)
    half = np.array([_half_last_digit(t) for t in re.findall(r"-?[0-9.]+(?:e-?\d+)?", result_text)]).reshape(result.shape)
    if left.startswith("Σ "):
        delta = np.array(json.loads(left[2:]), dtype=float)
        worked = delta.sum(axis=0) if equation["formula"].endswith("δ" + equation["formula"][-1]) and \
            delta.sum(axis=0).shape == result.shape else delta.sum(axis=-1, keepdims=True)
    else:
        symbol = next(s for s in (" ⊙ ", " ⊗ ", " @ ") if s in left)
        a, b = (np.array(json.loads(re.sub(r" \(\d+(×\d+)*\)$", "", part)), dtype=float) for part in left.split(symbol))
        worked = {" ⊙ ": np.multiply, " ⊗ ": np.outer, " @ ": np.matmul}[symbol](a, b)
    assert np.all(np.abs(worked - result) <= half * (1 + 1e-9)), (numbers, worked)


def every_hand_check(body):
    for layer in body["layers"]:
        for equation in layer["equations"]:
            hand_check(equation)


@pytest.mark.parametrize("name", ["nielsen-mlp", "nielsen-three-layer", "nielsen-sgd", "cs231n-vectorized"])
def test_each_presets_equations_check_by_hand(client, name):
    example = EXAMPLES[name]
    every_hand_check(layered(client, example["program"], example["values"]))


def test_the_issues_hand_checks():
    three = EXAMPLES["nielsen-three-layer"]
    body = compute_graph(three["program"], three["values"], layers=True)
    w3 = {eq["name"]: eq for eq in body["layers"][2]["equations"]}["BP4"]
    assert w3["text"]["en"].endswith("= [[0.0724, 0.0650, 0.0681, 0.0719]]")  # not 0.07 0.07 0.07 0.07
    norm = EXAMPLES["cs231n-vectorized"]
    body = compute_graph(norm["program"], norm["values"], layers=True)
    assert body["layers"][0]["equations"][-1]["text"]["en"].endswith("= [[0.088, 0.176], [0.104, 0.208]]")
    mlp = EXAMPLES["nielsen-mlp"]
    body = compute_graph(mlp["program"], mlp["values"], layers=True)
    bp2 = body["layers"][0]["equations"][0]["text"]["en"]
    assert "[0.00877, 0.00995]" in bp2 and "[0.04, 0.04]" not in bp2


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(networks(), row_networks()))
def test_any_networks_equations_check_by_hand(network):
    program, values, _ = network
    every_hand_check(compute_graph(program, values, layers=True))


@pytest.mark.parametrize("layers, activation", [((4, 2), "tanh"), ((3,), "sigmoid"), ((), "tanh")])
def test_a_weight_also_in_the_l2_term_is_still_a_layers_weight_and_bp4_adds_the_regularisers_share(
        client, layers, activation):
    l2 = 0.03
    settings = Settings(layers=layers, activation=activation, l2=l2)
    point = sample(settings, None, "train", 0)
    assert "sum(W1^2)" in point["program"]  # each W is used twice: X @ W1 and the L2 term
    body = layered(client, point["program"], point["values"])
    count = len(layers) + 1
    names = node_names(body)
    assert [names[layer["W"]] for layer in body["layers"]] == [f"W{l}" for l in range(1, count + 1)]
    assert names[body["layers"][0]["input"]] == "X"
    check_every_equation(body)  # BP4 = the product's share + the L2 term's, held to the engine's gradient
    for layer in body["layers"]:
        bp4 = next(eq for eq in layer["equations"] if eq["name"] == "BP4")
        W = names[layer["W"]]
        share = np.array(bp4["terms"][-1]["value"], dtype=float)
        # the regulariser's share, independently: d/dW (λ/2 · Σ W²) = λ W
        assert_close(share, l2 * np.array(point["values"][W], dtype=float))
        assert "regulariser" in bp4["text"]["en"] and "正则项" in bp4["text"]["zh"]
        assert bp4["named"].endswith(f" + ∂L/∂{W}|({W}^2)"), bp4["named"]
