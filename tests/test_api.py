"""The REST API, through FastAPI's test client and as a real server over a socket."""

import json

import httpx
import pytest

from app.engine.limits import Limits
from app.engine.ops import OPS

NG = {"expression": "u = b*c\nv = a + u\nJ = 3*v", "values": {"a": 5, "b": 3, "c": 2}}


def test_graph_answers_the_whole_contract(client):
    body = client.post("/api/graph", json=NG).json()
    assert body["value"] == 33 and body["gradients"] == {"a": 3, "b": 6, "c": 9}
    assert body["output"] == len(body["nodes"]) - 1
    assert set(body) == {"value", "output", "gradients", "nodes", "edges", "warnings"}
    node = body["nodes"][-1]
    assert node == {"id": node["id"], "op": "mul", "label": "*", "name": "J", "inputs": node["inputs"],
                    "value": 33.0, "grad": 1.0, "shape": []}
    for edge in body["edges"]:
        assert set(edge) == {"source", "target", "index", "value", "grad"}


def test_gradient_check_on_request(client):
    body = client.post("/api/graph", json={**NG, "check": True}).json()
    assert set(body["check"]) == {"a", "b", "c"}
    for report in body["check"].values():
        assert report["max_relative_error"] < 1e-7
    assert body["check"]["b"]["numerical"] == pytest.approx(6.0, rel=1e-7)


def test_the_gradient_check_catches_a_kink():
    from app import compute_graph
    check = compute_graph("relu(x)", {"x": 0.0}, check=True)["check"]["x"]
    assert check["numerical"] == pytest.approx(0.5) and check["relative_error"] == 1.0


def test_get_form_takes_values_as_query_parameters(client):
    body = client.get("/api/graph", params={"expression": "3*(a+b*c)", "a": 5, "b": 3, "c": 2}).json()
    assert body["value"] == 33
    body = client.get("/api/graph", params={"expression": "sum(W)", "W": "[[1, 2], [3, 4]]"}).json()
    assert body["gradients"] == {"W": [[1, 1], [1, 1]]}
    body = client.get("/api/graph", params={"expression": "values + 1", "values": '{"values": 2}'}).json()
    assert body["value"] == 3
    answer = client.get("/api/graph", params={"expression": "a + 1", "a": "five"})
    assert answer.status_code == 400 and answer.json()["detail"]["kind"] == "value"


def test_errors_answer_400_with_kind_message_line_and_column(client):
    answer = client.post("/api/graph", json={"expression": "a = 1\nb = a +* 2"})
    assert answer.status_code == 400
    assert answer.json() == {"detail": {"kind": "syntax", "line": 2, "column": 8,
                                        "message": {
                                            "en": "Something is missing between '+' and '*': a number, a name or a bracket.",
                                            "zh": "'+' 和 '*' 之间缺少内容：一个数、一个名字或一个括号。"}}}


def test_over_a_limit_answers_413(client, set_app_limits):
    set_app_limits(Limits(max_chars=5))
    answer = client.post("/api/graph", json={"expression": "a + b + c"})
    assert answer.status_code == 413 and answer.json()["detail"]["kind"] == "limit"


@pytest.mark.parametrize("body", [{}, {"expression": 5}, {"expression": "a", "values": "x"},
                                  {"expression": "a", "values": {"a": "five"}}, {"expression": "a", "check": "maybe"}])
def test_a_malformed_body_answers_422(client, body):
    assert client.post("/api/graph", json=body).status_code == 422


def test_non_finite_numbers_are_null_and_the_json_stays_valid(client):
    answer = client.post("/api/graph", json={"expression": "log(x) + exp(y)", "values": {"x": -1, "y": 1000}})
    assert answer.status_code == 200
    body = json.loads(answer.text)  # strict JSON: no NaN or Infinity tokens
    assert body["value"] is None and len(body["warnings"]) >= 2


def test_ops_catalogue_serves_the_table(client):
    ops = client.get("/api/ops").json()
    assert [op["name"] for op in ops] == [op.name for op in OPS]
    by_name = {op["name"]: op for op in ops}
    assert by_name["sigmoid"]["symbol"] == "σ" and by_name["sigmoid"]["local_gradients"] == {"x": {"en": "σ(x)(1 - σ(x))", "zh": "σ(x)(1 - σ(x))"}}
    assert "distributes" in by_name["add"]["sentence"]["en"]
    assert "routes" in by_name["max"]["sentence"]["en"]
    assert "swaps" in by_name["mul"]["sentence"]["en"]
    assert by_name["pow"]["infix"] == ["^", "**"] and by_name["neg"]["prefix"] == "-"
    assert by_name["leaky_relu"]["arity"] == "1 to 2" and by_name["leaky_relu"]["defaults"] == {"slope": 0.1}


def test_sweep_plots_sigmoid_and_its_derivative(client):
    body = client.post("/api/sweep", json={"expression": "sigmoid(x)", "variable": "x",
                                           "start": -6, "stop": 6, "num": 10_001}).json()
    assert len(body["x"]) == len(body["value"]) == len(body["grad"]) == 10_001
    middle = 5_000
    assert body["x"][middle] == pytest.approx(0, abs=1e-12)
    assert body["value"][middle] == pytest.approx(0.5) and body["grad"][middle] == pytest.approx(0.25)
    for s, g in zip(body["value"][::500], body["grad"][::500]):
        assert g == pytest.approx(s * (1 - s), rel=1e-12)


def test_sweep_of_a_program_that_is_not_elementwise_goes_point_by_point(client):
    body = client.post("/api/sweep", json={"expression": "sum(w * v)", "values": {"v": [1, 2]}, "variable": "w",
                                           "start": 0, "stop": 1, "num": 3}).json()
    assert body["value"] == [0, 1.5, 3] and body["grad"] == [3, 3, 3]


