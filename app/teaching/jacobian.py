"""Local Jacobians: what a gate between arrays does to the gradient, as a matrix, with its numbers.

The CS231n notes close on "when L's argument is a vector, use the Jacobian": for a gate y = f(x) the
local Jacobian J has a row per element of y and a column per element of x (both flattened in C order),
J[i, j] = ∂yᵢ/∂xⱼ, and the gradient that flows back is the vector-Jacobian product ∂L/∂x = Jᵀ ∂L/∂y.

Every number here comes from the op table's own rules: row i of J is the gate's vector-Jacobian product
(its ``vjps`` entry) applied to the i-th basis vector, and the diagonal of an elementwise gate is its
product with a vector of ones. No derivative is written down a second time. What this module adds is
the shape of J, which the table's row says through ``elementwise`` and its name: diagonal for an
elementwise gate, identical blocks along the diagonal for the left operand of a matrix product (row i
of W @ X depends on row i of W only, through the same Xᵀ), and otherwise dense; a small J is given
whole, a large one by that structure or by a slice.
"""

from __future__ import annotations

import re

import numpy as np

from ..engine.backward import unbroadcast
from ..engine.graph import Graph
from ..engine.printer import display_names, on_its_own
from ..engine.rounding import format_array, format_number, operand_decimals, worked, worked_decimals
from ..words.messages import Text, say
from .narrate import _joined, gradient_or_share, named_rule, named_rule_text, preview

MAX_WHOLE = 256  # entries of a Jacobian given whole (a 16×16, or 4 outputs of a 4×16 matrix product)
SLICE = (4, 8)  # rows and columns of the slice of a larger dense Jacobian
MAX_WRITTEN_OUT = 16  # entries of an outer product g xᵀ written out product by product


def basis_rows(op, k: int, ans, args: tuple, rows) -> np.ndarray:
    """Rows of the local Jacobian d ans / d args[k]: the op's vjp applied to each basis vector eᵢ."""
    source_shape = np.shape(args[k])
    result = np.empty((len(rows), int(np.prod(source_shape))))
    for r, i in enumerate(rows):
        e = np.zeros(np.shape(ans))
        e.flat[i] = 1.0
        share = np.asarray(op.vjps[k](e if e.ndim else e[()], ans, *args))
        result[r] = np.ravel(unbroadcast(share, source_shape) if share.shape != source_shape else share)
    return result


def diagonal(op, k: int, ans, args: tuple) -> np.ndarray:
    """The diagonal of an elementwise gate's Jacobian, shaped like its argument: the vjp of a vector of
    ones (exact, since nothing is off the diagonal). For sigmoid, σ′(z) = σ(z)(1 − σ(z))."""
    share = np.asarray(op.vjps[k](np.ones(np.shape(ans)), ans, *args))
    return share if share.shape == np.shape(args[k]) else unbroadcast(share, np.shape(args[k]))


def structure(op, k: int, ans, args: tuple) -> str:
    """"diagonal", "blocks" or "dense", from the op's row: elementwise, a matrix product's left operand, other."""
    source = np.shape(args[k])
    if op.elementwise and source == np.shape(ans) and source:
        return "diagonal"
    if op.name == "matmul" and k == 0 and len(source) == 2 and np.ndim(args[1]) in (1, 2):
        return "blocks"
    return "dense"


def local_jacobian(op, k: int, ans, args: tuple) -> dict:
    """The local Jacobian of argument k as JSON-ready data: its size, its structure, and its numbers: whole
    when small; else the diagonal, or the repeated block, or when even that is large, its top-left slice."""
    rows, columns = int(np.size(ans)), int(np.size(args[k]))
    kind = structure(op, k, ans, args)
    answer: dict = {"rows": rows, "columns": columns, "structure": kind}
    if rows * columns <= MAX_WHOLE:
        answer["whole"] = basis_rows(op, k, ans, args, range(rows)).tolist()
    if kind == "diagonal":
        answer["diagonal"] = diagonal(op, k, ans, args).ravel().tolist()
    elif kind == "blocks":
        # Y = W @ X, W n×k: J's first block is the rows of Y's first row on the columns of W's first row.
        answer["blocks"] = count = len(args[0])
        block_rows, block_columns = rows // count, columns // count
        if block_rows * block_columns <= MAX_WHOLE:
            answer["block"] = basis_rows(op, k, ans, args, range(block_rows))[:, :block_columns].tolist()
    if not {"whole", "diagonal", "block"} & answer.keys():
        answer["slice"] = basis_rows(op, k, ans, args, range(min(rows, SLICE[0])))[:, :SLICE[1]].tolist()
    return answer


