"""Bounded for everyone: one hostile client must not stall, starve or exhaust the server.

Each attack of issue 13 against a live `python -m app`, with its limits shortened through the environment
(a 2-second budget, a 2-second deadline for a request head) so that the tests take seconds, not minutes.
Each answer must come within its budget plus a second, never as a 500, and the server must go on answering
a 3-node request quickly meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import select
import signal
import socket
import threading
import time

import httpx
import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient

from app import compute_graph
from app.engine.limits import Limits
from app.server.main import app
from app.server.security import PAGE_CSP, BytesBudget, Hardening
from conftest import FOR_A_WORKER, SMALL, free_port, start_app_server, stop_app_server

BUDGET = 2  # seconds: BACKPROP_MAX_SECONDS below
GRACE = 1.5  # the target is a second past the budget; half a second more for a machine shared with other tests
WORKER_MB = 300
MAX_ANSWER_BYTES = 12_000_000
LIMITS = {
    "BACKPROP_MAX_SECONDS": str(BUDGET),
    "BACKPROP_HEADER_SECONDS": "2",
    "BACKPROP_BODY_SECONDS": "2",
    "BACKPROP_SEND_SECONDS": "2",
    "BACKPROP_MAX_ANSWER_BYTES": str(MAX_ANSWER_BYTES),
    "BACKPROP_MAX_WORKER_MB": str(WORKER_MB),
    "BACKPROP_MAX_NARRATE_NODES": "3000",
    "BACKPROP_MAX_CHECK_WORK": "20000000000",  # 10× the default: room for a check that runs well past the budget
}


@pytest.fixture(scope="module")
def base():
    port = free_port()
    process = start_app_server(port, "--no-access-log", env=LIMITS)
    process.base = f"http://127.0.0.1:{port}"
    yield process
    stop_app_server(process)


def post(base, body, timeout=BUDGET + GRACE, **kwargs):
    content = body if isinstance(body, bytes) else orjson.dumps(body)  # encoded before the clock starts
    started = time.monotonic()
    response = httpx.post(f"{base.base}/api/graph", content=content, timeout=timeout,
                          headers={"content-type": "application/json"}, **kwargs)
    return response, time.monotonic() - started


def assert_small_request_answers(base, within=2.5):
    response, elapsed = post(base, FOR_A_WORKER)
    assert response.status_code == 200 and response.json()["gradients"] == {"a": 3, "b": 6, "c": 9}
    assert elapsed < within, f"a 3-node request took {elapsed:.2f} s"


def descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        parent = stack.pop()
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    children = [int(p) for p in f.read().split()]
                found += children
                stack += children
    return found


def resident_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
            total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    return total / 1024


def a_vector(n: int) -> list[float]:
    return np.linspace(-1, 1, n).tolist()


# A gradient check that runs for several times the budget: about 7 s on a quiet machine.
HEAVY_CHECK = {"expression": "sum(x*x + tanh(x))", "values": {"x": a_vector(32_000)}, "check": True}


# -- 1. work that ignores the time budget -------------------------------------------------------------------------

def test_a_gradient_check_quadratic_in_its_array_is_refused_at_once(base):
    # 120,000 elements: 240,000 forward passes of 120,000-element gates (5.8e10 element operations, over this
    # server's max_check_work). 40,000 once answered after 15 s.
    response, elapsed = post(base, {"expression": "sum(x*x)", "values": {"x": a_vector(120_000)}, "check": True})
    assert response.status_code == 413 and "max_check_work" in response.json()["detail"]["message"]["en"]
    assert elapsed < BUDGET + GRACE


def test_narrating_a_huge_program_is_refused_at_once(base):
    # 6,001 nodes, over this server's max_narrate_nodes (3,000): built in a few milliseconds, so the refusal
    # is the narration's own and not the time budget's on a busy machine; narrated, it would answer 200.
    program = "\n".join(f"v{i} = v{i - 1}*1.0001 + a" if i else "v0 = a*2" for i in range(2_000))
    response, elapsed = post(base, {"expression": program, "values": {"a": 1}, "narrate": True})
    assert response.status_code == 413 and "max_narrate_nodes" in response.json()["detail"]["message"]["en"]
    assert elapsed < BUDGET + GRACE


def test_work_past_its_budget_is_stopped_and_its_worker_replaced(base):
    # Under this server's max_check_work, but 64,000 passes of a 32,000-element graph take several times the
    # budget (16,000 elements took 1.9 s once the engine was faster: just under it on a quiet machine).
    response, elapsed = post(base, HEAVY_CHECK)
    assert response.status_code == 413 and "max_seconds" in response.json()["detail"]["message"]["en"]
    assert elapsed < BUDGET + GRACE
    assert_small_request_answers(base)


# -- 2. work that outlives its client -----------------------------------------------------------------------------

def cpu_ticks(pid: int) -> int:
    """The CPU time a process has used, user and system, in clock ticks (0 once it is gone)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    return 0


