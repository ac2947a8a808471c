"""Generated secrets that rotate on a plain `pulumi up`, and the registry other components read.

Rotation is a keeper, not a refresh: the program computes the rotation window containing "now"
(windows of `rotation_days`, aligned to a fixed epoch) and keeps its start on the
`RandomPassword`. While the clock stays inside the window nothing changes; the first update after
the window ends sees a new start, replaces the password, and every resource reading the value gets
the new one in that same update. `pulumiverse_time.Rotating` would only notice on a refresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

import pulumi
import pulumi_random as random

from components.config import SecretConfig, StackConfig
from components.errors import ComponentError, UnknownSecretError
from providers.keepers import KEEPER, PERIOD_KEEPER

# Windows are aligned to this instant. Changing it would move every window and rotate every secret.
ROTATION_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

ConsumerKind = Literal["owner", "derived", "github-environment-secret", "netlify-env", "supabase-secret"]


@dataclass(frozen=True)
class RotationWindow:
    """The window a clock reading falls in: its value is generated at `start`, replaced at `end`."""

    start: datetime
    end: datetime

    @classmethod
    def containing(cls, now: datetime, rotation_days: int) -> RotationWindow:
        if now.tzinfo is None:
            raise ComponentError("the rotation clock must be timezone-aware")
        period = timedelta(days=rotation_days)
        start = ROTATION_EPOCH + ((now - ROTATION_EPOCH) // period) * period
        return cls(start=start, end=start + period)


@dataclass(frozen=True)
class Consumer:
    """Where a secret's value is delivered; `name` is the key it is delivered under."""

    kind: ConsumerKind
    name: str


# Well-known secrets: the component that owns each, and the values built from it that carry it
# further (a rotation reaches those in the same update too), besides the consumers in config.
OWNED: Mapping[str, tuple[Consumer, ...]] = {
    "database-password": (
        Consumer("owner", "Supabase project (database password)"),
        Consumer("derived", "SUPABASE_DB_URL (stack GitHub environment, session-pooler URL)"),
        Consumer("derived", "BACKUP_DATABASE_URL (<stack>-backups GitHub environment, session-pooler URL)"),
    ),
}


def consumers_of(name: str, secret: SecretConfig) -> list[Consumer]:
    """Every place one configured secret reaches: its owner first, then the configured consumers."""
    found = list(OWNED.get(name, ()))
    found += [Consumer("github-environment-secret", key) for key in secret.consumers.github_secrets]
    found += [Consumer("netlify-env", key) for key in secret.consumers.netlify_env]
    found += [Consumer("supabase-secret", key) for key in secret.consumers.supabase_secrets]
    return found


@dataclass(frozen=True)
class RotatingSecretArgs:
    config: SecretConfig
    now: datetime


class RotatingSecret(pulumi.ComponentResource):
    """One generated secret, replaced whenever the clock enters a new rotation window."""

    value: pulumi.Output[str]
    window_start: pulumi.Output[str]
    next_rotation: pulumi.Output[str]

    def __init__(self, name: str, args: RotatingSecretArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:secrets:RotatingSecret", name, None, opts)
        window = RotationWindow.containing(args.now, args.config.rotation_days)
        self.window = window
        # The resource this component wraps: named `name` itself (the one exception to `<name>-<what>`).
        self.password = random.RandomPassword(
            name,
            length=args.config.length,
            special=args.config.special,
            keepers={KEEPER: window.start.isoformat(), PERIOD_KEEPER: str(args.config.rotation_days)},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.value = pulumi.Output.secret(self.password.result)
        self.window_start = pulumi.Output.from_input(window.start.isoformat())
        self.next_rotation = pulumi.Output.from_input(window.end.isoformat())
        self.register_outputs(
            {
                "value": self.value,
                "window_start": self.window_start,
                "next_rotation": self.next_rotation,
                "rotation_days": args.config.rotation_days,
            }
        )


@dataclass(frozen=True)
class SecretSetArgs:
    config: StackConfig
    now: datetime

    @classmethod
    def from_stack(cls, cfg: StackConfig, *, now: datetime) -> SecretSetArgs:
        return cls(config=cfg, now=now)


class SecretSet:
    """Every generated secret of a stack, by config name, with where each one goes.

    Not a resource itself (the secrets are children of the caller): it is the lookup other
    components use, so a secret is generated once and read by name everywhere it is needed.
    """

    def __init__(self, args: SecretSetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        self.secrets: dict[str, RotatingSecret] = {
            name: RotatingSecret(name, RotatingSecretArgs(secret, args.now), opts)
            for name, secret in args.config.secrets.items()
        }
        self.consumers: dict[str, list[Consumer]] = {
            name: consumers_of(name, secret) for name, secret in args.config.secrets.items()
        }

    def __getitem__(self, name: str) -> RotatingSecret:
        try:
            return self.secrets[name]
        except KeyError:
            raise UnknownSecretError(f"no generated secret '{name}' in config.secrets (known: {', '.join(self.secrets)})") from None

    def delivered_as(self, kind: ConsumerKind) -> dict[str, pulumi.Output[str]]:
        """The values one kind of consumer receives, keyed by the name it receives them under."""
        return {
            consumer.name: self.secrets[name].value
            for name, consumers in self.consumers.items()
            for consumer in consumers
            if consumer.kind == kind
        }
