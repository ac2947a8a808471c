"""The delivery pipeline: what the generated workflows run, the budgets they hold a build to, and the
targets the delivery metrics are measured against (components/pipeline.py, docs/ARCHITECTURE.md).

The pull-request checks (lint, unit, E2E, audit, Lighthouse) run in the staging stack's workflow,
from the staging stack's section: pull requests are previewed on the staging site. Every stack's
section sets what its own push pipeline runs (Node, install, its Lighthouse budgets, the E2E smoke
tag against its draft deploy) and what `ops promote` smoke-tests (`smoke_paths`, `health_path`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from components.config.types import Strict

AuditLevel = Literal["low", "moderate", "high", "critical"]
# A site path: absolute, no whitespace, no query (the smoke test asks for exactly this).
SitePath = Annotated[str, Field(pattern=r"^/[^\s?#]*$", max_length=200)]
# A shell command run in the app repo's checkout: one line, so a workflow step runs it as written.
Command = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\n\r]+$")]


class LighthouseConfig(Strict):
    """Lab budgets (Lighthouse CI, rendered to `lighthouserc.json` by components/lighthouse.py).

    A lab run has no Interaction to Next Paint (no user input): Total Blocking Time is its proxy.
    `max_script_kb` counts kilobytes of 1024 bytes, as lhci's own budget.json conversion does, of
    script *transfer* size (lhci's static server compresses).
    """

    runs: Annotated[int, Field(ge=1, le=9)] = 3
    min_performance_score: Annotated[float, Field(ge=0, le=1)] = 0.9
    max_lcp_ms: Annotated[int, Field(ge=100, le=60000)] = 2500
    max_cls: Annotated[float, Field(ge=0, le=1)] = 0.1
    max_tbt_ms: Annotated[int, Field(ge=0, le=60000)] = 200
    max_script_kb: Annotated[int, Field(ge=1, le=100000)] = 300


class DoraTargets(Strict):
    """The operators' targets for the four keys (issue 17), measured from the GitHub deployments."""

    deployment_frequency: Literal["daily", "weekly", "monthly"] = "daily"
    lead_time_hours: Annotated[float, Field(gt=0, le=24 * 365)] = 2
    change_failure_rate: Annotated[float, Field(ge=0, le=1)] = 0.05
    time_to_restore_minutes: Annotated[int, Field(ge=1, le=60 * 24 * 30)] = 15
    # The share of production deployments that succeed.
    success_rate: Annotated[float, Field(gt=0, le=1)] = 0.999


class DeliveryConfig(Strict):
    node_version: Annotated[str, Field(pattern=r"^\d{2}(\.\d+){0,2}$")] = "22"
    install_command: Command = "npm ci"
    lint_command: Command = "npm run lint"
    # Must write an istanbul `json-summary` report (vitest/jest `--coverage.reporter=json-summary`)
    # at `coverage_summary`: the workflow reads its total line coverage, whatever the test runner.
    unit_test_command: Command = "npm run test:coverage"
    coverage_summary: Annotated[str, Field(pattern=r"^[^/\s][^\s]*\.json$")] = "coverage/coverage-summary.json"
    coverage_threshold: Annotated[float, Field(ge=0, le=100)] = 80
    # Playwright; run with BASE_URL set to the app under test.
    e2e_command: Command = "npx playwright test"
    # The E2E tests (`--grep`) run against each stack's draft deploy before `ops promote`; none: skipped.
    smoke_tag: Annotated[str, Field(pattern=r"^@[A-Za-z0-9_-]+$")] | None = None
    audit_level: AuditLevel = "high"
    # actions/dependency-review-action on pull requests: free on public repositories, on a private one
    # only with GitHub Advanced Security (Code Security); `npm audit` runs either way.
    dependency_review: bool = True
    lighthouse: LighthouseConfig = Field(default_factory=LighthouseConfig)
    # What `ops promote` asks the draft and then the live site for (status and security headers).
    smoke_paths: list[SitePath] = Field(default_factory=lambda: ["/"], min_length=1, max_length=20)
    health_path: SitePath | None = None
    targets: DoraTargets = Field(default_factory=DoraTargets)

    @model_validator(mode="after")
    def _paths_once(self) -> DeliveryConfig:
        repeated = sorted({p for p in self.smoke_paths if self.smoke_paths.count(p) > 1})
        if repeated:
            raise ValueError(f"smoke_paths lists {', '.join(repeated)} more than once")
        return self
