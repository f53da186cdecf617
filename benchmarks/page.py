"""The page in headless Chromium: time from the API's answer to the drawn graph, at 10 to 3,000 nodes;
how live a value change is; and how readable the first view is.

    python -m benchmarks.page            # or as part of python -m benchmarks

A server is started on a free port (benchmarks/server.py), the page is loaded, and for each size a
generated ``stmts`` program (benchmarks/programs.py) with about that many nodes is typed into the editor
(Ctrl+Enter computes at once), after a two-node program so that the graph is laid out afresh each time.
An init script wraps ``fetch`` to note when /api/graph's answer arrives (its headers; the body follows
on loopback); the graph counts as drawn when the page's ``settled`` counter reaches its ``request``
counter (window.backpropLab.page, checked every animation frame) and the next frame has been painted.
Up to 250 nodes the page lays out with Graphviz (WebAssembly, in a worker); from 250 to 1,000 it draws
its own layered layout at once and Graphviz's when that is ready (timed too, as "neat"); above 1,000
only the layered layout. Median of ``repeats`` runs; needs Playwright and /usr/bin/chromium.

A value change (``run_value_changes``): at 10, 300 and 1,000 nodes, the first input's slider is moved
(an ``input`` event) and timed until the page has drawn the answer's numbers (its ``settled`` counter
caught up, then the next painted frame); against it, in the same page, ``fetch`` of the bare answer for
the same program and values (POST /api/graph with only the values the page sends, body parsed as JSON).
The two alternate; the ratio of their medians is what issue 23 bounds (at most 1.5). The page's own request
(numbers only) is shown beside it, from the browser's resource timing: the rest is the page's script, the
wait for the next frame (60 per second) and the frame. Two more peers, in the same page: the bare fetch and then
the next painted frame; and the slider repainted (moved without an event, so the page asks nothing), the bare
fetch and the next painted frame, the least any page could take, since the frame the slider's repaint begins
sets when the next one can start (a frame's time later).

Readability (``readability``): the first view of each program, as a student gets it at 1,400×900 and
at 390×844: the rendered height on screen (getBoundingClientRect, in CSS pixels) of every number label
in view; the smallest, the median, and the share at 10 px or more.
"""

from __future__ import annotations

import contextlib
import os
import statistics

from app import compute
from benchmarks.programs import statements_program

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
NODE_COUNTS = (10, 100, 1_000, 2_000, 3_000)
VALUE_CHANGE_NODES = (10, 300, 1_000)
VALUE_CHANGE_TARGET = 1.5  # at most 1.5x the bare fetch (issue 23; it was about 3x before)
READABLE_PX = 10
VIEWPORTS = ((1400, 900), (390, 844))
TARGETS_S = {1_000: 1.0, 2_000: 2.0, 3_000: 3.0}  # the issues' targets, answer to drawing (2,000: issue 22)
GRAPHVIZ_MAX_NODES = 1_000  # as in static/js/layout.js

FETCH_SPY = """
(() => {
  const fetch = window.fetch;
  window.__answers = [];
  window.fetch = async (...args) => {
    const sent = performance.now();
    const response = await fetch(...args);
    if (String(args[0]).includes("/api/graph")) window.__answers.push({ sent, answered: performance.now() });
    return response;
  };
})();
"""

SETTLED = """(nodes) => {
  const p = window.backpropLab && window.backpropLab.page;
  if (!p || p.settled !== p.request || !p.graph || p.graph.nodes.length !== nodes) return false;
  window.__settled = performance.now();
  return true;
}"""

NEXT_PAINT = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"


