"""A class's routes and bounds, in process (the TestClient; classes in memory), and its live stream against a real
server: a wrong or expired code gets a clear page, guessing codes is rate-limited, each cap answers with a clear
message, a student's token changes nothing others see, and the mistakes a wrong answer reveals are the quiz's."""

import dataclasses
import json

import httpx
import pytest

from app.compute import compute_graph
from app.server.classroom import routes
from app.server.classroom.limits import RateLimit
from app.teaching.mistakes import mistake_of, parse_answer

PROGRAM = "3*(a + b*c)"


@pytest.fixture
def bounds(monkeypatch):
    """Each test's own bounds and rate limits (the server's are for a whole process)."""
    def set_bounds(**changed):
        bound = dataclasses.replace(routes.BOUNDS, **changed)
        monkeypatch.setattr(routes, "BOUNDS", bound)
        monkeypatch.setattr(routes, "guesses", RateLimit(bound.guesses_per_minute, 60))
        monkeypatch.setattr(routes, "starts", RateLimit(bound.starts_per_hour, 3600))
        return bound
    set_bounds()
    return set_bounds


def start(client, program=PROGRAM):
    response = client.post("/class", json={"program": program, "values": {"a": 2}})
    assert response.status_code == 200, response.text
    return response.json()


def question_of(program, node_name, kind="grad", values=None):
    """The body the instructor's page sends: quiz mode's question for a node, as the API gives it."""
    graph = compute_graph(program, values or {}, default_value=1, strict=False, quiz=True)
    node = [node for node in graph["nodes"] if node["name"] == node_name][-1]
    asked = node["quiz"][kind]
    return {"node": node["id"], "kind": kind, "asks": asked["asks"], "accept": asked["accept"], "hint": asked["hint"],
            "show": asked["show"], "uses": [{"op": u["op"], "upstream": u["upstream"], "local": u["local"]}
                                            for u in asked.get("uses", [])],
            "correct": node["grad"] if kind == "grad" else node["value"], "node_value": node["value"],
            "node_grad": node["grad"]}


def test_a_class_starts_with_a_code_a_students_link_and_a_qr_code(client, bounds):
    started = start(client)
    assert len(started["code"]) == 6 and started["code"].isalnum() and started["code"].isupper()
    assert started["students_link"].endswith("/class/" + started["code"])
    assert started["key"] not in started["students_link"] and started["key"] in started["instructor_link"]
    qr = client.get(started["qr"])
    assert qr.headers["content-type"].startswith("image/svg+xml") and b"<path" in qr.content
    page = client.get(f"/class/{started['code']}")
    assert page.status_code == 200 and 'id="teach"' in page.text


def test_a_wrong_code_gets_a_clear_page_and_guessing_is_rate_limited(client, bounds):
    bounds(guesses_per_minute=3)
    missing = client.get("/class/NOSUCH")
    assert missing.status_code == 404
    assert "There is no class" in missing.text and "NOSUCH" in missing.text and "没有代码为" in missing.text
    client.get("/class/NOSUCH")
    client.get("/class/NOSUCH/qr.svg")
    refused = client.post("/class/NOSUCH/join", json={})
    assert refused.status_code == 429 and "wrong class codes" in refused.json()["detail"]["message"]["en"]
    assert client.get("/class/ANYONE").status_code == 429  # even a real code, for a while


