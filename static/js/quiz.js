// Quiz mode: the student works the graph backwards by hand. Every gradient on the drawing is hidden and an
// answer field takes its place on its wire (<input data-quiz-node="ID">); each answer is checked as it is
// typed, a wrong one gets a hint (the gate's rule with this graph's numbers, never the answer), and "Show"
// gives the answer. With reveal=forward every gate's value is a field too (<input data-quiz-value="ID">).
// No maths here: what each field accepts, the hints and the answers all come from the API ("quiz": true).
import { formatNumber } from "./format.js";
import { onLanguageChange, pick, t } from "./i18n.js";
import { setQuizFlags, shareLink } from "./state.js";

const SVG_NS = "http://www.w3.org/2000/svg";
// Where quiz.css makes the fields a finger's size: the fields are then placed clear of the drawing's labels.
const ENLARGED = "(pointer: coarse), (max-width: 640px)";

const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const WRONG_AFTER_MS = 1200; // a pause in typing before a wrong answer is marked: it may be half typed
const FINISH_AFTER_MS = 500; // the last ✓ stays in sight a moment before the whole drawing comes back
const FIELD = { width: 44, widest: 64, height: 16, mark: 13, button: 13, nudge: 2 };
const MARKS = { right: "✓", wrong: "✗", shown: "◦" };

const $ = (selector) => document.querySelector(selector);

// An answer as typed: a number (a Unicode minus and spaces allowed), NaN for text that is none, null for nothing.
function parse(text) {
  const cleaned = text.trim().replace(/[−–]/g, "-").replace(/\s+/g, "");
  if (!cleaned) return null;
  const number = Number(cleaned);
  return Number.isFinite(number) ? number : NaN;
}

// Element i of a number or nested lists, in C order.
const element = (value, i) => (Array.isArray(value) ? value.flat(Infinity)[i] : value);
const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

// "right", "wrong" or "" (nothing typed) for element i of a question, by the range the API sent.
function verdict(question, text, i) {
  const answer = parse(text);
  if (answer === null) return "";
  const low = element(question.accept.low, i);
  const high = element(question.accept.high, i);
  return (low === null || low <= answer) && (high === null || answer <= high) ? "right" : "wrong";
}

// An element's bounding box in the units of the drawing's viewport, under whatever transforms the drawing
// puts it in (not the viewport's own pan and zoom, which may be anything, even 0 in a hidden drawing).
function boxInDrawing(svg, element) {
  const viewport = svg.querySelector(".viewport");
  let toViewport = new DOMMatrix();
  for (let node = element; node && node !== viewport; node = node.parentNode) {
    const own = node.transform?.baseVal.consolidate();
    if (own) toViewport = DOMMatrix.fromMatrix(own.matrix).multiply(toViewport);
  }
  const box = element.getBBox();
  const [a, b] = [new DOMPoint(box.x, box.y), new DOMPoint(box.x + box.width, box.y + box.height)]
    .map((point) => point.matrixTransform(toViewport));
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y) };
}

export class Quiz {
  // hooks: svg() the drawing; recompute(); onStart() stops the step tour and shows every number again.
  constructor(hooks) {
    this.hooks = hooks;
    this.on = false;
    this.finished = false;
    this.hideForward = false;
    this.graph = null;
    this.questions = []; // in Tab order: with reveal=forward the gates' values forwards, then gradients backwards
    this.answers = new Map(); // key → {text, status: "" | "right" | "wrong" | "shown", tries}
    this.signature = "";
    this.current = null; // the key of the question the hint line speaks of
    this.drawnOn = null; // the SVG the fields were put on
    this.stashedTitles = [];
    this.valuesHiddenOn = null; // the drawing whose values reveal=forward hid
    this.timers = new Map();
    this.finishTimer = null;
    this.examples = [];
    this.wire();
  }

  get active() {
    return this.on && !this.finished;
  }

