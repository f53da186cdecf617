// Where each box of the scene (scene.js) goes: Graphviz's dot (WebAssembly, in a worker) for graphs it
// lays out in good time, or plain layers for the big ones; and which shape of drawing a graph gets on
// this screen: left to right, top to bottom, or wrapped in rows of statements.
//
// Both engines answer the same geometry: {width, height, boxes: Map key → {x, y} (the centre),
// links: Map key → {points, curved}, rows: [{y, height}]}, in SVG units.
import { buildScene } from "./scene.js";

const worker = new Worker(new URL("./layout-worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 0;

worker.onmessage = ({ data }) => {
  const { resolve, reject } = pending.get(data.id);
  pending.delete(data.id);
  if (data.error) reject(new Error(data.error));
  else resolve(data.plains);
};

function graphvizPlain(dots) {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, dots });
  });
}

const ROW_GAP = 28; // between the rows of a wrapped drawing
const dotName = (key) => key.replaceAll("-", "_");
const inches = (px) => Math.round((px / 72) * 1000) / 1000;

// The DOT of one row: boxes of fixed size, and wires that leave and enter each box at its side (so a
// wire runs through the middle of a label, between its two numbers).
function dotOf(row, direction) {
  const big = row.boxes.length > 300;
  const tuning = big ? "nslimit=2,nslimit1=2,mclimit=0.3," : ""; // a quarter faster on big graphs, barely different
  const lines = [`digraph{graph[rankdir=${direction},${tuning}nodesep=0.16,ranksep=0.2,ordering=in];`,
    'node[shape=box,fixedsize=true,label=""];edge[arrowhead=none];'];
  for (const box of row.boxes) lines.push(`${dotName(box.key)}[width=${inches(box.width)},height=${inches(box.height)}];`);
  for (const link of row.links) {
    const ports = [link.fromPort && `tailport=${link.fromPort}`, link.toPort && `headport=${link.toPort}`].filter(Boolean);
    lines.push(`${dotName(link.from)}->${dotName(link.to)}${ports.length ? `[${ports.join(",")}]` : ""};`);
  }
  // An unfolded compound gate's primitives kept together, with room for the box's label above them.
  for (const group of row.groups) {
    lines.push(`subgraph cluster_${group.key}{graph[label="${group.label.replaceAll('"', "")}",fontsize=10,labeljust=l];` +
      `${group.members.map(dotName).join(";")};}`);
  }
  lines.push("}");
  return lines.join("\n");
}

// Graphviz's "plain" output: node centres and edge control points in inches, y upwards.
function parsePlain(text, row) {
  const keys = new Map(row.boxes.map((box) => [dotName(box.key), box.key]));
  const links = new Map(row.links.map((link) => [`${dotName(link.from)}>${dotName(link.to)}`, link.key]));
  const boxes = new Map();
  const paths = new Map();
  let height = 0;
  let width = 0;
  for (const line of text.split("\n")) {
    const parts = line.split(" ");
    if (parts[0] === "graph") {
      width = parseFloat(parts[2]) * 72;
      height = parseFloat(parts[3]) * 72;
    } else if (parts[0] === "node") {
      boxes.set(keys.get(parts[1]), { x: parseFloat(parts[2]) * 72, y: height - parseFloat(parts[3]) * 72 });
    } else if (parts[0] === "edge") {
      const count = parseInt(parts[3], 10);
      const points = [];
      for (let i = 0; i < count; i++) {
        points.push([parseFloat(parts[4 + 2 * i]) * 72, height - parseFloat(parts[5 + 2 * i]) * 72]);
      }
      paths.set(links.get(`${parts[1]}>${parts[2]}`), { points, curved: true });
    }
  }
  return { width, height, boxes, links: paths };
}

// Several scenes laid out in one trip to the worker.
async function graphvizLayouts(scenes) {
  const plains = await graphvizPlain(scenes.flatMap((scene) => scene.rows.map((row) => dotOf(row, scene.direction))));
  let next = 0;
  return scenes.map((scene) => stack(scene.rows.map((row) => parsePlain(plains[next++], row))));
}

