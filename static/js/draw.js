// The drawing: the scene (scene.js) at the places the layout (layout.js) gave, as SVG, with pan and zoom
// (d3). When only values change the numbers are rewritten in place, all at once, and the changed ones
// flash; nothing moves. Hovering or focusing a node reports it; clicking an array opens it whole.
//
// Hooks for other modes: every label is written by one function of labels.js per kind; a wire's
// numbers are found by wireTexts(wire) and a node's drawing by nodeGroups(id); setNodeTag(id, kind,
// text) puts a tag beside a node (a course view's δ, say) and keeps it through value changes.
import { fullPrecision } from "./format.js";
import { t } from "./i18n.js";
import { FONT, gateSvg, leafSvg, respaceMatrix, shapeInWords, tagSvg, totalTagText, wireLabelSvg, wireLabelTexts } from "./labels.js";
import { gateName, opName } from "./op-names.js";
import { gradientMarker } from "./theme.js";

const d3 = window.d3;
const SVG_NS = "http://www.w3.org/2000/svg";

// The first view never shows a number smaller than 10 px (FONT.number units at this scale): a drawing
// too big for the screen at that size is shown in part, to pan or scroll through, with the minimap.
export const MIN_READABLE_SCALE = 10 / FONT.number;
// ...and never larger than this (a small graph), or in presenter mode PRESENTER_SCALE.
export const COMFORT_SCALE = 1.7;
const PRESENTER_SCALE = 4;
// In presenter mode numbers stay at least 16 px (on a wall); a bigger drawing is shown in part and followed.
const PRESENTER_READABLE_SCALE = 16 / FONT.number;
const MARGIN = 16;
const CHANGED_FOR_MS = 700;
const ARROW = [7, 3.5]; // length, half width

const f1 = (x) => (Math.round(x * 10) / 10).toString();

export class GraphView {
  // onFocusNode(id, element): a node hovered or focused; onLeaveNode(id): the pointer left it;
  // onPickNode(id, element): a node clicked (or Enter on it); onOpenArray(id): an array's label clicked;
  // opsByName(): the op table (the gates' names in the page's language).
  constructor(container, { onFocusNode, onLeaveNode, onPickNode, onOpenArray, onViewChange, opsByName = () => ({}) }) {
    this.container = container;
    this.handlers = { onFocusNode, onLeaveNode, onPickNode, onOpenArray, onViewChange };
    this.opsByName = opsByName;
    this.graph = null;
    this.svg = null;
    this.geometry = null;
    this.tags = new Map(); // "id|kind" → text, kept through value changes
    this.changed = new Set(); // the numbers just changed, marked until CHANGED_FOR_MS after the last change
    this.size = { width: 1, height: 1 }; // the drawing's area in CSS pixels, as last measured
    // d3-zoom would measure the SVG at every change of the view (a layout of the whole drawing): it is
    // given the area's size instead.
    this.zoom = d3.zoom().scaleExtent([0.02, 8]).extent(() => [[0, 0], [this.size.width, this.size.height]]).on("zoom", (event) => {
      this.viewport?.setAttribute("transform", event.transform.toString());
      this.container.style.setProperty("--zoom", String(event.transform.k)); // sizes that must not shrink (quiz fields)
      if (event.sourceEvent) this.moved = true; // by the reader: a resize no longer fits it again
      if (!this.mountFrame) this.mountFrame = requestAnimationFrame(() => {
        this.mountFrame = null;
        this.mountVisible();
      });
      this.handlers.onViewChange?.(event.transform);
    });
    // The drawing's area changes size (a narration line wraps, the table opens): fit again, unless the
    // reader has panned or zoomed.
    new ResizeObserver(([entry]) => {
      this.size = { width: entry.contentRect.width, height: entry.contentRect.height };
      if (!this.moved) this.fit();
    }).observe(container);
  }

