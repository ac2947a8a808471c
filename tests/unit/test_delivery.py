"""The GitHub delivery environment of each stack, as the real program registers it offline."""

from __future__ import annotations

from datetime import datetime, timezone

import pulumi
import pytest

from components.config import ConfigError, GitHubConfig, StackConfig, load_stack_config
from components.database import CI_SECRETS
from components.database import CI_VARIABLES as DATABASE_CI_VARIABLES
from components.delivery import DeliveryEnvironment, DeliveryEnvironmentArgs
from components.names import DEPLOY_TOKEN_SECRET
from components.site import CI_VARIABLES as SITE_CI_VARIABLES
from ops.engine import SECRET, Preview, Registered, run_stack
from ops.stackfile import read_stack_file
from tests.support.capture import program_failure, run_program

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
T = "github:index/"
ENVIRONMENT = T + "repositoryEnvironment:RepositoryEnvironment"
POLICY = T + "repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
ENV_SECRET = T + "actionsEnvironmentSecret:ActionsEnvironmentSecret"
ENV_VARIABLE = T + "actionsEnvironmentVariable:ActionsEnvironmentVariable"
RULESET = T + "repositoryRuleset:RepositoryRuleset"
PASSWORD = "random:index/randomPassword:RandomPassword"

CI_VARIABLES = DATABASE_CI_VARIABLES + SITE_CI_VARIABLES


@pytest.fixture(scope="module", params=["staging", "production"])
def stack(request: pytest.FixtureRequest) -> tuple[StackConfig, Preview]:
    stack_file = read_stack_file(request.param)
    preview = run_stack(stack_file, NOW)
    # The backup workflow's own environment (tests/unit/test_backups.py) is not the delivery environment.
    backups = {r.urn for r in preview.by_type("maintainpro:backups:BackupSchedule")}
    preview.resources = [r for r in preview.resources if r.parent not in backups]
    return stack_file.validate(), preview


def _delivery(preview: Preview, type_: str) -> list[Registered]:
    """Resources of `type_` outside the monitoring component (Checkly only: it declares no GitHub object)."""
    monitoring = {r.urn for r in preview.by_type("maintainpro:monitoring:Monitoring")}
    return [r for r in preview.by_type(type_) if r.parent not in monitoring]


def _one(preview: Preview, type_: str) -> Registered:
    (found,) = _delivery(preview, type_)
    return found


def _own_environment(preview: Preview, cfg: StackConfig) -> Registered:
    """The environment named after the stack (staging also has `staging-preview`, for pull-request previews)."""
    (found,) = [e for e in _delivery(preview, ENVIRONMENT) if e.inputs["environment"] == cfg.environment]
    return found


def test_environment_has_the_protection_rules_from_config(stack: tuple[StackConfig, Preview]) -> None:
    cfg, preview = stack
    env = cfg.github.environment
    inputs = _own_environment(preview, cfg).inputs
    assert inputs["environment"] == cfg.environment
    assert inputs["repository"] == cfg.github.app_repo
    assert inputs["preventSelfReview"] is env.prevent_self_review
    assert inputs["waitTimer"] == env.wait_timer_minutes
    assert inputs["canAdminsBypass"] is False  # GitHub's default is true: stated, never inherited
    if env.reviewers:
        assert inputs["reviewers"] == [
            {
                "teams": [r.id for r in env.reviewers if r.type == "team"],
                "users": [r.id for r in env.reviewers if r.type == "user"],
            }
        ]
    else:
        assert "reviewers" not in inputs
    assert inputs["deploymentBranchPolicy"] == {
        "protectedBranches": env.protected_branches_only,
        "customBranchPolicies": bool(env.branch_patterns or env.tag_patterns),
    }
    policies = preview.by_type(POLICY)
    assert {p.inputs.get("branchPattern") for p in policies} - {None} == set(env.branch_patterns)
    assert {p.inputs.get("tagPattern") for p in policies} - {None} == set(env.tag_patterns)
    assert len(policies) == len(env.branch_patterns) + len(env.tag_patterns)
    assert {p.inputs["environment"] for p in policies} == {cfg.environment}


def test_production_requires_review_and_waits_and_staging_does_not() -> None:
    """The two stack files differ where the issue says they must; guards against swapped configs."""
    production, staging = (read_stack_file(s).validate().github.environment for s in ("production", "staging"))
    assert production.reviewers and production.prevent_self_review and production.wait_timer_minutes > 0
    assert production.tag_patterns and "main" in production.branch_patterns
    assert not staging.reviewers and "main" in staging.branch_patterns


