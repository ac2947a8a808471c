"""The backup workflow's database URL under the mock engine: session pooler, secret, rotated, never plain.

GitHub-hosted runners have no IPv6 and the direct host `db.<ref>.supabase.co` is IPv6-only, so
`BACKUP_DATABASE_URL` must be the session pooler's URL (from the pooler config the provider reads;
the capturing mocks answer it like the provider would) with the stack's current database password.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import pulumi

from components.platform import Platform, PlatformArgs
from ops.backup.dsn import Dsn
from ops.stackfile import read_stack_file
from tests.support.capture import FAKE_DEPLOY_TOKEN, CapturingMocks, fake_generated, run_program

UTC = timezone.utc
PASSWORD = "random:index/randomPassword:RandomPassword"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
INSIDE = datetime(2026, 11, 26, tzinfo=UTC)
STILL_INSIDE = datetime(2026, 12, 2, 23, tzinfo=UTC)
ROTATED = datetime(2027, 1, 2, 1, tzinfo=UTC)  # the 30-day database-password window has ended


def _platform(now: datetime) -> tuple[CapturingMocks, dict[str, tuple[bool, Any]]]:
    """Run production's Platform; returns the mocks and every Output of the database component as (secret, value)."""
    cfg = read_stack_file("production").validate()

    def build() -> pulumi.Output[Any]:
        platform = Platform("maintainpro-production", PlatformArgs(cfg, now, pulumi.Output.secret(FAKE_DEPLOY_TOKEN)))
        outputs = {k: v for k, v in vars(platform.database).items() if isinstance(v, pulumi.Output)}

        async def collect() -> dict[str, tuple[bool, Any]]:
            return {k: (await o._is_secret, await o._future) for k, o in outputs.items()}

        return pulumi.Output.from_input(asyncio.ensure_future(collect()))

    return run_program(build, stack="production")


def _password(mocks: CapturingMocks) -> str:
    return fake_generated("database-password", mocks.named(PASSWORD, "database-password").state["keepers"])


def _backup_secret(mocks: CapturingMocks) -> tuple[str, bool]:
    (secret,) = [r for r in mocks.of_type(ENV_SECRET) if r.inputs["secretName"].value == "BACKUP_DATABASE_URL"]
    assert secret.inputs["environment"].value == "production-backups"
    return secret.inputs["value"].value, secret.inputs["value"].secret


def test_backup_database_url_is_the_session_pooler_with_the_current_password_and_secret():
    mocks, outputs = _platform(INSIDE)
    value, secret = _backup_secret(mocks)
    assert secret
    dsn = Dsn.parse(value)  # as `ops backup` reads it
    assert dsn.params == {"user": "postgres.fakeprojectrefabcd", "host": "pooler.example.test", "port": "5432",
                          "dbname": "postgres", "sslmode": "require"}
    assert dsn.password == _password(mocks)
    assert outputs["pooler_url"] == (True, value)  # the component's output, not a second construction


def test_a_password_rotation_changes_the_pooler_url_in_the_same_run():
    inside, still_inside, rotated = (_platform(now)[0] for now in (INSIDE, STILL_INSIDE, ROTATED))
    assert _backup_secret(inside) == _backup_secret(still_inside)
    before, after = Dsn.parse(_backup_secret(inside)[0]), Dsn.parse(_backup_secret(rotated)[0])
    assert before.password == _password(inside) and after.password == _password(rotated)
    assert before.password != after.password
    assert before.params == after.params  # same endpoint, new password


def test_no_password_in_any_plain_input_or_output():
    mocks, outputs = _platform(INSIDE)
    password = _password(mocks)
    forms = (password, quote(password, safe=""))
    assert {k for k, (secret, _) in outputs.items() if secret} >= {"pooler_url", "db_url", "secret_key", "publishable_key"}
    plain = [repr(value) for secret, value in outputs.values() if not secret]
    for resource in mocks.resources:
        plain += [f"{resource.type} {resource.name}.{k}: {i.value!r}" for k, i in resource.inputs.items() if not i.secret]
    leaks = [text for text in plain if any(form in text for form in forms)]
    assert leaks == []
    # The oracle sees the password where it must be: inside the secret URL, percent-encoded.
    assert quote(password, safe="") in outputs["pooler_url"][1]
