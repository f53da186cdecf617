"""Bad input: a clear error that says what and where, never a 500, a hang or Python evaluated."""

import numpy as np
import pytest

from app import Limits, ProgramError, compute_graph
from app.engine.forward import forward_values
from app.engine.graph import build_graph


def error_of(program, values=None, **options):
    with pytest.raises(ProgramError) as caught:
        compute_graph(program, values or {}, **options)
    return caught.value


@pytest.mark.parametrize("program, kind, line, column, words", [
    ("3*(a+", "syntax", 1, 6, "ends too early"),
    ("a + * b", "syntax", 1, 5, "Something is missing between '+' and '*'"),
    ("* b", "syntax", 1, 1, "'*' needs a number, a name or a bracket before it."),
    ("1.2.3", "syntax", 1, 4, "at most one decimal point"),
    ("(a + b", "syntax", 1, 7, "'(' on line 1, column 1 is not closed"),
    ("a + b)", "syntax", 1, 6, "no matching opening"),
    ("[1, 2", "syntax", 1, 6, "'[' on line 1, column 1 is not closed"),
    ("max(a, b]", "syntax", 1, 9, "not closed"),
    ("a b", "syntax", 1, 3, "did you mean a*b"),
    ("2 3", "syntax", 1, 3, "did you mean 2*3"),
    ("(a)b", "syntax", 1, 4, "did you mean )*b"),
    ("a = ", "syntax", 1, 5, "Nothing is assigned to a"),
    ("u = a\nv = u +\nw = 1", "syntax", 2, 8, "ends too early"),
    ("a == b", "syntax", 1, 3, "Comparisons such as == are not part"),
    ("a = b = 1", "syntax", 1, 7, "'=' can only follow the name"),
    ("a(1)", "function", 1, 1, "a is a variable, not a function"),
    ("(a)(1)x", "syntax", 1, 7, "cannot follow ')'"),
    ("a[0]", "syntax", 1, 2, "Indexing"),
    ("max(a,)", "syntax", 1, 7, "argument is missing"),
    ("(a, b)", "syntax", 1, 3, "comma can only separate"),
    ("[]", "syntax", 1, 1, "empty array"),
    ("", "syntax", 1, 1, "empty"),
    ("# only a comment\n", "syntax", 2, 1, "empty"),
    ("a $ b", "syntax", 1, 3, "'$'"),
    ("2 * (a + max(a, b)\nq = 1", "syntax", 2, 1, "The '(' on line 1, column 5 is not closed: expected ')' before the name 'q'"),
    ("a +\n", "syntax", 1, 4, "ends too early"),
    ("max(a, b) )", "syntax", 1, 11, "no matching opening bracket"),
    ("x\ny = q + 1", "name", 2, 5, "q has no value"),
    ("y = e*2\ne = 3", "name", 1, 5, "used before it is assigned"),
    ("exp + 1", "name", 1, 1, "exp is a function"),
    ("foo(a)", "function", 1, 1, "no function called foo"),
    ("max(a)", "arity", 1, 1, "max(a, b) takes 2 arguments, but was given 1"),
    ("exp(a, b)", "arity", 1, 1, "takes 1 argument, but was given 2"),
    ("leaky_relu(a, gradient=1)", "arity", 1, 1, "no argument called gradient"),
    ("leaky_relu(a, slope=1, slope=2)", "arity", 1, 1, "given twice"),
    ("leaky_relu(x=a, 0.1)", "arity", 1, 1, "cannot follow one given by name"),
    ("exp()", "arity", 1, 1, "was given 0"),
    ("[[1, 2], [3]]", "shape", 1, 1, "different lengths"),
])
def test_each_error_says_what_and_where(program, kind, line, column, words):
    error = error_of(program, {"a": 1, "b": 2, "x": 0})
    assert (error.kind, error.line, error.column) == (kind, line, column), error.message
    assert words in error.message


def test_shapes_that_do_not_fit():
    error = error_of("u = a * 2\nv = u + b", {"a": [1, 2], "b": [1, 2, 3]})
    assert (error.kind, error.line, error.column) == ("shape", 2, 7)
    assert "(2,) and (3,)" in error.message
    error = error_of("W @ x", {"W": [[1, 2, 3]], "x": [1, 2]})
    assert (error.kind, error.column) == ("shape", 3)
    error = error_of("dot(a, b)", {"a": [1, 2], "b": [[1, 2]]})
    assert error.kind == "shape" and "for matrices use @" in error.message
    assert error_of("a @ b", {"a": 1, "b": 2}).kind == "shape"


def test_a_value_for_a_name_the_program_computes():
    error = error_of("u = a * 2\nu + 1", {"a": 1, "u": 5})
    assert (error.kind, error.line, error.column) == ("value", 1, 1)
    assert compute_graph("u = a * 2\nu + 1", {"a": 1, "u": 5}, strict=False)["value"] == 3.0