  wire() {
    $("#quiz-toggle").addEventListener("click", () => (this.on ? this.stop() : this.start()));
    $("#quiz-forward").addEventListener("change", (event) => {
      this.hideForward = event.target.checked;
      this.start();
    });
    $("#quiz-restart").addEventListener("click", () => this.start());
    $("#quiz-show").addEventListener("click", () => this.show(this.current));
    onLanguageChange(() => {
      this.renderExercises();
      this.relabelFields();
      this.renderPanel();
    });
  }

  // -- turning it on and off ---------------------------------------------------------------------

  start() {
    this.on = true;
    this.finished = false;
    this.answers.clear();
    this.current = null;
    this.signature = "";
    this.hooks.onStart();
    this.sync();
    this.hooks.recompute(); // the questions come with the answer
  }

  stop() {
    this.on = false;
    this.finished = false;
    this.sync();
    this.hooks.recompute(); // the narration and the check come back
  }

  // From a link or a reload: quiz=1, and reveal=forward to hide the forward values too. The caller recomputes.
  restore(state) {
    this.on = Boolean(state?.quiz);
    this.hideForward = this.on && state?.reveal === "forward";
    this.finished = false;
    this.answers.clear();
    this.signature = "";
    if (this.on) this.hooks.onStart();
    this.sync();
  }

  // What the graph request asks for: the questions, and none of the narration or the check, which tell all.
  requestOptions() {
    if (!this.on) return {};
    return this.finished ? { quiz: true } : { quiz: true, narrate: false, check: false };
  }

  // The page's classes, the toolbar's toggle, the link's flags, and the drawing.
  sync() {
    const root = document.documentElement.classList;
    root.toggle("quiz-on", this.on);
    root.toggle("quizzing", this.active);
    root.toggle("quiz-forward", this.active && this.hideForward);
    $("#quiz-toggle").setAttribute("aria-pressed", String(this.on));
    $("#quiz-forward").checked = this.hideForward;
    $("#quiz-panel").hidden = !this.on;
    setQuizFlags({ quiz: this.on, reveal: this.hideForward ? "forward" : null });
    this.decorate();
    this.renderPanel();
  }

  // -- the questions of each answer ----------------------------------------------------------------

  setExamples(examples) {
    this.examples = examples;
    this.renderExercises();
  }

  // After every graph that computed: the questions it asks; answers typed for the same graph are kept
  // (and checked again: a changed input changes what is right).
  afterGraph(graph) {
    this.graph = graph;
    if (!this.on || !graph.quiz) return;
    const signature = JSON.stringify([this.hideForward, graph.nodes.map((node) => [node.op, node.inputs, node.shape])]);
    if (signature !== this.signature) {
      this.signature = signature;
      this.answers.clear();
      this.finished = false;
      this.current = null;
      this.drawnOn = null;
    }
    this.questions = this.questionsOf(graph);
    for (const [key, answer] of this.answers) this.recheck(key, answer);
    this.sync();
  }

  questionsOf(graph) {
    const asked = (kind) => graph.nodes.filter((node) => node.quiz?.[kind])
      .map((node) => ({ key: `${kind}:${node.id}`, kind, node, question: node.quiz[kind] }));
    const forward = this.hideForward ? asked("value") : [];
    return [...forward, ...asked("grad").reverse()]; // backwards: the order a student computes gradients in
  }

  find(key) {
    const [kind, id] = key.split(":");
    return this.questions.find((q) => q.kind === kind && q.node.id === Number(id));
  }

  // -- answers ---------------------------------------------------------------------------------

  answerOf(key) {
    if (!this.answers.has(key)) this.answers.set(key, { text: "", status: "", tries: 0 });
    return this.answers.get(key);
  }

  // key is kind:id for a field on the drawing (an array's first element), kind:id:i for element i.
  elementOf(key) {
    const [kind, id, index] = key.split(":");
    return { question: this.find(`${kind}:${id}`), index: Number(index ?? 0) };
  }

