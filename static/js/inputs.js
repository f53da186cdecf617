// The inputs panel, made from the program itself: a number field and a slider for every
// input, a small grid of fields for an array.
import { formatNumber, fullPrecision } from "./format.js";
import { t } from "./i18n.js";

const MAX_GRID_ELEMENTS = 64;

export class InputsPanel {
  constructor(container, { onChange }) {
    this.container = container;
    this.onChange = onChange; // (name, value) => void
    this.signature = "";
  }

  // Rebuild only when the set of inputs changes, so a field being typed in keeps its focus.
  update(graph) {
    const inputs = graph.nodes.filter((node) => node.op === "input");
    const signature = JSON.stringify(inputs.map((node) => [node.name, node.shape]));
    if (signature !== this.signature) {
      this.signature = signature;
      this.container.replaceChildren(...inputs.map((node) => this.row(node)));
      if (!inputs.length) this.container.textContent = t("inputs.none");
    }
    for (const node of inputs) this.show(node);
  }

  row(node) {
    const row = document.createElement("div");
    row.className = "input-row";
    row.dataset.name = node.name;
    row.addEventListener("pointerenter", () => fillTitle(row));
    const label = document.createElement("label");
    label.textContent = node.name;
    row.append(label);
    if (!node.shape.length) {
      const number = field(`input-${node.name}`, node.name);
      label.htmlFor = number.id;
      const slider = document.createElement("input");
      slider.type = "range";
      slider.step = "any";
      slider.setAttribute("aria-label", t("inputs.slider", { name: node.name }));
      const span = Math.max(10, 2 * Math.abs(node.value ?? 0));
      slider.min = String(-span);
      slider.max = String(span);
      number.addEventListener("input", () => this.send(node.name, number.value, () => (slider.value = number.value)));
      slider.addEventListener("input", () => {
        number.value = slider.value;
        this.send(node.name, slider.value);
      });
      row.append(number, slider);
    } else {
      row.append(this.grid(node));
    }
    return row;
  }

  grid(node) {
    const size = node.shape.reduce((a, b) => a * b, 1);
    const grid = document.createElement("div");
    grid.className = "input-grid";
    if (size > MAX_GRID_ELEMENTS || node.shape.length > 2) {
      grid.textContent = t("inputs.too_big", { shape: node.shape.join("×") });
      return grid;
    }
    const columns = node.shape[node.shape.length - 1];
    grid.style.gridTemplateColumns = `repeat(${columns}, minmax(3.5rem, 1fr))`;
    for (let i = 0; i < size; i++) {
      const cell = field(`input-${node.name}-${i}`, t("inputs.element", { name: node.name, index: i + 1 }));
      cell.dataset.index = i;
      cell.addEventListener("input", () => {
        const flat = [...grid.querySelectorAll("input")].map((input) => Number(input.value));
        if (flat.some((x) => !Number.isFinite(x))) return;
        this.onChange(node.name, reshape(flat, node.shape));
      });
      grid.append(cell);
    }
    return grid;
  }

  send(name, text, then) {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) return;
    then?.();
    this.onChange(name, value);
  }

  // Put the server's values in the fields, except the one being typed in, and only where they changed
  // (a program has hundreds of inputs, and a slider moves one). The row's tooltip, value and gradient at
  // full precision, is written when the pointer reaches it.
  show(node) {
    const row = this.container.querySelector(`.input-row[data-name="${CSS.escape(node.name)}"]`);
    if (!row) return;
    row.node = node;
    const flat = [node.value].flat(Infinity);
    row.querySelectorAll("input[type=number]").forEach((input, i) => {
      if (flat[i] === null) return;
      input.full = flat[i];
      const text = shown(flat[i]);
      if (document.activeElement !== input && input.value !== text) input.value = text;
    });
    const slider = row.querySelector("input[type=range]");
    if (slider && document.activeElement !== slider && node.value !== null && Number(slider.value) !== node.value) {
      slider.value = String(node.value);
    }
  }
}

function fillTitle(row) {
  const node = row.node;
  if (node) row.title = `${node.name} = ${fullPrecision(node.value)}\n${t("wire.grad", { grad: fullPrecision(node.grad) })}`;
}

// A field's number at rest: rounded by the one number rule (0.53, not 0.5304747500121 cut off) where rounding
// changes it, else as it is (5, 0.5); never "-0". Focused, the field holds it in full, to read or edit.
function shown(x) {
  const rounded = formatNumber(x);
  return Number(rounded) === x ? fullPrecision(x) : rounded;
}

function field(id, label) {
  const input = document.createElement("input");
  input.type = "number";
  input.step = "any";
  input.id = id;
  input.setAttribute("aria-label", label);
  input.addEventListener("focus", () => {
    if (input.full !== undefined && Number(input.value) !== input.full) input.value = fullPrecision(input.full);
  });
  input.addEventListener("blur", () => {
    if (input.full !== undefined && Number(input.value) === input.full) input.value = shown(input.full);
  });
  input.addEventListener("pointerenter", () => {
    if (input.full !== undefined) input.title = fullPrecision(input.full);
  });
  return input;
}

function reshape(flat, shape) {
  if (shape.length === 1) return flat;
  const columns = shape[1];
  return Array.from({ length: shape[0] }, (_, row) => flat.slice(row * columns, (row + 1) * columns));
}
