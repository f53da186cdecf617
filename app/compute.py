"""The Python API: a program and its input values in, the graph with every value and gradient out.

    >>> from app import compute_graph
    >>> result = compute_graph("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
    >>> result["value"], result["gradients"]
    (33.0, {'a': 3.0, 'b': 6.0, 'c': 9.0})

A request is a program, its values and options. Each option is declared once, in ``OPTIONS``: its type, default
and description (``compute_graph``'s keyword, the REST request's field, the page's list at /api/options), what it
adds to the answer's size, and the stages of the pipeline it asks for. The pipeline is ``STAGES``, run in order:
the stages every request runs, and those the options asked for. The REST endpoints are thin wrappers over
these functions.
"""

from __future__ import annotations

import copy
import inspect
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping, Optional

import numpy as np
import orjson

from .engine import costs
from .engine.backward import backward_values, local_gradients
from .engine.deadline import Deadline
from .engine.dot import graph_dot
from .engine.errors import ProgramError
from .engine.forward import forward_values
from .engine.graph import Graph, as_value, build_graph
from .engine.limits import Limits, env_var, limits_in_force
from .engine.serialize import graph_json, json_value, numbers_json
from .engine.template import AnswerTemplate
from .engine.unfold import mark_unfolded
from .engine.unfold import unfold as unfold_graph
from .teaching.gradcheck import check_panel
from .teaching.jacobian import explain_wires
from .teaching.layers import four_equations, mark_deltas
from .teaching.narrate import narrate as narration
from .teaching.quiz import quiz as quiz_questions
from .words.messages import listing, say


# -- the options --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One request option: ``compute_graph``'s keyword and the request's field of the same name."""
    name: str
    type: Any
    default: Any
    description: str
    stages: tuple[str, ...] = ()  # the stages it asks for (see STAGES)
    builds_graph: bool = False  # an argument of building the graph, not a stage of its own
    answer_bytes: tuple[int, int] = (0, 0)  # what it adds to the answer per node and per wire, counted low

    def json(self) -> dict:
        """The option as the page reads it (/api/options)."""
        return {"name": self.name, "type": "number" if self.type is not bool else "boolean",
                "default": self.default, "description": self.description, "stages": list(self.stages),
                "shapes_graph": self.shapes_graph, "adds_to_answer": self.adds_to_answer}

    @property
    def adds_to_answer(self) -> bool:
        return any(STAGES_BY_NAME[stage].adds_to_answer for stage in self.stages)

    @property
    def shapes_graph(self) -> bool:
        """An argument of building the graph, or a stage that changes it: the graph is built anew when it changes."""
        return self.builds_graph or any(STAGES_BY_NAME[stage].shapes_graph for stage in self.stages)


OPTIONS: tuple[Option, ...] = (
    Option("check", bool, False, "Also answer `check`: a central-difference gradient check per input.",
           stages=("check",)),
    Option("default_value", Optional[float], None,
           "If given, the value of every input the program names without giving it a value.", builds_graph=True),
    Option("strict", bool, True, "false: a value given for a name the program computes is ignored instead of an "
                                 "error.", builds_graph=True),
    Option("local", bool, False, "Also give each edge between numbers its local gradient `local`, d target / d source: "
                                 "the edge's grad is the target's grad times it; each edge that carries a gradient "
                                 "its `rule` in the program's names; and each edge to or from an array its "
                                 "`jacobian`.",
           stages=("local_gradients", "local_jacobians"), answer_bytes=(0, costs.BYTES_PER_NUMBER)),
    Option("dot", bool, False, "Also answer `dot`: the drawing as Graphviz DOT text.",
           stages=("drawing",), answer_bytes=(costs.BYTES_PER_DOT_ITEM, costs.BYTES_PER_DOT_ITEM)),
    Option("narrate", bool, False, "Give every node `narration`: a sentence on its forward and on its backward step, "
                                   "with the numbers in, in English and Chinese.",
           stages=("narration_size", "local_gradients", "narration"), answer_bytes=(costs.BYTES_PER_NARRATION, 0)),
    Option("unfold", bool, False, "Replace each compound gate (sigmoid, tanh, softplus, dot) by the primitives it is "
                                  "made of (the op's `unfolds_to`); the nodes that come from one carry `unfolded_from` "
                                  "and `group`. Works with every other option.",
           stages=("unfold",)),
    Option("layers", bool, False, "Find the layers of a network (z = W @ a + b, a = σ(z) or another activation, then "
                                  "a cost) from the graph's shape, and answer `layers`: each layer's nodes, its "
                                  "δ = ∂C/∂z and Nielsen's equations BP1–BP4 with this graph's numbers; each layer's "
                                  "z node gets `delta`.",
           stages=("layers",)),
    # The quiz's hints are narration sentences too: it counts as narration.
    Option("quiz", bool, False, "Quiz mode: give every node that needs a gradient, and every gate for its value, "
                                "`quiz`: the answers accepted, a hint that never says the answer and the worked "
                                "answer; and answer `quiz`, how answers are checked.",
           stages=("narration_size", "local_gradients", "quiz")),
    # The answer without the graph: what a page that has drawn the graph needs when only the values changed.
    Option("numbers_only", bool, False,
           "Answer only the numbers, in node order: `value`, `values` and `grads` (each node's, as its `value` and "
           "`grad` in the whole answer), `wire_grads` (each edge's `grad`, in edge order) and `warnings`; the options "
           "that add to the answer (check, local, dot, narrate, layers, quiz) are not computed. The same numbers, "
           "to the bit, as the whole answer of the same request.",
           answer_bytes=(-costs.BYTES_PER_NODE, -costs.BYTES_PER_WIRE)),
)
OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}
DEFAULTS = {option.name: option.default for option in OPTIONS}


