"""`Platform`: the root component of one stack, wiring every concern's component together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pulumi

from components.backups import BackupSchedule, BackupScheduleArgs
from components.config import StackConfig
from components.delivery import DeliveryEnvironment, DeliveryEnvironmentArgs
from components.secrets import SecretSet, SecretSetArgs


@dataclass(frozen=True)
class PlatformArgs:
    config: StackConfig
    now: datetime


class Platform(pulumi.ComponentResource):
    """Everything one environment of MaintAInPro needs, as children of one component.

    Order matters only through data: secrets feed the database and delivery; the database feeds
    the site's env vars and the CSP; everything feeds the delivery environment's secrets/variables.
    """

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:platform:Platform", name, None, opts)
        cfg = args.config
        self.environment = cfg.environment
        child = pulumi.ResourceOptions(parent=self)

        # -- secrets (components/secrets.py)
        self.secrets = SecretSet(SecretSetArgs(cfg, args.now), child)
        # What the GitHub environment receives; each section below adds the outputs it wires.
        delivery_secrets: dict[str, pulumi.Input[str]] = dict(self.secrets.delivered_as("github-environment-secret"))
        delivery_variables: dict[str, pulumi.Input[str]] = dict(cfg.github.variables)

        # -- database (components/database.py)

        # -- site (components/site.py)

        # -- headers (components/headers.py)

        # -- backups (components/backups.py)
        # BACKUP_DATABASE_URL: wired from the database component once it exists (database_url=...).
        self.backups = (
            BackupSchedule(
                f"{name}-backups",
                BackupScheduleArgs(
                    environment=cfg.environment, backups=cfg.backups, github=cfg.github,
                    protect_data=cfg.is_production,
                ),
                child,
            )
            if cfg.backups.enabled
            else None
        )

        # -- delivery (components/delivery.py)
        self.delivery = DeliveryEnvironment(
            f"{name}-delivery",
            DeliveryEnvironmentArgs(
                environment=cfg.environment,
                github=cfg.github,
                variables=delivery_variables,
                secrets=delivery_secrets,
            ),
            child,
        )

        # -- monitoring (components/monitoring.py)

        self.register_outputs({"environment": self.environment})
