"""The story's effects (sandbox/story.py) are present in the generated data, within tolerance."""

from __future__ import annotations

import csv
import statistics
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from sandbox import generate_organisation, story
from sandbox.gen_jira import PROJECTS
from sandbox.routing import SERVICENOW_GROUPS, ZENDESK_GROUPS

END = date(2026, 10, 31)


@pytest.fixture(scope="module")
def big():
    return generate_organisation(seed=42, employees=300, months=12, end_date=END)


def _dept(t) -> str:
    return ZENDESK_GROUPS[t.fields["group"]][0]


def _frt(t) -> float:
    return (t.extra["first_reply_at"] - t.created).total_seconds() / 60


def _change(before: list[float], after: list[float]) -> float:
    return statistics.median(after) / statistics.median(before) - 1


def test_support_first_reply_falls_against_other_departments(big):
    tl = big.timeline
    ramp_end = tl.pilot_start + timedelta(days=story.PILOT_RAMP_DAYS)

    def window(pred):
        base = [_frt(t) for t in big.zendesk.tickets if pred(t) and t.created.date() < tl.pilot_start]
        after = [_frt(t) for t in big.zendesk.tickets if pred(t) and ramp_end <= t.created.date() <= tl.end]
        return _change(base, after)

    support = window(lambda t: _dept(t) == story.PILOT_DEPARTMENT)
    others = window(lambda t: _dept(t) != story.PILOT_DEPARTMENT)
    assert support == pytest.approx(story.SUPPORT_FIRST_REPLY_DROP_EXPECTED, abs=0.08)
    assert others == pytest.approx(story.GENERAL_TREND_AFTER_PILOT, abs=0.08)
    assert support - others < -0.2  # the difference-in-differences the value-chain mart should find


def test_sales_desk_ping_pong_and_the_steering_group(big):
    tl = big.timeline

    def pingpong(pred):
        ts = [t for t in big.zendesk.tickets if t.fields["group"] == "Sales Desk" and pred(t.created.date())]
        return sum(len(t.extra["path"]) >= 4 for t in ts) / len(ts)

    before = pingpong(lambda d: d < tl.steering_start)
    after = pingpong(lambda d: tl.steering_start <= d <= tl.end)
    assert before == pytest.approx(story.PINGPONG_RATE_BASELINE, abs=0.06)
    assert after / before - 1 == pytest.approx(-story.STEERING_HANDOFF_CUT, abs=0.2)


def test_jira_handoffs_fall_only_for_steering_departments(big):
    tl = big.timeline

    def handoff_rate(depts, pred):
        ts = [t for t in big.jira.tickets if PROJECTS[t.fields["project"]] in depts and t.fields["issuetype"] != "Epic"
              and pred(t.created.date())]
        return sum(any(f == "team" for c in t.changes for f, _, _ in c[2]) for t in ts) / len(ts)

    steer, other = set(story.STEERING_DEPARTMENTS), set(PROJECTS.values()) - set(story.STEERING_DEPARTMENTS)
    pre, post = (lambda d: d < tl.steering_start), (lambda d: tl.steering_start <= d <= tl.end)
    assert handoff_rate(steer, post) / handoff_rate(steer, pre) - 1 == pytest.approx(-story.STEERING_HANDOFF_CUT, abs=0.2)
    assert abs(handoff_rate(other, post) / handoff_rate(other, pre) - 1) < 0.3


def test_resistance_falls_where_training_happened(big):
    tl = big.timeline

    def mean(dept, pred):
        return statistics.mean(v for r in big.surveys if r.source == "typeform" and r.department == dept
                               and pred(r.submitted_at.date()) for q, v in r.answers if q == "ai_resistance")

    pre, post = (lambda d: d < tl.pilot_training_start), (lambda d: d >= tl.pilot_start + timedelta(days=14))
    assert mean("Customer Support", post) - mean("Customer Support", pre) < -0.45
    assert abs(mean("Marketing", post) - mean("Marketing", pre)) < 0.25  # Marketing trained nobody


