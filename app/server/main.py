"""The web application: the API routes, the page and its static files."""

from __future__ import annotations

import asyncio
import gc
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from ..engine.errors import ProgramError
from ..engine.limits import limits_in_force
from ..teaching.examples import examples
from ..words.catalogs import TEMPLATE_GLOBALS
from ..words.messages import http_error
from . import workers
from .api import program_error_response, router
from .classroom import router as classroom_router
from .connections import BoundedProtocol, quiet_logs
from .playground_routes import router as playground_router
from .security import Hardening, docs_csp
from .workers import described

ROOT = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=ROOT / "templates")
templates.env.globals.update(TEMPLATE_GLOBALS)  # the page's words, from the catalogs

@asynccontextmanager
async def lifespan(_app: FastAPI):
    """At the server's start: the limits read once (``app.state.limits``, which every route reads), the connection
    layer bound by them, the worker processes started; they stop with the server."""
    quiet_logs()
    limits = _app.state.limits = limits_in_force()
    BoundedProtocol.bound_by(limits)
    await asyncio.to_thread(workers.start, limits)
    calm_the_garbage_collector()
    yield
    await asyncio.to_thread(workers.stop)


def calm_the_garbage_collector() -> None:
    """What the server has imported and built at its start is kept for its life: moved out of the collector's
    sight (``gc.freeze``), and the youngest generation collected every 20,000 allocations, not 700. With
    thousands of connections open (an attacker holding 5,000), Python's default collections took 41 % of the
    event loop's time (py-spy: in the constructor of each new connection's protocol, where they were
    triggered), and a new student waited seconds to be accepted."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


app = FastAPI(
    lifespan=lifespan,
    # No OpenTelemetry is exported: without this, FastAPI asked the environment whether to, on every request.
    telemetry={"tracing": False, "metrics": False, "logs": False},
    title="Backprop Lab",
    version="1",
    description="Type a program such as `3*(a + b*c)`; get its computation graph with every node's forward value "
                "and backward gradient.",
    docs_url=None,  # served below from static/, with a Content-Security-Policy of its own
    redoc_url=None,  # ReDoc would load from a CDN
)
app.include_router(router)
app.include_router(playground_router)  # /playground and /api/playground/*
app.include_router(classroom_router)  # /class/* and /api/class/*: a class in session
app.openapi = lambda: app.openapi_schema or workers.with_request_models(FastAPI.openapi(app))
app.add_exception_handler(ProgramError, program_error_response)


@app.exception_handler(HTTPException)
async def http_error_in_both_languages(request: Request, error: HTTPException):
    """FastAPI's own errors, with ``message``, the sentence in every language, beside Starlette's ``detail``
    where the catalogs have one.

    FastAPI answers a body it cannot decode (not UTF-8, say) with 400 and a bare string; but our 400s are
    programs that cannot be computed, with a ``detail`` object. A malformed body is a 422, as one with bad JSON is."""
    if error.status_code == 400 and isinstance(error.detail, str):
        item = {"type": "body_unreadable", "loc": ["body"], "msg": error.detail, "input": None}
        return JSONResponse({"detail": [described(item)]}, status_code=422)
    message = http_error(error.status_code, request.url.path, request.method, error.detail)
    if message is None:
        return await http_exception_handler(request, error)
    return JSONResponse({"detail": error.detail, "message": message}, status_code=error.status_code,
                        headers=getattr(error, "headers", None))


@app.exception_handler(RequestValidationError)
async def invalid_request_in_both_languages(_request: Request, error: RequestValidationError):
    """A query parameter (the GET forms) not of its declared type: pydantic's English and the Chinese."""
    detail = [described({key: value for key, value in item.items() if key != "url"}) for item in error.errors()]
    return JSONResponse({"detail": jsonable_encoder(detail)}, status_code=422)


app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
# Outermost: the body limit applies before anything reads the body, and every answer gets the security headers.
app.add_middleware(Hardening)


@app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def index(request: Request):
    return templates.TemplateResponse(request, "index.html", {"examples": examples()})


@app.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
async def healthz():
    """For a load balancer or a process manager: the worker answers. The app holds no state to check."""
    return {"status": "ok"}


@app.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI, vendored in static/ like the page's libraries, so that the API's docs work offline too."""
    page = get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} - API",
                               swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                               swagger_favicon_url="data:,")
    page.headers["content-security-policy"] = docs_csp(page.body.decode())
    return page
