// The teaching modes beside the drawing, wired in one place so that main.js only calls a few hooks:
// the tour of the passes with its narration line, the unfold toggle and its folded-vs-unfolded note,
// the gradient check panel, the training panel with the presets' settings, Nielsen's four equations with
// the δ of each layer on the drawing, and quiz mode.
import { computeGraph } from "./api.js";
import { renderCheck } from "./check-panel.js";
import { EquationsPanel } from "./equations.js";
import { jacobianViews } from "./jacobian-view.js";
import { renderFoldNote } from "./fold.js";
import { onLanguageChange, t, translatePage } from "./i18n.js";
import { PassTour } from "./narration.js";
import { Quiz } from "./quiz.js";
import { Latest } from "./request.js";
import { TrainPanel } from "./train.js";

const $ = (selector) => document.querySelector(selector);
const NARRATE_MAX_NODES = 2000;

export class Teaching {
  // page: main's page object (graph, values); hooks: {stepper, applyStepper, recompute, getProgram,
  // setValues(values) → promise, redrawDetails(), view(): the GraphView}.
  constructor(page, hooks) {
    this.page = page;
    this.hooks = hooks;
    this.options = { unfold: false, check: false };
    this.examples = [];
    this.example = null; // the preset whose program is on screen, if any
    this.folded = null; // with unfold on: the folded answer, for the note
    this.foldRequests = new Latest();
    this.layered = null; // {program, has}: whether the last answer that asked for layers, for this program, had any
    this.tagged = ""; // the δ tags on the drawing
    this.tour = new PassTour({
      stepper: hooks.stepper,
      apply: hooks.applyStepper,
      line: $("#narration"),
      playButton: $("#step-play"),
      getGraph: () => page.graph,
      narrates: () => this.narrates(),
    });
    this.train = new TrainPanel({
      params: $("#train-params"), rate: $("#train-rate"), steps: $("#train-steps"), run: $("#train-run"),
      stop: $("#train-stop"), progress: $("#train-progress"), status: $("#train-status"), plot: $("#train-plot"),
      sgd: $("#train-sgd"), sgdNote: $("#train-sgd-note"), batch: $("#train-batch"), seed: $("#train-seed"),
      update: $("#train-update"),
    }, {
      getProgram: hooks.getProgram,
      getValues: () => page.values,
      onValues: hooks.setValues,
    });
    this.equations = new EquationsPanel($("#equations-section"), $("#equations"), { view: hooks.view });
    this.quiz = new Quiz({
      svg: () => hooks.view().svg,
      recompute: hooks.recompute,
      onStart: () => {
        this.tour.pause();
        hooks.stepper.showAll();
        hooks.applyStepper();
      },
    });
    this.wire();
    for (const id of ["#teach-controls", "#quiz-controls", "#quiz-panel", "#narration", "#fold-note", "#check-section",
      "#train-section", "#equations-section"]) {
      const element = $(id);
      if (element) translatePage(element);
    }
  }

  wire() {
    $("#unfold").addEventListener("change", (event) => {
      this.options.unfold = event.target.checked;
      this.hooks.recompute();
    });
    $("#check-toggle").addEventListener("change", (event) => {
      this.options.check = event.target.checked;
      $("#check-panel").hidden = !this.options.check;
      this.hooks.recompute();
    });
    onLanguageChange(() => {
      this.hooks.applyStepper();
      this.hooks.redrawDetails();
      this.renderPanels();
      this.train.retranslate();
      this.equations.render();
    });
  }

  setExamples(examples) {
    this.examples = examples;
    this.quiz.setExamples(examples);
  }

  // What the graph request asks for besides the program and values (narration is asked for by the page
  // while it is shown, if narrates()).
  requestOptions() {
    return { unfold: this.options.unfold, check: this.options.check, layers: this.asksForLayers(),
      ...this.quiz.requestOptions() };
  }

  // The layers of a network (Nielsen's equations, δ on each z) are asked for with a program new to the page,
  // and from then on only if it had any: a value change of any other program costs no more than before.
  // Not while compound gates are unfolded: an unfolded σ is no activation, and each layer would be found
  // as a network of its own, with a δ¹ each.
  asksForLayers() {
    if (this.options.unfold) return false;
    return this.layered?.program !== this.hooks.getProgram() || this.layered.has;
  }

