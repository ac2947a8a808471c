"""Declaring resources sends no request, so an offline preview loads no HTTP machinery: httpx and
tenacity are imported where `providers.http.ApiClient` sends a request, never when a provider module is."""

from __future__ import annotations

import subprocess
import sys

from tests.stacks import ROOT


def test_a_preview_of_both_stacks_imports_neither_httpx_nor_tenacity() -> None:
    script = (
        "import sys\n"
        "from ops.engine import run_stack\n"
        "from ops.stackfile import read_stack_file\n"
        "for stack in ('staging', 'production'):\n"
        "    assert run_stack(read_stack_file(stack)).resources\n"
        "assert 'providers.http' in sys.modules  # the providers were loaded, with their client module\n"
        "loaded = sorted(m for m in ('httpx', 'tenacity') if m in sys.modules)\n"
        "assert not loaded, f'the preview imported {loaded}'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