def test_sweep_errors(client):
    answer = client.post("/api/sweep", json={"expression": "a*2", "values": {"a": 1}, "variable": "z",
                                             "start": 0, "stop": 1})
    assert answer.status_code == 400 and "z is not an input" in answer.json()["detail"]["message"]["en"]
    answer = client.post("/api/sweep", json={"expression": "a*2", "variable": "a", "start": 0, "stop": 1,
                                             "num": 10**9})
    assert answer.status_code == 413


def test_dot_export_carries_values_and_gradients(client):
    answer = client.post("/api/dot", json={"expression": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/vnd.graphviz")
    dot = answer.text
    assert dot.startswith("digraph") and "rankdir=LR" in dot
    assert "-12.00" in dot and "-4.00" in dot and "3.00" in dot
    get = client.get("/api/dot", params={"expression": "(x + y) * z", "x": -2, "y": 5, "z": -4})
    assert get.text == dot


def test_openapi_documents_the_contract_with_examples(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/graph", "/api/sweep", "/api/dot", "/api/ops", "/api/examples"} <= set(spec["paths"])
    post = spec["paths"]["/api/graph"]["post"]
    answers = post["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]  # whole, or numbers_only
    assert [answer["$ref"].rsplit("/", 1)[1] for answer in answers] == ["GraphResponse", "GraphNumbers"]
    assert "400" in post["responses"] and "413" in post["responses"]
    schemas = spec["components"]["schemas"]
    assert {"GraphRequest", "GraphResponse", "GraphNumbers", "Node", "Edge", "ErrorResponse"} <= set(schemas)
    assert client.get("/docs").status_code == 200


def test_the_page_is_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "Backprop Lab" in page.text
    assert client.get("/static/style.css").status_code == 200


def test_the_real_server_answers_the_done_when_request(server):
    body = httpx.post(server + "/api/graph", json={"expression": "3*(a+b*c)",
                                                   "values": {"a": 5, "b": 3, "c": 2}}).json()
    assert body["value"] == 33 and body["gradients"] == {"a": 3, "b": 6, "c": 9}
    assert httpx.get(server + "/").status_code == 200


def test_the_real_server_stays_up_after_bad_input(server):
    bad = ["", "(" * 20_000, "__import__('os')", "exp(" * 3000, "a" * 3, "[[1,2],[3]]", "1/0", "x" + "^x" * 50]
    for expression in bad:
        answer = httpx.post(server + "/api/graph", json={"expression": expression, "values": {"x": 2}}, timeout=30)
        assert answer.status_code in (200, 400, 413), (expression, answer.text)
    answer = httpx.post(server + "/api/graph", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert httpx.post(server + "/api/graph", json={"expression": "1 + 1"}).json()["value"] == 2


def test_local_gradients_on_request_let_the_page_show_the_chain_rule(client):
    body = client.post("/api/graph", json={"expression": "x*y + max(x, 2)", "values": {"x": 3, "y": 4},
                                           "local": True}).json()
    products = {(e["source"], e["target"]): (e["local"], e["grad"]) for e in body["edges"]}
    x_times_y, max_node = 2, 4
    assert products[(0, x_times_y)] == (4.0, 4.0)  # the mul gate swaps: d(xy)/dx = y
    assert products[(0, max_node)] == (1.0, 1.0)   # the max gate routes to the larger input
    assert products[(3, max_node)] == (None, None)  # the constant 2 needs no gradient
    for edge in body["edges"]:
        if edge["local"] is not None:
            assert edge["grad"] == body["nodes"][edge["target"]]["grad"] * edge["local"]
    plain = client.post("/api/graph", json={"expression": "x*2", "values": {"x": 1}}).json()
    assert "local" not in plain["edges"][0]


def test_dot_on_request_comes_with_the_graph(client):
    body = client.post("/api/graph", json={**NG, "dot": True}).json()
    assert body["dot"] == client.post("/api/dot", json=NG).text


def test_in_a_big_graph_a_leaf_used_many_times_is_drawn_once_per_use():
    from app import compute_dot
    program = "v0 = x\n" + "\n".join(f"v{i} = tanh(v{i - 1} * w + x)" for i in range(1, 60))
    dot = compute_dot(program, default_value=0.5)
    assert dot.count('class="leaf input"') == 2 * 59 + 1  # w and x once per use, and x once more in v0
    small = compute_dot("x * x + x", {"x": 1})
    assert small.count('class="leaf input"') == 1  # small graphs show the fan-out


def test_sweep_takes_the_page_options_too(client):
    body = client.post("/api/sweep", json={"expression": "u = a*x\nu + b", "values": {"u": 5}, "variable": "x",
                                           "start": 0, "stop": 2, "num": 3, "default_value": 1,
                                           "strict": False}).json()
    assert body["value"] == [1, 2, 3] and body["grad"] == [1, 1, 1]


def test_a_plus_typed_in_the_address_bar_gets_a_hint(client):
    answer = client.get("/api/graph?expression=3*(a+b*c)&a=5&b=3&c=2")  # + arrives as a space
    assert answer.status_code == 400
    assert answer.json()["detail"]["message"]["en"].endswith("write %2B for a plus sign.)")
    assert client.get("/api/graph?expression=3*(a%2Bb*c)&a=5&b=3&c=2").json()["value"] == 33


def test_a_sweep_over_a_range_too_wide_for_float64_says_so(client):
    response = client.post("/api/sweep", json={"expression": "x*x", "variable": "x", "start": -1e308, "stop": 1e308})
    assert response.status_code == 400 and "finite" in response.json()["detail"]["message"]["en"]
