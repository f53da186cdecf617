"""Nielsen's four equations, live: the layers of a network found in a program's graph, each layer's error
δ = ∂C/∂z, and the equations BP1–BP4 with this graph's numbers in them.

A layer is recognised by its shape in the graph, never by its names: a matrix product W @ a (samples as
columns, as Nielsen writes it) or a @ W (samples as rows, as the playground and most libraries write it) whose W
is an input used nowhere else, plus a bias b used nowhere else (optional), makes z; an elementwise function of z
alone (sigmoid, tanh, relu, …: any gate of the op table called by name with one argument, elementwise, its
optional parameters constants) makes the layer's activation a (without one, a is z). When both operands could
be the weights (X @ W1, two inputs), the bias's shape and the next layer's product say which way round the
program is written (_samples_as_rows), so the data are never taken for the weights. Layers chain when one
layer's a is used only as the next layer's a⁻; the last layer of a chain feeds the cost. Layers are numbered
from 1 at the first product, its a⁻ being a⁰ (Nielsen numbers the input layer 1; the presets' z1, z2 are δ¹, δ²).
For samples as rows the equations are transposed: δˡ = (δˡ⁺¹ (Wˡ⁺¹)ᵀ) ⊙ σ′(zˡ), ∂C/∂Wˡ = (aˡ⁻¹)ᵀ δˡ, and
∂C/∂bˡ sums δˡ over the rows.

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
from ..engine.printer import display_names, on_its_own
from ..engine.rounding import worked
from .narrate import preview

SUPERSCRIPTS = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


@dataclass(frozen=True)
class Layer:
    product: int  # the node W @ a⁻ (samples as columns) or a⁻ @ W (samples as rows); a⁻: the previous activation
    z: int  # the product plus the bias, or the product itself
    a: int  # the activation, or z when there is none
    W: int
    b: int | None
    input: int  # a⁻, the product's other operand
    activation: Op | None
    rows: bool = False  # samples as rows (a⁻ @ W, as the playground writes it) rather than columns (W @ a⁻)
    others: tuple[int, ...] = ()  # W's other uses (a regulariser's W^2): their share is added to BP4


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


def _could_be_weights(graph: Graph, values: list, uses: list, node: int) -> bool:
    """An input matrix that feeds one matrix product: used there only, or besides in a term of the cost that
    is no layer (the playground's L2 term sum(W^2) beside X @ W), whose share BP4 then adds."""
    return graph.kind[node] == INPUT and np.ndim(values[node]) == 2 \
        and sum(graph.kind[user] == "matmul" for user in uses[node]) == 1


def _layer_at(graph: Graph, values: list, uses: list, product: int) -> Layer | None:
    if graph.kind[product] != "matmul":
        return None
    left, right = graph.args[product]
    # W @ a⁻ (samples as columns) or a⁻ @ W (samples as rows): the weights are an input used nowhere else
    ways = [rows for rows, (W, a_prev) in ((False, (left, right)), (True, (right, left)))
            if _could_be_weights(graph, values, uses, W) and np.ndim(values[a_prev]) in (1, 2)]
    if not ways:
        return None
    z, b = _with_bias(graph, values, uses, product)
    a, activation = _with_activation(graph, uses, z)
    rows = ways[0] if len(ways) == 1 else _samples_as_rows(graph, values, uses, product, z, b, a)
    W, a_prev = (right, left) if rows else (left, right)
    others = tuple(user for user in dict.fromkeys(uses[W]) if user != product)
    return Layer(product, z, a, W, b, a_prev, activation, rows, others)


def _with_bias(graph: Graph, values: list, uses: list, product: int) -> tuple[int, int | None]:
    """z = the product + b, b an input or constant used nowhere else that keeps the product's shape."""
    if _used_once(uses, product):
        user = uses[product][0]
        if graph.kind[user] == "add":
            other = [arg for arg in graph.args[user] if arg != product]
            if len(other) == 1 and graph.kind[other[0]] in (INPUT, CONST) and _used_once(uses, other[0]) \
                    and np.shape(values[user]) == np.shape(values[product]):
                return user, other[0]
    return product, None


def _with_activation(graph: Graph, uses: list, z: int) -> tuple[int, Op | None]:
    if _used_once(uses, z):
        user = uses[z][0]
        op = graph.table[user]
        if op is not None and _is_activation(op) and graph.args[user][0] == z \
                and not any(graph.needs_grad[arg] for arg in graph.args[user][1:]):
            return user, op
    return z, None


def _samples_as_rows(graph: Graph, values: list, uses: list, product: int, z: int, b: int | None, a: int) -> bool:
    """Both operands of the product could be the weights (X @ W, two inputs): which way round the program
    is written, from what comes after it. A bias shared by the samples varies along z's units only: a vector
    b (NumPy adds it along the last axis) or a (1, h) row on a z of samples as rows, an (h, 1) column on a z
    of samples as columns. Then the activation feeding the next layer's product as its left operand is a row
    of samples (H1 @ W2). Then the names (a W on the right); Nielsen's W @ a otherwise."""
    shape = np.shape(values[z])
    if b is not None and len(shape) == 2:
        bias = np.shape(values[b])
        if len(bias) == 1 or (bias == (1, shape[1]) and shape[0] != 1):
            return True
        if bias == (shape[0], 1) and shape[1] != 1:
            return False
    if _used_once(uses, a) and graph.kind[uses[a][0]] == "matmul":
        return graph.args[uses[a][0]][0] == a
    left, right = graph.args[product]
    return _named_as_weights(graph, right) and not _named_as_weights(graph, left)


def _named_as_weights(graph: Graph, node: int) -> bool:
    """The last resort, when nothing in the graph's shape tells (sum(X @ W), one layer without a bias): the
    letter the notes give weights."""
    return (graph.name[node] or "")[:1] in ("W", "w", "θ")


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
                "samples": "rows" if layer.rows else "columns",
                "delta": _delta(number), "z_name": z_name(graph, names, layer.z, number),
                "equations": [_finished(eq, grads) for eq in equations],
            })
    answer.sort(key=lambda layer: (layer["network"], layer["number"]))
    return answer


