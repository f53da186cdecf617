// The explanation of a node where the student is looking: a card beside the node hovered or focused
// (right of it if there is room, else left, else over the far side of the drawing), or docked along the
// bottom of the drawing on a narrow screen. A click pins it; ×, Escape or a click on empty paper
// unpins and closes it. The card's content is details.js's; this module only places it.
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
    card.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !card.dataset.returnTo) this.close();
    });
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
    clearTimeout(this.timer);
    const changed = id !== this.id;
    this.id = id;
    this.anchor = anchor;
    this.render();
    if (changed) this.onChange?.(id);
  }

  pin(id, anchor) {
    this.pinned = false;
    this.show(id, anchor);
    this.pinned = true;
    this.card.classList.add("pinned");
  }

  hideSoon() {
    if (this.pinned || this.id === null || this.card.contains(document.activeElement)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const focused = document.activeElement?.closest?.("g.node");
      if (focused && focused === this.anchor) return; // still focused from the keyboard
      this.close();
    }, HIDE_AFTER_MS);
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

  // Beside the node, inside the drawing's area, never over the node itself.
  place() {
    const card = this.card;
    const frame = this.stage.getBoundingClientRect();
    card.classList.toggle("docked", frame.width < 640);
    card.style.left = card.style.top = "";
    if (card.classList.contains("docked") || !this.anchor?.isConnected) return;
    const node = this.anchor.getBoundingClientRect();
    const { width, height } = card.getBoundingClientRect();
    const right = node.right + GAP - frame.left;
    const left = node.left - GAP - width - frame.left;
    let x;
    if (right + width <= frame.width) x = right;
    else if (left >= 0) x = left;
    else x = node.left - frame.left > frame.width / 2 ? 4 : frame.width - width - 4; // the far side
    const y = Math.max(4, Math.min(node.top - frame.top - 16, frame.height - height - 4));
    card.style.left = `${Math.round(x)}px`;
    card.style.top = `${Math.round(y)}px`;
  }
}
