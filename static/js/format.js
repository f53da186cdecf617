// Numbers for the eye: two decimals as the course notes print them, or three significant digits
// when very large or very small, the rule of app/rounding.py (which rounds the drawing the server lays
// out); this copy rounds the numbers the page updates in place. The full value is always a hover away.
import { t } from "./i18n.js";

export function formatNumber(x) {
  if (x === null || x === undefined) return "nan/inf";
  if (x === 0) return "0.00";
  const size = Math.abs(x);
  return size >= 0.01 && size < 1e5 ? x.toFixed(2) : x.toPrecision(3);
}

export function formatValue(value, shape) {
  if (!shape.length) return formatNumber(value);
  const flat = [value].flat(Infinity);
  const preview = flat.slice(0, 3).map(formatNumber).join(", ") + (flat.length > 3 ? ", …" : "");
  return `${shape.join("×")} [${preview}]`;
}

export function fullPrecision(value) {
  if (value === null || value === undefined) return t("number.not_finite");
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}