def test_support_usage_climbs_after_the_pilot(big):
    tl = big.timeline
    usage = big.usage.tools["m365_copilot"]
    support = [i for i, s in enumerate(usage.seats)
               if big.people.employees[s.person].history[0].department == story.PILOT_DEPARTMENT]

    def wau(day):
        i = usage.day_index(day)
        return int(usage.active[support, i - 6: i + 1].any(axis=1).sum())

    assert wau(tl.pilot_start - timedelta(days=1)) == 0
    assert wau(tl.pilot_start + timedelta(days=14)) < wau(tl.pilot_start + timedelta(days=story.PILOT_RAMP_DAYS + 14))
    assert wau(tl.end) >= 0.5 * len(support)


def test_marketing_openai_is_an_island(big):
    def depts(tool, project=None):
        return {big.people.employees[s.person].history[0].department for s in big.seats.for_tool(tool)
                if project is None or s.project == project}

    assert depts("openai", "Marketing Content") == {"Marketing"}
    assert depts("openai", story.HR_RECRUITING_PROJECT) == {"HR"}
    assert "Marketing" not in depts("m365_copilot") and len(depts("m365_copilot")) >= 5
    assert depts("github_copilot") == {"Engineering"}


def test_collaboration_scores_rise_between_steering_departments(big):
    tl = big.timeline
    cols = {f"QID2_{i}": d for i, d in enumerate(big.people.departments, start=1)}

    def score(pred):
        return statistics.mean(v for r in big.surveys if r.source == "qualtrics" and pred(r.submitted_at.date())
                               and r.department in story.STEERING_DEPARTMENTS for q, v in r.answers
                               if cols.get(q) in story.STEERING_DEPARTMENTS)

    gain = score(lambda d: d >= tl.steering_start) - score(lambda d: d < tl.steering_start)
    assert gain == pytest.approx(story.COLLABORATION_STEERING_GAIN, abs=0.5)


def test_support_skill_gain(big):
    gains = [r.post_score - r.pre_score for r in big.training
             if r.module_id == "SUP-M365" and r.post_score is not None and r.pre_score is not None]
    assert statistics.mean(gains) == pytest.approx(story.SKILL_GAIN_SUPPORT, abs=4)


def test_ticket_groups_csv_documents_the_routing():
    path = Path(__file__).resolve().parents[2] / "sandbox" / "ticket_groups.csv"
    with path.open(newline="") as f:
        rows = {(r["source"], r["group_name"]): r["department"] for r in csv.DictReader(f)}
    expected = {("zendesk", g): d for g, (d, _) in ZENDESK_GROUPS.items()}
    expected |= {("servicenow", g): d for g, d in SERVICENOW_GROUPS.items()}
    expected |= {("jira_project", k): d for k, d in PROJECTS.items()}
    assert rows == expected


def test_the_effect_is_visible_through_the_zendesk_api(http, env, org):
    """End to end: group -> department via ticket_groups.csv, reply time from metric_sets."""
    auth = (env["ZENDESK_EMAIL"] + "/token", env["ZENDESK_API_TOKEN"])
    url = env["ZENDESK_BASE_URL"] + "/api/v2/incremental/tickets/cursor.json"
    body = http.get(url, params={"start_time": 0, "include": "metric_sets"}, auth=auth, timeout=30).json()
    tickets, metrics = body["tickets"], body["metric_sets"]
    while not body["end_of_stream"]:
        body = http.get(body["after_url"], auth=auth, timeout=30).json()
        tickets += body["tickets"]
        metrics += body["metric_sets"]
    groups = {g["id"]: g["name"] for g in http.get(env["ZENDESK_BASE_URL"] + "/api/v2/groups.json", auth=auth,
                                                   timeout=10).json()["groups"]}
    reply = {m["ticket_id"]: m["reply_time_in_minutes"]["calendar"] for m in metrics}
    # the first group a ticket was in is the one that replied first: take it from the audits' Create event
    first_group = {t.id: t.fields["group"] for t in org.zendesk.tickets}
    tl = org.timeline
    pilot, ramp = tl.pilot_start.isoformat(), (tl.pilot_start + timedelta(days=story.PILOT_RAMP_DAYS)).isoformat()
    support = [t for t in tickets if ZENDESK_GROUPS[first_group[t["id"]]][0] == story.PILOT_DEPARTMENT]
    assert all(groups[t["group_id"]] in ZENDESK_GROUPS for t in tickets)
    before = [reply[t["id"]] for t in support if t["created_at"] < pilot]
    after = [reply[t["id"]] for t in support if t["created_at"] >= ramp]
    assert statistics.median(after) < 0.8 * statistics.median(before)
    assert datetime.fromisoformat(tickets[-1]["updated_at"].rstrip("Z")) <= org.now


