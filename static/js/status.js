// The status line in the graph's toolbar: what the page is doing (busy), or what failed.
const element = () => document.querySelector("#status");

export function status(text, busy = false, failed = false) {
  const line = element();
  line.textContent = text;
  line.title = text; // in full, where the toolbar cuts it short
  if (busy) line.dataset.busy = "1";
  else delete line.dataset.busy;
  line.classList.toggle("failed", failed);
}

export const statusBusy = () => Boolean(element().dataset.busy);
export const statusFailed = () => element().classList.contains("failed");
