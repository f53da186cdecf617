// The explanation of a node where the student is looking: a card beside the node hovered or focused
// (right of it if there is room, else left, else over the far side of the drawing), or docked along the
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

  // Beside the node, inside the drawing's area, never over the node itself.
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