def test_every_environment_secret_is_secret_and_none_is_a_variable(stack: tuple[StackConfig, Preview]) -> None:
    cfg, preview = stack
    secrets = [s for s in preview.by_type(ENV_SECRET) if s.inputs["environment"] == cfg.environment]
    variables = preview.by_type(ENV_VARIABLE)
    expected = {key for s in cfg.secrets.values() for key in s.consumers.github_secrets} | set(CI_SECRETS)
    expected.add(DEPLOY_TOKEN_SECRET)  # from secret config: the delivery workflow's deploy job reads it
    expected |= {key for k in cfg.supabase.secret_keys.keys.values() for key in k.consumers.github_secrets}
    assert {s.inputs["secretName"] for s in secrets} == expected
    for secret in secrets:
        assert secret.inputs["value"] == SECRET, secret.name
        assert "plaintextValue" not in secret.inputs
        assert secret.inputs["environment"] == cfg.environment
    plain = {v.inputs["variableName"]: v.inputs["value"] for v in variables}
    assert {k: v for k, v in plain.items() if k not in CI_VARIABLES} == dict(cfg.github.variables)
    assert set(plain) == set(cfg.github.variables) | set(CI_VARIABLES)
    assert all(v.inputs["value"] != SECRET for v in variables)
    assert not {s.inputs["secretName"] for s in secrets} & {v.inputs["variableName"] for v in variables}


def test_environment_secrets_depend_on_their_generated_password(stack: tuple[StackConfig, Preview]) -> None:
    """A replaced password is an input change of each consumer, so they update in the same run."""
    cfg, preview = stack
    urns = {p.name: p.urn for p in preview.by_type(PASSWORD)}
    sources = {key: name for name, s in cfg.secrets.items() for key in s.consumers.github_secrets}
    for secret in preview.by_type(ENV_SECRET):
        if secret.inputs["secretName"] not in sources:
            continue  # the project's outputs or a Supabase secret API key (tests/unit/test_secret_api_keys.py)
        assert urns[sources[secret.inputs["secretName"]]] in secret.property_dependencies["value"]


def test_default_branch_ruleset_follows_config(stack: tuple[StackConfig, Preview]) -> None:
    cfg, preview = stack
    rules_cfg = cfg.github.ruleset
    ruleset = _one(preview, RULESET).inputs
    assert ruleset["target"] == "branch" and ruleset["enforcement"] == "active"
    assert ruleset["conditions"]["refName"]["includes"] == [f"refs/heads/{cfg.github.default_branch}"]
    assert cfg.environment in ruleset["name"]  # one ruleset per stack: the stacks never share an object
    rules = ruleset["rules"]
    assert rules["pullRequest"] == {
        "requiredApprovingReviewCount": rules_cfg.required_approvals,
        "dismissStaleReviewsOnPush": rules_cfg.dismiss_stale_reviews,
        "requireCodeOwnerReview": rules_cfg.require_code_owner_review,
    }
    assert [c["context"] for c in rules["requiredStatusChecks"]["requiredChecks"]] == rules_cfg.required_checks
    assert rules["nonFastForward"] is rules_cfg.block_force_push
    assert rules["deletion"] is rules_cfg.block_deletion
    assert [(a["actorType"], a.get("actorId"), a["bypassMode"]) for a in ruleset["bypassActors"]] == [
        (a.type, a.id, a.mode) for a in rules_cfg.bypass_actors
    ]
    assert ruleset["bypassActors"], "the deploying identity must be able to commit generated files"


def test_delivery_resources_are_children_of_the_component(stack: tuple[StackConfig, Preview]) -> None:
    _, preview = stack
    (component,) = preview.by_type("maintainpro:delivery:DeliveryEnvironment")
    for type_ in (ENVIRONMENT, POLICY, ENV_SECRET, ENV_VARIABLE, RULESET):
        assert all(r.parent == component.urn for r in _delivery(preview, type_)), type_


# ---------------------------------------------------------------- the component on its own


def _github(**changes: object) -> GitHubConfig:
    base = read_stack_file("staging").validate().github.model_dump()
    for path, value in changes.items():
        section, _, key = path.partition("__")
        if key:
            base[section][key] = value
        else:
            base[path] = value
    return GitHubConfig.model_validate(base)


def _register(args: DeliveryEnvironmentArgs):
    return run_program(lambda: DeliveryEnvironment("delivery", args))


def test_protected_branches_only_needs_no_patterns() -> None:
    github = _github(environment__protected_branches_only=True, environment__branch_patterns=[])
    mocks, _ = _register(DeliveryEnvironmentArgs("staging", github))
    (env,) = mocks.of_type(ENVIRONMENT)
    assert env.state["deploymentBranchPolicy"] == {"protectedBranches": True, "customBranchPolicies": False}
    assert not mocks.of_type(POLICY)