  recheck(key, answer) {
    const { question, index } = this.elementOf(key);
    if (!question) return;
    if (answer.status === "shown") {
      answer.text = this.answerText(question, index);
      return;
    }
    const judged = verdict(question.question, answer.text, index);
    answer.status = answer.status || judged === "right" ? judged : ""; // a wrong answer is marked once settled
  }

  // As the student types: right at once; wrong only after a pause, or at Enter or on leaving the field.
  typed(key, text) {
    const answer = this.answerOf(key);
    answer.text = text;
    const { question, index } = this.elementOf(key);
    clearTimeout(this.timers.get(key));
    const judged = verdict(question.question, text, index);
    answer.status = judged === "right" ? "right" : "";
    if (judged === "wrong") this.timers.set(key, setTimeout(() => this.settle(key), WRONG_AFTER_MS));
    this.current = key;
    this.paintAll(key);
    this.renderPanel();
    this.finishIfDone();
  }

  settle(key) {
    clearTimeout(this.timers.get(key));
    const answer = this.answerOf(key);
    const { question, index } = this.elementOf(key);
    if (!question || answer.status === "shown") return;
    const judged = verdict(question.question, answer.text, index);
    if (judged === "wrong" && answer.status !== "wrong") answer.tries += 1;
    answer.status = judged;
    this.current = key;
    this.paintAll(key);
    this.renderPanel();
  }

  show(key) {
    if (!key) return;
    const { question, index } = this.elementOf(key);
    const answer = this.answerOf(key);
    answer.text = this.answerText(question, index);
    answer.status = "shown";
    this.paintAll(key);
    this.renderPanel();
    this.finishIfDone();
  }

  answerText(question, index) {
    const node = question.node;
    return formatNumber(element(question.kind === "grad" ? node.grad : node.value, index));
  }

  // A question counts by its field on the drawing: an array's first element.
  statusOf(question) {
    return this.answers.get(question.key)?.status ?? "";
  }

  score() {
    const statuses = this.questions.map((question) => this.statusOf(question));
    return {
      right: statuses.filter((status) => status === "right").length,
      shown: statuses.filter((status) => status === "shown").length,
      total: statuses.length,
    };
  }

  finishIfDone() {
    clearTimeout(this.finishTimer);
    const { right, shown, total } = this.score();
    if (!this.active || !total || right + shown < total) return;
    this.finishTimer = setTimeout(() => {
      this.finished = true;
      $("#array-dialog").open && $("#array-dialog").close();
      this.sync();
      $("#quiz-score").focus();
      this.hooks.recompute(); // the narration comes back with the whole drawing
    }, FINISH_AFTER_MS);
  }

  // -- the fields on the drawing -----------------------------------------------------------------

  // After every drawing and every answer: the fields in place of the numbers, or the numbers back.
  decorate() {
    const svg = this.hooks.svg();
    if (!svg || !this.graph) return;
    const showing = this.active && this.graph.quiz;
    this.hideValues(svg, showing && this.hideForward);
    this.hideTitles(svg, showing);
    if (!showing) {
      svg.querySelector("g.quiz-fields")?.remove();
      this.drawnOn = null;
      return;
    }
    if (this.drawnOn !== svg || !svg.querySelector("g.quiz-fields")) this.renderFields(svg);
    else this.paintAll();
  }

  // The fields come first in the drawing, so Tab reaches them before the nodes (whose numbers are hidden).
  renderFields(svg) {
    svg.querySelector("g.quiz-fields")?.remove();
    const group = document.createElementNS(SVG_NS, "g");
    group.classList.add("quiz-fields");
    for (const question of this.questions) group.append(this.field(svg, question));
    svg.querySelector(".viewport").prepend(group);
    this.drawnOn = svg;
    this.paintAll();
    this.placeFields(svg);
    this.watchZoom(svg);
  }

