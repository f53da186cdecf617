"""The printer: how the app writes a node, an expression or a number inside an expression, everywhere (the
narration, the cards' expressions, quiz hints, Nielsen's equations, the Jacobian view).

Every written expression must read back the way the op table's precedence reads it: ``2 × (c + d)``, never
``c + d × 2``. So brackets are decided here, in one place, from the table's rows: an operator's precedence
and associativity (``+ −`` 1, ``× / @`` 2, prefix ``−`` 3, ``^`` 4, right-associative). A written form the
parser has no operator for (``Σ x``, ``√x``, ``a · b``) brackets any operand that is not an atom, and is
bracketed inside any operator; ``xᵀ`` binds tightest. A name, a number, an array and a function call
(``σ(x)``, ``max(a, b)``, ``|x|``) are atoms; a negative number is a prefix minus (``(−3)^2``).
"""

from __future__ import annotations

import math

from .graph import Graph
from .ops import OPS_BY_NAME, Op

ATOM = math.inf  # binds tighter than any operator: never bracketed
LOOSE = 0.0  # a form of our own (Σ x, √x, a · b): bracketed inside any operator
NEGATIVE = OPS_BY_NAME["neg"].precedence  # a negative number reads as a prefix minus
MAX_DISPLAY_CHARS = 32  # an unnamed gate is called by its expression when that is this short


def encloses(op: Op) -> bool:
    """The op's form brackets its arguments itself: exp(x), max(a, b), |x|, [a, b]."""
    return op.show[-1] in ")|]" and op.show[0] != "{"


def form_precedence(op: Op) -> float:
    """How tightly the op's written form binds, from its row of the table."""
    if encloses(op) or op.show.endswith("ᵀ"):
        return ATOM
    if op.infix or op.prefix:
        return op.precedence
    return LOOSE


def text_precedence(text: str) -> float:
    """A number or a label as written: a negative number is a prefix minus, anything else an atom."""
    return NEGATIVE if text[:1] in ("-", "−") else ATOM


def needs_brackets(op: Op, k: int, inner: float) -> bool:
    """Whether operand ``k`` of ``op``, binding as tightly as ``inner``, is bracketed inside op's form."""
    if inner == ATOM or encloses(op):
        return False
    if op.infix:
        if inner != op.precedence:
            return inner < op.precedence
        return (k == 1) != op.right_associative  # a − (b − c), (a^b)^c: the side the operator does not group on
    if op.prefix:
        return inner <= op.precedence
    return True  # Σ, √, ᵀ, ·: only an atom goes in bare


def bracket(text: str, brackets: bool) -> str:
    return f"({text})" if brackets else text


def fill_show(op: Op, parts: list[str]) -> str:
    """The op's form with its operands' texts, as they are (already bracketed)."""
    if op.variadic:
        return op.show.format_map({op.params[0]: ", ".join(parts)})
    return op.show.format_map(dict(zip(op.params, parts)))


def write(op: Op, parts: list[str], precedences: list[float]) -> str:
    """The op's form with its operands, each bracketed as the table's precedence needs."""
    return fill_show(op, [bracket(text, needs_brackets(op, k, inner))
                          for k, (text, inner) in enumerate(zip(parts, precedences))])


def write_numbers(op: Op, texts: list[str]) -> str:
    """The op's form with numbers in it: "(−3.00)^2.00", "2.00 × −4.00"."""
    return write(op, texts, [text_precedence(text) for text in texts])


# -- a graph's nodes, as sentences call them ------------------------------------------------------------------


def node_precedence(graph: Graph, node: int) -> float:
    """How tightly a node's written name binds: a named node or an input is an atom."""
    if graph.name[node] is not None:
        return ATOM
    op = graph.table[node]
    return text_precedence(graph.label[node]) if op is None else form_precedence(op)


def display_names(graph: Graph) -> list[str]:
    """What a sentence calls each node: its name, its label (an input or a number), or for an unnamed gate
    its short expression ("x × y"); a long expression keeps only the gate's form ("… + …")."""
    names: list[str] = []
    for node, op in enumerate(graph.table):
        if graph.name[node] is not None:
            names.append(graph.name[node])
        elif op is None:
            names.append(graph.label[node])
        else:
            args = graph.args[node]
            text = expression(graph, names, node)
            names.append(text if len(text) <= MAX_DISPLAY_CHARS else
                         write(op, ["…"] * len(args), [node_precedence(graph, a) for a in args]))
    return names


def expression(graph: Graph, names: list[str], node: int) -> str:
    """The node as its gate applied to its arguments' names ("b × (c + d)"); an input's or constant's label.
    ``names`` is ``display_names(graph)`` (or its first ``node`` entries)."""
    op = graph.table[node]
    if op is None:
        return graph.label[node]
    args = graph.args[node]
    return write(op, [names[a] for a in args], [node_precedence(graph, a) for a in args])


def on_its_own(graph: Graph, names: list[str], node: int) -> str:
    """A node's name where it stands alone beside other words or symbols, as in ∂f/∂(x + y), "(a − b) gets …":
    bracketed unless it is an atom."""
    return bracket(names[node], node_precedence(graph, node) != ATOM)


in_formula = on_its_own  # an operand inside a formula of the table's (σ(1−σ), ∂C/∂q @ xᵀ): the same rule
