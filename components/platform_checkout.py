"""How a workflow in the app repository checks out this repository to run `python -m ops ...`.

Every such workflow (monitoring, backups) uses this one step, so there is one secret name for
operators to set when this repository is private: a read-only token in `PLATFORM_REPO_TOKEN`.
Without it the step falls back to the workflow's own `github.token`, enough for a public repo.
"""

from __future__ import annotations

from typing import Any

from components.actions import CHECKOUT

PLATFORM_REPO_TOKEN = "PLATFORM_REPO_TOKEN"


def checkout_step(repository: str, ref: str | None = None) -> dict[str, Any]:
    """The `actions/checkout` step for `owner/repo` (at `ref`, default: its default branch), credentials not kept."""
    with_: dict[str, Any] = {"repository": repository}
    if ref is not None:
        with_["ref"] = ref
    with_["token"] = f"${{{{ secrets.{PLATFORM_REPO_TOKEN} || github.token }}}}"
    with_["persist-credentials"] = False
    return {"name": "Check out the platform's ops tools", "uses": CHECKOUT, "with": with_}
