"""The language, as a student types it: precedence, statements, names, implicit multiplication."""

import math
import time

import numpy as np
import pytest

from app import Limits, ProgramError, compute_graph
from app.engine.backward import backward
from app.engine.forward import forward
from app.engine.graph import build_graph
from app.engine.parser import tokenize


def value_of(program, **values):
    return compute_graph(program, values)["value"]


def gates_of(program, **values):
    return [node["op"] for node in compute_graph(program, values)["nodes"] if node["op"] not in ("input", "const")]


@pytest.mark.parametrize("program, expected", [
    ("-x^2", -9.0),            # power binds tighter than unary minus
    ("-x**2", -9.0),
    ("2^3^2", 512.0),          # right-associative
    ("2**3**2", 512.0),
    ("(2^3)^2", 64.0),
    ("2^-1", 0.5),             # a unary minus in an exponent
    ("2^-x^2", 2.0 ** -9),
    ("1 - 2 - 3", -4.0),       # left-associative
    ("8 / 4 / 2", 1.0),
    ("1 + 2 * 3", 7.0),
    ("-2 * 3", -6.0),
    ("x - -x", 6.0),
    ("+x", 3.0),
    ("2x", 6.0),               # implicit multiplication, as the notes write it
    ("2x^2", 18.0),
    ("3(x + 1)", 12.0),
    ("(x + 1)(x - 1)", 8.0),
    ("2 exp(0)", 2.0),
    ("1e-3 * 1000", 1.0),
    (".5 + 0.5", 1.0),
    ("2e", 2 * math.e),        # 2e is 2 times e, not a malformed exponent
    ("pi", math.pi),
])
def test_precedence_and_associativity(program, expected):
    assert value_of(program, x=3.0) == pytest.approx(expected, rel=1e-15)


def test_matmul_binds_like_multiplication():
    result = compute_graph("a@b+c", {"a": [1, 2], "b": [3, 4], "c": 10})
    assert result["value"] == 21.0
    assert [n["op"] for n in result["nodes"] if n["op"] != "input"] == ["matmul", "add"]


def test_subtraction_division_and_negation_are_gates_of_their_own():
    assert gates_of("-(a - b) / c", a=1, b=2, c=4) == ["sub", "neg", "div"]


def test_a_signed_number_is_a_plain_number():
    result = compute_graph("a = -5\nb = a * -2", {})
    assert result["value"] == 10.0
    assert [n["op"] for n in result["nodes"]] == ["input", "const", "mul"]
    assert result["nodes"][1]["label"] == "-2"
    assert result["gradients"] == {"a": -2.0}


def test_statements_separated_by_newlines_and_semicolons_with_comments():
    program = "u = b*c  # the product\nv = a + u; J = 3*v;\n\n# the end\n"
    result = compute_graph(program, {"a": 5, "b": 3, "c": 2})
    assert result["value"] == 33.0
    assert [n["name"] for n in result["nodes"] if n["op"] != "input" and n["op"] != "const"] == ["u", "v", "J"]


def test_newlines_inside_brackets_continue_the_statement():
    assert value_of("max(\n  a,\n  b\n) + (a\n + b)", a=1, b=2) == 5.0


def test_reassignment_makes_a_new_node_and_later_uses_see_the_newest():
    result = compute_graph("c = a + 1\nd = c * 2\nc = c * 10\ne = c + d", {"a": 1})
    assert result["value"] == 24.0
    named_c = [n for n in result["nodes"] if n["name"] == "c"]
    assert [n["value"] for n in named_c] == [2.0, 20.0]
    assert result["gradients"] == {"a": 12.0}


@pytest.mark.parametrize("operator, expected", [("+=", 7.0), ("-=", -1.0), ("*=", 12.0), ("/=", 0.75)])
def test_augmented_assignment(operator, expected):
    assert value_of(f"c = a\nc {operator} 4", a=3.0) == expected


def test_augmented_assignment_of_an_input_given_in_values():
    result = compute_graph("a += 1\na * 2", {"a": 3})
    assert result["value"] == 8.0
    assert result["gradients"] == {"a": 2.0}


