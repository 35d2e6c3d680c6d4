"""The published report in a real browser: headless Chromium opens it offline, with no console error,
and finds every chart drawn with marks. One browser start for the module."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.report import REPORT_FILE
from pipelines.report.browser import SECTIONS, NoBrowser, launch, load_report

pytestmark = pytest.mark.integration

# A mark is a data mark (Vega's role "mark"), not an axis, legend or title.
MARKS_PER_CHART = """() => [...document.querySelectorAll('.chart')].map(el => ({
  name: el.dataset.chart, rendered: el.dataset.rendered,
  marks: el.querySelectorAll('svg g.role-mark > path, svg g.role-mark > text, svg g.role-mark > line').length}))"""


@pytest.fixture(scope="module")
def opened_report(story_build):
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    report = story_build.published.parent / REPORT_FILE
    assert report.exists(), "the publication wrote no report.html"
    with sync_playwright() as playwright:
        try:
            browser = launch(playwright)
        except NoBrowser as exc:
            pytest.fail(str(exc))  # never a silent skip: the report's test needs a browser
        try:
            page, messages, refused = load_report(browser, report)
            yield page, messages, refused
        finally:
            browser.close()


def test_report_opens_offline_without_console_errors(opened_report):
    page, messages, refused = opened_report
    assert refused == [], f"the report asked the network for {refused[:5]}"
    errors = [text for kind, text in messages if kind in ("error", "pageerror")]
    assert errors == []
    warnings = [text for kind, text in messages if kind == "warning"]
    assert warnings == [], "Vega warned about a chart spec"


def test_every_chart_is_drawn_with_marks(opened_report):
    page, _, _ = opened_report
    charts = page.evaluate(MARKS_PER_CHART)
    assert len(charts) >= 20
    undrawn = [c for c in charts if c["rendered"] != "yes" or c["marks"] == 0]
    assert undrawn == []
    names = {c["name"].split(":")[0] for c in charts}
    assert {"scorecard", "adoption", "silos", "value_chain", "sentiment"} <= names


def test_every_section_and_the_header_are_there(opened_report):
    page, _, _ = opened_report
    for section in SECTIONS:
        assert page.locator(f'[data-section="{section}"]').count() == 1, section
    header = page.locator('[data-section="header"]').inner_text()
    assert "Period" in header and "Run" in header and "Checks" in header and "Sources" in header


def test_withheld_sentiment_shows_as_withheld(opened_report, story_build):
    page, _, _ = opened_report
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        suppressed = conn.execute("select count(*) from adoption.sentiment_monthly where is_suppressed").fetchone()[0]
    shown = page.locator('[data-section="sentiment"] svg g.role-mark > text', has_text="withheld").count()
    assert shown == suppressed
