"""The REST API: thin routes over the Python API in ``compute``.

Every route that computes runs in a worker process (``workers.in_worker``): the event loop reads the body's
bytes and hands them over; the worker validates them against the request model, computes and encodes the
answer with orjson (a small graph of numbers, cheaper than the trip, the event loop computes at once, the same
way: ``admission.lane_for``). The models still document requests and answers in /docs.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import orjson
import pydantic_core
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from .. import compute
from ..engine.errors import ProgramError
from ..engine.forward import MAX_DIMENSIONS
from ..engine.limits import Limits
from ..engine.ops import catalogue
from ..teaching.examples import examples
from ..teaching.train import train
from ..words.messages import say
from .schemas import (
    ErrorResponse,
    Example,
    GraphNumbers,
    GraphRequest,
    GraphResponse,
    Op,
    SweepRequest,
    SweepResponse,
    TrainRequest,
    TrainResponse,
)
from .admission import bracket_depth
from .workers import answer, app_limits, in_worker

router = APIRouter(prefix="/api")

ERRORS = {
    400: {"model": ErrorResponse, "description": "The program cannot be computed; detail says what and where, "
                                                 "in every language (message, by language code)."},
    413: {"model": ErrorResponse, "description": "The program, its values, its work or its answer are over a "
                                                 "limit (size, time, memory); detail says which."},
    503: {"model": ErrorResponse, "description": "The server is busy with other large computations; try again "
                                                 "after Retry-After seconds."},
}
# A route that answers text still answers its errors as JSON; without "content", /docs would say text.
_JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
TEXT_ROUTE_ERRORS = {status: {"description": answer["description"], "content": _JSON_ERROR}
                     for status, answer in ERRORS.items()}
# The GET forms' own parameters; every other query parameter is an input value.
RESERVED_QUERY = {"expression", "values", *compute.OPTIONS_BY_NAME}


class DotResponse(PlainTextResponse):
    """DOT text, under its registered media type (so /docs documents what the route really answers)."""
    media_type = "text/vnd.graphviz"


def json_response(data: Any) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


def program_error_response(_request: Request, error: ProgramError) -> JSONResponse:
    return JSONResponse({"detail": error.as_dict()}, status_code=413 if error.kind == "limit" else 400)


@router.get("/ops", response_model=list[Op], summary="The operation table")
async def list_ops():
    """Every operation: name, symbol, arity, forward formula, local gradients and how it passes gradient back."""
    return json_response(catalogue())


@router.get("/examples", response_model=list[Example], summary="The worked examples")
async def list_examples():
    """The classic examples of the course notes and micrograd, ready to load as presets."""
    return json_response(examples())


@router.get("/options", summary="The options of a graph request")
async def list_options():
    """Each option of POST /api/graph as declared once in the engine's Python API: its name, JSON type, default and
    description, the pipeline stages it asks for, whether it shapes the graph (the graph is built anew when it
    changes) and whether it adds numbers to the answer beyond the values and gradients. The page reads it."""
    return json_response([option.json() for option in compute.OPTIONS])


@in_worker(router, "/graph", GraphRequest, response_model=GraphResponse | GraphNumbers, responses=ERRORS,
           summary="Compute a graph")
def post_graph(request: GraphRequest, limits: Limits) -> bytes:
    """Parse the program, compute every node's value and gradient, and answer the graph."""
    return compute.compute_graph_json(request.expression, request.values, limits=limits,
                                      **{name: getattr(request, name) for name in compute.OPTIONS_BY_NAME})


def _query_values(request: Request, values: str | None) -> dict:
    """Values from ``values={"a": 5}`` and from loose parameters such as ``a=5`` or ``W=[[1,2],[3,4]]``."""
    given: dict = {}
    if values:
        parsed = _parse_json_parameter("values", values)
        if not isinstance(parsed, dict):
            raise ProgramError("value", say("values_not_an_object", text=values[:40]))
        given.update(parsed)
    for name, text in request.query_params.items():
        if name not in RESERVED_QUERY:
            given[name] = _parse_json_parameter(name, text)
    return given


def _parse_json_parameter(name: str, text: str) -> Any:
    """JSON as the POST body's is read (the same parser: any integer), nested no deeper than an array can be."""
    depth = bracket_depth(text) - (name == "values")  # values: an object of values
    if depth > MAX_DIMENSIONS:
        raise ProgramError("value", say("value_too_deep", name=name, depth=depth, limit=MAX_DIMENSIONS))
    try:
        return pydantic_core.from_json(text)
    except ValueError:
        raise ProgramError("value", say("bad_query_parameter", name=name, text=text[:40]))


