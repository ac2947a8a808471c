"""The delivery workflow each stack commits to the app repo (components/pipeline.py); pure rendering.

One file per stack, each owned by the stack that commits it, so no stack reads another's outputs:

- `delivery-staging.yml`: on pull requests the checks (`PULL_REQUEST_CHECKS`: their job ids are
  the ruleset's required status checks) and a preview deploy to the staging site; on a push to the
  default branch `build-staging` → `lighthouse-staging` → `deploy-staging`.
- `delivery-production.yml`: when that workflow has completed successfully for a push to the
  default branch (`workflow_run`, checking out the commit it shipped: the same commit, built anew
  with production's values, since Vite inlines them), `build-production` → `lighthouse-production`
  → `deploy-production`; or by hand (workflow_dispatch).

Building needs no secret: build jobs run without an environment and hand the output on as an
artifact. Only the deploy job holds the Netlify token, in the stack's environment (production's
reviewers and wait timer gate it), and only the steps that call `ops deploy` / `ops promote` see it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from components.actions import (
    CHECKOUT,
    DEPENDENCY_REVIEW,
    DOWNLOAD_ARTIFACT,
    LIGHTHOUSE_CI,
    SETUP_NODE,
    UPLOAD_ARTIFACT,
)
from components.config import DeliveryConfig
from components.errors import ComponentError
from components.lighthouse import rc_path
from components.names import DEPLOY_TOKEN_SECRET, PULL_REQUEST_STACK, preview_environment
from components.workflows import HOSTED_RUNNER, dump_workflow, ops_setup_steps

ON_PULL_REQUEST = "github.event_name == 'pull_request'"
ON_PUSH = "github.event_name != 'pull_request'"
# Forks get no secrets, Dependabot's runs only Dependabot secrets: the preview job would fail for both.
TRUSTED_PULL_REQUEST = ("github.event.pull_request.head.repo.full_name == github.repository && "
                        "github.event.pull_request.user.login != 'dependabot[bot]'")
# The production workflow ships what staging shipped: a successful push (or dispatch) run of this repository.
STAGING_SHIPPED = ("github.event.workflow_run.conclusion == 'success' && "
                   "(github.event.workflow_run.event == 'push' || github.event.workflow_run.event == 'workflow_dispatch') && "
                   "github.event.workflow_run.head_repository.full_name == github.repository")
READ = {"contents": "read"}
TIMEOUTS = {"lint": 15, "unit": 20, "e2e": 30, "audit": 10, "build": 20, "lighthouse": 20, "preview": 15, "deploy": 45}
PREVIEW_PORT = 4173  # vite preview's own default
DRAFT_OUTPUT = "$RUNNER_TEMP/deploy.json"  # `ops deploy --json` (ops/netlify_deploy.py DeployResult.document)
# A build must outlive the production approval it waits for: GitHub lets a pending deployment wait
# up to 30 days ("Reviewing deployments"), so 30 days, not the 7 a short pipeline would need.
ARTIFACT_DAYS = 30


def workflow_name(stack: str) -> str:
    return f"delivery-{stack}"


def workflow_path(stack: str) -> str:
    return f".github/workflows/{workflow_name(stack)}.yml"


@dataclass(frozen=True)
class PipelineSpec:
    """Everything one stack's workflow is rendered from (plain values: the component resolves outputs)."""

    stack: str
    delivery: DeliveryConfig
    platform_repository: str  # owner/name of this repository: the ops tools
    default_branch: str
    build_command: str
    publish_dir: str
    headers_path: str
    site_name: str
    site_url: str  # the live URL: the deploy job's environment URL
    # What the stack's build inlines (production context), and, for the pull-request stack, a preview's.
    build_env: dict[str, str] = field(default_factory=dict)
    preview_env: dict[str, str] = field(default_factory=dict)

    @property
    def commit(self) -> str:
        """The commit the push path builds and ships."""
        if self.stack == PULL_REQUEST_STACK:
            return "${{ github.sha }}"
        return "${{ github.event.workflow_run.head_sha || github.sha }}"


def _literal(key: str, value: str) -> str:
    # A value is written into the workflow as text: an expression in it would be evaluated by Actions.
    if "${{" in value:
        raise ComponentError(f"build value {key} contains '${{{{': it would run as a workflow expression")
    return value


def checkout(ref: str | None = None, path: str | None = None) -> dict[str, Any]:
    with_: dict[str, Any] = {"persist-credentials": False}
    if ref is not None:
        with_["ref"] = ref
    if path is not None:
        with_["path"] = path
    return {"uses": CHECKOUT, "with": with_}


