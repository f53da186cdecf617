// The reading modes, wired in one place so main.js only calls installModes and modes.update:
// language switch, palette and theme, keyboard moves between nodes, the table of every node, and
// presenter mode with its link.
import { language, onLanguageChange, setLanguage, t, translatePage } from "./i18n.js";
import { NodeKeys } from "./keyboard.js";
import { Presenter } from "./presenter.js";
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
  returnFromDetailsOnEscape();
  const presenter = new Presenter({ onChange: () => view.fit() });
  $("#present").addEventListener("click", () => presenter.toggle());
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

function returnFromDetailsOnEscape() {
  $("#details")?.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const back = event.currentTarget.dataset.returnTo;
    const node = back && document.getElementById(back);
    if (node) {
      event.stopPropagation();
      node.focus();
    }
  });
}