def test_protected_branches_and_patterns_together_are_a_config_error() -> None:
    with pytest.raises(Exception, match="protected_branches_only cannot be combined"):
        _github(environment__protected_branches_only=True)
    raw = read_stack_file("staging")
    sections = {k.partition(":")[2]: v for k, v in raw.raw.items() if k.startswith("maintainpro-platform:")}
    sections["github"] = {**sections["github"], "environment": {**sections["github"]["environment"], "protected_branches_only": True}}
    with pytest.raises(ConfigError) as caught:
        load_stack_config(sections, "staging")
    assert [path for path, _ in caught.value.problems] == ["github.environment"]


def test_no_branch_limits_means_no_branch_policy_and_disabled_ruleset_means_none() -> None:
    github = _github(environment__branch_patterns=[], ruleset__enabled=False)
    mocks, _ = _register(DeliveryEnvironmentArgs("staging", github))
    (env,) = mocks.of_type(ENVIRONMENT)
    assert "deploymentBranchPolicy" not in env.state
    assert not mocks.of_type(RULESET)


def test_wired_values_land_as_secrets_and_variables() -> None:
    args = DeliveryEnvironmentArgs(
        "staging",
        _github(),
        variables={"NETLIFY_SITE_ID": pulumi.Output.from_input("site-123")},
        secrets={"SUPABASE_SERVICE_KEY": "fake-service-key"},
    )
    mocks, _ = _register(args)
    (secret,) = mocks.of_type(ENV_SECRET)
    assert secret.inputs["value"].secret and secret.inputs["value"].value == "fake-service-key"
    (variable,) = mocks.of_type(ENV_VARIABLE)
    assert variable.inputs["variableName"].value == "NETLIFY_SITE_ID"
    assert variable.inputs["value"].value == "site-123" and not variable.inputs["value"].secret


def test_a_secret_handed_in_as_a_variable_stops_the_program() -> None:
    args = DeliveryEnvironmentArgs(
        "staging", _github(), variables={"DATABASE_URL": pulumi.Output.secret("postgres://fake-url")}
    )
    kind, message = program_failure(lambda: DeliveryEnvironment("delivery", args))
    assert kind is pulumi.RunError
    assert "DATABASE_URL would publish a secret value" in message


def test_a_key_cannot_be_both_variable_and_secret() -> None:
    args = DeliveryEnvironmentArgs("staging", _github(), variables={"KEY": "a"}, secrets={"KEY": "fake-b"})
    with pytest.raises(pulumi.RunError, match="KEY are both a variable and a secret"):
        _register(args)


def test_wired_values_come_from_the_resources_that_own_them(stack: tuple[StackConfig, Preview]) -> None:
    """The site id and the pooler URL are outputs of their resources, not copies or the direct host."""
    _, preview = stack
    (site,) = preview.by_type("pulumi-python:dynamic/netlify:Site")
    (pooler,) = preview.by_type("pulumi-python:dynamic/supabase:PoolerConfig")
    variables = {v.inputs["variableName"]: v for v in preview.by_type(ENV_VARIABLE)}
    assert site.urn in variables["NETLIFY_SITE_ID"].property_dependencies["value"]
    db_url = next(s for s in preview.by_type(ENV_SECRET) if s.inputs["secretName"] == "SUPABASE_DB_URL")
    assert pooler.urn in db_url.property_dependencies["value"]


def test_pull_request_previews_get_their_own_environment_on_staging_only(stack: tuple[StackConfig, Preview]) -> None:
    """A pull request's ref is no branch `staging` allows, so previews deploy through `staging-preview`:
    no reviewers, no branch policy, and the deploy token as its only secret. Production has none."""
    cfg, preview = stack
    names = sorted(e.inputs["environment"] for e in _delivery(preview, ENVIRONMENT))
    if cfg.environment == "production":
        assert names == ["production"]
        return
    assert names == ["staging", "staging-preview"]
    (env,) = [e for e in _delivery(preview, ENVIRONMENT) if e.inputs["environment"] == "staging-preview"]
    assert "reviewers" not in env.inputs and "deploymentBranchPolicy" not in env.inputs
    assert env.inputs["waitTimer"] == 0 and env.inputs["canAdminsBypass"] is False
    secrets = [s for s in preview.by_type(ENV_SECRET) if s.inputs["environment"] == "staging-preview"]
    assert [(s.inputs["secretName"], s.inputs["value"]) for s in secrets] == [(DEPLOY_TOKEN_SECRET, SECRET)]
    policies = [p for p in preview.by_type(POLICY) if p.inputs["environment"] == "staging-preview"]
    assert policies == []
