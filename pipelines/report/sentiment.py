"""Sentiment: tool NPS, eNPS, psychological safety and resistance, by department and month.
Withheld cells (fewer respondents than the privacy floor) say so; nothing is inferred for them."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from pipelines.report.formats import month_end, partial_flags
from pipelines.report.marts import PublishedMarts, column
from pipelines.report.page import WITHHELD, Chart, Section

CONSTRUCTS = {
    "tool_nps": ("Tool NPS", "nps"), "enps": ("eNPS", "nps"),
    "psychological_safety": ("Psychological safety (0-100)", "mean"), "resistance": ("Resistance to change (0-100)", "mean"),
    "usefulness": ("Perceived usefulness (0-100)", "mean"),
}


def _heatmap(frame: pd.DataFrame, construct: str) -> Chart:
    title, kind = CONSTRUCTS.get(construct, (construct.replace("_", " "), "mean"))
    domain, scheme = ([-100, 100], "redblue") if kind == "nps" else ([0, 100], "blues")
    if construct == "resistance":
        scheme = "reds"  # high resistance is the bad end
    base = alt.Chart(frame).encode(
        x=alt.X("month:O", title=None, sort=sorted(frame["month"].unique())),
        y=alt.Y("department_name:N", title=None),
    )
    chart = alt.layer(
        base.mark_rect(stroke="white").encode(
            color=alt.condition("!isValid(datum.shown)", alt.value("#e4e7eb"),
                                alt.Color("shown:Q", scale=alt.Scale(domain=domain, scheme=scheme), title=None)),
            tooltip=["department_name:N", "month:O", "label:N", "respondents_text:N"],
        ),
        base.mark_text(fontSize=10).encode(text="label:N",
                                           color=alt.condition("!isValid(datum.shown)", alt.value("#7b8794"), alt.value("#1f2933"))),
    ).properties(width=alt.Step(52), height=alt.Step(20), title=title)
    return Chart(f"sentiment:{construct}", chart)


def sentiment_section(marts: PublishedMarts, as_of: dt.date) -> Section:
    section = Section(
        "sentiment", "Sentiment",
        f"Survey scores by department and month. A grey cell marked “{WITHHELD}” had fewer respondents than the "
        "privacy floor: its score is not published, and no total here lets it be worked out. Months still running "
        "carry an asterisk.",
    )
    frame = marts.table("adoption.sentiment_monthly")
    if frame is None or frame.empty:
        section.add('<p class="withheld">No survey results in this publication.</p>')
        return section
    score_col = column(frame, "score", "score_value")
    suppressed = frame["is_suppressed"].fillna(False).astype(bool) if "is_suppressed" in frame.columns else frame[score_col].isna()
    partial = partial_flags(frame, "month_start", as_of, month_end)
    shown = frame[score_col].where(~suppressed)
    frame = frame.assign(
        month=frame["month_start"].map(lambda d: pd.Timestamp(d).strftime("%Y-%m")) + partial.map({True: "*", False: ""}),
        shown=shown,
        label=[WITHHELD if hidden else ("–" if pd.isna(v) else f"{v:.0f}") for hidden, v in zip(suppressed, shown, strict=True)],
        respondents_text=["fewer than the floor" if hidden else str(n) for hidden, n in
                          zip(suppressed, frame.get("respondents", pd.Series([""] * len(frame))), strict=True)],
        department_name=frame.get("department_name", frame.get("department_id")).fillna("organisation"),
    )
    frame = frame[["construct", "month", "department_name", "shown", "label", "respondents_text"]]
    order = [c for c in CONSTRUCTS if c in set(frame["construct"])] + sorted(set(frame["construct"]) - set(CONSTRUCTS))
    for construct in order:
        section.add(_heatmap(frame[frame["construct"] == construct], construct))
    return section
