"""Size limits, so that no request can hang the server or exhaust its memory.

Each limit has a default and an environment variable that overrides it
(``BACKPROP_MAX_CHARS=5000000``, …); the README lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    max_chars: int = 2_000_000  # characters in a program
    max_nodes: int = 500_000  # nodes in a graph
    max_depth: int = 10_000  # levels of nested brackets and calls
    max_elements: int = 1_000_000  # elements in one array value
    max_total_elements: int = 20_000_000  # elements in all node values together
    max_sweep_points: int = 100_000  # points in one sweep
    max_check_work: int = 5_000_000  # input elements × nodes for one gradient check
    max_train_steps: int = 10_000  # gradient-descent steps in one /api/train request
    max_seconds: int = 10  # time for one computation, checked between its stages and sweep points
    max_body_bytes: int = 32_000_000  # bytes in a request body: a program at max_chars plus an array at max_elements

    @classmethod
    def from_environment(cls) -> "Limits":
        overrides = {}
        for f in fields(cls):
            text = os.environ.get(f"BACKPROP_{f.name.upper()}")
            if text:
                overrides[f.name] = int(text)
        return cls(**overrides)


def env_var(limit_name: str) -> str:
    return f"BACKPROP_{limit_name.upper()}"