  // On a phone the fields are 44 px square at any zoom (quiz.css), bigger than the numbers they stand for:
  // each goes near its number where it covers no other number, name, gate or field (and, if it can, no wire).
  placeFields(svg) {
    const group = svg.querySelector("g.quiz-fields");
    if (!group || !window.matchMedia(ENLARGED).matches) return;
    const zoom = Number(getComputedStyle(svg.parentNode).getPropertyValue("--zoom")) || 1;
    this.placedAt = zoom;
    const shown = (element) => getComputedStyle(element).visibility !== "hidden" && (element.tagName !== "text" || element.textContent.trim());
    const things = [...svg.querySelectorAll("g.boxes text, g.boxes ellipse")].filter(shown).map((element) => boxInDrawing(svg, element));
    const wirePoints = [];
    for (const path of svg.querySelectorAll("g.wires path")) {
      const length = path.getTotalLength();
      for (let at = 0; at <= length; at += 3) wirePoints.push(path.getPointAtLength(at));
    }
    const placed = [];
    for (const holder of group.querySelectorAll("foreignObject.quiz-field")) {
      // The field, its mark and its ⋯ button as drawn (they overflow the holder, which is sized for a desktop).
      const parts = [...holder.firstChild.children].map((part) => part.getBoundingClientRect()).filter((part) => part.width);
      const left = Math.min(...parts.map((part) => part.left));
      const top = Math.min(...parts.map((part) => part.top));
      const [width, height] = [(Math.max(...parts.map((part) => part.right)) - left) / zoom, (Math.max(...parts.map((part) => part.bottom)) - top) / zoom];
      const [x, y] = [Number(holder.dataset.x), Number(holder.dataset.y)];
      const near = (box) => box.x < x + 3 * width && box.x + box.width > x - 3 * width && box.y < y + 3 * height && box.y + box.height > y - 3 * height;
      const others = things.filter(near).concat(placed.filter(near));
      const points = wirePoints.filter((point) => Math.abs(point.x - x) < 3 * width && Math.abs(point.y - y) < 3 * height);
      let best = null;
      for (let i = -8; i <= 8; i++) {
        for (let j = -6; j <= 6; j++) {
          const box = { x: x + (j * width) / 4 - width / 2, y: y + (i * height) / 4 - height / 2, width, height };
          const covered = others.filter((other) => overlaps(box, other)).length;
          const wire = points.some((point) => point.x > box.x && point.x < box.x + width && point.y > box.y && point.y < box.y + height);
          // Nothing covered first; then near its number, a wire crossed counting as half a field further.
          const score = [covered, Math.hypot((i * height) / 4, (j * width) / 4) + (wire ? height / 2 : 0)];
          if (!best || score[0] < best.score[0] || (score[0] === best.score[0] && score[1] < best.score[1])) best = { box, score };
        }
      }
      holder.setAttribute("x", best.box.x);
      holder.setAttribute("y", best.box.y);
      holder.setAttribute("width", width);
      holder.setAttribute("height", height);
      placed.push(best.box);
    }
  }

