"""Training: gradient descent on some of a program's inputs, w ← w − η·∂L/∂w, where L is the sum of the
output's elements. The graph is built once; each step reruns the forward and backward passes with the
parameters' new values.

With ``data`` it is the stochastic gradient descent of Nielsen's notes: the inputs named in ``data`` hold a
data set, one sample per position of their last axis (the columns of X, as Nielsen's X = [x₁ x₂ … xₙ]);
each epoch shuffles the samples and splits them into mini-batches of ``batch_size``, and each step is one
mini-batch: the program runs on those samples' columns, and the parameters move against the gradient of
its cost there. Nielsen's w → w − (η/m) Σₓ δˣ (aˣ)ᵀ is this step when the cost is the mean over the
mini-batch, as in the SGD preset. The shuffle of epoch e is drawn from (seed, e) alone, so a long run sent
in chunks (``first_step``) goes through the same mini-batches as one request would.

``updates`` explains each step as the notes write it, with the numbers of each parameter (its first
elements, for an array): "W1 ← W1 − η·∂C/∂W1 = [0.15, 0.2, …] − 0.5 × [0.000439, 0.000877, …] = …".

The loop itself, ``descend`` over ``MiniBatches``, is the one the playground (app/teaching/playground.py) trains its
network with too: there the samples are the rows of X (points, one a row: ``X @ W1``) and the losses are
measured once an epoch, on the training and the test points, instead of before every step.
"""

from __future__ import annotations

import math
from typing import Any, Iterator, Mapping, NamedTuple, Sequence

import numpy as np

from ..engine.backward import backward_values
from ..engine.deadline import Deadline
from ..engine.errors import ProgramError
from ..engine.forward import forward_values
from ..engine.graph import build_graph
from ..engine.limits import Limits, env_var, limits_in_force
from ..engine.serialize import describe_non_finite, json_value
from ..words.messages import Text, listing, same, say

SHOWN_ELEMENTS = 4  # of an array parameter, in an update's explanation
MAX_COUNT = 2 ** 53  # of steps taken, and of a seed: the largest whole number a JSON number holds exactly


def train(program: str, values: Mapping[str, Any] | None, params: list[str], learning_rate: float,
          steps: int | None = None, *, epochs: int | None = None, data: list[str] | None = None,
          batch_size: int | None = None, seed: int = 0, first_step: int = 0, updates: bool | str = False,
          default_value: float | None = None, limits: Limits | None = None) -> dict:
    """Run gradient descent on the inputs named in ``params``: ``steps`` steps, or ``epochs`` passes over
    the data (one step each without ``data``).

    Returns {"losses": [L before step 1, …, L after the last step], "values": {param: new value},
    "gradients": {param: ∂L/∂param at the new values}}; with ``data`` (L is then the cost on the whole data
    set) also "steps_per_epoch", "batches" (each step's epoch, mini-batch and samples) and "batch_losses"
    (each step's cost on its mini-batch); with ``updates``, "updates": each step's w ← w − η·∂L/∂w with its
    numbers (``updates="last"``: the last step's only). Raises ``ProgramError``: a param or data name that is not an input (kind "name"), a step
    count outside 1..max_train_steps, data sets of different sizes, a loss that stops being finite.
    """
    limits = limits or limits_in_force()
    if not np.isfinite(learning_rate):
        raise ProgramError("value", say("learning_rate_not_finite"))
    if not params:
        raise ProgramError("value", say("no_params"))
    if not 0 <= first_step <= MAX_COUNT:
        raise ProgramError("value", say("first_step_range", largest=MAX_COUNT, first_step=first_step))
    if not 0 <= seed <= MAX_COUNT:
        raise ProgramError("value", say("seed_range", largest=MAX_COUNT, seed=seed))
    deadline = Deadline(limits)
    with np.errstate(all="ignore"):
        graph = build_graph(program, values, limits, default_value)
        _check_inputs(graph, params, say("trained"))
        params = list(dict.fromkeys(params))  # a name listed twice is trained once
        batches = _mini_batches(graph, data, batch_size, seed, params) if data else None
        steps = _step_count(steps, epochs, batches.per_epoch if batches else 1, limits)
        current = {name: np.array(graph.fixed[graph.inputs[name]], dtype=np.float64) for name in params}
        cost = graph.name[graph.output] or "L"
        losses: list[float] = []
        batch_losses: list[float] = []
        explained: list[dict] = []
        for step in descend(graph, current, learning_rate, range(first_step, first_step + steps), batches, limits):
            done = step.number - first_step
            # The cost on the whole data set before this step: without mini-batches, the step's own.
            if batches is None:
                losses.append(_finite_loss(step.output, done))
            else:
                whole = forward_values(graph, _as_inputs(step.before), limits)
                losses.append(_finite_loss(whole[graph.output], done))
                batch_losses.append(_finite_loss(step.output, done, "batch_loss_not_finite"))
            if updates is True or (updates == "last" and done == steps - 1):
                explained.append({"step": step.number + 1, "params": [
                    _explain_update(name, cost, learning_rate, step.before[name], step.grads[graph.inputs[name]],
                                    step.after[name]) for name in params]})
            current = step.after
            if done + 1 < steps:
                deadline.check("step_of", number=done + 2, count=steps)
        node_values = forward_values(graph, _as_inputs(current), limits)
        losses.append(_finite_loss(node_values[graph.output], steps))
        grads, _ = backward_values(graph, node_values)
    answer: dict = {
        "losses": losses,
        "values": {name: json_value(value) for name, value in current.items()},
        "gradients": {name: json_value(grads[graph.inputs[name]]) for name in params},
    }
    if batches is not None:
        answer["steps_per_epoch"] = batches.per_epoch
        answer["batches"] = [batches.describe(first_step + step) for step in range(steps)]
        answer["batch_losses"] = batch_losses
    if updates:
        answer["updates"] = explained
    return answer


