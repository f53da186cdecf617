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

import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import numpy as np
import orjson

from .engine import costs
from .engine.backward import backward_values, local_gradients
from .engine.deadline import Deadline
from .engine.dot import graph_dot
from .engine.errors import ProgramError
from .engine.forward import forward_values
from .engine.graph import Graph, build_graph
from .engine.limits import Limits, env_var, limits_in_force
from .engine.serialize import graph_json, json_value
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
    shapes_graph: bool = False  # an argument of building the graph, not a stage of its own
    answer_bytes: tuple[int, int] = (0, 0)  # what it adds to the answer per node and per wire, counted low

    def json(self) -> dict:
        """The option as the page reads it (/api/options)."""
        return {"name": self.name, "type": "number" if self.type is not bool else "boolean",
                "default": self.default, "description": self.description, "stages": list(self.stages),
                "shapes_graph": self.shapes_graph, "adds_to_answer": self.adds_to_answer}

    @property
    def adds_to_answer(self) -> bool:
        return any(STAGES_BY_NAME[stage].adds_to_answer for stage in self.stages)


OPTIONS: tuple[Option, ...] = (
    Option("check", bool, False, "Also answer `check`: a central-difference gradient check per input.",
           stages=("check",)),
    Option("default_value", Optional[float], None,
           "If given, the value of every input the program names without giving it a value.", shapes_graph=True),
    Option("strict", bool, True, "false: a value given for a name the program computes is ignored instead of an "
                                 "error.", shapes_graph=True),
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
           stages=("unfold", "mark_unfolded"), shapes_graph=True),
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
)
OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}
DEFAULTS = {option.name: option.default for option in OPTIONS}


# -- the pipeline -------------------------------------------------------------------------------------------------

class Run:
    """One request on its way through the stages: what it asked for, and what the stages have made of it so far."""

    __slots__ = ("program", "values", "options", "limits", "deadline", "graph", "origin", "node_values", "grads",
                 "wire_grads", "wire_locals", "result")

    def __init__(self, program: str, values: Mapping[str, Any] | None, options: dict, limits: Limits):
        self.program, self.values, self.options, self.limits = program, values, options, limits
        self.deadline = Deadline(limits)
        self.graph: Graph | None = None
        self.origin = self.node_values = self.grads = self.wire_grads = self.wire_locals = self.result = None


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Run], None]
    step: str | None = None  # the phrase that names it when the time budget stops a request before it
    always: bool = False  # every request runs it; the others run when an option asks for them
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
    asked = [option for option in OPTIONS if run.options[option.name]]
    costs.answer_size(run.graph, run.node_values, run.limits, per_node=sum(o.answer_bytes[0] for o in asked),
                      per_wire=sum(o.answer_bytes[1] for o in asked))
    run.result = graph_json(run.graph, run.node_values, run.grads, run.wire_grads,
                            run.wire_locals if run.options["local"] else None, run.limits.max_wire_elements)


def _mark_unfolded(run: Run) -> None:
    mark_unfolded(run.result["nodes"], run.origin)


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
    run.result["check"], run.result["check_kinks"] = check_panel(run.graph, run.node_values, run.grads, run.limits)


def _drawing(run: Run) -> None:
    run.result["dot"] = graph_dot(run.result)


# In order. A stage's cost is counted before it starts (app/engine/costs.py), its time between stages.
STAGES: tuple[Stage, ...] = (
    Stage("build", _build, always=True),
    Stage("unfold", _unfold),
    Stage("narration_size", _narration_size),
    Stage("forward", _forward, "the_forward_pass", always=True),
    Stage("backward", _backward, "the_backward_pass", always=True),
    Stage("local_gradients", _local_gradients),
    Stage("answer", _answer, "writing_the_answer", always=True),
    Stage("mark_unfolded", _mark_unfolded),  # the structure only: which gate each node comes from
    Stage("local_jacobians", _local_jacobians, "the_local_jacobians", adds_to_answer=True),
    Stage("layers", _layers, "the_four_equations", adds_to_answer=True),
    Stage("narration", _narration, "the_narration", adds_to_answer=True),
    Stage("quiz", _quiz, "the_quiz", adds_to_answer=True),
    Stage("check", _check, "the_gradient_check", adds_to_answer=True),
    Stage("drawing", _drawing, "writing_the_drawing", adds_to_answer=True),
)
STAGES_BY_NAME = {stage.name: stage for stage in STAGES}
assert all(stage in STAGES_BY_NAME for option in OPTIONS for stage in option.stages)


def asked_options(options: Mapping[str, Any], caller: str = "compute_graph") -> dict:
    """Every option's value: the ones given, the defaults for the rest. An unknown name is a caller's mistake."""
    for name in options:
        if name not in OPTIONS_BY_NAME:
            raise TypeError(f"{caller}() got an unexpected keyword argument {name!r}")
    return {**DEFAULTS, **options}


def stages_for(options: dict) -> list[Stage]:
    wanted = {stage for option in OPTIONS if options[option.name] for stage in option.stages}
    return [stage for stage in STAGES if stage.always or stage.name in wanted]


def run_pipeline(program: str, values: Mapping[str, Any] | None, options: dict, limits: Limits | None) -> Run:
    run = Run(program, values, options, limits or limits_in_force())
    # One np.errstate for all the stages: entering one costs as much as computing a dozen nodes.
    with np.errstate(all="ignore"):
        for stage in stages_for(options):
            if stage.step is not None:
                run.deadline.check(stage.step)
            stage.run(run)
    return run


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
    return orjson.dumps(run_pipeline(program, values, asked_options(options, "compute_graph_json"), limits).result)


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

