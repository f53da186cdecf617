"""The computations run in worker processes, so that no request can hold the event loop, run past its time
budget or take the server's memory.

A route opts in with one decorator, ``@in_worker(router, "/graph", GraphRequest, ...)`` over a plain
function of the validated request and the limits in force. The event loop then only reads the body's
bytes; a worker process parses and validates them, runs the function and encodes the answer, which comes
back as bytes. /docs still documents the request model.

Two lanes of workers, so that big work never queues in front of a classroom's small requests:

- *light* workers (``light_workers``) take requests whose body is at most ``max_light_body_bytes``, for at most
  ``light_seconds``; a small request that turns out to be big work is stopped there and starts again on
- the *heavy* workers (``heavy_workers``), which take everything else, one request each, with at most
  ``max_heavy_queue`` waiting (more are answered 503).

And none for a graph whose cost is bounded before it runs and is less than the trip to a worker (a small graph
of numbers, ``admission.lane_for``): the event loop computes it at once, with the same ``serve``, within its
client's share of the event loop's time (``AtOnceSpending``).

Every request has ``max_seconds`` from the end of its body to its answer, queueing included: past it the
worker is killed and replaced, and the answer is a 413 that says so. A client that
disconnects has its work cancelled the same way. Each worker's address space is capped at
``max_worker_mb`` (``resource.setrlimit``), so a computation that needs more meets a ``MemoryError``,
answered 413 with a sentence. Heavy workers run at a lower CPU priority (``HEAVY_NICENESS``), so that on a
busy machine a class's requests go first. Workers start from a fork server that has already imported the engine, with
BLAS on one thread, so a replacement is ready in milliseconds and a matrix product takes one core.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import fcntl
import functools
import importlib
import json
import logging
import math
import multiprocessing
import os
import pickle
import resource
import signal
import struct
import threading
import time
import traceback
import zlib
from typing import Any, Callable

import orjson
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from ..engine.errors import ProgramError, error_detail
from ..engine.limits import Limits, env_var, limits_in_force
from ..words.messages import Text, request_error, say
from .admission import AT_ONCE, HEAVY, LIGHT, lane_for
from .security import BYTES_IN_FLIGHT

log = logging.getLogger("backprop.workers")

Answer = tuple[int, str, bytes, str | None]  # status, media type, body, and a bug's traceback for the server's log
Reply = tuple[int, str, bytes, str | None, str | None]  # an answer as a worker sends it: and its content encoding
JSON = "application/json"

# Routes by "module:name": a worker finds the function and its request model here.
_TASKS: dict[str, tuple[type[BaseModel], Callable, str]] = {}

_VALIDATION_ERROR = {"description": "The body is not JSON of the request's shape: detail lists where.",
                     "content": {JSON: {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}


class _HandlerRoute(APIRoute):
    """A route whose endpoint takes the Request and answers a Response itself, as ``in_worker``'s do: FastAPI has
    nothing to inject, read or encode, so the endpoint is the handler (FastAPI's dependency solving and encoding
    were a sixth of a small request's time in the server). The route is documented in /docs as any other."""

    def get_route_handler(self) -> Callable:
        return self.endpoint


def in_worker(router: APIRouter, path: str, model: type[BaseModel], media_type: str = JSON, **route: Any):
    """Declare ``function(request: model, limits: Limits)`` as the route ``POST path`` of ``router``, computed in a
    worker.

    The function returns bytes (sent as they are), a str (encoded as UTF-8) or JSON-ready data (encoded with
    orjson), and raises ``ProgramError`` for a program that cannot be computed."""
    def declare(function: Callable) -> Callable:
        key = f"{function.__module__}:{function.__qualname__}"
        _TASKS[key] = (model, function, media_type)

        async def route_in_worker(request: Request) -> Response:
            try:
                body = await request.body()
            except ClientDisconnect:  # gone in the middle of its body (evicted, say): nobody to answer
                return Response(status_code=499)
            return await answer(request, key, body)

        route_in_worker.__name__ = function.__name__
        route_in_worker.__doc__ = function.__doc__
        responses = {422: _VALIDATION_ERROR, **route.pop("responses", {})}
        router.add_api_route(path, route_in_worker, methods=["POST"], route_class_override=_HandlerRoute,
                             openapi_extra=request_body(model), responses=responses, **route)
        function.key = key
        return function

    return declare


def request_body(model: type[BaseModel]) -> dict:
    """The OpenAPI of a JSON body of ``model``: what FastAPI writes for a body parameter, which the routes
    here do not have (they hand the bytes to a worker). ``with_request_models`` adds the model's schema."""
    return {"requestBody": {"required": True, "content": {JSON: {"schema": {
        "$ref": f"#/components/schemas/{model.__name__}"}}}}}


def with_request_models(schema: dict) -> dict:
    """An app's OpenAPI ``schema`` with the request models of its routes in ``components``, as FastAPI puts them."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model, _, _ in _TASKS.values():
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema
    return schema


# -- in the server ------------------------------------------------------------------------------------------------

async def answer(request: Request, key: str, body: bytes) -> Response:
    """Compute the route ``key`` on ``body`` in a worker and answer it, within the time budget. The answer's
    ``Server-Timing`` header says how long that took (``work;dur=`` milliseconds, queueing included)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await _answer(request, key, body)
    response.headers["server-timing"] = f"work;dur={round(1e3 * (loop.time() - started))}"
    return response


class _Ask:
    """One request on its way through the lanes: what it asks, of whom, and until when."""

    def __init__(self, request: Request, key: str, body: bytes):
        self.key, self.body = key, body
        self.limits = app_limits(request)
        self.deadline = asyncio.get_running_loop().time() + self.limits.max_seconds
        self.client = request.client.host if request.client else ""
        self.departure = _Departure(request)
        # A big answer is compressed by the worker that wrote it, if the client takes gzip (a small one computed at
        # once, by the event loop: a few kilobytes).
        self.gzip = b"gzip" in _header(request, b"accept-encoding")


    @classmethod
    def plain(cls, key: str, body: bytes, limits: Limits, gzip: bool = False) -> "_Ask":
        """A request made by the server itself (start-up, tests, benchmarks), with no client."""
        ask = cls.__new__(cls)
        ask.key, ask.body, ask.limits, ask.gzip, ask.client = key, body, limits, gzip, ""
        return ask


def _header(request: Request, name: bytes) -> bytes:
    return next((value for key, value in request.scope["headers"] if key == name), b"")


async def _answer(request: Request, key: str, body: bytes) -> Response:
    ask = _Ask(request, key, body)
    pools = _pools(ask.limits)
    try:
        lane = lane_for(key, body) if len(body) <= ask.limits.max_light_body_bytes else HEAVY
        if lane is AT_ONCE:
            if AT_ONCE_SPENT.may(ask.client):
                return _response(_computed_at_once(ask), ask)
            lane = LIGHT  # past its share of the event loop: it takes a worker's turn, as a small request does
        if lane is LIGHT:
            if not pools.light.admits(ask.client):
                return await refused(say("too_many_requests"))
            result = await _attempt(pools.light, ask, ask.limits.light_seconds)
            if result is not _MOVE_TO_HEAVY:
                return result
        if not pools.heavy.admits(ask.client):
            return await refused(say("busy_computing", count=pools.heavy.holding))
        return await _attempt(pools.heavy, ask, None)
    finally:
        ask.departure.stop_watching()


_MOVE_TO_HEAVY = object()

# A refused request's 503 waits a second: a client that asks again as soon as it is refused (fifty loops of a
# 10,000-step training took 900 refusals a second of the event loop's time) then asks once a second. At most
# MAX_PAUSED wait at once, since a connection waiting for its answer is not one the connection cap may evict;
# past them a refusal is answered at once.
REFUSAL_PAUSE = 1.0
MAX_PAUSED = 64
_paused = 0


async def refused(message: Text) -> Response:
    global _paused
    if _paused < MAX_PAUSED:
        _paused += 1
        try:
            await asyncio.sleep(REFUSAL_PAUSE)
        finally:
            _paused -= 1
    return busy(message)


class _Departure:
    """Whether the client has gone, watched only once a request has waited ``QUICK`` seconds: most of a
    class's requests are answered sooner, and a watch (a task reading the connection) costs each of them."""

    QUICK = 0.05

    def __init__(self, request: Request):
        self.request = request
        self._watch: asyncio.Future | None = None

    @property
    def watch(self) -> asyncio.Future:
        if self._watch is None:
            self._watch = asyncio.ensure_future(_disconnect(self.request))
        return self._watch

    async def outcome(self, future: asyncio.Future, seconds: float) -> str:
        """"done" when ``future`` is, "left" if the client goes first, "late" after ``seconds``."""
        quick = min(seconds, self.QUICK)
        if self._watch is None:
            if await _done_within(future, quick):
                return "done"
            seconds -= quick
        done, _ = await asyncio.wait((future, self.watch), timeout=max(seconds, 0),
                                     return_when=asyncio.FIRST_COMPLETED)
        return "done" if future in done else "left" if self.watch in done else "late"

    def stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.cancel()


async def _done_within(future: asyncio.Future, seconds: float) -> bool:
    """Whether ``future`` is done within ``seconds``: what ``asyncio.wait`` does for one future, without its
    sets, its waiter's callbacks on every future and its copies, on the path every request takes."""
    if future.done():
        return True
    waiter = asyncio.get_running_loop().create_future()

    def wake(_=None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    timer = waiter.get_loop().call_later(seconds, wake)
    future.add_done_callback(wake)
    try:
        await waiter
    finally:
        timer.cancel()
        future.remove_done_callback(wake)
    return future.done()


async def _attempt(lane: Lane, ask: _Ask, lane_seconds: float | None):
    """The request on a worker of ``lane``. A worker found dead (killed while idle, say) is replaced alone, and
    the request tried once more on the next worker of the lane: its client never hears of it."""
    result = await _attempt_once(lane, ask, lane_seconds)
    if result is _DEAD_WORKER:
        result = await _attempt_once(lane, ask, lane_seconds)
    return busy(say("restarting")) if result is _DEAD_WORKER else result


_DEAD_WORKER = object()


async def _attempt_once(lane: Lane, ask: _Ask, lane_seconds: float | None):
    loop = asyncio.get_running_loop()
    client, limits = ask.client, ask.limits
    lane.enter(client)
    slot = lane.take_now(client)
    if slot is None:  # every worker busy: wait for this client's turn
        turn = asyncio.ensure_future(lane.take(client))
        outcome = await ask.departure.outcome(turn, ask.deadline - loop.time())
        if outcome != "done":
            turn.cancel()  # gives the worker back if its turn came meanwhile
            lane.leave(client)
            if outcome == "left":
                return Response(status_code=499)
            # Waited out its time for a worker: say why (workers starting again, not this request's work).
            return busy(say("restarting")) if lane.restarting() else over_budget(limits)
        slot = turn.result()
    started = loop.time()
    remaining = ask.deadline - loop.time()
    seconds = max(remaining if lane_seconds is None else min(remaining, lane_seconds), 0.001)
    exchange = slot.send(ask)
    outcome = await ask.departure.outcome(exchange.result, seconds)
    exchange.close()
    if outcome != "done":
        # The client left, or the time ran out: the worker is stopped and replaced, and is the lane's again
        # when its successor is ready; the others' requests never wait for that.
        slot.replace(then=lambda: _call_soon(loop, lane.give_back, slot, client, loop.time() - started))
        if outcome == "left":
            return Response(status_code=499)  # nginx's "client closed request": nobody reads it
        if lane_seconds is not None and loop.time() < ask.deadline - 0.001:
            return _MOVE_TO_HEAVY
        return over_budget(limits)
    try:
        status, media_type, data, bug, encoding = await slot.answer_of(exchange)
    except BrokenPipeError:  # it had ended before it was asked: nothing computed, the request may go elsewhere
        slot.replace(then=lambda: _call_soon(loop, lane.give_back, slot, client, loop.time() - started))
        return _DEAD_WORKER
    except WorkerGone as gone:
        slot.replace(then=lambda: _call_soon(loop, lane.give_back, slot, client, loop.time() - started))
        return error_response(413, say("worker_ended", how=_how(gone.exitcode), limit=limits.max_worker_mb,
                                       variable=env_var("max_worker_mb")))
    lane.give_back(slot, client, loop.time() - started)
    return _response((status, media_type, data, bug, encoding), ask)


def _computed_at_once(ask: _Ask) -> tuple:
    """The request computed here, in the event loop, as a worker would (admission.AT_ONCE: its cost is bounded
    before it runs, and less than the trip to a worker)."""
    started = time.perf_counter()
    try:
        answer = serve(ask.key, ask.body, ask.limits)
        return compressed(answer) if ask.gzip else (*answer, None)
    finally:
        AT_ONCE_SPENT.charge(ask.client, time.perf_counter() - started)


class Spending:
    """Each client's seconds of work and its requests lately, each halved every ``half_life`` seconds. Past
    ``remembered`` clients, the least spending of those not kept are forgotten, down to half as many."""

    clock = staticmethod(time.monotonic)

    def __init__(self, half_life: float, remembered: int = 4096):
        self.half_life, self.remembered = half_life, remembered
        self.spent: dict[str, tuple[float, float, float]] = {}  # client → (seconds, requests, when)

    def of(self, client: str, now: float | None = None) -> tuple[float, float]:
        """The client's seconds and requests, each halved every ``half_life`` seconds since."""
        now = self.clock() if now is None else now
        seconds, requests, then = self.spent.get(client, (0.0, 0.0, now))
        fading = 0.5 ** ((now - then) / self.half_life)
        return seconds * fading, requests * fading

    def charge(self, client: str, seconds: float, keep=()) -> None:
        now = self.clock()
        spent, requests = self.of(client, now)
        self.spent[client] = (spent + seconds, requests + 1, now)
        if len(self.spent) > self.remembered:
            least = sorted((other for other in self.spent if other not in keep), key=lambda other: self.of(other, now))
            for forgotten in least[: len(self.spent) - self.remembered // 2]:
                del self.spent[forgotten]


class AtOnceSpending(Spending):
    """Each client's time computed at once in the event loop lately. A client past ``SHARE`` of the event loop's
    time (a flood of the costliest small requests, about 1 ms each) has its small requests computed by the light
    workers too, where they take their turn among everyone's; a class of a hundred behind one address (500
    requests a second, 0.03-0.1 ms each) spends a few percent."""

    SHARE = 0.1
    HALF_LIFE = 1.0  # seconds

    def __init__(self):
        super().__init__(self.HALF_LIFE)
        self.most = self.SHARE * self.HALF_LIFE / math.log(2)  # what a steady SHARE of the time adds up to

    def may(self, client: str) -> bool:
        return self.of(client)[0] < self.most


AT_ONCE_SPENT = AtOnceSpending()


def _response(answer: tuple, ask: _Ask) -> Response:
    status, media_type, data, bug, encoding = answer
    if bug is not None:  # logged here, not in the worker: through the server's filter of repeats
        log.error("Error computing %s:\n%s", ask.key, bug)
    response = BoundedAnswer(data, status, media_type, small=len(data) <= ask.limits.max_light_body_bytes)
    if encoding:
        response.headers["content-encoding"] = encoding
    response.headers["vary"] = "Accept-Encoding"  # the same request may be answered gzipped or not
    return response


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable, *args) -> None:
    with contextlib.suppress(RuntimeError):  # the event loop has closed: the server is stopping
        loop.call_soon_threadsafe(callback, *args)


class Lane:
    """Workers that requests wait for, shared fairly by worker time: a freed worker goes to the waiting client
    that has used the least worker time lately (``spending``, halved every ``HALF_LIFE`` seconds), so one client's
    queued work never sits in front of everyone else's, and a client of long requests (a 300-line program with
    its drawing, 48 at a time) does not get as many turns as a class of 3-node ones. Among clients that have
    spent alike, round robin. And a client whose requests have lately taken more than ``LONG`` seconds each
    computes on all but one of the lane's workers at most: a class's short request then finds a worker free
    instead of waiting out a long one (a turn, however fair, does not stop work already running).

    A client may hold at most ``per_client`` requests here (waiting or computing), and at most ``max_waiting``
    requests of all clients wait (None: no bound but the clients')."""

    HALF_LIFE = 5.0  # seconds
    LONG = 0.02  # seconds of work a request, on average lately, that make a client's requests long
    REMEMBERED = 4096  # clients whose spending is kept; past it, the least spending of those holding nothing go

    def __init__(self, slots: list["Slot"], per_client: int, max_waiting: int | None = None):
        self.slots = slots
        self.free = list(slots)
        self.per_client = per_client
        self.max_waiting = max_waiting
        self.turns: dict[str, collections.deque] = {}  # client → its waiting requests; the next client first
        self.held: collections.Counter = collections.Counter()  # client → its requests here
        self.computing: collections.Counter = collections.Counter()  # client → its requests on a worker now
        self.holding = 0
        self.spending = Spending(self.HALF_LIFE, self.REMEMBERED)  # each client's worker time lately

    def admits(self, client: str) -> bool:
        waiting = self.holding - (len(self.slots) - len(self.free))
        return self.held[client] < self.per_client and (self.max_waiting is None or waiting < self.max_waiting)

    def enter(self, client: str) -> None:
        self.held[client] += 1
        self.holding += 1

    def leave(self, client: str) -> None:
        self.holding -= 1
        self.held[client] -= 1
        if self.held[client] <= 0:
            del self.held[client]

    def restarting(self) -> bool:
        return any(slot.replacing for slot in self.slots)

    def take_now(self, client: str) -> "Slot | None":
        """A free worker if one is free, ``client`` may have it and no waiting client may (those go first); else
        None."""
        if not self.free or not self._may(client) or (self.turns and self._next_client() is not None):
            return None
        return self._give(client, self._free_slot())

    async def take(self, client: str) -> "Slot":
        """A free worker, when this request's turn comes."""
        slot = self.take_now(client)
        if slot is not None:
            return slot
        turn = asyncio.get_running_loop().create_future()
        self.turns.setdefault(client, collections.deque()).append(turn)
        if self.free and self._may(client):  # a worker kept free from others' long requests: this one may have it
            self._next(self._free_slot())
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._ungive(client)
                self._next(turn.result())  # its turn came as it was given up: pass the worker on
            else:
                self._forget(client, turn)
            raise

    def _free_slot(self) -> "Slot":
        """The free worker used last (its memory is warm), unless it is being replaced and another is free."""
        for i in range(len(self.free) - 1, -1, -1):
            if not getattr(self.free[i], "replacing", False):
                return self.free.pop(i)
        return self.free.pop()

    def _give(self, client: str, slot: "Slot") -> "Slot":
        self.computing[client] += 1
        return slot

    def _ungive(self, client: str) -> None:
        self.computing[client] -= 1
        if self.computing[client] <= 0:
            del self.computing[client]

    def give_back(self, slot: "Slot", client: str, seconds: float = 0.0) -> None:
        """``slot`` free again after ``seconds`` of ``client``'s work."""
        self.leave(client)
        self._ungive(client)
        self._charge(client, seconds)
        self._next(slot)

    def _may(self, client: str) -> bool:
        """Whether ``client`` may have one more worker now: not a client of long requests on all but one."""
        if len(self.slots) < 2 or self.computing[client] < len(self.slots) - 1:
            return True
        seconds, requests = self.spending.of(client)
        return requests == 0 or seconds / requests <= self.LONG

    def _charge(self, client: str, seconds: float) -> None:
        self.spending.charge(client, seconds, keep=self.held)

    def _next_client(self) -> str | None:
        """The waiting client that has spent least and may have a worker (the first of equals: round robin)."""
        now = self.spending.clock()
        allowed = [client for client in self.turns if self._may(client)]
        return min(allowed, key=lambda client: self.spending.of(client, now)[0], default=None)

    def _next(self, slot: "Slot") -> None:
        while (client := self._next_client()) is not None:
            waiting = self.turns.pop(client)
            turn = waiting.popleft()
            if waiting:
                self.turns[client] = waiting  # behind every other client's turn
            if not turn.done():
                turn.set_result(self._give(client, slot))
                return
        self.free.append(slot)

    def _forget(self, client: str, turn: asyncio.Future) -> None:
        waiting = self.turns.get(client)
        if waiting is not None:
            with contextlib.suppress(ValueError):
                waiting.remove(turn)
            if not waiting:
                del self.turns[client]


async def _disconnect(request: Request) -> None:
    """Returns when the client has gone (the body has been read, so the next message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _how(exitcode: int | None) -> Text:
    return say("signal", number=-exitcode) if exitcode is not None and exitcode < 0 else say("exit_code",
                                                                                              number=exitcode)


def error_response(status: int, message: Text, kind: str = "limit") -> Response:
    return Response(orjson.dumps({"detail": error_detail(kind, message)}), status_code=status, media_type=JSON)


def over_budget(limits: Limits) -> Response:
    return error_response(413, say("over_budget", seconds=limits.max_seconds, variable=env_var("max_seconds")))


def busy(message: Text) -> Response:
    response = error_response(503, message, kind="busy")
    response.headers["retry-after"] = "2"
    return response


class BoundedAnswer(Response):
    """An answer sent in slices, each after the client has taken the one before (uvicorn waits for the socket
    to drain between messages), so that a client that reads slowly holds at most a slice of it in the
    server's send buffer; the whole answer counts against the bytes the server may hold (security.py)."""

    SLICE = 256 * 1024

    def __init__(self, body: bytes, status_code: int, media_type: str, small: bool = True):
        super().__init__(b"", status_code=status_code, media_type=media_type)
        self.answer = body
        self.small = small  # a class's answer: never refused for the bytes the server holds
        self.headers["content-length"] = str(len(body))

    async def __call__(self, scope, receive, send) -> None:
        if not BYTES_IN_FLIGHT.take(len(self.answer), force=self.small):
            await busy(say("too_many_answers"))(scope, receive, send)
            return
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            view = memoryview(self.answer)
            for start in range(0, max(len(view), 1), self.SLICE):
                await send({"type": "http.response.body", "body": bytes(view[start:start + self.SLICE]),
                            "more_body": start + self.SLICE < len(view)})
        finally:
            BYTES_IN_FLIGHT.give_back(len(self.answer))


# The heavy workers run at a lower CPU priority: on a busy machine the event loop and the light workers, a
# class's requests, go first, and big work takes what is left (or runs into its time budget).
HEAVY_NICENESS = 10


class WorkerGone(Exception):
    """The worker process ended (killed, or out of memory) before it answered."""

    def __init__(self, exitcode: int | None):
        super().__init__(exitcode)
        self.exitcode = exitcode


class Slot:
    """One worker process and the two pipes to it: requests go down one, answers come back up the other, each a
    pickled message behind its length. The event loop writes and reads them without blocking (``add_writer``,
    ``add_reader``) and without a thread of its own, so a request costs the server two system calls each way
    and nothing while idle. A worker that dies, is stopped or overruns is replaced alone, in a thread (a new
    process from the fork server takes milliseconds, which the event loop must not wait for)."""

    def __init__(self, limits: Limits, niceness: int):
        self.initargs = (limits.max_worker_mb, niceness)
        self.replacing = False
        self.process = None
        self._connections: tuple = ()  # none while no worker is up: its descriptors' numbers may be anyone's now
        self._start()

    def _start(self) -> None:
        with _STARTING:  # one at a time: starting the fork server again (it was killed) is not thread-safe
            context = _context()
            requests_out, requests_in = context.Pipe(duplex=False)
            answers_out, answers_in = context.Pipe(duplex=False)
            taken = context.RawValue("Q", 0)
            process = context.Process(target=_work, args=(requests_out, answers_in, taken, *self.initargs),
                                      daemon=True, name="backprop-worker")
            try:
                process.start()
            finally:
                requests_out.close()
                answers_in.close()
        self.to_worker, self.from_worker = requests_in.fileno(), answers_out.fileno()
        for fd in (self.to_worker, self.from_worker):
            os.set_blocking(fd, False)
            _widen_pipe(fd)
        self.process, self.taken, self.sent = process, taken, 0
        self._connections = (requests_in, answers_out)  # closed with the process, not by the garbage collector

    def send(self, ask: _Ask) -> "_Exchange":
        """Hand the request to the worker; the exchange's ``result`` is done when its answer is back."""
        if self.replacing or not self._connections:
            return _Exchange.failed(BrokenPipeError("the worker is being replaced, or could not be started"))
        message = _framed(pickle.dumps((ask.key, ask.body, _pickled(ask.limits), ask.gzip),
                                       protocol=pickle.HIGHEST_PROTOCOL))
        self.sent += 1
        return _Exchange(asyncio.get_running_loop(), self.to_worker, self.from_worker, message)

    async def answer_of(self, exchange: "_Exchange") -> Reply:
        """The answer of a finished exchange. Raises ``WorkerGone`` if the worker ended before answering,
        ``BrokenPipeError`` if it had ended before it was asked (nothing was computed)."""
        answer = exchange.result.result()
        if answer is None and self.taken.value < self.sent:  # it died before it took the request: nothing done
            raise BrokenPipeError("the worker ended before it took the request")
        if answer is None:
            raise WorkerGone(await asyncio.get_running_loop().run_in_executor(None, self._exitcode))
        return pickle.loads(answer)

    async def compute(self, key: str, body: bytes, limits: Limits, gzip: bool = False) -> Reply:
        exchange = self.send(_Ask.plain(key, body, limits, gzip))
        try:
            await exchange.result
        finally:
            exchange.close()
        return await self.answer_of(exchange)

    def call(self, key: str, body: bytes, limits: Limits, seconds: float = 30) -> Reply:
        """``compute`` for a caller that waits (start-up, tests and benchmarks), in an event loop of its own."""
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, asyncio.wait_for(self.compute(key, body, limits), seconds)).result()

    def _exitcode(self) -> int | None:
        self.process.join(1)
        return self.process.exitcode

    def replace(self, then: Callable[[], None] = lambda: None) -> None:
        """Stop this worker (whatever it is doing) and start another in its place, in a thread; ``then`` is
        called (in that thread) when the new one is ready, or has failed to start (its next use will say so)."""
        if self.replacing:
            return
        self.replacing = True

        def renew() -> None:
            try:
                self._end()
                self._start()
            except Exception:  # the fork server is gone, say: the next request finds this worker broken again
                log.exception("Could not start a computing worker")
            finally:
                self.replacing = False
                then()

        threading.Thread(target=renew, daemon=True, name="backprop-worker-replace").start()

    def _end(self) -> None:
        connections, self._connections = self._connections, ()
        if self.process is not None:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.kill(self.process.pid, signal.SIGKILL)
        for connection in connections:
            connection.close()
        if self.process is not None:
            with contextlib.suppress(ValueError, AssertionError):
                self.process.join(5)

    def close(self) -> None:
        self._end()

    def forget(self) -> None:
        """In a forked child: let go of the parent's worker without stopping it."""
        connections, self._connections = self._connections, ()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.close()


_STARTING = threading.Lock()


class _Exchange:
    """One request written to a worker and its answer read back, driven by the event loop's readiness
    callbacks. ``result`` is the answer's bytes, or None if the worker's end of the pipe closed first."""

    @classmethod
    def failed(cls, error: BaseException) -> "_Exchange":
        exchange = cls.__new__(cls)
        exchange.loop = None
        exchange.result = asyncio.get_running_loop().create_future()
        exchange.result.set_exception(error)
        return exchange

    def __init__(self, loop: asyncio.AbstractEventLoop, to_worker: int, from_worker: int, message: bytes):
        self.loop, self.to_worker, self.from_worker = loop, to_worker, from_worker
        self.unsent = memoryview(message)
        self.received = bytearray()
        self.result = loop.create_future()
        self._send()
        if not self.result.done():
            if self.unsent:
                loop.add_writer(to_worker, self._send)
            loop.add_reader(from_worker, self._receive)

    def _send(self) -> None:
        try:
            sent = os.write(self.to_worker, self.unsent)
        except BlockingIOError:
            return
        except OSError as error:  # the worker had ended: EPIPE
            self._finish(exception=BrokenPipeError(str(error)))
            return
        self.unsent = self.unsent[sent:]
        if not self.unsent and self.loop is not None:
            self.loop.remove_writer(self.to_worker)

    def _receive(self) -> None:
        try:
            chunk = os.read(self.from_worker, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._finish(value=None)
            return
        self.received += chunk
        if len(self.received) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.received)
            if len(self.received) >= _HEADER.size + size:
                self._finish(value=bytes(memoryview(self.received)[_HEADER.size:]))

    def _finish(self, value: bytes | None = None, exception: BaseException | None = None) -> None:
        if not self.result.done():
            if exception is not None:
                self.result.set_exception(exception)
            else:
                self.result.set_result(value)
        self.close()

    def close(self) -> None:
        if self.loop is not None:
            if self.unsent:
                self.loop.remove_writer(self.to_worker)
            self.loop.remove_reader(self.from_worker)
            self.loop = None


_HEADER = struct.Struct("!Q")
_READ_SIZE = 1 << 20


@functools.lru_cache(maxsize=8)
def _pickled(limits: Limits) -> bytes:
    """The limits as the workers receive them: pickled once, not with every request (35 µs each time)."""
    return pickle.dumps(limits, protocol=pickle.HIGHEST_PROTOCOL)


@functools.lru_cache(maxsize=8)
def _unpickled(limits: bytes) -> Limits:
    return pickle.loads(limits)


def _framed(message: bytes) -> bytes:
    return _HEADER.pack(len(message)) + message


def _widen_pipe(fd: int) -> None:
    """A 1 MB pipe (Linux's default is 64 kB): a big answer crosses in fewer wake-ups."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


class _Pools:
    def __init__(self, limits: Limits):
        self.light = Lane([Slot(limits, 0) for _ in range(limits.light_workers)],
                          per_client=limits.max_client_requests)
        self.heavy = Lane([Slot(limits, HEAVY_NICENESS) for _ in range(limits.heavy_workers)],
                          per_client=limits.max_client_heavy_requests, max_waiting=limits.max_heavy_queue)

    def close(self) -> None:
        for slot in self.light.slots + self.heavy.slots:
            slot.close()


_POOLS: _Pools | None = None
_POOLS_LOCK = threading.Lock()


def _pools(limits: Limits) -> _Pools:
    global _POOLS
    if _POOLS is None:
        with _POOLS_LOCK:
            if _POOLS is None:
                _POOLS = _Pools(limits)
    return _POOLS


def start(limits: Limits) -> None:
    """Start the workers now and wait until each answers (the first request would otherwise wait for them)."""
    pools = _pools(limits)
    for slot in pools.light.slots + pools.heavy.slots:
        slot.call(_READY, b"", limits)


def _forget_pools_in_a_forked_child() -> None:
    """A process forked from one with pools has copies of them without their threads and workers, and of the
    parent's fork server, which it cannot wait for: it makes its own of each on first use (a copy would fail
    with "Unexpected error within the Pool", or "No child processes")."""
    global _POOLS, _POOLS_LOCK, _STARTING
    _STARTING = threading.Lock()
    if _POOLS is not None:
        for slot in _POOLS.light.slots + _POOLS.heavy.slots:
            slot.forget()
    _POOLS, _POOLS_LOCK = None, threading.Lock()
    from multiprocessing import forkserver
    server = forkserver._forkserver  # noqa: SLF001 -- multiprocessing keeps one, with no public reset
    if getattr(server, "_forkserver_pid", None) is not None:
        with contextlib.suppress(OSError):
            os.close(server._forkserver_alive_fd)  # the parent's fork server stops with the parent alone
        server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None
        server._lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_pools_in_a_forked_child)


def app_limits(request: Request) -> Limits:
    """The limits the app was started with (its lifespan sets ``app.state.limits``; tests may set them there
    too), or the limits in force for an app used without its lifespan."""
    return getattr(request.app.state, "limits", None) or limits_in_force()


def stop() -> None:
    global _POOLS
    with _POOLS_LOCK:
        if _POOLS is not None:
            _POOLS.close()
            _POOLS = None


# One thread for BLAS in each worker: parallelism comes from the workers, and a matrix product must not take
# the core the event loop needs.
_SINGLE_THREADED = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def _context():
    """A fork server that has imported the routes (and with them the engine and NumPy), in an environment
    that gives BLAS one thread: it forks each worker in milliseconds, from a clean process (not from the
    server, whose threads a fork would copy in the middle of whatever they hold)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["app.server.main"])  # every route module, so every route's function
    saved = {name: os.environ.get(name) for name in _SINGLE_THREADED}
    os.environ.update(_SINGLE_THREADED)
    try:
        from multiprocessing import forkserver
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
    return context


