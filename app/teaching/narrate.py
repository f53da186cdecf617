"""Narration: for every node, a sentence in every language on its forward and its backward step, with the
numbers the engine computed in it ("mul: x × y = 3.00 × -4.00 = -12.00").

The form of each gate comes from its row of the op table, its words (its name, how it passes gradient back)
from the catalogs' ``ops.<name>``, and every number is written as the drawing writes it
(app/engine/rounding.py); this module only fills the numbers in and says, with the catalogs' ``narrate.*``,
the two things that are not any one gate's: the chain rule of a gate without a sentence of its own, and the
sum of a node's shares when it is used several times ("∂e/∂b = 2.00 via c + 3.00 via d = 5.00").
"""

from __future__ import annotations

import math
import re
from functools import cache

import numpy as np

from ..engine.graph import CONST, INPUT, Graph
from ..engine.printer import display_names, expression, in_formula, on_its_own, write_numbers
from ..engine.rounding import (EYE, MAX_LISTED_ELEMENTS, SCALAR_MORE_DIGITS, format_number, format_preview,
                               full_precision, half_last_digit, worked)
from ..words.catalogs import LANGUAGES
from ..words.messages import Text, in_language, listing, same, say

MORE_DIGITS = 3  # at most this many more decimals for a gate's arguments in a forward step written out
MAX_LISTED_USES = 6  # a node used more often lists the first few shares and says how many more


def value_text(value) -> str | Text:
    """A value for a sentence: a number, a short array in full (the same in every language), or a longer array
    by its shape, in words."""
    if value is None:
        return "—"
    if value.__class__ is np.float64 or value.__class__ is float:
        return format_number(value)
    array = np.asarray(value)
    if array.ndim == 0:
        return format_number(array)
    if array.size <= MAX_LISTED_ELEMENTS:
        return _nested(array)
    if array.ndim == 1:
        return say("narrate.vector", size=array.size)
    return say("narrate.array", shape="×".join(map(str, array.shape)))


def preview(value, decimals: int | None | bool = False) -> str:
    """A value for an equation, the same in both languages (rounding.format_preview): a number, a short array
    in full, or a longer one by its corner and its shape."""
    return format_preview(value, decimals)


def _nested(array: np.ndarray, decimals=False) -> str:
    return format_preview(array, decimals, whole=True)


def narrate(graph: Graph, values: list, grads: list, wire_grads: list, wire_locals: list) -> list[dict]:
    """By node id: {"forward": Text, "backward": Text, "name", "expression"}: the sentences (in every language),
    what they call the node, and the node as its gate applied to its arguments' names ("b × c").
    ``wire_locals`` is ``backward.local_gradients``'s answer."""
    story = tell(graph, values, grads, wire_grads, wire_locals)
    return [{"forward": story.forward(node), "backward": story.backward(node), "name": story.names[node],
             "expression": story.expression(node)} for node in range(len(graph))]


def tell(graph: Graph, values: list, grads: list, wire_grads: list, wire_locals: list) -> "Story":
    """The sentences of one computed graph, node by node, for the narration and for quiz mode's hints."""
    names = display_names(graph)
    out = graph.name[graph.output] or "f"
    starts = graph.edge_starts()
    uses: list[list[tuple[int, int]]] = [[] for _ in range(len(graph))]  # (using node, wire id)
    for node, args in enumerate(graph.args):
        for k, source in enumerate(args):
            uses[source].append((node, starts[node] + k))
    return Story(graph, values, grads, wire_grads, wire_locals, names, out, uses)


class _TextColumn:
    """``value_text`` of each item of a column, worked out when first asked for."""

    def __init__(self, column: list):
        self.column = column
        self.texts: dict[int, str | Text] = {}

    def __call__(self, index: int) -> str | Text:
        text = self.texts.get(index)
        if text is None:
            text = self.texts[index] = value_text(self.column[index])
        return text


