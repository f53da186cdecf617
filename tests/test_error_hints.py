"""An error that says what to do: the notes' ``q = W @ x; f = sum(q*q)`` typed bare (every name 1) says to give W
a matrix and x a vector, with the syntax, in both languages."""

import pytest

from app import ProgramError, compute_graph


def shape_error(program, values):
    with pytest.raises(ProgramError) as caught:
        compute_graph(program, values, default_value=1.0, strict=False)
    assert caught.value.kind == "shape"
    return caught.value


def test_the_norm_of_wx_typed_bare_says_how_to_give_w_and_x_arrays():
    error = shape_error("q = W @ x; f = sum(q*q)", {})
    assert "W and x are numbers here" in str(error)
    assert "W = [[1, 2], [3, 4]] and x = [1, 2]" in str(error) and "use *" in str(error)
    assert "W = [[1, 2], [3, 4]]" in error.text["zh"] and "请用 *" in error.text["zh"]


def test_only_the_name_that_is_a_number_is_named():
    error = shape_error("q = W @ x; f = sum(q*q)", {"x": [1, 2]})
    assert "W is a number here" in str(error) and "x = " not in str(error)
    error = shape_error("W @ x", {"W": [[1, 2]]})
    assert "x is a number here" in str(error) and "x = [1, 2]" in str(error)


def test_arrays_that_do_not_fit_keep_the_shapes_sentence():
    error = shape_error("W @ x", {"W": [[1, 2]], "x": [1, 2, 3]})
    assert "the last dimension of the left operand" in str(error)
