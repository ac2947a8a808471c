"""A mock engine that keeps what `ops.engine` deliberately hides: the values inputs carry.

Tests need to see which generated value reached which consumer. Generated values here are
derived from the resource's keepers, the way a replacement produces a new value, and are
obviously fake. Values a provider reads from its API that the program builds on (the session
pooler's URL, the project's URL and keys) are answered with fake stand-ins too. Each resource's
URN and property dependencies are kept, so a test can tell a wired value from an equal constant.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockMonitor

SECRET_SIG = {rpc._special_sig_key: rpc._special_secret_sig}
FAKE_SESSION_URL = "postgresql://postgres.fakeprojectrefabcd@pooler.example.test:5432/postgres?sslmode=require"
# The Netlify deploy token a test hands the program in place of secret config `netlifyDeployToken`.
FAKE_DEPLOY_TOKEN = "fake-netlify-deploy-token-9f3c"
FAKE_PROJECT_REF = "fakeprojectrefabcdef"  # shaped like a ref: 20 lower-case letters
API_OUTPUTS: dict[str, dict[str, Any]] = {
    "pulumi-python:dynamic/supabase:PoolerConfig": {"session_url": FAKE_SESSION_URL},
    "pulumi-python:dynamic/supabase:Project": {
        "ref": FAKE_PROJECT_REF,
        "url": f"https://{FAKE_PROJECT_REF}.supabase.co",
        "publishable_key": "sb_publishable_fake-key-from-the-project",
        "secret_key": "sb_secret_fake-key-from-the-project",
    },
    # Computed by Checkly / PagerDuty on create (pulumi-checkly `heartbeat.ping_token`, pulumi-pagerduty `integration_key`).
    "checkly:index/heartbeatMonitor:HeartbeatMonitor": {"heartbeat": {"pingToken": "fake-ping-token"}},
    "pagerduty:index/serviceIntegration:ServiceIntegration": {"integrationKey": "fake-integration-key"},
}


@functools.cache
def _stack_flag_types() -> dict[str, str]:
    """Flag key -> type as both stack files declare them (they agree: tests/unit/test_flags_config.py)."""
    from ops.engine import flag_types
    from ops.stackfile import read_stack_file

    return {**flag_types(read_stack_file("staging")), **flag_types(read_stack_file("production"))}


def fake_generated(name: str, keepers: dict[str, Any]) -> str:
    """The stand-in value a `random` resource generates for these keepers."""
    return f"fake-generated-{name}-" + "-".join(f"{k}={v}" for k, v in sorted(keepers.items()))


@dataclass(frozen=True)
class Input:
    value: Any
    secret: bool


@dataclass(frozen=True)
class Captured:
    type: str
    name: str
    inputs: dict[str, Input]
    state: dict[str, Any]
    urn: str = ""
    # input name -> URNs of the resources whose outputs it was computed from
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def revealed(value: Any) -> Any:
    """`value` with every (nested) secret wrapper removed: what the provider would receive."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return revealed(value.get("value"))
        return {k: revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revealed(v) for v in value]
    return value


def _split(value: Any) -> Input:
    if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return Input(value.get("value"), True)
    return Input(value, False)


@dataclass
class CapturingMocks(pulumi.runtime.Mocks):
    resources: list[Captured] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = {key: _split(value) for key, value in args.inputs.items()}
        state = {key: item.value for key, item in inputs.items()}
        if args.typ.startswith("random:index/random"):
            state["result"] = fake_generated(args.name, state.get("keepers") or {})
        for key, value in API_OUTPUTS.get(args.typ, {}).items():
            if state.get(key) is None:
                state[key] = value
            elif isinstance(state[key], dict) and isinstance(value, dict):  # a computed field of an input block
                state[key] = {**value, **state[key]}
        with self._lock:
            self.resources.append(Captured(args.typ, args.name, inputs, state))
        return (f"{args.name}-id" if args.custom else None), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """Data sources (ConfigCat's) answered as the offline preview answers them."""
        from ops.engine import OFFLINE_INVOKES

        answer = OFFLINE_INVOKES.get(args.token)
        return (answer(dict(args.args), _stack_flag_types()) if answer else {}), []

    def registered(self, token: str, name: str, urn: str, dependencies: dict[str, tuple[str, ...]]) -> None:
        """Attach what only the monitor sees (URN, property dependencies) to the captured resource."""
        with self._lock:
            for i, r in enumerate(self.resources):
                if r.type == token and r.name == name and not r.urn:
                    self.resources[i] = Captured(r.type, r.name, r.inputs, r.state, urn, dependencies)
                    return
        raise AssertionError(f"{token} {name} was registered without being captured")

    def of_type(self, token: str) -> list[Captured]:
        return [r for r in self.resources if r.type == token]

    def named(self, token: str, name: str) -> Captured:
        (found,) = [r for r in self.of_type(token) if r.name == name]
        return found


class CapturingMonitor(MockMonitor):
    """The SDK's mock monitor, also handing each resource's URN and property dependencies to the mocks."""

    def __init__(self, mocks: CapturingMocks) -> None:
        super().__init__(mocks)
        self.capturing = mocks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            dependencies = {key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()}
            self.capturing.registered(request.type, request.name, response.urn, dependencies)
        return response


def run_program(
    build: Callable[[], Any], stack: str = "test", mocks: CapturingMocks | None = None
) -> tuple[CapturingMocks, Any]:
    """Run `build` (which registers resources) to completion under capturing mocks.

    Returns the mocks and the resolved value of whatever `build` returned (an Input or None).
    `mocks` may be a subclass that answers with provider-computed outputs (ARNs, ...).
    """
    mocks = mocks if mocks is not None else CapturingMocks()
    resolved: dict[str, Any] = {}
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project="maintainpro-platform", stack=stack, preview=False,
                             monitor=CapturingMonitor(mocks))

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        return pulumi.Output.from_input(build()).apply(lambda value: resolved.setdefault("value", value))

    program()
    return mocks, resolved.get("value")


def program_failure(build: Callable[[], Any]) -> tuple[type[BaseException], str]:
    """The type and message a program fails with.

    The SDK fails every output of the resource that could not be registered, and nothing ever
    reads them (the program is over); they are marked as seen here, or asyncio reports each as
    "never retrieved" when the process exits.
    """
    try:
        run_program(build)
    except Exception as error:  # noqa: BLE001 (the caller asserts on it)
        failure = (type(error), str(error))
    else:
        raise AssertionError("the program was expected to fail")
    settings.SETTINGS.outputs.clear()
    for item in gc.get_objects():
        if isinstance(item, asyncio.Future) and item.done() and not item.cancelled():
            item.exception()
    return failure
