"""Simulated time: advancing the clock reveals new and updated records to incremental queries."""

from __future__ import annotations

import csv
from datetime import timedelta


def test_jira_incremental_sees_changes_after_advance(http, env, server, org):
    auth = (env["JIRA_EMAIL"], env["JIRA_API_TOKEN"])
    url = env["JIRA_BASE_URL"] + "/rest/api/3/search/jql"
    since = (server.now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    jql = f'updated >= "{since}" ORDER BY updated ASC'
    before = http.get(url, params={"jql": jql, "fields": "updated"}, auth=auth, timeout=10).json()["issues"]
    server.advance(days=3)
    after = http.get(url, params={"jql": jql, "fields": "updated,status", "maxResults": 100},
                     auth=auth, timeout=10).json()["issues"]
    assert len(after) > len(before)
    expected = {str(t.id) for t in org.jira.tickets
                if t.created <= server.now and t.updated_at(server.now) >= server.now - timedelta(days=3, minutes=1)}
    assert {i["id"] for i in after} >= expected - {i["id"] for i in before}


def test_zendesk_cursor_picks_up_next_day(http, env, server):
    auth = (env["ZENDESK_EMAIL"] + "/token", env["ZENDESK_API_TOKEN"])
    url = env["ZENDESK_BASE_URL"] + "/api/v2/incremental/tickets/cursor.json"
    body = http.get(url, params={"start_time": 0}, auth=auth, timeout=30).json()
    while not body["end_of_stream"]:
        body = http.get(body["after_url"], auth=auth, timeout=30).json()
    cursor = body["after_cursor"]
    server.advance(days=1)
    fresh = http.get(url, params={"cursor": cursor}, auth=auth, timeout=30).json()
    assert fresh["tickets"], "a day later, new or updated tickets follow the saved cursor"


def test_directory_export_follows_the_clock(server, org):
    mover = next(e for e in org.people.employees if len(e.history) > 1 and e.history[-1].valid_from > server.now.date())
    def dept():
        with open(server.exports["directory"], newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["email"] == mover.email]
        return max(rows, key=lambda r: r["valid_from"])["department"]  # the job in effect now
    before = dept()
    server.set_now(mover.history[-1].valid_from)
    assert dept() == mover.history[-1].department != before
