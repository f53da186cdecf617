"""The instructor's tally of one question: how many answered, the share right, the spread of the answers given,
and the wrong answers grouped by the mistake they reveal."""

from __future__ import annotations

from collections import Counter

from ...engine.rounding import format_number

SPREAD_SHOWN = 8
EXAMPLES_SHOWN = 4


def shown(entry: dict) -> str:
    """An answer as the tally shows it: its number rounded as the drawing rounds numbers, or the text typed."""
    return format_number(entry["number"]) if entry.get("number") is not None else entry["text"][:20]


def final_answer(entries: list[dict]) -> dict:
    """What counts of a student's tries: their first right answer, else their last."""
    return next((entry for entry in entries if entry["right"]), entries[-1])


def tally(question: dict | None, answers: dict[str, list[dict]], nicknames: dict[str, str], connected: int) -> dict:
    if question is None:
        return {"question": None, "connected": connected, "answered": 0}
    finals = {student: final_answer(entries) for student, entries in answers.items() if entries}
    right = sum(entry["right"] for entry in finals.values())
    spread = Counter(shown(entry) for entry in finals.values())
    wrong: dict[str, Counter] = {}
    for entry in finals.values():
        if not entry["right"]:
            wrong.setdefault(entry["mistake"], Counter())[shown(entry)] += 1
    mistakes = sorted(({"mistake": mistake, "count": sum(found.values()),
                        "answers": [answer for answer, _ in found.most_common(EXAMPLES_SHOWN)]}
                       for mistake, found in wrong.items()), key=lambda group: (-group["count"], group["mistake"]))
    return {
        "question": question["id"],
        "connected": connected,
        "answered": len(finals),
        "right": right,
        "share": right / len(finals) if finals else 0.0,
        "spread": [{"answer": answer, "count": count, "right": _is_right_shown(finals, answer)}
                   for answer, count in spread.most_common(SPREAD_SHOWN)],
        "mistakes": mistakes,
        "names": sorted(name for student, name in nicknames.items() if name and student in finals),
    }


def _is_right_shown(finals: dict, answer: str) -> bool:
    return any(entry["right"] for entry in finals.values() if shown(entry) == answer)
