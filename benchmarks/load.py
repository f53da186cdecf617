"""A classroom under load: simulated students send programs to a live server on 127.0.0.1.

    python -m benchmarks.load                       # 100 students, one request each every 200 ms, 60 s
    python -m benchmarks.load --seconds 10          # a smoke run
    python -m benchmarks.load --workers 2           # uvicorn with 2 worker processes
    python -m benchmarks.load --attack worst        # while one client sends the worst requests known
    python -m benchmarks.load --attack trickle      # while 2,000 connections trickle a header line each
    python -m benchmarks.load --attack stalled-bodies   # issue 24's attackers: see benchmarks/attack.py

The script starts its own ``python -m app`` (benchmarks/server.py) on a free port of 127.0.0.1 and talks to
nothing else. Each student holds one keep-alive connection and, every ``--period`` seconds, posts
what the page posts (``--mix page``, the default, as static/js/main.js and api.js ask): a student opens one of the
worked examples of app/teaching/examples.json (the whole answer: POST /api/graph with ``default_value`` and
``strict``), then drags its sliders (each new value asks for the numbers alone, ``numbers_only``), now and then
adds a term (the whole answer again), or, one time in ten, types a broken program (a syntax error, an unknown
name or function, an unclosed bracket) that must be answered 400. One student in ten has a node's explanation
open, and the page asks those students' every change with ``local`` (the whole answer, the wires' rules and
worked local gradients). ``--mix explained`` sends what the class sent before the page asked for less: every
request the whole answer with ``local`` and ``dot``. Anything else (another status, a 500, a dropped connection, no
answer within ``--timeout`` seconds) is an error. A student whose answer comes late sends the next
request at once (it never has two in flight). The run is bounded: ``--seconds`` and ``--max-requests``.

Besides the students, a probe sends the 3-node request ``3*(a + b*c)`` every 100 ms and checks its value
and gradients: its p99 is the figure issue 13 sets a target for (under 250 ms while one attacker runs,
``--attack``, see benchmarks/attack.py).

Reported: requests, throughput, latency percentiles (send to last byte of the answer), errors, the
server's resident memory (RSS, workers included) at start, middle and end, and the CPU the server and
the load generator itself used (the server's CPU time per request is its cost whatever else runs on
the machine; the latencies are not). The generator is this process: a bare asyncio HTTP/1.1 client (no
HTTP library), to leave as much of the machine as it can to the server, but it shares the cores with
the server, and its CPU share is printed so that the figures can be read with that in mind.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import attack  # noqa: E402
from benchmarks.server import live_server  # noqa: E402

EXAMPLES = os.path.join(ROOT, "app", "teaching", "examples.json")
BAD_PROGRAMS = ("a +* b", "3*(a + b", "tanh(x, y, z, w)", "u = b*c\nv = a + u\nJ = 3*", "x ** ** 2",
                "q = nosuchfunction(x)", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2))", "a b c")
RESULTS = os.path.join(ROOT, "benchmarks", "results", "load.json")


def perturbed(value, rng: random.Random):
    if isinstance(value, list):
        return [perturbed(v, rng) for v in value]
    return round(value + rng.uniform(-1, 1), 3)


def _edited(example: dict, rng: random.Random) -> tuple[str, dict]:
    """An example's program, now and then with a term added, and its values edited as a student edits them."""
    program = example["program"]
    values = {name: perturbed(copy.deepcopy(v), rng) for name, v in example["values"].items()}
    if rng.random() < 0.3:  # a student adds a term, reusing an input
        name = rng.choice([n for n, v in values.items() if not isinstance(v, list)] or [None])
        if name:
            program = f"{program} + 0.5*{name}"
    return program, values


def _body(program: str, values: dict, **options) -> bytes:
    return json.dumps({"expression": program, "values": values, "default_value": 1, "strict": False,
                       **options}).encode()


def _examples() -> list[dict]:
    with open(EXAMPLES) as f:
        return json.load(f)


def classroom_requests(seed: int = 1, count: int = 2000) -> list[tuple[bytes, int]]:
    """``--mix explained``: request bodies and the status each must get, every one the whole answer with the wires'
    local gradients and the drawing (``local``, ``dot``): edits of the worked examples, one in ten broken."""
    examples = _examples()
    rng = random.Random(seed)
    requests = []
    for _ in range(count):
        example = rng.choice(examples)
        if rng.random() < 0.1:
            requests.append((_body(rng.choice(BAD_PROGRAMS), {}, local=True, dot=True), 400))
            continue
        program, values = _edited(example, rng)
        requests.append((_body(program, values, local=True, dot=True), 200))
    return requests


