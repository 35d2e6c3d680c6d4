"""Jira Cloud over real HTTP: enhanced search paging, changelog truncation, comments, auth, 410."""

from __future__ import annotations

import requests

JQL = 'updated >= "2020-01-01 00:00" ORDER BY updated ASC'


def _auth(env):
    return (env["JIRA_EMAIL"], env["JIRA_API_TOKEN"])


def _search_all(http, env, **params):
    url = env["JIRA_BASE_URL"] + "/rest/api/3/search/jql"
    issues, token, pages = [], None, 0
    while True:
        p = {"jql": JQL, "maxResults": 50, **params}
        if token:
            p["nextPageToken"] = token
        body = http.get(url, params=p, auth=_auth(env), timeout=30).json()
        pages += 1
        issues.extend(body["issues"])
        assert "total" not in body and "startAt" not in body
        if body["isLast"]:
            assert "nextPageToken" not in body  # omitted on the last page, like the real API
            return issues, pages
        assert body["nextPageToken"] != token
        token = body["nextPageToken"]


def test_search_pages_to_the_end_with_documented_fields(http, env, org, server):
    issues, pages = _search_all(http, env, fields="summary,status,assignee,reporter,created,updated,labels,customfield_10001")
    visible = [t for t in org.jira.tickets if t.created <= server.now]
    assert pages > 1
    assert len(issues) == len(visible) == len({i["id"] for i in issues})
    first = issues[0]
    assert set(first) >= {"id", "key", "self", "fields"}
    f = first["fields"]
    assert {"summary", "status", "assignee", "reporter", "created", "updated", "labels", "customfield_10001"} <= set(f)
    assert f["status"]["statusCategory"]["key"] in {"new", "indeterminate", "done"}
    assert f["updated"].endswith("+0000") and "." in f["updated"]
    updated = [i["fields"]["updated"] for i in issues]
    assert updated == sorted(updated)
    emails = [i["fields"]["assignee"].get("emailAddress") for i in issues if i["fields"]["assignee"]]
    assert any(e and e.endswith("@acme.example") for e in emails)


def test_default_fields_is_id_only(http, env):
    body = http.get(env["JIRA_BASE_URL"] + "/rest/api/3/search/jql", params={"jql": JQL, "maxResults": 3},
                    auth=_auth(env), timeout=30).json()
    assert all("fields" not in i and i["id"] for i in body["issues"])


def test_post_search_and_embedded_changelog_is_truncated(http, env, org, server):
    url = env["JIRA_BASE_URL"] + "/rest/api/3/search/jql"
    long_keys = [t.key for t in org.jira.tickets if t.created <= server.now and len(t.changes_until(server.now)) > 45]
    assert long_keys, "the generator must make some issues with more than 40 histories"
    key = long_keys[0]
    body = http.post(url, json={"jql": f"key = {key}", "fields": ["summary"], "expand": "changelog"},
                     auth=_auth(env), timeout=30).json()
    log = body["issues"][0]["changelog"]
    assert len(log["histories"]) == 40 and log["total"] > 40
    item = log["histories"][0]["items"][0]
    assert {"field", "fieldtype", "fieldId", "from", "fromString", "to", "toString"} <= set(item)
    # full history: the per-issue endpoint pages to the end
    full, start = [], 0
    while True:
        page = http.get(f"{env['JIRA_BASE_URL']}/rest/api/3/issue/{key}/changelog",
                        params={"startAt": start, "maxResults": 20}, auth=_auth(env), timeout=30).json()
        full.extend(page["values"])
        if page["isLast"]:
            break
        start += len(page["values"])
    assert len(full) == log["total"]
    assert [h["id"] for h in full[-40:]] == [h["id"] for h in log["histories"]]
    # and the bulk endpoint agrees
    bulk = http.post(env["JIRA_BASE_URL"] + "/rest/api/3/changelog/bulkfetch",
                     json={"issueIdsOrKeys": [key], "maxResults": 1000}, auth=_auth(env), timeout=30).json()
    assert sum(len(c["changeHistories"]) for c in bulk["issueChangeLogs"]) == log["total"]
    assert bulk["nextPageToken"] is None


