// The drawing: the scene (scene.js) at the places the layout (layout.js) gave, as SVG, with pan and zoom
// (d3). When only values change the numbers are rewritten in place, all at once, and the changed ones
// flash; nothing moves. Hovering or focusing a node reports it; clicking an array opens it whole.
//
// Hooks for other modes: every label is written by one function of labels.js per kind; a wire's
// numbers are found by wireTexts(wire) and a node's drawing by nodeGroups(id); setNodeTag(id, kind,
// text) puts a tag beside a node (a course view's δ, say) and keeps it through value changes.
import { fullPrecision } from "./format.js";
import { t } from "./i18n.js";
import { FONT, gateSvg, leafSvg, tagSvg, totalTagText, wireLabelSvg, wireLabelTexts } from "./labels.js";
import { gradientMarker } from "./theme.js";

const d3 = window.d3;
const SVG_NS = "http://www.w3.org/2000/svg";

// The first view never shows a number smaller than 10 px (FONT.number units at this scale): a drawing
// too big for the screen at that size is shown in part, to pan or scroll through, with the minimap.
export const MIN_READABLE_SCALE = 10 / FONT.number;
// ...and never larger than this (a small graph), or in presenter mode PRESENTER_SCALE.
export const COMFORT_SCALE = 1.7;
const PRESENTER_SCALE = 4;
const MARGIN = 16;
const ARROW = [7, 3.5]; // length, half width

const f1 = (x) => (Math.round(x * 10) / 10).toString();

export class GraphView {
  // onFocusNode(id, element): a node hovered or focused; onLeaveNode(id): the pointer left it;
  // onPickNode(id, element): a node clicked (or Enter on it); onOpenArray(id): an array's label clicked.
  constructor(container, { onFocusNode, onLeaveNode, onPickNode, onOpenArray, onViewChange }) {
    this.container = container;
    this.handlers = { onFocusNode, onLeaveNode, onPickNode, onOpenArray, onViewChange };
    this.graph = null;
    this.svg = null;
    this.geometry = null;
    this.tags = new Map(); // "id|kind" → text, kept through value changes
    this.zoom = d3.zoom().scaleExtent([0.02, 8]).on("zoom", (event) => {
      this.viewport?.setAttribute("transform", event.transform.toString());
      if (event.sourceEvent) this.moved = true; // by the reader: a resize no longer fits it again
      this.handlers.onViewChange?.(event.transform);
    });
    // The drawing's area changes size (a narration line wraps, the table opens): fit again, unless the
    // reader has panned or zoomed.
    new ResizeObserver(() => !this.moved && this.fit()).observe(container);
  }

  // A new structure: the scene laid out, drawn afresh and shown readable.
  show(graph, scene, geometry) {
    this.scene = scene;
    this.geometry = geometry;
    this.container.querySelector("svg.graph-drawing")?.remove();
    this.container.insertAdjacentHTML("afterbegin", drawingSvg(graph, scene, geometry));
    const svg = this.container.querySelector("svg.graph-drawing");
    this.svg = svg;
    this.viewport = svg.querySelector(".viewport");
    this.index(scene);
    this.listen(svg);
    d3.select(svg).call(this.zoom).on("dblclick.zoom", null);
    this.graph = null;
    this.shown = new Map(); // element → text on screen, so that an update writes only what changed
    this.update(graph, { flash: false });
    for (const [key, text] of this.tags) this.drawTag(...key.split("|"), text);
    this.fit();
  }

  // What draw.js keeps of the drawing to update it without searching the DOM: each label's texts (with
  // how to get its numbers from an answer), each node's groups, each wire's groups.
  index(scene) {
    const byId = (key) => this.svg.getElementById(key);
    this.labels = [];
    this.nodes = new Map(); // node id → its groups (a leaf may be drawn several times)
    this.wires = new Map(); // wire key ("w3", "wout", "x5") → {source, target, label, links}
    this.totals = []; // [text element, node id]
    for (const row of scene.rows) {
      for (const box of row.boxes) {
        const group = byId(box.key);
        if (box.kind === "label" || box.kind === "exit") {
          const texts = [...group.querySelectorAll("text.value, text.grad")];
          const record = { group, texts, shape: box.numbers.shape, hasGrad: box.numbers.hasGrad, wire: box.wire, node: box.node };
          this.labels.push(record);
          this.wires.set(box.key, { record, key: box.key, links: [] });
        } else {
          if (!this.nodes.has(box.node)) this.nodes.set(box.node, []);
          this.nodes.get(box.node).push(group);
          const total = group.querySelector("text.tag.total");
          if (total) this.totals.push([total, box.node]);
        }
      }
      for (const link of row.links) {
        const key = link.key.replace(/-(in|out)$/, "");
        this.wires.get(key)?.links.push(byId(link.key));
      }
    }
  }

