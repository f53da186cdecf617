"""The playground's page and API: thin routes over ``app.teaching.playground``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates

from ..engine.limits import Limits
from ..teaching import playground
from ..words.catalogs import TEMPLATE_GLOBALS
from .api import ERRORS
from .schemas import (
    PlaygroundSampleRequest,
    PlaygroundSampleResponse,
    PlaygroundSettings,
    PlaygroundStepRequest,
    PlaygroundStepResponse,
)
from .workers import in_worker

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")
templates.env.globals.update(TEMPLATE_GLOBALS)  # the page's words, from the catalogs


def _settings(model: PlaygroundSettings) -> playground.Settings:
    return playground.Settings(**model.model_dump())


@router.get("/playground", include_in_schema=False)
def playground_page(request: Request):
    return templates.TemplateResponse(request, "playground.html", {"config": playground.page_config()})


@in_worker(router, "/api/playground/step", PlaygroundStepRequest, response_model=PlaygroundStepResponse,
           responses=ERRORS, summary="Train the playground's network")
def post_step(request: PlaygroundStepRequest, limits: Limits) -> dict:
    """`steps` epochs of mini-batch gradient descent on the network the settings describe, from the weights
    sent (or the seed's): the network's program, the new weights, each epoch's losses and accuracies, and the
    heat maps of the output and of every hidden neuron. Nothing is kept: send the answer's weights and epoch
    with the next request. A setting out of range, or a learning rate so large that training diverges,
    answers 400 with a sentence."""
    return playground.train(_settings(request.settings), request.weights, request.epoch, request.steps,
                            data=request.data, limits=limits)


@in_worker(router, "/api/playground/sample", PlaygroundSampleRequest, response_model=PlaygroundSampleResponse,
           responses=ERRORS, summary="One point's forward and backward pass, as a program")
def post_sample(request: PlaygroundSampleRequest, limits: Limits) -> dict:
    """The network's program with one point and the current weights as its values: POST it to /api/graph (or
    open it on the page) to see the gradients that point adds to a step."""
    return playground.sample(_settings(request.settings), request.weights, request.subset, request.index)
