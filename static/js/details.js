// What the panel beside the drawing says about one node: its operation from /api/ops, its value and
// gradient at full precision, the chain rule for each argument with the numbers in, and, for a node
// used several times, each use's share of its gradient and their sum. All numbers come from the API.
import { fullPrecision } from "./format.js";

const LEAVES = {
  input: "An input: its gradient is d output / d this input.",
  const: "A constant typed in the program: it needs no gradient.",
};

export function describeNode(graph, opsByName, id) {
  const node = graph.nodes[id];
  const op = opsByName[node.op];
  const parts = [heading(node, op)];
  parts.push(numbers(node));
  if (op) {
    parts.push(paragraph(op.sentence, "sentence"));
    parts.push(paragraph(`forward: ${op.formula}`, "formula"));
    parts.push(chainRule(graph, node, op));
  } else {
    parts.push(paragraph(LEAVES[node.op], "sentence"));
  }
  parts.push(uses(graph, node));
  return parts.filter(Boolean);
}

function heading(node, op) {
  const h = document.createElement("h3");
  const gate = op && node.label !== op.name ? `${node.label}  ${op.name}` : op?.name;
  const what = op ? `${gate} gate` : node.op === "input" ? `input ${node.name}` : `constant ${node.label}`;
  h.textContent = node.name && op ? `${what}  →  ${node.name}` : what;
  return h;
}

function numbers(node) {
  const list = document.createElement("dl");
  list.className = "numbers";
  addTerm(list, "value", fullPrecision(node.value), "value");
  addTerm(list, "gradient", node.grad === null && node.op === "const" ? "none needed" : fullPrecision(node.grad), "grad");
  if (node.shape.length) addTerm(list, "shape", node.shape.join(" × "));
  return list;
}

function chainRule(graph, node, op) {
  const edges = graph.edges.filter((edge) => edge.target === node.id);
  if (!edges.length) return null;
  const table = document.createElement("table");
  table.className = "chain-rule";
  table.innerHTML = "<caption>Backward: upstream × local = what flows back</caption>" +
    "<thead><tr><th>to</th><th>local gradient</th><th>upstream × local = flows back</th></tr></thead>";
  const body = table.createTBody();
  for (const edge of edges) {
    const source = graph.nodes[edge.source];
    const param = op.variadic ? `item ${edge.index + 1}` : op.params[edge.index];
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
  if (edge.grad === null) return [span("none needed")];
  const flows = span(fullPrecision(edge.grad), "grad");
  if (edge.local === undefined || edge.local === null) return [span("(arrays) = "), flows];
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
    return `${fullPrecision(edge.grad)} from ${target.label}${target.name ? ` (${target.name})` : ""}`;
  });
  list.innerHTML = `<p>Used ${outgoing.length} times; the gradients flowing back add up:</p>`;
  const ul = document.createElement("ul");
  for (const share of shares) {
    const li = document.createElement("li");
    li.textContent = share;
    ul.append(li);
  }
  const total = document.createElement("p");
  total.innerHTML = `sum = <span class="grad"></span>`;
  total.querySelector("span").textContent = fullPrecision(node.grad);
  list.append(ul, total);
  return list;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.className = className;
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
  wrapper.append(title, matrix("value", node.value, "value"), matrix("gradient", node.grad, "grad"));
  return wrapper;
}

function matrix(caption, value, className) {
  const table = document.createElement("table");
  table.className = `matrix ${className}`;
  table.createCaption().textContent = caption;
  if (value === null) {
    table.createTBody().insertRow().insertCell().textContent = "none needed";
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
