// Stepping through the passes, as an instructor does on the board: first the forward pass fills
// in values from the inputs to the output, then the backward pass fills in gradients from the output
// back to the inputs. Step k shows what is known after k nodes have been computed; the gradient along
// a wire is known once the gate it feeds has passed gradient back (drawn so by draw.js). A node that
// has no gradient (a constant) takes no backward step; after the last one the stepper says it is done.
import { t } from "./i18n.js";

export class PassStepper {
  constructor() {
    this.order = [];
    this.backward = [];
    this.step = null; // null: everything shown
  }

  // flows: by node id, whether the node has a gradient (scene.js's gradientFlows).
  reset(graph, flows = graph.nodes.map(() => true)) {
    this.order = graph.nodes.map((node) => node.id);
    this.backward = this.order.filter((id) => flows[id]).reverse();
    this.step = null;
  }

  get total() {
    return this.order.length + this.backward.length;
  }

  get stepping() {
    return this.step !== null;
  }

  get atEnd() {
    return this.step === this.total;
  }

  move(delta) {
    const current = this.step ?? (delta > 0 ? 0 : this.total);
    this.step = Math.max(0, Math.min(this.total, current + delta));
  }

  showAll() {
    this.step = null;
  }

  // "forward" while values are being filled in, "backward" while gradients are, null otherwise.
  phase() {
    if (this.step === null || this.step === 0) return null;
    return this.step <= this.order.length ? "forward" : "backward";
  }

  // The node ids whose values and gradients are known at the current step, and the one being computed.
  known() {
    const n = this.order.length;
    const step = this.step ?? this.total;
    const valuesOf = new Set(this.order.slice(0, Math.min(step, n)));
    const done = Math.max(0, step - n);
    const gradsOf = new Set(this.backward.slice(0, done));
    const active = step === 0 ? null : step <= n ? this.order[step - 1] : this.backward[done - 1];
    return { valuesOf, gradsOf, active: this.step === null ? null : active, phase: this.phase() };
  }

  describe() {
    const n = this.order.length;
    if (this.step === null) return "";
    if (this.step === 0) return t("teach.step.before");
    if (this.step <= n) return t("teach.step.forward", { step: this.step, total: n });
    if (this.atEnd) return t("teach.step.done", { count: this.backward.length });
    return t("teach.step.backward", { step: this.step - n, total: this.backward.length });
  }
}
