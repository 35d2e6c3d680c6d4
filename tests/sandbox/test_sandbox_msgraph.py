"""Microsoft Graph over real HTTP: client-credentials token, users with manager, Copilot usage report."""

from __future__ import annotations

import csv
import io

import pytest


def _token(http, env, secret=None):
    return http.post(f"{env['MSGRAPH_LOGIN_URL']}/{env['MSGRAPH_TENANT_ID']}/oauth2/v2.0/token", data={
        "client_id": env["MSGRAPH_CLIENT_ID"], "client_secret": secret or env["MSGRAPH_CLIENT_SECRET"],
        "grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default"}, timeout=10)


@pytest.fixture
def headers(http, env):
    r = _token(http, env)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"
    return {"Authorization": "Bearer " + r.json()["access_token"]}


def test_token_refuses_a_wrong_secret(http, env):
    r = _token(http, env, secret="wrong")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_users_follow_next_link_with_manager(http, env, headers, org, server):
    url = env["MSGRAPH_BASE_URL"] + "/v1.0/users"
    params = {"$select": "id,userPrincipalName,mail,displayName,department,jobTitle,accountEnabled,assignedLicenses",
              "$expand": "manager($select=id,userPrincipalName,displayName)", "$top": 40}
    body = http.get(url, params=params, headers=headers, timeout=10).json()
    users, pages = [], 0
    while True:
        pages += 1
        users += body["value"]
        if "@odata.nextLink" not in body:
            break
        body = http.get(body["@odata.nextLink"], headers=headers, timeout=10).json()
    assert pages > 1 and len({u["id"] for u in users}) == len(users)
    assert {"id", "userPrincipalName", "department", "jobTitle", "accountEnabled"} <= set(users[0])
    with_manager = [u for u in users if "manager" in u]
    assert len(with_manager) == len(users) - 1  # everyone but the CEO
    assert with_manager[0]["manager"]["userPrincipalName"].endswith("@acme.example")
    departments = {u["department"] for u in users}
    assert {"Sales", "Marketing", "Customer Support", "Product", "Engineering", "IT", "HR", "Finance"} <= departments
    assert http.get(url, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    assert http.get(url, timeout=10).status_code == 401


def test_copilot_usage_report_json_and_csv(http, env, headers, server):
    base = env["MSGRAPH_BASE_URL"]
    call = "getMicrosoft365CopilotUsageUserDetail(period='D7')"
    rows, url = [], f"{base}/beta/copilot/reports/{call}?$top=25"
    while url:
        body = http.get(url, headers=headers, timeout=10).json()
        rows += body["value"]
        url = body.get("@odata.nextLink")
    assert rows and {"reportRefreshDate", "userPrincipalName", "lastActivityDate", "copilotChatLastActivityDate",
                     "microsoftTeamsCopilotLastActivityDate"} <= set(rows[0])
    assert any(r["lastActivityDate"] for r in rows)
    refresh = rows[0]["reportRefreshDate"]
    assert all(r["lastActivityDate"] <= refresh for r in rows if r["lastActivityDate"])
    text = http.get(f"{base}/v1.0/copilot/reports/{call}", headers=headers, timeout=10).content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == len(rows) and table[0]["Report Refresh Date"] == refresh
    server.conceal_graph_names(True)
    hidden = http.get(f"{base}/beta/copilot/reports/{call}", headers=headers, timeout=10).json()["value"]
    assert all("@" not in r["userPrincipalName"] and len(r["userPrincipalName"]) == 32 for r in hidden)


def _delta_round(http, headers, url):
    users = []
    while True:
        body = http.get(url, headers=headers, timeout=10).json()
        users += body["value"]
        if "@odata.deltaLink" in body:
            return users, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def test_users_delta_returns_only_changes_after_the_token(http, env, headers, server, org):
    url = env["MSGRAPH_BASE_URL"] + "/v1.0/users/delta?$select=id,userPrincipalName,department,accountEnabled"
    everyone, delta_link = _delta_round(http, headers, url)
    assert len(everyone) == len({u["id"] for u in everyone}) > 100
    nothing, delta_link = _delta_round(http, headers, delta_link)
    assert nothing == []
    mover = next(e for e in org.people.employees if len(e.history) > 1 and e.history[-1].valid_from > server.now.date())
    server.set_now(mover.history[-1].valid_from)
    changed, _ = _delta_round(http, headers, delta_link)
    moved = next(u for u in changed if u["id"] == mover.graph_id)
    assert moved["department"] == mover.history[-1].department
    assert len(changed) < len(everyone)

