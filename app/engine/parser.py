"""Program text → calls on a graph builder.

The parser knows the language's syntax and nothing of what the operations do:
it reads tokens and, as each construct completes, tells the builder (see
``graph.GraphBuilder``) to make the node for it. It is an operator-precedence
(shunting-yard) parser with explicit stacks, so a 100,000-term sum, 1,000
nested brackets or 10,000 unary minus signs never touch Python's recursion
limit, and no intermediate syntax tree is built.

The operators are the op table's: each row with an operator token gives its
precedence and associativity. With today's table, loosest first: ``+ -``, then
``* / @`` (and implicit multiplication), then unary ``-``, then ``^``/``**``
(right-associative), so ``-x^2`` is ``-(x^2)`` and ``2^3^2`` is ``2^9``, as in Python.
"""

from __future__ import annotations

import bisect
import keyword
import re
import string
from typing import Protocol

from ..words.messages import Text, say
from .errors import ProgramError
from .limits import env_var
from .ops import OPS, OPS_BY_NAME, Op

# -- the syntax, read from the op table ------------------------------------------------------------------------------
#
# A row with ``infix`` tokens is a binary operator of its ``precedence`` (higher binds tighter) and associativity;
# a row with a ``prefix`` token, a prefix operator of its ``precedence``. Every binary operator has an augmented
# assignment (``a += b``). Nothing below names an operator: a new row is a new operator.

BINARY: dict[str, Op] = {token: op for op in OPS for token in op.infix}
PREFIX: dict[str, Op] = {op.prefix: op for op in OPS if op.prefix}
AUGMENTED: dict[str, Op] = {token + "=": op for token, op in BINARY.items()}
IMPLICIT_MULTIPLICATION = OPS_BY_NAME["mul"]  # 2x, 3(a+b), (a+b)(b+1), as the notes write them
UNARY_PLUS = "+"  # +x is x: no gate
PUNCTUATION = ("(", ")", "[", "]", ",", "=", ";")
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")  # not part of the language, but named in their error
STATEMENT_ENDS = ("nl", ";", "end")
NOT_A_VARIABLE_BEFORE = ("(", "=")  # a name before ( is a function's, before = maybe a keyword argument's
# Python's keywords, which make a clearer error than "no value"; True, False and None are names like any other.
PYTHON_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}

# A token's kind: its own text for operators and punctuation; "compare", "num", "name", "nl", "comment" or "bad".
_KIND_OF_TEXT = {
    **{token: token for token in (*BINARY, *PREFIX, *AUGMENTED, UNARY_PLUS, *PUNCTUATION)},
    **{token: "compare" for token in COMPARISONS},
    "\n": "nl",
}
# The longest first, so that ** is one token and not two *.
_FIXED = "|".join(re.escape(token) for token in sorted(_KIND_OF_TEXT, key=len, reverse=True))
_TOKEN_PATTERNS = (
    ("name", r"[A-Za-z_][A-Za-z_0-9]*"),
    ("num", r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"),
    ("fixed", _FIXED),
    ("comment", r"\#[^\n]*"),
    ("bad", r"[^ \t\r\f\v\n]"),  # any other character but a blank: blanks (" \t\r\f\v") separate tokens
)
BLANKS = " \t\r\f\v"
# A token and the blanks before it, the token its one group: skipping the blanks in one step is faster than
# trying every pattern at each blank and failing (findall gives the group alone). Every character but a blank
# starts a token, so blanks are always followed by one, except at the end of the text: the text is searched
# without its last blanks (k blanks at the end would be k searches of k blanks each).
_TOKEN = re.compile("[" + BLANKS + "]*(" + "|".join(pattern for _, pattern in _TOKEN_PATTERNS) + ")")
_TOKEN_KIND = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TOKEN_PATTERNS))
# Numbers, names and comments are told by their first character; anything else (such as '.5' or an
# unexpected character) asks _TOKEN_KIND.
_KIND_OF_FIRST_CHARACTER = {
    **{character: "num" for character in string.digits},
    **{character: "name" for character in string.ascii_letters + "_"},
    "#": "comment",
}