SLIDER_MOVES = (2, 12)  # a student drags a slider for this many requests (at least, at most) before editing again


def student_sessions(seed: int = 1, count: int = 400) -> list[list[tuple[bytes, int]]]:
    """``--mix page``: what a student's page posts, as sessions of requests: an example opened or edited (the whole
    answer), then its sliders dragged (its numbers alone, ``numbers_only``); one session in ten a broken program.
    One session in ten has a node's explanation open: every request of it asks for ``local`` (the whole answer)."""
    examples = _examples()
    rng = random.Random(seed)
    sessions = []
    for _ in range(count):
        if rng.random() < 0.1:
            sessions.append([(_body(rng.choice(BAD_PROGRAMS), {}), 400)])
            continue
        example = rng.choice(examples)
        program, values = _edited(example, rng)
        explained = rng.random() < 0.1
        session = [(_body(program, values, local=explained), 200)]
        for _ in range(rng.randint(*SLIDER_MOVES)):
            values = {name: perturbed(v, rng) for name, v in values.items()}
            session.append((_body(program, values, local=True) if explained else
                            _body(program, values, numbers_only=True), 200))
        sessions.append(session)
    return sessions


class Stats:
    def __init__(self):
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.sent = 0


PROBE = json.dumps({"expression": "3*(a + b*c)", "values": {"a": 5, "b": 3, "c": 2}}).encode()
PROBE_ANSWER = {"value": 33.0, "gradients": {"a": 3.0, "b": 6.0, "c": 9.0}}


