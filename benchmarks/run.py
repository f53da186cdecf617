"""The benchmark suite: ours against the tools a user could pick instead, side by side in one run.

Run from the repository root (the peers are optional: ``pip install -e '.[bench]'`` installs them):

    python -m benchmarks              # the full run, a few minutes: prints tables, writes
                                      # benchmarks/results/latest.json
    python -m benchmarks --quick      # sizes 10 to 1,000, short budgets, about a minute
    python -m benchmarks --peers micrograd torch --no-page   # some peers, no browser
    python -m benchmarks.load --seconds 10                    # the classroom load run (see load.py)

Workloads (benchmarks/programs.py): ``stmts`` programs of 10 to 100,000 operations, a ``chain`` of
5,000 nested calls and a flat ``sum`` of 10,000 terms. Engines (benchmarks/peers.py): ours in process
and through a live uvicorn, micrograd (from the text, and from pre-lowered three-address code),
PyTorch, JAX (eager, and jit compiled per request), SymPy. Every engine's first answer on a workload is
checked against ours (output value and every input gradient, to 1e-9 relative) before its times count;
an engine that raises (RecursionError, SyntaxError, ...), disagrees, or would take over ``--cap``
seconds for one call is reported as such, and is not run on larger programs of the same kind.

Timing: ``--clock cpu`` (the default) counts the process's CPU time (``time.process_time``), so that
other work on a shared machine does not inflate the figures (for a single-threaded engine on an idle
machine it equals the elapsed time; PyTorch's and JAX's helper threads count too); ``--clock wall``
counts elapsed time (``time.perf_counter``); ours over HTTP is always timed by the wall clock (its work
is in the server's process). The engines take turns sample by sample (round robin) so that all see
the same machine; a sample is a batch of calls lasting about 20 ms for small programs, one call for
big ones (a tenth of the budget when that is less). Each engine runs in a process of its own, so that
its heap holds only its own library, and ``gc.collect()`` runs before each sample, outside the timer
(garbage that earlier calls left for the collector, such as micrograd's reference cycles, is not
counted: this favours the peers); the collector stays on inside it, as in a server. Each engine
spends about ``--budget`` seconds per workload (at least 3 samples, or 1 when a call takes longer than
the budget). The tables give medians and ratios ours / peer (below 1: ours is faster).

Also: the sweep (compute.sweep, 10,000 points of f and df/dx, as /api/sweep) against a hand-written
NumPy evaluation of the same function, the page (headless Chromium): time from the API's answer
to the drawn graph at 10 to 3,000 nodes, and the playground (benchmarks/playground.py): epochs and
redrawn boundaries a second for a 2-6-6-1 network on 200 points, the engine against NumPy by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import multiprocessing
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import orjson  # noqa: E402

from benchmarks.peers import PEER_NAMES, Engine, make_engine, max_rel_diff, ours_in_process  # noqa: E402
from benchmarks.programs import GENERATORS, Program  # noqa: E402

SIZES = (10, 100, 1_000, 10_000, 100_000)
QUICK_SIZES = (10, 100, 1_000)
EXTRA_WORKLOADS = (("chain", 5_000), ("sum", 9_999))  # 5,000 nested calls; 10,000 terms
QUICK_EXTRA = (("chain", 1_000), ("sum", 999))
TOLERANCE = 1e-9
RESULTS = os.path.join(ROOT, "benchmarks", "results", "latest.json")


class OverCap(Exception):
    pass


def _alarm(_signum, _frame):
    raise OverCap()


def capped(fn, program: Program, cap: float, cpu: bool = False):
    """fn(program), interrupted with OverCap after ``cap`` seconds of the process's CPU time (``cpu``) or of
    the wall clock. Pure-Python work stops at once; native work (a JAX compilation) only when it returns to
    Python, so the suite also stops a process that does not answer in time."""
    if cap <= 0 or not hasattr(signal, "setitimer"):
        return fn(program)
    timer, signal_number = (signal.ITIMER_PROF, signal.SIGPROF) if cpu else (signal.ITIMER_REAL, signal.SIGALRM)
    previous = signal.signal(signal_number, _alarm)
    signal.setitimer(timer, cap)
    try:
        return fn(program)
    finally:
        signal.setitimer(timer, 0)
        signal.signal(signal_number, previous)


@dataclass
class Cell:
    """One engine on one workload."""
    status: str = "ok"  # ok | failed | wrong | over cap | skipped | unavailable
    note: str = ""
    times: list[float] = field(default_factory=list)  # seconds per call, one per sample
    calls: int = 1  # calls per sample
    max_rel_diff: float | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def as_dict(self) -> dict:
        d = {"status": self.status}
        if self.note:
            d["note"] = self.note
        if self.times:
            d.update(median_ms=1e3 * self.median, min_ms=1e3 * min(self.times), samples=len(self.times),
                     calls_per_sample=self.calls)
        if self.max_rel_diff is not None:
            d["max_rel_diff"] = self.max_rel_diff
        return d


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def sample(fn, program: Program, calls: int, reset=None, timer=time.perf_counter) -> float:
    if reset is not None:
        reset()
    gc.collect()  # garbage of earlier calls (micrograd's reference cycles) is not this sample's
    start = timer()
    for _ in range(calls):
        fn(program)
    return (timer() - start) / calls


def predicted(history: list[tuple[int, float]], size: int) -> float:
    """A call's time at ``size`` from the same engine's time at the largest smaller size of the same kind,
    growing linearly (a peer that grows faster is stopped by the cap instead)."""
    if not history:
        return 0.0
    (known_size, seconds) = history[-1]
    return seconds * size / known_size


class Worker:
    """One engine in a process of its own (forked before any peer is imported), driven over a pipe.

    Each engine's heap holds only its own library: a full garbage collection inside a sample costs what it
    costs in a process that imported only that engine (with torch, JAX and SymPy in one process, a single
    collection scans millions of their objects). The parent keeps the turns, so samples still interleave."""

    def __init__(self, factory: Callable[[], Engine], clock: str):
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(factory, child, clock), daemon=True)
        self.process.start()
        child.close()
        self.dead = ""
        ready = self._receive(300)
        if ready is None:
            raise RuntimeError(f"an engine's process did not start: {self.dead}")
        self.name, self.label, self.ours, self.note, self.version = ready

    def _receive(self, timeout: float):
        try:
            if self.connection.poll(timeout):
                return self.connection.recv()
            self.dead = f"no answer within {timeout:.0f} s"
        except (EOFError, OSError):
            self.dead = "its process died"
        self.process.kill()
        return None

    def ask(self, message: tuple, timeout: float):
        """The engine's answer, or None if its process died or hung (it is then stopped for good)."""
        if self.dead:
            return None
        try:
            self.connection.send(message)
        except OSError:
            self.dead = "its process died"
            return None
        return self._receive(timeout)

    def close(self) -> None:
        if not self.dead:
            with contextlib.suppress(OSError):
                self.connection.send(("quit",))
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


