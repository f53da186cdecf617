// The page's plumbing to the server, written once: a JSON request that answers the body or throws the API's
// error, and "the latest answer wins" for every view that asks while an older answer may still be on its way.
import { pick, t } from "./i18n.js";

// An error the API answered. Its message is read in the page's language whenever it is shown.
export class ApiError extends Error {
  constructor(status, detail) {
    super();
    this.status = status;
    this.detail = detail; // {kind, message: {en, zh, …}, line, column}
  }

  get message() {
    return errorMessage(this.detail);
  }
}

// An error's sentence in the page's language: the API writes each in every language, by language code. A
// request the API could not read (a 422: pydantic's list of problems) is said by the page, each problem in
// the page's language too.
export function errorMessage(detail) {
  if (detail.problems !== undefined) return t("error.unreadable", { problems: problemsText(detail.problems) });
  return pick(detail.message);
}

function problemsText(problems) {
  if (!Array.isArray(problems)) return problems;
  return problems.map(({ loc, msg, message }) => `${loc.slice(1).join(".")}: ${message ? pick(message) : msg}`)
    .join("; ");
}

// An error answer's detail: the API's own, or one made for a request it could not read.
export function errorDetail(body) {
  if (body.detail && typeof body.detail === "object" && !Array.isArray(body.detail)) return body.detail;
  const problems = Array.isArray(body.detail) ? body.detail : String(body.detail);
  return { kind: "request", problems, line: null, column: null };
}

// POST `body` as JSON to `path`: the answer's body, or an ApiError with the API's detail. `signal` aborts it.
export async function postJson(path, body, signal = undefined) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  const answer = await response.json();
  if (response.ok) return answer;
  throw new ApiError(response.status, errorDetail(answer));
}

// GET what the page reads once at start (the op table, the presets); any failure is an error.
export async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

// The latest answer wins. Each view that asks the server again before the last answer came keeps one
// Latest; a request takes a turn, and its answer is shown only while the turn is still current:
//   const turn = latest.next();  const answer = await ask(…, turn.signal);  if (turn.current) show(answer);
// next() starts a new turn (the older ones are over: their answers are dropped, and a request sent with
// their signal is aborted); current() joins the turn under way (several requests of one run, as a
// training's chunks); end() ends the turn under way without starting another (Stop).
export class Latest {
  #controller = new AbortController();
  #count = 0; // turns started, so that a caller can say which change is the newest

  next() {
    this.end();
    this.#controller = new AbortController();
    this.#count += 1;
    return this.current();
  }

  current() {
    const signal = this.#controller.signal;
    return { signal, number: this.#count, get current() { return !signal.aborted; } };
  }

  end() {
    this.#controller.abort();
  }

  get count() {
    return this.#count;
  }
}

// Changes to compute, one request in flight at a time: changes that come meanwhile (a slider dragged) are sent
// together once its answer is on screen, so the drawing follows as fast as the server and the browser can go,
// and never falls behind. Each change is a turn of a Latest: an answer is always shown (it is the newest there
// is), an error only while no change came after it. settle(number): the newest change is on screen.
export class ChangeQueue {
  constructor({ send, onError, settle }) {
    this.changes = new Latest();
    this.sendOne = send; // send(): asks for the page as it is now and shows the answer
    this.onError = onError;
    this.settle = settle;
    this.busy = false;
  }

  // The newest change asked for (a number that only grows).
  get newest() {
    return this.changes.count;
  }

  change() {
    this.changes.next();
    if (!this.busy) this.#send();
  }

  async #send() {
    this.busy = true;
    const turn = this.changes.current();
    try {
      await this.sendOne();
    } catch (error) {
      if (turn.current) this.onError(error);
    } finally {
      this.busy = false;
      if (!turn.current) this.#send();
      else this.settle(turn.number);
    }
  }
}
