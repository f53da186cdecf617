"""The one error the engine raises: what went wrong, in a sentence in every language, and where."""

from __future__ import annotations

from ..words.messages import Text


class ProgramError(Exception):
    """A program that cannot be computed.

    ``kind`` is one of: syntax, name, function, arity, shape, value, limit. ``text`` is the sentence in every
    language, made by ``messages.say`` from the catalogs. ``line`` and ``column`` are 1-based
    and point at the culprit, or are None when the fault is not in the program text (a bad entry in ``values``).
    """

    def __init__(self, kind: str, text: Text, line: int | None = None, column: int | None = None):
        if text.__class__ is not Text:
            raise TypeError("a ProgramError says what went wrong in every language: "
                            "make its text with messages.say, from the catalogs")
        super().__init__(text.en)
        self.kind = kind
        self.text = text
        self.line = line
        self.column = column

    @property
    def message(self) -> str:
        """The sentence in English, for the server's log and tracebacks."""
        return self.text.en

    def as_dict(self) -> dict:
        return error_detail(self.kind, self.text, self.line, self.column)

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        return f"{self.kind} error{where}: {self.message}"


def error_detail(kind: str, text: Text, line: int | None = None, column: int | None = None) -> dict:
    """An error answer's ``detail``, as every error the API answers has it (its 400s, 413s, 503s and 500s)."""
    return {"kind": kind, "message": text, "line": line, "column": column}
