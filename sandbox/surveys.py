"""Pulse surveys answered in Typeform, Qualtrics and a CSV-exporting HR tool.

- Typeform monthly AI pulse (anonymous, hidden field `department`): tool NPS 0-10, usefulness,
  resistance and psychological safety on 1-5.
- Qualtrics quarterly collaboration survey (identified): eNPS 0-10 and "how well does your
  department work with department X" 0-10 for every other department.
- CSV "AI readiness check" twice (early and late, anonymous): two resistance items, usefulness,
  psychological safety.
Story: resistance falls and usefulness rises for people who completed AI training; steering-group
departments rate each other higher after the steering group starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox import story
from sandbox.adoption import SeatPlan
from sandbox.ids import hex_id, stream
from sandbox.people import People

TYPEFORM_FORM_ID = "AIpulse7"
QUALTRICS_SURVEY_ID = "SV_3KZ9collab01"
CSV_SURVEY_ID = "ai-readiness-check"

# question id -> (construct, scale) for every survey; docs/sandbox_story.md lists them for the question map.
TYPEFORM_QUESTIONS = {
    "tool_nps": ("tool_nps", "0-10"),
    "ai_usefulness": ("usefulness", "1-5"),
    "ai_resistance": ("resistance", "1-5"),
    "psych_safety": ("psychological_safety", "1-5"),
}
QUALTRICS_ENPS = "QID1"
QUALTRICS_COLLAB = "QID2"  # breakouts QID2_<n>, n = 1-based index into the department list
CSV_QUESTIONS = {
    "RES1": ("resistance", "1-5"),
    "RES2": ("resistance", "1-5"),
    "USE1": ("usefulness", "1-5"),
    "PSY1": ("psychological_safety", "1-5"),
}


@dataclass(frozen=True, slots=True)
class Response:
    response_id: str
    source: str  # typeform | qualtrics | csv
    survey_id: str
    submitted_at: datetime
    person: int
    department: str
    answers: tuple[tuple[str, int], ...]  # (question id, value)


def _likert(rng, mean: float) -> int:
    return int(max(1, min(5, round(rng.gauss(mean, 0.85)))))


def _scale10(rng, mean: float, sd: float = 1.8) -> int:
    return int(max(0, min(10, round(rng.gauss(mean, sd)))))


def generate_surveys(seed: int, people: People, seats: SeatPlan, trained: dict[int, date],
                     tl: story.Timeline) -> list[Response]:
    rng = stream(seed, "surveys")
    seat_holders = {s.person for s in seats.seats}
    out: list[Response] = []

    def respondents(day: date):
        for e in people.employees:
            if e.employed_on(day) and rng.random() < story.SURVEY_RESPONSE_RATE:
                yield e

    def when(day: date) -> datetime:
        d = day + timedelta(days=rng.randrange(0, 7))
        return datetime(d.year, d.month, d.day) + timedelta(seconds=rng.randrange(7 * 3600, 20 * 3600))

    def is_trained(person: int, day: date) -> bool:
        return person in trained and trained[person] <= day

    # Typeform monthly pulse, first week of each month
    month = date(tl.start.year, tl.start.month, 1)
    if month < tl.start:
        month = _next_month(month)
    n = 0
    while month <= tl.horizon:
        for e in respondents(month):
            at = when(month)
            dept = e.assignment_at(at.date()).department
            t = is_trained(e.idx, at.date())
            answers = []
            if e.idx in seat_holders:
                answers.append(("tool_nps", _scale10(rng, story.TOOL_NPS_BASE + (1.2 if t else 0.0))))
            answers.append(("ai_usefulness", _likert(rng, story.USEFULNESS_BASELINE + (story.USEFULNESS_GAIN_TRAINED if t else 0))))
            answers.append(("ai_resistance", _likert(rng, story.RESISTANCE_BASELINE - (story.RESISTANCE_DROP_TRAINED if t else 0))))
            answers.append(("psych_safety", _likert(rng, story.PSYCH_SAFETY_BASELINE)))
            n += 1
            out.append(Response(hex_id(seed, "tf-response", n), "typeform", TYPEFORM_FORM_ID, at, e.idx, dept,
                                tuple(answers)))
        month = _next_month(month)

    # Qualtrics quarterly collaboration survey, mid-month every third month
    depts = list(people.departments)
    month = date(tl.start.year, tl.start.month, 15)
    if month < tl.start:
        month = _next_month(month)
    n = 0
    while month <= tl.horizon:
        for e in respondents(month):
            at = when(month)
            dept = e.assignment_at(at.date()).department
            answers = [(QUALTRICS_ENPS, _enps(rng))]
            for i, other in enumerate(depts, start=1):
                if other == dept:
                    continue
                mean = story.COLLABORATION_OTHER
                if dept in story.STEERING_DEPARTMENTS and other in story.STEERING_DEPARTMENTS:
                    mean = story.COLLABORATION_BASELINE
                    if at.date() >= tl.steering_start:
                        mean += story.COLLABORATION_STEERING_GAIN
                answers.append((f"{QUALTRICS_COLLAB}_{i}", _scale10(rng, mean, 1.5)))
            n += 1
            out.append(Response(f"R_{hex_id(seed, 'qx-response', n, 15)}", "qualtrics", QUALTRICS_SURVEY_ID, at,
                                e.idx, dept, tuple(answers)))
        month = _next_month(_next_month(_next_month(month)))

    # CSV readiness check: one month in, and one month before the end date
    n = 0
    for day in (tl.start + timedelta(days=30), tl.end - timedelta(days=30)):
        for e in respondents(day):
            at = when(day)
            dept = e.assignment_at(at.date()).department
            t = is_trained(e.idx, at.date())
            res = story.RESISTANCE_BASELINE - (story.RESISTANCE_DROP_TRAINED if t else 0)
            n += 1
            out.append(Response(f"ARC-{n:06d}", "csv", CSV_SURVEY_ID, at, e.idx, dept, (
                ("RES1", _likert(rng, res)), ("RES2", _likert(rng, res)),
                ("USE1", _likert(rng, story.USEFULNESS_BASELINE + (story.USEFULNESS_GAIN_TRAINED if t else 0))),
                ("PSY1", _likert(rng, story.PSYCH_SAFETY_BASELINE)),
            )))
    out.sort(key=lambda r: (r.submitted_at, r.response_id))
    return out


def _enps(rng) -> int:
    u = rng.random()
    if u < story.ENPS_PROMOTER_SHARE:
        return rng.choice((9, 10))
    if u < story.ENPS_PROMOTER_SHARE + 0.40:
        return rng.choice((7, 8))
    return rng.randrange(0, 7)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, d.day)