# -- a local gradient of numbers, worked out with them ------------------------------------------------------------

_NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"


def local_with_numbers(op, k: int, ans, args: tuple, local, named: str) -> str | None:
    """The op table's local-gradient rule with the gate's numbers in, as the notes write it: "σ(1−σ) = 0.73 ×
    0.27 = 0.20" for σ(1), "1 / b = 1 / 2.00 = 0.50", "b = -4.00". Each parameter becomes its value and the
    gate's symbol, where the rule writes the output with it (σ in σ(1−σ), tanh in 1−tanh²), the output's value;
    "1 − s" is worked out as the notes do. ``named``: the rule in the program's names (``named_rule``). None where the rule is words (max's "1 if a > b …") or where the
    local gradient is not known (not finite)."""
    if local is None or not np.isfinite(local) or op.variadic:
        return None
    rule = (op.local_short or op.local_grads)[min(k, len((op.local_short or op.local_grads)) - 1)]
    if re.search(r"\b(if|else|or|at|for|every|back|row)\b", rule) or "g" in re.findall(r"[A-Za-z]+", rule):
        return None
    numbers = rule
    if op.symbol not in ("+", "-", "*", "/", "^", "@"):  # the output (σ in σ(1−σ)), not the function (σ(x), √x)
        numbers = re.sub(re.escape(op.symbol) + r"(?!\(?[a-z](?![A-Za-z]))", _factor(format_number(float(ans))), numbers)
    texts = {param: _factor(format_number(value)) for param, value in zip(op.params, args)}
    numbers = re.sub(r"(?<![A-Za-z])[a-z](?![A-Za-z])", lambda m: texts.get(m.group(), m.group()), numbers)
    numbers = re.sub(r"(?<=[\d)])\(", " × (", numbers).replace("·", " × ")
    local_text = format_number(local)
    complement = re.fullmatch(rf"\(?({_NUMBER})\)? × \(1\s*[−-]\s*\(?({_NUMBER})\)?\)", numbers)
    if complement:  # σ(1−σ): s × (1 − s) = s × (the complement worked out), with the digits a hand check needs
        s = float(ans)
        (first, second), local_text = worked(local, np.multiply, s, 1 - s)
        return f"{named} = {first} × {second} = {local_text}"
    squared = re.fullmatch(rf"1\s*[−-]\s*\(?({_NUMBER})\)?²", numbers)
    if squared:  # 1−tanh²: t with the digits a hand check needs
        t = float(ans)
        (t_text,), local_text = worked(local, lambda shown: 1 - shown * shown, t)
        return f"{named} = 1 − {_factor(t_text)}² = {local_text}"
    if numbers == rule or numbers.strip("()") == local_text:
        return f"{named} = {local_text}"
    return f"{named} = {numbers} = {local_text}"


