"""The delivery pipeline each stack commits to the app repo, read back from the real program's offline run.

Expected values are written out here (job names, the job graph, each stack's build values, the
Lighthouse budgets in bytes), not read from the code that renders them.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config import PROJECT, DeliveryConfig, load_stack_config, split_config
from ops.engine import Preview, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import DELETE, mutate, stack_document, write_stack
from tests.support.workflows import triggers

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
FILE = "github:index/repositoryFile:RepositoryFile"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
SITE = "pulumi-python:dynamic/netlify:Site"
PR_JOBS = ["lint", "unit", "e2e", "audit", "build", "lighthouse", "preview"]
# The offline engine's stand-ins (ops/engine.py OFFLINE_OUTPUTS) for the Supabase project's outputs.
SUPABASE_URL = "https://offlinepreviewrefxyz.supabase.co"
PUBLISHABLE = "sb_publishable_offline-preview"
CONFIGCAT_SDK_KEY = "configcat-sdk-1/offline-preview/primary-key"  # ops/engine.py's offline getSdkKeys answer
LIVE_URL = {"staging": "https://maintainpro-staging.netlify.app", "production": "https://app.maintainpro.example"}


@pytest.fixture(scope="module", params=["staging", "production"])
def preview(request: pytest.FixtureRequest) -> Preview:
    return run_stack(read_stack_file(request.param), NOW)


def committed(preview: Preview, path: str) -> Any:
    (file,) = [f for f in preview.by_type(FILE) if f.inputs["file"] == path]
    return file


def workflow(preview: Preview) -> dict[str, Any]:
    return yaml.safe_load(committed(preview, f".github/workflows/delivery-{preview.stack}.yml").inputs["content"])


def step_running(job: dict[str, Any], text: str) -> tuple[int, dict[str, Any]]:
    (found,) = [(i, s) for i, s in enumerate(job["steps"]) if text in str(s.get("run", ""))]
    return found


def build_env(job: dict[str, Any]) -> dict[str, str]:
    (step,) = [s for s in job["steps"] if s.get("name") == "Build"]
    return step["env"]


def test_each_stack_commits_its_workflow_and_budgets_on_the_default_branch(preview: Preview) -> None:
    stack = preview.stack
    for path in (f".github/workflows/delivery-{stack}.yml", f"deploy/lighthouse/{stack}/lighthouserc.json"):
        file = committed(preview, path)
        assert (file.inputs["repository"], file.inputs["branch"]) == ("maintainpro-app", "main")
    other = "production" if stack == "staging" else "staging"
    assert not [f for f in preview.by_type(FILE) if other in f.inputs["file"]]  # each stack owns only its files


def test_the_pull_request_jobs_are_the_checks_the_rulesets_may_require() -> None:
    staging = workflow(run_stack(read_stack_file("staging"), NOW))
    pr_jobs = [name for name, job in staging["jobs"].items() if job["if"].startswith("github.event_name == 'pull_request'")]
    assert pr_jobs == PR_JOBS
    for stack in ("staging", "production"):
        required = read_stack_file(stack).validate().github.ruleset.required_checks
        assert required and set(required) <= set(pr_jobs), stack
        assert not any("name" in staging["jobs"][check] for check in required)  # the check is the job id


def test_job_graph_and_triggers(preview: Preview) -> None:
    doc = workflow(preview)
    needs = {name: job.get("needs") for name, job in doc["jobs"].items()}
    on = triggers(doc)
    if preview.stack == "staging":
        assert needs == {
            "lint": None, "unit": None, "e2e": "build", "audit": None, "build": None, "lighthouse": "build",
            "preview": "build", "build-staging": None, "lighthouse-staging": "build-staging",
            "deploy-staging": ["build-staging", "lighthouse-staging"],
        }
        assert on == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}, "workflow_dispatch": None}
        for name in ("build-staging", "lighthouse-staging", "deploy-staging"):
            assert doc["jobs"][name]["if"] == "github.event_name != 'pull_request'"
    else:
        assert needs == {"build-production": None, "lighthouse-production": "build-production",
                         "deploy-production": ["build-production", "lighthouse-production"]}
        assert on == {"workflow_run": {"workflows": ["delivery-staging"], "types": ["completed"], "branches": ["main"]},
                      "workflow_dispatch": None}
    assert doc["permissions"] == {}  # every job states its own


def test_production_ships_the_commit_staging_shipped() -> None:
    staging = workflow(run_stack(read_stack_file("staging"), NOW))
    production = workflow(run_stack(read_stack_file("production"), NOW))
    assert production["on"]["workflow_run"]["workflows"] == [staging["name"]]
    gate = production["jobs"]["build-production"]["if"]
    for condition in ("github.event.workflow_run.conclusion == 'success'", "github.event.workflow_run.event == 'push'",
                      "github.event.workflow_run.head_repository.full_name == github.repository"):
        assert condition in gate
    assert "github.event.workflow_run.event == 'pull_request'" not in gate
    head = "${{ github.event.workflow_run.head_sha || github.sha }}"
    checkout = production["jobs"]["build-production"]["steps"][0]
    assert checkout["with"] == {"persist-credentials": False, "ref": head}
    assert production["jobs"]["deploy-production"]["env"] == {"DEPLOY_COMMIT": head}


def test_no_run_of_the_production_workflow_cancels_a_pending_release() -> None:
    """Every completed staging run starts a production run, failed ones too (their jobs are skipped).
    A workflow-level group would let such a run cancel a good one waiting its turn ("a new queued run
    cancels any existing pending job or workflow in the same concurrency group", GitHub docs, "Control
    the concurrency of workflows and jobs"); only the deploy job, which a skipped run never starts, holds one."""
    production = workflow(run_stack(read_stack_file("production"), NOW))
    assert "concurrency" not in production
    assert [name for name, job in production["jobs"].items() if "concurrency" in job] == ["deploy-production"]


def test_a_build_outlives_the_longest_approval_wait(preview: Preview) -> None:
    """A deployment may wait 30 days for its reviewers (GitHub, "Reviewing deployments"): the build it
    ships must still be downloadable then."""
    (upload,) = [s for s in workflow(preview)["jobs"][f"build-{preview.stack}"]["steps"]
                 if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["retention-days"] == 30


def test_the_deploy_job_holds_the_token_in_the_stacks_environment(preview: Preview) -> None:
    stack = preview.stack
    job = workflow(preview)["jobs"][f"deploy-{stack}"]
    assert job["environment"] == {"name": stack, "url": LIVE_URL[stack]}
    assert job["concurrency"] == {"group": f"deploy-{stack}", "cancel-in-progress": False}
    assert job["permissions"] == {"contents": "read", "deployments": "write"}
    deploy_at, deploy = step_running(job, "python -m ops deploy")
    promote_at, promote = step_running(job, "python -m ops promote")
    assert deploy["run"].startswith(f'python -m ops deploy --stack {stack} --dir "$DIST" --message "$MESSAGE" --json')
    assert promote["run"] == f'python -m ops promote --stack {stack} --deploy "$DEPLOY_ID"'
    assert promote["env"]["DEPLOY_ID"] == "${{ steps.draft.outputs.id }}" and deploy["id"] == "draft"
    # The E2E @smoke tests run against the draft, after the draft deploy and before anything goes live.
    smoke_at, smoke = step_running(job, "npx playwright test --grep @smoke")
    assert deploy_at < smoke_at < promote_at and smoke["env"] == {"BASE_URL": "${{ steps.draft.outputs.url }}"}
    holders = [s for s in job["steps"] if "NETLIFY_AUTH_TOKEN" in str(s)]
    assert holders == [deploy, promote]
    assert deploy["env"]["NETLIFY_AUTH_TOKEN"] == promote["env"]["NETLIFY_AUTH_TOKEN"] == "${{ secrets.NETLIFY_AUTH_TOKEN }}"
    assert "env" not in job or "NETLIFY_AUTH_TOKEN" not in job["env"]


def test_least_privilege_and_no_secret_outside_the_deploying_jobs(preview: Preview) -> None:
    jobs = workflow(preview)["jobs"]
    deploying = {f"deploy-{preview.stack}", "preview"}
    for name, job in jobs.items():
        granted = job["permissions"]
        assert granted.get("contents") == "read", name
        assert set(granted) <= {"contents", "deployments", "pull-requests"}, name
        assert ("deployments" in granted) == name.startswith("deploy-"), name
        assert ("pull-requests" in granted) == (name == "preview"), name
        text = yaml.safe_dump(job)
        if name in deploying:
            assert set(_secrets_named(text)) == {"NETLIFY_AUTH_TOKEN", "PLATFORM_REPO_TOKEN"}, name
        else:
            assert "secrets." not in text and "environment" not in job, name
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def _secrets_named(text: str) -> list[str]:
    return [part.split()[0].rstrip("}") for part in text.split("secrets.")[1:]]


def test_previews_run_for_same_repository_pull_requests_only() -> None:
    job = workflow(run_stack(read_stack_file("staging"), NOW))["jobs"]["preview"]
    assert job["if"] == ("github.event_name == 'pull_request' && "
                         "github.event.pull_request.head.repo.full_name == github.repository && "
                         "github.event.pull_request.user.login != 'dependabot[bot]'")
    alias_url = "https://pr-${{ github.event.pull_request.number }}--maintainpro-staging.netlify.app"
    assert job["environment"] == {"name": "staging-preview", "url": alias_url}
    _, deploy = step_running(job, "python -m ops deploy")
    assert '--alias "$ALIAS"' in deploy["run"] and deploy["env"]["ALIAS"] == "pr-${{ github.event.pull_request.number }}"
    _, comment = step_running(job, "gh pr comment")
    assert '--repo "$GITHUB_REPOSITORY"' in comment["run"] and comment["env"]["ALIAS_URL"] == alias_url
    # Only this repository's ops tools run here: no install or build of the pull request's code.
    assert not [s for s in job["steps"] if "npm" in str(s.get("run", ""))]


def test_each_build_inlines_its_own_stacks_values(preview: Preview) -> None:
    jobs = workflow(preview)["jobs"]
    supabase = {"VITE_SUPABASE_URL": SUPABASE_URL, "VITE_SUPABASE_PUBLISHABLE_KEY": PUBLISHABLE,
                "VITE_SUPABASE_ANON_KEY": PUBLISHABLE,  # both stack files keep legacy_anon_key_env on
                "VITE_CONFIGCAT_SDK_KEY": CONFIGCAT_SDK_KEY}  # each stack's ConfigCat environment (components/flags.py)
    if preview.stack == "staging":
        assert build_env(jobs["build-staging"]) == {"VITE_APP_ENV": "staging", "VITE_SENTRY_ENVIRONMENT": "staging",
                                                    **supabase}
        # A pull request is previewed on the staging site: the deploy-preview context's values.
        assert build_env(jobs["build"]) == {"VITE_APP_ENV": "staging", "VITE_SENTRY_ENVIRONMENT": "staging-preview",
                                            **supabase}
    else:
        assert build_env(jobs["build-production"]) == {"VITE_APP_ENV": "production",
                                                       "VITE_SENTRY_ENVIRONMENT": "production", **supabase}


def test_the_stacks_headers_go_into_the_build_output_before_upload(preview: Preview) -> None:
    stack = preview.stack
    for name in (f"build-{stack}", *(["build"] if stack == "staging" else [])):
        steps = workflow(preview)["jobs"][name]["steps"]
        build_at = next(i for i, s in enumerate(steps) if s.get("name") == "Build")
        copy_at, _ = step_running({"steps": steps}, "cp ")
        assert steps[copy_at]["run"] == f"cp deploy/headers/{stack}/_headers dist/_headers"
        committed(preview, f"deploy/headers/{stack}/_headers")  # the file SecurityHeaders commits
        upload_at = next(i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
        assert build_at < copy_at < upload_at
        assert steps[upload_at]["with"]["include-hidden-files"] is True  # dist/.well-known must not be dropped


def test_pull_request_checks_enforce_the_configured_gates() -> None:
    jobs = workflow(run_stack(read_stack_file("staging"), NOW))["jobs"]
    _, coverage = step_running(jobs["unit"], ".total.lines.pct")
    assert coverage["env"] == {"SUMMARY": "coverage/coverage-summary.json", "MIN": "80"}
    step_running(jobs["unit"], "npm run test:coverage")
    _, audit = step_running(jobs["audit"], "npm audit")
    assert audit["run"] == "npm audit --audit-level=high"
    assert not [s for s in jobs["audit"]["steps"] if "dependency-review" in str(s.get("uses"))]  # stack file: off
    _, e2e = step_running(jobs["e2e"], "npx playwright test")
    assert e2e["env"] == {"BASE_URL": "http://127.0.0.1:4173"}
    assert "npx vite preview --host 127.0.0.1 --port 4173 --strictPort --outDir dist &" in e2e["run"]
    (lighthouse,) = [s for s in jobs["lighthouse"]["steps"] if "lighthouse-ci-action" in str(s.get("uses"))]
    assert lighthouse["uses"] == "treosh/lighthouse-ci-action@v12"
    assert lighthouse["with"]["configPath"] == "./deploy/lighthouse/staging/lighthouserc.json"


def test_dependency_review_when_the_repository_has_it(tmp_path: Path) -> None:
    document = mutate(stack_document("staging"), f"{PROJECT}:delivery", "dependency_review", True)
    mutate(document, f"{PROJECT}:delivery", "audit_level", "moderate")
    write_stack(tmp_path, "staging", document)
    jobs = workflow(run_stack(read_stack_file("staging", tmp_path), NOW))["jobs"]
    (review,) = [s for s in jobs["audit"]["steps"] if "dependency-review" in str(s.get("uses"))]
    assert review == {"uses": "actions/dependency-review-action@v5", "with": {"fail-on-severity": "moderate"}}
    _, audit = step_running(jobs["audit"], "npm audit")
    assert audit["run"] == "npm audit --audit-level=moderate"


def test_lighthouserc_holds_the_stacks_budgets(preview: Preview) -> None:
    rc = json.loads(committed(preview, f"deploy/lighthouse/{preview.stack}/lighthouserc.json").inputs["content"])
    # Both stack files: 3 runs, score 0.9, LCP 2500 ms, CLS 0.1, TBT 200 ms, scripts 300 KB = 300 * 1024 bytes.
    median = {"aggregationMethod": "median"}
    assert rc == {"ci": {
        "collect": {"staticDistDir": "./dist", "isSinglePageApplication": True, "numberOfRuns": 3},
        "assert": {"assertions": {
            "categories:performance": ["error", {"minScore": 0.9, **median}],
            "largest-contentful-paint": ["error", {"maxNumericValue": 2500, **median}],
            "cumulative-layout-shift": ["error", {"maxNumericValue": 0.1, **median}],
            "total-blocking-time": ["error", {"maxNumericValue": 200, **median}],
            "resource-summary:script:size": ["error", {"maxNumericValue": 307200, **median}],
        }},
    }}
    assert "budgetsFile" not in json.dumps(rc)  # lhci refuses it beside assertions


def test_the_workflow_waits_for_the_ruleset_the_token_and_the_stopped_builds(preview: Preview) -> None:
    file = committed(preview, f".github/workflows/delivery-{preview.stack}.yml")
    (ruleset,) = preview.by_type(RULESET)
    (site,) = preview.by_type(SITE)
    tokens = [s for s in preview.by_type(ENV_SECRET) if s.inputs["secretName"] == "NETLIFY_AUTH_TOKEN"]
    assert len(tokens) == (2 if preview.stack == "staging" else 1)
    assert {ruleset.urn, site.urn, *(t.urn for t in tokens)} <= set(file.dependencies)


def test_stack_files_without_a_delivery_section_keep_working() -> None:
    document = mutate(stack_document("staging"), f"{PROJECT}:delivery", "", DELETE)
    cfg = load_stack_config(split_config(document["config"], set(), "s"), "staging", "s")
    assert cfg.delivery == DeliveryConfig()
    assert (cfg.delivery.coverage_threshold, cfg.delivery.audit_level, cfg.delivery.lighthouse.max_lcp_ms) == (80, "high", 2500)