// The rows of a wrapped drawing one under the other, each from the left edge.
function stack(rows) {
  const geometry = { width: 0, height: 0, boxes: new Map(), links: new Map(), rows: [] };
  let top = 0;
  for (const row of rows) {
    for (const [key, at] of row.boxes) geometry.boxes.set(key, { x: at.x, y: at.y + top });
    for (const [key, path] of row.links) {
      geometry.links.set(key, { points: path.points.map(([x, y]) => [x, y + top]), curved: path.curved });
    }
    geometry.rows.push({ y: top, height: row.height });
    geometry.width = Math.max(geometry.width, row.width);
    top += row.height + ROW_GAP;
  }
  geometry.height = Math.max(0, top - ROW_GAP);
  return geometry;
}

// -- plain layers, for graphs too big or too deep for Graphviz in the browser ------------------------

const LAYER_GAP = 18;
const STACK_GAP = 8;
const BAND_GAP = 40;

// Each gate one column right of its furthest argument, stacked in its column, each incoming wire's
// numbers left of it, an input or constant left of those (once per use); columns folded into bands
// `bandWidth` wide, so that a long chain reads down the page instead of off its side.
function layeredLayout(scene, bandWidth) {
  return stack(scene.rows.map((row) => layeredRow(row, bandWidth)));
}

function layeredRow(row, bandWidth) {
  const wiring = rowWiring(row);
  const gates = row.boxes.filter((box) => box.kind === "gate").sort((a, b) => a.node - b.node);
  const boxes = placeGates(row, gates, wiring, bandWidth);
  placeExits(row, wiring, boxes);
  const links = new Map();
  const side = (key, end) => {
    const box = wiring.byKey.get(key);
    const at = boxes.get(key);
    return end === "out" ? [at.x + box.width / 2, at.y] : [at.x - box.width / 2, at.y];
  };
  for (const link of row.links) links.set(link.key, { points: [side(link.from, "out"), side(link.to, "in")], curved: false });
  return withinTheDrawing(boxes, links, wiring.byKey);
}

// Who feeds whom in a row: each gate's incoming labels in argument order, and each label's source box.
function rowWiring(row) {
  const byKey = new Map(row.boxes.map((box) => [box.key, box]));
  const into = new Map(); // gate key → its incoming label keys in argument order
  const sourceOf = new Map(); // label key → the box it comes from
  for (const link of row.links) {
    if (link.key.endsWith("-out")) {
      if (!into.has(link.to)) into.set(link.to, []);
      into.get(link.to).push(link.from);
    } else {
      sourceOf.set(link.to, link.from);
    }
  }
  return { byKey, into, sourceOf };
}

// Each gate one column right of its furthest argument.
function gateColumns(gates, { byKey, into, sourceOf }) {
  const column = new Map();
  for (const gate of gates) {
    let c = 1;
    for (const label of into.get(gate.key) ?? []) {
      const source = byKey.get(sourceOf.get(label));
      if (source.kind === "gate") c = Math.max(c, column.get(source.key) + 1);
    }
    column.set(gate.key, c);
  }
  return column;
}

