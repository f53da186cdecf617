"""The connection layer: uvicorn's HTTP/1.1 protocol (httptools, on uvloop) with the bounds it lacks, for
``python -m app``.

uvicorn times out a keep-alive connection that stays idle after an answer (``timeout_keep_alive``), but
nothing else: a connection that sends nothing, or one header line every few seconds, stays open for ever,
and enough of them exhaust the server's file descriptors (slowloris). ``BoundedProtocol`` adds:

- a deadline for the request head: ``header_seconds`` from the connection's start, or from its last answer,
  to the end of the next request's headers, however the bytes trickle in; then the connection is closed,
  gracefully (the last answer may still be on its way: that is the send deadline's to judge);
- a bound on a request head's size, ``MAX_HEAD_BYTES`` (httptools has none of its own): past it, whether the
  head came whole or a line at a time, the answer is 431 and the connection is closed;
- a cap on open connections, ``max_connections`` (kept below the process's file limit): a connection past it
  closes the oldest connection still waiting for its request head (an attacker's, most likely, since a
  browser sends its request as soon as it connects), or itself when none is waiting;
- a send deadline: a client that takes nothing of its answer for ``send_seconds`` is dropped, and what it did
  not take thrown away, so that an answer cannot sit in the server's memory for ever;
- the security headers on the few answers the protocol writes itself (a malformed request's 400, the 431).

httptools (llhttp, in C) parses requests where h11 parses them in Python, and uvloop runs the event loop and
its sockets in C: the event loop that reads, parses and closes every connection, a class's or an attacker's,
spends less CPU on each (README, "Under attack").

The body's own deadline (``body_seconds``) and size live in the ASGI middleware (``security.py``).
``QuietRepeats`` keeps the log readable under attack: a warning repeated within ten seconds is counted, not
written again.
"""

from __future__ import annotations

import asyncio
import http
import logging
import resource
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..engine.limits import Limits
from . import uvicorn_private as uvicorn
from .security import BODY_SINCE, BODY_WHOLE, PAGE_CSP, SECURITY_HEADERS

FILES_KEPT_FOR_THE_SERVER = 64  # listening socket, worker pipes, log files, static files being sent
MAX_HEAD_BYTES = 16 * 1024  # a request's URL and headers: h11's bound, the one the server had before httptools
MAX_HEADERS = 100  # header lines in one request head (a browser sends about 15)
# A body in pieces this small on average, past SMALL_PIECES of them, costs the event loop a callback for a few
# bytes each (one-byte chunks cost ten times the CPU of the same bytes in large ones): the connection is dropped.
SMALL_PIECES, SMALL_PIECE_BYTES = 1024, 256


