"""What `Platform` wires between components, beyond the GitHub environment (tests/unit/test_secrets.py).

Each consumer must receive the value from its source *and* depend on the source's resource: an
equal constant would pass a value check once but never follow a rotation or a new project. So
every test checks both the value the mocks saw and the property dependency on the source's URN.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pulumi
import pytest

from components.config import StackConfig
from components.platform import Platform, PlatformArgs
from components.site import BUILT_CONTEXTS, SUPABASE_ANON_KEY_KEY, SUPABASE_PUBLISHABLE_KEY_KEY, SUPABASE_URL_KEY
from ops.stackfile import read_stack_file
from tests.support.capture import FAKE_DEPLOY_TOKEN, Captured, CapturingMocks, fake_generated, revealed, run_program

UTC = timezone.utc
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
PASSWORD = "random:index/randomPassword:RandomPassword"
PROJECT = "pulumi-python:dynamic/supabase:Project"
FUNCTION_SECRETS = "pulumi-python:dynamic/supabase:FunctionSecrets"
ENV_VAR = "pulumi-python:dynamic/netlify:EnvVar"
REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
STACKS = ["staging", "production"]


def _config(stack: str) -> StackConfig:
    return read_stack_file(stack).validate()


def _platform(stack: str, now: datetime) -> CapturingMocks:
    cfg = _config(stack)
    token = pulumi.Output.secret(FAKE_DEPLOY_TOKEN)
    mocks, _ = run_program(lambda: Platform(f"maintainpro-{stack}", PlatformArgs(cfg, now, token)), stack=stack)
    return mocks


def _after_every_period(cfg: StackConfig) -> datetime:
    """A clock past the end of every secret's current window (so each one rotates)."""
    return NOW + timedelta(days=max(s.rotation_days for s in cfg.secrets.values()) + 1)


def _project(mocks: CapturingMocks) -> Captured:
    (project,) = mocks.of_type(PROJECT)
    return project


def _env_var(mocks: CapturingMocks, key: str) -> Captured:
    (var,) = [r for r in mocks.of_type(ENV_VAR) if r.inputs["key"].value == key]
    return var


def _generated(mocks: CapturingMocks, secret: str) -> str:
    """The value the (possibly replaced) password of `secret` has in this run."""
    return fake_generated(secret, mocks.named(PASSWORD, secret).state["keepers"])


# ---------------------------------------------------------------- rotation reaches Supabase and Netlify


@pytest.fixture(scope="module", params=STACKS)
def rotation(request: pytest.FixtureRequest) -> tuple[StackConfig, CapturingMocks, CapturingMocks]:
    cfg = _config(request.param)
    return cfg, _platform(request.param, NOW), _platform(request.param, _after_every_period(cfg))


def test_function_secrets_get_the_new_value_after_a_rotation(rotation) -> None:
    cfg, inside, rotated = rotation
    sources = {key: name for name, s in cfg.secrets.items() for key in s.consumers.supabase_secrets}
    assert sources, f"{cfg.environment}: no supabase_secrets consumer to test"
    values = {}
    for mocks in (inside, rotated):
        (resource,) = mocks.of_type(FUNCTION_SECRETS)
        secrets = resource.inputs["secrets"]
        assert secrets.secret, "function secrets must be sent as a secret input"
        assert revealed(secrets.value) == {key: _generated(mocks, name) for key, name in sources.items()}
        for name in set(sources.values()):
            assert mocks.named(PASSWORD, name).urn in resource.property_dependencies["secrets"], name
        values[mocks is rotated] = revealed(secrets.value)
    for key in sources:
        assert values[False][key] != values[True][key], f"{key} did not change after the rotation"


def test_netlify_secret_env_vars_get_the_new_value_after_a_rotation(rotation) -> None:
    cfg, inside, rotated = rotation
    sources = {key: name for name, s in cfg.secrets.items() for key in s.consumers.netlify_env}
    if cfg.is_production:
        assert sources, "production has no netlify_env consumer to test"
    for key, name in sources.items():
        seen = []
        for mocks in (inside, rotated):
            var = _env_var(mocks, key)
            values = revealed(var.inputs["values"].value)
            assert var.inputs["values"].secret and var.inputs["is_secret"].value is True, key
            # Never a deploy preview's context: those build pull-request code.
            assert {v["context"] for v in values} == set(cfg.netlify.secret_contexts) == {"production", "branch-deploy"}, key
            assert {v["value"] for v in values} == {_generated(mocks, name)}, key
            assert mocks.named(PASSWORD, name).urn in var.property_dependencies["values"], key
            seen.append(values[0]["value"])
        assert seen[0] != seen[1], f"{key} did not change after the rotation"


# ---------------------------------------------------------------- the project reaches the site and the CSP


@pytest.fixture(scope="module", params=STACKS)
def stack(request: pytest.FixtureRequest) -> CapturingMocks:
    return _platform(request.param, NOW)


# Both stack files keep `netlify.legacy_anon_key_env` on: the anon name carries the publishable key too.
@pytest.mark.parametrize(("key", "output"), [(SUPABASE_URL_KEY, "url"), (SUPABASE_PUBLISHABLE_KEY_KEY, "publishable_key"),
                                             (SUPABASE_ANON_KEY_KEY, "publishable_key")])
def test_site_env_comes_from_this_stacks_project(stack: CapturingMocks, key: str, output: str) -> None:
    project = _project(stack)
    expected = project.state[output]
    assert expected, f"the mocks gave the project no {output}"
    var = _env_var(stack, key)
    values = revealed(var.inputs["values"].value)
    assert sorted(v["context"] for v in values) == sorted(BUILT_CONTEXTS)
    assert {v["value"] for v in values} == {expected}
    assert project.urn in var.property_dependencies["values"]


def _connect_src(content: str) -> list[str]:
    (csp,) = [line.split(":", 1)[1] for line in content.splitlines()
              if line.strip().startswith("Content-Security-Policy:")]
    (connect,) = [d.split()[1:] for d in csp.split(";") if d.split() and d.split()[0] == "connect-src"]
    return connect


def test_csp_connects_to_exactly_this_stacks_project(stack: CapturingMocks) -> None:
    project = _project(stack)
    host = project.state["url"].removeprefix("https://")
    (file,) = [r for r in stack.of_type(REPOSITORY_FILE) if r.name == "headers-file"]
    supabase = [s for s in _connect_src(file.inputs["content"].value) if "supabase" in s]
    assert supabase == [f"https://{host}", f"wss://{host}"]
    assert project.urn in file.property_dependencies["content"]
