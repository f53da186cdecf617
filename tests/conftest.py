import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.engine.errors import ProgramError
from app.server.main import app


@pytest.fixture(scope="session")
def client():
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def set_app_limits(client):
    """For one test, the limits the app runs with (``app.state.limits``, set at its start): ``set_app_limits(Limits(
    max_chars=5))``. Not monkeypatch.setattr: it would delete the attribute when undone."""
    started_with = client.app.state.limits
    yield lambda limits: setattr(client.app.state, "limits", limits)
    client.app.state.limits = started_with


def assert_close(actual, expected, rel=1e-9, abs_=1e-12):
    """Numbers or nested lists equal to `rel` relative tolerance, element by element."""
    actual_array = np.asarray(actual, dtype=float)
    expected_array = np.asarray(expected, dtype=float)
    assert actual_array.shape == expected_array.shape, f"shape {actual_array.shape} != {expected_array.shape}"
    assert np.allclose(actual_array, expected_array, rtol=rel, atol=abs_, equal_nan=True), \
        f"{actual} != {expected}"


def newest_node_named(result, name):
    """The node a name refers to at the end of the program: the last one assigned to it."""
    return [node for node in result["nodes"] if node["name"] == name][-1]


def is_close(a, b, rel=1e-9):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


ROOT = Path(__file__).resolve().parents[1]


# A 3-node request, which the server computes at once (app/server/admission.py), and the same with an option
# that adds to the answer, which a worker computes: the tests of workers and lanes ask that one.
SMALL = {"expression": "3*(a + b*c)", "values": {"a": 5, "b": 3, "c": 2}}
FOR_A_WORKER = {**SMALL, "local": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app_server(port: int, *options: str, env: dict | None = None, **popen) -> subprocess.Popen:
    """`python -m app` as a user starts it, from another directory, once it answers on `port`; ``env`` adds
    environment variables (limits), ``popen`` goes to Popen. The server's log is in ``process.log``, a file."""
    log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stall the server
    process = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port), *options], cwd="/",
                               env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, stdout=log,
                               stderr=subprocess.STDOUT, **popen)
    process.log = log
    deadline = time.monotonic() + 120  # a busy machine: the fork server imports NumPy and the app first
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                log.seek(0)
                raise RuntimeError(log.read().decode())
            time.sleep(0.1)


def stop_app_server(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def server():
    """A real server on a free port, for the whole session."""
    port = free_port()
    process = start_app_server(port)
    yield f"http://127.0.0.1:{port}"
    stop_app_server(process)


# -- every error in English and Chinese, with the same facts ----------------------------------------------------
#
# Whatever a test does, each error it meets is checked as it is made: every ProgramError made in this process
# (the engine called directly), and every error answer that a test's HTTP client receives (the TestClient, and
# httpx against a live server). So every error path the tests exercise must say it in both languages.

CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e[+-]?\d+)?")
QUOTED = re.compile(r"(?<!\w)'[^']*'(?!\w)")  # a repr, such as '+' or 'q'; not the apostrophe of "node's"
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _looks_like_code(word: str) -> bool:
    """A name of the API or of a program rather than an English word: max_chars, W1, BACKPROP_MAX_DEPTH, JSON."""
    return "_" in word or any(c.isdigit() for c in word) or (len(word) > 1 and word.isupper())


def assert_same_facts(en: str, zh) -> None:
    """``zh`` is Chinese and carries the facts of ``en``: its numbers, the names and tokens it quotes, the
    names of the API it uses; and nothing written in Latin letters that ``en`` does not have."""
    assert isinstance(zh, str) and CJK.search(zh), f"no Chinese for {en!r}: {zh!r}"
    facts = NUMBER.findall(en) + QUOTED.findall(en) + [word for word in WORD.findall(en) if _looks_like_code(word)]
    missing = [fact for fact in facts if fact not in zh]
    assert not missing, f"{missing} of {en!r} are not in {zh!r}"
    extra = [word for word in WORD.findall(zh) if word not in en]
    assert not extra, f"{extra} of {zh!r} are not in {en!r}"


def assert_error_in_both_languages(response: httpx.Response) -> None:
    """An error answer of the API in both languages, with the same facts: its ``message`` (by language code), of
    its detail, of each problem of a 422, or beside a 404's or 405's ``detail``."""
    if response.status_code < 400 or not response.headers.get("content-type", "").startswith("application/json"):
        return
    body = response.json()
    detail = body.get("detail")
    if isinstance(detail, dict):
        assert isinstance(detail["message"], dict), f"not by language code: {detail['message']!r}"
        assert_same_facts(detail["message"]["en"], detail["message"].get("zh"))
    elif isinstance(detail, list):  # a 422: each problem, beside pydantic's own English (msg)
        for problem in detail:
            assert_same_facts(problem["message"]["en"], problem["message"]["zh"])
    elif "message" in body:
        assert_same_facts(body["message"]["en"], body["message"]["zh"])


_make_program_error = ProgramError.__init__
_send = httpx.Client.send


def _checked_program_error(self, *args, **kwargs):
    _make_program_error(self, *args, **kwargs)
    assert_same_facts(self.text["en"], self.text["zh"])


def _checked_send(self, request, *args, stream=False, **kwargs):
    response = _send(self, request, *args, stream=stream, **kwargs)
    if not stream:
        assert_error_in_both_languages(response)
    return response


ProgramError.__init__ = _checked_program_error
httpx.Client.send = _checked_send  # the TestClient is an httpx.Client too
