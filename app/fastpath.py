"""The fast path: the whole pipeline in C (``_fastpath.c``) for programs of numbers.

Most requests are programs of numbers with no options. For them the C extension does in one pass what
parser → graph → forward → backward → serialize do, and writes the same JSON, about ten times faster
(``python -m benchmarks`` measures it: the "ours, Python" column). It covers only programs whose every value is a number, whose
every gate has a kernel in the C file, and whose every value and gradient is finite; for any other
program, and for any error, ``answer_json`` (and ``answer``, its JSON read back) returns None and the
Python pipeline answers.

The C file reads the operation table from here: names, symbols, parameters, defaults, operator tokens.
Each gate's arithmetic comes from the table too: its ``c_forward`` and ``c_vjps`` rules, which
``python -m app.fastpath_kernels`` writes into ``_fastpath_kernels.h`` as C functions (a test fails
when the file is out of date). ``tests/test_fastpath_kernels.py`` holds those rules to the table's NumPy ones;
``tests/test_fastpath.py`` checks both pipelines give the same answers.

Set ``BACKPROP_PURE_PYTHON=1`` to turn the fast path off (to compare the two, or where the extension
could not be compiled, in which case it is off anyway).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np
import orjson

from .limits import Limits
from .ops import CONSTANTS, OPS, Op
from .parser import PYTHON_KEYWORDS

try:
    from . import _fastpath
except ImportError:  # not compiled (a checkout used without `pip install -e .`): the Python pipeline answers
    _fastpath = None


def _table_row(op: Op) -> tuple:
    """An operation as the C side takes it (see ``configure`` in _fastpath.c)."""
    defaulted = [param for param in op.params if param in op.defaults]
    defaults = tuple((float(op.defaults[param]), repr(op.defaults[param])) for param in defaulted)
    n_params = -1 if op.variadic else len(op.params)
    return (op.name, op.symbol, n_params, tuple(op.params), defaults, tuple(op.infix), op.prefix, op.function)


def _format_numbers(raw: bytes) -> bytes:
    """The JSON array of a buffer of float64s, as orjson writes each number in the Python pipeline's answers
    (the shortest text that reads back as the same number), so that both write every number alike."""
    return orjson.dumps(np.frombuffer(raw, dtype=np.float64), option=orjson.OPT_SERIALIZE_NUMPY)


AVAILABLE = _fastpath is not None
ENABLED = AVAILABLE and os.environ.get("BACKPROP_PURE_PYTHON", "") in ("", "0")
if AVAILABLE:
    _fastpath.configure([_table_row(op) for op in OPS], dict(CONSTANTS), set(PYTHON_KEYWORDS), _format_numbers)


def answer_json(program: str, values: Mapping[str, Any] | None, limits: Limits, strict: bool = True,
                default_value: float | None = None) -> bytes | None:
    """The JSON of ``compute_graph(program, values, strict=strict, default_value=default_value, limits=limits)``,
    or None if not covered."""
    if not ENABLED or len(program) > limits.max_chars:
        return None
    if values is None:
        values = {}
    elif values.__class__ is not dict:
        values = dict(values)
    return _fastpath.answer(program, values, strict, limits.max_nodes, limits.max_depth, default_value)


def answer(program: str, values: Mapping[str, Any] | None, limits: Limits, strict: bool = True,
           default_value: float | None = None) -> dict | None:
    """``compute_graph``'s answer (as for ``answer_json``), or None if not covered."""
    json = answer_json(program, values, limits, strict, default_value)
    return None if json is None else orjson.loads(json)


def kernel(name: str, x: float, y: float = 0.0, g: float = 1.0) -> tuple[float, float, float] | None:
    """For tests: the C kernel of the gate ``name`` at (x, y): its value and the gradient for each argument."""
    return _fastpath.kernel(name, x, y, g)
