"""No secret (database password, secret API key, access token, write-only settings) leaks.

Runs a lifecycle with faults while capturing every log record at DEBUG (httpx, httpcore, ours)
and the process output, then looks for each secret in logs, error messages and the outputs not
marked secret.
"""

from __future__ import annotations

import base64
import logging

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider

from providers.http import ApiError
from providers.supabase.api import ProjectNotReady
from providers.supabase.api_keys import SECRET_OUTPUTS as KEY_SECRET_OUTPUTS
from providers.supabase.api_keys import SecretApiKeyProvider, SecretApiKeyRetirementProvider
from providers.supabase.auth import AuthConfigProvider
from providers.supabase.function_secrets import FunctionSecretsProvider
from providers.supabase.project import SECRET_OUTPUTS, ProjectProvider
from tests.providers.supabase.conftest import connect
from tests.providers.supabase.fake import TOKEN
from tests.support.faults import Answer

PASSWORD = "fake-db-password-hygiene"
NEW_PASSWORD = "fake-db-password-rotated"
SMTP = "fake-smtp-password-hygiene"
FUNCTION_SECRET = "fake-function-secret-hygiene"


def props(**extra):
    return {"organization_slug": "acme", "name": "maintainpro-production", "region": "eu-central-1",
            "instance_size": None, "db_pass": PASSWORD, "wait_timeout": 20, "poll_interval": 10, **extra}


def test_no_secret_in_logs_errors_or_plain_outputs(fake, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    project = connect(ProjectProvider(), fake.url)
    fake.fail("v1-get-all-projects-for-organization", Answer(429, {"message": "slow"}, {"Retry-After": "1"}))
    fake.lose_answer("v1-create-a-project")
    fake.polls_until_healthy = None
    with pytest.raises(ProjectNotReady) as stuck:
        project.create(props())
    errors.append(str(stuck.value))
    (ref,) = fake.projects
    fake.projects[ref].polls_left = 0
    created = project.create(props())
    service_key = created.outs["secret_key"]
    fake.fail("v1-update-database-password", Answer(400, {"message": "password too weak"}))
    with pytest.raises(ApiError) as weak:
        project.update(ref, created.outs, props(db_pass=NEW_PASSWORD))
    errors.append(str(weak.value))
    updated = project.update(ref, created.outs, props(db_pass=NEW_PASSWORD)).outs
    auth = connect(AuthConfigProvider(), fake.url)
    auth_outs = auth.create({"project_ref": ref, "settings": {"jwt_exp": 3600}, "secret_settings": {"smtp_pass": SMTP}}).outs
    auth_read = auth.read(ref, auth_outs).outs
    functions = connect(FunctionSecretsProvider(), fake.url)
    fn_outs = functions.create({"project_ref": ref, "secrets": {"RESEND_API_KEY": FUNCTION_SECRET}}).outs
    bad = functions.check({}, {"project_ref": ref, "secrets": {"SUPABASE_X": FUNCTION_SECRET}}).failures
    errors += [f.reason for f in bad]

    keys = connect(SecretApiKeyProvider(), fake.url)
    window = {"rotation_days": "30"}
    key_props = {"project_ref": ref, "name_prefix": "production_ci", "grace_seconds": 3600.0, "description": "ci"}
    fake.lose_answer("v1-create-project-api-key")
    first = keys.create({**key_props, "keepers": {**window, "rotation_window_start": "2026-11-03T00:00:00+00:00"}}).outs
    rotated = keys.update("k", first, {**key_props, "keepers": {**window, "rotation_window_start": "2026-12-03T00:00:00+00:00"}}).outs
    connect(SecretApiKeyRetirementProvider(), fake.url).create(
        {"project_ref": ref, "key": "ci", "delete": [first["key_id"]], "keep": [rotated["key_id"]]})
    ci_keys = [first["api_key"], rotated["api_key"]]

    plain = [{k: v for k, v in outs.items() if k not in SECRET_OUTPUTS} for outs in (created.outs, updated)]
    plain += [auth_outs, auth_read, fn_outs]
    plain += [{k: v for k, v in outs.items() if k not in KEY_SECRET_OUTPUTS} for outs in (first, rotated)]
    out, err = capfd.readouterr()
    haystacks = {"logs": caplog.text, "stdout/stderr": out + err, "errors": "\n".join(errors),
                 "plain outputs": repr(plain)}
    assert "HTTP Request: PATCH" in caplog.text and "is COMING_UP" in caplog.text  # the capture really saw traffic
    for secret in (PASSWORD, NEW_PASSWORD, SMTP, FUNCTION_SECRET, TOKEN, service_key, *ci_keys):
        for where, text in haystacks.items():
            assert secret not in text, f"a secret leaked into {where}"
    # The secret outputs do carry them, and the engine is told to encrypt those.
    assert PASSWORD in created.outs["db_url"] and service_key.startswith("sb_secret_fake")
    assert all(k.startswith("sb_secret_fake") for k in ci_keys) and fake.count("v1-delete-project-api-key") == 1


def test_the_serialized_provider_in_state_holds_no_token():
    provider = AuthConfigProvider()
    provider.configure(ConfigureRequest(Config({"maintainpro-platform:supabaseAccessToken": TOKEN}, "maintainpro-platform")))
    assert provider.client().token == TOKEN
    pickled = base64.b64decode(serialize_provider(provider))
    assert TOKEN.encode() not in pickled
