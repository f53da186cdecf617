// What the explanation card says about one node, in the program's own names: what it computes ("u = b ×
// c"), its value and gradient, the narration's sentences with the numbers in, how its gate passes
// gradient back, the chain rule for each argument (upstream × local = flows back, each local gradient
// written in the program's names), and for a node used several times each use's share, named by the
// expression it feeds, and their sum. Numbers are rounded as the drawing rounds them; hover one for
// full precision. All of it comes from the API (narration, each wire's rule and local gradient): this
// module only picks and lays it out.
import { paragraph } from "./dom.js";
import { arrayDecimals, formatArray, formatNumber, formatPreview, fullPrecision } from "./format.js";
import { pick, t } from "./i18n.js";
import { shapeInWords } from "./labels.js";
import { gateName } from "./op-names.js";

// extras: {flows: which nodes have a gradient (scene.js's gradientFlows); views(graph, node): what the
// teaching modes add to the chain rule (the Jacobians of array wires)}.
export function describeNode(graph, opsByName, id, extras = {}) {
  const node = graph.nodes[id];
  const op = opsByName[node.op];
  const parts = [heading(node, op)];
  parts.push(numbers(node, extras.flows?.[id] ?? node.grad !== null));
  parts.push(delta(graph, node), ...equations(graph, node));
  parts.push(narration(node));
  if (op) {
    parts.push(paragraph(pick(op.sentence), "sentence"));
    if (node.unfolded_from) {
      const gate = gateName(opsByName[node.unfolded_from], node.unfolded_from);
      parts.push(paragraph(t("teach.details.unfolded_from", { gate }), "formula"));
    }
    parts.push(chainRule(graph, node, op), ...(extras.views?.(graph, node) ?? []));
  } else {
    parts.push(paragraph(t(`leaf.${node.op}`), "sentence"));
  }
  parts.push(uses(graph, node));
  if (!node.narration) parts.push(paragraph(t("details.loading"), "hint loading"));
  return parts.filter(Boolean);
}

// What the sentences call a node: its name, or its expression ("b × c"), as the API writes them.
export function nameOf(node) {
  return node.narration?.name ?? node.name ?? node.label;
}

function heading(node, op) {
  const h = document.createElement("h3");
  if (!op) {
    h.textContent = node.op === "input" ? t("teach.details.input", { name: node.name }) : t("teach.details.constant", { label: node.label });
    return h;
  }
  const expression = node.narration?.expression;
  const computes = expression ? (node.name ? `${node.name} = ${expression}` : expression) : node.name ?? node.label;
  h.append(span(computes), span(`  ${gateName(op)}`, "gate-name"));
  return h;
}

// A number rounded for the eye, its full precision a hover away; an array by its numbers (format.js
// formatPreview: a small one whole, a big one by its corner and its shape), never by its shape alone.
export function rounded(value, shape, className) {
  const text = shape?.length ? formatPreview(value, shape) : formatNumber(value);
  const element = span(text, className);
  element.title = fullPrecision(value);
  element.dataset.full = fullPrecision(value);
  return element;
}

function numbers(node, hasGrad) {
  const list = document.createElement("dl");
  list.className = "numbers";
  addTerm(list, t("teach.details.value"), rounded(node.value, node.shape, "value"));
  addTerm(list, t("teach.details.gradient"), hasGrad ? rounded(node.grad, node.shape, "grad") : span(t("teach.details.none_needed")));
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

// Nielsen's δ: ∂C/∂z of a layer, the quantity of the four backpropagation equations (the API's `delta`
// on a layer's z, with "layers": true).
function delta(graph, node) {
  if (!node.delta) return null;
  const output = graph.nodes[graph.output];
  const p = paragraph("", "delta");
  p.append(span(node.delta, "delta-tag"), span(` = ∂${output.name ?? "C"}/∂${nameOf(node)} = `), rounded(node.grad, node.shape, "grad"));
  p.append(span(`  ${t("teach.details.delta_note")}`, "hint"));
  return p;
}

// The equations of backpropagation that give this node's gradient (BP1 or BP2 at a layer's z, BP3 at its
// bias, BP4 at its weights), as the API says them with the numbers.
function equations(graph, node) {
  const found = (graph.layers ?? []).flatMap((layer) => layer.equations).filter((equation) => equation.node === node.id);
  return found.map((equation) => paragraph(pick(equation.text), "equation-text"));
}

// One row per argument: ∂out/∂argument, its local gradient in the program's names and its number, and
// upstream × local = what flows back along that wire.
function chainRule(graph, node, op) {
  const edges = graph.edges.filter((edge) => edge.target === node.id);
  if (!edges.length) return null;
  const out = graph.nodes[graph.output].name ?? "f";
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
    const row = body.insertRow();
    const argument = nameOf(source);
    row.insertCell().textContent = `∂${out}/∂${/\s/.test(argument) ? `(${argument})` : argument}`;
    const rule = edge.rule ?? op.local_gradients[op.variadic ? op.params[0] : op.params[edge.index]];
    const local = row.insertCell();
    if (edge.local_worked) { // the rule with the gate's numbers in, as the API works it out: σ(1−σ) = 0.73 × 0.27 = 0.20
      local.append(span(edge.local_worked, "worked"));
      local.title = fullPrecision(edge.local);
    } else {
      local.append(span(pick(rule)));
      if (edge.local !== undefined && edge.local !== null && !source.shape.length) local.append(span(" = "), rounded(edge.local, []));
    }
    row.insertCell().append(...product(graph, node, edge));
  }
  return table;
}