def _check_inputs(graph, names: list[str], role: Text) -> None:
    missing = [name for name in names if name not in graph.inputs]
    if missing:
        raise ProgramError("name", say("cannot_be", name=missing[0], role=role, inputs=listing(graph.inputs)))


def _step_count(steps: int | None, epochs: int | None, per_epoch: int, limits: Limits) -> int:
    """The number of steps to take: ``steps``, or ``epochs`` passes of ``per_epoch`` steps."""
    if (steps is None) == (epochs is None):
        raise ProgramError("value", say("steps_or_epochs" if steps is None else "not_both"))
    if epochs is not None:
        if epochs < 1:
            raise ProgramError("value", say("no_epochs", epochs=epochs))
        steps = epochs * per_epoch
    if not 1 <= steps <= limits.max_train_steps:
        raise ProgramError("limit" if steps > 1 else "value",
                           say("train_steps", limit=limits.max_train_steps, variable=env_var("max_train_steps"),
                               steps=steps))
    return steps


def _as_inputs(current: dict) -> dict:
    return {name: value if value.ndim else value[()] for name, value in current.items()}


def _finite_loss(output, step: int, message: str = "loss_not_finite") -> float:
    loss = np.sum(output)
    if not np.isfinite(loss):
        when = say("at_the_start") if step == 0 else say("after_step", step=step)
        raise ProgramError("value", say(message, how=describe_non_finite(np.float64(loss)), when=when))
    return float(loss)


class Step(NamedTuple):
    """One step of gradient descent: its number (counted from 0 across a run sent in chunks), the params
    before it, the output's value on its mini-batch (the loss there), the backward pass's gradients (by node),
    and the params after it."""

    number: int
    before: dict
    output: Any
    grads: list
    after: dict


def descend(graph, start: dict, learning_rate: float, numbers: range, batches: MiniBatches | None,
            limits: Limits) -> Iterator[Step]:
    """Gradient descent from the params ``start`` ({input name: value}), one step per number in ``numbers``:
    the forward and backward passes on the step's mini-batch (on the inputs' own values without
    ``batches``), then w ← w − η·∂L/∂w for every param, L the sum of the output's elements. Yields each step
    as it is taken; what to measure between steps, and when, is the caller's."""
    nodes = [graph.inputs[name] for name in start]
    scalars = [name for name, value in start.items() if np.ndim(value) == 0]  # a step keeps every shape
    current = start
    for number in numbers:
        inputs = dict(current)
        for name in scalars:
            inputs[name] = current[name][()]  # as _as_inputs gives them
        if batches is not None:
            inputs.update(batches.values(number))
        node_values = forward_values(graph, inputs, limits)
        grads, _ = backward_values(graph, node_values)
        after = {name: value - learning_rate * grads[node] for (name, value), node in zip(current.items(), nodes)}
        yield Step(number, current, node_values[graph.output], grads, after)
        current = after


class MiniBatches:
    """Mini-batches of a data set: its samples shuffled anew each epoch, from ``seed`` and the epoch alone,
    and cut into batches of ``size`` (the last of an epoch may be smaller; a size over the sample count is
    one batch of them all).

    ``data`` holds arrays with the same number of samples along ``axis``: the last (-1, Nielsen's columns,
    X = [x₁ x₂ … xₙ]) or the first (0, rows: the playground's points). Epoch e's shuffle is drawn from
    ``default_rng([*seed, first_epoch + e])``, e counted from 0.
    """

    def __init__(self, data: Mapping[str, np.ndarray], size: int, seed: Sequence[int], *, axis: int = -1,
                 first_epoch: int = 0):
        if axis not in (0, -1):
            raise ValueError(f"samples lie along the first axis (0) or the last (-1), not {axis}")
        self.data = dict(data)
        self.axis = axis
        self.samples = next(iter(self.data.values())).shape[axis]
        self.size = size
        self.per_epoch = math.ceil(self.samples / size)
        self.seed = tuple(seed)
        self.first_epoch = first_epoch
        self._shuffled = (None, None)  # (epoch, order): one shuffle drawn per epoch, not per step

    def indices(self, step: int) -> np.ndarray:
        """The samples of a step's mini-batch (a step counted from 0)."""
        epoch, batch = divmod(step, self.per_epoch)
        if self._shuffled[0] != epoch:
            order = np.random.default_rng([*self.seed, self.first_epoch + epoch]).permutation(self.samples)
            self._shuffled = (epoch, order)
        return self._shuffled[1][batch * self.size:(batch + 1) * self.size]

    def values(self, step: int) -> dict:
        indices = self.indices(step)
        where = indices if self.axis == 0 else (..., indices)
        return {name: value[where] for name, value in self.data.items()}

    def describe(self, step: int) -> dict:
        epoch, batch = divmod(step, self.per_epoch)
        return {"step": step + 1, "epoch": epoch + 1, "batch": batch + 1, "samples": self.indices(step).tolist()}


