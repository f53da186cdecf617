// The overview of a drawing bigger than the screen: every gate, number and wire in a small map in the
// corner, the part on screen framed; a click or a drag on the map brings that part into view. Shown
// only while part of the drawing is out of view. On a narrow screen (a phone) a map would hide a third of
// the drawing: there it is folded into a small button in the corner, and opened (and closed) on demand.
import { onLanguageChange, t } from "./i18n.js";

const SIZE = { width: 200, height: 140 };
// Its short side never narrower than this (or than a third of the drawing's area, on a phone): the map of
// a long, thin drawing is stretched across rather than a sliver too narrow to aim at.
const SHORT_SIDE = 100;
const PAD = 10; // drawing units round the drawing
const NARROW = 640; // px: a drawing's area narrower than this has the map folded until asked for

export class Minimap {
  // container: where the map goes (the drawing's area); view: the GraphView it follows.
  constructor(container, view) {
    this.view = view;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "minimap";
    this.canvas.hidden = true;
    this.canvas.setAttribute("role", "img");
    this.canvas.title = "";
    this.toggle = document.createElement("button");
    this.toggle.type = "button";
    this.toggle.className = "minimap-toggle";
    this.toggle.hidden = true;
    this.toggle.addEventListener("click", (event) => {
      event.stopPropagation();
      this.opened = !this.opened;
      this.frame();
    });
    container.append(this.canvas, this.toggle);
    this.opened = false; // on a narrow screen: the reader asked for the map
    onLanguageChange(() => this.frame()); // the button's name in the new language
    this.base = null;
    const go = (event) => {
      if (!this.base) return;
      const rect = this.canvas.getBoundingClientRect();
      const x = (event.clientX - rect.left) / this.base.sx - PAD;
      const y = (event.clientY - rect.top) / this.base.sy - PAD;
      view.centreOn(x, y);
    };
    this.canvas.addEventListener("pointerdown", (event) => {
      event.stopPropagation();
      this.canvas.setPointerCapture(event.pointerId);
      go(event);
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (this.canvas.hasPointerCapture(event.pointerId)) go(event);
    });
    this.canvas.addEventListener("click", (event) => event.stopPropagation());
  }

  // The map's size in CSS pixels for a drawing: the drawing's shape while that leaves the short side wide
  // enough, else stretched along its short side.
  sizeFor(geometry) {
    const area = this.view.size;
    // A tall drawing (rows of statements) gets a tall map, up to most of the area's height.
    const most = { width: SIZE.width, height: Math.max(SIZE.height, 0.6 * area.height) };
    const [width, height] = [geometry.width + 2 * PAD, geometry.height + 2 * PAD];
    const scale = Math.min(most.width / width, most.height / height);
    const least = Math.min(SHORT_SIDE, Math.min(area.width, area.height) / 3);
    return {
      width: Math.ceil(Math.min(most.width, Math.max(width * scale, least))),
      height: Math.ceil(Math.min(most.height, Math.max(height * scale, least))),
    };
  }

  // A new drawing: its map, drawn once (boxes and wires), kept as an image to frame the view on.
  draw(scene, geometry, title) {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.sizeFor(geometry);
    const sx = width / (geometry.width + 2 * PAD);
    const sy = height / (geometry.height + 2 * PAD);
    this.canvas.width = width * ratio;
    this.canvas.height = height * ratio;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.canvas.setAttribute("aria-label", title);
    this.canvas.title = title;
    const image = document.createElement("canvas");
    image.width = this.canvas.width;
    image.height = this.canvas.height;
    const context = image.getContext("2d");
    context.scale(ratio, ratio);
    const X = (x) => (x + PAD) * sx;
    const Y = (y) => (y + PAD) * sy;
    const style = getComputedStyle(this.canvas);
    context.strokeStyle = style.getPropertyValue("--muted").trim() || "#888";
    context.lineWidth = 1;
    context.beginPath();
    for (const path of geometry.links.values()) {
      const [first, ...rest] = path.points;
      const last = rest[rest.length - 1] ?? first;
      context.moveTo(X(first[0]), Y(first[1]));
      context.lineTo(X(last[0]), Y(last[1]));
    }
    context.stroke();
    for (const row of scene.rows) {
      for (const box of row.boxes) {
        const at = geometry.boxes.get(box.key);
        if (!at) continue;
        context.fillStyle = style.getPropertyValue(box.kind === "gate" ? "--ink" : box.kind === "label" || box.kind === "exit"
          ? "--value" : "--accent").trim();
        // At least a pixel, so that a gate of a very long drawing still shows.
        context.fillRect(X(at.x - box.width / 2), Y(at.y - box.height / 2), Math.max(1, box.width * sx),
          Math.max(1, box.height * sy));
      }
    }
    this.base = { image, sx, sy, width: geometry.width, height: geometry.height };
    this.frame();
  }

  // The part of the drawing on screen, framed; the map hides while all of it is, and on a narrow screen
  // until its button is pressed.
  frame() {
    if (!this.base) return;
    const { k, x, y } = this.view.transform();
    const stage = this.view.size;
    const left = -x / k;
    const top = -y / k;
    const right = left + stage.width / k;
    const bottom = top + stage.height / k;
    const all = left <= 0 && top <= 0 && right >= this.base.width && bottom >= this.base.height;
    const narrow = stage.width < NARROW;
    this.showToggle(!all && narrow);
    this.canvas.classList.toggle("folding", narrow);
    this.canvas.hidden = all || (narrow && !this.opened);
    if (this.canvas.hidden) return;
    const context = this.canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    const { sx, sy } = this.base;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    context.drawImage(this.base.image, 0, 0);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.strokeStyle = getComputedStyle(this.canvas).getPropertyValue("--accent").trim() || "#0969da";
    context.lineWidth = 2;
    context.strokeRect((left + PAD) * sx, (top + PAD) * sy, (right - left) * sx, (bottom - top) * sy);
  }

  // The button that opens and closes the map (a narrow screen only), saying which it will do.
  showToggle(shown) {
    this.toggle.hidden = !shown;
    if (!shown) return;
    const label = t(this.opened ? "minimap.hide" : "minimap.show");
    if (this.toggle.title !== label) {
      this.toggle.title = label;
      this.toggle.setAttribute("aria-label", label);
    }
    this.toggle.setAttribute("aria-expanded", String(this.opened));
    this.toggle.textContent = this.opened ? "×" : "▦";
  }

  hide() {
    this.base = null;
    this.canvas.hidden = true;
    this.toggle.hidden = true;
  }
}
