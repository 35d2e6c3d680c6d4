"""GitHub Copilot connector against a local server speaking the usage-metrics report API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from localhttp import LocalServer, Reply

from connectors.github_copilot import (
    SOURCE,
    CopilotSeatsExtractor,
    CopilotUsageExtractor,
    client_for,
    parse_ndjson,
)
from connectors.privacy import Pseudonymiser
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

KEY = "test-key-0123456789abcdef"
P = Pseudonymiser(KEY)


def user(day, login, gen=10, acc=4, **more):
    return {"day": day, "organization_id": "999", "user_id": hash(login) % 1000, "user_login": login,
            "user_initiated_interaction_count": 5, "code_generation_activity_count": gen,
            "code_acceptance_activity_count": acc, "loc_suggested_to_add_sum": 20, "loc_suggested_to_delete_sum": 0,
            "loc_added_sum": 8, "loc_deleted_sum": 1, "used_agent": False, "used_chat": True, "used_cli": False,
            "totals_by_ide": [{"ide": "vscode", "code_generation_activity_count": gen, "code_acceptance_activity_count": acc,
                               "last_known_ide_version": {"ide_version": "1.85.0", "sampled_at": f"{day}T00:00:02.000Z"},
                               "last_known_plugin_version": {"plugin": "copilot", "plugin_version": "1.2", "sampled_at": None}}],
            "totals_by_feature": [{"feature": "code_completion", "code_generation_activity_count": gen},
                                  {"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 5}],
            "totals_by_language_feature": [{"language": "python", "feature": "code_completion",
                                            "code_generation_activity_count": gen}],
            "totals_by_language_model": [{"language": "python", "model": "gpt-4.1"}],
            "totals_by_cli": {"prompt_count": 2, "token_usage": {"output_tokens_sum": 50, "prompt_tokens_sum": 38}},
            **more}


class CopilotApi:
    """Reports per day: NDJSON on 03-06, a JSON array on 03-07, a broken line on 03-08, 204 otherwise."""

    def __init__(self, server: LocalServer):
        self.server = server
        self.expired_once = True
        self.files = {
            # alice's first day carries a field the connector has never seen, with a name in it
            "2026-03-06": "\n".join(json.dumps(user("2026-03-06", u, **more)) for u, more in
                                    (("alice", {"manager_name": "Anouk Bos"}), ("bob", {}))) + "\n",
            "2026-03-07": json.dumps([user("2026-03-07", "alice", gen=7)]),
            "2026-03-08": json.dumps(user("2026-03-08", "alice")) + "\n{not json\n"
                          + json.dumps(user("2026-03-08", "carol", gen=-3)) + "\n",
            "2026-03-10": json.dumps(user("2026-03-10", "bob")) + "\n",
        }
        server.route("GET", "/orgs/acme/copilot/metrics/reports/users-1-day", self.report)
        server.route("GET", "/orgs/acme/copilot/metrics/reports/user-teams-1-day", self.teams)
        server.route("GET", "/orgs/acme/copilot/billing/seats", self.seats)
        for day in self.files:
            server.route("GET", f"/files/users-{day}.ndjson", self.download)
            server.route("GET", f"/files/teams-{day}.ndjson", self.download)

    def report(self, seen):
        day = seen.params["day"]
        if day not in self.files:
            return Reply(204)
        return Reply(json={"download_links": [f"{self.server.url}/files/users-{day}.ndjson?sig=s{len(self.server.seen)}"],
                           "report_day": day})

    def teams(self, seen):
        day = seen.params["day"]
        if day not in self.files:
            return Reply(204)
        return Reply(json={"download_links": [f"{self.server.url}/files/teams-{day}.ndjson?sig=t"], "report_day": day})

    def download(self, seen):
        name = seen.path.rsplit("/", 1)[1]
        day = name.split("-", 1)[1][:10]
        if name.startswith("teams"):
            return Reply(body=json.dumps({"user_id": 1, "user_login": "alice", "day": day, "organization_id": "999",
                                          "team_id": 42, "slug": "frontend"}) + "\n")
        if day == "2026-03-07" and self.expired_once:
            self.expired_once = False
            return Reply(403, json={"message": "Request has expired"})
        return Reply(body=self.files[day])

    def seats(self, seen):
        page = int(seen.params.get("page", "1"))
        seats = [
            {"created_at": "2026-01-03T18:00:00-06:00", "updated_at": "2026-01-04T10:00:00Z", "pending_cancellation_date": None,
             "last_activity_at": "2026-03-09T00:53:32Z", "last_activity_editor": "vscode/1.77.3/copilot/1.86.82",
             "plan_type": "business", "assignee": {"login": "alice", "id": 1, "type": "User", "site_admin": False},
             "assigning_team": {"id": 1, "name": "Frontend", "slug": "frontend"}},
            {"created_at": "2026-02-01T00:00:00Z", "assignee": None, "plan_type": "business"},
        ] if page == 1 else [
            {"created_at": "2026-02-10T00:00:00Z", "pending_cancellation_date": "2026-04-01", "last_activity_at": None,
             "plan_type": "business", "assignee": {"login": "bob", "id": 2, "type": "User"}},
        ]
        headers = {}
        if page == 1:
            headers["Link"] = f'<{self.server.url}/orgs/acme/copilot/billing/seats?per_page=100&page=2>; rel="next"'
        return Reply(json={"total_seats": 3, "seats": seats}, headers=headers)


@pytest.fixture
def api():
    with LocalServer() as server:
        yield CopilotApi(server)


def settings(url):
    return SOURCE.settings({"GITHUB_ORG": "acme", "GITHUB_TOKEN": "ghp_secret_token_value", "GITHUB_BASE_URL": url,
                            "GITHUB_COPILOT_BACKFILL_DAYS": "5"})


def test_parse_ndjson_is_defensive():
    assert parse_ndjson('{"a": 1}\n\n{"a": 2}\n') == ([{"a": 1}, {"a": 2}], [])
    assert parse_ndjson('[{"a": 1}, {"a": 2}]') == ([{"a": 1}, {"a": 2}], [])
    assert parse_ndjson('{"a": 1}\n{oops\n') == ([{"a": 1}], [(2, "{oops")])


def test_usage_days_land_flattened_and_resume_from_the_cursor(api, tmp_path):
    client = client_for(settings(api.server.url))
    extractor = CopilotUsageExtractor(client, "acme", P, backfill_days=5, today=lambda: dt.date(2026, 3, 10))
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, extractor, "r1")
        days = conn.execute("select day::varchar, identity_key, code_generation_activity_count, cli_prompt_count, "
                            "cli_output_tokens_sum, _extra from raw_github_copilot.user_day_usage order by 1, 2").fetchall()
        ide = conn.execute("select count(*), min(ide_version), min(plugin) from raw_github_copilot.user_day_ide").fetchone()
        feat = conn.execute("select count(*) from raw_github_copilot.user_day_feature").fetchone()[0]
        lang = conn.execute("select language, feature from raw_github_copilot.user_day_language_feature").fetchall()
        teams = conn.execute("select count(*), min(team_id), min(team_slug) from raw_github_copilot.user_day_teams").fetchone()
        reasons = sorted(r[0] for r in conn.execute("select reason from quarantine.records").fetchall())
        cursor = conn.execute("select state from meta.cursors where source='github_copilot'").fetchone()[0]
        unknown = conn.execute("select source, extractor, field from meta.unknown_fields").fetchall()
        # second run two days later: refreshes the last days, reaches 03-10, lands bob's new day
        extractor._today = lambda: dt.date(2026, 3, 12)
        land_extractor(conn, extractor, "r2")
        after = conn.execute("select count(*), max(day)::varchar from raw_github_copilot.user_day_usage").fetchone()
        # an idempotent rerun changes nothing
        land_extractor(conn, extractor, "r3")
        again = conn.execute("select count(*) from raw_github_copilot.user_day_usage").fetchone()[0]
    alice = P.identity_key("github", "alice")
    assert [(d, k) for d, k, *_ in days] == sorted([("2026-03-06", alice), ("2026-03-06", P.identity_key("github", "bob")),
                                                    ("2026-03-07", alice), ("2026-03-08", alice)])
    assert next(r for r in days if r[0] == "2026-03-07")[2:5] == (7, 2, 50)
    # undeclared fields do not land: the new one is listed by name; the per-model breakdown is known, so not listed
    assert all(d[5] is None for d in days)
    assert report.unknown_fields == ["manager_name"] and unknown == [("github_copilot", "usage", "manager_name")]
    assert ide == (4, "1.85.0", "copilot") and feat == 8 and set(lang) == {("python", "code_completion")}
    assert teams == (3, "42", "frontend")
    assert reasons == ["users-1-day 2026-03-08: code_generation_activity_count is negative",
                       "users-1-day 2026-03-08: line 2 is not JSON"]
    assert json.loads(cursor) == {"last_report_day": "2026-03-08"}  # trailing 204 on 03-09 does not move it
    assert after == (5, "2026-03-10") and again == 5
    asked = [s.params["day"] for s in api.server.requests_to("/orgs/acme/copilot/metrics/reports/users-1-day")]
    # 03-07 twice: its signed link had expired, so fresh links were asked for
    assert asked[:6] == ["2026-03-05", "2026-03-06", "2026-03-07", "2026-03-07", "2026-03-08", "2026-03-09"]
    assert asked[6:9] == ["2026-03-06", "2026-03-07", "2026-03-08"]  # refresh window of the second run
    assert not api.server.requests_to("/orgs/acme/copilot/metrics")  # the retired endpoint
    assert report.rows_by_table["user_day_usage"] == 4


def test_allow_listed_fields_land_scrubbed(api, tmp_path):
    extra = SOURCE.build(SOURCE.settings({"GITHUB_ORG": "acme", "GITHUB_TOKEN": "ghp_secret_token_value",
                                          "GITHUB_BASE_URL": api.server.url, "GITHUB_COPILOT_BACKFILL_DAYS": "5",
                                          "GITHUB_COPILOT_EXTRA_FIELDS": "manager_name, totals_by_language_model"}), P)
    usage = next(x for x in extra if isinstance(x, CopilotUsageExtractor))
    usage._today = lambda: dt.date(2026, 3, 7)
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, usage, "r1")
        days = conn.execute("select _extra from raw_github_copilot.user_day_usage order by day, identity_key").fetchall()
    kept = [json.loads(d[0]) for d in days]
    assert {"manager_name": "Anouk Bos", "totals_by_language_model": [{"language": "python", "model": "gpt-4.1"}]} in kept
    assert all(set(k) <= {"manager_name", "totals_by_language_model"} for k in kept)
    assert report.unknown_fields == []


def test_seats_snapshot_by_server_date_with_link_paging(api, tmp_path):
    client = client_for(settings(api.server.url))
    with connect(tmp_path / "wh.duckdb") as conn:
        land_extractor(conn, CopilotSeatsExtractor(client, "acme", P), "r1")
        seats = conn.execute("select snapshot_date::varchar, identity_key, seat_created_at::varchar, last_activity_at::varchar, "
                             "pending_cancellation_date::varchar, assigning_team_slug from raw_github_copilot.seats "
                             "order by seat_created_at").fetchall()
        reasons = [r[0] for r in conn.execute("select reason from quarantine.records").fetchall()]
    today = dt.datetime.now(dt.UTC).date().isoformat()  # the server's Date header
    assert seats == [
        (today, P.identity_key("github", "alice"), "2026-01-04 00:00:00", "2026-03-09 00:53:32", None, "frontend"),
        (today, P.identity_key("github", "bob"), "2026-02-10 00:00:00", None, "2026-04-01", None),
    ]
    assert reasons == ["seat: seat has no assignee (pending invitation or deleted account): cannot be attributed"]
    assert api.server.seen[0].headers["Authorization"] == "Bearer ghp_secret_token_value"


def test_source_builds_both_extractors(api):
    names = [e.name for e in SOURCE.build(settings(api.server.url), P)]
    assert names == ["seats", "usage"]
