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
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from . import compute
from .backward import backward_values
from .errors import ProgramError
from .forward import forward_values
from .graph import build_graph
from .limits import Limits, env_var
from .messages import Text, listing, say
from .serialize import describe_non_finite, json_value

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
    limits = limits or compute.DEFAULT_LIMITS
    if not np.isfinite(learning_rate):
        raise ProgramError("value", say("learning_rate_not_finite"))
    if not params:
        raise ProgramError("value", say("no_params"))
    if not 0 <= first_step <= MAX_COUNT:
        raise ProgramError("value", say("first_step_range", largest=MAX_COUNT, first_step=first_step))
    if not 0 <= seed <= MAX_COUNT:
        raise ProgramError("value", say("seed_range", largest=MAX_COUNT, seed=seed))
    deadline = compute.Deadline(limits)
    with np.errstate(all="ignore"):
        graph = build_graph(program, values, limits, default_value)
        _check_inputs(graph, params, say("trained"))
        params = list(dict.fromkeys(params))  # a name listed twice is trained once
        batches = MiniBatches(graph, data, batch_size, seed, params) if data else None
        steps = _step_count(steps, epochs, batches.per_epoch if batches else 1, limits)
        current = {name: np.array(graph.fixed[graph.inputs[name]], dtype=np.float64) for name in params}
        cost = graph.name[graph.output] or "L"
        losses: list[float] = []
        batch_losses: list[float] = []
        explained: list[dict] = []
        for step in range(steps + 1):
            if step:
                deadline.check("step_of", number=step, count=steps)
            node_values = forward_values(graph, _as_inputs(current), limits)
            losses.append(_finite_loss(node_values[graph.output], step))
            if batches is None or step == steps:
                grads, _ = backward_values(graph, node_values)
            if step == steps:
                break
            if batches is not None:
                batch_values = forward_values(graph, {**_as_inputs(current), **batches.values(first_step + step)},
                                              limits)
                batch_losses.append(_finite_loss(batch_values[graph.output], step, "batch_loss_not_finite"))
                grads, _ = backward_values(graph, batch_values)
            before = current
            current = {name: value - learning_rate * np.asarray(grads[graph.inputs[name]])
                       for name, value in current.items()}
            if updates is True or (updates == "last" and step == steps - 1):
                explained.append({"step": first_step + step + 1, "params": [
                    _explain_update(name, cost, learning_rate, before[name], grads[graph.inputs[name]],
                                    current[name]) for name in params]})
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


class MiniBatches:
    """Nielsen's mini-batches: the samples of the data inputs (along their last axis), shuffled anew each
    epoch from (seed, epoch), cut into batches of ``size``; the last batch of an epoch may be smaller."""

    def __init__(self, graph, data: list[str], size: int | None, seed: int, params: list[str]):
        _check_inputs(graph, data, say("used_as_data"))
        trained = [name for name in data if name in params]
        if trained:
            raise ProgramError("value", say("data_is_trained", name=trained[0]))
        self.data = {name: np.asarray(graph.fixed[graph.inputs[name]]) for name in dict.fromkeys(data)}
        counts = {name: value.shape[-1] if value.ndim else None for name, value in self.data.items()}
        if None in counts.values():
            name = next(name for name, count in counts.items() if count is None)
            raise ProgramError("shape", say("data_is_a_number", name=name))
        if len(set(counts.values())) > 1:
            sizes = listing(say("sample_count", name=name, count=count) for name, count in counts.items())
            raise ProgramError("shape", say("sample_counts", counts=sizes))
        self.samples = next(iter(counts.values()))
        self.size = self.samples if size is None else size
        if not 1 <= self.size <= self.samples:
            raise ProgramError("value", say("batch_size_range", samples=self.samples, size=self.size))
        self.per_epoch = math.ceil(self.samples / self.size)
        self.seed = seed

    def samples_of(self, step: int) -> tuple[int, int, np.ndarray]:
        """(epoch, batch, sample indices) of a step, all counted from 0."""
        epoch, batch = divmod(step, self.per_epoch)
        order = np.random.default_rng([self.seed, epoch]).permutation(self.samples)
        return epoch, batch, order[batch * self.size:(batch + 1) * self.size]

    def values(self, step: int) -> dict:
        indices = self.samples_of(step)[2]
        return {name: value[..., indices] for name, value in self.data.items()}

    def describe(self, step: int) -> dict:
        epoch, batch, indices = self.samples_of(step)
        return {"step": step + 1, "epoch": epoch + 1, "batch": batch + 1, "samples": indices.tolist()}


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
        en = zh = f"{rule} = {numbers}"
    elif before.size == count:  # the whole array, in its shape
        numbers = " − ".join([_nested(shown[0], before.shape), f"{eta} × {_nested(steps, before.shape)}"])
        en = zh = f"{rule} = {numbers} = {_nested(shown[1], before.shape)}"
    else:
        numbers = f"[{', '.join(shown[0])}, …] − {eta} × [{', '.join(steps)}, …] = [{', '.join(shown[1])}, …]"
        en = f"{rule} = {numbers} (the first {count} of its {before.size} elements)"
        zh = f"{rule} = {numbers}（共 {before.size} 个元素，这里是前 {count} 个）"
    elements = [{"index": list(np.unravel_index(i, before.shape)) if before.ndim else [],
                 "before": float(flat[0][i]), "gradient": float(flat[1][i]), "after": float(flat[2][i])}
                for i in range(count)]
    for element in elements:
        element["index"] = [int(i) for i in element["index"]]
    return {"name": name, "shape": list(before.shape), "elements": elements, "text": {"en": en, "zh": zh}}


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