Z_EXPRESSION_MOST = 12  # characters: an unnamed z written longer than this is Nielsen's zˡ in a layer's heading


def z_name(graph: Graph, names: list[str], z: int, number: int) -> str:
    """What a layer's heading calls its z ("δ¹ = ∂C/∂z"): its name; unnamed, its expression through the printer
    where that is short enough to read in a heading (∂C/∂(x + y)), else Nielsen's zˡ (∂C/∂z¹, not
    ∂C/∂(W1 @ X + b1 @ …))."""
    if graph.name[z] is not None:
        return names[z]
    return on_its_own(graph, names, z) if len(names[z]) <= Z_EXPRESSION_MOST else "z" + _sup(number)


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
    """A quantity in an equation and where it comes from: the node's value, its grad, its local derivative
    (σ′(z), of the activation at z), or the share of its grad that its other uses send back (an L2 term's)."""
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
        (shown_gradient, shown_sp), shown_result = _worked(result, np.multiply, gradient, sp)
        numbers = f"{shown_gradient} ⊙ {shown_sp} = {shown_result}"
    return {"name": "BP1", "formula": formula, "named": named, "terms": terms, "result_array": result,
            "node": layer.z,
            "text": say("layers.bp1", named=named, numbers=numbers)}


def _bp2(graph, values, grads, names, cost, layer: Layer, number: int, nxt: Layer, next_delta) -> dict:
    l, l1, z = _sup(number), _sup(number + 1), names[layer.z]
    W = on_its_own(graph, names, nxt.W)
    weights, delta = _term(f"{W}", nxt.W, "value", values[nxt.W]), _term(f"δ{l1}", nxt.z, "grad", next_delta)
    if nxt.rows:  # a⁺ = a @ W⁺: the error goes back through W⁺ on the right, transposed
        back = next_delta @ np.asarray(values[nxt.W]).T
        terms, formula, named = [delta, weights], f"δ{l} = (δ{l1} (W{l1})ᵀ)", f"δ{l} = (δ{l1} {W}ᵀ)"
    else:
        back = np.asarray(values[nxt.W]).T @ next_delta
        terms, formula, named = [weights, delta], f"δ{l} = ((W{l1})ᵀ δ{l1})", f"δ{l} = ({W}ᵀ δ{l1})"
    result, numbers = back, preview(back)
    if layer.activation is not None:
        sp = _sigma_prime(graph, values, layer)
        prime = _derivative(layer)
        terms.append(_term(f"{prime}({z})", layer.z, "local", sp))
        result = back * sp
        formula += f" ⊙ {prime}(z{l})"
        named += f" ⊙ {prime}({z})"
        (shown_back, shown_sp), shown_result = _worked(result, np.multiply, back, sp)
        numbers = f"{shown_back} ⊙ {shown_sp} = {shown_result}"
    return {"name": "BP2", "formula": formula, "named": named, "terms": terms, "result_array": result,
            "node": layer.z,
            "text": say("layers.bp2", number=number, next=number + 1, named=named, numbers=numbers)}


