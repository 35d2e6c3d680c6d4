"""Zendesk over real HTTP: incremental cursor export to end_of_stream, metric sets, audits, ratings."""

from __future__ import annotations

from sandbox.routing import ZENDESK_GROUPS


def _auth(env):
    return (env["ZENDESK_EMAIL"] + "/token", env["ZENDESK_API_TOKEN"])


def _export(http, env, params):
    url = env["ZENDESK_BASE_URL"] + "/api/v2/incremental/tickets/cursor.json"
    tickets, metrics, pages = [], [], 0
    body = http.get(url, params=params, auth=_auth(env), timeout=30).json()
    while True:
        pages += 1
        tickets += body["tickets"]
        metrics += body.get("metric_sets", [])
        assert body["after_cursor"] and body["after_url"]
        if body["end_of_stream"]:
            return tickets, metrics, pages, body["after_cursor"]
        body = http.get(body["after_url"], auth=_auth(env), timeout=30).json()


def test_incremental_export_reaches_end_of_stream(http, env, org, server):
    tickets, metrics, pages, _ = _export(http, env, {"start_time": 0, "per_page": 100, "include": "metric_sets"})
    assert pages > 2
    ids = [t["id"] for t in tickets]
    assert len(ids) == len(set(ids)) == sum(1 for t in org.zendesk.tickets if t.created <= server.now)
    t = tickets[0]
    assert {"id", "created_at", "updated_at", "generated_timestamp", "status", "group_id", "assignee_id",
            "requester_id", "tags", "satisfaction_rating", "via", "custom_fields"} <= set(t)
    stamps = [t["generated_timestamp"] for t in tickets]
    assert stamps == sorted(stamps)
    assert {m["ticket_id"] for m in metrics} == set(ids)
    m = metrics[0]
    assert {"group_stations", "assignee_stations", "reopens", "replies", "reply_time_in_minutes",
            "full_resolution_time_in_minutes", "solved_at"} <= set(m)
    assert set(m["reply_time_in_minutes"]) == {"calendar", "business"}
    assert any(m["reopens"] > 0 for m in metrics) and any(m["group_stations"] >= 4 for m in metrics)


def test_cursor_resumes_and_start_time_filters(http, env):
    _, _, _, cursor = _export(http, env, {"start_time": 0})
    url = env["ZENDESK_BASE_URL"] + "/api/v2/incremental/tickets/cursor.json"
    again = http.get(url, params={"cursor": cursor}, auth=_auth(env), timeout=30).json()
    assert again["tickets"] == [] and again["end_of_stream"] is True
    tickets, _, _, _ = _export(http, env, {"start_time": 0})
    mid = tickets[len(tickets) // 2]["generated_timestamp"]
    later, _, _, _ = _export(http, env, {"start_time": mid})
    assert later and all(t["generated_timestamp"] >= mid for t in later)
    too_recent = http.get(url, params={"start_time": 4_000_000_000}, auth=_auth(env), timeout=10)
    assert too_recent.status_code == 400


def test_audits_show_group_changes(http, env, org, server):
    t = next(t for t in org.zendesk.tickets if len(t.extra["path"]) >= 3 and t.changes[-1][0] <= server.now)
    body = http.get(f"{env['ZENDESK_BASE_URL']}/api/v2/tickets/{t.id}/audits.json", auth=_auth(env), timeout=10).json()
    events = [e for a in body["audits"] for e in a["events"]]
    assert events[1]["type"] == "Create"
    changes = [e for e in events if e["type"] == "Change" and e["field_name"] == "group_id"]
    assert len(changes) == len(t.extra["path"]) - 1
    assert all(isinstance(e["value"], str) and e["previous_value"] for e in changes)
    assert {"next_page", "previous_page", "count"} <= set(body)


def test_groups_users_and_ratings(http, env, org):
    base = env["ZENDESK_BASE_URL"] + "/api/v2"
    groups = http.get(base + "/groups.json", auth=_auth(env), timeout=10).json()["groups"]
    assert {g["name"] for g in groups} == set(ZENDESK_GROUPS)
    users, url = [], base + "/users.json?role=agent&page[size]=50"
    while url:
        body = http.get(url, auth=_auth(env), timeout=10).json()
        users += body["users"]
        url = body["links"]["next"]
    assert users and all(u["role"] == "agent" and u["email"].endswith("@acme.example") for u in users)
    ratings = http.get(base + "/satisfaction_ratings.json", params={"per_page": 100}, auth=_auth(env), timeout=10).json()
    assert ratings["count"] > 0 and ratings["satisfaction_ratings"][0]["score"] in ("good", "bad")


def test_bad_credentials_are_refused(http, env):
    url = env["ZENDESK_BASE_URL"] + "/api/v2/incremental/tickets/cursor.json"
    r = http.get(url, params={"start_time": 0}, auth=(env["ZENDESK_EMAIL"], env["ZENDESK_API_TOKEN"]), timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "Couldn't authenticate you"
