"""A hand check of every product the app writes out (issue 21): in the narration's "local × upstream" of
numbers, the Jacobian view's "local ⊙ upstream" and its written-out outer products, the shown operands,
multiplied as shown, land within the shown rounding of the shown result, as in the forward step and BP1–BP4.
Over every preset and over random programs, of numbers and of arrays."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from test_written_expressions import NAMES, expressions

from app import ProgramError, compute_graph
from app.engine.rounding import worked
from app.teaching.examples import examples

NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
SCALAR_PRODUCT = re.compile(rf"× upstream = \(?({NUMBER})\)? × \(?({NUMBER})\)? = ({NUMBER})")
ARRAY = r"\[[-\d.e, \[\]]+\]"
ELEMENTWISE = re.compile(rf"⊙ upstream = ({ARRAY}) ⊙ ({ARRAY}) = ({ARRAY})")
CORNER = r"\[[-\d.e, \[\]…]+\]"  # a larger array by its corner: [[0.1, 0.2, 0.3, …], [0.4, 0.5, 0.6, …], …]
OUTER = re.compile(rf"= ({ARRAY}) ⊗ ({ARRAY})(?: = \[\[[^=]*\]\])? = ({CORNER})")
# a swap of numbers: "a gets b × 3.00 = 0.125 × 3.00 = 0.38", or by a constant's own number "x gets 2 × 1.00 = 2.00"
SWAP = re.compile(rf"× \(?{NUMBER}\)? = \(?({NUMBER})\)? × \(?({NUMBER})\)? = ({NUMBER})(?=, |$)")
SWAP_BY_CONSTANT = re.compile(rf"gets \(?({NUMBER})\)? × \(?({NUMBER})\)? = ({NUMBER})(?=, |$)")
SHARE = re.compile(rf"({NUMBER}|{ARRAY}) via ")
ROUTED = re.compile(rf"because ({NUMBER}) ([<>]) ({NUMBER})")


def half_last_digit(text: str) -> float:
    """How far the number a text shows may be from the number it rounds: half its last digit's place."""
    mantissa, _, exponent = text.lstrip("-").partition("e")
    places = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (-places + (int(exponent) if exponent else 0))


def numbers_in(text: str) -> tuple[np.ndarray, list[str]]:
    texts = re.findall(NUMBER, text)
    return np.array([float(t) for t in texts]), texts


def assert_lands(worked: np.ndarray, result_text: str, line: str, noise: float = 0.0):
    """``noise``: how far float64 working may land from the exact result (14.8 + -14.8000000000000018 is 1.78e-15)."""
    shown, texts = numbers_in(result_text)
    tolerance = np.array([half_last_digit(t) for t in texts]) * (1 + 1e-9) + 1e-300 + noise
    assert np.all(np.abs(np.ravel(worked) - shown) <= tolerance), \
        f"{line}: worked from the operands as shown {np.ravel(worked)}, shown {result_text}"


def products_checked(body: dict) -> int:
    """Every written-out product of the answer checked; how many there were."""
    count = 0
    for node in body["nodes"]:
        sentence = (node.get("narration") or {}).get("backward", {}).get("en", "")
        for local, upstream, result in SCALAR_PRODUCT.findall(sentence):
            assert_lands(np.array(float(local) * float(upstream)), result, sentence)
            count += 1
        count += swaps_checked(sentence, node)
        count += sums_of_shares_checked(sentence)
        for left, sign, right in ROUTED.findall(sentence):  # "max routed 2.00 to z because 2.00 > -1.00"
            assert (float(left) > float(right)) if sign == ">" else (float(left) < float(right)), sentence
            count += 1
    for edge in body["edges"]:
        vjp = (edge.get("jacobian") or {}).get("vjp", {}).get("en", "")
        for local, upstream, result in ELEMENTWISE.findall(vjp):
            assert_lands(numbers_in(local)[0] * numbers_in(upstream)[0], result, vjp)
            count += 1
        for g, x, result in OUTER.findall(vjp):
            product = np.outer(numbers_in(g)[0], numbers_in(x)[0])
            assert_lands(product[:2, :3] if "…" in result else product, result, vjp)  # the corner shown
            count += 1
    return count


def swaps_checked(sentence: str, node: dict) -> int:
    """A swap of numbers: every part ("a gets b × g = b's number × g = …") worked from its numbers as shown."""
    if not sentence.startswith("mul swapped") or node["shape"]:
        return 0
    parts = SWAP.findall(sentence) + SWAP_BY_CONSTANT.findall(sentence)
    assert len(parts) == sentence.count(" gets "), f"a part without its numbers: {sentence}"
    for other, upstream, result in parts:
        assert_lands(np.array(float(other) * float(upstream)), result, sentence)
    return len(parts)


