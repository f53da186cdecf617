// The activation functions side by side (concepts 4 and 6 of the notes): each chosen activation's f and f′
// over the range the student sets, f in the upper panel and f′ in the lower, one colour per function, so
// that sigmoid's flat tails (f′ near 0: vanishing gradients), ReLU's step of f′ and ELU's smooth knee are
// compared at a glance. Every number is the API's sweep of the op table's own gate (/api/sweep); the page
// only draws them.
import { sweep } from "./api.js";
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";

export const ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"];
const SIZE = { width: 320, height: 150, left: 40, right: 8, top: 8, bottom: 20 };
const SVG = "http://www.w3.org/2000/svg";

export class ActivationsView {
  // root: the section holding the checkboxes ([data-activation]), the range (#act-from, #act-to) and #act-plot.
  constructor(root) {
    this.root = root;
    this.plot = root.querySelector("#act-plot");
    this.curves = new Map(); // name → {x, value, grad} of the range drawn
    this.asked = 0; // the newest drawing asked for: an older one's answers are dropped
    root.addEventListener("change", () => this.draw());
    root.addEventListener("input", (event) => event.target.type === "number" && this.draw());
    root.addEventListener("toggle", () => root.open && this.draw());
  }

  chosen() {
    return [...this.root.querySelectorAll("[data-activation]:checked")].map((box) => box.dataset.activation);
  }

  range() {
    const from = Number(this.root.querySelector("#act-from").value);
    const to = Number(this.root.querySelector("#act-to").value);
    return Number.isFinite(from) && Number.isFinite(to) && from < to ? [from, to] : null;
  }

  async draw() {
    const asked = ++this.asked;
    const range = this.range();
    const note = this.root.querySelector("#act-note");
    if (!range) {
      note.textContent = t("act.bad_range");
      return;
    }
    note.textContent = "";
    try {
      const names = this.chosen();
      const curves = await Promise.all(names.map((name) => sweep(`${name}(x)`, {}, "x", range[0], range[1])));
      if (asked !== this.asked) return;
      this.curves = new Map(names.map((name, k) => [name, curves[k]]));
      this.render(range);
    } catch (error) {
      if (asked === this.asked) note.textContent = error.message;
    }
  }

  // After a language switch: the panels' titles.
  relabel() {
    const range = this.range();
    if (range && this.curves.size) this.render(range);
  }

  // Open the view and bring it into sight (the link beside the graph).
  reveal() {
    this.root.open = true;
    this.root.scrollIntoView({ block: "start" });
    this.draw();
  }

  render(range) {
    const panels = [["value", "act.f"], ["grad", "act.df"]].map(([field, key]) => this.panel(field, t(key), range));
    this.plot.replaceChildren(...panels);
  }

  // One panel: the field (value or grad) of every chosen curve against x, its axes labelled with numbers.
  panel(field, title, [from, to]) {
    const ys = [...this.curves.values()].flatMap((curve) => curve[field]).filter((y) => y !== null);
    let low = Math.min(0, ...ys);
    let high = Math.max(1, ...ys);
    if (high - low < 1e-9) high = low + 1;
    const { width, height, left, right, top, bottom } = SIZE;
    const sx = (x) => left + ((x - from) / (to - from)) * (width - left - right);
    const sy = (y) => top + ((high - y) / (high - low)) * (height - top - bottom);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("class", `act-panel act-${field}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", title);
    const add = (name, attributes, text) => {
      const element = document.createElementNS(SVG, name);
      for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
      if (text !== undefined) element.textContent = text;
      svg.append(element);
      return element;
    };
    add("text", { x: left + 4, y: top + 10, class: "act-title" }, title);
    add("line", { x1: left, x2: width - right, y1: sy(0), y2: sy(0), class: "act-axis" }); // y = 0
    if (from < 0 && to > 0) add("line", { x1: sx(0), x2: sx(0), y1: top, y2: height - bottom, class: "act-axis" });
    for (const y of [low, high, ...(low < 0 && high > 0 ? [0] : [])]) {
      add("text", { x: left - 4, y: sy(y) + 3, class: "act-tick y" }, formatNumber(y));
    }
    for (const x of [from, to, ...(from < 0 && to > 0 ? [0] : [])]) {
      add("text", { x: sx(x), y: height - 6, class: "act-tick x" }, formatNumber(x));
    }
    for (const [name, curve] of this.curves) {
      let path = "";
      curve.x.forEach((x, k) => {
        const y = curve[field][k];
        if (y === null || x === null) return;
        path += `${path && curve[field][k - 1] !== null ? "L" : "M"}${pixel(sx(x))},${pixel(sy(y))}`;
      });
      add("path", { d: path, class: `act-curve act-${name}`, "data-activation": name });
    }
    return svg;
  }
}

// A path coordinate to a tenth of a pixel (geometry, not a number for people to read).
function pixel(v) {
  return Math.round(v * 10) / 10;
}
