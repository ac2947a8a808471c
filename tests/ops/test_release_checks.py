"""Which checks a release runs and where: the stack's monitoring checks of its own site, moved onto
the URL under test; and the run's log URL recorded with each GitHub deployment."""

from __future__ import annotations

import pytest

from ops.release_checks import release_checks
from ops.release_record import record_for, run_log_url
from ops.stackfile import read_stack_file

PRODUCTION = read_stack_file("production").validate()
STAGING = read_stack_file("staging").validate()
DRAFT = "https://d1--maintainpro-production.netlify.app"  # a draft deploy's unique URL


def test_production_checks_its_smoke_paths_and_health_endpoint() -> None:
    # Pulumi.production.yaml: delivery.smoke_paths ["/"], health_path /healthz.
    checks = release_checks(PRODUCTION, DRAFT)
    assert [(c.name, c.kind, c.url) for c in checks] == [
        ("uptime-root", "uptime", f"{DRAFT}/"),
        ("headers-root", "headers", f"{DRAFT}/"),
        ("health", "health", f"{DRAFT}/healthz"),
    ]


def test_every_smoke_path_gets_uptime_and_headers_and_no_health_path_means_no_health_check() -> None:
    delivery = STAGING.delivery.model_copy(update={"smoke_paths": ["/", "/app/login"], "health_path": None})
    cfg = STAGING.model_copy(update={"delivery": delivery})
    assert [(c.name, c.url) for c in release_checks(cfg, DRAFT)] == [
        ("uptime-root", f"{DRAFT}/"), ("headers-root", f"{DRAFT}/"),
        ("uptime-app-login", f"{DRAFT}/app/login"),
        ("headers-app-login", f"{DRAFT}/app/login"),
    ]


def test_checks_are_built_at_the_url_under_test_whatever_its_trailing_slash() -> None:
    with_slash = release_checks(PRODUCTION, f"{DRAFT}/")
    assert [c.url for c in with_slash] == [c.url for c in release_checks(PRODUCTION, DRAFT)]
    assert {c.severity for c in with_slash} == {"critical"}  # a release is all or nothing


def test_the_log_url_is_the_actions_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    assert run_log_url() is None
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "maintainpro-example/maintainpro-app")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    assert run_log_url() == "https://github.com/maintainpro-example/maintainpro-app/actions/runs/4242"


def test_a_record_without_a_commit_names_the_default_branch_and_fits_githubs_limit() -> None:
    record = record_for(STAGING, "rollback", deploy_id="d1", commit_ref=None, previous="d2", description="x" * 300,
                        rollback_of=7)
    assert (record.ref, record.environment, record.production) == ("main", "staging", False)
    assert record.payload["rollback_of"] == "7" and len(record.description) == 140
    assert record.description.endswith("…")
