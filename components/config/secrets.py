"""Generated secrets and where each is delivered."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from components.config.types import EnvKey, Strict


class SecretConsumers(Strict):
    """Where a generated secret is delivered, besides the component that owns it."""

    github_secrets: list[EnvKey] = Field(default_factory=list)
    netlify_env: list[EnvKey] = Field(default_factory=list)
    supabase_secrets: list[EnvKey] = Field(default_factory=list)


class SecretConfig(Strict):
    rotation_days: Annotated[int, Field(ge=1, le=365)]
    length: Annotated[int, Field(ge=16, le=128)] = 32
    special: bool = False
    consumers: SecretConsumers = Field(default_factory=SecretConsumers)
