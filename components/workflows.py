"""The one writer of every GitHub Actions workflow this program commits to the app repo.

The backup/restore-drill workflow (components/backup_workflow.py) is a document built here from
shared pieces: the runner, the Python version, the step that checks out this repository's ops
tools, the setup steps that install them, and the YAML dumper with the managed-file header. The pinned actions themselves
are listed in components/actions.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from components.actions import CHECKOUT, SETUP_PYTHON

# Where a job runs unless told otherwise: a pinned image, so an image upgrade is a reviewed change.
HOSTED_RUNNER = "ubuntu-24.04"
PYTHON_VERSION = "3.11"
# How a workflow checks out this repository when it is private: a read-only token in this secret.
# Without it the step falls back to the workflow's own `github.token`, enough for a public repo.
PLATFORM_REPO_TOKEN = "PLATFORM_REPO_TOKEN"


def checkout_step(repository: str, ref: str | None = None) -> dict[str, Any]:
    """The `actions/checkout` step for `owner/repo` (at `ref`, default: its default branch), credentials not kept."""
    with_: dict[str, Any] = {"repository": repository}
    if ref is not None:
        with_["ref"] = ref
    with_["token"] = f"${{{{ secrets.{PLATFORM_REPO_TOKEN} || github.token }}}}"
    with_["persist-credentials"] = False
    return {"name": "Check out the platform's ops tools", "uses": CHECKOUT, "with": with_}


def setup_python_step() -> dict[str, Any]:
    return {"uses": SETUP_PYTHON, "with": {"python-version": PYTHON_VERSION, "cache": "pip"}}


def install_step(*, quiet: bool) -> dict[str, Any]:
    """`pip install` of this repository's pinned requirements."""
    return {"run": "python -m pip install " + ("--quiet " if quiet else "") + "-r requirements.txt"}


def ops_setup_steps(
    repository: str, ref: str | None = None, *, before_install: Sequence[Mapping[str, Any]] = (), quiet: bool = False,
) -> list[dict[str, Any]]:
    """Check out this repository's ops tools, set up Python, (`before_install`,) install the requirements."""
    return [checkout_step(repository, ref), setup_python_step(), *map(dict, before_install), install_step(quiet=quiet)]


class _WorkflowDumper(yaml.SafeDumper):
    """Plain YAML as people write workflows: no anchors/aliases, multi-line scripts as `|` blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_WorkflowDumper.add_representer(str, _str)


def dump_workflow(document: Mapping[str, Any], header: str, *, width: int) -> str:
    """`header` (comment lines, each ending in a newline) then the document as YAML, keys in their given order."""
    return header + yaml.dump(document, Dumper=_WorkflowDumper, sort_keys=False, width=width)
