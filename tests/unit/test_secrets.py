"""Rotating secrets: window arithmetic, keepers under a moving clock, and where values flow."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pulumi
import pytest

from components.config import SecretConfig, SecretConsumers, StackConfig
from components.database import CI_SECRETS
from components.names import DEPLOY_TOKEN_SECRET
from components.platform import Platform, PlatformArgs
from components.secrets import (
    Consumer,
    RotatingSecret,
    RotatingSecretArgs,
    RotationWindow,
    SecretSet,
    SecretSetArgs,
    consumers_of,
)
from ops.stackfile import read_stack_file
from tests.support.capture import FAKE_DEPLOY_TOKEN, CapturingMocks, fake_generated, run_program

UTC = timezone.utc
PASSWORD = "random:index/randomPassword:RandomPassword"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
# 2026-11-03 is day 20760 after 1970-01-01 = 692 * 30 = 346 * 60, so 30- and 60-day windows start
# there; 90-day windows start on day 20700 = 230 * 90, i.e. 2026-09-04.
NOV_3 = datetime(2026, 11, 3, tzinfo=UTC)
SEP_4 = datetime(2026, 9, 4, tzinfo=UTC)


def production() -> StackConfig:
    return read_stack_file("production").validate()


# ---------------------------------------------------------------- windows


def test_window_is_aligned_to_the_epoch_and_spans_the_period() -> None:
    window = RotationWindow.containing(datetime(2026, 11, 26, 15, 30, tzinfo=UTC), 30)
    assert window.start == NOV_3
    assert window.end == NOV_3 + timedelta(days=30)
    assert RotationWindow.containing(datetime(2026, 11, 26, tzinfo=UTC), 90).start == SEP_4


def test_window_boundaries_belong_to_the_next_window() -> None:
    end = NOV_3 + timedelta(days=30)
    assert RotationWindow.containing(end - timedelta(microseconds=1), 30).start == NOV_3
    assert RotationWindow.containing(end, 30).start == end


def test_window_of_another_time_zone_is_the_same_instant() -> None:
    cet = timezone(timedelta(hours=1))
    assert RotationWindow.containing(datetime(2026, 11, 3, 0, 30, tzinfo=cet), 30).start == NOV_3 - timedelta(days=30)


def test_naive_clock_is_refused() -> None:
    with pytest.raises(pulumi.RunError, match="timezone-aware"):
        RotationWindow.containing(datetime(2026, 11, 26), 30)


# ---------------------------------------------------------------- one RotatingSecret


def _password_under(now: datetime, rotation_days: int = 30) -> tuple[CapturingMocks, dict[str, object]]:
    config = SecretConfig(rotation_days=rotation_days, length=40)

    def build() -> pulumi.Output[dict[str, object]]:
        secret = RotatingSecret("database-password", RotatingSecretArgs(config, now))
        return pulumi.Output.all(
            value=secret.value,
            window_start=secret.window_start,
            next_rotation=secret.next_rotation,
            secret=pulumi.Output.from_input(secret.value.is_secret()),
        )

    return run_program(build)


def test_value_is_stable_inside_the_window() -> None:
    first, out_first = _password_under(NOV_3 + timedelta(days=1))
    later, out_later = _password_under(NOV_3 + timedelta(days=29, hours=23))
    keepers = first.named(PASSWORD, "database-password").state["keepers"]
    assert keepers == later.named(PASSWORD, "database-password").state["keepers"]
    assert keepers == {"rotation_window_start": NOV_3.isoformat(), "rotation_days": "30"}
    assert out_first["value"] == out_later["value"]


def test_keeper_changes_once_the_period_is_over() -> None:
    before, out_before = _password_under(NOV_3 + timedelta(days=29))
    after, out_after = _password_under(NOV_3 + timedelta(days=30, hours=1))
    keepers_before = before.named(PASSWORD, "database-password").state["keepers"]
    keepers_after = after.named(PASSWORD, "database-password").state["keepers"]
    assert keepers_before != keepers_after  # a changed keeper makes the engine replace the password
    assert keepers_after == {"rotation_window_start": (NOV_3 + timedelta(days=30)).isoformat(), "rotation_days": "30"}
    assert out_before["value"] != out_after["value"]
    assert out_after["value"] == fake_generated("database-password", keepers_after)


def test_value_is_secret_and_schedule_is_plain() -> None:
    mocks, out = _password_under(datetime(2026, 11, 26, tzinfo=UTC))
    assert out["secret"] is True
    assert out["window_start"] == NOV_3.isoformat()
    assert out["next_rotation"] == (NOV_3 + timedelta(days=30)).isoformat()
    password = mocks.named(PASSWORD, "database-password")
    assert password.inputs["length"].value == 40
    assert password.inputs["special"].value is False


# ---------------------------------------------------------------- the registry


def test_consumers_list_owner_then_configured_deliveries() -> None:
    cfg = production()
    assert consumers_of("database-password", cfg.secrets["database-password"]) == [
        Consumer("owner", "Supabase project (database password)"),
        Consumer("derived", "SUPABASE_DB_URL (stack GitHub environment, session-pooler URL)"),
        Consumer("derived", "BACKUP_DATABASE_URL (<stack>-backups GitHub environment, session-pooler URL)"),
    ]
    webhook = SecretConfig(
        rotation_days=60,
        consumers=SecretConsumers(github_secrets=["HOOK"], netlify_env=["NETLIFY_HOOK"], supabase_secrets=["SB_HOOK"]),
    )
    assert consumers_of("some-webhook", webhook) == [
        Consumer("github-environment-secret", "HOOK"),
        Consumer("netlify-env", "NETLIFY_HOOK"),
        Consumer("supabase-secret", "SB_HOOK"),
    ]


def test_secret_set_builds_one_password_per_configured_secret_and_routes_values() -> None:
    cfg = production()
    now = datetime(2026, 11, 26, tzinfo=UTC)

    def build() -> pulumi.Output[dict[str, object]]:
        secrets = SecretSet(SecretSetArgs(cfg, now))
        with pytest.raises(KeyError, match="no generated secret 'nope'"):
            secrets["nope"]
        return pulumi.Output.all(
            github=pulumi.Output.all(**secrets.delivered_as("github-environment-secret")),
            netlify=pulumi.Output.all(**secrets.delivered_as("netlify-env")),
            supabase=pulumi.Output.all(**secrets.delivered_as("supabase-secret")),
            db=secrets["database-password"].value,
        )

    mocks, out = run_program(build)
    assert sorted(r.name for r in mocks.of_type(PASSWORD)) == sorted(cfg.secrets)

    def generated(name: str) -> str:
        return fake_generated(name, mocks.named(PASSWORD, name).state["keepers"])

    expected = {kind: {} for kind in ("github", "netlify", "supabase")}
    for name, secret in cfg.secrets.items():
        for kind, keys in (
            ("github", secret.consumers.github_secrets),
            ("netlify", secret.consumers.netlify_env),
            ("supabase", secret.consumers.supabase_secrets),
        ):
            expected[kind].update({key: generated(name) for key in keys})
    assert out["github"] == expected["github"] and out["github"]
    assert out["netlify"] == expected["netlify"] and out["netlify"]
    assert out["supabase"] == expected["supabase"] and out["supabase"]
    assert out["db"] == generated("database-password")


# ---------------------------------------------------------------- the whole stack under a moving clock


def _platform_under(now: datetime) -> CapturingMocks:
    cfg = production()
    token = pulumi.Output.secret(FAKE_DEPLOY_TOKEN)
    mocks, _ = run_program(lambda: Platform("maintainpro-production", PlatformArgs(cfg, now, token)), stack="production")
    return mocks


def _delivered(mocks: CapturingMocks) -> dict[str, tuple[object, bool]]:
    return {
        r.inputs["secretName"].value: (r.inputs["value"].value, r.inputs["value"].secret)
        for r in mocks.of_type(ENV_SECRET)
        # The Supabase project's outputs (also the backup workflow's database URL) are not generated, nor
        # are Supabase secret API keys (tests/unit/test_secret_api_keys.py) or the deploy token (secret config).
        if r.inputs["secretName"].value not in (*CI_SECRETS, "SUPABASE_SECRET_KEY", DEPLOY_TOKEN_SECRET)
        and r.inputs["environment"].value == "production"
    }


def test_every_github_consumer_gets_the_current_value_and_follows_a_rotation() -> None:
    cfg = production()
    sources = {key: name for name, s in cfg.secrets.items() for key in s.consumers.github_secrets}
    inside = _platform_under(datetime(2026, 11, 26, tzinfo=UTC))
    still_inside = _platform_under(datetime(2026, 12, 2, 23, tzinfo=UTC))  # every window still open
    rotated = _platform_under(datetime(2027, 1, 2, 1, tzinfo=UTC))  # the 30, 60 and 90-day windows all ended

    assert _delivered(inside) == _delivered(still_inside)
    assert set(_delivered(rotated)) == set(sources)
    for mocks in (inside, rotated):
        for key, (value, secret) in _delivered(mocks).items():
            password = mocks.named(PASSWORD, sources[key])
            assert secret, f"{key} must reach GitHub as a secret"
            assert value == fake_generated(sources[key], password.state["keepers"]), key
    for name in cfg.secrets:
        old = inside.named(PASSWORD, name).state["keepers"]
        assert old == still_inside.named(PASSWORD, name).state["keepers"]
        assert old != rotated.named(PASSWORD, name).state["keepers"], name
    for key in sources:
        assert _delivered(inside)[key][0] != _delivered(rotated)[key][0]
