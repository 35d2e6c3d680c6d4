"""How often the value chain's evidence label tells the story's initiatives right (their primary benefit).

The demo is one history: a single build cannot say whether its interval is honest. This replays the
value chain's method (docs/value_chain.md) on many generated histories, straight from the
generator (seconds per history, no warehouse): the median Jira lead time (Engineering's and
Product's trainings) or Zendesk first reply (Support's pilot) of the target and comparison
departments in the baseline, current and baseline-half windows, the relative and absolute
difference-in-differences, a Poisson(1) bootstrap over issues (B replicates, 2.5-97.5 percentiles)
and the evidence label's rule (placebo first, then the DiD's interval). It prints, per initiative,
the spread of the DiD across histories next to the mean half-width of its interval, how often the
interval contains the story's value, and how often each label comes out.

    .venv/bin/python -m benchmarks.bench_value_chain_coverage --seeds 30 --ends 2026-10-31,2026-12-04

Engineering's training has a built-in effect (story.ENG_LEAD_TIME_DROP_EXPECTED), Support's pilot
about -30% on first reply against the other departments; Product's training has none.
"""

from __future__ import annotations

import argparse
import random
import statistics
from bisect import bisect_right
from datetime import date, datetime, timedelta

from sandbox import generate_organisation, story
from sandbox.gen_jira import PROJECTS
from sandbox.routing import ZENDESK_GROUPS

UNTOUCHED = ("Marketing", "IT", "HR", "Finance", "Operations")  # config/initiatives.yml comparison departments
POISSON_ONE_CDF = (0.36787944, 0.73575888, 0.91969860, 0.98101184, 0.99634015, 0.99940582, 0.99991676)


