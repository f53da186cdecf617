"""The deterministic programs every benchmark runs: their text for us, Python source for the peers,
and three-address code for the cheapest possible micrograd build.

Three kinds, each at a given number of operations (gate nodes), from a fixed seed:

* ``stmts``: a multi-statement program such as ``v12 = tanh(v3 + v7*x1)``, a mix of ``+``, ``*``,
  ``tanh`` and ``relu`` with a few literal constants, whose operands reuse earlier variables (fan-out,
  near and far). Every variable is used (the unused ones are summed into the output), so a peer that
  only walks what the output depends on sees the same graph as ours. Every value stays in [-1, 1].
* ``sum``: one flat expression ``x1 + x2 + ... + xN`` (a left-nested chain of additions).
* ``chain``: ``size`` nested calls ``tanh(tanh(...tanh(x1)...))``, the deepest brackets there are.
"""

from __future__ import annotations

import math
import random

DEFAULT_SIZES = (10, 100, 1_000, 10_000, 100_000)
SEED = 20240601

# -- the generator -------------------------------------------------------------------------------
#
# An expression is a tuple: ("var", name), ("num", text), ("+", a, b), ("*", a, b),
# ("tanh", a), ("relu", a), or ("sum", [a, b, c, ...]) for a left-nested a + b + c + ...

ADD, MUL, TANH, RELU = 0, 1, 2, 3
PRECEDENCE = {"+": 1, "sum": 1, "*": 2}


def render(expr, parent: int = 0, right: bool = False) -> str:
    kind = expr[0]
    if kind == "var" or kind == "num":
        return expr[1]
    if kind == "tanh" or kind == "relu":
        return f"{kind}({render(expr[1])})"
    if kind == "sum":
        text = " + ".join(render(term, 1) for term in expr[1])
    else:
        between = " + " if kind == "+" else kind
        text = f"{render(expr[1], PRECEDENCE[kind])}{between}{render(expr[2], PRECEDENCE[kind], True)}"
    mine = PRECEDENCE[kind]
    if mine < parent or (mine == parent and right):
        return f"({text})"
    return text


class Program:
    """A generated program: its text and input values for ours, three-address code for micrograd."""

    def __init__(self, kind: str):
        self.kind = kind
        self.lines: list[str] = []
        self.inputs: dict[str, float] = {}
        self.slots: dict[str, int] = {}  # variable → register
        self.registers: list = []  # initial registers: None for values, a float for a literal
        self.code: list[tuple[int, int, int, int]] = []  # (opcode, destination, a, b)
        self.ops = 0
        self.output_slot = -1
        self.output_name: str | None = None  # the last statement's target, if it has one

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def new_register(self, initial=None) -> int:
        self.registers.append(initial)
        return len(self.registers) - 1

    def lower(self, expr) -> int:
        """Emit three-address code for an expression; returns its register."""
        kind = expr[0]
        if kind == "var":
            return self.slots[expr[1]]
        if kind == "num":
            return self.new_register(float(expr[1]))
        if kind == "sum":
            terms = expr[1]
            acc = self.lower(terms[0])
            for term in terms[1:]:
                acc = self.emit(ADD, acc, self.lower(term))
            return acc
        if kind == "tanh" or kind == "relu":
            return self.emit(TANH if kind == "tanh" else RELU, self.lower(expr[1]), -1)
        a = self.lower(expr[1])
        b = self.lower(expr[2])
        return self.emit(ADD if kind == "+" else MUL, a, b)

    def emit(self, opcode: int, a: int, b: int) -> int:
        destination = self.new_register()
        self.code.append((opcode, destination, a, b))
        self.ops += 1
        return destination

    def statement(self, target: str | None, expr) -> None:
        self.lines.append(render(expr) if target is None else f"{target} = {render(expr)}")
        register = self.lower(expr)
        if target is not None:
            self.slots[target] = register
        self.output_slot = register
        self.output_name = target

    def peer_source(self) -> str:
        """The program as Python source for the peers, which exec it with their own objects bound to the
        input names and to ``tanh`` and ``relu``: the same text, with the output bound to ``__out__``."""
        if self.output_name is not None:
            return f"{self.text}\n__out__ = {self.output_name}"
        *head, last = self.lines
        return "\n".join([*head, f"__out__ = {last}"])

    def add_input(self, name: str, value: float) -> None:
        self.inputs[name] = value
        self.slots[name] = self.new_register()