def sums_of_shares_checked(sentence: str) -> int:
    """"∂e/∂b = 2.00 via c + 3.00 via d = 5.00": the shares as shown, added up, land on the total as shown."""
    line = sentence.split(". ")[0]
    shares = SHARE.findall(line)
    if len(shares) < 2 or "more uses" in line:
        return 0
    total = line.rsplit(" = ", 1)[1]
    numbers = [numbers_in(share)[0] for share in shares]
    noise = 8 * np.finfo(float).eps * max(float(np.max(np.abs(n), initial=0.0)) for n in numbers)
    assert_lands(sum(numbers), total, line, noise)
    return 1


def test_shares_that_cancel_in_floating_point_are_written_short_and_still_check():
    # d/d: the two shares of ∂f/∂d are 1/d and -d/d², which float64 sums to 1.78e-15, not 0; the shares are
    # not written to 17 digits for that.
    body = compute_graph("f = d / d", {"d": 0.14302060167127723}, narrate=True, local=True)
    assert products_checked(body) >= 1
    said = " ".join(n["narration"]["backward"]["en"] for n in body["nodes"] if n.get("narration"))
    assert "6.99 via f + -6.99 via f = 8.88e-16" in said


def test_the_issues_case_checks_by_hand():
    # 0.125 × 3.00 written as 0.13 × 3.00 = 0.38 would not hold (0.39): the operands get the digits they need
    body = compute_graph("f = exp(a) / b", {"a": 0.125, "b": 3.0}, narrate=True, local=True)
    assert products_checked(body) >= 2
    body = compute_graph("q = W @ x\nf = sum(q*q)", {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]},
                         narrate=True, local=True)
    assert products_checked(body) >= 3


@pytest.mark.parametrize("local, upstream", [(0.5092319999999999, 8.626903632435094e-16),
                                             (1.792587, 5.458915783827469e-13), (0.046875, 6.3095e-14)])
def test_a_product_with_a_tiny_gradient_checks_by_hand(local, upstream):
    # The float noise allowed was the largest operand's (0.51 × 2e-16), a hundred times a 1e-16 product's last
    # digit: "0.51 × 8.63e-16 = 4.39e-16" was written where 0.51 × 8.63e-16 is 4.40e-16.
    (local_text, upstream_text), result_text = worked(local * upstream, np.multiply, local, upstream)
    assert_lands(np.array(float(local_text) * float(upstream_text)), result_text,
                 f"{local_text} × {upstream_text} = {result_text}")


@pytest.mark.parametrize("example", examples(), ids=lambda example: example["name"])
def test_every_presets_written_products_check_by_hand(example):
    body = compute_graph(example["program"], example.get("values", {}), narrate=True, local=True, strict=False)
    products_checked(body)


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(expressions(), min_size=1, max_size=3), st.lists(st.floats(0.05, 3.0), min_size=4, max_size=4))
def test_any_programs_written_products_check_by_hand(lines, numbers):
    program = "\n".join(f"v{i} = {line}" for i, line in enumerate(lines[:-1])) + ("\n" if len(lines) > 1 else "") \
        + " + ".join([f"0.37 * {lines[-1]}"] + [f"v{i}" for i in range(len(lines) - 1)])
    values = dict(zip(NAMES, (round(x, 3) for x in numbers)))
    try:
        body = compute_graph(program, values, narrate=True, local=True, strict=False)
    except ProgramError:
        assume(False)
    assume(all(np.isfinite(np.asarray(node["value"], dtype=float)).all() for node in body["nodes"]))
    products_checked(body)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["sigmoid", "tanh", "exp", "relu"]), st.integers(2, 5),
       st.lists(st.floats(-2.0, 2.0), min_size=10, max_size=10))
def test_any_array_programs_elementwise_and_outer_products_check_by_hand(function, n, numbers):
    W = np.reshape(np.round(numbers[:4], 3), (2, 2)).tolist()
    x = np.round(numbers[4:6], 3).tolist()
    body = compute_graph(f"q = W @ x\nh = {function}(q)\nf = sum(h * h) * {round(numbers[6], 2) or 0.5}",
                         {"W": W, "x": x}, narrate=True, local=True, strict=False)
    products_checked(body)


# -- each gate's local gradient with its numbers, as the notes work σ(1−σ) out --------------------------------------


