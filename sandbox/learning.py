"""AI training enrolments with pre/post skill scores (the training CSV export).

Customer Support's pilot module runs in the weeks before the pilot; Engineering's Copilot module
accompanies the GitHub Copilot seats; HR's recruiting-assistant users get a short module; anyone
may take the general AI Foundations course. Marketing, which bought its own tool, trains nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sandbox import story
from sandbox.adoption import SeatPlan
from sandbox.ids import stream
from sandbox.people import People

MODULES = {
    "AI-101": "AI Foundations",
    "SUP-M365": "Microsoft 365 Copilot for Customer Support",
    "ENG-GHCP": "GitHub Copilot for Engineers",
    "HR-REC": "Responsible AI in Recruiting",
    "PROD-M365": "Microsoft 365 Copilot for Product Managers",
}


@dataclass(frozen=True, slots=True)
class Enrolment:
    person: int
    module_id: str
    started_on: date
    completed_on: date | None
    pre_score: int | None
    post_score: int | None


def _clamp(x: float) -> int:
    return int(max(0, min(100, round(x))))


def generate_training(seed: int, people: People, seats: SeatPlan, tl: story.Timeline) -> list[Enrolment]:
    rng = stream(seed, "training")
    out: list[Enrolment] = []
    span = (tl.horizon - tl.start).days

    def enrol(person: int, module: str, start: date, gain: float, p_complete: float) -> None:
        pre = rng.gauss(story.SKILL_PRE_MEAN, 12)
        done = rng.random() < p_complete
        completed = start + timedelta(days=rng.randrange(3, 21)) if done else None
        post = _clamp(pre + rng.gauss(gain, 6)) if done else None
        # about one in ten skips the pre-assessment
        out.append(Enrolment(person, module, start, completed, None if rng.random() < 0.1 else _clamp(pre), post))

    for e in people.employees:
        dept = e.history[0].department
        if dept == story.PILOT_DEPARTMENT:
            if e.employed_on(tl.pilot_training_start) and rng.random() < 0.92:
                enrol(e.idx, "SUP-M365", tl.pilot_training_start + timedelta(days=rng.randrange(0, 10)),
                      story.SKILL_GAIN_SUPPORT, 0.9)
            elif e.start_date > tl.pilot_training_start:
                enrol(e.idx, "SUP-M365", e.start_date + timedelta(days=rng.randrange(3, 14)),
                      story.SKILL_GAIN_SUPPORT, 0.9)
        if rng.random() < 0.10:
            enrol(e.idx, "AI-101", max(e.start_date, tl.start) + timedelta(days=rng.randrange(0, span)),
                  story.SKILL_GAIN_OTHER, 0.75)
    for s in seats.seats:
        if s.tool == "github_copilot" and s.start >= tl.start - timedelta(days=30) and rng.random() < 0.7:
            enrol(s.person, "ENG-GHCP", s.start + timedelta(days=rng.randrange(0, 14)), story.SKILL_GAIN_OTHER, 0.8)
        if s.tool == "openai" and s.project == story.HR_RECRUITING_PROJECT and rng.random() < 0.8:
            enrol(s.person, "HR-REC", s.start + timedelta(days=rng.randrange(0, 14)), story.SKILL_GAIN_OTHER, 0.85)
    out.extend(_training_waves(seed, people, seats, tl, out))
    out.sort(key=lambda r: (r.started_on, r.person, r.module_id))
    return out


def _training_waves(seed: int, people: People, seats: SeatPlan, tl: story.Timeline,
                    earlier: list[Enrolment]) -> list[Enrolment]:
    """The two later initiatives' training (story 2b), drawn from their own stream so the rest of the
    organisation is the same with or without them."""
    rng = stream(seed, "training-waves")
    out: list[Enrolment] = []

    def enrol(person: int, module: str, start: date) -> None:
        pre = rng.gauss(story.SKILL_PRE_MEAN, 12)
        done = rng.random() < 0.9
        completed = start + timedelta(days=rng.randrange(3, 21)) if done else None
        post = _clamp(pre + rng.gauss(story.SKILL_GAIN_OTHER, 6)) if done else None
        out.append(Enrolment(person, module, start, completed, None if rng.random() < 0.1 else _clamp(pre), post))

    took_copilot = {r.person for r in earlier if r.module_id == "ENG-GHCP"}
    wave = tl.eng_training_start
    for s in seats.seats:
        employed = people.employees[s.person].employed_on(wave)
        if (s.tool == "github_copilot" and s.start <= wave and employed and s.person not in took_copilot
                and rng.random() < story.ENG_TRAINING_SHARE):
            enrol(s.person, "ENG-GHCP", wave + timedelta(days=rng.randrange(0, 21)))
    for e in people.employees:
        if (e.history[0].department == "Product" and e.employed_on(tl.product_training_start)
                and rng.random() < story.PRODUCT_TRAINING_SHARE):
            enrol(e.idx, "PROD-M365", tl.product_training_start + timedelta(days=rng.randrange(0, 21)))
    return out


def trained_on(enrolments: list[Enrolment], module_id: str | None = None) -> dict[int, date]:
    """Person -> first day they had completed an AI module (`module_id`, or any)."""
    first: dict[int, date] = {}
    for r in enrolments:
        if module_id is not None and r.module_id != module_id:
            continue
        if r.completed_on is not None and (r.person not in first or r.completed_on < first[r.person]):
            first[r.person] = r.completed_on
    return first
