// The output and its gradient against one input, as the notes plot σ and σ′: both curves come from
// /api/sweep; the dot marks the input's current value. Where the output is not finite (log left of 0),
// the API answers null: the plot is asked again over the stretch around the current value where it is.
import { sweep } from "./api.js";
import { t } from "./i18n.js";
import { Latest } from "./request.js";

const d3 = window.d3;
const WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { top: 16, right: 12, bottom: 26, left: 42 };
const MIN_POINTS = 8; // a shorter finite stretch is not worth a second request
const PLOT_PAUSE_MS = 300; // a slider drag redraws the plot when it pauses, not on every move

export class Plot {
  // asked(): {program, values, graph} of the graph on screen, or null; onError(error) when a sweep fails.
  constructor(container, select, { asked, onError }) {
    this.container = container;
    this.select = select;
    this.asked = asked;
    this.onError = onError;
    this.latest = new Latest();
    this.timer = null;
    this.onScreen = true;
    this.owed = false;
    new IntersectionObserver(([entry]) => {
      this.onScreen = entry.isIntersecting;
      if (this.onScreen && this.owed) this.soon();
    }).observe(container);
    select.addEventListener("change", () => {
      this.owed = true;
      this.now();
    });
  }

  // The plot asks the server for the whole curve (hundreds of evaluations of the program): only once a
  // slider pauses, and only while the plot is on screen (else when it comes into view).
  soon() {
    clearTimeout(this.timer);
    this.owed = true;
    if (this.onScreen) this.timer = setTimeout(() => this.now(), PLOT_PAUSE_MS);
  }

  // Not yet: the graph on screen is about to change (owed again once it has).
  wait() {
    clearTimeout(this.timer);
  }

  now() {
    const asked = this.asked();
    if (!asked || !this.owed) return;
    this.owed = false;
    this.update(asked.program, asked.values, asked.graph);
  }

  // Offer every scalar input; keep the one chosen while it exists.
  setInputs(graph) {
    const names = graph.nodes.filter((node) => node.op === "input" && !node.shape.length).map((node) => node.name);
    const chosen = this.select.value;
    if (JSON.stringify(names) !== JSON.stringify([...this.select.options].map((option) => option.value))) {
      this.select.replaceChildren(...names.map((name) => new Option(name, name)));
      if (names.includes(chosen)) this.select.value = chosen;
    }
    this.select.disabled = !names.length;
  }

  async update(program, values, graph) {
    this.setInputs(graph);
    const variable = this.select.value;
    if (!variable) {
      this.container.replaceChildren();
      return;
    }
    const input = graph.nodes.find((node) => node.op === "input" && node.name === variable);
    const here = input.value ?? 0;
    const span = Math.max(6, Math.abs(here) * 1.5);
    const turn = this.latest.next();
    const output = graph.nodes[graph.output]?.name ?? "f";
    try {
      let curve = await sweep(program, values, variable, here - span, here + span);
      const stretch = finiteStretch(curve, here);
      if (stretch && turn.current) curve = await sweep(program, values, variable, ...stretch);
      if (turn.current) this.draw(curve, here, graph.value, output);
    } catch (error) {
      if (turn.current) this.onError(error);
    }
  }

  draw({ variable, x, value, grad }, here, outputValue, output = "f") {
    const defined = (y) => y !== null && Number.isFinite(y);
    const xScale = d3.scaleLinear().domain([x[0], x[x.length - 1]]).range([MARGIN.left, WIDTH - MARGIN.right]);
    const yScale = d3.scaleLinear().domain(yDomain([...value, ...grad].filter(defined))).nice()
      .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
    const line = (ys) => d3.line().defined((_, i) => defined(ys[i])).x((_, i) => xScale(x[i])).y((_, i) => yScale(ys[i]))(x);
    const svg = d3.create("svg").attr("viewBox", `0 0 ${WIDTH} ${HEIGHT}`).attr("class", "plot")
      .attr("role", "img").attr("aria-label", t("teach.plot.label", { output, variable }));
    const clip = `plot-clip-${++clipIds}`;
    svg.append("clipPath").attr("id", clip).append("rect").attr("x", MARGIN.left).attr("y", MARGIN.top)
      .attr("width", WIDTH - MARGIN.left - MARGIN.right).attr("height", HEIGHT - MARGIN.top - MARGIN.bottom);
    const [low, high] = yScale.range();
    const axisAt = Math.min(low, Math.max(high, yScale(0))); // the x axis at y = 0, or at the edge
    svg.append("g").attr("transform", `translate(0,${axisAt})`).attr("class", "axis").call(d3.axisBottom(xScale).ticks(6));
    svg.append("g").attr("transform", `translate(${MARGIN.left},0)`).attr("class", "axis").call(d3.axisLeft(yScale).ticks(5));
    const curves = svg.append("g").attr("clip-path", `url(#${clip})`);
    curves.append("path").attr("class", "curve value").attr("d", line(value));
    curves.append("path").attr("class", "curve grad").attr("d", line(grad));
    svg.append("text").attr("class", "axis-label").attr("x", WIDTH - MARGIN.right).attr("y", HEIGHT - 4)
      .attr("text-anchor", "end").text(variable);
    const names = svg.append("text").attr("class", "axis-label").attr("x", MARGIN.left + 4).attr("y", 11);
    names.append("tspan").attr("class", "value").text(output);
    names.append("tspan").text("   ");
    names.append("tspan").attr("class", "grad").text(`∂${output}/∂${variable}`);
    if (typeof outputValue === "number" && here >= x[0] && here <= x[x.length - 1]) {
      svg.append("circle").attr("class", "here").attr("cx", xScale(here)).attr("cy", yScale(outputValue)).attr("r", 3.5);
    }
    this.container.replaceChildren(svg.node());
    this.container.dataset.points = String(x.filter((_, i) => defined(value[i])).length);
  }
}

let clipIds = 0;

// The y range of the finite values and 0; when a few points shoot off (1/x near 0) the middle 90% of
// them with a margin, so that the rest of the curve is not flattened (what leaves the box is clipped).
function yDomain(ys) {
  if (!ys.length) return [-1, 1];
  const sorted = [...ys, 0].sort((a, b) => a - b);
  const full = [sorted[0], sorted[sorted.length - 1]];
  const middle = [Math.min(0, d3.quantile(sorted, 0.05)), Math.max(0, d3.quantile(sorted, 0.95))];
  const wide = (range) => range[1] - range[0];
  if (!(wide(middle) > 0) || wide(full) <= 4 * wide(middle)) return full;
  const margin = wide(middle) / 2;
  return [Math.max(full[0], middle[0] - margin), Math.min(full[1], middle[1] + margin)];
}

// When some of the sweep is not finite: [start, stop] of the finite stretch around the current value
// (or the longest one), to sweep again; null when the sweep is finite throughout or nothing is.
function finiteStretch({ x, value }, here) {
  const ok = value.map((y) => y !== null && Number.isFinite(y));
  if (ok.every(Boolean)) return null;
  const runs = [];
  for (let i = 0; i < ok.length; i++) {
    if (!ok[i]) continue;
    let j = i;
    while (j + 1 < ok.length && ok[j + 1]) j++;
    runs.push([i, j]);
    i = j;
  }
  const around = runs.find(([i, j]) => x[i] <= here && here <= x[j]);
  const [i, j] = around ?? runs.sort((a, b) => (b[1] - b[0]) - (a[1] - a[0]))[0] ?? [0, -1];
  if (j - i + 1 < MIN_POINTS) return null;
  return [x[i], x[j]];
}
