"""A scripted local HTTP server for fault tests: each request takes the next scripted answer.

Answers can be a status with headers and a JSON body, a delay past the client's timeout, or a
dropped connection. Every request is recorded so tests can count calls and check bodies.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackServer, reply_json


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FaultServer(LoopbackServer):
    """Serve scripted answers on 127.0.0.1; when the script runs out, answer `fallback`."""

    def __init__(self, fallback: Answer | None = None) -> None:
        self.script: deque[Answer] = deque()
        self.fallback = fallback or Answer(status=500, body={"message": "script exhausted"})
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms delayed-ACK stalls

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                with server._lock:
                    server.requests.append(Recorded(self.command, self.path, body, dict(self.headers.items())))
                    answer = server.script.popleft() if server.script else server.fallback
                reply_json(self, answer.status, answer.body, answer.headers, delay=answer.delay, drop=answer.drop)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        super().__init__(Handler)

    def then(self, *answers: Answer) -> FaultServer:
        self.script.extend(answers)
        return self
