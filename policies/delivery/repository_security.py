"""github-repository-require-security-features: every repository the stack manages has GitHub's security
features on: vulnerability alerts, Dependabot security updates, secret scanning, push protection, and a
`dependabot.yml` asking for version updates of the ecosystems it must cover.

Secret scanning and push protection exist only as `github.Repository.security_and_analysis`; a setting
listed in the resource's `ignore_changes` is never applied, so it counts as off. Security updates must
wait for the alerts resource: GitHub enables them only where vulnerability alerts are on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from policies import resources as R
from policies.props import feeds, get, items, of_type
from policies.registry import cis, soc2, stack_policy
from policies.resilience.documents import load

SCANNING = {
    "secret scanning": R.REPOSITORY_SECRET_SCANNING,
    "push protection": R.REPOSITORY_PUSH_PROTECTION,
}


def repository_of(node: PolicyResource) -> Any:
    """The repository a resource configures: the `github.Repository` its input is wired from, else the literal."""
    for source in feeds(node, R.FILE_REPOSITORY):
        if source.resource_type == R.GITHUB_REPOSITORY:
            return get(source.props, R.REPOSITORY_NAME)
    return get(node.props, R.FILE_REPOSITORY)


def managed_repositories(args: StackValidationArgs, required: list[str]) -> list[str]:
    """The configured repositories plus every repository a GitHub resource of the stack names."""
    named = [get(r.props, R.REPOSITORY_NAME) for r in of_type(args.resources, R.GITHUB_REPOSITORY)]
    named += [repository_of(r) for r in of_type(args.resources, *R.GITHUB_REPOSITORY_SCOPED_TYPES)]
    return list(dict.fromkeys([*required, *(n for n in named if isinstance(n, str))]))


def ignored(node: PolicyResource, path: tuple[str, ...]) -> bool:
    """Whether `ignore_changes` covers `path` (the property itself or any of its parents)."""
    prefixes = {".".join(path[:i]) for i in range(1, len(path) + 1)}
    return any(entry in prefixes for entry in node.opts.ignore_changes or [])


def scanning_gaps(repo: str, node: PolicyResource) -> Iterator[str]:
    for feature, path in SCANNING.items():
        if ignored(node, path):
            yield f"repository {repo}: {feature} is in ignore_changes ({'.'.join(path)}), so the declared setting is never applied"
        elif get(node.props, *path, "status") != "enabled":
            yield f"repository {repo}: {feature} is off ({'.'.join(path)}.status is not 'enabled')"


def dependabot_gaps(repo: str, files: list[PolicyResource], ecosystems: list[str]) -> Iterator[str]:
    if not files:
        yield f"repository {repo}: no {R.DEPENDABOT_FILE} is committed (version updates for {', '.join(ecosystems)})"
        return
    document = load(get(files[0].props, R.FILE_CONTENT))
    if not isinstance(document, dict) or document.get("version") != 2:
        yield f"repository {repo}: {R.DEPENDABOT_FILE} is not a Dependabot version 2 configuration"
        return
    covered = {get(u, "package-ecosystem") for u in items(document.get("updates"))}
    missing = [e for e in ecosystems if e not in covered]
    if missing:
        yield f"repository {repo}: {R.DEPENDABOT_FILE} has no updates for {', '.join(missing)}"


def check(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    repositories = of_type(args.resources, R.GITHUB_REPOSITORY)
    alerts = of_type(args.resources, R.GITHUB_VULNERABILITY_ALERTS)
    updates = of_type(args.resources, R.GITHUB_DEPENDABOT_SECURITY_UPDATES)
    files = of_type(args.resources, R.GITHUB_REPOSITORY_FILE)
    for repo in managed_repositories(args, list(config["repositories"])):
        node = next((r for r in repositories if get(r.props, R.REPOSITORY_NAME) == repo), None)
        if node is None:
            yield (f"repository {repo}: no github.Repository declares its secret scanning and push protection "
                   "(security_and_analysis exists on no other resource)"), None
        else:
            yield from ((message, node.urn) for message in scanning_gaps(repo, node))
        where = node.urn if node else None
        mine = [a for a in alerts if repository_of(a) == repo]
        if not mine:
            yield f"repository {repo}: vulnerability alerts are not declared", where
        elif any(get(a.props, "enabled") is False for a in mine):
            yield f"repository {repo}: vulnerability alerts are off", mine[0].urn
        fixes = [u for u in updates if repository_of(u) == repo]
        if not fixes:
            yield f"repository {repo}: Dependabot security updates are not declared", where
        elif any(get(u.props, "enabled") is not True for u in fixes):
            yield f"repository {repo}: Dependabot security updates are off", fixes[0].urn
        elif mine and not all({a.urn for a in mine} & {d.urn for d in u.dependencies} for u in fixes):
            yield (f"repository {repo}: Dependabot security updates do not depend on its vulnerability alerts: "
                   "a first `up` may enable them before the alerts, which GitHub refuses"), fixes[0].urn
        ecosystems = list(config["dependabotEcosystems"].get(repo, []))
        if ecosystems:
            committed = [f for f in files if repository_of(f) == repo and get(f.props, R.FILE_PATH) == R.DEPENDABOT_FILE]
            yield from ((message, committed[0].urn if committed else where) for message in dependabot_gaps(repo, committed, ecosystems))


POLICY = stack_policy(
    name="github-repository-require-security-features",
    description="Every repository the stack manages has vulnerability alerts, Dependabot security updates, secret scanning and push protection on, and a dependabot.yml covering its ecosystems.",
    family="delivery",
    subjects=(R.GITHUB_REPOSITORY,),
    severity=Severity.HIGH,
    controls=soc2("CC7.1", "CC6.1") + cis("7.4", "16.5"),
    remediation=(
        "Keep every `github.security` feature on in Pulumi.production.yaml (vulnerability_alerts, "
        "dependabot_security_updates, secret_scanning, push_protection); declare the repository through "
        "components/repo_security.py, which adopts it, and keep `security_and_analysis` out of `ignore_changes`."
    ),
    check=check,
    config={
        "repositories": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": []},
        "dependabotEcosystems": {
            "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}, "default": {},
        },
    },
)
