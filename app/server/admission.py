"""Which lane a request goes to, judged by what it asks (steps, points, epochs, elements, options), not by its
body's size: a 200-byte /api/train of 10,000 steps is big work, and must not take a worker that a class's
3-node requests need; and a graph whose cost is bounded before it runs, and smaller than the trip to a worker,
is computed at once in the server's own process (``AT_ONCE``).

``lane_for`` reads the body (at most ``max_light_body_bytes`` of JSON: microseconds with orjson) and
counts *node passes*: the program's size in nodes times how many times the request runs it forward and back.
The figures are rough on purpose (a pass over a small graph costs tens of microseconds here, an element of an
array about ten nanoseconds); a request under ``HEAVY_SECONDS`` that turns out to be longer is still moved to
the heavy workers after ``light_seconds`` (app/server/workers.py).
"""

from __future__ import annotations

import math

import orjson

from .. import compute

AT_ONCE, LIGHT, HEAVY = "at once", "light", "heavy"
HEAVY_SECONDS = 0.1  # estimated at least this: straight to the heavy workers
SECONDS_PER_NODE_PASS = 2e-5  # measured: 10,000 steps of -log(sigmoid(w*x + b)) in 2.2 s
SECONDS_PER_ELEMENT = 1e-8
CHARACTERS_PER_NODE = 4  # "a*b + c*d": about one node per four characters of program


# Computed at once, in the server's process: a graph request whose cost is bounded before it runs, and is less
# than the trip to a worker (a pipe each way and two processes woken, about 0.2 ms of CPU; a 3-node graph costs
# 0.025 ms). With no "[" in the body there is no array, among the values or in the program (no function makes
# one from numbers), so every node is one number, a few microseconds a pass; a program of at most
# AT_ONCE_MAX_CHARS characters has fewer nodes than that; and the answer is the plain one: an option that adds
# sentences, Jacobians or checks (more Python per node) goes to a worker. Every other bound holds as in a worker:
# the time budget between stages, the sizes, the answer's bytes.
AT_ONCE_MAX_CHARS = 160
AT_ONCE_ROUTES = ("post_graph",)
NOT_AT_ONCE_OPTIONS = tuple(option.name for option in compute.OPTIONS if option.adds_to_answer)


def lane_for(route: str, body: bytes) -> str:
    """AT_ONCE, LIGHT or HEAVY: where the request ``body`` to route ``route`` (a function's name: post_graph,
    post_train, …) is computed. A body that is not a JSON object goes to a light worker, which answers it 422."""
    request = _json_object(body)
    if request is None:
        return LIGHT
    name = _route_name(route)
    if name in AT_ONCE_ROUTES and _bounded_and_small(request, body):
        return AT_ONCE
    return HEAVY if _estimated_seconds(name, request) >= HEAVY_SECONDS else LIGHT


def _route_name(route: str) -> str:
    return route.rpartition(":")[2].rpartition(".")[2]


def _json_object(body: bytes) -> dict | None:
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return request if isinstance(request, dict) else None


def _bounded_and_small(request: dict, body: bytes) -> bool:
    expression = request.get("expression")
    return (isinstance(expression, str) and len(expression) <= AT_ONCE_MAX_CHARS and b"[" not in body
            and not any(request.get(option) for option in NOT_AT_ONCE_OPTIONS))


def _estimated_seconds(name: str, request: dict) -> float:
    estimate = _ESTIMATES.get(name)
    try:
        return estimate(request) if estimate else 0.0
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return 0.0  # a field of the wrong type: the worker's validation answers it


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
