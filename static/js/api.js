// The one module that talks to the server. Everything the page shows comes from these answers.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail.message);
    this.status = status;
    this.detail = detail; // {kind, message, line, column}
  }
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
  if (response.ok) return body;
  if (response.status === 422) {
    throw new ApiError(422, { kind: "request", message: JSON.stringify(body.detail), line: null, column: null });
  }
  throw new ApiError(response.status, body.detail);
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
  if (!response.ok) throw new ApiError(response.status, body.detail);
  return body;
}

// Gradient descent on the server: `steps` updates of `params`; answers the loss before and after each step,
// the parameters' new values and their gradients there. `signal` lets Stop abort a request in flight.
export async function train({ program, values, params, learningRate, steps }, signal) {
  const response = await fetch("/api/train", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ expression: program, values, params, learning_rate: learningRate, steps, default_value: 1 }),
    signal,
  });
  const body = await response.json();
  if (response.ok) return body;
  const detail = typeof body.detail === "object" && !Array.isArray(body.detail)
    ? body.detail : { kind: "request", message: JSON.stringify(body.detail), line: null, column: null };
  throw new ApiError(response.status, detail);
}

export function curlCommand(program, values) {
  const body = JSON.stringify({ expression: program, values });
  const quoted = "'" + body.replaceAll("'", "'\\''") + "'";
  return `curl -s ${location.origin}/api/graph -H 'content-type: application/json' -d ${quoted}`;
}
