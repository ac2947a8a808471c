"""The disaster-recovery runbook cites only what the vendored Supabase Management API spec says."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbooks" / "disaster-recovery.md"
SPEC = ROOT / "tests" / "fixtures" / "supabase-management-api.json"


def _step(number: int) -> str:
    """The text of step `number` of section A (from its `N.` line to the next step)."""
    section = RUNBOOK.read_text().split("## A.", 1)[1].split("\n## ", 1)[0]
    match = re.search(rf"^{number}\. .*?(?=^\d+\. |\Z)", section, re.S | re.M)
    assert match, f"runbook section A has no step {number}"
    return match.group(0)


def test_pitr_restore_step_cites_exactly_the_statuses_the_spec_lists() -> None:
    step = _step(3)
    assert "/database/backups/restore-pitr" in step
    spec = json.loads(SPEC.read_text())
    documented = set(spec["paths"]["/v1/projects/{ref}/database/backups/restore-pitr"]["post"]["responses"])
    cited = set(re.findall(r"`(\d{3})`", step))
    assert cited == documented
