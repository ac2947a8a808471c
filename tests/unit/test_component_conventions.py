"""Conventions every component follows: Args built `from_stack`, one rule for child names, and a refused
input reported as one clear message, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import fields
from datetime import datetime, timezone

import pytest

import ops.engine as engine
from components import (
    backups,
    database,
    delivery,
    flags,
    headers,
    metrics_workflow,
    monitoring,
    pipeline,
    repo_security,
    secrets,
    site,
)
from ops.stackfile import read_stack_file
from tests.stacks import ROOT

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
ARGS = [
    backups.BackupScheduleArgs, database.SupabaseProjectArgs, delivery.DeliveryEnvironmentArgs, flags.FeatureFlagsArgs,
    headers.SecurityHeadersArgs, metrics_workflow.DeliveryMetricsArgs, monitoring.MonitoringArgs,
    pipeline.DeliveryPipelineArgs,
    repo_security.RepositorySecurityArgs,
    secrets.SecretSetArgs, site.NetlifySiteArgs,
]


@pytest.mark.parametrize("args_class", ARGS, ids=lambda c: c.__name__)
def test_every_args_class_is_built_from_the_stack_with_the_same_field_names(args_class: type) -> None:
    assert callable(getattr(args_class, "from_stack", None))
    names = {f.name for f in fields(args_class)}
    # The stack's name is `stack`, the production flag `production`, wherever an Args class has one.
    assert not names & {"environment", "protect_data", "is_production"}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_one_rule_for_child_names(stack: str) -> None:
    """A component's child is `<component>-<what>`; only the one resource a component wraps is `<component>`."""
    registered = engine.run_stack(read_stack_file(stack), NOW).resources
    names = {r.urn: r.name for r in registered}
    wrapped = {"maintainpro:delivery:DeliveryEnvironment", "maintainpro:secrets:RotatingSecret"}
    for r in registered:
        parent = names.get(r.parent or "")
        if parent is None or r.parent == registered[0].urn:  # Platform names its components by concern
            continue
        parent_type = next(p.type for p in registered if p.urn == r.parent)
        if r.name == parent:
            assert parent_type in wrapped, (r.name, parent_type)
        else:
            assert r.name.startswith(f"{parent}-"), (r.name, parent)


BAD_URL = "http://offline.example"


def test_a_refused_wiring_is_one_message_and_exit_2_in_ops_preview() -> None:
    """The Supabase project's URL, wired into the CSP and the probe, is not an https origin.

    This raised a ValueError (a traceback, exit 1); components raise only `pulumi.RunError` now.
    """
    script = textwrap.dedent(f"""
        import runpy, sys
        import ops.engine
        ops.engine.OFFLINE_OUTPUTS["pulumi-python:dynamic/supabase:Project"]["url"] = {BAD_URL!r}
        sys.argv = ["ops", "preview", "--stack", "staging", "--now", "2026-11-26T12:00:00Z"]
        runpy.run_module("ops", run_name="__main__")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"Supabase URL '{BAD_URL}' must be an https:// origin" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
