"""The neural-network playground's engine and API: data sets, the network's program, training by the
engine checked against backpropagation written out by hand in NumPy, one sample's graph, and bad settings."""

import math

import numpy as np
import pytest
from conftest import assert_close

from app import compute_graph
from app.engine.errors import ProgramError
from app.teaching.playground import Settings, checked_weights, initial_weights, make_data, network_program, sample, train


def fresh(**changes) -> Settings:
    return Settings(**{"layers": (6,), **changes})


def as_arrays(weights: dict) -> dict:
    return {name: np.array(value) for name, value in weights.items()}


# -- data ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dataset", ["circle", "xor", "gauss", "spiral"])
def test_a_data_set_is_drawn_again_from_its_seed_and_split_as_asked(dataset):
    first, again = make_data(fresh(dataset=dataset, seed=7)), make_data(fresh(dataset=dataset, seed=7))
    other = make_data(fresh(dataset=dataset, seed=8))
    assert np.array_equal(first.train_x, again.train_x) and np.array_equal(first.test_y, again.test_y)
    assert not np.array_equal(first.train_x, other.train_x)
    assert first.train_x.shape == (100, 2) and first.test_x.shape == (100, 2)
    assert set(np.unique(np.concatenate([first.train_y, first.test_y]))) == {-1.0, 1.0}
    split = make_data(fresh(dataset=dataset, points=300, train_percent=80))
    assert (len(split.train_x), len(split.test_x)) == (240, 60)


def test_the_circle_without_noise_is_blue_inside_radius_2_5_and_orange_beyond_3_5():
    data = make_data(fresh(dataset="circle", points=400))
    x = np.concatenate([data.train_x, data.test_x])
    y = np.concatenate([data.train_y, data.test_y])[:, 0]
    radius = np.hypot(x[:, 0], x[:, 1])
    assert (radius[y > 0] < 2.5).all() and (radius[y < 0] >= 3.5).all()


def test_noise_puts_some_points_on_the_wrong_side():
    data = make_data(fresh(dataset="xor", noise=50, points=400))
    x, y = data.train_x, data.train_y[:, 0]
    wrong = np.mean(np.sign(x[:, 0] * x[:, 1]) != y)
    assert 0.05 < wrong < 0.5


# -- the network as a program ----------------------------------------------------------------------------

def test_the_network_is_a_vectorised_program_of_the_language():
    assert network_program(fresh(layers=(6, 6), l2=0.001)) == "\n".join([
        "# A 2-6-6-1 network. X: the points, one a row; y: their labels, +1 or -1",
        "H1 = tanh(X @ W1 + b1)",
        "H2 = tanh(H1 @ W2 + b2)",
        "z = H2 @ W3 + b3  # the score: blue where z > 0",
        "loss = mean(-log(sigmoid(y * z)))  # the logistic loss",
        "L = loss + 0.001/2 * (sum(W1^2) + sum(W2^2) + sum(W3^2))  # with L2 regularisation",
    ])
    assert "H1" not in network_program(fresh(layers=(), activation="relu"))  # logistic regression


def test_the_starting_weights_have_the_networks_shapes_and_come_from_the_seed():
    weights = initial_weights(fresh(layers=(4, 3)))
    assert {name: value.shape for name, value in weights.items()} == {
        "W1": (2, 4), "b1": (4,), "W2": (4, 3), "b2": (3,), "W3": (3, 1), "b3": (1,)}
    assert np.array_equal(weights["W2"], initial_weights(fresh(layers=(4, 3)))["W2"])
    assert (np.abs(weights["W1"]) <= 0.5).all() and (weights["b2"] == 0.1).all()


# -- training, against backpropagation written out by hand -----------------------------------------------

def by_hand(weights, x, y, activation, l2):
    """One full-batch gradient of the mean logistic loss (+ L2), in plain NumPy: the reference."""
    act, slope = {
        "tanh": (np.tanh, lambda a: 1 - a * a),
        "sigmoid": (lambda s: 1 / (1 + np.exp(-s)), lambda a: a * (1 - a)),
        "relu": (lambda s: np.maximum(s, 0), lambda a: (a > 0).astype(float)),
    }[activation]
    layers = len(weights) // 2
    outs = [x]
    for k in range(1, layers):
        outs.append(act(outs[-1] @ weights[f"W{k}"] + weights[f"b{k}"]))
    z = outs[-1] @ weights[f"W{layers}"] + weights[f"b{layers}"]
    dz = -y / (1 + np.exp(y * z)) / len(x)  # d/dz of mean(log(1 + exp(-y z)))
    grads = {}
    for k in range(layers, 0, -1):
        grads[f"W{k}"] = outs[k - 1].T @ dz + l2 * weights[f"W{k}"]
        grads[f"b{k}"] = dz.sum(axis=0)
        if k > 1:
            dz = (dz @ weights[f"W{k}"].T) * slope(outs[k - 1])
    return grads


