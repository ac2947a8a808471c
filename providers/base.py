"""Shared base of the dynamic providers: where the token and the API address come from.

The provider object is pickled into Pulumi state, so it must never hold a credential there:
the token is resolved in `configure` (which runs only in the provider host) or from the
environment at call time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pulumi.dynamic import ConfigureRequest, ResourceProvider

from providers.http import ApiClient, resolve_token


@dataclass(frozen=True)
class ApiEndpoint:
    """How one API is reached: default address, override variable, credential sources."""

    name: str
    default_url: str
    url_env: str
    token_config_key: str
    token_env: str


class ApiProvider(ResourceProvider):
    """A dynamic provider bound to one API; subclasses set `endpoint` and `kind`."""

    endpoint: ClassVar[ApiEndpoint]
    kind: ClassVar[str]

    def configure(self, req: ConfigureRequest) -> None:
        # Runs in the provider host only; the value never reaches state.
        self.__dict__["_configured_token"] = req.config.get(self.endpoint.token_config_key)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_configured_token", None)
        state.pop("_client", None)
        return state

    def client(self) -> ApiClient:
        cached = self.__dict__.get("_client")
        if cached is None:
            token = resolve_token(
                self.__dict__.get("_configured_token"), self.endpoint.token_env, self.endpoint.name
            )
            cached = ApiClient(
                base_url=os.environ.get(self.endpoint.url_env, self.endpoint.default_url),
                token=token,
                resource=self.kind,
            )
            self.__dict__["_client"] = cached
        return cached

    def use_client(self, client: ApiClient) -> None:
        """Point this provider at a given client (tests: mock servers, fault injection)."""
        self.__dict__["_client"] = client


def refreshed_inputs(
    prior: Mapping[str, Any],
    keys: Iterable[str],
    live: Mapping[str, Any],
    drifted: Iterable[str],
    *,
    unreadable: Iterable[str] = (),
) -> dict[str, Any] | None:
    """The inputs a `read` hands back to the engine: the prior inputs overlaid with live drift.

    The Python dynamic provider host sends `ReadResult.inputs` to the engine as the resource's
    new inputs (pulumi/pulumi#13839), and its Diff answer names no property, so the engine can
    name a drifted property only where these inputs differ from the program's. Every input in
    `keys` is kept as it was (a None/absent one stays absent: unmanaged), except the `drifted`
    ones, which take their value from `live` (already in the program's shape; None drops the
    key). `unreadable` lists inputs the program declares but state cannot hold (write-only
    secrets): with nothing drifted the answer is None, so the engine keeps its stored inputs
    (which still hold them) instead of inputs missing them.
    """
    drifted = list(drifted)
    if not drifted and list(unreadable):
        return None
    inputs = {k: prior[k] for k in keys if prior.get(k) is not None}
    for key in drifted:
        if live.get(key) is None:
            inputs.pop(key, None)
        else:
            inputs[key] = live[key]
    return inputs
