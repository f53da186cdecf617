"""The tables of the last runs, as Markdown, from benchmarks/results/*.json (for the README).

    python -m benchmarks.report
"""

from __future__ import annotations

import contextlib
import io
import json
import os

from benchmarks.load import RESULTS as LOAD_RESULTS, print_load
from benchmarks.page import print_page, print_readability, print_value_changes
from benchmarks.run import RESULTS, markdown_tables
from benchmarks.sweep import print_sweep


def report(results_path: str = RESULTS, load_path: str = LOAD_RESULTS) -> str:
    with open(results_path) as f:
        results = json.load(f)
    machine = results["machine"]
    versions = ", ".join(f"{name} {v}" for name, v in results["engines"]["versions"].items() if v)
    load = ", ".join(f"{x:.1f}" for x in machine.get("load_average") or [])
    parts = [f"{machine.get('started', '?')}, app at {machine['commit']}: {machine['cpu']}, {machine['cpus']} CPUs, "
             f"{machine['memory']}, {machine['os']}; Python {machine['python']}, NumPy {machine['numpy']}, "
             f"orjson {machine['orjson']}; {versions}. Load average at the start (1, 5, 15 min): {load}.",
             markdown_tables(results["engines"], "CPU" if results["args"]["clock"] == "cpu" else "wall-clock")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if "sweep" in results:
            print_sweep(results["sweep"])
            print()
        for key, show in (("page", print_page), ("page_value_changes", print_value_changes),
                          ("page_readability", print_readability)):
            if key in results:
                show(results[key])
                print()
        if os.path.exists(load_path):
            with open(load_path) as f:
                load_result = json.load(f)
            print_load(load_result)
            print(f"\n(finished {load_result.get('finished', '?')}; load average at the end: "
                  + ", ".join(f"{x:.1f}" for x in load_result.get("load_average_at_end", [])) + ")")
    parts.append(out.getvalue().strip())
    return "\n\n".join(parts)


if __name__ == "__main__":
    print(report())
