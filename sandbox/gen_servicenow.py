"""ServiceNow: IT incidents whose assignment-group reassignments are recorded in sys_audit.

Incidents start at the IT Service Desk; some are reassigned to another group (some inside IT, some
to Engineering, HR or Finance), and a few are sent back. Each field change becomes sys_audit rows
when served (see server/servicenow.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox import story
from sandbox.ids import hex_id, stream
from sandbox.people import People
from sandbox.routing import SERVICENOW_GROUPS, random_workday, servicenow_path
from sandbox.tickets import Ticket

CATEGORIES = ("software", "hardware", "network", "inquiry", "database")
DESCRIPTIONS = (("VPN keeps disconnecting", "network"), ("Laptop will not boot", "hardware"),
                ("Cannot access shared drive", "access"), ("Email sync broken", "email"),
                ("Request access to finance system", "access"), ("Printer offline", "hardware"),
                ("MFA reset", "access"), ("Payroll portal error", "application"))
AI_DESCRIPTIONS = ("Copilot does not show up in Word", "Copilot licence not active after assignment",
                   "GitHub Copilot suggestions stopped in VS Code", "ChatGPT login fails with SSO",
                   "How do I use Copilot in Teams meetings?", "Copilot answers with outdated policy")
# ServiceNow incident states
NEW, IN_PROGRESS, ON_HOLD, RESOLVED, CLOSED = "1", "2", "3", "6", "7"


@dataclass
class ServiceNowData:
    tickets: list[Ticket]
    groups: dict[str, str]  # group name -> sys_id
    departments: dict[str, str]  # department name -> cmn_department sys_id


def _lognormal(rng, median: float, sigma: float) -> float:
    return math.exp(rng.gauss(math.log(median), sigma))


def generate_servicenow(seed: int, people: People, tl: story.Timeline, headcount: int) -> ServiceNowData:
    rng = stream(seed, "servicenow")
    groups = {name: hex_id(seed, "sn-group", i) for i, name in enumerate(SERVICENOW_GROUPS)}
    departments = {d: hex_id(seed, "sn-dept", i) for i, d in enumerate(people.departments)}
    days = (tl.horizon - tl.start).days + 1
    n = round(story.SERVICENOW_INCIDENTS_PER_EMPLOYEE_DAY * headcount * days)
    change_id = 0
    tickets: list[Ticket] = []
    for k in range(n):
        day = random_workday(rng, tl.start, days)
        created = datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(7 * 3600, 17 * 3600))
        caller = people.active_in(rng.choice(people.departments), day, rng)
        path = servicenow_path(rng, day, tl)
        agent = people.active_in(SERVICENOW_GROUPS[path[0]], day, rng)
        if caller is None or agent is None:
            continue
        ramp = tl.pilot_start <= day < tl.pilot_start + timedelta(days=story.PILOT_RAMP_DAYS)
        if rng.random() < (story.AI_TOOL_INCIDENT_SHARE_PILOT_RAMP if ramp else story.AI_TOOL_INCIDENT_SHARE):
            description, subcategory, category = rng.choice(AI_DESCRIPTIONS), "ai_assistant", "software"
        else:
            (description, subcategory), category = rng.choice(DESCRIPTIONS), rng.choice(CATEGORIES)
        t = Ticket(k, f"INC{10001 + k:07d}", created, {
            "sys_id": hex_id(seed, "sn-incident", k), "state": NEW, "assignment_group": path[0], "assigned_to": None,
            "caller_id": caller.idx, "short_description": description, "category": category,
            "subcategory": subcategory,
            "priority": rng.choices(("1", "2", "3", "4"), (0.05, 0.2, 0.5, 0.25))[0],
            "resolved_at": None, "closed_at": None, "reassignment_count": 0, "reopen_count": 0,
        })

        def change(when, author, *items, t=t):
            nonlocal change_id
            change_id += 1
            t.add_change(when, author, items, change_id)

        clock = created + timedelta(minutes=rng.randrange(3, 90))
        change(clock, agent.idx, ("assigned_to", None, agent.idx), ("state", NEW, IN_PROGRESS))
        for reassignments, (prev, group) in enumerate(zip(path, path[1:], strict=False), start=1):
            clock += timedelta(minutes=_lognormal(rng, 180, 0.8))
            receiver = people.active_in(SERVICENOW_GROUPS[group], clock.date(), rng) or agent
            change(clock, agent.idx, ("assignment_group", prev, group), ("assigned_to", agent.idx, receiver.idx),
                   ("reassignment_count", reassignments - 1, reassignments))
            agent = receiver
        clock += timedelta(minutes=_lognormal(rng, 600, 0.9))
        change(clock, agent.idx, ("state", IN_PROGRESS, RESOLVED), ("resolved_at", None, clock))
        closed = clock + timedelta(days=3)
        change(closed, None, ("state", RESOLVED, CLOSED), ("closed_at", None, closed))
        t.finish()
        tickets.append(t)
    return ServiceNowData(tickets=tickets, groups=groups, departments=departments)
