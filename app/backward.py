"""Forward values → gradients: d output / d node for every node, and the share of it each wire carries.

One generic loop walks the nodes from the output back to the inputs; each
operation's local-gradient rules come from the table. The gradient sent along
each wire is stored before it is added to its source, so the picture can show
a variable's share from each use as well as their sum.
"""

from __future__ import annotations

import numpy as np

from .graph import Graph


def unbroadcast(grad, shape: tuple):
    """Undo NumPy broadcasting: sum the gradient over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        grad = np.broadcast_to(grad, shape)
    return grad


def backward(graph: Graph, values: list) -> tuple[list, list]:
    """The gradient of the output (of the sum of its elements, for an array) with respect to every node.

    Returns ``(grads, wire_grads)``: by node id, and by wire id (see
    ``Graph.edge_starts``). Nodes that depend on no input (literal constants)
    get None: they need no gradient.
    """
    args_of = graph.args
    table = graph.table
    needs_grad = graph.needs_grad
    starts = graph.edge_starts()
    grads: list = [None] * len(values)
    wire_grads: list = [None] * starts[-1]
    output = graph.output
    grads[output] = np.ones(np.shape(values[output]))[()]
    with np.errstate(all="ignore"):
        for node in range(output, -1, -1):
            g = grads[node]
            op = table[node]
            if g is None or op is None:
                continue
            args = args_of[node]
            arg_values = [values[a] for a in args]
            ans = values[node]
            vjps = op.vjps
            first_wire = starts[node]
            for k, source in enumerate(args):
                if not needs_grad[source]:
                    continue
                share = vjps[k](g, ans, *arg_values)
                shape = arg_values[k].shape
                if share.shape != shape:
                    share = unbroadcast(share, shape)
                wire_grads[first_wire + k] = share
                total = grads[source]
                grads[source] = share if total is None else total + share
    _zero_what_got_nothing(graph, values, grads, wire_grads, starts)
    return grads, wire_grads


def _zero_what_got_nothing(graph: Graph, values: list, grads: list, wire_grads: list, starts: list) -> None:
    """Nodes the output does not depend on have gradient 0, and so do the wires into them."""
    needs_grad = graph.needs_grad
    for node, grad in enumerate(grads):
        if grad is None and needs_grad[node]:
            grads[node] = np.zeros(np.shape(values[node]))[()]
    for node, args in enumerate(graph.args):
        first_wire = starts[node]
        for k, source in enumerate(args):
            if needs_grad[source] and wire_grads[first_wire + k] is None:
                wire_grads[first_wire + k] = np.zeros(np.shape(values[source]))[()]


def local_gradients(graph: Graph, values: list) -> list:
    """By wire id: d target / d source, the local gradient that the chain rule multiplies by the upstream
    gradient, where both ends are numbers (None for arrays, whose local gradient is a whole Jacobian)."""
    one = np.float64(1.0)
    locals_: list = []
    with np.errstate(all="ignore"):
        for node, args in enumerate(graph.args):
            op = graph.table[node]
            if op is None:
                continue
            ans = values[node]
            arg_values = [values[a] for a in args]
            scalar = ans.ndim == 0
            for k, source in enumerate(args):
                if scalar and arg_values[k].ndim == 0 and graph.needs_grad[source]:
                    locals_.append(op.vjps[k](one, ans, *arg_values))
                else:
                    locals_.append(None)
    return locals_