def _factor(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


# -- the answer's wires ------------------------------------------------------------------------------------------


def explain_wires(edges: list[dict], graph: Graph, values: list, grads: list, wire_grads: list) -> None:
    """Give each answered edge that carries a gradient its ``rule`` (the local gradient in the program's
    names), and each such edge between arrays its ``jacobian``: the local Jacobian and the
    vector-Jacobian product that flows back, in numbers and in words."""
    names = display_names(graph)
    out = graph.name[graph.output] or "f"
    starts = graph.edge_starts()
    uses = [0] * len(graph)  # wires carrying a gradient out of each node: more than one, each is a share
    for node, args in enumerate(graph.args):
        for k, source in enumerate(args):
            uses[source] += wire_grads[starts[node] + k] is not None
    for node, args in enumerate(graph.args):
        op = graph.table[node]
        if op is None:
            continue
        ans = values[node]
        for k, source in enumerate(args):
            wire = starts[node] + k
            if wire_grads[wire] is None:
                continue
            edge = edges[wire]
            edge["rule"] = named_rule_text(graph, names, out, node, k)
            if not ans.ndim and not values[source].ndim:  # a wire between numbers: its one local gradient
                worked_out = local_with_numbers(op, k, ans, tuple(values[a] for a in args), edge.get("local"),
                                                named_rule(graph, names, out, node, k))
                if worked_out is not None:
                    edge["local_worked"] = worked_out
                continue
            arg_values = tuple(values[a] for a in args)
            jacobian = local_jacobian(op, k, ans, arg_values)
            jacobian["vjp"] = _vjp_text(jacobian, edge["rule"], graph, names, out, node, k, grads[node],
                                        arg_values, wire_grads[wire], uses[source] > 1)
            jacobian["about"] = _structure_text(jacobian, graph, names, node, k, source)
            edge["jacobian"] = jacobian


def _structure_text(jacobian: dict, graph: Graph, names: list[str], node: int, k: int, source: int) -> Text:
    rows, columns = jacobian["rows"], jacobian["columns"]
    facts = {"target": on_its_own(graph, names, node), "arg": on_its_own(graph, names, source),
             "size": f"{rows}×{columns}"}
    if jacobian["structure"] == "blocks":
        return say("jacobian.blocks", **facts, blocks=jacobian["blocks"],
                   block=f"{rows // jacobian['blocks']}×{columns // jacobian['blocks']}",
                   other=on_its_own(graph, names, graph.args[node][1]))
    return say(f"jacobian.{jacobian['structure']}", **facts)  # diagonal or dense


def _vjp_text(jacobian: dict, rule: Text, graph: Graph, names: list[str], out: str, node: int, k: int,
              upstream, arg_values: tuple, flows, shared: bool = False) -> Text:
    """The vector-Jacobian product with its numbers: what flows back along the wire (a share, where the
    argument is used several times)."""
    head = _joined(gradient_or_share(graph, names, out, node, k, shared), " = ", rule)
    g = preview(upstream)
    if jacobian["structure"] == "diagonal":  # local ⊙ g, with the digits a hand check needs (rounding.worked)
        local = np.reshape(jacobian["diagonal"], np.shape(arg_values[k]))
        (local_text, g_text), flows_text = worked(flows, np.multiply, local, np.asarray(upstream, dtype=float))
        return say("jacobian.vjp_diagonal", head=head, local=local_text, g=g_text, flows=flows_text)
    if jacobian["structure"] == "blocks" and np.ndim(arg_values[1]) == 1:
        x = np.asarray(arg_values[1], dtype=float)
        g_array = np.asarray(upstream, dtype=float)
        right = on_its_own(graph, names, graph.args[node][1])
        (g_text, x_text), flows_text = worked(flows, np.outer, g_array, x)
        extra, _ = worked_decimals(flows, np.outer, g_array, x)
        written = _outer_written_out(g_array, x, operand_decimals(g_array, extra), operand_decimals(x, extra))
        math = _joined(head, f" = {g_text} ⊗ {x_text}{written} = {flows_text}")
        return say("jacobian.vjp_outer", math=math, right=right)
    math = _joined(head, f" = Jᵀ · {g} = {preview(flows)}")
    return say("jacobian.vjp_dense", math=math)


def _outer_written_out(g: np.ndarray, x: np.ndarray, g_places, x_places) -> str:
    """" = [[0.44 × 0.20, 0.44 × 0.40], [0.52 × 0.20, 0.52 × 0.40]]" for a small outer product, else ""; each
    factor as its array is shown."""
    if g.size * x.size > MAX_WRITTEN_OUT:
        return ""
    g_texts, x_texts = _factors(g.ravel().tolist(), g_places), _factors(x.ravel().tolist(), x_places)
    rows = ["[" + ", ".join(f"{gi} × {xj}" for xj in x_texts) + "]" for gi in g_texts]
    return " = [" + ", ".join(rows) + "]"


def _factors(flat: list, places) -> list[str]:
    return [f"({text})" if text.startswith("-") else text for text in format_array(flat, places)]