async def post(reader, writer, port: int, body: bytes, answer: list | None = None) -> int:
    """The status of one POST /api/graph; its body appended to ``answer`` if given."""
    writer.write(b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % (port, len(body)) + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"content-length":
            length = int(value)
    content = await reader.readexactly(length)
    if answer is not None:
        answer.append(content)
    return status


async def exchange(connection, port: int, body: bytes, stats: Stats, timeout: float, wrong) -> tuple | None:
    """One request on ``connection`` (opened if None), timed into ``stats``; ``wrong(status, answer)`` says what
    is wrong with the answer, or None. Returns the connection to reuse (None after an error)."""
    start = time.perf_counter()
    try:
        if connection is None:
            connection = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        answer: list = []
        status = await asyncio.wait_for(post(*connection, port, body, answer), timeout)
        stats.latencies.append(time.perf_counter() - start)
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        problem = wrong(status, answer[0])
        if problem:
            stats.errors.append(problem)
        return connection
    except (OSError, asyncio.TimeoutError, ConnectionError, ValueError, IndexError) as error:
        stats.errors.append(f"{type(error).__name__}: {error}")
        if connection is not None:
            connection[1].close()
        return None


async def student(k: int, port: int, sessions, stats: Stats, end: float, period: float, timeout: float,
                  max_requests: int) -> None:
    """One student's page: a session after another, each request on time or, when late, at once."""
    rng = random.Random(k)
    await asyncio.sleep(rng.uniform(0, period))  # students do not all start on the same tick
    connection = None
    next_send = time.perf_counter()
    while time.perf_counter() < end and stats.sent < max_requests:
        for body, expected in sessions[rng.randrange(len(sessions))]:
            if time.perf_counter() >= end or stats.sent >= max_requests:
                break
            stats.sent += 1
            connection = await exchange(connection, port, body, stats, timeout, lambda status, _, e=expected: (
                f"HTTP {status} where {e} was expected" if status != e else None))
            next_send += period
            await asyncio.sleep(max(0.0, next_send - time.perf_counter()))
            next_send = max(next_send, time.perf_counter() - period)  # late: send at once, do not bunch up
    if connection is not None:
        connection[1].close()


def sessions_of(mix: str, seed: int = 1) -> list[list[tuple[bytes, int]]]:
    """The class's sessions for ``--mix``: the page's (student_sessions), or the explained mix, a request each."""
    if mix == "page":
        return student_sessions(seed)
    return [[request] for request in classroom_requests(seed)]


def _wrong_probe_answer(status: int, answer: bytes) -> str | None:
    got = json.loads(answer)
    if status != 200 or {k: got.get(k) for k in PROBE_ANSWER} != PROBE_ANSWER:
        return f"probe: HTTP {status}, a wrong answer"
    return None


async def probe(port: int, stats: Stats, end: float, period: float, timeout: float) -> None:
    """The 3-node request, every ``period`` seconds on a keep-alive connection, its answer checked."""
    connection = None
    while time.perf_counter() < end:
        start = time.perf_counter()
        connection = await exchange(connection, port, PROBE, stats, timeout, _wrong_probe_answer)
        await asyncio.sleep(max(0.0, period - (time.perf_counter() - start)))
    if connection is not None:
        connection[1].close()


async def watch_memory(server, end: float, samples: list) -> None:
    started = time.perf_counter()
    while time.perf_counter() < end:
        samples.append((time.perf_counter() - started, server.rss_mb()))
        await asyncio.sleep(1.0)


async def drive(server, port: int, args) -> tuple[Stats, Stats, list, dict]:
    sessions = sessions_of(args.mix)
    stats, probed = Stats(), Stats()
    memory: list = []
    end = time.perf_counter() + args.seconds
    attacker = None if args.attack == "none" else \
        attack.in_own_process(args.attack, port, end, args.budget, args.connections)
    await asyncio.gather(
        watch_memory(server, end, memory), probe(port, probed, end, 0.1, args.timeout),
        *(student(k, port, sessions, stats, end, args.period, args.timeout, args.max_requests)
          for k in range(args.students)))
    attacked = {} if attacker is None else await asyncio.to_thread(attacker.report, args.timeout + 120)
    return stats, probed, memory, attacked


def percentile(data: list[float], q: float) -> float:
    return statistics.quantiles(data, n=1000, method="inclusive")[int(q * 10) - 1] if len(data) > 1 else data[0]


def run_load(args) -> dict:
    with live_server(workers=args.workers, command=args.server) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        warm = [request for session in sessions_of(args.mix, seed=2)[:20] for request in session]  # imports, warms

        async def warm_up():
            connection = await asyncio.open_connection("127.0.0.1", port)
            for body, _ in warm:
                await post(*connection, port, body)
            connection[1].close()

        asyncio.run(warm_up())
        rss_start = server.rss_mb()
        cpu_roles = server.cpu_seconds_by_role()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        stats, probed, memory, attacked = asyncio.run(drive(server, port, args))
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu_roles = [after_role - before for after_role, before in zip(server.cpu_seconds_by_role(), cpu_roles)]
        cpu_server = sum(cpu_roles)
        rss_end = server.rss_mb()
        server.log.seek(0)
        log = server.log.read().decode(errors="replace")
    generator_cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    latencies = stats.latencies or [float("nan")]
    probe_latencies = probed.latencies or [float("nan")]
    middle = memory[len(memory) // 2][1] if memory else rss_start
    errors: dict[str, int] = {}
    for e in stats.errors:
        errors[e] = errors.get(e, 0) + 1
    return {
        "students": args.students, "mix": args.mix, "period_s": args.period, "seconds": args.seconds, "workers": args.workers,
        "requests": len(stats.latencies), "sent": stats.sent, "wall_s": wall,
        "throughput_per_s": len(stats.latencies) / wall, "offered_per_s": args.students / args.period,
        "p50_ms": 1e3 * percentile(latencies, 50), "p90_ms": 1e3 * percentile(latencies, 90),
        "p99_ms": 1e3 * percentile(latencies, 99), "max_ms": 1e3 * max(latencies),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())}, "errors": len(stats.errors),
        "error_kinds": errors, "rss_mb": {"start": rss_start, "middle": middle, "end": rss_end,
                                          "max": max([m for _, m in memory] + [rss_end]),
                                          "every_10_s": [round(m, 1) for _, m in memory[::10]]},
        "server_cpu_share": cpu_server / wall, "generator_cpu_share": generator_cpu / wall,
        "server_cpu_ms_per_request": 1e3 * cpu_server / max(1, len(stats.latencies)),
        "cpu_ms_per_request_by_role": {
            role: 1e3 * seconds / max(1, len(stats.latencies))
            for role, seconds in zip(("server process", "workers"), cpu_roles)},
        "probe": {"requests": len(probed.latencies), "p50_ms": 1e3 * percentile(probe_latencies, 50),
                  "p99_ms": 1e3 * percentile(probe_latencies, 99), "max_ms": 1e3 * max(probe_latencies),
                  "errors": len(probed.errors), "error_kinds": sorted(set(probed.errors))[:5]},
        "attack": args.attack, "attacker": attacked, "server": args.server or "python -m app",
        "server_log": {"bytes": len(log), "tracebacks": log.count("Traceback"), "lines": log.count("\n")},
        "cpus": os.cpu_count(), "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_end": os.getloadavg(),
    }


