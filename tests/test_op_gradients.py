"""Every operation's local-gradient rule against central finite differences.

The cases are built from the operation table itself (``app.engine.ops.OPS``), so an
operation added to the table is tested here without touching this file: an
elementwise one gets generic scalar, vector, matrix and broadcasting cases; an
operation that is not elementwise must be given its cases in ``SHAPED_CASES``,
and ``test_every_op_in_the_table_has_cases`` fails until it is.

Two levels are checked:

* the rule alone: ``op.vjps[k](g, ans, *args)`` (then ``backward.unbroadcast``,
  as the engine applies it) against the central difference of ``sum(g * op.forward(*args))``
  for a random upstream gradient ``g``;
* the real engine: ``compute_graph(program)["gradients"]`` against the central
  difference of the sum of the output of ``compute_graph`` at perturbed values.

Inputs sit away from kinks; the conventions at the kinks (which follow PyTorch)
have tests of their own at the end, and a meta-check shows that the comparison
catches a deliberately wrong rule.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import app.engine.ops
from app import compute_graph
from app.engine.backward import unbroadcast
from app.engine.ops import OPS, OPS_BY_NAME
from conftest import assert_close

RTOL = 1e-6
ATOL = 1e-8
RELATIVE_STEP = 1e-6

# -- inputs -------------------------------------------------------------------------------------------------------


def _mixed(rng, shape):
    """Values of both signs with 0.2 <= |x| <= 1.5: away from the kinks at 0 of relu, abs, leaky_relu and elu."""
    magnitude = rng.uniform(0.2, 1.5, size=shape)
    sign = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    return sign * magnitude


def _positive(rng, shape):
    """Values in [0.3, 2]: in the domain of log, sqrt and of a power's base."""
    return rng.uniform(0.3, 2.0, size=shape)


# The domain of each parameter of the operations that need one; every other parameter takes _mixed values.
DOMAINS = {
    ("log", 0): _positive,
    ("sqrt", 0): _positive,
    ("pow", 0): _positive,
}


def _as_value(array):
    """As the engine holds values: float64 arrays, and a 0-d one as a NumPy scalar."""
    array = np.asarray(array, dtype=np.float64)
    return array[()] if array.ndim == 0 else array


def _draw(op_name, index, shape, rng):
    return _as_value(DOMAINS.get((op_name, index), _mixed)(rng, shape))


