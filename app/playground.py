"""The neural-network playground: a small network trained on 2-D points, as TensorFlow Playground does,
but written as a program of this language and trained by this engine.

Settings → the data set (seeded) → the network's program (``H1 = tanh(X @ W1 + b1)`` …) → one graph,
built once per request → per mini-batch, forward and backward with the batch and the weights as the
inputs' new values → w ← w − η·∂L/∂w → the heat maps of the output and of every hidden neuron on a grid.

Nothing is kept between requests: the weights come in with a request and go out with its answer, and
the data and each epoch's shuffle are drawn again from the seed, so a run is the same whichever worker
answers and however its epochs are split into requests.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping

import numpy as np

from . import compute
from .backward import backward_values
from .errors import ProgramError
from .forward import forward_values
from .graph import build_graph
from .limits import Limits
from .ops import OPS_BY_NAME
from .serialize import describe_non_finite

DATASETS = ("circle", "xor", "gauss", "spiral")
# Names of the op table's gates, and the range of a neuron's output that the heat maps colour from orange
# (low) through white to blue (high); relu's outputs above 1 are all full blue, as in TensorFlow Playground.
ACTIVATIONS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (-1.0, 1.0)}
MAX_LAYERS = 4
MAX_NEURONS = 8
MIN_POINTS, MAX_POINTS = 10, 1000
MAX_STEPS = 1000  # epochs in one request
MAX_UPDATES = 20_000  # gradient-descent steps in one request (about two seconds); the max_seconds limit holds too
EXTENT = 6.0  # the plane drawn is [-EXTENT, EXTENT]², as in TensorFlow Playground
BOUNDARY_RESOLUTION = 50  # cells per side of the output's heat map
NEURON_RESOLUTION = 20  # cells per side of each hidden neuron's small heat map
GRID_DIGITS = 4  # a heat map is colours: four decimals are more than a colour scale shows
INITIAL_WEIGHT = 0.5  # weights start uniform in ±INITIAL_WEIGHT, biases at INITIAL_BIAS (TensorFlow Playground's)
INITIAL_BIAS = 0.1


@dataclass(frozen=True)
class Settings:
    """What the page's controls set. ``noise`` and ``train_percent`` are percentages, as the page shows them."""

    dataset: str = "circle"
    noise: float = 0.0
    points: int = 200
    train_percent: float = 50.0
    seed: int = 1
    layers: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    batch_size: int = 10
    l2: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))

    def check(self) -> None:
        """Raise ProgramError (kind ``value``) with a sentence for the first setting out of range."""
        def bad(message: str) -> None:
            raise ProgramError("value", message)

        if self.dataset not in DATASETS:
            bad(f"There is no data set called {self.dataset!r}; the data sets are: {', '.join(DATASETS)}.")
        if self.activation not in ACTIVATIONS:
            bad(f"There is no activation called {self.activation!r}; the activations are: {', '.join(ACTIVATIONS)}.")
        if len(self.layers) > MAX_LAYERS:
            bad(f"The network has {len(self.layers)} hidden layers; the playground takes 0 to {MAX_LAYERS}.")
        for number, neurons in enumerate(self.layers, 1):
            if not 1 <= neurons <= MAX_NEURONS:
                bad(f"Hidden layer {number} has {neurons} neurons; a hidden layer has 1 to {MAX_NEURONS} "
                    f"(to have no hidden layer, remove it).")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            bad(f"The learning rate must be a positive number; it is {self.learning_rate}.")
        if not (math.isfinite(self.l2) and self.l2 >= 0):
            bad(f"The L2 rate must be zero or a positive number; it is {self.l2}.")
        if not (math.isfinite(self.noise) and 0 <= self.noise <= 50):
            bad(f"The noise is a percentage from 0 to 50; it is {self.noise}.")
        if not MIN_POINTS <= self.points <= MAX_POINTS:
            bad(f"The data set has {MIN_POINTS} to {MAX_POINTS} points; {self.points} were asked for.")
        if not (math.isfinite(self.train_percent) and 10 <= self.train_percent <= 90):
            bad(f"The share of points used for training is 10 to 90 percent; it is {self.train_percent}.")
        if not 1 <= self.batch_size <= self.points:
            bad(f"The batch size is 1 to the number of points ({self.points}); it is {self.batch_size}.")
        if not 0 <= self.seed < 2**32:
            bad(f"The seed is a whole number from 0 to {2**32 - 1}; it is {self.seed}.")

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, the two inputs and the one output included: 2-6-6-1."""
        return [2, *self.layers, 1]


def page_config() -> dict:
    """What the page needs to read a link and build its controls: the defaults, the choices and the ranges."""
    return {"defaults": {**asdict(Settings()), "layers": list(Settings().layers)}, "datasets": DATASETS,
            "activations": list(ACTIVATIONS), "max_layers": MAX_LAYERS, "max_neurons": MAX_NEURONS}


# -- the data sets ------------------------------------------------------------------------------------
#
# Each draws n points on the plane and labels them +1 (blue) or −1 (orange). Noise moves the point the
# label is decided at, as TensorFlow Playground's generators do, so noisy sets have points on the wrong side.

def _circle(rng: np.random.Generator, n: int, noise: float):
    radius = 5.0
    inside = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inside), rng.uniform(radius * 0.7, radius, n - inside)])
    angle = rng.uniform(0, 2 * np.pi, n)
    xy = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = xy + rng.uniform(-radius, radius, (n, 2)) * noise
    return xy, np.where(np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5, 1.0, -1.0)


def _xor(rng: np.random.Generator, n: int, noise: float):
    xy = rng.uniform(-5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)  # a gap along the axes
    shifted = xy + rng.uniform(-5, 5, (n, 2)) * noise
    return xy, np.where(shifted[:, 0] * shifted[:, 1] >= 0, 1.0, -1.0)


def _gauss(rng: np.random.Generator, n: int, noise: float):
    variance = 0.5 + 7 * noise  # 0.5 without noise, 4 at 50 %
    positive = n // 2
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [positive, n - positive], axis=0)
    xy = centres + rng.normal(0, np.sqrt(variance), (n, 2))
    return xy, np.repeat([1.0, -1.0], [positive, n - positive])


def _spiral(rng: np.random.Generator, n: int, noise: float):
    arms = []
    for count, turn, label in ((n // 2, 0.0, 1.0), (n - n // 2, np.pi, -1.0)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * np.pi + turn
        xy = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (count, 2)) * noise
        arms.append((xy, np.full(count, label)))
    return np.concatenate([xy for xy, _ in arms]), np.concatenate([labels for _, labels in arms])


GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral}


@dataclass(frozen=True)
class Data:
    train_x: np.ndarray  # n × 2, one point a row
    train_y: np.ndarray  # n × 1, labels +1 or −1
    test_x: np.ndarray
    test_y: np.ndarray


def make_data(settings: Settings) -> Data:
    """The seeded data set, shuffled and split into training and test points."""
    rng = np.random.default_rng([settings.seed, 0])
    xy, labels = GENERATORS[settings.dataset](rng, settings.points, settings.noise / 100)
    order = rng.permutation(settings.points)
    xy, labels = xy[order], labels[order, np.newaxis]
    n_train = min(settings.points - 1, max(1, round(settings.points * settings.train_percent / 100)))
    return Data(xy[:n_train], labels[:n_train], xy[n_train:], labels[n_train:])


# -- the network as a program ---------------------------------------------------------------------------

def weight_shapes(settings: Settings) -> dict[str, tuple[int, ...]]:
    sizes = settings.sizes
    shapes = {}
    for layer in range(1, len(sizes)):
        shapes[f"W{layer}"] = (sizes[layer - 1], sizes[layer])
        shapes[f"b{layer}"] = (sizes[layer],)
    return shapes


def network_program(settings: Settings) -> str:
    """The network as a vectorised program: one line per layer, the logistic loss, and the L2 term if any."""
    sizes = settings.sizes
    lines = [f"# A {'-'.join(map(str, sizes))} network. X: the points, one a row; y: their labels, +1 or -1"]
    previous = "X"
    for layer in range(1, len(sizes) - 1):
        lines.append(f"H{layer} = {settings.activation}({previous} @ W{layer} + b{layer})")
        previous = f"H{layer}"
    last = len(sizes) - 1
    lines.append(f"z = {previous} @ W{last} + b{last}  # the score: blue where z > 0")
    lines.append("loss = mean(-log(sigmoid(y * z)))  # the logistic loss")
    if settings.l2:
        penalty = " + ".join(f"sum(W{layer}^2)" for layer in range(1, last + 1))
        lines.append(f"L = loss + {settings.l2!r}/2 * ({penalty})  # with L2 regularisation")
    return "\n".join(lines)


def initial_weights(settings: Settings) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([settings.seed, 1])
    return {name: (rng.uniform(-INITIAL_WEIGHT, INITIAL_WEIGHT, shape) if name.startswith("W")
                   else np.full(shape, INITIAL_BIAS))
            for name, shape in weight_shapes(settings).items()}


def checked_weights(settings: Settings, given: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The weights a request sends, as arrays, after checking they are this network's and finite."""
    shapes = weight_shapes(settings)
    network = "-".join(map(str, settings.sizes))
    expected = ", ".join(f"{name} {'×'.join(map(str, shape))}" for name, shape in shapes.items())
    unknown = [name for name in given if name not in shapes]
    missing = [name for name in shapes if name not in given]
    if unknown or missing:
        problem = f"{unknown[0]} is not one of them" if unknown else f"{missing[0]} is missing"
        raise ProgramError("value", f"The weights of a {network} network are {expected}: {problem}. "
                                    f"Send no weights to start from the seed's.")
    weights = {}
    for name, shape in shapes.items():
        try:
            value = np.array(given[name], dtype=np.float64)
        except (ValueError, TypeError):
            value = None
        if value is None or value.shape != shape:
            raise ProgramError("value", f"The weights of a {network} network are {expected}; {name} is not "
                                        f"{'×'.join(map(str, shape))} numbers.")
        if not np.isfinite(value).all():
            raise ProgramError("value", f"{name} has a value that is not finite: start again from the seed's weights.")
        weights[name] = value
    return weights


