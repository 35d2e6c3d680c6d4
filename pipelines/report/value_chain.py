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


def _links_chart(links: pd.DataFrame, name: str) -> Chart:
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


def _effect_cell(record: dict, low_col: str | None, high_col: str | None) -> str:
    unit = record.get("unit")
    effect = record.get("did_estimate")
    if missing(effect):
        return '<span class="withheld">no comparison</span>', "–"
    # An effect on a share is a difference of shares: percentage points, not percent.
    text = f"{float(effect) * 100:+.1f} pp" if "share" in str(unit) else fmt_value(effect, unit)
    if not missing(record.get("did_estimate_pct")):
        text += f" ({float(record['did_estimate_pct']):+.0f}% of baseline)"
    interval = "–"
    if low_col and high_col and not missing(record.get(low_col)) and not missing(record.get(high_col)):
        interval = f"{fmt_value(record[low_col], unit)} … {fmt_value(record[high_col], unit)}"
    return text, interval


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
    evidence_col = column(links, "evidence_label", "evidence", "evidence_level")
    for initiative_id, group in links.groupby("initiative_id", sort=True):
        group = group.sort_values("link_order")
        first = group.iloc[0]
        section.add(f"<h3>{esc(first.get('initiative_name') or initiative_id)}</h3>"
                    f"<p class=\"caption\">Departments: {esc(first.get('target_departments'))}. Baseline "
                    f"{esc(first.get('baseline_start'))[:10]} – {esc(first.get('baseline_end'))[:10]}, current "
                    f"{esc(first.get('current_start'))[:10]} – {esc(first.get('current_end'))[:10]}.</p>")
        section.add(_links_chart(group, f"value_chain:{initiative_id}"))
        rows = ["<table><tr><th>Link</th><th>Metric</th><th>Baseline</th><th>Current</th><th>Comparison group</th>"
                "<th>Effect</th><th>Interval</th><th>Evidence</th><th>Status</th></tr>"]
        for record in group.to_dict("records"):
            unit = record.get("unit")
            effect, interval = _effect_cell(record, low_col, high_col)
            comparison = "–"
            if not missing(record.get("comparison_baseline_value")):
                comparison = (f"{fmt_value(record['comparison_baseline_value'], unit)} → "
                              f"{fmt_value(record.get('comparison_current_value'), unit)}")
            evidence = esc(record.get(evidence_col)) if evidence_col else '<span class="withheld">not assessed</span>'
            status = "insufficient data" if record.get("insufficient_data") else (record.get("status") or "")
            rows.append(
                f"<tr><td>{esc(LINK_LABELS.get(record['link'], record['link']))}</td><td>{esc(record['metric'])}<br>"
                f"<small>{esc(unit)}</small></td><td class=\"num\">{fmt_value(record.get('baseline_value'), unit)}</td>"
                f"<td class=\"num\">{fmt_value(record.get('current_value'), unit)}</td><td class=\"num\">{comparison}</td>"
                f"<td class=\"num\">{effect}</td><td class=\"num\">{interval}</td><td>{evidence}</td><td>{esc(status)}</td></tr>"
            )
        rows.append("</table>")
        section.add("".join(rows))
    return section
