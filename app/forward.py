"""Graph → forward values: every node's value, inputs first, the output last."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from .graph import Graph
from .limits import Limits, env_var


def forward(graph: Graph, overrides: Mapping[str, Any] | None = None, limits: Limits | None = None) -> list:
    """Each node's value, by node id. ``overrides`` replaces inputs' values by name (for checks and sweeps)."""
    with np.errstate(all="ignore"):  # overflow is not an error: exp(1000) is inf, reported as a warning
        return forward_values(graph, overrides, limits)


def forward_values(graph: Graph, overrides: Mapping[str, Any] | None = None, limits: Limits | None = None) -> list:
    """``forward`` for a caller that has already set ``np.errstate(all="ignore")`` (as compute_graph does,
    once for all its stages)."""
    limits = limits or Limits()
    values = list(graph.fixed)
    for name, value in (overrides or {}).items():
        values[graph.inputs[name]] = value
    value_of = values.__getitem__
    max_elements = limits.max_elements
    total_elements = 0
    # The size check is for gates with an array argument: until some value is an array, no gate has one.
    arrays_seen = graph.has_array_leaf or any(np.ndim(value) for value in (overrides or {}).values())
    for node, op in enumerate(graph.table):
        if op is None:
            continue
        arg_ids = graph.args[node]
        if arrays_seen and any(values[a].ndim for a in arg_ids):
            _check_result_size(graph, node, [values[a] for a in arg_ids], max_elements)
        try:
            value = op.forward(*map(value_of, arg_ids))
        except (ValueError, TypeError) as error:
            args = [values[a] for a in arg_ids]
            raise graph.error("shape", _shape_message(graph, node, args, error), node) from None
        except MemoryError:
            raise graph.error("limit", "This operation's result is too large for memory.", node) from None
        if value.ndim:
            arrays_seen = True
            total_elements += value.size
            if total_elements > limits.max_total_elements:
                raise graph.error(
                    "limit", f"The values of all nodes together exceed {limits.max_total_elements} elements "
                    f"(the max_total_elements limit, set by {env_var('max_total_elements')}).", node)
        values[node] = value
    return values


def _check_result_size(graph: Graph, node: int, args: list, max_elements: int) -> None:
    """Refuse an operation whose result would be over the limit before NumPy allocates it."""
    shapes = [np.shape(a) for a in args]
    try:
        if graph.kind[node] == "matmul" and all(len(s) >= 1 for s in shapes):
            (a, b) = shapes
            batch = np.broadcast_shapes(a[:-2], b[:-2])
            size = math.prod(batch) * (a[-2] if len(a) >= 2 else 1) * (b[-1] if len(b) >= 2 else 1)
        elif graph.table[node].elementwise:
            size = math.prod(np.broadcast_shapes(*shapes))
        elif graph.table[node].variadic:  # stack: all its arguments side by side
            size = sum(math.prod(s) for s in shapes)
        else:  # a reduction (sum, mean, dot) or a transpose: no bigger than its biggest argument
            size = max(math.prod(s) for s in shapes)
    except ValueError:
        return  # shapes that do not fit: the operation itself reports it
    if size > max_elements:
        raise graph.error("limit", f"The result of {graph.label[node]} would have {size} elements, more than the "
                          f"max_elements limit of {max_elements} (set by {env_var('max_elements')}).", node)


def _shape_message(graph: Graph, node: int, args: list, error: Exception) -> str:
    op = graph.table[node]
    shapes = " and ".join(_shape_text(np.shape(a)) for a in args)
    if op.name == "matmul":
        return (f"@ cannot multiply shapes {shapes}: the last dimension of the left operand must equal "
                f"the first dimension of a vector, or the second-to-last of a matrix, on the right.")
    if op.elementwise:
        return (f"{op.symbol} cannot combine shapes {shapes}: arrays combine element by element when their "
                f"shapes are equal, or when one of them is a number (NumPy broadcasting).")
    return f"{op.name} cannot take shapes {shapes}: {error}."


def _shape_text(shape: tuple) -> str:
    if not shape:
        return "() (a number)"
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
