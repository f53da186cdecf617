"""The operation table: every gate the language knows, defined once.

Each row gives the gate's name, the symbol the picture shows, its parameters,
its forward rule, one local-gradient rule per parameter in code and in notation,
and what the teaching modes need of it: its forward step in notation, the
primitives a compound gate unfolds to, and where it has a kink. Its words (what a
sentence calls it, how it passes gradient back, a backward sentence of its own)
are in the catalogs under ``ops.<name>`` (app/words/catalogs/*.toml), in every
language. The parser, the engine, the API catalogue, the narration and the
page's tooltips all read this table; nothing else restates it.

A local-gradient rule is a vector-Jacobian product ``vjp(g, ans, *args)``:
given the upstream gradient ``g`` (shaped like the gate's output ``ans``) it
returns the gradient for one argument. It may return something shaped like the
broadcast result; ``backward.unbroadcast`` undoes NumPy broadcasting, in one place.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import cache
from typing import Callable

import numpy as np

from ..words.catalogs import CATALOGS, ENGLISH, words
from ..words.messages import Text, same, say

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
    show: str = ""  # the forward step with {param} placeholders, as in "{a} × {b}"
    # The local gradients as a narration line says them, where that is shorter than local_grads (σ(1−σ)).
    local_short: tuple[str, ...] = ()
    routes: str | None = None  # "max" or "min": the gate routes the gradient to the larger or smaller input
    kink: str | None = None  # "zero": not differentiable where an argument is 0; "tie": where its arguments tie
    unfolds_to: str | None = None  # a compound gate as an expression of primitives in its params, for unfolding

    def words(self, field: str) -> Text:
        """The gate's words in every language, from the catalogs' ``ops.<name>``: ``name`` (what a sentence calls
        it) and ``sentence`` (how it passes gradient back). Said once per gate: do not change the Text."""
        return _words_of(self.name, field)

    def templates(self, field: str) -> dict:
        """A backward sentence of the gate's own, by language, to be filled in: ``back``, ``back_parts`` (a list),
        ``tie`` (for the gates the notes describe by a pattern: add distributes, mul swaps, max routes)."""
        return words(f"ops.{self.name}.{field}")

    def has_words(self, field: str) -> bool:
        return f"ops.{self.name}.{field}" in CATALOGS[ENGLISH]

    def worded_rules(self, short: bool = False) -> dict | None:
        """Where the local-gradient rules have words in them ("1 if a > b, 0 if a < b, ½ on a tie"): per language,
        one template per parameter, ``{p}`` for parameter p, from the catalogs' ``ops.<name>.rules`` (``short``:
        ``.short`` where there is one, as a narration line says it). None for rules that are notation only."""
        if short and self.has_words("short"):
            return self.templates("short")
        if short and self.local_short:
            return None  # a short form in notation (b·a^(b−1) for pow)
        return self.templates("rules") if self.has_words("rules") else None

    def formula_text(self) -> Text:
        """The forward formula in every language: from the catalogs' ``ops.<name>.formula`` where it has words in
        it ("x if x > 0, else slope · x"), else the row's notation, the same in every language."""
        if not self.has_words("formula"):
            return same(self.formula)
        return Text({language: text.format_map(_Letters()) for language, text in self.templates("formula").items()})

    def rule_texts(self) -> list[Text]:
        """Each parameter's local-gradient rule in every language, in the parameters' letters (for the catalogue)."""
        worded = self.worded_rules()
        if worded is None:
            return [same(rule) for rule in self.local_grads]
        return [Text({language: rules[k].format_map(_Letters()) for language, rules in worded.items()})
                for k in range(len(self.local_grads))]

    @property
    def arity(self) -> str:
        if self.variadic:
            return "1 or more"
        required = len(self.params) - len(self.defaults)
        return str(required) if required == len(self.params) else f"{required} to {len(self.params)}"


@cache
def _words_of(name: str, field: str) -> Text:
    return say(f"ops.{name}.{field}")


class _Letters(dict):
    def __missing__(self, key: str) -> str:
        return key


