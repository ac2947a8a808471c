"""netlify-headers-require-hsts: browsers only ever reach the site over HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.served import served
from policies.registry import asvs, resource_policy, soc2

ONE_YEAR = 31536000


def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    headers = served(args)
    value = headers.first("strict-transport-security")
    if value is None:
        yield "no Strict-Transport-Security header is served for /"
        return
    parts = [p.strip().lower() for p in value.split(";")]
    match = next((re.fullmatch(r'max-age="?(\d+)"?', p) for p in parts if p.startswith("max-age")), None)
    max_age = int(match.group(1)) if match else 0
    if max_age < config["minMaxAge"]:
        yield f"Strict-Transport-Security max-age is {max_age}s; at least {config['minMaxAge']}s is required"
    if "includesubdomains" not in parts:
        yield "Strict-Transport-Security lacks includeSubDomains"
    if config["requirePreload"] and "preload" not in parts:
        yield "Strict-Transport-Security lacks preload (required on this stack)"


POLICY = resource_policy(
    name="netlify-headers-require-hsts",
    description="The site serves Strict-Transport-Security with max-age of at least a year and includeSubDomains (and preload where required).",
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.HIGH,
    controls=asvs("14.4.5", "9.1.1") + soc2("CC6.7"),
    remediation=(
        "Set `headers.hsts_max_age` to 31536000 or more, `headers.hsts_include_subdomains: true` and, in "
        "production, `headers.hsts_preload: true`."
    ),
    check=check,
    config={
        "minMaxAge": {"type": "integer", "minimum": 0, "default": ONE_YEAR},
        "requirePreload": {"type": "boolean", "default": False},
    },
)