def test_an_assigned_literal_declares_an_input_and_a_given_value_wins():
    assert compute_graph("a = 5\nW = [[1, 2], [3, 4]]\nsum(W) * a")["value"] == 50.0
    result = compute_graph("a = 5\nW = [[1, 2], [3, 4]]\nsum(W) * a", {"a": 2})
    assert result["value"] == 20.0
    assert result["gradients"] == {"a": 10.0, "W": [[2.0, 2.0], [2.0, 2.0]]}


def test_an_assigned_name_hides_a_constant():
    result = compute_graph("c = a + b\nd = b + 1\ne = c * d", {"a": 2, "b": 1})
    assert result["value"] == 6.0
    assert compute_graph("e * 2", {"e": 10})["value"] == 20.0
    assert value_of("e") == pytest.approx(math.e)


def test_keyword_and_positional_arguments():
    assert value_of("leaky_relu(x, 0.2)", x=-1) == pytest.approx(-0.2)
    assert value_of("leaky_relu(x, slope=0.2)", x=-1) == pytest.approx(-0.2)
    assert value_of("leaky_relu(x)", x=-1) == pytest.approx(-0.1)
    assert value_of("elu(x, alpha=2)", x=-1) == pytest.approx(2 * (math.exp(-1) - 1))
    assert value_of("pow(x, 3)", x=2) == 8.0


def test_the_same_variable_used_twice_is_two_wires():
    result = compute_graph("x * x", {"x": 3})
    assert [(e["source"], e["target"], e["index"]) for e in result["edges"]] == [(0, 1, 0), (0, 1, 1)]
    assert [e["grad"] for e in result["edges"]] == [3.0, 3.0]
    assert result["gradients"] == {"x": 6.0}


def test_array_literal_with_variables_is_a_gate_passing_each_row_back():
    result = compute_graph("v = [a, 2*b]\nsum(v * v)", {"a": 3, "b": 1})
    assert result["value"] == 13.0
    assert result["gradients"] == {"a": 6.0, "b": 8.0}


def test_vectors_and_matrices_broadcast_as_numpy_does():
    result = compute_graph("sum(W + b)", {"W": [[1, 2, 3], [4, 5, 6]], "b": [10, 20, 30]})
    assert result["value"] == 141.0
    assert result["gradients"]["b"] == [2.0, 2.0, 2.0]
    assert result["gradients"]["W"] == [[1.0] * 3] * 2


def test_an_array_output_gives_the_gradient_of_its_sum():
    result = compute_graph("W @ x", {"W": [[1, 2], [3, 4]], "x": [1, 1]})
    assert result["value"] == [3.0, 7.0]
    assert result["gradients"]["x"] == [4.0, 6.0]
    assert result["nodes"][-1]["shape"] == (2,)  # a tuple in Python, [2] in the JSON


def test_an_input_the_output_does_not_use_has_gradient_zero():
    result = compute_graph("a = 1\nb = 2\nunused = b * 3\na * 5")
    assert result["gradients"] == {"a": 5.0, "b": 0.0}
    assert [n["grad"] for n in result["nodes"] if n["name"] == "unused"] == [0.0]


def test_the_output_is_the_last_node_even_when_the_last_statement_names_an_earlier_one():
    result = compute_graph("u = a * 2\nv = u + b\nu", {"a": 1, "b": 5})
    assert result["value"] == 2.0
    assert result["output"] == len(result["nodes"]) - 1
    assert result["gradients"] == {"a": 2.0, "b": 0.0}


def test_literal_constants_need_no_gradient():
    result = compute_graph("x^2", {"x": -3})
    const = [n for n in result["nodes"] if n["op"] == "const"][0]
    assert const["grad"] is None
    assert result["warnings"] == []


def test_default_value_gives_unnamed_inputs_a_value():
    result = compute_graph("a * b + 1", {"a": 2}, default_value=1.0)
    assert result["value"] == 3.0
    assert result["gradients"] == {"a": 1.0, "b": 2.0}