def _serve(factory: Callable[[], Engine], connection, clock: str) -> None:
    """The engine's process: make the engine, then answer the parent's requests until told to quit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    engine = factory()
    connection.send((engine.name, engine.label, engine.ours, engine.note if engine.run is None else "",
                     engine.extra.get("version")))
    timer = time.perf_counter if engine.wall_clock else CLOCKS[clock]
    program, key = None, None
    while True:
        message = connection.recv()
        if message[0] == "quit":
            return
        if message[0] == "sample":
            connection.send(sample(engine.run, program, message[1], engine.reset, timer))
            continue
        _, kind, size, cap = message  # "first": the checked first call on a new workload
        if key != (kind, size):
            program, key = None, None
            gc.collect()
            program, key = GENERATORS[kind](size), (kind, size)
            gc.collect()
        try:
            if engine.reset:
                engine.reset()
            gc.collect()
            start = timer()
            answer = capped(engine.run, program, cap, cpu=timer is time.process_time)
            elapsed = timer() - start
        except OverCap:
            connection.send(("over cap", f"one call took over {cap:g} s", None, None))
        except Exception as error:  # noqa: BLE001  a peer's failure is a result
            connection.send(("failed", f"{type(error).__name__}: {str(error)[:120]}", None, None))
        else:
            connection.send(("ok", "", elapsed, answer))


def bench_workload(kind: str, size: int, workers: list[Worker], cells: dict[str, Cell], budget: float,
                   cap: float, max_reps: int) -> None:
    """Check every engine's first answer against ours, then take samples round robin."""
    reference = None
    first: dict[str, float] = {}
    for worker in workers:
        cell = cells[worker.name]
        if cell.status != "ok":
            continue
        # A peer's process that does not answer within three times the cap in elapsed time is stopped.
        reply = worker.ask(("first", kind, size, 0 if worker.ours else cap), 600 if worker.ours else 3 * cap + 30)
        if reply is None:
            cell.status, cell.note = "failed", worker.dead
            continue
        status, note, elapsed, answer = reply
        if status != "ok":
            cell.status, cell.note = status, note
            continue
        if worker.ours and reference is None:
            reference = answer
        diff = max_rel_diff(reference, answer) if reference is not None else math.inf
        cell.max_rel_diff = diff
        if not diff <= TOLERANCE:
            cell.status, cell.note = "wrong", f"value or gradients differ from ours by {diff:.2e} (relative)"
            continue
        first[worker.name] = elapsed
    active = [w for w in workers if w.name in first]
    # A small program: the best of three quick calls sizes the batches.
    for worker in active:
        if first[worker.name] < 0.01:
            first[worker.name] = min(worker.ask(("sample", 1), 60) or math.inf for _ in range(3))
    spent = {w.name: 0.0 for w in active}
    batch = min(0.02, budget / 10)  # seconds of calls in one sample
    for worker in active:
        cells[worker.name].calls = max(1, int(batch / max(first[worker.name], 1e-7)))
        if first[worker.name] > budget:  # one call is over the budget: the checked call is the sample
            cells[worker.name].times.append(first[worker.name])
    while True:
        turn = [w for w in active if not w.dead and len(cells[w.name].times) < max_reps
                and (len(cells[w.name].times) < 3 and first[w.name] <= budget or spent[w.name] < budget)]
        if not turn:
            break
        for worker in turn:
            cell = cells[worker.name]
            start = time.perf_counter()
            seconds = worker.ask(("sample", cell.calls), 600 if worker.ours else 3 * cap + 30)
            spent[worker.name] += time.perf_counter() - start
            if seconds is None:
                cell.note = f"stopped: {worker.dead}"
            else:
                cell.times.append(seconds)


