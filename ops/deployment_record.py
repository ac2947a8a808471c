"""What a publish or rollback records as a GitHub deployment, and what reading the record back gives.

Conventions (docs/ARCHITECTURE.md, "GitHub deployments"): environment = the stack's name, task
`deploy` or `rollback`, ref = the commit shipped. The payload holds the Netlify side
(`netlify_deploy_id`, `site`, `stack`, `previous_deploy_id`, `rollback_of`...) plus two keys of
ours: `recorded_by: maintainpro-ops`, which tells our records from the deployments GitHub Actions
makes for every job that names an environment, and `record_id`, which finds a deployment again
after its creation's answer was lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from providers.http import ApiError

RECORDED_BY = "maintainpro-ops"
OWN_KEYS = frozenset({"recorded_by", "record_id"})
DESCRIPTION_LIMIT = 140  # create-deployment-status: "The maximum description length is 140 characters."

Task = Literal["deploy", "rollback"]
FinalState = Literal["success", "failure", "error", "inactive"]
T = TypeVar("T")


def clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` within GitHub's description limit, an ellipsis saying it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class DeploymentRecord:
    """What one publish, promote or rollback says about itself."""

    ref: str  # the commit sha shipped (fallback: the default branch)
    environment: str  # the stack: "staging" / "production"
    task: Task
    description: str  # clipped to 140 characters
    payload: Mapping[str, str] = field(default_factory=dict)
    production: bool = False  # GitHub's production_environment

    def create_body(self, record_id: str) -> dict[str, Any]:
        """The create-a-deployment request: no auto-merge (a rollback ships an older commit, which GitHub
        would try to merge the default branch into, 409), no commit-status gate (`required_contexts: []`:
        the pipeline's own jobs already gated it), never transient."""
        clash = OWN_KEYS & set(self.payload)
        if clash:
            raise ValueError(f"payload: {', '.join(sorted(clash))} is set by the record itself")
        return {
            "ref": self.ref, "environment": self.environment, "task": self.task,
            "description": clip(self.description),
            "payload": {**self.payload, "recorded_by": RECORDED_BY, "record_id": record_id},
            "auto_merge": False, "required_contexts": [], "transient_environment": False,
            "production_environment": self.production,
        }


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class Deployment:
    id: int
    sha: str
    ref: str
    task: str
    environment: str
    description: str
    payload: Mapping[str, Any]
    created_at: datetime
    production: bool

    @property
    def ours(self) -> bool:
        """Recorded by these commands (not a deployment GitHub Actions made for a job's environment)."""
        return self.payload.get("recorded_by") == RECORDED_BY

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Deployment:
        payload = data.get("payload")
        return cls(id=int(data["id"]), sha=str(data["sha"]), ref=str(data["ref"]), task=str(data["task"]),
                   environment=str(data["environment"]), description=str(data.get("description") or ""),
                   payload=payload if isinstance(payload, dict) else {}, created_at=_time(data["created_at"]),
                   production=bool(data.get("production_environment")))


@dataclass(frozen=True)
class DeploymentStatus:
    id: int
    state: str
    description: str
    environment: str
    environment_url: str
    log_url: str
    created_at: datetime

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DeploymentStatus:
        return cls(id=int(data["id"]), state=str(data["state"]), description=str(data.get("description") or ""),
                   environment=str(data.get("environment") or ""),
                   environment_url=str(data.get("environment_url") or ""),
                   log_url=str(data.get("log_url") or data.get("target_url") or ""),
                   created_at=_time(data["created_at"]))


@dataclass(frozen=True)
class Commit:
    sha: str
    committed_at: datetime  # the committer's date (when the change landed on the branch), else the author's
    authored_at: datetime | None
    message: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Commit:
        git = data["commit"]
        authored = (git.get("author") or {}).get("date")
        committed = (git.get("committer") or {}).get("date") or authored
        return cls(sha=str(data["sha"]), committed_at=_time(committed),
                   authored_at=_time(authored) if authored else None, message=str(git.get("message") or ""))


def parsed(operation: str, build: Callable[[Any], T], data: Any, resource: str = "github deployments") -> T:
    """`build(data)`, or one clear error naming the operation whose answer did not have the expected shape."""
    try:
        return build(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ApiError(resource, operation, None, f"unexpected answer ({type(error).__name__}: {error})") from None
