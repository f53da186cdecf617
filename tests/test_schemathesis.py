"""schemathesis against the app's own OpenAPI schema, in process (ASGI, no network): every endpoint, with
requests that follow the schema and requests that break it. No answer may be a server error, and every
answer must match the schema: its status is one the schema lists, its content type and body are as described.

SCHEMATHESIS_EXAMPLES sets the examples per endpoint and mode (a short pass by default, for CI); the README
gives the long run: SCHEMATHESIS_EXAMPLES=2000 python -m pytest tests/test_schemathesis.py -q -s
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.engine.limits import Limits  # noqa: E402
from app.server.main import app  # noqa: E402

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "0"))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", app)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
TAKES_INPUT = [operation for operation in OPERATIONS
               if operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody")]

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_schema_conformance, response_headers_conformance]
# The server's own bound (its time budget, then a second) and room for a busy machine: schemathesis's default of
# 10 s equals the budget, so a long training request failed as a timeout whenever the machine was loaded.
ANSWER_WITHIN = Limits().max_seconds + 20
TRIED: Counter = Counter()  # requests sent, by endpoint and mode: the long run prints them


def _routes(routes):
    """Every route, those of included routers too (FastAPI keeps an included router whole)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)
        else:
            yield route


def test_the_schema_lists_every_endpoint():
    routes = {f"{method} {route.path}" for route in _routes(app.routes) if route.path.startswith("/api/")
              for method in getattr(route, "methods", ()) if method != "HEAD"}
    assert routes and {operation.label for operation in OPERATIONS} == routes


def _check_answers(operation, mode):
    # Requests that follow the schema may still be programs that cannot be computed (400, 413). Requests that break
    # it are not held to negative_data_rejection: Pydantic's lax mode reads true as 1.0 and "3" as 3, and we let it.
    checks = CONFORMANCE

    @settings(max_examples=EXAMPLES or 8, deadline=None, derandomize=not EXAMPLES, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        TRIED[operation.label, mode.value] += 1
        response = case.call(timeout=ANSWER_WITHIN)
        case.validate_response(response, checks=checks)
        if response.status_code in (400, 413):
            detail = response.json()["detail"]
            assert detail["kind"] and detail["message"]["en"] and "Traceback" not in detail["message"]["en"]

    run()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_endpoint_answers_requests_that_follow_the_schema_as_it_says(operation):
    _check_answers(operation, GenerationMode.POSITIVE)


@pytest.mark.parametrize("operation", TAKES_INPUT, ids=lambda operation: operation.label)
def test_every_endpoint_refuses_requests_that_break_the_schema_as_it_says(operation):
    _check_answers(operation, GenerationMode.NEGATIVE)


def teardown_module():
    if EXAMPLES:
        print(f"\nschemathesis requests tried: {sum(TRIED.values())}")
        for (label, mode), count in sorted(TRIED.items()):
            print(f"  {label:20} {mode:9} {count}")
