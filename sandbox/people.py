"""Employees: departments, teams, role families, managers, joiners, leavers and movers.

Each employee has an effective-dated job history (`Assignment`s); `assignment_at(day)` answers
where they worked on a given day, which is what the ticket generators use to decide whether a
reassignment crossed a department boundary.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from sandbox import story
from sandbox.ids import hex_id, int_id, stream, uuid_id

FIRST_NAMES = ["Aisha", "Anna", "Bram", "Chen", "Daan", "Eva", "Fatima", "Femke", "Finn", "Hugo", "Ines", "Isa", "Jan", "Jasper", "Julia", "Karim", "Lars", "Lea", "Levi", "Lina", "Luca", "Lotte", "Maria", "Mila", "Mohammed", "Nina", "Noah", "Olivia", "Omar", "Priya", "Ravi", "Roos", "Ruben", "Sara", "Sem", "Sofia", "Thomas", "Tess", "Vera", "Yara", "Zoe", "Anouk", "Bas", "Dewi", "Elif", "Emre", "Floor", "Gijs", "Hana", "Ivo", "Joris", "Kai", "Lieke", "Maud", "Niels", "Pim", "Quinten", "Rosa", "Stijn", "Timo", "Yusuf"]
LAST_NAMES = ["Bakker", "Janssen", "Visser", "Smit", "Meijer", "DeBoer", "Mulder", "DeGroot", "Bos", "Vos", "Peters", "Hendriks", "VanDijk", "Dekker", "Brouwer", "DeWit", "Dijkstra", "Smits", "DeGraaf", "VanDerMeer", "Kok", "Jacobs", "Haan", "Vermeulen", "VanDenBerg", "Schouten", "Willems", "Hoekstra", "Koster", "Prins", "Huisman", "Peeters", "Kuipers", "Veenstra", "Kramer", "Postma", "Yilmaz", "Kaya", "Nguyen", "Patel", "Rossi", "Garcia", "Novak", "Kowalski", "Schmidt", "Muller", "Dubois", "Silva", "Costa", "Ahmed", "Ali", "Khan", "Tan", "Wong", "Lee", "Park", "Kim", "Sato", "Ito"]
LOCATIONS = ("Amsterdam", "Amsterdam", "Utrecht", "Rotterdam", "Eindhoven", "Remote", "Berlin")

# department -> (role family, team name stems, job titles from junior to senior)
DEPARTMENT_SHAPE: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "Sales": ("Sales", ("Enterprise", "Mid-Market", "SMB", "Partnerships", "Renewals"),
              ("Sales Development Rep", "Account Executive", "Senior Account Executive")),
    "Marketing": ("Marketing", ("Brand", "Content", "Growth", "Product Marketing", "Events"),
                  ("Marketing Specialist", "Marketing Manager", "Senior Marketing Manager")),
    "Customer Support": ("Support", ("Tier 1 North", "Tier 1 South", "Tier 2", "Onboarding", "Billing Support"),
                         ("Support Agent", "Senior Support Agent", "Support Specialist")),
    "Product": ("Product", ("Core Product", "Growth Product", "Design", "Research"),
                ("Product Analyst", "Product Manager", "Senior Product Manager")),
    "Engineering": ("Software Engineering", ("Platform", "Payments", "Mobile", "Web", "Data", "Infrastructure",
                                             "Identity", "Search", "Integrations", "Quality"),
                    ("Software Engineer", "Senior Software Engineer", "Staff Engineer")),
    "IT": ("IT Operations", ("Service Desk", "Network", "Workplace", "Security"),
           ("IT Support Specialist", "Systems Engineer", "Senior Systems Engineer")),
    "HR": ("People", ("Talent Acquisition", "People Partners", "Learning"),
           ("HR Advisor", "Recruiter", "Senior HR Business Partner")),
    "Finance": ("Finance", ("Accounting", "FP&A", "Billing"),
                ("Financial Analyst", "Accountant", "Senior Controller")),
    "Operations": ("Operations", ("Office", "Procurement", "Business Operations"),
                   ("Operations Coordinator", "Operations Manager", "Senior Operations Manager")),
}
TEAM_SIZE = 8


@dataclass(frozen=True)
class Team:
    id: str  # stable uuid, used as the Jira Team field id
    name: str
    department: str
    slug: str


@dataclass(frozen=True)
class Assignment:
    valid_from: date
    department: str
    team: Team
    role_family: str
    job_title: str
    manager: int | None  # employee index


@dataclass(slots=True)
class Employee:
    idx: int
    employee_id: str
    first_name: str
    last_name: str
    email: str
    location: str
    start_date: date
    end_date: date | None
    history: list[Assignment] = field(default_factory=list)
    # vendor identities
    jira_account_id: str = ""
    zendesk_user_id: int = 0
    servicenow_sys_id: str = ""
    graph_id: str = ""
    bamboohr_id: int = 0
    github_login: str | None = None
    github_id: int | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def assignment_at(self, day: date) -> Assignment:
        """The job held on `day` (the first one before the start date)."""
        starts = [a.valid_from for a in self.history]
        i = bisect_right(starts, day) - 1
        return self.history[max(i, 0)]

    def employed_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass
class People:
    employees: list[Employee]
    teams: list[Team]
    departments: tuple[str, ...]
    # department -> employee indexes that ever worked there (for sampling actors)
    by_department: dict[str, list[int]]

    def active_in(self, department: str, day: date, rng, tries: int = 12) -> Employee | None:
        """A random employee working in `department` on `day` (rejection sampling; None if none found)."""
        pool = self.by_department.get(department) or []
        if not pool:
            return None
        for _ in range(tries):
            e = self.employees[pool[rng.randrange(len(pool))]]
            if e.employed_on(day) and e.assignment_at(day).department == department:
                return e
        for i in pool:  # rare: small departments at the edges of the history
            e = self.employees[i]
            if e.employed_on(day) and e.assignment_at(day).department == department:
                return e
        return None


def generate_people(seed: int, employees: int, timeline: story.Timeline) -> People:
    rng = stream(seed, "people")
    departments = tuple(story.DEPARTMENTS)
    sizes = _department_sizes(employees, departments)

    people: list[Employee] = []
    teams: list[Team] = []
    used_emails: set[str] = set()

    def new_employee(start: date) -> Employee:
        idx = len(people)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower()
        email, n = f"{local}@{story.DOMAIN}", 1
        while email in used_emails:
            n += 1
            email = f"{local}{n}@{story.DOMAIN}"
        used_emails.add(email)
        e = Employee(
            idx=idx, employee_id=f"E{idx + 1:05d}", first_name=first, last_name=last, email=email,
            location=rng.choice(LOCATIONS), start_date=start, end_date=None,
            jira_account_id="712020:" + uuid_id(seed, "jira-account", idx),
            zendesk_user_id=int_id(seed, "zendesk-user", idx, 10**9, 9 * 10**9) // 1000 * 1000 + idx % 1000,
            servicenow_sys_id=hex_id(seed, "sn-user", idx),
            graph_id=uuid_id(seed, "graph-user", idx),
            bamboohr_id=100 + idx,
        )
        people.append(e)
        return e

    def tenure_start() -> date:
        # existing staff joined up to 8 years before the history starts
        return timeline.start - timedelta(days=rng.randrange(30, 8 * 365))

    # CEO first, in Operations, reporting to nobody.
    exec_team = Team(uuid_id(seed, "team", 0), "Executive", "Operations", "executive")
    teams.append(exec_team)
    ceo = new_employee(timeline.start - timedelta(days=9 * 365))
    ceo.history.append(Assignment(date(1970, 1, 1), "Operations", exec_team, "Management", "Chief Executive Officer", None))

    team_members: dict[str, list[int]] = {}
    team_lead: dict[str, int] = {}
    for dept in departments:
        family, stems, titles = DEPARTMENT_SHAPE[dept]
        head = new_employee(tenure_start())
        head_team = Team(uuid_id(seed, "team", len(teams)), f"{dept} Leadership", dept, _slug(f"{dept} leadership"))
        teams.append(head_team)
        head.history.append(Assignment(date(1970, 1, 1), dept, head_team, "Management", f"Head of {dept}", ceo.idx))
        n_teams = max(1, round((sizes[dept] - 1) / TEAM_SIZE))
        per_team = _split(sizes[dept] - 1, n_teams)
        for t in range(n_teams):
            stem = stems[t % len(stems)]
            name = stem if t < len(stems) else f"{stem} {t // len(stems) + 1}"
            team = Team(uuid_id(seed, "team", len(teams)), name, dept, _slug(f"{dept[:4]} {name}"))
            teams.append(team)
            team_members[team.id] = []
            if per_team[t] == 0:
                continue
            lead = new_employee(tenure_start())
            lead.history.append(Assignment(date(1970, 1, 1), dept, team, "Management", f"{stem} Team Lead", head.idx))
            team_lead[team.id] = lead.idx
            for _ in range(per_team[t] - 1):
                e = new_employee(tenure_start())
                e.history.append(Assignment(date(1970, 1, 1), dept, team, family, rng.choice(titles), lead.idx))
                team_members[team.id].append(e.idx)

    _add_leavers_and_joiners(rng, people, new_employee, team_members, timeline)
    _add_movers(rng, people, teams, team_lead, timeline)
    _add_github_identities(seed, people)

    by_department: dict[str, list[int]] = {d: [] for d in departments}
    for e in people:
        for dept in {a.department for a in e.history}:
            by_department[dept].append(e.idx)
    return People(employees=people, teams=teams, departments=departments, by_department=by_department)


def _add_leavers_and_joiners(rng, people, new_employee, team_members, timeline) -> None:
    """Individual contributors leave at the attrition rate; each leaver is replaced by a joiner."""
    days = (timeline.horizon - timeline.start).days
    p_leave = story.ANNUAL_ATTRITION * days / 365
    queue = [i for members in team_members.values() for i in members]
    for i in queue:
        if rng.random() >= p_leave:
            continue
        leaver = people[i]
        leave_day = timeline.start + timedelta(days=rng.randrange(days))
        leaver.end_date = leave_day
        job = leaver.history[-1]
        joiner = new_employee(leave_day + timedelta(days=rng.randrange(7, 45)))
        joiner.history.append(Assignment(joiner.start_date, job.department, job.team, job.role_family,
                                         job.job_title, job.manager))


def _add_movers(rng, people, teams, team_lead, timeline) -> None:
    """A few individual contributors change department on an effective date inside the history."""
    candidates = [e for e in people if e.history[0].role_family != "Management" and e.end_date is None
                  and e.start_date < timeline.start]
    n_movers = max(3, round(len(people) * story.MOVER_SHARE))
    rng.shuffle(candidates)
    span = (timeline.horizon - timeline.start).days
    for k, e in enumerate(candidates[:n_movers]):
        old = e.history[-1]
        targets = [t for t in teams if t.department != old.department and t.id in team_lead]
        if not targets:
            continue
        team = rng.choice(targets)
        family, _, titles = DEPARTMENT_SHAPE[team.department]
        # the last mover moves inside the future window, so advance() reveals a department change
        when = timeline.end + timedelta(days=5) if k == 0 else timeline.start + timedelta(days=rng.randrange(30, span - 30))
        e.history.append(Assignment(when, team.department, team, family, titles[0], team_lead[team.id]))


def _add_github_identities(seed: int, people: list[Employee]) -> None:
    # Engineers (and a few IT people) have GitHub logins that no API maps to an e-mail.
    for e in people:
        if any(a.department in ("Engineering", "IT") for a in e.history):
            e.github_login = f"{e.first_name.lower()}{e.last_name.lower()[:3]}-{hex_id(seed, 'gh', e.idx, 4)}"
            e.github_id = 5_000_000 + e.idx


def _department_sizes(total: int, departments: tuple[str, ...]) -> dict[str, int]:
    total -= 1  # the CEO
    raw = {d: story.DEPARTMENTS[d] * total for d in departments}
    sizes = {d: max(3, int(v)) for d, v in raw.items()}
    rest = total - sum(sizes.values())
    for d in sorted(departments, key=lambda d: raw[d] - int(raw[d]), reverse=True):
        if rest <= 0:
            break
        sizes[d] += 1
        rest -= 1
    return sizes


def _split(n: int, parts: int) -> list[int]:
    base, extra = divmod(n, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")
