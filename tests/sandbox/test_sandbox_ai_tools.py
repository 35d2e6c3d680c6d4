"""GitHub Copilot, OpenAI and BambooHR over real HTTP: documented fields, paging to the end, auth."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta


def _gh(env, token=None):
    return {"Authorization": "Bearer " + (token or env["GITHUB_TOKEN"]), "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28"}


def test_copilot_seats_follow_link_headers(http, env, org, server):
    url = f"{env['GITHUB_BASE_URL']}/orgs/{env['GITHUB_ORG']}/copilot/billing/seats?per_page=7"
    seats, total = [], None
    while url:
        r = http.get(url, headers=_gh(env), timeout=10)
        assert r.status_code == 200
        body = r.json()
        total = body["total_seats"]
        seats += body["seats"]
        m = re.search(r'<([^>]+)>; rel="next"', r.headers.get("Link", ""))
        url = m.group(1) if m else None
    assert len(seats) == total > 7
    s = seats[0]
    assert {"created_at", "updated_at", "pending_cancellation_date", "last_activity_at", "last_activity_editor",
            "plan_type", "assignee", "assigning_team"} <= set(s)
    assert {"login", "id", "type"} <= set(s["assignee"]) and s["assigning_team"]["slug"]


def test_copilot_usage_report_download_links(http, env, server):
    day = (server.now - timedelta(days=3)).date().isoformat()
    base = f"{env['GITHUB_BASE_URL']}/orgs/{env['GITHUB_ORG']}/copilot/metrics/reports"
    r = http.get(f"{base}/users-1-day", params={"day": day}, headers=_gh(env), timeout=10)
    assert r.status_code == 200 and r.json()["report_day"] == day
    link = r.json()["download_links"][0]
    lines = http.get(link, timeout=10).text.splitlines()  # no GitHub token on the signed link
    rec = json.loads(lines[0])
    assert {"day", "user_id", "user_login", "user_initiated_interaction_count", "code_generation_activity_count",
            "code_acceptance_activity_count", "totals_by_ide", "totals_by_feature"} <= set(rec)
    assert rec["code_acceptance_activity_count"] <= rec["code_generation_activity_count"]
    tampered = link.replace("sig=", "sig=0")
    assert http.get(tampered, timeout=10).status_code == 403
    teams = http.get(f"{base}/user-teams-1-day", params={"day": day}, headers=_gh(env), timeout=10).json()
    team_rows = [json.loads(x) for x in http.get(teams["download_links"][0], timeout=10).text.splitlines()]
    assert team_rows and {"user_id", "user_login", "day", "team_id", "slug"} <= set(team_rows[0])
    future = (server.now + timedelta(days=2)).date().isoformat()
    assert http.get(f"{base}/users-1-day", params={"day": future}, headers=_gh(env), timeout=10).status_code == 204
    assert http.get(f"{env['GITHUB_BASE_URL']}/orgs/{env['GITHUB_ORG']}/copilot/metrics", headers=_gh(env),
                    timeout=10).status_code == 404  # retired on 2026-04-02


def test_signed_links_expire(env, server, http):
    server.state.download_ttl_seconds = 1
    try:
        day = (server.now - timedelta(days=3)).date().isoformat()
        r = http.get(f"{env['GITHUB_BASE_URL']}/orgs/{env['GITHUB_ORG']}/copilot/metrics/reports/users-1-day",
                     params={"day": day}, headers=_gh(env), timeout=10)
        link = r.json()["download_links"][0]
        time.sleep(2.1)
        expired = http.get(link, timeout=10)
        assert expired.status_code == 403 and b"expired" in expired.content
    finally:
        server.state.download_ttl_seconds = 600


def test_github_auth(http, env, server):
    url = f"{env['GITHUB_BASE_URL']}/orgs/{env['GITHUB_ORG']}/copilot/billing/seats"
    assert http.get(url, timeout=10).status_code == 401
    assert http.get(url, headers=_gh(env, "ghp_wrong"), timeout=10).status_code == 401
    assert http.get(url, headers=_gh(env, server.credentials.github_token_no_scope), timeout=10).status_code == 403


def _oa(env, key=None):
    return {"Authorization": "Bearer " + (key or env["OPENAI_ADMIN_KEY"])}


def test_openai_usage_buckets_page_to_the_end(http, env, org, server):
    start = int((org.timeline.island_start - org.timeline.start).days) * 86400
    start += int(__import__("calendar").timegm(org.timeline.start.timetuple()))
    url = env["OPENAI_BASE_URL"] + "/v1/organization/usage/completions"
    params = {"start_time": start, "bucket_width": "1d", "group_by": ["user_id", "project_id"], "limit": 31}
    buckets, pages = [], 0
    while True:
        body = http.get(url, params=params, headers=_oa(env), timeout=30).json()
        pages += 1
        buckets += body["data"]
        if not body["has_more"]:
            assert body["next_page"] is None
            break
        params["page"] = body["next_page"]
    assert pages > 1
    starts = [b["start_time"] for b in buckets]
    assert starts == sorted(set(starts)) and all(b["end_time"] - b["start_time"] == 86400 for b in buckets)
    results = [r for b in buckets for r in b["results"]]
    assert results and all(r["user_id"] and r["project_id"] and r["model"] is None for r in results)
    assert {"input_tokens", "output_tokens", "num_model_requests", "object"} <= set(results[0])
    # hourly buckets add up to the daily ones
    day = next(b for b in buckets if b["results"])
    hourly = http.get(url, params={"start_time": day["start_time"], "end_time": day["end_time"], "bucket_width": "1h",
                                   "limit": 24}, headers=_oa(env), timeout=30).json()
    assert sum(r["num_model_requests"] for b in hourly["data"] for r in b["results"]) == \
        sum(r["num_model_requests"] for r in day["results"])


def test_openai_users_and_projects(http, env):
    url = env["OPENAI_BASE_URL"] + "/v1/organization/users"
    users, params = [], {"limit": 5}
    while True:
        body = http.get(url, params=params, headers=_oa(env), timeout=10).json()
        users += body["data"]
        if not body["has_more"]:
            break
        params["after"] = body["last_id"]
    assert len({u["id"] for u in users}) == len(users) > 5
    assert {"object", "id", "name", "email", "role", "added_at"} <= set(users[0])
    names = {p["name"] for p in http.get(env["OPENAI_BASE_URL"] + "/v1/organization/projects",
                                         headers=_oa(env), timeout=10).json()["data"]}
    assert {"Marketing Content", "Recruiting Screener"} <= names
    assert http.get(url, headers=_oa(env, "sk-wrong"), timeout=10).status_code == 401
    assert http.get(url, timeout=10).status_code == 401


def test_openai_project_key_is_forbidden(http, env, server):
    url = env["OPENAI_BASE_URL"] + "/v1/organization/users"
    assert http.get(url, headers=_oa(env, server.credentials.openai_project_key), timeout=10).status_code == 403


def test_bamboohr_directory(http, env, server):
    url = env["BAMBOOHR_BASE_URL"] + "/v1/employees/directory"
    r = http.get(url, auth=(env["BAMBOOHR_API_KEY"], "x"), headers={"Accept": "application/json"}, timeout=10)
    body = r.json()
    assert {f["id"] for f in body["fields"]} >= {"displayName", "jobTitle", "department", "workEmail", "supervisor"}
    assert all(e["workEmail"].endswith("@acme.example") and isinstance(e["id"], str) for e in body["employees"])
    assert http.get(url, auth=("wrong", "x"), timeout=10).status_code == 401
    server.share_bamboohr_directory(False)
    assert http.get(url, auth=(env["BAMBOOHR_API_KEY"], "x"), timeout=10).status_code == 403
