"""Jira connector against a small fake Jira speaking the enhanced-search wire format."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import duckdb
import pytest
from localhttp import LocalServer, Reply, Seen

from connectors import jira
from connectors.errors import ConfigError, SourceAuthError
from connectors.privacy import Pseudonymiser
from pipelines.landing import land_extractor
from pipelines.warehouse import initialise

KEY = "test-pseudonym-key-0123456789"
BERLIN = ZoneInfo("Europe/Berlin")
T0 = dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)


def jira_time(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def user(n: int, email: bool = True) -> dict:
    u = {"accountId": f"acc-{n:04d}", "displayName": f"Person {n}", "active": True, "accountType": "atlassian"}
    if email:
        u["emailAddress"] = f"person{n}@acme.test"
    return u


class FakeJira:
    """Issues with histories; `embedded_cap` mimics the capped embedded changelog."""

    def __init__(self, n: int = 25, histories: int = 3, embedded_cap: int = 40, bulk: bool = True):
        self.issues: dict[str, dict] = {}
        self.histories: dict[str, list] = {}
        self.embedded_cap = embedded_cap
        self.bulk = bulk
        for i in range(n):
            self.add_issue(i, histories)

    def add_issue(self, i: int, histories: int) -> None:
        issue_id = str(10000 + i)
        created = T0 + dt.timedelta(hours=i)
        hist = []
        for h in range(histories):
            hist.append({
                "id": f"{issue_id}{h:03d}", "created": jira_time(created + dt.timedelta(minutes=10 * (h + 1))),
                "author": user(h % 3),
                "items": [
                    {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee", "from": f"acc-{h:04d}",
                     "fromString": f"Person {h}", "to": f"acc-{h + 1:04d}", "toString": f"Person {h + 1}",
                     "tmpFromAccountId": f"acc-{h:04d}", "tmpToAccountId": f"acc-{h + 1:04d}"},
                    {"field": "Team", "fieldtype": "custom", "fieldId": "customfield_10001",
                     "from": "t-a", "fromString": "Frontend", "to": "t-b", "toString": "Platform Team"},
                ],
            })
        self.histories[issue_id] = hist
        updated = created + dt.timedelta(minutes=10 * histories + 5)
        self.issues[issue_id] = {
            "expand": "operations,changelog", "id": issue_id, "self": f"https://acme.atlassian.net/rest/api/3/issue/{issue_id}",
            "key": f"OPS-{i + 1}",
            "fields": {
                "created": jira_time(created), "updated": jira_time(updated),
                "resolutiondate": jira_time(updated) if i % 2 else None,
                "status": {"name": "Done", "id": "10002", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
                "issuetype": {"name": "Task"}, "project": {"key": "OPS"}, "priority": {"name": "High"},
                "assignee": user(i % 5), "reporter": user(7, email=False), "creator": user(8),
                "labels": ["ai-assisted"] if i % 3 == 0 else [],
                "components": [{"id": "10010", "name": "Billing"}],
                "parent": {"id": "900", "key": "OPS-EPIC", "fields": {"issuetype": {"name": "Epic"}}},
                "customfield_10001": {"id": "t-b", "name": "Platform Team"},
                "comment": {"comments": [
                    {"id": f"c{issue_id}", "author": user(2), "updateAuthor": user(2),
                     "created": jira_time(created), "updated": jira_time(created), "body": {"type": "doc"}}],
                    "total": 1, "maxResults": 1, "startAt": 0},
            },
        }

    def touch(self, issue_id: str, when: dt.datetime, to: int = 4) -> None:
        hist = self.histories[issue_id]
        hist.append({"id": f"{issue_id}9{len(hist):02d}", "created": jira_time(when), "author": user(1),
                     "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "3",
                                "fromString": "In Progress", "to": "10002", "toString": "Done"}]})
        self.issues[issue_id]["fields"]["updated"] = jira_time(when)

    def search(self, seen: Seen) -> Reply:
        jql = seen.params["jql"]
        m = re.search(r'updated >= "(\d{4}-\d\d-\d\d \d\d:\d\d)"', jql)
        since = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN)
        assert "ORDER BY updated ASC" in jql and "changelog" in seen.params["expand"]
        hits = sorted(
            (i for i in self.issues.values() if dt.datetime.strptime(i["fields"]["updated"], "%Y-%m-%dT%H:%M:%S.%f%z") >= since),
            key=lambda i: (i["fields"]["updated"], i["key"]),
        )
        start = int(seen.params.get("nextPageToken", "0"))
        size = int(seen.params["maxResults"])
        page = []
        for issue in hits[start : start + size]:
            hist = self.histories[issue["id"]]
            page.append({**issue, "changelog": {"startAt": 0, "maxResults": self.embedded_cap, "total": len(hist),
                                                "histories": hist[-self.embedded_cap :]}})
        body = {"issues": page, "isLast": start + size >= len(hits)}
        if not body["isLast"]:
            body["nextPageToken"] = str(start + size)
        return Reply(json=body)

    def bulkfetch(self, seen: Seen) -> Reply:
        if not self.bulk:
            return Reply(404, json={"errorMessages": ["not found"]})
        ids = seen.json()["issueIdsOrKeys"]
        return Reply(json={"issueChangeLogs": [{"issueId": i, "changeHistories": self.histories[i]} for i in ids]})

    def changelog(self, seen: Seen) -> Reply:
        issue_id = seen.path.split("/")[-2]
        start, size = int(seen.params.get("startAt", 0)), int(seen.params.get("maxResults", 100))
        hist = self.histories[issue_id]
        return Reply(json={"startAt": start, "maxResults": size, "total": len(hist),
                           "isLast": start + size >= len(hist), "values": hist[start : start + size]})

    def mount(self, server: LocalServer) -> None:
        server.route("GET", "/rest/api/3/search/jql", self.search)
        server.route("POST", "/rest/api/3/changelog/bulkfetch", self.bulkfetch)
        server.route("GET", "/rest/api/3/myself", Reply(json={"accountId": "bot", "timeZone": "Europe/Berlin"}))
        server.route("GET", "/rest/api/3/field", Reply(json=[
            {"id": "customfield_10001", "name": "Team", "schema": {"custom": jira.TEAM_FIELD_TYPE}},
            {"id": "summary", "name": "Summary", "schema": {"type": "string"}}]))
        for issue_id in self.issues:
            server.route("GET", f"/rest/api/3/issue/{issue_id}/changelog", self.changelog)


@pytest.fixture
def pseudo():
    return Pseudonymiser(KEY)


def settings(server):
    return {"JIRA_BASE_URL": server.url, "JIRA_EMAIL": "bot@acme.test", "JIRA_API_TOKEN": "jira-token-xyz"}


def extractor(server, pseudo, **kw):
    client = jira.make_client(settings(server), sleep=lambda s: None)
    return jira.JiraIssuesExtractor(client, pseudo, **kw)


def table(conn, name):
    return conn.execute(f"select * exclude (_run_id, _loaded_at) from raw_jira.{name} order by all").fetchall()


def test_full_load_then_incremental_then_rerun(pseudo):
    fake = FakeJira(n=25)
    conn = duckdb.connect()
    initialise(conn)
    with LocalServer() as server:
        fake.mount(server)
        report = land_extractor(conn, extractor(server, pseudo, page_size=10, pages_per_batch=1), "run1")
        assert report.rows_by_table["issues"] == 25 and report.batches == 3 and report.rejects == 0
        assert conn.execute("select count(*) from raw_jira.issue_changes").fetchone()[0] == 25 * 3 * 2
        row = conn.execute("select assignee_key, reporter_key, team_name, epic_key, labels, components, status_category "
                           "from raw_jira.issues where issue_key = 'OPS-1'").fetchone()
        assert row[0] == pseudo.identity_key("jira", "acc-0000") and row[2] == "Platform Team" and row[3] == "OPS-EPIC"
        assert json.loads(row[4]) == ["ai-assisted"] and json.loads(row[5]) == ["Billing"] and row[6] == "done"
        # Person fields become identity keys; names are gone.
        change = conn.execute("select from_value, from_string, to_value, author_key from raw_jira.issue_changes "
                              "where field = 'assignee' order by history_id limit 1").fetchone()
        assert change == (pseudo.identity_key("jira", "acc-0000"), None, pseudo.identity_key("jira", "acc-0001"),
                          pseudo.identity_key("jira", "acc-0000"))
        users = dict(conn.execute("select identity_key, person_key from raw_jira.users").fetchall())
        assert users[pseudo.identity_key("jira", "acc-0002")] == pseudo.person_key("person2@acme.test")
        assert pseudo.identity_key("jira", "acc-0007") not in users  # e-mail hidden: no mapping
        dump = json.dumps([table(conn, t) for t in ("issues", "issue_changes", "comments", "users")], default=str)
        for secret in ("@acme.test", "Person ", "acc-0"):
            assert secret not in dump
        snapshot = {t: table(conn, t) for t in ("issues", "issue_changes", "comments", "users")}

        # Nothing changed: the overlap window is re-read but nothing is landed again.
        searches_before = len(server.requests_to(jira.SEARCH_PATH))
        report = land_extractor(conn, extractor(server, pseudo, page_size=10), "run2")
        assert report.rows == 0
        assert len(server.requests_to(jira.SEARCH_PATH)) == searches_before + 1
        # The JQL bound is the cursor minus the overlap, in the API user's zone (Berlin, UTC+1).
        last = max(fake.issues.values(), key=lambda i: i["fields"]["updated"])["fields"]["updated"]
        cursor = dt.datetime.strptime(last, "%Y-%m-%dT%H:%M:%S.%f%z") - dt.timedelta(minutes=5)
        assert f'updated >= "{cursor.astimezone(BERLIN):%Y-%m-%d %H:%M}"' in server.requests_to(jira.SEARCH_PATH)[-1].params["jql"]

        # Two issues change: only they are landed, with their new history.
        later = T0 + dt.timedelta(days=3)
        fake.touch("10003", later)
        fake.touch("10007", later + dt.timedelta(seconds=30))
        report = land_extractor(conn, extractor(server, pseudo, page_size=10), "run3")
        assert report.rows_by_table["issues"] == 2
        assert conn.execute("select count(*) from raw_jira.issue_changes where issue_id = '10003'").fetchone()[0] == 7
        assert conn.execute("select max(updated_at) from raw_jira.issues").fetchone()[0] == (
            later + dt.timedelta(seconds=30)).replace(tzinfo=None)

        # A rerun from an old cursor lands the same data again: nothing changes.
        after = {t: table(conn, t) for t in snapshot}
        conn.execute("update meta.cursors set state = '{\"updated\": \"2025-03-01T00:00:00\"}' where source = 'jira'")
        report = land_extractor(conn, extractor(server, pseudo, page_size=10), "run4")
        assert report.rows_by_table["issues"] == 25
        assert {t: table(conn, t) for t in snapshot} == after


@pytest.mark.parametrize("bulk", [True, False])
def test_truncated_changelog_is_completed(pseudo, bulk):
    fake = FakeJira(n=3, histories=45, embedded_cap=40, bulk=bulk)
    with LocalServer() as server:
        fake.mount(server)
        batches = list(extractor(server, pseudo).batches(None))
    changes = [c for b in batches for c in b.rows["issue_changes"]]
    assert len(changes) == 3 * 45 * 2
    assert len({(c["issue_id"], c["history_id"], c["item_index"]) for c in changes}) == len(changes)
    assert len(server.requests_to("/rest/api/3/changelog/bulkfetch")) == 1
    if not bulk:
        assert len([s for s in server.seen if s.path.endswith("/changelog")]) == 3


def test_broken_records_are_rejected_and_scrubbed(pseudo):
    fake = FakeJira(n=4)
    fake.issues["10001"]["fields"]["updated"] = "yesterday"
    fake.issues["10002"]["fields"]["labels"] = "not-a-list"
    fake.histories["10003"][0]["created"] = None  # one bad history: only it is rejected
    fake.issues["10000"]["fields"]["customfield_99999"] = {"value": "new field"}
    fake.issues["10000"]["manager_name"] = "Anouk Bos"  # a new top-level field, with a name in it
    with LocalServer() as server:
        fake.mount(server)
        # The search sorts by `updated`; the fake needs a parseable one, so break it after sorting.
        original = fake.search

        def search(seen):
            reply = original(seen)
            for issue in reply.json["issues"]:
                if issue["id"] == "10001":
                    issue["fields"] = {**issue["fields"], "updated": "yesterday"}
            return reply

        fake.issues["10001"]["fields"]["updated"] = fake.issues["10000"]["fields"]["updated"]
        server.route("GET", jira.SEARCH_PATH, search)
        batches = list(extractor(server, pseudo).batches(None))
    rows = [i for b in batches for i in b.rows["issues"]]
    rejects = [x for b in batches for x in b.rejects]
    assert sorted(i["issue_id"] for i in rows) == ["10000", "10003"]
    reasons = {(x.stream, x.record_id): x.reason for x in rejects}
    assert "not an ISO 8601 timestamp" in reasons[("issues", "OPS-2")]
    assert "labels" in reasons[("issues", "OPS-3")]
    assert ("issue_changes", "10003000") in reasons
    payload = json.dumps([x.payload for x in rejects])
    assert "@acme.test" not in payload and "Person " not in payload and "acc-000" not in payload
    # Undeclared fields do not land; their names (never values) travel with the batch.
    assert all(i["_extra"] is None for i in rows)
    assert sorted({n for b in batches for n in b.unknown_fields}) == ["fields.customfield_99999", "manager_name"]


def test_allow_listed_fields_are_asked_for_and_land(pseudo):
    fake = FakeJira(n=2)
    fake.issues["10000"]["fields"]["customfield_99999"] = {"value": "new field"}
    fake.issues["10000"]["manager_name"] = "Anouk Bos"
    fake.issues["10001"]["fields"]["customfield_12345"] = "not asked for"
    with LocalServer() as server:
        fake.mount(server)
        env = {**settings(server), "JIRA_EXTRA_FIELDS": "manager_name,fields.customfield_99999"}
        (x,) = jira.build(jira.SOURCE.settings(env), pseudo, sleep=lambda s: None)
        batches = list(x.batches(None))
        asked = server.requests_to(jira.SEARCH_PATH)[0].params["fields"].split(",")
    rows = {i["issue_id"]: i for b in batches for i in b.rows["issues"]}
    assert "customfield_99999" in asked  # the search names its fields: an allow-listed one is asked for
    assert rows["10000"]["_extra"] == {"manager_name": "Anouk Bos", "fields": {"customfield_99999": {"value": "new field"}}}
    assert rows["10001"]["_extra"] is None
    assert sorted({n for b in batches for n in b.unknown_fields}) == ["fields.customfield_12345"]


def test_auth_failure_names_variables(pseudo):
    with LocalServer() as server:
        server.route("GET", "/rest/api/3/field", Reply(401, json={}))
        with pytest.raises(SourceAuthError, match="JIRA_EMAIL, JIRA_API_TOKEN"):
            list(extractor(server, pseudo).batches(None))


def test_config_errors_name_the_variable(pseudo):
    with pytest.raises(ConfigError, match="JIRA_API_TOKEN"):
        jira.SOURCE.settings({"JIRA_BASE_URL": "https://acme.atlassian.net", "JIRA_EMAIL": "a@b.c"})
    with pytest.raises(ConfigError, match="JIRA_BASE_URL"):
        jira.build({"JIRA_BASE_URL": "acme.atlassian.net", "JIRA_EMAIL": "a", "JIRA_API_TOKEN": "b"}, pseudo)


def test_each_batch_state_covers_exactly_the_rows_so_far(pseudo):
    fake = FakeJira(n=25)
    with LocalServer() as server:
        fake.mount(server)
        batches = list(extractor(server, pseudo, page_size=10, pages_per_batch=2).batches(None))  # collected
    assert [len(b.rows["issues"]) for b in batches] == [20, 5]  # pages 1+2, then 3
    seen: list[dict] = []
    for batch in batches:
        seen.extend(batch.rows["issues"])
        assert batch.state["updated"] == max(i["updated_at"] for i in seen).isoformat(timespec="microseconds")
        assert set(batch.state["recent"]) <= {i["issue_id"] for i in seen}
