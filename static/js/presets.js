// The preset buttons above the editor: one per example the API offers, titled in the page's language.
import { pick } from "./i18n.js";

// A preset's title and sentence in the current language (the API sends each by language code).
const presetTitle = (example) => pick(example.title);
const presetSentence = (example) => pick(example.sentence);

function label(button) {
  button.textContent = presetTitle(button.example);
  button.title = `${presetSentence(button.example)}\n\n${button.example.program}`;
}

// onPick(example) when one is clicked.
export function renderPresets(list, examples, onPick) {
  for (const example of examples) {
    const button = document.createElement("button");
    button.type = "button";
    button.example = example;
    button.dataset.example = example.name;
    label(button);
    button.addEventListener("click", () => onPick(example));
    list.append(button);
  }
}

// After a language switch.
export function relabelPresets(list) {
  for (const button of list.querySelectorAll("button")) if (button.example) label(button);
}

// The lesson of the preset on screen, under the graph: its title and sentence in the page's language, shown
// while the program is a preset's (clicked, or reloaded), since a button's tooltip never shows on a phone.
export class PresetLesson {
  constructor(element, examples) {
    this.element = element;
    this.examples = examples;
    this.example = null;
  }

  update(program) {
    this.example = this.examples.find((example) => example.program === program) ?? null;
    this.relabel();
  }

  relabel() {
    const example = this.example;
    this.element.hidden = example === null;
    this.element.dataset.example = example?.name ?? "";
    if (example === null) {
      this.element.replaceChildren();
      return;
    }
    const title = document.createElement("strong");
    title.textContent = presetTitle(example);
    this.element.replaceChildren(title, ` ${presetSentence(example)}`);
  }
}