class Network:
    """The network's program, built once, and the named nodes the playground reads."""

    def __init__(self, settings: Settings, weights: Mapping[str, np.ndarray], limits: Limits):
        self.settings = settings
        self.limits = limits
        self.program = network_program(settings)
        self.graph = build_graph(self.program, {"X": np.zeros((1, 2)), "y": np.ones((1, 1)), **weights}, limits)
        named = {name: node for node, name in enumerate(self.graph.name) if name is not None}
        self.score = named["z"]
        self.loss = named["loss"]
        self.hidden = [named[f"H{layer}"] for layer in range(1, len(settings.layers) + 1)]
        self.params = {name: self.graph.inputs[name] for name in weights}

    def run(self, weights, x, y) -> list:
        return forward_values(self.graph, {"X": x, "y": y, **weights}, self.limits)

    def step(self, weights: dict, x, y) -> dict:
        """One step of gradient descent on the mini-batch (x, y): w ← w − η·∂L/∂w for every weight."""
        values = self.run(weights, x, y)
        grads, _ = backward_values(self.graph, values)
        rate = self.settings.learning_rate
        return {name: weights[name] - rate * grads[node] for name, node in self.params.items()}

    def measure(self, weights, x, y) -> tuple[float, float]:
        """The mean logistic loss and the share of points on the right side of the boundary (z > 0 for +1)."""
        values = self.run(weights, x, y)
        return float(values[self.loss]), float(np.mean(values[self.score] * y > 0))


