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
SETUP_NODE = "actions/setup-node@v5"
UPLOAD_ARTIFACT = "actions/upload-artifact@v6"
DOWNLOAD_ARTIFACT = "actions/download-artifact@v7"
# v5.0.0 is its node24 release (release notes: "updates the runtime to node24").
DEPENDENCY_REVIEW = "actions/dependency-review-action@v5"
# action.yml `runs.using: node24` at v12 (12.6.1), which runs @lhci/cli ^0.15.1.
LIGHTHOUSE_CI = "treosh/lighthouse-ci-action@v12"
