"""The connection layer: uvicorn's HTTP/1.1 protocol with the bounds it lacks, for ``python -m app``.

uvicorn times out a keep-alive connection that stays idle after an answer (``timeout_keep_alive``), but
nothing else: a connection that sends nothing, or one header line every few seconds, stays open for ever,
and enough of them exhaust the server's file descriptors (slowloris). ``BoundedH11Protocol`` adds:

- a deadline for the request head: ``header_seconds`` from the connection's start, or from its last answer,
  to the end of the next request's headers, however the bytes trickle in; then the connection is closed;
- a cap on open connections, ``max_connections`` (kept below the process's file limit): a connection past it
  closes the oldest connection still waiting for its request head (an attacker's, most likely, since a
  browser sends its request as soon as it connects), or itself when none is waiting;
- a send deadline: a client that takes nothing of its answer for ``send_seconds`` is dropped, so that an
  answer cannot sit in the server's memory for ever;
- the security headers on the few answers the protocol writes itself (a malformed request's 400).

The body's own deadline (``body_seconds``) and size live in the ASGI middleware (``security.py``).
``QuietRepeats`` keeps the log readable under attack: a warning repeated within ten seconds is counted, not
written again.
"""

from __future__ import annotations

import logging
import resource
import time

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from .limits import Limits
from .security import PAGE_CSP, SECURITY_HEADERS

LIMITS = Limits.from_environment()
FILES_KEPT_FOR_THE_SERVER = 64  # listening socket, worker pipes, log files, static files being sent


def connection_bounds(limits: Limits = LIMITS) -> tuple[int, int]:
    """The connection cap and the listen backlog, after raising the process's soft file limit to its hard one.

    asyncio accepts up to a backlog's worth of connections before any of them is seen here, so the cap leaves
    descriptors for that free below the limit: accept() then never fails for want of one (it would log a
    traceback each time and stop accepting for a second)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    backlog = max(16, min(2048, hard // 8))
    # Three backlogs: a connection closed here gives its descriptor back two turns of the event loop later.
    return max(1, min(limits.max_connections, hard - 3 * backlog - FILES_KEPT_FOR_THE_SERVER)), backlog


CAP, BACKLOG = connection_bounds()


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request head, a connection cap and a send deadline."""

    limits = LIMITS
    cap = CAP
    waiting: dict["BoundedH11Protocol", None] = {}  # connections waiting for a request head, oldest first

    head_timer = None
    send_timer = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > self.cap:
            oldest = next(iter(self.waiting), None)
            (oldest or self)._drop()
            if oldest is None:
                return
        self._wait_for_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self in self.waiting and self.conn.their_state is not h11.IDLE:
            self._head_arrived()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._wait_for_head()

    def connection_lost(self, exc) -> None:
        self._head_arrived()
        self._cancel_send_timer()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.send_timer is None:
            self.send_timer = self.loop.call_later(self.limits.send_seconds, self._drop)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._cancel_send_timer()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a malformed request, with the security headers every answer carries."""
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"),
                   (b"content-security-policy", PAGE_CSP.encode()), *SECURITY_HEADERS]
        for event in (h11.Response(status_code=400, headers=headers, reason=STATUS_PHRASES[400]),
                      h11.Data(data=msg.encode("ascii")), h11.EndOfMessage()):
            try:
                self.transport.write(self.conn.send(event))
            except h11.LocalProtocolError:
                break  # the request was malformed before h11 could answer it: just close
        self.transport.close()

    def _wait_for_head(self) -> None:
        self._head_arrived()
        self.waiting[self] = None
        self.head_timer = self.loop.call_later(self.limits.header_seconds, self._drop)

    def _head_arrived(self) -> None:
        self.waiting.pop(self, None)
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _cancel_send_timer(self) -> None:
        if self.send_timer is not None:
            self.send_timer.cancel()
            self.send_timer = None

    def _drop(self) -> None:
        """Close at once, without a word (and without flushing an answer the client does not read)."""
        self._head_arrived()
        self._cancel_send_timer()
        if not self.transport.is_closing():
            self.transport.abort()


class QuietRepeats(logging.Filter):
    """Lets a message through at most once per ``seconds``; the next one that passes says how many were held back."""

    def __init__(self, seconds: float = 10.0):
        super().__init__()
        self.seconds = seconds
        self.last: dict[str, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        if record.exc_info and isinstance(record.exc_info[1], OSError):  # out of descriptors, a reset: no traceback
            record.msg = f"{record.msg}: {record.exc_info[1]}"
            record.exc_info = record.exc_text = None
        key = str(record.msg)
        now = time.monotonic()
        since, held = self.last.get(key, (float("-inf"), 0))
        if now - since < self.seconds:
            self.last[key] = (since, held + 1)
            return False
        if len(self.last) > 1000:  # many different messages: forget the old ones
            self.last.clear()
        self.last[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self.seconds:g} s)"
        return True


def quiet_logs() -> None:
    """Filters uvicorn's and asyncio's warnings, and ours, through ``QuietRepeats`` (once per logger)."""
    for name in ("uvicorn.error", "asyncio", "backprop.workers", "backprop.security"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, QuietRepeats) for f in logger.filters):
            logger.addFilter(QuietRepeats())
