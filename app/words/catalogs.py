"""The catalogs: every sentence the API and the page say, one file per language, keyed by name.

``app/words/catalogs/<language>.toml`` holds a language's words (why TOML: docs/words.md). Every catalog has
the keys of the English one, with the same placeholders. A key's name is its place in the file: a key above
the first table is a message (``comparison``), one in ``[ops.mul]`` is ``ops.mul.sentence``, one in ``[page]``
is ``page.app.title``. A language is a file: the languages are the files found, English first.
``BACKPROP_LAB_WORDS`` names another folder of catalogs (the pseudo-locale test's).
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

FOLDER = Path(os.environ.get("BACKPROP_LAB_WORDS") or Path(__file__).with_name("catalogs"))
ENGLISH = "en"


def _flattened(table: dict, prefix: str = "") -> dict[str, str | list[str]]:
    words: dict = {}
    for key, value in table.items():
        if isinstance(value, dict):
            words.update(_flattened(value, f"{prefix}{key}."))
        else:
            words[prefix + key] = value
    return words


def load(folder: Path = FOLDER) -> dict[str, dict]:
    """Every catalog in ``folder`` by its language code, English first."""
    catalogs = {path.stem: _flattened(tomllib.loads(path.read_text(encoding="utf-8")))
                for path in sorted(folder.glob("*.toml"))}
    return {ENGLISH: catalogs.pop(ENGLISH), **catalogs}


CATALOGS: dict[str, dict] = load()
LANGUAGES: tuple[str, ...] = tuple(CATALOGS)


def words(key: str) -> dict[str, str]:
    """A key's template in every language."""
    return {language: catalog[key] for language, catalog in CATALOGS.items()}


def section(prefix: str, language: str) -> dict[str, str]:
    """The keys under ``prefix`` (``page.``), without it, in one language; English where it lacks one."""
    english = {key[len(prefix):]: value for key, value in CATALOGS[ENGLISH].items() if key.startswith(prefix)}
    own = {key[len(prefix):]: value for key, value in CATALOGS[language].items() if key.startswith(prefix)}
    return {**english, **own}


def to_toml(words: dict[str, object]) -> str:
    """Flat ``key: text`` as a TOML catalog (a JSON string is a TOML basic string), for generated catalogs."""
    tables: dict[str, list[str]] = {}
    for key, value in words.items():
        table, _, name = key.rpartition(".") if "." in key and not key.startswith("page.") else ("", "", key)
        if key.startswith("page."):
            table, name = "page", key[len("page."):]
        tables.setdefault(table, []).append(f"{json.dumps(name, ensure_ascii=False)} = "
                                            f"{json.dumps(value, ensure_ascii=False)}")
    return "\n".join((f"[{table}]\n" if table else "") + "\n".join(lines) + "\n" for table, lines in tables.items())


# -- the page's words, for the templates (templates/*.html) ------------------------------------------------------


def page_words() -> dict[str, dict[str, str]]:
    """The catalogs' [page] table in every language, as the page's t() reads it (<html data-words>)."""
    return _PAGE_WORDS


def page_languages() -> list[dict[str, str]]:
    """Each language as its button shows it: its code, what the button says, its BCP 47 tag."""
    return [{"code": language, "button": words["language.button"], "tag": words["language.tag"]}
            for language, words in _PAGE_WORDS.items()]


def english(key: str) -> str:
    """A page word in English, where the page needs one before its script runs (the <title>)."""
    return _PAGE_WORDS[ENGLISH][key]


_PAGE_WORDS = {language: section("page.", language) for language in LANGUAGES}
TEMPLATE_GLOBALS = {"page_words": page_words, "page_languages": page_languages, "english": english}
