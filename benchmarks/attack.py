"""One hostile client, for the load benchmark (``python -m benchmarks.load --attack worst|trickle``).

``worst`` sends, one after another on fresh connections, the worst requests issue 13 knows, and checks
that each is answered within the time budget plus a second of its body's arrival (the server's
Server-Timing header; a server without it is judged by the client's clock from the body sent) and never
with a 500:

- a gradient check quadratic in its array (40,000 elements: refused by its cost; 16,000: runs into the budget),
- narration of a 60,000-statement program, all options on a 10,000-statement one,
- forty uses of a 1,000,000-element input, a chain of nine 1000×1000 matrix products (answers of a gigabyte),
- a 31 MB body of 2.5 million values,
- a heavy request whose client leaves after a second,
- a small body that is big work (outer products, narrated), which starts on a light worker and outgrows it.

``trickle`` holds 2,000 connections that send a header line every few seconds and never finish their
request (slowloris), opening a new one for each the server closes.

Issue 24's attackers (``ROUND_TWO``, ``--attack NAME``), each beside the class and the probe:

- ``stalled-bodies``: 6,000 connections (past the 5,000 cap) that send a whole POST head and none of its body.
- ``train-steps``: fifty clients looping a 200-byte /api/train of 10,000 steps (heavy work, a small body).
- ``one-client-flood``: one client on 48 connections looping a 300-line program with its drawing (light work).

Each attacker runs in a process of its own (``in_own_process``), as a client on another machine would: in
the load generator's event loop, its thousands of connections delayed the probe's own reads, and the probe
measured the generator as much as the server. Every attacker but the connection holders sends from 127.0.0.2, another address than the class's and the
probe's (the loopback network is all of 127/8): the server queues work fairly per client address.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time

BUDGET_SLACK = 1.0  # the target: every answer within the time budget plus a second


def _vector(n: int) -> list[float]:
    return [round(-1 + 2 * i / max(1, n - 1), 6) for i in range(n)]


def worst_requests() -> list[tuple[str, bytes]]:
    """(what, JSON body) for each attack, encoded once."""
    chain = "\n".join(f"v{i} = v{i - 1}*1.0001 + a" if i else "v0 = a*2" for i in range(60_000))
    medium = "\n".join(f"v{i} = tanh(v{i - 1})*1.0001 + a" if i else "v0 = a*2" for i in range(10_000))
    matrix = [[((i * 7 + j) % 13) / 13 for j in range(1000)] for i in range(1000)]
    x = [[float(i % 7)] for i in range(1000)]
    y = [[float(i % 5) for i in range(1000)]]
    attacks = [
        ("check, 40,000 elements", {"expression": "sum(x*x)", "values": {"x": _vector(40_000)}, "check": True}),
        ("check, 16,000 elements", {"expression": "sum(x*x + tanh(x))", "values": {"x": _vector(16_000)},
                                    "check": True}),
        ("narrate 60,000 statements", {"expression": chain, "values": {"a": 1}, "narrate": True}),
        ("all options, 10,000 statements", {"expression": medium, "values": {"a": 0.5}, "narrate": True,
                                            "check": True, "local": True, "dot": True, "unfold": True}),
        ("40 uses of 1,000,000 elements", {"expression": "y = " + " + ".join(["x"] * 40) + "\nsum(y)",
                                           "values": {"x": _vector(1_000_000)}}),
        ("9 products of 1000×1000", {"expression": "M = A" + " @ A" * 9 + "\nsum(M)", "values": {"A": matrix}}),
        ("31 MB body", {"expression": "sum(x)", "values": {"x": _vector(2_500_000)}}),
        ("small body, big work", {"expression": "u = x @ y\ns = " + " + ".join(f"u*{i}" for i in range(1, 9))
                                  + "\nsum(s)", "values": {"x": x, "y": y}, "narrate": True}),
    ]
    return [(what, json.dumps(body).encode()) for what, body in attacks]


async def _post_once(port: int, body: bytes, give_up_after: float | None = None
                     ) -> tuple[int | None, float, float | None]:
    """The status, the seconds from the body sent to the end of the answer, and the seconds the server says it
    took from the body received to its answer (its Server-Timing: what the time budget bounds)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
        started = time.perf_counter()
        if give_up_after is not None:
            await asyncio.sleep(give_up_after)
            return None, time.perf_counter() - started, None
        status_line = await reader.readline()
        head, _, _ = (await reader.read()).partition(b"\r\n\r\n")  # the answer, to the end
        timing = re.search(rb"server-timing: work;dur=(\d+)", head, re.I)
        return (int(status_line.split()[1]), time.perf_counter() - started,
                int(timing.group(1)) / 1e3 if timing else None)
    finally:
        writer.close()


async def worst(port: int, end: float, budget: float, report: dict, attacks: list) -> None:
    """Loops over ``attacks`` (``worst_requests()``, made before the clock starts: encoding them takes seconds)
    until ``end``; ``report`` gets statuses and the slowest answer per attack."""
    attacks = list(attacks)
    attacks.append(("client leaves after 1 s", attacks[1][1]))
    report.update(sent=0, statuses={}, slowest={}, slowest_on_the_server={}, late=[], server_errors=0)
    while time.perf_counter() < end:
        for what, body in attacks:
            if time.perf_counter() >= end:
                break
            leaves = what.startswith("client leaves")
            try:
                status, elapsed, on_server = await _post_once(port, body, give_up_after=1.0 if leaves else None)
            except OSError as error:
                status, elapsed, on_server = f"{type(error).__name__}", 0.0, None
            report["sent"] += 1
            key = f"{what}: {status if status is not None else 'left'}"
            report["statuses"][key] = report["statuses"].get(key, 0) + 1
            report["slowest"][what] = round(max(report["slowest"].get(what, 0.0), elapsed), 2)
            if on_server is not None:
                slowest = report["slowest_on_the_server"]
                slowest[what] = round(max(slowest.get(what, 0.0), on_server), 2)
            if status == 500:
                report["server_errors"] += 1
            if not leaves and (on_server if on_server is not None else elapsed) > budget + BUDGET_SLACK:
                report["late"].append((what, round(elapsed, 2)))


