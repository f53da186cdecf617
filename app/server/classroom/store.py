"""Where classes live: in this process's memory (the default, nothing to install) or in Redis
(``BACKPROP_REDIS_URL``), so that several server processes or machines serve one class.

A class is a few records: its meta (the hash of the instructor's secret, when it was started), its *view* (what
every student's page shows: the program, values, step, pinned node, fold and quiz flags, the public part of the
question asked), the full question (accepted answers, the hint's parts), its students (token → nickname) and the
answers to each question (student → their answers). Changes are announced on the class's channel: "view" (with the
view, for the students' pages), "answers" and "live" (for the instructor's tally).

In Redis every key has the class's expiry, renewed whenever the instructor is seen; the channel is Redis pub/sub.
In memory, an expired class is dropped the next time classes are looked at. Either way ``Hub`` hands each message to
this process's live pages, each through a small queue of its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections import defaultdict

import orjson

from ..connections import QuietRepeats

log = logging.getLogger("backprop.classroom")
log.addFilter(QuietRepeats())  # Redis gone: one warning per ten seconds, not one per request
SERVER_ID = uuid.uuid4().hex[:12]  # this process, for its count of live pages in a shared store


class StoreAway(Exception):
    """The shared store cannot be reached (Redis down or gone): the routes answer 503 and the pages reconnect."""


class Listener:
    """One live page of this process: the messages for it, in a bounded queue (a page that falls that far behind is
    told to reload the whole state, which it catches up to at once)."""

    QUEUE = 64

    def __init__(self, code: str, instructor: bool):
        self.code = code
        self.instructor = instructor
        self.queue: asyncio.Queue = asyncio.Queue(self.QUEUE)
        self.behind = False

    def offer(self, message: dict) -> None:
        if self.behind:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.behind = True
            self.queue = asyncio.Queue(self.QUEUE)
            self.queue.put_nowait({"kind": "catch_up"})


class Hub:
    """This process's live pages, class by class; ``deliver`` hands a class's message to each of them."""

    def __init__(self):
        self.listeners: dict[str, set[Listener]] = defaultdict(set)

    def add(self, listener: Listener) -> bool:
        """Adds a page; says whether it is the class's first one here."""
        first = not self.listeners[listener.code]
        self.listeners[listener.code].add(listener)
        return first

    def remove(self, listener: Listener) -> bool:
        """Removes a page; says whether it was the class's last one here."""
        pages = self.listeners.get(listener.code)
        if not pages:
            return False
        pages.discard(listener)
        if pages:
            return False
        del self.listeners[listener.code]
        return True

    def students(self, code: str) -> int:
        return sum(not listener.instructor for listener in self.listeners.get(code, ()))

    def deliver(self, code: str, message: dict) -> None:
        """Hands a message to the class's pages here: a view to every page (encoded once for all of them), the
        news of answers and live pages to the instructor's only."""
        pages = self.listeners.get(code, ())
        if message["kind"] == "view":
            message = {**message, "data": orjson.dumps(message["view"]).decode()}
        elif message["kind"] in ("answers", "live"):
            pages = [listener for listener in pages if listener.instructor]
        for listener in list(pages):
            listener.offer(message)

    def trouble(self) -> None:
        """The store went away: every page is told, and ends its stream (it reconnects and catches up)."""
        for pages in list(self.listeners.values()):
            for listener in list(pages):
                listener.offer({"kind": "trouble"})


