"""The KPI scorecard: per KPI and owning department the value, target, baseline, status and trend."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from pipelines.report.formats import fmt_value, missing, month_end, partial_flags
from pipelines.report.marts import PublishedMarts, column
from pipelines.report.page import STATUS_COLOURS, Chart, Section, esc

# `incomplete`: a month still in progress, not scored; `suppressed`: a people KPI over fewer than k people.
STATUS_LABELS = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track", "no_data": "no data",
                 "incomplete": "in progress", "suppressed": "withheld"}


def _sparkline(series: pd.DataFrame, target: object, name: str) -> Chart:
    data = series.assign(
        month=series["month_start"].map(lambda d: pd.Timestamp(d).strftime("%Y-%m-%d")),
        period=series["partial"].map({True: "partial month", False: "complete month"}),
    )[["month", "value", "status", "period"]]
    base = alt.Chart(data).encode(x=alt.X("month:T", axis=None))
    line = base.mark_line(color="#52606d", strokeWidth=1.5).encode(y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)))
    points = base.mark_point(filled=True, size=28).encode(
        y=alt.Y("value:Q", axis=None),
        color=alt.Color("status:N", scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())), legend=None),
        opacity=alt.Opacity("period:O", scale=alt.Scale(domain=["complete month", "partial month"], range=[1.0, 0.3]), legend=None),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("value:Q", format=",.3~f"), "status:N", "period:N"],
    )
    layers = [line, points]
    if not missing(target):
        layers.insert(0, alt.Chart(pd.DataFrame({"target": [float(target)]})).mark_rule(
            strokeDash=[3, 3], color="#9aa5b1").encode(y=alt.Y("target:Q", axis=None)))
    chart = alt.layer(*layers).properties(width=170, height=34).configure_view(stroke=None)
    return Chart(name, chart)


def _status_chip(status: str | None) -> str:
    status = status or "no_data"
    return f'<span class="status" style="background:{STATUS_COLOURS.get(status, "#9e9e9e")}">{esc(STATUS_LABELS.get(status, status))}</span>'


def scorecard_section(marts: PublishedMarts, as_of: dt.date) -> Section:
    section = Section(
        "scorecard", "KPI scorecard",
        "The KPIs each department owns, for the monthly alignment meeting of department heads. "
        "Value and status are the last complete month's; the sparkline shows every month (faded point: a "
        "month still in progress, not scored), the dashed line the target. A <span class=\"tag\">shared</span> "
        "KPI is one target owned by several departments together.",
    )
    frame = marts.table("kpi.scorecard_monthly")
    if frame is None or frame.empty:
        section.add('<p class="withheld">No scorecard in this publication.</p>')
        return section
    value_col = column(frame, "current_value", "value")
    frame = frame.assign(value=frame[value_col], partial=partial_flags(frame, "month_start", as_of, month_end))
    shared = frame["is_shared"].fillna(False).astype(bool) if "is_shared" in frame.columns else pd.Series(False, index=frame.index)
    owners = frame.get("owner_departments", frame["department_name"]).fillna(frame["department_name"])
    frame = frame.assign(owner_key=owners.where(shared, frame["department_name"]), shared=shared)

    rows: list[Chart | str] = ['<table class="scorecard"><tr><th>KPI</th><th>Owner</th><th>Status</th><th>Value</th><th>Target</th>'
            '<th>Baseline</th><th>Trend</th><th>In progress</th></tr>']
    for (kpi, owner), group in frame.groupby(["kpi", "owner_key"], sort=True):
        # A shared KPI repeats the combined value on every owner's row: one row per month is enough.
        series = group.sort_values("month_start").drop_duplicates("month_start")
        unit = series["kpi_unit"].iloc[-1] if "kpi_unit" in series.columns else None
        complete = series[~series["partial"]]
        latest = complete.iloc[-1] if not complete.empty else series.iloc[-1]
        in_progress = series[series["partial"]]
        shared_tag = '<span class="tag">shared</span>' if bool(series["shared"].iloc[-1]) else ""
        month_label = pd.Timestamp(latest["month_start"]).strftime("%b %Y")
        partial_text = (
            f"{pd.Timestamp(in_progress['month_start'].iloc[-1]):%b}: {fmt_value(in_progress['value'].iloc[-1], unit)} "
            '<span class="tag">partial</span>' if not in_progress.empty else ""
        )
        rows.append(
            f"<tr><td>{esc(kpi.replace('_', ' '))}<br><small>{esc(unit)}</small></td>"
            f"<td>{esc(str(owner).replace('|', ', '))}{shared_tag}</td>"
            f"<td>{_status_chip(latest.get('status'))}<br><small>{month_label}</small></td>"
            f"<td class=\"num\">{fmt_value(latest['value'], unit)}</td>"
            f"<td class=\"num\">{fmt_value(latest.get('target_value'), unit)}</td>"
            f"<td class=\"num\">{fmt_value(latest.get('baseline_value'), unit)}</td>"
            "<td>"
        )
        trend = (_sparkline(series, latest.get("target_value"), f"scorecard:{kpi}:{owner}")
                 if series["value"].notna().any() else '<span class="withheld">no data yet</span>')
        rows += [trend, f"</td><td>{partial_text}</td></tr>"]
    rows.append("</table>")
    section.add(rows)
    return section
