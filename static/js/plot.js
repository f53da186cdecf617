// The output and its gradient against one input, as the notes plot σ and σ′: both curves come from
// /api/sweep; the dot marks the input's current value.
import { sweep } from "./api.js";

const d3 = window.d3;
const WIDTH = 360;
const HEIGHT = 190;
const MARGIN = { top: 10, right: 12, bottom: 24, left: 40 };

export class Plot {
  constructor(container, select, { onError }) {
    this.container = container;
    this.select = select;
    this.onError = onError;
    this.request = 0;
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
    const mine = ++this.request;
    try {
      const curve = await sweep(program, values, variable, here - span, here + span);
      if (mine === this.request) this.draw(curve, here, graph.value);
    } catch (error) {
      if (mine === this.request) this.onError(error);
    }
  }

  draw({ variable, x, value, grad }, here, output) {
    const finite = [...value, ...grad, 0].filter((y) => y !== null && Number.isFinite(y));
    const xScale = d3.scaleLinear().domain([x[0], x[x.length - 1]]).range([MARGIN.left, WIDTH - MARGIN.right]);
    const yScale = d3.scaleLinear().domain(d3.extent(finite)).nice().range([HEIGHT - MARGIN.bottom, MARGIN.top]);
    const line = (ys) => d3.line().defined((_, i) => ys[i] !== null).x((_, i) => xScale(x[i])).y((_, i) => yScale(ys[i]))(x);
    const svg = d3.create("svg").attr("viewBox", `0 0 ${WIDTH} ${HEIGHT}`).attr("class", "plot")
      .attr("role", "img").attr("aria-label", `the output and its gradient against ${variable}`);
    svg.append("g").attr("transform", `translate(0,${yScale(0)})`).attr("class", "axis").call(d3.axisBottom(xScale).ticks(6));
    svg.append("g").attr("transform", `translate(${MARGIN.left},0)`).attr("class", "axis").call(d3.axisLeft(yScale).ticks(5));
    svg.append("path").attr("class", "curve value").attr("d", line(value));
    svg.append("path").attr("class", "curve grad").attr("d", line(grad));
    if (typeof output === "number") {
      svg.append("circle").attr("class", "here").attr("cx", xScale(here)).attr("cy", yScale(output)).attr("r", 3.5);
    }
    this.container.replaceChildren(svg.node());
  }
}
