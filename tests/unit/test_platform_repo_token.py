"""The token app-repo workflows check this private repository out with: delivered once, as the app
repo's Actions secret PLATFORM_REPO_TOKEN, by the stack owning repository settings, from secret config."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pulumi
import pytest

from components.config import PLATFORM_REPO_TOKEN_KEY, PROJECT, ConfigError, StackConfig
from components.platform import Platform, PlatformArgs
from components.runtime_config import platform_repo_token
from ops.stackfile import read_stack_file
from tests.support.capture import FAKE_DEPLOY_TOKEN, CapturingMocks, revealed, run_program

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
REPO_TOKEN = "github_pat_fake-platform-read-token"
ACTIONS_SECRET = "github:index/actionsSecret:ActionsSecret"


def _cfg(stack: str, visibility: str | None = None) -> StackConfig:
    cfg = read_stack_file(stack).validate()
    if visibility is None:
        return cfg
    security = cfg.github.security.model_copy(update={"platform_repo_visibility": visibility})
    return cfg.model_copy(update={"github": cfg.github.model_copy(update={"security": security})})


def _run(cfg: StackConfig) -> CapturingMocks:
    pulumi.runtime.set_mocks(CapturingMocks(), project=PROJECT, stack=cfg.environment, preview=True)
    pulumi.runtime.set_all_config({PLATFORM_REPO_TOKEN_KEY: REPO_TOKEN}, [PLATFORM_REPO_TOKEN_KEY])
    token = platform_repo_token(cfg)
    mocks, _ = run_program(lambda: Platform(f"maintainpro-{cfg.environment}", PlatformArgs(
        cfg, NOW, pulumi.Output.secret(FAKE_DEPLOY_TOKEN), platform_repo_token=token)), stack=cfg.environment)
    return mocks


def test_production_delivers_it_once_as_a_secret_of_the_app_repo_and_nowhere_else() -> None:
    mocks = _run(_cfg("production"))
    holders = [(r.type, name, item.secret) for r in mocks.resources for name, item in r.inputs.items()
               if REPO_TOKEN in json.dumps(revealed(item.value), default=str)]
    assert holders == [(ACTIONS_SECRET, "value", True)]
    (secret,) = mocks.of_type(ACTIONS_SECRET)
    assert (secret.inputs["repository"].value, secret.inputs["secretName"].value) == ("maintainpro-app",
                                                                                     "PLATFORM_REPO_TOKEN")


@pytest.mark.parametrize(("stack", "visibility"), [("staging", None), ("production", "public")])
def test_staging_and_a_public_platform_repo_deliver_none(stack: str, visibility: str | None) -> None:
    # staging: repository settings belong to production; public: `github.token` can read a public repo.
    cfg = _cfg(stack, visibility)
    assert platform_repo_token(cfg) is None
    assert _run(cfg).of_type(ACTIONS_SECRET) == []


def test_a_missing_token_for_a_private_platform_repo_names_the_key_and_how_to_set_it() -> None:
    pulumi.runtime.set_mocks(CapturingMocks(), project=PROJECT, stack="production", preview=True)
    pulumi.runtime.set_all_config({}, [])
    with pytest.raises(ConfigError) as caught:
        platform_repo_token(_cfg("production"))
    [(key, message)] = caught.value.problems
    assert key == PLATFORM_REPO_TOKEN_KEY == "maintainpro-platform:platformRepoToken"
    assert message.startswith("missing: `pulumi config set --secret maintainpro-platform:platformRepoToken`")
    assert "maintainpro-example/maintainpro-platform" in message