class Story:
    def __init__(self, graph, values, grads, wire_grads, wire_locals, names, out, uses):
        self.graph, self.values, self.grads = graph, values, grads
        self.wire_grads, self.wire_locals = wire_grads, wire_locals
        self.names, self.out, self.uses = names, out, uses
        self.starts = graph.edge_starts()
        # Each number is said in several sentences: its text is worked out once.
        self.value = _TextColumn(values)
        self.grad = _TextColumn(grads)
        self.wire = _TextColumn(wire_grads)
        self.works: dict[int, dict] = {}

    # -- forward ---------------------------------------------------------------

    def expression(self, node: int) -> str:
        """The node as its gate applied to its arguments' names ("b × c"); an input's or a constant's label."""
        return expression(self.graph, self.names, node)

    def forward(self, node: int) -> Text:
        graph = self.graph
        op = graph.table[node]
        kind = graph.kind[node]
        if kind == INPUT:
            return say("narrate.input", name=graph.name[node], value=self.value(node))
        if kind == CONST or op is None:
            return say("narrate.constant", value=self.value(node))
        return say("narrate.result", work=self.forward_work(node), value=self.value(node))

    def forward_work(self, node: int) -> Text:
        """A gate's forward step up to its result: "mul: u = b × c = 3.00 × 2.00" (worked out once: quiz mode
        asks for it twice)."""
        work = self.works.get(node)
        if work is None:
            work = self.works[node] = self._forward_work(node)
        return work

    def _forward_work(self, node: int) -> Text:
        graph = self.graph
        op = graph.table[node]
        named = f"{graph.name[node]} = " if graph.name[node] is not None else ""
        symbols = self.expression(node)
        values = self.checkable_arguments(node, op)
        steps = {}
        for language in LANGUAGES:
            numbers = write_numbers(op, [in_language(value, language) for value in values])
            steps[language] = named + (symbols if symbols == numbers else f"{symbols} = {numbers}")
        return say("narrate.gate", gate=op.words("name"), text=Text(steps))

    def checkable_arguments(self, node: int, op) -> list:
        """The arguments' values as the forward step writes them: as the drawing does, or with up to
        MORE_DIGITS more decimals where the gate worked by hand from the numbers as written would not give
        the result as written ("0.500 / 0.125 = 4.00", not "0.50 / 0.13 = 4.00")."""
        args = self.graph.args[node]
        texts = [self.value(a) for a in args]
        numbers = [self.values[a] for a in args]
        result = self.values[node]
        if np.ndim(result) != 0 or any(np.ndim(number) != 0 for number in numbers):
            return texts
        goal = self.value(node)
        for extra in range(MORE_DIGITS + 1):
            written = texts if extra == 0 else [format_number(number, EYE + extra) for number in numbers]
            try:
                worked = op.forward(*(np.float64(text) for text in written))
            except ValueError:  # a value that is not finite, written as a word
                return texts
            if format_number(worked) == goal:
                return written
        return texts

    # -- backward --------------------------------------------------------------

    def backward(self, node: int) -> Text:
        graph = self.graph
        if self.grads[node] is None:
            return say("narrate.no_gradient")
        shares = [(user, wire) for user, wire in self.uses[node] if self.wire_grads[wire] is not None]
        if graph.table[node] is None:
            return self.sum_of_shares(node, shares)
        gate = self.gate(node)
        if len(shares) > 1:  # a computed node used several times: first how its gradient adds up
            return say("narrate.sum_then_gate", total=self.sum_of_shares(node, shares), gate=gate)
        return gate

    def sum_of_shares(self, node: int, shares: list) -> Text:
        head = f"∂{self.out}/∂{on_its_own(self.graph, self.names, node)} = "
        total = self.grad(node)
        if len(shares) <= 1:
            return _joined(head, total)
        listed = shares[:MAX_LISTED_USES]
        more = len(shares) - len(listed)
        texts = [self.wire(w) for _, w in listed]
        if not more:
            texts, total = self.checkable_shares(node, [w for _, w in listed], texts, total)
        uses = listing([say("narrate.share", grad=text, use=self.use_name(u)) for (u, _), text in zip(listed, texts)],
                       PLUS)
        if more:
            uses = _joined(uses, say("narrate.more_uses", more=more))
        return _joined(head, uses, " = ", total)

    def checkable_shares(self, node: int, wires: list, texts: list, total) -> tuple[list, object]:
        """The shares of "∂e/∂b = 2.00 via c + 3.00 via d = 5.00" with the digits a hand check needs: added up as
        shown, they land within half the last digit of the total as shown (rounding.worked), for numbers and for
        arrays shown whole; a longer array keeps the drawing's words."""
        shares = [self.wire_grads[w] for w in wires]
        gradient = self.grads[node]
        if any(np.shape(share) != np.shape(gradient) for share in shares) or np.size(gradient) > MAX_LISTED_ELEMENTS:
            return texts, total
        if all(isinstance(text, str) for text in (*texts, total)) and not np.ndim(gradient):
            try:  # most sums of numbers add up as the drawing writes them: no more digits to look for
                if _lands_on(sum(float(text) for text in texts), total):
                    return texts, total
            except ValueError:  # a number that is not finite, written as a word
                return texts, total
        shown, worked_total = worked(gradient, _added, *shares)
        return shown, worked_total

    def shared(self, node: int) -> bool:
        """Whether the node's gradient is the sum of several uses' shares."""
        return sum(self.wire_grads[wire] is not None for _, wire in self.uses[node]) > 1

    def use_name(self, user: int) -> str:
        """A use told apart from the others by the node it feeds: its name, or its expression in brackets
        ("2.00 via (a + b) + 3.00 via (b + 1)")."""
        return on_its_own(self.graph, self.names, user)

    def gate(self, node: int) -> Text:
        graph = self.graph
        op = graph.table[node]
        args = graph.args[node]
        arg_values = [self.values[a] for a in args]
        scalars = all(np.ndim(v) == 0 for v in arg_values)
        first = self.starts[node]
        if all(self.wire_grads[first + k] is None for k in range(len(args))):
            return say("narrate.constants_only", gate=op.words("name"))
        if op.routes and scalars and len(args) == 2:
            return self.route(node, op, args, arg_values)
        if op.has_words("back") and not op.variadic and not op.routes:  # a routing gate's is for two numbers
            return self.fill(node, op)
        return self.chain_rule(node, op, args)

    def placeholders(self, node: int) -> dict:
        """The facts a gate's own backward sentence may say, each a text or a Text (in words, by language)."""
        op = self.graph.table[node]
        fields = {"g": self.grad(node), "out": self.out}
        first = self.starts[node]
        for k, (param, source) in enumerate(zip(op.params, self.graph.args[node])):
            fields[param] = on_its_own(self.graph, self.names, source)  # "(a − b) gets (c + d) × 2.00"
            fields[f"{param}_value"] = self.value(source)
            fields[f"{param}_grad"] = self.wire(first + k)
        return fields

    def fill(self, node: int, op) -> Text:
        """The gate's own backward sentence (``back``), with its ``back_parts`` for the arguments that need a
        gradient: a swap of numbers shows the other argument's number beside its name ("a gets b × 2.00 = 0.125
        × 2.00 = 0.25"), with the digits a hand check needs; ``back_parts_named`` where the name is the number
        (a constant) or the values are arrays."""
        fields = self.placeholders(node)
        args = self.graph.args[node]
        first = self.starts[node]
        needed = [k for k in range(len(args)) if self.wire_grads[first + k] is not None]
        if not op.has_words("back_parts"):
            needed = []  # a sentence with no parts: add distributes its gradient to both inputs alike
        with_numbers = set()
        if needed and op.params == ("a", "b") and all(np.ndim(self.values[a]) == 0 for a in args):
            others = {k: fields[op.params[1 - k]] for k in needed}  # each part's other argument, by its name
            with_numbers = {k for k in needed if not _reads_as_number(others[k])}
            fields["g"], shown = self.checkable_swap(node, others, with_numbers)
            fields.update({f"{op.params[1 - k]}_value": shown[k] for k in with_numbers})
        parts = op.templates("back_parts") if needed else {}
        named = op.templates("back_parts_named") if needed and op.has_words("back_parts_named") else parts
        separator = say("narrate.parts_separator")
        return _filled(op.templates("back"), fields, parts=Text(
            {language: separator[language].join(
                _fill_in((parts if k in with_numbers else named)[language][k], fields, language) for k in needed)
             for language in LANGUAGES}))

    def checkable_swap(self, node: int, others: dict, with_numbers: set) -> tuple[str, dict[int, str]]:
        """The upstream gradient of a swap of numbers and, for each part k ("a gets b × g = …"), the other
        argument's number, with the digits a hand check needs: the other's number as shown times g as shown
        lands within half the last digit of what the wire shows. g gets up to SCALAR_MORE_DIGITS more decimals
        (the drawing's own text where that is enough), and so does each other number; a constant is its name
        (``others``: each part's other argument by name; ``with_numbers``: the parts that show its number)."""
        g = self.grads[node]
        args = self.graph.args[node]
        drawn = self.grad(node), {k: self.value(args[1 - k]) for k in others}
        goals = {k: self.wire(self.starts[node] + k) for k in others}
        if not all(isinstance(text, str) for text in (drawn[0], *drawn[1].values(), *goals.values())):
            return drawn
        for g_extra in range(SCALAR_MORE_DIGITS + 1):
            g_text = drawn[0] if g_extra == 0 else format_number(g, EYE + g_extra)
            shown = {}
            for k in others:
                candidates = (  # worked out only as far as needed
                    drawn[1][k] if extra == 0 else format_number(self.values[args[1 - k]], EYE + extra)
                    for extra in range(SCALAR_MORE_DIGITS + 1)) if k in with_numbers else (others[k],)
                try:
                    shown[k] = next((text for text in candidates
                                     if _lands_on(float(text) * float(g_text), goals[k])), None)
                except ValueError:  # a number that is not finite, written as a word
                    return drawn
                if shown[k] is None:
                    break
            else:
                return g_text, shown
        return drawn

    def route(self, node: int, op, args, arg_values) -> Text:
        a, b = float(arg_values[0]), float(arg_values[1])
        fields = self.placeholders(node)
        if a == b:  # the engine split the gradient (the op table's tie rule): say what each wire got
            return _filled(op.templates("tie"), fields, half=self.wire(self.starts[node]))
        first_wins = (a > b) == (op.routes == "max")
        win, lose = (0, 1) if first_wins else (1, 0)
        win_value, lose_value = _told_apart(float(arg_values[win]), float(arg_values[lose]))
        return _filled(op.templates("back"), fields, win=on_its_own(self.graph, self.names, args[win]),
                       lose=on_its_own(self.graph, self.names, args[lose]), win_value=win_value, lose_value=lose_value)

    def chain_rule(self, node: int, op, args) -> Text:
        """The generic sentence: for each argument that needs a gradient, local gradient × upstream."""
        g = self.grad(node)
        first = self.starts[node]
        steps = []
        for k, source in enumerate(args):
            wire = first + k
            if self.wire_grads[wire] is None:
                continue
            rule = named_rule_text(self.graph, self.names, self.out, node, k)
            head = _joined(gradient_or_share(self.graph, self.names, self.out, node, k, self.shared(source)),
                           " = ", rule)
            local = self.wire_locals[wire] if self.wire_locals is not None else None
            if local is not None:  # local × upstream with the digits a hand check needs (rounding.worked)
                (local_text, g_text), grad_text = worked(self.wire_grads[wire], np.multiply, local, self.grads[node])
                steps.append(say("narrate.chain_local", head=head, local=local_text, g=g_text, grad=grad_text))
            else:
                steps.append(say("narrate.chain_upstream", head=head, g=g, grad=self.wire(wire)))
        return say("narrate.gate", gate=op.words("name"), text=listing(steps, say("narrate.steps_separator")))


