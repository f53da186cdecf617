"""The one error the engine raises: what went wrong, in a sentence, and where."""

from __future__ import annotations


class ProgramError(Exception):
    """A program that cannot be computed.

    ``kind`` is one of: syntax, name, function, arity, shape, value, limit.
    ``line`` and ``column`` are 1-based and point at the culprit, or are None
    when the fault is not in the program text (a bad entry in ``values``).
    """

    def __init__(self, kind: str, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "line": self.line, "column": self.column}

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        return f"{self.kind} error{where}: {self.message}"
