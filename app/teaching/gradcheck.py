"""A numerical gradient check: central differences against the analytic gradient.

For every element of every input, (f(x + h) - f(x - h)) / 2h with f the sum of
the output's elements, and the relative error |a - n| / max(|a|, |n|), taken
as 0 when both are 0, judged as the CS231n notes read it (``VERDICTS``); and the
places where a numerical check cannot be trusted, kinks (relu at 0, a max tie), flagged.
For a number input, Andrew Ng's nudge: move it by 0.001 and see how far the output moves; and the same for every
node of the graph, intermediate ones too (``node_nudges``), as the notes nudge v before u: hold the node at its
value + 0.001 (an array at its first element), run only what lies after it, and compare the output's move with
∂out/∂node × 0.001.
"""

from __future__ import annotations

import numpy as np

from ..engine import costs
from ..engine.forward import forward_values
from ..engine.graph import Graph
from ..engine.limits import Limits
from ..engine.printer import display_names
from ..engine.serialize import json_value
from ..words.messages import NOTHING, Text, say

RELATIVE_STEP = 1e-6
NUDGE = 0.001  # Andrew Ng's "nudge a by 0.001 and J moves by 0.003"
# Each nudge of a node runs the gates after it again: the nodes nudged are the ones nearest the output, at most these.
MAX_NUDGED_NODES = 40
# CS231n's reading of the maximum relative error: below each bound its verdict; at or above the last, "wrong".
VERDICTS = ((1e-7, "excellent"), (1e-4, "good"), (1e-2, "suspect"))
WRONG = "wrong"


def verdict(max_error: float | None) -> str:
    """What the notes say of a maximum relative error (a non-finite one is wrong)."""
    if max_error is None:
        return WRONG
    return next((word for bound, word in VERDICTS if max_error < bound), WRONG)


def relative_error(analytic: np.ndarray, numerical: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(analytic), np.abs(numerical))
    with np.errstate(all="ignore"):
        return np.where(scale == 0, 0.0, np.abs(analytic - numerical) / np.where(scale == 0, 1.0, scale))


def numerical_gradient(graph: Graph, name: str, values: list, limits: Limits) -> np.ndarray:
    x = np.array(values[graph.inputs[name]], dtype=np.float64)
    gradient = np.zeros_like(x)
    flat_x, flat_gradient = x.reshape(-1), gradient.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        step = RELATIVE_STEP * max(1.0, abs(original))
        flat_x[i] = original + step
        above = _total(graph, name, x, limits)
        flat_x[i] = original - step
        below = _total(graph, name, x, limits)
        flat_x[i] = original
        flat_gradient[i] = (above - below) / (2 * step)
    return gradient


def _total(graph: Graph, name: str, x: np.ndarray, limits: Limits) -> float:
    value = x.copy() if x.ndim else x[()]
    return float(np.sum(forward_values(graph, {name: value}, limits)[graph.output]))


def check_panel(graph: Graph, values: list, grads: list, limits: Limits) -> tuple[dict, list[dict], list[dict]]:
    """The gradient check per input, the kinks it met (the top-level ``check_kinks``) and the nudge of every number
    node (``check_nudges``)."""
    kinks = find_kinks(graph, values)
    report = gradient_check(graph, values, grads, limits, _inputs_upstream_of(graph, [k["node"] for k in kinks]))
    return report, kinks, node_nudges(graph, values, grads, limits)


def node_nudges(graph: Graph, values: list, grads: list, limits: Limits) -> list[dict]:
    """Andrew Ng's nudge of every node that has a gradient, as the notes take them: the steps from the output back
    (v, then u), then the inputs in the program's order: {"node", "name", "element", "value", "step", "before",
    "after", "change", "predicted", "grad"}. An array is nudged at its first element (``element``: its index,
    [0, 0] in a matrix; None for a number), ``value`` and ``grad`` that element's."""
    inputs = list(graph.inputs.values())
    steps = [node for node in range(graph.output - 1, -1, -1) if graph.table[node] is not None]
    nudged = [node for node in steps + inputs if _first_gradient(grads[node]) is not None][:MAX_NUDGED_NODES]
    names = display_names(graph) if nudged else []
    nudges = []
    with np.errstate(all="ignore"):
        for node in nudged:
            before = float(np.sum(values[graph.output]))
            value = values[node]
            element = [0] * np.ndim(value) if np.ndim(value) else None
            first = float(np.ravel(value)[0])
            held = np.float64(first + NUDGE) if element is None else _first_moved(value, NUDGE)
            after = float(np.sum(_held_at(graph, values, node, held)[graph.output]))
            grad = _first_gradient(grads[node])
            nudges.append({"node": node, "name": names[node], "element": element, "value": _finite(first),
                           "step": NUDGE, "before": _finite(before), "after": _finite(after),
                           "change": _finite(after - before), "predicted": _finite(grad * NUDGE),
                           "grad": _finite(grad)})
    return nudges


