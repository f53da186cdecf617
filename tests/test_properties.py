"""Property-based tests: random programs, checked against finite differences and an independent evaluation.

The generator builds random expression trees over the scalar inputs a, b, c
(and, in multi-statement programs, the names assigned so far) from + - * /,
implicit multiplication, a power with a positive base and smooth functions.
Each tree is turned at once into program text and into its value computed
with Python's ``math`` module, so the engine's value is checked against an
evaluation that shares nothing with it (no ``eval``). Values stay bounded:
inputs in [-2, 2], divisions only by 2 + y² or 2 + cos(y), and a power only of
2 + sin(x) to the tanh(y); programs whose intermediate values grow large are
assumed away, so that central differences stay accurate.

Properties:
(a) the gradients match central differences of the output;
(b) every node's gradient is the sum of the gradients on its outgoing wires (the output's is 1);
(c) nodes come in topological order, ids 0..n-1, the output last, and the wires match the nodes' inputs;
(d) the value is the one Python's math module computes for the same tree.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app import compute_graph

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

INPUTS = ("a", "b", "c")
BOUND = 100.0  # the largest |intermediate value| a generated program may reach
RELATIVE_STEP = 1e-6

# -- the generator: each construct is a template for the program text and the same rule with math ----------------


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


UNARY = {
    "neg": ("-({0})", lambda x: -x),
    "exp_tanh": ("exp(tanh({0}))", lambda x: math.exp(math.tanh(x))),
    "sigmoid": ("sigmoid({0})", _sigmoid),
    "sin": ("sin({0})", math.sin),
    "cos": ("cos({0})", math.cos),
    "tanh": ("tanh({0})", math.tanh),
    "softplus": ("softplus({0})", _softplus),
    "sqrt_1_sq": ("sqrt(1 + ({0})^2)", lambda x: math.sqrt(1.0 + x * x)),
    "log_2_sin": ("log(2 + sin({0}))", lambda x: math.log(2.0 + math.sin(x))),
}

BINARY = {
    "add": ("({0}) + ({1})", lambda x, y: x + y),
    "sub": ("({0}) - ({1})", lambda x, y: x - y),
    "mul": ("({0}) * ({1})", lambda x, y: x * y),
    "implicit_mul": ("({0})({1})", lambda x, y: x * y),  # (a+b)(b+1) is a product
    "div_sq": ("({0}) / (2 + ({1})*({1}))", lambda x, y: x / (2.0 + y * y)),
    "div_pow": ("({0}) / (2 + ({1}) ** 2)", lambda x, y: x / (2.0 + y * y)),
    "div_cos": ("({0}) / (2 + cos({1}))", lambda x, y: x / (2.0 + math.cos(y))),
    "pow": ("(2 + sin({0})) ^ tanh({1})", lambda x, y: (2.0 + math.sin(x)) ** math.tanh(y)),
}

CONSTANTS = st.integers(-300, 300).map(lambda k: ("const", repr(k / 100)))
INPUT_VALUES = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


# Random expression trees. A variable leaf holds a number that picks one of the names in scope when the
# tree is rendered (names[k % len(names)]), so one strategy serves every statement of a program.
TREES = st.recursive(
    st.one_of(st.integers(0, 11).map(lambda k: ("var", k)), CONSTANTS),
    lambda children: st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), children),
        st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), children, children),
    ),
    max_leaves=8,
)


def render(tree, scope):
    """The tree as program text, its value by Python's math module, the largest |value| on the way, its names."""
    kind = tree[0]
    if kind == "var":
        name = tree[1] if isinstance(tree[1], str) else sorted(scope)[tree[1] % len(scope)]
        value = scope[name]
        return name, value, abs(value), {name}
    if kind == "const":
        value = float(tree[1])
        return (f"({tree[1]})" if value < 0 or tree[1].startswith("-") else tree[1]), value, abs(value), set()
    if kind == "unary":
        template, rule = UNARY[tree[1]]
        text, x, largest, names = render(tree[2], scope)
        value = rule(x)
        return template.format(text), value, max(largest, abs(value)), names
    template, rule = BINARY[tree[1]]
    left, x, largest_x, names_x = render(tree[2], scope)
    right, y, largest_y, names_y = render(tree[3], scope)
    value = rule(x, y)
    return template.format(left, right), value, max(largest_x, largest_y, abs(value)), names_x | names_y


@st.composite
def expressions(draw):
    """(program, values, expected value, largest |intermediate|): one expression over a, b, c."""
    values = {name: draw(INPUT_VALUES) for name in INPUTS}
    text, value, largest, _ = render(draw(TREES), values)
    return text, values, value, largest