def test_the_work_of_a_client_that_left_is_stopped(base):
    workers_before = set(descendants(base.pid))
    ticks_before = {pid: cpu_ticks(pid) for pid in workers_before}
    body = httpx.Request("POST", f"{base.base}/api/graph", json=HEAVY_CHECK)
    with socket.create_connection(("127.0.0.1", int(base.base.rsplit(":", 1)[1]))) as client:
        head = f"POST /api/graph HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" \
               f"Content-Length: {len(body.content)}\r\n\r\n"
        client.sendall(head.encode() + body.content)
        sent = time.monotonic()
        # Left once the work has started (a worker is computing: its CPU time grows), not after a fixed wait,
        # which on a busy machine could leave before the request reached a worker (nothing then to stop).
        while time.monotonic() - sent < 1.0 and not any(cpu_ticks(pid) - ticks_before[pid] >= 10
                                                        for pid in workers_before):
            time.sleep(0.02)
        left = time.monotonic()
    stopped = set()
    # Watched until just before the budget would stop it (a busy machine may take most of a second to end and
    # reap the worker): stopped sooner, only the disconnect can have stopped it.
    while not stopped and time.monotonic() - sent < BUDGET - 0.2:
        stopped = workers_before - set(descendants(base.pid))
        time.sleep(0.02)
    assert stopped, "no worker process was stopped when its client left"
    assert time.monotonic() - sent < BUDGET, "stopped no sooner than the budget would have stopped it"
    assert_small_request_answers(base)


# -- 3. answers without a size bound ------------------------------------------------------------------------------

def test_an_answer_over_its_size_limit_is_refused_with_its_size(base):
    # Forty uses of one 100,000-element input: eighty copies of it on the wires, once.
    program = "y = " + " + ".join(["x"] * 40) + "\nsum(y)"
    response, elapsed = post(base, {"expression": program, "values": {"x": a_vector(100_000)}})
    detail = response.json()["detail"]
    assert response.status_code == 413 and "bytes" in detail["message"]["en"] and "max_answer_bytes" in detail["message"]["en"]
    assert elapsed < BUDGET + GRACE


def test_work_that_needs_more_memory_than_a_worker_has_is_a_413_and_the_server_stays_under_its_cap(base):
    # An outer product of two 1,000-vectors is a million elements; eight of them is more than 300 MB with
    # their gradients and the answer's dicts.
    x = [[float(i % 7)] for i in range(1000)]
    y = [[float(i % 5) for i in range(1000)]]
    program = "u = x @ y\ns = " + " + ".join(f"u*{i}" for i in range(1, 9)) + "\nsum(s)"
    response, elapsed = post(base, {"expression": program, "values": {"x": x, "y": y}})
    assert response.status_code == 413, response.text[:300]
    assert elapsed < BUDGET + GRACE
    tree = [base.pid, *descendants(base.pid)]
    assert resident_mb(tree) < 200 + WORKER_MB * 3, "the server's memory is over its documented cap"
    assert_small_request_answers(base)


