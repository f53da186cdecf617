"""The web application: the API routes, the page and its static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .api import program_error_response, router
from .errors import ProgramError
from .examples import examples

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=ROOT / "templates")

app = FastAPI(
    title="Backprop Lab",
    version="1",
    description="Type a program such as `3*(a + b*c)`; get its computation graph with every node's forward value "
                "and backward gradient.",
)
app.include_router(router)
app.add_exception_handler(ProgramError, program_error_response)
app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")


@app.get("/", include_in_schema=False)
def index(request: Request):
    return templates.TemplateResponse(request, "index.html", {"examples": examples()})