def test_overflow_is_not_an_error_but_a_warning():
    result = compute_graph("exp(x)", {"x": 1000})
    assert result["value"] is None
    assert result["nodes"][-1]["value"] is None
    assert [w["node"] for w in result["warnings"]] == [0, 1]  # the gradient of x, the value of exp
    assert "infinite" in result["warnings"][0]["message"]["en"]


def test_a_tie_in_max_splits_the_gradient():
    assert compute_graph("max(a, b)", {"a": 2, "b": 2})["gradients"] == {"a": 0.5, "b": 0.5}
    assert compute_graph("min(a, b)", {"a": 2, "b": 2})["gradients"] == {"a": 0.5, "b": 0.5}


@pytest.mark.parametrize("program", ["relu(x)", "abs(x)"])
def test_kinks_at_zero_follow_pytorch(program):
    assert compute_graph(program, {"x": 0})["gradients"] == {"x": 0.0}


def test_sigmoid_keeps_its_digits_far_from_zero():
    assert compute_graph("sigmoid(x)", {"x": -40})["value"] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)))
    assert compute_graph("sigmoid(x)", {"x": 800})["value"] == 1.0
    assert compute_graph("sigmoid(x)", {"x": -800})["warnings"] == []


def test_name_of_several_letters_stays_one_name_and_the_message_suggests_a_product():
    with pytest.raises(ProgramError) as error:
        compute_graph("a + bc", {"a": 1, "b": 2, "c": 3})
    assert error.value.kind == "name"
    assert "bc has no value" in error.value.message and "b*c" in error.value.message
    assert (error.value.line, error.value.column) == (1, 5)


# -- the tokens ------------------------------------------------------------------------------------------------------


def tokens_of(text):
    tokens = tokenize(text)
    places = [tokens.source.position(i) for i in range(len(tokens.kinds))]
    return list(zip(tokens.kinds, tokens.texts, places))


def test_tokens_and_their_places_around_every_kind_of_blank():
    assert tokens_of(" a\t+\f\vb  # a == b, not a comparison\r\n2.5e-1*.5 ") == [
        ("name", "a", (1, 2)), ("+", "+", (1, 4)), ("name", "b", (1, 7)), ("nl", "\n", (1, 37)),
        ("num", "2.5e-1", (2, 1)), ("*", "*", (2, 7)), ("num", ".5", (2, 8)), ("end", "", (2, 11)),
    ]
    assert tokens_of("") == [("end", "", (1, 1))]
    assert tokens_of("   ") == [("end", "", (1, 4))]
    assert tokens_of("# only a comment") == [("end", "", (1, 17))]


def test_blanks_at_the_end_of_a_program_are_read_once():
    # The token pattern skips the blanks before a token; k blanks with no token after them were k searches of up
    # to k blanks each (20,000 of them took seconds).
    start = time.process_time()
    tokens = tokenize("a" + " \t" * 10_000)
    assert tokens.kinds == ["name", "end"] and tokens.source.position(1) == (1, 20_002)
    assert time.process_time() - start < 1.0


def test_tokens_that_their_first_character_does_not_tell():
    # '.5' is a number, '.' alone is not part of the language; \d also matches digits of other scripts.
    assert tokens_of("x**.5") == [("name", "x", (1, 1)), ("**", "**", (1, 2)), ("num", ".5", (1, 4)), ("end", "", (1, 6))]
    assert tokens_of("\u0663x") == [("num", "\u0663", (1, 1)), ("name", "x", (1, 2)), ("end", "", (1, 3))]
    with pytest.raises(ProgramError) as caught:
        tokenize("a +\u00a0b")  # a no-break space is not a blank
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


# -- numbers are float64 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("program", ["a + b", "a - b", "a * b", "a / b", "-a", "a / 0", "a * 1e308 * 10"])
def test_the_values_of_numbers_are_numpy_float64(program):
    graph = build_graph(program, {"a": 1.5, "b": 4.0})
    assert all(type(value) is np.float64 for value in forward(graph))


def test_arithmetic_on_arrays_is_numpy_broadcasting():
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