def _bp3(graph, values, grads, names, cost, layer: Layer, number: int, delta) -> dict:
    l, b = _sup(number), on_its_own(graph, names, layer.b)
    result = np.asarray(unbroadcast(delta, np.shape(values[layer.b])))
    summed = result.shape != np.shape(delta)  # a bias broadcast along the samples (columns or rows) of a batch
    named = f"∂{cost}/∂{b} = " + (f"Σₓ δ{l}" if summed else f"δ{l}")
    shape = np.shape(values[layer.b])
    if summed:
        (shown_delta,), shown_result = _worked(result, lambda d: unbroadcast(d, shape), delta)
        numbers = f"Σ {shown_delta} = {shown_result}"
    else:
        numbers = preview(result)
    how = say("layers.bp3_summed_rows" if layer.rows else "layers.bp3_summed_columns") if summed else NOTHING
    return {"name": "BP3", "formula": f"∂C/∂b{l} = " + (f"Σₓ δ{l}" if summed else f"δ{l}"), "named": named,
            "terms": [_term(f"δ{l}", layer.z, "grad", delta)], "result_array": result, "node": layer.b,
            "text": say("layers.bp3", how=how, named=named, numbers=numbers)}


def _bp4(graph, values, grads, names, cost, layer: Layer, number: int, delta) -> dict:
    l, before = _sup(number), _sup(number - 1)
    W, a = on_its_own(graph, names, layer.W), on_its_own(graph, names, layer.input)
    a_value = np.asarray(values[layer.input])
    delta_term, a_term = _term(f"δ{l}", layer.z, "grad", delta), _term(a, layer.input, "value", a_value)
    product = "⊗" if a_value.ndim == 1 else "@"
    if layer.rows:  # z = a @ W: ∂C/∂W = aᵀ δ, the input's columns against the error's, summed over the rows
        result = np.outer(a_value, delta) if a_value.ndim == 1 else a_value.T @ delta
        formula, named = f"∂C/∂W{l} = (a{before})ᵀ δ{l}", f"∂{cost}/∂{W} = {a}ᵀ δ{l}"
        (shown_a, shown_delta), worked = _worked(result, lambda a, d: np.outer(a, d) if a.ndim == 1 else a @ d,
                                                 a_value if a_value.ndim == 1 else a_value.T, delta)
        numbers = f"{shown_a} {product} {shown_delta} = {worked}"
        terms = [a_term, delta_term]
        how = say("layers.bp4_rows")
    else:
        result = np.outer(delta, a_value) if a_value.ndim == 1 else delta @ a_value.T
        formula, named = f"∂C/∂W{l} = δ{l} (a{before})ᵀ", f"∂{cost}/∂{W} = δ{l} {a}ᵀ"
        (shown_delta, shown_a), worked = _worked(result, lambda d, a: np.outer(d, a) if a.ndim == 1 else d @ a,
                                                 delta, a_value if a_value.ndim == 1 else a_value.T)
        numbers = f"{shown_delta} {product} {shown_a} = {worked}"
        terms = [delta_term, a_term]
        how = say("layers.bp4_columns")
    if layer.others:  # W used besides (an L2 term): BP4 gives the product's share; the others' is added
        other = _other_uses_share(graph, values, grads, layer)
        share = f"∂{cost}/∂{W}|" + ", ".join(on_its_own(graph, names, user) for user in layer.others)
        terms.append(_term(share, layer.W, "share", other))
        named += f" + {share}"
        formula += f" + ∂C/∂W{l}|…"
        numbers = f"{numbers} + {preview(other)} = {preview(result + other)}"
        result = result + other
        return {"name": "BP4", "formula": formula, "named": named, "terms": terms, "result_array": result,
                "node": layer.W, "text": say("layers.bp4_shared", how=how, named=named, numbers=numbers,
                                             W=W, share=share)}
    return {"name": "BP4", "formula": formula, "named": named,
            "terms": terms,
            "result_array": result, "node": layer.W,
            "text": say("layers.bp4", how=how, named=named, numbers=numbers)}


def _other_uses_share(graph: Graph, values: list, grads: list, layer: Layer) -> np.ndarray:
    """What W's other uses (an L2 term) send back to it: each such gate's vector-Jacobian product, from its
    row of the op table, at the engine's upstream gradient of that gate."""
    total = np.zeros(np.shape(values[layer.W]))
    for user in layer.others:
        op, args = graph.table[user], graph.args[user]
        if grads[user] is None:
            continue
        arg_values = tuple(values[arg] for arg in args)
        for k, arg in enumerate(args):
            if arg == layer.W:
                share = np.asarray(op.vjps[k](grads[user], values[user], *arg_values))
                total = total + (unbroadcast(share, total.shape) if share.shape != total.shape else share)
    return total


def _worked(result, how, *operands) -> tuple[list[str], str]:
    """The operands and the result written so that a hand check holds (rounding.worked)."""
    return worked(result, how, *operands)


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