# -- in a worker ---------------------------------------------------------------------------------------------------

_READY = "ready"  # the key of the message that only asks a new worker whether it is up


def _work(requests, answers, taken, max_worker_mb: int, niceness: int) -> None:
    """A worker's life: read a request, answer it, until the server closes its end of the pipe. ``taken``,
    in memory shared with the server, counts the requests it has taken: if it dies, the server knows
    whether it was computing one (killed by it, out of memory, say) or not (killed idle: nothing lost)."""
    _start_worker(max_worker_mb, niceness)
    source, sink = requests.fileno(), answers.fileno()
    while (message := _read_message(source)) is not None:
        taken.value += 1
        key, body, limits, gzip = pickle.loads(message)
        answer = (200, JSON, b"", None) if key == _READY else serve(key, body, _unpickled(limits))
        answer = (*answer, None) if not gzip else compressed(answer)
        _write_all(sink, _framed(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)))


# Below this, compressing saves less than a network packet; level 1 is most of level 6's saving (8.8x
# against 11x on a 370 kB answer) for a fraction of its time.
GZIP_FROM_BYTES = 1400
GZIP_LEVEL = 1


def compressed(answer: Answer) -> tuple:
    """The answer gzipped, with its content encoding, where that pays."""
    status, media_type, data, bug = answer
    if len(data) < GZIP_FROM_BYTES:
        return (*answer, None)
    squeezer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: with a gzip header
    return status, media_type, squeezer.compress(data) + squeezer.flush(), bug, "gzip"


