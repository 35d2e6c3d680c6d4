"""SourceHttpClient against a real local HTTP server: retries, backoff, auth errors, redaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from localhttp import LocalServer, Reply

from connectors.errors import SourceAuthError, SourceRequestError
from connectors.http import SourceHttpClient, SourceStatusError, parse_retry_after

TOKEN = "tok-SUPERSECRET-123456"


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def make_client(server, sleeps, **kw):
    kw.setdefault("auth", ("bot@acme.test", TOKEN))
    kw.setdefault("credential_variables", ("JIRA_EMAIL", "JIRA_API_TOKEN"))
    kw.setdefault("timeout", (1.0, 1.0))
    return SourceHttpClient("jira", server.url, sleep=sleeps.append, jitter=lambda: 1.0, **kw)


def test_json_roundtrip_sends_auth_and_accept(server):
    server.route("GET", "/rest/api/3/myself", Reply(json={"accountId": "abc"}))
    sleeps: list[float] = []
    client = make_client(server, sleeps)
    assert client.get_json("/rest/api/3/myself", params={"expand": "groups"}) == {"accountId": "abc"}
    seen = server.requests_to("/rest/api/3/myself")[0]
    assert seen.headers["Authorization"].startswith("Basic ")
    assert seen.headers["Accept"] == "application/json"
    assert seen.params == {"expand": "groups"}
    assert sleeps == []


def test_429_honours_retry_after_seconds(server):
    server.route("GET", "/x", [Reply(429, json={}, headers={"Retry-After": "7"}), Reply(json={"ok": True})])
    sleeps: list[float] = []
    assert make_client(server, sleeps).get_json("/x") == {"ok": True}
    assert sleeps == [7.0]


def test_retry_after_http_date_is_capped(server):
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    server.route("GET", "/x", [Reply(503, body="busy", headers={"Retry-After": later}), Reply(json=[1])])
    sleeps: list[float] = []
    assert make_client(server, sleeps, retry_after_max=60.0).get_json("/x") == [1]
    assert sleeps == [60.0]


def test_5xx_burst_backs_off_exponentially_with_jitter(server):
    server.route("GET", "/x", [Reply(500, body="")] * 3 + [Reply(502, body="")] + [Reply(json={"n": 1})])
    sleeps: list[float] = []
    client = make_client(server, sleeps, backoff_base=0.5, backoff_max=3.0)
    assert client.get_json("/x") == {"n": 1}
    # jitter() == 1.0 gives the ceiling of each full-jitter window: 0.5, 1, 2, then capped at 3.
    assert sleeps == [0.5, 1.0, 2.0, 3.0]
    assert client.retries == 4 and client.requests_sent == 5


def test_full_jitter_stays_inside_window(server):
    server.route("GET", "/x", [Reply(500, body="")] * 3 + [Reply(json={})])
    sleeps: list[float] = []
    client = SourceHttpClient("zendesk", server.url, sleep=sleeps.append, backoff_base=1.0, backoff_max=30.0)
    client.get_json("/x")
    assert len(sleeps) == 3
    assert all(0.0 <= s <= 2 ** i for i, s in enumerate(sleeps))


def test_final_error_names_source_endpoint_attempts_without_secrets(server, caplog):
    server.route("GET", "/files/report.ndjson", Reply(500, body=f"oops {TOKEN}"))
    sleeps: list[float] = []
    client = make_client(server, sleeps, max_attempts=3)
    caplog.set_level(logging.WARNING, logger="connectors.http")
    with pytest.raises(SourceRequestError) as err:
        client.get(f"{server.url}/files/report.ndjson?sig=SIGNATURE-XYZ&X-Amz-Credential=CRED-XYZ&day=2025-03-01")
    text = str(err.value)
    assert "jira" in text and "/files/report.ndjson" in text and "3 attempts" in text
    for secret in ("SIGNATURE-XYZ", "CRED-XYZ", TOKEN):
        assert secret not in text
        assert secret not in caplog.text
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert "day=2025-03-01" in caplog.text  # harmless params stay visible in logs
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_fail_at_once_naming_variables(server, status):
    server.route("GET", "/rest/api/3/search/jql", Reply(status, json={"errorMessages": ["nope"]}))
    sleeps: list[float] = []
    with pytest.raises(SourceAuthError) as err:
        make_client(server, sleeps).get("/rest/api/3/search/jql", params={"jql": "project=OPS"})
    text = str(err.value)
    assert "jira" in text and "JIRA_EMAIL" in text and "JIRA_API_TOKEN" in text and str(status) in text
    assert TOKEN not in text and "bot@acme.test" not in text
    assert len(server.requests_to("/rest/api/3/search/jql")) == 1 and sleeps == []


def test_403_with_retry_after_is_a_rate_limit_not_an_auth_error(server):
    server.route("GET", "/x", [Reply(403, json={}, headers={"Retry-After": "3"}), Reply(json={"ok": 1})])
    sleeps: list[float] = []
    assert make_client(server, sleeps).get_json("/x") == {"ok": 1}
    assert sleeps == [3.0]


def test_other_4xx_is_not_retried_and_carries_status(server):
    server.route("GET", "/rest/api/3/issue/OPS-1/changelog", Reply(404, json={"errorMessages": ["Issue does not exist"]}))
    sleeps: list[float] = []
    with pytest.raises(SourceStatusError) as err:
        make_client(server, sleeps).get("/rest/api/3/issue/OPS-1/changelog")
    assert err.value.status == 404 and "Issue does not exist" in str(err.value)
    assert sleeps == []


def test_body_cut_mid_stream_is_retried(server):
    big = {"issues": [{"id": str(i), "key": f"OPS-{i}"} for i in range(200)], "isLast": True}
    server.route("GET", "/x", [Reply(json=big, fault="cut"), Reply(json=big)])
    sleeps: list[float] = []
    assert make_client(server, sleeps).get_json("/x") == big
    assert len(sleeps) == 1


def test_unparseable_json_is_retried_then_reported(server):
    server.route("GET", "/x", Reply(body='{"issues": [{"id": "1"'))
    sleeps: list[float] = []
    with pytest.raises(SourceRequestError, match="failed after 4 attempts.*body"):
        make_client(server, sleeps, max_attempts=4).get_json("/x")


def test_dropped_connection_is_retried(server):
    server.route("GET", "/x", [Reply(fault="drop"), Reply(fault="drop"), Reply(json={"ok": True})])
    sleeps: list[float] = []
    assert make_client(server, sleeps).get_json("/x") == {"ok": True}
    assert len(sleeps) == 2


def test_read_timeout_is_retried(server):
    server.route("GET", "/x", [Reply(json={}, fault="hang", hang_seconds=0.6), Reply(json={"ok": True})])
    sleeps: list[float] = []
    client = make_client(server, sleeps, timeout=(1.0, 0.2))
    assert client.get_json("/x") == {"ok": True}
    assert len(sleeps) == 1


def test_connection_refused_fails_with_clear_error():
    sleeps: list[float] = []
    client = SourceHttpClient("servicenow", "http://127.0.0.1:9", sleep=sleeps.append, max_attempts=2, timeout=(0.5, 0.5))
    with pytest.raises(SourceRequestError, match=r"servicenow: cannot connect to 127.0.0.1:9 \(connection refused\)"):
        client.get("/api/now/table/incident", params={"sysparm_limit": 1})


def test_credentials_are_not_sent_to_another_origin(server):
    with LocalServer() as other:
        other.route("GET", "/download", Reply(json={"line": 1}))
        client = SourceHttpClient("github", server.url, headers={"Authorization": f"Bearer {TOKEN}"})
        assert client.get_json(f"{other.url}/download?sig=abc") == {"line": 1}
        assert "Authorization" not in other.requests_to("/download")[0].headers


class RotatingToken(requests.auth.AuthBase):
    """A bearer token source that can be told its token expired (as the Graph token helper can)."""

    def __init__(self) -> None:
        self.issued = 0

    def invalidate(self) -> None:
        self.issued += 1

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer t{self.issued}"
        return r


def test_expired_token_is_refreshed_once(server):
    def handler(seen):
        return Reply(json={"ok": 1}) if seen.headers["Authorization"] == "Bearer t1" else Reply(401, json={})

    server.route("GET", "/v1.0/users", handler)
    auth = RotatingToken()
    client = SourceHttpClient("msgraph", server.url, auth=auth, credential_variables=("MSGRAPH_CLIENT_SECRET",))
    assert client.get_json("/v1.0/users") == {"ok": 1}
    assert auth.issued == 1
    server.route("GET", "/v1.0/users", Reply(401, json={}))
    with pytest.raises(SourceAuthError, match="MSGRAPH_CLIENT_SECRET"):
        client.get_json("/v1.0/users")


def test_parse_retry_after():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_urllib3_debug_lines_lose_their_query_strings(server, caplog):
    server.route("GET", "/download", Reply(json={}))
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    SourceHttpClient("github", server.url).get_json(f"{server.url}/download?sig=SIGNATURE-XYZ")
    assert "/download?<redacted>" in caplog.text and "SIGNATURE-XYZ" not in caplog.text
