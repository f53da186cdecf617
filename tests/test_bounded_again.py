"""Bounded for everyone, round two (issue 24): the holes an attacker still found, each against a live
`python -m app` with shortened limits, with a 3-node probe that must keep answering beside the attacker."""

from __future__ import annotations

import contextlib
import socket
import time

import httpx
import orjson
import pytest

from conftest import free_port, start_app_server, stop_app_server

CAP = 200  # BACKPROP_MAX_CONNECTIONS below
LIMITS = {
    "BACKPROP_MAX_CONNECTIONS": str(CAP),
    "BACKPROP_MAX_SECONDS": "3",
    "BACKPROP_HEADER_SECONDS": "10",
    "BACKPROP_BODY_SECONDS": "30",
}
SMALL = {"expression": "3*(a + b*c)", "values": {"a": 5, "b": 3, "c": 2}}


@pytest.fixture(scope="module")
def live():
    port = free_port()
    process = start_app_server(port, "--no-access-log", env=LIMITS)
    process.port = port
    process.base = f"http://127.0.0.1:{port}"
    yield process
    stop_app_server(process)


def probe(live, within: float = 2.0) -> float:
    """A 3-node request on a new connection: it must get in and be answered within ``within`` seconds."""
    started = time.monotonic()
    response = httpx.post(f"{live.base}/api/graph", json=SMALL, timeout=within)
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response.json()["value"] == 33
    assert elapsed < within, f"the probe took {elapsed:.2f} s"
    return elapsed


def server_log(live) -> str:
    live.log.seek(0)
    return live.log.read().decode(errors="replace")


# -- 1. a cap filled with connections that cannot be evicted -------------------------------------------------------

def test_connections_stalled_after_a_complete_head_are_evicted_for_a_new_client(live):
    # Each sends a whole POST head and then nothing of its 100-byte body: the body deadline (30 s) is far off,
    # and they once filled the cap so that every new client was reset.
    stalled = []
    try:
        for _ in range(CAP + 100):
            connection = socket.create_connection(("127.0.0.1", live.port))
            connection.sendall(b"POST /api/graph HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 100\r\n\r\n")
            stalled.append(connection)
        time.sleep(0.5)
        for _ in range(5):
            probe(live)
    finally:
        for connection in stalled:
            connection.close()
    assert "Traceback" not in server_log(live)
