"""`python -m ops preview` as an operator runs it (in process, through `ops.cli.main`): exit codes and output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.ops.cli_runner import Completed, run_ops
from tests.stacks import mutate, stack_document, write_stack

P = "maintainpro-platform"


def ops(*args: str, env: dict[str, str] | None = None) -> Completed:
    return run_ops(*args, env={**os.environ, **(env or {})})


def test_preview_of_both_stacks_prints_the_tree() -> None:
    result = ops("preview", "--stack", "staging", "--stack", "production")
    assert result.returncode == 0, result.stderr
    assert "stack staging:" in result.stdout and "stack production:" in result.stdout
    assert "maintainpro:platform:Platform  maintainpro-production" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_preview_json_is_machine_readable() -> None:
    result = ops("preview", "--stack", "production", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["stack"] == "production"
    assert {r["type"] for r in payload["resources"]} >= {"maintainpro:platform:Platform"}


def test_bad_stack_exits_2_listing_every_problem(tmp_path: Path) -> None:
    document = stack_document("production")
    mutate(document, f"{P}:netlify", "custom_domain", None)
    mutate(document, f"{P}:secrets", "database-password.rotation_days", 200)
    write_stack(tmp_path, "production", document)
    result = ops("preview", "--stack", "production", "--stack-dir", str(tmp_path))
    assert result.returncode == 2
    assert "netlify.custom_domain: production requires a custom domain" in result.stderr
    assert "secrets.database-password.rotation_days:" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args,content,message",
    [
        (["--stack", "qa"], None, "unknown stack"),
        (["--stack", "staging"], None, "stack file not found"),
        (["--stack", "staging"], "config: {a: [\n", "malformed YAML"),
        (["--stack", "staging", "--now", "yesterday"], "", "--now: 'yesterday' is not an ISO 8601"),
    ],
)
def test_unusable_input_exits_2_without_traceback(
    tmp_path: Path, args: list[str], content: str | None, message: str
) -> None:
    if content is not None:
        write_stack(tmp_path, "staging", stack_document("staging"))
        if content:
            (tmp_path / "Pulumi.staging.yaml").write_text(content)
    result = ops("preview", *args, "--stack-dir", str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_required_option_is_a_usage_error() -> None:
    result = ops("preview")
    assert result.returncode == 2
    assert "--stack" in result.stderr


def test_encrypted_values_never_reach_the_output(tmp_path: Path) -> None:
    document = stack_document("staging")
    document["config"][f"{P}:netlifyToken"] = {"secure": "v1:ZmFrZS1jaXBoZXJ0ZXh0LW5ldGxpZnk="}
    write_stack(tmp_path, "staging", document)
    result = ops("preview", "--stack", "staging", "--stack-dir", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert "ZmFrZS1jaXBoZXJ0ZXh0LW5ldGxpZnk" not in result.stdout


def test_a_bad_clock_in_the_environment_is_bad_input() -> None:
    result = ops("preview", "--stack", "staging", env={"MAINTAINPRO_NOW": "next week"})
    assert result.returncode == 2
    assert "MAINTAINPRO_NOW" in result.stderr and "'next week' is not an ISO 8601 date/time" in result.stderr
    assert "Traceback" not in result.stderr


def test_brackets_in_stack_values_and_patterns_print_verbatim(tmp_path: Path) -> None:
    document = stack_document("staging")
    secrets = document["config"][f"{P}:secrets"]
    secrets["Bad[bold]x[/]"] = next(iter(secrets.values()))
    write_stack(tmp_path, "staging", document)
    result = ops("preview", "--stack", "staging", "--stack-dir", str(tmp_path))
    assert result.returncode == 2
    assert "secrets.Bad[bold]x[/]" in result.stderr
    assert "String should match pattern '^[a-z][a-z0-9-]*$'" in result.stderr


def test_the_shared_consoles_print_data_not_markup() -> None:
    from ops.console import stderr, stdout

    for console in (stdout, stderr):
        with console.capture() as captured:
            console.print("pattern ^[a-z][a-z0-9-]*$ [bold]x[/]")
        assert captured.get() == "pattern ^[a-z][a-z0-9-]*$ [bold]x[/]\n"