AUGMENTED = {
    "+=": ("{0}", lambda old, v: old + v),
    "-=": ("{0}", lambda old, v: old - v),
    "*=": ("{0}", lambda old, v: old * v),
    "/=": ("2 + ({0})^2", lambda old, v: old / (2.0 + v * v)),
}


@st.composite
def programs(draw):
    """(program, values, expected value, largest |intermediate|): several statements with assignments,
    reassignments and augmented assignments; the last statement's value is the output."""
    values = {name: draw(INPUT_VALUES) for name in INPUTS}
    scope = dict(values)  # each name's current value, as the program sees it
    temps: list[str] = []  # the names the program assigns
    declared: set[str] = set()  # the inputs the program has used so far: they may be assigned again
    lines = []
    largest = max(abs(v) for v in values.values())
    output = None
    for _ in range(draw(st.integers(1, 5))):
        text, value, big, names = render(draw(TREES), scope)
        largest = max(largest, big)
        declared |= names & set(INPUTS)
        kind = draw(st.sampled_from(["new", "reassign", "augment", "expression"]))
        if kind == "reassign" and temps + sorted(declared):
            target = draw(st.sampled_from(temps + sorted(declared)))
            lines.append(f"{target} = {text}")
            scope[target] = output = value
        elif kind == "augment":
            target = draw(st.sampled_from(sorted(scope)))
            token = draw(st.sampled_from(sorted(AUGMENTED)))
            template, rule = AUGMENTED[token]
            lines.append(f"{target} {token} {template.format(text)}")
            if target in INPUTS:
                declared.add(target)
            scope[target] = output = rule(scope[target], value)
            largest = max(largest, abs(output))
        elif kind == "expression":
            lines.append(text)
            output = value
        else:
            target = f"t{len(temps)}"
            temps.append(target)
            lines.append(f"{target} = {text}")
            scope[target] = output = value
    if draw(st.booleans()):  # end on a bare name: the output is a node made earlier
        name = draw(st.sampled_from(sorted(scope)))
        lines.append(name)
        output = scope[name]
    separator = draw(st.sampled_from(["\n", "; ", "\n\n"]))
    return separator.join(lines), values, output, largest


# -- helpers --------------------------------------------------------------------------------------------------------


def _computable(program, values, largest):
    """The engine's answer, with cases that are out of bounds or not finite assumed away."""
    assume(largest <= BOUND)
    result = compute_graph(program, values)
    assume(not result["warnings"])
    assume(result["value"] is not None and math.isfinite(result["value"]))
    return result


def _central_difference(program, values, name, x):
    step = RELATIVE_STEP * max(1.0, abs(x))
    above = compute_graph(program, {**values, name: x + step})["value"]
    below = compute_graph(program, {**values, name: x - step})["value"]
    if above is None or below is None:
        assume(False)
    return (above - below) / (2 * step)


def check_gradients(program, values, result):
    """(a): every input's gradient against central differences of the output."""
    node_of = {node["name"]: node for node in result["nodes"] if node["op"] == "input"}
    for name, grad in result["gradients"].items():
        assert grad is not None, (program, name)
        # An input the program declares itself (t0 = 1.5) is perturbed through values too: a given value wins.
        x = values.get(name, node_of[name]["value"])
        numerical = _central_difference(program, values, name, x)
        assert math.isclose(grad, numerical, rel_tol=1e-5, abs_tol=1e-6), \
            f"{program!r} at {values}: d/d{name} = {grad}, central differences give {numerical}"


def check_edge_rule(program, result):
    """(b): a node's gradient is the sum of the gradients flowing back along its outgoing wires."""
    outgoing: dict[int, list] = {}
    for edge in result["edges"]:
        outgoing.setdefault(edge["source"], []).append(edge["grad"])
    depends_on_an_input: list[bool] = []
    for node in result["nodes"]:
        depends_on_an_input.append(node["op"] == "input" or any(depends_on_an_input[i] for i in node["inputs"]))
        if node["id"] == result["output"]:
            # d output / d output = 1, even for a program that is a constant, such as `2`.
            assert node["grad"] == 1.0, (program, node)
            assert node["id"] not in outgoing
            continue
        if node["grad"] is None:
            # Only what depends on no input gets no gradient: constants and what is computed from them alone.
            assert not depends_on_an_input[-1], (program, node)
            assert all(g is None for g in outgoing.get(node["id"], [])), (program, node)
            continue
        assert depends_on_an_input[-1], (program, node)
        shares = outgoing.get(node["id"], [])
        assert all(share is not None for share in shares), (program, node)
        scale = math.fsum(abs(share) for share in shares)
        assert math.isclose(node["grad"], math.fsum(shares), rel_tol=1e-12, abs_tol=1e-13 * scale + 1e-300), \
            f"{program!r}: node {node['id']} has grad {node['grad']}, its wires carry {shares}"


