"""Secret policies: rotation within the stack's maximum; secrets only from resources, never literals."""

from __future__ import annotations

import pytest

from policies import resources as R
from policies.secrets import github_no_literal, netlify_no_literal, rotation
from tests.policies.factories import assert_fails, assert_passes, compliant_stack, resource_args

STAGING = {"maxRotationDays": 180}


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
            assert_passes(rotation.POLICY, resource_args(node, {"maxRotationDays": 90}))


@pytest.mark.parametrize(
    ("keepers", "config", "expected"),
    [
        (None, {}, "has no rotation keeper 'rotation_days': it is never rotated"),
        ({"window": "2026-11-01"}, {}, "has no rotation keeper"),
        ({R.ROTATION_PERIOD_KEEPER: "monthly"}, {}, "'monthly', not a number of days"),
        ({R.ROTATION_PERIOD_KEEPER: "91"}, {"maxRotationDays": 90}, "rotates every 91 days; at most 90 days"),
        ({R.ROTATION_PERIOD_KEEPER: "181"}, STAGING, "rotates every 181 days; at most 180 days"),
    ],
)
def test_rotation_violations(keepers, config, expected: str) -> None:
    assert_fails(rotation.POLICY, resource_args(password(keepers), config), expected)


def test_staging_allows_a_longer_period_than_production() -> None:
    node = password({R.ROTATION_PERIOD_KEEPER: "120"})
    assert_passes(rotation.POLICY, resource_args(node, STAGING))
    assert_fails(rotation.POLICY, resource_args(node, {}), "at most 90 days")  # schema default = production


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
