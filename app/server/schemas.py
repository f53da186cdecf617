"""The REST contract as typed models, so that /docs shows it whole, with examples."""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, create_model
from typing_extensions import TypeAliasType

from ..compute import OPTIONS
from ..words.catalogs import LANGUAGES

# A number, or nested lists of numbers: strict at every depth, so that neither "5" nor true is read as a number
# inside an array either. The engine checks the shape, and can say where a row is short.
Value = TypeAliasType("Value", Union[float, list["Value"]])
# What the answer holds for a value: a number, nested lists, or null where it is not finite.
JsonValue = Union[float, list[Any], None]

NG_EXAMPLE = {"expression": "u = b*c\nv = a + u\nJ = 3*v", "values": {"a": 5, "b": 3, "c": 2}}


# The request: the program, its values, and the options as app/compute.py declares them (one field each).
GraphRequest = create_model(
    "GraphRequest",
    __config__=ConfigDict(strict=True, json_schema_extra={"examples": [NG_EXAMPLE]}),  # "5" is no number, nor true a 1
    expression=(str, Field(
        description="A program: statements separated by newlines or ';'. A statement is an expression, "
                    "`name = expr` or `name += expr` (also -=, *=, /=). The output is the last statement's value.",
        examples=["3*(a + b*c)"])),
    values=(dict[str, Value], Field(
        default_factory=dict,
        description="Input values by name: a number, or nested lists of numbers for a vector or matrix.",
        examples=[{"a": 5, "b": 3, "c": 2}])),
    **{option.name: (option.type, Field(option.default, description=option.description)) for option in OPTIONS},
)


# Every sentence the API says, in one shape: an object keyed by language code, one key per catalog
# (app/words/catalogs/*.toml), so a language added there is added here.
Text = create_model("Text", __doc__="A sentence in every language of the catalogs, by language code.",
                    **{language: (str, ...) for language in LANGUAGES})


class Narration(BaseModel):
    forward: Text = Field(description='The forward step, e.g. "mul: x × y = 3.00 × −4.00 = −12.00".')
    backward: Text = Field(description='The backward step, e.g. "add distributed 2.00 to both inputs", or at an '
                                       'input "∂e/∂b = 2.00 via c + 3.00 via d = 5.00".')
    name: str = Field(description='What the sentences call the node: its name, its label, or a short expression '
                                  '("b × c"; a long one as "… + …").')
    expression: str = Field(description='The node as its gate applied to its arguments\' names ("b × c"); an input\'s '
                                        'or a constant\'s label.')


class Node(BaseModel):
    id: int
    op: str = Field(description="'input', 'const', or an operation's name from /api/ops ('add', 'mul', …)")
    label: str = Field(description="What the picture shows: a symbol (+, *, σ), a name or a number.")
    name: Optional[str] = Field(description="The variable the node was assigned to, or null.")
    inputs: list[int] = Field(description="Argument node ids, in argument order.")
    value: JsonValue
    grad: JsonValue = Field(description="d output / d this node; null for literal constants.")
    shape: list[int] = Field(description="[] for a number.")
    nonfinite: Optional["NonFinite"] = Field(
        None, description="Only where value or grad is not finite (JSON writes it as null): which it is.")
    narration: Optional[Narration] = Field(None, description="With `narrate`.")
    unfolded_from: Optional[str] = Field(
        None, description="With `unfold`, on the nodes that replace a compound gate: that gate's op name.")
    group: Optional[int] = Field(
        None, description="With `unfold`: the id, in the folded graph, of the compound node this node replaces "
                          "part of. The last node of a group keeps the compound node's name.")
    delta: Optional[str] = Field(None, description="With `layers`, on each layer's z: its error's symbol (δ¹, δ², …); "
                                                   "the node's grad is that δ = ∂C/∂z.")
    quiz: Optional["NodeQuiz"] = Field(None, description="With `quiz`: the questions quiz mode asks about this node.")


