// The course note's experiments. Hidden neurons: the circle data with 2, 4 and 6 of them; one click
// loads each into the playground with the lesson a student should see, and "side by side" trains all
// three at once, each with its own small plane and test accuracy. Fitting: a network too small for the
// data (under-fitting) and one too big for its few noisy points (over-fitting).
import { t } from "../i18n.js";
import { Plane } from "./heatmap.js";
import { showAccuracy } from "./scores.js";
import { Trainer } from "./trainer.js";

const NEURONS = [2, 4, 6];
const CIRCLE = { dataset: "circle", noise: 0, points: 200, train_percent: 50, activation: "tanh", learning_rate: 0.03,
  batch_size: 10, l2: 0 };
// By name (the buttons' data-preset), the settings each preset changes; its lesson is pg.lesson_<name>.
const PRESETS = {
  ...Object.fromEntries(NEURONS.map((neurons) => [neurons, { ...CIRCLE, layers: [neurons] }])),
  underfit: { ...CIRCLE, layers: [] },
  overfit: { ...CIRCLE, dataset: "xor", noise: 50, train_percent: 10, layers: [8, 8], learning_rate: 0.1 },
};
const COMPARE_EPOCHS = 300;

export function presetSettings(settings, name) {
  return { ...settings, ...PRESETS[name] };
}

export class Comparison {
  // onError(error) when a run stops on an error.
  constructor(container, { onError }) {
    this.container = container;
    this.onError = onError;
    this.runs = [];
  }

  get running() {
    return this.runs.length > 0;
  }

  start(settings) {
    this.stop();
    const lesson = document.createElement("p");
    lesson.className = "compare-lesson";
    lesson.textContent = t("pg.compare_lesson", { epochs: COMPARE_EPOCHS });
    const columns = document.createElement("div");
    columns.className = "compare-columns";
    this.container.replaceChildren(lesson, columns);
    this.runs = NEURONS.map((neurons) => {
      const column = document.createElement("figure");
      const caption = document.createElement("figcaption");
      caption.textContent = t("pg.compare_column", { neurons });
      const canvas = document.createElement("canvas");
      canvas.className = "compare-plane";
      const accuracy = document.createElement("p");
      accuracy.className = "compare-accuracy";
      const epoch = document.createElement("p");
      epoch.className = "compare-epoch";
      column.append(caption, canvas, accuracy, epoch);
      columns.append(column);
      const plane = new Plane(canvas);
      const trainer = new Trainer({
        until: COMPARE_EPOCHS,
        onAnswer: (answer, run) => {
          if (answer.data) plane.setPoints(answer.data);
          plane.draw(answer.boundary, [0, 1], answer.extent);
          showAccuracy(accuracy, run.history.at(-1));
          epoch.textContent = t("pg.epoch", { epoch: run.epoch });
        },
        onError: this.onError,
      });
      trainer.epochsPerFrame = 10;
      trainer.reset(presetSettings(settings, neurons)).then(() => trainer.play(), this.onError);
      return { neurons, trainer, caption, accuracy, epoch };
    });
    this.container.hidden = false;
  }

  stop() {
    for (const { trainer } of this.runs) trainer.stop();
    this.runs = [];
    this.container.hidden = true;
    this.container.replaceChildren();
  }

  relabel() {
    for (const { neurons, trainer, caption, accuracy, epoch } of this.runs) {
      caption.textContent = t("pg.compare_column", { neurons });
      showAccuracy(accuracy, trainer.history.at(-1));
      epoch.textContent = t("pg.epoch", { epoch: trainer.epoch });
    }
    const lesson = this.container.querySelector(".compare-lesson");
    if (lesson) lesson.textContent = t("pg.compare_lesson", { epochs: COMPARE_EPOCHS });
  }
}
