"""The stack's Lighthouse CI budgets as the `lighthouserc.json` the pipeline's lighthouse jobs read.

Committed to the app repo beside `_headers` (components/pipeline.py), so a reviewer sees the budgets a
build is held to in the repository the build comes from. Key names and semantics are Lighthouse CI's
(GoogleChrome/lighthouse-ci docs/configuration.md): `ci.collect.staticDistDir` serves the build
output from lhci's own compressing static server, `numberOfRuns` runs per URL, and each
`ci.assert.assertions` entry is `[level, options]`: `minScore` for a category,
`maxNumericValue` for an audit's numeric value, aggregated over the runs by `aggregationMethod`
(`median`: the median of all runs). No `budgetsFile`: lhci refuses it beside other assert options.
"""

from __future__ import annotations

import json
from typing import Any

from components.config import LighthouseConfig

# lhci's budget.json conversion (packages/utils/src/budgets-converter.js) multiplies kilobytes by 1024
# into `resource-summary:<type>:size`'s maxNumericValue, which is in bytes.
BYTES_PER_KB = 1024
MEDIAN = "median"


def rc_path(stack: str) -> str:
    """Where the stack's file lives in the app repo (both stacks commit to one repo)."""
    return f"deploy/lighthouse/{stack}/lighthouserc.json"


def lighthouserc(cfg: LighthouseConfig, dist_dir: str) -> dict[str, Any]:
    """The rc document: the built app in `dist_dir` (an SPA: unknown paths serve index.html), the budgets as errors."""

    def at_most(value: float) -> list[Any]:
        return ["error", {"maxNumericValue": value, "aggregationMethod": MEDIAN}]

    return {
        "ci": {
            "collect": {
                "staticDistDir": f"./{dist_dir}",
                "isSinglePageApplication": True,
                "numberOfRuns": cfg.runs,
            },
            "assert": {
                "assertions": {
                    "categories:performance": ["error", {"minScore": cfg.min_performance_score,
                                                         "aggregationMethod": MEDIAN}],
                    "largest-contentful-paint": at_most(cfg.max_lcp_ms),
                    "cumulative-layout-shift": at_most(cfg.max_cls),
                    # A lab run has no Interaction to Next Paint: Total Blocking Time is its proxy.
                    "total-blocking-time": at_most(cfg.max_tbt_ms),
                    "resource-summary:script:size": at_most(cfg.max_script_kb * BYTES_PER_KB),
                },
            },
        },
    }


def render(cfg: LighthouseConfig, dist_dir: str) -> str:
    return json.dumps(lighthouserc(cfg, dist_dir), indent=2) + "\n"
