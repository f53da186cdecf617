// Colours and theme: the palette (the course notes' green/red, or the Okabe–Ito blue/orange that
// colour-blind readers tell apart) and light/dark. Both are attributes on <html>; style.css maps them
// to the colour variables every drawing and panel uses, so a switch is instant and redraws nothing.
// Chosen once, remembered in localStorage; ?palette=safe&theme=dark in the address set them too.

const PALETTES = ["cs231n", "safe"];
const THEMES = ["system", "light", "dark"];
const PALETTE_KEY = "backprop-lab-palette";
const THEME_KEY = "backprop-lab-theme";

const listeners = [];
const darkQuery = window.matchMedia?.("(prefers-color-scheme: dark)");

let currentPalette = initial("palette", PALETTE_KEY, PALETTES);
let currentTheme = initial("theme", THEME_KEY, THEMES);

function initial(param, key, allowed) {
  const fromUrl = new URLSearchParams(location.search).get(param);
  if (allowed.includes(fromUrl)) return fromUrl;
  const stored = localStorage.getItem(key);
  return allowed.includes(stored) ? stored : allowed[0];
}

export function palette() {
  return currentPalette;
}

export function theme() {
  return currentTheme;
}

// "light" or "dark": what the theme is now, the system's choice resolved.
export function resolvedTheme() {
  if (currentTheme !== "system") return currentTheme;
  return darkQuery?.matches ? "dark" : "light";
}

// Gradients carry a marker besides their colour and their place below the wire: in the colour-blind
// safe palette every gradient number on a wire starts with ∇ (gradients are italic in every palette).
export function gradientMarker() {
  return currentPalette === "safe" ? "∇" : "";
}

export function setPalette(name) {
  if (!PALETTES.includes(name)) return;
  currentPalette = name;
  localStorage.setItem(PALETTE_KEY, name);
  apply();
}

export function setTheme(name) {
  if (!THEMES.includes(name)) return;
  currentTheme = name;
  localStorage.setItem(THEME_KEY, name);
  apply();
}

// listener({palette, theme}) after every change.
export function onThemeChange(listener) {
  listeners.push(listener);
}

function apply() {
  const root = document.documentElement;
  root.dataset.palette = currentPalette;
  root.dataset.theme = resolvedTheme();
  for (const select of document.querySelectorAll("#palette")) select.value = currentPalette;
  for (const select of document.querySelectorAll("#theme")) select.value = currentTheme;
  for (const listener of listeners) listener({ palette: currentPalette, theme: resolvedTheme() });
}

// Wire the two selects in the header; call once the page is there.
export function installThemeControls() {
  document.querySelector("#palette")?.addEventListener("change", (event) => setPalette(event.target.value));
  document.querySelector("#theme")?.addEventListener("change", (event) => setTheme(event.target.value));
  darkQuery?.addEventListener?.("change", () => currentTheme === "system" && apply());
  apply();
}

// Applied at once on import, before anything is drawn, so the page never flashes the wrong colours.
document.documentElement.dataset.palette = currentPalette;
document.documentElement.dataset.theme = resolvedTheme();
