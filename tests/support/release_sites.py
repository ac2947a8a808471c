"""What Netlify serves during a release, on 127.0.0.1: one HTTP server per deploy (its unique URL)
serving a built directory with that directory's `_headers` applied, and the site's live URL,
which serves whichever deploy the fake Netlify says is published, as Netlify's CDN does.

Headers are read from the built `_headers` with the project's one parser
(`policies/headers/headers_file.py`); a name given by several matching rules is served with the
last rule's value, as `components.headers.headers_for` reads the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self

from policies.headers.headers_file import parse, served_values
from tests.support.loopback import LoopbackServer
from tests.support.netlify_fake import FakeNetlify

HEALTHY = {"ok": True}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}


def build(directory: Path, headers_file: str, *, health: Any = HEALTHY, title: str = "MaintAInPro") -> Path:
    """A built app: `index.html`, `_headers` (the stack's rendering), `healthz` (JSON; None: absent)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(f"<!doctype html><title>{title}</title>")
    (directory / "_headers").write_text(headers_file)
    (directory / "assets").mkdir(exist_ok=True)
    (directory / "assets" / "app.js").write_text("console.log('app')")
    if health is not None:
        (directory / "healthz").write_text(json.dumps(health))
    return directory


@dataclass
class Served:
    """One deploy's directory. `status`, when set, is answered to every request (a broken deploy);
    `live_status` only to requests through the live URL (what differs between a deploy's own URL and
    the site's domain); `on_request(path, live)` runs before each answer (a test's interleaving)."""

    directory: Path
    status: int | None = None
    live_status: int | None = None
    on_request: Callable[[str, bool], None] | None = None
    requests: list[tuple[str, bool]] = field(default_factory=list)  # (path, through the live URL)


def _handler(resolve: Callable[[], Served | None], live: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            deploy = resolve()
            path = self.path.split("?", 1)[0]
            if deploy is None:
                return self._send(404, b"no deploy is published", {})
            deploy.requests.append((path, live))
            if deploy.on_request is not None:
                deploy.on_request(path, live)
            file = deploy.directory / (path.lstrip("/") or "index.html")
            status = (deploy.live_status if live else None) or deploy.status
            status = status or (200 if file.is_file() and file.name != "_headers" else 404)
            body = file.read_bytes() if status == 200 else b"not found"
            rules = parse((deploy.directory / "_headers").read_text())
            headers = {name: values[-1] for name, values in served_values(rules, path).items()}
            headers["Content-Type"] = "application/json" if file.name == "healthz" else TYPES.get(file.suffix, "text/plain")
            return self._send(status, body, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class ReleaseSites:
    """Deploy servers and the live server of one site of `fake`; stops them all on exit."""

    def __init__(self, fake: FakeNetlify, site_id: str) -> None:
        self.fake = fake
        self.site_id = site_id
        self.served: dict[str, Served] = {}
        self._servers: list[LoopbackServer] = []
        self.live = self._start(self._published, live=True)
        fake.sites[site_id]["ssl_url"] = self.live.url  # the site's live URL, as getSite answers it

    def _start(self, resolve: Callable[[], Served | None], live: bool = False) -> LoopbackServer:
        server = LoopbackServer(_handler(resolve, live)).__enter__()
        self._servers.append(server)
        return server

    def _published(self) -> Served | None:
        published = self.fake.sites[self.site_id].get("published_deploy") or {}
        return self.served.get(str(published.get("id")))

    def deploy(self, deploy_id: str, directory: Path, *, publish: bool = False, status: int | None = None,
               live_status: int | None = None, **fields: Any) -> dict[str, Any]:
        """A deploy of the site (ready, unless `fields` say otherwise) serving `directory` at its own
        URL (its `deploy_ssl_url`); `self.served[deploy_id]` is what it serves."""
        served = self.served[deploy_id] = Served(directory, status, live_status)
        server = self._start(lambda: served)
        return self.fake.add_deploy(self.site_id, id=deploy_id, publish=publish, deploy_ssl_url=server.url,
                                    deploy_url=server.url, **fields)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        for server in self._servers:
            server.__exit__(None, None, None)