def _kind_of(text: str) -> str:
    return _TOKEN_KIND.fullmatch(text).lastgroup


def _operator_list() -> str:
    return " ".join(dict.fromkeys([*BINARY, *PREFIX]))


_NOT_PART_OF_THE_LANGUAGE = {
    "'": say("hint_string"),
    '"': say("hint_string"),
    ".": say("hint_point"),
    ":": say("hint_colon"),
    "{": say("hint_braces"),
    "}": say("hint_braces"),
    **{character: say("hint_not_an_operator", character=character, operators=_operator_list())
       for character in "%!&|~"},
}
# A character that some row makes an operator gets no hint: it never reaches them.
_BAD_CHARACTER_HINTS = {text: hint for text, hint in _NOT_PART_OF_THE_LANGUAGE.items() if text not in _KIND_OF_TEXT}


class Builder(Protocol):
    """What the parser asks of whoever turns constructs into graph nodes. ``token`` is the index of the token
    the construct comes from: ``Tokens.position`` turns it into a line and a column."""

    def number(self, text: str, token: int): ...
    def variable(self, text: str, token: int): ...
    def unary(self, op: Op, operand, token: int): ...
    def binary(self, op: Op, left, right, token: int): ...
    def call(self, function: str, args: list, keywords: list, token: int): ...
    def array(self, items: list, token: int): ...
    def statement(self, target: str | None, augmented: Op | None, value, token: int): ...


class Source:
    """The program's text, which tells where its token number ``token`` is (blanks and comments are not tokens).

    Where a token is matters only to an error message or a warning: worked out for the first one."""

    def __init__(self, text: str):
        self.text = text
        self._offsets: list[int] | None = None
        self._line_starts: list[int] | None = None

    def offset(self, token: int) -> int:
        """Where token number ``token`` starts in the text (the 'end' token: at the end)."""
        if self._offsets is None:
            starts = [match.start(1) for match in _TOKEN.finditer(self.text.rstrip(BLANKS))
                      if match.group(1)[0] != "#"]
            self._offsets = starts + [len(self.text)]
        return self._offsets[token]

    def position(self, token: int) -> tuple[int, int]:
        """The 1-based (line, column) where token number ``token`` starts."""
        if self._line_starts is None:
            self._line_starts = [0] + [match.end() for match in re.finditer("\n", self.text)]
        offset = self.offset(token)
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def error(self, kind: str, message: Text, token: int) -> ProgramError:
        return ProgramError(kind, message, *self.position(token))


class Tokens:
    """A program's tokens without blanks and comments, as two parallel lists, kinds and texts; the last kind is 'end'."""

    def __init__(self, source: Source, kinds: list[str], texts: list[str]):
        self.source = source
        self.kinds = kinds
        self.texts = texts
        self._assigned_names: set[str] | None = None

    def error(self, kind: str, message: Text, token: int) -> ProgramError:
        return self.source.error(kind, message, token)

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


def tokenize(text: str) -> Tokens:
    """The program's tokens; a comparison or an unexpected character is an error."""
    texts = _TOKEN.findall(text.rstrip(BLANKS))  # the blanks before each token are not in its group
    kind_of_text, kind_of_first = _KIND_OF_TEXT.get, _KIND_OF_FIRST_CHARACTER.get
    kinds = [kind_of_text(token) or kind_of_first(token[0]) or _kind_of(token) for token in texts]
    present = set(kinds)  # one pass for the three kinds looked for below (three `in` scans took three times as long)
    if "comment" in present:
        kept = [i for i, kind in enumerate(kinds) if kind != "comment"]
        kinds, texts = [kinds[i] for i in kept], [texts[i] for i in kept]
    kinds.append("end")
    texts.append("")
    tokens = Tokens(Source(text), kinds, texts)
    if "compare" in present or "bad" in present:
        _reject_first_bad_token(tokens)
    return tokens