class Edge(BaseModel):
    source: int
    target: int
    index: int = Field(description="The argument position at the target.")
    value: JsonValue = Field(description="The source's value.")
    grad: JsonValue = Field(description="The part of the source's gradient that flows back along this wire.")
    local: JsonValue = Field(None, description="With `local`: d target / d source, where both are numbers.")
    rule: Optional[Text] = Field(None, description="With `local`, on a wire that carries a gradient: the op table's "
                                                   "local-gradient rule in the program's own names (`∂f/∂q @ xᵀ`), "
                                                   "in every language.")
    local_worked: Optional[str] = Field(None, description="With `local`, on a wire between numbers: its local gradient "
                                                          "worked out with the gate's numbers (`σ(1−σ) = 0.73 × 0.27 = 0.20`).")
    jacobian: Optional["Jacobian"] = Field(None, description="With `local`, on a wire to or from an array: the local "
                                                             "Jacobian and the vector-Jacobian product.")
    nonfinite: Optional["NonFinite"] = Field(
        None, description="Only where value or grad is not finite (JSON writes it as null): which it is.")
    elided: Optional[bool] = Field(
        None, description="true when the source is an array of more than max_wire_elements elements (/api/limits): "
                          "then value and grad are null here, and the array is written on its node only.")


class NonFinite(BaseModel):
    """What a null stands for: "+inf", "-inf" or "nan" for a number; for an array, nested lists of those with null
    where the element is finite (log([1, 0, -1]): [null, "-inf", "nan"])."""
    value: JsonValue = Field(None, description='"+inf", "-inf", "nan", or nested lists of them; absent when finite.')
    grad: JsonValue = Field(None, description="The same for the gradient.")


class Warning(BaseModel):
    node: int
    message: Text


class Nudge(BaseModel):
    step: float = Field(description="0.001")
    before: Optional[float] = Field(description="f(x): the output (the sum of its elements).")
    after: Optional[float] = Field(description="f(x + step).")
    change: Optional[float] = Field(description="after − before.")
    predicted: Optional[float] = Field(description="gradient × step, what the derivative predicts.")


class NodeNudge(Nudge):
    node: int
    name: str = Field(description="What a sentence calls the node: its name, or its short expression (b × c).")
    element: Optional[list[int]] = Field(None, description="For an array, the element nudged: its first ([0, 0] "
                                                           "in a matrix); value and grad are that element's.")
    value: Optional[float] = Field(description="The node's value before the nudge.")
    grad: Optional[float] = Field(description="∂output/∂node.")


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
    check_nudges: Optional[list[NodeNudge]] = Field(
        None, description="With `check`: Andrew Ng's nudge of every number node with a gradient, intermediate ones "
                          "too, the output's nearest first: the node held at its value + step, the output's move.")
    dot: Optional[str] = Field(None, description="Present when the request asked for it.")
    layers: Optional[list["NetworkLayer"]] = Field(
        None, description="With `layers`: every layer found, network by network, from the first layer to the "
                          "output layer (empty when the program has none).")
    quiz: Optional["Quiz"] = Field(None, description="With `quiz`: how answers are checked.")


class GraphNumbers(BaseModel):
    """The answer to a request with `numbers_only`: the numbers of the whole answer, in node and edge order."""
    value: JsonValue = Field(description="The output's value.")
    values: list[JsonValue] = Field(description="Each node's value, by node id: nodes[i].value of the whole answer.")
    grads: list[JsonValue] = Field(description="Each node's gradient, by node id: nodes[i].grad.")
    wire_grads: list[JsonValue] = Field(description="Each edge's share of the gradient, in edge order: edges[k].grad "
                                                    "(an edge's value is its source's, values[edges[k].source]).")
    warnings: list[Warning] = Field(description="Values or gradients that are not finite (written as null).")


