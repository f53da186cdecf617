// One point's graph: a click on a point asks the server for the program of that point's forward and
// backward pass with the current weights, and opens it on the main page, in a new tab so that the
// run stays here. The note under the plane keeps a link to it.
import { formatNumber } from "../format.js";
import { pick, t } from "../i18n.js";
import { pageLink } from "../state.js";
import { sampleProgram } from "./api.js";

// The words that name a point in the notes: which set, where, its label.
export function describePoint(point, epoch) {
  return { subset: t(`pg.subset_${point.subset}`), x: formatNumber(point.x), y: formatNumber(point.y),
    label: point.label > 0 ? "+1" : "−1", epoch };
}

export async function openSample(trainer, point, note) {
  const words = describePoint(point, trainer.epoch);
  note.textContent = t("pg.sample_opening", words);
  const answer = await sampleProgram({ settings: trainer.settings, weights: trainer.weights,
    subset: point.subset, index: point.index });
  // the program with its comments in the page's language
  const link = pageLink({ program: answer.programs ? pick(answer.programs) : answer.program, values: answer.values });
  window.open(link, "_blank");
  const anchor = document.createElement("a");
  anchor.href = link;
  anchor.target = "_blank";
  anchor.textContent = t("pg.sample_link");
  note.replaceChildren(t("pg.sample_opened", words), anchor);
}
