// Graphviz's dot, compiled to WebAssembly, laying out in a worker so the page stays responsive.
import { Graphviz } from "../vendor/graphviz/graphviz.js";

const graphviz = Graphviz.load();

onmessage = async ({ data: { id, dot } }) => {
  try {
    postMessage({ id, svg: (await graphviz).dot(dot, "svg") });
  } catch (error) {
    postMessage({ id, error: String(error) });
  }
};
