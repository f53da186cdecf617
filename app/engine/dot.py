"""JSON graph → Graphviz DOT text, drawn as the CS231n notes draw it.

Inputs on the left (``rankdir=LR``), gates as circles, and every wire split
at a small "label node": the forward value in green above the wire and the
gradient in red below it, the wire running between them. Every node, wire
and label carries an ``id`` and ``class``, so a page can restyle and update
the drawing Graphviz makes from this same text.
"""

from __future__ import annotations

import html

from .ops import OPS_BY_NAME
from .rounding import format_value
from .serialize import restore_non_finite

# Above this many nodes, a leaf used several times is drawn once per use: wires from one input to
# every layer of a deep graph make Graphviz's layout time explode (minutes at 1,000 nodes).
SPLIT_LEAVES_ABOVE = 150

VALUE_COLOUR = "#1a7f37"
GRAD_COLOUR = "#cf222e"


def _wire_label(ident: str, value: str, grad: str | None) -> str:
    rows = f'<TR><TD><FONT COLOR="{VALUE_COLOUR}">{html.escape(value)}</FONT></TD></TR>'
    if grad is not None:
        rows += f'<HR/><TR><TD><FONT COLOR="{GRAD_COLOUR}">{html.escape(grad)}</FONT></TD></TR>'
    return (f'  {ident} [id="{ident}", class="wire-label", shape=plaintext, fontsize=10, '
            f'label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>>];')


def _node_line(node: dict, ident: str) -> str:
    label = html.escape(node["label"])
    if node["op"] in ("input", "const"):
        return f'  "{ident}" [id="{ident}", class="leaf {node["op"]}", shape=plaintext, label=<{label}>];'
    if node["name"]:
        label += f'<BR/><FONT POINT-SIZE="9">{html.escape(node["name"])}</FONT>'
    return f'  {ident} [id="{ident}", class="gate {node["op"]}", shape=circle, margin=0.02, label=<{label}>];'


def _leaves_drawn_per_use(result: dict) -> set[int]:
    """The inputs and constants to draw once per use."""
    if len(result["nodes"]) <= SPLIT_LEAVES_ABOVE:
        return set()
    uses: dict[int, int] = {}
    for edge in result["edges"]:
        uses[edge["source"]] = uses.get(edge["source"], 0) + 1
    return {node["id"] for node in result["nodes"]
            if node["op"] in ("input", "const") and uses.get(node["id"], 0) > 1}


def graph_dot(result: dict) -> str:
    """DOT text for the answer of ``compute_graph``."""
    nodes = result["nodes"]
    big = len(nodes) > SPLIT_LEAVES_ABOVE
    # Fewer layout iterations for big graphs: about a quarter faster, and the drawing barely differs.
    tuning = "nslimit=2, nslimit1=2, mclimit=0.3, " if big else ""
    lines = [
        "digraph backprop {",
        f'  graph [rankdir=LR, {tuning}nodesep=0.2, ranksep=0.25, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=12];',
        "  edge [arrowsize=0.5];",
    ]
    copied = _leaves_drawn_per_use(result)
    lines.extend(_node_line(node, f"n{node['id']}") for node in nodes if node["id"] not in copied)
    for wire, edge in enumerate(result["edges"]):
        source = nodes[edge["source"]]
        grad = None if source["op"] == "const" and edge["grad"] is None else \
            format_value(restore_non_finite(edge, "grad"), source["shape"])
        ident = f"w{wire}"
        tail = f"n{source['id']}"
        if source["id"] in copied:
            tail = f"n{source['id']}-{ident}"
            lines.append(_node_line(source, tail))
        lines.append(_wire_label(ident, format_value(restore_non_finite(edge, "value"), source["shape"]), grad))
        lines.append(f'  "{tail}" -> {ident}:w [id="{ident}-in", class="wire", arrowhead=none];')
        lines.append(f'  {ident}:e -> n{edge["target"]} [id="{ident}-out", class="wire"];')
    output = nodes[result["output"]]
    lines.append(_wire_label("wout", format_value(restore_non_finite(output, "value"), output["shape"]),
                             format_value(restore_non_finite(output, "grad"), output["shape"])))
    lines.append(f'  n{output["id"]} -> wout:w [id="wout-in", class="wire", arrowhead=none];')
    lines.extend(_unfolded_groups(result))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _unfolded_groups(result: dict) -> list[str]:
    """A labelled box (a cluster) around the primitives each compound gate unfolded into, and the wires
    between them, so that the drawing shows which gates make up σ. Naming a node declared above adds
    it to the box."""
    members: dict[int, list[str]] = {}
    op_of: dict[int, str] = {}
    for node in result["nodes"]:
        if node.get("group") is not None:
            members.setdefault(node["group"], []).append(f"n{node['id']}")
            op_of[node["group"]] = node["unfolded_from"]
    group_of = {node["id"]: node.get("group") for node in result["nodes"]}
    for wire, edge in enumerate(result["edges"]):
        group = group_of[edge["target"]]
        if group is not None and group_of[edge["source"]] == group:
            members[group].append(f"w{wire}")
    lines = []
    for group, idents in members.items():
        op = OPS_BY_NAME[op_of[group]]
        label = html.escape(f"{op.symbol}  {op.name}" if op.symbol != op.name else op.name)
        lines.append(f'  subgraph cluster_g{group} {{ graph [id="g{group}", class="unfolded-group {op.name}", '
                     f'label=<{label}>, labeljust=l, style="rounded,dashed", color="#8c959f", fontsize=10]; '
                     f'{"; ".join(idents)}; }}')
    return lines
