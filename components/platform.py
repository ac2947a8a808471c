"""`Platform`: the root component of one stack, wiring every concern's component together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pulumi

import pulumi_random

from components.config import StackConfig
from components.database import SupabaseProject, SupabaseProjectArgs


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
        # Until components/secrets.py exists: the database password, regenerated once per rotation window.
        db_secret = cfg.secrets["database-password"]
        window = int(args.now.timestamp() // (db_secret.rotation_days * 86400))
        db_password = pulumi_random.RandomPassword(
            "database-password",
            length=db_secret.length,
            special=db_secret.special,
            keepers={"rotation_window": str(window)},
            opts=child,
        )

        # -- database (components/database.py)
        self.database = SupabaseProject(
            "supabase",
            SupabaseProjectArgs(config=cfg.supabase, production=cfg.is_production, db_password=db_password.result),
            opts=child,
        )
        # For the site (VITE_SUPABASE_URL / VITE_SUPABASE_ANON_KEY) and the CSP connect-src.
        self.supabase_url = self.database.url
        self.supabase_anon_key = self.database.anon_key

        # -- site (components/site.py)

        # -- headers (components/headers.py)

        # -- backups (components/backups.py)

        # -- delivery (components/delivery.py)

        # -- monitoring (components/monitoring.py)

        del child, cfg  # until the children above exist
        self.register_outputs({
            "environment": self.environment,
            "supabase_url": self.supabase_url,
            "supabase_anon_key": self.supabase_anon_key,
        })
