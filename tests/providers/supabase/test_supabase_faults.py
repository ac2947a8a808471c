"""Faults: rate limits, 5xx, timeouts, lost answers during create, projects that never get healthy.

Every loop is bounded; waits are recorded instead of slept; the fake counts projects so a
duplicate (a second billed project) would show.
"""

from __future__ import annotations

import pytest

from providers.http import ApiError
from providers.supabase.api import ProjectNotReady
from providers.supabase.auth import AuthConfigProvider
from providers.supabase.project import ProjectProvider
from tests.providers.supabase.conftest import Sleeps, connect
from tests.providers.supabase.fake import TOKEN
from tests.support.faults import Answer

PASSWORD = "fake-db-password-faults"


def props(**extra):
    return {"organization_slug": "acme", "name": "maintainpro-production", "region": "eu-central-1",
            "instance_size": None, "db_pass": PASSWORD, "wait_timeout": 30, "poll_interval": 10, **extra}


def test_rate_limit_is_retried_after_the_servers_retry_after(fake, sleeps):
    provider = connect(ProjectProvider(), fake.url, sleeps=sleeps)
    fake.fail("v1-get-all-projects-for-organization", Answer(429, {"message": "slow down"}, {"Retry-After": "7"}))
    result = provider.create(props())
    assert sleeps.waits[0] == 7
    assert fake.count("v1-get-all-projects-for-organization") == 2 and len(fake.projects) == 1
    assert result.outs["status"] == "ACTIVE_HEALTHY"


def test_server_errors_are_retried_boundedly_then_reported_clearly(fake):
    provider = connect(ProjectProvider(), fake.url, attempts=3)
    fake.fail("v1-get-project", *[Answer(503, {"message": "upstream unavailable"})] * 3)
    with pytest.raises(ApiError) as failure:
        provider.read("abcdefghijklmnopqrst", {})
    assert fake.count("v1-get-project") == 3
    assert str(failure.value) == ("supabase project: v1-get-project failed (HTTP 503): "
                                  "upstream unavailable (gave up after 3 attempts)")


def test_client_errors_are_not_retried(fake):
    provider = connect(ProjectProvider(), fake.url)
    fake.fail("v1-create-a-project", Answer(400, {"message": "organization has reached its project limit"}))
    with pytest.raises(ApiError, match=r"v1-create-a-project failed \(HTTP 400\): organization has reached"):
        provider.create(props())
    assert fake.count("v1-create-a-project") == 1 and fake.projects == {}


def test_a_slow_read_times_out_and_is_retried(fake):
    provider = connect(ProjectProvider(), fake.url, timeout=0.2)
    existing = fake.add_project("maintainpro-production")
    fake.fail("v1-get-project", Answer(delay=0.5))
    assert provider.read(existing.ref, {"publishable_key": "k", "secret_key": "k"}).id == existing.ref
    assert fake.count("v1-get-project") == 2


@pytest.mark.parametrize("loss", [Answer(drop=True), Answer(delay=0.5)], ids=["dropped", "timed-out"])
def test_a_create_whose_answer_is_lost_adopts_instead_of_duplicating(fake, loss):
    provider = connect(ProjectProvider(), fake.url, timeout=0.2)
    fake.lose_answer("v1-create-a-project", loss)
    result = provider.create(props())
    assert len(fake.projects) == 1 and fake.count("v1-create-a-project") == 1
    assert result.id in fake.projects and result.outs["secret_key"].startswith("sb_secret_fake")


def test_a_project_stuck_coming_up_fails_clearly_keeps_the_ref_and_is_adopted_next_run(fake):
    fake.polls_until_healthy = None  # never healthy
    provider = connect(ProjectProvider(), fake.url, sleeps=Sleeps())
    with pytest.raises(ProjectNotReady) as failure:
        provider.create(props(wait_timeout=30, poll_interval=10))
    (ref,) = fake.projects
    message = str(failure.value)
    assert ref in message and "COMING_UP" in message and "next `pulumi up` adopts it" in message
    assert failure.value.ref == ref
    assert fake.count("v1-get-project") == 4  # t=0,10,20,30: bounded by the timeout
    # Next run: the project came up meanwhile; create adopts it by name, no second project.
    fake.projects[ref].polls_left, fake.projects[ref].status = 0, "COMING_UP"
    result = connect(ProjectProvider(), fake.url).create(props())
    assert result.id == ref and len(fake.projects) == 1 and fake.count("v1-create-a-project") == 1


def test_a_project_that_failed_to_initialise_is_reported_at_once(fake):
    existing = fake.add_project("maintainpro-production", status="INIT_FAILED")
    provider = connect(ProjectProvider(), fake.url)
    with pytest.raises(ProjectNotReady, match=f"{existing.ref}.*cannot become healthy"):
        provider.create(props())
    assert fake.count("v1-get-project") == 1


def test_settings_failing_right_after_create_are_retried_after_waiting_for_healthy(fake, sleeps):
    project = fake.add_project("maintainpro-production")
    provider = connect(AuthConfigProvider(), fake.url, sleeps=sleeps, attempts=3)
    # "error adding pooler tenant" for longer than the client's own retries last.
    fake.fail("v1-update-auth-service-config", *[Answer(500, {"message": "error adding pooler tenant"})] * 4)
    provider.create({"project_ref": project.ref, "settings": {"jwt_exp": 3600}})
    assert project.auth["jwt_exp"] == 3600
    assert fake.operations() == ["v1-get-project"] + ["v1-update-auth-service-config"] * 3 + [
        "v1-get-project"] + ["v1-update-auth-service-config"] * 2


def test_settings_failing_for_good_give_up_after_a_bounded_number_of_rounds(fake):
    project = fake.add_project("maintainpro-production")
    provider = connect(AuthConfigProvider(), fake.url, attempts=2)
    fake.fail("v1-update-auth-service-config", *[Answer(500, {"message": "error adding pooler tenant"})] * 50)
    with pytest.raises(ApiError, match=r"HTTP 500\): error adding pooler tenant \(gave up after 2 attempts\)"):
        provider.create({"project_ref": project.ref, "settings": {"jwt_exp": 3600}})
    assert fake.count("v1-update-auth-service-config") == 2 * provider.settings_rounds


def test_missing_token_is_a_clear_error_naming_both_sources(monkeypatch):
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    with pytest.raises(Exception, match="SUPABASE_ACCESS_TOKEN") as failure:
        ProjectProvider().client()
    assert "pulumi config set --secret" in str(failure.value)


def test_a_wrong_token_is_reported_as_the_apis_401(fake):
    provider = connect(ProjectProvider(), fake.url, token="fake-wrong-token")
    with pytest.raises(ApiError, match=r"HTTP 401\): Unauthorized"):
        provider.read("abcdefghijklmnopqrst", {})


def test_api_address_and_token_come_from_the_environment_at_call_time(fake, monkeypatch):
    monkeypatch.setenv("SUPABASE_API_URL", fake.url)
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", TOKEN)
    existing = fake.add_project("maintainpro-production")
    # A refresh (state from a create): one GET.
    read = ProjectProvider().read(existing.ref, {"publishable_key": "k", "secret_key": "k", "db_pass_sha256": "x"})
    assert read.outs["name"] == "maintainpro-production" and fake.count() == 1
