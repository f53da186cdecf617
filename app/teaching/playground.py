"""The neural-network playground: a small network trained on 2-D points, as TensorFlow Playground does,
but written as a program of this language and trained by this engine.

Settings → the data set (seeded) → the network's program (``H1 = tanh(X @ W1 + b1)`` …) → one graph,
built once per request → training by app/teaching/train.py's loop (``descend``: per mini-batch of rows of X, forward
and backward with the batch and the weights as the inputs' new values, then w ← w − η·∂L/∂w), measured once
an epoch → the heat maps of the output and of every hidden neuron on a grid.

Nothing of a run is kept between requests: the weights come in with a request and go out with its answer,
and the data and each epoch's shuffle come from the seed alone, so a run is the same whichever worker
answers and however its epochs are split into requests. (A process keeps the data sets it has drawn, and
the heat maps' grid points: every frame of a run asks for the same ones.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from typing import Any, Mapping

import numpy as np

from ..engine.deadline import Deadline
from ..engine.errors import ProgramError
from ..engine.forward import forward_values
from ..engine.graph import build_graph
from ..engine.limits import Limits, limits_in_force
from ..engine.ops import OPS_BY_NAME
from ..engine.serialize import describe_non_finite
from ..words.catalogs import CATALOGS, ENGLISH, LANGUAGES
from ..words.messages import Text, listing, say
from .train import MiniBatches, descend

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
# A heat map is colours: the page draws 65 shades from low to high (1/64 of [0, 1] is 0.016), so two decimals
# are finer than it shows, and they make the answer a quarter smaller than four did (41 kB against 55).
GRID_DIGITS = 2
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
        def bad(message: Text) -> None:
            raise ProgramError("value", message)

        if self.dataset not in DATASETS:
            bad(say("no_such_dataset", name=self.dataset, names=listing(DATASETS)))
        if self.activation not in ACTIVATIONS:
            bad(say("no_such_activation", name=self.activation, names=listing(ACTIVATIONS)))
        if len(self.layers) > MAX_LAYERS:
            bad(say("too_many_layers", count=len(self.layers), largest=MAX_LAYERS))
        for number, neurons in enumerate(self.layers, 1):
            if not 1 <= neurons <= MAX_NEURONS:
                bad(say("layer_size", number=number, neurons=neurons, largest=MAX_NEURONS))
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            bad(say("learning_rate_positive", rate=self.learning_rate))
        if not (math.isfinite(self.l2) and self.l2 >= 0):
            bad(say("l2_rate", rate=self.l2))
        if not (math.isfinite(self.noise) and 0 <= self.noise <= 50):
            bad(say("noise_range", noise=self.noise))
        if not MIN_POINTS <= self.points <= MAX_POINTS:
            bad(say("point_count", smallest=MIN_POINTS, largest=MAX_POINTS, points=self.points))
        if not (math.isfinite(self.train_percent) and 10 <= self.train_percent <= 90):
            bad(say("train_percent", percent=self.train_percent))
        if not 1 <= self.batch_size <= self.points:
            bad(say("batch_size", points=self.points, size=self.batch_size))
        if not 0 <= self.seed < 2**32:
            bad(say("playground_seed", largest=2**32 - 1, seed=self.seed))

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
    return _data(settings.dataset, settings.noise, settings.points, settings.train_percent, settings.seed)


@lru_cache(maxsize=64)
def _data(dataset: str, noise: float, points: int, train_percent: float, seed: int) -> Data:
    # Kept: every frame of a run asks for the same data set (drawing it takes a tenth of a millisecond).
    rng = np.random.default_rng([seed, 0])
    xy, labels = GENERATORS[dataset](rng, points, noise / 100)
    order = rng.permutation(points)
    xy, labels = xy[order], labels[order, np.newaxis]
    n_train = min(points - 1, max(1, round(points * train_percent / 100)))
    return Data(*map(_read_only, (xy[:n_train], labels[:n_train], xy[n_train:], labels[n_train:])))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# -- the network as a program ---------------------------------------------------------------------------

def weight_shapes(settings: Settings) -> dict[str, tuple[int, ...]]:
    sizes = settings.sizes
    shapes = {}
    for layer in range(1, len(sizes)):
        shapes[f"W{layer}"] = (sizes[layer - 1], sizes[layer])
        shapes[f"b{layer}"] = (sizes[layer],)
    return shapes


def network_program(settings: Settings, language: str = ENGLISH) -> str:
    """The network as a vectorised program: one line per layer, the logistic loss, and the L2 term if any; its
    comments in ``language``."""
    words = CATALOGS[language]
    sizes = settings.sizes
    lines = ["# " + words["program_network"].format(network="-".join(map(str, sizes)))]
    previous = "X"
    for layer in range(1, len(sizes) - 1):
        lines.append(f"H{layer} = {settings.activation}({previous} @ W{layer} + b{layer})")
        previous = f"H{layer}"
    last = len(sizes) - 1
    lines.append(f"z = {previous} @ W{last} + b{last}  # {words['program_score']}")
    lines.append(f"loss = mean(-log(sigmoid(y * z)))  # {words['program_loss']}")
    if settings.l2:
        penalty = " + ".join(f"sum(W{layer}^2)" for layer in range(1, last + 1))
        lines.append(f"L = loss + {settings.l2!r}/2 * ({penalty})  # {words['program_l2']}")
    return "\n".join(lines)


def network_programs(settings: Settings) -> Text:
    """The network's program in every language: the same statements, the comments in each language's words."""
    return Text({language: network_program(settings, language) for language in LANGUAGES})


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
        problem = say("weight_not_one_of_them", name=unknown[0]) if unknown else say("weight_missing", name=missing[0])
        raise ProgramError("value", say("weights_of_network", network=network, expected=expected, problem=problem))
    weights = {}
    for name, shape in shapes.items():
        try:
            value = np.array(given[name], dtype=np.float64)
        except (ValueError, TypeError):
            value = None
        if value is None or value.shape != shape:
            raise ProgramError("value", say("weight_shape", network=network, expected=expected, name=name,
                                            shape="×".join(map(str, shape))))
        if not np.isfinite(value).all():
            raise ProgramError("value", say("weight_not_finite", name=name))
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

    def run(self, weights, x, y) -> list:
        return forward_values(self.graph, {"X": x, "y": y, **weights}, self.limits)

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
    limits = limits or limits_in_force()
    settings.check()
    if not 0 <= steps <= MAX_STEPS:
        raise ProgramError("value", say("epochs_per_request", largest=MAX_STEPS, epochs=steps))
    if epoch < 0:
        raise ProgramError("value", say("epoch_count", epoch=epoch))
    current = initial_weights(settings) if weights is None else checked_weights(settings, weights)
    deadline = Deadline(limits)
    sets = make_data(settings)
    batches = mini_batches(settings, sets)
    per_epoch = batches.per_epoch
    if steps * per_epoch > MAX_UPDATES:
        raise ProgramError("limit", say("too_many_updates", epochs=steps, batches=per_epoch, steps=steps * per_epoch,
                                        largest=MAX_UPDATES))
    with np.errstate(all="ignore"):
        network = Network(settings, current, limits)
        history = [] if steps else [_record(network, current, sets, epoch)]
        numbers = range(epoch * per_epoch, (epoch + steps) * per_epoch)
        for step in descend(network.graph, current, settings.learning_rate, numbers, batches, limits):
            done, batch = divmod(step.number + 1, per_epoch)
            if batch:  # measured once an epoch, after its last batch
                continue
            current = _finite_weights(settings, step.after, done)
            history.append(_record(network, current, sets, done))
            if done < epoch + steps:
                deadline.check("epoch_number", number=done + 1)
        answer = {
            "program": network.program,
            "programs": network_programs(settings),
            "epoch": epoch + steps,
            "weights": {name: value.tolist() for name, value in current.items()},
            "history": history,
            **heat_maps(network, current),
        }
    if data:
        answer["data"] = {"train": _points(sets.train_x, sets.train_y), "test": _points(sets.test_x, sets.test_y)}
    return answer


def mini_batches(settings: Settings, sets: Data) -> MiniBatches:
    """The training points, rows of X and y, in batches of ``batch_size``, shuffled each epoch from the
    seed and the epoch's number (counted from 1)."""
    return MiniBatches({"X": sets.train_x, "y": sets.train_y}, settings.batch_size, (settings.seed, 2), axis=0,
                       first_epoch=1)