def test_handoffs_show_as_assignee_and_team_changes_with_account_ids(http, env):
    issues, _ = _search_all(http, env, fields="customfield_10001,labels", expand="changelog")
    items = [it for i in issues for h in i["changelog"]["histories"] for it in h["items"]]
    assignee = [it for it in items if it["fieldId"] == "assignee" and it["from"]]
    team = [it for it in items if it["fieldId"] == "customfield_10001"]
    assert assignee and team
    assert all(it["tmpFromAccountId"] == it["from"] and it["tmpToAccountId"] == it["to"] for it in assignee)
    labels = {lab for i in issues for lab in i["fields"]["labels"]}
    assert {"miscommunication", "internal-handoff"} & labels


def test_comments_endpoint_and_field(http, env, org, server):
    t = next(t for t in org.jira.tickets if len(t.comments_until(server.now)) >= 2)
    body = http.get(f"{env['JIRA_BASE_URL']}/rest/api/3/issue/{t.key}/comment", auth=_auth(env), timeout=30).json()
    assert body["total"] == len(t.comments_until(server.now))
    c = body["comments"][0]
    assert c["author"]["accountId"] and c["body"]["type"] == "doc" and c["created"].endswith("+0000")


def test_updated_filter_has_minute_resolution(http, env, org, server):
    issues, _ = _search_all(http, env, fields="updated")
    pivot = issues[len(issues) // 2]["fields"]["updated"]  # e.g. 2026-06-01T10:05:33.000+0000
    minute = pivot[:10] + " " + pivot[11:16]
    later, _ = _search_all(http, env, fields="updated", jql=f'updated >= "{minute}" ORDER BY updated ASC')
    assert all(i["fields"]["updated"][:16].replace("T", " ") >= minute for i in later)
    assert pivot in [i["fields"]["updated"] for i in later]  # seconds within the minute still match
    assert len(later) < len(issues)


def test_auth_and_errors(http, env):
    url = env["JIRA_BASE_URL"] + "/rest/api/3/search/jql"
    assert http.get(url, params={"jql": JQL}, timeout=10).status_code == 401
    assert http.get(url, params={"jql": JQL}, auth=(env["JIRA_EMAIL"], "wrong"), timeout=10).status_code == 401
    unbounded = http.get(url, params={"jql": "ORDER BY updated"}, auth=_auth(env), timeout=10)
    assert unbounded.status_code == 400 and "Unbounded" in unbounded.json()["errorMessages"][0]
    gone = requests.get(env["JIRA_BASE_URL"] + "/rest/api/3/search", params={"jql": JQL}, auth=_auth(env), timeout=10)
    assert gone.status_code == 410 and "/rest/api/3/search/jql" in gone.json()["errorMessages"][0]


def test_users_carry_email_except_hidden_profiles(http, env, org):
    users = http.get(env["JIRA_BASE_URL"] + "/rest/api/3/users/search", params={"maxResults": 1000},
                     auth=_auth(env), timeout=10).json()
    with_email = [u for u in users if "emailAddress" in u]
    assert with_email and len(with_email) < len(users)
    assert all(u["accountType"] == "atlassian" and u["accountId"] for u in users)


def test_approximate_count_matches_the_search(http, env):
    jql = 'project = ENG AND updated >= "2020-01-01 00:00"'
    auth = (env["JIRA_EMAIL"], env["JIRA_API_TOKEN"])
    count = http.post(env["JIRA_BASE_URL"] + "/rest/api/3/search/approximate-count", json={"jql": jql}, auth=auth,
                      timeout=10).json()["count"]
    page = http.post(env["JIRA_BASE_URL"] + "/rest/api/3/search/jql", json={"jql": jql, "maxResults": 5000},
                     auth=auth, timeout=10).json()
    assert page["isLast"] and count == len(page["issues"]) > 0
