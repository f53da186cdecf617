// A class in session (app/server/classroom). The instructor's page (/class/CODE?key=…) publishes what it shows
// whenever it changes: the program, values, fold, quiz mode, the step and the pinned node. Each student's page
// (/class/CODE) follows it over Server-Sent Events, and catches up to the whole state whenever it (re)connects.
// The instructor asks the class for a node's gradient or value: the question is quiz mode's, from the API; the
// server checks the students' answers and tallies them. No maths here.
import { computeGraph } from "./api.js";
import { onLanguageChange, pick, t, translatePage } from "./i18n.js";

const PUBLISH_EVERY_MS = 100; // the instructor's page is looked at this often for a change to send
const FOLLOW_EVERY_MS = 100; // a student's page is brought to the class's state this often (after an answer)
const RECONNECT_MS = [1000, 2000, 4000, 8000];
const $ = (selector) => document.querySelector(selector);

function element(tag, attributes = {}, ...children) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") made.textContent = value;
    else if (name.startsWith("data-") || name.startsWith("aria-")) made.setAttribute(name, value);
    else made[name] = value;
  }
  made.append(...children);
  return made;
}

async function post(path, body, key) {
  const headers = { "content-type": "application/json" };
  if (key) headers["x-class-key"] = key;
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body ?? {}) });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok) {
    const detail = answer?.detail;
    const message = detail && !Array.isArray(detail) ? pick(detail.message)
      : t("class.failed", { status: response.status });
    throw Object.assign(new Error(message), { status: response.status });
  }
  return answer;
}

// The class this page is in, from its address: /class/CODE, with ?key=… on the instructor's.
function classOfAddress() {
  const match = location.pathname.match(/^\/class\/([A-Z0-9]{4,10})$/);
  if (!match) return null;
  return { code: match[1], key: new URLSearchParams(location.search).get("key") };
}

// hooks: main's page, editor, stepper, applyStepper(), recompute(), explain (the card), teaching, view.
export function installClassroom(hooks) {
  const here = classOfAddress();
  $("#teach")?.addEventListener("click", () => startClass(hooks));
  if (!here) return null;
  if (here.key) return new InstructorDesk(hooks, here.code, here.key);
  return new StudentSeat(hooks, here.code);
}

// What the instructor's page shows that the students follow.
function snapshot({ page, editor, stepper, explain, teaching }) {
  return {
    program: editor.value,
    values: page.values,
    unfold: teaching.options.unfold,
    quiz: teaching.quiz.on,
    step: stepper.step,
    pinned: explain.pinned ? explain.id : null,
  };
}

async function startClass(hooks) {
  const button = $("#teach");
  button.disabled = true;
  try {
    const started = await post("/class", snapshot(hooks));
    sessionStorage.setItem(`backprop-class-qr-${started.code}`, "1"); // the QR code comes up big once
    location.assign(started.instructor_link + location.hash);
  } catch (error) {
    button.disabled = false;
    window.alert(error.message);
  }
}

// A live stream that reconnects by itself: after a network error, an error answer (a full server, a store
// away) or the server's "trouble" event; onStatus says whether it is connected.
class Stream {
  constructor(url, handlers, onStatus) {
    this.url = url;
    this.handlers = handlers;
    this.onStatus = onStatus;
    this.failures = 0;
    this.connect();
  }

  connect() {
    const source = new EventSource(this.url());
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.onStatus(true);
    };
    source.onerror = () => {
      this.onStatus(false);
      if (source.readyState === EventSource.CLOSED) this.again();
    };
    for (const [kind, handler] of Object.entries(this.handlers)) {
      source.addEventListener(kind, (event) => handler(JSON.parse(event.data)));
    }
    source.addEventListener("trouble", () => {
      this.onStatus(false);
      this.again();
    });
  }

  again() {
    this.source.close();
    if (this.stopped) return;
    const wait = RECONNECT_MS[Math.min(this.failures, RECONNECT_MS.length - 1)];
    this.failures += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source.close();
  }
}

// -- the instructor ---------------------------------------------------------------------------------------------

class InstructorDesk {
  constructor(hooks, code, key) {
    this.hooks = hooks;
    this.code = code;
    this.key = key;
    this.sent = null; // the state last published
    this.sending = false;
    this.tally = null;
    this.question = null;
    this.link = `${location.origin}/class/${code}`;
    this.build();
    this.stream = new Stream(() => `/class/${code}/events?key=${encodeURIComponent(key)}`, {
      view: (view) => (this.question = view?.question ?? null),
      tally: (tally) => {
        this.tally = tally;
        this.renderTally();
      },
      ended: () => this.ended(),
    }, (connected) => this.connection(connected));
    this.timer = setInterval(() => this.publish(), PUBLISH_EVERY_MS);
    onLanguageChange(() => this.relabel());
    if (sessionStorage.getItem(`backprop-class-qr-${code}`)) {
      sessionStorage.removeItem(`backprop-class-qr-${code}`);
      this.showQr(true);
    }
  }

