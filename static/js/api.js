// The one module that talks to the server. Everything the page shows comes from these answers.
import { pick, t } from "./i18n.js";
import { readNonFinite } from "./format.js";

// An error the API answered. Its message is read in the page's language whenever it is shown.
export class ApiError extends Error {
  constructor(status, detail) {
    super();
    this.status = status;
    this.detail = detail; // {kind, message, message_zh, line, column}
  }

  get message() {
    return errorMessage(this.detail);
  }
}

// An error's sentence in the page's language: the API writes each in English and Chinese. A request the API
// could not read (a 422: pydantic's list of problems, in English) is said by the page, with pydantic's words.
export function errorMessage(detail) {
  if (detail.problems !== undefined) return t("error.unreadable", { problems: detail.problems });
  return pick({ en: detail.message, zh: detail.message_zh });
}

// An error answer's detail: the API's own, or one made for a request it could not read.
export function errorDetail(body) {
  if (body.detail && typeof body.detail === "object" && !Array.isArray(body.detail)) return body.detail;
  const problems = Array.isArray(body.detail)
    ? body.detail.map(({ loc, msg }) => `${loc.slice(1).join(".")}: ${msg}`).join("; ") : String(body.detail);
  return { kind: "request", problems, line: null, column: null };
}

async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

export const fetchOps = () => getJson("/api/ops");
export const fetchExamples = () => getJson("/api/examples");

// What the page asks for: every input without a value gets 1 so anything typed draws at once, and
// values of names the program now computes are ignored. options: only what is shown needs asking for
// (narrate, local, check, unfold, dot); the page lays the drawing out itself.
export function graphRequest(program, values, options = {}) {
  return { expression: program, values, default_value: 1, strict: false, ...options };
}

export async function computeGraph(program, values, options = {}) {
  const response = await fetch("/api/graph", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(graphRequest(program, values, options)),
  });
  const body = await response.json();
  if (response.ok) return readNonFinite(body); // +∞, -∞ and NaN where the JSON has null and says which
  throw new ApiError(response.status, errorDetail(body));
}

// The drawing as Graphviz DOT text (for the DOT download), for the same program and values.
export async function fetchDot(program, values, options = {}) {
  return (await computeGraph(program, values, { ...options, dot: true })).dot;
}

export async function sweep(program, values, variable, start, stop) {
  const response = await fetch("/api/sweep", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ expression: program, values, variable, start, stop, num: 201, default_value: 1, strict: false }),
  });
  const body = await response.json();
  if (!response.ok) throw new ApiError(response.status, errorDetail(body));
  return body;
}

// Gradient descent on the server: `steps` updates of `params`; answers the loss before and after each step,
// the parameters' new values and their gradients there, and the last step's update said with its numbers.
// sgd: {data, batch_size, seed} for Nielsen's mini-batches (firstStep: the steps of the run already taken).
// `signal` lets Stop abort a request in flight.
export async function train({ program, values, params, learningRate, steps, firstStep = 0, sgd = null }, signal) {
  const response = await fetch("/api/train", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ expression: program, values, params, learning_rate: learningRate, steps, default_value: 1,
      updates: "last", first_step: firstStep, ...sgd }),
    signal,
  });
  const body = await response.json();
  if (response.ok) return body;
  throw new ApiError(response.status, errorDetail(body));
}

export function curlCommand(program, values) {
  const body = JSON.stringify({ expression: program, values });
  const quoted = "'" + body.replaceAll("'", "'\\''") + "'";
  return `curl -s ${location.origin}/api/graph -H 'content-type: application/json' -d ${quoted}`;
}
