"""The sweep (what /api/sweep computes for the page's plot) against the floor: hand-written NumPy.

Two functions, 10,000 points of f and df/dx each:

* ``cs231n-staged`` (the course notes' staged sigmoid example, app/teaching/examples.json), swept over x with y = -4;
  the floor is its value and derivative written out by hand in NumPy.
* a generated 100-operation ``stmts`` program (benchmarks/programs.py) swept over x1; the floor is a
  forward-mode pass over its three-address code, one NumPy ufunc call per operation for the value and one
  or two for the derivative: the least any engine must do.

Both sides end in JSON bytes: ours is ``orjson.dumps(compute.sweep(...))`` (as /api/sweep answers); the
floor dumps its arrays with orjson's NumPy support, the fastest way there is. The floor without the JSON
is reported too. Each ours/floor pair is checked equal (to 1e-9 relative) before it is timed.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np
import orjson

from app import compute
from benchmarks.programs import ADD, MUL, TANH, statements_program

POINTS = 10_000
STAGED = "sigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\nxpy = x + y\nxpysqr = xpy^2\nden = sigx + xpysqr\n" \
         "invden = 1 / den\nf = num * invden"


def staged_by_hand(xs: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    sigy = 1 / (1 + np.exp(-y))
    num = xs + sigy
    sigx = 1 / (1 + np.exp(-xs))
    xpy = xs + y
    den = sigx + xpy * xpy
    f = num / den
    dden = sigx * (1 - sigx) + 2 * xpy
    return f, (den - num * dden) / (den * den)


def forward_mode(program, variable: str, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value and d/d variable of a generated program at every point, over its three-address code."""
    values = [None if r is None else np.float64(r) for r in program.registers]
    derivs: list = [0.0] * len(values)
    for name, x in program.inputs.items():
        values[program.slots[name]] = np.float64(x)
    values[program.slots[variable]] = xs
    derivs[program.slots[variable]] = 1.0
    for opcode, d, a, b in program.code:
        if opcode == ADD:
            values[d] = values[a] + values[b]
            derivs[d] = derivs[a] + derivs[b]
        elif opcode == MUL:
            values[d] = values[a] * values[b]
            derivs[d] = derivs[a] * values[b] + values[a] * derivs[b]
        elif opcode == TANH:
            t = np.tanh(values[a])
            values[d] = t
            derivs[d] = (1 - t * t) * derivs[a]
        else:
            values[d] = np.maximum(values[a], 0.0)
            derivs[d] = np.where(values[a] > 0, derivs[a], 0.0)
    out = program.output_slot
    return np.broadcast_to(values[out], xs.shape), np.broadcast_to(derivs[out], xs.shape)


def workloads():
    program = statements_program(100)
    inputs = dict(program.inputs)
    x0 = inputs.pop("x1")
    return [
        {"name": "cs231n-staged, 8 statements", "program": STAGED, "variable": "x", "start": -5.0, "stop": 5.0,
         "values": {"y": -4.0}, "floor": lambda xs: staged_by_hand(xs, -4.0)},
        {"name": f"stmts {program.ops} ops", "program": program.text, "variable": "x1", "start": x0 - 1,
         "stop": x0 + 1, "values": inputs, "floor": lambda xs: forward_mode(program, "x1", xs)},
    ]


def _median_time(fn, budget: float, timer) -> float:
    fn()
    calls = max(1, int(min(0.02, budget / 10) / max(1e-7, _once(fn, timer))))
    times = []
    spent = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - spent < budget and len(times) < 200):
        gc.collect(1)
        start = timer()
        for _ in range(calls):
            fn()
        times.append((timer() - start) / calls)
    return statistics.median(times)


def _once(fn, timer) -> float:
    start = timer()
    fn()
    return timer() - start


def run_sweep(budget: float = 1.0, points: int = POINTS, timer=time.process_time) -> list[dict]:
    """Each row: ours and the floor, in seconds of ``timer`` (CPU time by default, as the suite's --clock)."""
    rows = []
    for w in workloads():
        def ours():
            return orjson.dumps(compute.sweep(w["program"], w["variable"], w["start"], w["stop"], points,
                                              w["values"]))

        def floor_json():
            xs = np.linspace(w["start"], w["stop"], points)
            f, df = w["floor"](xs)
            return orjson.dumps({"variable": w["variable"], "x": xs, "value": f, "grad": df},
                                option=orjson.OPT_SERIALIZE_NUMPY)

        def floor_only():
            return w["floor"](np.linspace(w["start"], w["stop"], points))

        mine, theirs = orjson.loads(ours()), orjson.loads(floor_json())
        diff = max(float(np.max(np.abs(np.subtract(mine[k], theirs[k])) /
                                np.maximum(1e-12, np.maximum(np.abs(mine[k]), np.abs(theirs[k])))))
                   for k in ("x", "value", "grad"))
        row = {"workload": w["name"], "points": points, "max_rel_diff": diff}
        if diff > 1e-9:
            row["status"] = "wrong"
        else:
            t = {}
            for _ in range(2):  # interleaved, twice
                for label, fn in (("ours", ours), ("floor", floor_json), ("floor_no_json", floor_only)):
                    t.setdefault(label, []).append(_median_time(fn, budget / 2, timer))
            row.update(status="ok", ours_ms=1e3 * min(t["ours"]), floor_ms=1e3 * min(t["floor"]),
                       floor_no_json_ms=1e3 * min(t["floor_no_json"]))
            row["ratio"] = row["ours_ms"] / row["floor_ms"]
        rows.append(row)
    return rows


def print_sweep(rows: list[dict]) -> None:
    print(f"Sweep, {rows[0]['points']:,} points of f and df/dx, to JSON bytes (ours = orjson.dumps(compute.sweep(...)); "
          "floor = hand-written NumPy + orjson):")
    print()
    print("| function | ours | NumPy floor | floor without JSON | ours / floor |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        if row["status"] != "ok":
            print(f"| {row['workload']} | WRONG (differs by {row['max_rel_diff']:.1e}) | | | |")
            continue
        print(f"| {row['workload']} | {row['ours_ms']:.2f} ms | {row['floor_ms']:.2f} ms | "
              f"{row['floor_no_json_ms']:.2f} ms | {row['ratio']:.2f} |")


if __name__ == "__main__":
    print_sweep(run_sweep())