  // A new structure: the scene laid out, drawn afresh and shown readable. A big drawing is cut into
  // tiles and only the tiles in and near the view are put in the page (more as the reader pans or
  // zooms): the browser then lays out, paints and updates a few hundred numbers, not thousands. Each
  // tile is written as one piece of markup, numbers and names included, and nothing is measured after
  // it (the area's size is taken before).
  show(graph, scene, geometry) {
    const size = this.viewportSize();
    this.scene = scene;
    this.geometry = geometry;
    this.graph = graph;
    this.container.querySelector("svg.graph-drawing")?.remove();
    this.container.insertAdjacentHTML("afterbegin", skeletonSvg(scene, geometry, this.opsByName()));
    const svg = this.container.querySelector("svg.graph-drawing");
    this.svg = svg;
    this.viewport = svg.querySelector(".viewport");
    this.layers = { wires: svg.querySelector("g.wires"), boxes: svg.querySelector("g.boxes") };
    this.shown = new Map(); // element → text on screen, so that an update writes only what changed
    this.changed.clear();
    this.labels = []; // each mounted label: its texts, and how to get its numbers from an answer
    this.nodes = new Map(); // node id → its mounted groups (a leaf may be drawn several times)
    this.wires = new Map(); // wire key ("w3", "wout", "x5") → {record: its label, links: its mounted wires}
    this.totals = []; // [text element, node id] of the mounted total-gradient tags
    this.concealing = false;
    this.revealed = null;
    this.focusedId = null;
    this.tiles = tilesOf(scene, geometry);
    this.listen(svg);
    d3.select(svg).call(this.zoom).on("dblclick.zoom", null);
    this.setDimmed(false);
    this.fit(size);
    this.mountVisible();
  }

  // -- tiles --------------------------------------------------------------------------------------------

  // The tiles in and around the view (a quarter of a screen on each side), put in the page if they are
  // not yet.
  mountVisible() {
    if (!this.tiles) return;
    const { k, x, y } = this.transform();
    const [width, height] = [this.size.width / k, this.size.height / k];
    const view = [-x / k - width / 4, -y / k - height / 4, -x / k + 1.25 * width, -y / k + 1.25 * height];
    for (const tile of this.tiles.list) {
      if (!tile.mounted && tile.bbox[0] <= view[2] && tile.bbox[2] >= view[0] && tile.bbox[1] <= view[3] && tile.bbox[3] >= view[1]) {
        this.mount(tile);
      }
    }
  }

  mountAll() {
    for (const tile of this.tiles?.list ?? []) if (!tile.mounted) this.mount(tile);
  }

  // The tiles that draw a node, so that it can be focused or tagged.
  ensureNode(id) {
    for (const tile of this.tiles?.byNode.get(id) ?? []) if (!tile.mounted) this.mount(tile);
  }

  // One tile into the page, drawn with the numbers of the answer on screen, stepped, highlighted and
  // tagged as the rest of the drawing is.
  mount(tile) {
    tile.mounted = true;
    const marker = gradientMarker();
    const graph = this.graph;
    this.layers.wires.insertAdjacentHTML("beforeend", tile.links.map((link) => linkSvg(link, this.tiles.boxes, this.geometry)).join(""));
    const ops = this.opsByName();
    this.layers.boxes.insertAdjacentHTML("beforeend", tile.boxes.map((box) =>
      boxSvg(box, this.geometry.boxes.get(box.key), graph, marker, ops)).join(""));
    const byId = (key) => this.svg.getElementById(key);
    const fresh = new Set();
    for (const box of tile.boxes) {
      const group = byId(box.key);
      if (box.kind === "label" || box.kind === "exit") {
        const record = { group, texts: [...group.querySelectorAll("text.value, text.grad")], shape: box.numbers.shape,
          hasGrad: box.numbers.hasGrad, wire: box.wire, node: box.node };
        const written = wireLabelTexts(numbersOf(graph, record), marker);
        record.texts.forEach((text, i) => this.shown.set(text, written[i]));
        this.labels.push(record);
        this.wireEntry(box.key).record = record;
        fresh.add(this.wires.get(box.key));
      } else {
        if (!this.nodes.has(box.node)) this.nodes.set(box.node, []);
        this.nodes.get(box.node).push(group);
        const total = box.tagText ? group.querySelector("text.tag.total") : null;
        if (total) {
          this.totals.push([total, box.node]);
          this.shown.set(total, total.textContent);
        }
        for (const [key, text] of this.tags) if (Number(key.split("|")[0]) === box.node) this.drawTagOn(group, key.split("|")[1], text);
      }
    }
    for (const link of tile.links) {
      const entry = this.wireEntry(link.key.replace(/-(in|out)$/, ""));
      entry.links.push(byId(link.key));
      fresh.add(entry);
    }
    if (this.concealing && this.revealed) this.applyReveal(this.revealed, fresh, tile.boxes);
    if (this.focusedId !== null) this.highlight(this.focusedId);
  }