UNARY_SHAPES = [(), (4,), (2, 3), (2, 2, 2)]
BINARY_SHAPES = [
    ((), ()),
    ((4,), (4,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),  # a row broadcast over the rows of a matrix
    ((3,), (2, 3)),
    ((2, 1), (1, 3)),  # both stretched: an outer operation
    ((), (2, 3)),  # a number with a matrix
    ((2, 3), ()),
    ((2, 1, 3), (4, 1)),  # three dimensions, each side stretched
]


def _shape_id(shapes):
    return "&".join("x".join(map(str, s)) or "scalar" for s in shapes)


def _elementwise_cases(op, rng):
    n = len(op.params)
    shape_sets = [(s,) for s in UNARY_SHAPES] if n == 1 else BINARY_SHAPES if n == 2 else \
        [tuple([s] * n) for s in UNARY_SHAPES]
    cases = []
    for shapes in shape_sets:
        for _ in range(100):
            args = [_draw(op.name, k, shape, rng) for k, shape in enumerate(shapes)]
            if n == 2:
                # Keep the two arguments apart, so that max and min are never near a tie.
                gap = np.abs(np.subtract(args[0], args[1]))
                if np.min(gap) < 0.05:
                    continue
            with np.errstate(all="ignore"):
                if not np.all(np.isfinite(op.forward(*args))):
                    # An operation added to the table whose domain is not all numbers: try positive values.
                    args = [_as_value(_positive(rng, shape)) for shape in shapes]
            break
        cases.append((_shape_id(shapes), args))
    return cases


def _shaped(op_name, shape_sets, rng):
    return [(_shape_id(shapes), [_draw(op_name, k, s, rng) for k, s in enumerate(shapes)]) for shapes in shape_sets]


SHAPED_CASES = {
    "matmul": [
        ((2, 3), (3, 4)),  # matrix @ matrix
        ((2, 3), (3,)),  # matrix @ vector
        ((3,), (3, 4)),  # vector @ matrix
        ((3,), (3,)),  # vector @ vector, a number
        ((2, 2, 3), (3, 4)),  # a batch of matrices @ a matrix
        ((2, 3), (2, 3, 4)),  # a matrix @ a batch
        ((2, 2, 3), (2, 3, 4)),  # batch @ batch
        ((2, 1, 2, 3), (3, 3, 2)),  # batches broadcast against each other
        ((2, 2, 3), (3,)),  # a batch @ a vector
        ((3,), (2, 3, 4)),  # a vector @ a batch
    ],
    "sum": [((),), ((4,),), ((2, 3),), ((2, 3, 2),)],
    "mean": [((),), ((4,),), ((2, 3),), ((2, 3, 2),)],
    "transpose": [((),), ((4,),), ((2, 3),), ((2, 3, 4),)],
    "dot": [((1,), (1,)), ((4,), (4,))],
    "stack": [  # variadic: each case gives the shapes of its items
        ((),),
        ((), ()),
        ((3,), (3,), (3,)),
        ((2, 2), (2, 2)),
    ],
}


def _cases(op):
    rng = np.random.default_rng(sum(map(ord, op.name)))  # a fixed seed per operation
    if op.name in SHAPED_CASES:
        return _shaped(op.name, SHAPED_CASES[op.name], rng)
    if op.elementwise and not op.variadic:
        return _elementwise_cases(op, rng)
    return []


ALL_CASES = [(op, case_id, args) for op in OPS for case_id, args in _cases(op)]
CASE_IDS = [f"{op.name}-{case_id}" for op, case_id, _ in ALL_CASES]


# -- the comparison -----------------------------------------------------------------------------------------------


def central_differences(total, x):
    """d total / d x element by element, where ``total`` maps an array shaped like x to a number."""
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    grad = np.zeros_like(x)
    flat_grad = grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        step = RELATIVE_STEP * max(1.0, abs(original))
        flat[i] = original + step
        above = total(x)
        flat[i] = original - step
        below = total(x)
        flat[i] = original
        flat_grad[i] = (above - below) / (2 * step)
    return grad


def numerical_vjp(forward, args, k, g):
    """Central differences of sum(g * forward(*args)) with respect to args[k], element by element."""
    def total(x):
        moved = list(args)
        moved[k] = _as_value(x)
        return float(np.sum(g * forward(*moved)))
    return central_differences(total, args[k])


def analytic_vjp(vjp, args, k, g, ans):
    """What the engine sends back along argument k: the rule's answer, with broadcasting undone."""
    share = np.asarray(vjp(g, ans, *args))
    shape = np.shape(args[k])
    if share.shape != shape:
        share = np.asarray(unbroadcast(share, shape))
    return share


def assert_vjps_match(forward, vjps, args, rng=None):
    """Every argument's rule against central differences, for a random upstream gradient."""
    rng = rng or np.random.default_rng(0)
    ans = forward(*args)
    g = _as_value(rng.uniform(-1.5, 1.5, size=np.shape(ans)))
    for k in range(len(args)):
        expected = numerical_vjp(forward, args, k, g)
        actual = analytic_vjp(vjps[k], args, k, g, ans)
        assert actual.shape == expected.shape, f"argument {k}: shape {actual.shape} != {expected.shape}"
        assert np.all(np.isfinite(actual)), f"argument {k}: not finite: {actual}"
        assert np.allclose(actual, expected, rtol=RTOL, atol=ATOL), \
            f"argument {k}: analytic {actual} != numerical {expected}"


# -- the table ----------------------------------------------------------------------------------------------------


def test_every_op_in_the_table_has_cases():
    missing = [op.name for op in OPS if not _cases(op)]
    assert not missing, f"add cases to SHAPED_CASES for {missing}: they are not elementwise"
    assert {op.name for op, _, _ in ALL_CASES} == {op.name for op in OPS}


def test_each_op_has_one_rule_per_parameter():
    for op in OPS:
        if op.variadic:
            assert callable(op.vjps[0]) and callable(op.vjps[5])
        else:
            assert len(op.vjps) == len(op.params), op.name
            assert len(op.local_grads) == len(op.params), op.name


@pytest.mark.parametrize("op, case_id, args", ALL_CASES, ids=CASE_IDS)
def test_local_gradient_rule_matches_central_differences(op, case_id, args):
    assert_vjps_match(op.forward, op.vjps, args, np.random.default_rng(len(case_id)))


# -- the engine ---------------------------------------------------------------------------------------------------

NAMES = ("x", "y", "z", "w")


def _programs(op, n_args):
    """Every way the language writes this operation on variables x, y, ...: (program, names it uses)."""
    names = list(NAMES[:n_args])
    forms = []
    if op.variadic:
        forms.append(("[" + ", ".join(names) + "]", names))
    for token in op.infix:
        forms.append((f"{names[0]} {token} {names[1]}", names))
    if op.prefix:
        forms.append((f"{op.prefix}{names[0]}", names))
    if op.function:
        forms.append((f"{op.name}({', '.join(names)})", names))
        if op.defaults:
            required = [n for n, p in zip(names, op.params) if p not in op.defaults]
            named = [f"{p}={n}" for n, p in zip(names, op.params) if p in op.defaults]
            forms.append((f"{op.name}({', '.join(required + named)})", names))
            forms.append((f"{op.name}({', '.join(required)})", required))
    return forms


ENGINE_CASES = [
    (program, case_id, {n: a for n, a in zip(NAMES, args) if n in used})
    for op, case_id, args in ALL_CASES
    for program, used in _programs(op, len(args))
]


def _total(program, values):
    value = compute_graph(program, values)["value"]
    return float(np.sum(np.asarray(value, dtype=np.float64)))


def engine_numerical_gradient(program, values, name):
    """Central differences of the sum of the program's output, each run through compute_graph again."""
    return central_differences(lambda x: _total(program, {**values, name: x.tolist()}), values[name])


def assert_engine_gradients_match(program, values):
    values = {name: np.asarray(v, dtype=np.float64).tolist() for name, v in values.items()}
    result = compute_graph(program, values)
    assert result["warnings"] == []
    assert set(result["gradients"]) == set(values)
    for name in values:
        actual = np.asarray(result["gradients"][name], dtype=np.float64)
        expected = engine_numerical_gradient(program, values, name)
        assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
        assert np.allclose(actual, expected, rtol=RTOL, atol=ATOL), \
            f"{program}: d/d{name} is {actual}, central differences give {expected}"


@pytest.mark.parametrize("program, case_id, values", ENGINE_CASES,
                         ids=[f"{p}-{c}" for p, c, _ in ENGINE_CASES])
def test_engine_gradients_match_central_differences(program, case_id, values):
    assert_engine_gradients_match(program, values)


def test_every_op_is_reached_through_the_language():
    reached = {compute_graph(program, {n: np.asarray(v).tolist() for n, v in values.items()})["nodes"][-1]["op"]
               for program, _, values in ENGINE_CASES}
    assert reached == {op.name for op in OPS}


def test_engine_value_is_the_ops_forward():
    # The output of each program is what the table's forward rule computes from the same values.
    for op, case_id, args in ALL_CASES:
        program, used = _programs(op, len(args))[0]
        values = {n: np.asarray(a).tolist() for n, a in zip(NAMES, args)}
        assert_close(compute_graph(program, values)["value"], op.forward(*args), rel=1e-12, abs_=1e-15)


def test_stack_with_a_constant_item_and_an_expression_item():
    # [x, 2*y, 3]: the constant gets no gradient, the others their own row.
    values = {"x": [0.5, -1.25], "y": [1.5, 0.75]}
    assert_engine_gradients_match("sum([x, 2*y, [3, 4]] * [[1, 2], [3, 4], [5, 6]])", values)
    result = compute_graph("[x, 2*y, [3, 4]] * [[1, 2], [3, 4], [5, 6]]", values)
    assert result["gradients"] == {"x": [1.0, 2.0], "y": [6.0, 8.0]}


# -- a wrong rule is caught ---------------------------------------------------------------------------------------


def _replace_rule(op, k, rule):
    vjps = list(op.vjps)
    vjps[k] = rule
    return tuple(vjps)


WRONG_RULES = [
    ("exp", 0, lambda g, ans, x: g, [np.float64(0.7)], "forgot to multiply by exp(x)"),
    ("sin", 0, lambda g, ans, x: g * np.sin(x), [np.array([0.3, -1.1])], "sin instead of cos"),
    ("mul", 0, lambda g, ans, a, b: g * a, [np.float64(2.0), np.float64(3.0)], "mul's swap forgotten"),
    ("div", 1, lambda g, ans, a, b: g * a / (b * b), [np.float64(2.0), np.float64(3.0)], "sign of -a/b² lost"),
    ("tanh", 0, lambda g, ans, x: g * (1.0 - ans * ans) * (1 + 1e-4), [np.float64(0.4)], "off by one part in 10⁴"),
    ("sum", 0, lambda g, ans, x: np.broadcast_to(g / np.size(x), np.shape(x)), [np.ones((2, 3))], "mean's rule"),
    ("matmul", 0, lambda g, ans, a, b: g @ b, [np.eye(2) + 0.5, np.array([[1.0, 2.0], [3.0, 4.0]])],
     "bᵀ without the transpose"),
    ("mul", 0, lambda g, ans, a, b: (g * b)[:, :1], [np.ones((2, 1)) * 0.5, np.array([[1.0, 2.0, 3.0]])],
     "one column taken instead of summing over the broadcast axis"),
    ("pow", 1, lambda g, ans, a, b: g * ans * np.log(a) * b, [np.float64(1.5), np.float64(2.5)], "an extra factor"),
]


@pytest.mark.parametrize("name, k, rule, args, why", WRONG_RULES, ids=[w[-1] for w in WRONG_RULES])
def test_the_comparison_catches_a_wrong_rule(name, k, rule, args, why):
    op = OPS_BY_NAME[name]
    assert_vjps_match(op.forward, op.vjps, args)  # the right rule passes at this point,
    with pytest.raises(AssertionError):  # the wrong one does not
        assert_vjps_match(op.forward, _replace_rule(op, k, rule), args)


def test_the_engine_comparison_catches_a_wrong_rule(monkeypatch):
    program, values = "sin(x) * y", {"x": [0.3, -1.1], "y": 2.0}
    assert_engine_gradients_match(program, values)
    sin = OPS_BY_NAME["sin"]
    wrong = dataclasses.replace(sin, vjps=(lambda g, ans, x: g * np.sin(x),))
    monkeypatch.setitem(app.engine.ops.FUNCTIONS, "sin", wrong)
    app.compute.GRAPHS.clear()  # the graph kept from the first comparison was built with the right rule
    with pytest.raises(AssertionError):
        assert_engine_gradients_match(program, values)


# -- the conventions at the kinks, as PyTorch has them ------------------------------------------------------------


def _grads(program, values):
    result = compute_graph(program, values)
    assert result["warnings"] == [], result["warnings"]
    return result["value"], result["gradients"]


@pytest.mark.parametrize("function", ["max", "min"])
def test_a_tie_in_max_or_min_splits_the_gradient_equally(function):
    value, grads = _grads(f"{function}(a, b)", {"a": 2.0, "b": 2.0})
    assert value == 2.0
    assert grads == {"a": 0.5, "b": 0.5}


def test_a_tie_splits_element_by_element():
    value, grads = _grads("max(a, b)", {"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 5.0]})
    assert value == [1.0, 2.0, 5.0]
    assert grads == {"a": [0.5, 1.0, 0.0], "b": [0.5, 0.0, 1.0]}
    value, grads = _grads("min(a, b)", {"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 5.0]})
    assert value == [1.0, 0.0, 3.0]
    assert grads == {"a": [0.5, 0.0, 1.0], "b": [0.5, 1.0, 0.0]}


def test_max_of_a_variable_with_itself_passes_the_whole_gradient():
    assert _grads("max(a, a)", {"a": 3.0}) == (3.0, {"a": 1.0})
    assert _grads("min(a, a)", {"a": 3.0}) == (3.0, {"a": 1.0})


def test_a_tie_with_a_constant_sends_half():
    assert _grads("max(a, 0)", {"a": 0.0}) == (0.0, {"a": 0.5})


def test_relu_has_gradient_zero_at_zero():
    assert _grads("relu(x)", {"x": 0.0}) == (0.0, {"x": 0.0})
    assert _grads("relu(x)", {"x": [-1.0, 0.0, 2.0]}) == ([0.0, 0.0, 2.0], {"x": [0.0, 0.0, 1.0]})


def test_abs_has_gradient_zero_at_zero():
    assert _grads("abs(x)", {"x": 0.0}) == (0.0, {"x": 0.0})
    assert _grads("abs(x)", {"x": [-2.0, 0.0, 3.0]}) == ([2.0, 0.0, 3.0], {"x": [-1.0, 0.0, 1.0]})


@pytest.mark.parametrize("program", ["leaky_relu(x, 0.2)", "leaky_relu(x, slope=0.2)", "leaky_relu(slope=0.2, x=x)"])
def test_leaky_relu_slope_given_by_position_or_by_name(program):
    value, grads = _grads(program, {"x": -2.0})
    assert_close(value, -0.4)
    assert_close(grads["x"], 0.2)
    assert _grads(program, {"x": 3.0}) == (3.0, {"x": 1.0})


def test_leaky_relu_default_slope_and_slope_as_a_variable():
    value, grads = _grads("leaky_relu(x)", {"x": -2.0})
    assert_close(value, -0.2)
    assert_close(grads["x"], 0.1)
    value, grads = _grads("leaky_relu(x, s)", {"x": -2.0, "s": 0.3})
    assert_close(value, -0.6)
    assert_close(grads["x"], 0.3)
    assert_close(grads["s"], -2.0)
    assert _grads("leaky_relu(x, s)", {"x": 2.0, "s": 0.3}) == (2.0, {"x": 1.0, "s": 0.0})


def test_leaky_relu_at_zero_passes_the_slope():
    # PyTorch's leaky_relu backward is `x > 0 ? g : g * slope`, so at 0 the slope.
    assert _grads("leaky_relu(x, 0.2)", {"x": 0.0}) == (0.0, {"x": 0.2})


@pytest.mark.parametrize("program", ["elu(x)", "elu(x, 1)", "elu(x, alpha=1)"])
def test_elu_alpha_defaults_to_one(program):
    value, grads = _grads(program, {"x": -1.0})
    assert_close(value, np.expm1(-1.0))
    assert_close(grads["x"], np.exp(-1.0))
    assert _grads(program, {"x": 2.0}) == (2.0, {"x": 1.0})


def test_elu_with_another_alpha():
    value, grads = _grads("elu(x, alpha=2)", {"x": -1.0})
    assert_close(value, 2 * np.expm1(-1.0))
    assert_close(grads["x"], 2 * np.exp(-1.0))
    value, grads = _grads("elu(x, a)", {"x": -1.0, "a": 2.0})
    assert_close(grads["a"], np.expm1(-1.0))


@pytest.mark.parametrize("program", ["x ^ y", "x ** y", "pow(x, y)"])
def test_zero_to_the_zero_gives_no_nan(program):
    assert _grads(program, {"x": 0.0, "y": 0.0}) == (1.0, {"x": 0.0, "y": 0.0})


def test_zero_to_a_positive_power_gives_no_nan():
    # d/dy 0^y = 0^y log 0 is taken as 0 for y >= 0, as PyTorch does; d/dx 0^2 = 2·0 = 0.
    assert _grads("x ^ y", {"x": 0.0, "y": 2.0}) == (0.0, {"x": 0.0, "y": 0.0})
    assert _grads("x ^ 0", {"x": 0.0}) == (1.0, {"x": 0.0})


def test_a_negative_base_to_a_constant_power():
    # The exponent is a constant, so no log of the negative base is ever taken.
    assert _grads("x ^ 2", {"x": -3.0}) == (9.0, {"x": -6.0})
    assert _grads("x ^ 3", {"x": -2.0}) == (-8.0, {"x": 12.0})
