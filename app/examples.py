"""The worked examples from the course notes and micrograd, with reference values computed independently."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@cache
def examples() -> list[dict]:
    """Each example: name, title, sentence, source, program, values, and the expected results."""
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
