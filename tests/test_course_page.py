"""The course on the page, in a real headless Chromium against the real server: Nielsen's four equations with
this graph's numbers, each term linked to its node; δ on every layer's z; the update step w ← w − η·∂L/∂w with
its numbers and Nielsen's SGD loop; the local Jacobian and the vector-Jacobian product of an array wire.

References are the API's own answers fetched over HTTP (the page must show them as they are), and numbers
worked out here where the page's numbers can be checked independently. Screenshots go to $SHOTS if it is set."""

import os
from pathlib import Path

import httpx
import pytest

from app.examples import examples
from test_page import browser, page, wait_until_idle  # noqa: F401

SHOTS = os.environ.get("SHOTS")
EXAMPLES = {example["name"]: example for example in examples()}


def shot(page, name, element=None):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        target = page.locator(element) if element else page
        target.screenshot(path=str(Path(SHOTS) / f"course-{name}.png"))


def load_preset(page, name):
    page.click(f"#presets button[data-example='{name}']")
    wait_until_idle(page)


def api(page, path, body):
    response = httpx.post(page.server + path, json=body, timeout=30)
    response.raise_for_status()
    return response.json()


# -- the update, step by step ---------------------------------------------------------------------------------

def test_one_step_of_training_is_said_with_its_numbers_and_in_the_singular(page):
    load_preset(page, "logistic-loss")
    page.fill("#train-steps", "1")
    page.click("#train-run")
    page.wait_for_function("() => document.querySelector('#train-status').textContent.startsWith('1 step:')")
    assert page.text_content("#train-status") == "1 step: loss 0.9741 → 0.2985"
    example = EXAMPLES["logistic-loss"]
    [step] = api(page, "/api/train", {"expression": example["program"], "values": example["values"],
                                      "params": ["w", "b"], "learning_rate": 0.5, "steps": 1,
                                      "updates": True})["updates"]
    assert page.text_content("#train-update .update-step").startswith("Step 1: each parameter moves against")
    shown = page.eval_on_selector_all("#train-update li.update", "ls => ls.map(l => l.textContent)")
    assert shown == [param["text"]["en"] for param in step["params"]]
    assert shown[0] == "w ← w − η·∂L/∂w = 0.5 − 0.5 × (−1.24) = 1.12"
    # every number at full precision on hover
    w = step["params"][0]["elements"][0]
    assert page.get_attribute("#train-update li[data-param='w']", "title") == \
        f"w: 0.5 − 0.5 × ({w['gradient']!r}) = {w['after']!r}"
    page.click("button[data-lang='zh']")
    assert page.text_content("#train-status") == "1 步：损失 0.9741 → 0.2985"
    assert page.text_content("#train-update .update-step").startswith("第 1 步：每个参数逆着它的梯度移动一步")


def test_the_sgd_preset_trains_on_mini_batches_epoch_after_epoch_as_one_request_would(page):
    load_preset(page, "nielsen-sgd")
    example = EXAMPLES["nielsen-sgd"]
    settings = example["train"]
    assert page.is_visible("#train-sgd")
    assert page.input_value("#train-batch") == str(settings["batch_size"]) == "2"
    assert page.input_value("#train-seed") == "0"
    assert "one sample per column of X, Y" in page.text_content("#train-sgd-note")
    page.fill("#train-steps", "6")
    page.click("#train-run")  # six requests of one step each, each going on from the last one's step
    page.wait_for_function("() => document.querySelector('#train-status').textContent.startsWith('6 steps')")
    whole = api(page, "/api/train", {"expression": example["program"], "values": example["values"],
                                      **{**settings, "steps": 6}, "updates": True})
    assert page.text_content("#train-update .update-step").startswith(
        "Step 6 (epoch 2, mini-batch 2 of 4: columns " + ", ".join(map(str, whole["batches"][-1]["samples"])))
    assert page.eval_on_selector_all("#train-update li.update", "ls => ls.map(l => l.textContent)") == \
        [param["text"]["en"] for param in whole["updates"][-1]["params"]]
    wait_until_idle(page)
    assert float(page.input_value("#input-b2-0")) == pytest.approx(whole["values"]["b2"][0][0], rel=1e-12)
    shot(page, "train-sgd", "#train-section")
    # another preset puts the panel back to plain gradient descent
    load_preset(page, "logistic-loss")
    assert not page.is_visible("#train-sgd")
