"""Values and gradients → JSON-ready data: the graph as the REST API answers it."""

from __future__ import annotations

import numpy as np

from .graph import Graph


def json_value(value):
    """A number or nested lists of numbers; a value that is not finite becomes None (JSON null)."""
    if value is None:
        return None
    if value.ndim == 0:
        number = float(value)
        return number if number - number == 0.0 else None  # inf - inf and nan - nan are nan
    if np.isfinite(value).all():
        return value.tolist()
    return np.where(np.isfinite(value), value, None).tolist()


def is_finite(value) -> bool:
    if value.ndim == 0:
        number = float(value)
        return number - number == 0.0
    return bool(np.isfinite(value).all())


def describe_non_finite(value) -> str:
    if value.ndim == 0:
        number = float(value)
        return "not a number (nan)" if number != number else ("infinite" if number > 0 else "minus infinite")
    bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
    return f"not finite in {bad} of its {value.size} elements"


def graph_json(graph: Graph, values: list, grads: list, wire_grads: list, wire_locals: list | None = None) -> dict:
    """The 200 answer of ``POST /api/graph``, as plain Python data; edges carry ``local`` when given."""
    value_json = [json_value(v) for v in values]
    grad_json = [json_value(g) for g in grads]
    nodes = []
    edges = []
    wire = 0
    for node, args in enumerate(graph.args):
        nodes.append({
            "id": node,
            "op": graph.kind[node],
            "label": graph.label[node],
            "name": graph.name[node],
            "inputs": list(args),
            "value": value_json[node],
            "grad": grad_json[node],
            "shape": list(np.shape(values[node])),
        })
        for index, source in enumerate(args):
            edge = {
                "source": source,
                "target": node,
                "index": index,
                "value": value_json[source],
                "grad": json_value(wire_grads[wire]),
            }
            if wire_locals is not None:
                edge["local"] = json_value(wire_locals[wire])
            edges.append(edge)
            wire += 1
    return {
        "value": value_json[graph.output],
        "output": graph.output,
        "gradients": {name: grad_json[node] for name, node in graph.inputs.items()},
        "nodes": nodes,
        "edges": edges,
        "warnings": _warnings(graph, values, grads, value_json, grad_json),
    }


def _warnings(graph: Graph, values: list, grads: list, value_json: list, grad_json: list) -> list[dict]:
    warnings = []
    for node in range(len(values)):
        for what, column, as_json in (("value", values, value_json), ("gradient", grads, grad_json)):
            item = column[node]
            if item is not None and (as_json[node] is None or (item.ndim and not is_finite(item))):
                line, col = graph.position(node)
                warnings.append({
                    "node": node,
                    "message": f"The {what} of {graph.label[node]} (node {node}, line {line}, column {col}) is "
                               f"{describe_non_finite(item)}; it is written as null.",
                })
    return warnings
