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