def test_arrays_over_max_wire_elements_are_written_on_their_node_only():
    result = compute_graph("sum(x*x)", {"x": a_vector(300)}, limits=Limits(max_wire_elements=100))
    x_wires = [edge for edge in result["edges"] if edge["source"] == 0]
    assert len(x_wires) == 2
    assert all(edge["elided"] and edge["value"] is None and edge["grad"] is None for edge in x_wires)
    assert len(result["nodes"][0]["value"]) == 300 and len(result["nodes"][0]["grad"]) == 300
    small = compute_graph("sum(x*x)", {"x": a_vector(30)}, limits=Limits(max_wire_elements=100))
    assert all("elided" not in edge and edge["value"] is not None for edge in small["edges"])


def test_when_the_server_holds_all_the_bytes_it_may_a_large_body_waits_but_a_small_one_does_not():
    full = BytesBudget(10_000)
    assert full.take(10_000)  # other clients' bodies and answers
    client = TestClient(Hardening(app, budget=full))
    large = client.post("/api/graph", content=b" " * 70_000, headers={"content-type": "application/json"})
    assert large.status_code == 503 and large.headers["retry-after"] and large.json()["detail"]["kind"] == "busy"
    small = client.post("/api/graph", json=SMALL)
    assert small.status_code == 200 and small.json()["value"] == 33
    assert full.held == 10_000  # every byte of both given back


# -- 4. one request stalls everyone -------------------------------------------------------------------------------

def test_a_huge_body_or_heavy_work_does_not_hold_up_a_small_request(base):
    huge = orjson.dumps({"expression": "sum(x)", "values": {"x": a_vector(2_500_000)}})  # 31 MB once stalled all
    heavy = HEAVY_CHECK
    answers = []
    attackers = [threading.Thread(target=lambda b=body: answers.append(post(base, b, timeout=30)))
                 for body in (huge, heavy)]
    for attacker in attackers:
        attacker.start()
    time.sleep(0.3)
    latencies = []
    while any(attacker.is_alive() for attacker in attackers) and len(latencies) < 40:
        response, elapsed = post(base, FOR_A_WORKER)
        assert response.status_code == 200 and response.json()["value"] == 33
        latencies.append(elapsed)
        time.sleep(0.05)
    for attacker in attackers:
        attacker.join()
    assert all(response.status_code == 413 for response, _ in answers), [(r.status_code, r.text[:200], t) for r, t in answers]
    assert all(elapsed < BUDGET + GRACE + 1 for _, elapsed in answers), [t for _, t in answers]  # +1 s: 31 MB to send
    # It once waited 5-11 s. The bound is loose for a machine shared with other test runs: the load benchmark
    # measures the real figure (a p99 of tens of milliseconds, README).
    assert latencies and max(latencies) < 2.5, f"small requests took up to {max(latencies):.2f} s"


# -- 5. connections that are never timed out ----------------------------------------------------------------------

