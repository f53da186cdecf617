// Every node of the graph as an HTML table: what a screen reader can read row by row, and what a
// student can copy. Node, name, operation, inputs, value and gradient at full precision, and the
// operation's sentence in the current language. Numbers come from the API's answer, as drawn.
import { fullPrecision } from "./format.js";
import { pick, t } from "./i18n.js";
import { opName } from "./op-names.js";

const STORAGE_KEY = "backprop-lab-table";

export class TableView {
  constructor(container, toggle, { onToggle } = {}) {
    this.container = container;
    this.toggle = toggle;
    this.onToggle = onToggle;
    this.graph = null;
    this.opsByName = {};
    toggle.addEventListener("click", () => this.setOpen(this.container.hidden));
    this.setOpen(localStorage.getItem(STORAGE_KEY) === "1");
  }

  get open() {
    return !this.container.hidden;
  }

  setOpen(open) {
    this.container.hidden = !open;
    this.toggle.setAttribute("aria-pressed", String(open));
    document.querySelector("#stage")?.classList.toggle("with-table", open);
    localStorage.setItem(STORAGE_KEY, open ? "1" : "0");
    this.render();
    this.onToggle?.(open);
  }

  // After every answer; drawn only while the table is open (a big graph has thousands of rows).
  update(graph, opsByName) {
    this.graph = graph;
    this.opsByName = opsByName;
    this.render();
  }

  render() {
    if (!this.open) return;
    if (!this.graph) {
      this.container.textContent = t("table.empty");
      return;
    }
    this.container.replaceChildren(this.table(this.graph));
  }

  table(graph) {
    const table = document.createElement("table");
    table.className = "node-table";
    table.createCaption().textContent = t("table.caption");
    const head = table.createTHead().insertRow();
    for (const key of ["id", "name", "op", "inputs", "value", "grad", "sentence"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = t(`table.${key}`);
      th.className = key;
      head.append(th);
    }
    const body = table.createTBody();
    for (const node of graph.nodes) body.append(this.row(graph, node));
    return table;
  }

  row(graph, node) {
    const row = document.createElement("tr");
    row.dataset.node = node.id;
    const header = document.createElement("th");
    header.scope = "row";
    header.textContent = String(node.id);
    row.append(header);
    const op = this.opsByName[node.op];
    cell(row, node.name ?? (node.op === "input" ? node.label : ""), "name");
    cell(row, op ? `${opName(op)} ${node.label !== op.name ? node.label : ""}`.trim() : t(`table.${node.op}`) + ` ${node.label}`, "op");
    cell(row, node.inputs.map((id) => labelOf(graph.nodes[id])).join(", "), "inputs");
    cell(row, fullPrecision(node.value), "value");
    const noGrad = node.grad === null && node.op === "const";
    cell(row, noGrad ? t("table.no_grad") : fullPrecision(node.grad), "grad");
    cell(row, sentenceOf(node, op), "sentence");
    return row;
  }
}

// An op's sentence in the current language: the API sends it by language code.
export function sentenceOf(node, op) {
  if (!op) return t(`leaf.${node.op}`);
  return pick(op.sentence);
}

function labelOf(node) {
  return `${node.id} (${node.name ?? node.label})`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  td.className = className;
}
