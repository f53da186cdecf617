"""The playground's training speed: how many epochs a second, and how many redrawn boundaries a second.

    python -m benchmarks.playground      # or as part of python -m benchmarks

The network is the issue's: 2-6-6-1 (tanh) on 200 circle points, 100 of them for training in batches of
10, so an epoch is 10 steps of gradient descent. Three measurements:

* In process (CPU time): one epoch by the engine (the network's program, built once, run forward and
  backward per batch by app/teaching/train.py's loop, as app.playground trains it) against the floor, the same epoch
  written out by hand in NumPy (checked equal first); and the heat maps a request adds (the output on 50×50
  cells, each neuron on 20×20).
* Over HTTP (wall clock, a live uvicorn): ``POST /api/playground/step`` for 1, 3 and 10 epochs, as the page
  sends it, and the size of its answer.
* The page (headless Chromium): Play for a few seconds at each speed (epochs a frame); epochs a second and
  frames a second (answers drawn: the boundary, every neuron's heat map, the wires and the loss curves).
  The issue's targets: at least 20 epochs and 5 redrawn boundaries a second.
"""

from __future__ import annotations

import gc
import os
import statistics
import time

import numpy as np
import orjson

from app.teaching import playground
from app.teaching.train import descend

SETTINGS = playground.Settings(dataset="circle", points=200, layers=(6, 6), activation="tanh", learning_rate=0.03,
                               batch_size=10, seed=1)
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TARGET_EPOCHS_PER_S = 20
TARGET_FRAMES_PER_S = 5


def floor_epoch(weights: dict, data: playground.Data, number: int) -> dict:
    """One epoch of the 2-6-6-1 tanh network's mini-batch gradient descent, by hand in NumPy: the least any
    engine must compute (same shuffle, same batches, same logistic loss)."""
    w1, b1, w2, b2, w3, b3 = (weights[name] for name in ("W1", "b1", "W2", "b2", "W3", "b3"))
    order = np.random.default_rng([SETTINGS.seed, 2, number]).permutation(len(data.train_x))
    rate = SETTINGS.learning_rate
    for start in range(0, len(order), SETTINGS.batch_size):
        batch = order[start:start + SETTINGS.batch_size]
        x, y = data.train_x[batch], data.train_y[batch]
        h1 = np.tanh(x @ w1 + b1)
        h2 = np.tanh(h1 @ w2 + b2)
        z = h2 @ w3 + b3
        dz = -y / (1 + np.exp(y * z)) / len(x)
        d2 = (dz @ w3.T) * (1 - h2 * h2)
        d1 = (d2 @ w2.T) * (1 - h1 * h1)
        w3, b3 = w3 - rate * (h2.T @ dz), b3 - rate * dz.sum(axis=0)
        w2, b2 = w2 - rate * (h1.T @ d2), b2 - rate * d2.sum(axis=0)
        w1, b1 = w1 - rate * (x.T @ d1), b1 - rate * d1.sum(axis=0)
    return {"W1": w1, "b1": b1, "W2": w2, "b2": b2, "W3": w3, "b3": b3}


def _median_cpu(fn, budget: float) -> float:
    fn()
    times = []
    spent = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - spent < budget and len(times) < 500):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def run_in_process(budget: float = 1.0) -> dict:
    weights = playground.initial_weights(SETTINGS)
    data = playground.make_data(SETTINGS)
    ours = playground.train(SETTINGS, None, 0, 1)["weights"]
    floor = floor_epoch(weights, data, 1)
    worst = max(float(np.max(np.abs(np.array(ours[name]) - floor[name]) / (np.abs(floor[name]) + 1e-300)))
                for name in floor)
    if worst > 1e-9:
        raise AssertionError(f"the floor disagrees with the engine by {worst:.2e} (relative)")
    limits = playground.limits_in_force()
    network = playground.Network(SETTINGS, weights, limits)
    as_lists = {name: value.tolist() for name, value in weights.items()}
    epoch_s = _median_cpu(lambda: _epoch(network, weights, playground.mini_batches(SETTINGS, data)), budget)
    floor_s = _median_cpu(lambda: floor_epoch(weights, data, 1), budget)
    maps_s = _median_cpu(lambda: playground.heat_maps(network, weights), budget)
    request_s = {steps: _median_cpu(lambda steps=steps: orjson.dumps(playground.train(SETTINGS, as_lists, 0, steps)),
                                    budget) for steps in (1, 3, 10)}
    return {"epoch_s": epoch_s, "floor_epoch_s": floor_s, "heat_maps_s": maps_s, "request_s": request_s,
            "steps_per_epoch": len(range(0, len(data.train_x), SETTINGS.batch_size)), "max_rel_diff": worst}


def _epoch(network: playground.Network, weights: dict, batches) -> dict:
    """Epoch 1 as the playground trains it: app/teaching/train.py's loop, one step per mini-batch (its shuffle drawn
    as a request draws it: ``batches`` are new)."""
    for step in descend(network.graph, weights, SETTINGS.learning_rate, range(batches.per_epoch), batches,
                        network.limits):
        weights = step.after
    return weights


