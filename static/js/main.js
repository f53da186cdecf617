// The page, put together: program text and values go to the API; what comes back is drawn. No maths here.
// Each part lives in its own module (the drawing, the screen that lays it out, the card, the inputs, the
// teaching modes, the reading modes, exports, presets); this file makes them and says what follows what.
import { computeGraph, fetchExamples, fetchOps, graphRequest, structureKey } from "./api.js";
import { ArrayDialog } from "./array-dialog.js";
import { installClassroom } from "./classroom.js";
import { describeNode } from "./details.js";
import { GraphView } from "./draw.js";
import { Editor } from "./editor.js";
import { ExplainCard } from "./explain.js";
import { copy, installExports } from "./exports.js";
import { pick, t } from "./i18n.js";
import { InputsPanel } from "./inputs.js";
import { Minimap } from "./minimap.js";
import { installModes } from "./modes.js";
import { pageState } from "./page-state.js";
import { PassStepper } from "./passes.js";
import { ActivationsView } from "./activations.js";
import { Plot } from "./plot.js";
import { PresetLesson, relabelPresets, renderPresets } from "./presets.js";
import { ApiError, ChangeQueue } from "./request.js";
import { Screen } from "./screen.js";
import { readState, StateSaver } from "./state.js";
import { status, statusBusy, statusFailed } from "./status.js";
import { Teaching } from "./teaching.js";

const TYPING_PAUSE_MS = 250;
const SHOW_PROGRESS_AFTER_MS = 150;
const FIRST_EXAMPLE = "ng-J";

const $ = (selector) => document.querySelector(selector);

const changes = new ChangeQueue({ send, onError: showError, settle });
const page = pageState(changes);

const editor = new Editor($("#program"), $("#program-backdrop"), $("#error"), {
  onReplaced: () => (page.values = {}), // a program typed or pasted over the old one starts afresh
});
const view = new GraphView($("#graph"), {
  onFocusNode: (id, element) => {
    explain.show(id, element);
    teaching.pointAt(id);
  },
  onLeaveNode: () => {
    explain.hideSoon();
    teaching.pointAt(null);
  },
  onPickNode: (id, element) => explain.pin(id, element),
  onOpenArray: (id) => {
    explain.close();
    arrays.open(id);
  },
  onViewChange: () => minimap?.frame(),
  opsByName: () => page.opsByName,
});
const minimap = new Minimap($("#graph"), view);
const explain = new ExplainCard($("#details"), $("#graph"), {
  // No explanation while a quiz asks for the numbers it would give away.
  describe: (id) => (page.graph?.nodes[id] && !teaching.quiz.active
    ? describeNode(page.graph, page.opsByName, id, teaching.detailsExtras(view.scene?.flows)) : null),
  onChange: focusNode,
});
const inputs = new InputsPanel($("#inputs"), {
  onChange(name, value) {
    page.values[name] = value;
    recompute();
  },
});
const stepper = new PassStepper();
const teaching = new Teaching(page, {
  stepper,
  applyStepper,
  recompute: () => recompute(),
  getProgram: () => editor.value,
  setValues: (values) => {
    page.values = { ...page.values, ...values };
    return recompute();
  },
  redrawDetails: () => explain.render(),
  view: () => view,
});
const arrays = new ArrayDialog($("#array-dialog"), { state: page, teaching, view, onOpen: needNarration });
const plot = new Plot($("#plot"), $("#plot-variable"), {
  asked: () => page.graph && { program: page.program, values: page.values, graph: page.graph },
  onError: (error) => status(t("status.plot_failed", { message: error.message }), false, true),
});
const screen = new Screen(page, view, minimap, {
  onDrawn(graph, drawing) {
    stepper.reset(graph, drawing.scene.flows);
    explain.close();
    modes?.drawn();
    applyStepper();
  },
  onRedrawn(graph) {
    teaching.decorate(graph);
    if (stepper.stepping) applyStepper();
  },
  onResize: () => explain.render(),
  busy: () => changes.busy,
});
const linkState = () => ({ program: editor.value, values: page.values, ...teaching.state() });
const saver = new StateSaver(linkState);
let modes = null; // the reading modes, installed at start
let lesson = null; // the preset's lesson under the graph, once the examples have come
const activations = new ActivationsView($("#activations-section"));
$("#activations-link").addEventListener("click", (event) => {
  event.preventDefault();
  activations.reveal();
});

// -- computing: every change of the program, a value or an option ---------------------------------------

let typingTimer = null;
function recomputeSoon() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(recompute, TYPING_PAUSE_MS);
}

function recompute() {
  clearTimeout(typingTimer);
  changes.change();
}

// What each request asks for besides the numbers: narration only while it is shown (stepping, or a
// node explained), local gradients only for the explanation; the teaching modes' options.
function requestOptions() {
  const options = teaching.requestOptions(); // a quiz in progress says narrate: false
  const wantsNarration = (stepper.stepping || explain.open) && teaching.narrates();
  return { ...options, narrate: options.narrate ?? wantsNarration, local: explain.open || page.arrayOpen !== null };
}

// One request for the page as it is now, and its answer on screen (the ChangeQueue sends one at a time).
async function send() {
  const program = editor.value;
  const options = requestOptions();
  saver.soon();
  const progress = setTimeout(() => status(t("status.computing"), true), SHOW_PROGRESS_AFTER_MS);
  try {
    const graph = await computeGraph(program, page.values, options, page.graph); // its numbers alone, if it will do
    if (statusFailed()) status(""); // the server answers again
    await showAnswer(graph, { program, key: structureKey(program, options) });
  } finally {
    clearTimeout(progress);
    if (statusBusy() && !page.refining) status("");
  }
}

