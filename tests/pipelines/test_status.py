"""`archipelago status` on a small warehouse: per source the age of its newest data, last success and
last failure, skipped sources named as such, cursors readable."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from archipelago.status import readable_cursor, status_lines
from pipelines.warehouse import initialise, warehouse_path


def test_cursors_read_as_key_value_pairs():
    state = json.dumps({"recent": {"a": "2026-12-04T21:21:37", "b": "2026-12-03T08:00:00"}, "updated": "2026-12-04",
                        "sha256": "182fa0dc55a0bcf60596e3dbef285c7bf9182fa0dc55a0bcf60596e3dbef285c7bf9"})
    line = readable_cursor(state, width=200)
    assert line == ("recent: 2 entries, newest 2026-12-04T21:21:37; updated=2026-12-04; sha256=182fa0dc55a0…")
    assert len(readable_cursor(state)) == 70
    assert readable_cursor(None) == "-"


def test_status_shows_data_age_last_success_last_failure_and_skips(tmp_path):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with duckdb.connect(str(warehouse_path(tmp_path))) as conn:
        initialise(conn)
        conn.execute("create schema raw_jira; create table raw_jira.issues (issue_id varchar, updated_at timestamp)")
        conn.execute("insert into raw_jira.issues values ('1', ?)", [now - dt.timedelta(hours=30)])
        runs = [("r1", "jira", "issues", now - dt.timedelta(days=2), "succeeded", None),
                ("r2", "jira", "issues", now - dt.timedelta(days=1), "failed", "Jira answered 401: renew JIRA_API_TOKEN"),
                ("r2", "zendesk", "tickets", now - dt.timedelta(days=1), "skipped", "ZENDESK_SUBDOMAIN not set")]
        for run_id, source, extractor, at, status, message in runs:
            conn.execute("insert into meta.ingestion_runs values (?, ?, ?, ?, ?, ?, 0, 0, 0, ?)",
                         [run_id, source, extractor, at, at, status, message])
        conn.execute("insert into meta.cursors values ('jira', 'issues', ?, ?, 'r1')",
                     [json.dumps({"updated": "2026-12-04T21:00"}), now])
    text = "\n".join(status_lines(tmp_path))
    jira = next(line for line in text.splitlines() if line.strip().startswith("jira "))
    assert "newest data  30 h old" in jira
    assert "last success " + str(now - dt.timedelta(days=2))[:16] in jira
    assert "Jira answered 401: renew JIRA_API_TOKEN" in jira
    assert "zendesk              skipped (not configured)" in text
    assert "jira/issues" in text and "updated=2026-12-04T21:00" in text
