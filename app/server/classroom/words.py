"""The classroom's sentences: rows of the catalogs (app/words/catalogs/*.toml) whose keys start with ``class_``."""

from __future__ import annotations

from ...words.messages import Text, say


def class_text(key: str, **facts) -> Text:
    """A classroom sentence in every language, with its facts."""
    return say(f"class_{key}", **facts)