def run_engines(workloads: list[tuple[str, int]], factories: list[Callable[[], Engine]], args) -> dict:
    """Each workload on each engine; ``factories[0]`` must make ours (in process), the reference.
    Returns {"labels": {engine: label}, "versions": {engine: version}, "rows": [one per workload]}."""
    workers = []
    try:
        for factory in factories:
            workers.append(Worker(factory, args.clock))
        started = time.perf_counter()
        rows = _run_workloads(workloads, workers, args)
        return {"labels": {w.name: w.label for w in workers}, "versions": {w.name: w.version for w in workers},
                "seconds": time.perf_counter() - started, "rows": rows}
    finally:
        for worker in workers:
            worker.close()


def _run_workloads(workloads: list[tuple[str, int]], workers: list[Worker], args) -> list[dict]:
    rows = []
    history: dict[tuple[str, str], list[tuple[int, float]]] = {}
    given_up: dict[tuple[str, str], str] = {}  # (engine, kind) → why it is not run on bigger programs
    started = time.perf_counter()
    for kind, size in workloads:
        program = GENERATORS[kind](size)
        cells: dict[str, Cell] = {}
        for worker in workers:
            key = (worker.name, kind)
            if worker.note:
                cells[worker.name] = Cell("unavailable", worker.note)
            elif worker.dead:
                cells[worker.name] = Cell("skipped", f"{worker.dead} earlier")
            elif key in given_up:
                cells[worker.name] = Cell("skipped", given_up[key])
            elif not worker.ours and predicted(history.get(key, []), size) > args.cap:
                cells[worker.name] = Cell("skipped", f"predicted {predicted(history[key], size):.0f} s a call, "
                                                     f"over the {args.cap:g} s cap")
            else:
                cells[worker.name] = Cell()
        bench_workload(kind, size, workers, cells, args.budget, args.cap, args.max_reps)
        for worker in workers:
            cell = cells[worker.name]
            key = (worker.name, kind)
            if cell.times:
                history.setdefault(key, []).append((size, cell.median))
            elif cell.status in ("failed", "over cap", "wrong") and key not in given_up:
                given_up[key] = f"{cell.status} at {kind} {size}"
        ours = cells[workers[0].name]
        row = {"kind": kind, "size": size, "ops": program.ops, "chars": len(program.text),
               "nodes": len(orjson.loads(ours_in_process(program))["nodes"]) if ours.times else None,
               "engines": {name: cell.as_dict() for name, cell in cells.items()}}
        rows.append(row)
        del program
        print(f"  ... {kind} {size} done ({time.perf_counter() - started:.0f} s)", flush=True)
    return rows