# -- the pipeline -------------------------------------------------------------------------------------------------

class Run:
    """One request on its way through the stages: what it asked for, and what the stages have made of it so far."""

    __slots__ = ("program", "values", "options", "limits", "deadline", "asked", "plain", "encode", "built", "warm",
                 "graph", "origin", "node_values", "grads", "wire_grads", "wire_locals", "result", "answer")

    def __init__(self, program: str, values: Mapping[str, Any] | None, options: dict, limits: Limits, encode: bool):
        self.program, self.values, self.options, self.limits = program, values, options, limits
        self.deadline = Deadline(limits)
        self.asked = options_in_effect(options)
        self.plain = not any(option.adds_to_answer for option in self.asked)
        self.encode = encode  # the answer is wanted as JSON bytes (else as Python data)
        self.built: Built | None = None  # the graph as kept for the next request
        self.warm = False  # the graph was kept from an earlier request
        self.graph: Graph | None = None
        self.origin = self.node_values = self.grads = self.wire_grads = self.wire_locals = None
        self.result: dict | None = None
        self.answer: bytes | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Run], None]
    step: str | None = None  # the phrase that names it when the time budget stops a request before it
    always: bool = False  # every request runs it; the others run when an option asks for them
    shapes_graph: bool = False  # it makes the graph: its result is kept for the next request (see Built)
    adds_to_answer: bool = False  # it adds numbers to the answer (sentences, checks, Jacobians): not in a plain one


def _build(run: Run) -> None:
    run.graph = build_graph(run.program, run.values, run.limits, run.options["default_value"], run.options["strict"])


def _unfold(run: Run) -> None:
    run.graph, run.origin = unfold_graph(run.graph, run.limits)


def _narration_size(run: Run) -> None:
    costs.narration_size(run.graph, run.limits)


def _forward(run: Run) -> None:
    run.node_values = forward_values(run.graph, limits=run.limits)


def _backward(run: Run) -> None:
    run.grads, run.wire_grads = backward_values(run.graph, run.node_values)


def _local_gradients(run: Run) -> None:
    run.wire_locals = local_gradients(run.graph, run.node_values)


def _answer(run: Run) -> None:
    per_node, per_wire = sum(o.answer_bytes[0] for o in run.asked), sum(o.answer_bytes[1] for o in run.asked)
    # The estimate depends on the graph, the values' shapes and the limits, all the same for a kept graph.
    if run.built is None or (per_node, per_wire) not in run.built.sizes_passed:
        costs.answer_size(run.graph, run.node_values, run.limits, per_node, per_wire)
        if run.built is not None:
            run.built.sizes_passed.add((per_node, per_wire))
    if run.options["numbers_only"]:
        run.result = numbers_json(run.graph, run.node_values, run.grads, run.wire_grads, run.limits.max_wire_elements)
        return
    template = run.built.template if run.built is not None and run.encode and run.plain else None
    if template is not None:
        run.answer = template.fill(run.node_values, run.grads, run.wire_grads)
        if run.answer is not None:
            return
    run.result = _graph_answer(run, run.node_values, run.grads, run.wire_grads)
    if run.warm and template is None and run.encode and run.plain and not any([v.ndim for v in run.node_values]):
        # Asked again with new values: likely a slider, asking again. Cut the answer's template once.
        run.built.template = AnswerTemplate.cut(partial(_graph_answer, run), run.grads, run.wire_grads)
        if run.built.template is not None:
            GRAPHS.grew(run.built, run.built.template.size)