// Every gate at its column's next free height (columns folded into bands), its incoming labels stacked
// left of it, each beside the leaf it comes from.
function placeGates(row, gates, wiring, bandWidth) {
  const { byKey, into, sourceOf } = wiring;
  const column = gateColumns(gates, wiring);
  const widest = (kind) => Math.max(0, ...row.boxes.filter((box) => box.kind === kind).map((box) => box.width));
  const labelWidth = Math.max(widest("label"), widest("exit"));
  const columnWidth = widest("gate") + labelWidth + widest("leaf") + 4 * LAYER_GAP;
  const perBand = Math.max(3, Math.floor((bandWidth - LAYER_GAP) / columnWidth));
  // The room each gate takes in its column: its own box, or the stack of its incoming labels (each
  // beside its leaf, if it comes from one).
  const slot = (label) => Math.max(byKey.get(label).height, byKey.get(sourceOf.get(label)).height) + STACK_GAP;
  const room = (gate) => Math.max(gate.height + STACK_GAP, (into.get(gate.key) ?? []).reduce((sum, label) => sum + slot(label), 0));
  const used = new Map();
  const middle = new Map();
  for (const gate of gates) {
    const c = column.get(gate.key);
    const top = used.get(c) ?? 0;
    middle.set(gate.key, top + room(gate) / 2);
    used.set(c, top + room(gate));
  }
  const bandHeight = Math.max(0, ...used.values()) + BAND_GAP;
  const boxes = new Map();
  const place = (key, x, y) => boxes.set(key, { x, y });
  for (const gate of gates) {
    const c = column.get(gate.key) - 1;
    const x = (c % perBand) * columnWidth + columnWidth - LAYER_GAP - gate.width / 2;
    place(gate.key, x, Math.floor(c / perBand) * bandHeight + middle.get(gate.key));
    const labels = into.get(gate.key) ?? [];
    let y = boxes.get(gate.key).y - labels.reduce((sum, label) => sum + slot(label), 0) / 2;
    for (const label of labels) {
      const box = byKey.get(label);
      const at = [x - gate.width / 2 - LAYER_GAP - box.width / 2, y + slot(label) / 2];
      place(label, ...at);
      const source = byKey.get(sourceOf.get(label));
      if (source.kind !== "gate") place(source.key, at[0] - box.width / 2 - LAYER_GAP / 2 - source.width / 2, at[1]);
      y += slot(label);
    }
  }
  return boxes;
}

// The output's numbers right of the box they leave.
function placeExits(row, { byKey, sourceOf }, boxes) {
  for (const box of row.boxes) {
    if (box.kind !== "exit") continue;
    const from = byKey.get(sourceOf.get(box.key));
    if (!boxes.has(from.key)) boxes.set(from.key, { x: from.width / 2, y: box.height / 2 }); // a program that is one leaf
    const at = boxes.get(from.key);
    boxes.set(box.key, { x: at.x + from.width / 2 + LAYER_GAP + box.width / 2, y: at.y });
  }
}

// The drawing's size, everything shifted right when leaves left of the first column reach below x = 0.
function withinTheDrawing(boxes, links, byKey) {
  let width = 0;
  let height = 0;
  for (const [key, at] of boxes) {
    const box = byKey.get(key);
    width = Math.max(width, at.x + box.width / 2);
    height = Math.max(height, at.y + box.height / 2);
  }
  const left = Math.min(0, ...[...boxes].map(([key, at]) => at.x - byKey.get(key).width / 2));
  if (left < 0) {
    for (const at of boxes.values()) at.x -= left;
    for (const path of links.values()) for (const point of path.points) point[0] -= left;
    width -= left;
  }
  return { width, height, boxes, links };
}

// -- choosing the shape ---------------------------------------------------------------------------------

// The engines by size: Graphviz up to GRAPHVIZ_MAX_NODES; above PLAIN_FIRST_ABOVE plain layers are drawn
// at once and Graphviz's layout replaces them when ready. Graphs up to TRY_SHAPES_UP_TO nodes try every
// shape (each costs a layout); bigger ones of several statements are wrapped in rows (left to right, a
// graph of hundreds of nodes is tens of screens wide), a one-line one is drawn left to right.
export const GRAPHVIZ_MAX_NODES = 1000;
export const PLAIN_FIRST_ABOVE = 250;
const TRY_SHAPES_UP_TO = 150;

