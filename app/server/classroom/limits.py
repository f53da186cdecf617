"""The classroom's bounds (each overridable by an environment variable, BACKPROP_CLASS_*), its rate limits and
its count of live streams.

Live streams (a page following a class) are counted and capped here, apart from the server's other connections:
they are long-lived by design, so the connection layer's idle deadlines do not apply to them once their request
is in, and an address may hold only so many."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Bounds:
    hours: float = 4  # a class ends this long after its instructor was last seen
    max_classes: int = 100  # classes started on one server process at once
    max_students: int = 400  # students who joined one class
    max_tries: int = 5  # answers per student and question
    max_streams: int = 2000  # live pages on one server process
    max_streams_per_address: int = 500  # from one address (a lecture hall behind one NAT is one address)
    guesses_per_minute: int = 30  # wrong class codes (or instructor keys) from one address
    starts_per_hour: int = 60  # classes started from one address
    tally_seconds: float = 0.05  # a burst of answers is tallied once

    @classmethod
    def from_environment(cls, environ=os.environ) -> "Bounds":
        found = {}
        for field in fields(cls):
            text = environ.get(f"BACKPROP_CLASS_{field.name.upper()}")
            if text:
                found[field.name] = float(text) if field.type == "float" else int(float(text))
        return cls(**found)


BOUNDS = Bounds.from_environment()


class RateLimit:
    """At most ``limit`` events per ``seconds`` for each address (a fixed window: simple, and enough to make
    guessing a six-letter code from 32 letters hopeless)."""

    def __init__(self, limit: int, seconds: float):
        self.limit = limit
        self.seconds = seconds
        self.windows: dict[str, tuple[float, int]] = {}

    def _window(self, who: str) -> tuple[float, int]:
        now = time.monotonic()
        began, count = self.windows.get(who, (now, 0))
        if now - began >= self.seconds:
            began, count = now, 0
        if len(self.windows) > 10_000:  # many addresses: forget the finished windows
            self.windows = {key: value for key, value in self.windows.items() if now - value[0] < self.seconds}
        return began, count

    def exhausted(self, who: str) -> bool:
        return self._window(who)[1] >= self.limit

    def spend(self, who: str) -> None:
        began, count = self._window(who)
        self.windows[who] = (began, count + 1)


class Streams:
    """The live streams open on this process, in all and by address."""

    def __init__(self, cap: int, per_address: int):
        self.cap = cap
        self.per_address = per_address
        self.open_count = 0
        self.by_address: dict[str, int] = {}

    def open(self, who: str) -> str | None:
        """Counts a new stream; or, past a cap, says which (a message key) and counts nothing."""
        if self.open_count >= self.cap:
            return "class_too_many_streams"
        if self.by_address.get(who, 0) >= self.per_address:
            return "class_too_many_streams_here"
        self.open_count += 1
        self.by_address[who] = self.by_address.get(who, 0) + 1
        return None

    def close(self, who: str) -> None:
        self.open_count -= 1
        left = self.by_address.get(who, 1) - 1
        if left:
            self.by_address[who] = left
        else:
            self.by_address.pop(who, None)
