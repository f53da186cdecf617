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
    get None: they need no gradient. Nodes the output does not depend on get 0,
    and so do the wires into them.
    """
    with np.errstate(all="ignore"):
        return backward_values(graph, values)


def backward_values(graph: Graph, values: list) -> tuple[list, list]:
    """``backward`` for a caller that has already set ``np.errstate(all="ignore")`` (as compute_graph does,
    once for all its stages)."""
    args_of = graph.args
    table = graph.table
    needs_grad = graph.needs_grad
    starts = graph.edge_starts()
    grads: list = [None] * len(values)
    wire_grads: list = [None] * starts[-1]
    output = graph.output
    grads[output] = _ones_like(values[output])
    # A local gradient has the shape of the broadcast result; when every value is a number there is nothing to undo.
    some_arrays = any([value.ndim for value in values])
    for node in range(output, -1, -1):
        g = grads[node]
        if g is None:
            if needs_grad[node]:  # the output does not depend on this node: it, and its wires, get 0
                grads[node] = _zeros_like(values[node])
                first_wire = starts[node]
                for k, source in enumerate(args_of[node]):
                    if needs_grad[source]:
                        wire_grads[first_wire + k] = _zeros_like(values[source])
            continue
        op = table[node]
        if op is None:
            continue
        args = args_of[node]
        # Most gates take one or two arguments: fetching them by hand is several times cheaper than a loop.
        if len(args) == 2:
            arg_values = (values[args[0]], values[args[1]])
        elif len(args) == 1:
            arg_values = (values[args[0]],)
        else:
            arg_values = tuple([values[a] for a in args])
        ans = values[node]
        vjps = op.vjps
        first_wire = starts[node]
        if len(args) == 2 and not some_arrays:
            # The most frequent gate, between numbers: the loop below spelled out, with nothing to unbroadcast.
            a, b = args
            if needs_grad[a]:
                share = wire_grads[first_wire] = vjps[0](g, ans, *arg_values)
                total = grads[a]
                grads[a] = share if total is None else total + share
            if needs_grad[b]:
                share = wire_grads[first_wire + 1] = vjps[1](g, ans, *arg_values)
                total = grads[b]
                grads[b] = share if total is None else total + share
            continue
        for k, source in enumerate(args):
            if not needs_grad[source]:
                continue
            share = vjps[k](g, ans, *arg_values)
            if some_arrays:
                shape = arg_values[k].shape
                if share.shape != shape:
                    share = unbroadcast(share, shape)
            wire_grads[first_wire + k] = share
            total = grads[source]
            grads[source] = share if total is None else total + share
    return grads, wire_grads


def _ones_like(value):
    """1.0 shaped like ``value``: np.float64 for a number (as ``np.ones(())[()]`` makes it, without the array)."""
    return np.ones(value.shape) if value.ndim else np.float64(1.0)


def _zeros_like(value):
    return np.zeros(value.shape) if value.ndim else np.float64(0.0)


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
