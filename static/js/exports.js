// The export buttons: the drawing as SVG or PNG, the answer as JSON, the DOT text, a link and a curl command.
import { curlCommand, fetchDot } from "./api.js";
import { language, t } from "./i18n.js";
import { shareLink } from "./state.js";
import { status } from "./status.js";

function download(name, blob) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// A text on the clipboard, or in a prompt to copy by hand where the browser refuses.
export async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    status(t("export.copied", { what }));
  } catch {
    window.prompt(t("export.copy_prompt", { what: language() === "en" ? what.toLowerCase() : what }), text);
  }
}

function pngOf(svgText, paper) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const scale = 2; // crisp on a projector
      const canvas = document.createElement("canvas");
      canvas.width = image.width * scale;
      canvas.height = image.height * scale;
      const context = canvas.getContext("2d");
      context.fillStyle = paper || "white"; // the theme's paper
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG failed"))), "image/png");
    };
    image.onerror = () => reject(new Error("the SVG could not be drawn"));
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText);
  });
}

// view: the GraphView; getGraph(): the graph on screen; getState(): {program, values, ...link settings};
// options(): the teaching modes' request options (the DOT text is asked for with them).
export function installExports({ view, getGraph, getState, options }) {
  const paper = () => getComputedStyle(view.container).backgroundColor;
  const exports = {
    svg: () => download("graph.svg", new Blob([view.svgForExport()], { type: "image/svg+xml" })),
    png: async () => download("graph.png", await pngOf(view.svgForExport(), paper())),
    json: () => download("graph.json", new Blob([JSON.stringify(getGraph(), null, 1)], { type: "application/json" })),
    // The DOT text is asked for when it is wanted, not with every answer.
    dot: async () => {
      const { program, values } = getState();
      download("graph.dot", new Blob([await fetchDot(program, values, options())], { type: "text/vnd.graphviz" }));
    },
    link: () => copy(shareLink(getState()), t("export.link_what")),
    curl: () => copy(curlCommand(getState().program, getState().values), t("export.curl_what")),
  };
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => getGraph() && exports[button.dataset.export]());
  }
}