async def _get_form(request: Request, route, fields: dict) -> Response:
    """A GET form answered as its POST: the query, a few kilobytes at most, becomes the POST's body."""
    try:
        # json, not orjson: an integer from the query may be past 64 bits (the worker reads it as a float)
        body = json.dumps({**fields, "values": _query_values(request, fields.pop("values"))}).encode()
    except ProgramError as error:
        return program_error_response(request, error)
    response = await answer(request, route.key, body)
    if response.status_code == 400 and _plus_typed_in_url(request):
        detail = orjson.loads(response.answer)["detail"]
        if detail["kind"] == "syntax":
            hint = say("plus_in_a_url")
            detail["message"] = {language: text + hint[language] for language, text in detail["message"].items()}
            return JSONResponse({"detail": detail}, status_code=400)
    return response


def _plus_typed_in_url(request: Request) -> bool:
    """In a query string + means a space, so a + typed in the address bar reaches us as a space."""
    raw_expression = next((part for part in request.url.query.split("&") if part.startswith("expression=")), "")
    return "+" in raw_expression


async def get_graph(request: Request, expression: str, values: str | None, **options):
    """The same as POST, for a browser's address bar or curl. Every other query parameter is an input value:
    ``?expression=3*(a%2Bb*c)&a=5&b=3&c=2``."""
    return await _get_form(request, post_graph, {"expression": expression, "values": values, **options})


def _with_options_as_query(route) -> None:
    """The GET form's parameters: the program, the values, and each option declared in compute.OPTIONS."""
    query = inspect.Parameter.KEYWORD_ONLY
    route.__signature__ = inspect.Signature([
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("expression", query, annotation=str, default=Query(
            description="The program, URL-encoded (+ is %2B).", examples=["3*(a+b*c)"])),
        inspect.Parameter("values", query, annotation=str | None, default=Query(
            None, description='Input values as a JSON object, e.g. {"a": 5}.')),
        *(inspect.Parameter(option.name, query, annotation=option.type,
                            default=Query(option.default, description=option.description))
          for option in compute.OPTIONS),
    ])


_with_options_as_query(get_graph)
router.get("/graph", response_model=GraphResponse | GraphNumbers, responses=ERRORS,
           summary="Compute a graph (GET form)")(get_graph)


@in_worker(router, "/dot", GraphRequest, media_type=DotResponse.media_type, response_class=DotResponse,
           responses=TEXT_ROUTE_ERRORS, summary="The graph as Graphviz DOT")
def post_dot(request: GraphRequest, limits: Limits) -> str:
    """The same graph as DOT text, values in green and gradients in red on every wire: `dot -Tsvg` draws it."""
    return compute.compute_dot(request.expression, request.values, default_value=request.default_value,
                               limits=limits)


@router.get("/dot", response_class=DotResponse, responses=TEXT_ROUTE_ERRORS, summary="The graph as DOT (GET form)")
async def get_dot(request: Request, expression: str, values: str | None = None, default_value: float | None = None):
    """DOT text for the program, with input values given as in GET /api/graph."""
    return await _get_form(request, post_dot, {"expression": expression, "values": values,
                                               "default_value": default_value})


@in_worker(router, "/sweep", SweepRequest, response_model=SweepResponse, responses=ERRORS,
           summary="Sweep one input for a plot")
def post_sweep(request: SweepRequest, limits: Limits) -> dict:
    """The output and d output / d variable at `num` evenly spaced values of one scalar input."""
    return compute.sweep(request.expression, request.variable, request.start, request.stop, request.num,
                         request.values, default_value=request.default_value, strict=request.strict, limits=limits)


@in_worker(router, "/train", TrainRequest, response_model=TrainResponse, responses=ERRORS,
           summary="Train parameters by gradient descent")
def post_train(request: TrainRequest, limits: Limits) -> dict:
    """`steps` steps of w ← w − η·∂L/∂w on the inputs named in `params`, L the sum of the output's elements:
    the loss before the first step and after each, the parameters' new values and their gradients there.
    With `data`, stochastic gradient descent on mini-batches of the data set, epoch after epoch."""
    return train(request.expression, request.values, request.params, request.learning_rate, request.steps,
                 epochs=request.epochs, data=request.data, batch_size=request.batch_size, seed=request.seed,
                 first_step=request.first_step, updates=request.updates, default_value=request.default_value,
                 limits=limits)


@router.get("/limits", summary="The size limits in force")
async def get_limits(request: Request):
    """Each limit's value; the README says which environment variable overrides it."""
    return json_response(vars(app_limits(request)))
