"""Each injected fault happens exactly as configured, over real HTTP."""

from __future__ import annotations

import pytest
import requests

from sandbox.server.faults import UNKNOWN_FIELD

JQL = 'updated >= "2020-01-01 00:00" ORDER BY updated ASC'


def _jira(http, env, **params):
    return http.get(env["JIRA_BASE_URL"] + "/rest/api/3/search/jql", params={"jql": JQL, "fields": "updated", **params},
                    auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]), timeout=10)


def test_rate_limit_every_third_request(http, env, server):
    server.faults.set("jira", "rate_limit", every=3, retry_after=7)
    codes = [_jira(http, env, maxResults=1) for _ in range(6)]
    assert [r.status_code for r in codes] == [200, 200, 429, 200, 200, 429]
    assert codes[2].headers["Retry-After"] == "7" and codes[2].headers["RateLimit-Reason"] == "jira-burst-based"
    assert codes[2].headers["X-RateLimit-Reset"].endswith("Z")
    assert server.faults.count("jira", "rate_limit") == 2


def test_server_error_burst(http, env, server):
    auth = (env["ZENDESK_EMAIL"] + "/token", env["ZENDESK_API_TOKEN"])
    url = env["ZENDESK_BASE_URL"] + "/api/v2/groups.json"
    server.faults.set("zendesk", "server_error", every=2, burst=3, status=503, times=1)
    codes = [http.get(url, auth=auth, timeout=10).status_code for _ in range(7)]
    assert codes == [200, 503, 503, 503, 200, 200, 200]


def test_slow_response_passes_a_client_timeout(env, server):
    server.faults.set("servicenow", "slow", every=1, delay=1.5, times=1)
    url = env["SERVICENOW_BASE_URL"] + "/api/now/table/sys_user_group"
    auth = (env["SERVICENOW_USER"], env["SERVICENOW_PASSWORD"])
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, auth=auth, timeout=0.5)
    assert requests.get(url, auth=auth, timeout=5).status_code == 200


def test_connection_dropped_mid_body(env, server):
    server.faults.set("bamboohr", "drop_connection", every=1, times=1)
    url = env["BAMBOOHR_BASE_URL"] + "/v1/employees/directory"
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(url, auth=(env["BAMBOOHR_API_KEY"], "x"), timeout=5).json()
    assert requests.get(url, auth=(env["BAMBOOHR_API_KEY"], "x"), timeout=5).status_code == 200


def test_malformed_record(http, env, server):
    server.faults.set("servicenow", "malformed_record", every=1, times=1)
    url = env["SERVICENOW_BASE_URL"] + "/api/now/table/incident"
    rows = http.get(url, params={"sysparm_limit": 10}, auth=(env["SERVICENOW_USER"], env["SERVICENOW_PASSWORD"]),
                    timeout=10).json()["result"]
    bad = [r for r in rows if r["sys_id"] is None]
    assert len(bad) == 1 and bad[0]["sys_updated_on"] == "not-a-timestamp"


def test_same_record_on_two_pages(http, env, server):
    page1 = _jira(http, env, maxResults=5).json()
    server.faults.set("jira", "duplicate_record", every=1, times=1)
    page2 = _jira(http, env, maxResults=5, nextPageToken=page1["nextPageToken"]).json()
    assert page2["issues"][0]["id"] == page1["issues"][-1]["id"]
    assert len(page2["issues"]) == 6


def test_unknown_field_on_every_record(http, env, server):
    server.faults.set("typeform", "unknown_field", every=1)
    url = f"{env['TYPEFORM_BASE_URL']}/forms/{env['TYPEFORM_FORM_IDS']}/responses"
    items = http.get(url, params={"page_size": 5}, headers={"Authorization": "Bearer " + env["TYPEFORM_TOKEN"]},
                     timeout=10).json()["items"]
    assert items and all(UNKNOWN_FIELD in i for i in items)


def test_probability_faults_are_reproducible_by_seed(http, env, server):
    def pattern():
        server.faults.set("jira", "rate_limit", probability=0.4)
        codes = [_jira(http, env, maxResults=1).status_code for _ in range(12)]
        server.faults.clear("jira")
        return codes
    first, second = pattern(), pattern()
    assert first == second and 429 in first and 200 in first


def test_bad_configuration_is_refused(server):
    with pytest.raises(ValueError, match="unknown fault kind"):
        server.faults.set("jira", "explode", every=1)
    with pytest.raises(ValueError, match="exactly one"):
        server.faults.set("jira", "rate_limit")
