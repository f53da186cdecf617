"""Quiz mode: the numbers of the backward pass (and, for an exercise that hides them, of the forward pass)
as questions a student answers by hand, each with the answers it accepts and a hint that never says the
answer.

A hint is written from the op table's wording and this graph's numbers, through the narration's helpers
(narrate.py): for each use of a node, the gate it feeds, that gate's sentence and its local-gradient rule in
the program's own names, and the upstream and local gradients to multiply; for a node used several times,
that its uses add up. Only ``show``, for the page's "show" button, says the answer.

The page checks an answer as it is typed by comparing it with ``accept``, the range worked out here: the
tolerance is the server's, not the page's.
"""

from __future__ import annotations

import itertools
import math
from functools import cache

import numpy as np

from ..engine.graph import Graph
from ..engine.rounding import format_number, last_digit, shown
from ..engine.serialize import is_finite, json_value
from .jacobian import diagonal, structure
from ..engine.printer import on_its_own
from ..words.catalogs import LANGUAGES
from ..words.messages import NOTHING, Text, listing, same, say
from .narrate import MAX_LISTED_USES, Story, named_rule, named_rule_text, names_a_parameter, preview, tell

# An answer is right when the numbers on screen, rounded as the drawing rounds them, could give it: the
# engine's number give or take how far reading each number rounded moves the result (see _Slack), and 1%.
RELATIVE = 0.01

TOLERANCE = {"relative": RELATIVE, "about": say("quiz.about")}


def quiz(graph: Graph, values: list, grads: list, wire_grads: list, wire_locals: list) -> tuple[dict, list]:
    """The answer's ``quiz`` (how answers are checked) and, by node id, the node's questions or None.

    A node is asked its gradient when it needs one (not a literal constant), and a gate its value too, for
    an exercise that hides the forward pass; a number that is not finite is not asked. ``wire_locals`` is
    ``backward.local_gradients``'s answer."""
    story = tell(graph, values, grads, wire_grads, wire_locals)
    slack = _Slack(story)
    return {"tolerance": TOLERANCE}, [_questions(story, slack, node) for node in range(len(graph))]


def accepted(value, slack) -> dict:
    """The answers accepted for a number, or element by element for an array: ``low`` ≤ answer ≤ ``high``."""
    if value.ndim == 0:  # most nodes: plain floats, several times cheaper than NumPy for one number
        margin = float(slack) + RELATIVE * abs(float(value))
        low, high = float(value) - margin, float(value) + margin
        return {"low": low if math.isfinite(low) else None, "high": high if math.isfinite(high) else None}
    value = np.asarray(value, dtype=float)
    margin = slack + RELATIVE * np.abs(value)
    return {"low": json_value(value - margin), "high": json_value(value + margin)}


def _reading_error(value):
    """How far the number the drawing shows is from the number itself, element by element."""
    if value.ndim == 0:  # most nodes: format_number itself, cheaper than NumPy for one number
        return abs(value - float(format_number(value))) if np.isfinite(value) else np.float64(np.nan)
    return np.abs(value - shown(value))


def _local(story: Story, user: int, k: int):
    """d user / d argument k: a number between numbers, the diagonal of an elementwise gate's Jacobian between
    arrays of one shape (σ′(z) for sigmoid), else None (the rule in words says it)."""
    wire = story.starts[user] + k
    local = story.wire_locals[wire] if story.wire_locals is not None else None
    if local is not None:
        return local
    op, args = story.graph.table[user], story.graph.args[user]
    ans, arg_values = story.values[user], tuple(story.values[a] for a in args)
    if not ans.ndim and not arg_values[k].ndim:  # from a constant, which local_gradients leaves out
        return op.vjps[k](np.float64(1.0), ans, *arg_values)
    if ans.ndim and structure(op, k, ans, arg_values) == "diagonal":
        return diagonal(op, k, ans, arg_values)
    return None