  // The same structure, new numbers: every text is worked out first, then only the changed ones are
  // written, in one pass, and flash (by switching between two equal animations, which restarts the
  // animation without making the browser lay the page out again).
  update(graph, { flash = true } = {}) {
    this.graph = graph;
    const marker = gradientMarker();
    const writes = [];
    for (const record of this.labels) {
      const numbers = record.wire === undefined ? nodeNumbers(graph, record) : edgeNumbers(graph, record);
      const texts = wireLabelTexts(numbers, marker);
      for (let i = 0; i < record.texts.length; i++) {
        if (this.shown.get(record.texts[i]) !== texts[i]) writes.push([record.texts[i], texts[i]]);
      }
    }
    for (const [element, id] of this.totals) {
      const text = totalTagText(graph.nodes[id], marker);
      if (this.shown.get(element) !== text) writes.push([element, text]);
    }
    for (const [element, text] of writes) {
      element.textContent = text;
      this.shown.set(element, text);
      if (flash) element.classList.replace(...(element.classList.contains("flash-a") ? ["flash-a", "flash-b"] : ["flash-b", "flash-a"])) ||
        element.classList.add("flash-a");
    }
    this.setDimmed(false);
    return writes.length;
  }

  setDimmed(dimmed) {
    this.container.classList.toggle("stale", dimmed);
  }

  // -- the view: readable first, then the reader's pan and zoom --------------------------------------

  viewportSize() {
    const { width, height } = this.container.getBoundingClientRect();
    return { width: Math.max(1, width - 2 * MARGIN), height: Math.max(1, height - 2 * MARGIN) };
  }

  // The whole drawing if it fits at a readable scale (as large as is comfortable), else its beginning
  // (the top left: the inputs) at the smallest readable scale; the minimap shows the rest.
  firstView() {
    const { width, height } = this.viewportSize();
    const box = { width: this.geometry.width, height: this.geometry.height };
    const presenting = document.documentElement.classList.contains("presenting");
    const most = presenting ? PRESENTER_SCALE : COMFORT_SCALE;
    const scale = Math.max(MIN_READABLE_SCALE, Math.min(width / box.width, height / box.height, most));
    const x = (box.width * scale <= width ? (width - box.width * scale) / 2 : 0) + MARGIN;
    let y = (box.height * scale <= height ? (height - box.height * scale) / 2 : 0) + MARGIN;
    if (box.height * scale > height) {
      // Too tall as well: of the strip on screen at the left, its top, or all of it in the middle.
      const [top, bottom] = this.extentOfStrip(width / scale);
      y = MARGIN - (bottom - top <= height / scale ? (top + bottom) / 2 - height / scale / 2 : top) * scale;
    }
    return d3.zoomIdentity.translate(x, y).scale(scale);
  }

  // From the top to the bottom of the boxes within `width` of the left edge.
  extentOfStrip(width) {
    let top = Infinity;
    let bottom = -Infinity;
    for (const row of this.scene.rows) {
      for (const box of row.boxes) {
        const at = this.geometry.boxes.get(box.key);
        if (!at || at.x - box.width / 2 > width) continue;
        top = Math.min(top, at.y - box.height / 2);
        bottom = Math.max(bottom, at.y + box.height / 2);
      }
    }
    return top <= bottom ? [Math.max(0, top - 8), bottom + 8] : [0, 0];
  }

  fit() {
    if (!this.svg || !this.container.getBoundingClientRect().width) return;
    this.moved = false;
    d3.select(this.svg).call(this.zoom.transform, this.firstView());
  }

  zoomBy(factor) {
    this.moved = true;
    if (this.svg) d3.select(this.svg).transition().duration(200).call(this.zoom.scaleBy, factor);
  }

  transform() {
    return this.svg ? d3.zoomTransform(this.svg) : d3.zoomIdentity;
  }

  // Centre the view on a point of the drawing (the minimap's click), keeping the zoom.
  centreOn(x, y) {
    if (!this.svg) return;
    const { width, height } = this.container.getBoundingClientRect();
    const k = this.transform().k;
    this.moved = true;
    d3.select(this.svg).call(this.zoom.transform, d3.zoomIdentity.translate(width / 2 - x * k, height / 2 - y * k).scale(k));
  }