def _first_gradient(grad) -> float | None:
    """The gradient of a node's first element (of the node itself for a number), where it is finite."""
    if grad is None or np.size(grad) == 0:
        return None
    first = float(np.ravel(grad)[0])
    return first if np.isfinite(first) else None


def _first_moved(value, step: float) -> np.ndarray:
    moved = np.array(value, dtype=np.float64)
    moved.reshape(-1)[0] += step
    return moved


def _held_at(graph: Graph, values: list, node: int, value) -> list:
    """Every node's value with ``node`` held at ``value``: the gates after it (nodes are in topological order) run
    again, those before it keep their values."""
    held = list(values)
    held[node] = value
    for later, op, args in graph.forward_plan():
        if later > node and op is not None:
            held[later] = op.forward(*[held[a] for a in args])
    return held


def gradient_check(graph: Graph, values: list, grads: list, limits: Limits, kinked: set[str] = frozenset()) -> dict:
    """For each input: the numerical gradient, the elementwise relative error, its maximum and its verdict,
    whether a kink lies downstream of it (``kinked`` names those inputs) and, for a number, the nudge."""
    costs.check_work(graph, values, limits)
    report = {}
    with np.errstate(all="ignore"):
        for name, node in graph.inputs.items():
            numerical = numerical_gradient(graph, name, values, limits)
            errors = relative_error(np.asarray(grads[node]), numerical)
            worst = json_value(np.float64(np.max(errors) if errors.size else 0.0))  # None when not finite
            report[name] = {
                "numerical": json_value(numerical[()] if numerical.ndim == 0 else numerical),
                "relative_error": json_value(errors[()] if errors.ndim == 0 else errors),
                "max_relative_error": worst,
                "verdict": verdict(worst),
                "kink": name in kinked,
            }
            if np.ndim(values[node]) == 0:
                report[name]["nudge"] = _nudge(graph, name, values, grads[node], limits)
    return report


def _nudge(graph: Graph, name: str, values: list, grad, limits: Limits) -> dict:
    x = np.float64(values[graph.inputs[name]])
    before = float(np.sum(values[graph.output]))
    after = _total(graph, name, np.asarray(x + NUDGE), limits)
    return {"step": NUDGE, "before": _finite(before), "after": _finite(after), "change": _finite(after - before),
            "predicted": _finite(float(grad) * NUDGE)}


def _finite(x: float) -> float | None:
    return x if np.isfinite(x) else None


def find_kinks(graph: Graph, values: list) -> list[dict]:
    """Nodes evaluated at a kink or within the check's step of one: an argument at 0 for the ops whose
    table row says ``kink="zero"`` (relu, abs), a tie or near-tie for ``kink="tie"`` (max, min)."""
    scale = max([1.0] + [float(np.max(np.abs(values[n]), initial=0.0)) for n in graph.inputs.values()])
    kinks = []
    with np.errstate(all="ignore"):
        for node, op in enumerate(graph.table):
            if op is None or op.kink is None:
                continue
            args = [np.asarray(values[a]) for a in graph.args[node]]
            if op.kink == "zero":
                near = np.abs(args[0]) <= RELATIVE_STEP * np.maximum(scale, np.abs(args[0]))
            else:
                near = np.abs(args[0] - args[1]) <= RELATIVE_STEP * np.maximum(
                    scale, np.maximum(np.abs(args[0]), np.abs(args[1])))
            if np.any(near):
                kinks.append({"node": node, "op": op.name, "message": _kink_message(graph, node, op, near)})
    return kinks


def _kink_message(graph: Graph, node: int, op, near: np.ndarray) -> Text:
    where = graph.name[node] or say("gradcheck.unnamed", op=op.name, node=node)
    count = say("gradcheck.count", near=int(np.count_nonzero(near)), size=near.size) if near.ndim else NOTHING
    what = say("gradcheck.at_zero" if op.kink == "zero" else "gradcheck.at_tie")
    return say("gradcheck.kink", where=where, count=count, what=what)


def _inputs_upstream_of(graph: Graph, nodes: list[int]) -> set[str]:
    """The names of the inputs that some of ``nodes`` depend on."""
    seen = set(nodes)
    stack = list(nodes)
    while stack:
        for source in graph.args[stack.pop()]:
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return {name for name, node in graph.inputs.items() if node in seen}
