// Presenter mode, for a lecture hall: the drawing full screen in large type with thick wires, and of
// the controls only the step buttons and the narration line. Escape leaves. A link with present=1
// (in the #hash the page writes, or ?present=1) opens straight into it; browsers allow full screen
// only after a click, so such a link gets the same layout filling the window instead.
import { t } from "./i18n.js";
import { setPresentFlag } from "./state.js";

export class Presenter {
  // onChange(presenting): after entering or leaving, once the layout has changed (to fit the drawing).
  constructor({ onChange }) {
    this.onChange = onChange;
    this.presenting = false;
    this.bar = this.makeBar();
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.presenting && !document.querySelector("dialog[open]")) {
        event.preventDefault();
        this.leave();
      }
    });
    // Escape in full screen is the browser's own: it leaves full screen, and presenter mode with it.
    document.addEventListener("fullscreenchange", () => {
      if (!document.fullscreenElement && this.presenting) this.leave();
    });
  }

  // Asked for by the address: present=1 in the hash or the query.
  static requestedByUrl() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const query = new URLSearchParams(location.search);
    return hash.get("present") === "1" || query.get("present") === "1";
  }

  makeBar() {
    const bar = document.createElement("div");
    bar.id = "presenter-bar";
    bar.hidden = true;
    const leave = document.createElement("button");
    leave.type = "button";
    leave.id = "leave-presenter";
    leave.dataset.i18n = "present.leave";
    leave.dataset.i18nTitle = "present.leave_title";
    leave.textContent = t("present.leave");
    leave.title = t("present.leave_title");
    leave.addEventListener("click", () => this.leave());
    const hint = document.createElement("span");
    hint.className = "hint";
    hint.dataset.i18n = "present.hint";
    hint.textContent = t("present.hint");
    const overview = document.createElement("span");
    overview.className = "hint";
    overview.dataset.i18n = "present.overview";
    overview.textContent = t("present.overview");
    bar.append(hint, overview, leave);
    document.querySelector("#stage")?.append(bar);
    return bar;
  }

  async enter({ fullscreen = true } = {}) {
    if (this.presenting) return;
    this.presenting = true;
    document.documentElement.classList.add("presenting");
    this.bar.hidden = false;
    setPresentFlag(true);
    rewriteHash(true);
    if (fullscreen && document.fullscreenEnabled && !document.fullscreenElement) {
      try {
        await document.documentElement.requestFullscreen({ navigationUI: "hide" });
      } catch {
        // not allowed without a click (a link opened): the layout fills the window instead
      }
    }
    this.settled();
  }

  async leave() {
    if (!this.presenting) return;
    this.presenting = false;
    document.documentElement.classList.remove("presenting");
    this.bar.hidden = true;
    setPresentFlag(false);
    rewriteHash(false);
    if (document.fullscreenElement) {
      try {
        await document.exitFullscreen();
      } catch {
        // already left
      }
    }
    this.settled();
  }

  toggle() {
    return this.presenting ? this.leave() : this.enter();
  }

  // The drawing is fitted again once the browser has laid the new layout out.
  settled() {
    requestAnimationFrame(() => this.onChange?.(this.presenting));
  }
}

function rewriteHash(present) {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has("program")) return;
  if (present) params.set("present", "1");
  else params.delete("present");
  history.replaceState(null, "", "#" + params.toString());
}
