"""Who holds which AI tool seat, from when, and when (if ever) they really start using it.

Seats are decided before tickets are generated because the Support pilot's effect on Zendesk
first-reply times depends on whether the ticket's assignee had already adopted the assistant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sandbox import story
from sandbox.ids import stream
from sandbox.people import People


@dataclass(slots=True)
class Seat:
    person: int  # employee index
    tool: str  # github_copilot | m365_copilot | openai
    start: date  # licence assigned
    end: date | None  # licence removed (leaver)
    adopted: date | None  # first day of real use; None = licensed but never used
    propensity: float  # chance of being active on a working day once adopted
    project: str | None = None  # OpenAI project name


@dataclass
class SeatPlan:
    seats: list[Seat]

    def for_tool(self, tool: str) -> list[Seat]:
        return [s for s in self.seats if s.tool == tool]

    def adoption_date(self, tool: str) -> dict[int, date]:
        return {s.person: s.adopted for s in self.seats if s.tool == tool and s.adopted is not None}


def plan_seats(seed: int, people: People, tl: story.Timeline) -> SeatPlan:
    rng = stream(seed, "seats")
    seats: list[Seat] = []
    for e in people.employees:
        first = e.history[0]
        # The department where they sit when their tools are decided (movers keep their tools).
        dept = first.department
        joined = max(e.start_date, tl.start - timedelta(days=400))

        def licence_start(earliest: date, _e=e) -> date:
            return max(earliest, _e.start_date + timedelta(days=rng.randrange(1, 10)))

        if dept == "Engineering" and rng.random() < story.GITHUB_COPILOT_SEAT_SHARE:
            start = licence_start(joined + timedelta(days=rng.randrange(0, 60)))
            seats.append(Seat(e.idx, "github_copilot", start, e.end_date,
                              start + timedelta(days=rng.randrange(0, 14)),
                              min(0.95, max(0.1, rng.gauss(story.GITHUB_COPILOT_DAILY_ACTIVE, 0.15)))))
        if dept == story.PILOT_DEPARTMENT:
            start = licence_start(tl.pilot_start)
            adopted = None
            if rng.random() < story.PILOT_ADOPTER_SHARE:
                adopted = start + timedelta(days=rng.randrange(0, story.PILOT_RAMP_DAYS))
            seats.append(Seat(e.idx, "m365_copilot", start, e.end_date, adopted,
                              min(0.95, max(0.3, rng.gauss(0.75, 0.1)))))
        elif rng.random() < story.M365_LICENSED_SHARE.get(dept, 0.0):
            start = licence_start(joined + timedelta(days=rng.randrange(0, 90)))
            adopted = start + timedelta(days=rng.randrange(0, 30)) if rng.random() < 0.85 else None
            seats.append(Seat(e.idx, "m365_copilot", start, e.end_date, adopted,
                              min(0.9, max(0.05, rng.gauss(story.M365_BASELINE_DAILY_ACTIVE, 0.12)))))
        if dept == story.ISLAND_DEPARTMENT and rng.random() < story.ISLAND_SEAT_SHARE:
            start = licence_start(tl.island_start + timedelta(days=rng.randrange(0, 20)))
            seats.append(Seat(e.idx, "openai", start, e.end_date, start + timedelta(days=rng.randrange(0, 7)),
                              min(0.95, max(0.2, rng.gauss(0.6, 0.15))), project="Marketing Content"))
        if dept == "HR" and rng.random() < story.HR_RECRUITING_USER_SHARE:
            start = licence_start(tl.island_start + timedelta(days=30 + rng.randrange(0, 20)))
            seats.append(Seat(e.idx, "openai", start, e.end_date, start + timedelta(days=rng.randrange(0, 7)),
                              min(0.9, max(0.2, rng.gauss(0.45, 0.15))), project=story.HR_RECRUITING_PROJECT))
    return SeatPlan(seats)
