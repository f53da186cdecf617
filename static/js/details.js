// What the panel beside the drawing says about one node: its operation from /api/ops, its value and
// gradient at full precision, the chain rule for each argument with the numbers in, and, for a node
// used several times, each use's share of its gradient and their sum. All numbers come from the API,
// and so do the narration's sentences (in both languages): this module only picks and lays them out.
import { fullPrecision } from "./format.js";
import { pick, t } from "./i18n.js";

// extras: {deltas: {nodeName: "δ¹"}} from a preset that labels ∂C/∂z of each layer (Nielsen's δ).
export function describeNode(graph, opsByName, id, extras = {}) {
  const node = graph.nodes[id];
  const op = opsByName[node.op];
  const parts = [heading(node, op)];
  parts.push(numbers(node));
  parts.push(delta(graph, node, extras.deltas));
  parts.push(narration(node));
  if (op) {
    parts.push(paragraph(pick({ en: op.sentence, zh: op.sentence_zh ?? op.sentence }), "sentence"));
    if (node.unfolded_from) parts.push(paragraph(t("teach.details.unfolded_from", { op: node.unfolded_from }), "formula"));
    parts.push(paragraph(t("teach.details.forward", { formula: op.formula }), "formula"));
    parts.push(chainRule(graph, node, op));
  } else {
    parts.push(paragraph(t(`leaf.${node.op}`), "sentence"));
  }
  parts.push(uses(graph, node));
  return parts.filter(Boolean);
}

function heading(node, op) {
  const h = document.createElement("h3");
  const gate = op && node.label !== op.name ? `${node.label}  ${op.name}` : op?.name;
  const what = op ? t("teach.details.gate", { gate })
    : node.op === "input" ? t("teach.details.input", { name: node.name }) : t("teach.details.constant", { label: node.label });
  h.textContent = node.name && op ? `${what}  →  ${node.name}` : what;
  return h;
}

function numbers(node) {
  const list = document.createElement("dl");
  list.className = "numbers";
  addTerm(list, t("teach.details.value"), fullPrecision(node.value), "value");
  addTerm(list, t("teach.details.gradient"),
    node.grad === null && node.op === "const" ? t("teach.details.none_needed") : fullPrecision(node.grad), "grad");
  if (node.shape.length) addTerm(list, t("teach.details.shape"), node.shape.join(" × "));
  return list;
}

// The gate's sentences with its numbers in, as the API narrates them: forward, then backward (which
// at a variable used several times is each use's share and the sum).
function narration(node) {
  if (!node.narration) return null;
  const box = document.createElement("div");
  box.className = "narration-details";
  for (const phase of ["forward", "backward"]) {
    const text = pick(node.narration[phase]);
    if (!text) continue;
    const p = paragraph(text, `narrated ${phase}`);
    p.dataset.phase = phase;
    box.append(p);
  }
  return box.childElementCount ? box : null;
}

// Nielsen's δ: ∂C/∂z of a layer, the quantity of the four backpropagation equations.
function delta(graph, node, deltas) {
  const symbol = node.name && deltas?.[node.name];
  if (!symbol) return null;
  const output = graph.nodes[graph.output];
  const p = paragraph("", "delta");
  const tag = span(symbol, "delta-tag");
  p.append(tag, span(` = ∂${output.name ?? "C"}/∂${node.name} = `), span(fullPrecision(node.grad), "grad"));
  p.append(span(`  ${t("teach.details.delta_note")}`, "hint"));
  return p;
}

function chainRule(graph, node, op) {
  const edges = graph.edges.filter((edge) => edge.target === node.id);
  if (!edges.length) return null;
  const table = document.createElement("table");
  table.className = "chain-rule";
  table.createCaption().textContent = t("teach.details.chain_caption");
  const head = table.createTHead().insertRow();
  for (const key of ["chain_to", "chain_local", "chain_flows"]) {
    const th = document.createElement("th");
    th.textContent = t(`teach.details.${key}`);
    head.append(th);
  }
  const body = table.createTBody();
  for (const edge of edges) {
    const source = graph.nodes[edge.source];
    const param = op.variadic ? t("teach.details.item", { k: edge.index + 1 }) : op.params[edge.index];
    const rule = op.local_gradients[op.variadic ? op.params[0] : param];
    const row = body.insertRow();
    cell(row, `${param} = ${source.name ?? source.label}`);
    cell(row, rule);
    row.insertCell().append(...product(node, edge));
  }
  return table;
}

