"""The `flags` section: feature flags on ConfigCat, each with its per-stack value and rollout plan.

Read by components/flags.py (the ConfigCat resources) and `ops flags` (status, `advance`). The
product, its config, the flags' definitions and the segments are product-level objects in
ConfigCat, shared by both stacks' environments: `FLAGS_OWNER`, the stack that deploys first,
declares them; the other stack finds them by name and declares only its environment and values.

A rollout is a list of stages, each a percentage of users (widening: strictly increasing, at most
100) plus the segments served first (internal users, say); `stage` is the live one (0: dark, the
flag serves `value` to everyone) and `since` when it went live. `ops flags advance` moves `stage`
on and writes `since`, refusing before `soak_hours` have passed.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import Field, model_validator

from components.config.types import Strict

# The stack that creates the ConfigCat product, config, flags and segments: it deploys first
# (deploy.yml: staging, then production), so a new flag exists before production's `up` looks it up.
FLAGS_OWNER = "staging"
FlagType = Literal["boolean", "string", "int", "double"]  # the Management API's `SettingType`
# The API's `RolloutRuleComparator`, what a segment compares with (configcat-publicapi-go-client
# v2.1.1 api/openapi.yaml, the spec the pinned provider's client is generated from).
SEGMENT_COMPARATORS = (
    "isOneOf", "isNotOneOf", "contains", "doesNotContain", "semVerIsOneOf", "semVerIsNotOneOf", "semVerLess",
    "semVerLessOrEquals", "semVerGreater", "semVerGreaterOrEquals", "numberEquals", "numberDoesNotEqual",
    "numberLess", "numberLessOrEquals", "numberGreater", "numberGreaterOrEquals", "sensitiveIsOneOf",
    "sensitiveIsNotOneOf",
)
SegmentComparator = Literal[
    "isOneOf", "isNotOneOf", "contains", "doesNotContain", "semVerIsOneOf", "semVerIsNotOneOf", "semVerLess",
    "semVerLessOrEquals", "semVerGreater", "semVerGreaterOrEquals", "numberEquals", "numberDoesNotEqual",
    "numberLess", "numberLessOrEquals", "numberGreater", "numberGreaterOrEquals", "sensitiveIsOneOf",
    "sensitiveIsNotOneOf",
]
# A key the app's code names plainly; the API's `key` is 1-255 characters.
FlagKey = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=255)]
SegmentName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)]
FlagValue = bool | int | float | str
Percentage = Annotated[int, Field(ge=0, le=100)]  # PercentageOptionModel: a whole number between 0 and 100
# A year of soak at most: past that a stage is not soaking, it is forgotten.
SoakHours = Annotated[int, Field(ge=1, le=8760)]
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"boolean": (bool,), "string": (str,), "int": (int,), "double": (int, float)}


def of_type(value: FlagValue, kind: str) -> bool:
    """Whether `value` is a value of ConfigCat setting type `kind` (a bool is never a number here)."""
    return isinstance(value, _PYTHON_TYPES[kind]) and not (kind != "boolean" and isinstance(value, bool))


class SegmentConfig(Strict):
    """A ConfigCat segment (`CreateSegmentModel`): users whose attribute compares true to `value`."""

    description: Annotated[str, Field(min_length=1, max_length=1000)]
    attribute: Annotated[str, Field(min_length=1, max_length=1000)]  # e.g. Email
    comparator: SegmentComparator
    value: Annotated[str, Field(min_length=1)]  # comma-separated for the list comparators


class StageConfig(Strict):
    percentage: Percentage
    segments: list[SegmentName] = Field(default_factory=list)  # served first; later stages keep them


class RolloutConfig(Strict):
    stages: list[StageConfig] = Field(min_length=1)
    stage: Annotated[int, Field(ge=0)] = 0  # the live stage, 1-based; 0 = dark
    since: datetime | None = None  # when `stage` went live (written by `ops flags advance`)
    soak_hours: SoakHours = 24

    @model_validator(mode="after")
    def _stage_and_since(self) -> RolloutConfig:
        if self.stage > len(self.stages):
            raise ValueError(f"stage {self.stage} is past the last stage ({len(self.stages)})")
        if self.stage and self.since is None:
            raise ValueError(f"stage {self.stage} is live: set `since` (when it went live; `ops flags advance` writes it)")
        if not self.stage and self.since is not None:
            raise ValueError("`since` is for a live stage: stage 0 is dark")
        return self

    @property
    def since_utc(self) -> datetime | None:
        if self.since is None:
            return None
        return self.since if self.since.tzinfo else self.since.replace(tzinfo=timezone.utc)

    @property
    def live(self) -> StageConfig | None:
        return self.stages[self.stage - 1] if self.stage else None

    def segments_at(self, stage: int) -> list[str]:
        """Every segment stages 1..`stage` admitted, in first-admitted order: an audience never shrinks."""
        return list(dict.fromkeys(s for st in self.stages[:stage] for s in st.segments))


class FlagConfig(Strict):
    """One feature flag: its definition (key, type, owner, description, expiry) and this stack's values.

    `value` is what everyone outside the rollout gets (the flag off, for a boolean), `on` what the
    rollout serves (true for a boolean when left out).
    """

    key: FlagKey
    name: Annotated[str, Field(min_length=1, max_length=255)] | None = None  # default: the key
    type: FlagType = "boolean"
    owner: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(min_length=1, max_length=1000)]  # the flag's hint in the dashboard
    expires: date | None = None  # the planned removal date
    value: FlagValue
    on: FlagValue | None = None
    rollout: RolloutConfig | None = None

    @model_validator(mode="after")
    def _values_of_type(self) -> FlagConfig:
        for field in ("value", "on"):
            given = getattr(self, field)
            if given is not None and not of_type(given, self.type):
                raise ValueError(f"{field} {given!r} is not a {self.type} value (type: {self.type})")
        if self.rollout is not None and self.served == self.value:
            raise ValueError(f"the rollout would serve {self.value!r}, the value everyone gets: set `on`")
        if self.rollout is None and self.on is not None:
            raise ValueError("`on` is what a rollout serves: add a rollout or remove it")
        return self

    @property
    def served(self) -> FlagValue:
        """What the rollout's audience gets."""
        if self.on is not None:
            return self.on
        return True if self.type == "boolean" else self.value

    @property
    def percentage(self) -> int:
        """The share of users outside the segments served `served` now."""
        live = self.rollout.live if self.rollout else None
        return live.percentage if live else 0


class FlagsConfig(Strict):
    # The ConfigCat organization the owner stack creates the product in (its id, a GUID: not a secret).
    organization_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")] | None = None
    product: Annotated[str, Field(min_length=1, max_length=255)] = "MaintAInPro"
    config: Annotated[str, Field(min_length=1, max_length=255)] = "Web app"
    # The User Object attribute percentages are computed from (`percentage_evaluation_attribute`; default Identifier).
    percentage_attribute: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    segments: dict[SegmentName, SegmentConfig] = Field(default_factory=dict)
    flags: list[FlagConfig] = Field(default_factory=list)