class _Slack:
    """How far an answer worked out from the numbers on screen may be from the engine's, node by node.

    An input or a constant is read off the screen. A gate's value carries its arguments' slack through its
    forward rule (evaluated at the ends of their ranges); a gradient carries each use's upstream slack and
    the reading error of the local gradient it is multiplied by. Rounding the answer as the drawing does then
    moves it by at most half its last digit, and by no more than the carried error and the exact answer's own
    distance from what is shown (an answer worked from exact numbers, such as 6.00, is not moved at all).
    A gate that is not elementwise (a matrix product, a sum) carries 1% of its value per argument, and a wire
    between arrays whose Jacobian is not diagonal 1% of what it carries: a rough allowance, where a gate of
    numbers has a close one."""

    def __init__(self, story: Story):
        self.story = story
        graph = story.graph
        self.value = [None] * len(graph)
        for node in range(len(graph)):  # forwards: a gate's slack reads its arguments'
            self.value[node] = self._value(node)
        self.grad = [None] * len(graph)
        for node in range(len(graph) - 1, -1, -1):  # backwards: a node's reads its users'
            if story.grads[node] is not None:
                self.grad[node] = self._grad(node)

    def _value(self, node: int):
        story = self.story
        value = story.values[node]
        op, args = story.graph.table[node], story.graph.args[node]
        if op is None:
            return _reading_error(value)  # an input or a constant: read off the screen
        slacks = [self.value[a] for a in args]
        if not any(np.any(slack) for slack in slacks):
            return _rounded(value, 0.0)  # worked from numbers read exactly (5, 0.5)
        if op.elementwise and np.shape(value) == np.broadcast_shapes(*map(np.shape, slacks)):
            return _rounded(value, self._corners(op, [story.values[a] for a in args], slacks, value))
        return _rounded(value, len(args) * RELATIVE * np.abs(value))

    @staticmethod
    def _corners(op, arg_values: list, slacks: list, value):
        """How far the gate's forward rule moves when each argument is anywhere within its slack, element by
        element: the most of its value at the corners of those ranges (exact for a gate that is monotone in
        each argument there; the 1% added to every answer covers a turning point inside a small range)."""
        carried = np.zeros(np.shape(value))
        moving = [k for k, slack in enumerate(slacks) if np.any(slack)]
        for corner in itertools.product((-1.0, 1.0), repeat=len(moving)):
            moved = list(arg_values)
            for k, sign in zip(moving, corner):
                moved[k] = arg_values[k] + sign * slacks[k]
            carried = np.fmax(carried, np.abs(op.forward(*moved) - value))
        return carried[()] if carried.ndim == 0 else carried

    def _grad(self, node: int):
        story = self.story
        carried = 0.0
        for user, wire in story.uses[node]:
            if story.wire_grads[wire] is None:
                continue
            local = _local(story, user, wire - story.starts[user])
            if local is None:
                carried = carried + RELATIVE * np.abs(story.wire_grads[wire])
                continue
            # |g̃·l̃ − g·l| for g̃, l̃ within their slack of g, l: the upstream's slack and the local gradient's reading
            upstream, slack, misread = story.grads[user], self.grad[user], _reading_error(local)
            carried = carried + np.abs(local) * slack + np.abs(upstream) * misread + slack * misread
        return _rounded(story.grads[node], carried)


def _rounded(exact, carried):
    """The slack of an answer worked out with ``carried`` error, then rounded as the drawing rounds numbers."""
    return carried + np.minimum(0.5 * last_digit(exact), carried + _reading_error(exact))


def _questions(story: Story, slack: _Slack, node: int) -> dict | None:
    asked = {}
    grad = story.grads[node]
    if grad is not None and is_finite(grad):
        asked["grad"] = {"accept": accepted(grad, slack.grad[node]), **_gradient_hint(story, node)}
    value = story.values[node]
    if story.graph.table[node] is not None and is_finite(value):
        asked["value"] = {"asks": story.names[node], "accept": accepted(value, slack.value[node]),
                          "hint": say("quiz.value_hint", work=story.forward_work(node)),
                          "show": story.forward(node)}
    return asked or None


def _gradient_hint(story: Story, node: int) -> dict:
    """``hint``, ``uses`` (the parts of the hint, one per use) and ``show`` for a node's gradient."""
    graph, out = story.graph, story.out
    me = on_its_own(graph, story.names, node)
    uses = [(user, wire) for user, wire in story.uses[node] if story.wire_grads[wire] is not None]
    parts = [_use(story, node, user, wire) for user, wire in uses]
    answer = _gradient_text(story, node)
    if node == graph.output:
        array = say("quiz.output_array") if np.ndim(story.grads[node]) else NOTHING
        hint = say("quiz.output_hint", out=out, array=array)
        show = same(f"∂{out}/∂{out} = {answer}")
    elif not parts:
        hint = say("quiz.no_wire", me=me, out=out)
        show = same(f"∂{out}/∂{me} = {answer}")
    elif len(parts) == 1:
        [part] = parts
        hint = say("quiz.one_use", words=part["words"], use=part["text"])
        work = f"{part['work']} = " if part["work"] else ""
        show = same(f"∂{out}/∂{me} = {work}{answer}")
    else:
        hint = _sum_hint(me, parts)
        show = story.sum_of_shares(node, uses)
    for part in parts:
        del part["words"], part["work"]
    return {"asks": f"∂{out}/∂{me}", "hint": hint, "uses": parts, "show": show}


