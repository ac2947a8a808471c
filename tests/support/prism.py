"""Start Stoplight Prism on a loopback port serving an official OpenAPI/Swagger spec.

Prism validates every request against the spec and reports violations in the `sl-violations`
response header; tests use it as a contract oracle for the providers' requests.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"


@contextmanager
def prism(spec: Path, startup_timeout: float = 30.0) -> Iterator[str]:
    """Yield the base URL of a Prism mock for `spec`; fail loudly if Prism is not installed."""
    if not PRISM.exists():
        raise RuntimeError(f"Prism is not installed at {PRISM}; run `npm ci` (the Makefile's test target does)")
    if shutil.which("node") is None:
        raise RuntimeError("node is not on PATH: Prism (the API contract oracle) needs Node.js 18+")
    port = free_port()
    proc = subprocess.Popen(
        ["node", str(PRISM), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port), "-v", "warn"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"Prism exited with {proc.returncode}: {out[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Prism did not listen on port {port} within {startup_timeout}s") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
