"""Which departments a ticket passes through: the silo story in one function per system.

Handoff and ping-pong rates come from `story`; the steering group cuts them for tickets that start
in one of its departments from its start date on, so the other departments are the comparison group.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sandbox import story

# Zendesk groups of the demo organisation: name -> (department, share of new tickets)
ZENDESK_GROUPS: dict[str, tuple[str, float]] = {
    "Support Tier 1": ("Customer Support", 0.55),
    "Support Tier 2": ("Customer Support", 0.08),
    "Sales Desk": ("Sales", 0.15),
    "Billing": ("Finance", 0.08),
    "Engineering Escalations": ("Engineering", 0.07),
    "Product Feedback": ("Product", 0.07),
}
# Where a single handoff from a group goes.
ZENDESK_HANDOFF_TARGETS: dict[str, tuple[str, ...]] = {
    "Support Tier 1": ("Engineering Escalations", "Billing", "Product Feedback", "Sales Desk"),
    "Support Tier 2": ("Engineering Escalations", "Product Feedback"),
    "Sales Desk": ("Support Tier 1", "Billing"),
    "Billing": ("Support Tier 1", "Sales Desk"),
    "Engineering Escalations": ("Support Tier 2",),
    "Product Feedback": ("Support Tier 1", "Engineering Escalations"),
}
PINGPONG_PATH = ("Sales Desk", "Support Tier 1", "Engineering Escalations", "Support Tier 2")

# ServiceNow assignment groups: name -> department
SERVICENOW_GROUPS: dict[str, str] = {
    "Service Desk": "IT",
    "Network Operations": "IT",
    "Application Support": "Engineering",
    "HR Operations": "HR",
    "Finance Systems": "Finance",
}
SERVICENOW_HANDOFF_TARGETS = ("Application Support", "HR Operations", "Finance Systems")

# Where a Jira issue of a department is handed off to.
JIRA_HANDOFF_TARGETS: dict[str, tuple[str, ...]] = {
    "Sales": ("Customer Support", "Product", "Finance"),
    "Marketing": ("Product", "Sales", "Engineering"),
    "Customer Support": ("Engineering", "Product", "Sales"),
    "Product": ("Engineering", "Marketing"),
    "Engineering": ("Customer Support", "Product", "IT"),
    "IT": ("Engineering", "HR"),
    "HR": ("IT", "Finance"),
    "Finance": ("Sales", "Operations"),
    "Operations": ("Finance", "IT"),
}
JIRA_PINGPONG_PATH = ("Sales", "Customer Support", "Engineering", "Customer Support")


def steering_factor(origin_department: str, day: date, tl: story.Timeline) -> float:
    if day >= tl.steering_start and origin_department in story.STEERING_DEPARTMENTS:
        return 1.0 - story.STEERING_HANDOFF_CUT
    return 1.0


def zendesk_path(rng, origin_group: str, day: date, tl: story.Timeline) -> tuple[str, ...]:
    """Groups the ticket visits, in order, starting with `origin_group`."""
    dept = ZENDESK_GROUPS[origin_group][0]
    factor = steering_factor(dept, day, tl)
    if origin_group == "Sales Desk" and rng.random() < story.PINGPONG_RATE_BASELINE * factor:
        return PINGPONG_PATH
    if rng.random() < story.HANDOFF_RATE_BASELINE * factor:
        return (origin_group, rng.choice(ZENDESK_HANDOFF_TARGETS[origin_group]))
    if origin_group == "Support Tier 1" and rng.random() < 0.10:
        return (origin_group, "Support Tier 2")  # same department: a group change, not a handoff
    return (origin_group,)


def jira_path(rng, origin: str, day: date, tl: story.Timeline) -> tuple[str, ...]:
    factor = steering_factor(origin, day, tl)
    if origin == "Sales" and rng.random() < story.PINGPONG_RATE_BASELINE * factor:
        return JIRA_PINGPONG_PATH
    if rng.random() < story.HANDOFF_RATE_BASELINE * factor:
        return (origin, rng.choice(JIRA_HANDOFF_TARGETS[origin]))
    return (origin,)


def servicenow_path(rng, day: date, tl: story.Timeline) -> tuple[str, ...]:
    first = "Service Desk"
    if rng.random() < 0.15:
        return (first, "Network Operations")  # inside IT
    if rng.random() < story.HANDOFF_RATE_BASELINE:
        target = rng.choice(SERVICENOW_HANDOFF_TARGETS)
        if rng.random() < 0.2:
            return (first, target, first)  # sent back: ping-pong
        return (first, target)
    return (first,)


def work_time(rng, day: date) -> datetime:
    """A time on `day` in (UTC) office hours."""
    return datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(7 * 3600, 17 * 3600))


def random_workday(rng, start: date, days: int) -> date:
    """A day in [start, start+days), weekends three times less likely."""
    while True:
        d = start + timedelta(days=rng.randrange(days))
        if d.weekday() < 5 or rng.random() < 0.3:
            return d
