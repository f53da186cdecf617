// The drawing model: which boxes the picture has and which wires join them, each box sized for what it
// shows, before any layout. A gate is a box (its circle, its name, a tag); every wire is split at a box
// for its two numbers, so that the wire runs between the value above it and the gradient below; the
// output and a node whose value is used nowhere in its row end in a box of their own numbers.
//
// Wrapped in rows (one or more statements each, as a program's lines read), a node computed in an
// earlier row is drawn again where it is used, as a reference by name. A big graph draws each input
// and constant once per use: wires from one input to every corner of a deep graph make any layout a
// tangle.
import { FONT, gateShape, leafSize, nameSize, tagSize, totalTagText, wireLabelSize } from "./labels.js";

const GAP = 16; // between a box and the next along a row, for the estimate of a row's width

// The node ids whose gradient exists: those that depend on an input. A constant, or a gate of constants
// only, has none (the API writes null for it, as it does for a gradient that is not finite).
export function gradientFlows(graph) {
  const flows = new Array(graph.nodes.length).fill(false);
  for (const node of graph.nodes) flows[node.id] = node.op === "input" || node.inputs.some((id) => flows[id]);
  return flows;
}

// For each node, the wires leaving it.
function usesOf(graph) {
  const uses = graph.nodes.map(() => []);
  graph.edges.forEach((edge, wire) => uses[edge.source].push(wire));
  return uses;
}

const isGate = (node) => node.inputs.length > 0;

// The statements of a program, from its graph: a gate assigned a name ends one, and so does the output.
function statements(graph) {
  const ends = graph.nodes.filter((node) => isGate(node) && (node.name || node.id === graph.output)).map((node) => node.id);
  if (!ends.length || ends[ends.length - 1] !== graph.output) ends.push(graph.output);
  let start = 0;
  return ends.map((end) => {
    const ids = [];
    for (let id = start; id <= end; id++) if (isGate(graph.nodes[id])) ids.push(id);
    start = end + 1;
    return { end, gates: ids };
  }).filter((statement) => statement.gates.length);
}

// The number numbers a wire shows: what flows forward along it and what flows back.
function wireNumbers(graph, flows, wire) {
  const edge = graph.edges[wire];
  return { value: edge.value, grad: edge.grad, shape: graph.nodes[edge.source].shape, hasGrad: flows[edge.source] };
}

function nodeNumbers(graph, flows, id) {
  const node = graph.nodes[id];
  return { value: node.value, grad: node.grad, shape: node.shape, hasGrad: flows[id] };
}

// A gate's box: its circle in the middle, its name on one side and a tag on the other, so that the
// wires meet the circle at the box's middle. Left to right: name below, tag above; top to bottom:
// name right, tag left, both level with the circle's middle (the wires' arrowheads arrive at its top).
function gateBox(node, direction, tag) {
  const shape = gateShape(node.label);
  const name = nameSize(node.name);
  const tagged = tag ? tagSize(tag) : { width: 0, height: 0 };
  if (direction === "LR") {
    const extra = Math.max(name.height, tagged.height);
    return {
      width: Math.ceil(Math.max(2 * shape.rx, name.width, tagged.width)), height: Math.ceil(2 * shape.ry + 2 * extra),
      shape, name: [0, shape.ry + FONT.name + 1], tag: [0, -shape.ry - 8], tagText: tag,
      in: [-shape.rx, 0], out: [shape.rx, 0],
    };
  }
  const extra = Math.max(name.width, tagged.width);
  return {
    width: Math.ceil(2 * shape.rx + 2 * extra + 4), height: Math.ceil(2 * shape.ry),
    shape, name: [shape.rx + 3 + name.width / 2, FONT.name / 2 - 1], tag: [-shape.rx - 2 - tagged.width / 2, 0], tagText: tag,
    in: [0, -shape.ry], out: [0, shape.ry],
  };
}

// A leaf's box (an input's name, a constant, or a reference to a node drawn in an earlier row): the
// text in the middle, a tag under it (left to right) or beside it (top to bottom).
function leafBox(node, direction, tag, label = node.label) {
  const size = leafSize({ label });
  const tagged = tag ? tagSize(tag) : { width: 0, height: 0 };
  if (direction === "LR") {
    return { width: Math.max(size.width, tagged.width), height: size.height + 2 * tagged.height,
      tag: [0, size.height / 2 + 6], tagText: tag, out: [size.width / 2, 0] };
  }
  return { width: size.width + 2 * tagged.width, height: size.height,
    tag: [size.width / 2 + tagged.width / 2, 0], tagText: tag, out: [0, size.height / 2] };
}

