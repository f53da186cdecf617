"""The class's routes: start a class, join it, follow it live (Server-Sent Events), ask it a question and answer.

The instructor holds the class's secret (``key``, in the instructor's link only); every route that changes what
the students see asks for it. A student's page holds a student token (from ``join``): with it, it follows and
answers, and nothing else; its answers reach the instructor's tally only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import io
import secrets
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import segno
from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat
from sse_starlette import EventSourceResponse

from ...engine.errors import error_detail
from ...teaching.examples import examples
from ...teaching.mistakes import is_right, mistake_of, parse_answer
from ...words.catalogs import TEMPLATE_GLOBALS
from ...words.messages import say
from ..connections import mark_live_stream
from ..workers import app_limits
from .limits import BOUNDS, RateLimit, Streams
from .store import Hub, Listener, MemoryStore, RedisStore, StoreAway, redis_url
from .tally import tally

ROOT = Path(__file__).resolve().parents[3]
templates = Jinja2Templates(directory=ROOT / "templates")
templates.env.globals.update(TEMPLATE_GLOBALS, said=say)
router = APIRouter()

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
CODE_LENGTH = 6
RETRY_MS = 1000  # how soon a page's EventSource reconnects

hub = Hub()
_store = None
guesses = RateLimit(BOUNDS.guesses_per_minute, 60)
starts = RateLimit(BOUNDS.starts_per_hour, 3600)
streams = Streams(BOUNDS.max_streams, BOUNDS.max_streams_per_address)


def store():
    global _store
    if _store is None:
        url = redis_url()
        seconds = BOUNDS.hours * 3600
        _store = RedisStore(hub, seconds, url) if url else MemoryStore(hub, seconds)
    return _store


# -- the requests' shapes ------------------------------------------------------------------------------------------


class ClassState(BaseModel):
    """What the instructor's page shows that the students' pages follow."""
    model_config = ConfigDict(extra="ignore")
    program: str = Field("", max_length=20_000)
    values: dict[str, Any] = Field(default_factory=dict, max_length=200)
    unfold: bool = False
    quiz: bool = False
    step: int | None = Field(None, ge=0, le=1_000_000)
    pinned: int | None = Field(None, ge=0, le=1_000_000)


class Accept(BaseModel):
    low: FiniteFloat | None
    high: FiniteFloat | None


class Words(BaseModel):
    en: str = Field(max_length=4000)
    zh: str = Field(max_length=4000)


class Use(BaseModel):
    model_config = ConfigDict(extra="ignore")
    op: str = Field(max_length=40)
    upstream: FiniteFloat | None = None
    local: FiniteFloat | None = None


class Question(BaseModel):
    """A node's question from quiz mode (the graph's ``quiz``), as the instructor's page got it from the API."""
    node: int = Field(ge=0, le=1_000_000)
    kind: Literal["grad", "value"]
    asks: str = Field(max_length=300)
    accept: Accept
    hint: Words
    show: Words
    uses: list[Use] = Field(default_factory=list, max_length=64)
    correct: FiniteFloat
    node_value: FiniteFloat
    node_grad: FiniteFloat | None = None


class Join(BaseModel):
    nickname: str = Field("", max_length=40)
    student: str | None = Field(None, max_length=64)  # a seat taken already: its nickname changes


class Answer(BaseModel):
    student: str = Field(max_length=64)
    question: str = Field(max_length=64)
    answer: str = Field(max_length=60)


# -- helpers ---------------------------------------------------------------------------------------------------------


def refuse(status: int, key: str, kind: str = "limit", **facts) -> JSONResponse:
    return JSONResponse({"detail": error_detail(kind, say(key, **facts))}, status_code=status)


def address(request: Request) -> str:
    return request.client.host if request.client else "?"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def clean_code(code: str) -> str:
    return code.strip().upper()[:CODE_LENGTH + 4]


async def find(request: Request, code: str) -> tuple[dict | None, JSONResponse | None]:
    """The class's meta, or the answer for a code that is not one (counted against the address's guesses)."""
    if guesses.exhausted(address(request)):
        return None, refuse(429, "class_too_many_guesses", seconds=60)
    meta = await store().meta(code)
    if meta is None:
        guesses.spend(address(request))
        return None, refuse(404, "class_no_such_class", kind="not_found", code=code[:CODE_LENGTH + 4], hours=BOUNDS.hours)
    return meta, None