def _read_message(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER.size)
    return None if header is None else _read_exactly(fd, _HEADER.unpack(header)[0])


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd``, or None at the end of the pipe."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = os.readv(fd, [view[got:]])
        if count == 0:
            return None
        got += count
    return bytes(buffer)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _start_worker(max_worker_mb: int, niceness: int) -> None:
    cap = max_worker_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    os.nice(niceness)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stopped at once, never in the middle of a handler
    from .connections import quiet_logs
    quiet_logs()  # a worker's own warnings, repeated, are held back as the server's are


def serve(key: str, body: bytes, limits: Limits) -> Answer:
    """In a worker: validate ``body`` as the route's request model, compute, encode; every outcome an answer."""
    module, _, _ = key.partition(":")
    if key not in _TASKS:
        importlib.import_module(module)  # a pool not started from the fork server (tests may do that)
    model, function, media_type = _TASKS[key]
    try:
        try:
            request = _validate(model, body)
        except ValidationError as error:
            detail = [described({**item, "loc": ["body", *item["loc"]]}) for item in error.errors(include_url=False)]
            # json, not orjson: the input echoed back may hold an integer past 64 bits
            return 422, JSON, json.dumps({"detail": detail}, default=str, ensure_ascii=False).encode(), None
        data = _encode(function(request, limits), media_type)
    except ProgramError as error:
        return (413 if error.kind == "limit" else 400), JSON, orjson.dumps({"detail": error.as_dict()}), None
    except MemoryError:
        return _error(413, say("out_of_memory", limit=limits.max_worker_mb, variable=env_var("max_worker_mb")))
    except Exception:  # a bug: answered 500 with a sentence; its traceback goes to the server, which logs it
        return (*_error(500, say("internal"), kind="internal")[:3], traceback.format_exc()[-4000:])
    if len(data) > limits.max_answer_bytes:
        return _error(413, say("answer_was_too_big", size=len(data), limit=limits.max_answer_bytes,
                               variable=env_var("max_answer_bytes")))
    return 200, media_type, data, None


