"""Unfolded compound gates drawn inside a labelled box: the DOT text's clusters, Graphviz's own reading of
them (when its `dot` program is installed), and the page's drawing in Chromium."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app import compute_graph
from test_page import browser, page, wait_until_idle  # noqa: F401

NEURON = ("sigmoid(w0*x0 + w1*x1 + w2)", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
TWO_GATES = ("a = sigmoid(x)\nb = tanh(a)\nb + a", {"x": 0.5})


def clusters(dot: str) -> dict[str, list[str]]:
    """cluster id → the node and wire-label ids it names."""
    found = {}
    for line in dot.splitlines():
        if line.strip().startswith("subgraph cluster_"):
            ident = line.split('id="')[1].split('"')[0]
            found[ident] = [part.strip() for part in line.split("];", 1)[1].rstrip("} ").split(";") if part.strip()]
    return found


def test_each_unfolded_gate_is_boxed_with_its_primitives_and_the_wires_between_them():
    result = compute_graph(*TWO_GATES, unfold=True, dot=True)
    boxes = clusters(result["dot"])
    groups = {}
    for node in result["nodes"]:
        if node.get("group") is not None:
            groups.setdefault(f"g{node['group']}", set()).add(f"n{node['id']}")
    assert set(boxes) == set(groups) and len(boxes) == 2
    for ident, members in boxes.items():
        assert {m for m in members if m.startswith("n")} == groups[ident]
        inner = {f"w{wire}" for wire, edge in enumerate(result["edges"])
                 if {f"n{edge['source']}", f"n{edge['target']}"} <= groups[ident]}
        assert {m for m in members if m.startswith("w")} == inner
    labels = [line.split("label=<")[1].split(">")[0] for line in result["dot"].splitlines() if "cluster_" in line]
    assert sorted(labels) == ["tanh", "σ  sigmoid"]


def test_a_folded_graph_has_no_box():
    assert "subgraph" not in compute_graph(*NEURON, dot=True)["dot"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_graphviz_reads_the_boxes_as_clusters_of_those_nodes():
    result = compute_graph(*NEURON, unfold=True, dot=True)
    layout = json.loads(subprocess.run(["dot", "-Tjson"], input=result["dot"], capture_output=True, text=True,
                                       check=True).stdout)
    [cluster] = [item for item in layout["objects"] if item["name"].startswith("cluster_")]
    names = {layout["objects"][i]["name"] for i in cluster["nodes"]}
    assert {f"n{node['id']}" for node in result["nodes"] if node.get("group") is not None} <= names
    left, bottom, right, top = map(float, cluster["bb"].split(","))
    for item in layout["objects"]:
        if item["name"] in names and "pos" in item:
            x, y = map(float, item["pos"].split(","))
            assert left <= x <= right and bottom <= y <= top, item["name"]


def test_the_page_draws_the_box_around_the_unfolded_sigmoid(page):
    page.click("#presets button[data-example='cs231n-sigmoid-gate']")
    wait_until_idle(page)
    assert page.eval_on_selector_all("#graph g.cluster", "gs => gs.length") == 0
    page.check("#unfold")
    page.wait_for_selector("#graph g.cluster.unfolded-group")
    wait_until_idle(page)
    box = page.eval_on_selector("#graph g.cluster.unfolded-group", "g => g.textContent")
    assert "sigmoid" in box
    if os.environ.get("SHOTS"):  # a screenshot to look at, when asked for
        shots = Path(os.environ["SHOTS"])
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "unfolded-sigmoid-box.png"))
