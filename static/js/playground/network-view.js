// The network drawn as TensorFlow Playground draws it: a column per layer, each hidden neuron a small
// heat map of its output over the plane, and a wire per weight, coloured by its sign and as wide as it
// is large. The picture follows the settings; the numbers come from the server's answers.
import { fullPrecision } from "../format.js";
import { t } from "../i18n.js";
import { drawGrid } from "./heatmap.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE = 36; // CSS pixels
const GAP = 10;
const HEADER = 52;
const MARGIN = 4;

function element(tag, className, parent, namespace = null) {
  const made = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  if (className) made.setAttribute("class", className);
  parent?.append(made);
  return made;
}

export class NetworkView {
  // onNeurons(layerIndex, +1 | -1) from a column's buttons; onHover({layer, neuron} | null) over a neuron.
  constructor(container, { onNeurons, onHover }) {
    Object.assign(this, { container, onNeurons, onHover });
    this.sizes = [];
    new ResizeObserver(() => this.place()).observe(container);
  }

  // Build the picture for sizes such as [2, 6, 6, 1]; nothing is drawn in the neurons until update().
  build(sizes) {
    this.sizes = sizes;
    this.container.replaceChildren();
    this.svg = element("svg", "links", this.container, SVG);
    this.svg.setAttribute("aria-hidden", "true");
    this.wires = [];
    for (let layer = 1; layer < sizes.length; layer++) {
      for (let row = 0; row < sizes[layer - 1]; row++) {
        for (let column = 0; column < sizes[layer]; column++) {
          const wire = element("path", "wire", this.svg, SVG);
          element("title", null, wire, SVG);
          this.wires.push({ wire, layer, row, column });
        }
      }
    }
    this.columns = sizes.map((count, layer) => this.column(layer, count));
    this.place();
  }

  column(layer, count) {
    const last = this.sizes.length - 1;
    const header = element("div", "column-header", this.container);
    const nodes = [];
    if (layer === 0) {
      header.textContent = t("pg.inputs");
      for (const name of ["x₁", "x₂"]) {
        const node = element("div", "node input-node", this.container);
        node.textContent = name;
        nodes.push(node);
      }
    } else if (layer === last) {
      header.textContent = t("pg.output_node");
      nodes.push(element("canvas", "node output-node", this.container));
    } else {
      const name = element("span", "layer-name", header);
      name.textContent = `H${layer}`;
      const buttons = element("span", "layer-buttons", header);
      for (const [delta, symbol, key] of [[-1, "−", "pg.remove_neuron"], [1, "+", "pg.add_neuron"]]) {
        const button = element("button", null, buttons);
        button.type = "button";
        button.textContent = symbol;
        button.setAttribute("aria-label", t(key, { layer }));
        button.addEventListener("click", () => this.onNeurons(layer - 1, delta));
      }
      const note = element("span", "layer-count", header);
      note.textContent = t("pg.neurons", { count });
      for (let neuron = 0; neuron < count; neuron++) {
        const node = element("canvas", "node neuron", this.container);
        node.tabIndex = 0;
        const show = () => this.onHover({ layer, neuron });
        const hide = () => this.onHover(null);
        node.addEventListener("mouseenter", show);
        node.addEventListener("focus", show);
        node.addEventListener("mouseleave", hide);
        node.addEventListener("blur", hide);
        // A finger has no hover: a tap shows the neuron on the plane (the focus it gives keeps it there).
        node.addEventListener("pointerup", (event) => {
          if (event.pointerType !== "mouse") {
            node.focus();
            show();
          }
        });
        nodes.push(node);
      }
    }
    return { header, nodes };
  }

  // Positions from the container's width: columns spread evenly, neurons stacked from the top.
  place() {
    if (!this.columns) return;
    const width = this.container.clientWidth;
    const step = this.columns.length > 1 ? (width - 2 * MARGIN - NODE) / (this.columns.length - 1) : 0;
    const x = (layer) => MARGIN + layer * step;
    const y = (row) => HEADER + row * (NODE + GAP);
    const tallest = Math.max(...this.sizes, 1);
    const height = y(tallest) + MARGIN;
    this.container.style.height = `${height}px`;
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.columns.forEach(({ header, nodes }, layer) => {
      header.style.left = `${x(layer) + NODE / 2}px`;
      nodes.forEach((node, row) => {
        node.style.left = `${x(layer)}px`;
        node.style.top = `${y(row)}px`;
      });
    });
    for (const { wire, layer, row, column } of this.wires) {
      const [x1, y1] = [x(layer - 1) + NODE, y(row) + NODE / 2];
      const [x2, y2] = [x(layer), y(column) + NODE / 2];
      const middle = (x1 + x2) / 2;
      wire.setAttribute("d", `M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`);
    }
    if (this.answer) this.update(this.answer);
  }

  update(answer) {
    this.answer = answer;
    if (!this.columns) return;
    const hidden = this.columns.slice(1, -1);
    hidden.forEach(({ nodes }, index) => nodes.forEach((canvas, neuron) => {
      drawGrid(canvas, answer.neurons[index]?.[neuron], answer.neuron_range);
      const bias = answer.weights[`b${index + 1}`]?.[neuron];
      canvas.title = t("pg.neuron_title", { layer: index + 1, neuron: neuron + 1, bias: fullPrecision(bias) });
    }));
    drawGrid(this.columns.at(-1).nodes[0], answer.boundary, [0, 1]);
    for (const { wire, layer, row, column } of this.wires) {
      const name = `W${layer}`;
      const weight = answer.weights[name]?.[row]?.[column];
      if (weight === undefined) continue;
      wire.style.strokeWidth = String(Math.min(6, 0.5 + 1.5 * Math.abs(weight)));
      wire.classList.toggle("negative", weight < 0);
      wire.firstChild.textContent = t("pg.weight_title", { name, row: row + 1, column: column + 1,
        value: fullPrecision(weight) });
    }
  }
}
