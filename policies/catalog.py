"""Every policy of the pack, in report order (family by family)."""

from __future__ import annotations

from pathlib import Path

import yaml

from policies.database import legacy_keys_disabled, network_restricted, protected, ssl_enforced
from policies.delivery import (
    environment_deployment_policy,
    environment_reviewers,
    flag_cleanup,
    flag_ownership,
    publishing_environment,
    repository_security,
    ruleset,
    site_ci_publishing,
)
from policies.headers import (
    csp_no_unsafe_script,
    csp_required,
    frame_protection,
    hsts,
    nosniff,
    permissions_policy,
    referrer_policy,
)
from policies.https import force_ssl, tls_certificate
from policies.registry import Entry
from policies.resilience import (
    backup_heartbeat,
    backup_retention,
    backup_schedule,
    critical_route,
    dns_zone_protected,
    ssl_expiry_monitor,
)
from policies.secrets import delivered_rotation, github_no_literal, netlify_no_literal, rotation

PACK_NAME = "maintainpro-platform"
PACK_VERSION = str(yaml.safe_load((Path(__file__).parent / "PulumiPolicy.yaml").read_text(encoding="utf-8"))["version"])

ENTRIES: tuple[Entry, ...] = tuple(
    module.POLICY
    for module in (
        csp_required, csp_no_unsafe_script, hsts, nosniff, frame_protection, referrer_policy, permissions_policy,
        rotation, delivered_rotation, github_no_literal, netlify_no_literal,
        force_ssl, tls_certificate,
        environment_reviewers, environment_deployment_policy, ruleset, repository_security,
        site_ci_publishing, publishing_environment, flag_ownership, flag_cleanup,
        ssl_enforced, network_restricted, protected, legacy_keys_disabled,
        backup_schedule, backup_retention, ssl_expiry_monitor, dns_zone_protected, critical_route, backup_heartbeat,
    )
)
BY_NAME = {entry.name: entry for entry in ENTRIES}
