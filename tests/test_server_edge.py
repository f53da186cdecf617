"""The server's edge without surprises: limits read once at start, nothing done at import, uvicorn's private
names checked one by one, worker pools fresh in a forked child."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import weakref

import httpx
import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from app.engine.limits import Limits
from app.server import uvicorn_private
from app.server.connections import BoundedProtocol
from conftest import ROOT, free_port, start_app_server, stop_app_server


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BACKPROP_MAX_CHARS": "77"})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_importing_the_app_neither_sets_a_resource_limit_nor_reads_the_limits():
    out = run_python(
        "import resource\n"
        "calls = []\n"
        "resource.setrlimit = lambda *args: calls.append(args)\n"
        "import app.server.main, app.engine.limits as limits\n"
        "print(calls, limits._IN_FORCE)\n")
    assert out == "[] None"


def test_the_python_api_reads_the_environment_once_on_first_use():
    out = run_python(
        "import os\n"
        "from app import compute_graph, ProgramError\n"
        "from app.engine.limits import limits_in_force\n"
        "first = limits_in_force()\n"
        "os.environ['BACKPROP_MAX_CHARS'] = '5'\n"
        "print(first.max_chars, limits_in_force() is first, compute_graph('a*2', {'a': 1})['value'])\n")
    assert out == "77 True 2.0"


def test_the_server_runs_with_the_limits_its_environment_had_at_start():
    port = free_port()
    process = start_app_server(port, "--no-access-log", env={"BACKPROP_MAX_CHARS": "9"})
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/limits").json()["max_chars"] == 9
        response = httpx.post(f"{base}/api/graph", json={"expression": "a + b + c + d", "default_value": 1})
        assert response.status_code == 413 and "max_chars" in response.json()["detail"]["message"]["en"]
    finally:
        stop_app_server(process)


def test_a_test_sets_the_apps_limits(client, set_app_limits):
    set_app_limits(Limits(max_chars=3))
    assert client.post("/api/graph", json={"expression": "a + b", "default_value": 1}).status_code == 413
    assert client.get("/api/limits").json()["max_chars"] == 3


# -- uvicorn's private names, one test each ------------------------------------------------------------------------

class Transport(asyncio.Transport):
    def __init__(self):
        super().__init__()
        self.written, self.closing = b"", False

    def get_extra_info(self, name, default=None):
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5000)}.get(name, default)

    def write(self, data):
        self.written += data

    def is_closing(self):
        return self.closing

    def close(self):
        self.closing = True

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


async def silent_app(scope, receive, send):
    await asyncio.sleep(3600)  # an answer still being computed: the cycle stays open


def bounded_protocol(app, loop) -> BoundedProtocol:
    """A BoundedProtocol in uvicorn for ``app``, as the server makes one, on ``loop``."""
    config = Config(app=app, http=BoundedProtocol, ws="none", lifespan="off", log_level="critical")
    config.load()
    return BoundedProtocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)


def close_loop(loop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


@pytest.fixture
def protocol():
    """A BoundedProtocol in uvicorn, as the server makes one, with a request head parsed and a second pipelined."""
    loop = asyncio.new_event_loop()
    made = bounded_protocol(silent_app, loop)

    async def connect():
        made.connection_made(Transport())
        made.data_received(b"GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")

    loop.run_until_complete(connect())
    yield made
    close_loop(loop)


def test_uvicorn_is_within_the_versions_pinned():
    import uvicorn
    assert uvicorn.__version__.startswith("0.55.")


def test_uvicorn_private_connections_is_the_servers_set_of_open_connections(protocol):
    assert protocol in uvicorn_private.open_connections(protocol)


def test_uvicorn_private_url_and_headers_are_the_request_heads(protocol):
    # the second, pipelined request's head is the last one parsed
    assert protocol.url == b"/" and protocol.headers == [(b"host", b"a")]
    assert uvicorn_private.head_size(protocol) == len(b"/") + len(b"host: a\r\n")


def test_uvicorn_private_pipeline_holds_the_pipelined_request(protocol):
    assert uvicorn_private.has_pipelined_request(protocol)


def test_uvicorn_private_cycle_is_the_request_being_answered(protocol):
    assert protocol.cycle.response_complete is False and uvicorn_private.answering(protocol)


def test_uvicorn_private_scope_is_the_last_requests_and_carries_the_live_stream_mark(protocol):
    scope = uvicorn_private.scope(protocol)
    assert scope["path"] == "/" and callable(scope["extensions"]["backprop.mark_live_stream"])


@pytest.mark.parametrize("name", sorted(uvicorn_private.METHODS))
def test_uvicorn_private_method_exists(name):
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    assert callable(getattr(HttpToolsProtocol, name, None)), f"uvicorn's protocol has no {name} any more"


def test_uvicorn_private_more_body_is_false_once_a_requests_body_is_whole(protocol):
    assert uvicorn_private.body_whole(protocol.cycle)  # the second GET of the fixture: no body, whole


@pytest.mark.parametrize("head", [b"POST /api/graph HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n",
                                  b"POST /api/graph HTTP/1.1\r\nHost: a\r\n"])
def test_a_lost_connection_is_freed_at_once_not_left_to_the_garbage_collector(head):
    """A head and no body, or half a head: an attacker's thousands a second, each freed as it is closed (a
    collection over thousands of stalled connections stopped the event loop for a second)."""
    loop = asyncio.new_event_loop()
    made = bounded_protocol(silent_app, loop)

    async def stall_and_lose():
        made.connection_made(Transport())
        made.data_received(head)
        made.connection_lost(None)

    loop.run_until_complete(stall_and_lose())
    gone = weakref.ref(made)
    gc.disable()
    try:
        del made
        assert gone() is None
    finally:
        gc.enable()
        close_loop(loop)


def test_every_private_attribute_named_has_a_test():
    tested = {"connections", "url", "headers", "pipeline", "cycle", "scope", "more_body"}
    assert set(uvicorn_private.ATTRIBUTES) == tested


# -- a forked child ----------------------------------------------------------------------------------------------

def test_a_process_forked_after_the_workers_started_makes_its_own_pools():
    out = run_python(
        "import os, sys\n"
        "from app.engine.limits import limits_in_force\n"
        "from app.server import api, workers\n"
        "workers.start(limits_in_force())\n"
        "def compute():\n"
        "    slot = workers._pools(limits_in_force()).light.slots[0]\n"
        "    return slot.call(api.post_graph.key, b'{\"expression\": \"2*3\"}', limits_in_force())[0]\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    code = compute()\n"
        "    workers.stop()\n"
        "    os._exit(0 if code == 200 else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(compute(), os.waitstatus_to_exitcode(status))\n"
        "workers.stop()\n")
    assert out == "200 0"


# -- compression --------------------------------------------------------------------------------------------------

def test_a_big_answer_comes_gzipped_to_a_client_that_takes_it_and_means_the_same(server):
    program = "\n".join(f"x{i} = tanh(x{i - 1} * 0.9 + 0.1)" for i in range(1, 120))
    body = {"expression": program, "values": {"x0": 0.3}, "local": True, "dot": True}
    squeezed = httpx.post(f"{server}/api/graph", json=body, headers={"accept-encoding": "gzip"}, timeout=30)
    plain = httpx.post(f"{server}/api/graph", json=body, headers={"accept-encoding": "identity"}, timeout=30)
    assert squeezed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert int(squeezed.headers["content-length"]) * 5 < int(plain.headers["content-length"])
    assert squeezed.content == plain.content  # httpx undoes the gzip: the same bytes
    assert "Accept-Encoding" in squeezed.headers["vary"] and "Accept-Encoding" in plain.headers["vary"]


def test_a_small_answer_is_not_compressed(server):
    response = httpx.post(f"{server}/api/graph", json={"expression": "2*3"}, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200 and "content-encoding" not in response.headers


# -- a small body read whole before the app starts -----------------------------------------------------------------

def test_a_request_whose_small_body_has_not_come_starts_no_app_work_until_it_has():
    # An attacker's thousands of connections that send a POST head and then nothing once each started the app
    # (middleware, routing, a task waiting on the body); now they cost the connection layer alone.
    started = []

    async def recording_app(scope, receive, send):
        started.append("started")
        message = await receive()
        started.append(message["body"])
        await asyncio.sleep(3600)

    loop = asyncio.new_event_loop()
    made = bounded_protocol(recording_app, loop)

    async def send_in_two_parts():
        made.connection_made(Transport())
        made.data_received(b"POST /api/graph HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n")
        await asyncio.sleep(0.01)
        head_only = list(started)
        made.data_received(b'{"a": 1}\n')
        await asyncio.sleep(0.01)
        return head_only

    try:
        assert loop.run_until_complete(send_in_two_parts()) == [] and started == ["started", b'{"a": 1}\n']
    finally:
        close_loop(loop)
