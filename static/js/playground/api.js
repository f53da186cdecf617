// The playground's requests. The server trains, measures and draws the heat maps; it keeps nothing,
// so every request carries the settings and the current weights, and every answer the new ones.
import { ApiError } from "../api.js";

async function post(path, body, signal) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  const answer = await response.json();
  if (response.ok) return answer;
  const detail = typeof answer.detail === "object" && !Array.isArray(answer.detail)
    ? answer.detail : { kind: "request", message: JSON.stringify(answer.detail), line: null, column: null };
  throw new ApiError(response.status, detail);
}

// {settings, weights, epoch, steps, data} → {program, epoch, weights, history, extent, boundary, neurons, …}
export const trainEpochs = (request, signal) => post("/api/playground/step", request, signal);

// {settings, weights, subset, index} → {program, values}: one point's forward and backward pass.
export const sampleProgram = (request) => post("/api/playground/sample", request);
