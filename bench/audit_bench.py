"""Benchmark: the offline policy audit against the offline preview it runs on (same process).

For each real stack and for a synthetic stack of ~1,000 resources (the audit fixture program, every
audited resource type, repeated), it times the preview alone (`run_stack`) and the audit of that
preview (all 21 policies, graph conversion included) and prints the audit's cost as a ratio to the
preview. Medians of RUNS runs; nothing is asserted.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ops.engine import Preview, run_stack  # noqa: E402
from ops.pack_config import default_path, load_pack_config  # noqa: E402
from ops.policy_run import audit_preview  # noqa: E402
from ops.stackfile import StackFile, read_stack_file  # noqa: E402

RUNS = 5
PROGRAM = ROOT / "tests/fixtures/audit/program.py"
PER_COPY = 18  # resources the fixture program registers per copy (compliant variant)


def median(fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def row(label: str, preview_fn: Callable[[], Preview], stack: str) -> None:
    pack = load_pack_config(default_path(stack))
    preview_s, preview = median(preview_fn)
    audit_s, report = median(lambda: audit_preview(preview, pack))
    summary = report.summary()
    print(f"{label:<22}{len(preview.resources):>10}{preview_s:>12.3f}{audit_s:>10.3f}{audit_s / preview_s:>12.2f}"
          f"{(preview_s + audit_s) / preview_s:>17.2f}   {summary['passed']} pass / {summary['failed']} fail")


def main() -> None:
    print(f"{'stack':<22}{'resources':>10}{'preview s':>12}{'audit s':>10}{'audit/prev':>12}{'(prev+aud)/prev':>17}")
    for stack in ("staging", "production"):
        stack_file = read_stack_file(stack)
        stack_file.validate()
        row(stack, lambda stack_file=stack_file: run_stack(stack_file), stack)
    copies = -(-1000 // PER_COPY)
    synthetic = StackFile("production", ROOT / "Pulumi.production.yaml",
                          {"fixture:variant": "compliant", "fixture:copies": str(copies)}, frozenset())
    row("synthetic (compliant)", lambda: run_stack(synthetic, program_path=PROGRAM), "production")


if __name__ == "__main__":
    main()
