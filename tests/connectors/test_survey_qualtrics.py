"""Qualtrics connector against a local server running the three-step async export."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from localhttp import LocalServer, Reply

from connectors._survey import DEFAULT_MAP_PATH, SurveyRows, load_question_map
from connectors.errors import SourceRequestError
from connectors.http import SourceHttpClient
from connectors.privacy import Pseudonymiser
from connectors.qualtrics import SOURCE, QualtricsExtractor
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

P = Pseudonymiser("test-key-0123456789abcdef")
SID = "SV_3KZ9collab01"
BASE = f"/API/v3/surveys/{SID}/export-responses"


def response(rid, when, department, email=None, **answers):
    values = {"startDate": when, "endDate": when, "status": 0, "ipAddress": "70.103.180.85", "progress": 100,
              "duration": 120, "finished": 1, "recordedDate": when, "_recordId": rid, "distributionChannel": "email",
              "userLanguage": "EN", "department": department, "QID1_DO": ["1", "2"], **answers}
    if email:
        values["recipientEmail"] = email
    return {"responseId": rid, "values": values, "labels": {"finished": "True"}, "displayedFields": list(answers)}


def zipped(responses):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Collaboration survey.json", json.dumps({"responses": responses}))
    return buffer.getvalue()


class ExportApi:
    def __init__(self, server, in_progress_polls=3):
        self.responses = [
            response("R_1", "2026-03-15T10:00:00Z", "Sales", "ann@acme.example", QID1=9, QID2_3=4, QID2_5=7,
                     QID3_TEXT="More joint planning please"),
            response("R_2", "2026-03-15T11:00:00Z", "Customer Support", "bob@acme.example", QID1=6, QID2_1=12),
            response("R_3", "2026-03-16T09:00:00Z", "Narnia", "cem@acme.example", QID1=8),
        ]
        self.in_progress_polls = in_progress_polls
        self.polls = 0
        self.status = "complete"
        server.route("POST", BASE, self.start)
        server.route("GET", f"{BASE}/ES_1", self.progress)
        server.route("GET", f"{BASE}/file-1/file", lambda seen: Reply(body=zipped(self.selected)))

    def start(self, seen):
        body = seen.json()
        assert body["format"] == "json" and body["compress"] is True and body["useLabels"] is False
        token = body.get("continuationToken")
        if token == "expired":
            return Reply(400, json={"meta": {"httpStatus": "400 - Bad Request",
                                             "error": {"errorMessage": "Invalid continuationToken.", "errorCode": "RP_0.4"}}})
        assert token or body["allowContinuation"] is True
        self.selected = [r for r in self.responses
                         if r["values"]["recordedDate"] > (token or "") and r["values"]["recordedDate"] >= body.get("startDate", "")]
        self.cutoff = max(r["values"]["recordedDate"] for r in self.responses)  # what the next token continues after
        self.polls = 0
        return Reply(json={"result": {"progressId": "ES_1", "percentComplete": 0.0, "status": "inProgress"},
                           "meta": {"requestId": "x", "httpStatus": "200 - OK"}})

    def progress(self, seen):
        self.polls += 1
        if self.polls <= self.in_progress_polls:
            return Reply(json={"result": {"percentComplete": 30.0 * self.polls, "status": "inProgress"}, "meta": {}})
        if self.status == "failed":
            return Reply(json={"result": {"percentComplete": 40.0, "status": "failed"}, "meta": {}})
        return Reply(json={"result": {"fileId": "file-1", "percentComplete": 100.0, "status": "complete",
                                      "continuationToken": self.cutoff}, "meta": {}})


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def extractor(url, sleeps, **kw):
    client = SourceHttpClient("qualtrics", url, headers={"X-API-TOKEN": "qx-secret"}, max_attempts=2, sleep=lambda _: None)
    return QualtricsExtractor(client, [SID], SurveyRows("qualtrics", load_question_map(DEFAULT_MAP_PATH), P, False),
                              poll_first=0.5, poll_max=1.5, sleep=sleeps.append, **kw)


def test_export_in_progress_is_polled_with_backoff_then_lands_and_continues(server, tmp_path):
    api = ExportApi(server)
    sleeps: list[float] = []
    ext = extractor(server.url, sleeps)
    with connect(tmp_path / "wh.duckdb") as conn:
        land_extractor(conn, ext, "r1")
        answers = conn.execute("select response_id, question_id, construct, target_department, department, person_key, "
                               "answer_value from raw_qualtrics.answers order by 1, 2").fetchall()
        reasons = dict(conn.execute("select record_id, reason from quarantine.records").fetchall())
        state = json.loads(conn.execute("select state from meta.cursors where source='qualtrics'").fetchone()[0])
        api.responses.append(response("R_4", "2026-03-21T08:00:00Z", "IT", "dee@acme.example", QID1=10))
        second = land_extractor(conn, extractor(server.url, []), "r2")
        api.responses.append(response("R_5", "2026-03-22T08:00:00Z", "HR", "eve@acme.example", QID1=3))
        expired = json.loads(conn.execute("select state from meta.cursors where source='qualtrics'").fetchone()[0])
        expired["surveys"][SID]["token"] = "expired"  # tokens expire after a week
        conn.execute("update meta.cursors set state = ? where source = 'qualtrics'", [json.dumps(expired)])
        third = land_extractor(conn, extractor(server.url, []), "r3")
        total = conn.execute("select count(*), count(distinct response_id) from raw_qualtrics.responses").fetchone()
    assert ext.polls == 4 and sleeps == [0.5, 1.0, 1.5]  # three inProgress polls, growing pauses, capped
    assert answers == [
        ("R_1", "QID1", "enps", None, "Sales", P.person_key("ann@acme.example"), 9.0),
        ("R_1", "QID2_3", "collaboration", "Customer Support", "Sales", P.person_key("ann@acme.example"), 4.0),
        ("R_1", "QID2_5", "collaboration", "Engineering", "Sales", P.person_key("ann@acme.example"), 7.0),
        ("R_2", "QID1", "enps", None, "Customer Support", P.person_key("bob@acme.example"), 6.0),
    ]
    assert reasons["SV_3KZ9collab01/R_2/QID2_1"] == "answer 12 to QID2_1 (collaboration) is outside its scale 0-10"
    assert "unknown department 'Narnia'" in reasons["SV_3KZ9collab01/R_3"]
    assert state == {"surveys": {SID: {"token": "2026-03-16T09:00:00Z", "last_recorded": "2026-03-16T09:00:00Z"}}}
    bodies = [json.loads(s.body) for s in server.requests_to(BASE)]
    assert "continuationToken" not in bodies[0] and bodies[1]["continuationToken"] == "2026-03-16T09:00:00Z"
    assert second.rows_by_table["responses"] == 1  # only R_4
    # an expired token falls back to the latest recordedDate landed: R_4 again (merged) and R_5
    assert bodies[2]["continuationToken"] == "expired" and bodies[3]["startDate"] == "2026-03-21T08:00:00Z"
    assert third.rows_by_table["responses"] == 2 and total == (4, 4)


def test_failed_or_stuck_export_is_a_clear_error_and_keeps_the_cursor(server, tmp_path):
    api = ExportApi(server, in_progress_polls=1)
    api.status = "failed"
    with connect(tmp_path / "wh.duckdb") as conn:
        with pytest.raises(SourceRequestError, match=f"export of survey {SID} failed on the Qualtrics side"):
            land_extractor(conn, extractor(server.url, []), "r1")
        api.in_progress_polls = 100
        with pytest.raises(SourceRequestError, match=f"export of survey {SID} still in progress after 3 s"):
            land_extractor(conn, extractor(server.url, [], poll_timeout=3.0), "r2")
        assert conn.execute("select count(*) from meta.cursors").fetchone()[0] == 0


def test_source_requires_a_base_url():
    settings = SOURCE.settings({"QUALTRICS_API_TOKEN": "t", "QUALTRICS_SURVEY_IDS": SID, "QUALTRICS_BASE_URL": "https://fra1.qualtrics.com"})
    (ext,) = SOURCE.build(settings, P)
    assert ext.survey_ids == [SID] and ext.client.base_url == "https://fra1.qualtrics.com"