// The newest change is on screen. Said as an event too ("settled" on document, its detail the change's number),
// so that whoever waits for it (a test, benchmarks/page.py) need not poll.
function settle(number) {
  page.settled = number;
  needNarration();
  document.dispatchEvent(new CustomEvent("settled", { detail: number }));
}

async function showAnswer(graph, asked) {
  plot.wait(); // owed again below; meanwhile the program is new and the graph on screen not yet
  page.program = asked.program; // what the graph on screen was computed from
  editor.clearError();
  forgetValuesOfNamesThatAreNotInputs(graph, asked.program);
  inputs.update(graph);
  const drawn = await screen.show(graph, asked);
  afterNumbers(graph, asked.program);
  if (drawn) teaching.decorate(graph);
}

// What follows every answer on screen, the numbers being new.
function afterNumbers(graph, program) {
  lesson?.update(program);
  teaching.afterGraph(graph, program);
  plot.soon();
  showWarnings(graph);
  explain.render();
  arrays.redraw();
  if (stepper.stepping) applyStepper();
  modes?.update(graph, page.opsByName);
}

// The narration and local gradients the explanation or the stepping shows, once they are wanted and the
// answer on screen came without them.
function needNarration() {
  if (!page.graph || changes.busy) return;
  const wants = requestOptions();
  const has = page.graph.nodes[0]?.narration !== undefined;
  const hasLocal = page.graph.edges.length === 0 || page.graph.edges.some((edge) => "local" in edge);
  if ((wants.narrate && !has) || (wants.local && !hasLocal)) recompute();
}

function showError(error) {
  if (!(error instanceof ApiError)) {
    status(t("status.graph_failed", { message: error.message }), false, true);
    return;
  }
  editor.showError(error.detail);
  view.setDimmed(true); // the last good graph stays, dimmed
  showWarnings({ warnings: [] }); // they spoke of the last good program's lines, not of the one with the error
  status("");
}

// A value set for a name the program no longer reads stays out of the link.
function forgetValuesOfNamesThatAreNotInputs(graph, program) {
  const kept = Object.entries(page.values).filter(([name]) => name in graph.gradients);
  if (kept.length === Object.keys(page.values).length) return;
  page.values = Object.fromEntries(kept);
  if (program === editor.value) saver.soon();
}

function showWarnings(graph) {
  const list = $("#warnings");
  list.replaceChildren(...graph.warnings.map((warning) => {
    const li = document.createElement("li");
    li.textContent = pick(warning.message);
    return li;
  }));
  list.hidden = !graph.warnings.length;
}

// -- the explanation card and stepping through the passes ------------------------------------------------

function focusNode(id) {
  page.focused = id;
  view.highlight(id);
  needNarration();
}

function applyStepper() {
  if (!page.graph) return;
  const known = stepper.known();
  view.reveal(known);
  // On a projector the numbers stay large and the view follows the node being computed.
  if (known.active !== null && document.documentElement.classList.contains("presenting")) view.showNode(known.active);
  $("#step-status").textContent = stepper.describe();
  $("#step-forward").disabled = stepper.atEnd;
  teaching.tour.render();
  needNarration();
}

function loadProgram(program, values) {
  editor.value = program;
  page.values = structuredClone(values);
  recompute();
}

// After a language switch: every text the page built itself, again.
function relabel() {
  relabelPresets($("#presets"));
  lesson?.relabel();
  activations.relabel();
  if (page.graph) {
    inputs.signature = ""; // rebuilt: the fields' labels
    inputs.update(page.graph);
  }
  explain.render();
  arrays.redraw();
  applyStepper();
}

// -- wiring ------------------------------------------------------------------------------------

function wire() {
  $("#program").addEventListener("input", recomputeSoon);
  $("#program").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      recompute();
    }
  });
  $("#fit").addEventListener("click", () => view.fit());
  $("#zoom-in").addEventListener("click", () => view.zoomBy(1.4));
  $("#zoom-out").addEventListener("click", () => view.zoomBy(1 / 1.4));
  $("#step-back").addEventListener("click", () => teaching.tour.back());
  $("#step-forward").addEventListener("click", () => {
    stepper.move(1);
    applyStepper();
  });
  $("#step-start").addEventListener("click", () => teaching.tour.restart());
  $("#show-all").addEventListener("click", () => {
    teaching.tour.pause();
    stepper.showAll();
    applyStepper();
  });
  installExports({ view, getGraph: () => page.graph, getState: linkState, options: () => teaching.requestOptions() });
  window.addEventListener("hashchange", () => {
    const state = readState();
    if (!state) return;
    teaching.restore(state);
    loadProgram(state.program, state.values);
  });
}

async function start() {
  wire();
  modes = installModes({ view, getGraph: () => page.graph, getState: linkState, onRelabel: relabel, copy });
  const [ops, examples] = await Promise.all([fetchOps(), fetchExamples()]);
  page.opsByName = Object.fromEntries(ops.map((op) => [op.name, op]));
  renderPresets($("#presets"), examples, (example) => loadProgram(example.program, example.values));
  lesson = new PresetLesson($("#preset-lesson"), examples);
  if (page.program !== undefined) lesson.update(page.program);
  teaching.setExamples(examples);
  const saved = readState();
  teaching.restore(saved);
  const first = examples.find((example) => example.name === FIRST_EXAMPLE) ?? examples[0];
  if (saved) loadProgram(saved.program, saved.values);
  else loadProgram(first.program, first.values);
  screen.measure();
  installClassroom({ page, editor, stepper, applyStepper, recompute, explain, teaching, view });
}

// For tests and the curious: the request the page would send now, and the page's state.
window.backpropLab = { request: () => graphRequest(editor.value, page.values, requestOptions()), page, view };

start();