def statements_program(size: int, seed: int = SEED) -> Program:
    """About ``size`` operations as statements ``v<k> = <form>``, every variable used at least once."""
    rng = random.Random(seed * 1_000_003 + size)
    program = Program("stmts")
    n_inputs = max(2, int(round(math.sqrt(size))))
    names: list[str] = []
    for i in range(1, n_inputs + 1):
        name = f"x{i}"
        program.add_input(name, round(rng.uniform(-1.0, 1.0), 6))
        names.append(name)
    unused = list(names)  # FIFO of variables nothing uses yet
    head = 0

    def fresh():  # the oldest variable nothing uses yet, or any earlier one
        nonlocal head
        if head < len(unused):
            head += 1
            return ("var", unused[head - 1])
        return reuse()

    def reuse():  # fan-out: mostly a recent variable, sometimes any earlier one
        if rng.random() < 0.7:
            name = names[-1 - min(int(rng.expovariate(1 / 8)), len(names) - 1)]
        else:
            name = rng.choice(names)
        return ("var", name)

    half = ("num", "0.5")
    # Every form maps values in [-1, 1] to [-1, 1].
    forms = (
        lambda a, b, c: ("*", half, ("+", ("*", a, b), c)),  # 0.5*(a*b + c)     3 ops
        lambda a, b, c: ("tanh", ("+", a, ("*", b, c))),  # tanh(a + b*c)      3 ops
        lambda a, b, c: ("*", ("relu", a), b),  # relu(a)*b          2 ops
        lambda a, b, c: ("tanh", ("+", a, b)),  # tanh(a + b)        2 ops
        lambda a, b, c: ("*", ("*", a, b), c),  # a*b*c              2 ops
        lambda a, b, c: ("+", ("*", half, a), ("*", half, b)),  # 0.5*a + 0.5*b      3 ops
        lambda a, b, c: ("*", a, b),  # a*b                1 op
    )
    k = 0
    while program.ops + max(0, len(unused) - head - 1) + 1 < size:
        a = fresh()
        b = fresh() if rng.random() < 0.5 else reuse()
        c = reuse()
        k += 1
        name = f"v{k}"
        program.statement(name, rng.choice(forms)(a, b, c))
        names.append(name)
        unused.append(name)
    rest = [("var", name) for name in unused[head:]]
    program.statement("y", ("sum", rest) if len(rest) > 1 else ("tanh", rest[0]))
    return program


def sum_program(size: int, seed: int = SEED) -> Program:
    """One expression ``x1 + x2 + ... + x<size+1>``: ``size`` additions in one chain."""
    rng = random.Random(seed * 7 + size)
    program = Program("sum")
    terms = []
    for i in range(1, size + 2):
        name = f"x{i}"
        program.add_input(name, round(rng.uniform(-1.0, 1.0), 6))
        terms.append(("var", name))
    program.statement(None, ("sum", terms))
    return program


def chain_program(size: int, seed: int = SEED) -> Program:
    """``size`` nested calls ``tanh(tanh(...tanh(x1)...))`` (built without recursion: it is deep)."""
    rng = random.Random(seed * 11 + size)
    program = Program("chain")
    program.add_input("x1", round(rng.uniform(0.5, 1.0), 6))
    register = program.slots["x1"]
    for _ in range(size):
        register = program.emit(TANH, register, -1)
    program.lines.append("tanh(" * size + "x1" + ")" * size)
    program.output_slot = register
    return program


GENERATORS = {"stmts": statements_program, "sum": sum_program, "chain": chain_program}
