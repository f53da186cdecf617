"""The Python API: a program and its input values in, the graph with every value and gradient out.

    >>> from app import compute_graph
    >>> result = compute_graph("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
    >>> result["value"], result["gradients"]
    (33.0, {'a': 3.0, 'b': 6.0, 'c': 9.0})

The REST endpoints are thin wrappers over these functions.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import orjson

from .engine import costs
from .engine.backward import backward_values, local_gradients
from .engine.deadline import Deadline
from .engine.dot import graph_dot
from .engine.errors import ProgramError
from .engine.forward import forward_values
from .engine.graph import build_graph
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


def compute_graph(program: str, values: Mapping[str, Any] | None = None, *, check: bool = False,
                  default_value: float | None = None, strict: bool = True, local: bool = False,
                  dot: bool = False, narrate: bool = False, unfold: bool = False, layers: bool = False,
                  quiz: bool = False, limits: Limits | None = None) -> dict:
    """Parse, build, run forward and backward; return the JSON-ready answer of ``POST /api/graph``.

    ``values`` maps input names to numbers or nested lists. ``check`` adds a
    central-difference gradient check. ``default_value``, if given, is the value
    of any input the program names without giving it one; with ``strict`` off, a value
    given for a name the program computes is ignored instead of an error. ``local`` adds to each
    edge between numbers its local gradient (d target / d source); ``dot`` adds
    the DOT text of the drawing. ``unfold`` replaces compound gates (sigmoid, tanh, …) by their
    primitives first; ``narrate`` gives every node a sentence on its forward and backward step, in
    English and Chinese; ``layers`` finds the layers of a network (z = W @ a + b, a = σ(z)) and works
    Nielsen's four equations through for each, with their numbers; ``quiz`` gives every node the questions
    of quiz mode (its gradient, a gate's value too) with the answers accepted, a hint and the worked answer.
    Raises ``ProgramError``.
    """
    limits = limits or limits_in_force()
    # One np.errstate for all the stages: entering one costs as much as computing a dozen nodes.
    with np.errstate(all="ignore"):
        deadline = Deadline(limits)
        graph = build_graph(program, values, limits, default_value, strict)
        if unfold:
            graph, origin = unfold_graph(graph, limits)
        if narrate or quiz:  # the quiz's hints are narration sentences too
            costs.narration_size(graph, limits)
        deadline.check("the_forward_pass")
        node_values = forward_values(graph, limits=limits)
        deadline.check("the_backward_pass")
        grads, wire_grads = backward_values(graph, node_values)
        wire_locals = local_gradients(graph, node_values) if local or narrate or quiz else None
        deadline.check("writing_the_answer")
        costs.answer_size(graph, node_values, limits, narrate=narrate, dot=dot, local=local)
        result = graph_json(graph, node_values, grads, wire_grads, wire_locals if local else None,
                            limits.max_wire_elements)
        if unfold:
            mark_unfolded(result["nodes"], origin)
        if local:
            deadline.check("the_local_jacobians")
            explain_wires(result["edges"], graph, node_values, grads, wire_grads)
        if layers:
            deadline.check("the_four_equations")
            result["layers"] = four_equations(graph, node_values, grads)
            mark_deltas(result["nodes"], result["layers"])
        if narrate:
            deadline.check("the_narration")
            for node, story in zip(result["nodes"], narration(graph, node_values, grads, wire_grads, wire_locals)):
                node["narration"] = story
        if quiz:
            deadline.check("the_quiz")
            result["quiz"], questions = quiz_questions(graph, node_values, grads, wire_grads, wire_locals)
            for node, asked in zip(result["nodes"], questions):
                if asked:
                    node["quiz"] = asked
        if check:
            deadline.check("the_gradient_check")
            result["check"], result["check_kinks"] = check_panel(graph, node_values, grads, limits)
        if dot:
            deadline.check("writing_the_drawing")
            result["dot"] = graph_dot(result)
    return result


def compute_graph_json(program: str, values: Mapping[str, Any] | None = None, *, check: bool = False,
                       default_value: float | None = None, strict: bool = True, local: bool = False,
                       dot: bool = False, narrate: bool = False, unfold: bool = False, layers: bool = False,
                       quiz: bool = False, limits: Limits | None = None) -> bytes:
    """``compute_graph``'s answer as JSON: what ``POST /api/graph`` sends. Raises ``ProgramError``."""
    return orjson.dumps(compute_graph(program, values, check=check, default_value=default_value, strict=strict,
                                      local=local, dot=dot, narrate=narrate, unfold=unfold, layers=layers,
                                      quiz=quiz, limits=limits))


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