  build() {
    const qr = `/class/${this.code}/qr.svg`;
    this.panel = element("section", { id: "class-panel", className: "class-panel instructor" },
      element("p", { className: "class-code" }, element("span", { "data-i18n": "class.code" }), " ",
        element("strong", { text: this.code })),
      element("p", { className: "class-link" }, element("span", { "data-i18n": "class.students_link" }), " ",
        element("a", { href: this.link, target: "_blank", rel: "noopener", text: this.link, "data-class-link": this.link })),
      element("button", { type: "button", className: "class-qr-small", "data-i18n-title": "class.qr_show",
        onclick: () => this.showQr(true) }, element("img", { src: qr, alt: "", width: 96, height: 96 })),
      element("p", { className: "class-ask" },
        element("label", {}, element("span", { "data-i18n": "class.ask" }), " ", element("select", { id: "class-node" })),
        element("button", { type: "button", id: "class-ask-grad", "data-i18n": "class.ask_grad", onclick: () => this.ask("grad") }),
        element("button", { type: "button", id: "class-ask-value", "data-i18n": "class.ask_value", onclick: () => this.ask("value") }),
        element("button", { type: "button", id: "class-reveal", "data-i18n": "class.reveal", onclick: () => this.reveal() })),
      element("div", { id: "class-tally", "aria-live": "polite" }),
      element("p", { className: "class-row" },
        element("span", { id: "class-status", role: "status" }),
        element("button", { type: "button", id: "class-end", "data-i18n": "class.end", onclick: () => this.end() })));
    this.big = element("div", { id: "class-qr", className: "class-qr-big", hidden: true, onclick: () => this.showQr(false) },
      element("img", { src: qr, alt: this.link }),
      element("p", {}, element("span", { "data-i18n": "class.join_at" }), " ", element("strong", { text: this.link })),
      element("p", { className: "class-code" }, element("strong", { text: this.code })),
      element("p", { className: "hint", "data-i18n": "class.qr_close" }));
    $("#side").prepend(this.panel);
    document.body.append(this.big);
    translatePage(this.panel);
    translatePage(this.big);
    $("#teach").hidden = true;
  }

  relabel() {
    this.renderTally();
    this.nodes = null;
  }

  showQr(on) {
    this.big.hidden = !on;
  }

  connection(connected) {
    this.panel.classList.toggle("offline", !connected);
    $("#class-status").textContent = connected ? "" : t("class.reconnecting");
  }

  // The state to the server when it changed since it was last sent; one request at a time.
  async publish() {
    this.offerNodes();
    if (this.sending || this.over) return;
    const state = snapshot(this.hooks);
    const text = JSON.stringify(state);
    if (text === this.sent) return;
    this.sending = true;
    try {
      await post(`/class/${this.code}/state`, state, this.key);
      this.sent = text;
    } catch (error) {
      $("#class-status").textContent = error.message;
    } finally {
      this.sending = false;
    }
  }

  // The nodes one may ask about (numbers with a question), the pinned one chosen.
  offerNodes() {
    const { page, explain } = this.hooks;
    const graph = page.graph;
    const select = $("#class-node");
    if (!graph) return;
    if (this.nodes !== graph) {
      this.nodes = graph;
      const chosen = select.value;
      select.replaceChildren(...graph.nodes.filter((node) => node.shape.length === 0 && node.op !== "const")
        .map((node) => element("option", { value: String(node.id), text: nodeName(node) })));
      if ([...select.options].some((option) => option.value === chosen)) select.value = chosen;
      else if (select.options.length) select.value = String(graph.output);
    }
    if (explain.pinned && explain.id !== this.pinnedChosen) {
      this.pinnedChosen = explain.id;
      if ([...select.options].some((option) => option.value === String(explain.id))) select.value = String(explain.id);
    }
  }

  async ask(kind) {
    const { page, editor, teaching } = this.hooks;
    const id = Number($("#class-node").value);
    try {
      const graph = await computeGraph(editor.value, page.values, { quiz: true, unfold: teaching.options.unfold,
        narrate: false, local: false });
      const node = graph.nodes[id];
      const question = node?.quiz?.[kind];
      if (!question || node.shape.length) throw new Error(t("class.cannot_ask"));
      const number = (x) => (typeof x === "number" ? x : null);
      await post(`/class/${this.code}/ask`, {
        node: id, kind, asks: question.asks, accept: question.accept, hint: question.hint, show: question.show,
        uses: (question.uses ?? []).map((use) => ({ op: use.op, upstream: number(use.upstream), local: number(use.local) })),
        correct: kind === "grad" ? node.grad : node.value, node_value: node.value, node_grad: number(node.grad),
      }, this.key);
      $("#class-status").textContent = "";
    } catch (error) {
      $("#class-status").textContent = error.message;
    }
  }

