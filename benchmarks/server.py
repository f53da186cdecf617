"""A live server for the benchmarks: ``python -m app`` (uvicorn, bounded) on 127.0.0.1, on a free port, started
and stopped by us; or another version of the app, to measure ours against (``command``)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, base_url: str):
        self.process = process
        self.base_url = base_url

    def pids(self) -> list[int]:
        """The server's process and all it started: uvicorn's workers, the fork server, the computing workers."""
        pids, stack = [], [self.process.pid]
        while stack:
            pid = stack.pop()
            pids.append(pid)
            with contextlib.suppress(OSError):
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        stack += [int(p) for p in f.read().split()]
        return pids

    def rss_mb(self) -> float:
        """Resident memory of the server and its workers together, in MB (from /proc, Linux only)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its workers so far (from /proc, Linux only)."""
        return sum(self.cpu_seconds_by_role())

    def cpu_seconds_by_role(self) -> tuple[float, float]:
        """CPU time so far of the server's own process (its event loop: HTTP, the hand-over to the workers), and
        of all it started (the fork server and the computing workers), separately."""
        ticks = os.sysconf("SC_CLK_TCK")
        own, started = 0, 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks_used = int(fields[11]) + int(fields[12])  # utime, stime
                if pid == self.process.pid:
                    own += ticks_used
                else:
                    started += ticks_used
        return own / ticks, started / ticks


@contextlib.contextmanager
def live_server(workers: int = 1, env: dict | None = None, timeout: float = 30, command: str | None = None):
    """``python -m app`` on 127.0.0.1 with ``workers`` server processes; yields a Server. ``command``, a shell
    command with ``{port}`` in it, serves instead: another version of the app, such as a ``git archive`` of an
    older commit in its own directory and virtual environment (``exec`` it, so that its process is the one
    measured)."""
    import httpx

    port = free_port()
    log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stall the server
    ours = [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log"]
    if workers > 1:
        ours += ["--workers", str(workers)]
    shell = command is not None
    environment = {**os.environ, **({} if shell else {"PYTHONPATH": ROOT}), **(env or {})}
    process = subprocess.Popen(command.format(port=port) if shell else ours, shell=shell, cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, env=environment)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                httpx.get(base + "/api/limits", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("the server did not start:\n" + log.read().decode(errors="replace"))
                time.sleep(0.1)
        if workers > 1:  # let every worker come up before anything is measured
            time.sleep(1.0)
        server = Server(process, base)
        server.log = log
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
