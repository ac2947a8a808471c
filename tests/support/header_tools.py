"""Run the real MDN HTTP Observatory scoring and Google's CSP Evaluator (node) on rendered headers.

Both tools are pinned npm packages; when node or a package is missing these helpers raise
`ToolMissing` so the calling test FAILS with a message saying what to install, never skips.
"""

from __future__ import annotations

import atexit
import json
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = Path(__file__).resolve().parent
NODE_MODULES = ROOT / "node_modules"
VITE_INDEX = ROOT / "tests" / "fixtures" / "vite_index.html"
PACKAGES = {"observatory": "@mdn/mdn-http-observatory", "csp": "csp_evaluator"}
TIMEOUT_S = 30


class ToolMissing(AssertionError):
    """A required test tool is not installed: the test must fail, naming the fix."""


def _require(script: str, package: str, node: str) -> str:
    binary = shutil.which(node)
    if binary is None:
        raise ToolMissing(f"node ('{node}') is not on PATH: install Node.js >= 20 to run {script}")
    if not (NODE_MODULES / package / "package.json").is_file():
        raise ToolMissing(f"npm package {package} is not installed in {NODE_MODULES}: run `npm ci` (pinned in package.json)")
    return binary


class _Worker:
    """One long-lived `node observatory_score.mjs`: a request line in, an answer line out."""

    def __init__(self, binary: str) -> None:
        self.proc = subprocess.Popen(
            [binary, str(SUPPORT / "observatory_score.mjs")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        atexit.register(self.close)

    def ask(self, request: str) -> Any:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(request + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], TIMEOUT_S)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.close()
            stderr = self.proc.stderr.read()[-2000:] if self.proc.stderr else ""
            raise AssertionError(f"observatory_score.mjs gave no answer within {TIMEOUT_S}s: {stderr}")
        answer = json.loads(line)
        if "error" in answer:
            raise AssertionError(f"observatory_score.mjs failed: {answer['error']}")
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


_workers: dict[str, _Worker] = {}


def _node(script: str, package: str, stdin: str, node: str = "node") -> Any:
    binary = _require(script, package, node)
    done = subprocess.run(
        [binary, str(SUPPORT / script)], input=stdin, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT
    )
    if done.returncode != 0:
        raise AssertionError(f"{script} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def observatory_score(
    headers: dict[str, str],
    hostname: str = "headers-under-test.example",
    https_redirect: bool = True,
    html: str | None = None,
    node: str = "node",
) -> dict[str, Any]:
    """`{"score", "grade", "tests": {name: {"result", "pass", "scoreModifier"}}}` for a page serving `headers`."""
    payload = {
        "hostname": hostname,
        "headers": headers,
        "httpsRedirect": https_redirect,
        "html": html if html is not None else VITE_INDEX.read_text(encoding="utf-8"),
    }
    binary = _require("observatory_score.mjs", PACKAGES["observatory"], node)
    worker = _workers.get(binary)
    if worker is None or worker.proc.poll() is not None:
        worker = _workers[binary] = _Worker(binary)
    return worker.ask(json.dumps(payload))


def csp_findings(policy: str, node: str = "node") -> list[dict[str, Any]]:
    """Google CSP Evaluator findings: `[{"severity": "HIGH"|"MEDIUM"|..., "directive", "value", "description"}]`."""
    return _node("csp_evaluate.mjs", PACKAGES["csp"], policy, node)