def _graph_answer(run: Run, values: list, grads: list, wire_grads: list) -> dict:
    result = graph_json(run.graph, values, grads, wire_grads, run.wire_locals if run.options["local"] else None,
                        run.limits.max_wire_elements)
    if run.origin is not None:
        mark_unfolded(result["nodes"], run.origin)
    return result


def _local_jacobians(run: Run) -> None:
    explain_wires(run.result["edges"], run.graph, run.node_values, run.grads, run.wire_grads)


def _layers(run: Run) -> None:
    run.result["layers"] = four_equations(run.graph, run.node_values, run.grads)
    mark_deltas(run.result["nodes"], run.result["layers"])


def _narration(run: Run) -> None:
    stories = narration(run.graph, run.node_values, run.grads, run.wire_grads, run.wire_locals)
    for node, story in zip(run.result["nodes"], stories):
        node["narration"] = story


def _quiz(run: Run) -> None:
    run.result["quiz"], questions = quiz_questions(run.graph, run.node_values, run.grads, run.wire_grads,
                                                   run.wire_locals)
    for node, asked in zip(run.result["nodes"], questions):
        if asked:
            node["quiz"] = asked


def _check(run: Run) -> None:
    run.result["check"], run.result["check_kinks"], run.result["check_nudges"] = check_panel(
        run.graph, run.node_values, run.grads, run.limits)


def _drawing(run: Run) -> None:
    run.result["dot"] = graph_dot(run.result)


# In order. A stage's cost is counted before it starts (app/engine/costs.py), its time between stages.
STAGES: tuple[Stage, ...] = (
    Stage("build", _build, always=True, shapes_graph=True),
    Stage("unfold", _unfold, shapes_graph=True),
    Stage("narration_size", _narration_size),
    Stage("forward", _forward, "the_forward_pass", always=True),
    Stage("backward", _backward, "the_backward_pass", always=True),
    Stage("local_gradients", _local_gradients),
    Stage("answer", _answer, "writing_the_answer", always=True),
    Stage("local_jacobians", _local_jacobians, "the_local_jacobians", adds_to_answer=True),
    Stage("layers", _layers, "the_four_equations", adds_to_answer=True),
    Stage("narration", _narration, "the_narration", adds_to_answer=True),
    Stage("quiz", _quiz, "the_quiz", adds_to_answer=True),
    Stage("check", _check, "the_gradient_check", adds_to_answer=True),
    Stage("drawing", _drawing, "writing_the_drawing", adds_to_answer=True),
)
STAGES_BY_NAME = {stage.name: stage for stage in STAGES}
assert all(stage in STAGES_BY_NAME for option in OPTIONS for stage in option.stages)
SHAPING = tuple(option.name for option in OPTIONS if option.shapes_graph)


def asked_options(options: Mapping[str, Any], caller: str = "compute_graph") -> dict:
    """Every option's value: the ones given, the defaults for the rest. An unknown name is a caller's mistake."""
    for name in options:
        if name not in OPTIONS_BY_NAME:
            raise TypeError(f"{caller}() got an unexpected keyword argument {name!r}")
    return {**DEFAULTS, **options}


def options_in_effect(options: dict) -> list[Option]:
    """The options asked for, less those that add to an answer of numbers only."""
    numbers_only = options["numbers_only"]
    return [option for option in OPTIONS if options[option.name] and not (numbers_only and option.adds_to_answer)]


def stages_for(options: dict) -> list[Stage]:
    wanted = {stage for option in options_in_effect(options) for stage in option.stages}
    return [stage for stage in STAGES if stage.always or stage.name in wanted]