def check_topological_order(program, result):
    """(c): ids 0..n-1 in order, every argument before its user, the output last, wires as the inputs say."""
    nodes = result["nodes"]
    assert [node["id"] for node in nodes] == list(range(len(nodes))), program
    for node in nodes:
        assert all(0 <= source < node["id"] for source in node["inputs"]), (program, node)
        if node["op"] in ("input", "const"):
            assert node["inputs"] == (), (program, node)
    assert result["output"] == nodes[-1]["id"] == len(nodes) - 1, program
    assert result["value"] == nodes[-1]["value"], program
    wires = [(edge["target"], edge["index"], edge["source"]) for edge in result["edges"]]
    assert wires == [(node["id"], k, source) for node in nodes for k, source in enumerate(node["inputs"])], program
    for edge in result["edges"]:
        assert edge["value"] == nodes[edge["source"]]["value"], (program, edge)


def check_value(program, result, expected, largest):
    """(d): the engine's value against the one Python's math module gives for the same tree."""
    assert math.isclose(result["value"], expected, rel_tol=1e-9, abs_tol=1e-10 * max(1.0, largest)), \
        f"{program!r}: the engine gives {result['value']}, math gives {expected}"


# -- the properties ---------------------------------------------------------------------------------------------


@SETTINGS
@given(expressions())
def test_expression_gradients_match_central_differences(case):
    program, values, _, largest = case
    check_gradients(program, values, _computable(program, values, largest))


@SETTINGS
@given(programs())
def test_program_gradients_match_central_differences(case):
    program, values, _, largest = case
    check_gradients(program, values, _computable(program, values, largest))


@SETTINGS
@given(st.one_of(expressions(), programs()))
def test_a_nodes_gradient_is_the_sum_of_its_outgoing_wires(case):
    program, values, _, largest = case
    check_edge_rule(program, _computable(program, values, largest))


@SETTINGS
@given(st.one_of(expressions(), programs()))
def test_nodes_are_in_topological_order_with_the_output_last(case):
    program, values, _, largest = case
    check_topological_order(program, _computable(program, values, largest))


@SETTINGS
@given(expressions())
def test_expression_value_matches_python_math(case):
    program, values, expected, largest = case
    check_value(program, _computable(program, values, largest), expected, largest)


@SETTINGS
@given(programs())
def test_program_value_matches_python_math(case):
    program, values, expected, largest = case
    check_value(program, _computable(program, values, largest), expected, largest)


# -- the checks can fail --------------------------------------------------------------------------------------------


def test_the_checks_catch_wrong_answers():
    program, values = "t0 = a*b\nt0 += sin(c)\nt0 / (2 + a^2)", {"a": 0.5, "b": -1.5, "c": 0.25}
    result = compute_graph(program, values)
    check_gradients(program, values, result)
    check_edge_rule(program, result)
    check_topological_order(program, result)
    expected = (0.5 * -1.5 + math.sin(0.25)) / (2 + 0.25)
    check_value(program, result, expected, 2.0)

    wrong_gradient = {**result, "gradients": {**result["gradients"], "a": result["gradients"]["a"] * (1 + 1e-4)}}
    wrong_nodes = [dict(node) for node in result["nodes"]]
    wrong_nodes[0]["grad"] += 1e-6
    swapped = [dict(node) for node in result["nodes"]]
    swapped[-1]["inputs"] = list(reversed(swapped[-1]["inputs"]))
    cases = [
        lambda: check_gradients(program, values, wrong_gradient),
        lambda: check_edge_rule(program, {**result, "nodes": wrong_nodes}),
        lambda: check_topological_order(program, {**result, "nodes": swapped}),
        lambda: check_topological_order(program, {**result, "nodes": result["nodes"][::-1]}),
        lambda: check_value(program, result, expected * (1 + 1e-8), 2.0),
    ]
    for check in cases:
        try:
            check()
        except AssertionError:
            continue
        raise AssertionError("a wrong answer passed a check")


def test_the_generator_renders_what_math_computes():
    scope = {"a": 0.5, "b": -1.25}
    tree = ("binary", "div_sq", ("unary", "sin", ("var", "a")), ("binary", "implicit_mul", ("var", "b"),
                                                                    ("const", "-0.5")))
    text, value, largest, names = render(tree, scope)
    assert text == "(sin(a)) / (2 + ((b)((-0.5)))*((b)((-0.5))))"
    assert value == math.sin(0.5) / (2 + 0.625 ** 2)
    assert names == {"a", "b"}
    assert compute_graph(text, scope)["value"] == value
