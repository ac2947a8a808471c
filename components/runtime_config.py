"""The stack config as the running Pulumi program sees it (CLI or mock engine)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components.config import (
    DEPLOY_TOKEN_KEY,
    PLATFORM_REPO_TOKEN_KEY,
    SECURITY_OWNER,
    ConfigError,
    StackConfig,
    validate_config,
)

NOW_ENV = "MAINTAINPRO_NOW"


def _decode(value: Any) -> Any:
    """Structured config reaches the program as JSON text; scalars stay strings."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def program_config() -> StackConfig:
    """Validate the running stack's config, or stop the program with every problem listed."""
    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret = {key for key in raw if runtime_config.is_config_secret(key)}
    secret |= set(runtime_config.get_config_secret_keys_env())
    stack = pulumi.get_stack()
    source = f"Pulumi.{stack}.yaml"
    decoded = {key: _decode(value) for key, value in raw.items()}
    return validate_config(decoded, secret, stack, source)


def now() -> datetime:
    """The clock secret rotation reads: `MAINTAINPRO_NOW` (ISO 8601) when set, else real UTC time."""
    text = os.environ.get(NOW_ENV)
    if not text:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(NOW_ENV, [("(environment)", f"'{text}' is not an ISO 8601 date/time")]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _required_secret(key: str, what: str) -> pulumi.Output[str]:
    namespace, _, name = key.partition(":")
    value = pulumi.Config(namespace).get_secret(name)
    if value is None:
        raise ConfigError(f"Pulumi.{pulumi.get_stack()}.yaml", [(key, f"missing: `pulumi config set --secret {key}` ({what})")])
    return value


def deploy_token() -> pulumi.Output[str]:
    """The Netlify token the delivery pipeline deploys with (secret config), or every step to set it."""
    return _required_secret(DEPLOY_TOKEN_KEY, "a Netlify personal access token; it is delivered only as the "
                            "deploying GitHub environments' secret NETLIFY_AUTH_TOKEN")


def platform_repo_token(cfg: StackConfig) -> pulumi.Output[str] | None:
    """The token app-repo workflows check this repository out with, where the program must deliver one:
    on the stack owning repository settings, when this repository is not public (a workflow's own
    `github.token` reaches only its repository: actions/checkout README, "Checkout multiple repos (private)")."""
    if cfg.environment != SECURITY_OWNER or cfg.github.security.platform_repo_visibility == "public":
        return None
    return _required_secret(PLATFORM_REPO_TOKEN_KEY, f"a token that can read {cfg.github.owner}/"
                            f"{cfg.monitoring.platform_repo}'s contents, e.g. a fine-grained personal access token; "
                            "it is delivered only as the app repo's Actions secret PLATFORM_REPO_TOKEN")
