// Finding a node by its name or its expression in a big drawing: a search field in the graph's toolbar
// (`/` focuses it). Typing lists the matches; Enter (or a click on one) brings the node into view at a
// readable size, focuses it (its card opens) and highlights it.
import { t } from "./i18n.js";

const MOST = 8; // matches listed

// What a node computes, as the reader wrote it: the narration's expression when the answer has it, else
// built from the gate's symbol and its inputs' names ("a + u", "exp(z)").
export function expressionOf(graph, node) {
  if (node.narration?.expression) return node.narration.expression;
  if (!node.inputs.length) return "";
  const names = node.inputs.map((id) => graph.nodes[id].name ?? graph.nodes[id].label);
  if (names.length === 2 && node.label.length <= 2) return `${names[0]} ${node.label} ${names[1]}`;
  return `${node.label}(${names.join(", ")})`;
}

// The nodes whose name or expression holds the text: exact names first, then names that start with it,
// then the rest, each in the order the forward pass computes them.
export function matchesOf(graph, text) {
  const query = text.trim().toLowerCase().replaceAll(" ", "");
  if (!query || !graph) return [];
  const ranked = [];
  for (const node of graph.nodes) {
    const name = (node.name ?? node.label).toLowerCase();
    const expression = expressionOf(graph, node);
    const rank = name === query ? 0 : name.startsWith(query) ? 1 : name.includes(query) ? 2
      : expression.toLowerCase().replaceAll(" ", "").includes(query) ? 3 : null;
    if (rank !== null) ranked.push({ rank, node, expression });
  }
  return ranked.sort((a, b) => a.rank - b.rank || a.node.id - b.node.id).slice(0, MOST);
}

export class NodeSearch {
  // field: the input[type=search]; list: the element the matches are listed in; getGraph(): the graph on
  // screen; go(id): bring a node into view, focus and highlight it.
  constructor(field, list, { getGraph, go }) {
    Object.assign(this, { field, list, getGraph, go });
    this.matches = [];
    this.chosen = 0;
    this.relabel();
    field.addEventListener("input", () => this.find());
    field.addEventListener("focus", () => this.find());
    field.addEventListener("keydown", (event) => this.keydown(event));
    field.addEventListener("blur", () => setTimeout(() => (list.hidden = true), 200)); // a click on a match first
    document.addEventListener("keydown", (event) => {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
      event.preventDefault();
      field.focus();
      field.select();
    });
  }

  // The placeholder in the page's language (the label is translated with the page).
  relabel() {
    this.field.placeholder = t("search.placeholder");
  }

  find() {
    this.matches = matchesOf(this.getGraph(), this.field.value);
    this.chosen = 0;
    this.render();
  }

  render() {
    const { list } = this;
    list.hidden = !this.field.value.trim();
    this.field.setAttribute("aria-expanded", String(!list.hidden));
    if (!this.matches.length) {
      list.replaceChildren(Object.assign(document.createElement("li"), { className: "none", textContent: t("search.none") }));
      return;
    }
    list.replaceChildren(...this.matches.map(({ node, expression }, i) => {
      const item = document.createElement("li");
      item.role = "option";
      item.id = `search-match-${i}`;
      item.dataset.node = String(node.id);
      item.setAttribute("aria-selected", String(i === this.chosen));
      const name = node.name ?? node.label;
      item.textContent = expression && expression !== name ? `${name} = ${expression}` : name;
      item.addEventListener("pointerdown", (event) => event.preventDefault()); // the field keeps focus until go
      item.addEventListener("click", () => this.choose(i));
      return item;
    }));
    this.field.setAttribute("aria-activedescendant", `search-match-${this.chosen}`);
  }

  keydown(event) {
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves && this.matches.length) {
      event.preventDefault();
      this.chosen = (this.chosen + moves[event.key] + this.matches.length) % this.matches.length;
      this.render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (this.matches.length) this.choose(this.chosen);
    } else if (event.key === "Escape") {
      this.list.hidden = true;
    }
  }

  choose(i) {
    const match = this.matches[i];
    if (!match) return;
    this.list.hidden = true;
    this.go(match.node.id);
  }
}
