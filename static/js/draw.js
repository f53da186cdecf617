// The drawing: Graphviz's SVG of the graph, restyled by classes, with pan and zoom (d3),
// numbers updated in place when only values change, and hover or focus reporting a node.
import { formatValue, fullPrecision } from "./format.js";
import { t } from "./i18n.js";
import { gradientMarker } from "./theme.js";

const d3 = window.d3;
const SVG_NS = "http://www.w3.org/2000/svg";

export class GraphView {
  constructor(container, { onFocusNode, onOpenArray }) {
    this.container = container;
    this.onFocusNode = onFocusNode;
    this.onOpenArray = onOpenArray;
    this.graph = null;
    this.svg = null;
    this.zoom = d3.zoom().scaleExtent([0.02, 8]).on("zoom", (event) => {
      this.viewport?.setAttribute("transform", event.transform.toString());
    });
  }

  // A new structure: put in the freshly laid-out SVG and fit it to the view.
  show(graph, svgText) {
    const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
    const svg = document.importNode(parsed, true);
    // Without width, height and viewBox, one SVG unit is one CSS pixel and d3-zoom alone scales.
    for (const attribute of ["width", "height", "viewBox"]) svg.removeAttribute(attribute);
    svg.classList.add("graph-drawing");
    svg.querySelector("g.graph > polygon")?.remove(); // Graphviz's white page: the CSS background shows instead
    svg.querySelectorAll("title").forEach((title) => title.remove());
    const viewport = document.createElementNS(SVG_NS, "g");
    viewport.classList.add("viewport");
    viewport.append(...svg.childNodes);
    svg.append(viewport);
    this.container.replaceChildren(svg);
    this.svg = svg;
    this.viewport = viewport;
    this.labels = this.indexWireLabels(svg);
    this.prepareNodes(svg);
    d3.select(svg).call(this.zoom).on("dblclick.zoom", null);
    this.graph = null;
    this.update(graph, { flash: false });
    this.fit();
  }

  // The same structure, new numbers: nothing moves; changed numbers flash.
  update(graph, { flash = true } = {}) {
    this.graph = graph;
    graph.edges.forEach((edge, wire) => {
      const shape = graph.nodes[edge.source].shape;
      this.setWireLabel(`w${wire}`, edge.value, edge.grad, shape, flash);
    });
    const output = graph.nodes[graph.output];
    this.setWireLabel("wout", output.value, output.grad, output.shape, flash);
    this.setDimmed(false);
  }

  setDimmed(dimmed) {
    this.container.classList.toggle("stale", dimmed);
  }

  fit() {
    if (!this.svg) return;
    const box = this.viewport.getBBox();
    const { width, height } = this.svg.getBoundingClientRect();
    if (!box.width || !width) return;
    // In presenter mode a small graph may grow to fill the screen; otherwise no larger than 2.5×.
    const most = document.documentElement.classList.contains("presenting") ? 6 : 2.5;
    const scale = Math.min(width / (box.width + 40), height / (box.height + 40), most);
    const x = (width - box.width * scale) / 2 - box.x * scale;
    const y = (height - box.height * scale) / 2 - box.y * scale;
    d3.select(this.svg).call(this.zoom.transform, d3.zoomIdentity.translate(x, y).scale(scale));
  }

  zoomBy(factor) {
    if (this.svg) d3.select(this.svg).transition().duration(200).call(this.zoom.scaleBy, factor);
  }

  // Each wire label's two texts, centred where Graphviz put them so that longer numbers grow evenly.
  indexWireLabels(svg) {
    const labels = new Map();
    svg.querySelectorAll("g.wire-label").forEach((group) => {
      const [value, grad] = group.querySelectorAll("text");
      for (const text of [value, grad]) {
        if (!text) continue;
        if (text.getAttribute("text-anchor") !== "middle") {
          const box = text.getBBox();
          text.setAttribute("x", box.x + box.width / 2);
          text.setAttribute("text-anchor", "middle");
        }
        text.removeAttribute("fill");
      }
      value.classList.add("value");
      grad?.classList.add("grad");
      group.querySelector("polygon")?.classList.add("rule");
      const title = document.createElementNS(SVG_NS, "title");
      group.prepend(title);
      labels.set(group.id, { group, value, grad, title });
    });
    return labels;
  }

  prepareNodes(svg) {
    svg.querySelectorAll("g.node:not(.wire-label)").forEach((group) => {
      group.setAttribute("tabindex", "0");
      group.setAttribute("role", "button");
      const id = nodeIdOf(group);
      const focus = () => this.onFocusNode(id);
      group.addEventListener("mouseenter", focus);
      group.addEventListener("focus", focus);
      group.addEventListener("click", () => this.openIfArray(id));
      group.addEventListener("keydown", (event) => {
        if (event.key === "Enter") this.openIfArray(id);
      });
    });
    this.labels.forEach(({ group }, wire) => {
      group.addEventListener("click", () => {
        const source = wire === "wout" ? this.graph.output : this.graph.edges[Number(wire.slice(1))].source;
        this.openIfArray(source);
      });
    });
  }