class SweepRequest(BaseModel):
    expression: str = Field(examples=["sigmoid(x)"])
    values: dict[str, Value] = Field(default_factory=dict)
    variable: str = Field(description="The scalar input to vary.", examples=["x"])
    start: float = Field(examples=[-6])
    stop: float = Field(examples=[6])
    num: int = Field(101, description="Number of points, from 2 to the max_sweep_points limit.", examples=[121])
    default_value: Optional[float] = Field(None, description="As for /api/graph.")
    strict: bool = Field(True, description="As for /api/graph.")

    model_config = {"strict": True, "json_schema_extra": {"examples": [
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
    formula: Text = Field(description="The forward formula, in every language (\"x if x > 0, else slope · x\").")
    local_gradients: dict[str, Text] = Field(description="The local gradient with respect to each parameter, in "
                                                         "every language (\"1 if a > b, 0 if a < b, ½ on a tie\").")
    sentence: Text = Field(description="How the gate passes gradient back.")
    called: Text = Field(description="The gate's name as the page and the narration say it (mul, 乘法门).")
    unfolds_to: Optional[str] = Field(description="For a compound gate: the expression of primitives it unfolds "
                                                  "to, in its params (sigmoid: 1 / (1 + exp(-x))).")


class TrainSettings(BaseModel):
    params: list[str]
    learning_rate: float
    steps: int
    data: Optional[list[str]] = Field(None, description="For stochastic gradient descent: the inputs that hold "
                                                        "the data set, as in TrainRequest.")
    batch_size: Optional[int] = Field(None, description="With data: the mini-batch size.")
    seed: Optional[int] = Field(None, description="With data: the seed of the shuffles.")


class Example(BaseModel):
    name: str
    title: Text
    sentence: Text
    train: Optional[TrainSettings] = Field(None, description="Settings for /api/train that visibly lower the loss.")
    source: str
    program: str
    values: dict[str, Value]
    expected: dict[str, Any]


class TrainRequest(BaseModel):
    expression: str = Field(examples=["-log(sigmoid(w*x + b))"])
    values: dict[str, Value] = Field(default_factory=dict, description="As for /api/graph: the starting values.")
    params: list[str] = Field(description="The inputs to train; the others stay fixed.", examples=[["w", "b"]])
    learning_rate: float = Field(description="η in w ← w − η·∂L/∂w.", examples=[0.5])
    steps: Optional[int] = Field(None, description="Gradient-descent steps, from 1 to the max_train_steps limit. "
                                                   "Give steps or epochs.", examples=[20])
    default_value: Optional[float] = Field(None, description="As for /api/graph.")
    epochs: Optional[int] = Field(None, description="Instead of steps: passes over the data set, each of "
                                                    "steps_per_epoch steps (without data, one step each).")
    data: Optional[list[str]] = Field(
        None, description="Stochastic gradient descent, as in Nielsen's notes: the inputs that hold a data set, "
                          "one sample per position of their last axis (a column of X). Each epoch shuffles the "
                          "samples and cuts them into mini-batches; each step runs the program on one mini-batch's "
                          "columns and moves the params against the gradient there. `losses` is then the cost on "
                          "the whole data set.", examples=[["X", "Y"]])
    batch_size: Optional[int] = Field(None, description="With data: samples per mini-batch (default: all of them).")
    seed: int = Field(0, description="With data: the shuffle of epoch e is drawn from (seed, e), so the same "
                                     "request always goes through the same mini-batches.")
    first_step: int = Field(0, description="Steps already taken, for a long run sent in chunks: with data, it "
                                           "says which epoch and mini-batch come next.")
    updates: Union[bool, Literal["last"]] = Field(
        False, description="Also answer `updates`: each step's w ← w − η·∂L/∂w with the numbers of each param (its "
                           "first elements, for an array), in English and Chinese; \"last\": the last step's only "
                           "(a long run sent in chunks shows one step per chunk).")

    # Strict: true is not a number and "5" not a count here, as the schema says.
    model_config = {"strict": True, "json_schema_extra": {"examples": [
        {"expression": "-log(sigmoid(w*x + b))", "values": {"w": 0.5, "x": 2, "b": -1.5}, "params": ["w", "b"],
         "learning_rate": 0.5, "steps": 20}]}}


class TrainResponse(BaseModel):
    losses: list[float] = Field(description="L (the sum of the output's elements) before step 1 and after each "
                                            "step: steps + 1 numbers.")
    values: dict[str, JsonValue] = Field(description="Each trained parameter's new value (null where not finite).")
    gradients: dict[str, JsonValue] = Field(description="∂L/∂param at the new values.")
    steps_per_epoch: Optional[int] = Field(None, description="With data: mini-batches per epoch.")
    batches: Optional[list["Batch"]] = Field(None, description="With data: each step's epoch, mini-batch and samples.")
    batch_losses: Optional[list[float]] = Field(None, description="With data: each step's cost on its mini-batch, "
                                                                  "the cost whose gradient the step follows.")
    updates: Optional[list["StepUpdate"]] = Field(None, description="With `updates`: each step, explained.")


class ErrorDetail(BaseModel):
    kind: str = Field(description="syntax, name, function, arity, shape, value or limit; busy (a 503: try again) "
                                  "or internal (a 500)")
    message: Text = Field(description="A sentence a student understands, in every language with the same facts "
                                      "(names, numbers, positions, hints): what went wrong, where, and how to put it "
                                      "right.")
    line: Optional[int] = Field(description="1-based line of the culprit, when there is one.")
    column: Optional[int] = Field(description="1-based column of the culprit, when there is one.")


class ErrorResponse(BaseModel):
    detail: ErrorDetail


# -- issue 14: the course's vectorised backprop (Jacobians), Nielsen's four equations, the update step ---------


class Jacobian(BaseModel):
    """The local Jacobian J of a wire's target with respect to its source, J[i, j] = ∂targetᵢ/∂sourceⱼ over
    both flattened in C order; every number from the op table's vector-Jacobian products."""
    rows: int = Field(description="Elements of the target.")
    columns: int = Field(description="Elements of the source.")
    structure: str = Field(description="`diagonal` (an elementwise gate), `blocks` (the left operand of a matrix "
                                       "product: identical blocks down the diagonal) or `dense`.")
    whole: Optional[list[list[Optional[float]]]] = Field(None, description="J entire, when it has at most 256 "
                                                                           "entries.")
    diagonal: Optional[list[Optional[float]]] = Field(None, description="For `diagonal`: J's diagonal (σ′(z) for "
                                                                        "sigmoid).")
    block: Optional[list[list[Optional[float]]]] = Field(None, description="For `blocks`: one block (Xᵀ for W @ X), "
                                                                           "when it has at most 256 entries.")
    blocks: Optional[int] = Field(None, description="For `blocks`: how many times the block repeats.")
    slice: Optional[list[list[Optional[float]]]] = Field(None, description="When J is large and neither diagonal "
                                                                           "nor of small blocks: its first 4 rows "
                                                                           "and 8 columns.")
    about: Text = Field(description="J's size and structure in a sentence.")
    vjp: Text = Field(description="The vector-Jacobian product with its numbers: the gradient that flows back, "
                                  "e.g. the outer product `∂f/∂W = ∂f/∂q @ xᵀ = [0.44, 0.52] ⊗ [0.20, 0.40] = …`.")


class Term(BaseModel):
    symbol: str = Field(description="How the equation writes it, in the program's names (`∂C/∂a2`, `σ′(z2)`, `W2`).")
    node: int = Field(description="The node it comes from.")
    of: str = Field(description="Which of the node's numbers: `value`, `grad`, or `local` (the activation's "
                                "derivative at z, σ′(z): its local Jacobian's diagonal).")
    value: JsonValue


class Equation(BaseModel):
    name: str = Field(description="BP1 (the output layer's error), BP2 (an earlier layer's error from the next "
                                  "one's), BP3 (the bias gradient) or BP4 (the weight gradient).")
    formula: str = Field(description="Nielsen's form with this layer's number: `δ² = ∇ₐC ⊙ σ′(z²)`.")
    named: str = Field(description="The same in the program's names: `δ² = ∂C/∂a2 ⊙ σ′(z2)`.")
    text: Text = Field(description="The equation with its numbers, in English and Chinese.")
    terms: list[Term] = Field(description="Each quantity on the right, with the node it comes from.")
    result: JsonValue = Field(description="The right-hand side, computed as Nielsen's backprop does (from ∇ₐC, "
                                          "the weights and σ′ alone, not from the engine's other gradients).")
    node: int = Field(description="The node whose gradient the equation gives: z for BP1 and BP2, b, W.")
    difference: Optional[float] = Field(description="The largest |result − the engine's gradient of node|: "
                                                    "rounding only (null where the numbers are not finite).")


class NetworkLayer(BaseModel):
    network: int = Field(description="Which chain of layers (0 for the first; most programs have one).")
    number: int = Field(description="The layer's number l, from 1 at the first matrix product (its input is a⁰).")
    layers: int = Field(description="L: how many layers the network has; layer L feeds the cost.")
    z: int = Field(description="The node z = W @ a + b (or W @ a, with no bias).")
    a: int = Field(description="The activation node a = σ(z), or z when there is none.")
    W: int
    b: Optional[int]
    input: int = Field(description="The layer's input, the previous layer's activation (or the network's input).")
    activation: Optional[str] = Field(description="The activation's op name (sigmoid, tanh, relu, …), or null.")
    samples: Literal["columns", "rows"] = Field(
        description='How the program lays out its samples: "columns" for z = W @ a + b (Nielsen), "rows" for '
                    "z = a @ W + b (the playground); the equations are written and computed that way round.")
    delta: str = Field(description="δ with the layer's number: δ¹, δ², …")
    z_name: str = Field(description="What the layer's heading calls z (δ¹ = ∂C/∂z): its name; unnamed, its "
                                    "expression where that is short ((x + y)), else Nielsen's zˡ (z¹).")
    equations: list[Equation] = Field(description="BP1 or BP2, then BP3 (when there is a bias) and BP4.")


class Batch(BaseModel):
    step: int = Field(description="The step's number, counting from first_step + 1.")
    epoch: int = Field(description="1 for the first pass over the data set.")
    batch: int = Field(description="The mini-batch's number within its epoch, from 1.")
    samples: list[int] = Field(description="The samples in it: positions along the data's last axis.")


class UpdatedElement(BaseModel):
    index: list[int] = Field(description="The element's index in the param ([] for a number).")
    before: Optional[float] = Field(description="The element before the step (null where not finite).")
    gradient: Optional[float] = Field(description="∂L/∂param there, on this step's mini-batch.")
    after: Optional[float] = Field(description="before − η · gradient.")


class ParamUpdate(BaseModel):
    name: str
    shape: list[int]
    elements: list[UpdatedElement] = Field(description="The number, or an array's first 4 elements.")
    text: Text = Field(description='"w ← w − η·∂L/∂w = 0.5 − 0.5 × (−1.24) = 1.12"')


class StepUpdate(BaseModel):
    step: int
    params: list[ParamUpdate]


# -- issue 16: quiz mode ------------------------------------------------------------------------------------------


class Accept(BaseModel):
    """The answers accepted: low ≤ answer ≤ high, element by element for an array (null where not finite)."""
    low: JsonValue
    high: JsonValue


class QuizUse(BaseModel):
    gate: int = Field(description="The gate this use feeds.")
    wire: int = Field(description="The edge, by its position in `edges`.")
    op: str = Field(description="The gate's op.")
    rule: Text = Field(description="The gate's local-gradient rule for this argument, in the program's names (`c` "
                                   "for b in u = b*c), in every language.")
    upstream: JsonValue = Field(description="The gate's own gradient, which the chain rule multiplies.")
    local: JsonValue = Field(description="d gate / d this node, where both are numbers (else null: see rule).")
    text: Text = Field(description='The step in words, e.g. "b feeds the mul gate u: take the upstream ∂J/∂u = 3.00 '
                                   'times the local gradient ∂u/∂b = c = 2.00".')


class GradientQuestion(BaseModel):
    asks: str = Field(description="What is asked, in the program's names: `∂J/∂b`, `∂f/∂(b × c)`.")
    accept: Accept = Field(description="The answers accepted for the node's gradient.")
    hint: Text = Field(description="For a wrong answer: the gate's rule in words with the upstream and local "
                                   "gradients to multiply, for each use (and that the uses add up); never the answer.")
    uses: list[QuizUse] = Field(description="The hint's parts, one per use of the node.")
    show: Text = Field(description='The worked answer, for a "show" button: "∂J/∂b = 3.00 × 2.00 = 6.00".')


class ValueQuestion(BaseModel):
    asks: str = Field(description="The gate whose value is asked, as the narration names it: `u`, or `b × c`.")
    accept: Accept = Field(description="The answers accepted for the gate's forward value.")
    hint: Text = Field(description='The forward step without its result: "mul: u = b × c = 3.00 × 2.00 = ?".')
    show: Text = Field(description="The forward step with its result.")


class NodeQuiz(BaseModel):
    grad: Optional[GradientQuestion] = Field(None, description="Every node that needs a gradient (a finite one).")
    value: Optional[ValueQuestion] = Field(None, description="Every gate (with a finite value), for an exercise that "
                                                             "hides the forward pass too.")


class QuizTolerance(BaseModel):
    relative: float = Field(description="The share of the number accepted beyond the error of reading rounded "
                                        "numbers (0.01).")
    about: Text = Field(description="The rule in a sentence.")


class Quiz(BaseModel):
    tolerance: QuizTolerance


# -- the neural-network playground (app/teaching/playground.py) ---------------------------------------------------

from ..teaching.playground import Settings as _PlaygroundDefaults  # noqa: E402 (the defaults live with the playground)

_PLAYGROUND = _PlaygroundDefaults()


class PlaygroundSettings(BaseModel):
    dataset: str = Field(_PLAYGROUND.dataset, description="circle, xor, gauss (two Gaussians) or spiral.")
    noise: float = Field(_PLAYGROUND.noise, description="Percent, 0 to 50: how far the labels stray from the "
                                                        "pattern.")
    points: int = Field(_PLAYGROUND.points, description="Points in the data set, 10 to 1,000.")
    train_percent: float = Field(_PLAYGROUND.train_percent, description="Percent of the points used for "
                                                                        "training, 10 to 90; the rest test.")
    seed: int = Field(_PLAYGROUND.seed, description="Draws the data, the starting weights and each epoch's "
                                                    "shuffle: the same seed, the same run.")
    layers: list[int] = Field(list(_PLAYGROUND.layers), description="Neurons in each hidden layer, 0 to 4 "
                                                                    "layers of 1 to 8: [6] or [4, 4].")
    activation: str = Field(_PLAYGROUND.activation, description="tanh, sigmoid or relu.")
    learning_rate: float = Field(_PLAYGROUND.learning_rate, description="η in w ← w − η·∂L/∂w, positive.")
    batch_size: int = Field(_PLAYGROUND.batch_size, description="Points per gradient-descent step, 1 to points.")
    l2: float = Field(_PLAYGROUND.l2, description="λ of the L2 term λ/2·Σw² added to the loss; 0 for none.")

    model_config = {"strict": True}


PlaygroundWeights = dict[str, Value]


class PlaygroundStepRequest(BaseModel):
    settings: PlaygroundSettings = Field(default_factory=PlaygroundSettings)
    weights: Optional[PlaygroundWeights] = Field(
        None, description="The current weights by name (W1, b1, W2, …) as the last answer gave them; null or "
                          "absent: the seed's starting weights.")
    epoch: int = Field(0, description="Epochs the weights have had; picks the next epochs' shuffles.")
    steps: int = Field(1, description="Epochs to train now, 0 to 1,000 (0: only measure and draw).")
    data: bool = Field(False, description="Also answer the points of the data set.")

    model_config = {"strict": True, "json_schema_extra": {"examples": [
        {"settings": {"dataset": "circle", "layers": [6], "activation": "tanh", "learning_rate": 0.03, "seed": 1},
         "steps": 5, "data": True}]}}


class PlaygroundRecord(BaseModel):
    epoch: int
    train_loss: float = Field(description="The mean logistic loss on the training points (without the L2 term).")
    test_loss: float
    train_accuracy: float = Field(description="The share of training points on their side of the boundary.")
    test_accuracy: float


class PlaygroundData(BaseModel):
    train: list[list[float]] = Field(description="[x, y, label] per point; label +1 (blue) or −1 (orange).")
    test: list[list[float]]


class PlaygroundStepResponse(BaseModel):
    program: str = Field(description="The network as a program of this language, which the engine trained.")
    programs: Text = Field(description="The same program with its comments in each language (the page shows it).")
    epoch: int = Field(description="Epochs the new weights have had.")
    weights: dict[str, list[Any]] = Field(description="The new weights, to send with the next request.")
    history: list[PlaygroundRecord] = Field(description="After each epoch of this request (with steps 0, now).")
    extent: float = Field(description="The heat maps cover [-extent, extent]² of the plane.")
    boundary: list[list[Optional[float]]] = Field(
        description="σ(z), the probability of blue, on a grid of cells, rows from the top (y = extent) down, "
                    "rounded to 2 decimals, finer than the page's 65 shades (null where not finite).")
    neurons: list[list[list[list[Optional[float]]]]] = Field(
        description="Per hidden layer, per neuron, its output on a coarser grid laid out as boundary.")
    neuron_range: list[float] = Field(description="The activation's [low, high], which the heat maps colour from "
                                                  "orange through white to blue.")
    data: Optional[PlaygroundData] = Field(None, description="With data: the points.")


class PlaygroundSampleRequest(BaseModel):
    settings: PlaygroundSettings = Field(default_factory=PlaygroundSettings)
    weights: Optional[PlaygroundWeights] = Field(None, description="As for /api/playground/step.")
    subset: str = Field(description="train or test.")
    index: int = Field(description="The point's position in data.train or data.test.")

    model_config = {"strict": True}


class PlaygroundSampleResponse(BaseModel):
    program: str = Field(description="The network's program; for one point its mean is that point's loss.")
    programs: Text = Field(description="The same program with its comments in each language (the page opens it).")
    values: dict[str, Value] = Field(description="X (1×2), y (1×1) and the weights: ready for /api/graph.")
