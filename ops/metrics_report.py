"""The metrics as people read them: a terminal table, a JSON document, and Markdown with a trend chart.

The chart is Mermaid `xychart-beta` in a ```mermaid block, which GitHub renders in issues, pull
requests and Markdown files (docs.github.com, "Creating diagrams"; xychart since Mermaid 10.5,
mermaid.js.org "XY Chart", whose newer `xychart` keyword older renderers refuse). An inline `<svg>`
would not do: GitHub's Markdown sanitizer drops it. The numbers behind the chart are also in a table
below it, for any view that shows the block as code.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.table import Table
from rich.text import Text

from ops.metrics import Figures, Judged, Week

LABELS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time_hours": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "time_to_restore_minutes": "Time to restore",
    "success_rate": "Deployment success rate",
}
MARKS = {"met": "✅ met", "missed": "❌ missed", "no data": "➖ no data"}
STAMP = "%Y-%m-%d %H:%M UTC"


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _n(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"


def details(f: Figures) -> dict[str, str]:
    """Each key's measured value in words (the table's second column)."""
    open_ = sum(1 for x in f.failures if x.open)
    opened = f", {open_} not restored yet" if open_ else ""
    rate = "n/a" if f.change_failure_rate is None else f"{f.change_failure_rate:.1%}"
    success = "n/a" if f.success_rate is None else f"{f.success_rate:.1%}"
    return {
        "deployment_frequency": f"{f.band or 'n/a (no whole week)'}: {f.per_day:.2f}/day, {f.per_week:.1f}/week "
                                f"({f.successful} successful)",
        "lead_time_hours": f"median {_n(f.lead_time_median, 'h')}, p90 {_n(f.lead_time_p90, 'h')} "
                           f"({len(f.lead_times_hours)} commits)",
        "change_failure_rate": f"{rate} ({f.failed} of {f.ended})",
        "time_to_restore_minutes": f"median {_n(f.restore_median, ' min')}, max {_n(f.restore_max, ' min')} "
                                   f"({len(f.failures)} failures{opened})",
        "success_rate": f"{success} ({f.successful} of {f.ended})",
    }


def headline(f: Figures) -> str:
    w = f.window
    line = (f"{f.repository}: deployments to `{f.stack}` recorded by maintainpro-ops, last {w.days} days "
            f"({w.start:%Y-%m-%d} to {w.now:{STAMP}})")
    if not f.attempted:
        line += "; none in this window, so no rate, lead time or restore time can be computed"
    return line


def table(f: Figures) -> Table:
    """The terminal view: one row per key; every cell is `Text` (data, never markup)."""
    out = Table("key", "measured", "target", "verdict", title=Text(f"delivery metrics: {f.stack}"),
                caption=Text(headline(f)))
    text = details(f)
    for j in f.judged:
        out.add_row(*(Text(v) for v in (LABELS[j.key], text[j.key], j.target, j.verdict)))
    return out


def document(f: Figures) -> dict[str, Any]:
    """`--json`: every figure, the verdicts, the weeks (oldest first), the failures and the gaps."""
    w = f.window
    return {
        "stack": f.stack, "repository": f.repository,
        "window": {"start": w.start.isoformat(), "end": w.now.isoformat(), "days": w.days, "whole_weeks": w.whole_weeks},
        "deployments": {"attempted": f.attempted, "ended": f.ended, "successful": f.successful, "failed": f.failed,
                        "rollbacks": f.rollbacks},
        "deployment_frequency": {"per_day": _r(f.per_day), "per_week": _r(f.per_week), "band": f.band},
        "lead_time_hours": {"median": _r(f.lead_time_median), "p90": _r(f.lead_time_p90),
                            "commits": len(f.lead_times_hours)},
        "change_failure_rate": _r(f.change_failure_rate),
        "time_to_restore_minutes": {"median": _r(f.restore_median), "max": _r(f.restore_max),
                                    "failures": len(f.failures), "open": sum(1 for x in f.failures if x.open)},
        "success_rate": _r(f.success_rate),
        "targets": [{"key": j.key, "value": j.value, "target": j.target, "verdict": j.verdict} for j in f.judged],
        "missed": f.missed,
        "failures": [{"deployment": x.deployment, "sha": x.sha, "at": x.at.isoformat(), "reason": x.reason,
                      "restore_minutes": _r(x.restore_minutes), "open": x.open} for x in f.failures],
        "weeks": [{"start": wk.start.isoformat(), "end": (wk.start + timedelta(days=6)).isoformat(),
                   "deployments": wk.deployments, "days_deployed": wk.days_deployed,
                   "lead_time_median_hours": _r(wk.lead_time_median_hours)} for wk in reversed(f.weeks)],
        "gaps": [{"deployment": d, "reason": why} for d, why in sorted(f.gaps.items())],
    }


def _row(j: Judged, text: str) -> str:
    return f"| {LABELS[j.key]} | {text} | {j.target.replace('<=', '≤').replace('>=', '≥')} | {MARKS[j.verdict]} |"


def chart(title: str, axis: str, kind: str, weeks: list[Week], values: list[float]) -> str:
    """One Mermaid xychart-beta block (bar or line), weeks oldest first, labelled by their first day."""
    labels = ", ".join(f'"{wk.start:%m-%d}"' for wk in weeks)
    top = max(1.0, max(values, default=0.0)) * 1.1
    numbers = ", ".join(f"{v:g}" for v in values)
    return (f'```mermaid\nxychart-beta\n    title "{title}"\n    x-axis [{labels}]\n'
            f'    y-axis "{axis}" 0 --> {top:.1f}\n    {kind} [{numbers}]\n```')


def trend(f: Figures) -> list[str]:
    weeks = list(reversed(f.weeks))  # oldest first, as a chart reads
    if not weeks:
        return ["No whole week in this window: no weekly trend (use --days 7 or more)."]
    lead = [round(wk.lead_time_median_hours or 0.0, 2) for wk in weeks]
    lines = [chart("Successful deployments per week", "deployments", "bar", weeks,
                   [float(wk.deployments) for wk in weeks]), ""]
    if any(wk.lead_time_median_hours is not None for wk in weeks):
        lines += [chart("Lead time for changes, median per week", "hours", "line", weeks, lead), ""]
        if any(wk.lead_time_median_hours is None for wk in weeks):
            lines += ["_0 h in the line: no commit measured that week._", ""]
    lines += ["| week | deployments | days with one | lead time median |", "|---|---|---|---|"]
    lines += [f"| {wk.start:%Y-%m-%d} to {wk.start + timedelta(days=6):%m-%d} | {wk.deployments} | {wk.days_deployed} "
              f"| {'n/a' if wk.lead_time_median_hours is None else f'{wk.lead_time_median_hours:.2f} h'} |"
              for wk in weeks]
    rest = f.window.days % 7
    if rest:
        lines += ["", f"The {rest} oldest day(s) of the window are in the totals but in no whole week."]
    return lines


def markdown(f: Figures) -> str:
    """The report the scheduled workflow posts as its job summary and, when a target is missed, as the issue."""
    text = details(f)
    lines = [f"## Delivery metrics: {f.stack}", "", headline(f) + ".", "",
             "| key | measured | target | verdict |", "|---|---|---|---|",
             *(_row(j, text[j.key]) for j in f.judged), ""]
    missed = [LABELS[k].lower() for k in f.missed]
    lines += [f"**Targets missed:** {', '.join(missed)}." if missed else "**Every target with data is met.**", ""]
    lines += ["### Weekly trend", "", *trend(f), ""]
    if f.failures:
        lines += ["### Change failures", "", "| deployment | commit | at | why | restored after |", "|---|---|---|---|---|"]
        lines += [f"| {x.deployment} | `{x.sha[:7]}` | {x.at:{STAMP}} | {x.reason} | "
                  f"{'not yet (open ' if x.open else ''}{x.restore_minutes:.1f} min{')' if x.open else ''} |"
                  for x in f.failures]
        lines.append("")
    if f.gaps:
        lines += ["### Gaps in the lead time", "", *(f"- deployment {d}: {why}" for d, why in sorted(f.gaps.items())), ""]
    lines += [
        "<details><summary>How these are measured</summary>", "",
        "As the DORA research and dora-team/fourkeys define the four keys: a deployment is a `task: deploy` record; "
        "the band is daily when the median week has 3 or more days with a successful deployment, weekly when the "
        "median week has one, monthly when the median week lies in a month with one, else yearly; lead time runs "
        "from each commit since the previous successful deployment to the success status (non-positive values "
        "ignored); a change failure is a deployment with a failure or error status or rolled back (automatically "
        "or by `ops rollback`); time to restore runs from its record to the next success of a later record. "
        "See docs/ARCHITECTURE.md in maintainpro-platform, \"Delivery metrics\".", "", "</details>", "",
    ]
    return "\n".join(lines)
