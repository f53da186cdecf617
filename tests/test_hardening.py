"""On a public address: bounded requests, security headers, CORS, a health check, several workers."""

from __future__ import annotations

import base64
import hashlib
import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from app import ProgramError, compute_graph, sweep
from app.engine.limits import Limits
from app.server.main import app
from app.server.security import PAGE_CSP, Hardening, cors_origins
from conftest import free_port, start_app_server, stop_app_server


def directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}


# -- request bodies ------------------------------------------------------------------------------------------------

def small_body_client(limit=1000):
    return TestClient(Hardening(app, limits=Limits(max_body_bytes=limit)))


def test_a_body_over_the_limit_is_refused_before_it_is_read_with_the_apis_detail():
    response = small_body_client().post("/api/graph", content=b'{"expression": "' + b"a+" * 1000 + b'a"}',
                                        headers={"content-type": "application/json"})
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert detail["kind"] == "limit" and "max_body_bytes limit of 1000 bytes" in detail["message"]["en"]
    assert "BACKPROP_MAX_BODY_BYTES" in detail["message"]["en"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_body_in_chunks_is_counted_as_it_comes_and_refused_past_the_limit():
    def chunks(count):
        yield b'{"expression": "'
        for _ in range(count):
            yield b"a+" * 100
        yield b'a"}'

    client = small_body_client()
    headers = {"content-type": "application/json"}
    assert client.post("/api/graph", content=chunks(20), headers=headers).status_code == 413
    small = client.post("/api/graph", content=chunks(2), headers=headers)
    assert small.status_code == 400  # read whole and computed: 'a' has no value
    assert small.json()["detail"]["kind"] == "name"


def test_the_default_body_limit_fits_the_biggest_program_and_refuses_more(client):
    limit = client.app.state.limits.max_body_bytes
    assert limit >= client.app.state.limits.max_chars * 3  # a program at max_chars, even all non-ASCII
    response = client.post("/api/graph", content=b" " * (limit + 1), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_the_limit_is_set_by_its_environment_variable(monkeypatch):
    monkeypatch.setenv("BACKPROP_MAX_BODY_BYTES", "12345")
    assert Limits.from_environment().max_body_bytes == 12345


def test_a_body_that_is_not_utf8_is_a_malformed_request_not_a_program_error(client):
    response = client.post("/api/graph", content=b"\xff\xfe\x1c", headers={"content-type": "application/json"})
    assert response.status_code == 422 and isinstance(response.json()["detail"], list)


@pytest.mark.parametrize("path", ["/api/graph", "/api/dot"])
@pytest.mark.parametrize("values", ["false", "1", "[1]", "null"])
def test_a_values_parameter_that_is_not_an_object_is_a_400(path, values):
    # schemathesis found these answering 500 (a TypeError in app/server/api.py's _query_values).
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(path, params={"expression": "a", "values": values, "default_value": 1})
    assert response.status_code == 400 and response.json()["detail"]["kind"] == "value"


# -- bounded time --------------------------------------------------------------------------------------------------

def test_a_computation_over_its_time_budget_is_a_limit_error():
    with pytest.raises(ProgramError) as error:
        compute_graph("a*b + c", {"a": 1, "b": 2, "c": 3}, limits=Limits(max_seconds=0))
    assert error.value.kind == "limit" and "max_seconds" in error.value.message
    assert "BACKPROP_MAX_SECONDS" in error.value.message


def test_the_api_answers_413_when_the_budget_runs_out(client, set_app_limits):
    set_app_limits(Limits(max_seconds=0))
    response = client.post("/api/graph", json={"expression": "a*b", "default_value": 1})
    assert response.status_code == 413 and response.json()["detail"]["kind"] == "limit"


def test_a_sweep_point_by_point_stops_soon_after_its_budget():
    # A non-elementwise graph (sum of an array) goes one point at a time: ~100,000 points take several seconds.
    started = time.monotonic()
    with pytest.raises(ProgramError) as error:
        sweep("sum([x, x*x, tanh(x)])", "x", -1, 1, 100_000, limits=Limits(max_seconds=1))
    elapsed = time.monotonic() - started
    assert error.value.kind == "limit" and "point" in error.value.message
    assert 1 <= elapsed < 3


def test_the_budget_leaves_ordinary_work_alone():
    result = sweep("sum([x, x*x])", "x", -1, 1, 50, limits=Limits(max_seconds=1))
    assert len(result["value"]) == 50


# -- headers -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/static/js/main.js", "/api/ops", "/healthz", "/no-such-page",
                                  "/api/graph?expression=a%2B&default_value=1", "/openapi.json"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


def test_the_page_policy_allows_this_origin_only_and_no_inline_script():
    policy = directives(PAGE_CSP)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    for sources in policy.values():
        assert not any("://" in source or source in ("*", "'unsafe-inline'", "'unsafe-eval'") for source in sources)


def test_the_page_itself_has_no_inline_script_or_style(client):
    html = client.get("/").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script would be blocked by the CSP"
    assert not re.search(r"\son\w+=", html) and "<style" not in html and " style=" not in html


def test_the_api_docs_allow_exactly_their_own_inline_script(client):
    response = client.get("/docs")
    assert response.status_code == 200
    policy = directives(response.headers["content-security-policy"])
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    assert len(inline) == 1
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode() + "'"
    assert digest in policy["script-src"] and "'unsafe-inline'" not in policy["script-src"]
    assert not any("://" in source for sources in policy.values() for source in sources)


def test_the_api_docs_load_nothing_from_another_origin(client):
    html = client.get("/docs").text
    assert not re.search(r"""(src|href)=["']https?://""", html)
    for asset in re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", html):
        assert client.get(asset).status_code == 200, asset


# -- CORS, health, workers ---------------------------------------------------------------------------------------

def test_any_origin_may_read_the_api_by_default_but_not_the_page(client):
    assert cors_origins({}) == ["*"]
    response = client.get("/api/ops", headers={"origin": "https://course.example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = client.options("/api/graph", headers={"origin": "https://course.example.org",
                                                      "access-control-request-method": "POST",
                                                      "access-control-request-headers": "content-type"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in client.get("/", headers={"origin": "https://x.example"}).headers


def bare_app():
    """An app without our middleware, to wrap in a Hardening configured otherwise than the real one."""
    from fastapi import FastAPI
    bare = FastAPI()
    bare.get("/api/ops")(lambda: [])
    return bare


def test_cors_origins_come_from_the_environment():
    assert cors_origins({"BACKPROP_CORS_ORIGINS": "https://a.example, https://b.example"}) == \
        ["https://a.example", "https://b.example"]
    assert cors_origins({"BACKPROP_CORS_ORIGINS": "none"}) == []
    limited = TestClient(Hardening(bare_app(), origins=["https://a.example"]))
    assert limited.get("/api/ops", headers={"origin": "https://a.example"}).headers[
        "access-control-allow-origin"] == "https://a.example"
    assert "access-control-allow-origin" not in limited.get("/api/ops", headers={"origin": "https://evil.example"}).headers
    closed = TestClient(Hardening(bare_app(), origins=[]))
    assert "access-control-allow-origin" not in closed.get("/api/ops", headers={"origin": "https://a.example"}).headers


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_server_starts_with_several_workers():
    port = free_port()
    process = start_app_server(port, "--workers", "2")
    try:
        answer = httpx.post(f"http://127.0.0.1:{port}/api/graph", json={"expression": "3*(a+b*c)",
                                                                          "values": {"a": 5, "b": 3, "c": 2}})
        assert answer.json()["value"] == 33
    finally:
        stop_app_server(process)
