// How a number is written for a person, everywhere on the page: app/engine/rounding.py's rule, followed here to the
// character. tests/number_format_cases.json holds both to the same cases (pytest runs them against the
// Python, tests/test_number_format.py against this module in Chromium). Change the rule there first.
//
// formatNumber: rounded for the eye, as the course notes print numbers: two decimals (3.00, -12.00, 0.20), or
//   three significant digits when very large or very small (1.23e5, 0.00123, 1e-9). A view that must show
//   more digits asks for more decimals (the nudge story, the check panel), and the same rule scales. Halves
//   round away from zero on the number's exact value, as toFixed and toExponential do.
// fullPrecision: every digit that matters, the shortest text that reads back as the same float64.
//
// null in an answer means one of two things, and only the caller knows which:
//   - a value or gradient that is not finite (the answer's "warnings" say nan, inf or -inf): formatNumber(null)
//     and formatValue(null, ...) give NOT_FINITE, fullPrecision(null) says so in words;
//   - a gradient that does not exist: a constant (op "const") needs none. hasGradient(node) tells the two apart;
//     formatGradient(node, grad) writes NO_GRADIENT for it, and the number otherwise.
import { t } from "./i18n.js";

export const EYE = 2; // decimals for the eye: the drawing, the narration, the details
export const NOT_FINITE = "nan/inf";
export const NO_GRADIENT = "—";
const TOP = 1e5; // from here on, significant digits

export function formatNumber(x, decimals = EYE) {
  if (x === null || x === undefined) return NOT_FINITE;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "+∞" : "-∞"; // which, never "nan/inf"
  if (x === 0) return (0).toFixed(decimals); // the sign of a zero is not worth a reader's attention
  const size = Math.abs(x);
  const text = size >= Number(`1e-${decimals}`) && size < TOP ? size.toFixed(decimals) : significant(size, decimals + 1);
  return x < 0 ? `-${text}` : text;
}

// A positive number to `digits` significant digits, as %g lays it out (fixed from 1e-4 up to 10**digits,
// else with an exponent), the exponent written plainly: 1.23e5, 1.40e-166; trailing zeros dropped only where
// the shorter text is the number itself (1e-9).
function significant(size, digits) {
  const [mantissa, power] = size.toExponential(digits - 1).split("e");
  const exponent = Number(power); // after rounding: 9.996 is 1.00e1
  if (exponent >= -4 && exponent < digits) return shortIfExact(size.toFixed(digits - 1 - exponent), size);
  return shortIfExact(mantissa, size, `e${exponent}`);
}

// Every significant digit, its trailing zeros too ("1.40e-166" beside "1.62e-171": three digits each), but for
// a number that the shorter text is exactly (1e-9, 0.005, 1.5e-5 as typed): its zeros say nothing.
function shortIfExact(digits, size, exponent = "") {
  const short = withoutTrailingZeros(digits);
  return Number(short + exponent) === size ? short + exponent : digits + exponent;
}

