// Small builders of page elements that several panels share.

// A paragraph of plain text (never HTML: the text may hold a program's names), with optional classes.
export function paragraph(text, className) {
  const p = document.createElement("p");
  if (className) p.className = className;
  p.textContent = text;
  return p;
}
