"""The report's header: which period, which run, how fresh each source is and what the checks found."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.report.formats import is_partial_month
from pipelines.report.marts import PublishedMarts
from pipelines.report.page import esc

STALE_AFTER = dt.timedelta(days=2)


def as_of_date(marts: PublishedMarts) -> dt.date:
    """The last day the data cover: the newest usage day when published, else the publication date."""
    publication = marts.publication()
    usage = marts.table("adoption.tool_usage_daily")
    if usage is not None and not usage.empty:
        return pd.Timestamp(usage["usage_date"].max()).date()
    published_at = publication.get("published_at")
    return pd.Timestamp(published_at).date() if published_at is not None else dt.date.today()


def period(marts: PublishedMarts, as_of: dt.date) -> tuple[str, str]:
    scorecard = marts.table("kpi.scorecard_monthly")
    if scorecard is None or scorecard.empty:
        return "–", ""
    first = pd.Timestamp(scorecard["month_start"].min())
    last = pd.Timestamp(scorecard["month_start"].max())
    note = f"{last:%B %Y} is partial (data to {as_of:%d %b %Y})" if is_partial_month(last, as_of) else ""
    return f"{first:%b %Y} – {last:%b %Y}", note


def header_html(marts: PublishedMarts, as_of: dt.date) -> str:
    publication = marts.publication()
    published_at = pd.Timestamp(publication["published_at"]) if publication.get("published_at") is not None else None
    span, partial_note = period(marts, as_of)
    checks = publication.get("check_summary") or {}
    expectations, passed = checks.get("expectations"), checks.get("passed")
    if expectations is None:
        check_text = "no check results recorded"
    else:
        failed_warnings = checks.get("warnings_failed", 0)
        check_text = f"{passed} of {expectations} expectations passed"
        check_text += f", {failed_warnings} warning(s) failed" if failed_warnings else "; every blocking check passed"
    facts = [
        f"<span><b>Period</b> {esc(span)}{' · ' + esc(partial_note) if partial_note else ''}</span>",
        f"<span><b>Run</b> {esc(str(publication.get('run_id', '–'))[:8])}</span>",
        f"<span><b>Published</b> {esc(f'{published_at:%Y-%m-%d %H:%M} UTC' if published_at is not None else '–')}</span>",
        f"<span><b>Checks</b> {esc(check_text)}</span>",
    ]
    return (
        '<header data-section="header"><h1>AI adoption, value and silos</h1>'
        f'<div class="facts">{"".join(facts)}</div>{_freshness_html(publication, published_at)}</header>'
    )


def _freshness_html(publication: dict, published_at: pd.Timestamp | None) -> str:
    freshness = publication.get("source_freshness") or {}
    if not freshness:
        return ""
    items = []
    for source, at in sorted(freshness.items()):
        stamp = pd.Timestamp(at)
        age = (published_at - stamp) if published_at is not None else None
        stale = age is not None and age > STALE_AFTER
        age_text = f"{age.total_seconds() / 3600:.0f} h before publication" if age is not None else ""
        items.append(
            f'<span title="last successful load {esc(f"{stamp:%Y-%m-%d %H:%M}")} UTC; {esc(age_text)}">'
            f'{esc(source)} <span class="{"warn" if stale else "ok"}">{"stale" if stale else "fresh"}</span></span>'
        )
    return f'<div class="facts" style="margin-top:6px"><b>Sources</b> {" ".join(items)}</div>'
