"""The pack as a whole: naming, metadata every auditor needs, the per-stack config files, __main__.py."""

from __future__ import annotations

import json
import re
import runpy
from importlib import metadata
from pathlib import Path

import pulumi_policy
import pytest

from ops.pack_config import PackConfigError, load_pack_config, parse_pack_config
from policies.catalog import ENTRIES, PACK_NAME
from policies.registry import FAMILIES

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^(netlify|github|secrets|supabase|aws|monitoring|configcat)-[a-z]+(-[a-z]+)+$")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_policy_carries_what_an_auditor_needs(entry) -> None:
    policy = entry.policy
    assert NAME.match(entry.name), entry.name
    assert policy.description and policy.remediation_steps and policy.severity is not None
    assert entry.controls and policy.framework is not None
    assert entry.subject_types, "pass/fail is reported per subject resource"
    assert {c.tag for c in entry.controls} <= set(policy.tags) and entry.family in policy.tags


def test_names_are_unique_and_every_family_is_covered() -> None:
    names = [e.name for e in ENTRIES]
    assert len(names) == len(set(names))
    assert {e.family for e in ENTRIES} == set(FAMILIES)


def test_production_config_makes_every_policy_mandatory_but_flag_cleanup() -> None:
    pack = load_pack_config(ROOT / "policies/config/production.json")
    levels = {e.name: pack.enforcement(e) for e in ENTRIES}
    # A finished rollout is cleanup to schedule, never a reason to block an `up` (policies/delivery/flag_cleanup.py).
    assert levels.pop("configcat-flag-require-cleanup") == "advisory"
    assert set(levels.values()) == {"mandatory"}
    assert pack.config(next(e for e in ENTRIES if e.name == "secrets-password-require-rotation")) == {"maxRotationDays": 90}


def test_staging_config_is_advisory() -> None:
    pack = load_pack_config(ROOT / "policies/config/staging.json")
    levels = {e.name: pack.enforcement(e) for e in ENTRIES}
    assert set(levels.values()) == {"advisory", "disabled"}
    assert [n for n, level in levels.items() if level == "disabled"] == [
        "github-repository-require-security-features",  # repository settings: declared by production only
        "configcat-flag-require-owner-and-expiry",  # production's rule: staging's flags may be experiments
        "supabase-project-require-protection", "netlify-dns-zone-require-protection",
        "monitoring-alerts-require-critical-route"]  # staging pages no one: its routes are warning and info
    assert pack.config(next(e for e in ENTRIES if e.name == "secrets-password-require-rotation")) == {"maxRotationDays": 180}


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"all": "strict"}, "all: 'strict' is not an enforcement level"),
        ({"netlify-headers-require-hstss": "advisory"}, "netlify-headers-require-hstss: no such policy in the pack"),
        ({"netlify-headers-require-hsts": {"minMaxAge": "a year"}}, "netlify-headers-require-hsts.minMaxAge: 'a year' is not of type 'integer'"),
        ({"netlify-headers-require-hsts": {"requirePreloads": True}}, "Additional properties are not allowed ('requirePreloads'"),
        ([], "the file must hold a JSON object"),
    ],
)
def test_bad_pack_config_names_the_problem(document, problem: str) -> None:
    with pytest.raises(PackConfigError) as caught:
        parse_pack_config(document, "x.json")
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_malformed_pack_config_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "all": mandatory\n}\n')
    with pytest.raises(PackConfigError, match="malformed JSON at line 2"):
        load_pack_config(path)


def test_main_builds_the_pack_with_every_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """`policies/__main__.py` as the CLI runs it; PolicyPack is captured instead of starting the server."""
    built = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.update(kwargs))
    runpy.run_path(str(ROOT / "policies/__main__.py"), run_name="__main__")
    assert built["name"] == PACK_NAME
    assert [p.name for p in built["policies"]] == [e.name for e in ENTRIES]
    assert built["enforcement_level"] is pulumi_policy.EnforcementLevel.MANDATORY


def test_pack_manifest_and_requirements_are_what_pulumi_expects() -> None:
    import yaml

    manifest = yaml.safe_load((ROOT / "policies/PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    pins = dict(line.split("==") for line in (ROOT / "policies/requirements.txt").read_text().split() if "==" in line)
    root_pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().split() if "==" in line)
    assert pins["pulumi-policy"] == metadata.version("pulumi-policy")
    for package in ("pulumi", "pulumi-policy", "PyYAML"):
        assert pins[package] == root_pins[package], package


def test_config_files_are_valid_json_objects() -> None:
    for path in (ROOT / "policies/config").glob("*.json"):
        assert isinstance(json.loads(path.read_text()), dict), path


def test_docs_list_every_policy() -> None:
    text = (ROOT / "docs/policies.md").read_text()
    for entry in ENTRIES:
        assert f"| `{entry.name}` | {entry.family} |" in text, entry.name
