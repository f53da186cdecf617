"""``python -m app [--host HOST] [--port PORT] [--workers N]`` starts the server."""

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description="Start the Backprop Lab server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (default 1); the app holds no state, so a bigger class takes more "
                             "workers, about one per core")
    parser.add_argument("--reload", action="store_true", help="restart when the code changes (for development)")
    options = parser.parse_args()
    if options.reload and options.workers > 1:
        parser.error("--reload runs one worker; leave out --workers")
    uvicorn.run("app.main:app", host=options.host, port=options.port, reload=options.reload,
                workers=options.workers)


if __name__ == "__main__":
    main()
