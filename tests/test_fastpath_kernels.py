"""Each gate's row of the operation table gives its rules twice: for NumPy (forward, vjps), which the Python
engine runs, and as C expressions (c_forward, c_vjps), which app/fastpath_kernels.py writes into the C fast
path's kernels. Here the file of kernels is checked to be written from the table as it is, and every kernel
is held to the NumPy rules of its row at many points.

Arithmetic that IEEE 754 rounds exactly (+ − × ÷ √, comparisons, selections) must agree to the last bit.
exp, log, tanh, sin, cos, expm1 and log1p come from C's libm in the kernels and from NumPy's own
vectorised code in the table; both are within an ulp of the truth but not always the same ulp. A local
gradient such as 1 − tanh² subtracts from 1 a number that may differ by that ulp, so those agree to
1e-12 relative, or 1e-14 absolute (a few ulps of 1, times the upstream gradient).
"""

import math

import numpy as np
import pytest

from app import fastpath
from app.fastpath_kernels import KERNEL_HEADER, kernel_header
from app.ops import OPS

needs_extension = pytest.mark.skipif(not fastpath.AVAILABLE, reason="the C extension is not built")

# The gates with no C kernel: they take or make arrays, and their programs always go the Python way.
WITHOUT_KERNEL = {"matmul", "sum", "mean", "dot", "transpose", "stack"}
# The gates whose rules round exactly, so that C and NumPy give the same bits.
EXACT = {"add", "sub", "mul", "div", "neg", "max", "min", "sqrt", "abs", "relu", "leaky_relu"}

POINTS = [-20.0, -3.0, -1.0, -0.5, -1e-3, -0.0, 0.0, 1e-3, 0.5, 1.0, 2.0, 2.5, 3.0, 7.25, 20.0]
UPSTREAM = [1.0, -0.7, 3.5]


def table_rule(op, x, y, g):
    """The table's forward value and local gradients at numbers x (and y), as the Python engine computes them."""
    args = (np.float64(x),) if len(op.params) == 1 else (np.float64(x), np.float64(y))
    with np.errstate(all="ignore"):
        ans = op.forward(*args)
        grads = [float(vjp(np.float64(g), ans, *args)) for vjp in op.vjps]
    return (float(ans), *grads)


def agree(ours, theirs, exact: bool) -> bool:
    if not (math.isfinite(ours) and math.isfinite(theirs)):
        return True  # the fast path hands any non-finite number to the Python pipeline
    if ours == 0.0 and theirs == 0.0:
        return math.copysign(1, ours) == math.copysign(1, theirs)  # JSON writes -0.0 and 0.0 apart
    return ours == theirs if exact else math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-14)


def test_the_kernels_file_is_written_from_the_table_as_it_is():
    with open(KERNEL_HEADER, encoding="utf-8") as file:
        assert file.read() == kernel_header(), (
            "app/_fastpath_kernels.h is out of date: run python -m app.fastpath_kernels, then pip install -e .")


def test_every_gate_of_numbers_has_c_rules_and_only_those():
    for op in OPS:
        has_rules = bool(op.c_forward)
        assert has_rules == (op.name not in WITHOUT_KERNEL), op.name
        assert len(op.c_vjps) == (len(op.params) if has_rules else 0), op.name


@needs_extension
def test_every_gate_of_numbers_has_a_kernel():
    with_kernel = {op.name for op in OPS if fastpath.kernel(op.name, 1.0, 1.0) is not None}
    assert with_kernel == {op.name for op in OPS} - WITHOUT_KERNEL


@needs_extension
@pytest.mark.parametrize("op", [op for op in OPS if op.name not in WITHOUT_KERNEL], ids=lambda op: op.name)
def test_each_kernel_computes_what_its_table_row_says(op):
    exact = op.name in EXACT
    compared = 0
    for x in POINTS:
        for y in POINTS if len(op.params) == 2 else [0.0]:
            if op.name == "pow" and x < 0 and not float(y).is_integer():
                continue  # nan either way
            for g in UPSTREAM:
                ours = fastpath.kernel(op.name, x, y, g)
                theirs = table_rule(op, x, y, g)
                for what, a, b in zip(("value", "gradient of the first argument", "gradient of the second"),
                                      ours, theirs):
                    assert agree(a, b, exact), f"{op.name}({x}, {y}) with upstream {g}: {what} {a} ≠ {b}"
                    compared += 1
    assert compared >= len(POINTS) * len(UPSTREAM)


@needs_extension
def test_a_tie_at_a_max_or_min_gate_splits_the_gradient_as_the_table_says():
    for name in ("max", "min"):
        value, first, second = fastpath.kernel(name, 2.0, 2.0, 1.0)
        assert (value, first, second) == (2.0, 0.5, 0.5)


@needs_extension
def test_relu_passes_no_gradient_at_zero():
    assert fastpath.kernel("relu", 0.0, 0.0, 1.0)[1] == 0.0
