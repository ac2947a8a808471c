"""Reading the YAML/JSON files a stack commits (workflows, dependabot.yml) for the stack policies."""

from __future__ import annotations

from typing import Any

import yaml


def load(text: Any) -> Any:
    """The parsed document, or None when `text` is not YAML/JSON."""
    if not isinstance(text, str):
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def crons(workflow: Any) -> list[str]:
    """The cron expressions of a GitHub Actions workflow's `on.schedule` (YAML 1.1 reads `on` as True)."""
    if not isinstance(workflow, dict):
        return []
    triggers = workflow.get("on", workflow.get(True))
    schedule = triggers.get("schedule") if isinstance(triggers, dict) else None
    return [str(s["cron"]) for s in schedule or [] if isinstance(s, dict) and s.get("cron")]
