// Compound gates folded or unfolded: with "Unfold compound gates" on, the drawing shows sigmoid as
// negate, exp, +1 and 1/x, and this note puts the two answers side by side (the folded one fetched
// too): the gradient at each compound gate's input, and at every input, is the same both ways.
// Nothing is computed here; the numbers are the API's, only shown and compared as printed.
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";

// unfolded: the graph drawn ("unfold": true); folded: the same program's answer without unfolding.
export function renderFoldNote(container, unfolded, folded) {
  const parts = compoundGates(unfolded, folded).map(sentence);
  if (!parts.length) parts.push(paragraph(t("teach.fold.none"), "hint"));
  const table = inputsTable(unfolded, folded);
  container.replaceChildren(...parts, ...(table ? [table] : []));
}

// Each compound gate of the folded graph that the unfolding replaced, with the node feeding it in both.
function compoundGates(unfolded, folded) {
  const groups = new Map();
  for (const node of unfolded.nodes) {
    if (node.unfolded_from && node.group !== undefined && node.group !== null) {
      if (!groups.has(node.group)) groups.set(node.group, { op: node.unfolded_from, members: new Set() });
      groups.get(node.group).members.add(node.id);
    }
  }
  const found = [];
  for (const [group, { op, members }] of groups) {
    const gate = folded.nodes[group];
    if (!gate || !gate.inputs.length) continue;
    const foldedInput = folded.nodes[gate.inputs[0]];
    // In the unfolded graph, the node outside the group whose wires lead into it.
    const feeding = unfolded.edges
      .filter((edge) => members.has(edge.target) && !members.has(edge.source))
      .map((edge) => unfolded.nodes[edge.source])
      .filter((node) => node.op !== "const");
    const sources = [...new Set(feeding.map((node) => node.id))];
    if (sources.length !== 1) continue;
    found.push({ op, input: foldedInput, folded: foldedInput.grad, unfolded: unfolded.nodes[sources[0]].grad });
  }
  return found;
}

function sentence({ op, input, folded, unfolded }) {
  const same = shown(folded) === shown(unfolded);
  const p = paragraph(t(same ? "teach.fold.same" : "teach.fold.differ", {
    op, input: input.name ?? t("teach.fold.gate_output", { label: input.label }),
    folded: shown(folded), unfolded: shown(unfolded),
  }), same ? "fold-same" : "fold-differ");
  p.dataset.op = op;
  p.dataset.folded = shown(folded);
  p.dataset.unfolded = shown(unfolded);
  return p;
}

// A gradient as the drawing rounds it; an array by its first elements ("[0.00877, 0.00995]").
function shown(x) {
  if (!Array.isArray(x)) return formatNumber(x);
  const flat = x.flat(Infinity);
  return `[${flat.slice(0, 4).map((element) => formatNumber(element)).join(", ")}${flat.length > 4 ? ", …" : ""}]`;
}

// One column per scalar input: its gradient folded, then unfolded, and whether they print the same (none
// without a scalar input: a network's inputs are arrays, and the sentences above say it for them).
function inputsTable(unfolded, folded) {
  const names = Object.keys(unfolded.gradients)
    .filter((name) => !Array.isArray(unfolded.gradients[name]) && !Array.isArray(folded.gradients[name]));
  if (!names.length) return null;
  const table = document.createElement("table");
  table.className = "fold-table";
  const rows = [
    ["teach.fold.input", names.map((name) => [name, "name"])],
    ["teach.fold.folded", names.map((name) => [formatNumber(folded.gradients[name]), "grad"])],
    ["teach.fold.unfolded", names.map((name) => [formatNumber(unfolded.gradients[name]), "grad"])],
  ];
  const body = table.createTBody();
  for (const [key, cells] of rows) {
    const row = body.insertRow();
    const th = document.createElement("th");
    th.textContent = t(key);
    row.append(th);
    cells.forEach(([text, className], i) => {
      const td = row.insertCell();
      td.textContent = text;
      td.className = className;
      td.dataset.input = names[i];
    });
  }
  // Told apart without colour: a differing pair is marked ≠ (the same pair, as the API answers, is plain).
  body.rows[2].querySelectorAll("td").forEach((td, i) => {
    const same = formatNumber(folded.gradients[names[i]]) === formatNumber(unfolded.gradients[names[i]]);
    td.classList.add(same ? "same" : "differ");
    if (!same) td.textContent += " ≠";
  });
  table.createCaption().textContent = t("teach.fold.caption");
  return table;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}
