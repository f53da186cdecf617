// A plain layered layout for graphs too big or too deep for Graphviz in the browser (its dot
// recurses, and a chain thousands of gates deep overflows the worker's stack). Each gate sits one
// column right of its furthest argument; each input or constant is drawn beside every gate that uses
// it. The SVG has the same ids and classes as Graphviz's, so the drawing code serves both.

const COLUMN = 130;
const ROW = 56;
const RADIUS = 16;
const LABEL_GAP = 52; // from a gate's centre back to the numbers on its incoming wire
const ASPECT = 1.6; // a deep chain is folded into bands so the whole drawing is about this wide per high

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function columnsOf(graph) {
  const column = new Array(graph.nodes.length).fill(0);
  for (const node of graph.nodes) {
    if (node.inputs.length) column[node.id] = 1 + Math.max(...node.inputs.map((id) => column[id]));
  }
  return column;
}

function wireLabel(id, x, y) {
  return `<g id="${id}" class="node wire-label">` +
    `<text x="${x}" y="${y - 4}" text-anchor="middle" font-size="10"></text>` +
    `<polygon points="${x - 14},${y} ${x + 14},${y}"></polygon>` +
    `<text x="${x}" y="${y + 10}" text-anchor="middle" font-size="10"></text></g>`;
}

function wire(id, from, to, arrow) {
  const path = `<path fill="none" d="M${from[0]},${from[1]} L${to[0]},${to[1]}"></path>`;
  const head = arrow ? `<polygon points="${to[0]},${to[1]} ${to[0] - 6},${to[1] - 3} ${to[0] - 6},${to[1] + 3}"></polygon>` : "";
  return `<g id="${id}" class="edge wire">${path}${head}</g>`;
}

function gate(node, x, y) {
  const name = node.name ? `<text x="${x}" y="${y + 10}" text-anchor="middle" font-size="8">${escape(node.name)}</text>` : "";
  return `<g id="n${node.id}" class="node gate ${node.op}"><ellipse cx="${x}" cy="${y}" rx="${RADIUS}" ry="${RADIUS}"></ellipse>` +
    `<text x="${x}" y="${y + (node.name ? -1 : 4)}" text-anchor="middle" font-size="12">${escape(node.label)}</text>${name}</g>`;
}

function leaf(node, ident, x, y) {
  return `<g id="${ident}" class="node leaf ${node.op}"><text x="${x}" y="${y + 4}" text-anchor="end" font-size="12">${escape(node.label)}</text></g>`;
}

// Gates stacked in their columns; columns folded into bands of equal width.
function gatePositions(graph) {
  const column = columnsOf(graph);
  const rows = new Map();
  const row = [];
  for (const node of graph.nodes) {
    if (!node.inputs.length) continue;
    const used = rows.get(column[node.id]) ?? 0;
    rows.set(column[node.id], used + Math.max(1, node.inputs.length - 0.5));
    row[node.id] = used + node.inputs.length / 2;
  }
  const columns = Math.max(1, ...rows.keys());
  const tallest = Math.max(1, ...rows.values()) + 1;
  const perBand = Math.max(8, Math.ceil(Math.sqrt((ASPECT * columns * tallest * ROW) / COLUMN)));
  const position = [];
  for (const node of graph.nodes) {
    if (!node.inputs.length) continue;
    const band = Math.floor((column[node.id] - 1) / perBand);
    const x = (((column[node.id] - 1) % perBand) + 1) * COLUMN;
    position[node.id] = [x, (band * tallest + row[node.id]) * ROW];
  }
  return position;
}

export function simpleLayout(graph) {
  const position = gatePositions(graph);
  const parts = [];
  graph.edges.forEach((edge, index) => {
    const [x, y] = position[edge.target];
    const source = graph.nodes[edge.source];
    const inputY = y + (edge.index - (graph.nodes[edge.target].inputs.length - 1) / 2) * (ROW * 0.8);
    const labelX = x - LABEL_GAP;
    let start;
    if (source.inputs.length) {
      start = [position[source.id][0] + RADIUS, position[source.id][1]];
    } else {
      parts.push(leaf(source, `n${source.id}-w${index}`, labelX - 30, inputY));
      start = [labelX - 26, inputY];
    }
    parts.push(wire(`w${index}-in`, start, [labelX - 16, inputY], false));
    parts.push(wireLabel(`w${index}`, labelX, inputY));
    parts.push(wire(`w${index}-out`, [labelX + 16, inputY], [x - RADIUS, y], true));
  });
  for (const node of graph.nodes) if (node.inputs.length) parts.push(gate(node, ...position[node.id]));
  const output = graph.nodes[graph.output];
  if (output.inputs.length) {
    const [x, y] = position[output.id];
    parts.push(wire("wout-in", [x + RADIUS, y], [x + LABEL_GAP - 16, y], false));
    parts.push(wireLabel("wout", x + LABEL_GAP, y));
  } else {
    parts.push(leaf(output, `n${output.id}`, 0, 0));
    parts.push(wireLabel("wout", 40, 0));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg"><g id="graph0" class="graph">${parts.join("")}</g></svg>`;
}
