"""A replacement driven in the order the Pulumi engine drives it, for provider tests.

The engine (pulumi/pulumi `pkg/resource/deploy/step_generator.go`, `generateStepsFromDiff`)
replaces a resource whose diff lists `replaces` in one of two orders:
- create-before-delete (the default): `create(news)` first, then `delete(old_id, old_outputs)`;
- delete-before-replace (the diff's `delete_before_replace`, or the resource option of that name):
  `delete(old_id, old_outputs)` first, then `create(news)`.
With find-before-create adoption, the default order finds the *old* object by its natural key,
adopts its id, and the following delete removes it: the object is gone although the update
"succeeded". Tests run `replace()` and then look for the object on the fake service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CreateResult, ResourceProvider


@dataclass(frozen=True)
class Replacement:
    created: CreateResult
    delete_first: bool


def replace(
    provider: ResourceProvider,
    old_id: str,
    old_outputs: dict[str, Any],
    news: dict[str, Any],
    *,
    delete_before_replace: bool = False,
) -> Replacement:
    """Diff, then replace as the engine would; fails when the diff is not a replacement.

    `delete_before_replace` stands for the resource option; the diff's own flag also counts.
    """
    diff = provider.diff(old_id, old_outputs, news)
    if not diff.replaces:
        raise AssertionError(f"not a replacement: diff changes={diff.changes} replaces={diff.replaces}")
    checked = provider.check(old_outputs, news)
    if checked.failures:
        raise AssertionError(f"check failed: {[(f.property, f.reason) for f in checked.failures]}")
    inputs = checked.inputs if checked.inputs is not None else news
    delete_first = bool(delete_before_replace or diff.delete_before_replace)
    if delete_first:
        provider.delete(old_id, old_outputs)
        return Replacement(provider.create(inputs), True)
    created = provider.create(inputs)
    provider.delete(old_id, old_outputs)
    return Replacement(created, False)
