// The page: program text and values go to the API; what comes back is drawn. No maths here.
import { installClassroom } from "./classroom.js";
import { ApiError, computeGraph, curlCommand, fetchDot, fetchExamples, fetchOps, graphRequest } from "./api.js";
import { COMFORT_SCALE, GraphView, MIN_READABLE_SCALE } from "./draw.js";
import { describeArray, describeNode } from "./details.js";
import { Editor } from "./editor.js";
import { ExplainCard } from "./explain.js";
import { language, pick, t } from "./i18n.js";
import { InputsPanel } from "./inputs.js";
import { drawingFor, GRAPHVIZ_MAX_NODES, PLAIN_FIRST_ABOVE } from "./layout.js";
import { Minimap } from "./minimap.js";
import { installModes } from "./modes.js";
import { PassStepper } from "./passes.js";
import { Plot } from "./plot.js";
import { readState, shareLink, writeState } from "./state.js";
import { Teaching } from "./teaching.js";
import { gradientMarker } from "./theme.js";

const TYPING_PAUSE_MS = 250;
const SHOW_PROGRESS_AFTER_MS = 150;
const STATE_PAUSE_MS = 300; // the address is rewritten once values rest
const PLOT_PAUSE_MS = 300; // a slider drag redraws the plot when it pauses, not on every move
const FIRST_EXAMPLE = "ng-J";

const $ = (selector) => document.querySelector(selector);

const page = {
  values: {}, // values the user set; inputs without one get the API's default
  graph: null, // the last graph that computed
  program: null, // its program
  structure: null, // what the drawing's layout depends on
  request: 0, // the newest change (of the program, a value or an option) to compute
  settled: 0, // the newest change whose answer is on screen (or whose error is)
  layout: null, // "graphviz" or "plain": how the drawing on screen was laid out
  shape: null, // "LR", "TB", "rows" or "layers": the drawing's shape on this screen
  tried: null, // the shapes weighed to choose it
  refining: false, // Graphviz is laying out again a graph drawn in plain layers first
  opsByName: {},
  focused: null,
  arrayOpen: null, // the node whose array dialog is open
};

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
  onOpenArray: openArray,
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
const plot = new Plot($("#plot"), $("#plot-variable"), {
  onError: (error) => status(t("status.plot_failed", { message: error.message }), false, true),
});

// Layout depends on the nodes and wires, not on the numbers: a new value moves nothing.
function structureOf(graph) {
  return JSON.stringify(graph.nodes.map((node) => [node.op, node.label, node.name, node.inputs, node.shape]));
}

// Whether an answer has the structure on screen: the same program (and options) with every node's
// shape the same is, without comparing the whole graph; another text may still be (a comment added).
function sameStructure(graph, asked) {
  const shown = page.graph;
  if (!shown || !page.structure) return false;
  if (asked.key === page.structureKey && shown.nodes.length === graph.nodes.length &&
      graph.nodes.every((node, i) => node.shape.length === shown.nodes[i].shape.length &&
        node.shape.every((size, k) => size === shown.nodes[i].shape[k]))) return true;
  return structureOf(graph) === page.structure;
}

let typingTimer = null;
function recomputeSoon() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(recompute, TYPING_PAUSE_MS);
}

// What each request asks for besides the numbers: narration only while it is shown (stepping, or a
// node explained), local gradients only for the explanation; the teaching modes' options.
function requestOptions() {
  const options = teaching.requestOptions(); // a quiz in progress says narrate: false
  const wantsNarration = (stepper.stepping || explain.open) && teaching.narrates();
  return { ...options, narrate: options.narrate ?? wantsNarration, local: explain.open || page.arrayOpen !== null };
}

// A change to compute. One request is in flight at a time: changes that come meanwhile (a slider
// dragged) are sent together when its answer is on screen, so the drawing follows as fast as the
// server and the browser can go, and never falls behind.
let inFlight = false;
function recompute() {
  clearTimeout(typingTimer);
  page.request += 1;
  if (!inFlight) send();
}

// The program and values in the address and local storage. Rewriting the address takes the browser
// milliseconds, so while only values change (a slider dragged) it is done once they rest, or when the
// page is left.
let stateTimer = null;
let written = null; // the program and options last written (the link without its values)
const unvalued = () => shareLink({ program: editor.value, values: {}, ...teaching.state() });
function saveState() {
  clearTimeout(stateTimer);
  stateTimer = null;
  written = unvalued();
  writeState({ program: editor.value, values: page.values, ...teaching.state() });
}