def connection_bounds(limits: Limits) -> tuple[int, int]:
    """The connection cap and the listen backlog, after raising the process's soft file limit to its hard one.

    The event loop accepts up to a backlog's worth of connections before any of them is seen here, so the cap
    leaves descriptors for that free below the limit: accept() then never fails for want of one (it would log
    a traceback each time and stop accepting for a while). Called at the server's start, never at import."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    backlog = max(16, min(2048, hard // 8))
    # Three backlogs: a connection closed here gives its descriptor back two turns of the event loop later.
    return max(1, min(limits.max_connections, hard - 3 * backlog - FILES_KEPT_FOR_THE_SERVER)), backlog


class HeadTooLarge(Exception):
    """Raised in a parser callback: it stops the parser, and uvicorn answers through ``send_400_response``."""


class BoundedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline and a size bound for each request head, a connection cap
    that evicts the connection stalled longest, and a send deadline."""

    limits = Limits()  # until bound_by() sets the server's
    cap = Limits().max_connections
    # Connections that owe the server something (a request head, the rest of a body, the reading of an answer),
    # in the order of their last progress, the longest stalled first: the ones a new connection past the cap
    # evicts. A connection whose request is being computed, or that streams live, is not among them.
    stalled: dict["BoundedProtocol", None] = {}
    live: set["BoundedProtocol"] = set()  # connections marked as live streams (mark_live_stream)

    head_timer = None
    send_timer = None
    deferred = None  # a request whose small body is still on its way: (cycle, app), started when it is whole
    deferred_timer = None
    in_head = False  # the parser is inside a request head: between its first byte and its blank line
    head_began = False  # the request head now being read began in the latest read
    head_bytes = 0  # the head's size: exact once it is complete, a lower bound while it trickles in

    @classmethod
    def bound_by(cls, limits: Limits) -> None:
        """At the server's start, in each server process (its lifespan, before it listens): the limits in force."""
        cls.limits = limits
        cls.cap, _ = connection_bounds(limits)

    def connection_made(self, transport) -> None:
        self.socket = transport
        self.event_loop = asyncio.get_running_loop()
        super().connection_made(transport)
        if len(uvicorn.open_connections(self)) > self.cap and not self._evict_the_longest_stalled():
            self._drop()
            return
        self._wait_for_head()

    def data_received(self, data: bytes) -> None:
        if self in self.stalled:  # progress: to the back of the line
            del self.stalled[self]
            self.stalled[self] = None
        # llhttp holds nothing, but httptools and uvicorn keep the URL and header lines read so far: a head still
        # incomplete after this read counts it whole, unless the head began in it (the read may end a body or
        # hold whole requests before it), so that what they hold stays within one read past the bound.
        self.head_began = False
        super().data_received(data)
        if self.in_head and not self.head_began and not self.socket.is_closing():
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self.send_400_response("")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head, self.head_began, self.head_bytes = True, True, 0
        self.header_lines = self.body_pieces = self.body_bytes = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_lines += 1
        if self.header_lines > MAX_HEADERS:
            self.head_bytes = MAX_HEAD_BYTES + 1  # answered 431, as a head over its bytes is
            raise HeadTooLarge
        super().on_header(name, value)

    def on_body(self, body: bytes) -> None:
        self.body_pieces += 1
        self.body_bytes += len(body)
        if self.body_pieces > SMALL_PIECES and self.body_bytes < SMALL_PIECE_BYTES * self.body_pieces:
            self._drop()
            return
        super().on_body(body)

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._head_arrived()
        self.head_bytes = uvicorn.head_size(self)
        if self.head_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge
        extensions = uvicorn.scope(self).setdefault("extensions", {})
        extensions[LIVE_STREAM_EXTENSION] = self.mark_live_stream
        extensions[BODY_SINCE] = self.event_loop.time()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.stalled.pop(self, None)  # the whole request is here: the server owes the answer now
        if self.deferred is not None:
            self.deferred[0].scope["extensions"][BODY_WHOLE] = True  # the app need not wait for it
        self._start_deferred()

    def _start_asgi_task(self, cycle, app) -> None:
        """Start the app on a request, or, for a small body still to come, once it has come: a connection that
        sends a head and then nothing (an attacker's thousands) costs the app nothing, and the app reads a small
        body whole. Past ``body_seconds`` it starts anyway, and answers 408 (the body's deadline runs from the
        head's end, ``BODY_SINCE``)."""
        length = uvicorn.declared_body_length(cycle)
        if 0 < length <= DEFERRED_BODY_BYTES and not uvicorn.expects_100_continue(cycle):
            if uvicorn.body_whole(cycle):  # a pipelined request, its body here before its turn
                cycle.scope["extensions"][BODY_WHOLE] = True
            else:
                self.deferred = (cycle, app)
                self.deferred_timer = self.event_loop.call_later(self.limits.body_seconds, self._start_deferred)
                return
        super()._start_asgi_task(cycle, app)

    def _start_deferred(self) -> None:
        if self.deferred_timer is not None:
            self.deferred_timer.cancel()
            self.deferred_timer = None
        if self.deferred is not None:
            (cycle, app), self.deferred = self.deferred, None
            super()._start_asgi_task(cycle, app)

    def on_response_complete(self) -> None:
        pipelined = uvicorn.has_pipelined_request(self)  # the next request's head is already here
        super().on_response_complete()
        if not self.socket.is_closing() and not pipelined:
            self._wait_for_head()

    def connection_lost(self, exc) -> None:
        self.deferred = None  # its body never came: nobody to answer
        if self.deferred_timer is not None:
            self.deferred_timer.cancel()
            self.deferred_timer = None
        self._head_arrived()
        self._cancel_send_timer()
        self.stalled.pop(self, None)
        self.live.discard(self)
        super().connection_lost(exc)
        uvicorn.forget_requests(self)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.send_timer is None:
            self.stalled[self] = None  # the client is not taking its answer
            self.send_timer = self.event_loop.call_later(self.limits.send_seconds, self._drop)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._cancel_send_timer()
        if self.head_timer is None:  # not waiting for a request head, which is a stall of its own
            self.stalled.pop(self, None)

    def mark_live_stream(self) -> bool:
        """For a route that streams to its client for long (Server-Sent Events, say): this connection is counted
        with the live streams, at most ``max_live_streams`` of them, and is not evicted for sending nothing.
        Says whether it was taken (False past the cap: the route answers 503)."""
        if self not in self.live and len(self.live) >= self.limits.max_live_streams:
            return False
        self.live.add(self)
        self.stalled.pop(self, None)
        return True

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a malformed request (431 for a head over its bound), with the security headers
        every answer carries; or, while an answer is being written on this connection, no answer at all."""
        if uvicorn.answering(self):
            self._drop()  # a pipelined request went wrong: an answer of its own would cut into the one being sent
            return
        status = 400
        if self.head_bytes > MAX_HEAD_BYTES:
            status, msg = 431, "Request line and headers over %d bytes." % MAX_HEAD_BYTES
        body = msg.encode("ascii")
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(body)),
                   (b"connection", b"close"), (b"content-security-policy", PAGE_CSP.encode()), *SECURITY_HEADERS]
        head = b"HTTP/1.1 %d %s\r\n" % (status, http.HTTPStatus(status).phrase.encode())
        self.socket.write(head + b"".join(b"%s: %s\r\n" % header for header in headers) + b"\r\n" + body)
        self.socket.close()

    def _evict_the_longest_stalled(self) -> bool:
        """Close the connection that has made no progress for longest; says whether there was one."""
        oldest = next(iter(self.stalled), None)
        if oldest is None:
            return False
        if oldest.head_timer is not None:
            oldest._close_unused()  # owes a head: its last answer may still be on its way
        else:
            oldest._drop()  # in the middle of a body, or of an answer it does not read
        return True

    def _wait_for_head(self) -> None:
        self._head_arrived()
        self.stalled.pop(self, None)
        self.stalled[self] = None  # at the back: stalled from now
        self.head_timer = self.event_loop.call_later(self.limits.header_seconds, self._close_unused)

    def _close_unused(self) -> None:
        """Close a connection that owes a request head, gracefully: the last answer may still be on its way to a
        slow client (what it has not taken is the send deadline's to judge; aborting would throw it away)."""
        self._head_arrived()
        self.stalled.pop(self, None)
        self.socket.close()

    def _head_arrived(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _cancel_send_timer(self) -> None:
        if self.send_timer is not None:
            self.send_timer.cancel()
            self.send_timer = None

    def _drop(self) -> None:
        """Close at once, without a word, throwing away what the client has not taken of its answer."""
        self._head_arrived()
        self._cancel_send_timer()
        self.stalled.pop(self, None)
        self.socket.abort()


LIVE_STREAM_EXTENSION = "backprop.mark_live_stream"
# A body up to this is read whole before the app starts on its request: uvicorn's high-water mark, below which
# it buffers a body without pausing the connection.
DEFERRED_BODY_BYTES = 65_536


def mark_live_stream(scope) -> bool:
    """Called by a route that will stream to its client for long (``mark_live_stream(request.scope)``): its
    connection is then capped with the live streams and never evicted as stalled for sending nothing. False when
    ``max_live_streams`` are already open (answer 503). True where no BoundedProtocol serves (a test client)."""
    mark = scope.get("extensions", {}).get(LIVE_STREAM_EXTENSION)
    return True if mark is None else mark()


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