def gradient_or_share(graph: Graph, names: list[str], out: str, node: int, k: int, shared: bool) -> str | Text:
    """What flows back along argument ``k`` of ``node``: ∂out/∂arg, or where the argument is used several
    times, that use's share of it ("the share of ∂f/∂q via q × q (argument 1)"), never the whole gradient's name."""
    gradient = f"∂{out}/∂{on_its_own(graph, names, graph.args[node][k])}"
    if not shared:
        return gradient
    return say("jacobian.share", grad=gradient, use=on_its_own(graph, names, node), position=k + 1)


def _lands_on(number: float, text: str) -> bool:
    return abs(number - float(text)) <= half_last_digit(text) * (1 + 1e-9)


def _told_apart(first: float, second: float) -> tuple[str, str]:
    """Two different numbers as the drawing writes them, or with as many more decimals as it takes for them to
    look different ("because 1.004 > 1.001", never "because 1.00 > 1.00"); at worst every digit."""
    for extra in range(SCALAR_MORE_DIGITS + 1):
        texts = format_number(first, EYE + extra), format_number(second, EYE + extra)
        try:
            if float(texts[0]) != float(texts[1]):  # as numbers: 1.00e-12 and 1e-12 look different but are not
                return texts
        except ValueError:  # a number that is not finite, written as a word: different from any other
            return texts
    return full_precision(first), full_precision(second)