@pytest.mark.parametrize("raw", [[[1, 2], [3]], "five", {"x": 1}, [None]])
def test_a_value_that_is_not_a_number_or_an_array(raw):
    error = error_of("a + 1", {"a": raw})
    assert error.kind == "value" and "a must be a number" in error.message


@pytest.mark.parametrize("program", [
    "__import__('os').system('true')",
    "().__class__.__bases__[0].__subclasses__()",
    "a.real",
    "open('/etc/passwd')",
    "lambda: 1",
    "[x for x in a]",
    "a if b else c",
    "import os",
    "exec(\"1\")",
    "eval('1')",
    "a[0]",
    "globals()",
    "{1: 2}",
    "a; del a",
    "f\"{a}\"",
])
def test_attempts_to_reach_python_are_rejected(program):
    error = error_of(program, {"a": 1, "b": 2, "c": 3})
    assert error.kind in ("syntax", "function", "name")
    assert error.line is not None and error.column is not None


def test_limits_say_which_limit_and_how_to_raise_it():
    small = Limits(max_chars=10, max_nodes=5, max_depth=3, max_elements=4)
    assert "max_chars" in error_of("a" * 11, limits=small).message
    assert "BACKPROP_MAX_NODES" in error_of("1+2+3+4+5", limits=small).message
    error = error_of("((((1))))", limits=small)
    assert error.kind == "limit" and "max_depth" in error.message
    assert error_of("a", {"a": [1, 2, 3, 4, 5]}, limits=small).kind == "limit"
    # a broadcast that would be too large is refused before NumPy allocates it
    error = error_of("a + b", {"a": [1, 2, 3], "b": [[1], [2]]}, limits=Limits(max_elements=5))
    assert error.kind == "limit" and (error.line, error.column) == (1, 3)


def test_a_graph_run_again_with_bigger_arrays_is_still_refused_before_numpy_allocates():
    # forward_values checks result sizes once per graph and leaf shapes: new shapes or a new limit check again
    limits = Limits(max_elements=5)
    graph = build_graph("a + b", {"a": [1.0, 2.0], "b": [[1.0], [2.0]]}, limits, None, True)
    assert forward_values(graph, limits=limits)[-1].shape == (2, 2)
    assert forward_values(graph, {"a": np.ones(2)}, limits)[-1].shape == (2, 2)  # the same shapes: known sizes
    with pytest.raises(ProgramError) as error:
        forward_values(graph, {"a": np.ones(3)}, limits)  # 2×3 = 6 elements
    assert error.value.kind == "limit" and "max_elements" in error.value.message
    with pytest.raises(ProgramError) as error:
        forward_values(graph, None, Limits(max_elements=3))  # the first shapes, a smaller limit
    assert error.value.kind == "limit"


def test_a_gradient_check_that_would_take_too_long_is_refused():
    error = error_of("sum(a)", {"a": list(range(100))}, check=True, limits=Limits(max_check_work=50))
    assert error.kind == "limit" and "max_check_work" in error.message


class TestDeepAndLongProgramsNeverHitTheRecursionLimit:
    def test_a_sum_of_100000_terms(self):
        program = "+".join(f"x{i % 10}" for i in range(100_000))
        result = compute_graph(program, {f"x{i}": 1.0 for i in range(10)})
        assert result["value"] == 100_000.0
        assert result["gradients"]["x3"] == 10_000.0

    def test_1000_nested_brackets(self):
        assert compute_graph("(" * 1000 + "x" + ")" * 1000, {"x": 2})["value"] == 2.0

    def test_10000_unary_minus_signs(self):
        result = compute_graph("-" * 10_000 + "x", {"x": 2})
        assert result["value"] == 2.0 and result["gradients"] == {"x": 1.0}
        assert compute_graph("-" * 10_001 + "5")["value"] == -5.0

    def test_5000_nested_function_calls(self):
        result = compute_graph("tanh(" * 5000 + "x" + ")" * 5000, {"x": 0.5})
        assert 0 < result["value"] < 0.03
        assert 0 < result["gradients"]["x"] < 1

    def test_a_chain_of_100000_statements(self):
        program = "v = x\n" + "v = v*k + c\n" * 100_000
        result = compute_graph(program, {"x": 1.0, "k": 1.0000001, "c": 0.5})
        assert len(result["nodes"]) == 3 + 200_000
        assert result["gradients"]["x"] == pytest.approx(1.0000001 ** 100_000, rel=1e-9)

    def test_a_program_of_a_million_characters(self):
        program = " + ".join(["abcd"] * 142_858)  # 142,858 uses of one input: 142,858 nodes
        assert len(program) >= 1_000_000
        assert compute_graph(program, {"abcd": 1.0})["value"] == 142_858.0
