"""A class in session under load: 200 students following one instructor over live streams, and 100 of them
answering one question within a second.

    python -m benchmarks.classroom                          # 200 students, 60 steps, 100 answers
    python -m benchmarks.classroom --students 50 --steps 10 # a smoke run
    python -m benchmarks.classroom --redis redis://127.0.0.1:6379/0   # the classes in Redis

The script starts its own ``python -m app`` (benchmarks/server.py) on a free port of 127.0.0.1. The load tool
is this process: a bare asyncio client holding exactly ``--students`` live connections (Server-Sent Events,
parsed by hand from the chunked answer: no HTTP library between the stream and the clock), plus a few
keep-alive connections for the instructor's requests, the answers and the graph requests sent beside the class.

1. Following: the instructor posts a new step every ``--period`` seconds; each student's stream must bring
   every change, in order (each view's version one more than the last, its step the one sent). The figure is the
   time from the instructor's request to the *last* student's copy of it, p50/p99 over the steps (the target:
   p99 ≤ 250 ms with 200 students), with the students' graph requests (POST /api/graph, the classroom's own
   programs, ``--graph-rate`` a second) running beside it; their p99 is printed too.
2. Answering: a question is asked, and 100 students answer within one second (70 right, 20 with the sign flipped,
   10 giving the forward value); the figure is the time from the last answer's reply to the instructor's stream
   bringing a tally with all of them (target ≤ 1 s), and the tally is checked (counts and mistakes).
3. Memory: the server process's resident memory before the streams open and with them open, per student; and
   at the start and end of the following phase (no growth).

The load average (``uptime``) is printed with the figures: the machine is shared, and they move with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.load import classroom_requests, post  # noqa: E402
from benchmarks.server import live_server  # noqa: E402

PROGRAM = "3*(a + b*c)"


def percentile(data: list[float], q: float) -> float:
    ordered = sorted(data)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def process_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple:
    """One request on a connection of its own: (status, parsed JSON answer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body or {}).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    writer.write((head + f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, content = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    if b"transfer-encoding: chunked" in head.lower():
        content = _unchunk(content)
    return status, json.loads(content) if content else None


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size, _, rest = data.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            break
        out, data = out + rest[:n], rest[n + 2:]
    return out


class Follower:
    """One live stream: every event, with the time it arrived."""

    def __init__(self, port: int, path: str):
        self.port = port
        self.path = path
        self.events: list[tuple[float, str, dict]] = []
        self.errors: list[str] = []
        self.connected = asyncio.Event()
        self.waiters: list = []

    async def run(self) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer = writer
            writer.write(f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
            await writer.drain()
            status = (await reader.readline()).split()[1]
            if status != b"200":
                self.errors.append(f"status {status.decode()}")
                self.connected.set()
                return
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            self.connected.set()
            buffer = b""
            while True:
                size = await reader.readline()
                n = int(size.strip() or b"0", 16)
                if n == 0:
                    return
                chunk = await reader.readexactly(n + 2)
                buffer += chunk[:-2]
                while b"\r\n\r\n" in buffer or b"\n\n" in buffer:
                    split = b"\r\n\r\n" if b"\r\n\r\n" in buffer else b"\n\n"
                    event, buffer = buffer.split(split, 1)
                    self._event(event.decode())
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
            self.errors.append(repr(error))
        except asyncio.CancelledError:
            pass
        finally:
            self.connected.set()

    def _event(self, text: str) -> None:
        kind, data = None, None
        for line in text.replace("\r\n", "\n").split("\n"):
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:])
        if kind:
            self.events.append((time.perf_counter(), kind, data))
            for waiter in list(self.waiters):
                waiter()

    def close(self) -> None:
        if hasattr(self, "writer"):
            self.writer.close()


async def graph_requests(port: int, rate: float, stop: asyncio.Event, latencies: list, errors: list) -> None:
    """The students' own graph requests beside the class: the load run's programs, ``rate`` a second."""
    bodies = classroom_requests(seed=5, count=2000)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    k = 0
    while not stop.is_set():
        body, expected = bodies[k % len(bodies)]
        k += 1
        started = time.perf_counter()
        try:
            status = await post(reader, writer, port, body)
        except (ConnectionError, OSError) as error:
            errors.append(repr(error))
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            continue
        latencies.append(time.perf_counter() - started)
        if status != expected:
            errors.append(f"status {status}, expected {expected}")
        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))
    writer.close()


