"""`FeatureFlags`: the stack's feature flags on ConfigCat (pulumiverse-configcat, pinned), behind one component.

One product for the app with one config (evaluation v2), one environment per stack, one setting per
flag and one `SettingValueV2` per flag and stack. The product, config, settings and segments are
product-level objects both environments share: the stack that deploys first (`FLAGS_OWNER`,
staging) declares them, the other finds them by name (data sources) and declares only its own
environment and values. Nothing outside this module and components/flag_values.py names ConfigCat:
another vendor replaces these two files, the `flags` section and the SDK key's build value stay.

Kill switch (`init_only`, left at the provider's default `true`, written out): the provider then
writes a value once, on create, and never reads it back nor writes it again (terraform-provider-
configcat `setting_value_v2_resource.go`: `Read` returns early, `Update` "will be only applied to
the state"), so an operator's switch in the dashboard sticks through every `pulumi up` and refresh.
`replace_on_changes` on the value, the rules and the percentage attribute makes a *config* change
(a reviewed stack-file edit: `ops flags advance`, a new value) a replacement, whose create writes
the whole new value; the delete of the old one does nothing (`Delete`: "should not do anything with
the Feature flag's values"). So the dashboard wins until config says otherwise, and never silently:
the preview shows the replacement, and `ops flags` (and `advance`, which refuses) shows where the
dashboard and config disagree. `init_only: false` was not chosen: every `up` after a dashboard
edit would overwrite it, and the daily drift check would report the kill switch as drift.

The environment's SDK key (data source `getSdkKeys`, primary) leaves only as `sdk_key`, for the
site's build (`NetlifySite.build_values`): public once built, as the browser SDK needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi
import pulumiverse_configcat as configcat

from components.config import FLAGS_OWNER, STACKS, FlagConfig, FlagsConfig, StackConfig
from components.errors import ComponentError
from components.flag_values import setting_value_args

# Input names (snake_case: the SDK translates them) whose change replaces a value instead of updating
# it; pulumi's `replaceOnChanges` covers every nested path below a name (step_generator.go
# `applyReplaceOnChanges`: `replaceOnChangePath.Contains(diffPath)`).
REPLACE_ON = ["value", "targeting_rules", "percentage_evaluation_attribute"]
T = TypeVar("T")


def flag_record(flag: FlagConfig) -> dict[str, Any]:
    """What the policies read of a flag: the `FeatureFlag` component's inputs and its outputs alike
    (the engine hands stack policies a component's registered outputs, the offline audit its inputs)."""
    rollout = flag.rollout
    since = rollout.since_utc if rollout else None
    return {
        "key": flag.key, "owner": flag.owner, "expires": flag.expires.isoformat() if flag.expires else None,
        "percentage": flag.percentage, "stage": rollout.stage if rollout else 0,
        "stages": len(rollout.stages) if rollout else 0,
        "since": since.isoformat() if since else None, "soak_hours": rollout.soak_hours if rollout else None,
    }


def exact(name: str) -> str:
    """The data sources' `*_filter_regex` matching `name` only."""
    return f"^{re.escape(name)}$"


def _only(items: Sequence[Any] | None, what: str, pick: Callable[[Any], T]) -> T:
    found = list(items or [])
    if len(found) != 1:
        problem = "not found" if not found else f"matched {len(found)} times"
        raise ComponentError(f"ConfigCat {what} {problem}: the {FLAGS_OWNER} stack declares it, so run its "
                             "`pulumi up` first (a flag is removed from the other stack's file first)")
    return pick(found[0])


@dataclass(frozen=True)
class FeatureFlagsArgs:
    flags: FlagsConfig
    stack: str
    production: bool = False

    @classmethod
    def from_stack(cls, cfg: StackConfig) -> FeatureFlagsArgs:
        return cls(flags=cfg.flags, stack=cfg.environment, production=cfg.is_production)


@dataclass(frozen=True)
class FeatureFlagArgs:
    flag: FlagConfig
    stack: str
    environment_id: pulumi.Input[str]
    segment_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    config_id: pulumi.Input[str] | None = None  # the owner stack declares the flag's setting in this config
    setting_id: pulumi.Input[str] | None = None  # the other stack's, found by key
    order: int = 0
    percentage_attribute: str | None = None


class FeatureFlag(pulumi.ComponentResource):
    """One flag: its setting (owner stack only) and its value in this stack's environment."""

    def __init__(self, name: str, args: FeatureFlagArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        record = flag_record(args.flag)
        super().__init__("maintainpro:flags:FeatureFlag", name, record, opts)
        flag = args.flag
        setting_id = args.setting_id
        self.setting: configcat.Setting | None = None
        if args.config_id is not None:
            self.setting = configcat.Setting(f"{name}-setting", configcat.SettingArgs(
                config_id=args.config_id, key=flag.key, name=flag.name or flag.key, hint=flag.description,
                setting_type=flag.type, order=args.order), opts=pulumi.ResourceOptions(parent=self))
            setting_id = self.setting.id
        if setting_id is None:
            raise ComponentError(f"flag {flag.key}: neither declared nor found in ConfigCat")
        self.value = configcat.SettingValueV2(f"{name}-value", setting_value_args(
            flag, args.stack, environment_id=args.environment_id, setting_id=setting_id, segment_ids=args.segment_ids,
            percentage_attribute=args.percentage_attribute),
            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=REPLACE_ON))
        self.register_outputs(record)


class FeatureFlags(pulumi.ComponentResource):
    """The stack's ConfigCat environment, its flags' values (and, in the owner stack, the shared objects)."""

    sdk_key: pulumi.Output[str] | None

    def __init__(self, name: str, args: FeatureFlagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:flags:FeatureFlags", name, None, opts)
        self._name, self._args = name, args
        self._invoke = pulumi.InvokeOutputOptions(parent=self)
        self.flags: dict[str, FeatureFlag] = {}
        self.sdk_key = None
        cfg = args.flags
        if not cfg.flags:
            self.register_outputs({"flags": []})
            return
        owner = args.stack == FLAGS_OWNER
        product_id, config_id, segment_ids = self._declare() if owner else self._find()
        # Deleting an environment deletes its values: production's is protected, as its DNS zone is.
        self.environment = configcat.Environment(f"{name}-environment", configcat.EnvironmentArgs(
            product_id=product_id, name=args.stack, order=STACKS.index(args.stack),
            description=f"The {args.stack} stack of MaintAInPro (maintainpro-platform)"),
            opts=pulumi.ResourceOptions(parent=self, protect=args.production, retain_on_delete=args.production))
        for order, flag in enumerate(cfg.flags):
            self.flags[flag.key] = FeatureFlag(f"{name}-{flag.key}", FeatureFlagArgs(
                flag=flag, stack=args.stack, environment_id=self.environment.id, segment_ids=segment_ids,
                config_id=config_id if owner else None, setting_id=None if owner else self._setting(config_id, flag),
                order=order, percentage_attribute=cfg.percentage_attribute), pulumi.ResourceOptions(parent=self))
        keys = configcat.get_sdk_keys_output(config_id=config_id, environment_id=self.environment.id, opts=self._invoke)
        self.sdk_key = pulumi.Output.secret(keys.apply(lambda result: _sdk_key(result.primary, args.stack)))
        self.register_outputs({"flags": sorted(self.flags), "environment_id": self.environment.id})

    def _declare(self) -> tuple[pulumi.Input[str], pulumi.Input[str], dict[str, pulumi.Input[str]]]:
        """The product-level objects: both stacks' flags live in them, so neither a destroy nor a removal deletes them."""
        cfg, name = self._args.flags, self._name
        if cfg.organization_id is None:  # the config refuses this; a component is also built by hand in tests
            raise ComponentError("flags.organization_id: the owner stack needs the ConfigCat organization's id")
        kept = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        product = configcat.Product(f"{name}-product", configcat.ProductArgs(
            organization_id=cfg.organization_id, name=cfg.product, order=0,
            description="MaintAInPro feature flags (maintainpro-platform)"), opts=kept)
        config = configcat.Configuration(f"{name}-config", configcat.ConfigurationArgs(
            product_id=product.id, name=cfg.config, evaluation_version="v2", order=0), opts=kept)
        child = pulumi.ResourceOptions(parent=self)
        segments: dict[str, pulumi.Input[str]] = {
            segment: configcat.Segment(f"{name}-segment-{segment}", configcat.SegmentArgs(
                product_id=product.id, name=segment, description=spec.description,
                comparison_attribute=spec.attribute, comparator=spec.comparator, comparison_value=spec.value),
                opts=child).id
            for segment, spec in cfg.segments.items()
        }
        return product.id, config.id, segments

    def _find(self) -> tuple[pulumi.Input[str], pulumi.Input[str], dict[str, pulumi.Input[str]]]:
        """The owner stack's product-level objects, by name."""
        cfg = self._args.flags
        products = configcat.get_products_output(name_filter_regex=exact(cfg.product), opts=self._invoke)
        product_id = products.apply(lambda r: _only(r.products, f"product '{cfg.product}'", lambda p: str(p.product_id)))
        configs = configcat.get_configurations_output(product_id=product_id, name_filter_regex=exact(cfg.config),
                                                      opts=self._invoke)
        config_id = configs.apply(lambda r: _only(r.configs, f"config '{cfg.config}'", lambda c: str(c.config_id)))
        used = sorted({s for flag in cfg.flags if flag.rollout for stage in flag.rollout.stages for s in stage.segments})
        segments: dict[str, pulumi.Input[str]] = {}
        for segment in used:
            found = configcat.get_segments_output(product_id=product_id, name_filter_regex=exact(segment), opts=self._invoke)
            segments[segment] = found.apply(
                lambda r, s=segment: _only(r.segments, f"segment '{s}'", lambda g: str(g.segment_id)))  # type: ignore[misc]
        return product_id, config_id, segments

    def _setting(self, config_id: pulumi.Input[str], flag: FlagConfig) -> pulumi.Output[str]:
        found = configcat.get_settings_output(config_id=config_id, key_filter_regex=exact(flag.key), opts=self._invoke)

        def pick(setting: Any) -> str:
            if setting.setting_type != flag.type:
                raise ComponentError(f"flag {flag.key} is a {setting.setting_type} in ConfigCat, {flag.type} here: "
                                     "both stacks declare one type")
            return str(setting.setting_id)

        return found.apply(lambda r: _only(r.settings, f"flag '{flag.key}'", pick))


def _sdk_key(primary: str | None, stack: str) -> str:
    if not primary:  # an unknown key (first preview) never reaches this; an empty one is a broken answer
        raise ComponentError(f"ConfigCat returned no SDK key for the {stack} environment")
    return primary
