// The backward pass through an array gate, as the notes close on it: "when the argument is a vector, use the
// Jacobian". For each array wire into a gate, the local Jacobian the API gives (`"local": true`: the whole
// matrix when small; else its structure, the diagonal of an elementwise gate, the repeated block of a matrix
// product, or a slice) and the vector-Jacobian product that flows back, in the API's sentence with its
// numbers (for W @ x, the outer product of the upstream gradient and xᵀ written out). Above them, where the
// upstream gradient itself came from: the same sentence on the node's own wires out (for ‖Wx‖², ∂f/∂q =
// 2·q^(2−1) ⊙ upstream, so that ∂f/∂W reads as 2q xᵀ). Nothing is computed here.
import { paragraph } from "./dom.js";
import { arrayDecimals, formatArray, fullPrecision } from "./format.js";
import { pick, t } from "./i18n.js";

const SHOWN = 8; // elements of a long diagonal shown

// The views for a node, or an empty list when no wire of it carries a Jacobian (a gate of numbers, or an
// answer without "local").
export function jacobianViews(graph, node) {
  const into = graph.edges.map((edge, wire) => [edge, wire]).filter(([edge]) => edge.target === node.id && edge.jacobian);
  if (!into.length) return [];
  const box = document.createElement("div");
  box.className = "jacobians";
  const heading = document.createElement("h4");
  heading.textContent = t("jacobian.heading");
  box.append(heading, ...upstream(graph, node), ...into.map(([edge, wire]) => jacobianOf(graph, edge, wire)));
  return [box];
}

// How ∂out/∂node was made from the gradients of the gates that use it.
function upstream(graph, node) {
  return graph.edges.filter((edge) => edge.source === node.id && edge.jacobian?.vjp).map((edge) => {
    const p = paragraph(t("jacobian.upstream", { vjp: pick(edge.jacobian.vjp) }), "upstream");
    p.dataset.wire = graph.edges.indexOf(edge);
    return p;
  });
}

function jacobianOf(graph, edge, wire) {
  const { jacobian } = edge;
  const box = document.createElement("div");
  box.className = `jacobian ${jacobian.structure}`;
  box.dataset.wire = wire;
  box.dataset.structure = jacobian.structure;
  box.append(paragraph(pick(jacobian.about), "about"));
  box.append(matrixOf(jacobian));
  box.append(paragraph(pick(jacobian.vjp), "vjp"));
  return box;
}

// The Jacobian as the API gives it: whole, or by its structure.
function matrixOf(jacobian) {
  const size = t("jacobian.size", { rows: jacobian.rows, columns: jacobian.columns });
  if (jacobian.whole) return table(jacobian.whole, t("jacobian.whole", { size }));
  if (jacobian.diagonal) {
    const shown = jacobian.diagonal.slice(0, SHOWN);
    return table([shown.concat(jacobian.diagonal.length > SHOWN ? ["…"] : [])],
      t("jacobian.diagonal", { size, n: jacobian.diagonal.length }));
  }
  if (jacobian.block) return table(jacobian.block, t("jacobian.block", { size, blocks: jacobian.blocks }));
  const slice = jacobian.slice.map((row) => (row.length < jacobian.columns ? [...row, "⋯"] : row));
  if (slice.length < jacobian.rows) slice.push(slice[0].map(() => "⋮"));
  return table(slice, t("jacobian.slice", { size, rows: jacobian.slice.length, columns: jacobian.slice[0].length }));
}

// A matrix of numbers, rounded, each at full precision on hover; zeros faint, so that the structure shows.
function table(rows, caption) {
  const element = document.createElement("table");
  element.className = "matrix jacobian-matrix";
  element.createCaption().textContent = caption;
  const body = element.createTBody();
  const decimals = arrayDecimals(rows.flat().filter((x) => typeof x === "number")); // one matrix, one format
  for (const row of rows) {
    const tr = body.insertRow();
    for (const x of row) {
      const td = tr.insertCell();
      if (typeof x === "string") {
        td.textContent = x;
        td.className = "more";
        continue;
      }
      td.textContent = formatArray([x], decimals)[0];
      td.title = td.dataset.full = fullPrecision(x);
      if (x === 0) td.className = "zero";
    }
  }
  return element;
}
