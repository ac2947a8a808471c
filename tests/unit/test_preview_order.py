"""The preview lists resources in one order whatever order the engine registered them in."""

from __future__ import annotations

import random

from ops.engine import Registered, run_stack, tree_order
from ops.stackfile import read_stack_file


def resource(urn: str, parent: str | None) -> Registered:
    return Registered(urn=urn, type="t", name=urn, parent=parent, custom=True, inputs={})


TREE = [resource("s", None), resource("s/b", "s"), resource("s/a", "s"), resource("s/a/2", "s/a"),
        resource("s/a/1", "s/a"), resource("s/b/1", "s/b"), resource("orphan", "gone")]
EXPECTED = ["orphan", "s", "s/a", "s/a/1", "s/a/2", "s/b", "s/b/1"]


def test_any_registration_order_gives_parents_first_then_siblings_by_urn() -> None:
    shuffler = random.Random(7)
    for _ in range(20):
        shuffled = TREE[:]
        shuffler.shuffle(shuffled)
        assert [r.urn for r in tree_order(shuffled)] == EXPECTED


def test_the_real_program_previews_in_tree_order() -> None:
    resources = run_stack(read_stack_file("production"), None).resources
    seen: set[str] = set()
    urns = {r.urn for r in resources}
    for r in resources:
        assert r.parent not in urns or r.parent in seen, f"{r.urn} listed before its parent"
        seen.add(r.urn)
    assert [r.urn for r in resources] == [r.urn for r in tree_order(list(reversed(resources)))]
