"""What one flag serves in one stack's ConfigCat environment, as the pinned SDK's `SettingValueV2` arguments.

Built with pulumiverse-configcat's own `XArgs` classes (a wrong field fails when constructed; tests
construct them), pulumi-free in what they decide: the rollout's live stage becomes

- one targeting rule per segment stages 1..stage admitted (`segment_condition` isIn → `served`);
- then, while the stage's percentage is above 0, one rule without conditions whose two percentage
  options split everyone else: `percentage` % get `served`, the rest `value` (the options of a rule
  sum to 100: ConfigCat's percentage options are "a randomly allocated fraction of the users");
- `value` as the default for whoever no rule matched. Stage 0 (dark) is the default alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

import pulumi
import pulumiverse_configcat as configcat

from components.config import FlagConfig
from components.config.flags import FlagValue


class _Value(Protocol):
    def __init__(self, *, bool_value: pulumi.Input[bool] | None = None, double_value: pulumi.Input[float] | None = None,
                 int_value: pulumi.Input[int] | None = None, string_value: pulumi.Input[str] | None = None) -> None: ...


V = TypeVar("V", bound=_Value)


def typed(kind: str, value: FlagValue, cls: type[V]) -> V:
    """`value` in the field of the SDK value class `cls` that ConfigCat reads for setting type `kind`."""
    if kind == "boolean":
        return cls(bool_value=bool(value))
    if kind == "int":
        return cls(int_value=int(value))
    if kind == "double":
        return cls(double_value=float(value))
    return cls(string_value=str(value))


def split(flag: FlagConfig) -> list[tuple[int, FlagValue]]:
    """The percentage options of the live stage: (share, value) pairs summing to 100, or none while at 0 %."""
    share = flag.percentage
    return [(share, flag.served), (100 - share, flag.value)] if share else []


def targeting_rules(flag: FlagConfig, segment_ids: Mapping[str, pulumi.Input[str]]
                    ) -> list[configcat.SettingValueV2TargetingRuleArgs]:
    """The live stage's rules, in evaluation order: segments first, then the percentage of everyone else."""
    rollout = flag.rollout
    if rollout is None or not rollout.stage:
        return []
    rules = [
        configcat.SettingValueV2TargetingRuleArgs(
            conditions=[configcat.SettingValueV2TargetingRuleConditionArgs(
                segment_condition=configcat.SettingValueV2TargetingRuleConditionSegmentConditionArgs(
                    segment_id=segment_ids[name], comparator="isIn"))],
            value=typed(flag.type, flag.served, configcat.SettingValueV2TargetingRuleValueArgs))
        for name in rollout.segments_at(rollout.stage)
    ]
    options = [configcat.SettingValueV2TargetingRulePercentageOptionArgs(
        percentage=share, value=typed(flag.type, value, configcat.SettingValueV2TargetingRulePercentageOptionValueArgs))
        for share, value in split(flag)]
    if options:
        rules.append(configcat.SettingValueV2TargetingRuleArgs(percentage_options=options))
    return rules


def change_note(flag: FlagConfig, stack: str) -> str:
    """The note ConfigCat records with the change (required where the product asks for mandatory notes)."""
    rollout = flag.rollout
    if rollout is None:
        return f"maintainpro-platform ({stack}): {flag.key} serves {flag.value!r}"
    return (f"maintainpro-platform ({stack}): {flag.key} at rollout stage {rollout.stage} of {len(rollout.stages)} "
            f"({flag.percentage} %)")


def setting_value_args(flag: FlagConfig, stack: str, *, environment_id: pulumi.Input[str],
                       setting_id: pulumi.Input[str], segment_ids: Mapping[str, pulumi.Input[str]],
                       percentage_attribute: str | None) -> configcat.SettingValueV2Args:
    """The flag's value in the stack's environment; `init_only` explicit (components/flags.py says why)."""
    return configcat.SettingValueV2Args(
        environment_id=environment_id, setting_id=setting_id, init_only=True,
        value=typed(flag.type, flag.value, configcat.SettingValueV2ValueArgs),
        targeting_rules=targeting_rules(flag, segment_ids),
        percentage_evaluation_attribute=percentage_attribute,
        mandatory_notes=change_note(flag, stack),
    )
