// The gradient check panel: for every input the analytic gradient, the numerical one, their relative
// error and the API's verdict on it (CS231n's thresholds), kinks flagged; and Andrew Ng's nudge story
// for every node (an array at its first element), intermediate steps first. Every number and every verdict
// comes from the API ("check": true).
import { formatNumber, formatValue } from "./format.js";
import { pick, t } from "./i18n.js";

const VERDICT_MARKS = { excellent: "✔✔", good: "✔", suspect: "?", wrong: "✘" }; // told apart without colour too
const COMPARED_DECIMALS = 6; // so that analytic and numerical visibly agree (or not) beyond the drawing's two

export function renderCheck(container, graph) {
  if (!graph.check) {
    container.replaceChildren(note(t("teach.check.missing")));
    return;
  }
  const parts = [checkTable(graph), kinks(graph), nudges(graph)];
  container.replaceChildren(...parts.filter(Boolean));
}

function checkTable(graph) {
  const table = document.createElement("table");
  table.className = "check-table";
  table.createCaption().textContent = t("teach.check.caption");
  const head = table.createTHead().insertRow();
  for (const key of ["input", "analytic", "numerical", "error", "verdict"]) {
    const th = document.createElement("th");
    th.textContent = t(`teach.check.${key}`);
    head.append(th);
  }
  const body = table.createTBody();
  for (const [name, report] of Object.entries(graph.check)) {
    const node = graph.nodes.find((n) => n.op === "input" && n.name === name);
    const shape = node?.shape ?? [];
    const row = body.insertRow();
    row.dataset.input = name;
    cell(row, name, "name");
    cell(row, formatValue(graph.gradients[name], shape, COMPARED_DECIMALS), "grad");
    cell(row, formatValue(report.numerical, shape, COMPARED_DECIMALS), "numerical");
    cell(row, formatNumber(report.max_relative_error), "error");
    const verdict = row.insertCell();
    verdict.className = `verdict verdict-${report.verdict ?? "unknown"}`;
    verdict.textContent = report.verdict
      ? `${VERDICT_MARKS[report.verdict] ?? ""} ${t(`teach.check.verdict.${report.verdict}`)}`.trim() : "—";
    if (report.kink) {
      const flag = document.createElement("span");
      flag.className = "kink";
      flag.textContent = ` ⚠ ${t("teach.check.kink")}`;
      flag.title = t("teach.check.kink_title");
      verdict.append(flag);
    }
  }
  return table;
}

function kinks(graph) {
  const list = graph.check_kinks ?? [];
  if (!list.length) return null;
  const ul = document.createElement("ul");
  ul.className = "check-kinks";
  for (const kink of list) {
    const li = document.createElement("li");
    li.textContent = `⚠ ${pick(kink.message)}`;
    li.dataset.node = kink.node;
    ul.append(li);
  }
  return ul;
}

// Andrew Ng's nudge of every node, the steps first as the notes take them: "nudge v from 11 to 11.001 →
// J goes from 33 to 33.003: change 0.003 ≈ ∂J/∂v × 0.001 = 3 × 0.001 = 0.003"; an array at its first element
// (the API's element: "nudge W[0, 0], the first element of W, …"). An older answer without check_nudges has the
// inputs' nudges only.
function nudges(graph) {
  const stories = graph.check_nudges ?? Object.entries(graph.check).filter(([, report]) => report.nudge)
    .map(([name, report]) => ({ name, ...report.nudge, grad: graph.gradients[name], value: null }));
  if (!stories.length) return null;
  const output = graph.nodes[graph.output];
  const out = output?.name ?? t("teach.check.the_output");
  const wrapper = document.createElement("div");
  wrapper.className = "nudges";
  const title = document.createElement("p");
  title.className = "nudge-title";
  title.textContent = t("teach.check.nudge_title");
  const ul = document.createElement("ul");
  for (const story of stories) {
    const { name, value, step, before, after, change, predicted, grad } = story;
    const decimals = decimalsToShow(change, step);
    const li = document.createElement("li");
    if (story.node !== undefined) li.dataset.node = story.node;
    if (graph.check[name]) li.dataset.input = name;
    const numbers = {
      name, out, step: formatNumber(step, decimals),
      before: formatNumber(before, decimals), after: formatNumber(after, decimals),
      change: formatNumber(change, decimals), grad: formatNumber(grad),
      predicted: formatNumber(predicted, decimals),
    };
    const moved = { value: formatNumber(value, decimals), moved: formatNumber(value + step, decimals) };
    if (story.element) li.dataset.element = story.element.join(",");
    li.textContent = value === null || value === undefined ? t("teach.check.nudge", numbers)
      : story.element
        ? t("teach.check.nudge_element", { ...numbers, ...moved, element: elementOf(name, story.element) })
        : t("teach.check.nudge_node", { ...numbers, ...moved });
    ul.append(li);
  }
  wrapper.append(title, ul);
  return wrapper;
}

// An array's nudged element as the notes index it: W[0, 0], (W @ x)[0] (a step's expression in brackets).
function elementOf(name, element) {
  return `${/\s/.test(name) ? `(${name})` : name}[${element.join(", ")}]`;
}

// Enough decimals for the change to show two significant digits (at least as many as the step has).
function decimalsToShow(change, step) {
  const stepDigits = Math.max(0, Math.ceil(-Math.log10(Math.abs(step) || 1)));
  if (change === null || !Number.isFinite(change) || change === 0) return stepDigits;
  return Math.min(12, Math.max(stepDigits, Math.ceil(-Math.log10(Math.abs(change)) - 1e-9)));
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function note(text) {
  const p = document.createElement("p");
  p.className = "hint";
  p.textContent = text;
  return p;
}
