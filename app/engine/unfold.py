"""Unfolding: a graph with its compound gates (sigmoid, tanh, …) replaced by the primitives they are made of.

Each compound op's row in the op table says what it is made of (``unfolds_to="1 / (1 + exp(-x))"``);
that expression is parsed by the project's own parser into a small template graph once, and every
node of the op is replaced by a copy of the template wired to the node's arguments. The copy's last
node keeps the original node's name, so later statements and the output are unchanged; the gradient
at the compound gate's inputs is the same either way, up to rounding.
"""

from __future__ import annotations

from functools import cache

from ..words.messages import say
from .graph import CONST, INPUT, Graph, build_graph
from .limits import Limits, env_var
from .ops import OPS_BY_NAME


@cache
def template(op_name: str) -> Graph:
    """The expansion of one compound op as a graph whose inputs are the op's parameters."""
    op = OPS_BY_NAME[op_name]
    return build_graph(op.unfolds_to, {param: 0.0 for param in op.params})


def unfold(graph: Graph, limits: Limits) -> tuple[Graph, list[tuple[str, int] | None]]:
    """The unfolded graph, and for each of its nodes (op name, id of the compound node in ``graph``)
    when it came from unfolding, else None."""
    if not any(op is not None and op.unfolds_to for op in graph.table):
        return graph, [None] * len(graph)
    columns = {name: [] for name in ("kind", "table", "args", "name", "label", "token", "fixed", "needs_grad")}
    origin: list[tuple[str, int] | None] = []
    new_id: list[int] = []

    def add(kind, table, args, name, label, token, fixed, needs_grad, came_from):
        if len(origin) >= limits.max_nodes:
            raise graph.error("limit", say("too_many_nodes_unfolded", limit=limits.max_nodes,
                                           variable=env_var("max_nodes")), node)
        for column, item in zip(columns.values(), (kind, table, args, name, label, token, fixed, needs_grad)):
            column.append(item)
        origin.append(came_from)
        return len(origin) - 1

    for node, op in enumerate(graph.table):
        args = tuple([new_id[a] for a in graph.args[node]])
        if op is None or not op.unfolds_to:
            new_id.append(add(graph.kind[node], op, args, graph.name[node], graph.label[node], graph.token[node],
                              graph.fixed[node], graph.needs_grad[node], None))
            continue
        # The template's nodes, its inputs mapped to the compound gate's arguments.
        part = template(op.name)
        mapped: dict[int, int] = {part.inputs[param]: arg for param, arg in zip(op.params, args)}
        came_from = (op.name, node)
        for inner in range(len(part)):
            if part.kind[inner] == INPUT:
                continue
            last = inner == part.output
            name = graph.name[node] if last else None
            if part.kind[inner] == CONST:
                mapped[inner] = add(CONST, None, (), name, part.label[inner], graph.token[node],
                                    part.fixed[inner], False, came_from)
                continue
            inner_args = tuple([mapped[a] for a in part.args[inner]])
            needs = any(columns["needs_grad"][a] for a in inner_args)
            mapped[inner] = add(part.kind[inner], part.table[inner], inner_args, name, part.label[inner],
                                graph.token[node], None, needs, came_from)
        new_id.append(mapped[part.output])
    inputs = {name: new_id[node] for name, node in graph.inputs.items()}
    unfolded = Graph(graph.source, columns["kind"], columns["table"], columns["args"], columns["name"],
                     columns["label"], columns["token"], columns["fixed"], columns["needs_grad"], inputs,
                     new_id[graph.output], graph.has_array_leaf)
    return unfolded, origin


def mark_unfolded(nodes: list[dict], origin: list[tuple[str, int] | None]) -> None:
    """Give each answered node that came from unfolding ``unfolded_from`` (the op) and ``group`` (the id of
    the compound node in the folded graph)."""
    for node, came_from in zip(nodes, origin):
        if came_from is not None:
            node["unfolded_from"], node["group"] = came_from