  // Pinched or zoomed on a phone: the fields' size in the drawing changed, so they are placed again.
  watchZoom(svg) {
    if (this.zoomWatch?.svg === svg || !window.matchMedia(ENLARGED).matches) return;
    this.zoomWatch?.observer.disconnect();
    let timer = null;
    const observer = new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const zoom = Number(getComputedStyle(svg.parentNode).getPropertyValue("--zoom")) || 1;
        if (this.drawnOn === svg && Math.abs(zoom / (this.placedAt || zoom) - 1) > 0.1) this.placeFields(svg);
      }, 200);
    });
    observer.observe(svg.parentNode, { attributes: true, attributeFilter: ["style"] });
    this.zoomWatch = { svg, observer };
  }

  field(svg, question) {
    const place = this.anchor(svg, question);
    const array = question.node.shape.length > 0;
    // As wide as the number it hides (a long one up to a limit); an array's field takes its first element only.
    const width = array ? FIELD.width : Math.min(Math.max(FIELD.width, place.width + 6), FIELD.widest);
    const holder = document.createElementNS(SVG_NS, "foreignObject");
    holder.setAttribute("x", place.x - width / 2);
    // Clear of the wire that runs between the two numbers: a gradient's field a little lower, a value's higher.
    holder.setAttribute("y", place.y - FIELD.height / 2 + (question.kind === "grad" ? FIELD.nudge : -FIELD.nudge));
    holder.setAttribute("width", width + FIELD.mark + (array ? FIELD.button : 0));
    holder.setAttribute("height", FIELD.height);
    holder.classList.add("quiz-field");
    // Where its number is, the middle of the field as first placed: a phone's bigger field is placed from it.
    holder.dataset.x = place.x;
    holder.dataset.y = place.y + (question.kind === "grad" ? FIELD.nudge : -FIELD.nudge);
    const box = document.createElement("div");
    box.className = `quiz-box ${question.kind}`;
    const input = document.createElement("input");
    input.type = "text";
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.style.width = `${width}px`;
    input.dataset[question.kind === "grad" ? "quizNode" : "quizValue"] = question.node.id;
    input.dataset.key = question.key;
    input.setAttribute("aria-describedby", "quiz-hint");
    input.placeholder = array ? "[0] ?" : "?";
    input.value = this.answers.get(question.key)?.text ?? "";
    input.addEventListener("input", () => this.typed(question.key, input.value));
    input.addEventListener("change", () => this.settle(question.key));
    input.addEventListener("focus", () => this.focusOn(question.key));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.settle(question.key);
    });
    const mark = document.createElement("span");
    mark.className = "quiz-mark";
    mark.setAttribute("role", "img");
    box.append(input, mark);
    if (array) {
      const whole = document.createElement("button");
      whole.type = "button";
      whole.className = "quiz-whole";
      whole.textContent = "⋯";
      whole.addEventListener("click", () => this.openDialog(question.node.id));
      box.append(whole);
    }
    // The drawing pans on a drag: not when the drag starts in a field.
    for (const type of ["mousedown", "pointerdown", "touchstart", "dblclick"]) {
      box.addEventListener(type, (event) => event.stopPropagation());
    }
    holder.append(box);
    this.label(input, question);
    return holder;
  }

  // Where a question's number is drawn, in the drawing's own units: a node's total gradient where the drawing
  // has one (a tag beside a node used several times), else on the node's first outgoing wire (the output's
  // own wire), the gradient below it and the value above; for a node no wire leaves, under the node.
  anchor(svg, question) {
    const { node } = question;
    const graph = this.graph;
    const wire = node.id === graph.output ? "wout" : graph.edges.findIndex((edge) => edge.source === node.id);
    const text = question.kind === "grad" ? "text.grad" : "text.value";
    const labels = [`[id="x${node.id}"]`, wire === "wout" ? '[id="wout"]' : wire === -1 ? null : `[id="w${wire}"]`];
    const number = labels.filter(Boolean).map((label) => svg.querySelector(`${label} ${text}`)).find(Boolean);
    if (number) {
      const box = boxInDrawing(svg, number);
      return { x: box.x + box.width / 2, y: box.y + box.height / 2, width: box.width };
    }
    const group = svg.querySelector(`[id="n${node.id}"]`) ?? svg.querySelector(`[id^="n${node.id}-"]`);
    const box = group ? boxInDrawing(svg, group) : { x: 0, y: 0, width: 0, height: 0 };
    return { x: box.x + box.width / 2, y: box.y + box.height + FIELD.height, width: 0 };
  }

  label(input, question) {
    const what = t(question.kind === "grad" ? "quiz.field_grad" : "quiz.field_value", { asks: question.question.asks });
    input.setAttribute("aria-label", question.node.shape.length ? t("quiz.field_first", { what }) : what);
    input.title = what;
    input.parentNode?.querySelector(".quiz-whole")?.setAttribute("aria-label", t("quiz.whole_array", { what }));
  }

  relabelFields() {
    for (const input of document.querySelectorAll("input[data-key]")) {
      const question = this.find(input.dataset.key);
      if (question && !input.closest("dialog")) this.label(input, question);
    }
    this.paintAll();
  }

  // Every field showing key (on the drawing and in the array dialog), or every field: text, class and mark.
  paintAll(key = null) {
    const selector = key ? `input[data-key="${key}"]` : "input[data-key]";
    for (const input of document.querySelectorAll(selector)) {
      const answer = this.answers.get(input.dataset.key) ?? { text: "", status: "" };
      if (input.value !== answer.text && document.activeElement !== input) input.value = answer.text;
      if (answer.status === "shown") input.value = answer.text;
      for (const status of ["right", "wrong", "shown"]) input.classList.toggle(status === "right" ? "correct" : status, answer.status === status);
      input.setAttribute("aria-invalid", String(answer.status === "wrong"));
      const mark = input.parentNode.querySelector(".quiz-mark");
      mark.textContent = MARKS[answer.status] ?? "";
      if (answer.status) mark.setAttribute("aria-label", t(`quiz.mark_${answer.status}`));
      else mark.removeAttribute("aria-label");
    }
  }

  focusOn(key) {
    this.current = key;
    this.renderPanel();
  }

  // With reveal=forward the values of the gates are hidden too; the inputs' and constants' stay.
  // Nothing to do when no value is hidden on this drawing and none is to be (after every answer, quiz or not:
  // a query for each of a thousand wires would cost the page more than drawing the new numbers).
  hideValues(svg, hiding) {
    if (!hiding && this.valuesHiddenOn !== svg) return;
    this.valuesHiddenOn = hiding ? svg : null;
    const computed = (id) => this.graph.nodes[id]?.inputs.length > 0;
    this.graph.edges.forEach((edge, wire) => {
      svg.querySelector(`[id="w${wire}"] text.value`)?.classList.toggle("quiz-hidden", hiding && computed(edge.source));
    });
    svg.querySelector('[id="wout"] text.value')?.classList.toggle("quiz-hidden", hiding && computed(this.graph.output));
  }

  // A wire's tooltip gives its numbers at full precision: out of the drawing while they are questions.
  hideTitles(svg, hiding) {
    if (hiding) {
      for (const title of svg.querySelectorAll("g.wire-label > title")) {
        this.stashedTitles.push([title.parentNode, title]);
        title.remove();
      }
      return;
    }
    for (const [group, title] of this.stashedTitles) if (!title.isConnected) group.prepend(title);
    this.stashedTitles = [];
  }

  // -- an array, element by element, in the array dialog -------------------------------------------

  // The dialog's content for node id while quizzing (else null: the page shows the array as it is).
  arrayDialog(id) {
    if (!this.active) return null;
    const asked = this.questions.filter((question) => question.node.id === id);
    const wrapper = document.createElement("div");
    wrapper.className = "quiz-array";
    const node = this.graph.nodes[id];
    const title = document.createElement("h3");
    title.textContent = `${node.name ?? node.label}: ${node.shape.join(" × ")}`;
    wrapper.append(title);
    if (!asked.length) {
      const p = document.createElement("p");
      p.textContent = t("quiz.nothing_asked");
      wrapper.append(p);
    }
    for (const question of asked) wrapper.append(this.grid(question));
    const hint = document.createElement("p");
    hint.className = "quiz-dialog-hint";
    hint.textContent = t("quiz.dialog_hint");
    wrapper.append(hint);
    return wrapper;
  }

  openDialog(id) {
    const dialog = $("#array-dialog");
    const content = this.arrayDialog(id);
    if (!content) return;
    dialog.querySelector(".content").replaceChildren(content);
    dialog.showModal();
  }

  grid(question) {
    const { node } = question;
    const table = document.createElement("table");
    table.className = `matrix quiz-grid ${question.kind}`;
    const what = t(question.kind === "grad" ? "quiz.field_grad" : "quiz.field_value", { asks: question.question.asks });
    table.createCaption().textContent = what;
    const columns = node.shape.length > 1 ? node.shape[node.shape.length - 1] : sizeOf(node.shape);
    const body = table.createTBody();
    let row = null;
    for (let i = 0; i < sizeOf(node.shape); i += 1) {
      if (i % columns === 0) row = body.insertRow();
      const key = i ? `${question.key}:${i}` : question.key;
      const input = document.createElement("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.autocomplete = "off";
      input.dataset.key = key;
      input.setAttribute("aria-label", t("quiz.field_element", { what, index: i }));
      input.value = this.answers.get(key)?.text ?? "";
      input.addEventListener("input", () => this.typed(key, input.value));
      input.addEventListener("change", () => this.settle(key));
      input.addEventListener("focus", () => this.focusOn(key));
      const mark = document.createElement("span");
      mark.className = "quiz-mark";
      mark.setAttribute("role", "img");
      const box = document.createElement("span");
      box.className = "quiz-box";
      box.append(input, mark);
      row.insertCell().append(box);
    }
    queueMicrotask(() => this.paintAll());
    return table;
  }

  // -- the panel: score, hint, show ----------------------------------------------------------------

  renderPanel() {
    if (!this.on) return;
    const { right, shown, total } = this.score();
    const score = $("#quiz-score");
    const waiting = !this.graph?.quiz;
    const counted = t(shown ? "quiz.score_shown" : "quiz.score", { right, shown, total });
    score.textContent = waiting ? t("quiz.waiting") : this.finished ? t("quiz.finished", { score: counted }) : counted;
    const hint = $("#quiz-hint");
    const showButton = $("#quiz-show");
    showButton.hidden = true;
    hint.replaceChildren();
    hint.className = "";
    if (waiting) return;
    if (this.finished) {
      hint.textContent = t("quiz.finished_hint");
      return;
    }
    const key = this.current;
    const { question, index } = key ? this.elementOf(key) : {};
    if (!question) {
      hint.textContent = `${t(this.hideForward ? "quiz.intro_forward" : "quiz.intro")} ${pick(this.graph.quiz.tolerance.about)}`;
      return;
    }
    const answer = this.answers.get(key) ?? { text: "", status: "", tries: 0 };
    const asks = question.question.asks + (question.node.shape.length ? `[${index}]` : "");
    hint.className = answer.status;
    if (answer.status === "right") hint.textContent = t("quiz.right", { asks, answer: answer.text.trim() });
    else if (answer.status === "shown") hint.textContent = t("quiz.shown", { show: pick(question.question.show) });
    else if (answer.status === "wrong") {
      const typed = answer.text.trim();
      hint.textContent = Number.isNaN(parse(typed)) ? t("quiz.not_a_number", { answer: typed })
        : t("quiz.wrong", { asks, answer: typed, hint: pick(question.question.hint) });
      showButton.hidden = false;
    } else {
      const prompt = t(question.kind === "grad" ? "quiz.prompt_grad" : "quiz.prompt_value", { asks });
      hint.textContent = question.node.shape.length && !index ? `${prompt} ${t("quiz.prompt_array")}` : prompt;
      showButton.hidden = !(answer.tries > 0);
    }
  }

  // The worked examples as exercises: each one's link opens it in quiz mode.
  renderExercises() {
    const list = $("#quiz-exercises ul");
    if (!list) return;
    list.replaceChildren(...this.examples.map((example) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = shareLink({ program: example.program, values: example.values, quiz: true, reveal: "" });
      link.dataset.quizExample = example.name;
      link.textContent = pick(example.title);
      link.addEventListener("click", () => ($("#quiz-exercises").open = false));
      item.append(link);
      return item;
    }));
  }
}
