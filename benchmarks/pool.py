"""What the computing workers' IPC costs a small request: ``python -m benchmarks.pool``.

The classroom load's request bodies (benchmarks/load.py) are answered by ``workers.serve`` (validate,
compute, encode) twice, taking turns: in this process, and through a light worker of the pool the server
uses (the body pickled down a pipe to the worker, the answer back up another, read by the event loop).
The difference of the two is what the pool adds to each request; printed as median and p99.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from app.engine.limits import limits_in_force  # noqa: E402
from app.server import api  # noqa: E402
from app.server import workers  # noqa: E402
from benchmarks.load import classroom_requests  # noqa: E402


def quantile(data: list[float], q: float) -> float:
    return statistics.quantiles(data, n=100, method="inclusive")[int(q) - 1]


async def measure(count: int) -> dict:
    limits = limits_in_force()
    workers.start(limits)
    slot = workers._pools(limits).light.slots[0]  # noqa: SLF001
    bodies = [body for body, _ in classroom_requests(seed=3, count=count)]
    key = api.post_graph.key
    direct, pooled = [], []
    for body in bodies:
        started = time.perf_counter()
        workers.serve(key, body, limits)
        direct.append(time.perf_counter() - started)
        started = time.perf_counter()
        await slot.compute(key, body, limits)
        pooled.append(time.perf_counter() - started)
    workers.stop()
    return {name: {"median_ms": 1e3 * statistics.median(times), "p99_ms": 1e3 * quantile(times, 99)}
            for name, times in (("in process", direct), ("through a worker", pooled))}


def main() -> dict:
    result = asyncio.run(measure(2000))
    for name, figures in result.items():
        print(f"{name:>17}: median {figures['median_ms']:.3f} ms, p99 {figures['p99_ms']:.3f} ms")
    added = result["through a worker"]["median_ms"] - result["in process"]["median_ms"]
    print(f"the pool adds {added:.3f} ms to the median classroom request (load average {os.getloadavg()[0]:.1f})")
    return result


if __name__ == "__main__":
    main()
