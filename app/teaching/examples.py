"""The worked examples from the course notes and micrograd, with reference values computed independently."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@cache
def examples() -> list[dict]:
    """Each example: name, title and title_zh, sentence and sentence_zh, source, program, values, the expected
    results, and for some the `train` settings of a training preset."""
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
