"""The policy pack as the Pulumi CLI runs it: `policies/__main__.py` as a process, spoken to over gRPC.

Nothing is faked here: the real `PolicyPack` starts its analyzer server, prints its port, and
answers the same `GetAnalyzerInfo` / `Analyze` calls the engine makes during `pulumi preview`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policies.catalog import ENTRIES, PACK_NAME
from tests.stacks import ROOT


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    proc = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=ROOT / "policies", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        line = proc.stdout.readline().decode().strip() if proc.stdout else ""
        assert line.isdigit(), f"the pack did not print its port: {line!r} {proc.stderr.read(2000) if proc.stderr else ''}"
        channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(channel).result(timeout=15)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_the_pack_announces_every_policy_with_its_severity(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    assert info.name == PACK_NAME
    announced = {p.name: p for p in info.policies}
    assert set(announced) == {entry.policy.name for entry in ENTRIES}
    assert all(p.description and p.remediation_steps for p in announced.values())


def _site(force_ssl: bool) -> analyzer_pb2.AnalyzeRequest:
    props = struct_pb2.Struct()
    props.update({"name": "maintainpro-production", "custom_domain": "app.maintainpro.example", "force_ssl": force_ssl})
    return analyzer_pb2.AnalyzeRequest(
        type="pulumi-python:dynamic/netlify:Site",
        properties=props,
        urn="urn:pulumi:production::maintainpro-platform::pulumi-python:dynamic/netlify:Site::site",
        name="site",
        options=analyzer_pb2.AnalyzerResourceOptions(),
    )


def test_a_site_without_forced_https_is_reported_by_the_engine_protocol(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    bad = analyzer.Analyze(_site(force_ssl=False), timeout=10)
    assert [d.policyName for d in bad.diagnostics] == ["netlify-site-require-https"]
    assert "does not force HTTPS" in bad.diagnostics[0].message
    good = analyzer.Analyze(_site(force_ssl=True), timeout=10)
    assert list(good.diagnostics) == []
