// Train: pick parameters, a learning rate and a number of steps; the server does gradient descent
// (POST /api/train, w ← w − η·∂L/∂w) one step per request, or a chunk of a long run, so that the progress
// bar moves, the graph redraws with the new values after each step or chunk, and Stop takes effect at once (the request in
// flight is aborted; the values on screen are those of the last chunk that came back). Each answer's last
// step is shown as the notes write it, w ← w − η·∂L/∂w with the numbers of every parameter (the API's
// `updates`). A preset that trains with mini-batches (Nielsen's SGD) shows its settings, and each step
// its epoch and mini-batch.
import { ApiError, train } from "./api.js";
import { formatNumber, fullPrecision } from "./format.js";
import { pick, t } from "./i18n.js";
import { Latest } from "./request.js";

const d3 = window.d3;
// Every step is drawn when there are few; a long run is drawn about this many times.
const REDRAWS_PER_RUN = 50;
const WIDTH = 360;
const HEIGHT = 150;
const MARGIN = { top: 10, right: 12, bottom: 30, left: 46 };
const LOSS_DECIMALS = 4; // a loss that falls slowly still shows it moving

export class TrainPanel {
  // elements: {params, rate, steps, run, stop, progress, status, plot, sgd, sgdNote, batch, seed, update};
  // getProgram(), getValues(): what to train; onValues(values): show new values (answers a promise).
  constructor(elements, { getProgram, getValues, onValues }) {
    Object.assign(this, elements);
    this.getProgram = getProgram;
    this.getValues = getValues;
    this.onValues = onValues;
    this.signature = "";
    this.runs = new Latest(); // Stop ends the run under way: its request in flight is aborted
    this.turn = null; // the run under way, or null
    this.losses = [];
    this.lastStatus = null; // [key, params] to say again in another language
    this.data = null; // the inputs that hold a data set, for mini-batches (a preset's "data"), or null
    this.step = null; // the last step's answer: {update, batch, perEpoch}, shown under the plot
    this.run.addEventListener("click", () => this.start());
    this.stop.addEventListener("click", () => this.halt());
    this.showRunning(false);
  }

