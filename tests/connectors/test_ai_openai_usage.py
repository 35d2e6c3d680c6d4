"""OpenAI connector against a local server speaking the Admin API usage and users formats."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from localhttp import LocalServer, Reply

from connectors.openai_usage import NONE, SOURCE, CompletionsUsageExtractor, client_for
from connectors.privacy import Pseudonymiser
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

P = Pseudonymiser("test-key-0123456789abcdef")
DAY = 86400
T0 = 1772323200  # 2026-03-01 00:00 UTC


def result(user, project, requests_, **more):
    return {"object": "organization.usage.completions.result", "input_tokens": 100 * requests_, "output_tokens": 50 * requests_,
            "input_cached_tokens": 0, "num_model_requests": requests_, "project_id": project, "user_id": user,
            "api_key_id": None, "model": None, "batch": None, **more}


class OpenAiApi:
    def __init__(self, server: LocalServer):
        self.server = server
        self.buckets = {
            T0: [result("user-ann", "proj_mkt", 5), result("user-bob", "proj_hr", 2, input_image_tokens=7)],
            T0 + DAY: [result("user-ann", "proj_mkt", 3), result(None, None, 9), {"object": "x", "input_tokens": "lots"}],
            T0 + 2 * DAY: [result("user-bob", "proj_hr", 1)],
        }
        server.route("GET", "/v1/organization/usage/completions", self.usage)
        server.route("GET", "/v1/organization/users", self.users)
        server.route("GET", "/v1/organization/projects", self.projects)

    def usage(self, seen):
        start = int(seen.params["start_time"])
        assert seen.query["group_by"] == ["user_id", "project_id"] and seen.params["bucket_width"] == "1d"
        days = sorted(d for d in self.buckets if d >= start)
        offset = int(seen.params.get("page", "0"))
        page = days[offset:offset + 2]  # two buckets per page to exercise paging
        more = offset + 2 < len(days)
        return Reply(json={"object": "page", "data": [{"object": "bucket", "start_time": d, "end_time": d + DAY,
                                                       "results": self.buckets[d]} for d in page],
                           "has_more": more, "next_page": str(offset + 2) if more else None})

    def users(self, seen):
        everyone = [{"object": "organization.user", "id": "user-ann", "name": "Ann A", "email": "Ann@Acme.example",
                     "role": "owner", "added_at": T0 - 30 * DAY},
                    {"object": "organization.user", "id": "user-bob", "name": "Bob B", "email": "bob@acme.example",
                     "role": "reader", "added_at": T0 - 10 * DAY, "is_service_account": False},
                    {"object": "organization.user", "name": "No Id", "email": "x@acme.example", "role": "reader"}]
        if "after" not in seen.params:
            return Reply(json={"object": "list", "data": everyone[:2], "first_id": "user-ann", "last_id": "user-bob", "has_more": True})
        assert seen.params["after"] == "user-bob"
        return Reply(json={"object": "list", "data": everyone[2:], "last_id": None, "has_more": False})

    def projects(self, seen):
        return Reply(json={"object": "list", "data": [
            {"id": "proj_hr", "object": "organization.project", "name": "Recruiting Screener", "created_at": T0 - 40 * DAY,
             "archived_at": None, "status": "active"}], "has_more": False})


@pytest.fixture
def api():
    with LocalServer() as server:
        yield OpenAiApi(server)


def test_usage_lands_per_day_user_project_and_resumes_from_last_bucket(api, tmp_path):
    settings = SOURCE.settings({"OPENAI_ADMIN_KEY": "sk-admin-secret", "OPENAI_BASE_URL": api.server.url,
                                "OPENAI_USAGE_BACKFILL_DAYS": "3"})
    now = dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC)
    extractor = CompletionsUsageExtractor(client_for(settings), P, 3, now=lambda: now)
    with connect(tmp_path / "wh.duckdb") as conn:
        land_extractor(conn, extractor, "r1")
        rows = conn.execute("select day::varchar, identity_key, project_id, num_model_requests, input_tokens, _extra "
                            "from raw_openai.completions_usage order by 1, 4").fetchall()
        cursor = json.loads(conn.execute("select state from meta.cursors where extractor='completions_usage'").fetchone()[0])
        reasons = [r[0] for r in conn.execute("select reason from quarantine.records").fetchall()]
        api.buckets[T0 + 2 * DAY].append(result("user-ann", "proj_mkt", 4))  # the last bucket fills in
        land_extractor(conn, extractor, "r2")
        after = conn.execute("select count(*), sum(num_model_requests) from raw_openai.completions_usage").fetchone()
    ann, bob = P.identity_key("openai", "user-ann"), P.identity_key("openai", "user-bob")
    assert [r[:5] for r in rows] == [
        ("2026-03-01", bob, "proj_hr", 2, 200), ("2026-03-01", ann, "proj_mkt", 5, 500),
        ("2026-03-02", ann, "proj_mkt", 3, 300), ("2026-03-02", NONE, NONE, 9, 900),
        ("2026-03-03", bob, "proj_hr", 1, 100)]
    assert all(r[5] is None for r in rows)  # a documented token breakdown is known: not landed, not reported
    assert cursor == {"start_time": T0 + 2 * DAY}
    assert reasons == [f"usage result of bucket {T0 + DAY}: input_tokens 'lots' is not an integer"]
    assert after == (6, 24)
    starts = [s.params["start_time"] for s in api.server.requests_to("/v1/organization/usage/completions") if "page" not in s.params]
    assert starts == [str(T0), str(T0 + 2 * DAY)]
    assert api.server.seen[0].headers["Authorization"] == "Bearer sk-admin-secret"


def test_members_are_seats_with_person_keys_and_projects_land(api, tmp_path):
    settings = SOURCE.settings({"OPENAI_ADMIN_KEY": "sk-admin-secret", "OPENAI_BASE_URL": api.server.url})
    members, usage = SOURCE.build(settings, P)
    assert usage.backfill_days == 365
    with connect(tmp_path / "wh.duckdb") as conn:
        land_extractor(conn, members, "r1")
        rows = conn.execute("select identity_key, person_key, role, added_at::varchar, snapshot_date "
                            "from raw_openai.members order by added_at").fetchall()
        projects = conn.execute("select project_id, name, status from raw_openai.projects").fetchall()
        rejects = conn.execute("select reason, payload from quarantine.records").fetchall()
    assert [r[:4] for r in rows] == [
        (P.identity_key("openai", "user-ann"), P.person_key("ann@acme.example"), "owner", "2026-01-30 00:00:00"),
        (P.identity_key("openai", "user-bob"), P.person_key("bob@acme.example"), "reader", "2026-02-19 00:00:00")]
    assert rows[0][4] == dt.datetime.now(dt.UTC).date()
    assert projects == [("proj_hr", "Recruiting Screener", "active")]
    assert rejects[0][0] == "member: id is missing" and "x@acme" not in rejects[0][1] and "No Id" not in rejects[0][1]