def train(settings: Settings, weights: Mapping[str, Any] | None = None, epoch: int = 0, steps: int = 1,
          *, data: bool = False, limits: Limits | None = None) -> dict:
    """``steps`` epochs of mini-batch gradient descent from ``weights`` (the seed's when None), which have
    already had ``epoch`` epochs.

    Each epoch shuffles the training points (by the seed and the epoch's number) and takes one step per
    batch of ``batch_size``. Answers the program, the new weights, each epoch's losses and accuracies,
    and the heat maps; with ``data``, the points too. Raises ``ProgramError``: a bad setting, weights
    that are not this network's, a loss or a weight that stops being finite.
    """
    limits = limits or compute.DEFAULT_LIMITS
    settings.check()
    if not 0 <= steps <= MAX_STEPS:
        raise ProgramError("value", f"One request trains 0 to {MAX_STEPS} epochs; {steps} were asked for.")
    if epoch < 0:
        raise ProgramError("value", f"The epoch count is a whole number from 0; it is {epoch}.")
    current = initial_weights(settings) if weights is None else checked_weights(settings, weights)
    deadline = compute.Deadline(limits)
    sets = make_data(settings)
    batches = math.ceil(len(sets.train_x) / settings.batch_size)
    if steps * batches > MAX_UPDATES:
        raise ProgramError("limit", f"{steps} epochs of {batches} batches are {steps * batches} steps of gradient "
                                    f"descent, more than the {MAX_UPDATES} one request may take: ask for fewer "
                                    f"epochs at a time.")
    with np.errstate(all="ignore"):
        network = Network(settings, current, limits)
        history = [] if steps else [_record(network, current, sets, epoch)]
        for done in range(epoch + 1, epoch + steps + 1):
            deadline.check(f"epoch {done}")
            current = _epoch(network, current, sets, done)
            history.append(_record(network, current, sets, done))
        answer = {
            "program": network.program,
            "epoch": epoch + steps,
            "weights": {name: value.tolist() for name, value in current.items()},
            "history": history,
            **heat_maps(network, current),
        }
    if data:
        answer["data"] = {"train": _points(sets.train_x, sets.train_y), "test": _points(sets.test_x, sets.test_y)}
    return answer


