"""Secret policies: rotation within the stack's maximum; secrets only from resources, never literals."""

from __future__ import annotations

import pytest

from policies import resources as R
from policies.secrets import github_no_literal, netlify_no_literal, rotation
from tests.policies.factories import (
    NOW,
    Stack,
    assert_fails,
    assert_not_applicable,
    assert_passes,
    compliant_stack,
    resource_args,
)

STAGING = {"maxRotationDays": 180, "now": NOW}
PROD = {"maxRotationDays": 90, "now": NOW}
WINDOW = {R.ROTATION_WINDOW_KEEPER: "2026-11-01T00:00:00+00:00"}


def password(keepers: dict | None):
    node = compliant_stack()["database-password"]
    if keepers is None:
        node.props.pop("keepers")
    else:
        node.props["keepers"] = keepers
    return node


def test_rotating_passwords_pass() -> None:
    stack = compliant_stack()
    for node in stack.nodes:
        if node.resource_type == R.RANDOM_PASSWORD:
            assert_passes(rotation.POLICY, resource_args(node, PROD))


@pytest.mark.parametrize(
    ("keepers", "config", "expected"),
    [
        (None, PROD, "has no rotation keeper 'rotation_days': it is never rotated"),
        ({**WINDOW}, PROD, "has no rotation keeper 'rotation_days'"),
        ({R.ROTATION_PERIOD_KEEPER: "monthly", **WINDOW}, PROD, "'monthly', not a number of days"),
        ({R.ROTATION_PERIOD_KEEPER: "91", **WINDOW}, PROD, "rotates every 91 days; at most 90 days"),
        ({R.ROTATION_PERIOD_KEEPER: "181", **WINDOW}, STAGING, "rotates every 181 days; at most 180 days"),
        # The period alone proves nothing: the value changes only when the window start does.
        ({R.ROTATION_PERIOD_KEEPER: "30", "pinned": "2020-01-01"}, PROD,
         "has no rotation keeper 'rotation_window_start': nothing makes it change"),
        ({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "last month"}, PROD,
         "rotation keeper 'rotation_window_start' is 'last month', not an ISO 8601 date/time"),
        ({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2026-10-26T11:59:59+00:00"}, PROD,
         "secret was generated for the window starting 2026-10-26T11:59:59+00:00, more than 30 days before 2026-11-26T12:00:00+00:00"),
        ({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2020-01-01T00:00:00+00:00"}, PROD, "more than 30 days before"),
        ({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2999-01-01T00:00:00+00:00"}, PROD,
         "window starting 2999-01-01T00:00:00+00:00 is after 2026-11-26T12:00:00+00:00"),
    ],
)
def test_rotation_violations(keepers, config, expected: str) -> None:
    assert_fails(rotation.POLICY, resource_args(password(keepers), config), expected)


def test_staging_allows_a_longer_period_than_production() -> None:
    node = password({R.ROTATION_PERIOD_KEEPER: "120", **WINDOW})
    assert_passes(rotation.POLICY, resource_args(node, STAGING))
    assert_fails(rotation.POLICY, resource_args(node, {"now": NOW}), "at most 90 days")  # schema default = production


def test_window_exactly_one_period_old_still_passes() -> None:
    node = password({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2026-10-27T12:00:00Z"})
    assert_passes(rotation.POLICY, resource_args(node, PROD))


def test_default_clock_is_the_real_time() -> None:
    from datetime import datetime, timedelta, timezone

    real = datetime.now(timezone.utc)
    for age, fails in ((1, False), (40, True)):
        keepers = {R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: (real - timedelta(days=age)).isoformat()}
        args = resource_args(password(keepers), {"maxRotationDays": 90})
        if fails:
            assert_fails(rotation.POLICY, args, "more than 30 days before")
        else:
            assert_passes(rotation.POLICY, args)


def test_unparseable_clock_in_policy_config_is_reported() -> None:
    assert_fails(rotation.POLICY, resource_args(password({R.ROTATION_PERIOD_KEEPER: "30", **WINDOW}),
                                                {"maxRotationDays": 90, "now": "tomorrow"}),
                 "policy config 'now' is 'tomorrow', not an ISO 8601 date/time")


@pytest.mark.parametrize("type_", [R.RANDOM_BYTES, R.RANDOM_PASSWORD])
def test_every_secret_generator_is_judged(type_: str) -> None:
    stack = Stack()
    node = stack.add(type_, "signing-key", {"length": 32.0, "keepers": {R.ROTATION_PERIOD_KEEPER: "30", "pinned": "x"}})
    assert_fails(rotation.POLICY, resource_args(node, PROD), "has no rotation keeper 'rotation_window_start'")


def test_random_string_is_judged_only_when_its_result_is_kept_secret() -> None:
    stack = Stack()
    name = stack.add(R.RANDOM_STRING, "suffix", {"length": 6.0})
    assert_not_applicable(rotation.POLICY, resource_args(name, PROD))
    secret = stack.add(R.RANDOM_STRING, "token", {"length": 32.0})
    secret.opts.additional_secret_outputs = ["result"]
    assert_fails(rotation.POLICY, resource_args(secret, PROD), "has no rotation keeper 'rotation_days'")


def test_wired_secrets_pass() -> None:
    stack = compliant_stack()
    assert_passes(github_no_literal.POLICY, stack.args())
    assert_passes(netlify_no_literal.POLICY, stack.args())


def test_github_secret_from_a_literal_fails() -> None:
    stack = compliant_stack()
    secret = stack["secret-database-password"]
    secret.property_dependencies["plaintextValue"] = []
    assert_fails(github_no_literal.POLICY, stack.args(), "plaintextValue is a literal written in the program", secret.urn)


def test_github_secret_with_a_second_literal_value_input_fails() -> None:
    stack = compliant_stack()
    secret = stack["secret-database-password"]
    secret.props["value"] = "fake-literal"
    assert_fails(github_no_literal.POLICY, stack.args(), "value is a literal", secret.urn)


def test_netlify_secret_env_var_from_a_literal_fails() -> None:
    stack = compliant_stack()
    var = stack["env-build-hook-secret"]
    del var.property_dependencies["values"]
    assert_fails(netlify_no_literal.POLICY, stack.args(), "secret environment variable BUILD_HOOK_SECRET is set from a literal", var.urn)


def test_plain_netlify_env_vars_may_be_literals() -> None:
    stack = compliant_stack()
    assert stack["env-app-env"].property_dependencies == {}
    assert_passes(netlify_no_literal.POLICY, stack.args())


def test_secret_named_as_coming_from_secret_config_is_exempt() -> None:
    stack = compliant_stack()
    stack["secret-database-password"].property_dependencies["plaintextValue"] = []
    assert_passes(github_no_literal.POLICY, stack.args({"fromSecretConfig": ["DATABASE_PASSWORD"]}))
    assert_fails(github_no_literal.POLICY, stack.args({"fromSecretConfig": ["OTHER"]}), "plaintextValue is a literal")


def test_policy_reads_the_keeper_rotating_secret_writes() -> None:
    from components import secrets

    assert secrets.PERIOD_KEEPER == R.ROTATION_PERIOD_KEEPER
    assert secrets.KEEPER == R.ROTATION_WINDOW_KEEPER


def test_policy_passes_what_rotating_secret_generates() -> None:
    """The keepers the real component writes, for a clock anywhere in the window, satisfy the policy."""
    from datetime import datetime

    from components.secrets import KEEPER, PERIOD_KEEPER, RotationWindow

    for moment in ("2026-11-26T12:00:00+00:00", "2027-02-03T00:00:00+00:00"):
        now = datetime.fromisoformat(moment)
        window = RotationWindow.containing(now, 90)
        node = password({KEEPER: window.start.isoformat(), PERIOD_KEEPER: "90"})
        assert_passes(rotation.POLICY, resource_args(node, {"maxRotationDays": 90, "now": moment}))


def test_a_run_straddling_a_window_boundary_is_tolerated_but_a_stale_window_is_not() -> None:
    """NOW is 2026-11-26T12:00Z; one 30-day period back is 2026-10-27T12:00Z."""
    just_past = password({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2026-10-27T11:30:00Z"})
    assert_passes(rotation.POLICY, resource_args(just_past, PROD))
    stale = password({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2026-10-27T10:30:00Z"})
    assert_fails(rotation.POLICY, resource_args(stale, PROD), "more than 30 days before")


def test_without_a_configured_clock_the_policy_reads_the_programs_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """`MAINTAINPRO_NOW` moves the program's rotation windows; the policy, started by the same CLI, reads it too."""
    node = password({R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2020-01-01T00:00:00+00:00"})
    monkeypatch.setenv("MAINTAINPRO_NOW", "2020-01-15T00:00:00Z")
    assert_passes(rotation.POLICY, resource_args(node, {"maxRotationDays": 90}))
    monkeypatch.setenv("MAINTAINPRO_NOW", "2020-03-01T00:00:00Z")
    assert_fails(rotation.POLICY, resource_args(node, {"maxRotationDays": 90}), "more than 30 days before 2020-03-01")
    monkeypatch.setenv("MAINTAINPRO_NOW", "soon")
    assert_fails(rotation.POLICY, resource_args(node, {"maxRotationDays": 90}),
                 "environment variable MAINTAINPRO_NOW is 'soon', not an ISO 8601 date/time")
