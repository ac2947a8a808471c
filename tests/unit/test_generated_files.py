"""Generated files reach the app repo's protected default branch only after that stack's ruleset.

The deploying identity commits `_headers` and the backup workflow straight to the
default branch, which the ruleset protects (pull request required). GitHub lets a push through a
ruleset only for its bypass actors, so on a first `pulumi up` the ruleset (whose bypass list names
the deploying GitHub App) must exist before any file is committed: with no dependency the engine
runs them in parallel and the commit races the ruleset. Every RepositoryFile on the default branch
must therefore depend on its stack's ruleset, and be registered after it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ops.engine import Preview, run_stack
from ops.stackfile import read_stack_file

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
FILE = "github:index/repositoryFile:RepositoryFile"


@pytest.fixture(scope="module", params=["staging", "production"])
def preview(request: pytest.FixtureRequest) -> Preview:
    return run_stack(read_stack_file(request.param), NOW)


def test_every_default_branch_file_depends_on_the_stacks_ruleset(preview: Preview) -> None:
    cfg = read_stack_file(preview.stack).validate()
    (ruleset,) = preview.by_type(RULESET)
    files = [f for f in preview.by_type(FILE) if f.inputs["branch"] == cfg.github.default_branch]
    # headers, the delivery pipeline and (when enabled) the backup workflow: none may be missed; monitoring commits nothing now
    paths = {f.inputs["file"] for f in files}
    assert cfg.headers_path in paths and not any("monitoring" in p for p in paths)
    assert {f".github/workflows/delivery-{preview.stack}.yml", f"deploy/lighthouse/{preview.stack}/lighthouserc.json"} <= paths
    assert any("db-backup" in p for p in paths) == cfg.backups.enabled
    for file in files:  # the engine creates a resource only after those it depends on
        assert ruleset.urn in file.dependencies, file.inputs["file"]
