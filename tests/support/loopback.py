"""A threaded HTTP(S) server on 127.0.0.1 for tests: every fake and scripted server builds on it."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Call:
    """One request a stateful fake answered: the spec's operationId it matched and the status sent."""

    method: str
    path: str
    operation: str
    query: dict[str, str]
    body: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # the request's, names in lower case (when kept)


@dataclass
class Fault:
    """A fault a stateful fake applies to the next request for `operation`."""

    operation: str
    status: int | None = None  # answer this status (with `headers` and `message`) without acting
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "injected"
    drop_after: bool = False  # act, then drop the connection (the answer is lost)
    delay: float = 0.0  # act, then answer this late (past the client's timeout)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeHandler(BaseHTTPRequestHandler):
    """The request handler base of the stateful API fakes: keep-alive (HTTP/1.1) as the real APIs,
    headers and body without a Nagle stall between their two writes, and no request log on stderr."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:
        pass


def reply_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
    *,
    delay: float = 0.0,
    drop: bool = False,
) -> None:
    """Answer one request with JSON, after `delay`; or drop the connection unanswered (fault tests)."""
    if delay:
        time.sleep(delay)
    if drop:
        handler.close_connection = True
        handler.connection.shutdown(2)
        return
    payload = b"" if body is None else json.dumps(body).encode()
    try:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout test): nothing to answer


class LoopbackServer:
    """Serve `handler` on a free loopback port while used as a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval keeps shutdown fast (the default 0.5 s adds up over many tests).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
