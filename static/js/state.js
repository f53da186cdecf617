// The page's state in the URL, so that a link reproduces the graph, and in localStorage,
// so that nothing typed is lost on a reload.

const STORAGE_KEY = "backprop-lab-state";

function serialize({ program, values }) {
  const params = new URLSearchParams();
  params.set("program", program);
  if (Object.keys(values).length) params.set("values", JSON.stringify(values));
  return params.toString();
}

function deserialize(text) {
  const params = new URLSearchParams(text);
  if (!params.has("program")) return null;
  let values = {};
  try {
    values = JSON.parse(params.get("values") || "{}");
  } catch {
    values = {};
  }
  return { program: params.get("program"), values };
}

export function readState() {
  return deserialize(location.hash.slice(1)) ?? deserialize(localStorage.getItem(STORAGE_KEY) ?? "");
}

export function writeState(state) {
  const text = serialize(state);
  history.replaceState(null, "", "#" + text);
  localStorage.setItem(STORAGE_KEY, text);
}

export function shareLink(state) {
  return `${location.origin}${location.pathname}#${serialize(state)}`;
}