def _epoch(network: Network, weights: dict, sets: Data, number: int) -> dict:
    order = np.random.default_rng([network.settings.seed, 2, number]).permutation(len(sets.train_x))
    size = network.settings.batch_size
    for start in range(0, len(order), size):
        batch = order[start:start + size]
        weights = network.step(weights, sets.train_x[batch], sets.train_y[batch])
    bad = next((name for name, value in weights.items() if not np.isfinite(value).all()), None)
    if bad is not None:
        raise _diverged(network.settings, f"{bad} became {describe_non_finite(weights[bad])}", number)
    return weights


def _record(network: Network, weights: dict, sets: Data, number: int) -> dict:
    train_loss, train_accuracy = network.measure(weights, sets.train_x, sets.train_y)
    test_loss, test_accuracy = network.measure(weights, sets.test_x, sets.test_y)
    for loss in (train_loss, test_loss):
        if not math.isfinite(loss):
            raise _diverged(network.settings, f"the loss became {describe_non_finite(np.float64(loss))}", number)
    return {"epoch": number, "train_loss": train_loss, "test_loss": test_loss,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy}


def _diverged(settings: Settings, what: str, epoch: int) -> ProgramError:
    return ProgramError("value", f"Training diverged: in epoch {epoch} {what}. The learning rate "
                                 f"{settings.learning_rate:g} is too large for this network: try a smaller one.")


def _points(x: np.ndarray, y: np.ndarray) -> list[list[float]]:
    return np.column_stack([x, y]).tolist()


# -- heat maps ------------------------------------------------------------------------------------------

def grid_points(resolution: int) -> np.ndarray:
    """The centres of a resolution × resolution grid of cells on the plane, row by row from the top."""
    centres = (np.arange(resolution) + 0.5) / resolution * 2 * EXTENT - EXTENT
    xs, ys = np.meshgrid(centres, centres[::-1])
    return np.column_stack([xs.ravel(), ys.ravel()])


def heat_maps(network: Network, weights: dict) -> dict:
    """``boundary``: σ(z), the probability of blue, on a fine grid; ``neurons``: each hidden neuron's
    output on a coarse grid, layer by layer. Rows run from the top of the plane (y = EXTENT) down."""
    fine = BOUNDARY_RESOLUTION
    score = network.run(weights, grid_points(fine), np.ones((fine * fine, 1)))[network.score]
    probability = OPS_BY_NAME["sigmoid"].forward(score).reshape(fine, fine)
    coarse = NEURON_RESOLUTION
    values = network.run(weights, grid_points(coarse), np.ones((coarse * coarse, 1)))
    neurons = [[_grid(values[node][:, k].reshape(coarse, coarse)) for k in range(values[node].shape[1])]
               for node in network.hidden]
    return {"extent": EXTENT, "boundary": _grid(probability), "neurons": neurons,
            "neuron_range": list(ACTIVATIONS[network.settings.activation])}


def _grid(values: np.ndarray) -> list:
    """Rounded for the wire; a cell whose value overflowed (huge weights, ∞ − ∞) is null."""
    rounded = np.round(values, GRID_DIGITS)
    finite = np.isfinite(rounded)
    return rounded.tolist() if finite.all() else np.where(finite, rounded, None).tolist()


# -- one sample's graph ---------------------------------------------------------------------------------

def sample(settings: Settings, weights: Mapping[str, Any] | None, subset: str, index: int) -> dict:
    """The program and values that compute one point's loss with the current weights: its forward and
    backward pass, the graph of one term of a mini-batch's mean."""
    settings.check()
    current = initial_weights(settings) if weights is None else checked_weights(settings, weights)
    sets = make_data(settings)
    if subset not in ("train", "test"):
        raise ProgramError("value", f"A point is in the train or the test set, not {subset!r}.")
    x, y = (sets.train_x, sets.train_y) if subset == "train" else (sets.test_x, sets.test_y)
    if not 0 <= index < len(x):
        raise ProgramError("value", f"The {subset} set has points 0 to {len(x) - 1}; there is no point {index}.")
    values = {"X": x[index:index + 1].tolist(), "y": y[index:index + 1].tolist()}
    values.update({name: value.tolist() for name, value in current.items()})
    return {"program": network_program(settings), "values": values}
