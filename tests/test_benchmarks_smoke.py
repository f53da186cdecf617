"""The benchmark suite still runs (at tiny sizes, peers off): its checks and failure reports work."""

import gc
import json
import os

import orjson
import pytest

from benchmarks import run
from benchmarks.load import classroom_requests, student_sessions
from benchmarks.peers import Engine, ours_in_process
from benchmarks.playground import print_playground, run_http, run_in_process
from benchmarks.programs import GENERATORS
from benchmarks.sweep import run_sweep


@pytest.fixture(autouse=True)
def frozen_heap():
    """The suite forks a process per engine, which collects garbage before each sample: with the test
    session's big heap frozen out of the collector, each collection takes microseconds, not a tenth of a second."""
    gc.freeze()
    yield
    gc.unfreeze()


def test_the_suite_runs_at_tiny_sizes_and_writes_its_json(tmp_path, capsys):
    out = tmp_path / "latest.json"
    run.main(["--sizes", "10", "30", "--no-extra", "--peers", "--no-http", "--no-sweep", "--no-page", "--no-playground",
              "--budget", "0.01", "--out", str(out)])
    rows = json.loads(out.read_text())["engines"]["rows"]
    assert [(row["size"], row["engines"]["ours"]["status"]) for row in rows] == [(10, "ok"), (30, "ok")]
    assert "| 10 ops |" in capsys.readouterr().out


def test_a_peer_that_raises_or_disagrees_is_reported_and_not_timed():
    def raises(program):
        raise RecursionError("maximum recursion depth exceeded")

    def disagrees(program):
        answer = orjson.loads(ours_in_process(program))
        return orjson.dumps({"value": answer["value"] + 1e-6, "gradients": answer["gradients"]})

    def dies(program):
        os._exit(3)

    engines = [Engine("ours", "ours", ours_in_process, ours=True), Engine("raises", "raises", raises),
               Engine("disagrees", "disagrees", disagrees), Engine("same", "same", ours_in_process),
               Engine("dies", "dies", dies)]
    args = run.parse_args(["--budget", "0.01", "--peers"])
    result = run.run_engines([("stmts", 10), ("stmts", 30), ("chain", 20)],
                             [lambda engine=engine: engine for engine in engines], args)
    assert list(result["labels"]) == ["ours", "raises", "disagrees", "same", "dies"]
    first, second, chain = (row["engines"] for row in result["rows"])
    assert first["raises"]["status"] == "failed" and "RecursionError" in first["raises"]["note"]
    assert first["disagrees"]["status"] == "wrong" and "median_ms" not in first["disagrees"]
    assert first["same"]["status"] == "ok" and first["same"]["max_rel_diff"] == 0
    assert first["dies"]["status"] == "failed" and "died" in first["dies"]["note"]
    assert second["raises"]["status"] == "skipped"  # not run again on a bigger program of the same kind
    assert chain["raises"]["status"] == "failed" and chain["same"]["status"] == "ok"
    assert "| 10 ops |" in run.markdown_tables(result)


def test_the_programs_are_deterministic_and_have_the_asked_number_of_operations():
    for kind, size in (("stmts", 100), ("sum", 50), ("chain", 30)):
        a, b = GENERATORS[kind](size), GENERATORS[kind](size)
        assert a.text == b.text and a.inputs == b.inputs
        assert abs(a.ops - size) <= 3


def test_the_sweep_agrees_with_its_numpy_floor():
    assert [row["status"] for row in run_sweep(budget=0.01, points=50)] == ["ok", "ok"]


def test_the_load_scripts_requests_get_the_status_it_expects(client):
    requests = classroom_requests(count=60)
    assert 0.03 < sum(expected == 400 for _, expected in requests) / len(requests) < 0.2
    for body, expected in requests:
        response = client.post("/api/graph", content=body, headers={"content-type": "application/json"})
        assert response.status_code == expected, (body, response.text)


def test_the_load_scripts_students_post_what_the_page_posts(client):
    """A session opens a program (the whole answer), then drags its sliders (the numbers alone), as the page asks."""
    sessions = student_sessions(count=40)
    asked = [json.loads(body) for session in sessions for body, _ in session]
    assert sum(request.get("numbers_only", False) for request in asked) > len(asked) / 2
    for session in sessions:
        first = json.loads(session[0][0])
        assert not first.get("numbers_only") and not first.get("dot")
        for body, expected in session:
            response = client.post("/api/graph", content=body, headers={"content-type": "application/json"})
            assert response.status_code == expected, (body, response.text)
            if json.loads(body).get("numbers_only"):
                assert set(response.json()) >= {"values", "grads", "wire_grads"}


def test_the_playground_benchmark_checks_the_engine_against_numpy_and_prints_its_figures(server, capsys):
    result = {"in_process": run_in_process(budget=0.01), "http": run_http(server, budget=0.01)}
    assert result["in_process"]["max_rel_diff"] <= 1e-9 and result["in_process"]["steps_per_epoch"] == 10
    print_playground(result)
    printed = capsys.readouterr().out
    assert "| one epoch |" in printed and "| 3 | " in printed