def _mini_batches(graph, data: list[str], size: int | None, seed: int, params: list[str]) -> MiniBatches:
    """Nielsen's mini-batches of the inputs named in ``data``, after checking they can be: inputs, not
    trained, arrays with the same number of samples (columns), and ``size`` from 1 to that number."""
    _check_inputs(graph, data, say("used_as_data"))
    trained = [name for name in data if name in params]
    if trained:
        raise ProgramError("value", say("data_is_trained", name=trained[0]))
    arrays = {name: np.asarray(graph.fixed[graph.inputs[name]]) for name in dict.fromkeys(data)}
    counts = {name: value.shape[-1] if value.ndim else None for name, value in arrays.items()}
    if None in counts.values():
        name = next(name for name, count in counts.items() if count is None)
        raise ProgramError("shape", say("data_is_a_number", name=name))
    if len(set(counts.values())) > 1:
        sizes = listing(say("sample_count", name=name, count=count) for name, count in counts.items())
        raise ProgramError("shape", say("sample_counts", counts=sizes))
    samples = next(iter(counts.values()))
    size = samples if size is None else size
    if not 1 <= size <= samples:
        raise ProgramError("value", say("batch_size_range", samples=samples, size=size))
    return MiniBatches(arrays, size, (seed,))


# -- each update in words and numbers ---------------------------------------------------------------------------


def _explain_update(name: str, cost: str, learning_rate: float, before, gradient, after) -> dict:
    """w ← w − η·∂L/∂w for one parameter, with its numbers (the first elements of an array)."""
    before, gradient, after = (np.asarray(x, dtype=np.float64) for x in (before, gradient, after))
    count = min(before.size, SHOWN_ELEMENTS)
    flat = [x.ravel()[:count] for x in (before, gradient, after)]
    digits = [_digits_to_tell_apart(b, a) for b, a in zip(flat[0], flat[2])]
    shown = [[_shown(x, d) for x, d in zip(column, digits)] for column in flat[:1] + flat[2:]]
    steps = [_shown(g, 3) for g in flat[1]]
    eta = f"{learning_rate:g}".replace("-", "−")
    rule = f"{name} ← {name} − η·∂{cost}/∂{name}"
    if before.ndim == 0:
        numbers = f"{shown[0][0]} − {eta} × {_bracket(steps[0])} = {shown[1][0]}"
        text = same(f"{rule} = {numbers}")
    elif before.size == count:  # the whole array, in its shape
        numbers = " − ".join([_nested(shown[0], before.shape), f"{eta} × {_nested(steps, before.shape)}"])
        text = same(f"{rule} = {numbers} = {_nested(shown[1], before.shape)}")
    else:
        numbers = f"[{', '.join(shown[0])}, …] − {eta} × [{', '.join(steps)}, …] = [{', '.join(shown[1])}, …]"
        text = say("training.first_elements", rule=rule, numbers=numbers, count=count, size=before.size)
    elements = [{"index": list(np.unravel_index(i, before.shape)) if before.ndim else [],
                 "before": float(flat[0][i]), "gradient": float(flat[1][i]), "after": float(flat[2][i])}
                for i in range(count)]
    for element in elements:
        element["index"] = [int(i) for i in element["index"]]
    return {"name": name, "shape": list(before.shape), "elements": elements, "text": text}


def _nested(texts: list[str], shape: tuple) -> str:
    if len(shape) <= 1:
        return "[" + ", ".join(texts) + "]"
    width = len(texts) // shape[0]
    return "[" + ", ".join(_nested(texts[i * width:(i + 1) * width], shape[1:]) for i in range(shape[0])) + "]"


def _digits_to_tell_apart(before: float, after: float) -> int:
    """Significant digits enough for the step to show: 0.15 → 0.1498 rather than 0.15 → 0.15."""
    for digits in range(3, 18):
        if f"{before:.{digits}g}" != f"{after:.{digits}g}":
            return digits
    return 3


def _shown(x: float, digits: int) -> str:
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


def _bracket(text: str) -> str:
    return f"({text})" if text.startswith("−") else text