@pytest.mark.parametrize("activation, layers, l2", [("tanh", (6,), 0.0), ("relu", (4, 3), 0.01),
                                                     ("sigmoid", (2, 2, 2), 0.003), ("tanh", (), 0.0)])
def test_one_full_batch_epoch_is_one_step_of_gradient_descent_as_by_hand(activation, layers, l2):
    settings = fresh(activation=activation, layers=layers, l2=l2, batch_size=100, learning_rate=0.3)
    start = initial_weights(settings)
    answer = train(settings, {name: value.tolist() for name, value in start.items()}, steps=1)
    data = make_data(settings)
    expected = by_hand(start, data.train_x, data.train_y, activation, l2)
    for name, value in as_arrays(answer["weights"]).items():
        assert_close(value, start[name] - 0.3 * expected[name], rel=1e-12, abs_=1e-15)


def test_a_step_moves_by_the_mean_of_the_gradients_each_sample_graph_shows():
    """What a student opens by clicking a point is one term of the mean the step takes."""
    settings = fresh(batch_size=100, learning_rate=0.1)
    start = initial_weights(settings)
    step = as_arrays(train(settings, None, steps=1)["weights"])
    per_point = [compute_graph(**{key: sample(settings, None, "train", i)[key] for key in ("program", "values")}
                               )["gradients"] for i in range(100)]
    for name in start:
        mean = np.mean([np.array(gradients[name]) for gradients in per_point], axis=0)
        assert_close(step[name], start[name] - 0.1 * mean, rel=1e-11, abs_=1e-14)


def test_a_run_is_the_same_however_its_epochs_are_split_into_requests():
    settings = fresh(layers=(3, 2))
    whole = train(settings, None, steps=6)
    weights, epoch, history = None, 0, []
    for _ in range(3):
        answer = train(settings, weights, epoch, steps=2)
        weights, epoch, history = answer["weights"], answer["epoch"], history + answer["history"]
    assert weights == whole["weights"] and epoch == 6
    assert history == whole["history"] and [record["epoch"] for record in history] == [1, 2, 3, 4, 5, 6]


def test_an_epoch_is_one_pass_forward_and_back_per_mini_batch_and_is_measured_once(monkeypatch):
    """Training is app/teaching/train.py's loop over the rows of the training points; the losses and accuracies
    are measured after each epoch, not before every step."""
    from app.teaching import playground
    from app.teaching import train as training
    batches, measured = [], []
    for module, runs in ((training, batches), (playground, measured)):
        real = module.forward_values
        monkeypatch.setattr(module, "forward_values", lambda graph, inputs, limits, real=real, runs=runs:
                            runs.append(len(inputs["X"])) or real(graph, inputs, limits))
    train(fresh(batch_size=30), None, steps=2)
    assert batches == [30, 30, 30, 10] * 2  # 100 training points in batches of 30, each epoch
    assert measured == [100, 100] * 2 + [50 * 50, 20 * 20]  # train and test points per epoch; the heat maps


def test_steps_0_measures_and_draws_without_training():
    answer = train(fresh(layers=(6, 6)), None, steps=0, data=True)
    assert answer["epoch"] == 0 and len(answer["history"]) == 1
    assert answer["weights"] == {name: value.tolist() for name, value in initial_weights(fresh(layers=(6, 6))).items()}
    assert np.array(answer["boundary"]).shape == (50, 50)
    assert [len(layer) for layer in answer["neurons"]] == [6, 6] and np.array(answer["neurons"][1][5]).shape == (20, 20)
    assert len(answer["data"]["train"]) == 100 and answer["data"]["train"][0][2] in (-1.0, 1.0)


