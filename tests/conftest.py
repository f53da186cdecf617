import math
import os
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

from app.main import app


@pytest.fixture(scope="session")
def client():
    with TestClient(app) as test_client:
        yield test_client


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
    deadline = time.monotonic() + 30
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