def node_steps(spec: PipelineSpec, directory: str | None = None) -> list[dict[str, Any]]:
    """Node at `delivery.node_version` with npm's cache, then the install command."""
    with_: dict[str, Any] = {"node-version": spec.delivery.node_version, "cache": "npm"}
    install: dict[str, Any] = {"name": "Install", "run": spec.delivery.install_command}
    if directory is not None:
        with_["cache-dependency-path"] = f"{directory}/package-lock.json"
        install["working-directory"] = directory
    return [{"uses": SETUP_NODE, "with": with_}, install]


def download(artifact: str, path: str) -> dict[str, Any]:
    return {"uses": DOWNLOAD_ARTIFACT, "with": {"name": artifact, "path": path}}


def build_job(spec: PipelineSpec, env: dict[str, str], artifact: str, if_: str, ref: str | None) -> dict[str, Any]:
    """Install, build with `env` (Vite inlines every VITE_* value), this stack's `_headers` into the output, upload."""
    dist = spec.publish_dir
    return {
        "if": if_, "runs-on": HOSTED_RUNNER, "timeout-minutes": TIMEOUTS["build"], "permissions": READ,
        "steps": [
            checkout(ref), *node_steps(spec),
            {"name": "Build", "env": {k: _literal(k, v) for k, v in sorted(env.items())}, "run": spec.build_command},
            {"name": f"The {spec.stack} stack's _headers into the build output",
             "run": f"cp {shlex.quote(spec.headers_path)} {shlex.quote(dist)}/_headers"},
            {"uses": UPLOAD_ARTIFACT, "with": {"name": artifact, "path": dist, "if-no-files-found": "error",
                                               "include-hidden-files": True, "retention-days": ARTIFACT_DAYS}},
        ],
    }


def lighthouse_job(spec: PipelineSpec, build: str, artifact: str, if_: str, ref: str | None) -> dict[str, Any]:
    """Lighthouse CI on the built output against the stack's committed budgets (lighthouserc.json)."""
    return {
        "needs": build, "if": if_, "runs-on": HOSTED_RUNNER, "timeout-minutes": TIMEOUTS["lighthouse"],
        "permissions": READ,
        "steps": [
            checkout(ref), download(artifact, spec.publish_dir),
            {"uses": LIGHTHOUSE_CI, "with": {"configPath": f"./{rc_path(spec.stack)}", "uploadArtifacts": True,
                                             "artifactName": f"lighthouse-{artifact}"}},
        ],
    }


def draft_step(spec: PipelineSpec, alias: str | None, message: str) -> dict[str, Any]:
    """`ops deploy` of the downloaded build: a draft (not live); its id and URL as step outputs."""
    alias_arg = ' --alias "$ALIAS"' if alias else ""
    env = {DEPLOY_TOKEN_SECRET: f"${{{{ secrets.{DEPLOY_TOKEN_SECRET} }}}}", "DIST": "${{ runner.temp }}/dist",
           "MESSAGE": message}
    if alias:
        env["ALIAS"] = alias
    return {
        "name": "Draft deploy (not live)" if alias is None else "Preview deploy", "id": "draft", "env": env,
        "run": (f'python -m ops deploy --stack {spec.stack} --dir "$DIST"{alias_arg} --message "$MESSAGE" --json'
                f' > "{DRAFT_OUTPUT}"\n'
                f'id=$(jq -er .deploy_id "{DRAFT_OUTPUT}")\n'
                f'url=$(jq -er .url "{DRAFT_OUTPUT}")\n'
                'echo "id=$id" >> "$GITHUB_OUTPUT"\n'
                'echo "url=$url" >> "$GITHUB_OUTPUT"\n'),
    }


def smoke_e2e_steps(spec: PipelineSpec) -> list[dict[str, Any]]:
    """The E2E tests tagged `delivery.smoke_tag`, against the draft: before anything goes live."""
    tag = spec.delivery.smoke_tag
    if tag is None:
        return []
    return [
        checkout(spec.commit, path="app"), *node_steps(spec, "app"),
        {"name": "Playwright browsers", "working-directory": "app", "run": "npx playwright install --with-deps"},
        {"name": f"E2E {tag} against the draft", "working-directory": "app",
         "env": {"BASE_URL": "${{ steps.draft.outputs.url }}"},
         "run": f"{spec.delivery.e2e_command} --grep {shlex.quote(tag)}"},
    ]


