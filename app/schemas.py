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
    narrate: bool = Field(False, description="Give every node `narration`: a sentence on its forward and on its "
                                             "backward step, with the numbers in, in English and Chinese.")
    unfold: bool = Field(False, description="Replace each compound gate (sigmoid, tanh, softplus, dot) by the "
                                            "primitives it is made of (the op's `unfolds_to`); the nodes that "
                                            "come from one carry `unfolded_from` and `group`. Works with every "
                                            "other option.")

    model_config = {"json_schema_extra": {"examples": [NG_EXAMPLE]}}


class Text(BaseModel):
    en: str
    zh: str


class Narration(BaseModel):
    forward: Text = Field(description='The forward step, e.g. "mul: x × y = 3.00 × −4.00 = −12.00".')
    backward: Text = Field(description='The backward step, e.g. "add distributed 2.00 to both inputs", or at an '
                                       'input "∂e/∂b = 2.00 via c + 3.00 via d = 5.00".')
    name: str = Field(description='What the sentences call the node: its name, its label, or a short expression '
                                  '("b × c"; a long one as "… + …").')
    expression: str = Field(description='The node as its gate applied to its arguments\' names ("b × c"); an input\'s '
                                        'or a constant\'s label.')
    rules: list[str] = Field(description='Per argument, its local gradient in the program\'s names: for `b*c`, '
                                         '["c", "b"]; for `W @ x`, ["g @ xᵀ", "Wᵀ @ g"] (g: the upstream gradient).')


class Node(BaseModel):
    id: int
    op: str = Field(description="'input', 'const', or an operation's name from /api/ops ('add', 'mul', …)")
    label: str = Field(description="What the picture shows: a symbol (+, *, σ), a name or a number.")
    name: Optional[str] = Field(description="The variable the node was assigned to, or null.")
    inputs: list[int] = Field(description="Argument node ids, in argument order.")
    value: JsonValue
    grad: JsonValue = Field(description="d output / d this node; null for literal constants.")
    shape: list[int] = Field(description="[] for a number.")
    narration: Optional[Narration] = Field(None, description="With `narrate`.")
    unfolded_from: Optional[str] = Field(
        None, description="With `unfold`, on the nodes that replace a compound gate: that gate's op name.")
    group: Optional[int] = Field(
        None, description="With `unfold`: the id, in the folded graph, of the compound node this node replaces "
                          "part of. The last node of a group keeps the compound node's name.")


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


class Nudge(BaseModel):
    step: float = Field(description="0.001")
    before: Optional[float] = Field(description="f(x): the output (the sum of its elements).")
    after: Optional[float] = Field(description="f(x + step).")
    change: Optional[float] = Field(description="after − before.")
    predicted: Optional[float] = Field(description="gradient × step, what the derivative predicts.")


class Kink(BaseModel):
    node: int
    op: str
    message: Text


class InputCheck(BaseModel):
    numerical: JsonValue = Field(description="Central-difference gradient, shaped like the input.")
    relative_error: JsonValue = Field(description="|a - n| / max(|a|, |n|) per element (0 when both are 0).")
    max_relative_error: Optional[float]
    verdict: str = Field(description="The CS231n reading of max_relative_error: excellent (< 1e-7), good "
                                     "(< 1e-4), suspect (< 1e-2) or wrong (≥ 1e-2, or not finite).")
    kink: bool = Field(description="Some node this input feeds is evaluated at a kink (see check_kinks).")
    nudge: Optional[Nudge] = Field(None, description="For a number input: move it by 0.001 and see the output move.")


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
    check_kinks: Optional[list[Kink]] = Field(
        None, description="With `check`: the nodes evaluated at a kink or within the check's step of one (relu or "
                          "abs at 0, a max or min tie), where a numerical gradient cannot be trusted.")
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
    sentence_zh: str = Field(description="The same sentence in Chinese.")
    unfolds_to: Optional[str] = Field(description="For a compound gate: the expression of primitives it unfolds "
                                                  "to, in its params (sigmoid: 1 / (1 + exp(-x))).")


class TrainSettings(BaseModel):
    params: list[str]
    learning_rate: float
    steps: int


class Example(BaseModel):
    name: str
    title: str
    title_zh: str
    sentence: str
    sentence_zh: str
    train: Optional[TrainSettings] = Field(None, description="Settings for /api/train that visibly lower the loss.")
    deltas: Optional[dict[str, str]] = Field(
        None, description="Names whose gradient ∂C/∂z is a layer's error δ in Nielsen's notation, and its symbol.")
    source: str
    program: str
    values: dict[str, Value]
    expected: dict[str, Any]


class TrainRequest(BaseModel):
    expression: str = Field(examples=["-log(sigmoid(w*x + b))"])
    values: dict[str, Value] = Field(default_factory=dict, description="As for /api/graph: the starting values.")
    params: list[str] = Field(description="The inputs to train; the others stay fixed.", examples=[["w", "b"]])
    learning_rate: float = Field(description="η in w ← w − η·∂L/∂w.", examples=[0.5])
    steps: int = Field(description="Gradient-descent steps, from 1 to the max_train_steps limit.", examples=[20])
    default_value: Optional[float] = Field(None, description="As for /api/graph.")

    # Strict: true is not a number and "5" not a count here, as the schema says.
    model_config = {"strict": True, "json_schema_extra": {"examples": [
        {"expression": "-log(sigmoid(w*x + b))", "values": {"w": 0.5, "x": 2, "b": -1.5}, "params": ["w", "b"],
         "learning_rate": 0.5, "steps": 20}]}}


class TrainResponse(BaseModel):
    losses: list[float] = Field(description="L (the sum of the output's elements) before step 1 and after each "
                                            "step: steps + 1 numbers.")
    values: dict[str, JsonValue] = Field(description="Each trained parameter's new value (null where not finite).")
    gradients: dict[str, JsonValue] = Field(description="∂L/∂param at the new values.")


class ErrorDetail(BaseModel):
    kind: str = Field(description="syntax, name, function, arity, shape, value or limit")
    message: str = Field(description="A sentence a student understands.")
    line: Optional[int] = Field(description="1-based line of the culprit, when there is one.")
    column: Optional[int] = Field(description="1-based column of the culprit, when there is one.")


class ErrorResponse(BaseModel):
    detail: ErrorDetail
