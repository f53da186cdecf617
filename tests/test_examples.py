"""Every worked example of the course notes and micrograd, against its independent float64 reference."""

import json
from pathlib import Path

import pytest

from app import compute_graph
from app.teaching.examples import examples
from conftest import assert_close, newest_node_named

# The shared folder sits beside the lead's checkout (/work/main) and above the helpers' worktrees (/work/wt/…).
SHARED_EXAMPLES = next((folder / "shared" / "examples.json" for folder in Path(__file__).resolve().parents
                        if (folder / "shared" / "examples.json").exists()), Path("/nonexistent"))
EXAMPLES = examples()
# Presets of our own, beyond the shared worked examples; their references are checked in test_layers.py
# against Nielsen's backprop written out in NumPy.
OUR_OWN = {"nielsen-three-layer", "nielsen-sgd"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_example_matches_its_reference(example):
    result = compute_graph(example["program"], example["values"])
    expected = example["expected"]

    assert_close(result["value"], expected["value"])
    assert result["gradients"].keys() == expected["gradients"].keys()
    for name, gradient in expected["gradients"].items():
        assert_close(result["gradients"][name], gradient)
    for name, reference in expected["named"].items():
        node = newest_node_named(result, name)
        assert_close(node["value"], reference["value"])
        assert_close(node["grad"], reference["grad"])


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_example_passes_its_gradient_check(example):
    check = compute_graph(example["program"], example["values"], check=True)["check"]
    for name, report in check.items():
        assert report["max_relative_error"] < 1e-6, (name, report)


@pytest.mark.skipif(not SHARED_EXAMPLES.exists(), reason="the shared folder is not beside this checkout")
def test_project_copy_of_the_examples_matches_the_shared_one():
    shared = json.loads(SHARED_EXAMPLES.read_text())
    fields = ("name", "source", "program", "values", "expected")
    assert [{k: e[k] for k in fields} for e in EXAMPLES if e["name"] not in OUR_OWN] == shared


def test_our_own_presets_are_named():
    assert OUR_OWN <= {e["name"] for e in EXAMPLES}


def test_every_example_has_a_title_and_a_sentence_to_show_as_a_preset(client):
    served = client.get("/api/examples").json()
    assert [e["name"] for e in served] == [e["name"] for e in EXAMPLES]
    for example in served:
        assert example["title"]["en"] and example["sentence"]["en"].endswith(".")


def test_the_ng_walk_through_over_http(client):
    answer = client.post("/api/graph", json={"expression": "3*(a+b*c)", "values": {"a": 5, "b": 3, "c": 2}})
    assert answer.status_code == 200
    body = answer.json()
    assert body["value"] == 33
    assert body["gradients"] == {"a": 3, "b": 6, "c": 9}