function labelBox(numbers) {
  const size = wireLabelSize(numbers);
  return { width: size.width, height: size.height, in: [-size.width / 2, 0], out: [size.width / 2, 0] };
}

// options: direction "LR" or "TB"; rowWidth: wrap statements into rows about this wide (null: one
// row); layers: also end a row after every layer of a network (a = σ(z)); copyLeaves: draw each input
// and constant once per use; opsByName: the op table (which gates are elementwise: a row prefers to end
// after one, as a layer of a network does); marker: "∇" or "".
export function buildScene(graph, options = {}) {
  const { direction = "LR", rowWidth = null, layers = false, copyLeaves = false, opsByName = {}, marker = "" } = options;
  const flows = gradientFlows(graph);
  const uses = usesOf(graph);
  const tagOf = (id) => (uses[id].length > 1 && flows[id] ? totalTagText(graph.nodes[id], marker) : null);
  const labels = graph.edges.map((_, wire) => labelBox(wireNumbers(graph, flows, wire)));
  const gates = new Map();
  for (const node of graph.nodes) if (isGate(node)) gates.set(node.id, gateBox(node, direction, tagOf(node.id)));
  const leafWidth = (id) => leafBox(graph.nodes[id], direction, null, graph.nodes[id].name ?? graph.nodes[id].label).width;

  const groups = rowWidth ? wrap(graph, statements(graph), { labels, gates, leafWidth, rowWidth, layers, opsByName })
    : [graph.nodes.filter(isGate).map((node) => node.id)];
  const rowOf = new Map();
  groups.forEach((ids, row) => ids.forEach((id) => rowOf.set(id, row)));
  const homeRowOfLeaf = new Map();
  graph.edges.forEach((edge) => {
    const source = graph.nodes[edge.source];
    if (!isGate(source) && !homeRowOfLeaf.has(source.id)) homeRowOfLeaf.set(source.id, rowOf.get(edge.target) ?? 0);
  });

  // Wires leave a leaf at its side and run through a label from its left to its right side, between its
  // two numbers; at a gate they meet the circle wherever they come from (draw.js clips them to it).
  const leafOut = direction === "LR" ? "e" : "s";
  const rows = groups.map((ids, row) => {
    const boxes = new Map();
    const links = [];
    const addBox = (box) => {
      if (!boxes.has(box.key)) boxes.set(box.key, box);
      return box.key;
    };
    // Where a wire's source is drawn in this row: the gate itself, a copy of a leaf, or a reference.
    const sourceBox = (id, wire) => {
      const node = graph.nodes[id];
      if (isGate(node) && rowOf.get(id) === row) return `n${id}`;
      if (isGate(node)) {
        return addBox({ key: `n${id}-r${row}`, kind: "ref", node: id, ...leafBox(node, direction, null, node.name ?? node.label) });
      }
      const home = copyLeaves ? uses[id][0] === wire : homeRowOfLeaf.get(id) === row;
      const key = copyLeaves ? (home ? `n${id}` : `n${id}-w${wire}`) : (home ? `n${id}` : `n${id}-r${row}`);
      return addBox({ key, kind: "leaf", node: id, ...leafBox(node, direction, home ? tagOf(id) : null) });
    };
    for (const id of ids) boxes.set(`n${id}`, { key: `n${id}`, kind: "gate", node: id, ...gates.get(id) });
    for (const id of ids) {
      graph.nodes[id].inputs.forEach((_, index) => {
        const wire = inputWire(graph, id, index);
        const from = sourceBox(graph.edges[wire].source, wire);
        const fromPort = boxes.get(from)?.kind === "gate" ? null : leafOut;
        boxes.set(`w${wire}`, { key: `w${wire}`, kind: "label", wire, numbers: wireNumbers(graph, flows, wire), ...labels[wire] });
        links.push({ key: `w${wire}-in`, from, to: `w${wire}`, fromPort, toPort: "w", arrow: false });
        links.push({ key: `w${wire}-out`, from: `w${wire}`, to: `n${id}`, fromPort: "e", toPort: null, arrow: true });
      });
    }
    // Numbers of its own for the output, and for a gate whose value is used in no later gate of its row.
    for (const id of ids) {
      const usedHere = uses[id].some((wire) => rowOf.get(graph.edges[wire].target) === row);
      if (id !== graph.output && usedHere) continue;
      const key = id === graph.output ? "wout" : `x${id}`;
      boxes.set(key, { key, kind: "exit", node: id, numbers: nodeNumbers(graph, flows, id), ...labelBox(nodeNumbers(graph, flows, id)) });
      links.push({ key: `${key}-in`, from: `n${id}`, to: key, fromPort: null, toPort: "w", arrow: false });
    }
    return { boxes: [...boxes.values()], links, groups: unfoldedGroups(graph, boxes, opsByName) };
  });
  // An output that is an input or a constant ("x", "3", or "y = 2*x; x"): the leaf and its numbers, last.
  const output = graph.nodes[graph.output];
  if (!isGate(output)) {
    const row = rows[rows.length - 1] ?? (rows[0] = { boxes: [], links: [], groups: [] });
    const drawn = rows.some((other) => other.boxes.some((box) => box.key === `n${output.id}`));
    const key = drawn ? `n${output.id}-out` : `n${output.id}`;
    const numbers = nodeNumbers(graph, flows, output.id);
    row.boxes.push({ key, kind: "leaf", node: output.id, ...leafBox(output, direction, null) },
      { key: "wout", kind: "exit", node: output.id, numbers, ...labelBox(numbers) });
    row.links.push({ key: "wout-in", from: key, to: "wout", fromPort: leafOut, toPort: "w", arrow: false });
  }
  return { direction, rows, flows, wrapped: rows.length > 1 };
}