def _added(*shares):
    return sum(shares[1:], shares[0])


def _reads_as_number(text) -> bool:
    """Whether a name is its own number (a constant as typed: "2", "0.5"), so that saying it twice says nothing."""
    try:
        return isinstance(text, str) and math.isfinite(float(text))
    except ValueError:
        return False


PLUS = same(" + ")  # shares added up: notation, the same in every language


def _joined(*pieces) -> Text:
    """Texts and plain strings one after the other, in every language."""
    return Text({language: "".join(in_language(piece, language) for piece in pieces) for language in LANGUAGES})


def _fill_in(template: str, fields: dict, language: str) -> str:
    return template.format_map({name: in_language(fact, language) for name, fact in fields.items()})


def _filled(templates: dict, fields: dict, **more) -> Text:
    """A gate's own sentence (by language, from the catalogs) with its facts filled in."""
    fields = {**fields, **more}
    return Text({language: _fill_in(templates[language], fields, language) for language in LANGUAGES})


_PLACEHOLDER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UPSTREAM = "g"  # what the op table's local-gradient rules call the upstream gradient ("g @ bᵀ")


def named_rule(graph: Graph, names: list[str], out: str, node: int, k: int) -> str:
    """The op table's local-gradient rule for argument ``k`` of ``node`` in the program's own names.

    The table writes its rules in the op's parameters and g ("g @ bᵀ"); in ``z = W @ a + b`` that b is not
    the program's b. Here each parameter becomes its argument's name and g the upstream gradient
    ∂out/∂node: "∂C/∂q @ xᵀ". ``names`` is ``display_names(graph)``."""
    op = graph.table[node]
    texts = op.local_short or op.local_grads
    parts = []
    cut = _rule_parts(texts[min(k, len(texts) - 1)], () if op.variadic else op.params)
    for i, (text, placeholder) in enumerate(cut):
        if placeholder is None:
            parts.append(text)
        elif placeholder == _UPSTREAM:
            parts.append(f"∂{out}/∂{on_its_own(graph, names, node)}")
        else:
            source = graph.args[node][op.params.index(placeholder)]
            alone = parts and parts[-1].endswith("(") and i + 1 < len(cut) and cut[i + 1][0].startswith(")")
            parts.append(names[source] if alone else in_formula(graph, names, source))  # cos(a × b), not cos((a × b))
    return "".join(parts)


