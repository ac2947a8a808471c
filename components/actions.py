"""The actions every workflow this program generates into the app repo uses, pinned in one place.

Each is the action's node24 major: GitHub removed the Node 20 runtime from its runners (changelog
2025-09-19, "Deprecation of Node 20 on GitHub Actions runners"; removal scheduled for 2026-09-23),
so a node20 major no longer runs. The repository's own .github/workflows/ use the same majors;
tests/unit/test_actionlint.py checks both (actionlint flags a deprecated runtime and unknown inputs).
"""

from __future__ import annotations

CHECKOUT = "actions/checkout@v5"
SETUP_PYTHON = "actions/setup-python@v6"
CONFIGURE_AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@v6"
