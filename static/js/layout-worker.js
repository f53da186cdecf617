// Graphviz's dot, compiled to WebAssembly, laying out in a worker so the page stays responsive:
// DOT texts in (one per row of the drawing), Graphviz's "plain" geometry out.
import { Graphviz } from "../vendor/graphviz/graphviz.js";

const graphviz = Graphviz.load();

onmessage = async ({ data: { id, dots } }) => {
  try {
    const dot = await graphviz;
    postMessage({ id, plains: dots.map((text) => dot.dot(text, "plain")) });
  } catch (error) {
    postMessage({ id, error: String(error) });
  }
};
