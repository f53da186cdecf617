// The playground's requests. The server trains, measures and draws the heat maps; it keeps nothing,
// so every request carries the settings and the current weights, and every answer the new ones.
import { postJson as post } from "../request.js";

// {settings, weights, epoch, steps, data} → {program, epoch, weights, history, extent, boundary, neurons, …}
export const trainEpochs = (request, signal) => post("/api/playground/step", request, signal);

// {settings, weights, subset, index} → {program, values}: one point's forward and backward pass.
export const sampleProgram = (request) => post("/api/playground/sample", request);
