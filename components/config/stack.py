"""The whole stack: one strict model of every section."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from components.config.delivery import DeliveryConfig
from components.config.flags import FlagsConfig
from components.config.github import GitHubConfig
from components.config.monitoring import MonitoringConfig
from components.config.netlify import HeadersConfig, NetlifyConfig
from components.config.operations import BackupsConfig
from components.config.secrets import SecretConfig
from components.config.supabase import SupabaseConfig
from components.config.types import SecretName, Strict


class StackConfig(Strict):
    environment: Literal["staging", "production"]
    netlify: NetlifyConfig
    headers: HeadersConfig
    supabase: SupabaseConfig
    github: GitHubConfig
    secrets: dict[SecretName, SecretConfig]
    backups: BackupsConfig
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    flags: FlagsConfig = Field(default_factory=FlagsConfig)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def headers_path(self) -> str:
        """Where this stack's `_headers` file lives in the app repo (both stacks share the repo)."""
        return self.headers.path or f"deploy/headers/{self.environment}/_headers"
