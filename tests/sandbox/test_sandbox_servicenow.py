"""ServiceNow Table API over real HTTP: encoded query, offset paging via Link, X-Total-Count, sys_audit."""

from __future__ import annotations

import re


def _auth(env):
    return (env["SERVICENOW_USER"], env["SERVICENOW_PASSWORD"])


def _next(link: str) -> str | None:
    m = re.search(r'<([^>]+)>;rel="next"', link)
    return m.group(1) if m else None


def test_incidents_page_to_the_end(http, env, org, server):
    url = env["SERVICENOW_BASE_URL"] + "/api/now/table/incident"
    params = {"sysparm_query": "sys_updated_on>=2020-01-01 00:00:00^ORDERBYsys_updated_on^ORDERBYsys_id",
              "sysparm_limit": 50}
    r = http.get(url, params=params, auth=_auth(env), timeout=10)
    total = int(r.headers["X-Total-Count"])
    rows = []
    while True:
        assert r.status_code == 200
        rows += r.json()["result"]
        nxt = _next(r.headers["Link"])
        if nxt is None:
            break
        r = http.get(nxt, auth=_auth(env), timeout=10)
    assert len(rows) == total == sum(1 for t in org.servicenow.tickets if t.created <= server.now)
    assert len({x["sys_id"] for x in rows}) == total
    inc = rows[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", inc["sys_updated_on"])
    assert set(inc["assignment_group"]) == {"link", "value"}
    assert inc["reassignment_count"].isdigit()
    keys = [(x["sys_updated_on"], x["sys_id"]) for x in rows]
    assert keys == sorted(keys)


def test_sys_audit_records_reassignments(http, env):
    url = env["SERVICENOW_BASE_URL"] + "/api/now/table/sys_audit"
    q = "tablename=incident^fieldname=assignment_group^sys_created_on>=2020-01-01 00:00:00^ORDERBYsys_created_on"
    body = http.get(url, params={"sysparm_query": q}, auth=_auth(env), timeout=10).json()
    audits = body["result"]
    assert audits and all(a["fieldname"] == "assignment_group" for a in audits)
    assert {"documentkey", "oldvalue", "newvalue", "user", "sys_created_on", "tablename"} <= set(audits[0])
    groups = http.get(env["SERVICENOW_BASE_URL"] + "/api/now/table/sys_user_group", auth=_auth(env), timeout=10).json()
    ids = {g["sys_id"] for g in groups["result"]}
    assert all(a["newvalue"] in ids and a["oldvalue"] in ids for a in audits)


def test_display_values_users_and_auth(http, env):
    url = env["SERVICENOW_BASE_URL"] + "/api/now/table/sys_user"
    body = http.get(url, params={"sysparm_display_value": "all", "sysparm_limit": 5,
                                 "sysparm_fields": "sys_id,email,department"}, auth=_auth(env), timeout=10).json()
    user = body["result"][0]
    assert set(user) == {"sys_id", "email", "department"}
    assert set(user["department"]) == {"display_value", "link", "value"}
    assert user["email"]["value"].endswith("@acme.example")
    r = http.get(url, auth=(env["SERVICENOW_USER"], "nope"), timeout=10)
    assert r.status_code == 401 and r.json()["status"] == "failure"
    bad = http.get(url, params={"sysparm_query": "nosuchfield=1"}, auth=_auth(env), timeout=10)
    assert bad.status_code == 400


def test_acl_protected_table_answers_403(http, env, server):
    url = env["SERVICENOW_BASE_URL"] + "/api/now/table/sys_audit"
    server.deny_servicenow_table("sys_audit")
    try:
        r = http.get(url, auth=_auth(env), timeout=10)
        assert r.status_code == 403 and r.json()["error"]["message"] == "User Not Authorized"
    finally:
        server.deny_servicenow_table("sys_audit", denied=False)
    assert http.get(url, params={"sysparm_limit": 1}, auth=_auth(env), timeout=10).status_code == 200
