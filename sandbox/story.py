"""The story the demo organisation tells, with every effect size in one place.

`docs/sandbox_story.md` explains these numbers in prose; the generator modules read them from here
and the sandbox tests check that the generated data shows them. Dates are placed relative to the
generated history (fractions of it), so a 6-month and a 24-month organisation tell the same story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DOMAIN = "acme.example"
COMPANY = "acme"

# Department -> share of headcount. Customer Support and Engineering are the big ones.
DEPARTMENTS: dict[str, float] = {
    "Sales": 0.14,
    "Marketing": 0.08,
    "Customer Support": 0.18,
    "Product": 0.08,
    "Engineering": 0.26,
    "IT": 0.07,
    "HR": 0.05,
    "Finance": 0.06,
    "Operations": 0.08,
}

# --- 1. Baseline -----------------------------------------------------------------------------
BASELINE_FIRST_REPLY_MEDIAN_MIN = 240.0  # Zendesk first reply time, median minutes, every group
BASELINE_RESOLUTION_MEDIAN_MIN = 1900.0  # full resolution time, median minutes
BASELINE_CSAT_GOOD = 0.78  # share of "good" satisfaction ratings
BASELINE_REOPEN_RATE = 0.08
RATING_RESPONSE_RATE = 0.35  # share of solved tickets that get a satisfaction rating
GENERAL_TREND_AFTER_PILOT = -0.05  # every department's first-reply time drifts -5% after the pilot start

# --- 2. Customer Support AI pilot (Microsoft 365 Copilot) -------------------------------------
PILOT_START_FRACTION = 0.5  # pilot starts half-way through the history
PILOT_DEPARTMENT = "Customer Support"
PILOT_TOOL = "m365_copilot"
PILOT_TRAINING_LEAD_DAYS = 28  # Support's training runs in the 4 weeks before the pilot
PILOT_RAMP_DAYS = 56  # adopters start using the tool spread over 8 weeks after the start
PILOT_ADOPTER_SHARE = 0.80  # share of Support agents who become users
# A ticket is AI-assisted when its assignee adopted before the ticket was created.
AI_ASSISTED_FIRST_REPLY_EFFECT = -0.40  # first-reply time of AI-assisted tickets, relative
AI_ASSISTED_RESOLUTION_EFFECT = -0.20  # full resolution time, relative
AI_ASSISTED_CSAT_GOOD = 0.86  # "good" share on AI-assisted tickets
# Department-level consequence once the ramp is over: about adopter share x effect
# (0.80 x -0.40 = -0.32) plus the general trend; the tests check Support's median falls by
# SUPPORT_FIRST_REPLY_DROP_EXPECTED +- 0.08 while other departments move less than 0.12.
SUPPORT_FIRST_REPLY_DROP_EXPECTED = -0.35

# --- 2b. Two more initiatives (value chain): one that pays off, one that does not --------------
# Engineering's GitHub Copilot training roll-out: engineers holding a Copilot seat who have not taken
# module ENG-GHCP take it in the 3 weeks from this point; issues assigned to an engineer who completed
# it are done 30% faster (every duration of the issue's own work), so Engineering's median Jira lead
# time falls by about 22% (three in four of its issues done by a trained engineer x -30%) against the
# other departments.
ENG_TRAINING_FRACTION = 0.55
ENG_TRAINING_SHARE = 0.95  # of untrained seat holders, who start the module
ENG_TRAINED_LEAD_TIME_EFFECT = -0.30
ENG_LEAD_TIME_DROP_EXPECTED = -0.22
# Product's Microsoft 365 Copilot training: 85% of Product take module PROD-M365; nothing else changes
# (no usage, no lead-time effect): the value chain should say "no clear effect".
PRODUCT_TRAINING_FRACTION = 0.60
PRODUCT_TRAINING_SHARE = 0.85

# --- 3. Islands: Marketing's own chat tool -----------------------------------------------------
ISLAND_DEPARTMENT = "Marketing"
ISLAND_START_FRACTION = 0.15  # Marketing buys OpenAI seats early on, on its own budget
ISLAND_SEAT_SHARE = 0.85  # of Marketing headcount
# M365 Copilot (chat capability) is licensed to these departments from the start (share of headcount);
# Customer Support gets licences at the pilot start. Marketing never gets M365 Copilot.
M365_LICENSED_SHARE: dict[str, float] = {
    "Sales": 0.6, "Finance": 0.7, "HR": 0.5, "IT": 0.6, "Product": 0.6, "Operations": 0.4,
    "Engineering": 0.2,
}
M365_BASELINE_DAILY_ACTIVE = 0.30  # chance a licensed non-pilot user is active on a working day
GITHUB_COPILOT_SEAT_SHARE = 0.85  # of Engineering (seats assigned via GitHub teams)
GITHUB_COPILOT_DAILY_ACTIVE = 0.65
HR_RECRUITING_PROJECT = "Recruiting Screener"  # HR's recruiting assistant = an OpenAI project
HR_RECRUITING_USER_SHARE = 0.6
# Monthly list prices (USD per seat) the tool catalogue should carry.
SEAT_PRICES = {"m365_copilot": 30.0, "github_copilot": 19.0, "openai_chatgpt": 30.0}

# --- 4. Silos: ping-pong and the steering group ------------------------------------------------
# Customer tickets that start at the Sales Desk are bounced Sales -> Support -> Engineering -> Support.
PINGPONG_RATE_BASELINE = 0.30  # share of Sales Desk tickets that ping-pong before the steering group
HANDOFF_RATE_BASELINE = 0.25  # share of other tickets with one cross-department handoff
STEERING_START_FRACTION = 0.75  # cross-functional steering group (Sales, Support, Engineering) starts
STEERING_HANDOFF_CUT = 0.40  # handoffs (and ping-pong) fall by 40% after it
STEERING_DEPARTMENTS = ("Sales", "Customer Support", "Engineering")
MISCOMMUNICATION_LABEL_RATE = 0.35  # share of handed-off Jira issues labelled miscommunication/internal-handoff
COLLABORATION_BASELINE = 5.0  # 0-10 score between steering departments before the group
COLLABORATION_OTHER = 6.5  # 0-10 score for every other department pair
COLLABORATION_STEERING_GAIN = 1.5  # steering departments rate each other this much higher afterwards

# --- 5. Training and sentiment ----------------------------------------------------------------
RESISTANCE_BASELINE = 3.4  # 1-5 Likert, everyone
RESISTANCE_DROP_TRAINED = 0.9  # trained departments' mean resistance falls by this after training
USEFULNESS_BASELINE = 3.0
USEFULNESS_GAIN_TRAINED = 0.8
PSYCH_SAFETY_BASELINE = 3.6
SKILL_PRE_MEAN = 48.0  # 0-100 assessment before training
SKILL_GAIN_SUPPORT = 24.0  # post - pre, Support's pilot module
SKILL_GAIN_OTHER = 10.0  # post - pre, other modules
SURVEY_RESPONSE_RATE = 0.55
ENPS_PROMOTER_SHARE = 0.35
TOOL_NPS_BASE = 6.8  # mean 0-10 "would you recommend this AI tool"; +1.2 for trained departments

# --- Innovation: AI use-case proposals (Jira project AIUC, issue type Idea) ---------------------
AI_IDEAS_PER_EMPLOYEE_YEAR = 0.15
IDEA_TRAINED_FACTOR = 3.0  # people who completed an AI module propose three times as many ideas
IDEA_IMPLEMENTED_SHARE = 0.40  # resolved Done
IDEA_REJECTED_SHARE = 0.25  # resolved Won't Do; the rest stay open

# --- Supported use: IT incidents about AI tools (ServiceNow subcategory ai_assistant) ------------
AI_TOOL_INCIDENT_SHARE = 0.06  # of all incidents
AI_TOOL_INCIDENT_SHARE_PILOT_RAMP = 0.15  # during the pilot's ramp-up: onboarding questions

# --- Activity volumes (per employee per calendar day) ------------------------------------------
ZENDESK_TICKETS_PER_EMPLOYEE_DAY = 0.03
JIRA_ISSUES_PER_EMPLOYEE_DAY = 0.025
SERVICENOW_INCIDENTS_PER_EMPLOYEE_DAY = 0.006
ANNUAL_ATTRITION = 0.12
MOVER_SHARE = 0.02  # share of employees who change department during the history
FUTURE_DAYS = 60  # simulated days generated beyond end_date, revealed by advance()


@dataclass(frozen=True)
class Timeline:
    """The story's key dates for one generated history."""

    start: date
    end: date  # the configured end date: the server's first "now" is the end of this day
    pilot_start: date
    pilot_training_start: date
    island_start: date
    steering_start: date
    eng_training_start: date
    product_training_start: date
    horizon: date  # last generated day (end + FUTURE_DAYS)

    @classmethod
    def build(cls, end: date, months: int) -> Timeline:
        start = _months_before(end, months) + timedelta(days=1)
        span = (end - start).days

        def at(fraction: float) -> date:
            return start + timedelta(days=round(span * fraction))

        pilot = at(PILOT_START_FRACTION)
        return cls(
            start=start,
            end=end,
            pilot_start=pilot,
            pilot_training_start=pilot - timedelta(days=PILOT_TRAINING_LEAD_DAYS),
            island_start=at(ISLAND_START_FRACTION),
            steering_start=at(STEERING_START_FRACTION),
            eng_training_start=at(ENG_TRAINING_FRACTION),
            product_training_start=at(PRODUCT_TRAINING_FRACTION),
            horizon=end + timedelta(days=FUTURE_DAYS),
        )


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    # clamp the day to the target month's length
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(d, day.day))
        except ValueError:
            continue
    raise ValueError(f"cannot go {months} months back from {day}")


