"""Silos: who hands work to whom, how open each department is, ping-pong and boundary waits, and the
AI-tool map (capability x department) with island tools and duplicate spend."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from pipelines.report.formats import partial_flags, week_end
from pipelines.report.marts import PublishedMarts, column
from pipelines.report.page import Chart, Section

RECENT_WEEKS = 13


def _iso(series: pd.Series) -> pd.Series:
    return series.map(lambda d: pd.Timestamp(d).strftime("%Y-%m-%d"))


def _recent(frame: pd.DataFrame, period: str, weeks: int = RECENT_WEEKS) -> pd.DataFrame:
    last = pd.Timestamp(frame[period].max())
    return frame[frame[period].map(pd.Timestamp) > last - pd.Timedelta(weeks=weeks)]


def _handoff_charts(handoffs: pd.DataFrame) -> list[Chart]:
    recent = _recent(handoffs, "week_start")
    matrix = recent.groupby(["from_department", "to_department"], as_index=False).agg(handoffs=("handoffs", "sum"))
    heat = alt.Chart(matrix).encode(
        x=alt.X("to_department:N", title="to department", axis=alt.Axis(labelAngle=-35)),
        y=alt.Y("from_department:N", title="from department"),
    )
    handoff_chart = alt.layer(
        heat.mark_rect().encode(color=alt.Color("handoffs:Q", scale=alt.Scale(scheme="blues"), title="handoffs"),
                                tooltip=["from_department:N", "to_department:N", "handoffs:Q"]),
        heat.mark_text(fontSize=11).encode(text="handoffs:Q",
                                           color=alt.condition("datum.handoffs > 40", alt.value("white"), alt.value("#1f2933"))),
    ).properties(width=380, height=300, title=f"Ticket handoffs between departments, last {RECENT_WEEKS} weeks")
    wait_col = column(recent, "boundary_wait_business_hours_median", "boundary_wait_calendar_hours_median")
    charts = [Chart("silos:handoff_matrix", handoff_chart,
                    "Each cell counts tickets reassigned from one department's queue to another's. A heavy off-diagonal "
                    "pair is a boundary worth a conversation.")]
    if wait_col:
        waits = recent.dropna(subset=[wait_col]).groupby(["from_department", "to_department"], as_index=False).agg(
            wait=(wait_col, "median"))
        wait_chart = alt.Chart(waits).mark_rect().encode(
            x=alt.X("to_department:N", title="to department", axis=alt.Axis(labelAngle=-35)),
            y=alt.Y("from_department:N", title="from department"),
            color=alt.Color("wait:Q", scale=alt.Scale(scheme="oranges"), title="hours"),
            tooltip=["from_department:N", "to_department:N", alt.Tooltip("wait:Q", format=".1f", title="median wait (h)")],
        ).properties(width=380, height=300, title="Boundary wait: median hours until the receiving department responds")
        unit = "business" if "business" in wait_col else "calendar"
        charts.append(Chart("silos:boundary_wait", wait_chart,
                            f"Median over the last {RECENT_WEEKS} weeks of the weekly medians, in {unit} hours."))
    return charts


def _openness_charts(openness: pd.DataFrame, as_of: dt.date) -> list[Chart]:
    suppressed = openness["is_suppressed"].fillna(False).astype(bool) if "is_suppressed" in openness.columns else False
    frame = openness.assign(week=_iso(openness["week_start"]),
                            partial=partial_flags(openness, "week_start", as_of, week_end))
    people = frame[~suppressed & ~frame["partial"]]
    charts = []
    for metric, title, domain in (("ei_index", "E-I index (external - internal ties) / all ties", [-1, 1]),
                                  ("openness", "Openness: share of people with a tie outside their department", [0, 1])):
        if metric not in people.columns:
            continue
        chart = alt.Chart(people).mark_line(strokeWidth=1.4).encode(
            x=alt.X("week:T", title=None, axis=alt.Axis(format="%b %y")),
            y=alt.Y(f"{metric}:Q", scale=alt.Scale(domain=domain), title=metric.replace("_", " ")),
            color=alt.Color("department_name:N", title="department", legend=alt.Legend(orient="right")),
            tooltip=["department_name:N", alt.Tooltip("week:T", format="%d %b %Y"), alt.Tooltip(f"{metric}:Q", format=".2f")],
        ).properties(width=560, height=200, title=title)
        withheld = int(suppressed.sum()) if not isinstance(suppressed, bool) else 0
        charts.append(Chart(f"silos:{metric}", chart,
                            f"Weekly, per department. {withheld} department-weeks are withheld under the privacy floor "
                            "and left as gaps; the week in progress is left out."))
    if {"pingpong_tickets_resolved", "tickets_resolved"} <= set(frame.columns):
        monthly = frame[~frame["partial"]].assign(month=frame["week_start"].map(lambda d: pd.Timestamp(d).strftime("%Y-%m-01")))
        monthly = monthly.groupby(["month", "department_name"], as_index=False)[["pingpong_tickets_resolved", "tickets_resolved"]].sum()
        monthly = monthly[monthly["tickets_resolved"] > 0]
        monthly["pingpong_share"] = monthly["pingpong_tickets_resolved"] / monthly["tickets_resolved"]
        chart = alt.Chart(monthly).mark_line(point=True).encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y")),
            y=alt.Y("pingpong_share:Q", axis=alt.Axis(format="%"), title="ping-pong share of resolved tickets"),
            color=alt.Color("department_name:N", title="department"),
            tooltip=["department_name:N", alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("pingpong_share:Q", format=".0%"),
                     "tickets_resolved:Q"],
        ).properties(width=560, height=200, title="Ping-pong: resolved tickets that bounced back to a department they had left")
        charts.append(Chart("silos:pingpong", chart, "Per month (weeks summed by the tickets they resolved)."))
    return charts


def _tool_map_charts(fragmentation: pd.DataFrame) -> list[Chart]:
    latest = fragmentation[fragmentation["month_start"] == fragmentation["month_start"].max()].copy()
    latest["is_island"] = latest["is_island"].fillna(False).astype(bool) if "is_island" in latest.columns else False
    rows = []
    for record in latest.to_dict("records"):
        for department in str(record.get("department_names") or "").split(","):
            if department.strip():
                rows.append({"capability": record["capability"], "department": department.strip(), "tool": record["tool"],
                             "kind": "island tool" if record["is_island"] else "shared tool"})
    cells = pd.DataFrame(rows)
    charts = []
    if not cells.empty:
        # A cell is an island cell when any tool in it is an island: that is the one to talk about.
        cells["kind"] = cells.groupby(["capability", "department"])["kind"].transform(
            lambda kinds: "island tool" if (kinds == "island tool").any() else "shared tool")
        base = alt.Chart(cells).encode(
            x=alt.X("department:N", title=None, axis=alt.Axis(labelAngle=-35, orient="top")),
            y=alt.Y("capability:N", title="capability"),
        )
        grid = alt.layer(
            base.mark_rect(stroke="white", strokeWidth=2).encode(
                color=alt.Color("kind:N", scale=alt.Scale(domain=["shared tool", "island tool"], range=["#cfe3f3", "#f5a25d"]),
                                title=None, legend=alt.Legend(orient="bottom")),
                tooltip=["capability:N", "department:N", "tool:N", "kind:N"]),
            base.mark_text(fontSize=9).encode(text="tool:N", yOffset=alt.YOffset("tool:N")),
        ).properties(width=620, height=46 * cells["capability"].nunique(),
                     title=f"AI-tool map, {pd.Timestamp(latest['month_start'].max()):%B %Y}: which tool serves which capability where")
        charts.append(Chart("silos:tool_map", grid,
                            "An island tool does, for one department, a job another tool already does for the rest: "
                            "a candidate to consolidate."))
    spend_col = column(fragmentation, "duplicate_spend_eur", "duplicate_spend_eur_per_month")
    if spend_col:
        spend = fragmentation.assign(month=_iso(fragmentation["month_start"]),
                                     kind=fragmentation["is_island"].fillna(False).astype(bool).map({True: "island tool", False: "shared tool"}))
        chart = alt.Chart(spend).mark_bar().encode(
            x=alt.X("month:T", timeUnit="yearmonth", title=None, axis=alt.Axis(format="%b %y")),
            y=alt.Y(f"{spend_col}:Q", title="duplicate spend, € per month"),
            color=alt.Color("tool:N", legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("month:T", format="%b %Y"), "tool:N", "capability:N", "kind:N",
                     alt.Tooltip(f"{spend_col}:Q", format=",.0f")],
        ).properties(width=560, height=200, title="Duplicate spend: seats of a second tool for a capability already served")
        charts.append(Chart("silos:duplicate_spend", chart))
    return charts


def silos_section(marts: PublishedMarts, as_of: dt.date) -> Section:
    section = Section(
        "silos", "Silos",
        "Where work crosses department boundaries, where it stalls and bounces, how open each department's "
        "network is, and where departments bought their own AI tool for a job the rest already share.",
    )
    for name, build in (("silo.handoffs_weekly", _handoff_charts),
                        ("silo.department_openness_weekly", lambda f: _openness_charts(f, as_of)),
                        ("silo.ai_tool_fragmentation", _tool_map_charts)):
        frame = marts.table(name)
        if frame is None or frame.empty:
            section.add(f'<p class="withheld">{name}: nothing in this publication.</p>')
            continue
        for chart in build(frame):
            section.add(chart)
    return section
