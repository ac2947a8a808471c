"""This repository's workflows as GitHub runs them: a job that calls `./.github/workflows/X.yml` is
read as the called workflow's job, with the caller's inputs put in (so a guarantee asserted of a
deploy job holds of the file that actually runs it)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.stacks import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
LOCAL = "./.github/workflows/"
_INPUT = re.compile(r"\$\{\{\s*inputs\.([a-z_]+)\s*\}\}")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as True
    return on if isinstance(on, dict) else {name: None for name in ([on] if isinstance(on, str) else on)}


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def called(job: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(file name, its single job with the caller's inputs and the defaults substituted)."""
    path = job["uses"].removeprefix(LOCAL)
    assert job["uses"].startswith(LOCAL) and "/" not in path, job["uses"]
    workflow = yaml.safe_load((WORKFLOWS / path).read_text())
    declared = triggers(workflow)["workflow_call"]["inputs"]
    given = job.get("with") or {}
    assert set(given) <= set(declared), f"{path}: unknown inputs {set(given) - set(declared)}"
    values = {name: given.get(name, spec.get("default")) for name, spec in declared.items()}
    missing = [name for name, spec in declared.items() if spec.get("required") and name not in given]
    assert not missing, f"{path}: required inputs {missing} not given"
    (body,) = workflow["jobs"].values()
    body = yaml.safe_load(_INPUT.sub(lambda m: _text(values[m[1]]), yaml.safe_dump(body, sort_keys=False)))
    body["steps"] = [step for step in body["steps"] if str(step.get("if", "true")) not in ("false", "${{ false }}")]
    return path, body


def resolved_jobs(name: str) -> dict[str, dict[str, Any]]:
    """Each job of workflow `name`; a reusable-workflow call replaced by the job it runs (its `needs`/`if` kept)."""
    jobs = {}
    for job_name, job in load(name)["jobs"].items():
        if "uses" in job:
            _, body = called(job)
            body.update({key: job[key] for key in ("needs", "if") if key in job})
            job = body
        jobs[job_name] = job
    return jobs
