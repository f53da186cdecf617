// The tour of the passes for a lecture: ◀ ▶, play/pause and restart, the same from a projector
// remote's keys (→ next, ← back, space play/pause, Home restart), and one narration line with the
// numbers in for the node being computed. (Most clickers send PageDown/PageUp: the same as → and ←.) The sentences come from the API in both languages
// ("narrate": true); the page only picks the one for the active node and the current language.
import { pick, t } from "./i18n.js";

const PLAY_EVERY_MS = 1400;

// Keys typed into a field, or arrows used to move between the drawing's nodes, are not ours.
function ownedElsewhere(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true], dialog[open]")) return true;
  return Boolean(target.closest("svg g.node"));
}

export class PassTour {
  // stepper: a PassStepper; apply(): redraw what the stepper shows; line: the narration element;
  // playButton: toggles; getGraph(): the graph on screen; narrates(): whether the page asks for narration of
  // this graph (not for a very large one).
  constructor({ stepper, apply, line, playButton, getGraph, narrates = () => true }) {
    this.stepper = stepper;
    this.apply = apply;
    this.line = line;
    this.playButton = playButton;
    this.getGraph = getGraph;
    this.narrates = narrates;
    this.timer = null;
    playButton.addEventListener("click", () => this.toggle());
    document.addEventListener("keydown", (event) => this.onKey(event));
    this.showPlaying();
  }

  get playing() {
    return this.timer !== null;
  }

  next() {
    this.stepper.move(1);
    this.apply();
  }

  back() {
    this.pause();
    this.stepper.move(-1);
    this.apply();
  }

  restart() {
    this.pause();
    this.stepper.move(-Infinity);
    this.apply();
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (!this.getGraph()) return;
    if (!this.stepper.stepping || this.stepper.atEnd) this.stepper.move(-Infinity); // from the beginning
    this.apply();
    this.timer = setInterval(() => {
      this.next();
      if (this.stepper.atEnd) this.pause();
    }, PLAY_EVERY_MS);
    this.showPlaying();
  }

  pause() {
    clearInterval(this.timer);
    this.timer = null;
    this.showPlaying();
  }

  showPlaying() {
    const text = t(this.playing ? "teach.step.pause" : "teach.step.play");
    if (this.playButton.textContent === text && this.playButton.getAttribute("aria-pressed") === String(this.playing)) return;
    this.playButton.textContent = text;
    this.playButton.setAttribute("aria-pressed", String(this.playing));
    this.playButton.title = t(this.playing ? "teach.step.pause_title" : "teach.step.play_title");
  }

  onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (ownedElsewhere(event.target)) return;
    if (document.documentElement.classList.contains("quizzing")) return; // stepping would tell the answers
    const actions = {
      ArrowRight: () => this.next(),
      ArrowLeft: () => this.back(),
      PageDown: () => this.next(), // what most presentation clickers send
      PageUp: () => this.back(),
      " ": () => this.toggle(),
      Home: () => this.restart(),
    };
    const action = actions[event.key];
    if (!action || !this.getGraph()) return;
    event.preventDefault(); // no scrolling, and a focused button is not clicked as well
    action();
  }

  // The narration line: the active node's forward sentence while values are filled in, its backward
  // sentence while gradients are; a hint before and after.
  render() {
    const graph = this.getGraph();
    const { active, phase } = this.stepper.known();
    this.line.classList.toggle("hint", !this.stepper.stepping);
    this.line.classList.toggle("forward", phase === "forward");
    this.line.classList.toggle("backward", phase === "backward");
    let text = "";
    if (!this.stepper.stepping) text = t("teach.narration.hint");
    else if (!phase) text = t("teach.narration.start");
    else if (graph && active !== null) {
      const narration = graph.nodes[active]?.narration;
      // Without its sentences, the answer on screen is either one the page does not narrate (too large), or the
      // one before the narrated answer that is on its way (a loaded server): say which, never a false reason.
      if (narration) text = pick(narration[phase]);
      else text = t(this.narrates() ? "teach.narration.coming" : "teach.narration.missing");
    }
    this.line.textContent = text;
    this.showPlaying();
  }
}