  // -- hover, focus and clicks -------------------------------------------------------------------------

  listen(svg) {
    const nodeOf = (target) => target.closest?.("g.node:not(.wire-label)");
    svg.addEventListener("pointerover", (event) => {
      const label = event.target.closest?.("g.wire-label");
      if (label) this.fillTitle(label);
      const group = nodeOf(event.target);
      if (group && !group.contains(event.relatedTarget)) this.handlers.onFocusNode(nodeIdOf(group), group);
    });
    svg.addEventListener("pointerout", (event) => {
      const group = nodeOf(event.target);
      if (group && !group.contains(event.relatedTarget)) this.handlers.onLeaveNode?.(nodeIdOf(group));
    });
    svg.addEventListener("focusin", (event) => {
      const group = nodeOf(event.target);
      if (group) this.handlers.onFocusNode(nodeIdOf(group), group);
    });
    svg.addEventListener("click", (event) => {
      const label = event.target.closest?.("g.wire-label");
      if (label) return this.openIfArray(this.sourceOfLabel(label.id));
      const group = nodeOf(event.target);
      if (group) this.pick(nodeIdOf(group), group);
    });
    svg.addEventListener("keydown", (event) => {
      const group = nodeOf(event.target);
      if (group && event.key === "Enter") this.pick(nodeIdOf(group), group);
    });
  }

  pick(id, group) {
    if (this.graph?.nodes[id]?.shape.length) this.handlers.onOpenArray(id);
    else this.handlers.onPickNode?.(id, group);
  }

  sourceOfLabel(key) {
    if (key === "wout") return this.graph.output;
    if (key.startsWith("x")) return Number(key.slice(1));
    return this.graph.edges[Number(key.slice(1))].source;
  }

  openIfArray(id) {
    if (this.graph?.nodes[id]?.shape.length) this.handlers.onOpenArray(id);
  }

  // Full precision on hover: a label's title is written when the pointer reaches it.
  fillTitle(group) {
    const id = this.sourceOfLabel(group.id);
    const numbers = group.id.startsWith("w") && group.id !== "wout" ? this.graph.edges[Number(group.id.slice(1))] : this.graph.nodes[id];
    let title = group.querySelector("title");
    if (!title) {
      title = document.createElementNS(SVG_NS, "title");
      group.prepend(title);
    }
    const hasGrad = this.scene.flows[id];
    title.textContent = t("wire.value", { value: fullPrecision(numbers.value) }) +
      (hasGrad ? "\n" + t("wire.grad", { grad: fullPrecision(numbers.grad) }) : "");
  }

  // -- stepping and highlighting ------------------------------------------------------------------------

  // For stepping through the passes: show only the values and gradients known so far (by node id), and
  // mark the node being computed and its wires (in and out).
  reveal({ valuesOf, gradsOf, active }) {
    if (!this.svg) return;
    const stepping = active !== undefined;
    this.svg.querySelectorAll(".active").forEach((element) => element.classList.remove("active"));
    for (const { record, key, links } of this.wires.values()) {
      const [source, target] = this.ends(key);
      const valueKnown = valuesOf.has(source);
      // What flows back along a wire is known once the gate it feeds has passed gradient back.
      const gradKnown = gradsOf.has(target ?? source);
      for (const text of record.texts) {
        text.classList.toggle("concealed", !(text.classList.contains("grad") ? gradKnown : valueKnown));
      }
      if (stepping && active !== null && (source === active || target === active)) {
        record.group.classList.add("active");
        for (const link of links) link.classList.add("active");
      }
    }
    for (const [element, id] of this.totals) element.classList.toggle("concealed", !gradsOf.has(id));
    if (stepping && active !== null) for (const group of this.nodes.get(active) ?? []) group.classList.add("active");
  }

  // The node ids at the two ends of a wire label: source and target (null for a node's own numbers).
  ends(key) {
    if (key === "wout") return [this.graph.output, null];
    if (key.startsWith("x")) return [Number(key.slice(1)), null];
    const edge = this.graph.edges[Number(key.slice(1))];
    return [edge.source, edge.target];
  }

  highlight(id) {
    this.svg?.querySelectorAll(".focused").forEach((element) => element.classList.remove("focused"));
    if (id === null || id === undefined || !this.svg) return;
    for (const group of this.nodes.get(id) ?? []) group.classList.add("focused");
    for (const { record, key, links } of this.wires.values()) {
      const [source, target] = this.ends(key);
      if (source !== id && target !== id) continue;
      record.group.classList.add("focused");
      for (const link of links) link.classList.add("focused");
    }
  }