  wireEntry(key) {
    let entry = this.wires.get(key);
    if (!entry) this.wires.set(key, (entry = { key, record: null, links: [] }));
    return entry;
  }

  // The same structure, new numbers: every text is worked out first, then only the changed ones are
  // written, in one pass, and marked for a moment (one class on, and one timer taking it off them all:
  // an animation on each would have the browser repaint thousands of numbers every frame).
  update(graph, { flash = true } = {}) {
    this.graph = graph;
    const marker = gradientMarker();
    const writes = [];
    const respaced = []; // matrices with new numbers: their columns spaced again (labels.js)
    for (const record of this.labels) {
      const texts = wireLabelTexts(numbersOf(graph, record), marker);
      const before = writes.length;
      for (let i = 0; i < record.texts.length; i++) {
        if (this.shown.get(record.texts[i]) !== texts[i]) writes.push([record.texts[i], texts[i]]);
      }
      if (record.shape.length && writes.length > before) respaced.push(record.group);
    }
    for (const [element, id] of this.totals) {
      const text = totalTagText(graph.nodes[id], marker);
      if (this.shown.get(element) !== text) writes.push([element, text]);
    }
    for (const [element, text] of writes) {
      writeText(element, text);
      this.shown.set(element, text);
      if (flash) {
        element.classList.add("changed");
        this.changed.add(element);
      }
    }
    for (const group of respaced) respaceMatrix(group);
    if (flash && writes.length) {
      clearTimeout(this.changedTimer);
      this.changedTimer = setTimeout(() => {
        for (const element of this.changed) element.classList.remove("changed");
        this.changed.clear();
      }, CHANGED_FOR_MS);
    }
    this.setDimmed(false);
    return writes.length;
  }

  setDimmed(dimmed) {
    this.container.classList.toggle("stale", dimmed);
  }

  // -- the view: readable first, then the reader's pan and zoom --------------------------------------

  // The room for the drawing, inside a margin.
  viewportSize() {
    const { width, height } = this.container.getBoundingClientRect();
    this.size = { width, height };
    return { width: Math.max(1, width - 2 * MARGIN), height: Math.max(1, height - 2 * MARGIN) };
  }

  // The whole drawing if it fits at a readable scale (as large as is comfortable), else its beginning
  // (the top left: the inputs) at the smallest readable scale; the minimap shows the rest.
  firstView(size = this.viewportSize()) {
    const { width, height } = size;
    const box = { width: this.geometry.width, height: this.geometry.height };
    const presenting = document.documentElement.classList.contains("presenting");
    const most = presenting ? PRESENTER_SCALE : COMFORT_SCALE;
    const least = presenting ? PRESENTER_READABLE_SCALE : MIN_READABLE_SCALE;
    const scale = Math.max(least, Math.min(width / box.width, height / box.height, most));
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
    const key = `${width}`;
    if (this.strip?.geometry === this.geometry && this.strip.key === key) return this.strip.extent;
    const extent = this.measureStrip(width);
    this.strip = { geometry: this.geometry, key, extent };
    return extent;
  }