function saveStateSoon() {
  if (unvalued() !== written) return saveState();
  clearTimeout(stateTimer);
  stateTimer = setTimeout(saveState, STATE_PAUSE_MS);
}

async function send() {
  inFlight = true;
  const mine = page.request;
  const program = editor.value;
  const options = requestOptions();
  saveStateSoon();
  const progress = setTimeout(() => status(t("status.computing"), true), SHOW_PROGRESS_AFTER_MS);
  try {
    const graph = await computeGraph(program, page.values, options);
    if ($("#status").classList.contains("failed")) status(""); // the server answers again
    await showAnswer(graph, { program, key: JSON.stringify([program, options.unfold]) });
  } catch (error) {
    if (page.request === mine) showError(error);
  } finally {
    clearTimeout(progress);
    if ($("#status").dataset.busy && !page.refining) status("");
    inFlight = false;
    if (page.request !== mine) send();
    else {
      page.settled = mine;
      needNarration();
    }
  }
}

async function showAnswer(graph, asked) {
  clearTimeout(plotTimer); // owed again below; meanwhile the program is new and the graph on screen not yet
  page.program = asked.program; // what the graph on screen was computed from
  editor.clearError();
  forgetValuesOfNamesThatAreNotInputs(graph, asked.program);
  inputs.update(graph);
  if (sameStructure(graph, asked)) {
    page.graph = graph;
    view.update(graph);
    afterNumbers(graph, asked.program);
    return;
  }
  status(t("status.laying_out", { count: graph.nodes.length }), true);
  const plainFirst = graph.nodes.length > PLAIN_FIRST_ABOVE && graph.nodes.length <= GRAPHVIZ_MAX_NODES;
  const drawing = await layOut(graph, plainFirst ? "plain" : null);
  show(graph, drawing, asked);
  afterNumbers(graph, asked.program);
  teaching.decorate(graph);
  if (plainFirst) {
    page.refining = true;
    setTimeout(() => refineLayout(page.structure)); // once this answer is settled
  }
}

function show(graph, drawing, asked) {
  minimap.hide(); // drawn again once the new drawing is on screen
  page.graph = graph;
  page.structure = structureOf(graph);
  page.structureKey = asked?.key ?? page.structureKey;
  view.show(graph, drawing.scene, drawing.geometry);
  page.layout = drawing.engine;
  page.shape = drawing.shape;
  page.tried = drawing.tried ?? null; // the shapes weighed for this screen, with their scores
  page.refining = false;
  // The map after the drawing is on screen: it reads the theme's colours, which would make the browser
  // lay the new drawing out before its time.
  requestAnimationFrame(() => setTimeout(() => view.geometry === drawing.geometry &&
    minimap.draw(drawing.scene, drawing.geometry, t("minimap.label"))));
  stepper.reset(graph, drawing.scene.flows);
  explain.close();
  modes?.drawn();
  applyStepper();
}

// What follows every answer on screen, the numbers being new.
function afterNumbers(graph, program) {
  teaching.afterGraph(graph, program);
  plotSoon();
  showWarnings(graph);
  explain.render();
  redrawArray();
  if (stepper.stepping) applyStepper();
  modes?.update(graph, page.opsByName);
}

// The plot asks the server for the whole curve (hundreds of evaluations of the program): only once a
// slider pauses, and only while the plot is on screen (else when it comes into view).
let plotTimer = null;
let plotOnScreen = true;
let plotOwed = false;
function plotSoon() {
  clearTimeout(plotTimer);
  plotOwed = true;
  if (plotOnScreen) plotTimer = setTimeout(plotNow, PLOT_PAUSE_MS);
}

function plotNow() {
  if (!page.graph || !plotOwed) return;
  plotOwed = false;
  plot.update(page.program, page.values, page.graph);
}

new IntersectionObserver(([entry]) => {
  plotOnScreen = entry.isIntersecting;
  if (plotOnScreen && plotOwed) plotSoon();
}).observe($("#plot"));

// The narration and local gradients the explanation or the stepping shows, once they are wanted and the
// answer on screen came without them.
function needNarration() {
  if (!page.graph || inFlight) return;
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
  status("");
}

