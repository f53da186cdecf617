// Train: pick parameters, a learning rate and a number of steps; the server does gradient descent
// (POST /api/train, w ← w − η·∂L/∂w) one step per request, or a chunk of a long run, so that the progress
// bar moves, the graph redraws with the new values after each step or chunk, and Stop takes effect at once (the request in
// flight is aborted; the values on screen are those of the last chunk that came back).
import { ApiError, train } from "./api.js";
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";

const d3 = window.d3;
// Every step is drawn when there are few; a long run is drawn about this many times.
const REDRAWS_PER_RUN = 50;
const WIDTH = 360;
const HEIGHT = 150;
const MARGIN = { top: 10, right: 12, bottom: 30, left: 46 };
const LOSS_DECIMALS = 4; // a loss that falls slowly still shows it moving

export class TrainPanel {
  // elements: {params, rate, steps, run, stop, progress, status, plot};
  // getProgram(), getValues(): what to train; onValues(values): show new values (answers a promise).
  constructor(elements, { getProgram, getValues, onValues }) {
    Object.assign(this, elements);
    this.getProgram = getProgram;
    this.getValues = getValues;
    this.onValues = onValues;
    this.signature = "";
    this.controller = null;
    this.losses = [];
    this.lastStatus = null; // [key, params] to say again in another language
    this.run.addEventListener("click", () => this.start());
    this.stop.addEventListener("click", () => this.halt());
    this.showRunning(false);
  }

  get running() {
    return this.controller !== null;
  }

  // A checkbox per input; the ones ticked stay ticked while the set of inputs is the same.
  setInputs(graph) {
    const names = graph.nodes.filter((node) => node.op === "input").map((node) => node.name);
    const signature = JSON.stringify(names);
    if (signature === this.signature) return;
    const ticked = new Set(this.chosen());
    this.signature = signature;
    this.params.replaceChildren(...names.map((name) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      box.checked = ticked.has(name);
      label.append(box, document.createTextNode(` ${name}`));
      return label;
    }));
  }

  chosen() {
    return [...this.params.querySelectorAll("input:checked")].map((box) => box.value);
  }

  // A preset fills the panel in: its "train" settings, or (null) the panel's defaults.
  preset(settings) {
    const chosen = settings ?? { params: [], learning_rate: this.rate.defaultValue, steps: this.steps.defaultValue };
    for (const box of this.params.querySelectorAll("input")) box.checked = chosen.params.includes(box.value);
    this.rate.value = String(chosen.learning_rate);
    this.steps.value = String(chosen.steps);
    this.losses = [];
    this.progress.value = 0;
    this.say(null);
    this.draw();
  }

  async start() {
    if (this.running) return;
    const params = this.chosen();
    const learningRate = Number(this.rate.value);
    const total = Math.floor(Number(this.steps.value));
    if (!params.length) return this.say("teach.train.pick", {}, true);
    if (!(total >= 1)) return this.say("teach.train.bad_steps", {}, true);
    if (this.rate.value.trim() === "" || !Number.isFinite(learningRate)) return this.say("teach.train.bad_rate", {}, true);
    const program = this.getProgram();
    let values = structuredClone(this.getValues());
    this.controller = new AbortController();
    const { signal } = this.controller;
    this.showRunning(true);
    this.losses = [];
    this.progress.max = total;
    this.progress.value = 0;
    this.draw();
    let done = 0;
    try {
      while (done < total && !signal.aborted) {
        const steps = Math.min(Math.ceil(total / REDRAWS_PER_RUN), total - done);
        const answer = await train({ program, values, params, learningRate, steps }, signal);
        if (signal.aborted) break;
        // Each answer starts with the loss before its first step, which the previous one ended with.
        this.losses.push(...(this.losses.length ? answer.losses.slice(1) : answer.losses));
        values = { ...values, ...answer.values };
        done += steps;
        this.progress.value = done;
        this.draw();
        this.say("teach.train.progress", { done, total, loss: formatNumber(this.losses.at(-1), LOSS_DECIMALS) });
        await this.onValues(answer.values);
      }
      if (!signal.aborted) this.say("teach.train.done", this.summary(done));
    } catch (error) {
      if (error.name === "AbortError") {
        // Stopped: what came back before stays.
      } else {
        this.say(error instanceof ApiError ? "teach.train.failed" : "teach.train.failed_other",
          { message: error.message }, true);
      }
    } finally {
      if (signal.aborted) this.say("teach.train.stopped", this.summary(done));
      this.controller = null;
      this.showRunning(false);
    }
  }

  halt() {
    this.controller?.abort();
  }

  summary(done) {
    const loss = (x) => formatNumber(x, LOSS_DECIMALS);
    return { done, first: loss(this.losses[0]), last: loss(this.losses.at(-1)) };
  }

  showRunning(running) {
    this.run.disabled = running;
    this.stop.disabled = !running;
    this.run.closest("section")?.classList.toggle("training", running);
  }

  say(key, params = {}, failed = false) {
    this.lastStatus = key ? [key, params, failed] : null;
    this.status.textContent = key ? t(key, params) : "";
    this.status.classList.toggle("failed", failed);
  }

  // Again in the language now chosen.
  retranslate() {
    if (this.lastStatus) this.say(...this.lastStatus);
    this.draw();
  }

  // The loss after each step, as the API reported it.
  draw() {
    if (this.losses.length < 1) {
      this.plot.replaceChildren();
      return;
    }
    const steps = this.losses.map((_, i) => i);
    const finite = this.losses.filter((y) => y !== null && Number.isFinite(y));
    const x = d3.scaleLinear().domain([0, Math.max(1, steps.length - 1)]).range([MARGIN.left, WIDTH - MARGIN.right]);
    const y = d3.scaleLinear().domain(d3.extent(finite.length ? finite : [0, 1])).nice()
      .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
    const svg = d3.create("svg").attr("viewBox", `0 0 ${WIDTH} ${HEIGHT}`).attr("class", "plot loss-plot")
      .attr("role", "img").attr("aria-label", t("teach.train.plot_label"));
    svg.append("g").attr("class", "axis").attr("transform", `translate(0,${HEIGHT - MARGIN.bottom})`)
      .call(d3.axisBottom(x).ticks(6).tickFormat(d3.format("d")));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(4));
    const line = d3.line().defined((loss) => loss !== null).x((_, i) => x(i)).y((loss) => y(loss));
    svg.append("path").attr("class", "curve loss").attr("d", line(this.losses));
    svg.append("text").attr("class", "axis-label").attr("x", WIDTH - MARGIN.right).attr("y", HEIGHT - 2)
      .attr("text-anchor", "end").text(t("teach.train.axis_step"));
    svg.append("text").attr("class", "axis-label").attr("x", 4).attr("y", MARGIN.top + 2)
      .attr("text-anchor", "start").text(t("teach.train.axis_loss"));
    this.plot.replaceChildren(svg.node());
    this.plot.dataset.points = String(this.losses.length);
  }
}
