// The one module that talks to the server. Everything the page shows comes from these answers.
import { readNonFinite } from "./format.js";
import { getJson, postJson } from "./request.js";

export { ApiError, errorDetail, errorMessage } from "./request.js";

export const fetchOps = () => getJson("/api/ops");
export const fetchExamples = () => getJson("/api/examples");

// The graph request's options as the server declares them (GET /api/options): name, type, default, description,
// the stages each asks for, whether it shapes the graph, whether it adds numbers to the answer. Read once.
let declared = null;
const declaredOptions = getJson("/api/options").then((list) => (declared = list));
export const graphOptions = () => declaredOptions;

// What the page asks for: every input without a value gets 1 so anything typed draws at once, and
// values of names the program now computes are ignored. options: only what is shown needs asking for
// (see /api/options); the page lays the drawing out itself. A name the server does not declare is the
// page's mistake, said at once rather than answered 422.
export function graphRequest(program, values, options = {}) {
  const request = { expression: program, values, default_value: 1, strict: false, ...options };
  const unknown = declared && Object.keys(options).filter((name) => !declared.some((option) => option.name === name));
  if (unknown?.length) throw new Error(`not a graph request option: ${unknown.join(", ")}`);
  return request;
}

// What identifies a drawing's structure: the program and the options that shape its graph (unfold, …).
export function structureKey(program, options = {}) {
  const request = graphRequest(program, {}, options);
  const shaping = (declared ?? []).filter((option) => option.shapes_graph);
  return JSON.stringify([program, ...shaping.map(({ name, default: byDefault }) => request[name] ?? byDefault)]);
}

// A plain answer (no option that adds to it was asked) by the structure it was computed for: its program,
// the options that shape its graph, and the names and shapes of the values given (what the server keys its
// kept graphs by). Another request with the same structure needs only the numbers.
const plainAnswers = new WeakMap();
const shapeOf = (value) => (Array.isArray(value) ? [value.length, ...shapeOf(value[0])] : []);

function structureOfRequest(program, values, options) {
  const given = Object.keys(values).sort().map((name) => [name, shapeOf(values[name])]);
  return JSON.stringify([structureKey(program, options), given]);
}

const addsToAnswer = (options) => declared.some((option) => option.adds_to_answer && options[option.name]);

// The graph of the program and values: the whole answer, or, when `shown` (the graph on screen) is a plain
// answer of the same structure, its numbers alone (numbers_only) written into a copy of it.
export async function computeGraph(program, values, options = {}, shown = null) {
  await declaredOptions;
  const plain = !addsToAnswer(options);
  const structure = plain ? structureOfRequest(program, values, options) : null;
  if (plain && shown && plainAnswers.get(shown) === structure) {
    const numbers = await postJson("/api/graph", graphRequest(program, values, { ...options, numbers_only: true }));
    // A number that is not finite is null in JSON, its kind said on the whole answer's node: ask for that.
    if (numbers.values.length === shown.nodes.length && numbers.wire_grads.length === shown.edges.length &&
        !numbers.warnings.length) {
      const graph = withNumbers(shown, numbers);
      plainAnswers.set(graph, structure);
      return graph;
    }
  }
  // +∞, -∞ and NaN where the JSON has null and says which.
  const graph = readNonFinite(await postJson("/api/graph", graphRequest(program, values, options)));
  if (plain) plainAnswers.set(graph, structure);
  return graph;
}

// A copy of a graph with the numbers of another answer of the same structure (see GraphNumbers in /docs).
function withNumbers(graph, numbers) {
  const { values, grads, wire_grads: wireGrads } = numbers;
  const nodes = graph.nodes.map((node, id) => ({ ...node, value: values[id], grad: grads[id] }));
  const edges = graph.edges.map((edge, k) => ({ ...edge, value: edge.elided ? null : values[edge.source],
    grad: wireGrads[k] }));
  const inputs = new Map(graph.nodes.filter((node) => node.op === "input").map((node) => [node.name, node.id]));
  const gradients = Object.fromEntries(Object.keys(graph.gradients).map((name) => [name, grads[inputs.get(name)]]));
  return { ...graph, value: numbers.value, gradients, nodes, edges, warnings: numbers.warnings };
}

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
