// Stepping through the passes, as an instructor does on the board: first the forward pass fills
// in values from the inputs to the output, then the backward pass fills in gradients from the output
// back to the inputs. Step k of n shows what is known after k nodes have been computed; the gradient
// along a wire is known once the gate it feeds has passed gradient back (drawn so by draw.js).
import { t } from "./i18n.js";

export class PassStepper {
  constructor() {
    this.order = [];
    this.step = null; // null: everything shown
  }

  reset(graph) {
    this.order = graph.nodes.map((node) => node.id);
    this.step = null;
  }

  get total() {
    return 2 * this.order.length;
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
    const backward = Math.max(0, step - n);
    const gradsOf = new Set(this.order.slice(n - backward));
    const active = step === 0 ? null : step <= n ? this.order[step - 1] : this.order[n - backward];
    return { valuesOf, gradsOf, active: this.step === null ? null : active, phase: this.phase() };
  }

  describe() {
    const n = this.order.length;
    if (this.step === null) return "";
    if (this.step === 0) return t("teach.step.before");
    if (this.step <= n) return t("teach.step.forward", { step: this.step, total: n });
    return t("teach.step.backward", { step: this.step - n, total: n });
  }
}
