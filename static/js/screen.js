// The drawing on screen. A new answer with the structure on screen only updates the numbers; a new structure
// is laid out for the screen's shape (layout.js chooses it); a big graph is drawn in plain layers first and by
// Graphviz once that answer is settled; a screen that changes shape (a phone turned) gets its shape again.
import { COMFORT_SCALE, MIN_READABLE_SCALE } from "./draw.js";
import { t } from "./i18n.js";
import { drawingFor, GRAPHVIZ_MAX_NODES, PLAIN_FIRST_ABOVE } from "./layout.js";
import { status, statusBusy } from "./status.js";
import { gradientMarker } from "./theme.js";

const RESIZE_PAUSE_MS = 300;

// Layout depends on the nodes and wires, not on the numbers: a new value moves nothing.
function structureOf(graph) {
  return JSON.stringify(graph.nodes.map((node) => [node.op, node.label, node.name, node.inputs, node.shape]));
}

export class Screen {
  // state: the page state; view: the GraphView; minimap: its Minimap; hooks: onDrawn(graph, drawing) after
  // every new drawing, onRedrawn(graph) after one drawn again for the same answer, busy(): a request in flight.
  constructor(state, view, minimap, hooks) {
    Object.assign(this, { state, view, minimap, hooks });
    this.resizeTimer = null;
    this.lastSize = null;
    window.addEventListener("resize", () => this.resized());
  }

  // Whether an answer has the structure on screen: the same program (and options) with every node's
  // shape the same is, without comparing the whole graph; another text may still be (a comment added).
  sameStructure(graph, asked) {
    const shown = this.state.graph;
    if (!shown || !this.state.structure) return false;
    if (asked.key === this.state.structureKey && shown.nodes.length === graph.nodes.length &&
        graph.nodes.every((node, i) => node.shape.length === shown.nodes[i].shape.length &&
          node.shape.every((size, k) => size === shown.nodes[i].shape[k]))) return true;
    return structureOf(graph) === this.state.structure;
  }

  // An answer on screen; true when it was drawn anew (false: only its numbers changed).
  async show(graph, asked) {
    if (this.sameStructure(graph, asked)) {
      this.state.graph = graph;
      this.view.update(graph);
      return false;
    }
    status(t("status.laying_out", { count: graph.nodes.length }), true);
    const plainFirst = graph.nodes.length > PLAIN_FIRST_ABOVE && graph.nodes.length <= GRAPHVIZ_MAX_NODES;
    const drawing = await this.layOut(graph, plainFirst ? "plain" : null);
    this.put(graph, drawing, asked);
    if (plainFirst) {
      this.state.refining = true;
      setTimeout(() => this.refine(this.state.structure)); // once this answer is settled
    }
    return true;
  }

  put(graph, drawing, asked) {
    const { state, view, minimap } = this;
    minimap.hide(); // drawn again once the new drawing is on screen
    state.graph = graph;
    state.structure = structureOf(graph);
    state.structureKey = asked?.key ?? state.structureKey;
    view.show(graph, drawing.scene, drawing.geometry);
    state.layout = drawing.engine;
    state.shape = drawing.shape;
    state.tried = drawing.tried ?? null; // the shapes weighed for this screen, with their scores
    state.refining = false;
    // The map after the drawing is on screen: it reads the theme's colours, which would make the browser
    // lay the new drawing out before its time.
    requestAnimationFrame(() => setTimeout(() => view.geometry === drawing.geometry &&
      minimap.draw(drawing.scene, drawing.geometry, t("minimap.label"))));
    this.hooks.onDrawn(graph, drawing);
  }

  // The drawing for this screen (layout.js chooses its shape); engine "plain" asks for plain layers.
  async layOut(graph, engine = null) {
    const options = { opsByName: this.state.opsByName, marker: gradientMarker(), readable: MIN_READABLE_SCALE,
      comfort: COMFORT_SCALE, engine };
    try {
      return await drawingFor(graph, this.view.viewportSize(), options);
    } catch (error) {
      console.warn("Graphviz could not lay this graph out; drawing it in plain layers instead.", error);
      return drawingFor(graph, this.view.viewportSize(), { ...options, engine: "plain" });
    }
  }

  // Graphviz's layout in place of the plain one drawn first, unless the program's structure changed meanwhile.
  async refine(structure) {
    const { state } = this;
    status(t("status.refining", { count: state.graph.nodes.length }), true);
    const drawing = await this.layOut(state.graph);
    if (structure !== state.structure) return;
    state.refining = false;
    if (statusBusy()) status("");
    if (drawing.engine !== "graphviz") return;
    this.put(state.graph, drawing);
    this.hooks.onRedrawn(state.graph);
  }

  // The screen changed shape (a phone turned, a window resized): the drawing's shape is chosen again.
  resized() {
    const size = this.view.viewportSize();
    this.minimap.frame();
    this.hooks.onResize();
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(async () => {
      const last = this.lastSize;
      const changed = last && (Math.abs(size.width - last.width) > 0.2 * last.width ||
        Math.abs(size.height - last.height) > 0.2 * last.height);
      this.lastSize = size;
      const { state } = this;
      if (!changed || !state.graph || state.refining || this.hooks.busy()) return;
      const structure = state.structure;
      const drawing = await this.layOut(state.graph, state.layout === "plain" ? "plain" : null);
      if (structure !== state.structure) return;
      this.put(state.graph, drawing);
      this.hooks.onRedrawn(state.graph);
    }, RESIZE_PAUSE_MS);
  }

  // The screen's size when the page starts, to tell a real change of shape from a small one.
  measure() {
    this.lastSize = this.view.viewportSize();
  }
}