  openIfArray(id) {
    if (this.graph?.nodes[id]?.shape.length) this.onOpenArray(id);
  }

  setWireLabel(wire, value, grad, shape, flash) {
    const label = this.labels.get(wire);
    if (!label) return;
    setText(label.value, formatValue(value, shape), flash);
    if (label.grad) setText(label.grad, gradientMarker() + formatValue(grad, shape), flash);
    const gradient = label.grad ? "\n" + t("wire.grad", { grad: fullPrecision(grad) }) : "";
    label.title.textContent = t("wire.value", { value: fullPrecision(value) }) + gradient;
    label.group.classList.toggle("array", shape.length > 0);
  }

  // For stepping through the passes: show only the values and gradients known so far
  // (by node id), and mark the node being computed and its wires (in and out).
  reveal({ valuesOf, gradsOf, active }) {
    if (!this.svg) return;
    const sources = [...this.graph.edges.map((edge) => edge.source), this.graph.output];
    const targets = [...this.graph.edges.map((edge) => edge.target), null];
    this.svg.querySelectorAll("g.wire.active, g.wire-label.active").forEach((g) => g.classList.remove("active"));
    sources.forEach((source, wire) => {
      const name = wire === this.graph.edges.length ? "wout" : `w${wire}`;
      const label = this.labels.get(name);
      label?.value.classList.toggle("concealed", !valuesOf.has(source));
      // What flows back along a wire is known once the gate it feeds has passed gradient back.
      label?.grad?.classList.toggle("concealed", !gradsOf.has(targets[wire] ?? source));
      if (active === null || active === undefined || (source !== active && targets[wire] !== active)) return;
      label?.group.classList.add("active");
      for (const end of ["in", "out"]) this.svg.querySelector(`[id="${name}-${end}"]`)?.classList.add("active");
    });
    this.svg.querySelectorAll("g.node:not(.wire-label)").forEach((group) => {
      group.classList.toggle("active", nodeIdOf(group) === active);
    });
  }

  highlight(id) {
    this.svg?.querySelectorAll(".focused").forEach((el) => el.classList.remove("focused"));
    if (id === null || !this.svg) return;
    this.svg.querySelectorAll(`g[id="n${id}"], g[id^="n${id}-"]`).forEach((g) => g.classList.add("focused"));
    this.graph.edges.forEach((edge, wire) => {
      if (edge.target === id || edge.source === id) {
        this.labels.get(`w${wire}`)?.group.classList.add("focused");
        this.svg.querySelector(`#w${wire}-in`)?.classList.add("focused");
        this.svg.querySelector(`#w${wire}-out`)?.classList.add("focused");
      }
    });
  }

  svgForExport() {
    const copy = this.svg.cloneNode(true);
    const box = this.viewport.getBBox();
    copy.querySelector(".viewport").removeAttribute("transform");
    copy.setAttribute("viewBox", `${box.x - 10} ${box.y - 10} ${box.width + 20} ${box.height + 20}`);
    copy.setAttribute("width", Math.ceil(box.width + 20));
    copy.setAttribute("height", Math.ceil(box.height + 20));
    copy.setAttribute("xmlns", SVG_NS);
    inlineColours(this.svg, copy);
    // The theme's paper behind it: light numbers of the dark theme stay readable in any viewer.
    const paper = document.createElementNS(SVG_NS, "rect");
    for (const [name, value] of Object.entries({ x: box.x - 10, y: box.y - 10, width: box.width + 20, height: box.height + 20 })) {
      paper.setAttribute(name, value);
    }
    paper.setAttribute("fill", getComputedStyle(this.container).backgroundColor);
    copy.prepend(paper);
    return new XMLSerializer().serializeToString(copy);
  }
}

// A node's group is n<id>, or n<id>-w<wire> for a leaf drawn once per use in a big graph.
function nodeIdOf(group) {
  return parseInt(group.id.slice(1), 10);
}

function setText(element, text, flash) {
  if (element.textContent === text) return;
  element.textContent = text;
  if (!flash) return;
  element.classList.remove("flash");
  void element.getBBox(); // restart the animation
  element.classList.add("flash");
}

// An exported SVG stands alone: copy the colours the page's CSS gives each text and line.
function inlineColours(live, copy) {
  const liveElements = live.querySelectorAll("text, path, polygon, ellipse");
  const copied = copy.querySelectorAll("text, path, polygon, ellipse");
  liveElements.forEach((element, i) => {
    const style = getComputedStyle(element);
    copied[i].setAttribute("fill", style.fill);
    copied[i].setAttribute("stroke", style.stroke);
    if (style.opacity !== "1") copied[i].setAttribute("opacity", style.opacity);
  });
}
