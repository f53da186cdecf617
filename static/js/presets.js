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
