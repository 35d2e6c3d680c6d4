"""How the report writes numbers and periods."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd


def missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def fmt_value(value: object, unit: str | None) -> str:
    """A figure in its unit: shares (0-1) as percent, percentages as given, NPS signed, money in euro."""
    if missing(value):
        return "–"
    value = float(value)
    unit = (unit or "").lower()
    if "share" in unit:
        return f"{value * 100:.0f}%"
    if "percent" in unit or unit.startswith("%") or unit.endswith("pct"):
        return f"{value:.0f}%"
    if "nps" in unit:
        return f"{value:+.0f}"
    if "eur" in unit:
        return f"€{value:,.0f}"
    if "minute" in unit:
        return f"{value:,.0f} min"
    if "hour" in unit:
        return f"{value:,.0f} h"
    if "index" in unit:
        return f"{value:+.2f}"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"


def month_end(month_start: dt.date) -> dt.date:
    return (pd.Timestamp(month_start) + pd.offsets.MonthEnd(0)).date()


def is_partial_month(month_start: object, as_of: dt.date) -> bool:
    """A month the publication's data do not yet cover to its end."""
    return month_end(pd.Timestamp(month_start).date()) > as_of


def partial_flags(frame: pd.DataFrame, period_column: str, as_of: dt.date, last_day) -> pd.Series:
    """True for rows of an incomplete period: the marts' own `is_complete` when they have it, else
    periods whose last day (`last_day(start)`) lies after the data's as-of date."""
    if "is_complete" in frame.columns:
        return ~frame["is_complete"].fillna(False).astype(bool)
    return frame[period_column].map(lambda start: last_day(pd.Timestamp(start).date()) > as_of)


def week_end(week_start: dt.date) -> dt.date:
    return week_start + dt.timedelta(days=6)