  nodeGroups(id) {
    return this.nodes?.get(id) ?? [];
  }

  wireTexts(key) {
    return this.wires?.get(key)?.record.texts ?? [];
  }

  // A tag beside a node (kind: a class, such as "delta"): drawn at the node's upper right, kept through
  // value changes and redrawn after a new layout. text null removes it.
  setNodeTag(id, kind, text) {
    const key = `${id}|${kind}`;
    if (text === null) this.tags.delete(key);
    else this.tags.set(key, text);
    this.drawTag(id, kind, text);
  }

  clearTags(kind) {
    for (const key of [...this.tags.keys()]) if (key.endsWith(`|${kind}`)) this.setNodeTag(Number(key.split("|")[0]), kind, null);
  }

  drawTag(id, kind, text) {
    for (const group of this.nodeGroups(Number(id))) {
      group.querySelector(`text.tag.${kind}`)?.remove();
      if (text === null) continue;
      const box = this.boxOf(group.id);
      group.insertAdjacentHTML("beforeend", tagSvg(kind, [box.width / 2 + 6, -box.height / 2 + 2]));
      const element = group.lastElementChild;
      element.setAttribute("text-anchor", "start");
      element.textContent = text;
    }
  }

  boxOf(key) {
    for (const row of this.scene.rows) for (const box of row.boxes) if (box.key === key) return box;
    return null;
  }

  // -- export -----------------------------------------------------------------------------------------------

  svgForExport() {
    const copy = this.svg.cloneNode(true);
    const { width, height } = this.geometry;
    copy.querySelector(".viewport").removeAttribute("transform");
    copy.querySelectorAll("title").forEach((title) => title.remove());
    copy.setAttribute("viewBox", `${-MARGIN} ${-MARGIN} ${width + 2 * MARGIN} ${height + 2 * MARGIN}`);
    copy.setAttribute("width", Math.ceil(width + 2 * MARGIN));
    copy.setAttribute("height", Math.ceil(height + 2 * MARGIN));
    copy.setAttribute("xmlns", SVG_NS);
    inlineStyles(this.svg, copy);
    // The theme's paper behind it: light numbers of the dark theme stay readable in any viewer.
    const paper = document.createElementNS(SVG_NS, "rect");
    for (const [name, value] of Object.entries({ x: -MARGIN, y: -MARGIN, width: width + 2 * MARGIN, height: height + 2 * MARGIN })) {
      paper.setAttribute(name, value);
    }
    paper.setAttribute("fill", getComputedStyle(this.container).backgroundColor);
    copy.prepend(paper);
    return new XMLSerializer().serializeToString(copy);
  }
}

function edgeNumbers(graph, record) {
  const edge = graph.edges[record.wire];
  return { value: edge.value, grad: edge.grad, shape: record.shape, hasGrad: record.hasGrad };
}

function nodeNumbers(graph, record) {
  const node = graph.nodes[record.node];
  return { value: node.value, grad: node.grad, shape: record.shape, hasGrad: record.hasGrad };
}

// A node's group is n<id>, or n<id>-w<wire> / n<id>-r<row> where it is drawn again.
function nodeIdOf(group) {
  return parseInt(group.id.slice(1), 10);
}

// -- the SVG -----------------------------------------------------------------------------------------------------

function drawingSvg(graph, scene, geometry) {
  const wires = [];
  const boxes = [];
  const rules = geometry.rows.slice(1).map((row) => {
    const y = f1(row.y - 14);
    return `<line class="row-rule" x1="0" x2="${f1(geometry.width)}" y1="${y}" y2="${y}"></line>`;
  });
  for (const row of scene.rows) {
    const byKey = new Map(row.boxes.map((box) => [box.key, box]));
    for (const link of row.links) wires.push(linkSvg(link, byKey, geometry));
    for (const box of row.boxes) boxes.push(boxSvg(box, geometry.boxes.get(box.key), graph.nodes[box.node]));
  }
  return `<svg class="graph-drawing" xmlns="${SVG_NS}" data-direction="${scene.direction}"><g class="viewport">` +
    `<g class="rows">${rules.join("")}</g><g class="wires">${wires.join("")}</g><g class="boxes">${boxes.join("")}</g></g></svg>`;
}

