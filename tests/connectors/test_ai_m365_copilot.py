"""Microsoft 365 Copilot connector against a local Graph: token, report snapshot, licences, concealment."""

from __future__ import annotations

import hashlib

import pytest
from localhttp import LocalServer, Reply

from connectors.m365_copilot import SOURCE, is_concealed
from connectors.privacy import Pseudonymiser
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

P = Pseudonymiser("test-key-0123456789abcdef")
COPILOT_SKU, E3_SKU, COPILOT_PLAN = "639dec6b-bb19", "05e9a617-0261", "fe6c28b3-d468"
REPORT = "/beta/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')"


def row(upn, refresh, last, chat="", word=""):
    return {"reportRefreshDate": refresh, "userPrincipalName": upn, "displayName": "Some Name", "lastActivityDate": last,
            "copilotChatLastActivityDate": chat, "microsoftTeamsCopilotLastActivityDate": None,
            "wordCopilotLastActivityDate": word, "excelCopilotLastActivityDate": "", "powerPointCopilotLastActivityDate": "",
            "outlookCopilotLastActivityDate": "", "oneNoteCopilotLastActivityDate": "", "loopCopilotLastActivityDate": "",
            "copilotActivityUserDetailsByPeriod": [{"reportPeriod": 7}]}


class Graph:
    def __init__(self, server: LocalServer):
        self.server = server
        self.concealed = False
        self.refresh = "2026-03-08"
        server.route("POST", "/tenant-1/oauth2/v2.0/token",
                     Reply(json={"token_type": "Bearer", "expires_in": 3599, "access_token": "graph-token-abcdef"}))
        server.route("GET", REPORT, self.report)
        server.route("GET", "/v1.0/subscribedSkus", Reply(json={"value": [
            {"skuId": COPILOT_SKU, "skuPartNumber": "Microsoft_365_Copilot", "servicePlans": [{"servicePlanId": COPILOT_PLAN}]},
            {"skuId": E3_SKU, "skuPartNumber": "SPE_E3", "servicePlans": []}]}))
        server.route("GET", "/v1.0/users", self.users)

    def report(self, seen):
        rows = [row("ann@acme.example", self.refresh, "2026-03-08", chat="2026-03-08"),
                row("bob@acme.example", self.refresh, "2026-03-02", word="2026-03-02"),
                row("cem@acme.example", self.refresh, "")]
        if self.concealed:
            for r in rows:
                r["userPrincipalName"] = r["displayName"] = hashlib.md5(r["userPrincipalName"].encode()).hexdigest().upper()
        assert seen.headers["Authorization"] == "Bearer graph-token-abcdef"
        if "$skiptoken" not in seen.params:
            return Reply(json={"@odata.nextLink": f"{self.server.url}{REPORT}?$skiptoken=2", "value": rows[:2]})
        return Reply(json={"value": rows[2:]})

    def users(self, seen):
        users = [
            {"id": "g-ann", "userPrincipalName": "ann@acme.example", "mail": "ann@acme.example", "accountEnabled": True,
             "assignedLicenses": [{"skuId": E3_SKU}, {"skuId": COPILOT_SKU}],
             "assignedPlans": [{"assignedDateTime": "2026-01-05T09:00:00Z", "capabilityStatus": "Enabled",
                                "service": "M365CopilotApps", "servicePlanId": COPILOT_PLAN}]},
            {"id": "g-dan", "userPrincipalName": "dan@acme.example", "mail": "dan@acme.example", "accountEnabled": True,
             "assignedLicenses": [{"skuId": E3_SKU}], "assignedPlans": []},
            {"id": "g-bob", "userPrincipalName": "bob@acme.example", "mail": None, "accountEnabled": True,
             "assignedLicenses": [{"skuId": COPILOT_SKU}],
             "assignedPlans": [{"assignedDateTime": "2026-02-01T09:00:00Z", "capabilityStatus": "Enabled",
                                "servicePlanId": COPILOT_PLAN}]},
        ]
        if "$skiptoken" not in seen.params:
            assert "assignedLicenses" in seen.params["$select"]
            return Reply(json={"@odata.nextLink": f"{self.server.url}/v1.0/users?$skiptoken=x", "value": users[:2]})
        return Reply(json={"value": users[2:]})


@pytest.fixture
def graph():
    with LocalServer() as server:
        yield Graph(server)


def extractors(url):
    settings = SOURCE.settings({"MSGRAPH_TENANT_ID": "tenant-1", "MSGRAPH_CLIENT_ID": "client", "MSGRAPH_CLIENT_SECRET":
                                "secret-value", "MSGRAPH_BASE_URL": url, "MSGRAPH_LOGIN_URL": url})
    licences, usage = SOURCE.build(settings, P)
    return licences, usage


def test_usage_snapshots_land_per_refresh_date_and_licences_with_since(graph, tmp_path):
    licences, usage = extractors(graph.server.url)
    with connect(tmp_path / "wh.duckdb") as conn:
        land_extractor(conn, usage, "r1")
        graph.refresh = "2026-03-09"  # the next day's snapshot lands beside the first
        land_extractor(conn, usage, "r2")
        land_extractor(conn, usage, "r3")  # same day again: replaced, not duplicated
        snaps = conn.execute("select report_refresh_date::varchar, person_key, last_activity_date::varchar, "
                             "copilot_chat_last_activity_date::varchar, word_last_activity_date::varchar, "
                             "teams_last_activity_date, report_period_days, _extra "
                             "from raw_m365_copilot.usage_user_detail order by 1, 3").fetchall()
        land_extractor(conn, licences, "r4")
        held = conn.execute("select user_key, person_key, sku_part_number, licensed_since::varchar "
                            "from raw_m365_copilot.licences order by licensed_since").fetchall()
    assert len(snaps) == 6 and {s[0] for s in snaps} == {"2026-03-08", "2026-03-09"}
    first = {s[1]: s[2:7] for s in snaps if s[0] == "2026-03-08"}
    assert first[P.person_key("cem@acme.example")] == (None, None, None, None, 7)
    assert first[P.person_key("ann@acme.example")] == ("2026-03-08", "2026-03-08", None, None, 7)
    assert first[P.person_key("bob@acme.example")] == ("2026-03-02", None, "2026-03-02", None, 7)
    assert all(s[7] is None for s in snaps)  # displayName is neither a column nor kept as extra
    assert held == [(P.identity_key("msgraph", "g-ann"), P.person_key("ann@acme.example"), "Microsoft_365_Copilot",
                     "2026-01-05 09:00:00"),
                    (P.identity_key("msgraph", "g-bob"), P.person_key("bob@acme.example"), "Microsoft_365_Copilot",
                     "2026-02-01 09:00:00")]


def test_concealed_user_names_are_quarantined_with_the_setting_to_change(graph, tmp_path, caplog):
    graph.concealed = True
    _, usage = extractors(graph.server.url)
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, usage, "r1")
        landed = conn.execute("select count(*) from raw_m365_copilot.usage_user_detail").fetchone()[0]
        payloads = [p for (p,) in conn.execute("select payload from quarantine.records").fetchall()]
    assert landed == 0 and report.rejects == 3 and usage.concealed == 3
    (reason,) = report.reject_reasons
    assert reason.startswith("concealed user names") and "Display concealed user, group, and site names" in reason
    assert all("ann" not in p.lower() and hashlib.md5(b"ann@acme.example").hexdigest().upper() not in p for p in payloads)
    assert "concealed user names" in caplog.text


def test_is_concealed():
    assert is_concealed("DC8C64D6EC3A3AA17481D7E5EB5B68A6")
    assert not is_concealed("mia@acme.com")