def deploy_job(spec: PipelineSpec, needs: list[str], if_: str) -> dict[str, Any]:
    """Draft deploy, optional E2E smoke on the draft, then `ops promote` (smoke, publish, validate, roll back)."""
    stack = spec.stack
    return {
        "needs": needs, "if": if_, "runs-on": HOSTED_RUNNER, "timeout-minutes": TIMEOUTS["deploy"],
        "environment": {"name": stack, "url": spec.site_url},
        "concurrency": {"group": f"deploy-{stack}", "cancel-in-progress": False},
        "permissions": {"contents": "read", "deployments": "write"},
        "env": {"DEPLOY_COMMIT": spec.commit},
        "steps": [
            *ops_setup_steps(spec.platform_repository, quiet=True),
            download(f"dist-{stack}", "${{ runner.temp }}/dist"),
            draft_step(spec, None, f"{stack}: {spec.commit} (run ${{{{ github.run_id }}}})"),
            *smoke_e2e_steps(spec),
            {"name": "Promote: smoke the draft, publish, validate live, roll back on failure",
             "env": {DEPLOY_TOKEN_SECRET: f"${{{{ secrets.{DEPLOY_TOKEN_SECRET} }}}}",
                     "GITHUB_TOKEN": "${{ github.token }}", "DEPLOY_ID": "${{ steps.draft.outputs.id }}"},
             "run": f'python -m ops promote --stack {stack} --deploy "$DEPLOY_ID"'},
        ],
    }


def push_jobs(spec: PipelineSpec, if_: str) -> dict[str, Any]:
    stack, artifact = spec.stack, f"dist-{spec.stack}"
    ref = None if stack == PULL_REQUEST_STACK else spec.commit
    return {
        f"build-{stack}": build_job(spec, spec.build_env, artifact, if_, ref),
        f"lighthouse-{stack}": lighthouse_job(spec, f"build-{stack}", artifact, if_, ref),
        f"deploy-{stack}": deploy_job(spec, [f"build-{stack}", f"lighthouse-{stack}"], if_),
    }


# ---------------------------------------------------------------- pull requests (the pull-request stack only)


