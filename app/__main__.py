"""``python -m app [--host HOST] [--port PORT]`` starts the server."""

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description="Start the Backprop Lab server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--reload", action="store_true", help="restart when the code changes (for development)")
    options = parser.parse_args()
    uvicorn.run("app.main:app", host=options.host, port=options.port, reload=options.reload)


if __name__ == "__main__":
    main()
