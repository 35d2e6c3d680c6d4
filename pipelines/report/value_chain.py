"""The value chain per initiative: five links from change activity to money, each with baseline,
current, comparison group, effect, its interval and an evidence label."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from pipelines.report.formats import fmt_value, missing
from pipelines.report.marts import PublishedMarts, column
from pipelines.report.page import Chart, Section, esc

LINK_LABELS = {
    "change_activity": "1 change activity", "behaviour_change": "2 behaviour change",
    "primary_benefit": "3 primary benefit", "business_value": "4 business value", "financial_impact": "5 financial impact",
}


def _interval_columns(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """The effect interval's bounds, under whichever name the mart gives them."""
    low = column(frame, "did_ci_low", "did_interval_low", "effect_interval_low", "interval_low", "ci_low", "did_estimate_low")
    high = column(frame, "did_ci_high", "did_interval_high", "effect_interval_high", "interval_high", "ci_high", "did_estimate_high")
    if low is None or high is None:
        lows = [c for c in frame.columns if ("low" in c or "lower" in c) and ("ci" in c or "interval" in c)]
        highs = [c for c in frame.columns if ("high" in c or "upper" in c) and ("ci" in c or "interval" in c)]
        low, high = (lows[0], highs[0]) if lows and highs else (None, None)
    return low, high


def _links_chart(links: pd.DataFrame, name: str) -> Chart | None:
    rows = []
    for record in links.to_dict("records"):
        label = LINK_LABELS.get(record["link"], record["link"])
        for series, period, key in (("initiative", "baseline", "baseline_value"), ("initiative", "current", "current_value"),
                                    ("comparison group", "baseline", "comparison_baseline_value"),
                                    ("comparison group", "current", "comparison_current_value")):
            value = record.get(key)
            if not missing(value):
                rows.append({"link": label, "metric": f"{record['metric']} ({record.get('unit') or ''})",
                             "group": series, "period": period, "value": float(value)})
    if not rows:
        return None  # every link lacks data: the table says why
    data = pd.DataFrame(rows)
    base = alt.Chart().encode(y=alt.Y("group:N", title=None, axis=alt.Axis(labelFontSize=10)))
    layer = alt.layer(
        base.mark_line(color="#9aa5b1").encode(x=alt.X("value:Q", title=None, scale=alt.Scale(zero=False)), detail="group:N"),
        base.mark_point(filled=True, size=70).encode(
            x="value:Q",
            color=alt.Color("period:N", scale=alt.Scale(domain=["baseline", "current"], range=["#9aa5b1", "#1565c0"]),
                            legend=alt.Legend(orient="top", title=None)),
            shape=alt.Shape("group:N", scale=alt.Scale(domain=["initiative", "comparison group"], range=["circle", "diamond"]),
                            legend=alt.Legend(orient="top", title=None)),
            tooltip=["metric:N", "group:N", "period:N", alt.Tooltip("value:Q", format=",.3~f")],
        ),
        data=data,
    ).properties(width=460, height=46)
    chart = layer.facet(row=alt.Row("link:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
                                     sort=list(LINK_LABELS.values()))).resolve_scale(x="independent")
    return Chart(name, chart, "Baseline (grey) to current (blue), for the initiative's departments (circles) and the "
                              "comparison group (diamonds). Each link on its own scale.")


def _effect_text(value: object, unit: str | None) -> str:
    # An effect on a share is a difference of shares: percentage points, not percent.
    return f"{float(value) * 100:+.1f} pp" if "share" in str(unit or "") else fmt_value(value, unit)


def _effect_cell(record: dict, low_col: str | None, high_col: str | None, level_col: str | None) -> tuple[str, str]:
    unit = record.get("unit")
    effect = record.get("did_estimate")
    if missing(effect):
        return '<span class="withheld">no comparison</span>', "–"
    text = _effect_text(effect, unit)
    if not missing(record.get("did_estimate_pct")):
        text += f" ({float(record['did_estimate_pct']):+.0f}% of baseline)"
    interval = "–"
    if low_col and high_col and not missing(record.get(low_col)) and not missing(record.get(high_col)):
        level = record.get(level_col) if level_col else None
        interval = (f"{_effect_text(record[low_col], unit)} … {_effect_text(record[high_col], unit)}"
                    + (f" ({float(level):.0%})" if not missing(level) else ""))
    return text, interval


