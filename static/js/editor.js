// The program editor: a textarea over a backdrop that mirrors its text, so an error can be
// underlined at its line and column.
import { errorMessage } from "./api.js";
import { onLanguageChange, t } from "./i18n.js";

export class Editor {
  constructor(textarea, backdrop, message) {
    this.textarea = textarea;
    this.backdrop = backdrop;
    this.message = message;
    onLanguageChange(() => this.shown && this.showError(this.shown));
    textarea.addEventListener("scroll", () => {
      backdrop.scrollTop = textarea.scrollTop;
      backdrop.scrollLeft = textarea.scrollLeft;
    });
  }

  get value() {
    return this.textarea.value;
  }

  set value(text) {
    this.textarea.value = text;
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

  clearError() {
    this.shown = null;
    this.message.hidden = true;
    this.message.textContent = "";
    this.textarea.removeAttribute("aria-invalid");
    this.backdrop.replaceChildren(document.createTextNode(this.textarea.value + "\n"));
  }

  // The text with the character at (line, column) wrapped in a mark; past the end of a line,
  // a space is marked so that "something is missing here" is visible too.
  markedText(line, column) {
    const text = this.textarea.value;
    if (!line) return [document.createTextNode(text + "\n")];
    const lines = text.split("\n");
    const offset = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
    const mark = document.createElement("mark");
    const culprit = text.slice(offset, offset + 1);
    mark.textContent = culprit && culprit !== "\n" ? culprit : " ";
    const rest = culprit === "\n" ? text.slice(offset) : text.slice(offset + 1);
    return [document.createTextNode(text.slice(0, offset)), mark, document.createTextNode(rest + "\n")];
  }
}
