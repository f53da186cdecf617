// A gate's name in the page's language, from the op table as /api/ops sends it (name, and name_zh: the
// name a Chinese sentence gives the gate, 乘法门). Every place the page names a gate asks here.
import { language, t } from "./i18n.js";

// "mul gate" or "乘法门"; op is the table's row (missing for an op the page has not heard of: its name).
export function gateName(op, name = op?.name) {
  if (language() === "zh" && op?.name_zh) return op.name_zh;
  return t("teach.details.gate", { gate: name });
}

// An operation as a table row names it: "mul" or "乘法门".
export function opName(op, name = op?.name) {
  return language() === "zh" && op?.name_zh ? op.name_zh : name;
}
