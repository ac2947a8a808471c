"""Optional custom hostname of a project (a paid add-on).

Create initialises it and exposes the DNS records the operator must publish; verification and
activation wait on DNS, so they are operator steps (`reverify`, `activate` in the dashboard or
API), not part of an apply. Changing the hostname replaces the resource (one per project).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult

from providers.base import refreshed_inputs
from providers.supabase import spec
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT, SupabaseProvider, require_ref, seconds_problem, wait_timeout_of
from providers.unknowns import is_unknown


def _records(answer: dict[str, Any]) -> list[dict[str, str]]:
    """DNS records to publish: ownership verification and certificate validation TXT records."""
    result = ((answer.get("data") or {}).get("result")) or {}
    records = []
    own = result.get("ownership_verification")
    if own:
        records.append({"type": own.get("type", "txt"), "name": own.get("name", ""), "value": own.get("value", "")})
    for rec in (result.get("ssl") or {}).get("validation_records") or []:
        records.append({"type": "txt", "name": rec.get("txt_name", ""), "value": rec.get("txt_value", "")})
    return records


class CustomHostnameProvider(SupabaseProvider):
    kind = "supabase custom hostname"

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        hostname = news.get("hostname")
        failures = [] if is_unknown(hostname) else [  # checked once known
            CheckFailure("hostname", what)
            for _where, what in spec.validate_body("v1-update-hostname-config", {"custom_hostname": hostname})]
        problem = seconds_problem(news.get("wait_timeout", DEFAULT_WAIT_TIMEOUT))
        if problem:
            failures.append(CheckFailure("wait_timeout", problem))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in ("project_ref", "hostname") if olds.get(k) != news.get(k)]
        # Not known yet (the project being updated) is not a replacement: the update diffs again once known.
        replaces = [k for k in changed if not is_unknown(news.get(k))]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    @staticmethod
    def _outs(ref: str, answer: dict[str, Any], wait_timeout: Any = None) -> dict[str, Any]:
        return {"project_ref": ref, "hostname": answer.get("custom_hostname"),
                "status": answer.get("status"), "dns_records": _records(answer), "wait_timeout": wait_timeout}

    def create(self, props: dict[str, Any]) -> CreateResult:
        ref = props["project_ref"]
        timeout = wait_timeout_of(props)
        self.wait_until_healthy(ref, timeout=timeout)
        body = {"custom_hostname": props["hostname"]}
        # Initialising the same hostname again is harmless, so a lost answer may be resent.
        answer = self.write(ref, lambda: self.call("v1-update-hostname-config", ref=ref, json=body, idempotent=True),
                            timeout)
        return CreateResult(ref, self._outs(ref, answer or {"custom_hostname": props["hostname"]}, props.get("wait_timeout")))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        require_ref("v1-get-hostname-config", id_, self.kind)
        answer = self.call("v1-get-hostname-config", ref=id_, not_found_ok=True)
        if not answer or answer.get("status") == "1_not_started":
            return ReadResult(None, {})
        outs = self._outs(id_, answer, props.get("wait_timeout"))
        prior = {**props, "project_ref": id_}
        drifted = [k for k in ("hostname",) if prior.get(k) is not None and outs.get(k) != prior[k]]
        if props.get("hostname") is None:
            return ReadResult(id_, outs)  # no state (an import)
        return ReadResult(id_, outs, refreshed_inputs(prior, ("project_ref", "hostname", "wait_timeout"), outs, drifted))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        self.call("v1-Delete hostname config", ref=id_, not_found_ok=True)


@dataclass(frozen=True)
class CustomHostnameArgs:
    project_ref: pulumi.Input[str]
    hostname: pulumi.Input[str]
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class CustomHostname(pulumi.dynamic.Resource, module="supabase", name="CustomHostname"):
    project_ref: pulumi.Output[str]
    hostname: pulumi.Output[str]
    status: pulumi.Output[str]
    dns_records: pulumi.Output[list[dict[str, str]]]

    def __init__(self, resource_name: str, args: CustomHostnameArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"project_ref": args.project_ref, "hostname": args.hostname, "status": None, "dns_records": None,
                 "wait_timeout": args.wait_timeout}
        super().__init__(CustomHostnameProvider(), resource_name, props, opts)