function withoutTrailingZeros(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

// A number, or an array by its shape and first elements, in the array's one format: "2×3 [1.00, 2.00, 3.00, …]",
// "4 [0.0724, 0.0650, 0.0681, …]".
export function formatValue(value, shape, decimals = EYE) {
  if (!shape.length) return formatNumber(value, decimals);
  const flat = [value].flat(Infinity);
  const texts = formatArray(flat.slice(0, 3), arrayDecimals(flat, decimals));
  return `${shape.join("×")} [${texts.join(", ")}${flat.length > 3 ? ", …" : ""}]`;
}

export const MAX_LISTED_ELEMENTS = 4; // an array with more elements is previewed by its corner and its shape
const CORNER = [2, 3]; // rows and columns of a larger array's corner

// A value where its numbers should be (a card, a total on the drawing), in the array's one format, as
// rounding.format_preview writes it: a number; a short array whole ("[0.440, 0.520]"); a longer one by its
// corner and its shape ("[[0.10, -0.20, …], [0.40, 0.50, …], …] (4×3)").
export function formatPreview(value, shape) {
  if (!shape.length) return formatNumber(value);
  const size = shape.reduce((a, b) => a * b, 1);
  const flat = value === null ? new Array(size).fill(null) : [value].flat(Infinity);
  const decimals = arrayDecimals(flat);
  const nested = nestedAs(flat, shape);
  if (size <= MAX_LISTED_ELEMENTS) return whole(nested, decimals);
  return `${corner(nested, decimals)} (${shape.join("×")})`;
}

function nestedAs(flat, shape) {
  if (shape.length <= 1) return flat;
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nestedAs(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

function whole(rows, decimals) {
  if (!Array.isArray(rows)) return formatArray([rows], decimals)[0];
  return `[${rows.map((row) => whole(row, decimals)).join(", ")}]`;
}

function corner(rows, decimals) {
  const [shownRows, shownColumns] = CORNER;
  if (!Array.isArray(rows[0])) {
    const items = formatArray(rows.slice(0, shownColumns), decimals);
    return `[${[...items, ...(rows.length > shownColumns ? ["…"] : [])].join(", ")}]`;
  }
  const items = rows.slice(0, shownRows).map((row) => corner(row, decimals));
  return `[${[...items, ...(rows.length > shownRows ? ["…"] : [])].join(", ")}]`;
}

const SMALLEST = 1e-6; // an array whose largest element is smaller is written with exponents
export const SIGNIFICANT = 3; // an array's largest element shows this many significant digits, the others as many decimals

// One array, one format: the decimals that give its largest element SIGNIFICANT significant digits (at least
// `decimals`), so that 0.0724 and 0.0650 do not both read 0.07; null where the largest is below SMALLEST or from
// 1e5 on (each element then in formatNumber's significant digits). null elements (not finite) are skipped.
export function arrayDecimals(flat, decimals = EYE) {
  const largest = Math.max(0, ...flat.filter((x) => Number.isFinite(x)).map(Math.abs));
  if (largest === 0) return decimals;
  if (largest < SMALLEST || largest >= TOP) return null;
  const exponent = Number(largest.toExponential().split("e")[1]); // of the exact value, as Decimal.adjusted()
  return Math.max(decimals, SIGNIFICANT - 1 - exponent);
}

// Each element of a flat array with `decimals` decimals (null: formatNumber each).
export function formatArray(flat, decimals) {
  return flat.map((x) => (decimals === null || !Number.isFinite(x) ? formatNumber(x) : fixed(x, decimals)));
}

function fixed(x, decimals) {
  const text = Math.abs(x).toFixed(decimals);
  return x < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

// The API writes a number that is not finite as null, with which it is in the item's "nonfinite" field
// ({"value": "+inf"}, or nested lists for an array): put +∞, -∞ and NaN back in place of those nulls, once, as
// the answer arrives, so that every view writes which it is.
const KINDS = { "+inf": Infinity, "-inf": -Infinity, nan: NaN };

export function readNonFinite(answer) {
  for (const item of [...(answer.nodes ?? []), ...(answer.edges ?? [])]) {
    if (!item.nonfinite) continue;
    for (const [what, kind] of Object.entries(item.nonfinite)) item[what] = restored(item[what], kind);
  }
  const output = answer.nodes?.[answer.output];
  if (output && answer.value === null) answer.value = output.value;
  return answer;
}

function restored(value, kind) {
  if (kind === null || kind === undefined) return value;
  if (!Array.isArray(kind)) return KINDS[kind];
  return kind.map((k, i) => restored(value[i], k));
}

export function hasGradient(node) {
  return !(node.op === "const" && node.grad === null);
}

// A node's gradient (or `grad`, the share one of its wires carries) for the eye, or NO_GRADIENT for a constant.
export function formatGradient(node, grad = node.grad, decimals = EYE) {
  return hasGradient(node) ? formatValue(grad, node.shape, decimals) : NO_GRADIENT;
}

// The shortest digits that read back as the same float64, laid out as Python's repr lays them out (an
// exponent below 1e-4 and from 1e16) without a trailing ".0": 0.1, 33, 1e-7, 1e16. Arrays as JSON.
export function fullPrecision(value) {
  if (value === null || value === undefined) return t("number.not_finite");
  if (Array.isArray(value)) return `[${value.map((x) => (x === null ? NOT_FINITE : fullPrecision(x))).join(", ")}]`;
  return shortest(value);
}

function shortest(x) {
  if (!Number.isFinite(x)) return formatNumber(x);
  if (x === 0) return "0";
  const [mantissa, power] = Math.abs(x).toExponential().split("e"); // toExponential() keeps the shortest digits
  const exponent = Number(power);
  const digits = mantissa.replace(".", "");
  let text;
  if (exponent < -4 || exponent >= 16) text = `${mantissa}e${exponent}`;
  else if (exponent < 0) text = `0.${"0".repeat(-exponent - 1)}${digits}`;
  else if (digits.length <= exponent + 1) text = digits + "0".repeat(exponent + 1 - digits.length);
  else text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  return x < 0 ? `-${text}` : text;
}
