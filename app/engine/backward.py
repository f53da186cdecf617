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
    needs_grad = graph.needs_grad
    value_of = values.__getitem__
    grads: list = [None] * len(values)
    wire_grads: list = [None] * graph.edge_starts()[-1]
    output = graph.output
    grads[output] = _ones_like(values[output])
    # A rule's answer is shaped like the broadcast result; when every value is a number there is nothing to undo.
    some_arrays = any([value.ndim for value in values])

    def send(share, source: int, value, wire: int) -> None:
        """The gradient ``share`` sent along ``wire`` to ``source`` (whose value is ``value``): kept on the wire,
        added to the source's total."""
        if some_arrays and share.shape != value.shape:
            share = unbroadcast(share, value.shape)
        wire_grads[wire] = share
        total = grads[source]
        grads[source] = share if total is None else total + share

    for node, op, args, first_wire in graph.backward_plan():
        if op is None:
            continue
        g = grads[node]
        if g is None:
            if needs_grad[node]:  # the output does not depend on this node: it, and its wires, get 0
                grads[node] = _zeros_like(values[node])
                for k, source in enumerate(args):
                    if needs_grad[source]:
                        wire_grads[first_wire + k] = _zeros_like(values[source])
            continue
        ans = values[node]
        vjps = op.vjps
        # Most gates take one or two arguments: their rules are called with the arguments written out, which
        # costs half a call with *arguments (and the loop over the arguments, a third of this pass again).
        if len(args) == 2:
            a, b = args
            value_a, value_b = values[a], values[b]
            if needs_grad[a]:
                send(vjps[0](g, ans, value_a, value_b), a, value_a, first_wire)
            if needs_grad[b]:
                send(vjps[1](g, ans, value_a, value_b), b, value_b, first_wire + 1)
        elif len(args) == 1:
            (x,) = args
            if needs_grad[x]:
                value_x = values[x]
                send(vjps[0](g, ans, value_x), x, value_x, first_wire)
        else:
            arg_values = tuple(map(value_of, args))
            for k, source in enumerate(args):
                if needs_grad[source]:
                    send(vjps[k](g, ans, *arg_values), source, arg_values[k], first_wire + k)
    for node in graph.inputs.values():  # an input the output does not depend on
        if grads[node] is None:
            grads[node] = _zeros_like(values[node])
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
