"""The `flags` section: both real stacks validate, and each bad plan is one message at its key path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.config import ConfigError
from ops.stackfile import read_stack_file
from tests.stacks import DELETE, mutate, stack_document, write_stack

P = "maintainpro-platform"
FLAG = "flags.0"  # newWorkOrderForm in both stack files


def problems_for(tmp_path: Path, stack: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    write_stack(tmp_path, stack, document)
    with pytest.raises(ConfigError) as caught:
        read_stack_file(stack, tmp_path).validate()
    return caught.value.problems


def test_both_stack_files_declare_the_same_flags_with_the_same_types() -> None:
    """Production finds staging's flags by key and checks the type: the two files agree."""
    staging, production = (read_stack_file(s).validate().flags for s in ("staging", "production"))
    assert {f.key: f.type for f in production.flags} == {f.key: f.type for f in staging.flags}
    assert set(production.segments) <= set(staging.segments)
    assert (production.product, production.config) == (staging.product, staging.config)


# (stack, path inside the flags section, new value, expected key path, expected message fragment)
INVALID = [
    ("staging", f"{FLAG}.rollout.stages.1.percentage", 0, "flags.flags[0].rollout.stages[1].percentage",
     "0 % does not widen the previous stage's 0 %"),
    ("production", f"{FLAG}.rollout.stages.2.percentage", 10, "flags.flags[0].rollout.stages[2].percentage",
     "10 % does not widen the previous stage's 10 %"),
    ("staging", f"{FLAG}.rollout.stages.2.percentage", 101, "flags.flags[0].rollout.stages[2].percentage",
     "less than or equal to 100"),
    ("staging", f"{FLAG}.rollout.stages.0.percentage", -1, "flags.flags[0].rollout.stages[0].percentage",
     "greater than or equal to 0"),
    ("staging", f"{FLAG}.rollout.stages.0.segments", ["internal", "beta"], "flags.flags[0].rollout.stages[0].segments[1]",
     "'beta' is not a segment in flags.segments (internal)"),
    ("staging", "flags.1.key", "newWorkOrderForm", "flags.flags[1].key",
     "'newWorkOrderForm' is also the key of flags.flags[0]"),
    ("production", f"{FLAG}.expires", DELETE, "flags.flags[0].expires", "production flags need a planned removal date"),
    ("staging", f"{FLAG}.owner", DELETE, "flags.flags[0].owner", "Field required"),
    ("staging", f"{FLAG}.value", "off", "flags.flags[0]", "value 'off' is not a boolean value"),
    ("staging", "flags.1.value", 3, "flags.flags[1]", "value 3 is not a string value"),
    ("staging", f"{FLAG}.rollout.stage", 4, "flags.flags[0].rollout", "stage 4 is past the last stage (3)"),
    ("staging", f"{FLAG}.rollout.since", DELETE, "flags.flags[0].rollout", "stage 2 is live: set `since`"),
    ("staging", f"{FLAG}.on", False, "flags.flags[0]", "the rollout would serve False, the value everyone gets"),
    ("staging", f"{FLAG}.key", "1stFlag", "flags.flags[0].key", "should match pattern"),
    ("staging", "organization_id", DELETE, "flags.organization_id", "the staging stack creates the ConfigCat product"),
    ("staging", "segments.internal.comparator", "startsWith", "flags.segments.internal.comparator", "Input should be"),
]


@pytest.mark.parametrize(("stack", "path", "value", "where", "fragment"), INVALID, ids=[i[3] + ":" + i[4][:20] for i in INVALID])
def test_a_bad_plan_is_one_message_at_its_key_path(tmp_path: Path, stack: str, path: str, value: Any, where: str,
                                                   fragment: str) -> None:
    problems = problems_for(tmp_path, stack, mutate(stack_document(stack), f"{P}:flags", path, value))
    assert [p for p in problems if p[0] == where and fragment in p[1]], problems
    assert len(problems) == 1, problems


def test_production_needs_no_organization_it_finds_the_product_by_name() -> None:
    assert read_stack_file("production").validate().flags.organization_id is None


def test_the_sdk_key_name_cannot_be_claimed_by_netlify_env(tmp_path: Path) -> None:
    document = mutate(stack_document("staging"), f"{P}:netlify", "env.VITE_CONFIGCAT_SDK_KEY", {"values": {"all": "x"}})
    problems = problems_for(tmp_path, "staging", document)
    assert ("netlify.env.VITE_CONFIGCAT_SDK_KEY",
            "is set by the program from the ConfigCat environment's SDK key (components/flags.py)") in problems


@pytest.mark.parametrize("key", ["configcat:basicAuthUsername", "configcat:basicAuthPassword"])
def test_configcat_credentials_are_secret_config_only(tmp_path: Path, key: str) -> None:
    document = stack_document("staging")
    document["config"][key] = "in-plain-text"
    problems = problems_for(tmp_path, "staging", document)
    assert problems == [(key, "credentials must be set with `pulumi config set --secret`, never in plain text")]
    document["config"][key] = {"secure": "AAABAKrM+encrypted"}
    write_stack(tmp_path, "staging", document)
    read_stack_file("staging", tmp_path).validate()


def test_segments_accumulate_and_the_live_percentage_is_the_stages() -> None:
    flag = read_stack_file("production").validate().flags.flags[0]
    assert flag.rollout is not None
    assert flag.percentage == 0 and flag.rollout.segments_at(1) == ["internal"]
    assert flag.rollout.segments_at(3) == ["internal"]  # stage 3 names none: internal stays in
    assert flag.served is True
