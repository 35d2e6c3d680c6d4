"""Zendesk: customer tickets with group/assignee changes, replies, reopens and satisfaction ratings.

Story hooks: a ticket is AI-assisted when its first assignee works in Customer Support and had
adopted the pilot assistant before the ticket was created; its first reply and resolution come
faster (story.AI_ASSISTED_*). Sales Desk tickets ping-pong (routing.zendesk_path).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox import story
from sandbox.adoption import SeatPlan
from sandbox.ids import int_id, stream
from sandbox.people import FIRST_NAMES, LAST_NAMES, People
from sandbox.routing import ZENDESK_GROUPS, random_workday, zendesk_path
from sandbox.tickets import Ticket

SUBJECTS = (
    "Cannot log in", "Invoice is wrong", "Export fails with an error", "How do I add a user?", "Refund request",
    "Integration stopped syncing", "Feature request: bulk edit", "Password reset email not arriving",
    "Contract renewal question", "API returns 500", "Slow dashboard", "Upgrade my plan",
)


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    email: str
    organization_id: int


@dataclass
class ZendeskData:
    tickets: list[Ticket]
    groups: dict[str, int]  # group name -> group id
    customers: list[Customer]
    agents: list[int]  # employee indexes with a Zendesk agent account


def _lognormal(rng, median: float, sigma: float) -> float:
    return math.exp(rng.gauss(math.log(median), sigma))


def generate_zendesk(seed: int, people: People, seats: SeatPlan, tl: story.Timeline, headcount: int) -> ZendeskData:
    rng = stream(seed, "zendesk")
    groups = {name: 360000100000 + i * 17 for i, name in enumerate(ZENDESK_GROUPS)}
    n_customers = max(60, headcount)
    customers = [
        Customer(
            id=int_id(seed, "zd-customer", i, 10**10, 9 * 10**10) // 10000 * 10000 + i % 10000,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            email=f"customer{i + 1}@client{i % 40 + 1}.example",
            organization_id=509000 + i % 40,
        )
        for i in range(n_customers)
    ]
    adopted = seats.adoption_date(story.PILOT_TOOL)
    agent_depts = {d for d, _ in ZENDESK_GROUPS.values()}
    agents = sorted({i for d in agent_depts for i in people.by_department[d]})

    days = (tl.horizon - tl.start).days + 1
    n_tickets = round(story.ZENDESK_TICKETS_PER_EMPLOYEE_DAY * headcount * days)
    names = list(ZENDESK_GROUPS)
    weights = [ZENDESK_GROUPS[g][1] for g in names]
    change_id = 2_127_300_000
    tickets: list[Ticket] = []
    for n in range(n_tickets):
        day = random_workday(rng, tl.start, days)
        created = datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(6 * 3600, 19 * 3600))
        origin = rng.choices(names, weights)[0]
        path = zendesk_path(rng, origin, day, tl)
        customer = customers[rng.randrange(n_customers)]
        first_agent = people.active_in(ZENDESK_GROUPS[origin][0], day, rng)
        if first_agent is None:
            continue
        ai = (ZENDESK_GROUPS[origin][0] == story.PILOT_DEPARTMENT and first_agent.idx in adopted
              and adopted[first_agent.idx] <= day)
        t = Ticket(35000 + n, str(35000 + n), created, {
            "status": "new", "group": origin, "assignee": None,
            "priority": rng.choices(("low", "normal", "high", "urgent"), (0.2, 0.55, 0.2, 0.05))[0],
            "type": rng.choice(("question", "incident", "problem", "task")),
            "subject": rng.choice(SUBJECTS), "requester": customer.id, "organization": customer.organization_id,
            "tags": ("ai_draft",) if ai else (), "satisfaction": None,
            "channel": rng.choice(("email", "web", "web", "chat")),
        })
        t.extra = {"ai_assisted": ai, "path": path}

        def change(when, author, *items, t=t):
            nonlocal change_id
            change_id += 7
            t.add_change(when, author, items, change_id)

        def comment(when, author, body, public=True, t=t):
            nonlocal change_id
            change_id += 7
            t.comments.append((when, author, body, public, change_id))

        # first assignment within minutes, first public reply after the first-reply time
        assigned = created + timedelta(minutes=rng.randrange(2, 40))
        change(assigned, first_agent.idx, ("assignee", None, first_agent.idx), ("status", "new", "open"))
        frt = _lognormal(rng, story.BASELINE_FIRST_REPLY_MEDIAN_MIN, 0.7)
        if day >= tl.pilot_start:
            frt *= 1 + story.GENERAL_TREND_AFTER_PILOT
        if ai:
            frt *= 1 + story.AI_ASSISTED_FIRST_REPLY_EFFECT
        clock = max(assigned + timedelta(minutes=1), created + timedelta(minutes=frt))
        comment(clock, first_agent.idx, "Thanks for reaching out, we are looking into it.")
        t.extra["first_reply_at"] = clock

        # handoffs along the path: internal note, group + assignee change, receiving agent replies
        agent = first_agent
        for prev_group, group in zip(path, path[1:], strict=False):
            clock += timedelta(minutes=_lognormal(rng, 240, 0.8))
            receiver = people.active_in(ZENDESK_GROUPS[group][0], clock.date(), rng) or agent
            comment(clock, agent.idx, f"Handing over to {group}.", public=False)
            change(clock, agent.idx, ("group", prev_group, group), ("assignee", agent.idx, receiver.idx))
            clock += timedelta(minutes=_lognormal(rng, 300, 0.9))  # boundary wait
            comment(clock, receiver.idx, "Picking this up from here.")
            agent = receiver

        resolution = _lognormal(rng, story.BASELINE_RESOLUTION_MEDIAN_MIN, 0.8)
        if ai:
            resolution *= 1 + story.AI_ASSISTED_RESOLUTION_EFFECT
        solved = max(clock + timedelta(minutes=30), created + timedelta(minutes=resolution))
        comment(solved - timedelta(minutes=5), agent.idx, "This should be fixed now.")
        change(solved, agent.idx, ("status", "open", "solved"))
        last_solved = solved
        if rng.random() < story.BASELINE_REOPEN_RATE:
            reopened = solved + timedelta(hours=rng.randrange(6, 72))
            change(reopened, None, ("status", "solved", "open"))
            last_solved = reopened + timedelta(minutes=_lognormal(rng, 600, 0.7))
            comment(last_solved - timedelta(minutes=3), agent.idx, "Fixed for good this time.")
            change(last_solved, agent.idx, ("status", "open", "solved"))
        if rng.random() < story.RATING_RESPONSE_RATE:
            p_good = story.AI_ASSISTED_CSAT_GOOD if ai else story.BASELINE_CSAT_GOOD
            good = rng.random() < p_good
            rating = {"id": 1_234_000 + n, "score": "good" if good else "bad",
                      "comment": "Quick and helpful" if good else "Took too long", "reason": None}
            change(last_solved + timedelta(hours=rng.randrange(1, 48)), None, ("satisfaction", None, rating))
        change(last_solved + timedelta(days=4), None, ("status", "solved", "closed"))
        t.finish()
        tickets.append(t)
    return ZendeskData(tickets=tickets, groups=groups, customers=customers, agents=agents)
