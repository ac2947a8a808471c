"""The CrossGuard policy pack. Constructing `PolicyPack` starts the policy server, so this file only builds it.

`pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json` runs it;
`python -m ops audit` runs the same policies offline.
"""

import sys
from pathlib import Path

# The CLI runs this file from policies/; the policies import as the `policies` package from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.catalog import ENTRIES, PACK_NAME  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[entry.policy for entry in ENTRIES],
    description="MaintAInPro platform: security headers, secret rotation, HTTPS, delivery protection, database and backups.",
)
