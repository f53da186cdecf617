// The program editor: a textarea over a backdrop that mirrors its text, so an error can be
// underlined at its line and column.
import { errorMessage } from "./api.js";
import { onLanguageChange, t } from "./i18n.js";

export class Editor {
  // onReplaced(): the whole text was replaced by another (typed or pasted over a selection of all of it,
  // or deleted), rather than edited: a new program, whose inputs start afresh.
  constructor(textarea, backdrop, message, { onReplaced } = {}) {
    this.textarea = textarea;
    this.backdrop = backdrop;
    this.message = message;
    this.last = textarea.value;
    onLanguageChange(() => this.shown && this.showError(this.shown));
    textarea.addEventListener("scroll", () => {
      backdrop.scrollTop = textarea.scrollTop;
      backdrop.scrollLeft = textarea.scrollLeft;
    });
    textarea.addEventListener("input", () => {
      const [before, after] = [this.last, textarea.value];
      this.last = after;
      if (before && !sharesAnEnd(before, after)) onReplaced?.();
    });
  }

  get value() {
    return this.textarea.value;
  }

  set value(text) {
    this.textarea.value = text;
    this.last = text;
    this.clearError();
  }

  showError(detail) {
    const { kind, line, column } = detail;
    this.shown = detail;
    const where = line ? t("editor.where", { line, column }) : "";
    this.message.textContent = where + errorMessage(detail);
    this.message.dataset.kind = kind;
    this.message.hidden = false;
    this.textarea.setAttribute("aria-invalid", "true");
    this.backdrop.replaceChildren(...this.markedText(line, column));
  }

  // Nothing to clear is left alone: the page calls this after every answer, and rewriting the backdrop
  // would have the browser lay the editor out and paint it again.
  clearError() {
    this.shown = null;
    if (this.message.hidden && this.backdrop.textContent === this.textarea.value + "\n") return;
    this.message.hidden = true;
    this.message.textContent = "";
    this.textarea.removeAttribute("aria-invalid");
    this.backdrop.replaceChildren(document.createTextNode(this.textarea.value + "\n"));
  }

  // The text with the culprit at (line, column) wrapped in a mark: a whole name if a name starts there
  // (an unknown function, say), else one character; past the end of a line a space is marked, so that
  // "something is missing here" is visible too.
  markedText(line, column) {
    const text = this.textarea.value;
    if (!line) return [document.createTextNode(text + "\n")];
    const lines = text.split("\n");
    const offset = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
    const mark = document.createElement("mark");
    const name = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(text.slice(offset));
    const culprit = name ? name[0] : text.slice(offset, offset + 1);
    mark.textContent = culprit && culprit !== "\n" ? culprit : " ";
    const rest = culprit === "\n" ? text.slice(offset) : text.slice(offset + culprit.length);
    return [document.createTextNode(text.slice(0, offset)), mark, document.createTextNode(rest + "\n")];
  }
}

// Whether an edit kept the start or the end of the text: an edit does, a replacement of all of it does not.
function sharesAnEnd(before, after) {
  return Boolean(after) && (before[0] === after[0] || before[before.length - 1] === after[after.length - 1]);
}