// The primitives each compound gate unfolded into (nodes with a `group`), with the wires between them, to
// be boxed together and labelled with the gate ("σ  sigmoid"), as app/engine/dot.py boxes them.
function unfoldedGroups(graph, boxes, opsByName) {
  const groups = new Map();
  for (const box of boxes.values()) {
    const node = graph.nodes[box.kind === "label" ? graph.edges[box.wire].target : box.node];
    const inside = box.kind === "gate" || (box.kind === "label" && graph.nodes[graph.edges[box.wire].source].group === node.group);
    if (node?.group === undefined || node.group === null || !inside) continue;
    if (!groups.has(node.group)) {
      const op = opsByName[node.unfolded_from] ?? { name: node.unfolded_from, symbol: node.unfolded_from };
      groups.set(node.group, { key: `g${node.group}`, op: op.name, symbol: op.symbol,
        label: op.symbol !== op.name ? `${op.symbol}  ${op.name}` : op.name, members: [] });
    }
    groups.get(node.group).members.push(box.key);
  }
  return [...groups.values()];
}

// The wire into argument `index` of gate `id`: wires are numbered node by node, argument by argument.
const wireStarts = new WeakMap();
function inputWire(graph, id, index) {
  let starts = wireStarts.get(graph);
  if (!starts) {
    starts = [];
    let wire = 0;
    for (const node of graph.nodes) {
      starts.push(wire);
      wire += node.inputs.length;
    }
    wireStarts.set(graph, starts);
  }
  return starts[id] + index;
}

// Statements packed into rows about rowWidth wide, estimated along the longest path of boxes in each.
// A row that overflows is cut after its last layer (a statement that applies an elementwise function
// to one argument, a = σ(z)), or else before the statement that did not fit; with `layers`, after
// every layer.
function wrap(graph, all, { labels, gates, leafWidth, rowWidth, layers, opsByName }) {
  const layerEnd = (statement) => {
    const node = graph.nodes[statement.end];
    return node.inputs.length === 1 && Boolean(opsByName[node.op]?.elementwise);
  };
  const width = (row) => {
    const inRow = new Set(row.flatMap((statement) => statement.gates));
    const reach = new Map();
    let widest = 0;
    for (const id of [...inRow].sort((a, b) => a - b)) {
      let start = 0;
      graph.nodes[id].inputs.forEach((source, index) => {
        const before = inRow.has(source) ? reach.get(source) : leafWidth(source);
        start = Math.max(start, before + labels[inputWire(graph, id, index)].width + 2 * GAP);
      });
      reach.set(id, start + gates.get(id).width);
      widest = Math.max(widest, reach.get(id) + GAP + 60);
    }
    return widest;
  };
  const rows = [];
  let current = [];
  for (const statement of all) {
    if (layers && current.length && layerEnd(current[current.length - 1])) rows.push(current.splice(0));
    current.push(statement);
    if (current.length === 1 || width(current) <= rowWidth) continue;
    current.pop();
    const lastLayer = current.map(layerEnd).lastIndexOf(true);
    const cut = lastLayer >= 0 ? lastLayer + 1 : current.length;
    rows.push(current.slice(0, cut));
    current = [...current.slice(cut), statement];
    while (current.length > 1 && width(current) > rowWidth) rows.push(current.splice(0, current.length - 1));
  }
  if (current.length) rows.push(current);
  return rows.map((row) => row.flatMap((statement) => statement.gates));
}
