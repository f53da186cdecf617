// The reading modes, wired in one place so main.js only calls installModes and modes.update:
// language switch, palette and theme, keyboard moves between nodes, the table of every node, and
// presenter mode with its link.
import { language, onLanguageChange, setLanguage, t, translatePage } from "./i18n.js";
import { elementOf, NodeKeys } from "./keyboard.js";
import { Presenter } from "./presenter.js";
import { NodeSearch } from "./search.js";
import { shareLink } from "./state.js";
import { TableView } from "./table-view.js";
import { installThemeControls, onThemeChange } from "./theme.js";

const $ = (selector) => document.querySelector(selector);

// view: the GraphView; getGraph(), getState() read the page; onRelabel() redraws
// every text the page builds itself; copy(text, what) puts a text on the clipboard.
export function installModes({ view, getGraph, getState, onRelabel, copy }) {
  translatePage();
  installLanguageSwitch();
  installThemeControls();
  const table = new TableView($("#table-view"), $("#table-toggle"), { onToggle: () => view.fit() });
  const keys = new NodeKeys(view, getGraph, { onEnter: (id) => openDetails(getGraph(), id) });
  installSkipLink(view);
  const search = new NodeSearch($("#node-search"), $("#search-matches"), { getGraph, go: (id) => goTo(view, id) });
  const presenter = new Presenter({ onChange: () => view.fit() });
  $("#present").addEventListener("click", () => presenter.toggle());
  installOverviewKey(view);
  $("#copy-presenter-link").addEventListener("click", () => {
    copy(shareLink({ ...getState(), present: true }), t("export.presenter_what"));
  });
  const redrawNumbers = () => {
    const graph = getGraph();
    if (!graph || !view.svg) return;
    const dimmed = view.container.classList.contains("stale");
    view.update(graph, { flash: false }); // wire texts and titles: the ∇ marker, the language
    view.setDimmed(dimmed);
  };
  onThemeChange(redrawNumbers);
  onLanguageChange(() => {
    redrawNumbers();
    view.relabel();
    table.render();
    search.relabel();
    onRelabel();
  });
  if (Presenter.requestedByUrl()) presenter.enter({ fullscreen: false });
  // A presenter link pasted into the address bar of an open page.
  window.addEventListener("hashchange", () => Presenter.requestedByUrl() && presenter.enter({ fullscreen: false }));
  return {
    table,
    presenter,
    // After every answer on screen (new numbers).
    update(graph, opsByName) {
      table.update(graph, opsByName);
    },
    // After every new drawing.
    drawn() {
      keys.update();
    },
  };
}

function installLanguageSwitch() {
  const buttons = document.querySelectorAll("[data-lang]");
  const mark = () => buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === language())));
  buttons.forEach((button) => button.addEventListener("click", () => setLanguage(button.dataset.lang)));
  onLanguageChange(mark);
  mark();
}

// Enter on a node: its details are already in the panel (focus shows them); move the focus there so a
// screen reader reads them, unless the node is an array (its dialog opens) or the panel is hidden.
function openDetails(graph, id) {
  const node = graph?.nodes[id];
  const panel = $("#details");
  if (!node || node.shape.length || !panel || panel.offsetParent === null) return;
  panel.tabIndex = -1;
  panel.dataset.returnTo = document.activeElement?.id ?? "";
  panel.focus();
}


// The skip link: past the page's controls straight to the drawing's node that has the tab stop.
function installSkipLink(view) {
  $(".skip-link")?.addEventListener("click", (event) => {
    event.preventDefault(); // the address's #hash is the page's state, not a place
    view.svg?.querySelector('g.node[tabindex="0"]')?.focus();
  });
}

// A node found by its name: in view, at a readable size; focused (its card opens) and marked for a moment.
function goTo(view, id) {
  view.bringIntoView(id);
  view.ensureNode(id);
  const element = elementOf(view.svg, id);
  if (!element) return;
  element.focus({ preventScroll: true });
  element.classList.add("found");
  setTimeout(() => element.classList.remove("found"), 1500);
}

// "o": the whole drawing at once, however small (in presenter mode the numbers otherwise stay large and the
// view follows the stepping); "o" again: back to the readable view.
function installOverviewKey(view) {
  let whole = false;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "o" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    whole = !whole;
    if (whole) view.fitWhole();
    else view.fit();
  });
}