async def trickle(port: int, end: float, count: int, report: dict) -> None:
    """Holds ``count`` connections that never finish their request head; reopens those the server closes."""
    report.update(opened=0, closed_by_server=0, longest_open_s=0.0)
    rng = random.Random(13)

    async def one() -> None:
        while time.perf_counter() < end:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(1)
                continue
            report["opened"] += 1
            opened = time.perf_counter()
            try:
                writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                while time.perf_counter() < end:
                    await asyncio.sleep(rng.uniform(2, 5))
                    if reader.at_eof():  # the server closed it
                        break
                    writer.write(b"X-Trickle: %d\r\n" % rng.randrange(10 ** 6))
                    await writer.drain()
            except (OSError, ConnectionError):
                pass
            if time.perf_counter() < end:
                report["closed_by_server"] += 1
                report["longest_open_s"] = max(report["longest_open_s"], time.perf_counter() - opened)
            writer.close()

    await asyncio.gather(*(one() for _ in range(count)))


async def _hold_connections(port: int, end: float, count: int, opening: bytes, report: dict) -> None:
    """Holds ``count`` connections that send ``opening`` and then nothing; reopens those the server closes."""
    report.update(opened=0, closed_by_server=0, refused=0)

    async def one() -> None:
        while time.perf_counter() < end:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(opening)
                await writer.drain()
            except OSError:
                report["refused"] += 1
                await asyncio.sleep(1)
                continue
            report["opened"] += 1
            try:
                await asyncio.wait_for(reader.read(), max(0.0, end - time.perf_counter()))
                report["closed_by_server"] += 1
            except (asyncio.TimeoutError, OSError):
                pass
            writer.close()

    await asyncio.gather(*(one() for _ in range(count)))


async def stalled_bodies(port: int, end: float, report: dict) -> None:
    """6,000 connections that each send a complete POST head and then none of its body."""
    head = (b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n")
    await _hold_connections(port, end, 6000, head, report)




ATTACKER_ADDRESS = ("127.0.0.2", 0)


async def _loop_posts(port: int, end: float, path: str, body: bytes, clients: int, report: dict) -> None:
    """``clients`` loops, each posting ``body`` to ``path`` on a fresh connection from ATTACKER_ADDRESS."""
    report.update(sent=0, statuses={}, slowest=0.0)
    request = (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (path.encode(), len(body)) + body)

    async def one() -> None:
        while time.perf_counter() < end:
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=ATTACKER_ADDRESS)
                writer.write(request)
                await writer.drain()
                status_line = await asyncio.wait_for(reader.readline(), max(0.1, end - time.perf_counter()))
                await reader.read()
                writer.close()
                status = status_line.split()[1].decode() if status_line else "closed"
            except (OSError, asyncio.TimeoutError, IndexError) as error:
                status = type(error).__name__
                await asyncio.sleep(0.1)
            report["sent"] += 1
            report["statuses"][status] = report["statuses"].get(status, 0) + 1
            report["slowest"] = round(max(report["slowest"], time.perf_counter() - started), 2)

    await asyncio.gather(*(one() for _ in range(clients)))


async def train_steps(port: int, end: float, report: dict) -> None:
    body = json.dumps({"expression": "-log(sigmoid(w*x + b))", "values": {"w": 0.5, "x": 1.0, "b": 0.1},
                       "params": ["w", "b"], "learning_rate": 0.1, "steps": 10_000}).encode()
    await _loop_posts(port, end, "/api/train", body, 50, report)


async def one_client_flood(port: int, end: float, report: dict) -> None:
    program = "\n".join(f"v{i} = v{i - 1}*1.0001 + a" if i else "v0 = a*2" for i in range(300))
    body = json.dumps({"expression": program, "values": {"a": 1}, "local": True, "dot": True}).encode()
    await _loop_posts(port, end, "/api/graph", body, 48, report)


def _attack(name: str, port: int, end: float, budget: float, connections: int) -> dict:
    report: dict = {}
    if name == "worst":
        attacker = worst(port, end, budget, report, worst_requests())
    elif name == "trickle":
        attacker = trickle(port, end, connections, report)
    else:
        attacker = ROUND_TWO[name](port, end, report)
    asyncio.run(attacker)
    return report


def _attack_and_report(name: str, port: int, end: float, budget: float, connections: int, answer) -> None:
    answer.send(_attack(name, port, end, budget, connections))
    answer.close()


class in_own_process:
    """The attacker ``name`` against ``port`` until ``end`` (a ``time.perf_counter()`` instant: the same clock
    in every process on Linux), started in a new process; ``report()`` waits for it and gives its report."""

    def __init__(self, name: str, port: int, end: float, budget: float, connections: int):
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # a clean process: the caller's event loop is running
        self.answers, answer = context.Pipe(duplex=False)
        self.process = context.Process(target=_attack_and_report, args=(name, port, end, budget, connections, answer),
                                       daemon=True)
        self.process.start()
        answer.close()

    def report(self, timeout: float) -> dict:
        report = self.answers.recv() if self.answers.poll(timeout) else {"error": "the attacker did not report"}
        self.process.join(5)
        return report


ROUND_TWO = {
    "stalled-bodies": stalled_bodies,
    "train-steps": train_steps,
    "one-client-flood": one_client_flood,
}
