"""One class served by two app servers sharing a real redis-server (started here on a free port): the instructor on
one server drives students on the other, in Chromium; and Redis going away mid-class is survived: the pages say so
and reconnect, graph requests keep being answered, and nothing answered is lost once Redis is back."""

import shutil
import signal
import subprocess
import tempfile
import time

import httpx
import pytest

from conftest import free_port, start_app_server, stop_app_server
from test_classroom_api import PROGRAM, _events, question_of
from test_classroom_page import FOLLOW_MS, ask_the_class, errors, join, new_page, start_class  # noqa: F401
from test_page import browser  # noqa: F401

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="no redis-server: install Debian's redis-server package")


class RedisServer:
    """A redis-server of our own, saving to a temporary directory when it is stopped (so that it can come back
    with what it held, as a restarted Redis with persistence does)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="backprop-redis-")
        self.start()

    def start(self):
        self.process = subprocess.Popen([REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                                         "--save", "3600 1", "--appendonly", "no", "--protected-mode", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout != b"PONG\n":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)  # saves, then exits
        self.process.wait(timeout=10)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def two_servers(redis_server):
    """Server A given Redis by --redis, server B by BACKPROP_REDIS_URL."""
    ports = free_port(), free_port()
    a = start_app_server(ports[0], "--redis", redis_server.url)
    b = start_app_server(ports[1], env={"BACKPROP_REDIS_URL": redis_server.url})
    yield tuple(f"http://127.0.0.1:{port}" for port in ports)
    stop_app_server(a)
    stop_app_server(b)


def test_an_instructor_on_one_server_drives_students_on_another(browser, two_servers, errors):
    a, b = two_servers
    teacher, link = start_class(browser, a, errors)
    on_b = link.replace(a, b)
    students = [join(browser, on_b, errors) for _ in range(3)]
    teacher.fill("#program", "3*(a + b*c) ")
    teacher.press("#program", "Control+Enter")
    for student in students:
        student.wait_for_function("() => document.querySelector('#program').value === '3*(a + b*c) '",
                                  timeout=FOLLOW_MS)
    teacher.fill("#program", "3*(a + b*c)")
    ask_the_class(teacher, students)


def test_redis_going_away_mid_class_is_survived(redis_server, two_servers):
    a, b = two_servers
    with httpx.Client(timeout=10) as client:
        started = client.post(a + "/class", json={"program": PROGRAM}).json()
        code, key = started["code"], started["key"]
        student = client.post(f"{b}/class/{code}/join", json={}).json()["student"]
        asked = client.post(f"{a}/class/{code}/ask", json=question_of(PROGRAM, "b"),
                            headers={"x-class-key": key}).json()
        answered = client.post(f"{b}/class/{code}/answer", json={"student": student, "question": asked["question"],
                                                                      "answer": "3"})
        assert answered.json()["verdict"] == "right"
        with client.stream("GET", f"{b}/class/{code}/events", params={"student": student}) as stream:
            events = _events(stream.iter_lines())
            assert next(events)[0] == "view"
            redis_server.stop()
            assert next(events)[0] == "trouble"  # the page is told, and reconnects
        try:
            away = client.get(f"{b}/class/{code}/events", params={"student": student})
            assert away.status_code == 503 and "Redis" in away.json()["detail"]["message"]["en"]
            graph = client.post(b + "/api/graph", json={"expression": PROGRAM, "values": {"a": 1, "b": 2, "c": 3}})
            assert graph.status_code == 200 and graph.json()["value"] == 21  # graph requests go on regardless
        finally:
            redis_server.start()
        deadline = time.monotonic() + 10
        while True:  # the page's reconnecting, as its EventSource does it
            with client.stream("GET", f"{b}/class/{code}/events", params={"student": student}) as stream:
                if stream.status_code == 200:
                    kind, view = next(_events(stream.iter_lines()))
                    break
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert kind == "view" and view["question"]["id"] == asked["question"]
        with client.stream("GET", f"{a}/class/{code}/events", params={"key": key}) as stream:
            events = _events(stream.iter_lines())
            next(events)
            kind, tally = next(events)
            assert kind == "tally" and tally["answered"] == 1 and tally["right"] == 1  # nothing answered was lost


def test_a_students_page_says_redis_is_away_and_reconnects(browser, redis_server, two_servers, errors):
    a, b = two_servers
    teacher, link = start_class(browser, a, errors)
    student = join(browser, link.replace(a, b), errors)
    redis_server.stop()
    try:
        student.wait_for_function("() => document.querySelector('#class-status').textContent.includes('reconnecting')",
                                  timeout=10_000)
        teacher.fill("#program", "a*b")  # the instructor's own page computes on: graph requests need no Redis
        teacher.press("#program", "Control+Enter")
        teacher.wait_for_function("() => document.querySelector('#graph svg text.value')")
    finally:
        redis_server.start()
    student.wait_for_function("() => document.querySelector('#program').value === 'a*b'", timeout=20_000)
    assert student.text_content("#class-status").startswith("Following")
