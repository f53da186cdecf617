"""End-to-end benchmark of the engine against micrograd, on the same generated scalar programs.

Run from the repository root:

    python benchmarks/bench_engine.py                       # the table
    python benchmarks/bench_engine.py --sizes 10 1000       # some sizes only
    python benchmarks/bench_engine.py --stages 1000 100000  # ours, stage by stage
    python benchmarks/bench_engine.py --profile 1000        # cProfile of ours, by tottime
    python benchmarks/bench_engine.py --profile 1000 --again  # cProfile of ours asked again

Two kinds of program are generated, deterministically (fixed seed), at each size
(the number of operations, i.e. gate nodes):

* ``stmts``: a multi-statement program such as ``v12 = tanh(v3 + v7*x1)``, a mix
  of ``+``, ``*``, ``tanh`` and ``relu`` with a few literal constants, whose
  operands reuse earlier variables (fan-out, near and far). Every variable is
  used (the unused ones are summed into the output), so micrograd, which only
  walks what the output depends on, sees the same graph as ours. The forms keep
  every value in [-1, 1], so nothing overflows.
* ``sum``: one long expression ``x1 + x2 + ... + xN`` (a left-nested chain, the
  deepest graph there is: micrograd's recursive topological sort needs a high
  recursion limit for it).

For each, end to end:

* ours:      ``app.compute_graph_json(program, values)``, a first request (no graph kept from an
  earlier one: tokenize, parse, build, forward, backward, graph_json, orjson).
* ours, asked again (``again``): the same program with new values (every input times 1 + 1/1024, then
  1 + 2/1024, in turn), the graph kept from the request before: what a slider dragged asks for
  (forward, backward, the answer written from its template). Checked byte for byte against a first
  request with the same values.
* micrograd: build the same graph as ``micrograd.engine.Value`` objects by
  running the generator's own three-address code (no text is parsed or
  ``exec``-ed; this is the cheapest possible build for micrograd), ``.backward()``,
  then a comparable JSON with orjson: every node reachable from the output, in
  topological order, with ``id``, ``op``, ``inputs``, ``value`` and ``grad``,
  plus the output value and the inputs' gradients. (Ours writes more: also
  ``label``, ``name``, ``shape``, one ``edges`` entry per wire with its value and
  gradient, and ``warnings``.) micrograd 0.1.0 has no ``tanh``; ``mg_tanh`` adds
  one the way micrograd writes its ops (a Value and a ``_backward`` closure).

Timing: ``time.perf_counter`` (``--clock cpu``: ``time.process_time``, the process's CPU time, which
other work on a busy machine inflates less); ours and micrograd alternate sample by sample
(the machine is shared and noisy: compare ratios from the same run). A sample
is one call for big programs and a batch of calls lasting about 20 ms for small
ones (as timeit does); ``gc.collect()`` runs before each sample, outside the
timer, and the garbage collector stays enabled inside it, as in a server.
Each test and size takes samples until ``--budget`` seconds of wall clock are
spent (at least ``--min-reps``, at most ``--max-reps`` samples); the table gives
the median time per call.

``--stages`` times ours one stage at a time, calling the internal functions
(as_value, tokenize, GraphBuilder + parse, forward_values, backward_values,
graph_json, orjson.dumps) as compute_graph and build_graph call them, and
compares end to end with the cycle collector off, to show what its scans cost. ``--profile``
prints cProfile's hotspots; note that NumPy ufunc calls and ``np.shape`` are
not functions cProfile sees, so their time shows as the caller's tottime.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import pstats
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import orjson  # noqa: E402
from micrograd.engine import Value  # noqa: E402

import app  # noqa: E402
from app.engine.backward import backward_values  # noqa: E402
from app.compute import GRAPHS  # noqa: E402
from app.engine.limits import limits_in_force  # noqa: E402
from app.engine.forward import forward_values  # noqa: E402
from app.engine.graph import GraphBuilder, as_value  # noqa: E402
from app.engine.parser import parse, tokenize  # noqa: E402
from app.engine.serialize import graph_json  # noqa: E402

from benchmarks.programs import ADD, GENERATORS, MUL, TANH, Program  # noqa: E402
from benchmarks.run import code_state  # noqa: E402

DEFAULT_SIZES = (10, 100, 1_000, 10_000, 100_000)

# -- the two engines -----------------------------------------------------------------------------


def ours(program_text: str, values: dict) -> bytes:
    """A first request: no graph kept from an earlier one."""
    GRAPHS.clear()
    return app.compute_graph_json(program_text, values)


def ours_again(program_text: str, values_pair: tuple[dict, dict]) -> None:
    """The same program asked again with new values, twice (a slider dragged): the graph kept, the numbers new."""
    for values in values_pair:
        app.compute_graph_json(program_text, values)


def new_values(values: dict, step: int) -> dict:
    return {name: value * (1 + step / 1024) for name, value in values.items()}


def mg_tanh(x: Value) -> Value:
    """tanh as micrograd writes its ops (micrograd 0.1.0 has none)."""
    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")

    def _backward():
        x.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def topological(root: Value) -> list[Value]:
    """Every node the root depends on, arguments first (iterative, unlike micrograd's own)."""
    order = []
    seen = set()
    stack = [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if v in seen:
            continue
        seen.add(v)
        stack.append((v, True))
        for child in v._prev:
            if child not in seen:
                stack.append((child, False))
    return order


def micrograd(program: Program) -> bytes:
    r = list(program.registers)
    slots = program.slots
    inputs = {}
    for name, x in program.inputs.items():
        r[slots[name]] = inputs[name] = Value(x)
    for opcode, d, a, b in program.code:
        if opcode == ADD:
            r[d] = r[a] + r[b]
        elif opcode == MUL:
            r[d] = r[a] * r[b]
        elif opcode == TANH:
            r[d] = mg_tanh(r[a])
        else:
            r[d] = r[a].relu()
    out = r[program.output_slot]
    out.backward()
    order = topological(out)
    ids = {v: i for i, v in enumerate(order)}
    nodes = [
        {"id": i, "op": v._op or "leaf", "inputs": [ids[c] for c in v._prev], "value": v.data, "grad": v.grad}
        for i, v in enumerate(order)
    ]
    return orjson.dumps({
        "value": out.data,
        "output": len(order) - 1,
        "gradients": {name: v.grad for name, v in inputs.items()},
        "nodes": nodes,
    })


def run_micrograd(program: Program) -> bytes:
    """micrograd's backward() recurses once per level of the graph: lift the limit for it alone."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4 * len(program.registers) + 10_000))
    try:
        return micrograd(program)
    finally:
        sys.setrecursionlimit(old)


# -- checks ----------------------------------------------------------------------------------------


def compare(ours_json: bytes, mg_json: bytes) -> tuple[int, int, float]:
    """Node counts of both answers and the largest relative difference of the output and input gradients."""
    a = orjson.loads(ours_json)
    b = orjson.loads(mg_json)
    worst = abs(a["value"] - b["value"]) / max(1e-300, abs(a["value"]), abs(b["value"]))
    for name, g in a["gradients"].items():
        h = b["gradients"][name]
        if g is None or h is None:
            return len(a["nodes"]), len(b["nodes"]), math.inf
        if g != h:
            worst = max(worst, abs(g - h) / max(abs(g), abs(h)))
    finite = all(n["value"] is not None for n in a["nodes"]) and not a["warnings"]
    return len(a["nodes"]), len(b["nodes"]), worst if finite else math.inf


# -- the table ---------------------------------------------------------------------------------------


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter  # --clock cpu: the process's CPU time, which a busy machine inflates less


def timed(fn, *args) -> float:
    gc.collect()
    start = clock()
    fn(*args)
    return clock() - start


def sample(fn, args: tuple, calls: int) -> float:
    """Seconds per call, over ``calls`` calls in a row (gc.collect() first, outside the timer)."""
    gc.collect()
    start = clock()
    for _ in range(calls):
        fn(*args)
    return (clock() - start) / calls


def bench(kind: str, size: int, budget: float, min_reps: int, max_reps: int) -> dict:
    program = GENERATORS[kind](size)
    text, values = program.text, program.inputs
    row = {"kind": kind, "size": size, "ops": program.ops, "chars": len(text)}
    wall = time.perf_counter()
    # Untimed runs: warm caches, check that both engines agree, and size the batches.
    start = time.perf_counter()
    ours_json = ours(text, values)
    first_ours = time.perf_counter() - start
    try:
        start = time.perf_counter()
        mg_json = run_micrograd(program)
        first_mg = time.perf_counter() - start
    except RecursionError as error:
        mg_json, first_mg, row["mg_error"] = None, 0.0, f"RecursionError: {error}"
    if mg_json is not None:
        row["nodes_ours"], row["nodes_mg"], row["max_rel_diff"] = compare(ours_json, mg_json)
    else:
        row["nodes_ours"] = len(orjson.loads(ours_json)["nodes"])
    # Small programs: each sample is a batch of calls lasting about 20 ms (as timeit does), so that
    # gc.collect() between samples does not dominate the wall clock; big ones: one call per sample.
    if first_ours < 0.01:
        first_ours = min(timed(ours, text, values) for _ in range(3))
        if mg_json is not None:
            first_mg = min(timed(run_micrograd, program) for _ in range(3))
    calls_ours = max(1, int(0.02 / first_ours))
    calls_mg = max(1, int(0.02 / first_mg)) if mg_json is not None else 0
    pair = (new_values(values, 1), new_values(values, 2))
    ours_again(text, pair)
    row["warm_agrees"] = app.compute_graph_json(text, pair[1]) == ours(text, pair[1])
    ours_again(text, pair)
    t_ours, t_mg, t_warm = [], [], []
    # ours and micrograd alternate, sample by sample, so both see the same machine.
    if first_ours > 1.0:  # a call of seconds: a few samples are enough, and keep the run short
        min_reps = min(min_reps, 3)
    while len(t_ours) < max_reps and (len(t_ours) < min_reps or time.perf_counter() - wall < budget):
        t_ours.append(sample(ours, (text, values), calls_ours))
        ours_again(text, pair)  # the graph kept again (ours cleared it)
        t_warm.append(sample(ours_again, (text, pair), calls_ours) / 2)
        if mg_json is not None:
            t_mg.append(sample(run_micrograd, (program,), calls_mg))
    row["reps"] = len(t_ours)
    row["calls"] = (calls_ours, calls_mg)
    row["ours_ms"] = 1e3 * statistics.median(t_ours)
    row["ours_min_ms"] = 1e3 * min(t_ours)
    row["warm_ms"] = 1e3 * statistics.median(t_warm)
    if t_mg:
        row["mg_ms"] = 1e3 * statistics.median(t_mg)
        row["mg_min_ms"] = 1e3 * min(t_mg)
    return row


def _reps(row: dict) -> str:
    calls_ours, calls_mg = row["calls"]
    return f"{row['reps']}×{calls_ours}/{calls_mg}"


def print_table(rows: list[dict]) -> None:
    header = (f"{'test':<6} {'size':>7} {'ops':>7} {'nodes':>7} {'mg nodes':>8} {'samples×calls':>13} "
              f"{'ours ms':>10} {'micrograd ms':>12} {'ours/mg':>8} {'ours µs/node':>12} "
              f"{'mg µs/node':>10} {'agree':>8} {'again ms':>9} {'again/mg':>8}")
    print(header)
    print("-" * len(header))
    for row in rows:
        mg = row.get("mg_ms")
        agree = row.get("max_rel_diff")
        print(f"{row['kind']:<6} {row['size']:>7} {row['ops']:>7} {row['nodes_ours']:>7} "
              f"{row.get('nodes_mg', '-'):>8} {_reps(row):>13} {row['ours_ms']:>10.3f} "
              + (f"{mg:>12.3f} {row['ours_ms'] / mg:>8.2f} " if mg else f"{'failed':>12} {'-':>8} ")
              + f"{1e3 * row['ours_ms'] / row['nodes_ours']:>12.2f} "
              + (f"{1e3 * mg / row['nodes_mg']:>10.2f} " if mg else f"{'-':>10} ")
              + (f"{agree:>8.1e}" if agree is not None else f"{'-':>8}")
              + f" {row['warm_ms']:>9.3f}" + (f" {row['warm_ms'] / mg:>8.2f}" if mg else f" {'-':>8}")
              + ("" if row["warm_agrees"] else "  (asked again: NOT the same bytes as a first request)"))
        if "mg_error" in row:
            print(f"       micrograd failed: {row['mg_error']}")


# -- stages and profile ------------------------------------------------------------------------------


def stages(program: Program) -> dict[str, float]:
    """Ours, one stage at a time, calling the internal functions as compute_graph and build_graph
    call them; seconds."""
    text, raw = program.text, program.inputs
    limits = limits_in_force()
    t = {}
    gc.collect()
    with np.errstate(all="ignore"):
        t0 = time.perf_counter()
        given = {name: as_value(name, x, limits) for name, x in raw.items()}
        t1 = time.perf_counter()
        tokens = tokenize(text)
        t2 = time.perf_counter()
        builder = GraphBuilder(tokens, given, limits, None)
        parse(tokens, builder, limits.max_depth)
        graph = builder.finish()
        t4 = time.perf_counter()
        values = forward_values(graph, limits=limits)
        t5 = time.perf_counter()
        grads, wire_grads = backward_values(graph, values)
        t6 = time.perf_counter()
        result = graph_json(graph, values, grads, wire_grads)
        t7 = time.perf_counter()
    data = orjson.dumps(result)
    t8 = time.perf_counter()
    n_nodes, n_bytes = len(graph), len(data)
    del given, tokens, builder, graph, values, grads, wire_grads, result, data
    t9 = time.perf_counter()
    t["input values (as_value)"] = t1 - t0
    t["tokenize"] = t2 - t1
    t["parse + build (GraphBuilder)"] = t4 - t2
    t["forward"] = t5 - t4
    t["backward"] = t6 - t5
    t["graph_json"] = t7 - t6
    t["orjson.dumps"] = t8 - t7
    t["freeing graph and answer"] = t9 - t8
    t["_nodes"] = n_nodes
    t["_bytes"] = n_bytes
    return t


def ours_gc_off_throughout(program_text: str, values: dict) -> int:
    """An experiment, not the app: the cycle collector off until the answer is bytes and the graph's
    containers are freed (by reference counting), to show what the collector's scans cost."""
    was = gc.isenabled()
    GRAPHS.clear()  # a first request, as ``ours`` makes it
    gc.disable()
    try:
        return len(app.compute_graph_json(program_text, values))
    finally:
        if was:
            gc.enable()


def print_stages(kind: str, size: int, reps: int) -> None:
    program = GENERATORS[kind](size)
    text, inputs = program.text, program.inputs
    stages(program)  # warm-up
    runs, e2e, off = [], [], []
    for _ in range(reps):  # interleaved, so that all see the same machine
        runs.append(stages(program))
        e2e.append(timed(ours, text, inputs))
        off.append(timed(ours_gc_off_throughout, text, inputs))
    names = [k for k in runs[0] if not k.startswith("_")]
    med = {k: statistics.median(r[k] for r in runs) for k in names}
    total = sum(med.values())
    nodes = runs[0]["_nodes"]
    print(f"\nstages of ours: {kind} program, {program.ops} ops, {nodes} nodes, {len(text)} chars, "
          f"{runs[0]['_bytes']} bytes of JSON; median of {reps}")
    print(f"  {'stage':<34} {'ms':>10} {'share':>7} {'µs/node':>9}")
    for k in names:
        print(f"  {k:<34} {1e3 * med[k]:>10.3f} {med[k] / total:>7.1%} {1e6 * med[k] / nodes:>9.2f}")
    print(f"  {'sum of stages':<34} {1e3 * total:>10.3f} {'':>7} {1e6 * total / nodes:>9.2f}")
    for label, times in (("end to end (ours, as the app is)", e2e),
                         ("  same, cycle collector off", off)):
        m = statistics.median(times)
        print(f"  {label:<34} {1e3 * m:>10.3f} {m / statistics.median(e2e):>7.2f} {1e6 * m / nodes:>9.2f}")


def print_profile(kind: str, size: int, top: int, again: bool = False) -> None:
    program = GENERATORS[kind](size)
    text, values = program.text, program.inputs
    pair = (new_values(values, 1), new_values(values, 2))
    ours(text, values)  # warm-up
    ours_again(text, pair)
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    if again:
        for _ in range(10):
            ours_again(text, pair)
    else:
        ours(text, values)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    what = "asked again with new values, 20 calls" if again else "a first request"
    print(f"\ncProfile of ours, {what}, {kind} program, {program.ops} ops (sorted by tottime, top {top})")
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="operation counts to benchmark (default: %(default)s)")
    parser.add_argument("--kinds", nargs="+", choices=sorted(GENERATORS), default=["stmts", "sum"],
                        help="which programs: multi-statement (stmts), one long sum (sum)")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="seconds to spend per test and size, both engines together (default: %(default)s)")
    parser.add_argument("--min-reps", type=int, default=5, help="(3 for calls over a second)")
    parser.add_argument("--max-reps", type=int, default=500)
    parser.add_argument("--stages", type=int, nargs="*", metavar="SIZE",
                        help="instead of the table: ours stage by stage at these sizes (default 1000 100000)")
    parser.add_argument("--stage-reps", type=int, default=5)
    parser.add_argument("--profile", type=int, nargs="*", metavar="SIZE",
                        help="instead of the table: cProfile of ours at these sizes (default 1000 100000)")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile to print")
    parser.add_argument("--again", action="store_true", help="profile the program asked again with new values")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall: elapsed time; cpu: the process's CPU time (on a busy machine)")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]

    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, orjson {orjson.__version__}, "
          f"micrograd {_micrograd_version()}, {os.cpu_count()} CPUs; app: {code_state()}")
    if args.stages is not None or args.profile is not None:
        for size in (args.stages if args.stages else [1000, 100_000]) if args.stages is not None else []:
            for kind in args.kinds:
                print_stages(kind, size, args.stage_reps if size < 100_000 else min(args.stage_reps, 3))
        for size in (args.profile if args.profile else [1000, 100_000]) if args.profile is not None else []:
            for kind in args.kinds:
                print_profile(kind, size, args.top, args.again)
        return
    print("ours = app.compute_graph_json(program, values), a first request; again = the same program with new "
          "values, its graph kept; micrograd = build + backward() + orjson of all nodes; times are medians; "
          "ratio ours/micrograd > 1 means ours is slower")
    rows = []
    started = time.perf_counter()
    for kind in args.kinds:
        for size in args.sizes:
            rows.append(bench(kind, size, args.budget, args.min_reps, args.max_reps))
            print(f"  ... {kind} {size} done ({time.perf_counter() - started:.0f} s)", flush=True)
    print()
    print_table(rows)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def _micrograd_version() -> str:
    try:
        from importlib.metadata import version
        return version("micrograd")
    except Exception:
        return "?"


if __name__ == "__main__":
    main()
