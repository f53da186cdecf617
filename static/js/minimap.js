// The overview of a drawing bigger than the screen: every gate, number and wire in a small map in the
// corner, the part on screen framed; a click or a drag on the map brings that part into view. Shown
// only while part of the drawing is out of view.

const SIZE = { width: 200, height: 140 };

export class Minimap {
  // container: where the map goes (the drawing's area); view: the GraphView it follows.
  constructor(container, view) {
    this.view = view;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "minimap";
    this.canvas.hidden = true;
    this.canvas.setAttribute("role", "img");
    this.canvas.title = "";
    container.append(this.canvas);
    this.base = null;
    const go = (event) => {
      if (!this.base) return;
      const rect = this.canvas.getBoundingClientRect();
      const x = (event.clientX - rect.left) / this.base.scale - this.base.x;
      const y = (event.clientY - rect.top) / this.base.scale - this.base.y;
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

  // A new drawing: its map, drawn once (boxes and wires), kept as an image to frame the view on.
  draw(scene, geometry, title) {
    const ratio = window.devicePixelRatio || 1;
    // A tall drawing (rows of statements) gets a tall map, up to most of the area's height.
    const most = { width: SIZE.width, height: Math.max(SIZE.height, 0.6 * this.view.size.height) };
    const scale = Math.min(most.width / (geometry.width + 20), most.height / (geometry.height + 20));
    const width = Math.ceil((geometry.width + 20) * scale);
    const height = Math.ceil((geometry.height + 20) * scale);
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
    context.scale(ratio * scale, ratio * scale);
    context.translate(10, 10);
    const style = getComputedStyle(this.canvas);
    context.strokeStyle = style.getPropertyValue("--muted").trim() || "#888";
    context.lineWidth = 1 / scale;
    context.beginPath();
    for (const path of geometry.links.values()) {
      const [first, ...rest] = path.points;
      context.moveTo(...first);
      context.lineTo(...rest[rest.length - 1] ?? first);
    }
    context.stroke();
    for (const row of scene.rows) {
      for (const box of row.boxes) {
        const at = geometry.boxes.get(box.key);
        if (!at) continue;
        context.fillStyle = style.getPropertyValue(box.kind === "gate" ? "--ink" : box.kind === "label" || box.kind === "exit"
          ? "--value" : "--accent").trim();
        context.fillRect(at.x - box.width / 2, at.y - box.height / 2, box.width, box.height);
      }
    }
    this.base = { image, scale, x: 10, y: 10, width: geometry.width, height: geometry.height };
    this.frame();
  }

  // The part of the drawing on screen, framed; the map hides while all of it is.
  frame() {
    if (!this.base) return;
    const { k, x, y } = this.view.transform();
    const stage = this.view.size;
    const left = -x / k;
    const top = -y / k;
    const right = left + stage.width / k;
    const bottom = top + stage.height / k;
    const all = left <= 0 && top <= 0 && right >= this.base.width && bottom >= this.base.height;
    this.canvas.hidden = all;
    if (all) return;
    const context = this.canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    context.drawImage(this.base.image, 0, 0);
    context.setTransform(ratio * this.base.scale, 0, 0, ratio * this.base.scale, ratio * this.base.scale * this.base.x,
      ratio * this.base.scale * this.base.y);
    context.strokeStyle = getComputedStyle(this.canvas).getPropertyValue("--accent").trim() || "#0969da";
    context.lineWidth = 2 / this.base.scale;
    context.strokeRect(left, top, right - left, bottom - top);
  }

  hide() {
    this.base = null;
    this.canvas.hidden = true;
  }
}
