"""The GitHub section: delivery environment, ruleset, variables and repository security."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from components.config.types import EnvKey, Strict, TimeZone


class Reviewer(Strict):
    """A required reviewer; GitHub's API wants the numeric id, people read the name."""

    type: Literal["team", "user"]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id: Annotated[int, Field(gt=0)]


class EnvironmentConfig(Strict):
    reviewers: list[Reviewer] = Field(default_factory=list, max_length=6)
    prevent_self_review: bool = True
    wait_timer_minutes: Annotated[int, Field(ge=0, le=43200)] = 0
    protected_branches_only: bool = False
    # GitHub lets repository admins skip the reviewers and wait timer unless this is off.
    admins_bypass: bool = False
    branch_patterns: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    tag_patterns: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_branch_policy(self) -> EnvironmentConfig:
        # GitHub's deployment branch policy is either protected branches or custom patterns.
        if self.protected_branches_only and (self.branch_patterns or self.tag_patterns):
            raise ValueError("protected_branches_only cannot be combined with branch_patterns/tag_patterns")
        return self


class BypassActor(Strict):
    """Who may push past the ruleset: the identity Pulumi runs as must be one, or its commits of
    generated files (headers, workflows) to the default branch are rejected."""

    type: Literal["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey"]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id: Annotated[int, Field(gt=0)] | None = None
    mode: Literal["always", "pull_request"] = "always"


class RulesetConfig(Strict):
    enabled: bool = True
    bypass_actors: list[BypassActor] = Field(default_factory=list)
    required_approvals: Annotated[int, Field(ge=0, le=10)] = 1
    dismiss_stale_reviews: bool = True
    require_code_owner_review: bool = False
    required_checks: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    block_force_push: bool = True
    block_deletion: bool = True


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Visibility = Literal["public", "private", "internal"]


class DependabotConfig(Strict):
    """What the generated `.github/dependabot.yml` files ask of Dependabot version updates.

    Security updates are a repository setting (`dependabot_security_updates`), not part of the file.
    """

    interval: Literal["daily", "weekly", "monthly"] = "weekly"
    day: Weekday = "monday"  # weekly only
    time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "05:00"
    timezone: TimeZone = "Etc/UTC"
    # Dependabot's own default is 5; 0 turns version updates off (security updates still come).
    open_pull_requests_limit: Annotated[int, Field(ge=0, le=50)] = 5
    # One pull request per ecosystem for every minor and patch update instead of one per package.
    group_minor_and_patch: bool = True


class RepositorySecurityConfig(Strict):
    """GitHub's security features on the app repo and this repository (components/repo_security.py).

    Repository-level, so one stack declares them: production (both stacks share the repositories).
    Each feature is on by default; the production policy `github-repository-require-security-features`
    fails a preview with any of them off.
    """

    vulnerability_alerts: bool = True
    dependabot_security_updates: bool = True
    secret_scanning: bool = True
    push_protection: bool = True
    # Secret scanning on a private/internal repository needs a licence: `secret-protection` (GitHub
    # Secret Protection, sold on its own) sends no `advanced_security`, which errors under split
    # licensing; `advanced-security` (the bundled GitHub Advanced Security) turns it on per repo.
    # A public repository has both for free and refuses `advanced_security` (422).
    licensing: Literal["secret-protection", "advanced-security"] = "secret-protection"
    app_repo_visibility: Visibility = "private"
    platform_repo_visibility: Visibility = "private"
    dependabot: DependabotConfig = Field(default_factory=DependabotConfig)

    @model_validator(mode="after")
    def _dependencies(self) -> RepositorySecurityConfig:
        # Push protection is a secret scanning feature; security updates act on vulnerability alerts.
        if self.push_protection and not self.secret_scanning:
            raise ValueError("push_protection needs secret_scanning (push protection is part of secret scanning)")
        if self.dependabot_security_updates and not self.vulnerability_alerts:
            raise ValueError("dependabot_security_updates needs vulnerability_alerts (security updates fix what the alerts find)")
        return self


class GitHubConfig(Strict):
    owner: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")]
    app_repo: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")]
    default_branch: Annotated[str, Field(min_length=1)] = "main"
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    ruleset: RulesetConfig = Field(default_factory=RulesetConfig)
    variables: dict[EnvKey, str] = Field(default_factory=dict)
    security: RepositorySecurityConfig = Field(default_factory=RepositorySecurityConfig)