// "upstream × local = flows back", each number in its colour; arrays show only what flows back.
function product(node, edge) {
  if (edge.grad === null) return [span(t("teach.details.none_needed"))];
  const flows = span(fullPrecision(edge.grad), "grad");
  if (edge.local === undefined || edge.local === null) return [span(t("teach.details.arrays")), flows];
  return [span(fullPrecision(node.grad), "grad"), span(" × "), span(fullPrecision(edge.local)), span(" = "), flows];
}

function span(text, className) {
  const element = document.createElement("span");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function uses(graph, node) {
  const outgoing = graph.edges.filter((edge) => edge.source === node.id);
  if (outgoing.length < 2 || node.grad === null) return null;
  const list = document.createElement("div");
  list.className = "uses";
  const shares = outgoing.map((edge) => {
    const target = graph.nodes[edge.target];
    return t("teach.details.share", { grad: fullPrecision(edge.grad), from: `${target.label}${target.name ? ` (${target.name})` : ""}` });
  });
  list.append(paragraph(t("teach.details.used", { n: outgoing.length })));
  const ul = document.createElement("ul");
  for (const share of shares) {
    const li = document.createElement("li");
    li.textContent = share;
    ul.append(li);
  }
  const total = document.createElement("p");
  total.append(span(t("teach.details.sum")), span(fullPrecision(node.grad), "grad"));
  list.append(ul, total);
  return list;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  if (className) p.className = className;
  p.textContent = text;
  return p;
}

function addTerm(list, term, description, className) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = description;
  if (className) dd.className = className;
  list.append(dt, dd);
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
}

// The whole array with its gradient, element by element, at full precision.
export function describeArray(graph, id) {
  const node = graph.nodes[id];
  const wrapper = document.createElement("div");
  const title = document.createElement("h3");
  title.textContent = `${node.name ?? node.label}: ${node.shape.join(" × ")}`;
  wrapper.append(title, matrix(t("teach.details.value"), node.value, "value"),
    matrix(t("teach.details.gradient"), node.grad, "grad"));
  return wrapper;
}

function matrix(caption, value, className) {
  const table = document.createElement("table");
  table.className = `matrix ${className}`;
  table.createCaption().textContent = caption;
  if (value === null) {
    table.createTBody().insertRow().insertCell().textContent = t("teach.details.none_needed");
    return table;
  }
  const rows = Array.isArray(value[0]) ? value.map((row) => row.flat(Infinity)) : [value];
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const x of row) cell(tr, fullPrecision(x));
  }
  return table;
}

// In the drawing, a small δ tag beside the gradient on each wire leaving a node the preset labels
// (Nielsen's δ¹, δ²). Tags are put again after every redraw; changing numbers leave them in place.
export function tagDeltas(svg, graph, deltas) {
  if (!svg) return;
  svg.querySelectorAll("text.delta-tag").forEach((tag) => tag.remove());
  if (!deltas) return;
  const ids = new Map(graph.nodes.filter((node) => node.name && deltas[node.name]).map((node) => [node.id, deltas[node.name]]));
  graph.edges.forEach((edge, wire) => {
    if (ids.has(edge.source)) addTag(svg.querySelector(`[id="w${wire}"]`), ids.get(edge.source));
  });
  if (ids.has(graph.output)) addTag(svg.querySelector('[id="wout"]'), ids.get(graph.output));
}

function addTag(group, symbol) {
  const grad = group?.querySelector("text.grad");
  if (!grad) return;
  const box = grad.getBBox();
  const tag = document.createElementNS("http://www.w3.org/2000/svg", "text");
  tag.setAttribute("class", "delta-tag");
  tag.setAttribute("x", box.x + box.width + 3);
  tag.setAttribute("y", box.y + box.height - 2);
  tag.textContent = symbol;
  grad.after(tag);
}