@pytest.mark.parametrize("program, values, worked_out", [
    ("f = sigmoid(x)", {"x": 1.0}, ["σ(1−σ) = 0.73 × 0.27 = 0.20"]),  # the notes' σ gate
    ("f = tanh(x)", {"x": 1.0}, ["1−tanh² = 1 − 0.76² = 0.42"]),
    ("f = x * y", {"x": 3.0, "y": -4.0}, ["y = -4.00", "x = 3.00"]),
    ("f = a / b", {"a": 1.0, "b": 2.0}, ["1 / b = 1 / 2.00 = 0.50", "-a / b² = -1.00 / 2.00² = -0.25"]),
    ("f = exp(x)", {"x": 2.0}, ["exp(x) = exp(2.00) = 7.39"]),
    ("f = max(a, b)", {"a": 1.0, "b": 2.0}, [None, None]),  # words, not arithmetic: the rule alone
])
def test_each_gates_local_gradient_is_written_with_its_numbers(client, program, values, worked_out):
    body = client.post("/api/graph", json={"expression": program, "values": values, "local": True}).json()
    assert [edge.get("local_worked") for edge in body["edges"]] == worked_out


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["sigmoid", "tanh"]), st.floats(-4.0, 4.0))
def test_sigma_and_tanh_local_gradients_check_by_hand(function, x):
    edge = compute_graph(f"f = {function}(x)", {"x": round(x, 2)}, local=True)["edges"][0]
    numbers = [float(n) for n in re.findall(NUMBER, edge["local_worked"].split(" = ", 1)[1])]
    if function == "sigmoid":  # s × (1 − s) = local
        first, second, result = numbers
        assert_lands(np.array(first * second), edge["local_worked"].rsplit(" = ", 1)[1], edge["local_worked"])
    else:  # 1 − t² = local, t as shown
        _, t, result = numbers
        assert_lands(np.array(1 - t * t), edge["local_worked"].rsplit(" = ", 1)[1], edge["local_worked"])


def test_a_swaps_upstream_gets_the_digits_that_make_its_products_check():
    # ∂f/∂d = 1/3: "a gets b × 0.33 = 1.00" would not hold (3 × 0.33 = 0.99); 3 × 0.333 = 0.999 does
    body = compute_graph("d = a*b\nf = d / 3", {"a": 2.0, "b": 3.0}, narrate=True, local=True)
    sentence = next(node["narration"]["backward"] for node in body["nodes"] if node["name"] == "d")
    assert "a gets b × 0.333 = 3.00 × 0.333 = 1.00, b gets a × 0.333 = 2.00 × 0.333 = 0.67" in sentence["en"]
    assert "a 得到 b × 0.333 = 3.00 × 0.333 = 1.00" in sentence["zh"]


def test_a_swap_shows_the_other_numbers_digits_where_the_drawing_rounds_it_off():
    # b = 0.125 is drawn 0.13, and 0.13 × 3.00 = 0.39 is not the 0.38 shown: the swap writes 0.125
    body = compute_graph("f = 3*(a*b)", {"a": 2.0, "b": 0.125}, narrate=True)
    sentence = next(node["narration"]["backward"] for node in body["nodes"]
                    if node["narration"]["expression"] == "a × b")
    assert sentence["en"] == "mul swapped its inputs: a gets b × 3.00 = 0.125 × 3.00 = 0.38, b gets a × 3.00 = " \
                             "2.00 × 3.00 = 6.00"
    assert sentence["zh"].startswith("乘法门交换了输入：a 得到 b × 3.00 = 0.125 × 3.00 = 0.38")
    assert products_checked(body) == 3  # both parts, and f = 3 × (a × b)


@pytest.mark.parametrize("op, sign", [("max", ">"), ("min", "<")])
def test_a_routing_gate_writes_its_comparison_so_that_it_holds_as_written(op, sign):
    body = compute_graph(f"f = {op}(a, b)", {"a": 1.004, "b": 1.001}, narrate=True)
    sentence = body["nodes"][-1]["narration"]["backward"]
    winner, loser = ("1.004", "1.001") if op == "max" else ("1.001", "1.004")
    assert f"because {winner} {sign} {loser}" in sentence["en"] and f"{winner} {sign} {loser}" in sentence["zh"]
    assert products_checked(body) == 1
    # two texts that differ are not enough: "1.00e-12 > 1e-12" reads as two equal numbers
    body = compute_graph(f"f = {op}(a, b)", {"a": 1.0000000000001e-12, "b": 1e-12}, narrate=True)
    assert products_checked(body) == 1


def test_a_constant_in_a_swap_is_its_own_number_said_once():
    body = compute_graph("f = 2*x", {"x": 3.0}, narrate=True)
    assert body["nodes"][-1]["narration"]["backward"]["en"] == "mul swapped its inputs: x gets 2 × 1.00 = 2.00"


def test_a_sum_of_shares_gets_the_digits_that_make_it_add_up():
    # three shares of 1/3: "0.33 + 0.33 + 0.33 = 1.00" would not hold (0.99); 0.333 × 3 = 0.999 does
    body = compute_graph("f = a/3 + a/3 + a/3", {"a": 1.0}, narrate=True)
    sentence = next(node["narration"]["backward"] for node in body["nodes"] if node["name"] == "a")
    assert sentence["en"] == "∂f/∂a = 0.333 via (a / 3) + 0.333 via (a / 3) + 0.333 via (a / 3) = 1.00"
    assert sentence["zh"] == "∂f/∂a = 0.333（经 (a / 3)） + 0.333（经 (a / 3)） + 0.333（经 (a / 3)） = 1.00"
    assert products_checked(body) == 4  # the sum and each share's "local × upstream"
    body = compute_graph("q = [a, b]\nf = sum(q*q)", {"a": 0.3, "b": 0.7}, narrate=True)
    assert products_checked(body) == 1  # the sum of the arrays' shares (their swap is not worked out)
