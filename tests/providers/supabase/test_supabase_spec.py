"""The pinned spec is the only source of server enums and operation paths."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from providers.supabase import api, spec
from providers.supabase.project import ProjectProvider

ROOT = Path(__file__).resolve().parents[3]


def test_runtime_spec_is_the_pinned_file_and_the_test_fixture_is_the_same_file():
    runtime = spec.SPEC_PATH.read_bytes()
    assert hashlib.sha256(runtime).hexdigest() == spec.PINNED_SHA256
    assert (ROOT / "tests" / "fixtures" / "supabase-management-api.json").read_bytes() == runtime


def test_every_operation_the_providers_name_exists_in_the_spec():
    source = "".join(p.read_text() for p in (ROOT / "providers" / "supabase").glob("*.py"))
    named = set(re.findall(r'"(v1-[A-Za-z -]+)"', source))
    assert len(named) >= 20
    assert named <= set(spec.operations()), named - set(spec.operations())


def test_project_statuses_the_wait_relies_on_exist_in_the_spec():
    statuses = set(spec.property_schema("V1ProjectWithDatabaseResponse", "status")["enum"])
    assert {api.HEALTHY, "INACTIVE", "COMING_UP", "REMOVED"} | api.DEAD_ENDS <= statuses


@pytest.fixture
def respec(tmp_path, monkeypatch):
    """Swap in an edited copy of the spec, as a refreshed pin would."""

    def apply(edit):
        doc = json.loads(spec.SPEC_PATH.read_text())
        edit(doc["components"]["schemas"]["V1CreateProjectBody"]["properties"])
        path = tmp_path / "spec.json"
        path.write_text(json.dumps(doc))
        monkeypatch.setattr(spec, "SPEC_PATH", path)
        spec.clear_caches()

    yield apply
    monkeypatch.undo()
    spec.clear_caches()


def _region_failures(region: str) -> list[str]:
    news = {"organization_slug": "acme", "name": "p", "region": region, "db_pass": "fake-db-password"}
    return [f.reason for f in ProjectProvider().check({}, news).failures]


def test_regions_are_validated_against_the_pinned_spec_not_a_hard_coded_list(respec):
    assert _region_failures("eu-central-1") == []
    assert _region_failures("mars-1") != []

    def move_to_mars(props):
        props["region_selection"]["oneOf"][0]["properties"]["code"]["enum"] = ["mars-1"]

    respec(move_to_mars)
    assert _region_failures("mars-1") == []
    assert _region_failures("eu-central-1") == ["must be one of: mars-1"]


def test_instance_sizes_follow_the_spec_when_the_api_drops_one(respec):
    news = {"organization_slug": "acme", "name": "p", "region": "eu-central-1", "db_pass": "fake-db-password",
            "instance_size": "micro"}
    assert ProjectProvider().check({}, news).failures == []
    respec(lambda props: props["desired_instance_size"]["enum"].remove("micro"))
    assert [f.property for f in ProjectProvider().check({}, news).failures] == ["instance_size"]


def test_validation_messages_never_quote_the_offending_value():
    value = "fake-secret-" + "x" * 24576
    problems = spec.validate_body("v1-bulk-create-secrets", [{"name": "TOO_LONG", "value": value}])
    assert problems == [("0.value", "must be at most 24576 characters")]
    problems = spec.validate_body("v1-update-auth-service-config", {"smtp_pass": 12345678})
    assert problems == [("smtp_pass", "must be of type string")] and "12345678" not in repr(problems)


def test_importing_the_program_loads_neither_the_spec_nor_jsonschema():
    """The spec (566 KB) and jsonschema cost only the run that validates, and once per process."""
    script = (
        "import sys\n"
        "import components.platform, ops.cli\n"
        "from providers.supabase import spec\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported eagerly'\n"
        "assert spec.document.cache_info().currsize == 0, 'spec read at import'\n"
        "body = {'pool_mode': 'session'}\n"
        "assert spec.validate_body('v1-update-pooler-config', body) == []\n"
        "assert 'jsonschema' in sys.modules\n"
        "spec.validate_body('v1-update-pooler-config', {'pool_mode': 'nope'})\n"
        "assert spec._body_validator.cache_info().hits == 1 and spec.document.cache_info().misses == 1\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
