// The explanation of a node where the student is looking: a card near the node hovered or focused, where
// it covers the least of the drawing (never the node, never under the pointer), or docked along the
// bottom of the drawing on a narrow screen (along its top when the node is in its lower half). A click or a
// tap pins it; ×, Escape or a click on empty paper unpins and closes it. The card's content is details.js's; this module only places it.
import { t } from "./i18n.js";

const HIDE_AFTER_MS = 250; // the pointer may cross the gap between a node and its card
const GAP = 12;

export class ExplainCard {
  // card: the element; stage: the drawing's container (the card is placed inside it);
  // describe(id): the card's content for a node; onChange(id or null): the node explained.
  constructor(card, stage, { describe, onChange }) {
    this.card = card;
    this.stage = stage;
    this.describe = describe;
    this.onChange = onChange;
    this.id = null;
    this.anchor = null;
    this.pinned = false;
    this.timer = null;
    card.hidden = true;
    card.addEventListener("pointerenter", () => clearTimeout(this.timer));
    card.addEventListener("pointerleave", () => this.hideSoon());
    // Escape closes the card, on its node or inside it, and focus goes back where it came from.
    stage.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !this.open) return;
      event.preventDefault();
      event.stopPropagation(); // presenter mode stays
      const inside = card.contains(event.target);
      this.dismiss(inside ? document.getElementById(card.dataset.returnTo || "") ?? this.anchor : null);
    });
    // The drawing's area changes size (the table opens, a line wraps): the card is placed again inside it.
    new ResizeObserver(() => this.open && this.place()).observe(stage);
    this.dismissed = null; // the node whose card Escape closed: focus back on it does not open it again
    this.pointer = null; // where the last click or tap in the drawing was: the card never opens under it
    stage.addEventListener("pointerdown", (event) => {
      this.pointer = { x: event.clientX, y: event.clientY };
    }, true);
    stage.addEventListener("click", (event) => {
      if (!event.target.closest?.("g.node, #details, .minimap")) this.close();
    });
  }

  get open() {
    return this.id !== null;
  }

  // A node hovered or focused: explain it (a pinned card stays on its node until closed).
  show(id, anchor) {
    if (this.pinned && id !== this.id) return;
    if (id === this.dismissed) return;
    this.dismissed = null;
    clearTimeout(this.timer);
    const changed = id !== this.id;
    this.id = id;
    this.anchor = anchor;
    this.render();
    if (changed) this.onChange?.(id);
  }

  pin(id, anchor) {
    this.pinned = false;
    this.dismissed = null;
    this.show(id, anchor);
    this.pinned = true;
    this.card.classList.add("pinned");
    this.place(); // pinned, it may go further from the node, where it covers less
  }

  hideSoon() {
    this.dismissed = null;
    if (this.pinned || this.id === null || this.card.contains(document.activeElement)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const focused = document.activeElement?.closest?.("g.node");
      if (focused && focused === this.anchor) return; // still focused from the keyboard
      this.close();
    }, HIDE_AFTER_MS);
  }

  // Closed from the keyboard: focus goes to `back` (the node it came from), if given, without reopening it.
  dismiss(back) {
    const id = this.id;
    this.close();
    this.dismissed = id;
    delete this.card.dataset.returnTo;
    back?.focus();
  }

  close() {
    clearTimeout(this.timer);
    if (this.id === null) return;
    this.id = null;
    this.anchor = null;
    this.pinned = false;
    this.card.classList.remove("pinned");
    this.card.hidden = true;
    this.onChange?.(null);
  }

  // The content again (new numbers, another language), in the same place.
  render() {
    if (this.id === null) return;
    const content = this.describe(this.id);
    if (!content) return this.close();
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "×";
    close.setAttribute("aria-label", t("dialog.close"));
    close.addEventListener("click", () => this.close());
    this.card.replaceChildren(close, ...content);
    this.card.hidden = false;
    this.place();
  }

  // Inside the drawing's area, never over the node itself nor under the pointer that opened it, where it
  // covers the fewest of the drawing's boxes (gates, names, numbers), and of those places the nearest the node.
  place() {
    const card = this.card;
    const frame = this.stage.getBoundingClientRect();
    const docked = frame.width < 640;
    card.classList.toggle("docked", docked);
    card.style.left = card.style.top = "";
    if (!this.anchor?.isConnected) return;
    const node = this.anchor.getBoundingClientRect();
    // Docked on a narrow screen: along the edge away from the node, never over it (nor under the finger).
    card.classList.toggle("docked-top", docked && node.top + node.height / 2 - frame.top > frame.height / 2);
    if (docked) return;
    card.style.maxHeight = "";
    const { width, height } = card.getBoundingClientRect();
    const boxes = boxesIn(this.stage, frame, this.anchor);
    // A card shown on hover stays beside its node (the pointer must reach it). A pinned one goes anywhere,
    // and if it covers gates wherever it goes at its full height, it is made shorter (it scrolls) to fit
    // between them.
    const heights = this.pinned ? [height, ...SHORTER.map((share) => Math.max(MIN_HEIGHT, share * height))] : [height];
    let best = null;
    for (const [i, tall] of heights.entries()) {
      const at = leastCovering({ frame, node, width, height: Math.min(tall, height), pointer: this.pinned ? this.pointer : null,
        near: !this.pinned, boxes });
      at.score.splice(2, 0, i); // as few boxes covered as can be, then as tall as can be
      if (!best || lessThan(at.score, best.score)) best = { ...at, height: tall };
    }
    if (best.height < height) card.style.maxHeight = `${Math.round(best.height)}px`;
    card.style.left = `${Math.round(best.x - frame.left)}px`;
    card.style.top = `${Math.round(best.y - frame.top)}px`;
  }
}

