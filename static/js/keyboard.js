// Moving from node to node with the keyboard, along the graph's own wires: with a node focused,
// ← goes to one of its inputs, → to a node that uses it, ↑ ↓ to the previous or next node in the
// order the forward pass computes them, Enter opens what there is to open. The keys are handled on
// the drawing and stop there, so the page's step keys (→ ← on the page) do not also fire. The drawing
// is one tab stop (roving tabindex), as a listbox or a tree is.

const d3 = window.d3;

export class NodeKeys {
  // view: the GraphView; getGraph(): the graph on screen; onEnter(id): open a node's details.
  constructor(view, getGraph, { onEnter }) {
    this.view = view;
    this.getGraph = getGraph;
    this.onEnter = onEnter;
    this.cameFrom = new Map(); // node id → the neighbour focus came from, so ← after → goes back
    view.container.addEventListener("keydown", (event) => this.keydown(event));
    view.container.addEventListener("focusin", (event) => this.rove(event.target));
  }

  // One tab stop for the whole drawing (a big graph has thousands of nodes): Tab enters the drawing at
  // the node last focused, the arrows move inside it. Called after every answer.
  update() {
    const svg = this.view.svg;
    if (!svg || svg === this.roving) return;
    this.roving = svg;
    svg.querySelector("g.node:not(.wire-label)")?.setAttribute("tabindex", "0"); // the others are drawn with -1
  }

  rove(target) {
    const group = target.closest?.("g.node:not(.wire-label)");
    if (!group || !this.view.svg) return;
    this.view.svg.querySelectorAll('g.node[tabindex="0"]').forEach((other) => other.setAttribute("tabindex", "-1"));
    group.setAttribute("tabindex", "0");
  }

  keydown(event) {
    const group = event.target.closest?.("g.node:not(.wire-label)");
    const graph = this.getGraph();
    if (!group || !graph || event.altKey || event.ctrlKey || event.metaKey) return;
    const id = nodeIdOf(group);
    const node = graph.nodes[id];
    if (!node) return;
    const target = {
      ArrowLeft: () => this.inputOf(graph, id),
      ArrowRight: () => this.userOf(graph, id),
      ArrowUp: () => (id > 0 ? { id: id - 1 } : null),
      ArrowDown: () => (id < graph.nodes.length - 1 ? { id: id + 1 } : null),
    }[event.key];
    if (target) {
      event.preventDefault();
      event.stopPropagation();
      const next = target();
      if (next) this.move(graph, id, next);
      return;
    }
    if (event.key === "Enter") {
      event.stopPropagation();
      this.onEnter(id);
    }
  }

  // The input focus came from if any (back along the way it came), else the first input.
  inputOf(graph, id) {
    const wires = wiresInto(graph, id);
    if (!wires.length) return null;
    const back = this.cameFrom.get(id);
    const wire = wires.find((w) => graph.edges[w].source === back) ?? wires[0];
    return { id: graph.edges[wire].source, wire };
  }

  userOf(graph, id) {
    const back = this.cameFrom.get(id);
    const wires = graph.edges.map((edge, wire) => [edge, wire]).filter(([edge]) => edge.source === id);
    if (!wires.length) return null;
    const [edge, wire] = wires.find(([e]) => e.target === back) ?? wires[0];
    return { id: edge.target, wire };
  }

  move(graph, from, { id, wire }) {
    this.cameFrom.set(id, from);
    this.view.ensureNode(id);
    const element = elementOf(this.view.svg, id, wire);
    if (!element) return;
    element.focus();
    this.keepInView(element);
  }

  // A node moved to off the screen is brought back into view, without changing the zoom.
  keepInView(element) {
    const svg = this.view.svg;
    const box = element.getBoundingClientRect();
    const frame = svg.getBoundingClientRect();
    const margin = 40;
    const inside = box.left >= frame.left + margin && box.right <= frame.right - margin &&
      box.top >= frame.top + margin && box.bottom <= frame.bottom - margin;
    if (inside) return;
    const k = d3.zoomTransform(svg).k;
    const dx = (frame.left + frame.width / 2 - (box.left + box.width / 2)) / k;
    const dy = (frame.top + frame.height / 2 - (box.top + box.height / 2)) / k;
    this.view.moved = true;
    d3.select(svg).call(this.view.zoom.translateBy, dx, dy);
  }
}

function wiresInto(graph, id) {
  return graph.edges.map((edge, wire) => [edge, wire]).filter(([edge]) => edge.target === id)
    .sort(([a], [b]) => a.index - b.index).map(([, wire]) => wire);
}

// A node is drawn as n<id>; again as n<id>-w<wire> (a leaf of a big graph, once per use) or as
// n<id>-r<row> (where a wrapped drawing uses it in a later row).
export function elementOf(svg, id, wire) {
  if (!svg) return null;
  return svg.querySelector(`g[id="n${id}"]`) ?? svg.querySelector(`g[id="n${id}-w${wire}"]`) ??
    svg.querySelector(`g[id^="n${id}-"]`);
}

function nodeIdOf(group) {
  return parseInt(group.id.slice(1), 10);
}
