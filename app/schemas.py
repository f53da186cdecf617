"""The REST contract as typed models, so that /docs shows it whole, with examples."""

from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, Field

# A number, or nested lists of numbers. Elements are checked by the engine, which can say where a row is short.
Value = Union[float, list[Any]]
# What the answer holds for a value: a number, nested lists, or null where it is not finite.
JsonValue = Union[float, list[Any], None]

NG_EXAMPLE = {"expression": "u = b*c\nv = a + u\nJ = 3*v", "values": {"a": 5, "b": 3, "c": 2}}


class GraphRequest(BaseModel):
    expression: str = Field(
        description="A program: statements separated by newlines or ';'. A statement is an expression, "
                    "`name = expr` or `name += expr` (also -=, *=, /=). The output is the last statement's value.",
        examples=["3*(a + b*c)"])
    values: dict[str, Value] = Field(
        default_factory=dict,
        description="Input values by name: a number, or nested lists of numbers for a vector or matrix.",
        examples=[{"a": 5, "b": 3, "c": 2}])
    check: bool = Field(False, description="Also answer `check`: a central-difference gradient check per input.")
    default_value: Optional[float] = Field(
        None, description="If given, the value of every input the program names without giving it a value.")
    strict: bool = Field(True, description="false: a value given for a name the program computes is ignored "
                                           "instead of an error.")
    local: bool = Field(False, description="Also give each edge between numbers its local gradient `local`, "
                                           "d target / d source: the edge's grad is the target's grad times it.")
    dot: bool = Field(False, description="Also answer `dot`: the drawing as Graphviz DOT text.")

    model_config = {"json_schema_extra": {"examples": [NG_EXAMPLE]}}


class Node(BaseModel):
    id: int
    op: str = Field(description="'input', 'const', or an operation's name from /api/ops ('add', 'mul', …)")
    label: str = Field(description="What the picture shows: a symbol (+, *, σ), a name or a number.")
    name: Optional[str] = Field(description="The variable the node was assigned to, or null.")
    inputs: list[int] = Field(description="Argument node ids, in argument order.")
    value: JsonValue
    grad: JsonValue = Field(description="d output / d this node; null for literal constants.")
    shape: list[int] = Field(description="[] for a number.")


class Edge(BaseModel):
    source: int
    target: int
    index: int = Field(description="The argument position at the target.")
    value: JsonValue = Field(description="The source's value.")
    grad: JsonValue = Field(description="The part of the source's gradient that flows back along this wire.")
    local: JsonValue = Field(None, description="With `local`: d target / d source, where both are numbers.")


class Warning(BaseModel):
    node: int
    message: str


class InputCheck(BaseModel):
    numerical: JsonValue = Field(description="Central-difference gradient, shaped like the input.")
    relative_error: JsonValue = Field(description="|a - n| / max(|a|, |n|) per element (0 when both are 0).")
    max_relative_error: Optional[float]


class GraphResponse(BaseModel):
    value: JsonValue = Field(description="The output's value.")
    output: int = Field(description="The id of the output node.")
    gradients: dict[str, JsonValue] = Field(
        description="d output / d input for every input, shaped like the input. For an array output, "
                    "the gradient of the sum of its elements.")
    nodes: list[Node] = Field(description="Every node, in topological order, the output last.")
    edges: list[Edge]
    warnings: list[Warning] = Field(description="Values or gradients that are not finite (written as null).")
    check: Optional[dict[str, InputCheck]] = Field(None, description="Present when the request asked for it.")
    dot: Optional[str] = Field(None, description="Present when the request asked for it.")


class SweepRequest(BaseModel):
    expression: str = Field(examples=["sigmoid(x)"])
    values: dict[str, Value] = Field(default_factory=dict)
    variable: str = Field(description="The scalar input to vary.", examples=["x"])
    start: float = Field(examples=[-6])
    stop: float = Field(examples=[6])
    num: int = Field(101, description="Number of points, from 2 to the max_sweep_points limit.", examples=[121])
    default_value: Optional[float] = Field(None, description="As for /api/graph.")
    strict: bool = Field(True, description="As for /api/graph.")

    model_config = {"json_schema_extra": {"examples": [
        {"expression": "sigmoid(x)", "variable": "x", "start": -6, "stop": 6, "num": 121}]}}


class SweepResponse(BaseModel):
    variable: str
    x: list[Optional[float]]
    value: list[Optional[float]] = Field(description="The output (the sum of its elements for an array) at each x.")
    grad: list[Optional[float]] = Field(description="d output / d variable at each x.")


class Op(BaseModel):
    name: str
    symbol: str
    arity: str
    params: list[str]
    defaults: dict[str, float]
    infix: list[str] = Field(description="Binary operator tokens that make this gate, as + in a + b.")
    prefix: Optional[str] = Field(description="The unary operator token that makes this gate, as - in -x.")
    function: bool = Field(description="Callable by name, as exp(x).")
    elementwise: bool
    variadic: bool = Field(description="Takes any number of arguments, all for its one parameter.")
    formula: str
    local_gradients: dict[str, str] = Field(description="The local gradient with respect to each parameter.")
    sentence: str = Field(description="How the gate passes gradient back.")


class Example(BaseModel):
    name: str
    title: str
    sentence: str
    source: str
    program: str
    values: dict[str, Value]
    expected: dict[str, Any]


class ErrorDetail(BaseModel):
    kind: str = Field(description="syntax, name, function, arity, shape, value or limit")
    message: str = Field(description="A sentence a student understands.")
    line: Optional[int] = Field(description="1-based line of the culprit, when there is one.")
    column: Optional[int] = Field(description="1-based column of the culprit, when there is one.")


class ErrorResponse(BaseModel):
    detail: ErrorDetail
