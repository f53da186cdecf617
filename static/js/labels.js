// The drawing's labels, one function per kind: the numbers on a wire (a number, or a small matrix of
// them), a gate (its symbol in a circle, its name under it), a leaf (an input's name, a constant), and
// a node's tag (a reused node's total gradient; a course view's δ). Each kind says how big it is, for
// the layout, and writes its SVG at the origin; draw.js moves it into place. The numbers are written
// by the fill functions, which draw.js calls again, in place, when only the values change. A mode that
// replaces one kind (a quiz's answer field instead of a gradient) replaces one function here.
import { arrayDecimals, formatArray, formatNumber, formatPreview } from "./format.js";
import { t } from "./i18n.js";

// Sizes in SVG units; at the smallest zoom the page shows by default (MIN_READABLE_SCALE in draw.js) a
// number's 12 units are 10 pixels on screen.
export const FONT = { number: 12, symbol: 14, name: 11, leaf: 14, caption: 10, tag: 11 };
const LINE = 15; // one line of numbers
const CELL_PAD = 8;
const GATE_DIAMETER = 30;
const MAX_CELLS = 4; // rows or columns of an array shown on the wire; more become ⋮ or ⋯
const FONT_FAMILY = "system-ui, sans-serif";

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const tenth = (x) => Math.round(x * 10) / 10; // a coordinate in the SVG

// -- measuring text ---------------------------------------------------------------------------------

const context = document.createElement("canvas").getContext("2d");
const widths = new Map();

function textWidth(text, size, weight = 400) {
  const key = `${weight} ${size}|${text}`;
  let width = widths.get(key);
  if (width === undefined) {
    context.font = `${weight} ${size}px ${FONT_FAMILY}`;
    width = context.measureText(text).width;
    if (widths.size > 50_000) widths.clear();
    widths.set(key, width);
  }
  return width;
}

// A number's width is taken at least as wide as "-00.00", so that most later values still fit the box.
const numberWidth = (text) => Math.max(textWidth(text, FONT.number, 600), textWidth("-00.00", FONT.number, 600));

// -- the numbers on a wire --------------------------------------------------------------------------

// What a wire label shows: a value, and a gradient unless there is none (a constant's wire).
// {value, grad, shape, hasGrad}; grad null with hasGrad true is a gradient that is not finite.
export function wireLabelSize(numbers) {
  if (numbers.shape.length) return matrixSize(numbers);
  const width = Math.max(numberWidth(formatNumber(numbers.value)),
    numbers.hasGrad ? numberWidth(formatNumber(numbers.grad)) + 10 : 0);
  return { width: Math.ceil(width) + 8, height: numbers.hasGrad ? 2 * LINE + 4 : 2 * LINE };
}

// The SVG of a wire label centred on the origin: the wire runs along y = 0, between the two numbers.
// marker: "∇" or "" before each gradient (the colour-blind safe palette's mark).
export function wireLabelSvg(numbers, box, marker) {
  if (numbers.shape.length) return matrixSvg(numbers, box, marker);
  const half = box.width / 2;
  const [value, grad] = wireLabelTexts(numbers, marker).map(escape);
  const gradient = numbers.hasGrad ? `<text class="grad" y="${LINE - 1}">${grad}</text>` : "";
  return `<text class="value" y="-5">${value}</text>` +
    `<line class="rule" x1="${-half}" x2="${half}" y1="0" y2="0"></line>${gradient}`;
}

// The texts of a label, in the order its SVG has them: [value…, grad…].
export function wireLabelTexts(numbers, marker) {
  if (numbers.shape.length) return matrixTexts(numbers, marker);
  const texts = [formatNumber(numbers.value)];
  if (numbers.hasGrad) texts.push(marker + formatNumber(numbers.grad));
  return texts;
}

// -- arrays: a small matrix of values above the wire and of gradients below ---------------------------

// Rows × columns to show: a vector as a column, a matrix as itself, more dimensions as rows of the last.
function grid(shape) {
  const columns = shape.length === 1 ? 1 : shape[shape.length - 1];
  const rows = shape.length === 1 ? shape[0] : shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return { rows, columns, shownRows: Math.min(rows, MAX_CELLS), shownColumns: Math.min(columns, MAX_CELLS) };
}

// The cells shown of a value: the first rows and columns, and ⋮ ⋯ ⋱ where some are left out; the array in its
// one format (format.js arrayDecimals over all of it, not only the cells shown), so that different numbers
// look different and one array is written one way.
function cells(value, shape, marker = "") {
  const { rows, columns, shownRows, shownColumns } = grid(shape);
  const flat = value === null ? null : [value].flat(Infinity);
  const decimals = flat === null ? null : arrayDecimals(flat);
  const out = [];
  for (let r = 0; r < shownRows; r++) {
    for (let c = 0; c < shownColumns; c++) {
      const cut = { row: shownRows < rows && r === shownRows - 1, column: shownColumns < columns && c === shownColumns - 1 };
      if (cut.row || cut.column) out.push(cut.row && cut.column ? "⋱" : cut.row ? "⋮" : "⋯");
      else out.push(flat === null ? formatNumber(null) : marker + formatArray([flat[r * columns + c]], decimals)[0]);
    }
  }
  return out;
}

// "2×2 matrix", "vector of 3", "2×3×4 array": the shape in words, under the matrix.
export function shapeInWords(shape) {
  if (shape.length === 1) return t("shape.vector", { n: shape[0] });
  if (shape.length === 2) return t("shape.matrix", { rows: shape[0], columns: shape[1] });
  return t("shape.array", { shape: shape.join("×") });
}

