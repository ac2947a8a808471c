"""Running the audit fixture program through the project's engine runner."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ops.engine import Preview, run_stack
from ops.stackfile import StackFile

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "tests/fixtures/audit/program.py"


@cache
def fixture_preview(variant: str, copies: int = 1) -> Preview:
    """The fixture program's offline preview (a production stack), computed once per variant."""
    stack_file = StackFile("production", ROOT / "Pulumi.production.yaml",
                           {"fixture:variant": variant, "fixture:copies": str(copies)}, frozenset())
    return run_stack(stack_file, program_path=PROGRAM)
