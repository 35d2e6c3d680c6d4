"""Adoption: weekly active share per team over time against the four phases; idle seats and their cost."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import yaml

from pipelines.report.formats import partial_flags, week_end
from pipelines.report.marts import PublishedMarts, column
from pipelines.report.page import Chart, Section, esc
from pipelines.settings import PROJECT_ROOT

PHASE_COLOURS = {"awareness": "#f1f3f5", "pilot": "#e3f2fd", "scaling": "#c8e6c9", "embedded": "#a5d6a7"}
DEFAULT_THRESHOLDS = {"pilot": 0.10, "scaling": 0.40, "embedded": 0.70}


def phase_thresholds() -> dict[str, float]:
    """The phase thresholds the adoption mart used: the dbt project's vars, else the model's defaults."""
    try:
        variables = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text()).get("vars", {})
    except OSError:
        variables = {}
    return {phase: float(variables.get(f"adoption_phase_{phase}_share", default)) for phase, default in DEFAULT_THRESHOLDS.items()}


def phase_bands() -> pd.DataFrame:
    t = phase_thresholds()
    edges = [("awareness", 0.0, t["pilot"]), ("pilot", t["pilot"], t["scaling"]),
             ("scaling", t["scaling"], t["embedded"]), ("embedded", t["embedded"], 1.0)]
    return pd.DataFrame(edges, columns=["phase", "low", "high"])


def _band_layer(bands: pd.DataFrame) -> alt.Chart:
    return alt.Chart(bands).mark_rect(opacity=0.8).encode(
        y=alt.Y("low:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", title="weekly active share")),
        y2="high:Q",
        color=alt.Color("phase:N", scale=alt.Scale(domain=list(PHASE_COLOURS), range=list(PHASE_COLOURS.values())),
                        legend=alt.Legend(title="phase", orient="top")),
    )


def _team_chart(frame: pd.DataFrame, tool: str, bands: pd.DataFrame) -> Chart | None:
    data = frame[frame["tool"] == tool]
    if data["share"].notna().sum() == 0:
        return None
    panels = []
    for department, group in data.groupby("department_name", sort=True):
        lines = alt.Chart(group[["week", "team_name", "share", "period"]]).mark_line(strokeWidth=1.3, color="#14324a").encode(
            x=alt.X("week:T", title=None, axis=alt.Axis(format="%b")),
            y=alt.Y("share:Q"),
            detail="team_name:N",
            tooltip=["team_name:N", alt.Tooltip("week:T", format="%d %b %Y"), alt.Tooltip("share:Q", format=".0%"), "period:N"],
        )
        layers = [_band_layer(bands), lines]
        partial = group[group["period"] == "partial week"]["week"].drop_duplicates()
        if not partial.empty:
            # The week still in progress: its share is not comparable yet.
            layers.append(alt.Chart(pd.DataFrame({"week": [partial.min()]})).mark_rule(strokeDash=[4, 3], color="#b54708")
                          .encode(x="week:T", tooltip=[alt.Tooltip("week:T", title="partial week from")]))
        panels.append(alt.layer(*layers).properties(title=str(department), width=230, height=120))
    withheld = int(data["withheld"].sum())
    chart = alt.concat(*panels, columns=3).properties(title=f"{tool.replace('_', ' ')}: weekly active share per team")
    caption = ("One line per team. Bands: the four phases (awareness, pilot, scaling, embedded; embedded also needs the "
               "share held for consecutive weeks). Gaps are team-weeks withheld under the privacy floor "
               f"({withheld} here); a dashed orange rule marks a week still in progress.")
    return Chart(f"adoption:{tool}", chart, caption)


def _idle_seat_charts(usage: pd.DataFrame, as_of: dt.date) -> list[Chart]:
    cost_col = column(usage, "idle_seat_monthly_cost_eur", "idle_seat_cost_eur_per_month")
    if cost_col is None or "idle_seats" not in usage.columns:
        return []
    latest_day = usage["usage_date"].max()
    latest = usage[usage["usage_date"] == latest_day].assign(cost=lambda f: f[cost_col])
    idle = alt.Chart(latest).mark_bar().encode(
        y=alt.Y("department_name:N", title=None, sort="-x"),
        x=alt.X("idle_seats:Q", title="licensed seats without activity in 28 days", stack="zero"),
        color=alt.Color("tool:N", legend=alt.Legend(orient="top")),
        tooltip=["department_name:N", "tool:N", "idle_seats:Q", alt.Tooltip("cost:Q", format=",.0f", title="€ per month")],
    ).properties(width=420, height=220, title=f"Idle seats on {pd.Timestamp(latest_day):%d %b %Y}")
    month_ends = usage.assign(month=usage["usage_date"].map(lambda d: pd.Timestamp(d).strftime("%Y-%m-01")))
    month_ends = month_ends[month_ends["usage_date"] == month_ends.groupby("month")["usage_date"].transform("max")]
    monthly = month_ends.groupby(["month", "tool"], as_index=False)[cost_col].sum().rename(columns={cost_col: "cost"})
    cost = alt.Chart(monthly).mark_bar().encode(
        x=alt.X("month:T", title=None, timeUnit="yearmonth", axis=alt.Axis(format="%b %y")),
        y=alt.Y("cost:Q", title="idle seat cost, € per month"),
        color=alt.Color("tool:N", legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), "tool:N", alt.Tooltip("cost:Q", format=",.0f")],
    ).properties(width=420, height=220, title="Monthly cost of idle seats (at each month's last day)")
    total = latest[cost_col].sum()
    return [
        Chart("adoption:idle_seats", idle, f"Idle seats cost <b>€{total:,.0f} per month</b> at the latest count."),
        Chart("adoption:idle_seat_cost", cost),
    ]


def adoption_section(marts: PublishedMarts, as_of: dt.date) -> Section:
    section = Section(
        "adoption", "Adoption",
        "Who uses the AI tools week by week, team by team, measured against the four phases of adoption; "
        "and what the licences nobody uses cost.",
    )
    teams = marts.table("adoption.team_phase_weekly")
    departments = marts.table("org.dim_department")
    if teams is not None and not teams.empty:
        if "department_name" not in teams.columns and departments is not None:
            teams = teams.merge(departments[["department_id", "department_name"]], on="department_id", how="left")
        share_col = column(teams, "wau_share", "weekly_active_share")
        suppressed = teams["is_suppressed"].fillna(False).astype(bool) if "is_suppressed" in teams.columns else teams[share_col].isna()
        frame = teams.assign(
            week=teams["week_start"].map(lambda d: pd.Timestamp(d).strftime("%Y-%m-%d")),
            share=teams[share_col].where(~suppressed),
            withheld=suppressed,
            period=partial_flags(teams, "week_start", as_of, week_end).map({True: "partial week", False: "complete"}),
            department_name=teams["department_name"].fillna(teams["department_id"]),
        )
        bands = phase_bands()
        for tool in sorted(frame["tool"].dropna().unique()):
            chart = _team_chart(frame, tool, bands)
            if chart is not None:
                section.add(chart)
    else:
        section.add('<p class="withheld">No team adoption in this publication.</p>')
    usage = marts.table("adoption.tool_usage_daily")
    if usage is not None and not usage.empty:
        for chart in _idle_seat_charts(usage, as_of):
            section.add(chart)
    section.add(f'<p class="caption">Phase thresholds: {esc(", ".join(f"{k} from {v:.0%}" for k, v in phase_thresholds().items()))}.</p>')
    return section