// A value set for a name the program no longer reads stays out of the link.
function forgetValuesOfNamesThatAreNotInputs(graph, program) {
  const kept = Object.entries(page.values).filter(([name]) => name in graph.gradients);
  if (kept.length === Object.keys(page.values).length) return;
  page.values = Object.fromEntries(kept);
  if (program === editor.value) saveStateSoon();
}

// The drawing for this screen (layout.js chooses its shape); engine "plain" asks for plain layers.
async function layOut(graph, engine = null) {
  const options = { opsByName: page.opsByName, marker: gradientMarker(), readable: MIN_READABLE_SCALE,
    comfort: COMFORT_SCALE, engine };
  try {
    return await drawingFor(graph, view.viewportSize(), options);
  } catch (error) {
    console.warn("Graphviz could not lay this graph out; drawing it in plain layers instead.", error);
    return drawingFor(graph, view.viewportSize(), { ...options, engine: "plain" });
  }
}

// Graphviz's layout in place of the plain one drawn first, unless the program's structure changed meanwhile.
async function refineLayout(structure) {
  status(t("status.refining", { count: page.graph.nodes.length }), true);
  const drawing = await layOut(page.graph);
  if (structure !== page.structure) return;
  page.refining = false;
  if ($("#status").dataset.busy) status("");
  if (drawing.engine !== "graphviz") return;
  show(page.graph, drawing);
  teaching.decorate(page.graph);
  if (stepper.stepping) applyStepper();
}

// The screen changed shape (a phone turned, a window resized): the drawing's shape is chosen again.
let resizeTimer = null;
let lastSize = null;
function resized() {
  const size = view.viewportSize();
  minimap.frame();
  explain.render();
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(async () => {
    const changed = lastSize && (Math.abs(size.width - lastSize.width) > 0.2 * lastSize.width ||
      Math.abs(size.height - lastSize.height) > 0.2 * lastSize.height);
    lastSize = size;
    if (!changed || !page.graph || page.refining || inFlight) return;
    const structure = page.structure;
    const drawing = await layOut(page.graph, page.layout === "plain" ? "plain" : null);
    if (structure !== page.structure) return;
    show(page.graph, drawing);
    teaching.decorate(page.graph);
  }, 300);
}

function status(text, busy = false, failed = false) {
  const element = $("#status");
  element.textContent = text;
  element.title = text; // in full, where the toolbar cuts it short
  if (busy) element.dataset.busy = "1";
  else delete element.dataset.busy;
  element.classList.toggle("failed", failed);
}

function showWarnings(graph) {
  const list = $("#warnings");
  list.replaceChildren(...graph.warnings.map((warning) => {
    const li = document.createElement("li");
    li.textContent = pick({ en: warning.message, zh: warning.message_zh });
    return li;
  }));
  list.hidden = !graph.warnings.length;
}

// -- the explanation card --------------------------------------------------------------------------

function focusNode(id) {
  page.focused = id;
  view.highlight(id);
  needNarration();
}

function openArray(id) {
  explain.close();
  const dialog = $("#array-dialog");
  page.arrayOpen = id;
  dialog.querySelector(".content").replaceChildren(teaching.quiz.arrayDialog(id) ?? describeArrayNow(id));
  dialog.showModal();
  needNarration(); // the Jacobians of its wires
}

const describeArrayNow = (id) => describeArray(page.graph, id, view.scene?.flows[id] ?? true,
  teaching.detailsExtras(view.scene?.flows));

// The open array dialog again, with the numbers of a new answer (not while a quiz asks in it).
function redrawArray() {
  const id = page.arrayOpen;
  if (id === null || teaching.quiz.active || !page.graph?.nodes[id]) return;
  $("#array-dialog .content").replaceChildren(describeArrayNow(id));
}

// -- stepping through the passes ---------------------------------------------------------------

function applyStepper() {
  if (!page.graph) return;
  view.reveal(stepper.known());
  $("#step-status").textContent = stepper.describe();
  $("#step-forward").disabled = stepper.atEnd;
  teaching.tour.render();
  needNarration();
}

function step(delta) {
  stepper.move(delta);
  applyStepper();
}

// -- presets, sharing and export ---------------------------------------------------------------

function loadProgram(program, values) {
  editor.value = program;
  page.values = structuredClone(values);
  recompute();
}

function renderPresets(examples) {
  const list = $("#presets");
  for (const example of examples) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = presetTitle(example);
    button.title = `${presetSentence(example)}\n\n${example.program}`;
    button.example = example;
    button.dataset.example = example.name;
    button.addEventListener("click", () => loadProgram(example.program, example.values));
    list.append(button);
  }
}

