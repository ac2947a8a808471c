"""When a 5-field cron expression runs (UTC, as GitHub Actions reads `on.schedule`), and its longest pause.

A heartbeat expects a ping at least every `period`: the longest gap between two consecutive runs of
the job's cron. Field grammar as `components.config.types.Cron` accepts it (`*`, `n`, `n-m`, each
with an optional `/step`, comma lists); day of month and day of week follow cron's rule that when
both are restricted a day matching either runs (POSIX crontab, "If either the month or day of month
is specified as an element or list, and the day of week is also specified ... matched either").
"""

from __future__ import annotations

from datetime import datetime, timedelta

# Two years from a Monday (2024 is a leap year): every pattern of the calendar repeats within them,
# except a 29 February alone, which runs less often than once a year anyway.
_START = datetime(2024, 1, 1)
_DAYS = 731
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _values(field: str, low: int, high: int) -> set[int]:
    out: set[int] = set()
    for item in field.split(","):
        span, _, step = item.partition("/")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (int(n) for n in span.split("-"))
        else:
            first = int(span)
            last = high if step else first
        out.update(range(first, last + 1, int(step) if step else 1))
    return out


def run_times(expr: str, days: int = _DAYS) -> list[datetime]:
    """Every run of `expr` in `days` days from the reference Monday, in order."""
    fields = expr.split()
    minutes, hours, month_days, months, week_days = (
        _values(f, low, high) for f, (low, high) in zip(fields, _RANGES, strict=True))
    week_days = {d % 7 for d in week_days}  # 0 and 7 are both Sunday
    dom_any, dow_any = fields[2].startswith("*"), fields[4].startswith("*")
    runs: list[datetime] = []
    for offset in range(days):
        day = _START + timedelta(days=offset)
        dom, dow = day.day in month_days, day.isoweekday() % 7 in week_days
        day_ok = dom and dow if dom_any or dow_any else dom or dow
        if day.month in months and day_ok:
            runs += [day.replace(hour=h, minute=m) for h in sorted(hours) for m in sorted(minutes)]
    return runs


def longest_gap(expr: str) -> timedelta | None:
    """The longest time between two consecutive runs, or None when it runs less than twice in two years."""
    runs = run_times(expr)
    if len(runs) < 2:
        return None
    return max(later - earlier for earlier, later in zip(runs, runs[1:], strict=False))
