// The train and test loss after every epoch, as two lines on a canvas; 0 at the bottom, the largest
// loss so far at the top. The exact numbers are in the text above the plane.

export function drawLossChart(canvas, history) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (history.length < 2) return;
  const top = Math.max(...history.map((record) => Math.max(record.train_loss, record.test_loss)));
  const first = history[0].epoch;
  const span = Math.max(1, history.at(-1).epoch - first);
  const pad = 3 * ratio;
  const x = (epoch) => pad + ((epoch - first) / span) * (canvas.width - 2 * pad);
  const y = (loss) => canvas.height - pad - (loss / top) * (canvas.height - 2 * pad);
  const style = getComputedStyle(document.documentElement);
  for (const [key, colour] of [["test_loss", "--test-line"], ["train_loss", "--train-line"]]) {
    context.beginPath();
    history.forEach((record, i) => context[i ? "lineTo" : "moveTo"](x(record.epoch), y(record[key])));
    context.strokeStyle = style.getPropertyValue(colour).trim();
    context.lineWidth = 1.5 * ratio;
    context.stroke();
  }
}
