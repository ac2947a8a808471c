"""What ConfigCat serves now, read through its Public Management API (v1/v2) for `ops flags`.

Credentials: `CONFIGCAT_BASIC_AUTH_USERNAME` / `CONFIGCAT_BASIC_AUTH_PASSWORD` (the provider's own
variables; the stack's secret config cannot be decrypted offline), sent as HTTP basic auth (the API's
only scheme); `CONFIGCAT_BASE_PATH` overrides https://api.configcat.com as it does for the provider.
Read-only: five GETs (products, configs, environments, segments, then one environment's values).

A formula the program writes is a default value, one `isIn` segment rule per admitted segment and
one percentage rule (components/flag_values.py); `Serving` is that shape, read back from the API's
`ConfigSettingFormulasModel`. A rule of any other shape (written in the dashboard) is counted, so it
reads as a difference rather than being ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.config import FlagConfig, FlagsConfig
from components.config.flags import FlagValue
from ops.console import notice
from providers.http import ApiClient, MissingCredential

USERNAME_ENV = "CONFIGCAT_BASIC_AUTH_USERNAME"
PASSWORD_ENV = "CONFIGCAT_BASIC_AUTH_PASSWORD"
BASE_PATH_ENV = "CONFIGCAT_BASE_PATH"
DEFAULT_BASE_PATH = "https://api.configcat.com"
VALUE_FIELDS = {"boolean": "boolValue", "string": "stringValue", "int": "intValue", "double": "doubleValue"}


@dataclass(frozen=True)
class Serving:
    """Who gets the flag's rollout value: its segments, a percentage of everyone else, the default for the rest."""

    default: FlagValue | None
    segments: tuple[str, ...] = ()
    percentage: int = 0
    other_rules: int = 0  # rules of a shape the program never writes

    def describe(self, served: FlagValue | None) -> str:
        audience = [*self.segments, *([f"{self.percentage} % of everyone else"] if self.percentage else [])]
        on, off = json.dumps(served), json.dumps(self.default)
        text = f"{on} to {' + '.join(audience)}, {off} otherwise" if audience else f"{off} to everyone"
        return text + (f" (+{self.other_rules} rule(s) set in the dashboard)" if self.other_rules else "")


def planned(flag: FlagConfig) -> Serving:
    """What the stack file says the flag serves now."""
    rollout = flag.rollout
    segments = tuple(rollout.segments_at(rollout.stage)) if rollout else ()
    return Serving(flag.value, segments, flag.percentage)


def credentials() -> tuple[str, str] | None:
    username, password = os.environ.get(USERNAME_ENV), os.environ.get(PASSWORD_ENV)
    return (username, password) if username and password else None


def configcat_client(until: float | None = None) -> ApiClient:
    """A client with the basic-auth credentials from the environment, printing retries on stderr."""
    found = credentials()
    if found is None:
        raise MissingCredential(f"configcat: no credentials; export {USERNAME_ENV} and {PASSWORD_ENV}")
    return ApiClient.basic(os.environ.get(BASE_PATH_ENV) or DEFAULT_BASE_PATH, *found, resource="configcat",
                           notice=notice, deadline=until)


def _named(items: Any, name: str, id_field: str, what: str) -> str | None:
    matches = [item[id_field] for item in items or [] if isinstance(item, dict) and item.get("name") == name]
    if len(matches) > 1:
        raise LookupError(f"{len(matches)} ConfigCat {what}s are named '{name}'")
    return str(matches[0]) if matches else None


def _value(model: Any, kind: str) -> FlagValue | None:
    return model.get(VALUE_FIELDS[kind]) if isinstance(model, dict) else None


def serving(formula: Mapping[str, Any], flag: FlagConfig, segment_names: Mapping[str, str]) -> Serving:
    """A `SettingFormulaModel` as `Serving`, judged against what `flag`'s rollout serves."""
    served, kind = flag.served, flag.type
    segments: list[str] = []
    percentage, other = 0, 0
    for rule in formula.get("targetingRules") or []:
        conditions = rule.get("conditions") or []
        options = rule.get("percentageOptions") or []
        segment = conditions[0].get("segmentCondition") if len(conditions) == 1 else None
        if segment and segment.get("comparator") == "isIn" and not options and _value(rule.get("value"), kind) == served:
            segments.append(segment_names.get(str(segment.get("segmentId")), str(segment.get("segmentId"))))
        elif not conditions and options and not percentage:
            percentage = sum(int(o.get("percentage") or 0) for o in options if _value(o.get("value"), kind) == served)
        else:
            other += 1
    return Serving(_value(formula.get("defaultValue"), kind), tuple(segments), percentage, other)


def live_serving(client: ApiClient, flags: FlagsConfig, stack: str) -> dict[str, Serving | None]:
    """Each flag's live `Serving` in the stack's environment (None: no such flag in ConfigCat).

    Raises LookupError when the product, config or environment is not there (nothing deployed yet).
    """
    products = client.request("GET", "/v1/products", operation="get-products")
    product_id = _named(products, flags.product, "productId", "product")
    if product_id is None:
        raise LookupError(f"ConfigCat has no product '{flags.product}' (no `pulumi up` of the flags yet?)")
    configs = client.request("GET", f"/v1/products/{product_id}/configs", operation="get-configs")
    environments = client.request("GET", f"/v1/products/{product_id}/environments", operation="get-environments")
    config_id = _named(configs, flags.config, "configId", "config")
    environment_id = _named(environments, stack, "environmentId", "environment")
    if config_id is None or environment_id is None:
        missing = f"config '{flags.config}'" if config_id is None else f"environment '{stack}'"
        raise LookupError(f"ConfigCat product '{flags.product}' has no {missing} (no `pulumi up` of this stack yet?)")
    segments = client.request("GET", f"/v1/products/{product_id}/segments", operation="get-segments")
    names = {str(s["segmentId"]): str(s.get("name")) for s in segments or [] if isinstance(s, dict)}
    values = client.request("GET", f"/v2/configs/{config_id}/environments/{environment_id}/values",
                            operation="get-setting-values-v2")
    formulas = {str((f.get("setting") or {}).get("key")): f for f in (values or {}).get("settingFormulas") or []}
    return {flag.key: serving(formulas[flag.key], flag, names) if flag.key in formulas else None for flag in flags.flags}
