"""A numerical gradient check: central differences against the analytic gradient.

For every element of every input, (f(x + h) - f(x - h)) / 2h with f the sum of
the output's elements, and the relative error |a - n| / max(|a|, |n|), taken
as 0 when both are 0. As CS231n suggests reading it: below 1e-7 all is well;
above 1e-2 something is wrong, or the input sits on a kink such as relu's 0.
"""

from __future__ import annotations

import numpy as np

from .errors import ProgramError
from .forward import forward_values
from .graph import Graph
from .limits import Limits, env_var
from .serialize import json_value

RELATIVE_STEP = 1e-6


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


def gradient_check(graph: Graph, values: list, grads: list, limits: Limits) -> dict:
    """For each input: the numerical gradient, the elementwise relative error, and its maximum."""
    elements = sum(np.size(values[node]) for node in graph.inputs.values())
    work = elements * len(graph)
    if work > limits.max_check_work:
        raise ProgramError(
            "limit", f"A gradient check here needs {elements} input elements × {len(graph)} nodes = {work} node "
            f"evaluations, more than the max_check_work limit of {limits.max_check_work} "
            f"(set by {env_var('max_check_work')}).")
    report = {}
    with np.errstate(all="ignore"):
        for name, node in graph.inputs.items():
            numerical = numerical_gradient(graph, name, values, limits)
            errors = relative_error(np.asarray(grads[node]), numerical)
            worst = float(np.max(errors)) if errors.size else 0.0
            report[name] = {
                "numerical": json_value(numerical[()] if numerical.ndim == 0 else numerical),
                "relative_error": json_value(errors[()] if errors.ndim == 0 else errors),
                "max_relative_error": json_value(np.float64(worst)),
            }
    return report