# -- printing ----------------------------------------------------------------------------------------


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def cell_text(cell: dict) -> str:
    if cell["status"] == "ok":
        return format_seconds(cell["median_ms"] / 1e3)
    return {"failed": "failed", "wrong": "WRONG", "over cap": "> cap", "skipped": "–",
            "unavailable": "n/a"}[cell["status"]]


def ratio_text(numerator: float, denominator: float) -> str:
    if not denominator > 0:
        return "-"  # below the clock's resolution
    ratio = numerator / denominator
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}"


def workload_name(row: dict) -> str:
    if row["kind"] == "stmts":
        return f"{row['ops']:,} ops"
    if row["kind"] == "chain":
        return f"chain {row['size']:,} calls"
    return f"sum {row['size'] + 1:,} terms"


def markdown_tables(result: dict, clock: str = "wall") -> str:
    """Two tables from run_engines' result: median time per request, and ours / peer."""
    rows, labels = result["rows"], result["labels"]
    names = list(labels)
    head = "| one request | nodes | " + " | ".join(labels[n] for n in names) + " | ours µs/node |"
    rule = "|---|---:|" + "---:|" * len(names) + "---:|"
    lines = [f"Median {clock} time per request{' (ours over HTTP: wall clock)' if 'ours-http' in names else ''}:",
             "", head, rule]
    for row in rows:
        ours = row["engines"]["ours"]
        per_node = f"{1e3 * ours['median_ms'] / row['nodes']:.2f}" if ours["status"] == "ok" else "-"
        lines.append(f"| {workload_name(row)} | {row['nodes'] or '-'} | "
                     + " | ".join(cell_text(row["engines"][n]) for n in names) + f" | {per_node} |")
    peer_names = [n for n in names if n != "ours"]
    lines += ["", "Ours / peer (time ratio, below 1 means ours is faster; ours over HTTP / ours in process in "
              "the HTTP column):", "", "| one request | " + " | ".join(labels[n] for n in peer_names) + " |",
              "|---|" + "---:|" * len(peer_names)]
    for row in rows:
        ours = row["engines"]["ours"]
        texts = []
        for n in peer_names:
            cell = row["engines"][n]
            if cell["status"] != "ok" or ours["status"] != "ok":
                texts.append(cell_text(cell))
            elif n == "ours-http":
                texts.append(ratio_text(cell["median_ms"], ours["median_ms"]))
            else:
                texts.append(ratio_text(ours["median_ms"], cell["median_ms"]))
        lines.append(f"| {workload_name(row)} | " + " | ".join(texts) + " |")
    notes = {}
    for row in rows:
        for n in names:
            cell = row["engines"][n]
            if cell["status"] in ("failed", "wrong", "over cap"):
                notes.setdefault(f"{labels[n]}: `{cell['note']}`", []).append(workload_name(row))
            elif cell["status"] == "unavailable":
                notes.setdefault(f"{labels[n]}: `{cell['note']}`", [])
    if notes:
        lines += ["", "Failures:", ""] + [f"- {note}" + (f" ({', '.join(where)})" if where else "")
                                          for note, where in notes.items()]
    return "\n".join(lines)