def _windows(start: date, end: date, baseline_days: int, ramp_days: int) -> dict[str, tuple[date, date]]:
    split = start - timedelta(days=baseline_days - baseline_days // 2)
    return {"baseline": (start - timedelta(days=baseline_days), start - timedelta(days=1)),
            "current": (max(end - timedelta(days=baseline_days - 1), start + timedelta(days=ramp_days)), end),
            "pre_early": (start - timedelta(days=baseline_days), split - timedelta(days=1)),
            "pre_late": (split, start - timedelta(days=1))}


def _cells(observations, target: str, comparison, start: date, end: date, baseline_days: int, ramp_days: int):
    """(group, window) -> [(unit id, value)] from (unit id, department, created day, value) observations."""
    windows = _windows(start, end, baseline_days, ramp_days)
    cells: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for unit, department, created, value in observations:
        group = "target" if department == target else "comparison" if department in comparison else None
        if group is None:
            continue
        for name, (low, high) in windows.items():
            if low <= created <= high:
                cells.setdefault((group, name), []).append((unit, value))
    return cells


def lead_time_units(org, target: str, start: date) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """Median Jira lead time (hours) of work items resolved by the history's end, against the untouched departments."""
    end = org.timeline.end
    last = datetime(end.year, end.month, end.day, 23, 59, 59)

    def observations():
        for issue in org.jira.tickets:
            if issue.fields["issuetype"] in ("Epic", "Idea"):
                continue
            resolved = [c[0] for c in issue.changes if any(f == "resolutiondate" for f, _, _ in c[2])]
            if resolved and resolved[0] <= last:
                yield (issue.id, PROJECTS[issue.fields["project"]], issue.created.date(),
                       (resolved[0] - issue.created).total_seconds() / 3600)

    return _cells(observations(), target, UNTOUCHED, start, end, 90, 56)


def first_reply_units(org) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """Support pilot: median Zendesk first reply (minutes) by the first group's department, against every other."""
    tl = org.timeline
    last = datetime(tl.end.year, tl.end.month, tl.end.day, 23, 59, 59)
    observations = ((t.id, ZENDESK_GROUPS[t.fields["group"]][0], t.created.date(),
                     (t.extra["first_reply_at"] - t.created).total_seconds() / 60)
                    for t in org.zendesk.tickets if t.extra.get("first_reply_at") and t.extra["first_reply_at"] <= last)
    others = {d for d, _ in ZENDESK_GROUPS.values()} - {story.PILOT_DEPARTMENT}
    return _cells(observations, story.PILOT_DEPARTMENT, others, tl.pilot_training_start, tl.end, 90,
                  story.PILOT_TRAINING_LEAD_DAYS + story.PILOT_RAMP_DAYS)


def _estimates(m: dict[tuple[str, str], float]) -> tuple[float, float, float]:
    did = (m["target", "current"] - m["target", "baseline"]) - (m["comparison", "current"] - m["comparison", "baseline"])
    did_pct = (100 * (m["target", "current"] - m["target", "baseline"]) / m["target", "baseline"]
               - 100 * (m["comparison", "current"] - m["comparison", "baseline"]) / m["comparison", "baseline"])
    placebo = (m["target", "pre_late"] - m["target", "pre_early"]) - (m["comparison", "pre_late"] - m["comparison", "pre_early"])
    return did, did_pct, placebo


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def evidence(cells, rng: random.Random, replicates: int) -> dict:
    """The DiDs, their bootstrap intervals and the label, as initiative_links computes them."""
    point = _estimates({key: statistics.median(h for _, h in units) for key, units in cells.items()})
    issues = sorted({i for units in cells.values() for i, _ in units})
    draws = []
    for _ in range(replicates):
        weight = {i: bisect_right(POISSON_ONE_CDF, rng.random()) for i in issues}  # Poisson(1) by inversion
        draws.append(_estimates({key: statistics.median([h for i, h in units for _ in range(weight[i])] or [0.0])
                                 for key, units in cells.items()}))
    low = [_percentile([d[j] for d in draws], 0.025) for j in range(3)]
    high = [_percentile([d[j] for d in draws], 0.975) for j in range(3)]
    if (low[2] > 0 or high[2] < 0) and abs(point[2]) >= 0.5 * abs(point[0]):
        label = "not comparable"
    elif low[0] > 0 or high[0] < 0:
        label = "clear effect"
    else:
        label = "no clear effect"
    return {"did_pct": point[1], "low": low[1], "high": high[1], "label": label,
            "smallest_cell": min(len(units) for units in cells.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=30, help="histories per end date (seeds 1..N)")
    parser.add_argument("--ends", default="2026-10-31,2026-12-04", help="comma-separated end dates")
    parser.add_argument("--replicates", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(15)
    story_values = {"Engineering": 100 * story.ENG_LEAD_TIME_DROP_EXPECTED, "Product": 0.0, "Customer Support": -30.0}
    results: dict[str, list[dict]] = {name: [] for name in story_values}
    for end in (date.fromisoformat(d) for d in args.ends.split(",")):
        for seed in range(1, args.seeds + 1):
            org = generate_organisation(seed=seed, employees=300, months=12, end_date=end)
            cells = {"Engineering": lead_time_units(org, "Engineering", org.timeline.eng_training_start),
                     "Product": lead_time_units(org, "Product", org.timeline.product_training_start),
                     "Customer Support": first_reply_units(org)}
            for target, rows in results.items():
                rows.append(evidence(cells[target], rng, args.replicates))
    for target, rows in results.items():
        value = story_values[target]
        did = [r["did_pct"] for r in rows]
        labels = [r["label"] for r in rows]
        print(f"{target}: {len(rows)} histories, smallest cell ~{round(statistics.mean(r['smallest_cell'] for r in rows))} units; "
              f"DiD {statistics.mean(did):+.1f}% (SD {statistics.stdev(did):.1f} points across histories), "
              f"mean interval half-width {statistics.mean((r['high'] - r['low']) / 2 for r in rows):.1f} points; "
              f"interval contains the story's {value:+.0f}%: {sum(r['low'] <= value <= r['high'] for r in rows)}/{len(rows)}; "
              + ", ".join(f"{name} {labels.count(name)}" for name in ("clear effect", "no clear effect", "not comparable")))


if __name__ == "__main__":
    main()