def test_the_join_page_takes_a_code(client, bounds):
    page = client.get("/class")
    assert page.status_code == 200 and 'name="code"' in page.text
    sent = client.get("/class", params={"code": " abc123 "}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/class/ABC123"


def test_caps_on_classes_students_and_tries_each_say_so(client, bounds):
    bounds(max_classes=1_000_000, max_students=2, max_tries=2)
    started = start(client)
    code, key = started["code"], started["key"]
    students = [client.post(f"/class/{code}/join", json={}).json()["student"] for _ in range(2)]
    full = client.post(f"/class/{code}/join", json={})
    assert full.status_code == 409 and "full" in full.json()["detail"]["message"]["en"]

    asked = client.post(f"/class/{code}/ask", json=question_of(PROGRAM, "b"), headers={"x-class-key": key}).json()
    for text in ("1", "2"):
        assert client.post(f"/class/{code}/answer", json={"student": students[0], "question": asked["question"],
                                                                "answer": text}).json()["verdict"] == "wrong"
    over = client.post(f"/class/{code}/answer", json={"student": students[0], "question": asked["question"],
                                                           "answer": "3"})
    assert over.status_code == 429 and "2 times" in over.json()["detail"]["message"]["en"]

    bounds(max_classes=0)
    refused = client.post("/class", json={})
    assert refused.status_code == 503 and "limit" in refused.json()["detail"]["message"]["en"]


def test_starting_classes_is_rate_limited(client, bounds):
    bounds(starts_per_hour=2)
    start(client)
    start(client)
    refused = client.post("/class", json={})
    assert refused.status_code == 429 and "Too many classes" in refused.json()["detail"]["message"]["en"]


def test_only_the_instructors_key_changes_what_the_class_sees(client, bounds):
    started = start(client)
    code = started["code"]
    student = client.post(f"/class/{code}/join", json={}).json()["student"]
    for headers in ({}, {"x-class-key": student}, {"x-class-key": "x" * 32}):
        refused = client.post(f"/class/{code}/state", json={"program": "hacked"}, headers=headers)
        assert refused.status_code == 403 and "instructor" in refused.json()["detail"]["message"]["en"]
        assert client.post(f"/class/{code}/reveal", headers=headers).status_code == 403
        assert client.post(f"/class/{code}/end", headers=headers).status_code == 403
    # A student's answer is checked for them alone: the view others follow is the instructor's.
    assert client.post(f"/class/{code}/answer", json={"student": student, "question": "x", "answer": "1"}
                       ).status_code == 409
    assert client.post(f"/class/{code}/answer", json={"student": "forged", "question": "x", "answer": "1"}
                       ).status_code == 403


def test_an_answer_is_checked_with_the_quizs_rules_and_the_tally_groups_the_mistakes(client, bounds):
    started = start(client)
    code, key = started["code"], started["key"]
    students = [client.post(f"/class/{code}/join", json={"nickname": f"s{i}"}).json()["student"] for i in range(4)]
    asked = client.post(f"/class/{code}/ask", json=question_of(PROGRAM, "b"), headers={"x-class-key": key}).json()

    def send(student, text):
        return client.post(f"/class/{code}/answer", json={"student": student, "question": asked["question"],
                                                              "answer": text}).json()
    assert send(students[0], "3")["verdict"] == "right"
    assert send(students[1], " −3 ")["verdict"] == "wrong"  # a Unicode minus, read as quiz.js reads it
    wrong = send(students[2], "1")
    assert wrong["verdict"] == "wrong" and "mul" in wrong["hint"]["en"] and wrong["tries_left"] == routes.BOUNDS.max_tries - 1
    assert send(students[3], "three")["verdict"] == "not_a_number"

    tally = routes.tally(*_tally_parts(client, code))
    assert tally["answered"] == 3 and tally["right"] == 1
    assert {group["mistake"]: group["answers"] for group in tally["mistakes"]} == {"sign": ["-3.00"], "forward_value": ["1.00"]}
    assert tally["names"] == ["s0", "s1", "s2"]

    client.post(f"/class/{code}/reveal", headers={"x-class-key": key})
    assert send(students[3], "3")["detail"]["kind"] == "value"  # revealed: no more answers


def _tally_parts(client, code):
    import asyncio

    async def parts():
        store = routes.store()
        asked = await store.question(code)
        return asked, await store.answers(code, asked["id"]), await store.nicknames(code), 0
    return asyncio.run(parts())


@pytest.mark.parametrize(("program", "node", "answer", "mistake"), [
    ("3*(a + b*c)", "b", -3, "sign"),
    ("3*(a + b*c)", "b", 1, "forward_value"),  # b = 1 (the default) given for ∂f/∂b
    ("x = a*b\ny = x*a", "a", 10, "use_left_out"),
    ("y = 3*(a*b)", "a", 6, "swap_forgotten"),
    ("y = 3*(a*b)", "a", 3, "local_left_out"),
    ("y = 3*(a*b)", "a", 4, "other"),
])
def test_a_wrong_answer_reveals_its_mistake(program, node, answer, mistake):
    values = {"a": 1, "b": 1}
    if mistake in ("use_left_out", "swap_forgotten", "local_left_out"):
        values = {"a": 2, "b": 5}
    asked = question_of(program, node, values=values)
    # use_left_out: x = a*b = 10, y = x*a: ∂y/∂a = x + a·b = 20; one use left out gives 10
    # swap_forgotten: ∂y/∂a = 3b = 15; 3a = 6 takes a itself for the local gradient
    if mistake == "local_left_out":  # ∂y/∂a = 3b = 15; the upstream 3 alone
        answer = 3
    assert mistake_of(asked, answer) == mistake


def test_answers_are_read_as_the_quiz_reads_them():
    assert parse_answer(" 1.5 ") == 1.5 and parse_answer("−2") == -2 and parse_answer("1 000") == 1000
    assert parse_answer("nan") is None and parse_answer("inf") is None and parse_answer("two") is None


def test_the_live_stream_starts_with_the_whole_state_and_follows_each_change(server):
    with httpx.Client(base_url=server, timeout=10) as client:
        started = client.post("/class", json={"program": PROGRAM}).json()
        code, key = started["code"], started["key"]
        student = client.post(f"/class/{code}/join", json={}).json()["student"]
        with client.stream("GET", f"/class/{code}/events", params={"student": student}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = _events(stream.iter_lines())
            kind, first = next(events)
            assert kind == "view" and first["state"]["program"] == PROGRAM
            client.post(f"/class/{code}/state", json={"program": "a*b", "step": 2}, headers={"x-class-key": key})
            kind, then = next(events)
            assert kind == "view" and then["state"] == {**then["state"], "program": "a*b", "step": 2}
            client.post(f"/class/{code}/end", headers={"x-class-key": key})
            assert next(events)[0] == "ended"
        refused = client.get(f"/class/{code}/events", params={"student": student})
        assert refused.status_code == 404


def _events(lines):
    kind = None
    for line in lines:
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and kind:
            yield kind, json.loads(line.split(":", 1)[1])
            kind = None


def test_live_streams_are_capped_on_their_own_with_a_clear_message(client, bounds, monkeypatch):
    started = start(client)
    code = started["code"]
    student = client.post(f"/class/{code}/join", json={}).json()["student"]
    monkeypatch.setattr(routes, "streams", routes.Streams(cap=0, per_address=10))
    refused = client.get(f"/class/{code}/events", params={"student": student})
    assert refused.status_code == 503 and "live pages" in refused.json()["detail"]["message"]["en"]
    monkeypatch.setattr(routes, "streams", routes.Streams(cap=10, per_address=0))
    refused = client.get(f"/class/{code}/events", params={"student": student})
    assert refused.status_code == 503 and "Your address" in refused.json()["detail"]["message"]["en"]
    assert client.get(f"/class/{code}/events", params={"student": "forged"}).status_code == 403


def test_a_class_expires_without_its_instructor(client, bounds, monkeypatch):
    import time

    from app.server.classroom.store import MemoryStore
    monkeypatch.setattr(routes, "_store", MemoryStore(routes.hub, seconds=2))
    started = start(client)
    code, key = started["code"], started["key"]
    time.sleep(1.2)
    assert client.post(f"/class/{code}/state", json={"program": "a"}, headers={"x-class-key": key}).status_code == 200
    time.sleep(1.2)  # started 2.4 s ago, but the instructor was seen 1.2 s ago: still there
    assert client.get(f"/class/{code}").status_code == 200
    time.sleep(2.5)
    gone = client.get(f"/class/{code}")
    assert gone.status_code == 404 and "has ended" in gone.text
