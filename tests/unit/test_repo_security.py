"""Repository security under the mock engine: production declares it for both repositories, staging not at all.

Also: the generated dependabot.yml files validate against SchemaStore's Dependabot v2 schema (as
vendored by check-jsonschema), and this repository's committed `.github/dependabot.yml` is exactly
what the program renders for it.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.repo_security import DEPENDABOT_PATH, UNOWNED_INPUTS, app_dependabot, platform_dependabot
from ops.engine import Preview, Registered, run_stack
from ops.pack_config import default_path, load_pack_config
from ops.policy_run import audit_preview
from ops.stackfile import read_stack_file
from policies import resources as R
from tests.stacks import ROOT, mutate, stack_document, write_stack

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
P = "maintainpro-platform"
REPOS = {"app": "maintainpro-app", "platform": "maintainpro-platform"}
SECURITY_TYPES = (R.GITHUB_REPOSITORY, R.GITHUB_VULNERABILITY_ALERTS, R.GITHUB_DEPENDABOT_SECURITY_UPDATES)
REGENERATE = (
    ".venv/bin/python -c \"import sys; from ops.stackfile import read_stack_file; "
    "from components.repo_security import platform_dependabot; c = read_stack_file('production').validate(); "
    "sys.stdout.write(platform_dependabot(c.github, c.monitoring.platform_repo))\" > .github/dependabot.yml"
)


@pytest.fixture(scope="module")
def production() -> Preview:
    return run_stack(read_stack_file("production"), NOW)


def dependabot_schema() -> dict[str, Any]:
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("dependabot.json").read_text(encoding="utf-8")
    return json.loads(text)


def schema_errors(text: str) -> list[str]:
    validator = jsonschema.Draft7Validator(dependabot_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(yaml.safe_load(text))]


def repository(preview: Preview, name: str) -> Registered:
    (found,) = [r for r in preview.by_type(R.GITHUB_REPOSITORY) if r.inputs["name"] == name]
    return found


def variant(tmp_path: Path, path: str, value: Any) -> Preview:
    document = mutate(stack_document("production"), f"{P}:github", path, value)
    write_stack(tmp_path, "production", document)
    return run_stack(read_stack_file("production", tmp_path), NOW)


@pytest.mark.parametrize("name", REPOS.values())
def test_production_adopts_each_repository_and_can_never_delete_it(production: Preview, name: str) -> None:
    repo = repository(production, name)
    assert repo.import_id == name  # the existing repository is imported, never created
    assert repo.protect and repo.retain_on_delete and repo.inputs["archiveOnDestroy"] is True
    # Everything but the name and security_and_analysis keeps the live value (e.g. visibility, description).
    assert set(repo.inputs) == {"name", "securityAndAnalysis", "archiveOnDestroy"}
    assert {"visibility", "description", "hasIssues", "vulnerabilityAlerts", "deleteBranchOnMerge"} <= set(repo.ignore_changes)
    assert len(UNOWNED_INPUTS) == len(repo.ignore_changes)
    assert not {"securityAndAnalysis", "securityAndAnalysis.secretScanning",
                "securityAndAnalysis.secretScanningPushProtection"} & set(repo.ignore_changes)


@pytest.mark.parametrize("name", REPOS.values())
def test_production_turns_on_secret_scanning_and_push_protection(production: Preview, name: str) -> None:
    # Both repositories are private under GitHub Secret Protection (split licensing): no advanced_security sent.
    assert repository(production, name).inputs["securityAndAnalysis"] == {
        "secretScanning": {"status": "enabled"}, "secretScanningPushProtection": {"status": "enabled"}}


@pytest.mark.parametrize("name", REPOS.values())
def test_security_updates_wait_for_the_alerts_of_the_same_repository(production: Preview, name: str) -> None:
    repo = repository(production, name)
    (alerts,) = [r for r in production.by_type(R.GITHUB_VULNERABILITY_ALERTS) if r.inputs["repository"] == name]
    (updates,) = [r for r in production.by_type(R.GITHUB_DEPENDABOT_SECURITY_UPDATES) if r.inputs["repository"] == name]
    assert alerts.inputs["enabled"] is True and updates.inputs["enabled"] is True
    assert alerts.property_dependencies["repository"] == (repo.urn,)  # after the import
    assert alerts.urn in updates.dependencies
    assert alerts.retain_on_delete and updates.retain_on_delete  # a destroy leaves the repositories guarded


def test_staging_declares_no_repository_level_setting() -> None:
    staging = run_stack(read_stack_file("staging"), NOW)
    assert not [r for r in staging.resources if r.type in SECURITY_TYPES]
    assert not [f for f in staging.by_type(R.GITHUB_REPOSITORY_FILE) if f.inputs["file"] == DEPENDABOT_PATH]


def test_app_dependabot_file_is_committed_after_the_ruleset(production: Preview) -> None:
    cfg = read_stack_file("production").validate()
    (file,) = [f for f in production.by_type(R.GITHUB_REPOSITORY_FILE) if f.inputs["file"] == DEPENDABOT_PATH]
    assert file.inputs["repository"] == cfg.github.app_repo and file.inputs["branch"] == cfg.github.default_branch
    assert file.inputs["content"] == app_dependabot(cfg.github)
    (ruleset,) = production.by_type(R.GITHUB_RULESET)
    assert ruleset.urn in file.dependencies
    document = yaml.safe_load(file.inputs["content"])
    assert [u["package-ecosystem"] for u in document["updates"]] == ["npm"]
    assert document["updates"][0]["schedule"] == {"interval": "weekly", "day": "monday", "time": "05:00", "timezone": "Europe/Berlin"}


def test_generated_dependabot_files_are_valid_against_the_dependabot_v2_schema() -> None:
    cfg = read_stack_file("production").validate()
    for text in (app_dependabot(cfg.github), platform_dependabot(cfg.github, cfg.monitoring.platform_repo)):
        assert schema_errors(text) == []
    # The schema is strict enough to matter: an unknown ecosystem and a day on a daily schedule's sibling key fail.
    assert schema_errors("version: 2\nupdates:\n  - package-ecosystem: npmx\n    directory: /\n    schedule: {interval: weekly}\n")
    assert schema_errors("version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule: {interval: hourly}\n")


@pytest.mark.parametrize(("setting", "value"), [("interval", "daily"), ("interval", "monthly"), ("time", "23:59"),
                                                ("group_minor_and_patch", False), ("open_pull_requests_limit", 0)])
def test_every_dependabot_setting_renders_a_valid_file(tmp_path: Path, setting: str, value: Any) -> None:
    document = mutate(stack_document("production"), f"{P}:github", f"security.dependabot.{setting}", value)
    write_stack(tmp_path, "production", document)
    cfg = read_stack_file("production", tmp_path).validate()
    text = app_dependabot(cfg.github)
    assert schema_errors(text) == []
    update = yaml.safe_load(text)["updates"][0]
    assert ("day" in update["schedule"]) == (cfg.github.security.dependabot.interval == "weekly")
    assert ("groups" in update) == cfg.github.security.dependabot.group_minor_and_patch
    assert update["schedule"]["time"] == cfg.github.security.dependabot.time  # a string, never a YAML 1.1 number


def test_this_repositorys_dependabot_file_is_what_the_program_renders() -> None:
    cfg = read_stack_file("production").validate()
    committed = (ROOT / DEPENDABOT_PATH).read_text(encoding="utf-8")
    assert committed == platform_dependabot(cfg.github, cfg.monitoring.platform_repo), f"regenerate it: {REGENERATE}"


def test_this_repositorys_dependabot_file_covers_every_requirements_file() -> None:
    """pip updates every directory holding a tracked requirements file, and github-actions the workflows."""
    tracked = subprocess.run(["git", "ls-files", "*requirements*.txt"], cwd=ROOT, capture_output=True, text=True, check=True)
    directories = {"/" + str(Path(p).parent).strip(".") for p in tracked.stdout.split()}
    document = yaml.safe_load((ROOT / DEPENDABOT_PATH).read_text(encoding="utf-8"))
    updates = {u["package-ecosystem"]: u for u in document["updates"]}
    assert set(updates) == {"pip", "github-actions"}
    assert directories == set(updates["pip"]["directories"]) == {"/", "/policies"}


def test_bundled_advanced_security_is_sent_only_for_non_public_repositories(tmp_path: Path) -> None:
    document = mutate(stack_document("production"), f"{P}:github", "security.licensing", "advanced-security")
    mutate(document, f"{P}:github", "security.platform_repo_visibility", "public")
    write_stack(tmp_path, "production", document)
    preview = run_stack(read_stack_file("production", tmp_path), NOW)
    app, platform = repository(preview, "maintainpro-app"), repository(preview, "maintainpro-platform")
    assert app.inputs["securityAndAnalysis"]["advancedSecurity"] == {"status": "enabled"}
    assert "securityAndAnalysis.advancedSecurity" not in app.ignore_changes
    # GitHub answers 422 "Advanced security is always available for public repos" to it.
    assert "advancedSecurity" not in platform.inputs["securityAndAnalysis"]
    # Ignoring it would send the imported value back: the 422 of a public repository.
    assert "securityAndAnalysis.advancedSecurity" not in platform.ignore_changes


@pytest.mark.parametrize(("settings", "expected"), [
    ({"secret_scanning": False, "push_protection": False}, "secret scanning is off"),
    ({"push_protection": False}, "push protection is off"),
    ({"dependabot_security_updates": False}, "Dependabot security updates are off"),
    ({"vulnerability_alerts": False, "dependabot_security_updates": False}, "vulnerability alerts are off"),
])
def test_a_feature_turned_off_fails_the_production_audit(tmp_path: Path, settings: dict[str, bool], expected: str) -> None:
    document = stack_document("production")
    for key, value in settings.items():
        mutate(document, f"{P}:github", f"security.{key}", value)
    write_stack(tmp_path, "production", document)
    preview = run_stack(read_stack_file("production", tmp_path), NOW)
    report = audit_preview(preview, load_pack_config(default_path("production")))
    (failed,) = report.mandatory_failures
    assert failed.entry.name == "github-repository-require-security-features"
    messages = [f.message or "" for f in failed.failures()]
    for name in REPOS.values():  # the setting is off on both repositories, and each is named
        assert any(m.startswith(f"repository {name}: ") and expected in m for m in messages), messages


def test_the_real_production_stack_passes_the_policy(production: Preview) -> None:
    report = audit_preview(production, load_pack_config(default_path("production")))
    result = next(r for r in report.results if r.entry.name == "github-repository-require-security-features")
    assert result.status == "pass"
    assert sorted(f.name for f in result.findings if f.outcome == "pass") == ["repo-security-app", "repo-security-platform"]