function boxSvg(box, at, node) {
  const position = `transform="translate(${f1(at.x)},${f1(at.y)})"`;
  const graphNode = (classes, inner) => `<g id="${box.key}" class="node ${classes}" ${position} tabindex="-1" role="button">${inner}</g>`;
  const tag = box.tagText ? tagSvg("total grad", box.tag) : "";
  switch (box.kind) {
    case "gate":
      return graphNode(`gate ${node.op}`, gateSvg(node, box.shape, box.name) + tag);
    case "leaf":
      return graphNode(`leaf ${node.op}`, leafSvg(node) + tag);
    case "ref":
      return graphNode("leaf ref", leafSvg({ label: node.name ?? node.label }));
    default: {
      const classes = `node wire-label${box.kind === "exit" ? " exit" : ""}${box.numbers.shape.length ? " array" : ""}`;
      return `<g id="${box.key}" class="${classes}" ${position}>${wireLabelSvg(box.numbers, box)}</g>`;
    }
  }
}

// A wire: from where it leaves its box's shape (a gate's circle, a leaf's text) along the layout's path
// to where it meets the next; into a gate with an arrowhead.
function linkSvg(link, byKey, geometry) {
  const { points, curved } = geometry.links.get(link.key) ?? { points: [], curved: false };
  // Where the wire meets a box: a gate's circle, on the line from the layout's end point to its centre;
  // another box where the wire leaves or enters its side.
  const anchor = (key, end, near) => {
    const box = byKey.get(key);
    const at = geometry.boxes.get(key);
    if (box.kind === "gate") {
      const [dx, dy] = near ? [near[0] - at.x, near[1] - at.y] : [end === "out" ? 1 : -1, 0];
      const k = 1 / Math.hypot(dx / box.shape.rx, dy / box.shape.ry) || 0;
      return [at.x + dx * k, at.y + dy * k];
    }
    const offset = box[end] ?? [end === "out" ? box.width / 2 : -box.width / 2, 0];
    return [at.x + offset[0], at.y + offset[1]];
  };
  const from = anchor(link.from, "out", points[0]);
  const to = anchor(link.to, "in", points[points.length - 1]);
  if (!points.length) points.push(from, to);
  const p = (point) => `${f1(point[0])},${f1(point[1])}`;
  let d = `M${p(from)}L${p(points[0])}`;
  if (curved) for (let i = 1; i + 2 < points.length; i += 3) d += `C${p(points[i])} ${p(points[i + 1])} ${p(points[i + 2])}`;
  else for (const point of points.slice(1)) d += `L${p(point)}`;
  d += `L${p(to)}`;
  let head = "";
  if (link.arrow) {
    const last = points[points.length - 1];
    const before = Math.hypot(to[0] - last[0], to[1] - last[1]) > 1 ? last : points[Math.max(0, points.length - 2)];
    head = `<polygon points="${arrowHead(before, to)}"></polygon>`;
  }
  return `<g id="${link.key}" class="edge wire"><path fill="none" d="${d}"></path>${head}</g>`;
}

function arrowHead(from, to) {
  const length = Math.hypot(to[0] - from[0], to[1] - from[1]) || 1;
  const [ux, uy] = [(to[0] - from[0]) / length, (to[1] - from[1]) / length];
  const base = [to[0] - ux * ARROW[0], to[1] - uy * ARROW[0]];
  const left = [base[0] - uy * ARROW[1], base[1] + ux * ARROW[1]];
  const right = [base[0] + uy * ARROW[1], base[1] - ux * ARROW[1]];
  return [to, left, right].map((point) => `${f1(point[0])},${f1(point[1])}`).join(" ");
}

// An exported SVG stands alone: copy the colours and fonts the page's CSS gives each text and line.
function inlineStyles(live, copy) {
  const liveElements = live.querySelectorAll("text, path, polygon, ellipse, line");
  const copied = copy.querySelectorAll("text, path, polygon, ellipse, line");
  liveElements.forEach((element, i) => {
    const style = getComputedStyle(element);
    copied[i].setAttribute("fill", style.fill);
    copied[i].setAttribute("stroke", style.stroke);
    if (element.tagName === "text") {
      copied[i].setAttribute("font-family", style.fontFamily);
      copied[i].setAttribute("font-size", style.fontSize);
      copied[i].setAttribute("font-weight", style.fontWeight);
      if (style.fontStyle !== "normal") copied[i].setAttribute("font-style", style.fontStyle);
    }
    if (style.opacity !== "1") copied[i].setAttribute("opacity", style.opacity);
    if (style.visibility === "hidden") copied[i].setAttribute("visibility", "hidden");
  });
}