class MemoryStore:
    """Classes in this process's memory."""

    shared = False

    def __init__(self, hub: Hub, seconds: float):
        self.hub = hub
        self.seconds = seconds
        self.classes: dict[str, dict] = {}

    def _sweep(self) -> None:
        now = time.time()
        for code in [code for code, record in self.classes.items() if record["expires"] < now]:
            del self.classes[code]

    def _class(self, code: str) -> dict | None:
        record = self.classes.get(code)
        if record is None or record["expires"] < time.time():
            return None
        return record

    async def count(self) -> int:
        self._sweep()
        return len(self.classes)

    async def create(self, code: str, meta: dict, view: dict) -> bool:
        self._sweep()
        if code in self.classes:
            return False
        self.classes[code] = {"meta": meta, "view": view, "question": None, "students": {}, "answers": {},
                              "expires": time.time() + self.seconds}
        return True

    async def meta(self, code: str) -> dict | None:
        record = self._class(code)
        return record and record["meta"]

    async def touch(self, code: str) -> None:
        record = self._class(code)
        if record:
            record["expires"] = time.time() + self.seconds

    async def end(self, code: str) -> None:
        self.classes.pop(code, None)

    async def view(self, code: str) -> dict | None:
        record = self._class(code)
        return record and record["view"]

    async def set_view(self, code: str, view: dict) -> None:
        self.classes[code]["view"] = view
        await self.publish(code, {"kind": "view", "view": view})

    async def question(self, code: str) -> dict | None:
        record = self._class(code)
        return record and record["question"]

    async def set_question(self, code: str, question: dict | None) -> None:
        self.classes[code]["question"] = question

    async def join(self, code: str, student: str, nickname: str, cap: int) -> bool:
        students = self.classes[code]["students"]
        if student not in students and len(students) >= cap:
            return False
        students[student] = nickname
        return True

    async def student(self, code: str, student: str) -> str | None:
        record = self._class(code)
        return None if record is None else record["students"].get(student)

    async def add_answer(self, code: str, qid: str, student: str, entry: dict, cap: int) -> list | None:
        """Adds an answer to the student's; their answers so far, or None past ``cap``."""
        answers = self.classes[code]["answers"].setdefault(qid, {}).setdefault(student, [])
        if len(answers) >= cap:
            return None
        answers.append(entry)
        await self.publish(code, {"kind": "answers"})
        return list(answers)

    async def answers(self, code: str, qid: str) -> dict[str, list]:
        record = self._class(code)
        return {} if record is None else dict(record["answers"].get(qid, {}))

    async def nicknames(self, code: str) -> dict[str, str]:
        record = self._class(code)
        return {} if record is None else dict(record["students"])

    async def live_changed(self, code: str, students_here: int) -> None:
        await self.publish(code, {"kind": "live"})

    async def live(self, code: str) -> int:
        return self.hub.students(code)

    async def publish(self, code: str, message: dict) -> None:
        self.hub.deliver(code, message)

    async def listen(self, code: str) -> None:
        """The hub hears this class (nothing to do in memory)."""

    async def unlisten(self, code: str) -> None:
        pass

    async def renew_live(self) -> None:
        pass


