"""Daily AI-tool usage per seat, columnar (numpy): one row per seat, one column per day.

A seat is active on a day when it is licensed, its holder has adopted the tool, is employed, and
a draw against their propensity succeeds (weekends rarely). Pilot seats ramp up over four weeks
after adoption, so Customer Support's usage visibly climbs after the pilot start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sandbox import story
from sandbox.adoption import Seat, SeatPlan
from sandbox.ids import np_stream
from sandbox.people import People

# Microsoft 365 Copilot apps, one bit each, in the report's column order.
M365_APPS = ("microsoftTeams", "word", "excel", "powerPoint", "outlook", "oneNote", "loop", "copilotChat")
M365_APP_WEIGHTS = np.array([0.5, 0.35, 0.2, 0.15, 0.45, 0.05, 0.05, 0.6])
MODELS = {"Marketing Content": "gpt-4o-2024-08-06", story.HR_RECRUITING_PROJECT: "gpt-4o-mini-2024-07-18"}


@dataclass
class ToolUsage:
    tool: str
    seats: list[Seat]
    start: date  # day 0 of the columns
    active: np.ndarray  # bool [seats, days]
    intensity: np.ndarray  # uint16 [seats, days]: interactions / prompts / requests
    apps: np.ndarray | None = None  # uint8 bitmask [seats, days] (M365 only)
    accept_rate: np.ndarray | None = None  # float32 [seats] (GitHub only)

    def day_index(self, day: date) -> int:
        return (day - self.start).days

    @property
    def n_days(self) -> int:
        return self.active.shape[1]

    def last_active(self, upto: date, mask: np.ndarray | None = None) -> np.ndarray:
        """Per seat, the index of the last active day <= upto (-1 if none)."""
        end = min(self.day_index(upto) + 1, self.n_days)
        if end <= 0:
            return np.full(len(self.seats), -1)
        m = (self.active if mask is None else mask)[:, :end]
        rev = m[:, ::-1]
        has = rev.any(axis=1)
        return np.where(has, end - 1 - rev.argmax(axis=1), -1)


@dataclass
class Usage:
    tools: dict[str, ToolUsage]


def generate_usage(seed: int, people: People, seats: SeatPlan, tl: story.Timeline) -> Usage:
    start = tl.start - timedelta(days=28)  # a little run-up so trailing windows are full on day one
    days = (tl.horizon - start).days + 1
    day_dates = np.array([np.datetime64(start + timedelta(days=i)) for i in range(days)])
    weekday = (day_dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    weekend = weekday >= 5
    tools = {}
    for tool in ("github_copilot", "m365_copilot", "openai"):
        tool_seats = seats.for_tool(tool)
        rng = np_stream(seed, f"usage-{tool}")
        n = len(tool_seats)
        active = np.zeros((n, days), dtype=bool)
        intensity = np.zeros((n, days), dtype=np.uint16)
        base = {"github_copilot": 14.0, "m365_copilot": 6.0, "openai": 18.0}[tool]
        for i, s in enumerate(tool_seats):
            if s.adopted is None:
                continue
            emp = people.employees[s.person]
            first = max(s.adopted, s.start, emp.start_date)
            last = min(d for d in (s.end, emp.end_date, tl.horizon) if d is not None)
            a, b = (first - start).days, (last - start).days + 1
            if b <= max(a, 0):
                continue
            a = max(a, 0)
            p = np.full(b - a, s.propensity)
            if tool == story.PILOT_TOOL and emp.history[0].department == story.PILOT_DEPARTMENT:
                p *= np.minimum(1.0, 0.3 + 0.7 * np.arange(b - a) / 28.0)  # usage climbs after adoption
            p = np.where(weekend[a:b], p * 0.08, p)
            on = rng.random(b - a) < p
            active[i, a:b] = on
            intensity[i, a:b] = np.where(on, 1 + rng.poisson(base, b - a), 0)
        extra = {}
        if tool == "m365_copilot":
            draws = rng.random((n, days, len(M365_APPS))) < M365_APP_WEIGHTS
            bits = (draws * (1 << np.arange(len(M365_APPS)))).sum(axis=2).astype(np.uint8)
            bits = np.where(bits == 0, 1 << 7, bits)  # an active day used at least Copilot Chat
            extra["apps"] = np.where(active, bits, 0).astype(np.uint8)
        if tool == "github_copilot":
            extra["accept_rate"] = np.clip(rng.normal(0.3, 0.06, n), 0.1, 0.6).astype(np.float32)
        tools[tool] = ToolUsage(tool, tool_seats, start, active, intensity, **extra)
    return Usage(tools)
