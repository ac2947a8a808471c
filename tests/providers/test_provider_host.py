"""A pickled provider as the Pulumi dynamic provider host revives it: token from secret config only.

The host (`python -m pulumi.dynamic`, cwd = the project root) base64-decodes and `dill.loads` the
`__provider` string from state, then calls `configure` with the stack's config before any CRUD
call (pulumi/dynamic/__main__.py `get_provider`). This test does the same in a fresh process, so
it breaks if a provider cannot be revived from the project root, keeps a token in the pickle, or
ignores the configured token.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize

from providers.netlify.deploy_key import DeployKeyProvider
from providers.supabase.project import ProjectProvider
from tests.support.faults import Answer, FaultServer

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "maintainpro-platform"

HOST = f"""
import base64, json, sys
import dill
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.runtime import Settings, configure
from pulumi.runtime._serialization import _deserialize

provider_str, config = sys.argv[1], json.loads(sys.argv[2])
configure(Settings(project={PROJECT!r}, stack="stack", organization="organization"))
provider = _deserialize(lambda: dill.loads(base64.b64decode(provider_str)))
provider.configure(ConfigureRequest(config=Config(raw_config=config, project_name={PROJECT!r})))
provider.client().request("GET", "/probe", operation="probe")
print(type(provider).__module__ + "." + type(provider).__qualname__)
"""

CASES = {
    "netlify": (DeployKeyProvider, "netlifyToken", "fake-netlify-config-token", "NETLIFY_API_URL", "NETLIFY_AUTH_TOKEN"),
    "supabase": (ProjectProvider, "supabaseAccessToken", "fake-supabase-config-token", "SUPABASE_API_URL",
                 "SUPABASE_ACCESS_TOKEN"),
}


@pytest.mark.parametrize("api", sorted(CASES))
def test_revived_provider_uses_the_configured_token(api):
    cls, key, token, url_env, token_env = CASES[api]
    provider = cls()
    provider.configure(_request({f"{PROJECT}:{key}": "fake-token-of-the-program-process"}))
    serialized, _ = _serialize(True, serialize_provider, provider)  # as pulumi.dynamic.Resource does
    assert b"fake-token-of-the-program-process" not in base64.b64decode(serialized)  # state holds no token

    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", token_env}}
    with FaultServer(fallback=Answer(200, {})) as server:
        env[url_env] = server.url
        done = subprocess.run(
            [sys.executable, "-c", HOST, serialized, f'{{"{PROJECT}:{key}": "{token}"}}'],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"{cls.__module__}.{cls.__qualname__}"
        [probe] = server.requests
    assert (probe.method, probe.path) == ("GET", "/probe")
    assert probe.headers["Authorization"] == f"Bearer {token}"


def test_revived_provider_without_config_or_env_token_fails_clearly():
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "NETLIFY_AUTH_TOKEN"}}
    serialized, _ = _serialize(True, serialize_provider, DeployKeyProvider())
    done = subprocess.run(
        [sys.executable, "-c", HOST, serialized, "{}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "no API token" in done.stderr and "NETLIFY_AUTH_TOKEN" in done.stderr


def _request(values: dict[str, str]):
    from pulumi.dynamic import Config, ConfigureRequest

    return ConfigureRequest(config=Config(raw_config=values, project_name=PROJECT))
