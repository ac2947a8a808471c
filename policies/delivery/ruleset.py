"""github-branch-require-ruleset: the default branch of every deployed repository is guarded by an active ruleset,
and every file the stack commits to that branch waits for it.

Only a ruleset's bypass actors push past it (github/docs rulesets-bypass-step.md); the deploying
GitHub App is one, but only once the ruleset exists, so a file without the dependency races it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from policies import resources as R
from policies.props import get, items, of_type
from policies.registry import cis, soc2, stack_policy


def guards_default_branch(ruleset: PolicyResource, default_branch: str) -> bool:
    includes = items(get(ruleset.props, R.RULESET_CONDITIONS, "refName", "includes"))
    refs = {*R.DEFAULT_BRANCH_REFS, f"refs/heads/{default_branch}"}
    return (
        get(ruleset.props, R.RULESET_TARGET) == "branch"
        and get(ruleset.props, R.RULESET_ENFORCEMENT) == "active"
        and any(ref in refs for ref in includes)
    )


def gaps(ruleset: PolicyResource) -> list[str]:
    rules = get(ruleset.props, R.RULESET_RULES) or {}
    missing = []
    if get(rules, "pullRequest") is None:
        missing.append("pull request reviews")
    if get(rules, "nonFastForward") is not True:
        missing.append("blocking force pushes")
    if get(rules, "deletion") is not True:
        missing.append("blocking deletion")
    return missing


def check(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    rulesets = [r for r in of_type(args.resources, R.GITHUB_RULESET) if guards_default_branch(r, config["defaultBranch"])]
    repos: dict[Any, PolicyResource] = {}
    for environment in of_type(args.resources, R.GITHUB_ENVIRONMENT):
        repos.setdefault(get(environment.props, R.ENVIRONMENT_REPOSITORY), environment)
    for repo, environment in repos.items():
        mine = [r for r in rulesets if get(r.props, R.RULESET_REPOSITORY) == repo]
        if not mine:
            yield f"repository {repo} deploys through environment '{get(environment.props, R.ENVIRONMENT_NAME)}' but its default branch has no active ruleset", environment.urn
            continue
        missing = min((gaps(r) for r in mine), key=len)
        if missing:
            yield f"the default-branch ruleset of {repo} lacks {', '.join(missing)}", mine[0].urn
        yield from unordered_files(args, repo, mine, config["defaultBranch"])


def unordered_files(
    args: StackValidationArgs, repo: Any, rulesets: list[PolicyResource], default_branch: str
) -> Iterator[tuple[str, str | None]]:
    """Files committed to the guarded branch that do not depend on (so may race) its ruleset."""
    guarding = {r.urn for r in rulesets}
    for file in of_type(args.resources, R.GITHUB_REPOSITORY_FILE):
        if get(file.props, R.FILE_REPOSITORY) != repo or get(file.props, R.FILE_BRANCH) not in (None, default_branch):
            continue
        if not guarding & {d.urn for d in file.dependencies}:
            yield (f"{get(file.props, R.FILE_PATH)} is committed to the default branch of {repo} without depending on "
                   "its ruleset: on a first `up` the commit races the ruleset whose bypass list admits it"), file.urn


POLICY = stack_policy(
    name="github-branch-require-ruleset",
    description="Every repository deployed through a GitHub environment has an active default-branch ruleset requiring pull requests and blocking force pushes and deletion, and every file committed to that branch depends on it.",
    family="delivery",
    subjects=(R.GITHUB_ENVIRONMENT,),
    severity=Severity.HIGH,
    controls=soc2("CC8.1") + cis("16.1"),
    remediation=(
        "Set `github.ruleset.enabled: true` (with required_approvals >= 1, block_force_push and block_deletion) "
        "in the stack file; commit files to the default branch with `depends_on` its ruleset (`commit_after`)."
    ),
    check=check,
    config={"defaultBranch": {"type": "string", "minLength": 1, "default": "main"}},
)
