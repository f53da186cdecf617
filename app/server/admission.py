"""Which lane a request goes to, judged by what it asks (steps, points, epochs, elements, options), not by its
body's size: a 200-byte /api/train of 10,000 steps is big work, and must not take a worker that a class's
3-node requests need.

``estimated_seconds`` reads the body (at most ``max_light_body_bytes`` of JSON: microseconds with orjson) and
counts *node passes*: the program's size in nodes times how many times the request runs it forward and back.
The figures are rough on purpose (a pass over a small graph costs tens of microseconds here, an element of an
array about ten nanoseconds); a request under ``HEAVY_SECONDS`` that turns out to be longer is still moved to
the heavy workers after ``light_seconds`` (app/server/workers.py).
"""

from __future__ import annotations

import math

import orjson

HEAVY_SECONDS = 0.1  # estimated at least this: straight to the heavy workers
SECONDS_PER_NODE_PASS = 2e-5  # measured: 10,000 steps of -log(sigmoid(w*x + b)) in 2.2 s
SECONDS_PER_ELEMENT = 1e-8
CHARACTERS_PER_NODE = 4  # "a*b + c*d": about one node per four characters of program


def estimated_seconds(route: str, body: bytes) -> float:
    """A rough time for the request ``body`` to route ``route`` (a function's name: post_graph, post_train, …);
    0 for a body that is not a JSON object (the worker answers it 422 at once)."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 0.0
    if not isinstance(request, dict):
        return 0.0
    estimate = _ESTIMATES.get(route.rpartition(":")[2].rpartition(".")[2])
    try:
        return estimate(request) if estimate else 0.0
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return 0.0  # a field of the wrong type: the worker's validation answers it


def asks_for_heavy_work(route: str, body: bytes) -> bool:
    return estimated_seconds(route, body) >= HEAVY_SECONDS


def _pass_seconds(request: dict) -> tuple[float, int]:
    """One forward and backward pass of the request's program, and the elements of its values."""
    nodes = len(str(request.get("expression", ""))) / CHARACTERS_PER_NODE + 1
    elements = _elements(request.get("values"))
    return nodes * SECONDS_PER_NODE_PASS + elements * SECONDS_PER_ELEMENT * max(1.0, nodes / 10), elements


def _number(value, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _graph(request: dict) -> float:
    one_pass, elements = _pass_seconds(request)
    passes = 1.0
    if request.get("check"):
        passes += 2 * elements  # a central difference per input element
    if any(request.get(option) for option in ("narrate", "quiz", "local", "layers", "dot", "unfold")):
        passes *= 2  # sentences, Jacobians and drawings: a few passes' worth of Python per node
    return passes * one_pass


def _sweep(request: dict) -> float:
    one_pass, _ = _pass_seconds(request)
    return _number(request.get("num"), 101) * one_pass  # point by point, when the graph is not elementwise


def _train(request: dict) -> float:
    one_pass, elements = _pass_seconds(request)
    steps = _number(request.get("steps"), 0)
    if request.get("epochs") is not None:
        batches = 1.0
        if request.get("data") and request.get("batch_size"):
            rows = math.sqrt(max(elements, 1))  # a data set's rows, roughly
            batches = max(1.0, rows / _number(request.get("batch_size"), rows))
        steps = _number(request.get("epochs"), 1) * batches
    return max(steps, 1.0) * one_pass


def _playground_step(request: dict) -> float:
    settings = request.get("settings") or {}
    points = _number(settings.get("points"), 200)
    batch = max(1.0, _number(settings.get("batch_size"), 10))
    layers = settings.get("layers") or [4, 2]
    neurons = sum(_number(n, 4) for n in layers) if isinstance(layers, list) else 8
    steps_per_epoch = points / batch
    per_step = (len(layers) + 1 if isinstance(layers, list) else 3) * 10 * SECONDS_PER_NODE_PASS
    heat_maps = neurons * 2_500 * SECONDS_PER_ELEMENT * 10
    return _number(request.get("steps"), 1) * steps_per_epoch * per_step + heat_maps


_ESTIMATES = {"post_graph": _graph, "post_dot": _graph, "post_sweep": _sweep, "post_train": _train,
              "post_step": _playground_step}


def _elements(values) -> int:
    """The numbers in a request's values, nested lists included (iteratively: any depth)."""
    count, stack = 0, [values]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            count += 1
    return count


def bracket_depth(text: str) -> int:
    """How deep JSON text nests its arrays and objects (brackets inside strings not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest
