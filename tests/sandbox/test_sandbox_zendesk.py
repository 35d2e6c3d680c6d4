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


def _events(http, env, start, **params):
    """Follow the time-based ticket event export from `start` to end_of_stream: (pages, events)."""
    url = env["ZENDESK_BASE_URL"] + "/api/v2/incremental/ticket_events.json"
    pages = []
    body = http.get(url, params={"start_time": start, **params}, auth=_auth(env), timeout=30).json()
    while True:
        pages.append(body)
        if body["end_of_stream"]:
            return pages
        assert f"start_time={body['end_time']}" in body["next_page"]
        body = http.get(body["next_page"], auth=_auth(env), timeout=30).json()


def test_ticket_event_export_pages_by_time_to_the_same_audits(http, env, org, server):
    pages = _events(http, env, 0, include="comment_events", per_page=200)
    assert len(pages) > 2 and all(p["count"] == len(p["ticket_events"]) for p in pages)
    assert all(len(p["ticket_events"]) >= 200 for p in pages[:-1]) and len(pages[-1]["ticket_events"]) < 200
    stamps = [e["timestamp"] for p in pages for e in p["ticket_events"]]
    assert stamps == sorted(stamps) and stamps[-1] <= server.now.timestamp() - 60
    for page, following in zip(pages, pages[1:], strict=False):
        # a page ends on a second boundary; the next starts at that second (its events come again)
        assert page["end_time"] == page["ticket_events"][-1]["timestamp"]
        assert following["ticket_events"][0]["timestamp"] >= page["end_time"]
    audits = {e["id"]: e for p in pages for e in p["ticket_events"]}
    # every audit of every ticket, as the per-ticket audits endpoint has them
    t = next(t for t in org.zendesk.tickets if len(t.extra["path"]) >= 3 and t.changes[-1][0] <= server.now)
    expected = http.get(f"{env['ZENDESK_BASE_URL']}/api/v2/tickets/{t.id}/audits.json?per_page=100",
                        auth=_auth(env), timeout=10).json()["audits"]
    mine = sorted((e for e in audits.values() if e["ticket_id"] == t.id), key=lambda e: (e["timestamp"], e["id"]))
    assert [a["id"] for a in expected] == [e["id"] for e in mine]
    first = mine[0]
    assert first["event_type"] == "Audit" and isinstance(first["via"], str) and first["updater_id"]
    kinds = [c["event_type"] for c in first["child_events"]]
    assert kinds[0] == "Comment" and set(kinds[1:]) == {"Create"}
    assert {"status": "new", "event_type": "Create"}.items() <= next(c for c in first["child_events"] if "status" in c).items()
    comment = first["child_events"][0]
    assert comment["body"] and comment["public"] is True and comment["audit_id"] == first["id"]
    group_changes = [c for e in mine for c in e["child_events"] if c["event_type"] == "Change" and "group_id" in c]
    assert len(group_changes) == len(t.extra["path"]) - 1 and all(c["previous_value"] for c in group_changes)
    # without the sideload a comment is only flagged
    bare = http.get(env["ZENDESK_BASE_URL"] + "/api/v2/incremental/ticket_events.json",
                    params={"start_time": first["timestamp"]}, auth=_auth(env), timeout=10).json()
    flagged = next(e for e in bare["ticket_events"] if e["id"] == first["id"])["child_events"][0]
    assert flagged["comment_present"] is True and "body" not in flagged


def test_ticket_event_export_refuses_a_start_inside_the_last_minute(http, env, server):
    url = env["ZENDESK_BASE_URL"] + "/api/v2/incremental/ticket_events.json"
    late = int(server.now.timestamp()) - 30
    assert http.get(url, params={"start_time": late}, auth=_auth(env), timeout=10).status_code == 400
    assert http.get(url, auth=_auth(env), timeout=10).status_code == 400
