"""Netlify deploy key: an SSH key pair Netlify generates for cloning a private repository.

Keys have no name and take no body, so "find before create" cannot search by name: instead the
ids that exist before the POST are remembered, and after a lost answer the one key that appeared
since is adopted. Nothing can be updated; the public key goes to the repository as a deploy key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult

from providers.http import create_or_adopt
from providers.netlify.common import NetlifyProvider, Props, secret_opts, with_outputs

OUTPUTS = ("key_id", "public_key")


@dataclass(frozen=True)
class DeployKeyArgs:
    """No settings: the API generates the key. The class exists so every resource has typed args."""


class DeployKeyProvider(NetlifyProvider):
    kind = "netlify deploy key"
    inputs: ClassVar[tuple[str, ...]] = ()

    def create(self, props: Props) -> CreateResult:
        before: set[str] | None = None

        def find() -> dict[str, Any] | None:
            # First look: remember what exists. Later looks (after a lost answer): adopt the
            # single key that appeared since; several new keys would be a guess, so none is taken.
            nonlocal before
            keys = self.client().request("GET", "/deploy_keys", operation="list keys")
            ids = {str(k.get("id")) for k in keys or []}
            if before is None:
                before = ids
                return None
            new = [k for k in keys or [] if str(k.get("id")) not in before]
            return new[0] if len(new) == 1 else None

        live = create_or_adopt(
            find,
            lambda: self.client().request("POST", "/deploy_keys", operation="create key"),
            resource=self.kind,
        )
        return CreateResult(str(live["id"]), self.outputs(str(live["id"]), live, props))

    def fetch(self, id_: str) -> dict[str, Any] | None:
        return self.client().request("GET", f"/deploy_keys/{id_}", operation="read key", not_found_ok=True)

    def remove(self, id_: str, props: Props) -> None:
        self.client().request("DELETE", f"/deploy_keys/{id_}", operation="delete key", not_found_ok=True)

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {"key_id": id_, "public_key": live.get("public_key")}


class DeployKey(pulumi.dynamic.Resource, module="netlify", name="DeployKey"):
    """A deploy key (type `pulumi-python:dynamic/netlify:DeployKey`)."""

    key_id: pulumi.Output[str]
    public_key: pulumi.Output[str]

    def __init__(
        self, name: str, args: DeployKeyArgs | None = None, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(DeployKeyProvider(), name, with_outputs({}, OUTPUTS), secret_opts(opts, []))
