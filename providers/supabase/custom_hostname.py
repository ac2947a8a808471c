"""Optional custom hostname of a project (a paid add-on).

Create initialises it and exposes the DNS records the operator must publish; verification and
activation wait on DNS, so they are operator steps (`reverify`, `activate` in the dashboard or
API), not part of an apply. Changing the hostname replaces the resource (one per project).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from providers.crud import Problems, Props
from providers.supabase import spec
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT, SupabaseProvider, require_ref, seconds_problem, wait_timeout_of


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
    """On the CRUD skeleton's hooks. One hostname per project, so the id is the project ref, every
    input is identity (replaced, deleting first: old and new share the id) and nothing is found
    before create: initialising the same hostname again is harmless, so the PUT is sent as idempotent."""

    kind = "supabase custom hostname"
    inputs: ClassVar[tuple[str, ...]] = ("project_ref", "hostname")
    identity = frozenset(inputs)
    plumbing: ClassVar[tuple[str, ...]] = ("wait_timeout",)

    def validate(self, news: Props) -> Problems:
        problems = [("hostname", what) for _where, what in
                    spec.validate_body("v1-update-hostname-config", {"custom_hostname": news.get("hostname")})]
        problem = seconds_problem(news.get("wait_timeout", DEFAULT_WAIT_TIMEOUT))
        return [*problems, *([("wait_timeout", problem)] if problem else [])]

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        return True

    def find(self, props: Props) -> dict[str, Any] | None:
        return None

    def create_new(self, props: Props) -> dict[str, Any]:
        ref = props["project_ref"]
        timeout = wait_timeout_of(props)
        self.wait_until_healthy(ref, timeout=timeout)
        body = {"custom_hostname": props["hostname"]}
        answer = self.write(ref, lambda: self.call("v1-update-hostname-config", ref=ref, json=body, idempotent=True),
                            timeout)
        return answer or {"custom_hostname": props["hostname"]}

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(props["project_ref"])

    def fetch(self, id_: str) -> dict[str, Any] | None:
        require_ref("v1-get-hostname-config", id_, self.kind)
        answer = self.call("v1-get-hostname-config", ref=id_, not_found_ok=True)
        return None if not answer or answer.get("status") == "1_not_started" else answer

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {"project_ref": id_, "hostname": live.get("custom_hostname"), "status": live.get("status"),
                "dns_records": _records(live), "wait_timeout": props.get("wait_timeout")}

    def remove(self, id_: str, props: Props) -> None:
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
