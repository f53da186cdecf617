// The interface in every language of the catalogs (app/words/catalogs/<language>.toml, their [page] table),
// which the server writes into the page (templates: <html data-words="…">). Every
// string the page shows is looked up here by key, with t(); the language is switchable and remembered.
// Text the API writes (gate sentences, narration, preset titles) comes from the same catalogs, by language
// code, in every answer: pick() takes the page's language.

const STORAGE_KEY = "backprop-lab-language";
const ENGLISH = "en";

export const STRINGS = JSON.parse(document.documentElement.dataset.words);
const LANGUAGES = Object.keys(STRINGS);

let current = initialLanguage();
const listeners = [];

function initialLanguage() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (LANGUAGES.includes(fromUrl)) return fromUrl;
  const stored = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(stored)) return stored;
  const browser = (navigator.language ?? "").toLowerCase();
  return LANGUAGES.find((code) => browser === code || browser.startsWith(`${code}-`)) ?? ENGLISH;
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang) || lang === current) return;
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  translatePage();
  for (const listener of listeners) listener(lang);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

// t("key", {name: "a"}) → the string in the current language with {name} filled in; English if missing.
// A count of 1 takes the key's singular form, "key.one", where there is one ("1 step", not "1 steps").
export function t(key, params = {}) {
  if (params.count === 1 && `${key}.one` in STRINGS[ENGLISH]) key = `${key}.one`;
  const template = STRINGS[current][key] ?? STRINGS[ENGLISH][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// Of a text the API sent by language code ({en, zh, …}), the one in the current language.
export function pick(texts) {
  if (texts == null || typeof texts === "string") return texts ?? "";
  return texts[current] ?? texts[ENGLISH] ?? "";
}

// Elements marked data-i18n="key" get their text (the <title> too), data-i18n-title their title,
// data-i18n-aria their aria-label, data-i18n-placeholder their placeholder.
export function translatePage(root = document) {
  document.documentElement.lang = t("language.tag");
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll("[data-i18n-title]")) element.title = t(element.dataset.i18nTitle);
  for (const element of root.querySelectorAll("[data-i18n-aria]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nAria));
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
}
