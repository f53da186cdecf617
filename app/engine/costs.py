"""What a request's stages will cost, counted before they start: a stage over its limit is refused with a
sentence (a 413) instead of running until the time budget stops it or the worker runs out of memory.

Work is counted in *element operations*: a gate costs as many as its result has elements (a matrix product
m·k·n, its multiply-adds), and at least ``GATE_CALL`` (calling a gate from Python costs about as much as that
many elements). One element operation is a few nanoseconds on this project's machines.
"""

from __future__ import annotations

import math
from itertools import chain

import numpy as np

from ..words.messages import say
from .errors import ProgramError
from .graph import Graph
from .limits import Limits, env_var

GATE_CALL = 500
# The answer's size, counted low (the encoded answer is measured exactly too, see workers.serve): so that a
# request is refused before its answer is built only when that answer is sure to be over the limit.
BYTES_PER_NUMBER = 8  # "1.0," is 4 bytes; "-0.12345678901234567," 21
BYTES_PER_NODE = 70  # {"id": …, "op": …, "label": …, "name": …, "inputs": […], "shape": […]}
BYTES_PER_WIRE = 50  # {"source": …, "target": …, "index": …}
BYTES_PER_NARRATION = 400  # four sentences
BYTES_PER_DOT_ITEM = 150  # a node or a wire label in the DOT text


def forward_work(graph: Graph, values: list) -> int:
    """The element operations of one forward pass, given the values of a pass already made."""
    work = 0
    for node, op in enumerate(graph.table):
        if op is None:
            continue
        if op.name == "matmul":
            a, b = (np.shape(values[arg]) for arg in graph.args[node])
            elements = math.prod(np.shape(values[node])) * (a[-1] if a else 1)
        else:
            elements = np.size(values[node])
        work += max(GATE_CALL, elements)
    return work


def check_work(graph: Graph, values: list, limits: Limits) -> None:
    """The central-difference check runs two forward passes per input element: refuse it when that is over
    ``max_check_work`` (it grows with the square of an array's size: each element's nudge reruns the graph)."""
    elements = sum(np.size(values[node]) for node in graph.inputs.values())
    per_pass = forward_work(graph, values)
    work = 2 * elements * per_pass
    if work > limits.max_check_work:
        raise ProgramError("limit", say("check_too_costly", elements=elements, per_pass=per_pass, work=work,
                                        limit=limits.max_check_work, variable=env_var("max_check_work")))


def narration_size(graph: Graph, limits: Limits) -> None:
    if len(graph) > limits.max_narrate_nodes:
        raise ProgramError("limit", say("narration_too_big", nodes=len(graph), limit=limits.max_narrate_nodes,
                                        variable=env_var("max_narrate_nodes")))


def answer_size(graph: Graph, values: list, limits: Limits, per_node: int = 0, per_wire: int = 0) -> None:
    """Refuse an answer that would be over ``max_answer_bytes`` before writing it. Each node carries its value
    and gradient; each wire its source's value and its share of the gradient, except for an array over
    ``max_wire_elements``, which is written on its node only. ``per_node`` and ``per_wire``: the bytes the options
    asked for add (each option declares its own, in app/compute.py's OPTIONS)."""
    wires = graph.edge_starts()[-1]
    max_wire_elements = limits.max_wire_elements
    if not any([value.ndim for value in values]):  # every value a number: one element each, on every wire
        numbers = 2 * len(values) + (2 * wires if max_wire_elements >= 1 else 0)
    else:
        sizes = [value.size for value in values]  # the attribute, not np.size(): this runs once per node and wire
        numbers = 2 * sum(sizes)
        numbers += 2 * sum([size for size in map(sizes.__getitem__, chain.from_iterable(graph.args))
                            if size <= max_wire_elements])
    estimate = (numbers * BYTES_PER_NUMBER + len(graph) * (BYTES_PER_NODE + per_node)
                + wires * (BYTES_PER_WIRE + per_wire))
    if estimate > limits.max_answer_bytes:
        raise ProgramError("limit", say("answer_too_big", size=estimate, numbers=numbers, limit=limits.max_answer_bytes,
                                        variable=env_var("max_answer_bytes")))
