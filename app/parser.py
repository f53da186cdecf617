"""Program text → calls on a graph builder.

The parser knows the language's syntax and nothing of what the operations do:
it reads tokens and, as each construct completes, tells the builder (see
``graph.GraphBuilder``) to make the node for it. It is an operator-precedence
(shunting-yard) parser with explicit stacks, so a 100,000-term sum, 1,000
nested brackets or 10,000 unary minus signs never touch Python's recursion
limit, and no intermediate syntax tree is built.

Precedence, lowest first: ``+ -``, then ``* / @`` (and implicit
multiplication), then unary ``- +``, then ``^``/``**`` (right-associative),
so ``-x^2`` is ``-(x^2)`` and ``2^3^2`` is ``2^9``, as in Python.
"""

from __future__ import annotations

import bisect
import keyword
import re
import string
from itertools import accumulate, islice
from typing import Protocol

from .errors import ProgramError

# Each kind of token and its pattern; a punct token's kind is its text. Blanks (" \t\r\f\v") separate tokens.
_TOKEN_PATTERNS = (
    ("comment", r"\#[^\n]*"),
    ("nl", r"\n"),
    ("num", r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"),
    ("name", r"[A-Za-z_][A-Za-z_0-9]*"),
    ("compare", r"==|!=|<=|>=|<|>"),
    ("punct", r"\*\*|[-+*/]=|[-+*/^@(),=;\[\]]"),
    ("bad", r"[^ \t\r\f\v\n]"),  # any other character
)
# Any token, as one group: ``split`` cuts the text into [blanks, token, blanks, token, …, blanks] as plain
# strings in one call, with no match object per token (which would cost more than the matching). Every
# character but a blank is part of some token, so only blanks ('' most often) lie between tokens.
_TOKEN = re.compile("(" + "|".join(pattern for _, pattern in _TOKEN_PATTERNS) + ")")
_TOKEN_KIND = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TOKEN_PATTERNS))

# A token's kind, found the cheap way: by its whole text for operators and brackets, by its first character
# for numbers, names and comments; any other token (such as '.5' or an unexpected character) asks _TOKEN_KIND.
_KIND_OF_TEXT = {
    **{token: token for token in ("**", "+=", "-=", "*=", "/=", "-", "+", "*", "/", "^", "@", "(", ")", ",", "=",
                                  ";", "[", "]")},
    **{token: "compare" for token in ("==", "!=", "<=", ">=", "<", ">")},
    "\n": "nl",
}
_KIND_OF_FIRST_CHARACTER = {
    **{character: "num" for character in string.digits},
    **{character: "name" for character in string.ascii_letters + "_"},
    "#": "comment",
}


def _kind_of(text: str) -> str:
    kind = _TOKEN_KIND.fullmatch(text).lastgroup
    return text if kind == "punct" else kind


BINARY_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "^": 4, "**": 4}
PREFIX_PRECEDENCE = 3
RIGHT_ASSOCIATIVE = 4  # the precedence level of ^ and **
AUGMENTED = {"+=": "+", "-=": "-", "*=": "*", "/=": "/"}
STATEMENT_ENDS = ("nl", ";", "end")
# Python's keywords, which make a clearer error than "no value"; True, False and None are names like any other.
PYTHON_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}

_BAD_CHARACTER_HINTS = {
    "'": "strings are not part of the language",
    '"': "strings are not part of the language",
    ".": "a '.' must be part of a number such as 0.5 (attribute access is not part of the language)",
    ":": "':' is not part of the language (there are no lambdas, slices or blocks)",
    "{": "braces are not part of the language; write arrays with [ ]",
    "}": "braces are not part of the language; write arrays with [ ]",
    "%": "'%' is not an operator here",
    "!": "'!' is not an operator here",
}


class Builder(Protocol):
    """What the parser asks of whoever turns constructs into graph nodes."""

    def number(self, text: str, offset: int): ...
    def variable(self, text: str, offset: int): ...
    def unary(self, token: str, operand, offset: int): ...
    def binary(self, token: str, left, right, offset: int): ...
    def call(self, function: str, args: list, keywords: list, offset: int): ...
    def array(self, items: list, offset: int): ...
    def statement(self, target: str | None, augmented: str | None, value, offset: int): ...


class SourceText:
    """Turns offsets into 1-based (line, column) pairs, for error messages."""

    def __init__(self, text: str):
        self.text = text
        self._line_starts: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def error(self, kind: str, message: str, offset: int) -> ProgramError:
        return ProgramError(kind, message, *self.position(offset))