const SHORTER = [0.75, 0.55]; // of its height, a pinned card that covers gates at full height
const MIN_HEIGHT = 160; // px: never shorter than this
const EDGE = 4; // the card's least distance from the area's edges
const STEP = 24; // the places tried, this far apart across the area

// The drawing's boxes on screen (in screen pixels): its gates, leaves and numbers, the node explained left out,
// and the minimap.
function boxesIn(stage, frame, anchor) {
  const boxes = [];
  for (const element of stage.querySelectorAll("svg.graph-drawing g.node")) {
    if (element === anchor) continue;
    const box = element.getBoundingClientRect();
    if (box.right < frame.left || box.left > frame.right || box.bottom < frame.top || box.top > frame.bottom) continue;
    // A gate or a leaf covered counts as two numbers covered.
    boxes.push({ left: box.left, right: box.right, top: box.top, bottom: box.bottom,
      weight: element.classList.contains("wire-label") ? 1 : 2 });
  }
  // The minimap (or its button) is in the area too: the card leaves it clear wherever it can.
  for (const element of stage.querySelectorAll(".minimap:not([hidden]), .minimap-toggle:not([hidden])")) {
    const box = element.getBoundingClientRect();
    boxes.push({ left: box.left, right: box.right, top: box.top, bottom: box.bottom, weight: 100 });
  }
  return boxes;
}

const overlapOf = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
  Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));

// The card's top left corner (screen pixels): beside the node first (right, left, above, below), then every
// place on a grid across the area; the one covering the fewest boxes (then the least of them), nearest the node.
export function leastCovering({ frame, node, width, height, pointer = null, near = false, boxes }) {
  const xs = [node.right + GAP, node.left - GAP - width, node.left + node.width / 2 - width / 2];
  const ys = [node.top - 16, node.top - GAP - height, node.bottom + GAP];
  if (!near) for (let x = frame.left + EDGE; x <= frame.right - width - EDGE; x += STEP) xs.push(x);
  if (!near) for (let y = frame.top + EDGE; y <= frame.bottom - height - EDGE; y += STEP) ys.push(y);
  xs.push(frame.right - width - EDGE);
  ys.push(frame.bottom - height - EDGE);
  const clamp = (value, low, high) => Math.max(low, Math.min(value, high));
  const keep = { left: node.left - GAP / 2, right: node.right + GAP / 2, top: node.top - GAP / 2, bottom: node.bottom + GAP / 2 };
  const [nx, ny] = [node.left + node.width / 2, node.top + node.height / 2];
  let best = null;
  for (const rawX of xs) {
    for (const rawY of ys) {
      const x = clamp(rawX, frame.left + EDGE, Math.max(frame.left + EDGE, frame.right - width - EDGE));
      const y = clamp(rawY, frame.top + EDGE, Math.max(frame.top + EDGE, frame.bottom - height - EDGE));
      const card = { left: x, top: y, right: x + width, bottom: y + height };
      const onNode = overlapOf(card, keep) > 0;
      const underPointer = pointer && pointer.x >= card.left && pointer.x <= card.right && pointer.y >= card.top && pointer.y <= card.bottom;
      let covered = 0;
      let area = 0;
      for (const box of boxes) {
        const shared = overlapOf(card, box);
        if (shared > 0) {
          covered += box.weight ?? 1;
          area += shared;
        }
      }
      const distance = Math.hypot(clamp(nx, card.left, card.right) - nx, clamp(ny, card.top, card.bottom) - ny);
      const score = [onNode || underPointer ? 1 : 0, covered, area, distance];
      if (!best || lessThan(score, best.score)) best = { x, y, score };
    }
  }
  return best;
}

function lessThan(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
