// The page: program text and values go to the API; what comes back is drawn. No maths here.
import { ApiError, computeGraph, curlCommand, fetchExamples, fetchOps, graphRequest } from "./api.js";
import { GraphView } from "./draw.js";
import { describeArray, describeNode } from "./details.js";
import { Editor } from "./editor.js";
import { language, pick, t } from "./i18n.js";
import { InputsPanel } from "./inputs.js";
import { layout } from "./layout.js";
import { installModes } from "./modes.js";
import { PassStepper } from "./passes.js";
import { Plot } from "./plot.js";
import { simpleLayout } from "./simple-layout.js";
import { readState, shareLink, writeState } from "./state.js";
import { Teaching } from "./teaching.js";

const TYPING_PAUSE_MS = 250;
const SHOW_PROGRESS_AFTER_MS = 150;
const FIRST_EXAMPLE = "ng-J";
// Graphviz takes seconds from a few hundred nodes up, and its recursion overflows on deep graphs of
// a few thousand; above this size only the plain layered layout is drawn.
const GRAPHVIZ_MAX_NODES = 1000;
// Between these sizes the plain layout is drawn at once and Graphviz's replaces it when it is ready
// (about 2 s per thousand nodes), so nobody waits for a picture.
const PLAIN_FIRST_ABOVE = 250;

const $ = (selector) => document.querySelector(selector);

const page = {
  values: {}, // values the user set; inputs without one get the API's default
  graph: null, // the last graph that computed
  structure: null, // what the drawing's layout depends on
  request: 0, // the newest request; older answers are dropped
  settled: 0, // the newest request whose answer is on screen (or whose error is)
  layout: null, // "graphviz" or "plain": how the drawing on screen was laid out
  refining: false, // Graphviz is laying out again a graph drawn in plain layers first
  opsByName: {},
  focused: null,
};

const editor = new Editor($("#program"), $("#program-backdrop"), $("#error"));
const view = new GraphView($("#graph"), { onFocusNode: focusNode, onOpenArray: openArray });
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
  redrawDetails: () => refreshDetails(),
  svg: () => view.svg,
});
const plot = new Plot($("#plot"), $("#plot-variable"), {
  onError: (error) => status(t("status.plot_failed", { message: error.message }), false, true),
});

// Layout depends on the nodes and wires, not on the numbers: a new value moves nothing.
function structureOf(graph) {
  return JSON.stringify(graph.nodes.map((node) => [node.op, node.label, node.name, node.inputs, node.shape.length]));
}

let typingTimer = null;
function recomputeSoon() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(recompute, TYPING_PAUSE_MS);
}

async function recompute() {
  clearTimeout(typingTimer);
  const mine = ++page.request;
  const program = editor.value;
  writeState({ program, values: page.values, ...teaching.state() });
  const progress = setTimeout(() => status(t("status.computing"), true), SHOW_PROGRESS_AFTER_MS);
  try {
    const graph = await computeGraph(program, page.values, teaching.requestOptions());
    if (mine !== page.request) return;
    if ($("#status").classList.contains("failed")) status(""); // the server answers again
    editor.clearError();
    forgetValuesOfNamesThatAreNotInputs(graph, program);
    inputs.update(graph);
    const structure = structureOf(graph);
    const drawsPlainFirst = structure !== page.structure && plainFirst(graph);
    if (structure !== page.structure) {
      status(t("status.laying_out", { count: graph.nodes.length }), true);
      const [svg, how] = drawsPlainFirst ? [simpleLayout(graph), "plain"] : await drawingOf(graph);
      if (mine !== page.request) return;
      view.show(graph, svg);
      page.layout = how;
      page.refining = false;
      page.structure = structure;
      stepper.reset(graph);
      page.focused = null;
    } else {
      view.update(graph);
    }
    page.graph = graph;
    plot.update(program, page.values, graph);
    teaching.afterGraph(graph, program);
    showWarnings(graph);
    refreshDetails();
    applyStepper();
    modes?.update(graph, page.opsByName);
    if (drawsPlainFirst) {
      page.refining = true;
      setTimeout(() => refineLayout(structure)); // once this answer is settled
    }
  } catch (error) {
    if (mine !== page.request) return;
    if (!(error instanceof ApiError)) {
      status(t("status.graph_failed", { message: error.message }), false, true);
      return;
    }
    editor.showError(error.detail);
    view.setDimmed(true); // the last good graph stays, dimmed
    status("");
  } finally {
    clearTimeout(progress);
    if (mine === page.request) {
      if ($("#status").dataset.busy) status("");
      page.settled = mine;
    }
  }
}

