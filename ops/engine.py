"""Run the real `__main__.py` under the Pulumi SDK's mock engine and record what it registers.

This is how the project previews and audits a stack with no Pulumi CLI, no cloud account and no
credentials: the program is the same one `pulumi up` runs; only the resource monitor is a mock.
Secret values are replaced by `SECRET` as they are recorded, so nothing downstream can print one.
"""

from __future__ import annotations

import asyncio
import os
import re
import runpy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings

from components.config import DEPLOY_TOKEN_KEY, PLATFORM_REPO_TOKEN_KEY, PROJECT
from components.runtime_config import NOW_ENV
from components.runtime_config import now as program_clock
from ops.stackfile import ROOT, SECRET_PLACEHOLDER, StackFile

SECRET = "[secret]"
UNKNOWN = "(known after apply)"
HIDDEN_INPUTS = frozenset({"__provider"})  # the pickled dynamic provider: noise, and always secret


@dataclass(frozen=True)
class Registered:
    """One registered resource as a reviewer (or a policy) needs to see it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool = False
    provider: str | None = None  # `<provider URN>::<id>` when the resource names an explicit provider
    additional_secret_outputs: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()  # input paths whose state value is kept (engine spelling: camelCase)
    replace_on_changes: tuple[str, ...] = ()  # input paths whose change replaces the resource (camelCase)
    import_id: str | None = None  # the `import` option: the live object this resource adopts
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Preview:
    stack: str
    now: datetime  # the clock the program computed rotation windows from: the audit judges at the same instant
    resources: list[Registered] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def children(self, parent: str | None) -> list[Registered]:
        return [r for r in self.resources if r.parent == parent]

    def by_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]


def tree_order(resources: list[Registered]) -> list[Registered]:
    """Parents before children, siblings by URN: the engine registers concurrently, so its own order
    differs from run to run and a preview could not be diffed or posted as a stable comment."""
    known = {r.urn for r in resources}
    children: dict[str | None, list[Registered]] = {}
    for resource in resources:
        children.setdefault(resource.parent if resource.parent in known else None, []).append(resource)
    ordered: list[Registered] = []
    stack = sorted(children.get(None, []), key=lambda r: r.urn, reverse=True)
    while stack:  # bounded: each resource is pushed once, under its one parent
        resource = stack.pop()
        ordered.append(resource)
        stack += sorted(children.get(resource.urn, []), key=lambda r: r.urn, reverse=True)
    return ordered


def masked(value: Any) -> Any:
    """A deep copy of `value` with every secret replaced by `SECRET`, unknowns spelled out, integers whole."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return SECRET
        return {k: masked(v) for k, v in value.items() if k not in HIDDEN_INPUTS}
    if isinstance(value, (list, tuple)):
        return [masked(v) for v in value]
    # keep_unknowns yields `Unknown` objects for outputs of other resources (e.g. a site's id).
    if isinstance(value, pulumi.output.Unknown) or value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format has only doubles; show 40, not 40.0
    return value


