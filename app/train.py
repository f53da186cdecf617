"""Training: gradient descent on some of a program's inputs, w ← w − η·∂L/∂w, where L is the sum of the
output's elements. The graph is built once; each step reruns the forward and backward passes with the
parameters' new values.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import compute
from .backward import backward_values
from .errors import ProgramError
from .forward import forward_values
from .graph import build_graph
from .limits import Limits, env_var
from .serialize import describe_non_finite, json_value


def train(program: str, values: Mapping[str, Any] | None, params: list[str], learning_rate: float, steps: int,
          *, default_value: float | None = None, limits: Limits | None = None) -> dict:
    """Run ``steps`` steps of gradient descent on the inputs named in ``params``.

    Returns {"losses": [L before step 1, …, L after the last step], "values": {param: new value},
    "gradients": {param: ∂L/∂param at the new values}}. Raises ``ProgramError``: a param that is not an
    input (kind "name"), a step count outside 1..max_train_steps, a loss that stops being finite.
    """
    limits = limits or compute.DEFAULT_LIMITS
    if not 1 <= steps <= limits.max_train_steps:
        raise ProgramError("limit" if steps > 1 else "value",
                           f"Training takes between 1 and {limits.max_train_steps} steps (the max_train_steps "
                           f"limit, set by {env_var('max_train_steps')}); {steps} were asked for.")
    if not np.isfinite(learning_rate):
        raise ProgramError("value", "The learning rate must be a finite number.")
    if not params:
        raise ProgramError("value", "Name at least one parameter to train, one of the program's inputs.")
    deadline = compute.Deadline(limits)
    with np.errstate(all="ignore"):
        graph = build_graph(program, values, limits, default_value)
        missing = [name for name in params if name not in graph.inputs]
        if missing:
            inputs = ", ".join(graph.inputs) or "none"
            raise ProgramError("name", f"{missing[0]} is not an input of this program, so it cannot be trained; "
                                       f"its inputs are: {inputs}.")
        params = list(dict.fromkeys(params))  # a name listed twice is trained once
        current = {name: np.array(graph.fixed[graph.inputs[name]], dtype=np.float64) for name in params}
        losses: list[float] = []
        for step in range(steps + 1):
            if step:
                deadline.check(f"step {step} of {steps}")
            node_values = forward_values(graph, {n: v if v.ndim else v[()] for n, v in current.items()}, limits)
            loss = np.sum(node_values[graph.output])
            if not np.isfinite(loss):
                where = "at the start" if step == 0 else f"after step {step}"
                raise ProgramError("value", f"The loss is {describe_non_finite(np.float64(loss))} {where}: "
                                            f"training stopped. Try a smaller learning rate.")
            losses.append(float(loss))
            grads, _ = backward_values(graph, node_values)
            if step == steps:
                break
            for name in params:
                current[name] = current[name] - learning_rate * np.asarray(grads[graph.inputs[name]])
    return {
        "losses": losses,
        "values": {name: json_value(value) for name, value in current.items()},
        "gradients": {name: json_value(grads[graph.inputs[name]]) for name in params},
    }
