// A gate's name in the page's language, from the op table as /api/ops sends it (name, and called: what a
// sentence calls the gate, by language code: mul, 乘法门). Every place the page names a gate asks here.
import { language, t } from "./i18n.js";

// What a sentence in the page's language calls the gate, where that is not its English name (乘法门).
function called(op) {
  return language() === "en" ? undefined : op?.called?.[language()];
}

// "mul gate" or "乘法门"; op is the table's row (missing for an op the page has not heard of: its name).
export function gateName(op, name = op?.name) {
  return called(op) ?? t("teach.details.gate", { gate: name });
}

// An operation as a table row names it: "mul" or "乘法门".
export function opName(op, name = op?.name) {
  return called(op) ?? name;
}
