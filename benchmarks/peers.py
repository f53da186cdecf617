"""The engines the suite times: ours (in process and over HTTP) and the tools a user could pick instead.

Each engine is a function ``run(program) -> bytes``: JSON holding at least ``value`` (the output) and
``gradients`` (d output / d input, by input name), which the suite checks against ours before a timing
counts. Each does the whole job inside the timer, from the program's text:

* ours:            ``app.compute_graph_json(text, values)``: every node's value and gradient, as the JSON
                   that POST /api/graph sends (parser → graph → forward → backward → serialize → orjson),
                   as a first request: no graph kept from an earlier call (``app.compute.GRAPHS``).
* ours over HTTP:  POST /api/graph to a live ``python -m app`` on 127.0.0.1 (httpx, one kept-alive
                   connection): the same answer as bytes on the wire.
* micrograd:       ``exec`` of the program's text (Python's own parser, for free) with ``micrograd.Value``
                   inputs, then ``backward()``: the evaluation and the gradients, and no JSON of the graph
                   (the answer holds only the output and the inputs' gradients, as for PyTorch below).
* micrograd, 3AC:  the cheapest build micrograd can have: the generator's three-address code, no text at
                   all (benchmarks/bench_engine.py's ``run_micrograd``), ``backward()``, and JSON of every
                   node (id, op, inputs, value, grad) with orjson: the closest to what ours answers.
* PyTorch:         ``exec`` with float64 scalar tensors (requires_grad), ``backward()``; JSON of the output
                   and the input gradients only (asking it for every node's gradient would cost it more).
* JAX:             ``jax.value_and_grad`` of a function that ``exec``s the text over jax.numpy float64
                   scalars, eagerly; and the same under ``jax.jit``, traced and compiled for each request
                   (each request's function is a new closure, so jit's caches miss). Output and input gradients.
* SymPy:           ``exec`` over symbols, ``diff`` by each input, ``lambdify`` the value and gradients
                   (NumPy), evaluate. Output and input gradients.

The peers are optional: ``available()`` says why one cannot run (not installed) and the suite skips it.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from typing import Callable

import orjson

import app
from app.compute import GRAPHS
from benchmarks.programs import Program

PEER_SOURCE_NAME = "<program>"


@dataclass
class Engine:
    name: str
    label: str  # a short column heading
    run: Callable[[Program], bytes] | None = None
    reset: Callable[[], None] | None = None  # before each sample, outside the timer
    note: str = ""  # why it is unavailable, if it is
    ours: bool = False
    wall_clock: bool = False  # timed by the wall clock whatever the --clock (its work is in another process)
    extra: dict = field(default_factory=dict)


def _answer(value: float, gradients: dict) -> bytes:
    return orjson.dumps({"value": value, "gradients": gradients})


# -- ours ------------------------------------------------------------------------------------------


def ours_in_process(program: Program) -> bytes:
    """A first request: the graphs kept from earlier requests are let go first, so every call parses and builds
    (benchmarks/bench_engine.py times the same program asked again, its graph kept)."""
    GRAPHS.clear()
    return app.compute_graph_json(program.text, program.inputs)


def ours_over_http(base_url: str) -> Callable[[Program], bytes]:
    import httpx

    client = httpx.Client(base_url=base_url, timeout=120)

    def run(program: Program) -> bytes:
        response = client.post("/api/graph", content=orjson.dumps({"expression": program.text,
                                                                   "values": program.inputs}),
                               headers={"content-type": "application/json"})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        return response.content

    return run


# -- micrograd -------------------------------------------------------------------------------------


def _micrograd_engines() -> list[Engine]:
    try:
        from micrograd.engine import Value
        from benchmarks.bench_engine import mg_tanh, run_micrograd
    except ImportError as error:
        note = f"not installed ({error.name}): pip install micrograd"
        return [Engine("micrograd", "micrograd", note=note), Engine("micrograd-3ac", "mg 3AC", note=note)]

    def relu(v):
        return v.relu()

    def run(program: Program) -> bytes:
        code = compile(program.peer_source(), PEER_SOURCE_NAME, "exec")
        inputs = {name: Value(x) for name, x in program.inputs.items()}
        namespace = {"tanh": mg_tanh, "relu": relu, **inputs}
        exec(code, namespace)
        out = namespace["__out__"]
        old = sys.getrecursionlimit()  # its backward() recurses once per level: lift the limit, as a user would
        sys.setrecursionlimit(max(old, 4 * len(program.registers) + 10_000))
        try:
            out.backward()
        finally:
            sys.setrecursionlimit(old)
        return _answer(out.data, {name: v.grad for name, v in inputs.items()})

    from importlib.metadata import version
    extra = {"version": version("micrograd")}
    return [Engine("micrograd", "micrograd", run, extra=extra),
            Engine("micrograd-3ac", "mg 3AC", run_micrograd, extra=extra)]


# -- PyTorch ---------------------------------------------------------------------------------------


def _torch_engine() -> Engine:
    try:
        import torch
    except ImportError:
        return Engine("torch", "PyTorch", note="not installed: pip install torch (a CPU wheel)")

    def run(program: Program) -> bytes:
        code = compile(program.peer_source(), PEER_SOURCE_NAME, "exec")
        inputs = {name: torch.tensor(x, dtype=torch.float64, requires_grad=True)
                  for name, x in program.inputs.items()}
        namespace = {"tanh": torch.tanh, "relu": torch.relu, **inputs}
        exec(code, namespace)
        out = namespace["__out__"]
        out.backward()
        return _answer(out.item(), {name: t.grad.item() for name, t in inputs.items()})

    return Engine("torch", "PyTorch", run, extra={"version": torch.__version__})


# -- JAX -------------------------------------------------------------------------------------------


def _jax_engines() -> list[Engine]:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")  # no search for accelerators
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        note = "not installed: pip install jax jaxlib"
        return [Engine("jax", "JAX", note=note), Engine("jax-jit", "JAX jit", note=note)]
    jax.config.update("jax_enable_x64", True)

    def function_of(program: Program):
        code = compile(program.peer_source(), PEER_SOURCE_NAME, "exec")

        def f(inputs):
            namespace = {"tanh": jnp.tanh, "relu": jax.nn.relu, **inputs}
            exec(code, namespace)
            return namespace["__out__"]

        return f

    def answer(value, grads) -> bytes:
        return _answer(float(value), {name: float(g) for name, g in grads.items()})

    def eager(program: Program) -> bytes:
        inputs = {name: jnp.float64(x) for name, x in program.inputs.items()}
        return answer(*jax.value_and_grad(function_of(program))(inputs))

    def jitted(program: Program) -> bytes:
        inputs = {name: jnp.float64(x) for name, x in program.inputs.items()}
        return answer(*jax.jit(jax.value_and_grad(function_of(program)))(inputs))

    return [Engine("jax", "JAX", eager, extra={"version": jax.__version__}),
            Engine("jax-jit", "JAX jit", jitted, extra={"version": jax.__version__})]


# -- SymPy -----------------------------------------------------------------------------------------


def _sympy_engine() -> Engine:
    try:
        import sympy
    except ImportError:
        return Engine("sympy", "SymPy", note="not installed: pip install sympy")

    def relu(a):
        return sympy.Max(a, 0)

    def run(program: Program) -> bytes:
        code = compile(program.peer_source(), PEER_SOURCE_NAME, "exec")
        names = list(program.inputs)
        symbols = sympy.symbols(names)
        namespace = {"tanh": sympy.tanh, "relu": relu, **dict(zip(names, symbols))}
        exec(code, namespace)
        out = namespace["__out__"]
        grads = [sympy.diff(out, s) for s in symbols]
        f = sympy.lambdify(symbols, [out, *grads], "numpy")
        value, *grad_values = f(*program.inputs.values())
        return _answer(float(value), {name: float(g) for name, g in zip(names, grad_values)})

    return Engine("sympy", "SymPy", run, extra={"version": sympy.__version__})


PEER_NAMES = ("micrograd", "micrograd-3ac", "torch", "jax", "jax-jit", "sympy")


def make_engine(name: str, base_url: str | None = None) -> Engine:
    """One engine by name, importing only what it needs (the suite calls this in the engine's own process)."""
    if name == "ours":
        return Engine("ours", "ours", ours_in_process, ours=True)
    if name == "ours-http":
        return Engine("ours-http", "ours HTTP", ours_over_http(base_url), ours=True, wall_clock=True)
    makers = {"micrograd": _micrograd_engines, "micrograd-3ac": _micrograd_engines,
              "torch": lambda: [_torch_engine()], "jax": _jax_engines, "jax-jit": _jax_engines,
              "sympy": lambda: [_sympy_engine()]}
    return next(engine for engine in makers[name]() if engine.name == name)


def read_answer(data: bytes) -> tuple[float, dict]:
    answer = orjson.loads(data)
    return answer["value"], answer["gradients"]


def max_rel_diff(ours: bytes, theirs: bytes) -> float:
    """The largest relative difference between two answers' output values and input gradients."""
    value, grads = read_answer(ours)
    other_value, other_grads = read_answer(theirs)
    pairs = [(value, other_value)] + [(g, other_grads.get(name)) for name, g in grads.items()]
    worst = 0.0
    for a, b in pairs:
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
            return math.inf
        if a != b:
            worst = max(worst, abs(a - b) / max(abs(a), abs(b), 1e-12))
    return worst
