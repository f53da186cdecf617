"""The REST API: thin routes over the Python API in ``compute``.

Answers are encoded with orjson straight from the engine's plain data; the
response models still document them in /docs.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from . import compute
from .errors import ProgramError
from .examples import examples
from .ops import catalogue
from .schemas import (ErrorResponse, Example, GraphRequest, GraphResponse, Op, SweepRequest, SweepResponse,
                      TrainRequest, TrainResponse)
from .train import train

router = APIRouter(prefix="/api")

ERRORS = {
    400: {"model": ErrorResponse, "description": "The program cannot be computed; detail says what and where."},
    413: {"model": ErrorResponse, "description": "The program or its values are over a size limit."},
}
# A route that answers text still answers its errors as JSON; without "content", /docs would say text.
_JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
TEXT_ROUTE_ERRORS = {status: {"description": answer["description"], "content": _JSON_ERROR}
                     for status, answer in ERRORS.items()}
RESERVED_QUERY = {"expression", "values", "check", "default_value", "strict", "local", "dot", "narrate", "unfold"}


class DotResponse(PlainTextResponse):
    """DOT text, under its registered media type (so /docs documents what the route really answers)."""
    media_type = "text/vnd.graphviz"


def json_response(data: Any) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


def program_error_response(_request: Request, error: ProgramError) -> JSONResponse:
    return JSONResponse({"detail": error.as_dict()}, status_code=413 if error.kind == "limit" else 400)


@router.get("/ops", response_model=list[Op], summary="The operation table")
def list_ops():
    """Every operation: name, symbol, arity, forward formula, local gradients and how it passes gradient back."""
    return json_response(catalogue())


@router.get("/examples", response_model=list[Example], summary="The worked examples")
def list_examples():
    """The classic examples of the course notes and micrograd, ready to load as presets."""
    return json_response(examples())


@router.post("/graph", response_model=GraphResponse, responses=ERRORS, summary="Compute a graph")
def post_graph(request: GraphRequest):
    """Parse the program, compute every node's value and gradient, and answer the graph."""
    return Response(compute.compute_graph_json(
        request.expression, request.values, check=request.check, default_value=request.default_value,
        strict=request.strict, local=request.local, dot=request.dot, narrate=request.narrate,
        unfold=request.unfold, layers=request.layers), media_type="application/json")


def _query_values(request: Request, values: str | None) -> dict:
    """Values from ``values={"a": 5}`` and from loose parameters such as ``a=5`` or ``W=[[1,2],[3,4]]``."""
    given: dict = {}
    if values:
        parsed = _parse_json_parameter("values", values)
        if not isinstance(parsed, dict):
            raise ProgramError("value", f'The query parameter values must be a JSON object such as {{"a": 5}}; '
                                        f"it is {values[:40]!r}.")
        given.update(parsed)
    for name, text in request.query_params.items():
        if name not in RESERVED_QUERY:
            given[name] = _parse_json_parameter(name, text)
    return given


def _parse_json_parameter(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ProgramError("value", f"The query parameter {name} must be a number, nested lists of numbers "
                                    f"or (for values) a JSON object; it is {text[:40]!r}.")


@router.get("/graph", response_model=GraphResponse, responses=ERRORS, summary="Compute a graph (GET form)")
def get_graph(
    request: Request,
    expression: str = Query(description="The program, URL-encoded (+ is %2B).", examples=["3*(a+b*c)"]),
    values: str | None = Query(None, description='Input values as a JSON object, e.g. {"a": 5}.'),
    check: bool = Query(False),
    default_value: float | None = Query(None),
    narrate: bool = Query(False, description="As in POST: a sentence per node, in English and Chinese."),
    unfold: bool = Query(False, description="As in POST: compound gates as their primitives."),
):
    """The same as POST, for a browser's address bar or curl. Every other query parameter is an input value:
    ``?expression=3*(a%2Bb*c)&a=5&b=3&c=2``."""
    with _plus_in_url_hint(request):
        return Response(compute.compute_graph_json(
            expression, _query_values(request, values), check=check, default_value=default_value,
            narrate=narrate, unfold=unfold), media_type="application/json")


@contextmanager
def _plus_in_url_hint(request: Request):
    """In a query string + means a space, so a + typed in the address bar reaches us as a space."""
    try:
        yield
    except ProgramError as error:
        raw_expression = next((part for part in request.url.query.split("&") if part.startswith("expression=")), "")
        if "+" in raw_expression and error.kind == "syntax":
            error.message += " (In a URL, + stands for a space: write %2B for a plus sign.)"
        raise


@router.post("/dot", response_class=DotResponse, responses=TEXT_ROUTE_ERRORS, summary="The graph as Graphviz DOT")
def post_dot(request: GraphRequest):
    """The same graph as DOT text, values in green and gradients in red on every wire: `dot -Tsvg` draws it."""
    return DotResponse(compute.compute_dot(request.expression, request.values, default_value=request.default_value))


@router.get("/dot", response_class=DotResponse, responses=TEXT_ROUTE_ERRORS, summary="The graph as DOT (GET form)")
def get_dot(request: Request, expression: str, values: str | None = None, default_value: float | None = None):
    """DOT text for the program, with input values given as in GET /api/graph."""
    with _plus_in_url_hint(request):
        dot = compute.compute_dot(expression, _query_values(request, values), default_value=default_value)
    return DotResponse(dot)


@router.post("/sweep", response_model=SweepResponse, responses=ERRORS, summary="Sweep one input for a plot")
def post_sweep(request: SweepRequest):
    """The output and d output / d variable at `num` evenly spaced values of one scalar input."""
    return json_response(compute.sweep(request.expression, request.variable, request.start, request.stop,
                                       request.num, request.values, default_value=request.default_value,
                                       strict=request.strict))


@router.post("/train", response_model=TrainResponse, responses=ERRORS, summary="Train parameters by gradient descent")
def post_train(request: TrainRequest):
    """`steps` steps of w ← w − η·∂L/∂w on the inputs named in `params`, L the sum of the output's elements:
    the loss before the first step and after each, the parameters' new values and their gradients there.
    With `data`, stochastic gradient descent on mini-batches of the data set, epoch after epoch."""
    return json_response(train(request.expression, request.values, request.params, request.learning_rate,
                               request.steps, epochs=request.epochs, data=request.data,
                               batch_size=request.batch_size, seed=request.seed, first_step=request.first_step,
                               updates=request.updates, default_value=request.default_value))


@router.get("/limits", summary="The size limits in force")
def get_limits():
    """Each limit's value; the README says which environment variable overrides it."""
    return json_response(vars(compute.DEFAULT_LIMITS))