// "upstream × local = flows back", each number in its colour; arrays show only what flows back.
function product(graph, node, edge) {
  if (edge.grad === null && node.grad !== null) return [rounded(null, [], "grad")];
  if (edge.grad === null) return [span(t("teach.details.none_needed"))];
  const shape = graph.nodes[edge.source].shape;
  const flows = rounded(edge.grad, shape, "grad");
  if (edge.local === undefined || edge.local === null || shape.length) return [flows];
  return [rounded(node.grad, [], "grad"), span(" × "), rounded(edge.local, []), span(" = "), flows];
}

function uses(graph, node) {
  const outgoing = graph.edges.filter((edge) => edge.source === node.id);
  if (outgoing.length < 2 || node.grad === null) return null;
  const list = document.createElement("div");
  list.className = "uses";
  list.append(paragraph(t("teach.details.used", { n: outgoing.length })));
  const ul = document.createElement("ul");
  for (const edge of outgoing) {
    const li = document.createElement("li");
    li.append(rounded(edge.grad, node.shape, "grad"), span(` ${t("teach.details.via", { use: useName(graph.nodes[edge.target]) })}`));
    ul.append(li);
  }
  const total = document.createElement("p");
  total.append(span(t("teach.details.sum")), rounded(node.grad, node.shape, "grad"));
  list.append(ul, total);
  return list;
}

// A use named unambiguously: the name of the node it feeds, or its expression in brackets.
function useName(target) {
  if (target.name) return target.name;
  const expression = target.narration?.expression ?? target.label;
  return /\s/.test(expression) ? `(${expression})` : expression;
}

function span(text, className) {
  const element = document.createElement("span");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function addTerm(list, term, description) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.append(description);
  list.append(dt, dd);
}

// The whole array with its gradient, element by element, rounded; each element's full precision on hover;
// then what the teaching modes add (extras.views, as for a node's card).
export function describeArray(graph, id, hasGrad = true, extras = {}) {
  const node = graph.nodes[id];
  const wrapper = document.createElement("div");
  const title = document.createElement("h3");
  title.textContent = `${nameOf(node)}: ${shapeInWords(node.shape)}`;
  wrapper.append(title, matrix(t("teach.details.value"), node.value, node.shape, "value"),
    matrix(t("teach.details.gradient"), hasGrad ? node.grad : undefined, node.shape, "grad"),
    ...(extras.views?.(graph, node) ?? []));
  return wrapper;
}

function matrix(caption, value, shape, className) {
  const table = document.createElement("table");
  table.className = `matrix ${className}`;
  table.createCaption().textContent = caption;
  if (value === undefined) {
    table.createTBody().insertRow().insertCell().textContent = t("teach.details.none_needed");
    return table;
  }
  const columns = shape.length > 1 ? shape[shape.length - 1] : 1;
  const flat = value === null ? new Array(shape.reduce((a, b) => a * b, 1)).fill(null) : [value].flat(Infinity);
  const decimals = arrayDecimals(flat); // one array, one format
  const body = table.createTBody();
  for (let start = 0; start < flat.length; start += columns) {
    const tr = body.insertRow();
    for (const x of flat.slice(start, start + columns)) {
      const td = tr.insertCell();
      td.textContent = formatArray([x], decimals)[0];
      td.title = fullPrecision(x);
      td.dataset.full = fullPrecision(x);
    }
  }
  return table;
}
