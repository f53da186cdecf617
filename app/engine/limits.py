"""Size limits, so that no request can hang the server or exhaust its memory.

Each limit has a default and an environment variable that overrides it
(``BACKPROP_MAX_CHARS=5000000``, …); the README lists them.

Nothing reads the environment at import. ``limits_in_force()`` reads it once, on first use: the server at its
start (and passes the limits down from there), the Python API when it is first called without ``limits=``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    max_chars: int = 2_000_000  # characters in a program
    max_nodes: int = 500_000  # nodes in a graph
    max_depth: int = 10_000  # levels of nested brackets and calls
    max_elements: int = 1_000_000  # elements in one array value
    max_total_elements: int = 20_000_000  # elements in all node values together
    max_sweep_points: int = 100_000  # points in one sweep
    max_check_work: int = 2_000_000_000  # input elements × the forward pass's element operations, for one check
    max_train_steps: int = 10_000  # gradient-descent steps in one /api/train request
    max_seconds: int = 10  # time for one computation, queueing included; past it the worker is stopped
    max_body_bytes: int = 32_000_000  # bytes in a request body: a program at max_chars plus an array at max_elements
    max_answer_bytes: int = 64_000_000  # bytes in one answer
    max_wire_elements: int = 10_000  # an array bigger than this is written on its node only, not on each wire
    max_narrate_nodes: int = 20_000  # nodes in a graph that is narrated
    # The work runs in worker processes (app/server/workers.py), each with a hard deadline and a memory cap.
    max_worker_mb: int = 1024  # address space of one worker process, in MB
    light_workers: int = 2  # workers for small requests (bodies up to max_light_body_bytes that ask little work)
    heavy_workers: int = 1  # workers for the rest, and for small requests that outgrow light_seconds
    max_heavy_queue: int = 4  # large requests that may wait for a heavy worker; more are answered 503
    # One address's small requests waiting or computing; more are answered 503. A class behind one NAT address is
    # one client (a page has one request in flight), so this is a bound on memory, not on fairness: the lanes take
    # clients in turn whatever their queues.
    max_client_requests: int = 1_000
    max_client_heavy_requests: int = 2  # one client's large requests waiting or computing; more: 503
    max_light_body_bytes: int = 65_536
    light_seconds: float = 0.5  # a small request still running after this moves to the heavy workers
    # The connection layer (app/server/connections.py, app/server/security.py).
    max_connections: int = 5_000  # open connections; a new one past this closes the one stalled longest
    max_live_streams: int = 1_000  # of which streaming live (a class's channel), never closed as stalled
    header_seconds: float = 10  # from a connection's start or its last answer to a complete request head
    body_seconds: float = 30  # from the request head to the end of its body
    send_seconds: float = 60  # a client that reads nothing of its answer for this long is dropped
    max_bytes_in_flight: int = 256_000_000  # request bodies and answers held by the server at once

    @classmethod
    def from_environment(cls) -> "Limits":
        overrides = {}
        for f in fields(cls):
            text = os.environ.get(f"BACKPROP_{f.name.upper()}")
            if text:
                overrides[f.name] = type(f.default)(text)
        return cls(**overrides)


_IN_FORCE: Limits | None = None


def limits_in_force() -> Limits:
    """The limits the app runs with: the environment's, read on the first call and kept."""
    global _IN_FORCE
    if _IN_FORCE is None:
        _IN_FORCE = Limits.from_environment()
    return _IN_FORCE


def env_var(limit_name: str) -> str:
    return f"BACKPROP_{limit_name.upper()}"
