"""The time budget of one computation, checked between its stages."""

from __future__ import annotations

import time

from ..words.messages import say
from .errors import ProgramError
from .limits import Limits, env_var


class Deadline:
    """The time budget of one computation: the max_seconds limit, checked between stages and sweep points.

    Only there: a check costs a clock read, so the engine's per-node loops stay as fast as they are; the size
    limits already bound the time of any one stage.
    """

    __slots__ = ("seconds", "end")

    def __init__(self, limits: Limits):
        self.seconds = limits.max_seconds
        self.end = time.monotonic() + limits.max_seconds

    def check(self, next_step: str, **facts) -> None:
        """Raise if the time is up, saying the step it stopped before: ``next_step`` and ``facts`` are a phrase's
        row in the message table and its facts (only put into words when the time is up)."""
        if time.monotonic() > self.end:
            raise ProgramError("limit", say("took_too_long", seconds=self.seconds, variable=env_var("max_seconds"),
                                            next_step=say(next_step, **facts)))