// The shapes worth trying for a graph on a screen `viewport` px big, readable at scale `readable`: left
// to right; wrapped in rows as wide as the screen at that scale, ending each row at a layer of a network
// or wherever it is full; top to bottom, on a screen taller than wide.
function shapes(graph, viewport, { readable }) {
  const rows = { name: "rows", direction: "LR", rowWidth: viewport.width / readable };
  if (graph.nodes.length > TRY_SHAPES_UP_TO) return [rows, { name: "LR", direction: "LR" }];
  const tall = viewport.height > viewport.width;
  return [{ name: "LR", direction: "LR" }, { ...rows, name: "layers", layers: true }, rows,
    ...(tall ? [{ name: "TB", direction: "TB" }] : [])];
}

// How well a drawing of `size` suits the viewport: drawings that fit at a readable scale beat those that
// do not; among those, the larger the scale the better (up to comfortable); among the rest, the fewer
// screens to scroll through, and scrolling one way beats panning both ways (by as much as the lesser
// overflow: a drawing a little wider than the screen is nearly as good as one that fits its width).
function shapeScore(size, viewport, { readable, comfort }) {
  const fit = Math.min(viewport.width / size.width, viewport.height / size.height);
  if (fit >= readable) return 1 + Math.min(fit, comfort);
  const across = (size.width * readable) / viewport.width;
  const down = (size.height * readable) / viewport.height;
  const panning = 1 + Math.min(Math.max(0, across - 1), Math.max(0, down - 1));
  return 1 / (1 + Math.max(1, across) * Math.max(1, down) * panning);
}

// Left to right is kept without trying the others when its numbers are at least this big on screen.
const LEFT_TO_RIGHT_IS_ENOUGH = 1.0;

// The drawing of a graph for this screen: {scene, geometry, engine, shape}. engine "plain" when drawn
// in plain layers (big graphs; Graphviz may replace it later: refine).
export async function drawingFor(graph, viewport, options) {
  const { opsByName, marker, readable, comfort, engine } = options;
  const big = graph.nodes.length > 150; // beyond, each input is drawn once per use (as app/engine/dot.py does)
  const scenes = [];
  for (const shape of shapes(graph, viewport, { readable })) {
    const scene = buildScene(graph, { direction: shape.direction, rowWidth: shape.rowWidth, layers: shape.layers,
      copyLeaves: big || engine === "plain", opsByName, marker });
    if (shape.rowWidth && !scene.wrapped) continue; // a program of one statement, or one that fits a row
    const rows = `${shape.direction} ${scene.rows.map((row) => row.boxes.length).join(" ")}`;
    if (scenes.some((other) => other.rows === rows)) continue; // the same rows as a shape already tried
    scenes.push({ shape, scene, rows });
    if (graph.nodes.length > TRY_SHAPES_UP_TO) break; // a big graph takes the first shape that applies
  }
  if (engine === "plain" || graph.nodes.length > GRAPHVIZ_MAX_NODES) {
    const { shape, scene } = scenes[0];
    return { scene, geometry: layeredLayout(scene, viewport.width / readable), engine: "plain", shape: `plain ${shape.name}` };
  }
  const drawing = ({ shape, scene }, geometry) => ({ scene, geometry, engine: "graphviz", shape: shape.name,
    score: shapeScore(geometry, viewport, { readable, comfort }) * (shape.name === "LR" ? 1.05 : 1) });
  const [first, ...others] = scenes;
  const [geometry] = await graphvizLayouts([first.scene]);
  const fit = Math.min(viewport.width / geometry.width, viewport.height / geometry.height);
  if (graph.nodes.length > TRY_SHAPES_UP_TO || !others.length || (first.shape.name === "LR" && fit >= LEFT_TO_RIGHT_IS_ENOUGH)) {
    return drawing(first, geometry);
  }
  const geometries = await graphvizLayouts(others.map(({ scene }) => scene));
  const tried = [drawing(first, geometry), ...others.map((candidate, i) => drawing(candidate, geometries[i]))];
  const best = tried.reduce((chosen, candidate) => (candidate.score > chosen.score ? candidate : chosen));
  // What was weighed, for the curious (window.backpropLab.page.tried): each shape's size and score.
  best.tried = tried.map(({ shape, score, geometry: g }) => ({ shape, score, width: g.width, height: g.height }));
  return best;
}