# -- machine -------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/meminfo") as f:
            memory = f"{int(f.readline().split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        memory = "?"
    import numpy
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory": memory, "os": platform.platform(),
            "python": platform.python_version(), "numpy": numpy.__version__, "orjson": orjson.__version__,
            "commit": code_state(), "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def code_state() -> str:
    """The commit measured, and any uncommitted changes to app/ (the code may be edited between runs)."""
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "app"], capture_output=True,
                               text=True, timeout=10).stdout.split("\n")
        dirty = [line[3:] for line in dirty if line.strip()]
        return (head or "?") + (f" + uncommitted changes to {', '.join(dirty)}" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "?"


# -- main ------------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes 10 to 1,000, short budgets (about a minute)")
    parser.add_argument("--sizes", type=int, nargs="+", help=f"operations of the stmts programs (default {SIZES})")
    parser.add_argument("--no-extra", action="store_true", help="without the deep chain and the flat sum")
    parser.add_argument("--peers", nargs="*", default=list(PEER_NAMES), metavar="PEER",
                        help=f"peers to run, of {', '.join(PEER_NAMES)}; none: --peers with no names")
    parser.add_argument("--no-http", action="store_true", help="without ours through a live uvicorn")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-page", action="store_true", help="without the page in headless Chromium")
    parser.add_argument("--no-playground", action="store_true", help="without the playground's training speed")
    parser.add_argument("--budget", type=float, help="seconds per engine and workload (default 1, quick 0.3)")
    parser.add_argument("--cap", type=float, help="seconds (of --clock) one peer call may take (default 20, quick 3)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: the process's CPU time (time.process_time), which a machine shared with other "
                             "work does not inflate; wall: elapsed time (time.perf_counter). Ours over HTTP is "
                             "always timed by the wall clock (default %(default)s)")
    parser.add_argument("--max-reps", type=int, default=200)
    parser.add_argument("--out", default=RESULTS, help="where to write the JSON (default %(default)s)")
    args = parser.parse_args(argv)
    unknown = set(args.peers) - set(PEER_NAMES)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    args.sizes = args.sizes or list(QUICK_SIZES if args.quick else SIZES)
    args.budget = args.budget if args.budget is not None else (0.3 if args.quick else 1.0)
    args.cap = args.cap if args.cap is not None else (3.0 if args.quick else 20.0)
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    info = machine()
    print(f"{info['cpu']}, {info['cpus']} CPUs, {info['memory']}; Python {info['python']}, "
          f"numpy {info['numpy']}, orjson {info['orjson']}; app at {info['commit']}", flush=True)
    workloads = [("stmts", size) for size in args.sizes]
    if not args.no_extra:
        workloads += list(QUICK_EXTRA if args.quick else EXTRA_WORKLOADS)
    results: dict = {"machine": info, "args": {k: v for k, v in vars(args).items() if k != "out"}}
    with contextlib.ExitStack() as stack:
        names = ["ours"]
        base_url = None
        if not args.no_http:
            from benchmarks.server import live_server
            base_url = stack.enter_context(live_server()).base_url
            names.append("ours-http")
        names += [name for name in PEER_NAMES if name in args.peers]
        results["engines"] = run_engines(workloads, [partial(make_engine, name, base_url) for name in names], args)
    print()
    print(markdown_tables(results["engines"], "CPU" if args.clock == "cpu" else "wall-clock"))
    if not args.no_sweep:
        from benchmarks.sweep import print_sweep, run_sweep
        results["sweep"] = run_sweep(args.budget, timer=CLOCKS[args.clock])
        print()
        print_sweep(results["sweep"])
    if not args.no_page:
        from benchmarks.page import (print_page, print_readability, print_value_changes, readability, run_page,
                                     run_value_changes)
        results["page"] = run_page(quick=args.quick)
        print()
        print_page(results["page"])
        results["page_value_changes"] = run_value_changes(quick=args.quick)
        print()
        print_value_changes(results["page_value_changes"])
        results["page_readability"] = readability(quick=args.quick)
        print()
        print_readability(results["page_readability"])
    if not args.no_playground:
        from benchmarks.playground import print_playground, run_playground
        results["playground"] = run_playground(args.budget, page=not args.no_page)
        print()
        print_playground(results["playground"])
    if hasattr(os, "getloadavg"):
        results["machine"]["load_average_at_end"] = os.getloadavg()
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        options = orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS  # epochs: 1, 3, 10
        data = orjson.dumps(results, option=options)  # before the file is opened: a failure keeps the last results
        with open(args.out, "wb") as f:
            f.write(data)
        print(f"\nwrote {os.path.relpath(args.out)}")
    return results


if __name__ == "__main__":
    main()
