"""The operation table: every gate the language knows, defined once.

Each row gives the gate's name, the symbol the picture shows, its parameters,
its forward rule, one local-gradient rule per parameter and a sentence on how
it passes gradient back. The parser, the engine, the API catalogue and the
page's tooltips all read this table; nothing else restates it.

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
    infix: tuple[str, ...] = ()  # the binary operator tokens that build it, as in ``a + b``
    prefix: str | None = None  # the unary operator token that builds it, as in ``-x``
    function: bool = True  # callable by name, as in ``exp(x)``
    defaults: dict[str, float] = field(default_factory=dict)
    elementwise: bool = True  # each output element depends on the same-index input elements only
    variadic: bool = False  # takes any number of arguments (the array literal)

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
       infix=("+",), function=False),
    Op("sub", "-", ("a", "b"), operator.sub,
       (lambda g, ans, a, b: g, lambda g, ans, a, b: -g),
       "a - b", ("1", "-1"),
       "The subtract gate hands the upstream gradient unchanged to a and negated to b.",
       infix=("-",), function=False),
    Op("mul", "*", ("a", "b"), operator.mul,
       (lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a),
       "a * b", ("b", "a"),
       "The mul gate swaps: each input receives the upstream gradient times the other input's value.",
       infix=("*",), function=False),
    Op("div", "/", ("a", "b"), operator.truediv,
       (lambda g, ans, a, b: g / b, lambda g, ans, a, b: -g * a / (b * b)),
       "a / b", ("1 / b", "-a / b²"),
       "The divide gate scales the upstream gradient by 1/b for a, and by -a/b² for b.",
       infix=("/",), function=False),
    Op("neg", "-", ("x",), operator.neg,
       (lambda g, ans, x: -g,),
       "-x", ("-1",),
       "The negate gate flips the sign of the upstream gradient.",
       prefix="-", function=False),
    Op("pow", "^", ("a", "b"), np.power,
       (_pow_base_grad, _pow_exponent_grad),
       "a ^ b", ("b · a^(b-1)", "a^b · log a"),
       "The power gate scales the upstream gradient by b·a^(b-1) for the base and by a^b·log a for the exponent.",
       infix=("^", "**")),
    Op("matmul", "@", ("a", "b"), np.matmul,
       _matmul_grads(),
       "a @ b", ("g @ bᵀ", "aᵀ @ g"),
       "The matrix-product gate is the mul gate for arrays: a gets the upstream gradient times bᵀ, b gets aᵀ times it.",
       infix=("@",), function=False, elementwise=False),
    Op("max", "max", ("a", "b"), np.maximum,
       (lambda g, ans, a, b: _split_ties(g, a, b, np.greater),
        lambda g, ans, a, b: _split_ties(g, b, a, np.greater)),
       "max(a, b)", ("1 if a > b, 0 if a < b, ½ on a tie", "1 if b > a, 0 if b < a, ½ on a tie"),
       "The max gate routes: the larger input gets the whole upstream gradient and the other gets zero.",
       ),
    Op("min", "min", ("a", "b"), np.minimum,
       (lambda g, ans, a, b: _split_ties(g, a, b, np.less),
        lambda g, ans, a, b: _split_ties(g, b, a, np.less)),
       "min(a, b)", ("1 if a < b, 0 if a > b, ½ on a tie", "1 if b < a, 0 if b > a, ½ on a tie"),
       "The min gate routes: the smaller input gets the whole upstream gradient and the other gets zero.",
       ),
    Op("exp", "exp", ("x",), np.exp,
       (lambda g, ans, x: g * ans,),
       "exp(x)", ("exp(x)",),
       "The exp gate multiplies the upstream gradient by its own output, exp(x).",
       ),
    Op("log", "log", ("x",), np.log,
       (lambda g, ans, x: g / x,),
       "log(x)", ("1 / x",),
       "The log gate divides the upstream gradient by its input.",
       ),
    Op("sqrt", "√", ("x",), np.sqrt,
       (lambda g, ans, x: g / (2.0 * ans),),
       "sqrt(x)", ("1 / (2 sqrt(x))",),
       "The square-root gate divides the upstream gradient by twice its own output.",
       ),
    Op("abs", "abs", ("x",), np.abs,
       (lambda g, ans, x: g * np.sign(x),),
       "|x|", ("sign(x), 0 at x = 0",),
       "The abs gate passes the upstream gradient through where x > 0, negated where x < 0, and none at 0.",
       ),
    Op("sigmoid", "σ", ("x",), _sigmoid,
       (lambda g, ans, x: g * ans * (1.0 - ans),),
       "σ(x) = 1 / (1 + exp(-x))", ("σ(x)(1 - σ(x))",),
       "The sigmoid is one compound gate: its local gradient σ(1-σ) is computed from its own output.",
       ),
    Op("tanh", "tanh", ("x",), np.tanh,
       (lambda g, ans, x: g * (1.0 - ans * ans),),
       "tanh(x)", ("1 - tanh(x)²",),
       "The tanh gate scales the upstream gradient by 1 - tanh², computed from its own output.",
       ),
    Op("relu", "relu", ("x",), lambda x: np.maximum(x, 0.0),
       (lambda g, ans, x: g * (x > 0),),
       "max(x, 0)", ("1 if x > 0, else 0",),
       "The ReLU gate is a max gate against zero: it passes the upstream gradient where x > 0 and blocks it elsewhere.",
       ),
    Op("leaky_relu", "leaky relu", ("x", "slope"), lambda x, slope: np.where(x > 0, x, slope * x),
       (lambda g, ans, x, slope: g * np.where(x > 0, 1.0, slope),
        lambda g, ans, x, slope: g * np.where(x > 0, 0.0, x)),
       "x if x > 0, else slope · x", ("1 if x > 0, else slope", "0 if x > 0, else x"),
       "The leaky ReLU gate passes the upstream gradient where x > 0 and lets a fraction, slope, through elsewhere.",
       defaults={"slope": 0.1}),
    Op("elu", "elu", ("x", "alpha"), lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))),
       (lambda g, ans, x, alpha: g * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))),
        lambda g, ans, x, alpha: g * np.where(x > 0, 0.0, np.expm1(np.minimum(x, 0.0)))),
       "x if x > 0, else alpha · (exp(x) - 1)", ("1 if x > 0, else alpha · exp(x)", "0 if x > 0, else exp(x) - 1"),
       "The ELU gate passes the upstream gradient where x > 0 and scales it by alpha·exp(x) elsewhere.",
       defaults={"alpha": 1.0}),
    Op("softplus", "softplus", ("x",), lambda x: np.logaddexp(0.0, x),
       (lambda g, ans, x: g * _sigmoid(x),),
       "log(1 + exp(x))", ("σ(x)",),
       "The softplus gate, a smooth ReLU, scales the upstream gradient by σ(x).",
       ),
    Op("sin", "sin", ("x",), np.sin,
       (lambda g, ans, x: g * np.cos(x),),
       "sin(x)", ("cos(x)",),
       "The sine gate scales the upstream gradient by cos(x).",
       ),
    Op("cos", "cos", ("x",), np.cos,
       (lambda g, ans, x: -g * np.sin(x),),
       "cos(x)", ("-sin(x)",),
       "The cosine gate scales the upstream gradient by -sin(x).",
       ),
    Op("sum", "Σ", ("x",), np.sum,
       (lambda g, ans, x: np.broadcast_to(g, np.shape(x)),),
       "x₁ + x₂ + … + xₙ", ("1 for every element",),
       "The sum gate is an add gate with many inputs: every element receives the upstream gradient unchanged.",
       elementwise=False),
    Op("mean", "mean", ("x",), np.mean,
       (lambda g, ans, x: np.broadcast_to(g / np.size(x), np.shape(x)),),
       "(x₁ + x₂ + … + xₙ) / n", ("1 / n for every element",),
       "The mean gate shares the upstream gradient equally: every element receives 1/n of it.",
       elementwise=False),
    Op("dot", "dot", ("a", "b"), _dot,
       (lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a),
       "a₁b₁ + a₂b₂ + … + aₙbₙ", ("b", "a"),
       "The dot gate is a mul gate per element followed by a sum: each vector gets the upstream gradient times the other.",
       elementwise=False),
    Op("transpose", "ᵀ", ("x",), np.transpose,
       (lambda g, ans, x: np.transpose(g),),
       "xᵀ", ("transpose back",),
       "The transpose gate transposes the upstream gradient back into the input's shape.",
       elementwise=False),
    Op("stack", "[ ]", ("items",), _stack,
       _PickRow(),
       "[x₁, x₂, …, xₙ]", ("row k of the upstream gradient",),
       "The array gate gathers its inputs into one array; each input gets back its own row of the upstream gradient.",
       function=False, elementwise=False, variadic=True),
)

OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
FUNCTIONS: dict[str, Op] = {op.name: op for op in OPS if op.function}
INFIX: dict[str, Op] = {token: op for op in OPS for token in op.infix}
PREFIX: dict[str, Op] = {op.prefix: op for op in OPS if op.prefix}

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
        }
        for op in OPS
    ]
