"""The report builder on a small hand-made publication: withheld stays withheld, partial months are
marked, missing marts leave a note instead of an error."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from pipelines.report import build_report


@pytest.fixture()
def small_publication(tmp_path):
    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema meta; create schema adoption; create schema kpi")
        conn.execute("create table meta.publication (run_id varchar, published_at timestamp, tables json, "
                     "source_freshness json, check_summary json)")
        conn.execute("insert into meta.publication values ('abcdef1234', '2026-03-10 02:00', '{}', "
                     "'{\"jira\": \"2026-03-10 01:00\"}', '{\"expectations\": 3, \"passed\": 3, \"warnings_failed\": 0}')")
        conn.execute("create table adoption.sentiment_monthly as select * from (values "
                     "(date '2026-02-01', 'hr', 'HR', 'enps', 'nps', 12.0, 6, false), "
                     # A suppressed row that (wrongly) still carries a score: the report must not show it.
                     "(date '2026-02-01', 'it', 'IT', 'enps', 'nps', 77.0, 2, true), "
                     "(date '2026-03-01', 'hr', 'HR', 'enps', 'nps', 15.0, 6, false)) "
                     "t(month_start, department_id, department_name, construct, score_kind, score, respondents, is_suppressed)")
        conn.execute("create table kpi.scorecard_monthly as select * from (values "
                     "(date '2026-01-01', 'hr', 'HR', 'tool_nps', 'NPS points', false, 'HR', 0.0, 5.0, 10.0, 'higher', 9, 'at_risk'), "
                     "(date '2026-02-01', 'hr', 'HR', 'tool_nps', 'NPS points', false, 'HR', 0.0, 11.0, 10.0, 'higher', 9, 'on_track'), "
                     "(date '2026-03-01', 'hr', 'HR', 'tool_nps', 'NPS points', false, 'HR', 0.0, 3.0, 10.0, 'higher', 2, 'off_track')) "
                     "t(month_start, department_id, department_name, kpi, kpi_unit, is_shared, owner_departments, "
                     "baseline_value, current_value, target_value, direction, observations, status)")
        conn.execute("create schema value_chain")
        conn.execute("create table value_chain.initiative_links as select * from (values "
                     "('pilot', 'Support pilot', 1, 'change_activity', 'trained_share', 'share (0-1)', 'Support', "
                     " 0.04, 0.86, 0.03, 0.11, 0.74, 0.95, 0.61, 0.83, 'clear effect', 'ok', null), "
                     "('pilot', 'Support pilot', 2, 'behaviour_change', 'wau_share', 'share (0-1)', 'Support', "
                     " null, null, null, null, null, 0.95, null, null, 'not assessed', 'insufficient_data', "
                     " 'no usage history before 2026-10-29')) "
                     "t(initiative_id, initiative_name, link_order, link, metric, unit, target_departments, baseline_value, "
                     "current_value, comparison_baseline_value, comparison_current_value, did_estimate, ci_level, did_ci_low, "
                     "did_ci_high, evidence, status, status_reason)")
    return path


def _specs(html: str) -> dict[str, dict]:
    names = re.findall(r'id="(chart\d+)" data-chart="([^"]+)"', html)
    specs = dict(re.findall(r'<script type="application/json" id="spec-(chart\d+)">(.*?)</script>', html, re.S))
    return {name: json.loads(specs[chart_id]) for chart_id, name in names}


def test_report_from_a_small_publication(small_publication, tmp_path):
    out = build_report(small_publication, tmp_path / "report.html")
    html = out.read_text()
    specs = _specs(html)
    sentiment = specs["sentiment:enps"]
    rows = [row for data in sentiment["datasets"].values() for row in data]
    withheld = [row for row in rows if row["department_name"] == "IT"]
    assert withheld and all(row["shown"] is None and row["label"] == "withheld" for row in withheld)
    assert "77" not in json.dumps(withheld)
    # March is not over on the publication's date: marked, and the scorecard scores February.
    assert any(row["month"] == "2026-03*" for row in rows)
    scorecard_row = re.search(r"<td>HR</td>.*?</tr>", html, re.S).group(0)
    assert "on track" in scorecard_row and "Feb 2026" in scorecard_row and "partial" in scorecard_row
    # Marts this publication lacks are named, not an error; the page needs no network.
    assert "No team adoption in this publication" in html
    assert "http://" not in html.split("<script")[0] and "<script src" not in html
    assert "window.vegaEmbed" in html


def test_value_chain_shows_interval_evidence_and_why_data_is_missing(small_publication, tmp_path):
    html = build_report(small_publication, tmp_path / "report.html").read_text()
    specs = _specs(html)
    assert {"value_chain:pilot", "value_chain:pilot:effects"} <= set(specs)
    trained = re.search(r"<td>1 change activity</td>.*?</tr>", html, re.S).group(0)
    assert "+74.0 pp" in trained and "+61.0 pp … +83.0 pp (95%)" in trained and "clear effect" in trained
    usage = re.search(r"<td>2 behaviour change</td>.*?</tr>", html, re.S).group(0)
    assert "insufficient_data: no usage history before 2026-10-29" in usage