def print_load(r: dict) -> None:
    print(f"Classroom load: {r['students']} students, one request each every {r['period_s'] * 1e3:.0f} ms "
          f"(offered {r['offered_per_s']:.0f}/s), {r['seconds']:g} s, uvicorn with {r['workers']} worker(s), "
          f"{r['cpus']} CPUs shared with the load generator; what they post: --mix {r.get('mix', 'explained')}")
    print()
    print("| requests | throughput | p50 | p90 | p99 | max | errors | 400s (bad programs) | server RSS start / middle / end |"
          " server CPU | server CPU per request | generator CPU |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    m = r["rss_mb"]
    print(f"| {r['requests']:,} | {r['throughput_per_s']:.0f}/s | {r['p50_ms']:.1f} ms | {r['p90_ms']:.1f} ms | "
          f"{r['p99_ms']:.1f} ms | {r['max_ms']:.0f} ms | {r['errors']} | {r['statuses'].get('400', 0):,} | "
          f"{m['start']:.0f} / {m['middle']:.0f} / {m['end']:.0f} MB | {r['server_cpu_share']:.0%} | "
          f"{r.get('server_cpu_ms_per_request', float('nan')):.2f} ms | {r['generator_cpu_share']:.0%} |")
    roles = r.get("cpu_ms_per_request_by_role")
    if roles:
        print("  server CPU per request by process: " + ", ".join(f"{role} {ms:.2f} ms" for role, ms in roles.items()))
    for kind, count in r["error_kinds"].items():
        print(f"  error ×{count}: {kind}")
    p = r["probe"]
    print(f"\nThe 3-node probe (every 100 ms, answer checked), attack: {r['attack']}: {p['requests']:,} requests, "
          f"p50 {p['p50_ms']:.1f} ms, p99 {p['p99_ms']:.1f} ms, max {p['max_ms']:.0f} ms, {p['errors']} errors "
          f"{p['error_kinds'] if p['errors'] else ''}; server RSS max {m['max']:.0f} MB")
    print(f"Server log: {r['server_log']['lines']} lines, {r['server_log']['bytes']:,} bytes, "
          f"{r['server_log']['tracebacks']} tracebacks")
    if r["attacker"]:
        print("Attacker:", json.dumps(r["attacker"], indent=1, ensure_ascii=False))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--mix", choices=["page", "explained"], default="page",
                        help="what the students post: what the page asks (default), or every request with local and dot")
    parser.add_argument("--period", type=float, default=0.2, help="seconds between a student's requests")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run (at most 600)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before a request counts as an error")
    parser.add_argument("--max-requests", type=int, default=200_000, help="a bound on the requests sent")
    parser.add_argument("--attack", choices=["none", "worst", "trickle", *attack.ROUND_TWO], default="none",
                        help="one hostile client beside the class (benchmarks/attack.py)")
    parser.add_argument("--connections", type=int, default=2000, help="trickling connections, with --attack trickle")
    parser.add_argument("--budget", type=float, default=10.0, help="the server's max_seconds, to judge the attacker's "
                                                                  "answers by")
    parser.add_argument("--server", help="a shell command that serves another version of the app on {port}, to "
                                         "measure against ours, e.g. \"cd /tmp/old && exec venv/bin/python -m uvicorn "
                                         "app.server.main:app --port {port} --log-level warning --no-access-log\"")
    parser.add_argument("--out", default=RESULTS, help="where to write the JSON (default %(default)s; '' for none)")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or args.students > 1000:
        parser.error("a run is at most 600 s and 1,000 students")
    if args.out == RESULTS and args.attack != "none":
        args.out = RESULTS.replace(".json", f"-{args.attack}.json")
    result = run_load(args)
    print_load(result)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print(f"\nwrote {os.path.relpath(args.out)}")
    return result


if __name__ == "__main__":
    main()