def _validate(model, body: bytes):
    """The body as the route's request model. JSON may escape a lone surrogate (\\ud800), which pydantic's
    parser refuses as invalid JSON with a misleading message; Python's json reads it, and the program's own
    checks then say which character is not part of the language."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        if error.errors()[0]["type"] != "json_invalid" or b"\\ud" not in body.lower():
            raise
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested past Python's stack, as pydantic says too
            raise error from None
    return model.model_validate(data)


def described(item: dict) -> dict:
    """A validation error as the API answers it: pydantic's English ``msg``, and ``message``, the same in every
    language (the English is pydantic's own),
    without pydantic's context objects."""
    item["message"] = request_error(item)
    item.pop("ctx", None)
    return item


def _encode(result: Any, media_type: str) -> bytes:
    if isinstance(result, bytes):
        return result
    if isinstance(result, str):
        return result.encode()
    try:
        return orjson.dumps(result)
    except orjson.JSONEncodeError as error:
        if isinstance(error.__cause__, MemoryError) or "memory" in str(error).lower():
            raise MemoryError from error
        if "64-bit" in str(error):  # a whole number of the request (an epoch, say) echoed back
            raise ProgramError("value", say("whole_number_too_large", largest=2 ** 63 - 1)) from None
        raise


def _error(status: int, message: Text, kind: str = "limit") -> Answer:
    return status, JSON, orjson.dumps({"detail": error_detail(kind, message)}), None

