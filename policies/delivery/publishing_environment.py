"""github-workflow-require-protected-publishing: the job that publishes production runs in its environment."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.delivery.environment_reviewers import PROTECTED
from policies.props import get, of_type
from policies.registry import cis, soc2, stack_policy
from policies.resilience.documents import load

WORKFLOWS = ".github/workflows/"
# `ops promote --stack NAME`: the step that publishes a stack's site (python -m ops / maintainpro-ops).
PROMOTE = re.compile(r"\bops promote\b[^\n]*?--stack[ =]([A-Za-z0-9_.-]+)")


def _environment(job: Mapping[str, Any]) -> str | None:
    environment = job.get("environment")
    if isinstance(environment, Mapping):
        environment = environment.get("name")
    return environment if isinstance(environment, str) else None


def publishing_jobs(workflow: Any) -> Iterator[tuple[str, str, str | None]]:
    """(job id, stack it publishes, environment it runs in) for every job running `ops promote`."""
    jobs = workflow.get("jobs") if isinstance(workflow, Mapping) else None
    for job_id, job in (jobs or {}).items():
        if not isinstance(job, Mapping):
            continue
        for step in job.get("steps") or []:
            run = step.get("run") if isinstance(step, Mapping) else None
            for stack in PROMOTE.findall(run if isinstance(run, str) else ""):
                yield str(job_id), stack, _environment(job)


def check(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    protected = [e for e in of_type(args.resources, R.GITHUB_ENVIRONMENT)
                 if get(e.props, R.ENVIRONMENT_NAME) in config["environments"]]
    files = [f for f in of_type(args.resources, R.GITHUB_REPOSITORY_FILE)
             if str(get(f.props, R.FILE_PATH) or "").startswith(WORKFLOWS)]
    if not protected or any(not isinstance(get(f.props, R.FILE_CONTENT), str) for f in files):
        return  # nothing to protect, or a workflow's content is unknown until apply (judged at `up`)
    guarded = {str(get(e.props, R.ENVIRONMENT_NAME)): e for e in protected}
    published: set[str] = set()
    for file in files:
        path = get(file.props, R.FILE_PATH)
        for job_id, stack, environment in publishing_jobs(load(get(file.props, R.FILE_CONTENT))):
            published.add(stack)
            if stack in guarded and environment != stack:
                yield (f"{path}: job '{job_id}' publishes {stack} outside the '{stack}' environment "
                       f"(runs in {environment or 'no environment'}): its reviewers and wait timer gate nothing"
                       ), guarded[stack].urn
    for name, resource in guarded.items():
        if name not in published:
            yield (f"no committed workflow publishes {name} (no job runs `ops promote --stack {name}`): "
                   "the site is published some other way, past its reviewers"), resource.urn


POLICY = stack_policy(
    name="github-workflow-require-protected-publishing",
    description="The workflow job that publishes a protected stack runs in that stack's GitHub environment.",
    family="delivery",
    subjects=(R.GITHUB_ENVIRONMENT,),  # the environment whose reviewers a misplaced job bypasses
    severity=Severity.HIGH,
    controls=soc2("CC8.1", "CC6.1") + cis("16.1"),
    remediation=(
        "Publish only through the generated `delivery-<stack>.yml`, whose `deploy-<stack>` job runs "
        "`ops promote` in `environment: <stack>`; do not run `ops promote --stack production` elsewhere."
    ),
    check=check,
    config={"environments": PROTECTED},
)
