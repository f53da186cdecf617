// The numbers of a training record as the page writes them: accuracies in percent with one decimal,
// losses with three; each element's title keeps the full value.
import { formatNumber, fullPrecision } from "../format.js";
import { t } from "../i18n.js";

const percent = (share) => formatNumber(100 * share, 1);

export function showAccuracy(element, record, key = "pg.test_accuracy", field = "test_accuracy") {
  if (!record) {
    element.textContent = t(`${key}_none`);
    element.removeAttribute("title");
    return;
  }
  element.textContent = t(key, { value: percent(record[field]) });
  element.title = fullPrecision(record[field]);
}

export function showLosses(element, record) {
  element.textContent = record ? t("pg.losses", { train: formatNumber(record.train_loss, 3), test: formatNumber(record.test_loss, 3) }) : "";
  element.title = record ? `${fullPrecision(record.train_loss)}, ${fullPrecision(record.test_loss)}` : "";
}