  measureStrip(width) {
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

  fit(size = null) {
    if (!this.svg) return;
    size ??= this.viewportSize();
    if (size.width <= 1) return;
    this.moved = false;
    d3.select(this.svg).call(this.zoom.transform, this.firstView(size));
  }

  // The whole drawing, however small its numbers get (presenter mode's overview key).
  fitWhole() {
    if (!this.svg) return;
    const { width, height } = this.viewportSize();
    const scale = Math.min(width / this.geometry.width, height / this.geometry.height, COMFORT_SCALE);
    const x = (width - this.geometry.width * scale) / 2 + MARGIN;
    const y = (height - this.geometry.height * scale) / 2 + MARGIN;
    this.moved = true;
    d3.select(this.svg).transition().duration(300).call(this.zoom.transform, d3.zoomIdentity.translate(x, y).scale(scale));
  }

  zoomBy(factor) {
    this.moved = true;
    if (this.svg) d3.select(this.svg).transition().duration(200).call(this.zoom.scaleBy, factor);
  }

  transform() {
    return this.svg ? d3.zoomTransform(this.svg) : d3.zoomIdentity;
  }

  // Centre the view on a point of the drawing (the minimap's click), keeping the zoom.
  centreOn(x, y, k = this.transform().k) {
    if (!this.svg) return;
    const { width, height } = this.size;
    this.moved = true;
    d3.select(this.svg).call(this.zoom.transform, d3.zoomIdentity.translate(width / 2 - x * k, height / 2 - y * k).scale(k));
  }

  // -- hover, focus and clicks -------------------------------------------------------------------------

  listen(svg) {
    const nodeOf = (target) => target.closest?.("g.node:not(.wire-label)");
    // A finger has no hover: a tap's pointerover, pointerout and focus would open a card under the finger
    // and close it again (the tap's click landing on the card). A tap is a click only: it pins the card.
    let tapping = false;
    svg.addEventListener("pointerdown", (event) => {
      tapping = event.pointerType === "touch";
    });
    // A touch that panned gives no click: the keyboard's focus counts again once the tap's would have come.
    svg.addEventListener("pointerup", (event) => {
      if (event.pointerType === "touch") setTimeout(() => (tapping = false), 600);
    });
    svg.addEventListener("pointerover", (event) => {
      if (event.pointerType === "touch") return;
      const label = event.target.closest?.("g.wire-label");
      if (label) this.fillTitle(label);
      const group = nodeOf(event.target);
      if (group && !group.contains(event.relatedTarget)) this.handlers.onFocusNode(nodeIdOf(group), group);
    });
    svg.addEventListener("pointerout", (event) => {
      if (event.pointerType === "touch") return;
      const group = nodeOf(event.target);
      if (group && !group.contains(event.relatedTarget)) this.handlers.onLeaveNode?.(nodeIdOf(group));
    });
    svg.addEventListener("focusin", (event) => {
      const group = nodeOf(event.target);
      if (group && !tapping) this.handlers.onFocusNode(nodeIdOf(group), group);
    });
    svg.addEventListener("click", (event) => {
      tapping = false;
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
  reveal(state) {
    if (!this.svg) return;
    const { valuesOf, gradsOf, active } = state;
    if (active === null && !this.concealing && valuesOf.size === this.graph.nodes.length &&
        gradsOf.size >= this.scene.flows.filter(Boolean).length) return; // all shown, as drawn
    this.concealing = true;
    this.revealed = state;
    this.svg.querySelectorAll(".active").forEach((element) => element.classList.remove("active"));
    this.applyReveal(state, this.wires.values(), null);
  }

  applyReveal({ valuesOf, gradsOf, active }, entries, boxes) {
    for (const { record, key, links } of entries) {
      const [source, target] = this.ends(key);
      // What flows back along a wire is known once the gate it feeds has passed gradient back.
      const known = { value: valuesOf.has(source), grad: gradsOf.has(target ?? source) };
      for (const text of record?.texts ?? []) text.classList.toggle("concealed", !known[text.classList.contains("grad") ? "grad" : "value"]);
      if (active !== null && (source === active || target === active)) {
        record?.group.classList.add("active");
        for (const link of links) link.classList.add("active");
      }
    }
    for (const [element, id] of this.totals) element.classList.toggle("concealed", !gradsOf.has(id));
    if (active === null) return;
    for (const group of this.nodes.get(active) ?? []) if (!boxes || boxes.some((box) => box.key === group.id)) group.classList.add("active");
  }

  // The node ids at the two ends of a wire label: source and target (null for a node's own numbers).
  ends(key) {
    if (key === "wout") return [this.graph.output, null];
    if (key.startsWith("x")) return [Number(key.slice(1)), null];
    const edge = this.graph.edges[Number(key.slice(1))];
    return [edge.source, edge.target];
  }

  highlight(id) {
    this.focusedId = id ?? null;
    this.svg?.querySelectorAll(".focused").forEach((element) => element.classList.remove("focused"));
    if (id === null || id === undefined || !this.svg) return;
    for (const group of this.nodes.get(id) ?? []) group.classList.add("focused");
    for (const { record, key, links } of this.wires.values()) {
      const [source, target] = this.ends(key);
      if (source !== id && target !== id) continue;
      record?.group.classList.add("focused");
      for (const link of links) link.classList.add("focused");
    }
  }

  // The words again, in another language: the screen reader's names, an array's shape in words, the
  // unfolded gates' boxes.
  relabel() {
    const ops = this.opsByName();
    for (const [id, groups] of this.nodes ?? []) for (const group of groups) group.setAttribute("aria-label", ariaLabel(this.graph.nodes[id], ops));
    for (const row of this.scene?.rows ?? []) {
      for (const group of row.groups) {
        const label = this.svg.querySelector(`#${group.key} text.group-label`);
        if (label) label.textContent = groupLabel(group, ops);
      }
    }
    for (const record of this.labels ?? []) {
      const caption = record.shape.length ? record.group.querySelector("text.shape") : null;
      if (caption) caption.textContent = shapeInWords(record.shape);
    }
  }

  nodeGroups(id) {
    return this.nodes?.get(id) ?? [];
  }

  wireTexts(key) {
    return this.wires?.get(key)?.record?.texts ?? [];
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
    for (const group of this.nodeGroups(Number(id))) this.drawTagOn(group, kind, text);
  }

  // In the room a gate's box keeps for a tag (above its circle left to right, beside it top to bottom) if
  // it has none of its own (a total), else at the box's upper right.
  drawTagOn(group, kind, text) {
    group.querySelector(`text.tag.${kind}`)?.remove();
    if (text === null) return;
    const box = this.tiles.boxes.get(group.id);
    const room = box.kind === "gate" && !box.tagText;
    const at = room ? box.tag : [box.width / 2 + 6, -box.height / 2 + 2];
    group.insertAdjacentHTML("beforeend", tagSvg(room ? `${kind} in-room` : kind, at, text));
  }

  // Bring a node to the middle of the view at a readable size at least (a node found by its name).
  bringIntoView(id) {
    const boxes = this.geometry?.boxes;
    const at = boxes?.get(`n${id}`) ?? [...(boxes?.entries() ?? [])].find(([key]) => key.startsWith(`n${id}-`))?.[1];
    if (!at) return;
    this.centreOn(at.x, at.y, Math.max(this.transform().k, COMFORT_SCALE));
  }

  // Bring a node into view (a course view's term clicked), keeping the zoom: nothing moves if it is in view.
  showNode(id) {
    const at = this.geometry?.boxes.get(`n${id}`);
    if (!at) return;
    const { k, x, y } = this.transform();
    const [left, top] = [at.x * k + x, at.y * k + y];
    if (left >= 0 && left <= this.size.width && top >= 0 && top <= this.size.height) return;
    this.centreOn(at.x, at.y);
  }

  // -- export -----------------------------------------------------------------------------------------------

  svgForExport() {
    this.mountAll();
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

// A number written again into its text node (textContent would put a new node in its place, for the browser to
// style and lay out afresh: twice the work of the frame that shows the new numbers).
function writeText(element, text) {
  const node = element.firstChild;
  if (node && node.nodeType === Node.TEXT_NODE && !node.nextSibling) node.data = text;
  else element.textContent = text;
}

// The numbers a label shows, from an answer: its wire's, or its node's own (the output, a row's end).
function numbersOf(graph, { wire, node, shape, hasGrad }) {
  const numbers = wire === undefined ? graph.nodes[node] : graph.edges[wire];
  return { value: numbers.value, grad: numbers.grad, shape, hasGrad };
}

// A node's group is n<id>, or n<id>-w<wire> / n<id>-r<row> where it is drawn again.
function nodeIdOf(group) {
  return parseInt(group.id.slice(1), 10);
}

// -- the SVG -----------------------------------------------------------------------------------------------------

// The drawing without its boxes and wires (the tiles bring them): the rules between rows, and the boxes
// around unfolded compound gates.
function skeletonSvg(scene, geometry, ops) {
  const rules = geometry.rows.slice(1).map((row) => {
    const y = f1(row.y - 14);
    return `<line class="row-rule" x1="0" x2="${f1(geometry.width)}" y1="${y}" y2="${y}"></line>`;
  });
  const groups = scene.rows.flatMap((row) => row.groups.map((group) => groupSvg(group, row, geometry, ops)));
  return `<svg class="graph-drawing" xmlns="${SVG_NS}" data-direction="${scene.direction}"><g class="viewport">` +
    `<g class="rows">${rules.join("")}${groups.join("")}</g><g class="wires"></g><g class="boxes"></g></g></svg>`;
}

// A dashed box around a group's boxes, its label at the top left: the compound gate's symbol and name.
function groupSvg(group, row, geometry, ops) {
  const byKey = new Map(row.boxes.map((box) => [box.key, box]));
  let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const key of group.members) {
    const box = byKey.get(key);
    const at = geometry.boxes.get(key);
    [left, top] = [Math.min(left, at.x - box.width / 2), Math.min(top, at.y - box.height / 2)];
    [right, bottom] = [Math.max(right, at.x + box.width / 2), Math.max(bottom, at.y + box.height / 2)];
  }
  const [x, y, width, height] = [left - 6, top - 18, right - left + 12, bottom - top + 24];
  return `<g id="${group.key}" class="cluster unfolded-group ${group.op}"><rect class="box" x="${f1(x)}" y="${f1(y)}" ` +
    `width="${f1(width)}" height="${f1(height)}" rx="6"></rect><text class="group-label" x="${f1(x + 6)}" y="${f1(y + 12)}">` +
    `${escapeAttribute(groupLabel(group, ops))}</text></g>`;
}

function groupLabel(group, ops) {
  const name = opName(ops[group.op], group.op);
  return group.symbol && group.symbol !== group.op ? `${group.symbol}  ${name}` : name;
}

// Below TILE_ABOVE boxes the drawing is one tile; above, tiles TILE units square, each holding the
// boxes and wires whose middle is in it (its bbox: all of them, whole).
const TILE_ABOVE = 400;
const TILE = 600;

function tilesOf(scene, geometry) {
  const boxes = new Map();
  for (const row of scene.rows) for (const box of row.boxes) boxes.set(box.key, box);
  const byKey = new Map();
  const one = boxes.size <= TILE_ABOVE;
  const tileAt = (x, y) => {
    const key = one ? "all" : `${Math.floor(x / TILE)},${Math.floor(y / TILE)}`;
    let tile = byKey.get(key);
    if (!tile) byKey.set(key, (tile = { boxes: [], links: [], bbox: [Infinity, Infinity, -Infinity, -Infinity], mounted: false }));
    return tile;
  };
  const grow = (tile, [left, top, right, bottom]) => {
    tile.bbox = [Math.min(tile.bbox[0], left), Math.min(tile.bbox[1], top), Math.max(tile.bbox[2], right), Math.max(tile.bbox[3], bottom)];
  };
  const byNode = new Map();
  for (const box of boxes.values()) {
    const at = geometry.boxes.get(box.key);
    const tile = tileAt(at.x, at.y);
    tile.boxes.push(box);
    grow(tile, [at.x - box.width / 2, at.y - box.height / 2, at.x + box.width / 2, at.y + box.height / 2]);
    if (box.kind !== "label" && box.kind !== "exit") {
      if (!byNode.has(box.node)) byNode.set(box.node, []);
      byNode.get(box.node).push(tile);
    }
  }
  for (const row of scene.rows) {
    for (const link of row.links) {
      const points = geometry.links.get(link.key)?.points ?? [geometry.boxes.get(link.from), geometry.boxes.get(link.to)].map((at) => [at.x, at.y]);
      const xs = points.map((point) => point[0]);
      const ys = points.map((point) => point[1]);
      const tile = tileAt((Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2);
      tile.links.push(link);
      grow(tile, [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
    }
  }
  return { list: [...byKey.values()], boxes, byNode };
}

function boxSvg(box, at, graph, marker, ops) {
  const node = graph.nodes[box.node];
  const position = `transform="translate(${f1(at.x)},${f1(at.y)})"`;
  const graphNode = (classes, inner) => `<g id="${box.key}" class="node ${classes}" ${position} tabindex="-1" role="button" ` +
    `aria-label="${escapeAttribute(ariaLabel(node, ops))}">${inner}</g>`;
  const tag = box.tagText ? tagSvg("total grad", box.tag, totalTagText(node, marker)) : "";
  switch (box.kind) {
    case "gate":
      return graphNode(`gate ${node.op}`, gateSvg(node, box.shape, box.name) + tag);
    case "leaf":
      return graphNode(`leaf ${node.op}`, leafSvg(node) + tag);
    case "ref":
      return graphNode("leaf ref", leafSvg({ label: node.name ?? node.label }));
    default: {
      const classes = `node wire-label${box.kind === "exit" ? " exit" : ""}${box.numbers.shape.length ? " array" : ""}`;
      const numbers = numbersOf(graph, { wire: box.wire, node: box.node, shape: box.numbers.shape, hasGrad: box.numbers.hasGrad });
      // On the paper's colour: a wire that passes behind numbers not their own (a long one, in a big drawing)
      // never covers them.
      const paper = `<rect class="label-paper" x="${f1(-box.width / 2)}" y="${f1(-box.height / 2)}" width="${f1(box.width)}" ` +
        `height="${f1(box.height)}"></rect>`;
      return `<g id="${box.key}" class="${classes}" ${position}>${paper}${wireLabelSvg(numbers, box, marker)}</g>`;
    }
  }
}

// What a screen reader calls a node; its numbers are in the explanation card and the table.
function ariaLabel(node, ops) {
  if (node.inputs.length) return t("node.aria_gate", { gate: gateName(ops[node.op], node.op), label: node.label, name: node.name ? ` → ${node.name}` : "" });
  return t(`node.aria_${node.op}`, { label: node.label });
}

const escapeAttribute = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

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
  const liveElements = live.querySelectorAll("text, path, polygon, ellipse, line, rect");
  const copied = copy.querySelectorAll("text, path, polygon, ellipse, line, rect");
  liveElements.forEach((element, i) => {
    const style = getComputedStyle(element);
    copied[i].setAttribute("fill", style.fill);
    copied[i].setAttribute("stroke", style.stroke);
    if (style.strokeDasharray !== "none") copied[i].setAttribute("stroke-dasharray", style.strokeDasharray);
    if (element.tagName === "text") {
      copied[i].setAttribute("text-anchor", style.textAnchor);
      copied[i].setAttribute("font-family", style.fontFamily);
      copied[i].setAttribute("font-size", style.fontSize);
      copied[i].setAttribute("font-weight", style.fontWeight);
      if (style.fontStyle !== "normal") copied[i].setAttribute("font-style", style.fontStyle);
    }
    if (style.opacity !== "1") copied[i].setAttribute("opacity", style.opacity);
    if (style.visibility === "hidden") copied[i].setAttribute("visibility", "hidden");
  });
}