def question_body() -> dict:
    from app.compute import compute_graph

    graph = compute_graph(PROGRAM, {}, default_value=1, strict=False, quiz=True)
    node = [node for node in graph["nodes"] if node["name"] == "b"][-1]
    asked = node["quiz"]["grad"]
    return {"node": node["id"], "kind": "grad", "asks": asked["asks"], "accept": asked["accept"], "hint": asked["hint"],
            "show": asked["show"], "uses": [{"op": u["op"], "upstream": u["upstream"], "local": u["local"]}
                                            for u in asked["uses"]],
            "correct": node["grad"], "node_value": node["value"], "node_grad": node["grad"]}


async def drive(server, port: int, args) -> dict:
    pid = server.process.pid
    status, started = await request(port, "POST", "/class", {"program": PROGRAM})
    assert status == 200, started
    code, key = started["code"], started["key"]
    instructor = {"x-class-key": key}
    tokens = []
    for _ in range(args.students):
        status, joined = await request(port, "POST", f"/class/{code}/join", {})
        assert status == 200, joined
        tokens.append(joined["student"])
    await asyncio.sleep(0.5)
    rss_before = process_rss_mb(pid)
    followers = [Follower(port, f"/class/{code}/events?student={token}") for token in tokens]
    teacher = Follower(port, f"/class/{code}/events?key={key}")
    tasks = [asyncio.create_task(f.run()) for f in [*followers, teacher]]
    await asyncio.gather(*(f.connected.wait() for f in [*followers, teacher]))
    failed = [f.errors for f in followers if f.errors]
    if failed:
        print(f"{len(failed)} streams failed to open, the first: {failed[0]}")
    await asyncio.sleep(1.0)
    rss_streams = process_rss_mb(pid)

    # 1. Following, with graph requests beside it.
    stop, graph_latencies, graph_errors = asyncio.Event(), [], []
    side = asyncio.create_task(graph_requests(port, args.graph_rate, stop, graph_latencies, graph_errors))
    rss_steps_start = process_rss_mb(pid)
    sent: list[tuple[int, float, int]] = []  # step, time sent, the view's version
    for step in range(1, args.steps + 1):
        began = time.perf_counter()
        status, answer = await request(port, "POST", f"/class/{code}/state", {"program": PROGRAM, "step": step},
                                       instructor)
        assert status == 200, answer
        sent.append((step, began, answer["version"]))
        await asyncio.sleep(max(0.0, args.period - (time.perf_counter() - began)))
    await asyncio.sleep(1.0)
    rss_steps_end = process_rss_mb(pid)
    stop.set()
    await side

    last_student, every_copy, wrong = [], [], []
    arrived = [{} for _ in followers]  # by student: version → when its first copy arrived
    for k, follower in enumerate(followers):
        for t, kind, data in follower.events:
            if kind == "view":
                arrived[k].setdefault(data["version"], t)
    for step, began, version in sent:
        arrivals = []
        for k in range(len(followers)):
            if version not in arrived[k]:
                wrong.append(f"student {k} never got step {step}")
                continue
            arrivals.append(arrived[k][version] - began)
        every_copy += arrivals
        if arrivals:
            last_student.append(max(arrivals))
    for k, follower in enumerate(followers):  # every message checked: in order, none missing, the step sent
        views = [data for _, kind, data in follower.events if kind == "view"]
        versions = [view["version"] for view in views]
        if not versions:
            wrong.append(f"student {k}: no view at all ({follower.errors})")
        elif versions != list(range(versions[0], versions[0] + len(versions))):
            wrong.append(f"student {k}: versions {versions[:5]}… not consecutive")
        steps = {view["version"]: view["state"]["step"] for view in views}
        wrong += [f"student {k}: version {v} has step {steps[v]}, not {s}" for s, _, v in sent
                  if v in steps and steps[v] != s]

    # 2. A hundred answers within a second.
    status, asked = await request(port, "POST", f"/class/{code}/ask", question_body(), instructor)
    assert status == 200, asked
    answering = min(100, len(tokens))
    texts = ["3"] * (answering * 7 // 10) + ["-3"] * (answering * 2 // 10)
    texts += ["1"] * (answering - len(texts))
    replies: list[float] = []

    async def answer(token: str, text: str) -> None:
        await asyncio.sleep(random.uniform(0, 1.0))
        status, verdict = await request(port, "POST", f"/class/{code}/answer",
                                        {"student": token, "question": asked["question"], "answer": text})
        replies.append(time.perf_counter())
        if status != 200:
            wrong.append(f"answer: {status} {verdict}")

    complete = asyncio.get_running_loop().create_future()

    def check_tally():
        for t, kind, data in teacher.events:
            if kind == "tally" and data.get("question") == asked["question"] and data["answered"] == answering \
                    and not complete.done():
                complete.set_result((t, data))
    teacher.waiters.append(check_tally)
    await asyncio.gather(*(answer(token, text) for token, text in zip(tokens, texts)))
    try:
        tallied_at, tally = await asyncio.wait_for(complete, 5)
        tally_delay = tallied_at - max(replies)
        mistakes = {group["mistake"]: group["count"] for group in tally["mistakes"]}
        if tally["right"] != texts.count("3") or mistakes != {"sign": texts.count("-3"), "forward_value": texts.count("1")}:
            wrong.append(f"tally wrong: {tally}")
    except asyncio.TimeoutError:
        tally_delay, tally = float("nan"), None
        wrong.append("the tally never counted every answer")

    for follower in [*followers, teacher]:
        follower.close()
    for task in tasks:
        task.cancel()
    return {
        "students": args.students, "steps": args.steps, "period_s": args.period, "connect_failures": len(failed),
        "step_to_last_student_ms": {"p50": 1e3 * percentile(last_student, 0.5),
                                    "p99": 1e3 * percentile(last_student, 0.99), "max": 1e3 * max(last_student)},
        "step_to_every_student_ms": {"p50": 1e3 * percentile(every_copy, 0.5), "p99": 1e3 * percentile(every_copy, 0.99)},
        "graph_requests": {"count": len(graph_latencies), "p50_ms": 1e3 * percentile(graph_latencies, 0.5),
                           "p99_ms": 1e3 * percentile(graph_latencies, 0.99), "errors": len(graph_errors)},
        "answers": answering, "tally_after_last_answer_ms": 1e3 * tally_delay,
        "answers_span_ms": 1e3 * (max(replies) - min(replies)),
        "rss_mb": {"before_streams": rss_before, "with_streams": rss_streams, "steps_start": rss_steps_start,
                   "steps_end": rss_steps_end},
        "kb_per_student": 1024 * (rss_streams - rss_before) / args.students,
        "errors": wrong[:20], "error_count": len(wrong),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classroom", description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--period", type=float, default=0.25, help="seconds between the instructor's steps")
    parser.add_argument("--graph-rate", type=float, default=50, help="graph requests a second beside the class")
    parser.add_argument("--redis", help="keep the class in this Redis (redis://…)")
    args = parser.parse_args(argv)
    env = {"BACKPROP_REDIS_URL": args.redis} if args.redis else {}
    load_before = os.getloadavg()
    with live_server(env=env, timeout=120) as server:  # a busy machine starts it slowly
        port = int(server.base_url.rsplit(":", 1)[1])
        result = asyncio.run(drive(server, port, args))
    result["load_average_before"] = load_before
    result["load_average_after"] = os.getloadavg()
    result["store"] = "redis" if args.redis else "memory"
    print_result(result)
    return result


def print_result(r: dict) -> None:
    s, g = r["step_to_last_student_ms"], r["graph_requests"]
    print(f"Classroom ({r['store']}): {r['students']} students following, {r['steps']} steps every "
          f"{r['period_s'] * 1e3:.0f} ms, {r['connect_failures']} streams refused")
    print(f"  step → last student: p50 {s['p50']:.1f} ms, p99 {s['p99']:.1f} ms, max {s['max']:.1f} ms "
          f"(every copy: p50 {r['step_to_every_student_ms']['p50']:.1f}, p99 {r['step_to_every_student_ms']['p99']:.1f} ms)")
    print(f"  graph requests beside it: {g['count']}, p50 {g['p50_ms']:.1f} ms, p99 {g['p99_ms']:.1f} ms, "
          f"{g['errors']} errors")
    print(f"  {r['answers']} answers over {r['answers_span_ms']:.0f} ms: tally complete "
          f"{r['tally_after_last_answer_ms']:.0f} ms after the last answer")
    m = r["rss_mb"]
    print(f"  server RSS: {m['before_streams']:.1f} MB before the streams, {m['with_streams']:.1f} MB with them "
          f"({r['kb_per_student']:.0f} KB per student); {m['steps_start']:.1f} → {m['steps_end']:.1f} MB over the steps")
    print(f"  load average before {r['load_average_before'][0]:.2f}, after {r['load_average_after'][0]:.2f}; "
          f"{r['error_count']} errors {r['errors'][:3] if r['errors'] else ''}")


if __name__ == "__main__":
    main()