// A preset's title and sentence in the current language (the API sends title_zh and sentence_zh).
const presetTitle = (example) => pick({ en: example.title, zh: example.title_zh });
const presetSentence = (example) => pick({ en: example.sentence, zh: example.sentence_zh });

// After a language switch: every text the page built itself, again.
function relabel() {
  for (const button of document.querySelectorAll("#presets button")) {
    if (!button.example) continue;
    button.textContent = presetTitle(button.example);
    button.title = `${presetSentence(button.example)}\n\n${button.example.program}`;
  }
  if (page.graph) {
    inputs.signature = ""; // rebuilt: the fields' labels
    inputs.update(page.graph);
  }
  explain.render();
  redrawArray();
  applyStepper();
}

function download(name, blob) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    status(t("export.copied", { what }));
  } catch {
    window.prompt(t("export.copy_prompt", { what: language() === "en" ? what.toLowerCase() : what }), text);
  }
}

function pngOf(svgText) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const scale = 2; // crisp on a projector
      const canvas = document.createElement("canvas");
      canvas.width = image.width * scale;
      canvas.height = image.height * scale;
      const context = canvas.getContext("2d");
      context.fillStyle = getComputedStyle($("#graph")).backgroundColor || "white"; // the theme's paper
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG failed"))), "image/png");
    };
    image.onerror = () => reject(new Error("the SVG could not be drawn"));
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText);
  });
}

const exports = {
  svg: () => download("graph.svg", new Blob([view.svgForExport()], { type: "image/svg+xml" })),
  png: async () => download("graph.png", await pngOf(view.svgForExport())),
  json: () => download("graph.json", new Blob([JSON.stringify(page.graph, null, 1)], { type: "application/json" })),
  // The DOT text is asked for when it is wanted, not with every answer.
  dot: async () => download("graph.dot", new Blob([await fetchDot(editor.value, page.values, teaching.requestOptions())],
    { type: "text/vnd.graphviz" })),
  link: () => copy(shareLink({ program: editor.value, values: page.values, ...teaching.state() }), t("export.link_what")),
  curl: () => copy(curlCommand(editor.value, page.values), t("export.curl_what")),
};

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
  $("#plot-variable").addEventListener("change", () => {
    plotOwed = true;
    plotNow();
  });
  $("#zoom-in").addEventListener("click", () => view.zoomBy(1.4));
  $("#zoom-out").addEventListener("click", () => view.zoomBy(1 / 1.4));
  $("#step-back").addEventListener("click", () => teaching.tour.back());
  $("#step-forward").addEventListener("click", () => step(1));
  $("#step-start").addEventListener("click", () => teaching.tour.restart());
  $("#show-all").addEventListener("click", () => {
    teaching.tour.pause();
    stepper.showAll();
    applyStepper();
  });
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => page.graph && exports[button.dataset.export]());
  }
  $("#array-dialog .close").addEventListener("click", () => $("#array-dialog").close());
  $("#array-dialog").addEventListener("close", () => (page.arrayOpen = null));
  window.addEventListener("resize", resized);
  window.addEventListener("pagehide", () => stateTimer && saveState());
  window.addEventListener("hashchange", () => {
    const state = readState();
    if (!state) return;
    teaching.restore(state);
    loadProgram(state.program, state.values);
  });
}

let modes = null;

async function start() {
  wire();
  modes = installModes({
    view,
    getGraph: () => page.graph,
    getState: () => ({ program: editor.value, values: page.values, ...teaching.state() }),
    onRelabel: relabel,
    copy,
  });
  const [ops, examples] = await Promise.all([fetchOps(), fetchExamples()]);
  page.opsByName = Object.fromEntries(ops.map((op) => [op.name, op]));
  renderPresets(examples);
  teaching.setExamples(examples);
  const saved = readState();
  teaching.restore(saved);
  const first = examples.find((example) => example.name === FIRST_EXAMPLE) ?? examples[0];
  if (saved) loadProgram(saved.program, saved.values);
  else loadProgram(first.program, first.values);
  lastSize = view.viewportSize();
  installClassroom({ page, editor, stepper, applyStepper, recompute, explain, teaching, view });
}

// For tests and the curious: the request the page would send now, and the page's state.
window.backpropLab = { request: () => graphRequest(editor.value, page.values, requestOptions()), page, view };

start();
