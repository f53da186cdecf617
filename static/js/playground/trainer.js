// One training run as the page sees it: the settings, the weights of the server's last answer, the
// epoch count and the history of losses. Requests go one at a time; Play asks for a few epochs a frame
// and draws each answer, about ten frames a second.
import { Latest } from "../request.js";
import { trainEpochs } from "./api.js";

const FRAME_MS = 100;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Trainer {
  // onAnswer(answer, trainer) after each answer; onError(error) when training stops on one;
  // onPlaying(playing) when Play starts or stops. until: stop playing at this epoch (for the comparison).
  constructor({ onAnswer, onError = () => {}, onPlaying = () => {}, until = Infinity }) {
    Object.assign(this, { onAnswer, onError, onPlaying, until });
    this.settings = null;
    this.epochsPerFrame = 3;
    this.playing = false;
    this.runs = new Latest(); // a reset starts a new run; answers for an older one are dropped
    this.queue = Promise.resolve();
    this.clear();
  }

  clear() {
    this.weights = null; // null: the server starts from the seed's weights
    this.epoch = 0;
    this.history = [];
    this.data = null;
    this.last = null;
  }

  // New data or a new network: start again from the seed's weights, and draw them.
  reset(settings) {
    this.settings = settings;
    this.runs.next();
    this.clear();
    return this.run(0);
  }

  // A new learning rate, batch size or L2 rate: the same weights go on training under them.
  change(settings) {
    this.settings = settings;
    return this.playing ? Promise.resolve() : this.run(0);
  }

  // One request after the one in flight: train `steps` epochs (0: only measure and draw).
  run(steps) {
    const done = this.queue.then(() => this.request(steps));
    this.queue = done.catch(() => {});
    return done;
  }

  async request(steps) {
    const turn = this.runs.current();
    const answer = await trainEpochs({ settings: this.settings, weights: this.weights, epoch: this.epoch, steps,
      data: this.data === null });
    if (!turn.current) return;
    this.weights = answer.weights;
    this.epoch = answer.epoch;
    const from = answer.history[0]?.epoch ?? this.epoch;
    this.history = this.history.filter((record) => record.epoch < from).concat(answer.history);
    if (answer.data) this.data = answer.data;
    this.last = answer;
    this.onAnswer(answer, this);
  }

  async step() {
    this.pause();
    try {
      await this.run(1);
    } catch (error) {
      this.onError(error);
    }
  }

  async play() {
    if (this.playing) return;
    this.playing = true;
    this.onPlaying(true);
    while (this.playing && this.epoch < this.until) {
      const started = performance.now();
      try {
        await this.run(Math.min(this.epochsPerFrame, this.until - this.epoch));
      } catch (error) {
        this.pause();
        this.onError(error);
        return;
      }
      const rest = FRAME_MS - (performance.now() - started);
      if (rest > 0) await sleep(rest);
    }
    this.pause();
  }

  // Stop for good: pause, and drop the answers still on their way.
  stop() {
    this.pause();
    this.runs.next();
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    this.onPlaying(false);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }
}
