"""Narration: for every node, a sentence in English and in Chinese on its forward and its backward step,
with the numbers the engine computed in it ("mul: x × y = 3.00 × -4.00 = -12.00").

The wording of each gate (its forward form, how it passes gradient back) comes from its row of the op
table, and every number is written as the drawing writes it (app/engine/rounding.py); this module only fills
the numbers in and says the two things that are not any one gate's: the chain rule of a gate without a
sentence of its own, and the sum of a node's shares when it is used several times
("∂e/∂b = 2.00 via c + 3.00 via d = 5.00").
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from ..engine.graph import CONST, INPUT, Graph
from ..engine.printer import display_names, expression, in_formula, on_its_own, write_numbers
from ..engine.rounding import array_decimals, format_array, format_number

MAX_LISTED_ELEMENTS = 4  # an array with more elements is told by its shape
MAX_LISTED_USES = 6  # a node used more often lists the first few shares and says how many more


def value_text(value, zh: bool = False) -> str:
    """A value for a sentence: a number, a short array in full, or a longer array by its shape."""
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
        return f"{array.size} 元向量" if zh else f"a {array.size}-element vector"
    shape = "×".join(map(str, array.shape))
    return f"{shape} 数组" if zh else f"a {shape} array"


def preview(value, decimals: int | None | bool = False) -> str:
    """A value for an equation, the same in both languages: a number, a short array in full, or a longer
    one by its first elements and its shape ("[[0.10, -0.20, …], [0.40, 0.50, …], …] (4×3)"); an array in
    one format (rounding.array_decimals, or ``decimals`` when given)."""
    array = np.asarray(value)
    if array.ndim == 0:
        return format_number(array)
    if decimals is False:
        decimals = array_decimals(array.ravel().tolist())
    if array.size <= MAX_LISTED_ELEMENTS:
        return _nested(array, decimals)
    return f"{_first_elements(array, decimals)} ({'×'.join(map(str, array.shape))})"


def _first_elements(array: np.ndarray, decimals, rows: int = 2, columns: int = 3) -> str:
    if array.ndim == 1:
        items = format_array(array[:columns].tolist(), decimals)
        return "[" + ", ".join(items + ["…"] * (array.size > columns)) + "]"
    items = [_first_elements(row, decimals, rows, columns) for row in array[:rows]]
    return "[" + ", ".join(items + ["…"] * (len(array) > rows)) + "]"


def _nested(array: np.ndarray, decimals=False) -> str:
    if decimals is False:
        decimals = array_decimals(array.ravel().tolist())
    if array.ndim == 0:
        return format_array([float(array)], decimals)[0]
    return "[" + ", ".join(_nested(row, decimals) for row in array) + "]"


def narrate(graph: Graph, values: list, grads: list, wire_grads: list, wire_locals: list) -> list[dict]:
    """By node id: {"forward": {"en", "zh"}, "backward": {"en", "zh"}, "name", "expression"}: the sentences,
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
    """``value_text`` of each item of a column, in each language, worked out when first asked for."""

    def __init__(self, column: list):
        self.column = column
        self.texts: dict[tuple[int, bool], str] = {}

    def __call__(self, index: int, zh: bool = False) -> str:
        key = (index, zh)
        text = self.texts.get(key)
        if text is None:
            item = self.column[index]
            if item is not None and item.__class__ is not np.float64:
                text = value_text(item, zh)
            else:  # a number reads the same in both languages
                text = self.texts.get((index, not zh)) or value_text(item)
            self.texts[key] = text
        return text


