"""The answer of a graph answered before, written again with new numbers: its JSON cut where the numbers go.

A graph of numbers asked again with new values (a slider dragged) has the same answer but for its numbers: every
id, label, name, wire and shape is where it was. The template keeps the answer's bytes between the numbers and
which number goes in each gap; writing an answer is then one orjson call for the numbers and one join. It is cut
from the answer the usual writer makes (``graph_json``), given numbers that say where they come from, so it cannot
differ from it; an answer with a number that is not finite (which has warnings) is left to the usual writer.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Callable

import numpy as np
import orjson

_MARK = "\0"  # no program's name or label holds it (the tokenizer refuses it)
_MARK_JSON = orjson.dumps(_MARK)


class AnswerTemplate:
    __slots__ = ("form", "take", "nulls", "gaps", "size")

    def __init__(self, pieces: list[bytes], slots: list[int], nulls: int):
        # The answer's bytes around its numbers, as a %-format with a gap (%s) for each number.
        self.form = b"%s".join([piece.replace(b"%", b"%%") for piece in pieces])
        self.gaps = len(slots)
        self.take = itemgetter(*slots) if len(slots) > 1 else (lambda texts: (texts[slots[0]],))
        self.nulls = nulls  # the numbers that are null whatever the values (a literal constant's gradient)
        self.size = len(self.form) + 8 * self.gaps  # bytes held, about

    @classmethod
    def cut(cls, write: Callable[[list, list, list], dict], grads: list, wire_grads: list) -> AnswerTemplate | None:
        """The template of ``write(values, grads, wire_grads)``'s answer, for a graph whose values are all numbers.

        The columns are concatenated (values, then gradients, then wire gradients); ``write`` is given each
        number's place in them as its value, and each place it writes becomes a gap."""
        nodes = len(grads)
        places = [np.float64(k) for k in range(nodes)]
        place_grads = [None if g is None else np.float64(nodes + k) for k, g in enumerate(grads)]
        place_wires = [None if g is None else np.float64(2 * nodes + k) for k, g in enumerate(wire_grads)]
        slots: list[int] = []
        marked = _mark_numbers(write(places, place_grads, place_wires), slots)
        pieces = orjson.dumps(marked).split(_MARK_JSON)
        if len(pieces) != len(slots) + 1:
            return None
        nulls = place_grads.count(None) + place_wires.count(None)
        return cls(pieces, slots, nulls)

    def fill(self, values: list, grads: list, wire_grads: list) -> bytes | None:
        """The answer with these numbers, or None if some number is not finite."""
        numbers = values + grads + wire_grads
        try:
            column = orjson.dumps(numbers, option=orjson.OPT_SERIALIZE_NUMPY)
        except TypeError:  # a number held as a 0-d array, as some gates make them
            column = orjson.dumps([None if number is None else float(number) for number in numbers])
        texts = column[1:-1].split(b",")
        if column.count(b"null") != self.nulls:
            return None
        return self.form % self.take(texts)


def _mark_numbers(item, slots: list[int]):
    """A copy of a JSON-ready answer with each float replaced by the mark, its value (a place) added to ``slots``,
    in the order orjson writes them."""
    if item.__class__ is float:
        slots.append(int(item))
        return _MARK
    if item.__class__ is dict:
        return {key: _mark_numbers(value, slots) for key, value in item.items()}
    if item.__class__ in (list, tuple):
        return [_mark_numbers(value, slots) for value in item]
    return item
