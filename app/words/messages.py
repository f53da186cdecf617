"""say(): every sentence the API says, in every language, from the catalogs (app/words/catalogs.py).

``say(key, **facts)`` fills a key's template in each language and gives a ``Text``. Every language's template
has the same placeholders with the same formats (``tests/test_messages.py`` holds every key to it), so the
languages carry the same facts: names, numbers, positions, hints. A fact may itself be a ``Text`` (a phrase
such as "the end of the line", a key of its own), which goes into each language as that language's words.
``{fact!c}`` capitalises a phrase that starts an English sentence.
"""

from __future__ import annotations

import string
from typing import Iterable

from .catalogs import CATALOGS, ENGLISH, LANGUAGES


class Text(dict):
    """A sentence, or a phrase of one, in every language of the catalogs: a dict keyed by language code, as the
    API sends it ({"en": …, "zh": …})."""

    __slots__ = ()

    @property
    def en(self) -> str:
        """The English, for the server's log and tracebacks."""
        return self[ENGLISH]


# The messages (the catalogs' keys above their first table), each in every language, English first.
MESSAGES: dict[str, tuple[str, ...]] = {key: tuple(catalog[key] for catalog in CATALOGS.values())
                                        for key, value in CATALOGS[ENGLISH].items()
                                        if "." not in key and isinstance(value, str)}


class _Formatter(string.Formatter):
    """str.format, plus ``!c``: the phrase capitalised, where it starts an English sentence."""

    def convert_field(self, value, conversion):
        if conversion == "c":
            text = str(value)
            return text[:1].upper() + text[1:]  # not str.capitalize, which lowers the rest: the name 'Q'
        return super().convert_field(value, conversion)


_FORMATTER = _Formatter()


def _fill(template: str, facts: dict) -> str:
    # str.format_map, written in C, where the template has no !c: narration fills thousands of templates
    return _FORMATTER.vformat(template, (), facts) if "!c" in template else template.format_map(facts)


def say(key: str, **facts) -> Text:
    """The catalogs' ``key`` with its facts filled in, in every language."""
    phrases = {name: fact for name, fact in facts.items() if fact.__class__ is Text}
    if not phrases:  # the facts are the same in every language (most are: names, numbers, formulas)
        return Text({language: _fill(catalog[key], facts) for language, catalog in CATALOGS.items()})
    texts = {}
    for language, catalog in CATALOGS.items():
        for name, phrase in phrases.items():
            facts[name] = phrase[language]
        texts[language] = _fill(catalog[key], facts)
    return Text(texts)


def in_language(fact, language: str):
    """A fact as it goes into a sentence in ``language``: a phrase in that language, anything else as it is."""
    return fact[language] if fact.__class__ is Text else fact



def same(text: str) -> Text:
    """Words that are no language's (a formula, a name, a number): the same text in every language."""
    return Text(dict.fromkeys(LANGUAGES, text))


COMMA = say("comma")
AND = say("and")
NOTHING = same("")  # an optional phrase left out


def listing(items: Iterable, separator: Text = COMMA) -> Text:
    """Names, numbers or phrases in a row: "a, b, c" and "a、b、c"; "none" and "无" when there are none."""
    items = list(items)
    if not items:
        return say("none")
    return Text({language: separator[language].join(str(in_language(item, language)) for item in items)
                 for language in LANGUAGES})


# -- a request that is not what the API's schema asks for (422), and a path or method it does not have ---------
# pydantic writes its own English (an error's `msg`, kept as it is); the catalogs say it by the error's `type`, in
# every language, with the same facts: where in the request (`where`) and the error's context (the bound it broke,
# the JSON error).
_TYPE_TAGS = {"float", "int", "bool", "str", "list", "dict"}  # pydantic names a union's member in an error's loc


def request_error(item: dict) -> Text:
    """A pydantic error item (with its context) in every language, with the same facts as its English ``msg``."""
    where = ".".join(str(part) for i, part in enumerate(item["loc"])
                     if not (i == 0 and part in ("body", "query"))
                     and not (isinstance(part, str) and ("[" in part or part in _TYPE_TAGS and i == len(item["loc"]) - 1)))
    key = f"request_errors.{item['type']}"
    if key not in CATALOGS[ENGLISH]:
        key = "request_errors.other"
    return say(key, where=where or say("request_errors.the_body"), msg=item["msg"], **(item.get("ctx") or {}))


def http_error(status: int, path: str, method: str, detail: str) -> Text | None:
    """FastAPI's own error for a path or a method the API does not have, in every language; None for others."""
    key = f"http_errors.{status}"
    return say(key, path=path, method=method, detail=detail) if key in CATALOGS[ENGLISH] else None


