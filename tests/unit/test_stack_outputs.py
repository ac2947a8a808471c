"""The stack outputs an operator reads after `pulumi up`: the real program for both stacks."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.config import PROJECT
from ops.engine import OFFLINE_REF, SECRET, UNKNOWN, run_stack
from ops.stackfile import read_stack_file

TOKENS = {"netlifyToken": "fake-netlify-token", "supabaseAccessToken": "fake-supabase-token"}


def run(stack: str):
    stack_file = read_stack_file(stack)
    keys = {f"{PROJECT}:{k}": v for k, v in TOKENS.items()}
    stack_file = dataclasses.replace(
        stack_file, raw={**stack_file.raw, **keys}, secret_keys=stack_file.secret_keys | set(keys)
    )
    return stack_file.validate(), run_stack(stack_file)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_outputs_name_what_an_operator_needs(stack):
    cfg, preview = run(stack)
    out = preview.outputs
    expected = {"environment", "site_url", "site_id", "supabase_url", "supabase_project_ref", "backup_bucket"}
    if cfg.netlify.manage_dns and cfg.netlify.custom_domain:
        expected.add("dns_servers")
    assert set(out) == expected
    assert out["environment"] == stack
    assert out["supabase_project_ref"] == OFFLINE_REF
    assert out["supabase_url"] == f"https://{OFFLINE_REF}.supabase.co"
    assert out["backup_bucket"] == cfg.backups.bucket_name
    assert out["site_id"] == UNKNOWN  # the Netlify site's id, known once it exists
    if cfg.netlify.custom_domain:
        assert out["site_url"] == f"https://{cfg.netlify.custom_domain}"
        assert out["dns_servers"] == UNKNOWN  # the zone's name servers, known once it exists


def test_production_manages_dns_staging_does_not():
    """dns_servers appears exactly for the stack whose Netlify DNS zone this program creates."""
    assert "dns_servers" in run("production")[1].outputs
    assert "dns_servers" not in run("staging")[1].outputs


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_no_secret_in_plain_outputs(stack):
    _, preview = run(stack)
    text = json.dumps(preview.outputs)
    for token in TOKENS.values():
        assert token not in text
    assert "offline-preview-" not in text  # the stand-in values of generated secrets
    assert SECRET not in preview.outputs.values()  # every export is a plain identifier or address
    assert not {"supabase_publishable_key", "publishable_key", "secret_key", "db_url", "pooler_url"} & set(preview.outputs)
