"""The page in headless Chromium: time from the API's answer to the drawn graph, at 10 to 3,000 nodes.

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
"""

from __future__ import annotations

import os
import statistics

from app import compute
from benchmarks.programs import statements_program

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
NODE_COUNTS = (10, 100, 1_000, 3_000)
TARGETS_S = {1_000: 1.0, 3_000: 3.0}  # the targets, answer to drawing
GRAPHVIZ_MAX_NODES = 1_000  # as in static/js/main.js

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


def run_page(quick: bool = False, repeats: int | None = None) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"status": "unavailable", "note": "Playwright is not installed"}
    if not os.path.exists(CHROMIUM):
        return {"status": "unavailable", "note": f"no Chromium at {CHROMIUM}"}
    from benchmarks.server import live_server

    repeats = repeats or (1 if quick else 3)
    rows = []
    with live_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
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
        browser.close()
    return {"status": "ok", "rows": rows, "page_errors": errors}


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