def _in_letters(name: str, field: str = "rules") -> tuple[str, ...]:
    """A row's local-gradient rules in words, from the English catalog, in its parameters' letters: the notation
    the row's other rules are written in (its words in every language are ``Op.worded_rules``)."""
    return tuple(rule.format_map(_Letters()) for rule in CATALOGS[ENGLISH][f"ops.{name}.{field}"])


def _formula_in_letters(name: str) -> str:
    """A forward formula with words in it, from the English catalog, in its parameters' letters (its words in
    every language are ``Op.formula_text``)."""
    return CATALOGS[ENGLISH][f"ops.{name}.formula"].format_map(_Letters())


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
       infix=("+",), precedence=1, function=False,
       show="{a} + {b}",
       ),
    Op("sub", "-", ("a", "b"), operator.sub,
       (lambda g, ans, a, b: g, lambda g, ans, a, b: -g),
       "a - b", ("1", "-1"),
       infix=("-",), precedence=1, function=False,
       show="{a} − {b}",
       ),
    Op("mul", "*", ("a", "b"), operator.mul,
       (lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a),
       "a * b", ("b", "a"),
       infix=("*",), precedence=2, function=False,
       show="{a} × {b}",
       ),
    Op("div", "/", ("a", "b"), operator.truediv,
       (lambda g, ans, a, b: g / b, lambda g, ans, a, b: -g * a / (b * b)),
       "a / b", ("1 / b", "-a / b²"),
       infix=("/",), precedence=2, function=False,
       show="{a} / {b}",
       ),
    Op("neg", "-", ("x",), operator.neg,
       (lambda g, ans, x: -g,),
       "-x", ("-1",),
       prefix="-", precedence=3, function=False,
       show="−{x}",
       ),
    Op("pow", "^", ("a", "b"), np.power,
       (_pow_base_grad, _pow_exponent_grad),
       "a ^ b", _in_letters("pow"),
       infix=("^", "**"), precedence=4, right_associative=True,
       show="{a}^{b}",
       local_short=("b·a^(b−1)", "a^b·log a"),
       ),
    Op("matmul", "@", ("a", "b"), np.matmul,
       _matmul_grads(),
       "a @ b", ("g @ bᵀ", "aᵀ @ g"),
       infix=("@",), precedence=2, function=False, elementwise=False,
       show="{a} @ {b}",
       ),
    Op("max", "max", ("a", "b"), np.maximum,
       (lambda g, ans, a, b: _split_ties(g, a, b, np.greater),
        lambda g, ans, a, b: _split_ties(g, b, a, np.greater)),
       "max(a, b)", _in_letters("max"),
       show="max({a}, {b})",
       routes="max",
       kink="tie",
       ),
    Op("min", "min", ("a", "b"), np.minimum,
       (lambda g, ans, a, b: _split_ties(g, a, b, np.less),
        lambda g, ans, a, b: _split_ties(g, b, a, np.less)),
       "min(a, b)", _in_letters("min"),
       show="min({a}, {b})",
       routes="min",
       kink="tie",
       ),
    Op("exp", "exp", ("x",), np.exp,
       (lambda g, ans, x: g * ans,),
       "exp(x)", ("exp(x)",),
       show="exp({x})",
       ),
    Op("log", "log", ("x",), np.log,
       (lambda g, ans, x: g / x,),
       "log(x)", ("1 / x",),
       show="log({x})",
       ),
    Op("sqrt", "√", ("x",), np.sqrt,
       (lambda g, ans, x: g / (2.0 * ans),),
       "sqrt(x)", ("1 / (2 sqrt(x))",),
       show="√{x}",
       local_short=("1/(2√x)",),
       ),
    Op("abs", "abs", ("x",), np.abs,
       (lambda g, ans, x: g * np.sign(x),),
       "|x|", _in_letters("abs"),
       show="|{x}|",
       kink="zero",
       local_short=("sign(x)",),
       ),
    Op("sigmoid", "σ", ("x",), _sigmoid,
       (lambda g, ans, x: g * ans * (1.0 - ans),),
       "σ(x) = 1 / (1 + exp(-x))", ("σ(x)(1 - σ(x))",),
       show="σ({x})",
       local_short=("σ(1−σ)",),
       unfolds_to="1 / (1 + exp(-x))",
       ),
    Op("tanh", "tanh", ("x",), np.tanh,
       (lambda g, ans, x: g * (1.0 - ans * ans),),
       "tanh(x)", ("1 - tanh(x)²",),
       show="tanh({x})",
       local_short=("1−tanh²",),
       unfolds_to="2 / (1 + exp(-2*x)) - 1",
       ),
    Op("relu", "relu", ("x",), lambda x: np.maximum(x, 0.0),
       (lambda g, ans, x: g * (x > 0),),
       "max(x, 0)", _in_letters("relu"),
       show="relu({x})",
       kink="zero",
       local_short=("[x > 0]",),
       ),
    Op("leaky_relu", "leaky relu", ("x", "slope"), lambda x, slope: np.where(x > 0, x, slope * x),
       (lambda g, ans, x, slope: g * np.where(x > 0, 1.0, slope),
        lambda g, ans, x, slope: g * np.where(x > 0, 0.0, x)),
       _formula_in_letters("leaky_relu"), _in_letters("leaky_relu"),
       defaults={"slope": 0.1},
       show="leaky_relu({x}, {slope})",
       kink="zero",
       local_short=_in_letters("leaky_relu", "short"),
       ),
    Op("elu", "elu", ("x", "alpha"), lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))),
       (lambda g, ans, x, alpha: g * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))),
        lambda g, ans, x, alpha: g * np.where(x > 0, 0.0, np.expm1(np.minimum(x, 0.0)))),
       _formula_in_letters("elu"), _in_letters("elu"),
       defaults={"alpha": 1.0},
       show="elu({x}, {alpha})",
       kink="zero",  # its slope jumps from alpha·1 to 1 at 0 (unless alpha = 1)
       local_short=_in_letters("elu", "short"),
       ),
    Op("softplus", "softplus", ("x",), lambda x: np.logaddexp(0.0, x),
       (lambda g, ans, x: g * _sigmoid(x),),
       "log(1 + exp(x))", ("σ(x)",),
       show="softplus({x})",
       unfolds_to="log(1 + exp(x))",
       ),
    Op("sin", "sin", ("x",), np.sin,
       (lambda g, ans, x: g * np.cos(x),),
       "sin(x)", ("cos(x)",),
       show="sin({x})",
       ),
    Op("cos", "cos", ("x",), np.cos,
       (lambda g, ans, x: -g * np.sin(x),),
       "cos(x)", ("-sin(x)",),
       show="cos({x})",
       ),
    Op("sum", "Σ", ("x",), np.sum,
       (lambda g, ans, x: np.broadcast_to(g, np.shape(x)),),
       "x₁ + x₂ + … + xₙ", _in_letters("sum"),
       elementwise=False,
       show="Σ {x}",
       local_short=("1",),
       ),
    Op("mean", "mean", ("x",), np.mean,
       (lambda g, ans, x: np.broadcast_to(g / np.size(x), np.shape(x)),),
       "(x₁ + x₂ + … + xₙ) / n", _in_letters("mean"),
       elementwise=False,
       show="mean({x})",
       local_short=("1/n",),
       ),
    Op("dot", "dot", ("a", "b"), _dot,
       (lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a),
       "a₁b₁ + a₂b₂ + … + aₙbₙ", ("b", "a"),
       elementwise=False,
       show="{a} · {b}",
       unfolds_to="sum(a * b)",
       ),
    Op("transpose", "ᵀ", ("x",), np.transpose,
       (lambda g, ans, x: np.transpose(g),),
       "xᵀ", _in_letters("transpose"),
       elementwise=False,
       show="{x}ᵀ",
       ),
    Op("stack", "[ ]", ("items",), _stack,
       _PickRow(),
       "[x₁, x₂, …, xₙ]", _in_letters("stack"),
       function=False, elementwise=False, variadic=True,
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
            "formula": op.formula_text(),
            "local_gradients": dict(zip(op.params, op.rule_texts())),
            "sentence": op.words("sentence"),
            "called": op.words("name"),
            "unfolds_to": op.unfolds_to,
        }
        for op in OPS
    ]
