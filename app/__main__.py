"""``python -m app [--host HOST] [--port PORT] [--workers N]`` starts the server, bounded as app/server/connections.py
says: safe to expose on its own, with no proxy in front."""

import argparse
import os

import uvicorn

from .engine.limits import limits_in_force
from .server.connections import BoundedProtocol, connection_bounds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description="Start the Backprop Lab server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (default 1), each with its own computing workers; the app holds no "
                             "state, so a bigger class takes more, about one per two cores")
    parser.add_argument("--reload", action="store_true", help="restart when the code changes (for development)")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument("--no-access-log", action="store_true", help="no line per request")
    parser.add_argument("--redis", metavar="URL", help="keep live classes in Redis (redis://host:6379/0), so that "
                        "several processes or machines serve one class (default: BACKPROP_REDIS_URL, else in memory)")
    options = parser.parse_args()
    if options.redis:
        os.environ["BACKPROP_REDIS_URL"] = options.redis  # read by every worker process
    if options.reload and options.workers > 1:
        parser.error("--reload runs one worker; leave out --workers")
    _, backlog = connection_bounds(limits_in_force())  # the limits, read once here; each server process's lifespan
    uvicorn.run("app.server.main:app", host=options.host, port=options.port, reload=options.reload,
                workers=options.workers, loop="uvloop", http=BoundedProtocol, ws="none", backlog=backlog,
                timeout_keep_alive=5, log_level=options.log_level, access_log=not options.no_access_log)


if __name__ == "__main__":
    main()
