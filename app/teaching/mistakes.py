"""Which mistake a wrong answer reveals, from the parts of quiz mode's hint (app/teaching/quiz.py): each use of
the node with its upstream and local gradient, the node's own value, and the accepted range.

A wrong answer is matched against what each common slip would give with this graph's numbers: the sign flipped,
the forward value given for the gradient, one use of a fanned-out node left out, the multiply gate's swap
forgotten (the node's own value taken as the local gradient), the local gradient or the upstream gradient left
out of the product. Nothing here restates an op's rule: the numbers are the quiz's."""

from __future__ import annotations

import math

MISTAKES = ("sign", "forward_value", "use_left_out", "swap_forgotten", "local_left_out", "upstream_left_out",
            "gradient_for_value", "other")


def _candidates(question: dict) -> list[tuple[str, float]]:
    correct = question["correct"]
    found = [("sign", -correct)]
    if question["kind"] == "value":
        if question.get("node_grad") is not None:
            found.append(("gradient_for_value", question["node_grad"]))
        return found
    found.append(("forward_value", question["node_value"]))
    uses = [use for use in question.get("uses", []) if use.get("upstream") is not None and use.get("local") is not None]
    if len(uses) >= 2:
        found += [("use_left_out", correct - use["upstream"] * use["local"]) for use in uses]
    for use in uses:
        if use.get("op") == "mul":  # the swap: x's local gradient in x·y is y; x itself is the slip
            found.append(("swap_forgotten", correct - use["upstream"] * use["local"] + use["upstream"] * question["node_value"]))
    if uses:
        found.append(("local_left_out", sum(use["upstream"] for use in uses)))
        found.append(("upstream_left_out", sum(use["local"] for use in uses)))
    return found


def mistake_of(question: dict, answer: float) -> str:
    """The mistake a wrong ``answer`` reveals, one of ``MISTAKES`` ("other" when none fits)."""
    low, high = question["accept"]["low"], question["accept"]["high"]
    margin = (high - low) / 2 if low is not None and high is not None else 0.0
    for name, value in _candidates(question):
        if not math.isfinite(value) or (low is not None and high is not None and low <= value <= high):
            continue  # a slip that gives the right answer here reveals nothing
        if abs(answer - value) <= max(margin, 0.01 * abs(value), 1e-9):
            return name
    return "other"


def is_right(question: dict, answer: float) -> bool:
    low, high = question["accept"]["low"], question["accept"]["high"]
    return (low is None or low <= answer) and (high is None or answer <= high)


def parse_answer(text: str) -> float | None:
    """An answer as typed, read as quiz.js reads it: a Unicode minus and spaces allowed; None when not a number."""
    cleaned = "".join(text.strip().replace("−", "-").replace("–", "-").split())
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
