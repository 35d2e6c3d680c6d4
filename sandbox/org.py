"""`generate_organisation`: one deterministic demo organisation and its simulated clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path

from sandbox import story
from sandbox.adoption import SeatPlan, plan_seats
from sandbox.gen_jira import JiraData, generate_jira
from sandbox.gen_servicenow import ServiceNowData, generate_servicenow
from sandbox.gen_zendesk import ZendeskData, generate_zendesk
from sandbox.ids import hex_id
from sandbox.learning import Enrolment, generate_training, trained_on
from sandbox.people import People, generate_people
from sandbox.surveys import Response, generate_surveys

MIN_EMPLOYEES, MAX_EMPLOYEES = 50, 20_000


@dataclass(eq=False)
class Organisation:
    seed: int
    headcount: int
    months: int
    timeline: story.Timeline
    people: People
    seats: SeatPlan
    jira: JiraData
    zendesk: ZendeskData
    servicenow: ServiceNowData
    training: list[Enrolment]
    surveys: list[Response]
    now: datetime = field(default=datetime(1970, 1, 1))
    directory_job_history: bool = True  # the directory export carries the optional valid_from column

    def __post_init__(self) -> None:
        if self.now == datetime(1970, 1, 1):
            self.now = datetime.combine(self.timeline.end, time(23, 59, 59))

    # --- simulated time ---------------------------------------------------------------------
    def set_now(self, when: datetime | date) -> None:
        if not isinstance(when, datetime):
            when = datetime.combine(when, time(23, 59, 59))
        when = when.replace(tzinfo=None)
        horizon = datetime.combine(self.timeline.horizon, time(23, 59, 59))
        if when > horizon:
            raise ValueError(f"the organisation is only generated up to {horizon:%Y-%m-%d}; "
                             "generate it with a later end_date to simulate further")
        self.now = when

    def advance(self, days: float = 1.0) -> datetime:
        self.set_now(self.now + timedelta(days=days))
        return self.now

    # --- derived data -----------------------------------------------------------------------
    @cached_property
    def usage(self):
        """Daily AI tool usage, generated on first use (it is the largest part)."""
        from sandbox.usage import generate_usage

        return generate_usage(self.seed, self.people, self.seats, self.timeline)

    def openai_users(self) -> list[tuple[int, str, str]]:
        """(employee index, OpenAI user id, e-mail the user registered with), one per person with a seat."""
        out, seen = [], set()
        for s in self.seats.for_tool("openai"):
            if s.person in seen:
                continue
            seen.add(s.person)
            e = self.people.employees[s.person]
            email = e.email
            if int(hex_id(self.seed, "openai-personal", e.idx, 4), 16) % 10 == 0:
                email = f"{e.first_name.lower()}.{e.last_name.lower()}.mkt@gmail.example"  # signed up privately
            out.append((e.idx, f"user-{hex_id(self.seed, 'openai-user', e.idx, 24)}", email))
        return out

    def write_exports(self, directory: str | Path, job_history: bool | None = None) -> dict[str, Path]:
        """directory.csv, training.csv, survey.csv, identity_overrides.csv as of `now`.

        With `job_history` (default: the organisation's `directory_job_history`) the directory carries
        the optional `valid_from` column of docs/configuration.md: one row per person and job, so
        department moves are effective-dated.
        """
        from sandbox.exports import write_exports

        return write_exports(self, Path(directory), self.directory_job_history if job_history is None else job_history)


def generate_organisation(seed: int = 42, employees: int = 300, months: int = 12,
                          end_date: date | None = None) -> Organisation:
    """Generate the demo organisation: same arguments, same data, byte for byte."""
    if not MIN_EMPLOYEES <= employees <= MAX_EMPLOYEES:
        raise ValueError(f"employees must be between {MIN_EMPLOYEES} and {MAX_EMPLOYEES}, got {employees}")
    if not 1 <= months <= 60:
        raise ValueError(f"months must be between 1 and 60, got {months}")
    end_date = end_date or date(2026, 10, 31)
    tl = story.Timeline.build(end_date, months)
    people = generate_people(seed, employees, tl)
    seats = plan_seats(seed, people, tl)
    training = generate_training(seed, people, seats, tl)
    return Organisation(
        seed=seed, headcount=employees, months=months, timeline=tl, people=people, seats=seats,
        jira=generate_jira(seed, people, tl, employees, trained_on(training), trained_on(training, "ENG-GHCP")),
        zendesk=generate_zendesk(seed, people, seats, tl, employees),
        servicenow=generate_servicenow(seed, people, tl, employees),
        training=training,
        surveys=generate_surveys(seed, people, seats, trained_on(training), tl),
    )
