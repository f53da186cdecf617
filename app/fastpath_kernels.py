"""Writes ``_fastpath_kernels.h``, the C fast path's kernels, from the operation table's C rules.

Run ``python -m app.fastpath_kernels`` after changing a ``c_forward`` or ``c_vjps`` rule in app/ops.py, then
rebuild the extension (``pip install -e .``). tests/test_fastpath_kernels.py fails while the file is out of date.
"""

from __future__ import annotations

import os

from .ops import OPS

KERNEL_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fastpath_kernels.h")


def kernel_header() -> str:
    """The C text of ``_fastpath_kernels.h``: a forward function and one vjp function per parameter for each
    gate with C rules, and the table KERNELS that _fastpath.c looks them up in by name.

    Every function takes two arguments (a gate of one parameter ignores the second), so that all share
    one pointer type."""
    lines = ["/* Written by `python -m app.fastpath_kernels` from the C rules of the operation table (app/ops.py):",
             " * edit the table, not this file. */", ""]
    entries = []
    for op in OPS:
        if not op.c_forward:
            continue
        args = ", ".join(f"double {param}" for param in [*op.params, "unused_"][:2])
        lines.append(f"static double forward_{op.name}({args}) {{ return {op.c_forward}; }}")
        for k, rule in enumerate(op.c_vjps):
            lines.append(f"static double vjp_{op.name}_{k}(double g, double ans, {args}) {{ return {rule}; }}")
        vjps = ", ".join(f"vjp_{op.name}_{k}" for k in range(len(op.c_vjps)))
        entries.append(f'    {{"{op.name}", {len(op.params)}, forward_{op.name}, {{{vjps}}}}},')
    lines += ["", "static const Kernel KERNELS[] = {", *entries, "};", ""]
    return "\n".join(lines)


def write_kernel_header() -> None:
    with open(KERNEL_HEADER, "w", encoding="utf-8") as file:
        file.write(kernel_header())


if __name__ == "__main__":
    write_kernel_header()
    print(f"wrote {KERNEL_HEADER}; now rebuild the extension: pip install -e .")