def test_the_heat_map_is_the_probability_of_blue_and_agrees_with_the_accuracy():
    settings = fresh()
    answer = train(settings, None, steps=200)
    boundary = np.array(answer["boundary"])
    assert ((0 <= boundary) & (boundary <= 1)).all()
    # Once trained, the centre is blue; and the cells under the training points are on the side of their
    # labels about as often as the points are (a cell is 0.24 wide, so a point near the boundary may differ).
    assert boundary[25, 25] > 0.5
    data = make_data(settings)
    column = ((data.train_x[:, 0] + 6) / 12 * 50).astype(int)
    row = ((6 - data.train_x[:, 1]) / 12 * 50).astype(int)
    agree = np.mean((boundary[row, column] > 0.5) == (data.train_y[:, 0] > 0))
    assert abs(agree - answer["history"][-1]["train_accuracy"]) <= 0.05
    assert answer["history"][-1]["test_accuracy"] >= 0.9


def test_the_heat_maps_are_rounded_finer_than_the_page_draws_them():
    """The page colours a grid in SHADES + 1 shades from low to high; more digits than that shows are bytes
    sent for nothing, ten times a second."""
    import re
    from pathlib import Path

    from app.teaching.playground import ACTIVATIONS, GRID_DIGITS
    heatmap = Path(__file__).resolve().parent.parent / "static" / "js" / "playground" / "heatmap.js"
    shades = int(re.search(r"const SHADES = (\d+);", heatmap.read_text()).group(1))
    narrowest = min(high - low for low, high in [(0.0, 1.0), *ACTIVATIONS.values()])
    assert 10 ** -GRID_DIGITS < narrowest / shades < 10 ** -(GRID_DIGITS - 1)
    answer = train(fresh(layers=(6, 6)), None, steps=2)
    for grid in [answer["boundary"], *sum(answer["neurons"], [])]:
        grid = np.array(grid)
        assert np.array_equal(grid, np.round(grid, GRID_DIGITS))


def test_the_notes_experiment_two_neurons_fail_six_succeed():
    """The course note: with two hidden neurons the net finds only two features and cannot separate
    the circle; six are enough."""
    results = {}
    for neurons in (2, 4, 6):
        answer = train(fresh(layers=(neurons,), seed=1), None, steps=300)
        results[neurons] = answer["history"][-1]
    assert results[6]["test_accuracy"] >= 0.9 and results[4]["test_accuracy"] >= 0.9
    assert results[2]["test_accuracy"] < 0.9
    assert results[2]["train_loss"] > 2 * results[6]["train_loss"]


def test_the_notes_on_fitting_a_linear_network_underfits_and_a_big_one_overfits_unless_l2_holds_it():
    """The page's fitting presets: no hidden layer does badly on train and test points alike; 8-8 neurons on 20
    noisy XOR points learn them by heart while the test loss climbs, and L2 = 0.03 keeps it low."""
    linear = train(fresh(layers=()), None, steps=300)["history"][-1]
    assert linear["train_accuracy"] < 0.75 and linear["test_accuracy"] < 0.75
    overfit = fresh(dataset="xor", noise=50, train_percent=10, layers=(8, 8), learning_rate=0.1)
    history = train(overfit, None, steps=500)["history"]
    best = min(record["test_loss"] for record in history)
    assert history[-1]["train_loss"] < 0.05 and history[-1]["test_loss"] > 1.5 * best
    held = train(Settings(**{**overfit.__dict__, "l2": 0.03}), None, steps=500)["history"][-1]
    assert held["test_loss"] < 0.7 * history[-1]["test_loss"]


# -- bad settings: a sentence, never a crash ------------------------------------------------------------

@pytest.mark.parametrize("changes, words", [
    ({"layers": (0,)}, "Hidden layer 1 has 0 neurons"),
    ({"layers": (4, 9)}, "Hidden layer 2 has 9 neurons"),
    ({"layers": (2,) * 5}, "5 hidden layers"),
    ({"learning_rate": 0.0}, "learning rate must be a positive number"),
    ({"learning_rate": math.nan}, "learning rate must be a positive number"),
    ({"l2": -1.0}, "L2 rate"),
    ({"dataset": "moons"}, "no data set called 'moons'"),
    ({"activation": "softmax"}, "no activation called 'softmax'"),
    ({"batch_size": 0}, "batch size"),
    ({"noise": 80.0}, "noise"),
    ({"train_percent": 95.0}, "training is 10 to 90 percent"),
    ({"points": 5}, "10 to 1000 points"),
    ({"seed": -1}, "seed"),
])
def test_a_bad_setting_is_refused_with_a_sentence(changes, words):
    with pytest.raises(ProgramError) as error:
        train(fresh(**changes))
    assert error.value.kind == "value" and words in error.value.message