// A value set for a name the program no longer reads stays out of the link.
function forgetValuesOfNamesThatAreNotInputs(graph, program) {
  const kept = Object.entries(page.values).filter(([name]) => name in graph.gradients);
  if (kept.length === Object.keys(page.values).length) return;
  page.values = Object.fromEntries(kept);
  writeState({ program, values: page.values, ...teaching.state() });
}

// The drawing's SVG and how it was laid out: by Graphviz when the graph is small enough, else in plain layers.
async function drawingOf(graph) {
  if (graph.nodes.length <= GRAPHVIZ_MAX_NODES) {
    try {
      return [await layout(graph.dot), "graphviz"];
    } catch (error) {
      console.warn("Graphviz could not lay this graph out; drawing it in plain layers instead.", error);
    }
  }
  return [simpleLayout(graph), "plain"];
}

function plainFirst(graph) {
  return graph.nodes.length > PLAIN_FIRST_ABOVE && graph.nodes.length <= GRAPHVIZ_MAX_NODES;
}

// Graphviz's layout in place of the plain one drawn first, unless the program's structure changed meanwhile.
async function refineLayout(structure) {
  status(t("status.refining", { count: page.graph.nodes.length }), true);
  const [svg, how] = await drawingOf(page.graph);
  if (structure !== page.structure) return;
  page.refining = false;
  if ($("#status").dataset.busy) status("");
  if (how !== "graphviz") return;
  view.show(page.graph, svg);
  page.layout = how;
  teaching.decorate(page.graph);
  applyStepper();
  modes?.update(page.graph, page.opsByName);
}

function status(text, busy = false, failed = false) {
  const element = $("#status");
  element.textContent = text;
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

// -- the panel beside the drawing -------------------------------------------------------------

function focusNode(id) {
  page.focused = id;
  refreshDetails();
}

function refreshDetails() {
  const panel = $("#details");
  if (page.focused === null || !page.graph || !page.graph.nodes[page.focused]) {
    panel.replaceChildren(hint(t("details.hint")));
    view.highlight(null);
    return;
  }
  panel.replaceChildren(...describeNode(page.graph, page.opsByName, page.focused, teaching.detailsExtras()));
  view.highlight(page.focused);
}

function hint(text) {
  const p = document.createElement("p");
  p.className = "hint";
  p.textContent = text;
  return p;
}

function openArray(id) {
  const dialog = $("#array-dialog");
  dialog.querySelector(".content").replaceChildren(teaching.quiz.arrayDialog(id) ?? describeArray(page.graph, id));
  dialog.showModal();
}

// -- stepping through the passes ---------------------------------------------------------------

function applyStepper() {
  if (!page.graph) return;
  view.reveal(stepper.known());
  $("#step-status").textContent = stepper.describe();
  teaching.tour.render();
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
  refreshDetails();
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
  json: () => {
    const { dot, ...graph } = page.graph;
    download("graph.json", new Blob([JSON.stringify(graph, null, 1)], { type: "application/json" }));
  },
  dot: () => download("graph.dot", new Blob([page.graph.dot], { type: "text/vnd.graphviz" })),
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
  $("#plot-variable").addEventListener("change", () => page.graph && plot.update(editor.value, page.values, page.graph));
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
  window.addEventListener("resize", () => view.fit());
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
    getOpsByName: () => page.opsByName,
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
}

// For tests and the curious: the request the page would send now.
window.backpropLab = { request: () => graphRequest(editor.value, page.values), page };

start();
