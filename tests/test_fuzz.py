"""No text, however garbled, gets anything but an answer or a ProgramError: never a 500."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import ProgramError, compute_graph, sweep

ALPHABET = "abcxyzWe0123456789.+-*/^@()[],;=\n #_" + "eE"
FRAGMENTS = ["exp(", "log(", "max(", "leaky_relu(", "slope=", "sum(", "dot(", "transpose(", "**", "+=", "[[1, 2], [3, 4]]",
             "[1, 2]", "pi", "1e308", "-", "sigmoid(", ")", "@", "relu(", "elu(", "alpha=", "mean(", "sqrt(", "0"]

programs = st.lists(st.one_of(st.text(ALPHABET, min_size=1, max_size=4), st.sampled_from(FRAGMENTS)),
                    max_size=25).map("".join)
values = st.dictionaries(st.sampled_from(["a", "b", "c", "x", "W"]),
                         st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just([1.0, 2.0]),
                                   st.just([[1.0, 2.0], [3.0, 4.0]]), st.just([]), st.just([[1.0], [2.0, 3.0]])),
                         max_size=4)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(programs, values)
def test_any_text_answers_or_says_what_is_wrong(program, given_values):
    for options in ({}, {"check": True, "local": True, "dot": True, "default_value": 1.0, "strict": False}):
        try:
            result = compute_graph(program, given_values, **options)
        except ProgramError as error:
            assert error.kind in {"syntax", "name", "function", "arity", "shape", "value", "limit"}
            assert error.message.endswith((".", "?"))
            if error.line is not None:
                assert 1 <= error.line <= program.count("\n") + 1 and error.column >= 1
        else:
            assert result["output"] == len(result["nodes"]) - 1


@settings(max_examples=100, deadline=None, derandomize=True)
@given(programs)
def test_any_text_sweeps_or_says_what_is_wrong(program):
    try:
        result = sweep(program, "x", -1, 1, 5, {"a": 1, "b": 2})
    except ProgramError:
        return
    assert len(result["x"]) == len(result["value"]) == len(result["grad"]) == 5