def _finite_weights(settings: Settings, weights: dict, epoch: int) -> dict:
    bad = next((name for name, value in weights.items() if not np.isfinite(value).all()), None)
    if bad is not None:
        raise _diverged(settings, say("weight_became", name=bad, how=describe_non_finite(weights[bad])), epoch)
    return weights


def _record(network: Network, weights: dict, sets: Data, number: int) -> dict:
    train_loss, train_accuracy = network.measure(weights, sets.train_x, sets.train_y)
    test_loss, test_accuracy = network.measure(weights, sets.test_x, sets.test_y)
    for loss in (train_loss, test_loss):
        if not math.isfinite(loss):
            raise _diverged(network.settings, say("the_loss_became", how=describe_non_finite(np.float64(loss))), number)
    return {"epoch": number, "train_loss": train_loss, "test_loss": test_loss,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy}


def _diverged(settings: Settings, what: Text, epoch: int) -> ProgramError:
    return ProgramError("value", say("diverged", epoch=epoch, what=what, rate=settings.learning_rate))


def _points(x: np.ndarray, y: np.ndarray) -> list[list[float]]:
    return np.column_stack([x, y]).tolist()


# -- heat maps ------------------------------------------------------------------------------------------

@cache
def grid_points(resolution: int) -> np.ndarray:
    """The centres of a resolution × resolution grid of cells on the plane, row by row from the top."""
    centres = (np.arange(resolution) + 0.5) / resolution * 2 * EXTENT - EXTENT
    xs, ys = np.meshgrid(centres, centres[::-1])
    return _read_only(np.column_stack([xs.ravel(), ys.ravel()]))


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
        raise ProgramError("value", say("no_such_subset", subset=subset))
    x, y = (sets.train_x, sets.train_y) if subset == "train" else (sets.test_x, sets.test_y)
    if not 0 <= index < len(x):
        raise ProgramError("value", say("no_such_point", subset=say(subset), last=len(x) - 1, index=index))
    values = {"X": x[index:index + 1].tolist(), "y": y[index:index + 1].tolist()}
    values.update({name: value.tolist() for name, value in current.items()})
    return {"program": network_program(settings), "programs": network_programs(settings), "values": values}