def _request(epochs: int, data: bool = False) -> dict:
    return {"settings": {"dataset": SETTINGS.dataset, "points": SETTINGS.points, "layers": list(SETTINGS.layers),
                         "activation": SETTINGS.activation, "learning_rate": SETTINGS.learning_rate,
                         "batch_size": SETTINGS.batch_size, "seed": SETTINGS.seed},
            "steps": epochs, "data": data}


def run_http(base_url: str, budget: float = 1.0) -> dict:
    import httpx

    rows = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        first = client.post("/api/playground/step", json=_request(0)).json()
        for epochs in (1, 3, 10):
            body = {**_request(epochs), "weights": first["weights"]}
            times, size = [], 0
            spent = time.perf_counter()
            while len(times) < 5 or (time.perf_counter() - spent < budget and len(times) < 300):
                start = time.perf_counter()
                response = client.post("/api/playground/step", json=body)
                times.append(time.perf_counter() - start)
                size = len(response.content)
            rows[epochs] = {"median_s": statistics.median(times), "bytes": size}
    return rows


MEASURE = """async (seconds) => {
  const trainer = window.backpropPlayground.trainer;
  const frames = [];
  const draw = trainer.onAnswer;
  trainer.onAnswer = (answer, run) => { draw(answer, run); frames.push(performance.now()); };
  const epoch = trainer.epoch;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - start) / 1000;
  trainer.onAnswer = draw;
  return { epochs: trainer.epoch - epoch, frames: frames.length, seconds: elapsed };
}"""


def run_page(base_url: str, seconds: float = 4.0) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"status": "unavailable", "note": "Playwright is not installed"}
    if not os.path.exists(CHROMIUM):
        return {"status": "unavailable", "note": f"no Chromium at {CHROMIUM}"}
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for speed in (1, 3, 10):
            page.goto(f"{base_url}/playground?dataset=circle&layers=6,6&activation=tanh&lr=0.03&seed=1"
                      f"&batch=10&points=200&speed={speed}&play=1")
            page.wait_for_function("() => window.backpropPlayground?.trainer.epoch > 0", timeout=30_000)
            measured = page.evaluate(MEASURE, seconds)
            rows.append({"speed": speed, "epochs_per_s": measured["epochs"] / measured["seconds"],
                         "frames_per_s": measured["frames"] / measured["seconds"], "seconds": measured["seconds"]})
        browser.close()
    return {"status": "ok", "rows": rows, "page_errors": errors}


def run_playground(budget: float = 1.0, page: bool = True, page_seconds: float = 4.0) -> dict:
    from benchmarks.server import live_server

    result = {"in_process": run_in_process(budget)}
    with live_server() as server:
        result["http"] = run_http(server.base_url, budget)
        if page:
            result["page"] = run_page(server.base_url, page_seconds)
    return result


def print_playground(result: dict) -> None:
    ours = result["in_process"]
    print(f"Playground, 2-6-6-1 tanh network on 200 circle points (100 to train, batches of 10: "
          f"{ours['steps_per_epoch']} steps an epoch), CPU time in process:")
    print()
    print("| what | ours (engine) | NumPy by hand (floor) | ours / floor |")
    print("|---|---:|---:|---:|")
    print(f"| one epoch | {ours['epoch_s'] * 1e3:.2f} ms | {ours['floor_epoch_s'] * 1e3:.2f} ms | "
          f"{ours['epoch_s'] / ours['floor_epoch_s']:.1f} |")
    print(f"| epochs a second | {1 / ours['epoch_s']:,.0f} | {1 / ours['floor_epoch_s']:,.0f} | |")
    print(f"| heat maps (2,500 + 12 × 400 cells) | {ours['heat_maps_s'] * 1e3:.2f} ms | | |")
    for steps, seconds in ours["request_s"].items():
        print(f"| a request of {steps} epoch{'s' if steps > 1 else ''}, to JSON | {seconds * 1e3:.2f} ms | | |")
    print()
    print("Over HTTP (wall clock, one uvicorn worker): POST /api/playground/step with the current weights")
    print()
    print("| epochs a request | round trip | answer | epochs a second, back to back |")
    print("|---:|---:|---:|---:|")
    for epochs, row in result["http"].items():
        print(f"| {epochs} | {row['median_s'] * 1e3:.1f} ms | {row['bytes'] / 1e3:.0f} kB | "
              f"{epochs / row['median_s']:,.0f} |")
    page = result.get("page")
    if not page:
        return
    print()
    if page["status"] != "ok":
        print(f"Playground page: skipped ({page['note']})")
        return
    print(f"The page in headless Chromium, playing (targets: {TARGET_EPOCHS_PER_S} epochs and "
          f"{TARGET_FRAMES_PER_S} redrawn boundaries a second):")
    print()
    print("| speed (epochs a frame) | epochs a second | frames (boundary redrawn) a second | measured for |")
    print("|---:|---:|---:|---:|")
    for row in page["rows"]:
        print(f"| {row['speed']} | {row['epochs_per_s']:.1f} | {row['frames_per_s']:.1f} | {row['seconds']:.1f} s |")
    if page["page_errors"]:
        print("page errors:", page["page_errors"])


if __name__ == "__main__":
    print_playground(run_playground())
