"""Parser → graph: the nodes and wires of a program, before any value flows.

A graph is a handful of parallel lists indexed by node id, in topological
order (every argument before the node that uses it, the output last). Lists
rather than one object per node keep a 100,000-node graph cheap to build
and to walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Iterable, Mapping

import numpy as np

from ..words.messages import NOTHING, Text, listing, say
from .errors import ProgramError
from .limits import Limits, env_var
from .ops import CONSTANTS, FUNCTIONS, OPS_BY_NAME, Op
from .parser import Source, Tokens, parse, tokenize

INPUT = "input"
CONST = "const"


@dataclass
class Graph:
    source: Source  # the program's text, which knows where each token is
    kind: list[str]  # 'input', 'const', or an operation's name
    table: list[Op | None]  # the operation's row, None for inputs and constants
    args: list[tuple[int, ...]]  # the nodes each node takes as arguments, in order
    name: list[str | None]  # the variable assigned to the node, if any
    label: list[str]  # what the picture shows: a symbol, a name or a number
    token: list[int]  # the token the node comes from (source.position gives its line and column)
    fixed: list[Any]  # the value of each input and constant; None for computed nodes
    needs_grad: list[bool]  # depends on some input; literal constants need no gradient
    inputs: dict[str, int]  # input name → node id, in order of first appearance
    output: int
    has_array_leaf: bool  # some input or constant is an array (if not, and no gate makes one, all are numbers)
    _edge_starts: list[int] | None = field(default=None, init=False, repr=False, compare=False)
    # The leaf shapes (and max_elements) of a forward pass that ran to the end: a pass with the same ones makes
    # results of the same sizes, so it need not check them again (see forward_values).
    sizes_checked: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _forward_plan: list | None = field(default=None, init=False, repr=False, compare=False)
    _backward_plan: list | None = field(default=None, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.kind)

    def position(self, node: int) -> tuple[int, int]:
        return self.source.position(self.token[node])

    def error(self, kind: str, message: Text, node: int) -> ProgramError:
        return ProgramError(kind, message, *self.position(node))

    def edge_starts(self) -> list[int]:
        """The id of each node's first incoming wire; wires are numbered node by node, argument by argument.

        One more entry at the end: the number of wires. Worked out once and kept: the graph does not change."""
        if self._edge_starts is None:
            self._edge_starts = list(accumulate(map(len, self.args), initial=0))
        return self._edge_starts

    # The passes' plans: each node as its step needs it, in the order of the pass. Made on the fly from the
    # graph's lists, or kept (keep_plans), the gates alone, for a graph that is run again and again.

    def forward_plan(self) -> Iterable[tuple]:
        """(node, op, arguments) of each node in order; the op is None for an input or a constant."""
        if self._forward_plan is not None:
            return self._forward_plan
        return zip(range(len(self.table)), self.table, self.args)

    def backward_plan(self) -> Iterable[tuple]:
        """(node, op, arguments, first wire) of each node from the output back; the op is None for a leaf."""
        if self._backward_plan is not None:
            return self._backward_plan
        output = self.output
        return zip(range(output, -1, -1), self.table[output::-1], self.args[output::-1],
                   self.edge_starts()[output::-1])

    def keep_plans(self) -> None:
        if self._backward_plan is None:
            self._forward_plan = [step for step in self.forward_plan() if step[1] is not None]
            self._backward_plan = [step for step in self.backward_plan() if step[1] is not None]


def as_value(name: str, raw: Any, limits: Limits) -> np.ndarray:
    """A value from the request, as a float64 array (0-d for a number)."""
    if raw.__class__ is float:  # the common case, and np.asarray's result for it, ten times faster
        return np.float64(raw)
    try:
        value = np.asarray(raw)
        if value.dtype.kind == "O" and all(type(item) is int for item in value.flat):
            value = value.astype(np.float64)  # integers too big for int64, as a number parsed from JSON may be
        if value.dtype.kind not in "fiub":
            raise TypeError(f"{value.dtype} is not a number type")
        value = value.astype(np.float64, copy=False)
    except (ValueError, TypeError, OverflowError):
        raise ProgramError("value", say("bad_value", name=name))
    if value.size > limits.max_elements:
        raise ProgramError("limit", say("value_too_big", name=name, size=value.size, limit=limits.max_elements,
                                        variable=env_var("max_elements")))
    return value[()] if value.ndim == 0 else value


def build_graph(program: str, values: Mapping[str, Any] | None = None, limits: Limits | None = None,
                default_value: float | None = None, strict: bool = True) -> Graph:
    """Parse a program and build its graph; ``values`` gives inputs their values by name.

    ``default_value`` is the value of an input the program names without one; with ``strict`` off, a
    value given for a name the program computes is ignored instead of an error (a page that keeps
    the values of earlier versions of the program sends such values)."""
    limits = limits or Limits()
    if len(program) > limits.max_chars:
        raise ProgramError("limit", say("program_too_long", length=len(program), limit=limits.max_chars,
                                        variable=env_var("max_chars")))
    given = {name: as_value(name, raw, limits) for name, raw in (values or {}).items()}
    tokens = tokenize(program)
    builder = GraphBuilder(tokens, given, limits, default_value, strict)
    parse(tokens, builder, limits.max_depth)
    return builder.finish()


class Literal:
    """A number or an array of numbers as typed, not yet a node.

    It becomes a constant node when an operation uses it, or an input when
    assigned to a new name (``a = 5``). Waiting lets ``-5`` stay one number and
    ``[1, 2]`` one array instead of a node per element.
    """

    __slots__ = ("value", "label", "token")

    def __init__(self, value, label: str, token: int):
        self.value = value
        self.label = label
        self.token = token


MAX_LITERAL_LABEL = 24  # characters; 0.1234567890123456789 still shows as typed


def _array_label(value: np.ndarray) -> str:
    if value.size <= 6:
        return np.array2string(value, separator=", ", floatmode="unique").replace("\n", "")
    return "×".join(map(str, value.shape)) + " array"


class GraphBuilder:
    """Makes nodes as the parser completes constructs, and keeps track of names."""

    def __init__(self, tokens: Tokens, values: dict[str, Any], limits: Limits, default_value: float | None = None,
                 strict: bool = True):
        self.tokens = tokens
        self.values = values
        self.limits = limits
        self.max_nodes = limits.max_nodes
        self.default_value = None if default_value is None else np.float64(default_value)
        self.strict = strict
        self.scope: dict[str, int] = {}
        self.inputs: dict[str, int] = {}
        self.output = -1
        self.kind: list[str] = []
        self.table: list[Op | None] = []
        self.args: list[tuple[int, ...]] = []
        self.name: list[str | None] = []
        self.label: list[str] = []
        self.token: list[int] = []
        self.fixed: list[Any] = []
        self.needs_grad: list[bool] = []
        self.has_array_leaf = False

    def error(self, kind: str, message: Text, token: int) -> ProgramError:
        return self.tokens.error(kind, message, token)

    # -- making nodes ----------------------------------------------------------

    def leaf(self, kind: str, label: str, token: int, value, name: str | None = None) -> int:
        """An input or a constant node."""
        node = len(self.kind)
        if node >= self.max_nodes:
            raise self.too_many_nodes(token)
        self.kind.append(kind)
        self.table.append(None)
        self.args.append(())
        self.name.append(name)
        self.label.append(label)
        self.token.append(token)
        self.fixed.append(value)
        self.needs_grad.append(kind == INPUT)
        if value.ndim:
            self.has_array_leaf = True
        return node

    def gate(self, op: Op, args: tuple[int, ...], token: int) -> int:
        """A node that applies ``op`` to the nodes ``args``."""
        node = len(self.kind)
        if node >= self.max_nodes:
            raise self.too_many_nodes(token)
        self.kind.append(op.name)
        self.table.append(op)
        self.args.append(args)
        self.name.append(None)
        self.label.append(op.symbol)
        self.token.append(token)
        self.fixed.append(None)
        needs_grad = self.needs_grad
        # It depends on an input if an argument does (written out for two arguments: most gates have two).
        needs_grad.append(needs_grad[args[0]] or needs_grad[args[1]] if len(args) == 2
                          else any(map(needs_grad.__getitem__, args)))
        return node

    def too_many_nodes(self, token: int) -> ProgramError:
        return self.error("limit", say("too_many_nodes", limit=self.max_nodes, variable=env_var("max_nodes")), token)

    def materialize(self, handle) -> int:
        if handle.__class__ is Literal:
            return self.leaf(CONST, handle.label, handle.token, handle.value)
        return handle

    def declare_input(self, name: str, value, token: int) -> int:
        node = self.leaf(INPUT, name, token, value, name)
        self.inputs[name] = node
        self.scope[name] = node
        return node

    # -- what the parser calls -------------------------------------------------

    def number(self, text: str, token: int) -> Literal:
        value = np.float64(float(text))  # the same float64 as np.float64(text), in half the time
        # A very long literal is labelled by the float64 it stands for, not copied whole into the picture.
        return Literal(value, text if len(text) <= MAX_LITERAL_LABEL else repr(float(value)), token)

    def variable(self, text: str, token: int) -> int:
        node = self.scope.get(text)
        if node is not None:
            return node
        if text in self.values:
            return self.declare_input(text, self.values[text], token)
        if text in self.tokens.assigned_names():
            raise self.error("name", say("used_before_assigned", name=text), token)
        if text in CONSTANTS:
            return self.leaf(CONST, text, token, np.float64(CONSTANTS[text]))
        if text in FUNCTIONS:
            raise self.error("name", say("name_is_a_function", name=text), token)
        if self.default_value is not None:
            return self.declare_input(text, self.default_value, token)
        raise self.error("name", self.no_value_message(text), token)

    def no_value_message(self, text: str) -> Text:
        several_letters = len(text) > 1 and text.isalpha()
        return say("no_value", name=text,
                   hint=say("several_letters", product="*".join(text)) if several_letters else NOTHING)

    def unary(self, op: Op, operand, token: int):
        if operand.__class__ is Literal:  # a signed number is a plain number: -5 is one constant, not a gate
            return Literal(op.forward(operand.value), op.prefix + operand.label, token)
        return self.gate(op, (operand,), token)

    def binary(self, op: Op, left, right, token: int) -> int:
        if left.__class__ is Literal:
            left = self.materialize(left)
        if right.__class__ is Literal:
            right = self.materialize(right)
        return self.gate(op, (left, right), token)

    def call(self, function: str, args: list, keywords: list, token: int) -> int:
        op = FUNCTIONS.get(function)
        if op is None:
            raise self.error("function", self.unknown_function_message(function), token)
        args = self.bind_arguments(op, args, keywords, token)
        return self.gate(op, tuple([self.materialize(arg) for arg in args]), token)

    def unknown_function_message(self, function: str) -> Text:
        if function in self.scope or function in self.values:
            return say("variable_called", name=function)
        return say("no_such_function", name=function, functions=listing(sorted(FUNCTIONS)))

    def bind_arguments(self, op: Op, args: list, keywords: list, token: int) -> list:
        params = op.params
        if len(args) == len(params) and not any(keywords):
            return args  # the usual call, every argument by position: nothing to check or fill in
        signature = f"{op.name}({', '.join(params)})"
        slots: list = [None] * len(params)
        positional = True
        for position, (arg, keyword) in enumerate(zip(args, keywords)):
            if keyword is None:
                if not positional:
                    raise self.error("arity", say("positional_after_keyword", signature=signature), token)
                if position >= len(params):
                    raise self.wrong_count(op, signature, len(args), token)
                slots[position] = arg
            else:
                positional = False
                if keyword not in params:
                    raise self.error("arity", say("no_such_argument", function=op.name, keyword=keyword,
                                                  signature=signature), token)
                index = params.index(keyword)
                if slots[index] is not None:
                    raise self.error("arity", say("argument_twice", keyword=keyword, signature=signature), token)
                slots[index] = arg
        for index, param in enumerate(params):
            if slots[index] is None:
                if param not in op.defaults:
                    raise self.wrong_count(op, signature, len(args), token)
                default = op.defaults[param]
                slots[index] = Literal(np.float64(default), repr(default), token)
        return slots

    def wrong_count(self, op: Op, signature: str, given: int, token: int) -> ProgramError:
        most = len(op.params)
        least = most - len(op.defaults)
        if least < most:
            arguments = say("arguments_between", low=least, high=most)
        else:
            arguments = say("one_argument") if most == 1 else say("arguments", count=most)
        return self.error("arity", say("argument_count", signature=signature, arguments=arguments, given=given),
                          token)

    def array(self, items: list, token: int):
        if all(item.__class__ is Literal for item in items):
            try:
                value = np.array([item.value for item in items], dtype=np.float64)
            except ValueError:
                raise self.error("shape", say("ragged_array"), token)
            if value.size > self.limits.max_elements:
                raise self.error("limit", say("array_too_big", size=value.size, limit=self.limits.max_elements,
                                              variable=env_var("max_elements")), token)
            return Literal(value, _array_label(value), token)
        return self.gate(OPS_BY_NAME["stack"], tuple([self.materialize(item) for item in items]), token)

    def statement(self, target: str | None, augmented: Op | None, value, token: int) -> None:
        if target is None:
            node = self.materialize(value)
        elif augmented is not None:
            node = self.binary(augmented, self.variable(target, token), value, token)
            self.bind(target, node)
        elif value.__class__ is Literal and target not in self.scope:
            # An assignment of a plain number declares an input; a value in the request wins.
            node = self.declare_input(target, self.values.get(target, value.value), token)
        else:
            node = self.materialize(value)
            if self.strict and target in self.values and target not in self.inputs:
                raise self.error("value", say("value_for_computed", name=target), token)
            self.bind(target, node)
        self.output = node

    def bind(self, target: str, node: int) -> None:
        if self.name[node] is None:
            self.name[node] = target
        self.scope[target] = node

    # -- the finished graph ----------------------------------------------------

    def finish(self) -> Graph:
        if self.output != len(self.kind) - 1:
            self.move_output_last()
        return Graph(self.tokens.source, self.kind, self.table, self.args, self.name, self.label, self.token,
                     self.fixed, self.needs_grad, self.inputs, self.output, self.has_array_leaf)

    def move_output_last(self) -> None:
        """When the last statement names an earlier node, drop the later nodes (nothing the output
        depends on can come after it), keeping the inputs they introduced, first."""
        output = self.output
        late_inputs = [i for i in range(output + 1, len(self.kind)) if self.kind[i] == INPUT]
        order = late_inputs + list(range(output + 1))
        new_id = {old: new for new, old in enumerate(order)}
        for column in ("kind", "table", "name", "label", "token", "fixed", "needs_grad"):
            old = getattr(self, column)
            setattr(self, column, [old[i] for i in order])
        self.args = [tuple([new_id[a] for a in self.args[i]]) for i in order]
        self.inputs = {name: new_id[node] for name, node in self.inputs.items()}
        self.output = len(order) - 1
