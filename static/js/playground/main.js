// The playground: the settings (from the address and the controls) go to the server, which trains the
// network and answers the weights, the losses and the heat maps; this page draws the answers. No maths
// here: the data, the network's program, training and every heat map come from the server.
import "../theme.js"; // the light or dark theme chosen on the main page, applied on import
import { ApiError } from "../api.js";
import { language, onLanguageChange, pick, setLanguage, t, translatePage } from "../i18n.js";
import { Controls } from "./controls.js";
import { Plane } from "./heatmap.js";
import { drawLossChart } from "./loss-chart.js";
import { NetworkView } from "./network-view.js";
import { Comparison, presetSettings } from "./presets.js";
import { describePoint, openSample } from "./sample.js";
import { showAccuracy, showLosses } from "./scores.js";
import { readState, writeState } from "./state.js";
import { Trainer } from "./trainer.js";

const $ = (selector) => document.querySelector(selector);

const config = JSON.parse(document.body.dataset.config);
const initial = readState(config.defaults);
// hover: the hidden neuron the plane shows instead of the output; stopped: the message says why training stopped.
const page = { settings: initial.settings, speed: initial.speed, hover: null, lesson: null, stopped: false };

// A new learning rate, batch size or L2 rate goes on training the same weights; any other change (the
// data, the network) starts again from the seed's.
const KEEP_WEIGHTS = new Set(["learning_rate", "batch_size", "l2"]);

const trainer = new Trainer({ onAnswer: draw, onError: stopped, onPlaying: showPlaying });
trainer.epochsPerFrame = page.speed;
const plane = new Plane($("#boundary"));
const controls = new Controls(config, { onChange: (patch) => change(patch), onSpeed: setSpeed });
const network = new NetworkView($("#network"), {
  onNeurons: (index, delta) => controls.changeNeurons(index, delta),
  onHover: (neuron) => {
    page.hover = neuron;
    drawPlane();
  },
});
const comparison = new Comparison($("#compare"), { onError: stopped });

function change(patch, lesson = null) {
  const keepWeights = Object.keys(patch).every((key) => KEEP_WEIGHTS.has(key));
  page.settings = { ...page.settings, ...patch };
  showLesson(lesson);
  controls.show(page.settings, page.speed);
  saveState();
  if (keepWeights) {
    trainer.change(page.settings).catch(stopped);
  } else {
    page.hover = null;
    network.build([2, ...page.settings.layers, 1]);
    restart();
  }
}

// A run from the seed's weights: other points, or the same points with other weights, so the note on a point
// opened in the last run (its set, its place, its epoch) no longer speaks of anything on screen.
function restart() {
  plane.selected = null;
  $("#sample-note").replaceChildren();
  trainer.reset(page.settings).catch(stopped);
}

function setSpeed(epochs) {
  page.speed = epochs;
  trainer.epochsPerFrame = epochs;
  saveState();
}

function saveState() {
  writeState({ settings: page.settings, play: trainer.playing, speed: page.speed });
}

function draw(answer) {
  if (page.stopped) showMessage(""); // training goes again
  if (answer.data) plane.setPoints(answer.data);
  showProgram(answer);
  showNumbers();
  drawPlane();
  network.update(answer);
  drawLossChart($("#loss-chart"), trainer.history);
}

// The program in the page's language: its comments are the catalogs' (the statements are the same in each).
function showProgram(answer) {
  $("#program").textContent = answer.programs ? pick(answer.programs) : answer.program;
}

function showNumbers() {
  const record = trainer.history.at(-1);
  $("#epoch").textContent = t("pg.epoch", { epoch: trainer.epoch });
  showAccuracy($("#test-accuracy"), record);
  showAccuracy($("#train-accuracy"), record, "pg.train_accuracy", "train_accuracy");
  showLosses($("#losses"), record);
}