def check_job(spec: PipelineSpec, name: str, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A pull-request job reading the repository only: no environment, no secret (forks run it too)."""
    return {"if": ON_PULL_REQUEST, "runs-on": HOSTED_RUNNER, "timeout-minutes": TIMEOUTS[name], "permissions": READ,
            **extra, "steps": steps}


def coverage_step(delivery: DeliveryConfig) -> dict[str, Any]:
    """Total line coverage from the istanbul json-summary report, at least `coverage_threshold` %."""
    return {
        "name": f"Line coverage at least {delivery.coverage_threshold:g} %",
        "env": {"SUMMARY": delivery.coverage_summary, "MIN": f"{delivery.coverage_threshold:g}"},
        "run": (
            'if [ ! -f "$SUMMARY" ]; then\n'
            '  echo "::error::$SUMMARY not found: the unit test command must write an istanbul json-summary report"\n'
            "  exit 1\n"
            "fi\n"
            "pct=$(jq -r '.total.lines.pct' \"$SUMMARY\")\n"
            "if ! jq -e --argjson min \"$MIN\" '(.total.lines.pct | type) == \"number\" and .total.lines.pct >= $min' "
            '"$SUMMARY" > /dev/null; then\n'
            '  echo "::error::line coverage $pct % is below the required $MIN % (delivery.coverage_threshold)"\n'
            "  exit 1\n"
            "fi\n"
            'echo "line coverage $pct % (required: $MIN %)"\n'
        ),
    }


def e2e_step(spec: PipelineSpec) -> dict[str, Any]:
    """Playwright against the built app on a local `vite preview` server: works for forks (no preview
    deploy, no secret) and tests exactly the artifact the preview and the checks use."""
    url = f"http://127.0.0.1:{PREVIEW_PORT}"
    return {
        "name": "E2E against the build on vite preview", "env": {"BASE_URL": url},
        "run": (
            f"npx vite preview --host 127.0.0.1 --port {PREVIEW_PORT} --strictPort --outDir {shlex.quote(spec.publish_dir)} &\n"
            "for _ in $(seq 1 30); do\n"
            '  if curl -fsS -o /dev/null "$BASE_URL/"; then break; fi\n'
            "  sleep 1\n"
            "done\n"
            'curl -fsS -o /dev/null "$BASE_URL/" || { echo "::error::vite preview did not answer on $BASE_URL within 30 s"; exit 1; }\n'
            f"{spec.delivery.e2e_command}\n"
        ),
    }


def preview_job(spec: PipelineSpec) -> dict[str, Any]:
    """Same-repository pull requests: the build deployed to the stack's site under `pr-<number>`, its URL
    commented on the pull request. Runs only this repository's ops tools, never the pull request's code."""
    alias = "pr-${{ github.event.pull_request.number }}"
    alias_url = f"https://{alias}--{spec.site_name}.netlify.app"
    return {
        "needs": "build", "if": f"{ON_PULL_REQUEST} && {TRUSTED_PULL_REQUEST}", "runs-on": HOSTED_RUNNER,
        "timeout-minutes": TIMEOUTS["preview"],
        "environment": {"name": preview_environment(spec.stack), "url": alias_url},
        "concurrency": {"group": f"{preview_environment(spec.stack)}-{alias}", "cancel-in-progress": True},
        "permissions": {"contents": "read", "pull-requests": "write"},
        "steps": [
            *ops_setup_steps(spec.platform_repository, quiet=True),
            download("dist", "${{ runner.temp }}/dist"),
            draft_step(spec, alias, "pull request #${{ github.event.pull_request.number }}: "
                                    "${{ github.event.pull_request.head.sha }}"),
            {"name": "Comment the preview URL on the pull request",
             "env": {"GH_TOKEN": "${{ github.token }}", "PR": "${{ github.event.pull_request.number }}",
                     "HEAD_SHA": "${{ github.event.pull_request.head.sha }}", "ALIAS_URL": alias_url,
                     "DEPLOY_URL": "${{ steps.draft.outputs.url }}"},
             # --repo: the workspace is this repository's checkout, not the app's.
             "run": ('gh pr comment "$PR" --repo "$GITHUB_REPOSITORY" --edit-last --create-if-none '
                     '--body "Preview of ${HEAD_SHA:0:7} on the staging site: $ALIAS_URL (this commit: $DEPLOY_URL)"\n')},
        ],
    }


def pull_request_jobs(spec: PipelineSpec) -> dict[str, Any]:
    d, dist = spec.delivery, spec.publish_dir
    audit = [checkout(), {"uses": SETUP_NODE, "with": {"node-version": d.node_version}},
             {"name": f"npm audit ({d.audit_level} and above)", "run": f"npm audit --audit-level={d.audit_level}"}]
    if d.dependency_review:
        audit.append({"uses": DEPENDENCY_REVIEW, "with": {"fail-on-severity": d.audit_level}})
    return {
        "lint": check_job(spec, "lint", [checkout(), *node_steps(spec), {"name": "Lint", "run": d.lint_command}]),
        "unit": check_job(spec, "unit", [checkout(), *node_steps(spec), {"name": "Unit tests", "run": d.unit_test_command},
                                         coverage_step(d)]),
        "e2e": check_job(spec, "e2e", [checkout(), *node_steps(spec), download("dist", dist),
                                       {"name": "Playwright browsers", "run": "npx playwright install --with-deps"},
                                       e2e_step(spec)], needs="build"),
        "audit": check_job(spec, "audit", audit),
        # A pull request is previewed on this stack's site: its deploy-preview values (Netlify's precedence).
        "build": build_job(spec, spec.preview_env, "dist", ON_PULL_REQUEST, None),
        "lighthouse": lighthouse_job(spec, "build", "dist", ON_PULL_REQUEST, None),
        "preview": preview_job(spec),  # the order and ids of PULL_REQUEST_CHECKS (tests/unit/test_pipeline.py)
    }


HEADER = (
    "# Generated by maintainpro-platform (components/pipeline.py) for the {stack} stack. Do not edit: changes are\n"
    "# overwritten. Runbooks: docs/runbooks/ in maintainpro-platform.\n"
)


def document(spec: PipelineSpec) -> dict[str, Any]:
    branch = spec.default_branch
    if spec.stack == PULL_REQUEST_STACK:
        on: dict[str, Any] = {"pull_request": {"branches": [branch]}, "push": {"branches": [branch]},
                              "workflow_dispatch": None}
        jobs = {**pull_request_jobs(spec), **push_jobs(spec, ON_PUSH)}
        # Pull requests: a new push cancels the run it supersedes; the default branch queues.
        concurrency: dict[str, Any] = {"group": f"{workflow_name(spec.stack)}-${{{{ github.event.pull_request.number || github.ref }}}}",
                       "cancel-in-progress": "${{ github.event_name == 'pull_request' }}"}
    else:
        on = {"workflow_run": {"workflows": [workflow_name(PULL_REQUEST_STACK)], "types": ["completed"],
                               "branches": [branch]},
              "workflow_dispatch": None}
        jobs = push_jobs(spec, f"github.event_name == 'workflow_dispatch' || ({STAGING_SHIPPED})")
        # No workflow-level group: every completed staging run starts a run here, failed ones too, and a
        # newer pending run in a group cancels the pending one (GitHub "Control the concurrency of
        # workflows and jobs"): a failed run would cancel a good release waiting its turn. The deploy
        # job's own group serialises releases; a skipped job never joins it.
        return {"name": workflow_name(spec.stack), "on": on, "permissions": {}, "jobs": jobs}
    return {"name": workflow_name(spec.stack), "on": on, "permissions": {}, "concurrency": concurrency, "jobs": jobs}


def render(spec: PipelineSpec) -> str:
    return dump_workflow(document(spec), HEADER.format(stack=spec.stack), width=1000)
