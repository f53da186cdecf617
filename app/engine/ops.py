"""The operation table: every gate the language knows, defined once.

Each row gives the gate's name, the symbol the picture shows, its parameters,
its forward rule, one local-gradient rule per parameter and a sentence on how
it passes gradient back (in English and Chinese), and what the teaching modes
need of it: the words of its narration, the primitives a compound gate unfolds
to, and where it has a kink. The parser, the engine, the API catalogue, the
narration and the page's tooltips all read this table; nothing else restates it.

A local-gradient rule is a vector-Jacobian product ``vjp(g, ans, *args)``:
given the upstream gradient ``g`` (shaped like the gate's output ``ans``) it
returns the gradient for one argument. It may return something shaped like the
broadcast result; ``backward.unbroadcast`` undoes NumPy broadcasting, in one place.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Rule = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Op:
    name: str
    symbol: str
    params: tuple[str, ...]
    forward: Rule
    vjps: tuple[Rule, ...]
    formula: str
    local_grads: tuple[str, ...]
    sentence: str
    # -- syntax: the parser builds its operators from these (a row has infix tokens, a prefix token, or neither) --
    infix: tuple[str, ...] = ()  # the binary operator tokens that build it, as in ``a + b``
    prefix: str | None = None  # the unary operator token that builds it, as in ``-x``
    precedence: int = 0  # how tightly its operator binds: the higher, the tighter
    right_associative: bool = False  # a ^ b ^ c is a ^ (b ^ c); otherwise a - b - c is (a - b) - c
    function: bool = True  # callable by name, as in ``exp(x)``
    defaults: dict[str, float] = field(default_factory=dict)
    elementwise: bool = True  # each output element depends on the same-index input elements only
    variadic: bool = False  # takes any number of arguments (the array literal)
    # -- teaching: narration, unfolding and kinks (read by narrate.py, unfold.py and gradcheck.py) --
    sentence_zh: str = ""  # ``sentence`` in Chinese
    name_zh: str = ""  # the gate's name in a Chinese narration line (加法门)
    show: str = ""  # the forward step with {param} placeholders, as in "{a} × {b}"
    # The local gradients as a narration line says them, where that is shorter than local_grads (σ(1−σ)).
    local_short: tuple[str, ...] = ()
    # A backward sentence of its own, for the gates the notes describe by a pattern (add distributes, mul
    # swaps, max routes); without one, the narration gives the chain rule per argument. Placeholders: {g}
    # (upstream), {out} (the output's name), {p}, {p_value}, {p_grad} per parameter p, {parts} (the
    # back_parts of the arguments that need a gradient, joined), and for a routing gate {win}, {lose},
    # {win_value}, {lose_value}, and on a tie {half}.
    back_en: str = ""
    back_zh: str = ""
    back_parts_en: tuple[str, ...] = ()
    back_parts_zh: tuple[str, ...] = ()
    tie_en: str = ""  # a routing gate's sentence when its inputs tie
    tie_zh: str = ""
    routes: str | None = None  # "max" or "min": the gate routes the gradient to the larger or smaller input
    kink: str | None = None  # "zero": not differentiable where an argument is 0; "tie": where its arguments tie
    unfolds_to: str | None = None  # a compound gate as an expression of primitives in its params, for unfolding

    @property
    def arity(self) -> str:
        if self.variadic:
            return "1 or more"
        required = len(self.params) - len(self.defaults)
        return str(required) if required == len(self.params) else f"{required} to {len(self.params)}"


def _sigmoid(x):
    # 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below: neither exp can overflow,
    # and σ of a very negative x keeps its digits instead of becoming 1 - 1 = 0.
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, small) / (1.0 + small)


def _split_ties(g, mine, other, wins):
    # PyTorch's convention: the winner takes the whole gradient, a tie splits it equally.
    return g * (wins(mine, other) + 0.5 * (mine == other))


def _pow_base_grad(g, ans, a, b):
    # d/da a^b = b a^(b-1), taken as 0 where b == 0 (as PyTorch does, so 0^0 gives no nan).
    return g * np.where(b == 0, 0.0, b * a ** (b - 1.0))


def _pow_exponent_grad(g, ans, a, b):
    # d/db a^b = a^b log a, taken as 0 where a == 0 and b >= 0 (PyTorch's convention).
    return g * np.where((a == 0) & (b >= 0), 0.0, ans * np.log(np.where(a == 0, 1.0, a)))


def _matmul_grads():
    """Vector-Jacobian products of ``a @ b`` for every NumPy matmul case.

    A vector on the left acts as a row, on the right as a column; both are
    promoted to matrices, the products taken, and the promotion undone.
    """

    def promote(a, b, g):
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        g2 = g
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        return a2, b2, g2

    def left(g, ans, a, b):
        a2, b2, g2 = promote(a, b, g)
        grad = g2 @ np.swapaxes(b2, -1, -2)
        return grad.reshape(grad.shape[:-2] + (a.shape[-1],)) if a.ndim == 1 else grad

    def right(g, ans, a, b):
        a2, b2, g2 = promote(a, b, g)
        grad = np.swapaxes(a2, -1, -2) @ g2
        return grad.reshape(grad.shape[:-2] + (b.shape[0],)) if b.ndim == 1 else grad

    return left, right


def _dot(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1 or np.shape(a) != np.shape(b):
        raise ValueError("dot takes two vectors of the same length; for matrices use @")
    return np.dot(a, b)


def _stack(*items):
    return np.stack(items)


class _PickRow:
    """The local-gradient rules of the array literal: argument k gets row k of the gradient."""

    def __getitem__(self, k):
        return lambda g, ans, *args: g[k]


# Add, subtract, multiply, divide and negate are written with Python's operators: on arrays they call
# the same ufuncs as np.add & co., and on a number (np.float64) NumPy's scalar arithmetic gives the
# same IEEE result about ten times faster than a ufunc call, which matters when most nodes are numbers.
OPS: tuple[Op, ...] = (
    Op("add", "+", ("a", "b"), operator.add,
       (lambda g, ans, a, b: g, lambda g, ans, a, b: g),
       "a + b", ("1", "1"),
       "The add gate distributes: it hands the upstream gradient, unchanged, to each of its inputs.",
       infix=("+",), precedence=1, function=False,
       sentence_zh="加法门分配梯度：它把上游梯度原样交给每个输入。",
       name_zh="加法门",
       show="{a} + {b}",
       back_en="add distributed {g} to both inputs",
       back_zh="加法门把 {g} 分给两个输入",
       ),
    Op("sub", "-", ("a", "b"), operator.sub,
       (lambda g, ans, a, b: g, lambda g, ans, a, b: -g),
       "a - b", ("1", "-1"),
       "The subtract gate hands the upstream gradient unchanged to a and negated to b.",
       infix=("-",), precedence=1, function=False,
       sentence_zh="减法门把上游梯度原样交给 a，取反后交给 b。",
       name_zh="减法门",
       show="{a} − {b}",
       ),
    Op("mul", "*", ("a", "b"), operator.mul,
       (lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a),
       "a * b", ("b", "a"),
       "The mul gate swaps: each input receives the upstream gradient times the other input's value.",
       infix=("*",), precedence=2, function=False,
       sentence_zh="乘法门交换输入：每个输入得到上游梯度乘以另一个输入的值。",
       name_zh="乘法门",
       show="{a} × {b}",
       back_en="mul swapped its inputs: {parts}",
       back_zh="乘法门交换了输入：{parts}",
       back_parts_en=("{a} gets {b} × {g} = {a_grad}", "{b} gets {a} × {g} = {b_grad}"),
       back_parts_zh=("{a} 得到 {b} × {g} = {a_grad}", "{b} 得到 {a} × {g} = {b_grad}"),
       ),
    Op("div", "/", ("a", "b"), operator.truediv,
       (lambda g, ans, a, b: g / b, lambda g, ans, a, b: -g * a / (b * b)),
       "a / b", ("1 / b", "-a / b²"),
       "The divide gate scales the upstream gradient by 1/b for a, and by -a/b² for b.",
       infix=("/",), precedence=2, function=False,
       sentence_zh="除法门把上游梯度乘以 1/b 交给 a，乘以 -a/b² 交给 b。",
       name_zh="除法门",
       show="{a} / {b}",
       ),
    Op("neg", "-", ("x",), operator.neg,
       (lambda g, ans, x: -g,),
       "-x", ("-1",),
       "The negate gate flips the sign of the upstream gradient.",
       prefix="-", precedence=3, function=False,
       sentence_zh="取负门把上游梯度变号。",
       name_zh="取负门",
       show="−{x}",
       ),
    Op("pow", "^", ("a", "b"), np.power,
       (_pow_base_grad, _pow_exponent_grad),
       "a ^ b", ("b · a^(b-1), 0 at b = 0", "a^b · log a, 0 at a = 0"),
       "The power gate scales the upstream gradient by b·a^(b-1) for the base and by a^b·log a for the exponent.",
       infix=("^", "**"), precedence=4, right_associative=True,
       sentence_zh="幂门对底数乘以 b·a^(b-1)，对指数乘以 a^b·log a。",
       name_zh="幂门",
       show="{a}^{b}",
       local_short=("b·a^(b−1)", "a^b·log a"),
       ),
    Op("matmul", "@", ("a", "b"), np.matmul,
       _matmul_grads(),
       "a @ b", ("g @ bᵀ", "aᵀ @ g"),
       "The matrix-product gate is the mul gate for arrays: a gets the upstream gradient times bᵀ, b gets aᵀ times it.",
       infix=("@",), precedence=2, function=False, elementwise=False,
       sentence_zh="矩阵乘法门是数组的乘法门：a 得到上游梯度乘以 bᵀ，b 得到 aᵀ 乘以它。",
       name_zh="矩阵乘法门",
       show="{a} @ {b}",
       ),
    Op("max", "max", ("a", "b"), np.maximum,
       (lambda g, ans, a, b: _split_ties(g, a, b, np.greater),
        lambda g, ans, a, b: _split_ties(g, b, a, np.greater)),
       "max(a, b)", ("1 if a > b, 0 if a < b, ½ on a tie", "1 if b > a, 0 if b < a, ½ on a tie"),
       "The max gate routes: the larger input gets the whole upstream gradient and the other gets zero.",
       sentence_zh="max 门路由梯度：较大的输入得到全部上游梯度，另一个得到零。",
       name_zh="max 门",
       show="max({a}, {b})",
       routes="max",
       kink="tie",
       back_en="max routed {g} to {win} because {win_value} > {lose_value}; {lose} gets 0",
       back_zh="max 门把 {g} 送给 {win}，因为 {win_value} > {lose_value}；{lose} 得到 0",
       tie_en="max split {g} between {a} and {b}, which tie at {a_value}: each gets {half}",
       tie_zh="max 门的两个输入相等（都是 {a_value}），{g} 平分：{a} 和 {b} 各得 {half}",
       ),
    Op("min", "min", ("a", "b"), np.minimum,
       (lambda g, ans, a, b: _split_ties(g, a, b, np.less),
        lambda g, ans, a, b: _split_ties(g, b, a, np.less)),
       "min(a, b)", ("1 if a < b, 0 if a > b, ½ on a tie", "1 if b < a, 0 if b > a, ½ on a tie"),
       "The min gate routes: the smaller input gets the whole upstream gradient and the other gets zero.",
       sentence_zh="min 门路由梯度：较小的输入得到全部上游梯度，另一个得到零。",
       name_zh="min 门",
       show="min({a}, {b})",
       routes="min",
       kink="tie",
       back_en="min routed {g} to {win} because {win_value} < {lose_value}; {lose} gets 0",
       back_zh="min 门把 {g} 送给 {win}，因为 {win_value} < {lose_value}；{lose} 得到 0",
       tie_en="min split {g} between {a} and {b}, which tie at {a_value}: each gets {half}",
       tie_zh="min 门的两个输入相等（都是 {a_value}），{g} 平分：{a} 和 {b} 各得 {half}",
       ),
    Op("exp", "exp", ("x",), np.exp,
       (lambda g, ans, x: g * ans,),
       "exp(x)", ("exp(x)",),
       "The exp gate multiplies the upstream gradient by its own output, exp(x).",
       sentence_zh="exp 门把上游梯度乘以它自己的输出 exp(x)。",
       name_zh="exp 门",
       show="exp({x})",
       ),
    Op("log", "log", ("x",), np.log,
       (lambda g, ans, x: g / x,),
       "log(x)", ("1 / x",),
       "The log gate divides the upstream gradient by its input.",
       sentence_zh="log 门把上游梯度除以它的输入。",
       name_zh="log 门",
       show="log({x})",
       ),
    Op("sqrt", "√", ("x",), np.sqrt,
       (lambda g, ans, x: g / (2.0 * ans),),
       "sqrt(x)", ("1 / (2 sqrt(x))",),
       "The square-root gate divides the upstream gradient by twice its own output.",
       sentence_zh="平方根门把上游梯度除以它自己输出的两倍。",
       name_zh="平方根门",
       show="√{x}",
       local_short=("1/(2√x)",),
       ),
    Op("abs", "abs", ("x",), np.abs,
       (lambda g, ans, x: g * np.sign(x),),
       "|x|", ("sign(x), 0 at x = 0",),
       "The abs gate passes the upstream gradient through where x > 0, negated where x < 0, and none at 0.",
       sentence_zh="绝对值门在 x > 0 处原样传递上游梯度，在 x < 0 处取反，在 0 处不传。",
       name_zh="绝对值门",
       show="|{x}|",
       kink="zero",
       local_short=("sign(x)",),
       ),
    Op("sigmoid", "σ", ("x",), _sigmoid,
       (lambda g, ans, x: g * ans * (1.0 - ans),),
       "σ(x) = 1 / (1 + exp(-x))", ("σ(x)(1 - σ(x))",),
       "The sigmoid is one compound gate: its local gradient σ(1-σ) is computed from its own output.",
       sentence_zh="sigmoid 是一个复合门：它的局部梯度 σ(1-σ) 由它自己的输出算出。",
       name_zh="sigmoid 门",
       show="σ({x})",
       local_short=("σ(1−σ)",),
       unfolds_to="1 / (1 + exp(-x))",
       ),
    Op("tanh", "tanh", ("x",), np.tanh,
       (lambda g, ans, x: g * (1.0 - ans * ans),),
       "tanh(x)", ("1 - tanh(x)²",),
       "The tanh gate scales the upstream gradient by 1 - tanh², computed from its own output.",
       sentence_zh="tanh 门把上游梯度乘以 1 - tanh²，由它自己的输出算出。",
       name_zh="tanh 门",
       show="tanh({x})",
       local_short=("1−tanh²",),
       unfolds_to="2 / (1 + exp(-2*x)) - 1",
       ),
    Op("relu", "relu", ("x",), lambda x: np.maximum(x, 0.0),
       (lambda g, ans, x: g * (x > 0),),
       "max(x, 0)", ("1 if x > 0, else 0",),
       "The ReLU gate is a max gate against zero: it passes the upstream gradient where x > 0 and blocks it elsewhere.",
       sentence_zh="ReLU 门是与零比较的 max 门：x > 0 处传递上游梯度，其他地方挡住。",
       name_zh="ReLU 门",
       show="relu({x})",
       kink="zero",
       local_short=("[x > 0]",),
       ),
    Op("leaky_relu", "leaky relu", ("x", "slope"), lambda x, slope: np.where(x > 0, x, slope * x),
       (lambda g, ans, x, slope: g * np.where(x > 0, 1.0, slope),
        lambda g, ans, x, slope: g * np.where(x > 0, 0.0, x)),
       "x if x > 0, else slope · x", ("1 if x > 0, else slope", "0 if x > 0, else x"),
       "The leaky ReLU gate passes the upstream gradient where x > 0 and lets a fraction, slope, through elsewhere.",
       defaults={"slope": 0.1},
       sentence_zh="Leaky ReLU 门在 x > 0 处传递上游梯度，其他地方只让 slope 倍通过。",
       name_zh="Leaky ReLU 门",
       show="leaky_relu({x}, {slope})",
       kink="zero",
       local_short=("1 or slope", "0 or x"),
       ),
    Op("elu", "elu", ("x", "alpha"), lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))),
       (lambda g, ans, x, alpha: g * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))),
        lambda g, ans, x, alpha: g * np.where(x > 0, 0.0, np.expm1(np.minimum(x, 0.0)))),
       "x if x > 0, else alpha · (exp(x) - 1)", ("1 if x > 0, else alpha · exp(x)", "0 if x > 0, else exp(x) - 1"),
       "The ELU gate passes the upstream gradient where x > 0 and scales it by alpha·exp(x) elsewhere.",
       defaults={"alpha": 1.0},
       sentence_zh="ELU 门在 x > 0 处传递上游梯度，其他地方乘以 alpha·exp(x)。",
       name_zh="ELU 门",
       show="elu({x}, {alpha})",
       kink="zero",  # its slope jumps from alpha·1 to 1 at 0 (unless alpha = 1)
       local_short=("1 or α·exp(x)", "0 or exp(x)−1"),
       ),
    Op("softplus", "softplus", ("x",), lambda x: np.logaddexp(0.0, x),
       (lambda g, ans, x: g * _sigmoid(x),),
       "log(1 + exp(x))", ("σ(x)",),
       "The softplus gate, a smooth ReLU, scales the upstream gradient by σ(x).",
       sentence_zh="softplus 门是平滑的 ReLU，把上游梯度乘以 σ(x)。",
       name_zh="softplus 门",
       show="softplus({x})",
       unfolds_to="log(1 + exp(x))",
       ),
    Op("sin", "sin", ("x",), np.sin,
       (lambda g, ans, x: g * np.cos(x),),
       "sin(x)", ("cos(x)",),
       "The sine gate scales the upstream gradient by cos(x).",
       sentence_zh="正弦门把上游梯度乘以 cos(x)。",
       name_zh="正弦门",
       show="sin({x})",
       ),
    Op("cos", "cos", ("x",), np.cos,
       (lambda g, ans, x: -g * np.sin(x),),
       "cos(x)", ("-sin(x)",),
       "The cosine gate scales the upstream gradient by -sin(x).",
       sentence_zh="余弦门把上游梯度乘以 -sin(x)。",
       name_zh="余弦门",
       show="cos({x})",
       ),
    Op("sum", "Σ", ("x",), np.sum,
       (lambda g, ans, x: np.broadcast_to(g, np.shape(x)),),
       "x₁ + x₂ + … + xₙ", ("1 for every element",),
       "The sum gate is an add gate with many inputs: every element receives the upstream gradient unchanged.",
       elementwise=False,
       sentence_zh="求和门是多输入的加法门：每个元素都原样得到上游梯度。",
       name_zh="求和门",
       show="Σ {x}",
       local_short=("1",),
       ),
    Op("mean", "mean", ("x",), np.mean,
       (lambda g, ans, x: np.broadcast_to(g / np.size(x), np.shape(x)),),
       "(x₁ + x₂ + … + xₙ) / n", ("1 / n for every element",),
       "The mean gate shares the upstream gradient equally: every element receives 1/n of it.",
       elementwise=False,
       sentence_zh="平均门把上游梯度平分：每个元素得到它的 1/n。",
       name_zh="平均门",
       show="mean({x})",
       local_short=("1/n",),
       ),
    Op("dot", "dot", ("a", "b"), _dot,
       (lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a),
       "a₁b₁ + a₂b₂ + … + aₙbₙ", ("b", "a"),
       "The dot gate is a mul gate per element followed by a sum: each vector gets the upstream gradient times the other.",
       elementwise=False,
       sentence_zh="点积门是逐元素的乘法门加上求和：每个向量得到上游梯度乘以另一个向量。",
       name_zh="点积门",
       show="{a} · {b}",
       unfolds_to="sum(a * b)",
       ),
    Op("transpose", "ᵀ", ("x",), np.transpose,
       (lambda g, ans, x: np.transpose(g),),
       "xᵀ", ("transpose back",),
       "The transpose gate transposes the upstream gradient back into the input's shape.",
       elementwise=False,
       sentence_zh="转置门把上游梯度转置回输入的形状。",
       name_zh="转置门",
       show="{x}ᵀ",
       ),
    Op("stack", "[ ]", ("items",), _stack,
       _PickRow(),
       "[x₁, x₂, …, xₙ]", ("row k of the upstream gradient",),
       "The array gate gathers its inputs into one array; each input gets back its own row of the upstream gradient.",
       function=False, elementwise=False, variadic=True,
       sentence_zh="数组门把输入收集成一个数组；每个输入取回上游梯度中属于自己的那一行。",
       name_zh="数组门",
       show="[{items}]",
       ),
)

OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
FUNCTIONS: dict[str, Op] = {op.name: op for op in OPS if op.function}

CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}


def catalogue() -> list[dict]:
    """The table as JSON-ready rows, for the API and the page's tooltips."""
    return [
        {
            "name": op.name,
            "symbol": op.symbol,
            "arity": op.arity,
            "params": list(op.params),
            "defaults": dict(op.defaults),
            "infix": list(op.infix),
            "prefix": op.prefix,
            "function": op.function,
            "elementwise": op.elementwise,
            "variadic": op.variadic,
            "formula": op.formula,
            "local_gradients": dict(zip(op.params, op.local_grads)),
            "sentence": op.sentence,
            "sentence_zh": op.sentence_zh,
            "name_zh": op.name_zh,
            "unfolds_to": op.unfolds_to,
        }
        for op in OPS
    ]
