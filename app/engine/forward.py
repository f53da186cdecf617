"""Graph → forward values: every node's value, inputs first, the output last."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..words.messages import AND, Text, listing, say
from .graph import INPUT, Graph
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
    # The size check is for gates with an array argument: until some value is an array, no gate has one. A graph
    # run again with array leaves of the same shapes (training, a sweep, a gradient check) makes results of the
    # sizes it has already checked: the check runs once per graph and shapes, not once per pass.
    leaf_shapes = None
    if graph.has_array_leaf or any(np.ndim(value) for value in (overrides or {}).values()):
        leaf_shapes = (max_elements, tuple([np.shape(value) for value in values if value is not None]))
    sizes_known = leaf_shapes is not None and leaf_shapes == graph.sizes_checked
    check_sizes = leaf_shapes is not None and not sizes_known
    for node, op, arg_ids in graph.forward_plan():
        if op is None:
            continue
        if check_sizes and any(values[a].ndim for a in arg_ids):
            _check_result_size(graph, node, [values[a] for a in arg_ids], max_elements)
        try:
            # Most gates take one or two arguments: a call with them written out costs half one with *map(...).
            if len(arg_ids) == 2:
                a, b = arg_ids
                value = op.forward(values[a], values[b])
            elif len(arg_ids) == 1:
                value = op.forward(values[arg_ids[0]])
            else:
                value = op.forward(*map(value_of, arg_ids))
        except (ValueError, TypeError):
            args = [values[a] for a in arg_ids]
            raise graph.error("shape", _shape_message(graph, node, args), node) from None
        except MemoryError:
            raise graph.error("limit", say("too_large_for_memory"), node) from None
        if value.ndim:
            check_sizes = not sizes_known
            total_elements += value.size
            if total_elements > limits.max_total_elements:
                raise graph.error("limit", say("too_many_elements", limit=limits.max_total_elements,
                                               variable=env_var("max_total_elements")), node)
        values[node] = value
    if leaf_shapes is not None:
        graph.sizes_checked = leaf_shapes
    return values


# NumPy's broadcasting takes arrays of at most 32 dimensions (np.broadcast); a deeper value or array literal
# would fail inside it.
MAX_DIMENSIONS = 32


def _check_result_size(graph: Graph, node: int, args: list, max_elements: int) -> None:
    """Refuse an operation whose result would be over the limit before NumPy allocates it."""
    shapes = [np.shape(a) for a in args]
    deepest = max(len(s) for s in shapes)
    if deepest > MAX_DIMENSIONS:
        raise graph.error("limit", say("too_many_dimensions", label=graph.label[node], depth=deepest,
                                       limit=MAX_DIMENSIONS), node)
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
        raise graph.error("limit", say("result_too_big", label=graph.label[node], size=size, limit=max_elements,
                                       variable=env_var("max_elements")), node)


def _shape_message(graph: Graph, node: int, args: list) -> Text:
    op = graph.table[node]
    shapes = listing([_shape_text(np.shape(a)) for a in args], AND)
    if op.name == "matmul":
        return _matmul_message(graph, node, args, shapes)
    if op.elementwise:
        return say("elementwise_shapes", symbol=op.symbol, shapes=shapes)
    if op.name == "dot":
        return say("dot_shapes", shapes=shapes)
    if op.variadic:
        return say("array_shapes", shapes=shapes)
    return say("shapes", op=op.name, shapes=shapes)


# What to type to give a name an array value: a matrix on the left of @, a vector on the right.
EXAMPLE_ARRAYS = ("[[1, 2], [3, 4]]", "[1, 2]")


def _matmul_message(graph: Graph, node: int, args: list, shapes) -> Text:
    """An input that is a number beside @ (q = W @ x typed bare, every name given 1): say how to give it an
    array, with the syntax."""
    numbers = [(k, source) for k, source in enumerate(graph.args[node])
               if graph.kind[source] == INPUT and np.ndim(args[k]) == 0]
    if not numbers:
        return say("matmul_shapes", shapes=shapes)
    names = [graph.name[source] for _, source in numbers]
    examples = [f"{graph.name[source]} = {EXAMPLE_ARRAYS[k]}" for k, source in numbers]
    return say("matmul_a_number", shapes=shapes, names=listing(names, AND),
               is_are=say("matmul_is" if len(names) == 1 else "matmul_are"), examples=listing(examples, AND))


def _shape_text(shape: tuple) -> Text | str:
    if not shape:
        return say("shape_of_a_number")
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
