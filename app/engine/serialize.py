"""Values and gradients → JSON-ready data: the graph as the REST API answers it."""

from __future__ import annotations

import math

import numpy as np

from ..words.messages import Text, say
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


def non_finite_kind(value):
    """What JSON's null stands for: "+inf", "-inf" or "nan" for a number; for an array, nested lists of
    those, with null where the element is finite. None when every element is finite."""
    if value is None or is_finite(value):
        return None
    if value.ndim == 0:
        number = float(value)
        return "nan" if number != number else "+inf" if number > 0 else "-inf"
    kinds = np.where(np.isnan(value), "nan", np.where(value > 0, "+inf", "-inf"))
    return np.where(np.isfinite(value), None, kinds).tolist()


KINDS = {"+inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def restore_non_finite(item: dict, what: str):
    """``item[what]`` (a node's or edge's "value" or "grad" as JSON) with +inf, -inf and nan back in place of
    the nulls its ``nonfinite`` field explains: for writing which it is (static/js/format.js's readNonFinite)."""
    value, kind = item[what], item.get("nonfinite", {}).get(what)
    return value if kind is None else _restored(value, kind)


def _restored(value, kind):
    if kind is None:
        return value
    if not isinstance(kind, list):
        return KINDS[kind]
    return [_restored(v, k) for v, k in zip(value, kind)]


def _mark_non_finite(item: dict, value, grad) -> None:
    """``nonfinite`` beside a null: {"value": "+inf"} (only the ones that are not finite)."""
    kinds = {what: kind for what, kind in (("value", non_finite_kind(value)), ("grad", non_finite_kind(grad)))
             if kind is not None}
    if kinds:
        item["nonfinite"] = kinds


def describe_non_finite(value) -> Text:
    if value.ndim == 0:
        number = float(value)
        return say("nan") if number != number else say("infinite" if number > 0 else "minus_infinite")
    bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
    return say("not_finite_elements", bad=bad, size=value.size)


def graph_json(graph: Graph, values: list, grads: list, wire_grads: list, wire_locals: list | None = None,
               max_wire_elements: int | None = None) -> dict:
    """The 200 answer of ``POST /api/graph``, as plain Python data; edges carry ``local`` when given.

    An array of more than ``max_wire_elements`` elements is written on its node only: its wires carry
    ``"value": null, "grad": null, "elided": true`` (else forty uses of one big input write it eighty times)."""
    shapes = [value.shape for value in values]
    # A gradient has its node's shape, and a wire's gradient its source's: when every value is a number,
    # so is every gradient, and each column converts to JSON in one go.
    all_numbers = not any(shapes)
    value_json, values_finite = _column_json(values, all_numbers)
    grad_json, grads_finite = _column_json(grads, all_numbers)
    # inputs and shape are the graph's own tuples (orjson writes them as arrays): a dict holding only numbers,
    # strings and tuples of numbers is one Python's cycle collector stops scanning, a list it walks every time.
    nodes = [
        {"id": node, "op": kind, "label": label, "name": name, "inputs": args, "value": value,
         "grad": grad, "shape": shape}
        for node, (kind, label, name, args, value, grad, shape)
        in enumerate(zip(graph.kind, graph.label, graph.name, graph.args, value_json, grad_json, shapes))
    ]
    if max_wire_elements is not None and not all_numbers:  # not converted at all: it would not be written
        wire_grads = [None if grad is not None and grad.size > max_wire_elements else grad for grad in wire_grads]
    wire_grad_json, _ = _column_json(wire_grads, all_numbers)
    # Wires are numbered node by node, argument by argument: as the edges below are made.
    wire_grad = iter(wire_grad_json).__next__
    edges = [
        {"source": source, "target": target, "index": index, "value": value_json[source], "grad": wire_grad()}
        for target, args in enumerate(graph.args) for index, source in enumerate(args)
    ]
    if wire_locals is not None:
        for edge, local in zip(edges, _column_json(wire_locals, all_numbers)[0]):
            edge["local"] = local
    if max_wire_elements is not None and not all_numbers:
        _elide_big_wires(edges, shapes, max_wire_elements)
    if not (values_finite and grads_finite):  # (a wire's gradient that is not finite makes its node's so too)
        for node, item in enumerate(nodes):
            _mark_non_finite(item, values[node], grads[node])
        for wire, edge in enumerate(edges):
            if not edge.get("elided"):
                _mark_non_finite(edge, values[edge["source"]], wire_grads[wire])
    return {
        "value": value_json[graph.output],
        "output": graph.output,
        "gradients": {name: grad_json[node] for name, node in graph.inputs.items()},
        "nodes": nodes,
        "edges": edges,
        "warnings": [] if values_finite and grads_finite else _warnings(graph, values, grads, value_json, grad_json),
    }


def numbers_json(graph: Graph, values: list, grads: list, wire_grads: list, max_wire_elements: int) -> dict:
    """The numbers of ``graph_json``'s answer alone, in node and wire order: for a page that has the graph drawn
    and asks again with new values. Each is written as there (null where not finite, or on an elided wire)."""
    all_numbers = not any([value.ndim for value in values])
    value_json, values_finite = _column_json(values, all_numbers)
    grad_json, grads_finite = _column_json(grads, all_numbers)
    if not all_numbers:
        wire_grads = [None if grad is not None and grad.size > max_wire_elements else grad for grad in wire_grads]
    return {
        "value": value_json[graph.output],
        "values": value_json,
        "grads": grad_json,
        "wire_grads": _column_json(wire_grads, all_numbers)[0],
        "warnings": [] if values_finite and grads_finite else _warnings(graph, values, grads, value_json, grad_json),
    }


def _elide_big_wires(edges: list[dict], shapes: list, max_wire_elements: int) -> None:
    for edge in edges:
        if math.prod(shapes[edge["source"]]) > max_wire_elements:
            edge["value"] = edge["grad"] = None
            edge["elided"] = True


def _column_json(column: list, all_numbers: bool) -> tuple[list, bool]:
    """``json_value`` of each item of a column (None stays None), and whether every item is finite
    (False may also mean "not known": the caller then looks item by item)."""
    if not all_numbers:
        return [json_value(item) for item in column], False
    numbers = [None if item is None else float(item) for item in column]
    total = sum(filter(None, numbers))  # without the None (and the zeros, which change no sum)
    if total - total == 0.0:  # a finite sum: no inf or nan among the numbers
        return numbers, True
    return [number if number is None or number - number == 0.0 else None for number in numbers], False


def _warnings(graph: Graph, values: list, grads: list, value_json: list, grad_json: list) -> list[dict]:
    warnings = []
    for node in range(len(values)):
        for what, column, as_json in (("value", values, value_json), ("gradient", grads, grad_json)):
            item = column[node]
            if item is not None and (as_json[node] is None or (item.ndim and not is_finite(item))):
                line, col = graph.position(node)
                text = say("not_finite_warning", what=say(what), label=graph.label[node], node=node, line=line,
                           column=col, how=describe_non_finite(item))
                warnings.append({"node": node, "message": text})
    return warnings
