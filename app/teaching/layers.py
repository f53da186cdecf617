"""Nielsen's four equations, live: the layers of a network found in a program's graph, each layer's error
δ = ∂C/∂z, and the equations BP1–BP4 with this graph's numbers in them.

A layer is recognised by its shape in the graph, never by its names: a matrix product W @ a whose W is an
input used nowhere else, plus a bias b used nowhere else (optional), makes z; an elementwise function of z
alone (sigmoid, tanh, relu, …: any gate of the op table called by name with one argument, elementwise, its
optional parameters constants) makes the layer's activation a (without one, a is z). Layers chain when one layer's
a is used only as the right operand of the next layer's product; the last layer of a chain feeds the cost.
Layers are numbered from 1 at the first product, its right operand being a⁰ (Nielsen numbers the input
layer 1; the presets' z1, z2 are δ¹, δ²).

The equations are worked through as Nielsen's backprop does: δᴸ from the cost's gradient at aᴸ (BP1),
each earlier δ from the next one (BP2), then the bias and weight gradients (BP3, BP4). The engine's own
gradients are not used beyond ∇ₐC, so each equation's result can be held to the engine's gradient of the
node it gives (``node``, ``difference``). σ′(z) is the activation's local Jacobian's diagonal, from its
row of the op table (jacobian.diagonal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.backward import unbroadcast
from ..engine.graph import CONST, INPUT, Graph
from ..engine.ops import Op
from ..engine.serialize import json_value
from ..words.messages import NOTHING, say
from .jacobian import diagonal
from .narrate import display_names, on_its_own, preview

SUPERSCRIPTS = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


@dataclass(frozen=True)
class Layer:
    product: int  # the node W @ a⁻ (a⁻: the previous layer's activation)
    z: int  # the product plus the bias, or the product itself
    a: int  # the activation, or z when there is none
    W: int
    b: int | None
    input: int  # a⁻, the product's right operand
    activation: Op | None


def find_networks(graph: Graph, values: list) -> list[list[Layer]]:
    """The chains of layers in the graph, each from its first layer to the one that feeds the cost."""
    uses: list[list[int]] = [[] for _ in range(len(graph))]
    for node, args in enumerate(graph.args):
        for source in args:
            uses[source].append(node)
    layers = [layer for node in range(len(graph))
              if (layer := _layer_at(graph, values, uses, node)) is not None]
    after = {layer.input: layer for layer in layers}
    following = {layer.z: after.get(layer.a) for layer in layers if _used_once(uses, layer.a)}
    preceded = {nxt.z for nxt in following.values() if nxt is not None}
    networks = []
    for first in layers:
        if first.z in preceded:
            continue
        chain, layer = [first], following.get(first.z)
        while layer is not None:
            chain.append(layer)
            layer = following.get(layer.z)
        networks.append(chain)
    return networks


def _used_once(uses: list, node: int) -> bool:
    return len(uses[node]) == 1


def _layer_at(graph: Graph, values: list, uses: list, product: int) -> Layer | None:
    if graph.kind[product] != "matmul":
        return None
    W, a_prev = graph.args[product]
    if graph.kind[W] != INPUT or not _used_once(uses, W) or np.ndim(values[W]) != 2 \
            or np.ndim(values[a_prev]) not in (1, 2):
        return None
    z, b = product, None
    if _used_once(uses, product):
        user = uses[product][0]
        if graph.kind[user] == "add":
            other = [arg for arg in graph.args[user] if arg != product]
            if len(other) == 1 and graph.kind[other[0]] in (INPUT, CONST) and _used_once(uses, other[0]) \
                    and np.shape(values[user]) == np.shape(values[product]):
                z, b = user, other[0]
    a, activation = z, None
    if _used_once(uses, z):
        user = uses[z][0]
        op = graph.table[user]
        if op is not None and _is_activation(op) and graph.args[user][0] == z \
                and not any(graph.needs_grad[arg] for arg in graph.args[user][1:]):
            a, activation = user, op
    return Layer(product, z, a, W, b, a_prev, activation)


def _is_activation(op: Op) -> bool:
    """A function of one array, element by element (sigmoid, tanh, relu, leaky_relu(x, slope), …)."""
    return op.function and op.elementwise and len(op.params) - len(op.defaults) == 1


# -- the equations -----------------------------------------------------------------------------------------------


def four_equations(graph: Graph, values: list, grads: list) -> list[dict]:
    """Every layer of every network, as JSON-ready data: its nodes, its δ, and BP1–BP4 worked through."""
    names = display_names(graph)
    cost = graph.name[graph.output] or "C"
    answer = []
    for network, chain in enumerate(find_networks(graph, values)):
        deltas: list = [None] * len(chain)
        for number in range(len(chain), 0, -1):  # backwards, as the error flows
            layer = chain[number - 1]
            if number == len(chain):
                equations = [_bp1(graph, values, grads, names, cost, layer, number)]
            else:
                equations = [_bp2(graph, values, grads, names, cost, layer, number, chain[number], deltas[number])]
            delta = deltas[number - 1] = equations[0]["result_array"]
            if layer.b is not None and graph.needs_grad[layer.b]:
                equations.append(_bp3(graph, values, grads, names, cost, layer, number, delta))
            equations.append(_bp4(graph, values, grads, names, cost, layer, number, delta))
            answer.append({
                "network": network, "number": number, "layers": len(chain),
                "z": layer.z, "a": layer.a, "W": layer.W, "b": layer.b, "input": layer.input,
                "activation": layer.activation.name if layer.activation else None,
                "delta": _delta(number), "equations": [_finished(eq, grads) for eq in equations],
            })
    answer.sort(key=lambda layer: (layer["network"], layer["number"]))
    return answer


def _delta(number: int) -> str:
    return "δ" + _sup(number)


def _sup(number: int) -> str:
    return str(number).translate(SUPERSCRIPTS)


def _derivative(layer: Layer) -> str:
    """σ′ for sigmoid, tanh′, relu′, leaky_relu′, …: the activation's symbol primed, or its name when the
    symbol is not a name (√, "leaky relu")."""
    op = layer.activation
    return f"{op.symbol if op.symbol.isidentifier() else op.name}′"


def _sigma_prime(graph: Graph, values: list, layer: Layer) -> np.ndarray:
    if layer.activation is None:
        return np.ones(np.shape(values[layer.z]))
    args = tuple(values[arg] for arg in graph.args[layer.a])
    return diagonal(layer.activation, 0, values[layer.a], args)


def _term(symbol: str, node: int, of: str, value) -> dict:
    """A quantity in an equation and where it comes from: the node's value, its grad, or its local
    derivative (σ′(z), of the activation at z)."""
    return {"symbol": symbol, "node": node, "of": of, "value": value}


def _bp1(graph, values, grads, names, cost, layer: Layer, number: int) -> dict:
    L, z, a = _sup(number), names[layer.z], on_its_own(graph, names, layer.a)
    gradient = np.asarray(grads[layer.a])
    terms = [_term(f"∂{cost}/∂{a}", layer.a, "grad", gradient)]
    if layer.activation is None:
        formula, named, result, numbers = f"δ{L} = ∇ₐC (a{L} = z{L})", f"δ{L} = ∂{cost}/∂{a}", gradient, preview(gradient)
    else:
        sp = _sigma_prime(graph, values, layer)
        prime = _derivative(layer)
        terms.append(_term(f"{prime}({z})", layer.z, "local", sp))
        result = gradient * sp
        formula = f"δ{L} = ∇ₐC ⊙ {prime}(z{L})"
        named = f"δ{L} = ∂{cost}/∂{a} ⊙ {prime}({z})"
        numbers = f"{preview(gradient)} ⊙ {preview(sp)} = {preview(result)}"
    return {"name": "BP1", "formula": formula, "named": named, "terms": terms, "result_array": result,
            "node": layer.z,
            "text": say("layers.bp1", named=named, numbers=numbers)}


def _bp2(graph, values, grads, names, cost, layer: Layer, number: int, nxt: Layer, next_delta) -> dict:
    l, l1, z = _sup(number), _sup(number + 1), names[layer.z]
    W = on_its_own(graph, names, nxt.W)
    back = np.asarray(values[nxt.W]).T @ next_delta
    terms = [_term(f"{W}", nxt.W, "value", values[nxt.W]), _term(f"δ{l1}", nxt.z, "grad", next_delta)]
    formula = f"δ{l} = ((W{l1})ᵀ δ{l1})"
    named = f"δ{l} = ({W}ᵀ δ{l1})"
    result, numbers = back, preview(back)
    if layer.activation is not None:
        sp = _sigma_prime(graph, values, layer)
        prime = _derivative(layer)
        terms.append(_term(f"{prime}({z})", layer.z, "local", sp))
        result = back * sp
        formula += f" ⊙ {prime}(z{l})"
        named += f" ⊙ {prime}({z})"
        numbers = f"{preview(back)} ⊙ {preview(sp)} = {preview(result)}"
    return {"name": "BP2", "formula": formula, "named": named, "terms": terms, "result_array": result,
            "node": layer.z,
            "text": say("layers.bp2", number=number, next=number + 1, named=named, numbers=numbers)}


def _bp3(graph, values, grads, names, cost, layer: Layer, number: int, delta) -> dict:
    l, b = _sup(number), on_its_own(graph, names, layer.b)
    result = np.asarray(unbroadcast(delta, np.shape(values[layer.b])))
    summed = result.shape != np.shape(delta)  # a bias broadcast along the samples (columns) of a mini-batch
    named = f"∂{cost}/∂{b} = " + (f"Σₓ δ{l}" if summed else f"δ{l}")
    numbers = f"Σ {preview(delta)} = {preview(result)}" if summed else preview(result)
    how = say("layers.bp3_summed") if summed else NOTHING
    return {"name": "BP3", "formula": f"∂C/∂b{l} = " + (f"Σₓ δ{l}" if summed else f"δ{l}"), "named": named,
            "terms": [_term(f"δ{l}", layer.z, "grad", delta)], "result_array": result, "node": layer.b,
            "text": say("layers.bp3", how=how, named=named, numbers=numbers)}


def _bp4(graph, values, grads, names, cost, layer: Layer, number: int, delta) -> dict:
    l, before = _sup(number), _sup(number - 1)
    W, a = on_its_own(graph, names, layer.W), on_its_own(graph, names, layer.input)
    a_value = np.asarray(values[layer.input])
    if a_value.ndim == 1:
        result, product = np.outer(delta, a_value), "⊗"
    else:
        result, product = delta @ a_value.T, "@"
    named = f"∂{cost}/∂{W} = δ{l} {a}ᵀ"
    numbers = f"{preview(delta)} {product} {preview(a_value.T if product == '@' else a_value)} = {preview(result)}"
    return {"name": "BP4", "formula": f"∂C/∂W{l} = δ{l} (a{before})ᵀ", "named": named,
            "terms": [_term(f"δ{l}", layer.z, "grad", delta), _term(a, layer.input, "value", a_value)],
            "result_array": result, "node": layer.W,
            "text": say("layers.bp4", named=named, numbers=numbers)}


def _finished(equation: dict, grads: list) -> dict:
    """The equation as JSON: its arrays as lists, and how far its result is from the engine's gradient."""
    result = equation.pop("result_array")
    engine = np.asarray(grads[equation["node"]])
    equation["result"] = _json(result)
    equation["difference"] = float(np.max(np.abs(result - engine))) if np.size(result) else 0.0
    for term in equation["terms"]:
        term["value"] = _json(term["value"])
    return equation


def _json(value):
    return json_value(np.asarray(value, dtype=np.float64))


def mark_deltas(nodes: list[dict], layers: list[dict]) -> None:
    """Tag each layer's z node with its δ symbol, for the drawing."""
    for layer in layers:
        nodes[layer["z"]]["delta"] = layer["delta"]
