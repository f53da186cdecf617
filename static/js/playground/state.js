// The playground's settings in the address, as TensorFlow Playground keeps them, so that a link
// reproduces a run: /playground?dataset=circle&layers=6&activation=tanh&lr=0.03&seed=1&play=1.
// The defaults and the choices come from the server (the page's data-config), never restated here.

const number = (text) => {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) ? value : undefined;
};
const integer = (text) => {
  const value = number(text);
  return Number.isInteger(value) ? value : undefined;
};
// "6" → [6], "4,4" → [4, 4], "" → [] (no hidden layer). A count of 0 passes: the server says what is wrong.
const layerList = (text) => {
  if (text.trim() === "") return [];
  const counts = text.split(",").map(integer);
  return counts.every((count) => count !== undefined) ? counts : undefined;
};
const word = (text) => text;

// [name in the address, the setting it fills, how to read it, what it must be (for the message)]
const PARAMS = [
  ["dataset", "dataset", word],
  ["noise", "noise", number, "pg.what_number"],
  ["train", "train_percent", number, "pg.what_number"],
  ["points", "points", integer, "pg.what_integer"],
  ["seed", "seed", integer, "pg.what_integer"],
  ["layers", "layers", layerList, "pg.what_layers"],
  ["activation", "activation", word],
  ["lr", "learning_rate", number, "pg.what_number"],
  ["batch", "batch_size", integer, "pg.what_integer"],
  ["l2", "l2", number, "pg.what_number"],
];
export const SPEEDS = [1, 3, 10]; // epochs a frame
export const DEFAULT_SPEED = 3;

// {settings, play, speed, problems: [{param, value, what}]} from the address, the defaults filling in.
export function readState(defaults, search = location.search) {
  const params = new URLSearchParams(search);
  const settings = { ...defaults, layers: [...defaults.layers] };
  const problems = [];
  for (const [param, key, read, what] of PARAMS) {
    if (!params.has(param)) continue;
    const value = read(params.get(param));
    if (value === undefined) problems.push({ param, value: params.get(param), what });
    else settings[key] = value;
  }
  const speed = Number(params.get("speed"));
  return { settings, play: params.get("play") === "1", speed: SPEEDS.includes(speed) ? speed : DEFAULT_SPEED, problems };
}

export function writeState({ settings, play, speed }) {
  const params = new URLSearchParams();
  for (const [param, key] of PARAMS) {
    const value = settings[key];
    params.set(param, Array.isArray(value) ? value.join(",") : String(value));
  }
  if (speed !== DEFAULT_SPEED) params.set("speed", String(speed));
  if (play) params.set("play", "1");
  const lang = new URLSearchParams(location.search).get("lang");
  if (lang) params.set("lang", lang);
  history.replaceState(null, "", `${location.pathname}?${params.toString().replaceAll("%2C", ",")}`);
}
