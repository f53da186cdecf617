"""The update step said with its numbers (`"updates": true` on POST /api/train), and Nielsen's SGD loop:
mini-batches drawn from a data set, epoch after epoch, by the same engine."""

import math

import numpy as np
import pytest
from conftest import assert_close
from test_layers import nielsen_backprop

from app.teaching.examples import examples
from app.teaching.train import MiniBatches

EXAMPLES = {example["name"]: example for example in examples()}


def train(client, name, status=200, **changes):
    example = EXAMPLES[name]
    body = {"expression": example["program"], "values": example["values"], **example["train"], **changes}
    answer = client.post("/api/train", json={key: value for key, value in body.items() if value is not None})
    assert answer.status_code == status, answer.text
    return answer.json()


# -- w ← w − η·∂L/∂w, with the numbers ----------------------------------------------------------------------------


def test_one_step_of_logistic_regression_is_said_with_its_numbers(client):
    # L = -log σ(wx + b) at w = 0.5, x = 2, b = -1.5: ∂L/∂w = (σ − 1)x, ∂L/∂b = σ − 1.
    s = 1 / (1 + math.exp(-(0.5 * 2 - 1.5)))
    body = train(client, "logistic-loss", steps=1, updates=True)
    [step] = body["updates"]
    assert step["step"] == 1
    w, b = step["params"]
    assert w["name"] == "w" and w["shape"] == [] and w["elements"][0]["index"] == []
    assert_close([w["elements"][0]["before"], w["elements"][0]["gradient"]], [0.5, (s - 1) * 2])
    assert w["elements"][0]["after"] == 0.5 - 0.5 * w["elements"][0]["gradient"] == body["values"]["w"]
    assert w["text"]["en"] == "w ← w − η·∂L/∂w = 0.5 − 0.5 × (−1.24) = 1.12"
    assert b["text"]["zh"] == "b ← b − η·∂L/∂b = −1.5 − 0.5 × (−0.622) = −1.19"


def test_an_array_shows_its_first_elements_and_enough_digits_to_see_them_move(client):
    body = train(client, "nielsen-three-layer", steps=2, updates=True)
    assert [step["step"] for step in body["updates"]] == [1, 2]
    params = {param["name"]: param for param in body["updates"][0]["params"]}
    W2 = params["W2"]
    assert W2["shape"] == [4, 4] and [e["index"] for e in W2["elements"]] == [[0, 0], [0, 1], [0, 2], [0, 3]]
    assert W2["text"]["en"].startswith("W2 ← W2 − η·∂C/∂W2 = [0.3, −0.2, 0.5, 0.1, …] − 0.5 × [")
    assert W2["text"]["en"].endswith("(the first 4 of its 16 elements)")
    assert W2["text"]["zh"].endswith("（共 16 个元素，这里是前 4 个）")
    for element in W2["elements"]:
        assert element["after"] == element["before"] - 0.5 * element["gradient"]
    # a small array is shown whole, in its shape; each new number has the digits that show its change
    mlp = {p["name"]: p for p in train(client, "nielsen-mlp", steps=1, updates=True)["updates"][0]["params"]}
    assert mlp["W1"]["text"]["en"] == ("W1 ← W1 − η·∂C/∂W1 = [[0.15, 0.2], [0.25, 0.3]] − 0.5 × [[0.000439, "
                                       "0.000877], [0.000498, 0.000995]] = [[0.1498, 0.1996], [0.2498, 0.2995]]")
    assert "updates" not in train(client, "nielsen-mlp", steps=1)


# -- Nielsen's SGD ------------------------------------------------------------------------------------------------


def test_the_sgd_preset_lowers_the_cost_on_the_whole_data_set(client):
    settings = EXAMPLES["nielsen-sgd"]["train"]
    body = train(client, "nielsen-sgd")
    assert body["steps_per_epoch"] == 4 and len(body["batches"]) == len(body["batch_losses"]) == settings["steps"]
    assert len(body["losses"]) == settings["steps"] + 1
    assert_close(body["losses"][0], EXAMPLES["nielsen-sgd"]["expected"]["value"])
    assert body["losses"][-1] < body["losses"][0] / 10
    # every epoch shows each of the 8 samples once, in mini-batches of 2, in a new order
    epochs = {}
    for batch in body["batches"]:
        epochs.setdefault(batch["epoch"], []).append(batch)
    assert sorted(epochs) == list(range(1, 31))
    for batches in epochs.values():
        assert [b["batch"] for b in batches] == [1, 2, 3, 4]
        assert sorted(sum((b["samples"] for b in batches), [])) == list(range(8))
    orders = {tuple(sum((b["samples"] for b in batches), [])) for batches in epochs.values()}
    assert len(orders) > 20


def test_one_sgd_step_is_nielsens_update_mini_batch(client):
    # Nielsen's update_mini_batch: backprop each sample x of the batch alone (C_x = ½‖a − y‖²), sum the
    # gradients, then w → w − (η/m) Σₓ ∂C_x/∂w. Our step takes the gradient of the program's mean cost instead.
    example = EXAMPLES["nielsen-sgd"]
    body = train(client, "nielsen-sgd", steps=1)
    samples = body["batches"][0]["samples"]
    values = {name: np.array(value, dtype=float) for name, value in example["values"].items()}
    weights, biases = [values["W1"], values["W2"]], [values["b1"], values["b2"]]
    nabla_w, nabla_b = [np.zeros_like(w) for w in weights], [np.zeros_like(b) for b in biases]
    for i in samples:
        one = nielsen_backprop(weights, biases, values["X"][:, [i]], values["Y"][:, [i]], 0.5)
        nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, one["W"])]
        nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, one["b"])]
    eta, m = example["train"]["learning_rate"], len(samples)
    for l in (1, 2):
        assert_close(body["values"][f"W{l}"], weights[l - 1] - eta / m * nabla_w[l - 1])
        assert_close(body["values"][f"b{l}"], biases[l - 1] - eta / m * nabla_b[l - 1])
    cost = np.mean([nielsen_backprop(weights, biases, values["X"][:, [i]], values["Y"][:, [i]], 0.5)["cost"]
                    for i in samples])
    assert_close(body["batch_losses"][0], cost)