  async reveal() {
    try {
      await post(`/class/${this.code}/reveal`, {}, this.key);
    } catch (error) {
      $("#class-status").textContent = error.message;
    }
  }

  async end() {
    if (!window.confirm(t("class.end_confirm"))) return;
    try {
      await post(`/class/${this.code}/end`, {}, this.key);
    } catch (error) {
      $("#class-status").textContent = error.message;
    }
  }

  ended() {
    this.over = true;
    this.stream.stop();
    clearInterval(this.timer);
    this.panel.replaceChildren(element("p", { text: t("class.ended") }));
  }

  renderTally() {
    const box = $("#class-tally");
    const tally = this.tally;
    if (!box || !tally) return;
    const lines = [element("p", { className: "class-count", text: tally.question
      ? t("class.tally", { answered: tally.answered, connected: tally.connected })
      : t("class.following", { connected: tally.connected }) })];
    if (tally.question && tally.answered) {
      const share = Math.round(100 * tally.share);
      lines.push(element("p", { text: t("class.share", { share, right: tally.right }) }));
      lines.push(element("p", { className: "class-spread" }, t("class.spread"), " ",
        ...tally.spread.map((item) => element("span", { className: item.right ? "right" : "wrong",
          text: t("class.spread_item", { answer: item.answer, count: item.count }) }))));
      if (tally.mistakes.length) {
        lines.push(element("ul", { className: "class-mistakes" }, ...tally.mistakes.map((group) =>
          element("li", { text: t("class.mistake_line", { mistake: t(`class.mistake.${group.mistake}`),
            count: group.count, answers: group.answers.join(", ") }) }))));
      }
      if (tally.names.length) lines.push(element("p", { className: "hint", text: t("class.names", { names: tally.names.join(", ") }) }));
    }
    box.replaceChildren(...lines);
  }
}

const nodeName = (node) => (node.name ? `${node.name}` : `${node.label} (#${node.id})`);

// -- a student ---------------------------------------------------------------------------------------------------

class StudentSeat {
  constructor(hooks, code) {
    this.hooks = hooks;
    this.code = code;
    this.following = true;
    this.view = null;
    this.applied = null; // the program, values and fold last applied
    this.pending = null; // an answer the store could not take yet, sent again on reconnecting
    this.verdict = null;
    this.build();
    this.join().then(() => this.listen());
    this.timer = setInterval(() => this.follow(), FOLLOW_EVERY_MS);
    onLanguageChange(() => this.render());
  }

  storageKey() {
    return `backprop-class-student-${this.code}`;
  }

