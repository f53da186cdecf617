"""The worked examples from the course notes and micrograd, with reference values computed independently.

The facts are in examples.json; each example's title and sentence are in the catalogs, under ``examples.<name>``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ..words.messages import say

EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@cache
def examples() -> list[dict]:
    """Each example: name, title and sentence (by language), source, program, values, the expected
    results, and for some the `train` settings of a training preset."""
    return [_with_words(example) for example in json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))]


def _with_words(example: dict) -> dict:
    return {"name": example["name"], "title": say(f"examples.{example['name']}.title"),
            "sentence": say(f"examples.{example['name']}.sentence"), **example}
