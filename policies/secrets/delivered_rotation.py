"""secrets-delivered-require-rotation: every secret the program delivers rotates, or the pack config says why not.

A delivered secret is a GitHub Actions secret, a secret Netlify env var or a Supabase project's
function secrets. It rotates when its value is computed from a rotating source: a password or
bytes with both rotation keepers (`RotatingSecret`) or a Supabase secret API key
(`SecretApiKey`); the rotation policy judges that source's period and window. A value from no such
source (a project's unrotated key, a literal, encrypted stack config) fails unless the pack config
lists it in `exempt` with the reason, which the audit report shows on the pass. Function secrets
are one resource: it passes when any of its values comes from a rotating source (the values of
one map cannot be told apart through property dependencies).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from policies import resources as R
from policies.props import feeds, get, label, of_type
from policies.registry import cis, soc2, stack_policy

SUBJECTS = (*R.GITHUB_SECRET_TYPES, R.NETLIFY_ENV_VAR, R.SUPABASE_FUNCTION_SECRETS)


def _rotates(source: PolicyResource) -> bool:
    keepers = get(source.props, R.KEEPERS) or {}
    rotating = source.resource_type in (*R.GENERATED_SECRET_TYPES, *R.SECRET_IF_MARKED, *R.ROTATING_KEY_TYPES)
    return rotating and all(keepers.get(k) for k in (R.ROTATION_PERIOD_KEEPER, R.ROTATION_WINDOW_KEEPER))


def _delivered(resources: list[PolicyResource]) -> Iterator[tuple[PolicyResource, str, list[PolicyResource]]]:
    """(resource, the name it delivers under, the resources its value is computed from)."""
    for secret in of_type(resources, *R.GITHUB_SECRET_TYPES):
        sources = [d for p in R.GITHUB_SECRET_VALUE_PROPS if p in (secret.props or {}) for d in feeds(secret, p)]
        yield secret, str(get(secret.props, R.GITHUB_SECRET_NAME) or secret.name), sources
    for var in of_type(resources, R.NETLIFY_ENV_VAR):
        if get(var.props, R.ENV_VAR_IS_SECRET) is True:
            yield var, str(get(var.props, R.ENV_VAR_KEY) or var.name), feeds(var, R.ENV_VAR_VALUES)
    for secrets in of_type(resources, R.SUPABASE_FUNCTION_SECRETS):
        yield secrets, secrets.name, feeds(secrets, R.FUNCTION_SECRET_VALUES)


def check(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    exempt = config["exempt"]
    for resource, name, sources in _delivered(list(args.resources)):
        if name in exempt or any(_rotates(s) for s in sources):
            continue
        yield (
            f"{label(resource)} delivers {name}, whose value comes from no rotating source (a RotatingSecret or a "
            "Supabase secret API key): it never changes; rotate it, or list it in this policy's `exempt` with the reason",
            resource.urn,
        )


def notes(args: StackValidationArgs, config: Mapping[str, Any]) -> dict[str, str]:
    exempt = config["exempt"]
    return {resource.urn: f"not rotated: {exempt[name]}" for resource, name, sources in _delivered(list(args.resources))
            if name in exempt and not any(_rotates(s) for s in sources)}


POLICY = stack_policy(
    name="secrets-delivered-require-rotation",
    description=(
        "Every secret the program delivers (GitHub Actions secret, secret Netlify env var, Supabase function secret) "
        "is computed from a rotating generated secret or Supabase secret API key, or is exempted with a reason."
    ),
    family="secrets",
    subjects=SUBJECTS,
    severity=Severity.HIGH,
    controls=soc2("CC6.1") + cis("5.2"),
    remediation=(
        "Deliver a `secrets.<name>` RotatingSecret or a `supabase.secret_keys` key instead of a value that never "
        "changes; where a delivered secret cannot rotate, name it in this policy's `exempt` (policies/config/<stack>.json) "
        "with the reason, which the audit report shows."
    ),
    check=check,
    notes=notes,
    config={"exempt": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}, "default": {},
                       "description": "Delivered names (secret name, env var key, or resource name) that do not rotate, each with why."}},
)