  async join() {
    this.student = sessionStorage.getItem(this.storageKey());
    if (this.student) return;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const joined = await post(`/class/${this.code}/join`, { nickname: "" });
        this.student = joined.student;
        sessionStorage.setItem(this.storageKey(), this.student);
        return;
      } catch (error) {
        this.say(error.message);
        if (error.status !== 503) throw error;
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS[Math.min(attempt, 3)]));
      }
    }
  }

  listen() {
    this.stream = new Stream(() => `/class/${this.code}/events?student=${encodeURIComponent(this.student)}`, {
      view: (view) => {
        this.view = view;
        this.follow();
        this.render();
      },
      ended: () => {
        this.stream.stop();
        this.over = true;
        this.following = false;
        this.render();
      },
    }, (connected) => {
      this.connected = connected;
      this.render();
      if (connected && this.pending) this.answer(this.pending);
    });
  }

  build() {
    this.bar = element("section", { id: "class-bar", className: "class-panel student" },
      element("p", { className: "class-row" },
        element("span", { id: "class-status", role: "status" }),
        element("button", { type: "button", id: "class-detach", "data-i18n": "class.detach", onclick: () => this.detach() }),
        element("button", { type: "button", id: "class-follow", "data-i18n": "class.follow", hidden: true,
          onclick: () => this.rejoin() })),
      element("form", { id: "class-question", hidden: true, onsubmit: (event) => {
        event.preventDefault();
        this.answer($("#class-answer").value);
      } },
      element("label", { htmlFor: "class-answer", id: "class-asks" }),
      element("input", { id: "class-answer", inputMode: "decimal", autocomplete: "off", maxLength: 40 }),
      element("button", { type: "submit", id: "class-send", "data-i18n": "class.send" }),
      element("p", { id: "class-verdict", "aria-live": "polite" })),
      element("p", { id: "class-revealed", hidden: true }),
      element("details", { className: "class-nickname" }, element("summary", { "data-i18n": "class.nickname" }),
        element("input", { id: "class-nickname", maxLength: 40, autocomplete: "nickname" }),
        element("button", { type: "button", "data-i18n": "class.nickname_save", onclick: () => this.nickname() }),
        element("p", { className: "hint", "data-i18n": "class.nickname_hint" })));
    $("#side").prepend(this.bar);
    translatePage(this.bar);
    $("#teach").hidden = true;
    document.documentElement.classList.add("class-student");
  }

  say(text) {
    $("#class-status").textContent = text;
  }

  render() {
    if (this.over) {
      this.say(t("class.ended"));
      $("#class-detach").hidden = $("#class-follow").hidden = true;
      $("#program").readOnly = false;
      return;
    }
    this.say(!this.connected ? t("class.reconnecting") : this.following ? t("class.following_you", { code: this.code })
      : t("class.exploring"));
    this.bar.classList.toggle("offline", !this.connected);
    $("#class-detach").hidden = !this.following;
    $("#class-follow").hidden = this.following;
    $("#program").readOnly = this.following;
    const question = this.view?.question;
    $("#class-question").hidden = !question || question.revealed;
    $("#class-revealed").hidden = !question?.revealed;
    if (!question) return;
    if (question.id !== this.asked) {
      this.asked = question.id;
      this.verdict = null;
      $("#class-answer").value = "";
    }
    $("#class-asks").textContent = t(question.kind === "grad" ? "class.asks_grad" : "class.asks_value", { asks: question.asks });
    $("#class-verdict").textContent = this.verdict ?? "";
    if (question.revealed) $("#class-revealed").textContent = t("class.revealed", { show: pick(question.show) });
  }

  // The page brought to the class's state, one move at a time: the program, values and fold (then wait for the
  // answer), quiz mode, then the step and the pinned node on the graph that is on screen.
  follow() {
    if (!this.following || !this.view?.state) return;
    const { page, editor, stepper, applyStepper, recompute, explain, teaching, view } = this.hooks;
    const state = this.view.state;
    const wanted = JSON.stringify([state.program, state.values, state.unfold]);
    if (wanted !== this.applied) {
      this.applied = wanted;
      editor.value = state.program;
      page.values = structuredClone(state.values ?? {});
      teaching.options.unfold = Boolean(state.unfold);
      $("#unfold").checked = teaching.options.unfold;
      recompute();
      return;
    }
    if (teaching.quiz.on !== Boolean(state.quiz)) {
      if (state.quiz) teaching.quiz.start();
      else teaching.quiz.stop();
      return;
    }
    if (!page.graph || page.settled !== page.request) return;
    let step = state.step === null || state.step === undefined ? null : Math.min(state.step, stepper.total);
    let pinnedWanted = state.pinned ?? null;
    const question = this.view.question;
    if (question && !question.revealed) {
      // The drawing does not give the answer away: no gradients while one is asked for, and only the values
      // computed before the node while its value is; nor the card that works it out.
      const hidden = question.kind === "grad" ? stepper.order.length : Math.max(0, stepper.order.indexOf(question.node));
      if (step === null || step > hidden) step = hidden;
      pinnedWanted = null;
    }
    if (stepper.step !== step) {
      teaching.tour.pause();
      if (step === null) stepper.showAll();
      else stepper.step = step;
      applyStepper();
    }
    const pinned = explain.pinned ? explain.id : null;
    if (pinned !== pinnedWanted) {
      if (pinnedWanted === null || !page.graph.nodes[pinnedWanted]) explain.close();
      else {
        view.mountAll?.();
        const group = view.svg?.querySelector(`#n${pinnedWanted}`);
        if (group) explain.pin(pinnedWanted, group);
      }
    }
  }

  detach() {
    this.following = false;
    this.render();
  }

  rejoin() {
    this.following = true;
    this.applied = null;
    this.render();
    this.follow();
  }

  async answer(text) {
    const question = this.view?.question;
    if (!question || !text.trim()) return;
    try {
      const checked = await post(`/class/${this.code}/answer`, { student: this.student, question: question.id,
        answer: text });
      this.pending = null;
      this.verdict = checked.verdict === "right" ? t("class.right", { answer: text.trim() })
        : checked.verdict === "not_a_number" ? t("class.not_a_number", { answer: text.trim() })
          : t("class.wrong", { answer: text.trim(), hint: pick(checked.hint), tries: checked.tries_left });
    } catch (error) {
      if (error.status === 503 || !error.status) this.pending = text;
      this.verdict = error.message;
    }
    this.render();
  }

  async nickname() {
    const name = $("#class-nickname").value.trim();
    try {
      await post(`/class/${this.code}/join`, { nickname: name, student: this.student });
      $(".class-nickname").open = false;
    } catch (error) {
      this.say(error.message);
    }
  }
}