class Story:
    def __init__(self, graph, values, grads, wire_grads, wire_locals, names, out, uses):
        self.graph, self.values, self.grads = graph, values, grads
        self.wire_grads, self.wire_locals = wire_grads, wire_locals
        self.names, self.out, self.uses = names, out, uses
        self.starts = graph.edge_starts()
        # Each number is said in several sentences and both languages: its text is worked out once.
        self.value = _TextColumn(values)
        self.grad = _TextColumn(grads)
        self.wire = _TextColumn(wire_grads)
        self.works: dict[int, dict] = {}

    # -- forward ---------------------------------------------------------------

    def expression(self, node: int) -> str:
        """The node as its gate applied to its arguments' names ("b × c"); an input's or a constant's label."""
        return expression(self.graph, self.names, node)

    def forward(self, node: int) -> dict:
        graph = self.graph
        op = graph.table[node]
        kind = graph.kind[node]
        if kind == INPUT:
            return {"en": f"{graph.name[node]} = {self.value(node)} (input)",
                    "zh": f"{graph.name[node]} = {self.value(node, True)}（输入）"}
        if kind == CONST or op is None:
            return {"en": f"constant {self.value(node)}",
                    "zh": f"常数 {self.value(node, True)}"}
        work = self.forward_work(node)
        return {lang: f"{work[lang]} = {self.value(node, lang == 'zh')}" for lang in work}

    def forward_work(self, node: int) -> dict:
        """A gate's forward step up to its result: "mul: u = b × c = 3.00 × 2.00" (worked out once: quiz mode
        asks for it twice)."""
        work = self.works.get(node)
        if work is None:
            work = self.works[node] = self._forward_work(node)
        return work

    def _forward_work(self, node: int) -> dict:
        graph = self.graph
        op = graph.table[node]
        args = graph.args[node]
        named = f"{graph.name[node]} = " if graph.name[node] is not None else ""
        symbols = self.expression(node)
        lines = {}
        for lang, zh in (("en", False), ("zh", True)):
            numbers = write_numbers(op, [self.value(a, zh) for a in args])
            steps = symbols if symbols == numbers else f"{symbols} = {numbers}"
            head = op.name_zh + "：" if zh else op.name + ": "
            lines[lang] = f"{head}{named}{steps}"
        return lines

    # -- backward --------------------------------------------------------------

    def backward(self, node: int) -> dict:
        graph = self.graph
        if self.grads[node] is None:
            return {"en": "no gradient: this depends on no input", "zh": "不需要梯度：它不依赖任何输入"}
        shares = [(user, wire) for user, wire in self.uses[node] if self.wire_grads[wire] is not None]
        if graph.table[node] is None:
            return self.sum_of_shares(node, shares)
        gate = self.gate(node)
        if len(shares) > 1:  # a computed node used several times: first how its gradient adds up
            total = self.sum_of_shares(node, shares)
            return {"en": f"{total['en']}. {gate['en']}", "zh": f"{total['zh']}。{gate['zh']}"}
        return gate

    def sum_of_shares(self, node: int, shares: list) -> dict:
        head = f"∂{self.out}/∂{on_its_own(self.graph, self.names, node)} = "
        total_en, total_zh = self.grad(node), self.grad(node, True)
        if len(shares) <= 1:
            return {"en": head + total_en, "zh": head + total_zh}
        listed = shares[:MAX_LISTED_USES]
        en = " + ".join(f"{self.wire(w)} via {self.use_name(u)}" for u, w in listed)
        zh = " + ".join(f"{self.wire(w, True)}（经 {self.use_name(u)}）" for u, w in listed)
        more = len(shares) - len(listed)
        if more:
            en += f" + … ({more} more uses)"
            zh += f" + …（另有 {more} 处使用）"
        return {"en": f"{head}{en} = {total_en}", "zh": f"{head}{zh} = {total_zh}"}

    def use_name(self, user: int) -> str:
        """A use told apart from the others by the node it feeds: its name, or its expression in brackets
        ("2.00 via (a + b) + 3.00 via (b + 1)")."""
        return on_its_own(self.graph, self.names, user)

    def gate(self, node: int) -> dict:
        graph = self.graph
        op = graph.table[node]
        args = graph.args[node]
        arg_values = [self.values[a] for a in args]
        scalars = all(np.ndim(v) == 0 for v in arg_values)
        first = self.starts[node]
        if all(self.wire_grads[first + k] is None for k in range(len(args))):
            return {"en": f"{op.name}: its inputs are constants, so no gradient flows back",
                    "zh": f"{op.name_zh}：它的输入都是常数，梯度不再往回传"}
        if op.routes and scalars and len(args) == 2:
            return self.route(node, op, args, arg_values)
        if op.back_en and not op.variadic and not op.routes:  # a routing gate's sentence is for two numbers
            return {"en": self.fill(node, op.back_en, op.back_parts_en, False, ", "),
                    "zh": self.fill(node, op.back_zh, op.back_parts_zh, True, "，")}
        return self.chain_rule(node, op, args)

    def placeholders(self, node: int, zh: bool) -> dict:
        op = self.graph.table[node]
        fields = {"g": self.grad(node, zh), "out": self.out}
        first = self.starts[node]
        for k, (param, source) in enumerate(zip(op.params, self.graph.args[node])):
            fields[param] = on_its_own(self.graph, self.names, source)  # "(a − b) gets (c + d) × 2.00"
            fields[f"{param}_value"] = self.value(source, zh)
            fields[f"{param}_grad"] = self.wire(first + k, zh)
        return fields

    def fill(self, node: int, template: str, parts: tuple, zh: bool, joiner: str) -> str:
        fields = self.placeholders(node, zh)
        first = self.starts[node]
        fields["parts"] = joiner.join(
            part.format_map(fields) for k, part in enumerate(parts) if self.wire_grads[first + k] is not None)
        return template.format_map(fields)

    def route(self, node: int, op, args, arg_values) -> dict:
        a, b = float(arg_values[0]), float(arg_values[1])
        lines = {}
        for lang, zh in (("en", False), ("zh", True)):
            fields = self.placeholders(node, zh)
            if a == b:  # the engine split the gradient (the op table's tie rule): say what each wire got
                fields["half"] = self.wire(self.starts[node], zh)
                lines[lang] = (op.tie_zh if zh else op.tie_en).format_map(fields)
                continue
            first_wins = (a > b) == (op.routes == "max")
            win, lose = (0, 1) if first_wins else (1, 0)
            fields.update(win=on_its_own(self.graph, self.names, args[win]),
                          lose=on_its_own(self.graph, self.names, args[lose]),
                          win_value=value_text(arg_values[win], zh), lose_value=value_text(arg_values[lose], zh))
            lines[lang] = (op.back_zh if zh else op.back_en).format_map(fields)
        return lines

    def chain_rule(self, node: int, op, args) -> dict:
        """The generic sentence: for each argument that needs a gradient, local gradient × upstream."""
        g_en, g_zh = self.grad(node), self.grad(node, True)
        first = self.starts[node]
        en, zh = [], []
        for k, source in enumerate(args):
            wire = first + k
            if self.wire_grads[wire] is None:
                continue
            rule = named_rule(self.graph, self.names, self.out, node, k)
            head = f"∂{self.out}/∂{on_its_own(self.graph, self.names, source)} = {rule}"
            local = self.wire_locals[wire] if self.wire_locals is not None else None
            if local is not None:
                en.append(f"{head} × upstream = {format_number(local)} × {g_en} = {self.wire(wire)}")
                zh.append(f"{head} × 上游梯度 = {format_number(local)} × {g_zh} = {self.wire(wire, True)}")
            else:
                en.append(f"{head}, with upstream {g_en}: {self.wire(wire)}")
                zh.append(f"{head}，上游梯度为 {g_zh}：{self.wire(wire, True)}")
        return {"en": f"{op.name}: " + "; ".join(en), "zh": f"{op.name_zh}：" + "；".join(zh)}


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
    for text, placeholder in _rule_parts(texts[min(k, len(texts) - 1)], () if op.variadic else op.params):
        if placeholder is None:
            parts.append(text)
        elif placeholder == _UPSTREAM:
            parts.append(f"∂{out}/∂{on_its_own(graph, names, node)}")
        else:
            source = graph.args[node][op.params.index(placeholder)]
            parts.append(in_formula(graph, names, source))
    return "".join(parts)


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