async def instructor(request: Request, code: str, key: str | None):
    meta, refused = await find(request, code)
    if refused:
        return None, refused
    if not key or not hmac.compare_digest(digest(key), meta["key"]):
        guesses.spend(address(request))
        return None, refuse(403, "class_not_the_instructor", kind="forbidden")
    await store().touch(code)
    return meta, None


def link(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/class/{code}"


def public(question: dict | None) -> dict | None:
    """What the students see of a question: never the answers it accepts, until it is revealed."""
    if question is None:
        return None
    shown = {key: question[key] for key in ("id", "node", "kind", "asks", "revealed")}
    if question["revealed"]:
        shown["show"] = question["show"]
    return shown


async def publish_view(code: str, state: dict | None = None, question: dict | None | Literal[False] = False) -> dict:
    view = await store().view(code) or {"state": {}, "question": None, "version": 0}
    if state is not None:
        view["state"] = state
    if question is not False:
        view["question"] = public(question)
    view["version"] += 1
    await store().set_view(code, view)
    return view


def stored_errors(handler):
    """A route whose store is away answers 503, with a sentence, and the page tries again."""
    @functools.wraps(handler)
    async def guarded(*args, **kwargs):
        try:
            return await handler(*args, **kwargs)
        except StoreAway:
            return JSONResponse({"detail": error_detail("busy", say("class_store_away"))}, status_code=503,
                                headers={"retry-after": "2"})
    return guarded


# -- starting, joining, the pages ----------------------------------------------------------------------------------


@router.post("/class", summary="Start a class", include_in_schema=False)
@stored_errors
async def start_class(request: Request, state: ClassState | None = None):
    """A new class with the instructor's page's state: its code, the students' link and the instructor's key."""
    if starts.exhausted(address(request)):
        return refuse(429, "class_too_many_starts", seconds=starts.seconds)
    if await store().count() >= BOUNDS.max_classes:
        return refuse(503, "class_too_many_classes", limit=BOUNDS.max_classes)
    key = secrets.token_urlsafe(24)
    view = {"state": (state or ClassState()).model_dump(), "question": None, "version": 1}
    for _ in range(10):
        code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        if await store().create(code, {"key": digest(key), "started": time.time()}, view):
            break
    starts.spend(address(request))
    students = link(request, code)
    return {"code": code, "key": key, "students_link": students, "instructor_link": f"{students}?key={key}",
            "qr": f"/class/{code}/qr.svg", "hours": BOUNDS.hours}


@router.get("/class", include_in_schema=False)
async def join_page(request: Request, code: str | None = None):
    """The page that asks for a class code (and takes one from its form)."""
    if code:
        return RedirectResponse(f"/class/{clean_code(code)}", status_code=303)
    return templates.TemplateResponse(request, "class_join.html", {"code": "", "missing": False})


@router.get("/class/{code}", include_in_schema=False)
@stored_errors
async def class_page(request: Request, code: str):
    """The main page, following the class (or driving it, with the instructor's key); a clear page for a code that
    is not a class."""
    code = clean_code(code)
    if guesses.exhausted(address(request)):
        return templates.TemplateResponse(request, "class_join.html", {"code": code, "missing": True,
                                          "guessing": True, "seconds": 60}, status_code=429)
    if await store().meta(code) is None:
        guesses.spend(address(request))
        return templates.TemplateResponse(request, "class_join.html", {"code": code, "missing": True,
                                          "hours": BOUNDS.hours}, status_code=404)
    return templates.TemplateResponse(request, "index.html", {"examples": examples()})


@router.get("/class/{code}/qr.svg", include_in_schema=False)
@stored_errors
async def qr_code(request: Request, code: str):
    """The students' link as a QR code, drawn here (segno), dark on white whatever the page's theme."""
    code = clean_code(code)
    _, refused = await find(request, code)
    if refused:
        return refused
    picture = io.BytesIO()
    segno.make(link(request, code), error="m").save(picture, kind="svg", scale=10, border=4, xmldecl=False,
                                                    dark="#000", light="#fff", title=f"Class {code}")
    return Response(picture.getvalue(), media_type="image/svg+xml", headers={"cache-control": "max-age=3600"})


@router.post("/class/{code}/join", include_in_schema=False)
@stored_errors
async def join(request: Request, code: str, body: Join | None = None):
    """A student's token for this class (with an optional nickname, only ever shown to the instructor)."""
    code = clean_code(code)
    _, refused = await find(request, code)
    if refused:
        return refused
    student = secrets.token_urlsafe(12)
    if body and body.student and await store().student(code, body.student) is not None:
        student = body.student
    nickname = " ".join((body.nickname if body else "").split())
    if not await store().join(code, student, nickname, BOUNDS.max_students):
        return refuse(409, "class_class_full", limit=BOUNDS.max_students)
    return {"student": student}


# -- the instructor's controls ------------------------------------------------------------------------------------


@router.post("/class/{code}/state", include_in_schema=False)
@stored_errors
async def set_state(request: Request, code: str, state: ClassState,
                    x_class_key: Annotated[str | None, Header()] = None):
    """What the instructor's page shows now, for every student following."""
    code = clean_code(code)
    _, refused = await instructor(request, code, x_class_key)
    if refused:
        return refused
    view = await publish_view(code, state=state.model_dump())
    return {"version": view["version"]}


@router.post("/class/{code}/ask", include_in_schema=False)
@stored_errors
async def ask(request: Request, code: str, question: Question, x_class_key: Annotated[str | None, Header()] = None):
    """Asks every student following for a node's gradient (or value); the tally starts afresh."""
    code = clean_code(code)
    _, refused = await instructor(request, code, x_class_key)
    if refused:
        return refused
    asked = {**question.model_dump(), "id": secrets.token_hex(6), "revealed": False}
    await store().set_question(code, asked)
    view = await publish_view(code, question=asked)
    return {"question": asked["id"], "version": view["version"]}


@router.post("/class/{code}/reveal", include_in_schema=False)
@stored_errors
async def reveal(request: Request, code: str, x_class_key: Annotated[str | None, Header()] = None):
    """Shows everyone the worked answer of the question asked."""
    code = clean_code(code)
    _, refused = await instructor(request, code, x_class_key)
    if refused:
        return refused
    asked = await store().question(code)
    if asked is None:
        return refuse(409, "class_no_such_question", kind="value")
    asked["revealed"] = True
    await store().set_question(code, asked)
    await publish_view(code, question=asked)
    return {"revealed": asked["id"]}


@router.post("/class/{code}/end", include_in_schema=False)
@stored_errors
async def end(request: Request, code: str, x_class_key: Annotated[str | None, Header()] = None):
    code = clean_code(code)
    _, refused = await instructor(request, code, x_class_key)
    if refused:
        return refused
    await store().publish(code, {"kind": "ended"})
    await store().end(code)
    return {"ended": code}


# -- the students' answers -------------------------------------------------------------------------------------


@router.post("/class/{code}/answer", include_in_schema=False)
@stored_errors
async def answer(request: Request, code: str, body: Answer):
    """A student's answer, checked with quiz mode's rules: right or wrong (with the quiz's hint), never shown to
    other students; the instructor's tally counts it."""
    code = clean_code(code)
    _, refused = await find(request, code)
    if refused:
        return refused
    if await store().student(code, body.student) is None:
        return refuse(403, "class_not_a_student", kind="forbidden", code=code)
    asked = await store().question(code)
    if asked is None or asked["id"] != body.question or asked["revealed"]:
        return refuse(409, "class_no_such_question", kind="value")
    number = parse_answer(body.answer)
    right = number is not None and is_right(asked, number)
    mistake = None if right or number is None else mistake_of(asked, number)
    entry = {"text": body.answer.strip(), "number": number, "right": right, "mistake": mistake or "not_a_number"}
    if number is None:
        return {"verdict": "not_a_number", "tries_left": None}
    entries = await store().add_answer(code, asked["id"], body.student, entry, BOUNDS.max_tries)
    if entries is None:
        return refuse(429, "class_too_many_tries", limit=BOUNDS.max_tries)
    return {"verdict": "right" if right else "wrong", "hint": None if right else asked["hint"],
            "tries_left": BOUNDS.max_tries - len(entries)}


# -- following live --------------------------------------------------------------------------------------------


@router.get("/class/{code}/events", include_in_schema=False)
@stored_errors
async def events(request: Request, code: str, student: str | None = None, key: str | None = None):
    """The class as it changes, as Server-Sent Events: first the whole view (a late, reloaded or reconnected page
    catches up at once), then each change; the instructor's stream (with the key) carries the tally too."""
    code = clean_code(code)
    if key is not None:
        _, refused = await instructor(request, code, key)
    else:
        _, refused = await find(request, code)
        if not refused and (not student or await store().student(code, student) is None):
            refused = refuse(403, "class_not_a_student", kind="forbidden", code=code)
    if refused:
        return refused
    who = address(request)
    problem = streams.open(who)
    if problem:
        return refuse(503, problem, limit=streams.cap if problem == "class_too_many_streams" else streams.per_address)
    if not mark_live_stream(request.scope):  # the connection layer's own cap on live streams, and no eviction
        streams.close(who)
        return refuse(503, "class_too_many_streams", limit=app_limits(request).max_live_streams)
    listener = Listener(code, instructor=key is not None)
    try:
        hub.add(listener)
        await store().listen(code)
        if not listener.instructor:
            await store().live_changed(code, hub.students(code))
        view = await store().view(code)
    except BaseException:
        _close(listener, who)
        raise
    stream = _instructor_events(code, listener, view) if listener.instructor else _student_events(code, listener, view)
    return EventSourceResponse(_closing(stream, listener, who), ping=15, send_timeout=30,
                               headers={"cache-control": "no-store", "x-accel-buffering": "no"})


def _close(listener: Listener, who: str) -> None:
    streams.close(who)
    last = hub.remove(listener)

    async def after():
        with contextlib.suppress(StoreAway):
            if last:
                await store().unlisten(listener.code)
            if not listener.instructor:
                await store().live_changed(listener.code, hub.students(listener.code))
    asyncio.get_running_loop().create_task(after())


async def _closing(stream, listener: Listener, who: str):
    try:
        async for event in stream:
            yield event
    finally:
        _close(listener, who)


def _event(kind: str, data: Any) -> dict:
    return {"event": kind, "data": orjson.dumps(data).decode(), "retry": RETRY_MS}


async def _student_events(code: str, listener: Listener, view: dict | None):
    yield _event("view", view)
    while True:
        message = await listener.queue.get()
        kind = message["kind"]
        if kind == "view":
            yield {"event": "view", "data": message["data"], "retry": RETRY_MS}
        elif kind == "catch_up":
            listener.behind = False
            yield _event("view", await store().view(code))
        elif kind in ("trouble", "ended"):
            yield _event(kind, {})
            return


async def _instructor_events(code: str, listener: Listener, view: dict | None):
    """The view, then the tally whenever answers, live pages or the question change: computed once for a burst
    of them (a hundred answers in a second are a handful of tallies). Seen every minute while connected, the class
    does not expire."""
    yield _event("view", view)
    yield _event("tally", await _tally(code))
    while True:
        try:
            message = await asyncio.wait_for(listener.queue.get(), timeout=60)
        except asyncio.TimeoutError:
            await store().touch(code)
            continue
        if message["kind"] in ("trouble", "ended"):
            yield _event(message["kind"], {})
            return
        await asyncio.sleep(BOUNDS.tally_seconds)  # let the burst come in
        while not listener.queue.empty():
            if listener.queue.get_nowait()["kind"] in ("trouble", "ended"):
                yield _event("trouble", {})
                return
        listener.behind = False
        yield _event("tally", await _tally(code))


async def _tally(code: str) -> dict:
    asked = await store().question(code)
    answers = await store().answers(code, asked["id"]) if asked else {}
    names = await store().nicknames(code) if answers else {}
    return tally(asked, answers, names, await store().live(code))