def test_a_learning_rate_that_diverges_stops_training_with_a_sentence():
    with pytest.raises(ProgramError) as error:
        train(fresh(activation="relu", learning_rate=10.0), steps=5)
    assert "Training diverged: in epoch 1" in error.value.message and "try a smaller one" in error.value.message


def test_weights_that_are_not_the_networks_are_refused_by_name():
    settings = fresh(layers=(6,))
    good = {name: value.tolist() for name, value in initial_weights(settings).items()}
    with pytest.raises(ProgramError, match="W1 2×6, b1 6, W2 6×1, b2 1: W3 is not one of them"):
        checked_weights(settings, {**good, "W3": [[1.0]]})
    with pytest.raises(ProgramError, match="b2 is missing"):
        checked_weights(settings, {name: value for name, value in good.items() if name != "b2"})
    with pytest.raises(ProgramError, match="W2 is not 6×1 numbers"):
        checked_weights(settings, {**good, "W2": [[1.0] * 6]})
    with pytest.raises(ProgramError, match="b1 has a value that is not finite"):
        checked_weights(settings, {**good, "b1": [math.inf] * 6})


def test_one_request_has_a_bounded_amount_of_work():
    with pytest.raises(ProgramError, match="one request may take") as error:
        train(fresh(points=1000, batch_size=1), steps=50)
    assert error.value.kind == "limit"
    with pytest.raises(ProgramError, match="0 to 1000 epochs"):
        train(fresh(), steps=1001)


# -- the API -------------------------------------------------------------------------------------------

def test_the_step_route_answers_the_engines_training(client):
    request = {"settings": {"layers": [6], "seed": 3}, "steps": 4, "data": True}
    answer = client.post("/api/playground/step", json=request).json()
    assert answer == train(fresh(seed=3), None, 0, 4, data=True)
    follow = client.post("/api/playground/step", json={**request, "weights": answer["weights"], "epoch": 4,
                                                       "steps": 1, "data": False}).json()
    assert follow["epoch"] == 5 and "data" not in follow


@pytest.mark.parametrize("body, words", [
    ({"settings": {"layers": [0]}}, "Hidden layer 1 has 0 neurons"),
    ({"settings": {"layers": [6], "activation": "relu", "learning_rate": 10}, "steps": 3}, "Training diverged"),
    ({"settings": {"layers": [6]}, "weights": {"W1": [[1, 2]]}}, "The weights of a 2-6-1 network are"),
    ({"steps": -1}, "0 to 1000 epochs"),
    ({"epoch": -3}, "epoch count"),
])
def test_the_step_route_answers_bad_settings_with_400_and_a_sentence(client, body, words):
    response = client.post("/api/playground/step", json=body)
    assert response.status_code == 400 and words in response.json()["detail"]["message"]["en"]


def test_a_setting_of_the_wrong_type_is_a_malformed_request(client):
    assert client.post("/api/playground/step", json={"settings": {"layers": "6"}}).status_code == 422


def test_the_sample_route_answers_a_program_for_the_graph_route(client):
    settings = {"layers": [6, 6], "seed": 2}
    trained = client.post("/api/playground/step", json={"settings": settings, "steps": 3, "data": True}).json()
    point = trained["data"]["test"][5]
    answer = client.post("/api/playground/sample", json={"settings": settings, "weights": trained["weights"],
                                                          "subset": "test", "index": 5}).json()
    assert answer["values"]["X"] == [point[:2]] and answer["values"]["y"] == [[point[2]]]
    assert answer["values"]["W2"] == trained["weights"]["W2"]
    graph = client.post("/api/graph", json={"expression": answer["program"], "values": answer["values"]}).json()
    assert set(graph["gradients"]) == {"X", "y", "W1", "b1", "W2", "b2", "W3", "b3"}
    assert graph["value"] > 0  # one point's logistic loss


@pytest.mark.parametrize("subset, index, words", [("train", 100, "points 0 to 99"), ("validation", 0, "train or the test")])
def test_the_sample_route_refuses_a_point_that_is_not_there(client, subset, index, words):
    response = client.post("/api/playground/sample", json={"subset": subset, "index": index})
    assert response.status_code == 400 and words in response.json()["detail"]["message"]["en"]


def test_the_page_is_served_with_its_settings_and_the_sites_security_headers(client):
    response = client.get("/playground")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert '"max_neurons": 8' in response.text and 'id="test-accuracy"' in response.text
    assert "<script>" not in response.text and "style=" not in response.text
    assert 'href="/playground"' in client.get("/").text
