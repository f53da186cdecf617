// The page's state in the URL, so that a link reproduces the graph, and in localStorage,
// so that nothing typed is lost on a reload.

const STORAGE_KEY = "backprop-lab-state";

// Presenter mode rides along in the link while it is on (presenter.js sets it), so a copied link
// opens straight into it; state.present overrides it for the "presenter link" button.
const flags = { present: false, quiz: false, reveal: null };
export function setPresentFlag(on) {
  flags.present = on;
}

// Quiz mode rides along the same way (quiz.js sets it): quiz=1, and reveal=forward when the forward values
// are questions too, so a copied link is an exercise to hand out.
export function setQuizFlags({ quiz, reveal }) {
  flags.quiz = quiz;
  flags.reveal = reveal;
}

function serialize({ program, values, unfold, present, quiz, reveal }) {
  const params = new URLSearchParams();
  params.set("program", program);
  if (Object.keys(values).length) params.set("values", JSON.stringify(values));
  if (unfold) params.set("unfold", "1"); // compound gates drawn as their primitives
  if (present ?? flags.present) params.set("present", "1");
  if (quiz ?? flags.quiz) params.set("quiz", "1");
  if ((quiz ?? flags.quiz) && (reveal ?? flags.reveal)) params.set("reveal", reveal ?? flags.reveal);
  return params.toString();
}

// Anyone can write a link: keep only values that are numbers or nested lists of numbers, so that a bad one
// (a string, null, an object) cannot make every later request fail.
function onlyNumbers(parsed) {
  const isValue = (value) => typeof value === "number" || (Array.isArray(value) && value.every(isValue));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => isValue(value)));
}

const LINK_SETTINGS = new Set(["program", "values", "unfold", "present", "quiz", "reveal", "lang"]);

function deserialize(text) {
  const params = new URLSearchParams(text);
  if (!params.has("program")) return null;
  let values = {};
  try {
    values = onlyNumbers(JSON.parse(params.get("values") || "{}"));
  } catch {
    values = {};
  }
  // A link written by hand may give values as the API's GET form takes them: #program=3*(a+b*c)&a=5&b=3.
  for (const [name, text] of params) {
    if (LINK_SETTINGS.has(name) || name in values) continue;
    try {
      Object.assign(values, onlyNumbers({ [name]: JSON.parse(text) }));
    } catch {
      // not a number: ignored, as a bad value in "values" is
    }
  }
  return { program: params.get("program"), values, unfold: params.get("unfold") === "1",
    present: params.get("present") === "1", quiz: params.get("quiz") === "1", reveal: params.get("reveal") };
}

export function readState() {
  return deserialize(location.hash.slice(1)) ?? deserialize(localStorage.getItem(STORAGE_KEY) ?? "");
}

// Rewriting the address costs the browser time in proportion to its length (a tenth of a second for a
// program of a thousand nodes): a long program is kept in local storage only, and Copy link writes
// the whole link when it is asked for.
const MAX_ADDRESS_STATE = 4000;

export function writeState(state) {
  const text = serialize(state);
  localStorage.setItem(STORAGE_KEY, text);
  if (text.length <= MAX_ADDRESS_STATE) history.replaceState(null, "", "#" + text);
  else if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}

export function shareLink(state) {
  return `${location.origin}${location.pathname}#${serialize(state)}`;
}

// A link to this page from another (the playground opens one sample's graph with it).
export function pageLink(state) {
  return `${location.origin}/#${serialize(state)}`;
}

// The program and values in the address and local storage. Rewriting the address takes the browser
// milliseconds, so while only values change (a slider dragged) it is done once they rest, or when the page is
// left. getState(): {program, values, ...link settings} now.
const STATE_PAUSE_MS = 300;

export class StateSaver {
  constructor(getState) {
    this.getState = getState;
    this.timer = null;
    this.written = null; // the program and options last written (the link without its values)
    window.addEventListener("pagehide", () => this.timer && this.save());
  }

  unvalued() {
    return shareLink({ ...this.getState(), values: {} });
  }

  save() {
    clearTimeout(this.timer);
    this.timer = null;
    this.written = this.unvalued();
    writeState(this.getState());
  }

  soon() {
    if (this.unvalued() !== this.written) return this.save();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), STATE_PAUSE_MS);
  }
}
