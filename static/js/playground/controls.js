// The settings' controls: filled from the server's choices, showing the current settings, and
// reporting each change as a patch of settings ({learning_rate: 0.1}, {layers: [6, 2]}, …).
import { t } from "../i18n.js";
import { SPEEDS } from "./state.js";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const L2_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const SLIDERS = [["#batch", "batch_size", ""], ["#noise", "noise", " %"], ["#train-percent", "train_percent", " %"]];

const $ = (selector) => document.querySelector(selector);

export class Controls {
  // onChange(patch) for a setting; onSpeed(epochsPerFrame) for the speed.
  constructor(config, { onChange, onSpeed }) {
    this.config = config;
    this.onChange = onChange;
    this.settings = null;
    for (const name of config.datasets) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.dataset = name;
      button.addEventListener("click", () => onChange({ dataset: name }));
      $("#datasets").append(button);
    }
    const numberFrom = (select, key) => select.addEventListener("change", () => onChange({ [key]: Number(select.value) }));
    numberFrom($("#lr"), "learning_rate");
    numberFrom($("#l2"), "l2");
    $("#activation").addEventListener("change", (event) => onChange({ activation: event.target.value }));
    $("#speed").addEventListener("change", (event) => onSpeed(Number(event.target.value)));
    for (const [id, key, unit] of SLIDERS) {
      $(id).addEventListener("input", (event) => {
        $(`${id}-value`).textContent = event.target.value + unit;
        onChange({ [key]: Number(event.target.value) });
      });
    }
    $("#seed").addEventListener("change", (event) => {
      const seed = Number(event.target.value);
      if (Number.isInteger(seed)) onChange({ seed });
    });
    $("#new-seed").addEventListener("click", () => onChange({ seed: Math.floor(Math.random() * 100000) }));
    $("#add-layer").addEventListener("click", () => this.changeLayers((layers) => [...layers, 2]));
    $("#remove-layer").addEventListener("click", () => this.changeLayers((layers) => layers.slice(0, -1)));
  }

  changeLayers(edit) {
    const layers = edit(this.settings.layers);
    if (layers.length <= this.config.max_layers) this.onChange({ layers });
  }

  // +1 or −1 neuron in hidden layer `index` (0-based), within 1 to max_neurons.
  changeNeurons(index, delta) {
    const count = this.settings.layers[index] + delta;
    if (count < 1 || count > this.config.max_neurons) return;
    this.changeLayers((layers) => layers.map((n, i) => (i === index ? count : n)));
  }

  show(settings, speed) {
    this.settings = settings;
    fill($("#lr"), withValue(LEARNING_RATES, settings.learning_rate), String);
    fill($("#l2"), withValue(L2_RATES, settings.l2), (rate) => (rate === 0 ? t("pg.l2_none") : String(rate)));
    fill($("#activation"), withValue(this.config.activations, settings.activation), String);
    fill($("#speed"), SPEEDS, (epochs) => t("pg.speed_option", { epochs }));
    $("#lr").value = String(settings.learning_rate);
    $("#l2").value = String(settings.l2);
    $("#activation").value = settings.activation;
    $("#speed").value = String(speed);
    for (const [id, key, unit] of SLIDERS) {
      $(id).value = String(settings[key]);
      $(`${id}-value`).textContent = settings[key] + unit;
    }
    $("#seed").value = String(settings.seed);
    for (const button of $("#datasets").children) {
      button.textContent = t(`pg.dataset_${button.dataset.dataset}`);
      button.setAttribute("aria-pressed", String(button.dataset.dataset === settings.dataset));
    }
    $("#layer-count").textContent = String(settings.layers.length);
    $("#add-layer").disabled = settings.layers.length >= this.config.max_layers;
    $("#remove-layer").disabled = settings.layers.length === 0;
    $("#shape").textContent = [2, ...settings.layers, 1].join("-");
  }
}

// A link may carry a value the list does not offer (lr=0.05): offer it too, in order.
function withValue(list, value) {
  return list.includes(value) ? list : [...list, value].sort((a, b) => (typeof a === "number" ? a - b : 0));
}

function fill(select, values, label) {
  const wanted = values.map(String).join("|") + "|" + values.map(label).join("|");
  if (select.dataset.filled === wanted) return;
  select.dataset.filled = wanted;
  select.replaceChildren(...values.map((value) => new Option(label(value), String(value))));
}