class Tokens:
    """A program's tokens as three parallel lists: kind, text and offset; the last kind is 'end'."""

    def __init__(self, source: SourceText, kinds: list[str], texts: list[str], offsets: list[int]):
        self.source = source
        self.kinds = kinds
        self.texts = texts
        self.offsets = offsets
        self._assigned_names: set[str] | None = None

    def assigned_names(self) -> set[str]:
        """Every name that some statement assigns: such a name is a variable, never a constant.

        Worked out on first use and kept: the builder asks only when a name has no value yet."""
        if self._assigned_names is None:
            self._assigned_names = self._find_assigned_names()
        return self._assigned_names

    def _find_assigned_names(self) -> set[str]:
        kinds, texts = self.kinds, self.texts
        names = set()
        depth = 0
        at_statement_start = True
        for i, kind in enumerate(kinds):
            if kind in ("(", "["):
                depth += 1
            elif kind in (")", "]"):
                depth -= 1
            elif kind == "name" and at_statement_start and (kinds[i + 1] == "=" or kinds[i + 1] in AUGMENTED):
                names.add(texts[i])
            at_statement_start = kind == ";" or (kind == "nl" and depth <= 0)
        return names


def tokenize(source: SourceText) -> Tokens:
    """The program's tokens, without blanks and comments; a comparison or an unexpected character is an error."""
    parts = _TOKEN.split(source.text)  # blanks, token, blanks, token, …, blanks
    texts = parts[1::2]
    # Where every other part ends: a token starts where the blanks before it end, the 'end' token after the last.
    offsets = list(islice(accumulate(map(len, parts)), 0, None, 2))
    kind_of_text, kind_of_first = _KIND_OF_TEXT.get, _KIND_OF_FIRST_CHARACTER.get
    kinds = [kind_of_text(token) or kind_of_first(token[0]) or _kind_of(token) for token in texts]
    if "compare" in kinds or "bad" in kinds:
        _reject_first_bad_token(source, kinds, texts, offsets)
    if "comment" in kinds:
        kept = [i for i, kind in enumerate(kinds) if kind != "comment"]
        kinds, texts = [kinds[i] for i in kept], [texts[i] for i in kept]
        offsets = [offsets[i] for i in kept] + [offsets[-1]]  # and the 'end' token's
    kinds.append("end")
    texts.append("")
    return Tokens(source, kinds, texts, offsets)


def _reject_first_bad_token(source: SourceText, kinds: list[str], texts: list[str], offsets: list[int]) -> None:
    """Raise the error for the first comparison or unexpected character of the program."""
    i = min(kinds.index(kind) for kind in ("compare", "bad") if kind in kinds)
    text = texts[i]
    if kinds[i] == "compare":
        raise source.error("syntax", f"Comparisons such as {text} are not part of the language; "
                           f"max(a, b) and min(a, b) pick the larger or smaller value.", offsets[i])
    hint = _BAD_CHARACTER_HINTS.get(text, f"{text!r} is not part of the language")
    raise source.error("syntax", f"Unexpected character {text!r}: {hint}.", offsets[i])


def parse(tokens: Tokens, builder: Builder, max_depth: int) -> None:
    """Parse every statement of the program, handing each construct to the builder."""
    _Parser(tokens.source, tokens.kinds, tokens.texts, tokens.offsets, builder, max_depth).program()


def _describe(kind: str, text: str) -> str:
    if kind == "end":
        return "the end of the program"
    if kind == "nl":
        return "the end of the line"
    if kind == "num":
        return f"the number {text}"
    if kind == "name":
        return f"the name {text!r}"
    return repr(text)