def named_rule_text(graph: Graph, names: list[str], out: str, node: int, k: int) -> Text:
    """``named_rule`` in every language: a rule with words in it ("1 if z > w, 0 if z < w, ½ on a tie") comes
    from the catalogs' ``ops.<name>.rules``, its parameters filled in with the program's names."""
    op = graph.table[node]
    worded = op.worded_rules(short=True)
    if worded is None:
        return same(named_rule(graph, names, out, node, k))
    args = {param: in_formula(graph, names, source) for param, source in zip(op.params, graph.args[node])}
    return Text({language: rules[min(k, len(rules) - 1)].format_map(args) for language, rules in worded.items()})


def names_a_parameter(text: str, op) -> bool:
    """A sentence of the op table speaks of the op's parameters by their letters ("by 1/b for a"), which
    are not the program's names."""
    params = () if op.variadic else op.params
    return any(placeholder not in (None, _UPSTREAM) for _, placeholder in _rule_parts(text, params))


@cache
def _rule_parts(rule: str, params: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
    """A rule cut into text and placeholders (a parameter's name, or g): "g @ bᵀ" → g, " @ ", b, "ᵀ". A
    parameter's letter followed by a word is an English article ("½ on a tie"), not a placeholder."""
    parts: list[tuple[str, str | None]] = []
    done = 0
    for match in _PLACEHOLDER.finditer(rule):
        word = match.group()
        if word not in params and word != _UPSTREAM or re.match(r"\s+[A-Za-z]", rule[match.end():]):
            continue
        parts += [(rule[done:match.start()], None), ("", word)]
        done = match.end()
    return tuple(parts + [(rule[done:], None)])