def open_connections(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that send nothing, opened without waiting for the server to accept each."""
    connections = []
    for _ in range(count):
        connection = socket.socket()
        connection.setblocking(False)
        connection.connect_ex(("127.0.0.1", port))
        connections.append(connection)
    time.sleep(0.5)
    return connections


def count_closed(connections: list[socket.socket]) -> int:
    """How many of ``connections`` the server has closed (or never let in)."""
    closed = 0
    for connection in connections:
        try:
            closed += connection.recv(1024) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    return closed


def test_silent_and_trickling_connections_are_closed_within_the_head_deadline(base):
    port = int(base.base.rsplit(":", 1)[1])
    silent = open_connections(port, 100)
    trickling = open_connections(port, 100)
    for connection in trickling:
        connection.setblocking(True)
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        connection.setblocking(False)
    started = time.monotonic()
    try:
        while time.monotonic() - started < 2 + GRACE + 1:
            for connection in trickling:
                with contextlib.suppress(OSError):
                    connection.sendall(b"X-Slow: 1\r\n")  # a header line every half second
            assert_small_request_answers(base)
            if count_closed(silent + trickling) == 200:
                break
            time.sleep(0.5)
        still_open = 200 - count_closed(silent + trickling)
        assert still_open == 0, f"{still_open} of 200 idle or trickling connections are still open"
    finally:
        for connection in silent + trickling:
            connection.close()


def test_a_body_that_trickles_in_is_answered_408(base):
    port = int(base.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"POST /api/graph HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 1000\r\n\r\n{\"expression\": ")
        client.settimeout(2 + GRACE)
        started = time.monotonic()
        answer = b""
        while chunk := client.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408") and b"body_seconds" in answer
    assert time.monotonic() - started < 2 + GRACE


def test_pipelined_posts_with_bodies_are_answered_at_once(base):
    # The second request's body is whole before its turn comes: it must not wait for a body already here.
    port = int(base.base.rsplit(":", 1)[1])
    body = b'{"expression": "3*(a+b*c)", "values": {"a": 5, "b": 3, "c": 2}}'
    request = b"POST /api/graph HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(BUDGET + GRACE)
        started = time.monotonic()
        client.sendall(request * 3)
        answers = b""
        while answers.count(b'"warnings":[]}') < 3 and (piece := client.recv(65536)):  # each answer's end
            answers += piece
        assert answers.count(b"HTTP/1.1 200 OK") == 3, answers[-300:]
        assert time.monotonic() - started < BUDGET


def test_a_request_head_that_grows_past_its_bound_is_answered_431(base):
    port = int(base.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sent = 0
        with contextlib.suppress(OSError):  # the server may close while a line is on its way
            while sent < 1_000_000 and not select.select([client], [], [], 0.01)[0]:
                client.sendall(b"X-Long: " + b"x" * 2000 + b"\r\n")  # 2 KB header lines, most of them a read each
                sent += 2010
        answer = client.recv(4096)
    assert answer.startswith(b"HTTP/1.1 431") and PAGE_CSP.encode() in answer
    assert sent < 100_000, f"the server read {sent:,} bytes of headers before answering"


@pytest.mark.parametrize("size, status", [(15_000, 200), (17_000, 431)])
def test_a_request_head_that_comes_whole_is_held_to_the_same_bound(base, size, status):
    port = int(base.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"x" * size + b"\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 %d" % status)


def test_pipelined_requests_and_a_kept_alive_connection_are_answered_in_full(base):
    port = int(base.base.rsplit(":", 1)[1])
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(3)
        client.sendall(request * 3)  # three at once: the head deadline must not cut the second or third
        answers = b""
        while answers.count(b'{"status":"ok"}') < 3:
            answers += client.recv(65536)
        assert answers.count(b"HTTP/1.1 200 OK") == 3
        time.sleep(1)  # idle, within the head deadline
        client.sendall(request)
        assert client.recv(65536).startswith(b"HTTP/1.1 200 OK")


def test_a_head_that_shares_a_read_with_a_large_body_is_not_charged_for_it(base):
    # Three sends, each one read: the first of a request's head; the rest of it with a 100 KB body and the next
    # request's first line; the rest of that one. Only the second request's own bytes count against the 16 KB.
    port = int(base.base.rsplit(":", 1)[1])
    body = orjson.dumps(SMALL) + b" " * 100_000
    with socket.create_connection(("127.0.0.1", port), timeout=BUDGET + GRACE) as client:
        for part in (b"POST /api/graph HTTP/1.1\r\n",
                     b"Host: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                     + body + b"GET /healthz HTTP/1.1\r\n",
                     b"Host: x\r\n\r\n"):
            client.sendall(part)
            time.sleep(0.2)
        answers = b""
        while b'{"status":"ok"}' not in answers and (chunk := client.recv(65536)):
            answers += chunk
    assert answers.count(b"HTTP/1.1 200 OK") == 2 and b'"value":33' in answers, answers[:300]


def kernel_send_buffer_max() -> int:
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        return int(f.read().split()[2])


def test_a_client_that_stops_reading_its_answer_is_dropped_after_the_send_deadline(base):
    # An answer larger than the kernel's send buffer can grow to (4 MB here), to a client whose receive window
    # is 4 KB and which reads nothing: the kernel takes what it can, the server stops writing the rest, and
    # after send_seconds (2 s here) the connection is dropped instead of holding the answer for as long as the
    # client likes. About 82 bytes of answer per element of x.
    elements = (kernel_send_buffer_max() + 1_500_000) // 80
    if elements * 85 > MAX_ANSWER_BYTES:
        pytest.skip("this kernel's send buffer takes an answer as large as the server may send")
    body = orjson.dumps({"expression": "sum(x*x)", "values": {"x": a_vector(elements)}})
    port = int(base.base.rsplit(":", 1)[1])
    with socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", port))
        client.sendall(b"POST /api/graph HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(body) + body)
        time.sleep(BUDGET + 2 + GRACE)  # the work, then the send deadline
        client.settimeout(2)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := client.recv(65536):
                received += chunk
    head, _, answer = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
    assert len(answer) < length, f"the client got its whole answer ({length:,} bytes) long after the send deadline"
    assert_small_request_answers(base)


def test_past_its_file_limit_the_server_still_lets_a_new_client_in_and_logs_quietly():
    # A server allowed 300 files, and 600 connections that send nothing: it once ran out of descriptors,
    # left every new client waiting and logged a traceback for each failed accept.
    def few_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))

    port = free_port()
    process = start_app_server(port, "--no-access-log", preexec_fn=few_files)
    connections = []
    try:
        connections = open_connections(port, 600)
        response = httpx.post(f"http://127.0.0.1:{port}/api/graph", json=SMALL, timeout=2)
        assert response.status_code == 200 and response.json()["value"] == 33
    finally:
        for connection in connections:
            connection.close()
        stop_app_server(process)
    process.log.seek(0)
    log = process.log.read().decode(errors="replace")
    assert "Traceback" not in log and len(log) < 5_000, log[-2000:]


def test_the_server_starts_new_workers_when_all_of_its_own_are_killed(base):
    for pid in descendants(base.pid):  # the fork server and every worker, as an out-of-memory killer might
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    statuses = []
    for _ in range(10):
        response, _ = post(base, FOR_A_WORKER, timeout=10)
        statuses.append(response.status_code)
        if response.status_code == 200:
            break
        assert response.status_code == 503 and response.json()["detail"]["kind"] == "busy"
        time.sleep(0.5)
    assert statuses[-1] == 200 and response.json()["value"] == 33, statuses
    assert_small_request_answers(base)


# -- 6 and 7. a 500 from the GET form, and smaller things ---------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/graph", "/api/dot"])
def test_a_value_nested_a_thousand_deep_in_the_get_form_is_a_400(client, path):
    response = client.get(path, params={"expression": "a", "a": "[" * 1000 + "]" * 1000})
    assert response.status_code == 400 and response.json()["detail"]["kind"] == "value"
    assert response.headers["content-security-policy"] == PAGE_CSP


def test_a_500_carries_the_security_headers():
    from fastapi import FastAPI

    failing = FastAPI()
    failing.add_middleware(Hardening)  # as app/server/main.py adds it

    @failing.get("/api/fails")
    def fails():
        raise RuntimeError("a bug")

    response = TestClient(failing, raise_server_exceptions=False).get("/api/fails")
    assert response.status_code == 500 and response.json()["detail"]["kind"] == "internal"
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert response.headers["x-content-type-options"] == "nosniff"


def test_dot_of_a_vector_with_itself_is_sized_as_the_number_it_is():
    result = compute_graph("dot(x, x)", {"x": [1.0] * 1000}, limits=Limits(max_elements=1000))
    assert result["value"] == 1000


def test_the_get_form_takes_an_integer_past_2_to_the_63(client):
    response = client.get("/api/graph", params={"expression": "a*2", "a": str(2 ** 64)})
    assert response.status_code == 200 and response.json()["value"] == 2.0 ** 65


@pytest.mark.parametrize("value", ["5", True, [1, True], [[1, 2], [3, "4"]]])
def test_post_takes_neither_a_string_nor_true_as_a_number(client, value):
    response = client.post("/api/graph", json={"expression": "a*2", "values": {"a": value}})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][:3] == ["body", "values", "a"]


def test_the_request_models_are_still_documented(client):
    spec = client.get("/openapi.json").json()
    for path, model in [("/api/graph", "GraphRequest"), ("/api/sweep", "SweepRequest"), ("/api/train", "TrainRequest")]:
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{model}"} and model in spec["components"]["schemas"]
        assert "422" in spec["paths"][path]["post"]["responses"]