def test_a_run_sent_in_chunks_goes_through_the_same_mini_batches(client):
    whole = train(client, "nielsen-sgd", steps=12)
    values, batches, losses = dict(EXAMPLES["nielsen-sgd"]["values"]), [], [whole["losses"][0]]
    for first in (0, 5, 9):
        chunk = train(client, "nielsen-sgd", steps={0: 5, 5: 4, 9: 3}[first], first_step=first, values=values)
        values.update(chunk["values"])
        batches += chunk["batches"]
        losses += chunk["losses"][1:]
    assert batches == whole["batches"] and [b["step"] for b in batches] == list(range(1, 13))
    assert values["W1"] == whole["values"]["W1"] and losses == whole["losses"]


def test_epochs_count_passes_over_the_data(client):
    body = train(client, "nielsen-sgd", steps=None, epochs=2)
    assert len(body["batches"]) == 8 and body["batches"][-1]["epoch"] == 2
    assert len(train(client, "logistic-loss", steps=None, epochs=3)["losses"]) == 4  # without data: a step each
    same = train(client, "nielsen-sgd", steps=None, epochs=2, batch_size=8)  # one batch of all the samples
    assert len(same["batches"]) == 2 and all(sorted(b["samples"]) == list(range(8)) for b in same["batches"])


@pytest.mark.parametrize("change, kind", [
    ({"epochs": 3}, "value"),  # and steps: one or the other
    ({"steps": None}, "value"),  # neither
    ({"data": ["X", "nope"]}, "name"),
    ({"data": ["X", "W1"]}, "value"),  # a trained param cannot be data
    ({"batch_size": 0}, "value"),
    ({"batch_size": 9}, "value"),
    ({"first_step": -1}, "value"),
    ({"first_step": 10 ** 20}, "value"),
    ({"seed": -1}, "value"),
    ({"values": {**EXAMPLES["nielsen-sgd"]["values"], "Y": [[1, 0, 1]]}}, "shape"),
    ({"data": ["X", "s"], "expression": "s = 2\n" + EXAMPLES["nielsen-sgd"]["program"]}, "shape"),
])
def test_a_bad_sgd_request_says_what_is_wrong(client, change, kind):
    answer = train(client, "nielsen-sgd", status=400, **change)
    assert answer["detail"]["kind"] == kind and answer["detail"]["message"]


def test_updates_last_explains_only_the_last_step_of_a_chunk(client):
    every = train(client, "nielsen-mlp", steps=3, updates=True)["updates"]
    [last] = train(client, "nielsen-mlp", steps=3, updates="last")["updates"]
    assert last == every[-1] and last["step"] == 3
    assert train(client, "nielsen-sgd", steps=2, first_step=5, updates="last")["updates"][0]["step"] == 7
    assert client.post("/api/train", json={"expression": "w*w", "values": {"w": 1}, "params": ["w"],
                                           "learning_rate": 0.1, "steps": 1, "updates": "first"}).status_code == 422


# -- the one loop: Nielsen's columns and the playground's rows ----------------------------------------------------


def test_mini_batches_of_rows_are_the_mini_batches_of_columns_transposed():
    data = np.arange(2 * 7, dtype=float).reshape(2, 7)  # seven samples, one a column (Nielsen's X)
    columns = MiniBatches({"X": data}, 3, (5,))
    rows = MiniBatches({"X": data.T}, 3, (5,), axis=0)  # the same samples, one a row (the playground's X)
    assert columns.per_epoch == rows.per_epoch == 3
    for step in range(3 * 4):  # four epochs, each a new shuffle; the last batch of an epoch is the short one
        assert np.array_equal(rows.values(step)["X"], columns.values(step)["X"].T)
        assert columns.describe(step) == rows.describe(step)
    assert [len(columns.describe(step)["samples"]) for step in range(3)] == [3, 3, 1]
    # the shuffle is the seed's and the epoch's alone, whichever step asks first
    assert np.array_equal(MiniBatches({"X": data}, 3, (5,)).values(7)["X"], columns.values(7)["X"])
    assert MiniBatches({"X": data}, 10, (5,)).per_epoch == 1  # a batch over the sample count: them all


def test_each_sgd_step_runs_the_program_on_its_batch_and_on_the_whole_data_for_its_loss(monkeypatch):
    from app.teaching import train as training
    runs = []
    real = training.forward_values
    monkeypatch.setattr(training, "forward_values", lambda graph, inputs, limits: runs.append(inputs) or
                        real(graph, inputs, limits))
    example = EXAMPLES["nielsen-sgd"]
    settings = {**example["train"], "steps": 4}
    body = training.train(example["program"], example["values"], **settings)
    # per step its mini-batch (2 columns of X) and the whole data's cost before it (X as given); the last cost
    assert [np.shape(inputs["X"]) if "X" in inputs else "whole" for inputs in runs] == [(2, 2), "whole"] * 4 + ["whole"]
    assert len(body["losses"]) == 5 and len(body["batch_losses"]) == 4