def _reject_first_bad_token(tokens: Tokens) -> None:
    """Raise the error for the first comparison or unexpected character of the program."""
    kinds = tokens.kinds
    i = min(kinds.index(kind) for kind in ("compare", "bad") if kind in kinds)
    text = tokens.texts[i]
    if kinds[i] == "compare":
        raise tokens.error("syntax", say("comparison", text=text), i)
    hint = _BAD_CHARACTER_HINTS.get(text) or say("hint_not_in_the_language", text=text)
    raise tokens.error("syntax", say("unexpected_character", text=text, hint=hint), i)


def parse(tokens: Tokens, builder: Builder, max_depth: int) -> None:
    """Parse every statement of the program, handing each construct to the builder."""
    _Parser(tokens, builder, max_depth).program()


def _describe(kind: str, text: str) -> Text | str:
    if kind == "end":
        return say("the_end_of_the_program")
    if kind == "nl":
        return say("the_end_of_the_line")
    if kind == "num":
        return say("the_number", text=text)
    if kind == "name":
        return say("the_name", text=text)
    return repr(text)


class _Parser:
    def __init__(self, tokens: Tokens, builder: Builder, max_depth: int):
        self.tokens = tokens
        self.kinds = tokens.kinds
        self.texts = tokens.texts
        self.builder = builder
        self.max_depth = max_depth

    def error(self, message: Text, i: int, kind: str = "syntax") -> ProgramError:
        return self.tokens.error(kind, message, i)

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
            raise self.error(say("empty_program"), i)

    def statement(self, i: int) -> int:
        kinds = self.kinds
        target = augmented = None
        start = i
        if kinds[i] == "name" and (kinds[i + 1] == "=" or kinds[i + 1] in AUGMENTED):
            target = self.texts[i]
            augmented = AUGMENTED.get(kinds[i + 1])
            i += 2
            if kinds[i] in STATEMENT_ENDS:
                raise self.error(say("nothing_assigned", target=target, sign=self.texts[i - 1]), i)
        i, value = self.expression(i)
        self.builder.statement(target, augmented, value, start)
        return i

    def expression(self, i: int):
        """Shunting-yard over one statement's tokens; returns the index after it and its value.

        Tokens alternate between two readings: where an operand is expected (a name, a number, a call, an
        opening bracket, a prefix operator) and after one (a binary operator, a closing bracket, a comma, the
        statement's end)."""
        operands: list = []
        # Operators waiting for their right operand, as (precedence, op, token), and open brackets (_Frame).
        stack: list = []
        frames: list[_Frame] = []
        kinds, texts, builder = self.kinds, self.texts, self.builder
        expect_operand = True
        # The commonest tokens, a variable, a number and a binary operator, are read here as operand() and
        # after_operand() read them, the others by those two (a method call per token was a fifth of the parse).
        while True:
            kind = kinds[i]
            if expect_operand:
                if kind == "name" and kinds[i + 1] not in NOT_A_VARIABLE_BEFORE:
                    if texts[i] in PYTHON_KEYWORDS:
                        self.reject_python_keyword(i)
                    operands.append(builder.variable(texts[i], i))
                    i += 1
                    expect_operand = False
                elif kind == "num":
                    operands.append(builder.number(texts[i], i))
                    i += 1
                    expect_operand = False
                else:
                    i, expect_operand = self.operand(i, operands, stack, frames)
            elif kind in BINARY:
                self.push_binary(BINARY[kind], i, stack, operands)
                i += 1
                expect_operand = True
            else:
                i, expect_operand = self.after_operand(i, operands, stack, frames)
                if expect_operand is None:
                    return i, operands[0]

    def operand(self, i: int, operands: list, stack: list, frames: list) -> tuple[int, bool]:
        """Read token ``i`` where an operand is expected, one the expression loop does not read itself (a number,
        or a variable not followed by ``(`` or ``=``); the next token's index and whether an operand still is."""
        kinds, texts = self.kinds, self.texts
        kind = kinds[i]
        if kind == "name":
            if kinds[i + 1] == "(":
                self.open(frames, stack, _Frame("call", i, len(operands), name=texts[i]))
                if kinds[i + 2] == ")":
                    self.close_call(frames, stack, operands)
                    return i + 3, False
                return i + 2, True
            if kinds[i + 1] == "=" and frames and frames[-1].kind == "call" and kinds[i - 1] in ("(", ","):
                frames[-1].pending_keyword = texts[i]
                return i + 2, True
            if texts[i] in PYTHON_KEYWORDS:
                self.reject_python_keyword(i)
            operands.append(self.builder.variable(texts[i], i))  # a name before "=" outside a call's arguments
            return i + 1, False
        if kind == "(":
            self.open(frames, stack, _Frame("group", i, len(operands)))
        elif kind in PREFIX:
            op = PREFIX[kind]
            stack.append((op.precedence, op, i))
        elif kind == "[":
            if kinds[i + 1] == "]":
                raise self.error(say("empty_array"), i)
            self.open(frames, stack, _Frame("array", i, len(operands)))
        elif not (kind == UNARY_PLUS or kind == "nl" and frames):  # inside brackets a newline is a line break
            raise self.missing_operand(i)
        return i + 1, True

    def after_operand(self, i: int, operands: list, stack: list, frames: list) -> tuple[int, bool | None]:
        """Read token ``i`` after an operand, other than a binary operator (see expression); the next token's
        index and whether an operand is expected there (None: the statement ended at ``i``)."""
        kinds = self.kinds
        kind = kinds[i]
        if (kind == "name" or kind == "(") and kinds[i - 1] == "num" or kind == "(" and kinds[i - 1] == ")":
            self.push_binary(IMPLICIT_MULTIPLICATION, i, stack, operands)
            return i, True  # read the same token again, now as an operand
        if kind == ")":
            frame = self.reduce_to_frame(frames, stack, operands, i)
            if frame.kind == "group":
                self.close(frames, stack)
            elif frame.kind == "call":
                self.close_call(frames, stack, operands)
            else:
                raise self.unclosed(frame, i)
        elif kind == ",":
            frame = self.reduce_to_frame(frames, stack, operands, i)
            if frame.kind == "group":
                raise self.error(say("stray_comma"), i)
            frame.keywords.append(frame.pending_keyword)
            frame.pending_keyword = None
            return i + 1, True
        elif kind == "]":
            frame = self.reduce_to_frame(frames, stack, operands, i)
            if frame.kind != "array":
                raise self.unclosed(frame, i)
            self.close(frames, stack)
            items = operands[frame.operands:]
            del operands[frame.operands:]
            operands.append(self.builder.array(items, frame.token))
        elif kind == "nl" and frames:
            pass  # inside brackets a newline is only a line break, as in Python
        elif kind in STATEMENT_ENDS:
            if frames:
                raise self.unclosed(frames[-1], i)
            while stack:
                self.reduce(stack, operands)
            return i, None
        elif frames and kinds[i - 1] == "nl":
            raise self.unclosed(frames[-1], i)  # the bracket was meant to close before this line
        else:
            raise self.unexpected_after_operand(i)
        return i + 1, False

    # -- the operator stack ------------------------------------------------

    def push_binary(self, op: Op, i: int, stack: list, operands: list) -> None:
        """Reduce the waiting operators that bind tighter than ``op`` (or as tightly, left-associative), then wait."""
        precedence = op.precedence
        while stack:
            top = stack[-1]
            if top.__class__ is _Frame or top[0] < precedence or (top[0] == precedence and op.right_associative):
                break
            self.reduce(stack, operands)
        stack.append((precedence, op, i))

    def reduce(self, stack: list, operands: list) -> None:
        _, op, i = stack.pop()
        if op.prefix is not None:
            operands.append(self.builder.unary(op, operands.pop(), i))
        else:
            right = operands.pop()
            operands.append(self.builder.binary(op, operands.pop(), right, i))

    def reduce_to_frame(self, frames: list, stack: list, operands: list, i: int) -> "_Frame":
        if not frames:
            raise self.error(say("no_opening_bracket", text=self.texts[i]), i)
        while stack[-1].__class__ is not _Frame:
            self.reduce(stack, operands)
        return frames[-1]

    def open(self, frames: list, stack: list, frame: "_Frame") -> None:
        if len(frames) >= self.max_depth:
            raise self.error(say("too_deep", limit=self.max_depth, variable=env_var("max_depth")), frame.token,
                             kind="limit")
        frames.append(frame)
        stack.append(frame)

    def close(self, frames: list, stack: list) -> None:
        frames.pop()
        stack.pop()

    def close_call(self, frames: list, stack: list, operands: list) -> None:
        frame = frames[-1]
        self.close(frames, stack)
        args = operands[frame.operands:]
        del operands[frame.operands:]
        if args:
            frame.keywords.append(frame.pending_keyword)
        operands.append(self.builder.call(frame.name, args, frame.keywords, frame.token))

    # -- messages ------------------------------------------------------------

    def missing_operand(self, i: int) -> ProgramError:
        kind, text = self.kinds[i], self.texts[i]
        previous = self.texts[i - 1] if i > 0 else ""
        if kind in STATEMENT_ENDS:
            return self.error(say("ends_too_early", previous=previous), i)
        if kind == ")" and previous == ",":
            return self.error(say("argument_missing"), i)
        if kind == "]" and previous == ",":
            return self.error(say("item_missing"), i)
        if kind == "=":
            return self.error(say("misplaced_equals"), i)
        if kind in AUGMENTED:
            return self.error(say("misplaced_augmented", text=text), i)
        if kind in BINARY or kind in (")", "]", ","):
            if previous and self.kinds[i - 1] not in STATEMENT_ENDS:
                return self.error(say("missing_between", previous=previous, text=text), i)
            return self.error(say("needs_operand_before", text=text), i)
        return self.error(say("not_expected", found=_describe(kind, text)), i)

    def unexpected_after_operand(self, i: int) -> ProgramError:
        kind, text = self.kinds[i], self.texts[i]
        previous_kind, previous = self.kinds[i - 1], self.texts[i - 1]
        if kind == "name" and previous_kind == "name":
            self.reject_python_keyword(i - 1)
            self.reject_python_keyword(i)
            return self.error(say("two_names", previous=previous, text=text), i)
        if kind == "num" and previous_kind == "num" and text.startswith("."):
            return self.error(say("two_decimal_points"), i)
        if kind in ("name", "num") and previous_kind in ("num", ")", "]", "name"):
            return self.error(say("cannot_follow", found=_describe(kind, text), previous=previous, text=text), i)
        if kind == "[":
            return self.error(say("indexing"), i)
        if kind == "(":
            return self.error(say("not_callable", previous=previous), i)
        if kind == "=":
            return self.error(say("misplaced_equals_or_compare"), i)
        if kind in AUGMENTED:
            return self.error(say("misplaced_augmented", text=text), i)
        return self.error(say("not_expected", found=_describe(kind, text)), i)

    def unclosed(self, frame: "_Frame", i: int) -> ProgramError:
        opener = self.texts[frame.token] if frame.kind != "call" else "("
        closer = "]" if opener == "[" else ")"
        line, column = self.tokens.source.position(frame.token)
        found = _describe(self.kinds[i], self.texts[i])
        return self.error(say("unclosed", opener=opener, line=line, column=column, closer=closer, found=found), i)

    def reject_python_keyword(self, i: int) -> None:
        text = self.texts[i]
        if text in PYTHON_KEYWORDS:
            raise self.error(say("python_keyword", text=text), i)


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