def initiatives_yaml(tl: Timeline) -> str:
    """The story's three initiatives as `config/initiatives.yml` declares them, dated for `tl`.

    The demo writes this for its own history (which ends yesterday); config/initiatives.yml holds the
    same for the 12 months to 2026-10-31 (a test keeps the two alike).
    """
    def entry(ident: str, name: str, department: str, tool: str, start: date, ramp: int, rate: float,
              primary: str, business: str, financial: str, comparison: str = "") -> str:
        return (f"  - id: {ident}\n    name: {name}\n    target_departments: [{department}]\n"
                + (f"    comparison_departments: [{comparison}]\n" if comparison else "")
                + f"    tools: [{tool}]\n    start: {start.isoformat()}\n    baseline_days: 90\n"
                f"    ramp_days: {ramp}\n    hourly_rate_eur: {rate:.2f}\n    links:\n"
                f"      change_activity: trained_share\n      behaviour_change: wau_share\n"
                f"      primary_benefit: {primary}\n      business_value: {business}\n"
                f"      financial_impact: {financial}\n")

    return "# The demo organisation's initiatives (docs/sandbox_story.md), dated for its history.\ninitiatives:\n" + "".join((
        entry("support_m365_pilot", "Customer Support Microsoft 365 Copilot pilot", PILOT_DEPARTMENT, PILOT_TOOL,
              tl.pilot_training_start, PILOT_TRAINING_LEAD_DAYS + PILOT_RAMP_DAYS, 45.0,
              "median_first_reply_minutes", "csat_good_share", "net_monthly_value_eur"),
        entry("engineering_copilot_training", "Engineering GitHub Copilot training roll-out", "Engineering",
              "github_copilot", tl.eng_training_start, 56, 60.0, "median_lead_time_hours", "null", "null",
              comparison="Marketing, IT, HR, Finance, Operations"),
        entry("product_m365_training", "Product Microsoft 365 Copilot training", "Product", "m365_copilot",
              tl.product_training_start, 56, 50.0, "median_lead_time_hours", "null", "null",
              comparison="Marketing, IT, HR, Finance, Operations"),
    ))