def _unwrap(value: Any) -> Any:
    """The plain value behind secret wrappers, for the mock's own returned state only."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return _unwrap(value.get("value"))
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


# Values a provider computes on create that other resources read (ids, URLs). Offline they are
# stood in for with obviously fake values, so the preview shows what a steady-state preview
# shows (e.g. the CSP with the project's URL) instead of "(known after apply)" everywhere.
OFFLINE_REF = "offlinepreviewrefxyz"  # shaped like a Supabase project ref: 20 lower-case letters
OFFLINE_OUTPUTS: dict[str, dict[str, Any]] = {
    "pulumi-python:dynamic/supabase:Project": {"ref": OFFLINE_REF, "url": f"https://{OFFLINE_REF}.supabase.co",
                                               # public by design: the delivery workflow's build inlines it
                                               "publishable_key": "sb_publishable_offline-preview"},
    # Inside a rotation window: the key exists and nothing is retiring, so the retirement lists nothing to delete.
    "pulumi-python:dynamic/supabase:SecretApiKey": {"key_id": "offline-preview-secret-key-id", "retiring": []},
    # Computed by Checkly / PagerDuty on create; both are secret outputs of the program.
    "checkly:index/heartbeatMonitor:HeartbeatMonitor": {"heartbeat": {"pingToken": "offline-preview-ping-token"}},
    "pagerduty:index/serviceIntegration:ServiceIntegration": {"integrationKey": "offline-preview-integration-key"},
}




def _named(pattern: Any) -> str:
    """The one name an exact `*_filter_regex` (components/flags.py `exact`) matches."""
    return re.sub(r"\\(.)", r"\1", str(pattern or "").removeprefix("^").removesuffix("$"))


# ConfigCat data sources (pulumiverse-configcat) the program reads: offline, each finds exactly what it
# asks for by name (as after the owner stack's `up`), a flag with the type the stack file gives it
# (`types`: key -> type), and the SDK key is an obviously fake one.
OFFLINE_INVOKES: dict[str, Callable[[dict[str, Any], dict[str, str]], dict[str, Any]]] = {
    "configcat:index/getSdkKeys:getSdkKeys": lambda a, types: {
        "primary": "configcat-sdk-1/offline-preview/primary-key", "secondary": "",
        "configId": a.get("configId"), "environmentId": a.get("environmentId"), "id": "offline-preview"},
    "configcat:index/getProducts:getProducts": lambda a, types: {"products": [
        {"productId": "offline-product-id", "name": _named(a.get("nameFilterRegex")), "description": "", "order": 0}]},
    "configcat:index/getConfigurations:getConfigurations": lambda a, types: {"configs": [
        {"configId": "offline-config-id", "name": _named(a.get("nameFilterRegex")), "description": "",
         "evaluationVersion": "v2", "order": 0}]},
    "configcat:index/getSegments:getSegments": lambda a, types: {"segments": [
        {"segmentId": f"offline-segment-{_named(a.get('nameFilterRegex'))}", "name": _named(a.get("nameFilterRegex")),
         "description": ""}]},
    "configcat:index/getSettings:getSettings": lambda a, types: {"settings": [
        {"settingId": f"offline-setting-{_named(a.get('keyFilterRegex'))}", "key": _named(a.get("keyFilterRegex")),
         "name": _named(a.get("keyFilterRegex")), "hint": "", "order": 0,
         "settingType": types.get(_named(a.get("keyFilterRegex")), "boolean")}]},
}


def flag_types(stack_file: StackFile) -> dict[str, str]:
    """Flag key -> setting type, as the stack file declares them (the config is validated before a run)."""
    section = stack_file.raw.get(f"{PROJECT}:flags")
    flags = section.get("flags") if isinstance(section, dict) else None
    return {str(f["key"]): str(f.get("type", "boolean")) for f in flags or [] if isinstance(f, dict) and "key" in f}


# Credentials the program requires that a committed stack file never holds in this repository (they are
# `pulumi config set --secret` where the stack really runs): offline they are a secret placeholder, as
# every `secure:` value is.
OFFLINE_CREDENTIALS = (DEPLOY_TOKEN_KEY, PLATFORM_REPO_TOKEN_KEY)


def offline_config(stack_file: StackFile) -> tuple[dict[str, str], set[str]]:
    """The config the engine hands the program offline, and which keys of it are secret."""
    placeholders = stack_file.unset_secrets()  # e.g. webhook alert URLs the operator sets, never committed
    config = {**stack_file.engine_config(), **placeholders}
    secret_keys = set(stack_file.secret_keys) | placeholders.keys()
    for key in OFFLINE_CREDENTIALS:
        if key not in config:
            config[key] = SECRET_PLACEHOLDER
            secret_keys.add(key)
    return config, secret_keys


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers every registration with its inputs as state, plus fake values for generated outputs;
    every invoke with `OFFLINE_INVOKES`' answer (`flag_types`: the stack file's flags)."""

    def __init__(self, flag_types: dict[str, str] | None = None) -> None:
        self.flag_types = flag_types or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        for key, value in OFFLINE_OUTPUTS.get(args.typ, {}).items():
            current = state.get(key)
            if current is None:
                state[key] = value
            elif isinstance(current, dict) and isinstance(value, dict):  # a computed field of an input block
                state[key] = {**value, **current}
        if args.typ.startswith("random:index/random"):
            # Generated values: an obviously fake stand-in, still secret where the real one is.
            state.setdefault("result", f"offline-preview-{args.name}")
        return (f"{args.name}-id" if args.custom else None), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        answer = OFFLINE_INVOKES.get(args.token)
        return (answer(dict(args.args), self.flag_types) if answer else {}), []  # the mock monitor iterates failures


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also keeping what a preview shows: parent, protection, secrets."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.registered: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            self.registered.append(
                Registered(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent or None,
                    custom=bool(request.custom),
                    inputs=masked(inputs),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    provider=request.provider or None,
                    additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    ignore_changes=tuple(request.ignoreChanges),
                    replace_on_changes=tuple(request.replaceOnChanges),
                    import_id=request.importId or None,
                    dependencies=tuple(request.dependencies),
                    property_dependencies={
                        key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
                    },
                )
            )
        return response


@contextmanager
def _clock(now: datetime | None) -> Iterator[None]:
    previous = os.environ.get(NOW_ENV)
    if now is not None:
        os.environ[NOW_ENV] = now.isoformat()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(NOW_ENV, None)
        else:
            os.environ[NOW_ENV] = previous


def run_stack(stack_file: StackFile, now: datetime | None = None, program_path: Path | None = None) -> Preview:
    """Run the program for one stack under mocks; the config must already have been validated.

    `program_path` (default: the project's `__main__.py`) lets tests and benchmarks run another program
    through the very same recording engine.
    """
    mocks = RecordingMocks(flag_types(stack_file))
    monitor = RecordingMonitor(mocks)
    settings.ROOT.set(None)  # a fresh Stack resource per run, named after this stack
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack_file.stack, preview=True, monitor=monitor)
    config, secret_keys = offline_config(stack_file)
    pulumi.runtime.set_all_config(config, sorted(secret_keys))
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(program_path or ROOT / "__main__.py"), run_name="__main__")
        exported = dict(getattr(settings.get_root_resource(), "outputs", {}) or {})

        async def collect() -> None:
            for key, value in exported.items():
                out = pulumi.Output.from_input(value)
                if await out._is_secret:
                    outputs[key] = SECRET
                elif not await out._is_known:
                    outputs[key] = UNKNOWN
                else:
                    outputs[key] = await out._future

        return pulumi.Output.from_input(asyncio.ensure_future(collect()))

    with _clock(now):
        moment = program_clock()
        program()
    return Preview(stack_file.stack, moment, tree_order(monitor.registered), masked(outputs))