// The plane shows the output, or the hidden neuron the pointer is on.
function drawPlane() {
  const answer = trainer.last;
  if (!answer) return;
  const { hover } = page;
  const grid = hover && answer.neurons[hover.layer - 1]?.[hover.neuron];
  if (grid) plane.draw(grid, answer.neuron_range, answer.extent);
  else plane.draw(answer.boundary, [0, 1], answer.extent);
  $("#showing").textContent = grid ? t("pg.showing_neuron", { layer: hover.layer, neuron: hover.neuron + 1 }) : "";
}

function stopped(error) {
  trainer.pause();
  const message = error instanceof ApiError ? t("pg.stopped", { message: error.message })
    : t("pg.failed", { message: error.message });
  showMessage(message, true);
}

function showMessage(text, stoppedTraining = false) {
  page.stopped = stoppedTraining;
  $("#message").textContent = text;
  $("#message").hidden = !text;
}

function showPlaying(playing) {
  const button = $("#play");
  button.textContent = t(playing ? "pg.pause" : "pg.play");
  button.setAttribute("aria-pressed", String(playing));
  saveState();
}

// The lesson of the preset loaded last (by name), until a setting changes.
function showLesson(name) {
  page.lesson = name;
  $("#lesson").hidden = name === null;
  $("#lesson").textContent = name === null ? "" : t(`pg.lesson_${name}`);
  document.querySelectorAll("[data-preset]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.preset === name));
  });
}

function relabel() {
  translatePage();
  document.querySelectorAll("[data-lang]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.lang === language()));
  });
  controls.show(page.settings, page.speed);
  showPlaying(trainer.playing);
  showLesson(page.lesson);
  network.build([2, ...page.settings.layers, 1]);
  if (trainer.last) {
    network.update(trainer.last);
    showProgram(trainer.last);
    drawPlane();
  }
  showNumbers();
  comparison.relabel();
}

$("#play").addEventListener("click", () => trainer.toggle());
$("#step").addEventListener("click", () => trainer.step());
$("#reset").addEventListener("click", () => {
  trainer.pause();
  restart();
});
document.querySelectorAll("[data-preset]").forEach((button) => button.addEventListener("click", () => {
  const name = button.dataset.preset;
  change(presetSettings(page.settings, name), name);
  trainer.play();
}));
$("#compare-toggle").addEventListener("click", () => {
  if (comparison.running) {
    comparison.stop();
  } else {
    trainer.pause();
    comparison.start(page.settings);
  }
  $("#compare-toggle").setAttribute("aria-pressed", String(comparison.running));
});
document.querySelectorAll("[data-lang]").forEach((button) => {
  button.addEventListener("click", () => setLanguage(button.dataset.lang));
});
onLanguageChange(relabel);

const canvas = $("#boundary");
canvas.addEventListener("click", (event) => {
  const point = plane.pointAt(event);
  if (point) openSample(trainer, point, $("#sample-note")).catch((error) => showMessage(error.message));
});
canvas.addEventListener("mousemove", (event) => canvas.classList.toggle("over-point", plane.pointAt(event) !== null));
// From the keyboard: ← → (or ↑ ↓) choose a point, Enter or Space opens its graph, Escape lets go.
const STEPS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
canvas.addEventListener("keydown", (event) => {
  if (event.key in STEPS) {
    const point = plane.select(STEPS[event.key]);
    if (point) $("#sample-note").textContent = t("pg.point_chosen", describePoint(point));
  } else if ((event.key === "Enter" || event.key === " ") && plane.selected) {
    openSample(trainer, plane.selected, $("#sample-note")).catch((error) => showMessage(error.message));
  } else if (event.key === "Escape") {
    plane.selected = null;
  } else {
    return;
  }
  event.preventDefault();
  drawPlane();
});
new ResizeObserver(drawPlane).observe(canvas);
new ResizeObserver(() => drawLossChart($("#loss-chart"), trainer.history)).observe($("#loss-chart"));

relabel();
saveState();
if (initial.problems.length) {
  showMessage(initial.problems.map(({ param, value, what }) => t("pg.bad_link", { param, value, what: t(what) })).join(" "));
}
trainer.reset(page.settings).then(() => initial.play && trainer.play(), stopped);

window.backpropPlayground = { trainer, plane, page }; // for the tests and the curious, in the console