def test_trained_people_propose_more_ai_use_cases(big):
    tl = big.timeline
    ideas = [t for t in big.jira.tickets if t.fields["project"] == "AIUC" and t.created.date() <= tl.end]
    trained = {}
    for r in big.training:
        if r.completed_on and (r.person not in trained or r.completed_on < trained[r.person]):
            trained[r.person] = r.completed_on
    # exposure: person-days spent trained and untrained during the history
    trained_days = untrained_days = 0
    for e in big.people.employees:
        first, last = max(e.start_date, tl.start), min(e.end_date or tl.end, tl.end)
        if last < first:
            continue
        span = (last - first).days + 1
        t_from = max(trained.get(e.idx, date.max), first)
        done = max(0, (last - t_from).days + 1) if t_from <= last else 0
        trained_days += done
        untrained_days += span - done
    by_trained = sum(1 for t in ideas if t.fields["reporter"] in trained and trained[t.fields["reporter"]] <= t.created.date())
    ratio = (by_trained / trained_days) / ((len(ideas) - by_trained) / untrained_days)
    assert ratio == pytest.approx(story.IDEA_TRAINED_FACTOR, abs=1.5)


def test_ai_tool_incidents_peak_during_the_pilot_ramp(big):
    tl = big.timeline
    ramp_end = tl.pilot_start + timedelta(days=story.PILOT_RAMP_DAYS)

    def share(pred):
        ts = [t for t in big.servicenow.tickets if pred(t.created.date())]
        return sum(t.fields["subcategory"] == "ai_assistant" for t in ts) / len(ts)

    assert share(lambda d: tl.pilot_start <= d < ramp_end) > 1.5 * share(lambda d: d < tl.pilot_start)


_UNTOUCHED = {"Marketing", "IT", "HR", "Finance", "Operations"}  # no initiative or steering group


def _lead_time_did(org, target: str, start: date, ramp_days: int = 56, window_days: int = 90) -> float:
    """Generator-side DiD of median Jira lead time (target vs untouched departments), windowed as the
    value chain does: baseline = the 90 days before start, current = the last 90 days, not before the ramp."""
    end = org.timeline.end
    windows = {"base": (start - timedelta(days=window_days), start - timedelta(days=1)),
               "cur": (max(end - timedelta(days=window_days - 1), start + timedelta(days=ramp_days)), end)}
    lead: dict[tuple[str, str], list[float]] = {}
    for t in org.jira.tickets:
        dept = PROJECTS[t.fields["project"]]
        group = "target" if dept == target else "comparison" if dept in _UNTOUCHED else None
        done = [c[0] for c in t.changes if any(f == "resolutiondate" for f, _, _ in c[2])]
        if group is None or t.fields["issuetype"] in ("Epic", "Idea") or not done:
            continue
        for name, (low, high) in windows.items():
            if low <= t.created.date() <= high:
                lead.setdefault((group, name), []).append((done[0] - t.created).total_seconds())
    m = {k: statistics.median(v) for k, v in lead.items()}
    return m["target", "cur"] / m["target", "base"] / (m["comparison", "cur"] / m["comparison", "base"]) - 1


def test_product_lead_time_has_no_built_in_effect_across_seeds():
    # One history's Product DiD scatters by about 8 points (SD; about 60 issues per window): a single
    # build cannot tell a leak (e.g. Engineering's Copilot speed-up reaching Product's issues) from
    # chance. Averaged over seeds Product sits at zero while Engineering shows its built-in effect.
    product, engineering = [], []
    for seed in range(1, 13):
        org = generate_organisation(seed=seed, employees=300, months=12, end_date=date(2026, 12, 4))
        product.append(_lead_time_did(org, "Product", org.timeline.product_training_start))
        engineering.append(_lead_time_did(org, "Engineering", org.timeline.eng_training_start))
    assert abs(statistics.mean(product)) < 0.12
    assert statistics.mean(engineering) == pytest.approx(story.ENG_LEAD_TIME_DROP_EXPECTED, abs=0.08)
