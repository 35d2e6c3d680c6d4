"""How often the value chain's evidence label tells the story's Jira lead-time initiatives right.

The demo is one history: a single build cannot say whether its interval is honest. This replays the
value chain's method (docs/value_chain.md) on many generated histories, straight from the
generator (seconds per history, no warehouse): median Jira lead time of the target and comparison
departments in the baseline, current and baseline-half windows, the relative and absolute
difference-in-differences, a Poisson(1) bootstrap over issues (B replicates, 2.5-97.5 percentiles)
and the evidence label's rule (placebo first, then the DiD's interval). It prints, per initiative,
the spread of the DiD across histories next to the mean half-width of its interval, how often the
interval contains the story's value, and how often each label comes out.

    .venv/bin/python -m benchmarks.bench_value_chain_coverage --seeds 30 --ends 2026-10-31,2026-12-04

Engineering's training has a built-in effect (story.ENG_LEAD_TIME_DROP_EXPECTED); Product's has none.
"""

from __future__ import annotations

import argparse
import random
import statistics
from bisect import bisect_right
from datetime import date, datetime, timedelta

from sandbox import generate_organisation, story
from sandbox.gen_jira import PROJECTS

UNTOUCHED = ("Marketing", "IT", "HR", "Finance", "Operations")  # config/initiatives.yml comparison departments
POISSON_ONE_CDF = (0.36787944, 0.73575888, 0.91969860, 0.98101184, 0.99634015, 0.99940582, 0.99991676)


def _windows(start: date, end: date, baseline_days: int = 90, ramp_days: int = 56) -> dict[str, tuple[date, date]]:
    split = start - timedelta(days=baseline_days - baseline_days // 2)
    return {"baseline": (start - timedelta(days=baseline_days), start - timedelta(days=1)),
            "current": (max(end - timedelta(days=baseline_days - 1), start + timedelta(days=ramp_days)), end),
            "pre_early": (start - timedelta(days=baseline_days), split - timedelta(days=1)),
            "pre_late": (split, start - timedelta(days=1))}


def lead_time_units(org, target: str, start: date) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """(group, window) -> [(issue id, lead time hours)] of work items resolved by the history's end."""
    end = org.timeline.end
    last = datetime(end.year, end.month, end.day, 23, 59, 59)
    windows = _windows(start, end)
    cells: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for issue in org.jira.tickets:
        department = PROJECTS[issue.fields["project"]]
        group = "target" if department == target else "comparison" if department in UNTOUCHED else None
        if group is None or issue.fields["issuetype"] in ("Epic", "Idea"):
            continue
        resolved = [c[0] for c in issue.changes if any(f == "resolutiondate" for f, _, _ in c[2])]
        if not resolved or resolved[0] > last:
            continue
        for name, (low, high) in windows.items():
            if low <= issue.created.date() <= high:
                hours = (resolved[0] - issue.created).total_seconds() / 3600
                cells.setdefault((group, name), []).append((issue.id, hours))
    return cells


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
    story_values = {"Engineering": 100 * story.ENG_LEAD_TIME_DROP_EXPECTED, "Product": 0.0}
    results: dict[str, list[dict]] = {"Engineering": [], "Product": []}
    for end in (date.fromisoformat(d) for d in args.ends.split(",")):
        for seed in range(1, args.seeds + 1):
            org = generate_organisation(seed=seed, employees=300, months=12, end_date=end)
            starts = {"Engineering": org.timeline.eng_training_start, "Product": org.timeline.product_training_start}
            for target, rows in results.items():
                rows.append(evidence(lead_time_units(org, target, starts[target]), rng, args.replicates))
    for target, rows in results.items():
        value = story_values[target]
        did = [r["did_pct"] for r in rows]
        labels = [r["label"] for r in rows]
        print(f"{target}: {len(rows)} histories, smallest cell ~{round(statistics.mean(r['smallest_cell'] for r in rows))} issues; "
              f"DiD {statistics.mean(did):+.1f}% (SD {statistics.stdev(did):.1f} points across histories), "
              f"mean interval half-width {statistics.mean((r['high'] - r['low']) / 2 for r in rows):.1f} points; "
              f"interval contains the story's {value:+.0f}%: {sum(r['low'] <= value <= r['high'] for r in rows)}/{len(rows)}; "
              + ", ".join(f"{name} {labels.count(name)}" for name in ("clear effect", "no clear effect", "not comparable")))


if __name__ == "__main__":
    main()
