// Heat maps on canvases: a grid of values from the server, coloured from orange (low) through the
// paper colour to blue (high), as TensorFlow Playground colours them; and the data's points on top.
// The colours are CSS variables (playground.css), read when drawing.

// The server rounds the grids to finer steps than these (app/teaching/playground.py's GRID_DIGITS; a test holds it).
const SHADES = 64;

function cssColour(name) {
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
  const hex = probe.fillStyle; // the browser normalises any CSS colour to #rrggbb
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

let palette = null;
// SHADES + 1 colours from low to high, made once (the theme is the one chosen when the page opened).
function shades() {
  if (palette) return palette;
  const [low, mid, high] = ["--neg", "--mid", "--pos"].map(cssColour);
  palette = Array.from({ length: SHADES + 1 }, (_, i) => {
    const t = (2 * i) / SHADES - 1;
    const end = t < 0 ? low : high;
    return mid.map((m, k) => Math.round(m + (end[k] - m) * Math.abs(t)));
  });
  return palette;
}

// The grid drawn into an offscreen canvas of one pixel per cell, which drawImage then scales smoothly.
function gridImage(grid, [low, high]) {
  const rows = grid.length;
  const columns = grid[0]?.length ?? 0;
  const image = new ImageData(columns, rows);
  const colours = shades();
  let p = 0;
  for (const row of grid) {
    for (const value of row) {
      const shade = value === null ? colours[SHADES / 2]
        : colours[Math.max(0, Math.min(SHADES, Math.round(((value - low) / (high - low)) * SHADES)))];
      image.data.set(shade, p);
      image.data[p + 3] = value === null ? 64 : 255;
      p += 4;
    }
  }
  const canvas = new OffscreenCanvas(columns, rows);
  canvas.getContext("2d").putImageData(image, 0, 0);
  return canvas;
}

// Size the canvas's pixels to its size on screen, for sharp points on any display.
function fitPixels(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  return ratio;
}

export function drawGrid(canvas, grid, range) {
  fitPixels(canvas);
  const context = canvas.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (grid?.length) context.drawImage(gridImage(grid, range), 0, 0, canvas.width, canvas.height);
}

const POINT_RADIUS = 3.5; // CSS pixels
const PICK_RADIUS = 9;

// The plane: a heat map with the training and test points over it; a click picks the nearest point.
export class Plane {
  constructor(canvas) {
    this.canvas = canvas;
    this.extent = 6;
    this.points = []; // [{x, y, label, subset, index}]
    this.selected = null; // the point chosen with the keyboard, ringed
  }

  // The next (+1) or previous (−1) point, for the keyboard.
  select(step) {
    if (!this.points.length) return null;
    const at = this.selected === null ? (step > 0 ? -1 : 0) : this.points.indexOf(this.selected);
    this.selected = this.points[(at + step + this.points.length) % this.points.length];
    return this.selected;
  }

  setPoints(data) {
    const points = (subset) => data[subset].map(([x, y, label], index) => ({ x, y, label, subset, index }));
    this.points = [...points("train"), ...points("test")];
    this.selected = null;
  }

  // Where a point of the plane falls on the canvas, in CSS pixels from its top left corner.
  toCanvas(x, y) {
    const size = this.canvas.clientWidth;
    return [((x + this.extent) / (2 * this.extent)) * size, ((this.extent - y) / (2 * this.extent)) * this.canvas.clientHeight];
  }

  draw(grid, range, extent) {
    this.extent = extent;
    drawGrid(this.canvas, grid, range);
    const ratio = window.devicePixelRatio || 1;
    const context = this.canvas.getContext("2d");
    const style = getComputedStyle(document.documentElement);
    const colour = (name) => style.getPropertyValue(name).trim();
    const [positive, negative, ring, paper, accent] = ["--pos-point", "--neg-point", "--ink", "--paper", "--accent"]
      .map(colour);
    context.lineWidth = 1.2 * ratio;
    for (const point of this.points) {
      const [cx, cy] = this.toCanvas(point.x, point.y);
      context.beginPath();
      context.arc(cx * ratio, cy * ratio, POINT_RADIUS * ratio, 0, 2 * Math.PI);
      context.fillStyle = point.label > 0 ? positive : negative;
      context.strokeStyle = point.subset === "test" ? ring : paper;
      context.fill();
      context.stroke();
    }
    if (this.selected) {
      const [cx, cy] = this.toCanvas(this.selected.x, this.selected.y);
      context.beginPath();
      context.arc(cx * ratio, cy * ratio, 3 * POINT_RADIUS * ratio, 0, 2 * Math.PI);
      context.strokeStyle = accent;
      context.lineWidth = 2.5 * ratio;
      context.stroke();
    }
  }

  // The point nearest to a mouse event, if one is within reach.
  pointAt(event) {
    const box = this.canvas.getBoundingClientRect();
    const [mx, my] = [event.clientX - box.left, event.clientY - box.top];
    let best = null;
    let bestDistance = PICK_RADIUS;
    for (const point of this.points) {
      const [cx, cy] = this.toCanvas(point.x, point.y);
      const distance = Math.hypot(cx - mx, cy - my);
      if (distance <= bestDistance) [best, bestDistance] = [point, distance];
    }
    return best;
  }
}