def _effects_chart(links: pd.DataFrame, low_col: str, high_col: str, name: str) -> Chart | None:
    """The effect of each link with its interval, against zero: does the interval exclude no effect?"""
    rows = []
    for record in links.to_dict("records"):
        if missing(record.get("did_estimate")):
            continue
        scale = 100.0 if "share" in str(record.get("unit") or "") else 1.0
        low, high = record.get(low_col), record.get(high_col)
        rows.append({"link": LINK_LABELS.get(record["link"], record["link"]),
                     "unit": "percentage points" if scale == 100.0 else str(record.get("unit") or ""),
                     "effect": float(record["did_estimate"]) * scale,
                     "low": None if missing(low) else float(low) * scale,
                     "high": None if missing(high) else float(high) * scale})
    if not rows:
        return None
    data = pd.DataFrame(rows)
    layer = alt.layer(
        alt.Chart().mark_rule(color="#9aa5b1", strokeDash=[3, 3]).encode(x=alt.datum(0)),
        alt.Chart().mark_rule(strokeWidth=3, color="#1565c0", opacity=0.45).encode(
            x=alt.X("low:Q", title=None), x2="high:Q"),
        alt.Chart().mark_point(filled=True, size=80, color="#1565c0").encode(
            x="effect:Q", tooltip=["link:N", "unit:N", alt.Tooltip("effect:Q", format=",.2f"),
                                   alt.Tooltip("low:Q", format=",.2f"), alt.Tooltip("high:Q", format=",.2f")]),
        data=data,
    ).properties(width=460, height=22)
    chart = layer.facet(row=alt.Row("link:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
                                     sort=list(LINK_LABELS.values()))).resolve_scale(x="independent")
    return Chart(f"{name}:effects", chart, "The effect (difference-in-differences) of each link with its interval; the dashed "
                                           "line is no effect. An interval that crosses it is no clear effect.")


def value_chain_section(marts: PublishedMarts, as_of: dt.date) -> Section:
    section = Section(
        "value-chain", "Value chain per initiative",
        "Each initiative is read as a chain of five links, from the change activity (training, licences) through "
        "behaviour and the primary benefit to business value and money. The effect is the difference-in-differences "
        "against the comparison group: the initiative's change minus the change the comparison group saw anyway.",
    )
    links = marts.table("value_chain.initiative_links")
    if links is None or links.empty:
        section.add('<p class="withheld">No initiative in this publication.</p>')
        return section
    low_col, high_col = _interval_columns(links)
    level_col = column(links, "ci_level", "interval_level")
    evidence_col = column(links, "evidence_label", "evidence", "evidence_level")
    reason_col = column(links, "status_reason", "insufficient_reason")
    for initiative_id, group in links.groupby("initiative_id", sort=True):
        group = group.sort_values("link_order")
        first = group.iloc[0]
        windows = [f"{label} {str(first[start])[:10]} – {str(first[end])[:10]}"
                   for label, start, end in (("baseline", "baseline_start", "baseline_end"), ("current", "current_start", "current_end"))
                   if not missing(first.get(start)) and not missing(first.get(end))]
        comparison = first.get("comparison_departments")
        section.add(f"<h3>{esc(first.get('initiative_name') or initiative_id)}</h3>"
                    f"<p class=\"caption\">Departments: {esc(first.get('target_departments'))}"
                    f"{'; compared with ' + esc(comparison) if not missing(comparison) and comparison else ''}"
                    f"{'. Windows: ' + esc(', '.join(windows)) if windows else ''}.</p>")
        chain = _links_chart(group, f"value_chain:{initiative_id}")
        if chain is not None:
            section.add(chain)
        if low_col and high_col:
            effects = _effects_chart(group, low_col, high_col, f"value_chain:{initiative_id}")
            if effects is not None:
                section.add(effects)
        rows = ["<table><tr><th>Link</th><th>Metric</th><th>Baseline</th><th>Current</th><th>Comparison group</th>"
                "<th>Effect</th><th>Interval</th><th>Evidence</th><th>Status</th></tr>"]
        for record in group.to_dict("records"):
            unit = record.get("unit")
            effect, interval = _effect_cell(record, low_col, high_col, level_col)
            comparison = "–"
            if not missing(record.get("comparison_baseline_value")):
                comparison = (f"{fmt_value(record['comparison_baseline_value'], unit)} → "
                              f"{fmt_value(record.get('comparison_current_value'), unit)}")
            evidence = esc(record.get(evidence_col)) if evidence_col else '<span class="withheld">not assessed</span>'
            status = "insufficient data" if record.get("insufficient_data") else (record.get("status") or "")
            if reason_col and not missing(record.get(reason_col)):
                status += f": {record[reason_col]}"
            rows.append(
                f"<tr><td>{esc(LINK_LABELS.get(record['link'], record['link']))}</td><td>{esc(record['metric'])}<br>"
                f"<small>{esc(unit)}</small></td><td class=\"num\">{fmt_value(record.get('baseline_value'), unit)}</td>"
                f"<td class=\"num\">{fmt_value(record.get('current_value'), unit)}</td><td class=\"num\">{comparison}</td>"
                f"<td class=\"num\">{effect}</td><td class=\"num\">{interval}</td><td>{evidence}</td><td>{esc(status)}</td></tr>"
            )
        rows.append("</table>")
        section.add("".join(rows))
    return section