class RedisStore:
    """Classes in Redis: keys with the class's expiry, changes through pub/sub (one subscription per process)."""

    shared = True
    PREFIX = "backprop:class:"

    def __init__(self, hub: Hub, seconds: float, url: str):
        import redis.asyncio as redis  # only when Redis is asked for

        self.redis_errors = (redis.RedisError, OSError)
        self.hub = hub
        self.seconds = int(seconds)
        # A bounded pool that makes a request wait for a connection (a class of 200 joining at once), rather than
        # one that refuses past its size.
        pool = redis.BlockingConnectionPool.from_url(url, max_connections=64, timeout=5, socket_timeout=2,
                                                     socket_connect_timeout=2, health_check_interval=10)
        self.client = redis.Redis(connection_pool=pool)
        self.pubsub = None
        self.channels: set[str] = set()  # wanted
        self.subscribed: set[str] = set()  # heard
        self.reader: asyncio.Task | None = None
        self.created_here: dict[str, float] = {}  # the classes this process started, for its cap

    def _key(self, code: str, *parts: str) -> str:
        return self.PREFIX + ":".join((code, *parts))

    def _keys(self, code: str) -> list[str]:
        return [self._key(code, part) for part in ("meta", "view", "question", "students", "live")]

    async def _call(self, coroutine):
        try:
            return await coroutine
        except self.redis_errors as error:
            log.warning("Redis: %s", error)
            raise StoreAway from error

    async def count(self) -> int:
        now = time.time()
        self.created_here = {code: until for code, until in self.created_here.items() if until > now}
        return len(self.created_here)

    async def create(self, code: str, meta: dict, view: dict) -> bool:
        async def create():
            made = await self.client.set(self._key(code, "meta"), orjson.dumps(meta), nx=True, ex=self.seconds)
            if made:
                await self.client.set(self._key(code, "view"), orjson.dumps(view), ex=self.seconds)
            return bool(made)
        made = await self._call(create())
        if made:
            self.created_here[code] = time.time() + self.seconds
        return made

    async def meta(self, code: str) -> dict | None:
        text = await self._call(self.client.get(self._key(code, "meta")))
        return orjson.loads(text) if text else None

    async def touch(self, code: str) -> None:
        async def touch():
            async with self.client.pipeline(transaction=False) as pipe:
                for key in self._keys(code):
                    pipe.expire(key, self.seconds)
                await pipe.execute()
        await self._call(touch())
        if code in self.created_here:
            self.created_here[code] = time.time() + self.seconds

    async def end(self, code: str) -> None:
        await self._call(self.client.delete(*self._keys(code)))
        self.created_here.pop(code, None)

    async def view(self, code: str) -> dict | None:
        text = await self._call(self.client.get(self._key(code, "view")))
        return orjson.loads(text) if text else None

    async def set_view(self, code: str, view: dict) -> None:
        await self._call(self.client.set(self._key(code, "view"), orjson.dumps(view), ex=self.seconds))
        await self.publish(code, {"kind": "view", "view": view})

    async def question(self, code: str) -> dict | None:
        text = await self._call(self.client.get(self._key(code, "question")))
        return orjson.loads(text) if text else None

    async def set_question(self, code: str, question: dict | None) -> None:
        key = self._key(code, "question")
        if question is None:
            await self._call(self.client.delete(key))
        else:
            await self._call(self.client.set(key, orjson.dumps(question), ex=self.seconds))

    async def join(self, code: str, student: str, nickname: str, cap: int) -> bool:
        key = self._key(code, "students")

        async def join():
            if not await self.client.hexists(key, student) and await self.client.hlen(key) >= cap:
                return False  # a race may let a few more in at once: the cap is a bound, not an exact count
            await self.client.hset(key, student, nickname)
            await self.client.expire(key, self.seconds)
            return True
        return await self._call(join())

    async def student(self, code: str, student: str) -> str | None:
        value = await self._call(self.client.hget(self._key(code, "students"), student))
        return None if value is None else value.decode()

    async def add_answer(self, code: str, qid: str, student: str, entry: dict, cap: int) -> list | None:
        key = self._key(code, "answers", qid)

        async def add():
            text = await self.client.hget(key, student)
            answers = orjson.loads(text) if text else []
            if len(answers) >= cap:
                return None
            answers.append(entry)  # one student's answers come from one page, one at a time
            await self.client.hset(key, student, orjson.dumps(answers))
            await self.client.expire(key, self.seconds)
            return answers
        answers = await self._call(add())
        if answers is not None:
            await self.publish(code, {"kind": "answers"})
        return answers

    async def answers(self, code: str, qid: str) -> dict[str, list]:
        found = await self._call(self.client.hgetall(self._key(code, "answers", qid)))
        return {student.decode(): orjson.loads(text) for student, text in found.items()}

    async def nicknames(self, code: str) -> dict[str, str]:
        found = await self._call(self.client.hgetall(self._key(code, "students")))
        return {student.decode(): name.decode() for student, name in found.items()}

    async def live_changed(self, code: str, students_here: int) -> None:
        async def write():
            key = self._key(code, "live")
            if students_here:
                await self.client.hset(key, SERVER_ID, students_here)
                await self.client.expire(key, self.seconds)
            else:
                await self.client.hdel(key, SERVER_ID)
        await self._call(write())
        await self.publish(code, {"kind": "live"})

    async def live(self, code: str) -> int:
        counts = await self._call(self.client.hvals(self._key(code, "live")))
        return sum(int(count) for count in counts)

    async def publish(self, code: str, message: dict) -> None:
        await self._call(self.client.publish(self._key(code, "channel"), orjson.dumps(message)))

    async def listen(self, code: str) -> None:
        """Until this process hears the class's channel (its reader subscribes), so that nothing published after the
        page reads the class's state is missed."""
        channel = self._key(code, "channel")
        self.channels.add(channel)
        if self.reader is None or self.reader.done():
            self.reader = asyncio.create_task(self._read())
        deadline = time.monotonic() + 3
        while channel not in self.subscribed:
            if time.monotonic() > deadline:
                raise StoreAway
            await asyncio.sleep(0.005)

    async def unlisten(self, code: str) -> None:
        self.channels.discard(self._key(code, "channel"))  # the reader unsubscribes

    async def _read(self) -> None:
        """Subscribes to the channels of the classes this process has pages for, and hands each message to them;
        when Redis goes away, tells the pages (they reconnect, and catch up from the keys) and subscribes again once
        it is back. Only this task touches the subscription."""
        while self.channels or self.subscribed:
            try:
                if self.pubsub is None:
                    self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                    self.subscribed = set()
                new, old = self.channels - self.subscribed, self.subscribed - self.channels
                if new:
                    await self.pubsub.subscribe(*new)
                    self.subscribed |= new
                if old:
                    await self.pubsub.unsubscribe(*old)
                    self.subscribed -= old
                message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0.05)
                if message and message["type"] == "message":
                    code = message["channel"].decode()[len(self.PREFIX):].split(":")[0]
                    self.hub.deliver(code, orjson.loads(message["data"]))
            except self.redis_errors as error:
                log.warning("Redis pub/sub: %s; the classes' pages are told and reconnect", error)
                self.hub.trouble()
                with contextlib.suppress(Exception):
                    await self.pubsub.aclose()
                self.pubsub, self.subscribed = None, set()
                await asyncio.sleep(1.0)
        if self.pubsub is not None:
            with contextlib.suppress(Exception):
                await self.pubsub.aclose()
            self.pubsub = None

    async def renew_live(self) -> None:
        """This process's live counts again, so that they outlive a restart of Redis."""
        for code in list(self.hub.listeners):
            with contextlib.suppress(StoreAway):
                await self.live_changed(code, self.hub.students(code))


def redis_url() -> str | None:
    return os.environ.get("BACKPROP_REDIS_URL") or None
