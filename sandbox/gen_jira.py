"""Jira: internal work per department, epics that span departments, handoffs, comments, labels.

Each issue's assignee, Team field and status change over time (the changelog); handed-off issues
sometimes get a `miscommunication` or `internal-handoff` label. A few issues have very long
histories so the search endpoint's embedded changelog is truncated, as Jira Cloud's is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox import story
from sandbox.ids import stream
from sandbox.people import People
from sandbox.routing import jira_path, random_workday
from sandbox.tickets import Ticket

PROJECTS: dict[str, str] = {  # key -> department
    "SALES": "Sales", "MKT": "Marketing", "SUP": "Customer Support", "PROD": "Product", "ENG": "Engineering",
    "ITOPS": "IT", "PEOPLE": "HR", "FIN": "Finance", "OPS": "Operations",
    "AIUC": "Operations",  # AI use-case proposals, triaged by the AI office in Operations
}
IDEA_PROJECT = "AIUC"
# Relative weights of new issues per project. Product files a quarter as many issues as Engineering
# would alone, so its no-effect initiative has ~60 issues per window (docs/value_chain.md, coverage).
PROJECT_WEIGHT = {"ENG": 0.35, "PROD": 0.25, "SUP": 0.14, "SALES": 0.12, "MKT": 0.08, "ITOPS": 0.08,
                  "PEOPLE": 0.04, "FIN": 0.05, "OPS": 0.04}
STATUSES = {"To Do": ("10000", "new"), "In Progress": ("3", "indeterminate"), "In Review": ("10001", "indeterminate"),
            "Done": ("10002", "done")}
STATUS_CATEGORY = {"new": (2, "blue-gray", "To Do"), "indeterminate": (4, "yellow", "In Progress"),
                   "done": (3, "green", "Done")}
LABELS = ("ai-assisted", "customer", "q-planning", "tech-debt", "onboarding", "automation", "reporting")
HANDOFF_LABELS = ("miscommunication", "internal-handoff")
SUMMARIES = (
    "Update pricing page copy", "Fix flaky login test", "Quarterly pipeline review", "Customer escalation: data export",
    "Automate invoice matching", "Laptop refresh batch", "Onboarding checklist for new hires", "Campaign landing page",
    "Investigate slow search", "Renewal playbook", "Support macro cleanup", "SSO for partner portal",
)
COMMENTS = ("Can you take a look?", "Waiting on the other team.", "Done on our side.", "Which customer is this for?",
            "I think this belongs to another team.", "Added the details.", "Let's discuss in standup.")


@dataclass
class JiraData:
    tickets: list[Ticket]  # issues, epics included (issue type in fields)
    hidden_email: set[int]  # employees whose Jira profile hides the e-mail address


def _lognormal(rng, median: float, sigma: float) -> float:
    return math.exp(rng.gauss(math.log(median), sigma))


def generate_jira(seed: int, people: People, tl: story.Timeline, headcount: int,
                  trained: dict[int, date] | None = None, copilot_trained: dict[int, date] | None = None) -> JiraData:
    rng = stream(seed, "jira")
    days = (tl.horizon - tl.start).days + 1
    n_issues = round(story.JIRA_ISSUES_PER_EMPLOYEE_DAY * headcount * days)
    keys = list(PROJECT_WEIGHT)
    weights = [PROJECT_WEIGHT[k] for k in keys]
    counters = dict.fromkeys(PROJECTS, 0)
    state = {"change": 100000, "comment": 10000}
    tickets: list[Ticket] = []

    def next_key(project: str) -> str:
        counters[project] += 1
        return f"{project}-{counters[project]}"

    def new_issue(project: str, created: datetime, issuetype: str, parent: str | None,
                  assignee_dept: str | None = None) -> Ticket | None:
        dept = PROJECTS[project]
        day = created.date()
        reporter = people.active_in(dept, day, rng) or people.active_in("Engineering", day, rng)
        assignee = people.active_in(assignee_dept or dept, day, rng)
        if reporter is None or assignee is None:
            return None
        labels = tuple(sorted(rng.sample(LABELS, rng.choice((0, 0, 1, 1, 2)))))
        t = Ticket(10000 + len(tickets) + 1, next_key(project), created, {
            "summary": rng.choice(SUMMARIES), "issuetype": issuetype, "status": "To Do", "assignee": None,
            "reporter": reporter.idx, "team": assignee.assignment_at(day).team.id, "labels": labels,
            "priority": rng.choices(("Low", "Medium", "High", "Highest"), (0.2, 0.55, 0.2, 0.05))[0],
            "parent": parent, "resolution": None, "resolutiondate": None, "project": project,
        })
        tickets.append(t)
        _play(t, assignee.idx, assignee_dept or dept, day)
        return t

    def change(t: Ticket, when: datetime, author, *items) -> None:
        state["change"] += 3
        t.add_change(when, author, items, state["change"])

    def comment(t: Ticket, when: datetime, author: int, text: str) -> None:
        state["comment"] += 1
        t.comments.append((when, author, text, True, state["comment"]))

    def _play(t: Ticket, assignee: int, dept: str, day) -> None:
        # Story 2b: an Engineering issue whose assignee completed the Copilot training is done faster.
        done_by = (copilot_trained or {}).get(assignee)
        pace = 1.0 + story.ENG_TRAINED_LEAD_TIME_EFFECT if dept == "Engineering" and done_by and done_by <= day else 1.0

        # Each step's duration is lognormal around its median; spreads of about half an order of
        # magnitude, so a department's median lead time over a quarter is known to within ~10%.
        def hours(median: float, sigma: float) -> timedelta:
            return timedelta(hours=pace * _lognormal(rng, median, sigma))

        clock = t.created + timedelta(minutes=rng.randrange(1, 240))
        change(t, clock, t.fields["reporter"], ("assignee", None, assignee))
        clock += hours(20, 0.48)
        change(t, clock, assignee, ("status", "To Do", "In Progress"))
        path = jira_path(rng, dept, day, tl) if t.fields["issuetype"] != "Epic" else (dept,)
        current, labels, team = assignee, t.fields["labels"], t.fields["team"]
        for _, target in zip(path, path[1:], strict=False):
            clock += hours(30, 0.48)
            receiver = people.active_in(target, clock.date(), rng)
            if receiver is None:
                break
            new_team = receiver.assignment_at(clock.date()).team.id
            items = [("assignee", current, receiver.idx), ("team", team, new_team)]
            if rng.random() < story.MISCOMMUNICATION_LABEL_RATE:
                new_labels = tuple(sorted(set(labels) | {rng.choice(HANDOFF_LABELS)}))
                if new_labels != labels:
                    items.append(("labels", labels, new_labels))
                    labels = new_labels
            comment(t, clock - timedelta(minutes=2), current, rng.choice(COMMENTS))
            change(t, clock, current, *items)
            clock += hours(8, 0.54)  # boundary wait
            comment(t, clock, receiver.idx, rng.choice(COMMENTS))
            current, team = receiver.idx, new_team
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            clock += hours(10, 0.6)
            author = current if rng.random() < 0.8 else (people.active_in(
                rng.choice(people.departments), clock.date(), rng) or people.employees[current]).idx
            comment(t, clock, author, rng.choice(COMMENTS))
        if rng.random() < 0.02:  # a long history: priority churn past the 40-history embed cap
            for _ in range(rng.randrange(45, 70)):
                clock += timedelta(minutes=rng.randrange(5, 600))
                old = t.state_at(clock)["priority"]
                new = rng.choice([p for p in ("Low", "Medium", "High", "Highest") if p != old])
                change(t, clock, current, ("priority", old, new))
                t.finish()
        clock += hours(40, 0.54)
        change(t, clock, current, ("status", "In Progress", "In Review"))
        clock += hours(16, 0.54)
        change(t, clock, current, ("status", "In Review", "Done"), ("resolution", None, "Done"),
               ("resolutiondate", None, clock))
        t.finish()

    n_epics = max(2, n_issues // 40)
    made = 0
    for _ in range(n_epics):
        day = random_workday(rng, tl.start, days)
        created = datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(7 * 3600, 17 * 3600))
        project = rng.choice(("PROD", "ENG", "SALES", "SUP", "MKT"))
        epic = new_issue(project, created, "Epic", None)
        if epic is None:
            continue
        made += 1
        # most epics pull in other departments: children land in several projects
        span = rng.choice((1, 2, 2, 3, 3))
        child_projects = [project] + rng.sample([k for k in keys if k != project], span - 1)
        last_done = epic.created
        for _ in range(rng.randrange(3, 8)):
            child_project = rng.choice(child_projects)
            child_created = created + timedelta(days=rng.randrange(0, 20), seconds=rng.randrange(0, 8 * 3600))
            child = new_issue(child_project, child_created, rng.choice(("Story", "Task", "Bug")), epic.key)
            if child is not None:
                made += 1
                last_done = max(last_done, child.changes[-1][0])
        # the epic is done when its last child is; move its own resolution there
        epic.changes = [c for c in epic.changes
                        if not any(f == "status" and to in ("In Review", "Done") for f, _, to in c[2])]
        done_at = max(last_done, epic.changes[-1][0]) + timedelta(hours=2)
        state["change"] += 3
        epic.add_change(done_at, epic.fields["reporter"],
                        (("status", "In Progress", "Done"), ("resolution", None, "Done"),
                         ("resolutiondate", None, done_at)), state["change"])
        epic.finish()
    while made < n_issues:
        day = random_workday(rng, tl.start, days)
        created = datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(7 * 3600, 17 * 3600))
        project = rng.choices(keys, weights)[0]
        if new_issue(project, created, rng.choices(("Task", "Story", "Bug"), (0.5, 0.3, 0.2))[0], None) is not None:
            made += 1
        else:
            made += 1  # department empty on that day: skip the slot rather than loop forever
    _ideas(rng, people, tl, headcount, trained or {}, tickets, next_key, change)
    tickets.sort(key=lambda t: t.id)
    hidden = {e.idx for e in people.employees if rng.random() < 0.03}
    return JiraData(tickets=tickets, hidden_email=hidden)


def _ideas(rng, people: People, tl: story.Timeline, headcount: int, trained: dict[int, date],
           tickets: list[Ticket], next_key, change) -> None:
    """AI use-case proposals: anyone may propose; trained people propose IDEA_TRAINED_FACTOR times more."""
    days = (tl.horizon - tl.start).days + 1
    n = round(story.AI_IDEAS_PER_EMPLOYEE_YEAR * headcount * days / 365)
    made = 0
    while made < n:
        day = random_workday(rng, tl.start, days)
        reporter = people.active_in(rng.choice(people.departments), day, rng)
        if reporter is None:
            continue
        is_trained = reporter.idx in trained and trained[reporter.idx] <= day
        if not is_trained and rng.random() >= 1 / story.IDEA_TRAINED_FACTOR:
            continue  # rejection sampling: untrained people propose a third as often
        triager = people.active_in("Operations", day, rng) or reporter
        created = datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(8 * 3600, 17 * 3600))
        t = Ticket(10000 + len(tickets) + 1, next_key(IDEA_PROJECT), created, {
            "summary": rng.choice(IDEAS), "issuetype": "Idea", "status": "To Do", "assignee": None,
            "reporter": reporter.idx, "team": triager.assignment_at(day).team.id, "labels": ("ai-use-case",),
            "priority": "Medium", "parent": None, "resolution": None, "resolutiondate": None, "project": IDEA_PROJECT,
        })
        tickets.append(t)
        made += 1
        clock = created + timedelta(hours=rng.randrange(1, 30))
        change(t, clock, triager.idx, ("assignee", None, triager.idx))
        clock += timedelta(days=rng.randrange(2, 12))
        change(t, clock, triager.idx, ("status", "To Do", "In Progress"))
        u = rng.random()
        if u < story.IDEA_IMPLEMENTED_SHARE:
            clock += timedelta(days=rng.randrange(15, 60))
            change(t, clock, triager.idx, ("status", "In Progress", "Done"), ("resolution", None, "Done"),
                   ("resolutiondate", None, clock))
        elif u < story.IDEA_IMPLEMENTED_SHARE + story.IDEA_REJECTED_SHARE:
            clock += timedelta(days=rng.randrange(5, 30))
            change(t, clock, triager.idx, ("status", "In Progress", "Done"), ("resolution", None, "Won't Do"),
                   ("resolutiondate", None, clock))
        t.finish()


IDEAS = ("Summarise support tickets before handover", "Draft sales proposals from CRM notes",
         "Auto-tag incoming invoices", "Generate release notes from merged PRs", "Screen CVs for must-have skills",
         "Answer HR policy questions in Teams", "Translate help-centre articles", "Forecast ticket volume")