class _Parser:
    def __init__(self, source, kinds, texts, offsets, builder, max_depth):
        self.source = source
        self.kinds = kinds
        self.texts = texts
        self.offsets = offsets
        self.builder = builder
        self.max_depth = max_depth

    def error(self, message: str, i: int, kind: str = "syntax") -> ProgramError:
        return self.source.error(kind, message, self.offsets[i])

    def program(self) -> None:
        kinds = self.kinds
        i = 0
        statements = 0
        while True:
            while kinds[i] == "nl" or kinds[i] == ";":
                i += 1
            if kinds[i] == "end":
                break
            i = self.statement(i)
            statements += 1
        if not statements:
            raise self.error("The program is empty: type an expression such as 3*(a + b*c).", i)

    def statement(self, i: int) -> int:
        kinds = self.kinds
        target = augmented = None
        start = i
        if kinds[i] == "name" and (kinds[i + 1] == "=" or kinds[i + 1] in AUGMENTED):
            target = self.texts[i]
            augmented = AUGMENTED.get(kinds[i + 1])
            i += 2
            if kinds[i] in STATEMENT_ENDS:
                raise self.error(f"Nothing is assigned to {target}: write a value after {self.texts[i - 1]!r}.", i)
        i, value = self.expression(i)
        self.builder.statement(target, augmented, value, self.offsets[start])
        return i

    def expression(self, i: int):
        """Shunting-yard over one statement's tokens; returns the index after it and its value."""
        kinds, texts, offsets, builder = self.kinds, self.texts, self.offsets, self.builder
        operands: list = []
        # Operators waiting for their right operand: (precedence, token, offset), or a bracket frame.
        stack: list = []
        frames: list[_Frame] = []
        expect_operand = True
        while True:
            kind = kinds[i]
            if kind == "nl" and frames:
                i += 1  # inside brackets a newline is only a line break, as in Python
                continue
            if expect_operand:
                if kind == "num":
                    operands.append(builder.number(texts[i], offsets[i]))
                    expect_operand = False
                elif kind == "name":
                    if kinds[i + 1] == "(":
                        self.open(frames, stack, _Frame("call", i, len(operands), name=texts[i]))
                        i += 1
                        if kinds[i + 1] == ")":
                            i += 1
                            self.close_call(frames, stack, operands, i)
                            expect_operand = False
                    elif kinds[i + 1] == "=" and frames and frames[-1].kind == "call" and kinds[i - 1] in ("(", ","):
                        frames[-1].pending_keyword = texts[i]
                        i += 1
                    else:
                        if texts[i] in PYTHON_KEYWORDS:
                            self.reject_python_keyword(i)
                        operands.append(builder.variable(texts[i], offsets[i]))
                        expect_operand = False
                elif kind == "(":
                    self.open(frames, stack, _Frame("group", i, len(operands)))
                elif kind == "[":
                    if kinds[i + 1] == "]":
                        raise self.error("An empty array [] has no value: put numbers in it, such as [1, 2].", i)
                    self.open(frames, stack, _Frame("array", i, len(operands)))
                elif kind == "-" or kind == "+":
                    stack.append((PREFIX_PRECEDENCE, kind, offsets[i]))
                else:
                    raise self.missing_operand(i)
            else:
                if kind in BINARY_PRECEDENCE:
                    self.push_binary(kind, offsets[i], stack, operands)
                    expect_operand = True
                elif (kind == "name" or kind == "(") and kinds[i - 1] == "num" or kind == "(" and kinds[i - 1] == ")":
                    # Implicit multiplication, as the notes write it: 2x, 3(a+b), (a+b)(b+1).
                    self.push_binary("*", offsets[i], stack, operands)
                    expect_operand = True
                    continue  # read the same token again, now as an operand
                elif kind == ",":
                    frame = self.reduce_to_frame(frames, stack, operands, i)
                    if frame.kind == "group":
                        raise self.error("A comma can only separate the arguments of a function or the items of an array.", i)
                    frame.keywords.append(frame.pending_keyword)
                    frame.pending_keyword = None
                    expect_operand = True
                elif kind == ")":
                    frame = self.reduce_to_frame(frames, stack, operands, i)
                    if frame.kind == "group":
                        self.close(frames, stack)
                    elif frame.kind == "call":
                        self.close_call(frames, stack, operands, i)
                    else:
                        raise self.unclosed(frame, i)
                elif kind == "]":
                    frame = self.reduce_to_frame(frames, stack, operands, i)
                    if frame.kind != "array":
                        raise self.unclosed(frame, i)
                    self.close(frames, stack)
                    items = operands[frame.operands:]
                    del operands[frame.operands:]
                    operands.append(builder.array(items, offsets[frame.token]))
                elif kind in STATEMENT_ENDS:
                    if frames:
                        raise self.unclosed(frames[-1], i)
                    while stack:
                        self.reduce(stack, operands)
                    return i, operands[0]
                elif frames and kinds[i - 1] == "nl":
                    raise self.unclosed(frames[-1], i)  # the bracket was meant to close before this line
                else:
                    raise self.unexpected_after_operand(i)
            i += 1

    # -- the operator stack ------------------------------------------------

    def push_binary(self, token: str, offset: int, stack: list, operands: list) -> None:
        precedence = BINARY_PRECEDENCE[token]
        while stack:
            top = stack[-1]
            if top.__class__ is _Frame:
                break
            if top[0] > precedence or (top[0] == precedence and precedence != RIGHT_ASSOCIATIVE):
                self.reduce(stack, operands)
            else:
                break
        stack.append((precedence, token, offset))

    def reduce(self, stack: list, operands: list) -> None:
        precedence, token, offset = stack.pop()
        if precedence == PREFIX_PRECEDENCE:
            operands.append(self.builder.unary(token, operands.pop(), offset))
        else:
            right = operands.pop()
            operands.append(self.builder.binary(token, operands.pop(), right, offset))

    def reduce_to_frame(self, frames: list, stack: list, operands: list, i: int) -> "_Frame":
        if not frames:
            raise self.error(f"This {self.texts[i]!r} has no matching opening bracket.", i)
        while stack[-1].__class__ is not _Frame:
            self.reduce(stack, operands)
        return frames[-1]

    def open(self, frames: list, stack: list, frame: "_Frame") -> None:
        if len(frames) >= self.max_depth:
            raise self.error(
                f"Brackets and calls are nested more than {self.max_depth} levels deep "
                f"(the max_depth limit, set by BACKPROP_MAX_DEPTH).", frame.token, kind="limit")
        frames.append(frame)
        stack.append(frame)

    def close(self, frames: list, stack: list) -> None:
        frames.pop()
        stack.pop()

    def close_call(self, frames: list, stack: list, operands: list, i: int) -> None:
        frame = frames[-1]
        self.close(frames, stack)
        args = operands[frame.operands:]
        del operands[frame.operands:]
        if args:
            frame.keywords.append(frame.pending_keyword)
        operands.append(self.builder.call(frame.name, args, frame.keywords, self.offsets[frame.token]))

    # -- messages ------------------------------------------------------------

    def missing_operand(self, i: int) -> ProgramError:
        kind, text = self.kinds[i], self.texts[i]
        previous = self.texts[i - 1] if i > 0 else ""
        if kind in STATEMENT_ENDS:
            return self.error(f"The statement ends too early: something is missing after {previous!r}.", i)
        if kind == ")" and previous == ",":
            return self.error("An argument is missing after ','.", i)
        if kind == "]" and previous == ",":
            return self.error("An item is missing after ','.", i)
        if kind == "=":
            return self.error("'=' can only follow the name at the start of a statement, as in u = b*c.", i)
        if kind in AUGMENTED:
            return self.error(f"{text!r} can only follow the name at the start of a statement, as in c {text} 1.", i)
        if kind in BINARY_PRECEDENCE or kind in (")", "]", ","):
            if previous and self.kinds[i - 1] not in STATEMENT_ENDS:
                return self.error(f"Something is missing between {previous!r} and {text!r}: "
                                  f"a number, a name or a bracket.", i)
            return self.error(f"{text!r} needs a number, a name or a bracket before it.", i)
        return self.error(f"{_describe(kind, text).capitalize()} is not expected here.", i)

    def unexpected_after_operand(self, i: int) -> ProgramError:
        kind, text = self.kinds[i], self.texts[i]
        previous_kind, previous = self.kinds[i - 1], self.texts[i - 1]
        if kind == "name" and previous_kind == "name":
            self.reject_python_keyword(i - 1)
            self.reject_python_keyword(i)
            return self.error(f"Two names in a row: did you mean {previous}*{text}?", i)
        if kind == "num" and previous_kind == "num" and text.startswith("."):
            return self.error("A number has at most one decimal point.", i)
        if kind in ("name", "num") and previous_kind in ("num", ")", "]", "name"):
            return self.error(f"{_describe(kind, text).capitalize()} cannot follow {previous!r} directly: "
                              f"did you mean {previous}*{text}?", i)
        if kind == "[":
            return self.error("Indexing with [ ] is not supported.", i)
        if kind == "(":
            return self.error(f"{previous!r} cannot be called: only functions such as exp(x) can. "
                              f"To multiply, write {previous}*(…).", i)
        if kind == "=":
            return self.error("'=' can only follow the name at the start of a statement, as in u = b*c. "
                              "To compare values, use max or min.", i)
        if kind in AUGMENTED:
            return self.error(f"{text!r} can only follow the name at the start of a statement, as in c {text} 1.", i)
        return self.error(f"{_describe(kind, text).capitalize()} is not expected here.", i)

    def unclosed(self, frame: "_Frame", i: int) -> ProgramError:
        opener = self.texts[frame.token] if frame.kind != "call" else "("
        closer = "]" if opener == "[" else ")"
        line, column = self.source.position(self.offsets[frame.token])
        found = _describe(self.kinds[i], self.texts[i])
        return self.error(f"The {opener!r} on line {line}, column {column} is not closed: expected {closer!r} "
                          f"before {found}.", i)

    def reject_python_keyword(self, i: int) -> None:
        text = self.texts[i]
        if text in PYTHON_KEYWORDS:
            raise self.error(f"{text!r} is a Python keyword, and programs here are not Python: "
                             f"only arithmetic, functions and assignments are allowed.", i)


class _Frame:
    """An open bracket: a group ( ), a call f( ), or an array [ ]."""

    __slots__ = ("kind", "token", "operands", "name", "keywords", "pending_keyword")

    def __init__(self, kind: str, token: int, operands: int, name: str | None = None):
        self.kind = kind
        self.token = token  # index of the opening token (the function's name for a call)
        self.operands = operands  # operand-stack height when it opened
        self.name = name
        self.keywords: list[str | None] = []  # one per finished argument: its keyword, or None
        self.pending_keyword: str | None = None
