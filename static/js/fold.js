// Compound gates folded or unfolded: with "Unfold compound gates" on, the drawing shows sigmoid as
// negate, exp, +1 and 1/x, and this note puts the two answers side by side (the folded one fetched
// too): the gradient at each compound gate's input, and at every input, is the same both ways.
// Nothing is computed here; the numbers are the API's, only shown and compared as printed.
import { paragraph } from "./dom.js";
import { formatGradient } from "./format.js";
import { t } from "./i18n.js";

// unfolded: the graph drawn ("unfold": true); folded: the same program's answer without unfolding.
export function renderFoldNote(container, unfolded, folded) {
  const parts = [];
  for (const compound of compoundGates(unfolded, folded)) parts.push(sentence(compound));
  parts.push(inputsTable(unfolded, folded));
  if (parts.length === 1) parts.unshift(paragraph(t("teach.fold.none"), "hint"));
  container.replaceChildren(...parts);
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
    const unfoldedInput = unfolded.nodes[sources[0]];
    // Written as each answer writes its node (an array by its shape and first elements), then compared as shown.
    found.push({ op, input: foldedInput, folded: formatGradient(foldedInput), unfolded: formatGradient(unfoldedInput) });
  }
  return found;
}

function sentence({ op, input, folded, unfolded }) {
  const same = folded === unfolded;
  const p = paragraph(t(same ? "teach.fold.same" : "teach.fold.differ", {
    op, input: input.name ?? t("teach.fold.gate_output", { label: input.label }), folded, unfolded,
  }), same ? "fold-same" : "fold-differ");
  p.dataset.op = op;
  p.dataset.folded = folded;
  p.dataset.unfolded = unfolded;
  return p;
}

// One column per input: its gradient folded, then unfolded (an array by its shape and first elements), and
// whether they print the same.
function inputsTable(unfolded, folded) {
  const table = document.createElement("table");
  table.className = "fold-table";
  const names = Object.keys(unfolded.gradients);
  const shown = (answer, name) => formatGradient(answer.nodes.find((node) => node.op === "input" && node.name === name));
  const foldedText = names.map((name) => shown(folded, name));
  const unfoldedText = names.map((name) => shown(unfolded, name));
  const rows = [
    ["teach.fold.input", names.map((name) => [name, "name"])],
    ["teach.fold.folded", foldedText.map((text) => [text, "grad"])],
    ["teach.fold.unfolded", unfoldedText.map((text) => [text, "grad"])],
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
    const same = foldedText[i] === unfoldedText[i];
    td.classList.add(same ? "same" : "differ");
    if (!same) td.textContent += " ≠";
  });
  table.createCaption().textContent = t("teach.fold.caption");
  return table;
}
