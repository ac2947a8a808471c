"""`BackupSchedule` under the mock engine, for both stacks' real config."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.backups import BackupSchedule, BackupScheduleArgs
from components.config import ConfigError, StackConfig, load_stack_config
from ops.engine import SECRET, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import ROOT, mutate, stack_document, write_stack
from tests.support.capture import CapturingMocks, run_program
from tests.support.workflows import resolved_jobs

S3 = "aws:s3/"
ACCOUNT = "123456789012"
FAKE_SHARED_ACCOUNT = "111111111111"  # backups.aws_account_id of both stack files (one account)
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
FAKE_DB_URL = "postgresql://backup:fake-db-password@db.example.invalid:5432/postgres"


class AwsMocks(CapturingMocks):
    """Answers like the AWS provider where the component reads computed outputs (ARNs)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        rid, state = super().new_resource(args)
        if args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            state["arn"] = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
        elif args.typ == "aws:iam/role:Role":
            state["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{args.name}"
        return rid, state


def build(cfg: StackConfig, database_url: str | None = None) -> tuple[AwsMocks, Any]:
    mocks = AwsMocks()
    args = BackupScheduleArgs(
        stack=cfg.environment, backups=cfg.backups, github=cfg.github,
        production=cfg.is_production, database_url=database_url,
    )
    return run_program(lambda: BackupSchedule("b", args).role_arn, stack=cfg.environment, mocks=mocks)


@pytest.fixture(scope="module", params=["staging", "production"])
def stack(request: pytest.FixtureRequest) -> tuple[StackConfig, AwsMocks]:
    cfg = read_stack_file(request.param).validate()
    mocks, _ = build(cfg)
    return cfg, mocks


def one(mocks: CapturingMocks, token: str) -> dict[str, Any]:
    (found,) = mocks.of_type(token)
    return found.state


def test_bucket_is_versioned_encrypted_private_and_tls_only(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    bucket = one(mocks, S3 + "bucket:Bucket")
    assert bucket["bucket"] == cfg.backups.bucket_name
    assert bucket.get("forceDestroy") is False
    assert one(mocks, S3 + "bucketVersioning:BucketVersioning")["versioningConfiguration"] == {"status": "Enabled"}
    (rule,) = one(mocks, S3 + "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    block = one(mocks, S3 + "bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    (deny,) = json.loads(one(mocks, S3 + "bucketPolicy:BucketPolicy")["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert f"arn:aws:s3:::{cfg.backups.bucket_name}/*" in deny["Resource"]


# Expiry is a backstop past the oldest backup GFS keeps: staging keeps 3 monthly (93 days),
# production 12 monthly (372 days); one week of grace on top.
EXPECTED_EXPIRY = {"staging": 100, "production": 379}


def test_lifecycle_matches_retention(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    rules = {r["id"]: r for r in one(mocks, S3 + "bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]}
    main = rules["backup-retention"]
    assert main["status"] == "Enabled"
    assert main["filter"] == {"prefix": f"{cfg.environment}/"}
    assert main["expiration"] == {"days": EXPECTED_EXPIRY[cfg.environment]}
    assert main["expiration"]["days"] > cfg.backups.retention.monthly * 31
    assert main["transitions"] == [{"days": 30, "storageClass": "STANDARD_IA"}]
    assert main["noncurrentVersionExpiration"] == {"noncurrentDays": cfg.backups.minimum_retention_days}
    assert main["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}
    assert rules["expired-delete-markers"]["expiration"] == {"expiredObjectDeleteMarker": True}
    assert rules["expired-delete-markers"]["filter"] == {"prefix": f"{cfg.environment}/"}


AUDIT_KEY = "audit/{stack}/20261126T120000Z-123-1-up/record.json"


def _reaches(rule: dict[str, Any], key: str) -> bool:
    """Whether a lifecycle rule applies to `key`: no filter (or an empty prefix) means the whole bucket."""
    rule_filter = rule.get("filter") or {}
    prefix = rule_filter.get("prefix", (rule_filter.get("and") or {}).get("prefix", rule.get("prefix", "")))
    return key.startswith(prefix or "")


def _earliest_day(rule: dict[str, Any]) -> int | None:
    """The earliest age at which the rule expires, drops or moves an object version."""
    days = [t["days"] for t in rule.get("transitions") or []]
    days += [t["noncurrentDays"] for t in rule.get("noncurrentVersionTransitions") or []]
    days.append((rule.get("expiration") or {}).get("days"))
    days.append((rule.get("noncurrentVersionExpiration") or {}).get("noncurrentDays"))
    found = [d for d in days if d is not None]
    return min(found) if found else None


def test_no_lifecycle_rule_expires_or_moves_the_audit_trail_before_its_retention(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    rules = one(mocks, S3 + "bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]
    key = AUDIT_KEY.format(stack=cfg.environment)
    reaching = [r for r in rules if _reaches(r, key)]
    assert {r["id"] for r in reaching} == {"audit-retention", "audit-expired-delete-markers"}
    retention = cfg.backups.audit_retention_days
    assert retention >= (365 if cfg.environment == "production" else 1)
    for rule in reaching:
        earliest = _earliest_day(rule)
        assert earliest is None or earliest > retention, (rule["id"], earliest, retention)
    audit = next(r for r in reaching if r["id"] == "audit-retention")
    # Current and noncurrent versions both go, but only after the retention and a week of grace.
    assert audit["expiration"] == {"days": retention + 7}
    assert audit["noncurrentVersionExpiration"] == {"noncurrentDays": retention + 7}
    assert "transitions" not in audit
    # And no backup rule applies to the audit prefix or the whole bucket.
    for rule in rules:
        if rule["id"].startswith("backup") or rule["id"] == "expired-delete-markers":
            assert not _reaches(rule, key) and _reaches(rule, f"{cfg.environment}/20261126T031700Z.dump")


def test_the_audit_check_catches_a_bucket_wide_or_early_audit_rule() -> None:
    """The check above, on rules that would lose audit objects early."""
    early = [
        {"id": "everything", "filter": {}, "expiration": {"days": 100}},
        {"id": "no-filter", "expiration": {"days": 100}},
        {"id": "audit-short", "filter": {"prefix": "audit/"}, "noncurrentVersionExpiration": {"noncurrentDays": 30}},
        {"id": "audit-ia", "filter": {"prefix": "audit/"}, "transitions": [{"days": 30, "storageClass": "GLACIER"}],
         "expiration": {"days": 400}},
    ]
    key = AUDIT_KEY.format(stack="production")
    for rule in early:
        assert _reaches(rule, key) and _earliest_day(rule) <= 365, rule["id"]


def test_object_lock_follows_config(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    locks = mocks.of_type(S3 + "bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    if cfg.environment == "production":
        assert one(mocks, S3 + "bucket:Bucket")["objectLockEnabled"] is True
        (lock,) = locks
        assert lock.state["rule"] == {"defaultRetention": {"mode": "GOVERNANCE", "days": 365}}
    else:
        assert locks == []
        assert "objectLockEnabled" not in one(mocks, S3 + "bucket:Bucket")


def test_role_is_assumable_only_from_the_app_repos_backup_environment(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    role = one(mocks, "aws:iam/role:Role")
    (statement,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    # Both stacks trust the one provider of their account, named after it (IAM's ARN form).
    trusted = f"arn:aws:iam::{FAKE_SHARED_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert statement["Principal"] == {"Federated": trusted}
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub":
                f"repo:maintainpro-example/maintainpro-app:environment:{cfg.environment}-backups",
        }
    }


def test_no_committed_stack_creates_the_accounts_github_oidc_provider() -> None:
    """deploy.yml logs in through it, so it predates both stacks (see the replay below)."""
    for stack in ("staging", "production"):
        assert run_stack(read_stack_file(stack)).by_type(OIDC) == [], stack


def test_a_stack_that_creates_the_github_oidc_provider_never_deletes_it(tmp_path: Path) -> None:
    """For a stack alone in an account Pulumi reaches without GitHub OIDC (a profile, say)."""
    document = mutate(stack_document("staging"), "maintainpro-platform:backups", "create_github_oidc_provider", True)
    write_stack(tmp_path, "staging", document)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    staging = run_stack(read_stack_file("staging", tmp_path))
    (oidc,) = staging.by_type(OIDC)
    (component,) = staging.by_type("maintainpro:backups:BackupSchedule")
    assert oidc.parent == component.urn
    assert oidc.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert (oidc.protect, oidc.retain_on_delete) == (True, True)  # shared by every stack in the account
    (role,) = staging.by_type("aws:iam/role:Role")
    assert oidc.urn in role.dependencies  # the role is created once the provider it trusts exists


def deploy_jobs() -> dict[str, dict]:
    """deploy.yml's jobs as they run: each through the reusable workflow it calls."""
    return resolved_jobs("deploy")


def stack_of(job: dict) -> str:
    (stack,) = {str((s.get("env") or {}).get("STACK")) for s in job["steps"] if "pulumi up" in str(s.get("run", ""))}
    return stack


def deploy_orders() -> list[list[str]]:
    """Every order `.github/workflows/deploy.yml` may run its stacks in (jobs ordered by `needs`)."""
    jobs = deploy_jobs()
    needs = {name: set([job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs") or [])
             for name, job in jobs.items()}
    orders = [order for order in itertools.permutations(jobs)
              if all(needs[job] <= set(order[:i]) for i, job in enumerate(order))]
    return [[stack_of(jobs[job]) for job in order] for order in orders]


def logs_in_through_github_oidc(job: dict) -> bool:
    """configure-aws-credentials with a role and no access keys assumes it with the job's GitHub OIDC token.

    AssumeRoleWithWebIdentity needs the account's GitHub OIDC provider to exist already, and the
    credentials reach `backups.aws_account_id` (the bucket's provider allows no other account).
    """
    return any(s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
               and "role-to-assume" in s.get("with", {}) and "aws-access-key-id" not in s.get("with", {})
               for s in job["steps"])


def test_a_first_deploy_from_a_bootstrapped_account_works_in_deploy_yml_order() -> None:
    """IAM holds one OIDC provider per issuer URL (a second create fails: EntityAlreadyExists), a role
    must trust one that exists, and deploy.yml's own OIDC login means the provider predates every stack."""
    orders = deploy_orders()
    assert orders and all(sorted(order) == ["production", "staging"] for order in orders)
    oidc_login = {stack_of(job) for job in deploy_jobs().values() if logs_in_through_github_oidc(job)}
    previews = {stack: run_stack(read_stack_file(stack)) for stack in ("staging", "production")}
    accounts = {stack: read_stack_file(stack).validate().backups.aws_account_id for stack in previews}
    for order in orders:
        providers: dict[str, set[str]] = {}  # account -> ARNs of its OIDC providers: the bootstrap's only
        for stack in order:
            existing = providers.setdefault(accounts[stack], set())
            if stack in oidc_login:
                existing.add(f"arn:aws:iam::{accounts[stack]}:oidc-provider/token.actions.githubusercontent.com")
            for oidc in previews[stack].by_type(OIDC):
                arn = f"arn:aws:iam::{accounts[stack]}:oidc-provider/{oidc.inputs['url'].removeprefix('https://')}"
                assert arn not in existing, f"{stack} creates a second GitHub OIDC provider in {accounts[stack]}"
                existing.add(arn)
            (role,) = previews[stack].by_type("aws:iam/role:Role")
            (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
            trusted = statement["Principal"]["Federated"]
            assert trusted in existing, f"deployed in order {order}, {stack}'s role trusts {trusted}, which does not exist yet"


def test_deploy_yml_logs_into_aws_through_github_oidc() -> None:
    """What the replay above assumes of the workflow: no long-lived AWS keys, every job by OIDC."""
    jobs = deploy_jobs()
    assert all(logs_in_through_github_oidc(job) for job in jobs.values())
    assert yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())["permissions"]["id-token"] == "write"


@pytest.mark.parametrize("stack_name", ["staging", "production"])
def test_the_bucket_provider_refuses_every_account_but_the_configured_one(stack_name: str) -> None:
    cfg = read_stack_file(stack_name).validate()
    (provider,) = run_stack(read_stack_file(stack_name)).by_type("pulumi:providers:aws")
    assert cfg.backups.aws_account_id in str(provider.inputs["allowedAccountIds"])
    assert "123456789012" not in str(provider.inputs["allowedAccountIds"])


def test_each_job_keeps_its_aws_credentials_for_its_whole_timeout(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    role = one(mocks, "aws:iam/role:Role")
    doc = yaml.safe_load(one(mocks, "github:index/repositoryFile:RepositoryFile")["content"])
    for name, job in doc["jobs"].items():
        (configure,) = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        duration = configure["with"]["role-duration-seconds"]
        # The session covers the job (the default is one hour); STS refuses more than the role allows.
        assert duration >= job["timeout-minutes"] * 60, name
        assert 900 <= duration <= role["maxSessionDuration"] <= 43200, name
    assert doc["jobs"]["backup"]["timeout-minutes"] == cfg.backups.backup_timeout_minutes


def test_each_command_stops_itself_before_its_job_is_killed(stack: tuple[StackConfig, AwsMocks]) -> None:
    """`ops backup`'s own deadline (default 60m) must not cut a long job short, and must come before the
    runner's, so the command says what it waited for and cleans up."""
    _cfg, mocks = stack
    doc = yaml.safe_load(one(mocks, "github:index/repositoryFile:RepositoryFile")["content"])
    for name, job in doc["jobs"].items():
        (step,) = [s for s in job["steps"] if "python -m ops" in str(s.get("run", ""))]
        minutes = int(step["env"]["BACKUP_TIMEOUT"].removesuffix("m"))
        assert 0 < job["timeout-minutes"] - minutes <= 10 and minutes > 60, name


def test_a_longer_backup_timeout_lengthens_the_session_and_the_roles_maximum() -> None:
    cfg = read_stack_file("production").validate()
    longer = cfg.model_copy(update={"backups": cfg.backups.model_copy(update={"backup_timeout_minutes": 600})})
    mocks, _ = build(longer)
    doc = yaml.safe_load(one(mocks, "github:index/repositoryFile:RepositoryFile")["content"])
    (configure,) = [s for s in doc["jobs"]["backup"]["steps"] if "role-duration-seconds" in s.get("with", {})]
    assert configure["with"]["role-duration-seconds"] == 600 * 60
    assert one(mocks, "aws:iam/role:Role")["maxSessionDuration"] == 600 * 60


def test_the_backup_job_runs_on_the_configured_runner_and_the_drill_on_a_hosted_one(
    stack: tuple[StackConfig, AwsMocks],
) -> None:
    cfg, mocks = stack
    doc = yaml.safe_load(one(mocks, "github:index/repositoryFile:RepositoryFile")["content"])
    assert doc["jobs"]["backup"]["runs-on"] == cfg.backups.runner == ["self-hosted", "linux", "maintainpro-db"]
    # The drill restores into its own service container: it never connects to the Supabase database.
    assert doc["jobs"]["restore-drill"]["runs-on"] == "ubuntu-24.04"
    assert "localhost" in doc["jobs"]["restore-drill"]["steps"][-1]["env"]["RESTORE_DATABASE_URL"]


@pytest.mark.parametrize("stack_name", ["staging", "production"])
def test_aws_resources_use_a_provider_in_the_backup_region_not_the_stacks_default(
    stack_name: str, tmp_path: Path
) -> None:
    # The stack's default region differs from backups.aws_region: the bucket must follow the latter,
    # which is what the workflow is told (BACKUP_AWS_REGION).
    document = mutate(stack_document(stack_name), "aws:region", "", "us-west-2")
    write_stack(tmp_path, stack_name, document)
    stack_file = read_stack_file(stack_name, root=tmp_path)
    cfg = stack_file.validate()
    assert cfg.backups.aws_region != "us-west-2"
    preview = run_stack(stack_file)
    (component,) = preview.by_type("maintainpro:backups:BackupSchedule")
    (provider,) = [r for r in preview.by_type("pulumi:providers:aws") if r.parent == component.urn]
    assert provider.inputs["region"] == cfg.backups.aws_region
    aws_children = [r for r in preview.resources if r.parent == component.urn and r.type.startswith("aws:")]
    assert {r.type for r in aws_children} >= {"aws:s3/bucket:Bucket", "aws:iam/role:Role"}
    for resource in aws_children:
        assert resource.provider is not None and resource.provider.startswith(provider.urn + "::"), resource.type
    (region_var,) = [r for r in preview.by_type("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
                     if r.inputs["variableName"] == "BACKUP_AWS_REGION"]
    assert region_var.inputs["value"] == provider.inputs["region"]


def test_the_app_repo_workflow_checks_out_the_platform_with_the_token_secret() -> None:
    preview = run_stack(read_stack_file("production"))
    contents = {r.inputs["file"]: r.inputs["content"] for r in preview.by_type("github:index/repositoryFile:RepositoryFile")
                if r.inputs["file"].startswith(".github/workflows/")}
    # the monitoring workflow is gone; the delivery and delivery-metrics workflows are the pipeline's
    assert set(contents) == {".github/workflows/db-backup-production.yml", ".github/workflows/delivery-production.yml",
                             ".github/workflows/delivery-metrics-production.yml"}
    backup = yaml.safe_load(contents[".github/workflows/db-backup-production.yml"])
    tokens = set()
    for job in backup["jobs"].values():
        (checkout,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
        tokens.add(checkout["with"]["token"])
    assert tokens == {"${{ secrets.PLATFORM_REPO_TOKEN || github.token }}"}
    referenced = set(re.findall(r"secrets\.([A-Z0-9_]+)", contents[".github/workflows/db-backup-production.yml"]))
    assert referenced == {"BACKUP_DATABASE_URL", "PLATFORM_REPO_TOKEN", "BACKUP_HEARTBEAT_URL", "RESTORE_DRILL_HEARTBEAT_URL"}


def test_role_reaches_only_its_prefix_of_the_bucket(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    policy = json.loads(one(mocks, "aws:iam/rolePolicy:RolePolicy")["policy"])
    bucket, prefix = cfg.backups.bucket_name, f"{cfg.environment}/"
    resources = {s["Resource"] for s in policy["Statement"]}
    assert resources == {f"arn:aws:s3:::{bucket}/{prefix}*", f"arn:aws:s3:::{bucket}"}
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(a.startswith("s3:") and "*" not in a for a in actions)
        if statement["Resource"] == f"arn:aws:s3:::{bucket}":
            assert actions == ["s3:ListBucket"]
            assert statement["Condition"] == {"StringLike": {"s3:prefix": [f"{prefix}*"]}}


def test_workflow_is_valid_yaml_with_the_cron_from_config(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    file = one(mocks, "github:index/repositoryFile:RepositoryFile")
    assert file["repository"] == cfg.github.app_repo
    assert file["branch"] == cfg.github.default_branch
    assert file["file"] == f".github/workflows/db-backup-{cfg.environment}.yml"
    doc = yaml.safe_load(file["content"])
    assert "&id" not in file["content"] and "*id" not in file["content"]  # no YAML aliases in a workflow
    assert [c["cron"] for c in doc["on"]["schedule"]] == [cfg.backups.schedule, cfg.backups.restore_drill_schedule]
    assert doc["permissions"] == {"contents": "read", "id-token": "write"}
    backup, drill = doc["jobs"]["backup"], doc["jobs"]["restore-drill"]
    for job in (backup, drill):
        assert job["environment"] == f"{cfg.environment}-backups"
        assert any(s.get("uses", "").startswith("aws-actions/configure-aws-credentials@") and
                   s["with"]["role-to-assume"] == "${{ vars.BACKUP_ROLE_ARN }}" for s in job["steps"])
    assert f"github.event.schedule == '{cfg.backups.schedule}'" in backup["if"]
    assert f"github.event.schedule == '{cfg.backups.restore_drill_schedule}'" in drill["if"]
    run = backup["steps"][-1]
    assert run["run"].startswith("python -m ops backup")
    assert run["env"]["BACKUP_DATABASE_URL"] == "${{ secrets.BACKUP_DATABASE_URL }}"
    r = cfg.backups.retention
    assert (run["env"]["BACKUP_KEEP_DAILY"], run["env"]["BACKUP_KEEP_WEEKLY"], run["env"]["BACKUP_KEEP_MONTHLY"]) == (
        str(r.daily), str(r.weekly), str(r.monthly))
    check = drill["steps"][-1]
    assert check["run"].startswith("python -m ops restore-drill")
    assert check["env"]["BACKUP_RTO_MINUTES"] == str(cfg.backups.rto_minutes)
    assert drill["services"]["postgres"]["image"] == f"postgres:{cfg.backups.postgres_major}"


def test_workflow_inputs_are_environment_variables_of_the_backup_environment(stack: tuple[StackConfig, AwsMocks]) -> None:
    cfg, mocks = stack
    env = one(mocks, "github:index/repositoryEnvironment:RepositoryEnvironment")
    assert env["environment"] == f"{cfg.environment}-backups"
    assert "reviewers" not in env  # a scheduled run cannot wait for a reviewer
    (policy,) = mocks.of_type("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy")
    assert policy.state["branchPattern"] == cfg.github.default_branch
    variables = {v.state["variableName"]: v.state["value"] for v in mocks.of_type(
        "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")}
    assert variables == {
        "BACKUP_BUCKET": cfg.backups.bucket_name,
        "BACKUP_PREFIX": f"{cfg.environment}/",
        "BACKUP_AWS_REGION": cfg.backups.aws_region,
        "BACKUP_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/b-role",
    }
    assert mocks.of_type("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret") == []


def test_database_url_becomes_a_secret_of_the_backup_environment() -> None:
    cfg = read_stack_file("staging").validate()
    mocks, _ = build(cfg, database_url=FAKE_DB_URL)
    (secret,) = mocks.of_type("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")
    assert secret.inputs["value"].secret and secret.state["value"] == FAKE_DB_URL
    assert secret.state["environment"] == "staging-backups"


@pytest.mark.parametrize("stack_name", ["staging", "production"])
def test_platform_registers_the_schedule_and_protects_production_data(stack_name: str) -> None:
    preview = run_stack(read_stack_file(stack_name))
    (component,) = preview.by_type("maintainpro:backups:BackupSchedule")
    (bucket,) = preview.by_type("aws:s3/bucket:Bucket")
    assert bucket.parent == component.urn
    protected = stack_name == "production"
    assert (bucket.protect, bucket.retain_on_delete) == (protected, protected)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("restore_drill_schedule", "23 3 * * *", "restore_drill_schedule must differ from schedule"),
        ("transition_days", 7, "greater than or equal to 30"),
        ("aws_account_id", "1234", "String should match pattern"),
        ("schemas", [], "at least 1 item"),
    ],
)
def test_bad_backup_config_is_reported_with_its_key_path(path: str, value: Any, problem: str) -> None:
    document = mutate(stack_document("staging"), "maintainpro-platform:backups", path, value)
    sections = {k.partition(":")[2]: v for k, v in document["config"].items() if k.startswith("maintainpro-platform:")}
    with pytest.raises(ConfigError) as caught:
        load_stack_config(sections, "staging")
    assert any(p.startswith("backups") and problem in m for p, m in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("stack_name", ["staging", "production"])
def test_platform_wires_the_stacks_database_url_as_a_secret(stack_name: str) -> None:
    preview = run_stack(read_stack_file(stack_name))
    (component,) = preview.by_type("maintainpro:backups:BackupSchedule")
    (project,) = preview.by_type("pulumi-python:dynamic/supabase:Project")
    (secret,) = [r for r in preview.by_type("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")
                 if r.parent == component.urn and r.inputs["secretName"] == "BACKUP_DATABASE_URL"]
    assert secret.inputs["environment"] == f"{stack_name}-backups"
    assert secret.inputs["value"] == SECRET
    assert project.urn in secret.property_dependencies.get("value", ())


def test_the_explicit_aws_provider_keeps_the_stacks_account_guards(tmp_path) -> None:
    """An explicit provider reads no `aws:` config: profile and allowed accounts are handed over."""
    from ops.engine import run_stack
    from ops.stackfile import read_stack_file
    from tests.stacks import stack_document, write_stack

    document = stack_document("production")
    document["config"]["aws:profile"] = "maintainpro-production"
    document["config"]["aws:allowedAccountIds"] = ["123456789012", FAKE_SHARED_ACCOUNT]
    write_stack(tmp_path, "production", document)
    (provider,) = run_stack(read_stack_file("production", tmp_path)).by_type("pulumi:providers:aws")
    assert provider.inputs["profile"] == "maintainpro-production"
    assert "123456789012" in str(provider.inputs["allowedAccountIds"])
    assert provider.inputs["region"] == document["config"]["maintainpro-platform:backups"]["aws_region"]
