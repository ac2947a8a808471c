"""A webhook alert route's URL comes from secret config only, stays secret, and is never printed."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.alerting import channel_args
from components.config import ALERT_WEBHOOKS_KEY, AlertRoute
from components.monitoring import MonitoringArgs
from ops.engine import SECRET, Preview, run_stack
from ops.stackfile import StackFile, read_stack_file
from tests.ops.cli_runner import run_ops
from tests.stacks import mutate, stack_document, write_stack

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
FAKE_URL = "https://hooks.example/services/fake-webhook-token-7f3a"
ROUTE = {"severity": "info", "channel": "webhook", "target": "ops-bridge", "send_recovery": False}


def with_webhook_route(tmp_path: Path) -> Path:
    document = mutate(stack_document("staging"), "maintainpro-platform:monitoring", "alert_routes.1", ROUTE)
    write_stack(tmp_path, "staging", document)
    return tmp_path


def webhook_channel(preview: Preview) -> Any:
    (channel,) = [r for r in preview.by_type("checkly:index/alertChannel:AlertChannel") if "webhook" in r.inputs]
    return channel


def test_the_url_from_secret_config_reaches_the_channel_as_a_secret(tmp_path: Path) -> None:
    file = read_stack_file("staging", with_webhook_route(tmp_path))
    secret_config = StackFile(file.stack, file.path, {**file.raw, ALERT_WEBHOOKS_KEY: {"ops-bridge": FAKE_URL}},
                              file.secret_keys | {ALERT_WEBHOOKS_KEY})
    preview = run_stack(secret_config, NOW)
    channel = webhook_channel(preview)
    assert channel.name == "monitoring-alert-info-webhook-ops-bridge"
    assert channel.inputs["webhook"] == SECRET and channel.inputs["sendRecovery"] is False
    assert "fake-webhook-token" not in repr(preview.resources) + repr(preview.outputs)
    # the info check subscribes to it, like any channel of its severity
    (headers,) = [r for r in preview.resources if r.name == "monitoring-check-app-headers"]
    assert headers.property_dependencies["alertChannelSubscriptions"] == (channel.urn,)


def test_the_offline_preview_stands_in_for_a_url_the_stack_file_leaves_to_the_operator(tmp_path: Path) -> None:
    """The committed file never holds the URL (`pulumi config set --secret`): offline, a secret placeholder."""
    file = read_stack_file("staging", with_webhook_route(tmp_path))
    assert ALERT_WEBHOOKS_KEY not in file.raw
    assert file.unset_secrets() == {ALERT_WEBHOOKS_KEY: json.dumps({"ops-bridge": "[secret]"})}
    assert webhook_channel(run_stack(file, NOW)).inputs["webhook"] == SECRET
    assert read_stack_file("staging").unset_secrets() == {}  # no webhook route: nothing to stand in for


def test_ops_preview_prints_no_webhook_url(tmp_path: Path) -> None:
    document = stack_document("staging")
    mutate(document, "maintainpro-platform:monitoring", "alert_routes.1", ROUTE)
    document["config"][ALERT_WEBHOOKS_KEY] = {"ops-bridge": {"secure": "v1:ZmFrZS1jaXBoZXJ0ZXh0"}}
    write_stack(tmp_path, "staging", document)
    result = run_ops("preview", "--stack", "staging", "--stack-dir", str(tmp_path), "--now", NOW.isoformat())
    assert result.returncode == 0, result.stderr
    assert "monitoring-alert-info-webhook-ops-bridge" in result.stdout and "webhook = [secret]" in result.stdout
    assert "ZmFrZS1jaXBoZXJ0ZXh0" not in result.stdout + result.stderr


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def test_a_real_run_without_the_secret_config_stops_with_pulumis_one_message(tmp_path: Path) -> None:
    cfg = read_stack_file("staging", with_webhook_route(tmp_path)).validate()
    pulumi.runtime.set_mocks(_Mocks(), project="maintainpro-platform", stack="staging", preview=False)
    pulumi.runtime.set_all_config({}, [])
    with pytest.raises(pulumi.ConfigMissingError, match="maintainpro-platform:alertWebhooks"):
        MonitoringArgs.from_stack(cfg)


def test_a_webhook_channel_sends_a_json_body_with_the_alert() -> None:
    """Checkly sends no body without a template; receivers in the Slack style read `text`."""
    webhook = channel_args(AlertRoute.model_validate(ROUTE), "staging", FAKE_URL).webhook
    assert webhook is not None
    body = json.loads(webhook.template)  # type: ignore[arg-type]
    assert body["text"] == "{{ALERT_TITLE}}: {{RESULT_LINK}}" and body["check"] == "{{CHECK_NAME}}"
