"""Drive the real dynamic provider host (`python -m pulumi.dynamic`) over gRPC, as the engine does.

The engine starts the host with the project root as working directory and talks to it over the
ResourceProvider gRPC service. It marshals inputs to a provider that does not accept secrets with
the secret wrappers removed and the unknown sentinels kept; the host then deserializes them with
`keep_unknowns=True`, so a not-yet-known value reaches `check`/`diff` as a `pulumi.output.Unknown`.
The SDK mock engine never does that: only this path shows what a real `pulumi preview` sees.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

STARTUP_TIMEOUT = 30.0


def _strip_value(value: struct_pb2.Value) -> None:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        if rpc._special_sig_key in fields and fields[rpc._special_sig_key].string_value == rpc._special_secret_sig:
            inner = struct_pb2.Value()
            inner.CopyFrom(fields["value"])
            _strip_value(inner)
            value.CopyFrom(inner)
            return
        strip_secrets(value.struct_value)
    elif kind == "list_value":
        for item in value.list_value.values:
            _strip_value(item)


def strip_secrets(struct: struct_pb2.Struct) -> None:
    """Remove secret wrappers in place (the engine's KeepSecrets=false marshalling), keeping unknowns."""
    for key in list(struct.fields.keys()):
        _strip_value(struct.fields[key])


def engine_view(registered: bytes) -> dict[str, Any]:
    """A resource's registered inputs as the engine hands them to the provider host."""
    struct = struct_pb2.Struct()
    struct.ParseFromString(registered)
    strip_secrets(struct)
    return rpc.deserialize_properties(struct, keep_unknowns=True)


def to_struct(props: dict[str, Any]) -> struct_pb2.Struct:
    # A private loop: `asyncio.run` would leave the thread without the event loop other tests rely on.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


class ProviderHost:
    """One `python -m pulumi.dynamic` process serving on a loopback port; a context manager."""

    def __init__(self, cwd: Path, project: str, *, without_env: tuple[str, ...] = ()) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and k not in without_env}
        env["PULUMI_PROJECT"] = project
        # The engine address argument is required but never dialled for Check/Diff.
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        port = self.process.stdout.readline().decode().strip()
        if not port.isdigit():
            self.close()
            raise RuntimeError(f"provider host did not start: {self.process.stderr.read().decode()[-2000:]}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=STARTUP_TIMEOUT)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def configure(self, config: dict[str, str]) -> None:
        self.stub.Configure(provider_pb2.ConfigureRequest(args=to_struct(config), acceptSecrets=True))

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> provider_pb2.CheckResponse:
        return self.stub.Check(provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds), news=to_struct(news)))

    def diff(self, urn: str, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> provider_pb2.DiffResponse:
        return self.stub.Diff(provider_pb2.DiffRequest(id=id_, urn=urn, olds=to_struct(olds), news=to_struct(news)))

    def read(self, urn: str, id_: str, properties: dict[str, Any] | None = None) -> provider_pb2.ReadResponse:
        """A refresh sends the state in `properties`; an import sends only the id (`properties=None`)."""
        fields: dict[str, Any] = {"id": id_, "urn": urn}
        if properties is not None:
            fields["properties"] = to_struct(properties)
        return self.stub.Read(provider_pb2.ReadRequest(**fields))

    def close(self) -> None:
        self.channel.close() if hasattr(self, "channel") else None
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> ProviderHost:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
