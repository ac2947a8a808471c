"""`ops audit --format table`: data printed verbatim, the terminal's width and colours, plain when piped."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys

import pytest

from ops.audit import Format, render
from ops.audit_report import AuditReport
from ops.event_log import audit_event_log
from ops.pack_config import default_path, load_pack_config
from tests.ops.audit_support import ROOT

EVENT_LOG = ROOT / "tests/fixtures/events/production-weak-preview.jsonl"
ANSI = re.compile(r"\x1b\[")


def weak_report() -> AuditReport:
    return audit_event_log(EVENT_LOG, "production", load_pack_config(default_path("production")))


def ops_audit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "COLUMNS")}
    return subprocess.run(
        [sys.executable, "-m", "ops", "audit", "--stack", "production", "--from-event-log", str(EVENT_LOG)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**clean, **env},
    )


def test_brackets_in_messages_and_names_print_verbatim() -> None:
    report = weak_report()
    first = report.results[0]
    finding = dataclasses.replace(first.findings[0], message="pattern ^[a-z][a-z0-9-]*$ and [bold]x[/] and [x]",
                                  name="site[red]")
    first.findings[0] = finding
    text = render(report, Format.table, "Pulumi.production.yaml")
    assert "pattern ^[a-z][a-z0-9-]*$ and [bold]x[/] and [x]" in text
    assert "site[red]" in text


@pytest.mark.parametrize("width", [80, 120, 200])
def test_table_fits_the_width_and_keeps_every_policy_and_status(width: int) -> None:
    report = weak_report()
    text = render(report, Format.table, "Pulumi.production.yaml", width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    policy_rows = [line for line in lines if "FAIL" in line or "PASS" in line]
    for result in report.results:
        assert any(result.entry.name in line and result.status.upper() in line for line in policy_rows), result.entry.name
    assert "includeSubDomains" in text  # the findings are still there, wrapped


def test_wide_layout_keeps_controls_and_narrow_says_where_they_are() -> None:
    assert "OWASP ASVS 14.4.5" in render(weak_report(), Format.table, "x", 220)
    narrow = render(weak_report(), Format.table, "x", 80)
    assert "OWASP" not in narrow and "controls: --format markdown or json" in narrow


def test_colour_marks_a_blocking_fail_red_and_plain_has_no_escapes() -> None:
    coloured = render(weak_report(), Format.table, "x", 200, colour=True)
    assert "\x1b[1;31mFAIL" in coloured
    assert not ANSI.search(render(weak_report(), Format.table, "x", 200))


def test_piped_output_is_plain_and_wide() -> None:
    result = ops_audit({})
    assert result.returncode == 1
    assert not ANSI.search(result.stdout)
    assert max(len(line) for line in result.stdout.splitlines()) > 150  # the deterministic wide layout


def test_forced_terminal_colours_the_status_unless_no_color() -> None:
    coloured = ops_audit({"FORCE_COLOR": "1"})
    assert "\x1b[1;31mFAIL" in coloured.stdout
    plain = ops_audit({"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.returncode == 1 and "FAIL" in plain.stdout
    assert not ANSI.search(plain.stdout)


def test_output_file_stays_plain_on_a_terminal(tmp_path) -> None:
    path = tmp_path / "audit.txt"
    result = subprocess.run(
        [sys.executable, "-m", "ops", "audit", "--stack", "production", "--from-event-log", str(EVENT_LOG), "-o", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "FORCE_COLOR": "1"},
    )
    assert result.returncode == 1
    assert "FAIL" in path.read_text() and not ANSI.search(path.read_text())