def run_pipeline(program: str, values: Mapping[str, Any] | None, options: dict, limits: Limits | None,
                 encode: bool = False) -> Run:
    """The stages a request asks for, in order; the graph-shaping ones skipped when a kept graph fits."""
    run = Run(program, values, options, limits or limits_in_force(), encode)
    stages = stages_for(options)
    key = (program, run.limits, tuple([options[name] for name in SHAPING]), tuple(values or ()))
    # One np.errstate for all the stages: entering one costs as much as computing a dozen nodes.
    with np.errstate(all="ignore"):
        run.built = GRAPHS.get(key)
        run.warm = run.built is not None and run.built.lend(run)
        if not run.warm:
            for stage in stages:
                if stage.shapes_graph:
                    stage.run(run)
            run.built = GRAPHS.keep(key, run.graph, run.origin)
        for stage in stages:
            if not stage.shapes_graph:
                if stage.step is not None:
                    run.deadline.check(stage.step)
                stage.run(run)
    if run.warm:
        run.built.graph.sizes_checked = run.graph.sizes_checked  # what this pass checked, the next need not
    return run


# -- built graphs, kept -------------------------------------------------------------------------------------------
#
# A slider dragged asks for the same program with new values, many times a second: the graph is built once and
# each request runs forward and backward with its own values. Kept per process, keyed by the program, the limits,
# the options that shape the graph and the names given values; the shapes of the values are checked on use.

MAX_KEPT_GRAPHS = 64
MAX_KEPT_BYTES = 64_000_000
# Counted high: tracemalloc measures 250 bytes a node for a kept graph, 700–820 with its passes' plans and its
# answer's template (whose size is added when it is cut).
BYTES_PER_KEPT_NODE = 600
BYTES_PER_KEPT_CHAR = 8  # the program's text and its tokens' positions


class Built:
    """A graph as the graph-shaping stages left it, and the template of its plain answer once it has one."""

    __slots__ = ("key", "graph", "origin", "size", "template", "sizes_passed")

    def __init__(self, key: tuple, graph: Graph, origin: list | None, size: int):
        self.key, self.graph, self.origin, self.size = key, graph, origin, size
        self.template: AnswerTemplate | None = None
        self.sizes_passed: set[tuple[int, int]] = set()  # the answer sizes (per node, per wire) found in the limit

    def lend(self, run: Run) -> bool:
        """Give ``run`` a copy of the graph with its own values (validated as building would), if their shapes
        are the graph's; False if one is not (the graph is built anew)."""
        graph = self.graph
        graph.keep_plans()  # asked again: its passes need only compute from now on
        fixed = list(graph.fixed)
        inputs = graph.inputs
        for name, raw in (run.values or {}).items():
            value = as_value(name, raw, run.limits)
            node = inputs.get(name)
            if node is not None:
                if value.shape != fixed[node].shape:
                    return False
                fixed[node] = value
        run.graph = copy.copy(graph)
        run.graph.fixed = fixed
        run.origin = self.origin
        return True


class GraphCache:
    """The least recently used graphs go first, past ``max_graphs`` or past ``max_bytes`` (estimated)."""

    def __init__(self, max_graphs: int = MAX_KEPT_GRAPHS, max_bytes: int = MAX_KEPT_BYTES):
        self.max_graphs, self.max_bytes = max_graphs, max_bytes
        self.kept: OrderedDict[tuple, Built] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()  # the Python API may be called from threads

    def get(self, key: tuple) -> Built | None:
        with self.lock:
            built = self.kept.get(key)
            if built is not None:
                self.kept.move_to_end(key)
            return built

    def keep(self, key: tuple, graph: Graph, origin: list | None) -> Built | None:
        graph.edge_starts()  # worked out once, for every copy
        size = len(graph) * BYTES_PER_KEPT_NODE + len(key[0]) * BYTES_PER_KEPT_CHAR
        if graph.has_array_leaf:  # (else every leaf is a number, counted in its node's bytes)
            size += sum([value.nbytes for value in graph.fixed if value is not None and value.ndim])
        if size > self.max_bytes:
            return None
        built = Built(key, graph, origin, size)
        with self.lock:
            old = self.kept.pop(key, None)
            self.bytes += size - (old.size if old is not None else 0)
            self.kept[key] = built
            while len(self.kept) > self.max_graphs or self.bytes > self.max_bytes:
                self.bytes -= self.kept.popitem(last=False)[1].size
        return built

    def grew(self, built: Built, size: int) -> None:
        with self.lock:
            built.size += size
            if self.kept.get(built.key) is not built:
                return  # already let go
            self.bytes += size
            while len(self.kept) > self.max_graphs or self.bytes > self.max_bytes:
                self.bytes -= self.kept.popitem(last=False)[1].size

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()
            self.bytes = 0


GRAPHS = GraphCache()


# -- the Python API -----------------------------------------------------------------------------------------------

