"""The feature-flag policies over `FeatureFlag` records: owner and expiry, and flags ready to remove."""

from __future__ import annotations

import pytest

from policies.delivery import flag_cleanup, flag_ownership
from tests.policies.factories import NOW, assert_fails, assert_passes, compliant_stack, violations

CLOCK = {"now": NOW}  # 2026-11-26 12:00 UTC


@pytest.mark.parametrize("module", [flag_ownership, flag_cleanup], ids=lambda m: m.POLICY.name)
def test_the_compliant_production_stack_passes(module) -> None:
    assert_passes(module.POLICY, compliant_stack().args(CLOCK))


# -- configcat-flag-require-owner-and-expiry ------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "expected"), [
    ("owner", None, "flag newWorkOrderForm has no owner"),
    ("owner", "   ", "flag newWorkOrderForm has no owner"),
    ("expires", None, "flag newWorkOrderForm has no planned removal date"),
    ("expires", "next quarter", "flag newWorkOrderForm has expiry 'next quarter', not a date"),
])
def test_a_flag_without_owner_or_expiry_fails(field: str, value: object, expected: str) -> None:
    stack = compliant_stack()
    stack["flags-newWorkOrderForm"].props[field] = value
    assert_fails(flag_ownership.POLICY, stack.args(), expected, stack["flags-newWorkOrderForm"].urn)


# -- configcat-flag-require-cleanup ---------------------------------------------------------------------------

def test_a_flag_past_its_removal_date_is_reported() -> None:
    stack = compliant_stack()
    stack["flags-newWorkOrderForm"].props["expires"] = "2026-11-25"
    assert_fails(flag_cleanup.POLICY, stack.args(CLOCK),
                 "flag newWorkOrderForm is past its planned removal date (2026-11-25)", stack["flags-newWorkOrderForm"].urn)


def test_the_removal_date_itself_is_not_past() -> None:
    stack = compliant_stack()
    stack["flags-newWorkOrderForm"].props["expires"] = "2026-11-26"
    assert_passes(flag_cleanup.POLICY, stack.args(CLOCK))


def test_a_flag_at_100_percent_past_its_soak_is_ready_to_remove() -> None:
    """fastSearch went to 100 % on 2026-11-25 12:00 with a 48 h soak: ready once 2026-11-27 12:00 has passed."""
    stack = compliant_stack()
    assert_passes(flag_cleanup.POLICY, stack.args({"now": "2026-11-27T12:00:00+00:00"}))
    assert_fails(flag_cleanup.POLICY, stack.args({"now": "2026-11-27T12:00:01+00:00"}),
                 "flag fastSearch has served 100 % since 2026-11-25 12:00 UTC, longer than its 48 h soak: ready to remove",
                 stack["flags-fastSearch"].urn)


def test_a_flag_short_of_100_percent_is_never_ready_to_remove() -> None:
    stack = compliant_stack()
    stack["flags-fastSearch"].props["percentage"] = 99.0
    assert_passes(flag_cleanup.POLICY, stack.args({"now": "2026-12-31T00:00:00+00:00"}))


def test_the_clock_is_maintainpro_now_without_policy_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAINTAINPRO_NOW", "2026-11-28T00:00:00Z")
    assert_fails(flag_cleanup.POLICY, compliant_stack().args(), "flag fastSearch has served 100 %")


def test_an_unreadable_clock_is_said() -> None:
    found = violations(flag_cleanup.POLICY, compliant_stack().args({"now": "yesterday"}))
    assert found == [("policy config 'now' is 'yesterday', not an ISO 8601 date/time", None)]
