// Nielsen's four equations of backpropagation, live: for a program the API finds layers in (`"layers":
// true`: z = W @ a + b, a = σ(z), …, then a cost), BP1–BP4 for each layer with this graph's numbers, as the
// API writes them, in the page's language. Each term of an equation is linked to the node it comes from:
// hovering or focusing a term marks that node in the drawing, and the number the term is (a value above
// its wires, a gradient below them); clicking it brings the node into view. A node hovered in the drawing
// marks the terms that come from it. Nothing is computed here: the equations, their terms and their numbers
// are the API's; this module lays them out and links them.
import { paragraph } from "./dom.js";
import { fullPrecision } from "./format.js";
import { pick, t } from "./i18n.js";

export class EquationsPanel {
  // section: the panel (hidden when the program has no layers); body: where the layers go;
  // view(): the GraphView.
  constructor(section, body, { view }) {
    this.section = section;
    this.body = body;
    this.view = view;
    this.graph = null;
    this.pointed = null; // the node marked from the drawing
    this.marked = []; // [element, class] marked in the drawing for the term hovered
    body.addEventListener("pointerover", (event) => this.termEvent(event, true));
    body.addEventListener("pointerout", (event) => this.termEvent(event, false));
    body.addEventListener("focusin", (event) => this.termEvent(event, true));
    body.addEventListener("focusout", (event) => this.termEvent(event, false));
    body.addEventListener("click", (event) => this.bringIntoView(event.target.closest?.(".term")));
    body.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.bringIntoView(event.target.closest?.(".term"));
      }
    });
  }

  // After every answer: the layers it found, or none (the panel hides).
  update(graph) {
    this.graph = graph;
    this.render();
  }

  render() {
    const layers = this.graph?.layers ?? [];
    this.section.hidden = !layers.length;
    if (!layers.length) return this.body.replaceChildren();
    const networks = new Set(layers.map((layer) => layer.network)).size;
    this.body.replaceChildren(...layers.map((layer) => this.layerBlock(layer, networks)));
    this.pointAt(this.pointed);
  }

  layerBlock(layer, networks) {
    const block = document.createElement("section");
    block.className = "layer";
    block.dataset.layer = layer.number;
    const title = document.createElement("h3");
    // The API's name for z: its name, a short expression ("∂C/∂(x + y)") or Nielsen's zˡ, never its gate's
    // symbol ("∂C/∂+"); an older answer without z_name: its name or zˡ
    const z = layer.z_name ?? this.graph.nodes[layer.z]?.name ?? `z${superscript(layer.number)}`;
    const which = layer.number === layer.layers ? "equations.output_layer" : "equations.layer";
    title.textContent = (networks > 1 ? t("equations.network", { network: layer.network + 1 }) : "") +
      t(which, { number: layer.number, layers: layer.layers, delta: layer.delta, z,
        cost: this.graph.nodes[this.graph.output].name ?? "C" });
    block.append(title, ...layer.equations.map((equation) => this.equationBlock(equation)));
    return block;
  }

  // The equation as Nielsen writes it, then in the program's names with each term linked to its node,
  // then the numbers, and what it says: the API's sentence cut at the formula it contains.
  equationBlock(equation) {
    const box = document.createElement("div");
    box.className = "equation";
    box.dataset.name = equation.name;
    const text = pick(equation.text);
    const at = text.indexOf(equation.named);
    const says = at >= 0 ? text.slice(0, at).replace(/[:：]\s*$/, "") : equation.name;
    const numbers = at >= 0 ? text.slice(at + equation.named.length) : "";
    box.append(paragraph(says, "says"), paragraph(equation.formula, "nielsen"), this.named(equation));
    if (numbers) box.append(paragraph(numbers.trim(), "numbers"));
    box.title = t("equations.difference", { difference: fullPrecision(equation.difference) });
    return box;
  }

  // "δ¹ = (W2ᵀ δ²) ⊙ σ′(z1)": the left-hand side linked to the node the equation gives the gradient of, and
  // each term of the right-hand side, found in order after the "=", to the node and number it comes from.
  named(equation) {
    const p = document.createElement("p");
    p.className = "named";
    const text = equation.named;
    const equals = text.indexOf(" = ");
    const left = equals >= 0 ? text.slice(0, equals) : "";
    const grad = this.graph.nodes[equation.node]?.grad;
    if (left) p.append(this.term({ symbol: left, node: equation.node, of: "grad", value: grad }), " = ");
    let from = equals >= 0 ? equals + 3 : 0;
    const unplaced = [];
    for (const term of equation.terms) {
      const at = text.indexOf(term.symbol, from);
      if (at < 0) {
        unplaced.push(term);
        continue;
      }
      p.append(text.slice(from, at), this.term(term));
      from = at + term.symbol.length;
    }
    p.append(text.slice(from));
    for (const term of unplaced) p.append("  ", this.term(term));
    return p;
  }

  term({ symbol, node, of, value }) {
    const span = document.createElement("span");
    span.className = `term ${of === "value" ? "value" : of === "grad" || of === "share" ? "grad" : "local"}`;
    span.textContent = symbol;
    span.tabIndex = 0;
    span.setAttribute("role", "button");
    span.dataset.node = node;
    span.dataset.of = of;
    span.title = t(`equations.term_${of}`, { symbol, node: this.nodeName(node), value: fullPrecision(value) });
    return span;
  }

  nodeName(id) {
    const node = this.graph.nodes[id];
    return node?.name ?? node?.label ?? String(id);
  }

  termEvent(event, entering) {
    const term = event.target.closest?.(".term");
    if (!term || term.contains(event.relatedTarget)) return;
    this.unmark();
    if (entering) this.mark(Number(term.dataset.node), term.dataset.of);
  }

  // In the drawing: the node, its wires' numbers, and the number the term is.
  mark(id, of) {
    const view = this.view();
    if (!view?.svg || !this.graph?.nodes[id]) return;
    view.ensureNode(id);
    const add = (element, className) => {
      element.classList.add(className);
      this.marked.push([element, className]);
    };
    for (const group of view.nodeGroups(id)) add(group, "linked");
    for (const key of wiresOut(this.graph, id)) {
      for (const text of view.wireTexts(key)) if (text.classList.contains(of === "value" ? "value" : "grad")) add(text, "linked-number");
    }
  }

  unmark() {
    for (const [element, className] of this.marked) element.classList.remove(className);
    this.marked = [];
  }

  bringIntoView(term) {
    if (!term) return;
    this.view()?.showNode(Number(term.dataset.node));
  }

  // A node hovered or focused in the drawing (null: none): the terms that come from it are marked.
  pointAt(id) {
    this.pointed = id ?? null;
    for (const term of this.body.querySelectorAll(".term.pointed")) term.classList.remove("pointed");
    if (this.pointed === null) return;
    for (const term of this.body.querySelectorAll(`.term[data-node="${this.pointed}"]`)) term.classList.add("pointed");
  }
}

const SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const superscript = (number) => String(number).replace(/\d/g, (digit) => SUPERSCRIPTS[digit]);

// The keys of the wire labels that carry a node's numbers: its wires out, its own (the output's, a row's end).
function wiresOut(graph, id) {
  const keys = [];
  graph.edges.forEach((edge, wire) => edge.source === id && keys.push(`w${wire}`));
  if (id === graph.output) keys.push("wout");
  keys.push(`x${id}`);
  return keys;
}