def program_with_nodes(target: int):
    """A generated program whose graph, as the page asks for it (every input 1), has at most ``target`` nodes
    and not 2% fewer (so that 1,000 nodes are still laid out by Graphviz)."""
    size = max(2, round(target / 1.25))
    for _ in range(10):
        program = statements_program(size)
        nodes = len(compute.compute_graph(program.text, default_value=1)["nodes"])
        if target - max(1, target // 50) <= nodes <= target:
            break
        size = max(2, min(size - 1, round(size * target / nodes)) if nodes > target else round(size * target / nodes))
    return program, nodes


def unavailable() -> dict | None:
    """Why the page cannot be measured here, if it cannot."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return {"status": "unavailable", "note": "Playwright is not installed"}
    if not os.path.exists(CHROMIUM):
        return {"status": "unavailable", "note": f"no Chromium at {CHROMIUM}"}
    return None


@contextlib.contextmanager
def server_and_chromium():
    """A live server (benchmarks/server.py) and a headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    from benchmarks.server import live_server

    with live_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield server, browser
        finally:
            browser.close()


def run_page(quick: bool = False, repeats: int | None = None) -> dict:
    if unavailable():
        return unavailable()
    repeats = repeats or (1 if quick else 3)
    rows = []
    with server_and_chromium() as (server, browser):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.add_init_script(FETCH_SPY)
        page.goto(server.base_url + "/")
        page.wait_for_selector("#graph svg g.wire-label")
        for target in NODE_COUNTS:
            program, nodes = program_with_nodes(target)
            answer_to_drawn, request_to_drawn, answer_to_neat, drawn_nodes, graphviz_failures = [], [], [], 0, 0
            for _ in range(repeats):
                page.fill("#program", "a*b")
                page.press("#program", "Control+Enter")
                page.wait_for_function(SETTLED, arg=3, polling="raf", timeout=30_000)
                page.evaluate("window.__answers = []")
                page.fill("#program", program.text)
                page.press("#program", "Control+Enter")
                page.wait_for_function(SETTLED, arg=nodes, polling="raf", timeout=120_000)
                painted = page.evaluate(NEXT_PAINT)
                answer = page.evaluate("window.__answers[window.__answers.length - 1]")
                answer_to_drawn.append((painted - answer["answered"]) / 1e3)
                request_to_drawn.append((painted - answer["sent"]) / 1e3)
                drawn_nodes = page.eval_on_selector_all("#graph g.node", "gs => gs.length")
                layout = page.evaluate("window.backpropLab.page.layout")
                if layout == "plain" and nodes <= GRAPHVIZ_MAX_NODES:  # Graphviz's drawing follows
                    page.wait_for_function("() => !window.backpropLab.page.refining", polling="raf",
                                           timeout=120_000)
                    if page.evaluate("window.backpropLab.page.layout") == "graphviz":
                        answer_to_neat.append((page.evaluate(NEXT_PAINT) - answer["answered"]) / 1e3)
                    else:
                        graphviz_failures += 1  # the page keeps the plain drawing (the console says why)
            rows.append({"target": target, "nodes": nodes, "drawn_nodes": drawn_nodes, "layout": layout,
                         "answer_to_drawn_s": statistics.median(answer_to_drawn),
                         "request_to_drawn_s": statistics.median(request_to_drawn),
                         "answer_to_neat_s": statistics.median(answer_to_neat) if answer_to_neat else None,
                         "graphviz_failures": graphviz_failures,
                         "repeats": repeats, "target_s": TARGETS_S.get(target)})
    return {"status": "ok", "rows": rows, "page_errors": errors}


# In the page: one slider move, timed to the drawn numbers, and one bare fetch of the same answer.
VALUE_CHANGE = """async ([value, bare]) => {
  const p = window.backpropLab.page;
  // The frame with the new numbers has been painted when a task queued from its animation frame runs.
  const painted = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const slider = document.querySelector('#inputs input[type=range]');
  await new Promise(r => setTimeout(r, 300)); // the page at rest (the plot's sweep, if any, sent and answered)
  performance.clearResourceTimings(); // its buffer holds 250 entries: the page's own request is looked up below
  const t0 = performance.now();
  slider.value = String(value);
  slider.dispatchEvent(new Event('input'));
  // Told by the page's "settled" event, not polled: a poll that never sleeps takes a core from the server answering
  // on this machine (a timer's would be late by its 4 ms clamp).
  await new Promise(r => {
    const caughtUp = () => {
      if (p.settled !== p.request) return;
      document.removeEventListener('settled', caughtUp);
      r();
    };
    document.addEventListener('settled', caughtUp);
    caughtUp();
  });
  await painted();
  const changed = performance.now() - t0;
  // The page's own request (numbers only), from sending it to its answer's last byte: the part of the change
  // that is the server's and the network's, as against the page's (its script, the frame, the wait for it).
  const own = performance.getEntriesByType('resource').filter(e => e.name.endsWith('/api/graph') && e.startTime >= t0).pop();
  const body = JSON.stringify({ ...bare, values: { ...p.values } });
  const fetchBare = async () => {
    const response = await fetch('/api/graph', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.json();
  };
  const t1 = performance.now();
  await fetchBare();
  const fetched = performance.now() - t1;
  // A peer: a page at rest, then the same bare fetch and the next painted frame, with `before` done first.
  const fetchedThenPainted = async (before) => {
    await new Promise(r => setTimeout(r, 50));
    const t = performance.now();
    before();
    await fetchBare();
    await painted();
    return performance.now() - t;
  };
  // The least any page could take to show an answer.
  const fetchedAndPainted = await fetchedThenPainted(() => {});
  // The least any page could take to show the answer to a slider move: the slider repainted (its value set without
  // an event, so the page asks nothing) first. The slider's repaint begins a frame at once, and the browser begins
  // the next one a frame's time (16.7 ms at 60 Hz) after it: an answer ready sooner waits for it, on any page.
  const movedFetchedAndPainted = await fetchedThenPainted(() => { slider.value = String(value + 0.125); });
  slider.value = String(value);
  return [changed, fetched, own ? own.responseEnd - own.startTime : null, fetchedAndPainted, movedFetchedAndPainted];
}"""

# The rendered height of every number label in view, in CSS pixels.
LABEL_HEIGHTS = """() => {
  const svg = document.querySelector('#graph svg.graph-drawing');
  const frame = svg.getBoundingClientRect();
  const heights = [];
  for (const text of svg.querySelectorAll('g.wire-label text.value, g.wire-label text.grad')) {
    const box = text.getBoundingClientRect();
    if (!box.height || box.right < frame.left || box.left > frame.right || box.bottom < frame.top || box.top > frame.bottom) continue;
    heights.push(box.height);
  }
  return heights;
}"""


def wait_settled(page, nodes, timeout=120_000):
    page.wait_for_function(SETTLED, arg=nodes, polling="raf", timeout=timeout)
    page.wait_for_function("() => !window.backpropLab.page.refining", polling="raf", timeout=timeout)


def run_value_changes(quick: bool = False, repeats: int | None = None) -> dict:
    """The value-change ratio at VALUE_CHANGE_NODES: slider move → drawn numbers, over a bare fetch."""
    if unavailable():
        return unavailable()
    repeats = repeats or (5 if quick else 15)
    rows = []
    with server_and_chromium() as (server, browser):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(server.base_url + "/")
        page.wait_for_selector("#graph svg g.wire-label")
        for target in VALUE_CHANGE_NODES:
            program, nodes = program_with_nodes(target)
            page.fill("#program", program.text)
            page.press("#program", "Control+Enter")
            wait_settled(page, nodes)
            bare = {"expression": program.text, "default_value": 1, "strict": False}
            changed, fetched, asked, painted, moved = [], [], [], [], []
            for k in range(repeats + 1):
                change, fetch, own, fetch_and_paint, move_fetch_and_paint = page.evaluate(
                    VALUE_CHANGE, [0.5 + 0.25 * k, bare])
                if k:  # the first move warms the page up
                    changed.append(change / 1e3)
                    fetched.append(fetch / 1e3)
                    painted.append(fetch_and_paint / 1e3)
                    moved.append(move_fetch_and_paint / 1e3)
                    if own is not None:
                        asked.append(own / 1e3)
            rows.append({"target": target, "nodes": nodes, "change_s": statistics.median(changed),
                         "fetch_s": statistics.median(fetched),
                         "own_request_s": statistics.median(asked) if asked else None,
                         "fetch_and_paint_s": statistics.median(painted),
                         "ratio": statistics.median(changed) / statistics.median(fetched),
                         "ratio_to_fetch_and_paint": statistics.median(changed) / statistics.median(painted),
                         "move_fetch_and_paint_s": statistics.median(moved),
                         "ratio_to_move_fetch_and_paint": statistics.median(changed) / statistics.median(moved),
                         "repeats": repeats})
    return {"status": "ok", "rows": rows, "target_ratio": VALUE_CHANGE_TARGET}


def readability(quick: bool = False) -> dict:
    """How big the numbers are in the first view of each program, per viewport."""
    if unavailable():
        return unavailable()
    from app.teaching.examples import examples

    nielsen = next(example for example in examples() if example["name"] == "nielsen-mlp")
    cases = [("3*(a + b*c)", "3*(a + b*c)", {}), ("two-layer network preset", nielsen["program"], nielsen["values"])]
    for target in (300,) if quick else (300, 1_000, 3_000):
        program, nodes = program_with_nodes(target)
        cases.append((f"{nodes:,}-node program", program.text, {}))
    rows = []
    with server_and_chromium() as (server, browser):
        for width, height in VIEWPORTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(server.base_url + "/")
            page.wait_for_selector("#graph svg g.wire-label")
            for name, text, values in cases:
                page.evaluate("([text, values]) => { location.hash = new URLSearchParams({program: text, "
                              "values: JSON.stringify(values)}).toString(); }", [text, values])
                page.wait_for_function("(text) => window.backpropLab.page.graph && document.querySelector('#program')"
                                       ".value === text && window.backpropLab.page.settled === "
                                       "window.backpropLab.page.request && !window.backpropLab.page.refining",
                                       arg=text, polling="raf", timeout=120_000)
                page.wait_for_timeout(200)
                heights = sorted(page.evaluate(LABEL_HEIGHTS))
                rows.append({"viewport": f"{width}×{height}", "program": name, "labels": len(heights),
                             "min_px": heights[0] if heights else None,
                             "median_px": statistics.median(heights) if heights else None,
                             "readable_share": sum(h >= READABLE_PX for h in heights) / len(heights) if heights else 0,
                             "shape": page.evaluate("window.backpropLab.page.shape")})
            page.close()
    return {"status": "ok", "rows": rows, "readable_px": READABLE_PX}


def print_value_changes(result: dict) -> None:
    if result["status"] != "ok":
        print(f"Value changes: skipped ({result['note']})")
        return
    print("A value change on the page: slider moved → numbers drawn, against the same page fetching the bare answer "
          f"(median of {result['rows'][0]['repeats']}):")
    print()
    print("| nodes | slider → drawn | of it, the page's own request | bare fetch | ratio | target "
          "| bare fetch, then the next frame painted | ratio to it | slider repainted, bare fetch, next frame painted "
          "| ratio to it |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in result["rows"]:
        own = f"{row['own_request_s'] * 1e3:,.1f} ms" if row.get("own_request_s") else "–"
        print(f"| {row['nodes']:,} | {row['change_s'] * 1e3:,.1f} ms | {own} | {row['fetch_s'] * 1e3:,.1f} ms | "
              f"{row['ratio']:.2f} | ≤ {result['target_ratio']:g} | {row['fetch_and_paint_s'] * 1e3:,.1f} ms | "
              f"{row['ratio_to_fetch_and_paint']:.2f} | {row['move_fetch_and_paint_s'] * 1e3:,.1f} ms | "
              f"{row['ratio_to_move_fetch_and_paint']:.2f} |")


def print_readability(result: dict) -> None:
    if result["status"] != "ok":
        print(f"Readability: skipped ({result['note']})")
        return
    print(f"Readability of the first view: rendered height of the number labels in view (target ≥ {result['readable_px']} px):")
    print()
    print("| screen | program | drawn as | labels in view | smallest | median | at ≥ 10 px |")
    print("|---|---|---|---:|---:|---:|---:|")
    for row in result["rows"]:
        small = f"{row['min_px']:.1f} px" if row["min_px"] else "–"
        median = f"{row['median_px']:.1f} px" if row["median_px"] else "–"
        print(f"| {row['viewport']} | {row['program']} | {row['shape']} | {row['labels']} | {small} | {median} | "
              f"{row['readable_share']:.0%} |")


def print_page(result: dict) -> None:
    if result["status"] != "ok":
        print(f"Page: skipped ({result['note']})")
        return
    print("Page in headless Chromium: from the API's answer to the drawn graph (median of "
          f"{result['rows'][0]['repeats']}):")
    print()
    print("| nodes | first drawn by | answer → drawn | request → drawn | answer → Graphviz's drawing | target |")
    print("|---:|---|---:|---:|---:|---:|")
    for row in result["rows"]:
        target = f"< {row['target_s']:g} s" if row["target_s"] else ""
        neat = f"{row['answer_to_neat_s'] * 1e3:,.0f} ms" if row.get("answer_to_neat_s") else ""
        if row.get("graphviz_failures"):
            neat = f"Graphviz failed {row['graphviz_failures']} of {row['repeats']} times" + (f"; {neat}" if neat else "")
        print(f"| {row['nodes']:,} | {row['layout']} | {row['answer_to_drawn_s'] * 1e3:,.0f} ms | "
              f"{row['request_to_drawn_s'] * 1e3:,.0f} ms | {neat} | {target} |")
    if result["page_errors"]:
        print("page errors:", result["page_errors"])


if __name__ == "__main__":
    print_page(run_page())
    print()
    print_value_changes(run_value_changes())
    print()
    print_readability(readability())
