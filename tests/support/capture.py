"""A mock engine that keeps what `ops.engine` deliberately hides: the values inputs carry.

Tests need to see which generated value reached which consumer. Generated values here are
derived from the resource's keepers, the way a replacement produces a new value, and are
obviously fake. Values a provider reads from its API that the program builds on (the session
pooler's URL) are answered with fake stand-ins too.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc, settings

SECRET_SIG = {rpc._special_sig_key: rpc._special_secret_sig}
FAKE_SESSION_URL = "postgresql://postgres.fakeprojectrefabcd@pooler.example.test:5432/postgres?sslmode=require"
API_OUTPUTS: dict[str, dict[str, Any]] = {
    "pulumi-python:dynamic/supabase:PoolerConfig": {"session_url": FAKE_SESSION_URL},
}


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


def _split(value: Any) -> Input:
    if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return Input(value.get("value"), True)
    return Input(value, False)


@dataclass
class CapturingMocks(pulumi.runtime.Mocks):
    resources: list[Captured] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = {key: _split(value) for key, value in args.inputs.items()}
        state = {key: item.value for key, item in inputs.items()}
        if args.typ.startswith("random:index/random"):
            state["result"] = fake_generated(args.name, state.get("keepers") or {})
        for key, value in API_OUTPUTS.get(args.typ, {}).items():
            if state.get(key) is None:
                state[key] = value
        self.resources.append(Captured(args.typ, args.name, inputs, state))
        return (f"{args.name}-id" if args.custom else None), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, token: str) -> list[Captured]:
        return [r for r in self.resources if r.type == token]

    def named(self, token: str, name: str) -> Captured:
        (found,) = [r for r in self.of_type(token) if r.name == name]
        return found


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
    pulumi.runtime.set_mocks(mocks, project="maintainpro-platform", stack=stack, preview=False)

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
