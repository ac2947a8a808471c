"""From a namespaced config map to the model: key checks, field validation, then the cross-section rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from components.config.monitoring_rules import webhook_problems
from components.config.rules import cross_field_problems
from components.config.stack import StackConfig
from components.config.types import (
    ALERT_WEBHOOKS_KEY,
    CREDENTIAL_KEYS,
    PROJECT,
    PROVIDER_NAMESPACES,
    STACKS,
    ConfigError,
    Problem,
)


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(stack)"


def _pydantic_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append((_path(item["loc"]), message))
    return problems


def split_config(raw: Mapping[str, Any], secret_keys: Iterable[str], source: str) -> dict[str, Any]:
    """From a namespaced config map (`maintainpro-platform:netlify`), the project's sections."""
    sections, problems = _split(raw, secret_keys)
    if problems:
        raise ConfigError(source, problems)
    return sections


def _split(raw: Mapping[str, Any], secret_keys: Iterable[str]) -> tuple[dict[str, Any], list[Problem]]:
    """Sections, and the problems of the keys themselves.

    Credentials must be secret; provider namespaces (`aws:`, `github:`) pass through; any other
    namespace or key is an error, so a typo never silently falls back to a default.
    """
    secret = set(secret_keys)
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    for key, value in raw.items():
        namespace, _, name = key.partition(":")
        if key in CREDENTIAL_KEYS:
            if key not in secret:
                problems.append((key, "credentials must be set with `pulumi config set --secret`, never in plain text"))
            continue
        if namespace == PROJECT and name:
            if key in secret:
                # Pulumi would decrypt it and the program would deliver it as plain config.
                problems.append((key, "holds a secret value: a stack file holds none; generate it under `secrets:`"))
                continue
            sections[name] = value
        elif namespace not in PROVIDER_NAMESPACES or not name:
            problems.append((key, f"unknown config key (project keys are '{PROJECT}:<section>')"))
    return sections, problems


def validate_config(raw: Mapping[str, Any], secret_keys: Iterable[str], stack: str, source: str) -> StackConfig:
    """A whole namespaced config map to the model; one `ConfigError` lists the problems of both steps."""
    sections, problems = _split(raw, secret_keys)
    try:
        cfg = load_stack_config(sections, stack, source)
    except ConfigError as error:
        raise ConfigError(source, problems + error.problems) from None
    # pulumi-github's default provider reads `github:owner`; our URLs, trust policies and checkouts
    # read `github.owner`. Two sources of one fact must agree, or resources land on another account.
    if raw.get("github:owner") != cfg.github.owner:
        problems.append(("github:owner", f"must be set and equal github.owner ('{cfg.github.owner}')"))
    # pulumi-github 6.15 (terraform-provider-github v6.13.0, github/provider.go) with its default
    # legacy client mints ONE installation token from the App's key when it starts
    # (GenerateOAuthTokenFromApp) and GitHub expires it after an hour; the new client
    # (internal/ghclient/rest.go: githubauth.NewInstallationTokenSource behind oauth2.ReuseTokenSource)
    # mints another when it expires. So an `up` waiting on Supabase or a certificate for more than
    # an hour keeps committing files only with `github:legacyClient: false`.
    if str(raw.get("github:legacyClient")).lower() != "false":
        problems.append(("github:legacyClient", "must be false: the legacy client's GitHub App installation token "
                         "is minted once and expires after one hour; the new client renews it"))
    # pulumi-aws refuses accounts outside `aws:allowedAccountIds`; the backups' account must be one of them.
    allowed = raw.get("aws:allowedAccountIds")
    account = cfg.backups.aws_account_id
    if allowed is not None and account is not None:
        ids = [str(a) for a in (allowed if isinstance(allowed, list) else [allowed])]
        if account not in ids:
            problems.append(("backups.aws_account_id", f"'{account}' is not in aws:allowedAccountIds ({', '.join(ids)})"))
    problems += webhook_problems(raw.get(ALERT_WEBHOOKS_KEY), cfg.monitoring)
    if problems:
        raise ConfigError(source, problems)
    return cfg


def load_stack_config(sections: Mapping[str, Any], stack: str, source: str | None = None) -> StackConfig:
    """Validate one stack's sections; raise `ConfigError` listing every problem."""
    source = source or f"stack '{stack}'"
    if stack not in STACKS:
        raise ConfigError(source, [("(stack)", f"unknown stack '{stack}' (known: {', '.join(STACKS)})")])
    try:
        cfg = StackConfig.model_validate(dict(sections))
    except ValidationError as error:
        raise ConfigError(source, _pydantic_problems(error)) from None
    problems = cross_field_problems(cfg)
    if cfg.environment != stack:
        problems.insert(0, ("environment", f"'{cfg.environment}' does not match stack '{stack}'"))
    if problems:
        raise ConfigError(source, problems)
    return cfg
