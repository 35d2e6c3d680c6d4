"""`small_tenant`: a new customer's first weeks, small enough to check by hand.

Eleven people in two departments, one HR directory export without job history (the optional
`valid_from` column absent, as most organisations start), and eight GitHub Copilot seats: one
assigned mid-period, one never used, one removed with a pending cancellation date between two
refreshes. Only the directory export, the identity-override file and GitHub Copilot have data; the
other vendors answer with nothing. Usage comes from the same generator as the demo organisation.
"""

from __future__ import annotations

from datetime import date

from sandbox import story
from sandbox.adoption import Seat, SeatPlan
from sandbox.gen_jira import JiraData
from sandbox.gen_servicenow import ServiceNowData
from sandbox.gen_zendesk import ZendeskData
from sandbox.ids import hex_id, uuid_id
from sandbox.org import Organisation
from sandbox.people import Assignment, Employee, People, Team

TENANT_SEED = 21
FIRST_REFRESH = date(2026, 10, 15)  # the tenant's first refresh (the server's first "now")
# (first name, last name, department, job title, start date, GitHub Copilot seat: None, or
#  (licensed on, first used on or None, removed on or None))
_ROSTER = (
    ("Anna", "Bakker", "Engineering", "Staff Engineer", date(2019, 3, 1), (date(2026, 6, 1), date(2026, 6, 2), None)),
    ("Bram", "Visser", "Engineering", "Software Engineer", date(2021, 9, 1), (date(2026, 6, 1), date(2026, 6, 3), None)),
    ("Chen", "Smit", "Engineering", "Software Engineer", date(2022, 1, 10), (date(2026, 6, 1), date(2026, 6, 1), None)),
    ("Daan", "Meijer", "Engineering", "Senior Software Engineer", date(2020, 5, 4), (date(2026, 6, 1), date(2026, 6, 5), None)),
    ("Eva", "Mulder", "Engineering", "Software Engineer", date(2024, 2, 1), (date(2026, 6, 1), None, None)),  # never used
    ("Finn", "Bos", "Engineering", "Software Engineer", date(2023, 7, 3),
     (date(2026, 6, 1), date(2026, 6, 2), date(2026, 10, 20))),  # removed: pending cancellation on the 20th
    ("Hugo", "Vos", "Engineering", "Senior Software Engineer", date(2018, 11, 12), None),
    ("Ines", "Peters", "Product", "Product Manager", date(2022, 4, 1), (date(2026, 10, 8), date(2026, 10, 9), None)),  # mid-period
    ("Jan", "Dekker", "Product", "Product Analyst", date(2025, 1, 6), (date(2026, 6, 1), date(2026, 6, 4), None)),
    ("Julia", "Brouwer", "Product", "Senior Product Manager", date(2017, 8, 21), None),
    ("Karim", "Dijkstra", "Product", "Product Analyst", date(2023, 10, 2), None),
)
_TEAMS = {"Engineering": "Platform", "Product": "Core Product"}
_ROLE_FAMILIES = {"Engineering": "Software Engineering", "Product": "Product"}


def _people(seed: int) -> People:
    teams = {d: Team(uuid_id(seed, "team", i), name, d, name.lower().replace(" ", "-"))
             for i, (d, name) in enumerate(_TEAMS.items())}
    employees = []
    for idx, (first, last, department, title, start, _seat) in enumerate(_ROSTER):
        manager = None if idx in (0, 7) else (0 if department == "Engineering" else 7)
        e = Employee(idx=idx, employee_id=f"T{1000 + idx}", first_name=first, last_name=last,
                     email=f"{first.lower()}.{last.lower()}@tenant.example", location="Utrecht",
                     start_date=start, end_date=None,
                     history=[Assignment(start, department, teams[department], _ROLE_FAMILIES[department], title, manager)])
        if _seat is not None:
            e.github_login = f"{first.lower()}{last.lower()[:3]}-{hex_id(seed, 'gh', idx, 4)}"
            e.github_id = 7_000_000 + idx
        employees.append(e)
    by_department: dict[str, list[int]] = {}
    for e in employees:
        by_department.setdefault(e.history[0].department, []).append(e.idx)
    return People(employees, list(teams.values()), tuple(_TEAMS), by_department)


def small_tenant(seed: int = TENANT_SEED, first_refresh: date = FIRST_REFRESH) -> Organisation:
    """The tenant on the evening of its first refresh; `advance`/`set_now` reveal up to 60 days more."""
    people = _people(seed)
    seats = SeatPlan([Seat(idx, "github_copilot", licensed, removed, used, 0.8)
                      for idx, (*_, seat) in enumerate(_ROSTER) if seat is not None
                      for licensed, used, removed in [seat]])
    timeline = story.Timeline.build(first_refresh, 1)
    return Organisation(seed=seed, headcount=len(people.employees), months=1, timeline=timeline, people=people,
                        seats=seats, jira=JiraData([], set()), zendesk=ZendeskData([], {}, [], []),
                        servicenow=ServiceNowData([], {}, {}), training=[], surveys=[], directory_job_history=False)
