"""Rules of the `flags` section that span flags, segments and the stack: one message per problem, by key path."""

from __future__ import annotations

from components.config.flags import FLAGS_OWNER, FlagConfig, FlagsConfig
from components.config.types import Problem


def flags_problems(flags: FlagsConfig, stack: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, flag in enumerate(flags.flags):
        path = f"flags.flags[{i}]"
        if flag.key in seen:
            problems.append((f"{path}.key", f"'{flag.key}' is also the key of flags.flags[{seen[flag.key]}]: "
                                            "one ConfigCat flag per key"))
        seen.setdefault(flag.key, i)
        problems += _rollout_problems(flag, path, flags)
        if stack == "production" and flag.expires is None:
            problems.append((f"{path}.expires", "production flags need a planned removal date: "
                                                "a flag nobody plans to remove stays forever"))
    if flags.flags and stack == FLAGS_OWNER and flags.organization_id is None:
        problems.append(("flags.organization_id", f"the {FLAGS_OWNER} stack creates the ConfigCat product: "
                                                  "name the organization it belongs to (its id)"))
    return problems


def _rollout_problems(flag: FlagConfig, path: str, flags: FlagsConfig) -> list[Problem]:
    if flag.rollout is None:
        return []
    problems: list[Problem] = []
    previous: int | None = None
    for j, stage in enumerate(flag.rollout.stages):
        where = f"{path}.rollout.stages[{j}]"
        if previous is not None and stage.percentage <= previous:
            problems.append((f"{where}.percentage", f"{stage.percentage} % does not widen the previous stage's "
                                                    f"{previous} %: each stage serves more users (strictly increasing)"))
        previous = stage.percentage
        for k, name in enumerate(stage.segments):
            if name not in flags.segments:
                known = ", ".join(sorted(flags.segments)) or "none declared"
                problems.append((f"{where}.segments[{k}]", f"'{name}' is not a segment in flags.segments ({known})"))
    return problems