  // A node hovered or focused in the drawing (null: none), for the views that point back at it.
  pointAt(id) {
    this.equations.pointAt(id);
  }

  // Narration triples a request's time, so a graph too big to step through node by node (judged by the
  // last answer) goes without it.
  narrates() {
    return (this.page.graph?.nodes.length ?? 0) <= NARRATE_MAX_NODES;
  }

  // What goes into the URL besides the program and values.
  state() {
    return { unfold: this.options.unfold };
  }

  restore(state) {
    this.options.unfold = Boolean(state?.unfold);
    $("#unfold").checked = this.options.unfold;
    this.quiz.restore(state);
  }

  // What the explanation card and the array dialog add to a node: the Jacobians of its array wires.
  detailsExtras(flows) {
    return { flows, views: jacobianViews };
  }

  // After every graph that computed: the panels that show it, and a preset's training settings.
  afterGraph(graph, program) {
    const example = this.examples.find((candidate) => candidate.program === program) ?? null;
    if (!this.hooks.stepper.stepping) this.tour.pause(); // a new structure shows everything again
    if (program !== this.trainedProgram && this.train.running) this.train.halt(); // a new program: stop training
    this.trainedProgram = program;
    this.train.setInputs(graph);
    if (example !== this.example) {
      this.example = example;
      // A preset sets the panel: its own settings, or the defaults (not the last preset's).
      if (example && !this.train.running) this.train.preset(example.train ?? null);
    }
    if (graph.layers !== undefined) this.layered = { program, has: graph.layers.length > 0 };
    this.equations.update(graph);
    this.tagDeltas(graph, false);
    this.quiz.afterGraph(graph);
    this.showQuiz();
    this.fetchFolded(graph, program);
    this.renderPanels();
  }

  // What the teaching modes add to a freshly drawn picture (after the answer's panels): Nielsen's δ, and
  // quiz mode's answer fields.
  decorate(graph) {
    this.tagDeltas(graph, true);
    this.showQuiz();
  }

  // Quiz mode's fields, on every tile of a big drawing (a field stands in for a number), or none.
  showQuiz() {
    if (this.quiz.active) this.hooks.view().mountAll();
    this.quiz.decorate();
  }

  // Nielsen's δ on the z of each layer the API found (each such node's `delta`): again after a new drawing,
  // else only when they change.
  tagDeltas(graph, drawn) {
    const deltas = graph.nodes.filter((node) => node.delta).map((node) => [node.id, node.delta]);
    const tagged = JSON.stringify(deltas);
    if (!drawn && tagged === this.tagged) return;
    this.tagged = tagged;
    const view = this.hooks.view();
    view.clearTags("delta-tag");
    for (const [id, delta] of deltas) view.setNodeTag(id, "delta-tag", delta);
  }

  // With unfold on, the same program folded too, for the side-by-side note.
  async fetchFolded(graph, program) {
    const turn = this.foldRequests.next();
    this.folded = null;
    if (!this.options.unfold) return;
    try {
      const folded = await computeGraph(program, this.page.values, { dot: false, local: false, narrate: false });
      if (!turn.current) return;
      this.folded = folded;
    } catch (error) {
      if (!turn.current) return;
      this.folded = { error };
    }
    this.renderFoldNote();
  }

  renderPanels() {
    this.renderFoldNote();
    const check = $("#check-panel");
    check.hidden = !this.options.check;
    if (this.options.check && this.page.graph) renderCheck(check, this.page.graph);
  }

  renderFoldNote() {
    const note = $("#fold-note");
    const graph = this.page.graph;
    note.hidden = !this.options.unfold || !graph;
    if (note.hidden) return;
    if (!this.folded) {
      note.textContent = t("teach.fold.waiting");
      return;
    }
    if (this.folded.error) {
      note.textContent = t("teach.fold.failed", { message: this.folded.error.message });
      return;
    }
    renderFoldNote(note, graph, this.folded);
  }
}
