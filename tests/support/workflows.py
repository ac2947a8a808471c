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
LOCAL_ACTION = "./.github/actions/"
_INPUT = re.compile(r"\$\{\{\s*inputs\.([a-z_-]+)\s*\}\}")
# A `pulumi <command>` invocation in a run script (backslash continuations joined first).
_PULUMI = re.compile(r"^\s*pulumi\s+(preview|up|refresh|destroy|import)\b(.*)$", re.MULTILINE)


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as True
    return on if isinstance(on, dict) else dict.fromkeys([on] if isinstance(on, str) else on)


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
    # An input put in for a whole `if:` expression reads back as YAML's false.
    body["steps"] = [step for step in body["steps"] if str(step.get("if", "true")) not in ("False", "false", "${{ false }}")]
    return path, body


def expanded_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`steps` with each local composite action (`uses: ./.github/actions/X`) replaced by its own steps,
    the step's `with` values put in for its inputs (as the runner runs them)."""
    out: list[dict[str, Any]] = []
    for step in steps:
        uses = str(step.get("uses", ""))
        if not uses.startswith(LOCAL_ACTION):
            out.append(step)
            continue
        action = yaml.safe_load((ROOT / uses.removeprefix("./") / "action.yml").read_text())
        assert action["runs"]["using"] == "composite", uses
        given = step.get("with") or {}
        values = {name: given.get(name, spec.get("default")) for name, spec in (action.get("inputs") or {}).items()}
        text = _INPUT.sub(lambda m, values=values: _text(values[m[1]]), yaml.safe_dump(action["runs"]["steps"], sort_keys=False))
        out += yaml.safe_load(text)
    return out


def pulumi_commands(job: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(step index, command, arguments) of every `pulumi preview|up|...` a job's run scripts invoke."""
    found = []
    for index, step in enumerate(job["steps"]):
        script = str(step.get("run", "")).replace("\\\n", " ")
        found += [(index, m[1], " ".join(m[2].split())) for m in _PULUMI.finditer(script)]
    return found


def resolved_jobs(name: str) -> dict[str, dict[str, Any]]:
    """Each job of workflow `name`; a reusable-workflow call replaced by the job it runs (its `needs`/`if`
    kept) and local composite actions expanded into their steps."""
    jobs = {}
    for job_name, job in load(name)["jobs"].items():
        if "uses" in job:
            _, body = called(job)
            body.update({key: job[key] for key in ("needs", "if") if key in job})
            job = body
        if "steps" in job:
            job = {**job, "steps": expanded_steps(job["steps"])}
        jobs[job_name] = job
    return jobs
