// The dialog that shows an array node whole: its elements, and the Jacobians of its wires (quiz mode may
// ask in it instead). It is drawn again with each new answer while it is open.
import { describeArray } from "./details.js";

export class ArrayDialog {
  // state: the page state (graph, arrayOpen); teaching: the teaching modes; view: the GraphView;
  // onOpen(): the page may now want the local gradients of its wires.
  constructor(dialog, { state, teaching, view, onOpen }) {
    Object.assign(this, { dialog, state, teaching, view, onOpen });
    dialog.querySelector(".close").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => (state.arrayOpen = null));
  }

  open(id) {
    this.state.arrayOpen = id;
    this.dialog.querySelector(".content").replaceChildren(this.teaching.quiz.arrayDialog(id) ?? this.describe(id));
    this.dialog.showModal();
    this.onOpen();
  }

  describe(id) {
    return describeArray(this.state.graph, id, this.view.scene?.flows[id] ?? true,
      this.teaching.detailsExtras(this.view.scene?.flows));
  }

  // Again with the numbers of a new answer (not while a quiz asks in it).
  redraw() {
    const id = this.state.arrayOpen;
    if (id === null || this.teaching.quiz.active || !this.state.graph?.nodes[id]) return;
    this.dialog.querySelector(".content").replaceChildren(this.describe(id));
  }
}