// Each column as wide as the widest number in it (values and gradients alike), so that columns never run
// into each other: "-0.00332  -0.00332", not "-0.00332-0.00332".
function columnWidths(texts, shownColumns) {
  const widths = new Array(shownColumns).fill(0);
  texts.forEach((text, i) => {
    const c = i % shownColumns;
    widths[c] = Math.max(widths[c], textWidth(text, FONT.number, 600) + CELL_PAD);
  });
  return widths;
}

// The right edge of each column (the cells are right-aligned), the columns centred on the origin.
function columnEdges(widths) {
  let x = -widths.reduce((a, b) => a + b, 0) / 2;
  return widths.map((width) => (x += width) - CELL_PAD / 2);
}

function matrixGeometry(numbers, marker = "∇") {
  const { shownRows, shownColumns } = grid(numbers.shape);
  const texts = [...cells(numbers.value, numbers.shape), ...(numbers.hasGrad ? cells(numbers.grad, numbers.shape, marker) : [])];
  const widths = columnWidths(texts, shownColumns);
  const block = shownRows * LINE;
  const caption = Math.ceil(textWidth(shapeInWords(numbers.shape), FONT.caption)) + 6;
  return { shownRows, shownColumns, widths, block, caption };
}

function matrixSize(numbers) {
  const g = matrixGeometry(numbers);
  // Symmetric about the wire: a line's room above the values for the shape in words below the gradients.
  const width = g.widths.reduce((a, b) => a + b, 0);
  return { width: Math.ceil(Math.max(width, g.caption)) + 6, height: 2 * (g.block + 3 + LINE) };
}

// Values in a block above y = 0, gradients in a block below, the shape in words under them; the block
// above is as tall as the one below so that the wire runs through the middle.
function matrixSvg(numbers, box, marker) {
  const g = matrixGeometry(numbers); // measured as matrixSize measures it, so that it fits the box
  const edges = columnEdges(g.widths);
  const texts = matrixTexts(numbers, marker).map(escape);
  const parts = [];
  const block = (className, top, first) => {
    for (let r = 0; r < g.shownRows; r++) {
      for (let c = 0; c < g.shownColumns; c++) {
        parts.push(`<text class="${className} cell" data-column="${c}" x="${tenth(edges[c])}" ` +
          `y="${tenth(top + (r + 1) * LINE - 3)}">${texts[first + r * g.shownColumns + c]}</text>`);
      }
    }
  };
  block("value", -3 - g.block, 0);
  if (numbers.hasGrad) block("grad", 3, g.shownRows * g.shownColumns);
  const half = box.width / 2;
  parts.push(`<line class="rule" x1="${-half}" x2="${half}" y1="0" y2="0"></line>`);
  parts.push(`<text class="shape" y="${tenth(g.block + 3 + LINE - 3)}">${escape(shapeInWords(numbers.shape))}</text>`);
  return parts.join("");
}

// A matrix label whose numbers were written again in place (draw.js's update: new values, the same layout):
// its columns spaced again by the widest number now in each, so that wider numbers never run together.
export function respaceMatrix(group) {
  const texts = [...group.querySelectorAll("text.cell")];
  if (!texts.length) return;
  const columns = Math.max(...texts.map((text) => Number(text.dataset.column))) + 1;
  const widths = new Array(columns).fill(0);
  for (const text of texts) {
    const c = Number(text.dataset.column);
    widths[c] = Math.max(widths[c], textWidth(text.textContent, FONT.number, 600) + CELL_PAD);
  }
  const edges = columnEdges(widths);
  for (const text of texts) text.setAttribute("x", tenth(edges[Number(text.dataset.column)]));
}

function matrixTexts(numbers, marker) {
  return [...cells(numbers.value, numbers.shape), ...(numbers.hasGrad ? cells(numbers.grad, numbers.shape, marker) : [])];
}

// -- gates and leaves ---------------------------------------------------------------------------------

// A gate's circle: wide enough for its symbol ("leaky relu" gets an ellipse).
export function gateShape(symbol) {
  const inner = textWidth(symbol, FONT.symbol, 500) + 10;
  return { rx: Math.max(GATE_DIAMETER, inner) / 2, ry: GATE_DIAMETER / 2 };
}

export function gateSvg(node, shape, nameOffset) {
  const name = node.name ? `<text class="name" x="${nameOffset[0]}" y="${nameOffset[1]}">${escape(node.name)}</text>` : "";
  return `<ellipse cx="0" cy="0" rx="${shape.rx}" ry="${shape.ry}"></ellipse>` +
    `<text class="symbol" y="5">${escape(node.label)}</text>${name}`;
}

export function nameSize(name) {
  return name ? { width: textWidth(name, FONT.name, 500) + 4, height: LINE } : { width: 0, height: 0 };
}

export function leafSize(node) {
  return { width: Math.ceil(textWidth(node.label, FONT.leaf, 700)) + 6, height: LINE + 5 };
}

export function leafSvg(node) {
  return `<text class="label" y="5">${escape(node.label)}</text>`;
}

// -- tags on a node ---------------------------------------------------------------------------------------

// The total gradient of a node used several times: "Σ 5.00", the sum of what flows back along its wires.
// An array's total is written with its numbers (a small one whole, a big one by its corner and shape).
export function totalTagText(node, marker) {
  if (node.shape.length) return `Σ ${marker}${formatPreview(node.grad, node.shape)}`;
  return `Σ ${marker}${formatNumber(node.grad)}`;
}

export function tagSize(text) {
  return { width: Math.ceil(textWidth(text, FONT.tag, 600)) + 6, height: LINE };
}

export function tagSvg(kind, offset, text = "") {
  return `<text class="tag ${kind}" x="${offset[0]}" y="${offset[1] + 4}">${escape(text)}</text>`;
}
