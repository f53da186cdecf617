"""What keeps the server safe on a public address: a bound on request bodies, security headers on every
answer, and CORS for the API.

One plain ASGI middleware (no BaseHTTPMiddleware: that would copy every answer through a stream) that
  - answers 413 with the API's error ``detail`` when a request body is over the ``max_body_bytes`` limit,
    before reading it when Content-Length says so, and as soon as it is when the body comes in chunks;
  - answers 408 when a body takes more than ``body_seconds`` to arrive, and 503 when the bodies and answers
    the server holds would pass ``max_bytes_in_flight`` (``BYTES_IN_FLIGHT``, which answers count against too;
    counted as the bytes arrive, so that a Content-Length alone holds nothing);
  - adds a Content-Security-Policy and the other security headers to every response that does not set its own,
    a 500 included: an exception that escapes the app is answered here, with them, and logged;
  - lets the CORS middleware handle ``/api/*`` only (the page and its files are for this origin alone).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import re
import threading

import orjson
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..engine.errors import error_detail
from ..engine.limits import Limits, env_var, limits_in_force
from ..words.messages import Text, say

# The page needs nothing from another origin. Graphviz is WebAssembly, compiled from bytes in the layout
# worker: 'wasm-unsafe-eval' allows that and nothing else (no eval, no inline script). Images are the
# favicon (data:) and the PNG export, which draws the SVG through a data: URL.
PAGE_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "worker-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors, for browsers that predate it
    (b"cross-origin-opener-policy", b"same-origin"),
]

CORS_ENV_VAR = "BACKPROP_CORS_ORIGINS"

log = logging.getLogger("backprop.security")


class BytesBudget:
    """The bytes of request bodies and answers the server may hold at once: what bounds its memory whatever
    many clients send or fail to read."""

    def __init__(self, limit: int = Limits().max_bytes_in_flight):
        self.limit = limit
        self.held = 0
        self._lock = threading.Lock()

    def take(self, size: int, force: bool = False) -> bool:
        """Holds ``size`` more bytes if they fit (or if ``force``); says whether it did."""
        with self._lock:
            if self.held + size > self.limit and not force:
                return False
            self.held += size
            return True

    def give_back(self, size: int) -> None:
        with self._lock:
            self.held -= size


BYTES_IN_FLIGHT = BytesBudget()  # the server's: sized by its limits when Hardening is made


class _BodyTooSlow(Exception):
    pass


class _BodyTooLarge(Exception):
    pass


class _ServerFull(Exception):
    pass


def cors_origins(environ=os.environ) -> list[str]:
    """Origins whose pages may read /api/* answers: ``*`` (the default: nothing here is private), a
    comma-separated list such as ``https://course.example.org,https://lab.example.org``, or ``none``."""
    text = environ.get(CORS_ENV_VAR, "*").strip()
    if text.lower() in {"", "none"}:
        return []
    return [origin.strip() for origin in text.split(",") if origin.strip()]


def docs_csp(html: str) -> str:
    """FastAPI's /docs starts Swagger UI (served from static/) with an inline script: allow exactly that one,
    by its hash, on that page only. Swagger UI styles its elements inline, and shows data: images."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, re.S))
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {hashes}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ])


class Hardening:
    """The outermost middleware: the body's size, deadline and bytes held; security headers on every answer, a
    500 included; CORS for /api/*."""

    def __init__(self, app: ASGIApp, limits: Limits | None = None, origins: list[str] | None = None,
                 budget: BytesBudget | None = None):
        """Made by Starlette at the app's first event (its lifespan's start), with the limits in force."""
        self.app = app
        limits = limits or limits_in_force()
        if budget is None:
            budget = BYTES_IN_FLIGHT
            budget.limit = limits.max_bytes_in_flight
        self.max_body_bytes = limits.max_body_bytes
        self.body_seconds = limits.body_seconds
        self.small_body_bytes = limits.max_light_body_bytes
        self.budget = budget
        origins = cors_origins() if origins is None else origins
        # No credentials: the API has no cookies or sessions, so any origin reading it learns nothing private.
        # CORS wraps the body limit too, so that another origin's page can read a 413's detail.
        self.api = CORSMiddleware(self._bounded, allow_origins=origins, allow_methods=["GET", "POST"],
                                  allow_headers=["content-type"], max_age=600) if origins else self._bounded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        secured = _with_security_headers(send)

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await secured(message)

        target = self.api if scope["path"].startswith("/api/") else self._bounded
        try:
            await target(scope, receive, send_with_headers)
        except Exception:
            log.exception("Error answering %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await _refuse(send_with_headers, 500, say("internal"), kind="internal")

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = _content_length(scope)
        if length is not None and length > self.max_body_bytes:
            await self._too_large(send)
            return
        extensions = scope.get("extensions", {})
        body = _CountedBody(receive, self.max_body_bytes, self.body_seconds, self.budget, self.small_body_bytes,
                            since=extensions.get(BODY_SINCE), whole=extensions.get(BODY_WHOLE, False))
        try:
            await self.app(scope, body.receive, send)
        except _BodyTooLarge:
            await self._too_large(send)
        except _BodyTooSlow:
            await _refuse(send, 408, say("body_too_slow", seconds=self.body_seconds, variable=env_var("body_seconds")))
        except _ServerFull:
            await _refuse(send, 503, say("too_many_requests"), kind="busy", extra=[(b"retry-after", b"2")])
        finally:
            self.budget.give_back(body.held)

    async def _too_large(self, send: Send) -> None:
        await _refuse(send, 413, say("body_too_big", limit=self.max_body_bytes, variable=env_var("max_body_bytes")))


async def _refuse(send: Send, status: int, message: Text, kind: str = "limit", extra: list = ()) -> None:
    """An error in the API's shape, closing the connection: we answer without reading what the client may still
    be sending."""
    body = orjson.dumps({"detail": error_detail(kind, message)})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *extra]})
    await send({"type": "http.response.body", "body": body})


BODY_SINCE = "backprop.body_since"  # the event loop's time when a request's head ended (connections.py)
BODY_WHOLE = "backprop.body_whole"  # the connection layer read the whole body before the app started


class _CountedBody:
    """``receive`` for one request: its body counted as it arrives, against ``max_body_bytes`` (however it is
    sent, in chunks or not) and against the bytes the server may hold, and due within ``seconds`` of the first
    call. A small body (up to ``small_body_bytes``, a class's request) is never refused for the server's
    budget: one client filling it must not turn the class away. After the body, no deadline: the next message
    is the client's disconnect, whenever it comes."""

    def __init__(self, receive: Receive, max_bytes: int, seconds: float, budget: BytesBudget, small_body_bytes: int,
                 since: float | None = None, whole: bool = False):
        self._receive = receive
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.budget = budget
        self.small_body_bytes = small_body_bytes
        self.held = 0
        # Due ``seconds`` after the head's end where the connection layer says when that was, else after the first call.
        self._deadline = None if since is None else since + seconds
        self._whole = whole  # already here: read at once, with no deadline to watch (a task and a timer saved)
        self._done = False

    async def receive(self) -> Message:
        if self._done:
            return await self._receive()
        if self._whole:
            message = await self._receive()
        else:
            loop = asyncio.get_running_loop()
            self._deadline = self._deadline or loop.time() + self.seconds
            try:
                message = await asyncio.wait_for(self._receive(), max(self._deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                raise _BodyTooSlow from None
        size = len(message.get("body", b""))
        if self.held + size > self.max_bytes:
            raise _BodyTooLarge
        if size and not self.budget.take(size, force=self.held + size <= self.small_body_bytes):
            raise _ServerFull
        self.held += size
        self._done = message["type"] != "http.request" or not message.get("more_body", False)
        return message


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server (h11, httptools) refuses such a request before it reaches us
    return None


def _with_security_headers(send: Send) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            if b"content-security-policy" not in present:
                headers.append((b"content-security-policy", PAGE_CSP.encode()))
            headers.extend(header for header in SECURITY_HEADERS if header[0] not in present)
            if b"location" in present:
                headers = [(name, _relative(value) if name.lower() == b"location" else value)
                           for name, value in headers]
            message = {**message, "headers": headers}
        await send(message)

    return send_with_headers


def _relative(location: bytes) -> bytes:
    """A redirect to this server as a path: Starlette writes the request's Host header into the URL of its
    trailing-slash redirect, which a forged Host would turn into a redirect elsewhere."""
    scheme, separator, rest = location.partition(b"://")
    if not separator or b"/" in scheme:
        return location
    path = rest[rest.find(b"/"):] if b"/" in rest else b"/"
    return b"/" + path.lstrip(b"/")  # never //host: a scheme-relative URL is another host too
