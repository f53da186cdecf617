"""Every private name of uvicorn's httptools protocol that ``connections.BoundedProtocol`` relies on, in one place.

uvicorn documents no API for its protocol classes. pyproject.toml pins the uvicorn versions these were read
from and tested with, and tests/test_uvicorn_private.py checks each name below on a live protocol, so that an
upgrade that renames or reshapes one fails a test named after it rather than a connection at run time.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Attributes the protocol reads, and what each holds in uvicorn.
ATTRIBUTES = {
    "connections": "the server's set of open connections (ServerState.connections), shared by every protocol",
    "url": "the request's URL bytes, as the parser has given them so far",
    "headers": "the request's (name, value) header pairs, as the parser has given them so far",
    "pipeline": "the pipelined requests waiting behind the one being answered (a deque)",
    "cycle": "the request being answered (RequestResponseCycle), None before the first; its response_complete",
    "scope": "the ASGI scope of the request whose head was parsed last",
    "more_body": "on a request (RequestResponseCycle): False once its body is whole (set at on_message_complete)",
}
# uvicorn's methods the protocol overrides and calls through super(): their names and their moments.
METHODS = {
    "send_400_response": "writes the answer to a malformed request and closes",
    "on_message_begin": "the parser's callback at a request's first byte",
    "on_headers_complete": "the parser's callback at a request head's end; starts the ASGI task",
    "on_message_complete": "the parser's callback at a request's end, its body whole",
    "on_header": "the parser's callback for each header line: appends it to headers",
    "on_body": "the parser's callback for each piece of a body: appends it to the request's",
    "on_response_complete": "called when an answer is sent; starts a pipelined request",
    "_start_asgi_task": "starts the app on a request (cycle, app): from on_headers_complete, or for a pipelined one",
}


def open_connections(protocol: HttpToolsProtocol) -> set:
    return protocol.connections


def head_size(protocol: HttpToolsProtocol) -> int:
    """A complete request head's size as the parser gave it: its URL, and each header line (its name, value,
    colon, space and line end, so that 16,000 empty headers count too)."""
    return len(protocol.url) + sum(len(name) + len(value) + 4 for name, value in protocol.headers)


def forget_requests(protocol: HttpToolsProtocol) -> None:
    """After the connection is lost: the protocol lets go of its requests (a request being answered holds what it
    needs itself), which hold the protocol in turn (its callbacks): the protocol and its requests are then freed
    as soon as they are done with, not left to the garbage collector's cycle search."""
    protocol.cycle = None
    protocol.scope = None
    protocol.pipeline.clear()


def has_pipelined_request(protocol: HttpToolsProtocol) -> bool:
    return bool(protocol.pipeline)


def answering(protocol: HttpToolsProtocol) -> bool:
    """A request's answer is being computed or written on this connection."""
    cycle = protocol.cycle
    return cycle is not None and not cycle.response_complete


def scope(protocol: HttpToolsProtocol) -> dict:
    return protocol.scope


def declared_body_length(cycle) -> int:
    """The Content-Length a request declared (0 without one: no body, or a chunked one)."""
    for name, value in cycle.scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def body_whole(cycle) -> bool:
    """The request's body has all come (a pipelined request's, say, before its turn)."""
    return not cycle.more_body


def expects_100_continue(cycle) -> bool:
    """The client waits for "100 Continue", which uvicorn sends when the app first asks for the body."""
    return bool(cycle.waiting_for_100_continue)
