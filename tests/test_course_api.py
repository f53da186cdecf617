"""The course's words and numbers from the API (issue 21): Andrew Ng's nudge of every node, intermediate ones too;
the op table's local-gradient rules in every language; each preset's lesson; the activation functions' sweep."""

from __future__ import annotations

import pytest

from app import compute_graph
from app.engine.ops import OPS


# -- Ng's nudge: v first, then u, then the inputs --------------------------------------------------------------------

def test_ng_nudges_v_from_11_to_11_001_and_j_moves_from_33_to_33_003():
    answer = compute_graph("u = b*c\nv = a + u\nJ = 3*v", {"a": 5, "b": 3, "c": 2}, check=True)
    nudges = answer["check_nudges"]
    assert [nudge["name"] for nudge in nudges][:2] == ["v", "u"]  # the notes' order: the steps, from J back
    v = nudges[0]
    assert (v["value"], v["step"], v["before"]) == (11.0, 0.001, 33.0)
    assert v["after"] == pytest.approx(33.003, abs=1e-12) and v["grad"] == 3.0  # so ∂J/∂v = 3
    u = nudges[1]
    assert u["value"] == 6.0 and u["after"] == pytest.approx(33.003, abs=1e-12) and u["grad"] == 3.0
    by_name = {nudge["name"]: nudge for nudge in nudges}
    assert {name: by_name[name]["grad"] for name in "abc"} == {"a": 3.0, "b": 6.0, "c": 9.0}  # 3, 3c, 3b


def test_a_nudged_node_moves_the_output_as_its_gradient_predicts_on_an_unnamed_step_too():
    answer = compute_graph("(x + y) * exp(z)", {"x": -2, "y": 5, "z": 0.5}, check=True)
    names = [nudge["name"] for nudge in answer["check_nudges"]]
    assert "x + y" in names and "exp(z)" in names  # unnamed steps go by their expressions
    for nudge in answer["check_nudges"]:
        assert nudge["change"] == pytest.approx(nudge["predicted"], rel=1e-2), nudge["name"]


def test_only_nodes_with_a_gradient_are_nudged_and_never_the_output_or_a_constant():
    answer = compute_graph("W = [[1, 2], [3, 4]]\nx = [1, 1]\nf = sum(W @ x) * k + 2", {"k": 3}, check=True)
    names = [nudge["name"] for nudge in answer["check_nudges"]]
    assert "k" in names and "f" not in names and "2" not in names and "W" in names and "x" in names


def test_the_http_answer_carries_the_nudges(client):
    answer = client.post("/api/graph", json={"expression": "u = b*c\nv = a + u\nJ = 3*v",
                                             "values": {"a": 5, "b": 3, "c": 2}, "check": True}).json()
    assert answer["check_nudges"][0]["name"] == "v"
