"""The app repo's GitHub side of one stack: its deployment environment, what the workflows read
from it, and the rules that guard the default branch.

Each stack owns one environment named after itself, so the two stacks never manage the same
GitHub object. Values arrive already split: `secrets` become environment secrets, `variables`
become environment variables, and a secret handed in as a variable stops the program instead of
being published in clear.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from components.config import EnvironmentConfig, GitHubConfig, RulesetConfig, StackConfig
from components.names import pattern_slug as _slug
from components.names import preview_environment


@dataclass(frozen=True)
class DeliveryEnvironmentArgs:
    stack: str  # the GitHub environment's name: the stack deploys through `<stack>`
    github: GitHubConfig
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Secrets of `<stack>-preview`, the environment pull-request previews deploy through (no reviewers,
    # any branch); None: the stack has no such environment.
    preview_secrets: Mapping[str, pulumi.Input[str]] | None = None

    @classmethod
    def from_stack(
        cls, cfg: StackConfig, *, variables: Mapping[str, pulumi.Input[str]] | None = None,
        secrets: Mapping[str, pulumi.Input[str]] | None = None,
        preview_secrets: Mapping[str, pulumi.Input[str]] | None = None,
    ) -> DeliveryEnvironmentArgs:
        return cls(stack=cfg.environment, github=cfg.github, variables=dict(variables or {}),
                   secrets=dict(secrets or {}), preview_secrets=preview_secrets)


def plain(value: pulumi.Input[str], refusal: str) -> pulumi.Output[str]:
    """`value`, unless it is secret: then the program stops with `refusal` (e.g. a GitHub variable, or a
    committed file, would publish it to anyone who can read the repository)."""
    out = pulumi.Output.from_input(value)

    def checked(pair: list[object]) -> str:
        text, secret = pair
        if secret:
            raise pulumi.RunError(refusal)
        return str(text)

    secret: pulumi.Output[bool] = pulumi.Output.from_input(out.is_secret())
    return pulumi.Output.all(out, secret).apply(checked)


def _plain(key: str, value: pulumi.Input[str]) -> pulumi.Output[str]:
    return plain(value, f"GitHub environment variable {key} would publish a secret value; pass it in `secrets` instead")


def branch_policy(env: EnvironmentConfig) -> github.RepositoryEnvironmentDeploymentBranchPolicyArgs | None:
    """Where deployments may come from: protected branches, the listed patterns, or (none) anywhere."""
    custom = bool(env.branch_patterns or env.tag_patterns)
    if not (env.protected_branches_only or custom):
        return None
    return github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
        protected_branches=env.protected_branches_only, custom_branch_policies=custom
    )


def ruleset_rules(rules: RulesetConfig) -> github.RepositoryRulesetRulesArgs:
    checks = (
        github.RepositoryRulesetRulesRequiredStatusChecksArgs(
            required_checks=[
                github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(context=name)
                for name in rules.required_checks
            ],
            strict_required_status_checks_policy=True,
        )
        if rules.required_checks
        else None
    )
    return github.RepositoryRulesetRulesArgs(
        pull_request=github.RepositoryRulesetRulesPullRequestArgs(
            required_approving_review_count=rules.required_approvals,
            dismiss_stale_reviews_on_push=rules.dismiss_stale_reviews,
            require_code_owner_review=rules.require_code_owner_review,
        ),
        required_status_checks=checks,
        non_fast_forward=rules.block_force_push,
        deletion=rules.block_deletion,
    )


class DeliveryEnvironment(pulumi.ComponentResource):
    """The GitHub environment a stack deploys through, its secrets and variables, and the ruleset."""

    def __init__(self, name: str, args: DeliveryEnvironmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:delivery:DeliveryEnvironment", name, None, opts)
        overlap = sorted(set(args.variables) & set(args.secrets))
        if overlap:
            raise pulumi.RunError(f"GitHub environment keys {', '.join(overlap)} are both a variable and a secret")
        cfg, env = args.github, args.github.environment
        child = pulumi.ResourceOptions(parent=self)
        teams = [r.id for r in env.reviewers if r.type == "team"]
        users = [r.id for r in env.reviewers if r.type == "user"]

        # The resource this component wraps: named `name` itself (the one exception to `<name>-<what>`).
        self.environment = github.RepositoryEnvironment(
            name,
            repository=cfg.app_repo,
            environment=args.stack,
            reviewers=[github.RepositoryEnvironmentReviewerArgs(teams=teams, users=users)] if env.reviewers else None,
            prevent_self_review=env.prevent_self_review,
            can_admins_bypass=env.admins_bypass,
            wait_timer=env.wait_timer_minutes,
            deployment_branch_policy=branch_policy(env),
            opts=child,
        )
        # Children name the environment through its output, so they are created after it exists.
        environment = self.environment.environment

        for pattern in env.branch_patterns:
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-branch-{_slug(pattern)}",
                repository=cfg.app_repo, environment=environment, branch_pattern=pattern, opts=child,
            )
        for pattern in env.tag_patterns:
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-tag-{_slug(pattern)}",
                repository=cfg.app_repo, environment=environment, tag_pattern=pattern, opts=child,
            )
        # By name: the Supabase key retirements wait for the secrets their keys are delivered as.
        self.secrets: dict[str, github.ActionsEnvironmentSecret] = {}
        for key, value in sorted(args.secrets.items()):
            self.secrets[key] = github.ActionsEnvironmentSecret(
                f"{name}-secret-{key}",
                repository=cfg.app_repo, environment=environment, secret_name=key,
                value=pulumi.Output.secret(value), opts=child,
            )
        for key, value in sorted(args.variables.items()):
            github.ActionsEnvironmentVariable(
                f"{name}-var-{key}",
                repository=cfg.app_repo, environment=environment, variable_name=key,
                value=_plain(key, value), opts=child,
            )

        # Pull-request previews: a pull request's ref (refs/pull/N/merge) is no branch the stack's own
        # environment allows, so they deploy through one with no branch policy and no reviewers. Anyone
        # who can push a branch can run a workflow in it, and so read its secrets (docs/ARCHITECTURE.md).
        self.preview_environment: github.RepositoryEnvironment | None = None
        self.preview_secrets: dict[str, github.ActionsEnvironmentSecret] = {}
        if args.preview_secrets is not None:
            self.preview_environment = github.RepositoryEnvironment(
                f"{name}-preview", repository=cfg.app_repo, environment=preview_environment(args.stack),
                prevent_self_review=False, can_admins_bypass=False, wait_timer=0, opts=child,
            )
            for key, value in sorted(args.preview_secrets.items()):
                self.preview_secrets[key] = github.ActionsEnvironmentSecret(
                    f"{name}-preview-secret-{key}",
                    repository=cfg.app_repo, environment=self.preview_environment.environment, secret_name=key,
                    value=pulumi.Output.secret(value), opts=child,
                )

        self.ruleset: github.RepositoryRuleset | None = None
        if cfg.ruleset.enabled:
            # One ruleset per stack on the shared default branch: GitHub applies the most
            # restrictive of layered rulesets, and no two stacks fight over one object.
            self.ruleset = github.RepositoryRuleset(
                f"{name}-default-branch",
                name=f"{cfg.default_branch} ({args.stack} stack)",
                repository=cfg.app_repo,
                target="branch",
                enforcement="active",
                conditions=github.RepositoryRulesetConditionsArgs(
                    ref_name=github.RepositoryRulesetConditionsRefNameArgs(
                        includes=[f"refs/heads/{cfg.default_branch}"], excludes=[]
                    )
                ),
                rules=ruleset_rules(cfg.ruleset),
                bypass_actors=[
                    github.RepositoryRulesetBypassActorArgs(actor_type=a.type, actor_id=a.id, bypass_mode=a.mode)
                    for a in cfg.ruleset.bypass_actors
                ],
                opts=child,
            )
        self.register_outputs(
            {
                "environment": environment,
                "secret_names": sorted(args.secrets),
                "variable_names": sorted(args.variables),
                "preview_secret_names": sorted(args.preview_secrets or {}),
            }
        )