def compute_graph(program: str, values: Mapping[str, Any] | None = None, *, limits: Limits | None = None,
                  **options) -> dict:
    """Parse, build, run forward and backward; return the JSON-ready answer of ``POST /api/graph``.

    ``values`` maps input names to numbers or nested lists. The options (keywords, all optional) are
    ``OPTIONS``, listed below. Raises ``ProgramError``.
    """
    return run_pipeline(program, values, asked_options(options), limits).result


def compute_graph_json(program: str, values: Mapping[str, Any] | None = None, *, limits: Limits | None = None,
                       **options) -> bytes:
    """``compute_graph``'s answer as JSON: what ``POST /api/graph`` sends. Raises ``ProgramError``."""
    run = run_pipeline(program, values, asked_options(options, "compute_graph_json"), limits, encode=True)
    return run.answer if run.answer is not None else orjson.dumps(run.result)


def _declare_options(function: Callable) -> None:
    """Give a function that takes the options as keywords their signature (for help() and editors) and their
    descriptions in its docstring, from OPTIONS."""
    signature = inspect.signature(function)
    program, values, limits, _ = signature.parameters.values()
    keywords = [inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=option.default,
                                  annotation=option.type) for option in OPTIONS]
    function.__signature__ = signature.replace(parameters=[program, values, *keywords, limits])
    function.__doc__ += "\n    Options:\n\n" + "\n".join(
        f"    ``{option.name}={option.default!r}``: {option.description}" for option in OPTIONS) + "\n"


_declare_options(compute_graph)
_declare_options(compute_graph_json)


def compute_dot(program: str, values: Mapping[str, Any] | None = None, *, default_value: float | None = None,
                limits: Limits | None = None) -> str:
    """The same graph as Graphviz DOT text, with values and gradients on the wires."""
    return compute_graph(program, values, default_value=default_value, dot=True, limits=limits)["dot"]


def sweep(program: str, variable: str, start: float, stop: float, num: int = 101,
          values: Mapping[str, Any] | None = None, *, default_value: float | None = None, strict: bool = True,
          limits: Limits | None = None) -> dict:
    """The output (the sum of its elements, for an array) and d output / d variable over a range of the variable.

    When every leaf is a number and every operation elementwise, all points go
    through the graph at once as one array; otherwise one point at a time.
    ``default_value`` and ``strict`` are as for ``compute_graph``.
    """
    limits = limits or limits_in_force()
    deadline = Deadline(limits)
    if not 2 <= num <= limits.max_sweep_points:
        raise ProgramError("limit" if num > 2 else "value",
                           say("sweep_points", limit=limits.max_sweep_points, variable=env_var("max_sweep_points"),
                               count=num))
    # The variable's own value does not matter: the sweep replaces it.
    graph = build_graph(program, {variable: float(start), **(values or {})}, limits, default_value, strict)
    if variable not in graph.inputs:
        raise ProgramError("name", say("not_an_input", name=variable, inputs=listing(graph.inputs)))
    node = graph.inputs[variable]
    if np.ndim(graph.fixed[node]) != 0:
        raise ProgramError("value", say("sweep_of_an_array", name=variable))
    if not math.isfinite(float(stop) - float(start)):
        raise ProgramError("value", say("sweep_range", start=start, stop=stop))
    xs = np.linspace(float(start), float(stop), int(num))
    with np.errstate(all="ignore"):
        if _is_elementwise(graph):
            node_values = forward_values(graph, {variable: xs}, limits)
            grads, _ = backward_values(graph, node_values)
            value = np.broadcast_to(node_values[graph.output], xs.shape)
            grad = np.broadcast_to(grads[node], xs.shape)
        else:
            value = np.empty_like(xs)
            grad = np.empty_like(xs)
            for i, x in enumerate(xs):
                deadline.check("point_of", number=i + 1, count=len(xs))
                node_values = forward_values(graph, {variable: x}, limits)
                grads, _ = backward_values(graph, node_values)
                value[i] = np.sum(node_values[graph.output])
                grad[i] = grads[node]
    return {"variable": variable, "x": json_value(xs), "value": json_value(value), "grad": json_value(grad)}


def _is_elementwise(graph) -> bool:
    """True when a whole array of points can flow through the graph at once, each point on its own."""
    return all(
        np.ndim(fixed) == 0 if op is None else op.elementwise
        for op, fixed in zip(graph.table, graph.fixed)
    )