  get running() {
    return this.turn !== null;
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

  // A preset fills the panel in: its "train" settings, or (null) the panel's defaults; with "data", the
  // settings of stochastic gradient descent (mini-batch size, seed).
  preset(settings) {
    const chosen = settings ?? { params: [], learning_rate: this.rate.defaultValue, steps: this.steps.defaultValue };
    for (const box of this.params.querySelectorAll("input")) box.checked = chosen.params.includes(box.value);
    this.rate.value = String(chosen.learning_rate);
    this.steps.value = String(chosen.steps);
    this.data = chosen.data ?? null;
    this.sgd.hidden = !this.data;
    if (this.data) {
      this.batch.value = String(chosen.batch_size ?? "");
      this.seed.value = String(chosen.seed ?? 0);
    }
    this.losses = [];
    this.step = null;
    this.progress.value = 0;
    this.say(null);
    this.retranslate();
  }

  // What a request adds for mini-batches, or null; a string: the key of what is wrong with the settings.
  sgdSettings() {
    if (!this.data) return null;
    const batch = Number(this.batch.value);
    const seed = Number(this.seed.value);
    if (!Number.isInteger(batch) || batch < 1) return "teach.train.bad_batch";
    if (this.seed.value.trim() === "" || !Number.isInteger(seed) || seed < 0) return "teach.train.bad_seed";
    return { data: this.data, batch_size: batch, seed };
  }

  async start() {
    if (this.running) return;
    const params = this.chosen();
    const learningRate = Number(this.rate.value);
    const total = Math.floor(Number(this.steps.value));
    const sgd = this.sgdSettings();
    if (!params.length) return this.say("teach.train.pick", {}, true);
    if (!(total >= 1)) return this.say("teach.train.bad_steps", {}, true);
    if (this.rate.value.trim() === "" || !Number.isFinite(learningRate)) return this.say("teach.train.bad_rate", {}, true);
    if (typeof sgd === "string") return this.say(sgd, {}, true);
    const program = this.getProgram();
    let values = structuredClone(this.getValues());
    const turn = this.runs.next();
    this.turn = turn;
    this.showRunning(true);
    this.losses = [];
    this.step = null;
    this.progress.max = total;
    this.progress.value = 0;
    this.draw();
    let done = 0;
    try {
      while (done < total && turn.current) {
        const steps = Math.min(Math.ceil(total / REDRAWS_PER_RUN), total - done);
        const request = { program, values, params, learningRate, steps, firstStep: done, sgd };
        const answer = await train(request, turn.signal);
        if (!turn.current) break;
        // Each answer starts with the loss before its first step, which the previous one ended with.
        this.losses.push(...(this.losses.length ? answer.losses.slice(1) : answer.losses));
        values = { ...values, ...answer.values };
        done += steps;
        this.progress.value = done;
        this.step = { update: answer.updates?.at(-1) ?? null, batch: answer.batches?.at(-1) ?? null,
          perEpoch: answer.steps_per_epoch ?? null, rate: learningRate };
        this.draw();
        this.showUpdate();
        this.say(...this.progressStatus(done, total));
        await this.onValues(answer.values);
      }
      if (turn.current) this.say("teach.train.done", this.summary(done));
    } catch (error) {
      if (error.name === "AbortError") {
        // Stopped: what came back before stays.
      } else {
        this.say(error instanceof ApiError ? "teach.train.failed" : "teach.train.failed_other",
          { message: error.message }, true);
      }
    } finally {
      if (!turn.current) this.say("teach.train.stopped", this.summary(done));
      this.turn = null;
      this.showRunning(false);
    }
  }

  progressStatus(done, total) {
    const loss = formatNumber(this.losses.at(-1), LOSS_DECIMALS);
    const perEpoch = this.step?.perEpoch;
    if (!perEpoch) return ["teach.train.progress", { done, total, loss }];
    return ["teach.train.progress_sgd", { done, total, loss, epoch: this.step.batch.epoch, epochs: Math.ceil(total / perEpoch) }];
  }

  halt() {
    this.runs.end();
  }

  summary(done) {
    const loss = (x) => formatNumber(x, LOSS_DECIMALS);
    return { count: done, first: loss(this.losses[0]), last: loss(this.losses.at(-1)) };
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
    this.sgdNote.textContent = this.data ? t("teach.train.sgd", { data: this.data.join(", ") }) : "";
    this.draw();
    this.showUpdate();
  }

  // The last step taken: which step (and for mini-batches which epoch and mini-batch), and each parameter's
  // update with its numbers as the API says it; each element's numbers at full precision on hover.
  showUpdate() {
    const { update, batch, perEpoch, rate } = this.step ?? {};
    this.update.hidden = !update;
    if (!update) return this.update.replaceChildren();
    const heading = document.createElement("p");
    heading.className = "update-step";
    heading.textContent = batch
      ? t("teach.train.update_batch", { step: update.step, epoch: batch.epoch, batch: batch.batch, batches: perEpoch,
        samples: batch.samples.join(", ") })
      : t("teach.train.update", { step: update.step });
    const list = document.createElement("ul");
    for (const param of update.params) {
      const item = document.createElement("li");
      item.className = "update";
      item.dataset.param = param.name;
      item.textContent = pick(param.text);
      item.title = param.elements.map((element) => t("teach.train.element", {
        name: param.name, index: element.index.length ? `[${element.index.join(", ")}]` : "",
        before: fullPrecision(element.before), rate: fullPrecision(rate), gradient: fullPrecision(element.gradient),
        after: fullPrecision(element.after),
      })).join("\n");
      list.append(item);
    }
    this.update.replaceChildren(heading, list);
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
