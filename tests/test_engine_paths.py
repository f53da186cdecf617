"""The engine's shortcuts give the answers of its general paths.

The engine takes cheaper paths in common cases: tokens cut by one regex split and classified by their
first character, forward rules written with Python's operators, size checks skipped while every value
is a number, JSON numbers converted a column at a time, and gradients of unreached nodes set in the backward
loop. Each test here drives one of
them to the edge where it hands over to the general path.
"""

import numpy as np
import pytest

from app import Limits, ProgramError, compute_graph
from app.backward import backward
from app.forward import forward
from app.graph import build_graph
from app.parser import SourceText, tokenize


def tokens_of(text):
    tokens = tokenize(SourceText(text))
    return list(zip(tokens.kinds, tokens.texts, tokens.offsets))


def test_tokens_and_their_offsets_around_every_kind_of_blank():
    assert tokens_of(" a\t+\f\vb  # a == b, not a comparison\r\n2.5e-1*.5 ") == [
        ("name", "a", 1), ("+", "+", 3), ("name", "b", 6), ("nl", "\n", 36),
        ("num", "2.5e-1", 37), ("*", "*", 43), ("num", ".5", 44), ("end", "", 47),
    ]
    assert tokens_of("") == [("end", "", 0)]
    assert tokens_of("   ") == [("end", "", 3)]
    assert tokens_of("# only a comment") == [("end", "", 16)]


def test_tokens_that_their_first_character_does_not_classify():
    # '.5' is a number, '.' alone is not part of the language; \d also matches digits of other scripts.
    assert tokens_of("x**.5") == [("name", "x", 0), ("**", "**", 1), ("num", ".5", 3), ("end", "", 5)]
    assert tokens_of("\u0663x") == [("num", "\u0663", 0), ("name", "x", 1), ("end", "", 2)]
    with pytest.raises(ProgramError) as caught:
        tokenize(SourceText("a +\u00a0b"))  # a no-break space is not a blank
    assert (caught.value.line, caught.value.column) == (1, 4)


def test_the_first_bad_token_is_the_one_reported():
    with pytest.raises(ProgramError) as caught:
        compute_graph("a $ b == c", {"a": 1, "b": 2, "c": 3})
    assert caught.value.column == 3 and "'$'" in caught.value.message
    with pytest.raises(ProgramError) as caught:
        compute_graph("a == b $ c", {"a": 1, "b": 2, "c": 3})
    assert caught.value.column == 3 and "Comparisons" in caught.value.message


def test_a_python_keyword_assigned_as_a_name_is_still_refused_when_used():
    assert compute_graph("if = 3")["value"] == 3.0
    with pytest.raises(ProgramError) as caught:
        compute_graph("if = 3\nif + 1")
    assert "Python keyword" in caught.value.message and caught.value.line == 2


@pytest.mark.parametrize("program", ["a + b", "a - b", "a * b", "a / b", "-a", "a / 0", "a * 1e308 * 10"])
def test_forward_values_of_numbers_stay_numpy_float64(program):
    graph = build_graph(program, {"a": 1.5, "b": 4.0})
    values = forward(graph)
    assert all(type(value) is np.float64 for value in values)


def test_forward_operators_on_arrays_are_numpy_broadcasting():
    graph = build_graph("(a - b) / a * -b", {"a": [1.0, 2.0], "b": [[3.0], [4.0]]})
    value = forward(graph)[-1]
    a, b = np.array([1.0, 2.0]), np.array([[3.0], [4.0]])
    assert isinstance(value, np.ndarray) and value.shape == (2, 2)
    assert np.array_equal(value, np.multiply(np.divide(np.subtract(a, b), a), np.negative(b)))


def test_the_size_limit_applies_once_numbers_have_been_stacked_into_an_array():
    # Every leaf is a number; the array gate makes the first array, and only then can a result be too big.
    small = Limits(max_elements=5)
    assert compute_graph("v = [a, b]\nv * v", {"a": 1, "b": 2}, limits=small)["value"] == [1.0, 4.0]
    with pytest.raises(ProgramError) as caught:
        compute_graph("v = [a, b]\nv * [[1], [2], [3]]", {"a": 1, "b": 2}, limits=small)
    assert caught.value.kind == "limit" and "would have 6 elements" in caught.value.message


def test_finite_numbers_whose_sum_overflows_are_written_and_not_warned_about():
    result = compute_graph("u = a * 1\nv = b * 1\nu - v", {"a": 1e308, "b": 1e308})
    assert [node["value"] for node in result["nodes"]] == [1e308, 1.0, 1e308, 1e308, 1.0, 1e308, 0.0]
    assert result["warnings"] == []
    result = compute_graph("u = a * 1\nv = b * 1\nu + v", {"a": 1e308, "b": 1e308})
    assert result["value"] is None  # 2e308 is not finite: null, and the one warning
    assert [warning["node"] for warning in result["warnings"]] == [len(result["nodes"]) - 1]


def test_a_node_the_output_does_not_use_gets_zero_and_so_do_the_wires_into_it():
    graph = build_graph("unused = exp(a) * b\na + 1", {"a": 2, "b": 3})
    grads, wire_grads = backward(graph, forward(graph))
    unused = graph.name.index("unused")
    assert grads[unused] == 0.0 and type(grads[unused]) is np.float64
    starts = graph.edge_starts()
    into_unused = wire_grads[starts[unused]:starts[unused + 1]]
    assert into_unused == [0.0, 0.0]
    exp = graph.args[unused][0]
    assert wire_grads[starts[exp]] == 0.0  # the wire from a into exp, one step further from the output
    const = [node for node, kind in enumerate(graph.kind) if kind == "const"][0]
    assert grads[const] is None  # literal constants still need no gradient


def test_array_gradients_of_unused_nodes_are_zero_arrays():
    graph = build_graph("unused = W * 2\nsum(x)", {"W": [[1, 2], [3, 4]], "x": [1, 2]})
    grads, _ = backward(graph, forward(graph))
    assert np.array_equal(grads[graph.inputs["W"]], np.zeros((2, 2)))
