// The one module that talks to the server. Everything the page shows comes from these answers.
import { getJson, postJson } from "./request.js";

export { ApiError, errorDetail, errorMessage } from "./request.js";

export const fetchOps = () => getJson("/api/ops");
export const fetchExamples = () => getJson("/api/examples");

// What the page asks for: every input without a value gets 1 so anything typed draws at once, and
// values of names the program now computes are ignored. options: only what is shown needs asking for
// (narrate, local, check, unfold, dot); the page lays the drawing out itself.
export function graphRequest(program, values, options = {}) {
  return { expression: program, values, default_value: 1, strict: false, ...options };
}

export const computeGraph = (program, values, options = {}) =>
  postJson("/api/graph", graphRequest(program, values, options));

// The drawing as Graphviz DOT text (for the DOT download), for the same program and values.
export async function fetchDot(program, values, options = {}) {
  return (await computeGraph(program, values, { ...options, dot: true })).dot;
}

export const sweep = (program, values, variable, start, stop) => postJson("/api/sweep",
  { expression: program, values, variable, start, stop, num: 201, default_value: 1, strict: false });

// Gradient descent on the server: `steps` updates of `params`; answers the loss before and after each step,
// the parameters' new values and their gradients there, and the last step's update said with its numbers.
// sgd: {data, batch_size, seed} for Nielsen's mini-batches (firstStep: the steps of the run already taken).
// `signal` lets Stop abort a request in flight.
export const train = ({ program, values, params, learningRate, steps, firstStep = 0, sgd = null }, signal) =>
  postJson("/api/train", { expression: program, values, params, learning_rate: learningRate, steps, default_value: 1,
    updates: "last", first_step: firstStep, ...sgd }, signal);

export function curlCommand(program, values) {
  const body = JSON.stringify({ expression: program, values });
  const quoted = "'" + body.replaceAll("'", "'\\''") + "'";
  return `curl -s ${location.origin}/api/graph -H 'content-type: application/json' -d ${quoted}`;
}
