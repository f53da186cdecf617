"""What a small request costs over HTTP, against the server's cheapest route: ``python -m benchmarks.hop``.

One keep-alive connection asks, in alternating blocks, ``GET /healthz`` (HTTP and the middleware alone) and
``POST /api/graph`` with a 3-node program (the same, plus the hand-over to a computing worker, the
computation and the answer's encoding). Printed for each: the median and p99 time to the whole answer, and
the CPU the server used per request, split between its own process and its workers; then the ratio of the
two medians (issue 23's target: a 3-node request within 2x of /healthz on a quiet machine).
``--server`` serves another version to measure against ours, as in ``benchmarks.load``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.server import live_server  # noqa: E402

SMALL = b'{"expression": "3*(a+b*c)", "values": {"a": 5, "b": 3, "c": 2}}'


async def read_answer(reader) -> int:
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


def healthz(port: int) -> bytes:
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port


def small_graph(port: int) -> bytes:
    return (b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (port, len(SMALL)) + SMALL)


async def timed_block(reader, writer, request: bytes, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        writer.write(request)
        status = await read_answer(reader)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"answered {status}")
    return times


async def measure(server, port: int, blocks: int, per_block: int) -> dict:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    kinds = {"GET /healthz": healthz(port), "POST /api/graph, 3 nodes": small_graph(port)}
    times = {kind: [] for kind in kinds}
    cpu = {kind: [0.0, 0.0] for kind in kinds}
    for kind, request in kinds.items():  # warm both
        await timed_block(reader, writer, request, 50)
    for _ in range(blocks):
        for kind, request in kinds.items():
            before = server.cpu_seconds_by_role()
            times[kind] += await timed_block(reader, writer, request, per_block)
            after = server.cpu_seconds_by_role()
            for i in range(2):
                cpu[kind][i] += after[i] - before[i]
    writer.close()
    count = blocks * per_block
    return {kind: {"median_ms": 1e3 * statistics.median(t),
                   "p99_ms": 1e3 * statistics.quantiles(t, n=100, method="inclusive")[98],
                   "server_process_cpu_ms": 1e3 * cpu[kind][0] / count,
                   "workers_cpu_ms": 1e3 * cpu[kind][1] / count}
            for kind, t in times.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--per-block", type=int, default=200)
    parser.add_argument("--server", help="a shell command serving another version on {port}")
    args = parser.parse_args(argv)
    with live_server(command=args.server) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        result = asyncio.run(measure(server, port, args.blocks, args.per_block))
    print(f"One connection, {args.blocks} x {args.per_block} requests of each kind, "
          f"load average {os.getloadavg()[0]:.1f}, {args.server or 'python -m app'}")
    print("| request | median | p99 | server process CPU | workers CPU |")
    print("|---|---:|---:|---:|---:|")
    for kind, r in result.items():
        print(f"| {kind} | {r['median_ms']:.3f} ms | {r['p99_ms']:.3f} ms | {r['server_process_cpu_ms']:.3f} ms | "
              f"{r['workers_cpu_ms']:.3f} ms |")
    small, bare = result["POST /api/graph, 3 nodes"], result["GET /healthz"]
    print(f"3-node request ÷ /healthz: {small['median_ms'] / bare['median_ms']:.2f}x (median)")
    return result


if __name__ == "__main__":
    main()