def _sum_hint(me: str, parts: list[dict]) -> Text:
    """A node used several times: the words of each kind of gate it feeds, then each use's step, to be added."""
    listed = parts[:MAX_LISTED_USES]
    more = len(parts) - len(listed)
    words = Text({language: "".join(dict.fromkeys(part["words"][language] for part in listed))  # each gate once
                  for language in LANGUAGES})
    return say("quiz.several_uses", words=words, me=me, count=len(parts),
               steps=listing([part["text"] for part in listed], say("quiz.steps_separator")),
               more=say("quiz.more_uses", more=more) if more else NOTHING)


def _use(story: Story, node: int, user: int, wire: int) -> dict:
    """One use of ``node``: the gate it feeds, the rule, the upstream and local gradients, and the step in words."""
    graph, out, names = story.graph, story.out, story.names
    op = graph.table[user]
    k = wire - story.starts[user]
    rule = named_rule(graph, names, out, user, k)
    said = named_rule_text(graph, names, out, user, k)  # the rule in every language
    upstream = story.grads[user]
    local = _local(story, user, k)
    scalar = local is not None and not np.ndim(local)
    part = {"gate": user, "wire": wire, "op": op.name, "rule": said, "upstream": json_value(upstream),
            "local": json_value(local) if scalar else None}
    me = on_its_own(graph, names, node)
    gate = on_its_own(graph, names, user)  # bracketed after ∂: ∂(b × c)/∂b
    up = f"∂{out}/∂{gate} = {_gradient_text(story, user)}"
    feeds = say("quiz.feeds", me=me, gate=_spaced(op.name), node=names[user])
    part["words"] = _gate_words(op)
    if scalar:
        times = said if _is_number(rule) else _then(said, f" = {format_number(local)}")
        part["text"] = say("quiz.use_scalar", feeds=feeds, up=up, user=gate, me=me, times=times)
        part["work"] = f"{_gradient_text(story, user)} × {format_number(local)}"
        return part
    if local is not None:  # elementwise, between arrays of one shape
        times = _then(said, f" = {preview(local)}")
        part["text"] = say("quiz.use_elementwise", feeds=feeds, up=up, user=gate, me=me, times=times)
        part["work"] = f"{_gradient_text(story, user)} ⊙ {preview(local)}"
        return part
    ans = story.values[user]
    others = [f"{names[a]} = {preview(story.values[a])}" for j, a in enumerate(graph.args[user]) if j != k and a != node]
    broadcast = op.elementwise and np.size(story.values[node]) < np.size(ans)
    part["text"] = say("quiz.use_rule", feeds=feeds, rule=said, facts=listing([up, *others], say("quiz.facts_separator")),
                       broadcast=say("quiz.broadcast", me=me) if broadcast else NOTHING)
    part["work"] = rule if f"∂{out}/∂{gate}" in rule else None  # a rule with the upstream in it: ∂f/∂q @ xᵀ
    return part


def _then(text: Text, more: str) -> Text:
    return Text({language: said + more for language, said in text.items()})


def _gradient_text(story: Story, node: int) -> str:
    """A node's gradient in a sentence: a number as the drawing rounds it, an array by its first elements."""
    grad = story.grads[node]
    return story.grad(node) if grad.ndim == 0 else preview(grad)


@cache
def _spaced(op_name: str) -> Text:
    """A gate's name between words: a space on each side when it starts with a Latin letter (乘法门, but max 门
    between Chinese words), one after it otherwise."""
    return Text({language: f" {text} " if text[:1].isascii() else f"{text} "
                 for language, text in say(f"ops.{op_name}.name").items()})


def _gate_words(op) -> Text:
    """How the gate passes gradient back, from its sentence in the catalogs: whole when it speaks only in words,
    else the part before its colon (the rest names the op's parameters, not the program's), else nothing."""
    words = _GATE_WORDS.get(op.name)
    if words is None:
        words = _GATE_WORDS[op.name] = _cut_gate_words(op)
    return words


_GATE_WORDS: dict[str, Text] = {}


def _cut_gate_words(op) -> Text:
    sentences, colons = op.words("sentence"), say("quiz.colon")
    words = {}
    for language in LANGUAGES:
        sentence, colon = sentences[language], colons[language]
        if not names_a_parameter(sentence, op):
            words[language] = say("quiz.gate_words", sentence=sentence)[language]
        elif colon in sentence:
            words[language] = say("quiz.gate_words_cut", head=sentence.split(colon)[0])[language]
        else:
            words[language] = ""
    return Text(words)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
