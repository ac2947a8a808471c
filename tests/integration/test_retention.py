"""GFS pruning on generated histories, checked against an independent brute-force reference."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from ops.backup.errors import BackupError
from ops.backup.job import prune
from ops.backup.manifest import stamp_of
from ops.backup.retention import GfsPolicy, keep
from ops.backup.store import BackupStore

UTC = timezone.utc


def reference_keep(times: list[datetime], daily: int, weekly: int, monthly: int) -> set[datetime]:
    """Brute force, per backup: kept by a rule iff it is the newest of its period and that period is
    among the N most recent periods holding any backup; the newest backup always stays."""
    periods = {
        "day": lambda t: t.date(),
        "week": lambda t: t.isocalendar()[:2],
        "month": lambda t: (t.year, t.month),
    }
    kept = {max(times)}
    for count, period in ((daily, periods["day"]), (weekly, periods["week"]), (monthly, periods["month"])):
        of = {t: period(t) for t in times}
        for t in times:
            same = [u for u in times if of[u] == of[t]]
            newer_periods = {of[u] for u in times if of[u] >= of[t]}
            if t == max(same) and len(newer_periods) <= count:
                kept.add(t)
    return kept


def generated_history(seed: int, days: int) -> list[datetime]:
    """A nightly backup with skipped nights and extra manual runs, like a real bucket."""
    rng = random.Random(seed)
    end = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    times = []
    for back in range(days):
        night = end - timedelta(days=back)
        if rng.random() < 0.12:
            continue  # a night the job did not run
        times.append(night + timedelta(minutes=rng.randrange(0, 30)))
        if rng.random() < 0.15:
            times.append(night + timedelta(hours=rng.randrange(3, 20)))  # a manual run later that day
    return times


def test_hand_worked_example() -> None:
    # Daily backups Jan 1 .. Mar 31 2026; keep 3 daily, 2 weekly, 2 monthly.
    times = [datetime(2026, 1, 1, 2, tzinfo=UTC) + timedelta(days=d) for d in range(90)]
    kept = keep(times, GfsPolicy(daily=3, weekly=2, monthly=2))
    # daily: Mar 31, 30, 29; weekly: Mar 31 (ISO week 14), Mar 29 (Sunday, week 13); monthly: Mar 31, Feb 28
    assert sorted(t.date().isoformat() for t in kept) == ["2026-02-28", "2026-03-29", "2026-03-30", "2026-03-31"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rules", [(7, 4, 12), (3, 0, 2), (0, 2, 0), (14, 8, 24), (1, 1, 1)])
def test_keep_matches_the_reference(seed: int, rules: tuple[int, int, int]) -> None:
    times = generated_history(seed, days=400)
    assert keep(times, GfsPolicy(*rules)) == reference_keep(times, *rules)


def test_policy_that_keeps_nothing_is_rejected() -> None:
    with pytest.raises(BackupError, match="keeps nothing"):
        GfsPolicy(0, 0, 0)


def _put(store: BackupStore, key: str) -> None:
    store.client.put_object(Bucket=store.bucket, Key=key, Body=b"x")


def test_prune_deletes_exactly_what_the_rules_drop_and_nothing_it_cannot_parse(store: BackupStore) -> None:
    times = generated_history(seed=42, days=120)
    for t in times:
        _put(store, f"staging/{stamp_of(t)}.dump")
        _put(store, f"staging/{stamp_of(t)}.manifest.json")
    newest = max(times)
    untouchable = [
        "staging/README.txt",
        "staging/20261301T020000Z.dump",  # month 13: does not parse as a time
        "staging/2026-01-01.dump",
        "staging/nested/20260101T020000Z.dump",
        "staging/20250101T020000Z.dump",  # an old dump that never got a manifest
        "staging/20250102T020000Z.manifest.json",  # a manifest whose dump is gone
        f"staging/{stamp_of(newest + timedelta(hours=1))}.dump",  # newer, but not verified
    ]
    for key in untouchable:
        _put(store, key)
    _put(store, "production/20200101T000000Z.dump")  # another stack's prefix: not listed at all

    result = prune(store, GfsPolicy(daily=7, weekly=4, monthly=3))

    expected = reference_keep(times, 7, 4, 3)
    expected_keys = {f"staging/{stamp_of(t)}{suffix}" for t in expected for suffix in (".dump", ".manifest.json")}
    remaining = {o["Key"] for o in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]}
    assert remaining == expected_keys | set(untouchable) | {"production/20200101T000000Z.dump"}
    assert f"staging/{stamp_of(newest)}.dump" in remaining
    assert len(result.deleted) == len(times) - len(expected) > 0
    assert sorted(result.left_alone) == sorted(untouchable)
