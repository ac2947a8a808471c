"""Policies over Supabase API keys: secret keys rotate like passwords, every delivered secret rotates (or is
exempted with a reason the report shows), legacy JWT keys are off and delivered nowhere."""

from __future__ import annotations

from ops.policy_run import _stack_policy
from policies import resources as R
from policies.database import legacy_keys_disabled
from policies.secrets import delivered_rotation, rotation
from tests.policies.factories import (
    NOW,
    PRODUCTION,
    assert_fails,
    assert_passes,
    compliant_stack,
    resource_args,
    violations,
)

PROD = {"maxRotationDays": 90, "now": NOW}
# The compliant stack's heartbeat ping URL is exempted, as in policies/config/production.json.
DELIVERED = PRODUCTION["secrets-delivered-require-rotation"]


# -- secrets-password-require-rotation over SecretApiKey --------------------------------------------------------

def test_a_secret_api_key_in_its_current_window_passes_rotation() -> None:
    assert_passes(rotation.POLICY, resource_args(compliant_stack()["secret-key-ci"], PROD))


def test_a_secret_api_key_rotating_too_rarely_or_pinned_fails_rotation() -> None:
    key = compliant_stack()["secret-key-ci"]
    key.props["keepers"] = {R.ROTATION_PERIOD_KEEPER: "120", R.ROTATION_WINDOW_KEEPER: "2026-11-03T00:00:00+00:00"}
    assert_fails(rotation.POLICY, resource_args(key, PROD), "rotates every 120 days; at most 90 days")
    key.props["keepers"] = {R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2026-01-01T00:00:00+00:00"}
    assert_fails(rotation.POLICY, resource_args(key, PROD), "more than 30 days before")


# -- secrets-delivered-require-rotation ------------------------------------------------------------------------

def test_secrets_delivered_from_rotating_sources_pass() -> None:
    assert_passes(delivered_rotation.POLICY, compliant_stack().args(DELIVERED))


def test_a_secret_delivered_from_the_projects_unrotated_key_fails() -> None:
    """What CI's SUPABASE_SECRET_KEY was before: the project's `default` secret key, which never changes."""
    stack = compliant_stack()
    secret = stack["secret-supabase-secret-key"]
    secret.property_dependencies["value"] = [stack["database"]]
    assert_fails(delivered_rotation.POLICY, stack.args(DELIVERED), "delivers SUPABASE_SECRET_KEY, whose value comes from no rotating source",
                 secret.urn)


def test_a_source_without_both_keepers_does_not_count_as_rotating() -> None:
    stack = compliant_stack()
    stack["build-hook-secret"].props["keepers"] = {R.ROTATION_PERIOD_KEEPER: "90"}
    assert_fails(delivered_rotation.POLICY, stack.args(DELIVERED), "delivers BUILD_HOOK_SECRET", stack["env-build-hook-secret"].urn)


def test_an_exempted_secret_passes_and_the_audit_shows_why() -> None:
    stack = compliant_stack()
    secret = stack["secret-supabase-secret-key"]
    secret.property_dependencies["value"] = []  # e.g. from encrypted stack config
    config = {"exempt": {**DELIVERED["exempt"], "SUPABASE_SECRET_KEY": "fake reason: issued by the vendor, rotated by hand"}}
    assert_passes(delivered_rotation.POLICY, stack.args(config))
    findings = {f.urn: f for f in _stack_policy(delivered_rotation.POLICY, stack.nodes, config)}
    assert findings[secret.urn].outcome == "pass"
    assert findings[secret.urn].message == "not rotated: fake reason: issued by the vendor, rotated by hand"
    assert findings[stack["secret-database-password"].urn].message is None  # rotates: nothing to explain


# -- supabase-project-require-legacy-keys-disabled --------------------------------------------------------------

def test_a_project_with_legacy_keys_disabled_and_undeliverable_passes() -> None:
    assert_passes(legacy_keys_disabled.POLICY, compliant_stack().args())


def test_a_project_still_outputting_legacy_keys_fails() -> None:
    stack = compliant_stack()
    stack["database"].props["legacy_api_keys"] = "enabled"
    assert_fails(legacy_keys_disabled.POLICY, stack.args(), "still outputs its legacy anon and service_role keys",
                 stack["database"].urn)


def test_a_project_whose_legacy_keys_nothing_disables_fails() -> None:
    stack = compliant_stack()
    stack.remove("legacy-api-keys")
    assert_fails(legacy_keys_disabled.POLICY, stack.args(), "nothing disables its legacy JWT keys")


def test_a_switch_left_on_or_for_another_project_does_not_count() -> None:
    stack = compliant_stack()
    stack["legacy-api-keys"].props["enabled"] = True
    assert_fails(legacy_keys_disabled.POLICY, stack.args(), "nothing disables its legacy JWT keys")
    stack = compliant_stack()
    other = stack.add(R.SUPABASE_PROJECT, "other", {"legacy_api_keys": "disabled"})
    stack["legacy-api-keys"].property_dependencies["project_ref"] = [other]
    found = violations(legacy_keys_disabled.POLICY, stack.args())
    assert [urn for _, urn in found] == [stack["database"].urn]  # the other project is the one it disables
