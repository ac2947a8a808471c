"""The real `__main__.py` under the Pulumi mock engine."""

from __future__ import annotations

import runpy

import pulumi
import pytest

from components.config import PROJECT
from ops.engine import ROOT, RecordingMocks, RecordingMonitor, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import mutate, stack_document


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_program_registers_the_platform_for_each_stack(stack: str) -> None:
    preview = run_stack(read_stack_file(stack))
    platforms = preview.by_type("maintainpro:platform:Platform")
    assert [p.name for p in platforms] == [f"maintainpro-{stack}"]
    assert platforms[0].urn.startswith(f"urn:pulumi:{stack}::{PROJECT}::")
    assert platforms[0].parent and platforms[0].parent.endswith(f"::{PROJECT}-{stack}")
    assert preview.outputs["environment"] == stack


def test_invalid_config_stops_the_program_before_any_resource(tmp_path) -> None:
    document = mutate(stack_document("production"), f"{PROJECT}:netlify", "custom_domain", None)
    raw = dict(document["config"])
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="production", preview=True, monitor=monitor)
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else __import__("json").dumps(v) for k, v in raw.items()}, []
    )

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    with pytest.raises(pulumi.RunError) as caught:
        program()
    assert "netlify.custom_domain: production requires a custom domain" in str(caught.value)
    assert monitor.registered == []
