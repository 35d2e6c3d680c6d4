"""Qualtrics v3 response export: start (progressId), poll (inProgress twice, then complete with
fileId and continuationToken), download a ZIP holding one JSON, NDJSON or CSV file.

An export captures the responses recorded up to the simulated now at the moment it was started;
a continuation token remembers that moment, so the next export returns only later responses.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.ids import hex_id
from sandbox.server import paging, timefmt
from sandbox.server.http import json_response
from sandbox.server.state import ServerState
from sandbox.surveys import QUALTRICS_COLLAB, QUALTRICS_ENPS, QUALTRICS_SURVEY_ID

SURVEY_NAME = "Quarterly collaboration survey"
POLLS_IN_PROGRESS = 2
FORMATS = ("json", "ndjson", "csv")


def _meta(status: str, error: tuple[str, str] | None = None) -> dict:
    meta = {"requestId": "sandbox-request", "httpStatus": status}
    if error:
        meta["error"] = {"errorMessage": error[0], "errorCode": error[1]}
    return meta


def _q_error(status: int, label: str, message: str, code: str):
    return json_response({"meta": _meta(f"{status} - {label}", (message, code))}, status)


def routes(state: ServerState) -> list[Route]:
    api = QualtricsApi(state)
    base = "/API/v3/surveys/{survey_id}/export-responses"
    return [
        Route(base, api.start, methods=["POST"]),
        Route(base + "/{progress_id}", api.progress),
        Route(base + "/{file_id}/file", api.file),
        Route("/API/v3/survey-definitions/{survey_id}", api.definition),
    ]


class QualtricsApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org

    def _auth(self, request: Request):
        token = request.headers.get("x-api-token")
        if not token or token != self.s.credentials.qualtrics_api_token:
            return _q_error(401, "Unauthorized", "Invalid or missing X-API-TOKEN.", "AUTH_6.0")
        if request.path_params["survey_id"] != QUALTRICS_SURVEY_ID:
            return _q_error(404, "Not Found", f"Survey {request.path_params['survey_id']} does not exist.", "QVAL_1")
        return None

    async def start(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return _q_error(400, "Bad Request", "The request body is not valid JSON.", "RP_0.1")
        fmt = body.get("format")
        if fmt not in FORMATS:
            return _q_error(400, "Bad Request", f"format must be one of {', '.join(FORMATS)} in the sandbox.", "RP_0.2")
        if body.get("continuationToken") and body.get("filterId"):
            return _q_error(400, "Bad Request", "continuationToken cannot be combined with filterId.", "RP_0.3")
        after = None
        if body.get("continuationToken"):
            try:
                after = datetime.fromisoformat(paging.decode(body["continuationToken"]))
            except ValueError:
                return _q_error(400, "Bad Request", "Invalid continuationToken.", "RP_0.4")
        try:
            start = _iso(body.get("startDate"))
            end = _iso(body.get("endDate"))
        except ValueError as e:
            return _q_error(400, "Bad Request", f"Invalid date: {e}", "RP_0.5")
        with self.s.lock:
            n = len(self.s.qualtrics_jobs) + 1
            progress_id = f"ES_{hex_id(self.org.seed, 'qx-progress', n, 15)}"
            file_id = f"{hex_id(self.org.seed, 'qx-file', n, 36)}-def"
            self.s.qualtrics_jobs[progress_id] = {
                "file_id": file_id, "format": fmt, "start": start, "end": end, "after": after, "cutoff": self.s.now,
                "polls": 0, "continuation": bool(body.get("allowContinuation") or body.get("continuationToken")),
                "compress": body.get("compress", True), "labels": bool(body.get("useLabels", False)),
            }
        return json_response({"result": {"progressId": progress_id, "percentComplete": 0.0, "status": "inProgress"},
                              "meta": _meta("200 - OK")})

    async def progress(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        job = self.s.qualtrics_jobs.get(request.path_params["progress_id"])
        if job is None:
            return _q_error(404, "Not Found", "Unknown progressId.", "RP_1.0")
        with self.s.lock:
            job["polls"] += 1
            polls = job["polls"]
        if polls <= POLLS_IN_PROGRESS:
            return json_response({"result": {"percentComplete": round(100.0 * polls / (POLLS_IN_PROGRESS + 1), 1),
                                             "status": "inProgress"}, "meta": _meta("200 - OK")})
        result = {"fileId": job["file_id"], "percentComplete": 100.0, "status": "complete"}
        if job["continuation"]:
            result["continuationToken"] = paging.encode(job["cutoff"].isoformat())
        return json_response({"result": result, "meta": _meta("200 - OK")})

    async def file(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        file_id = request.path_params["file_id"]
        job = next((j for j in self.s.qualtrics_jobs.values() if j["file_id"] == file_id), None)
        if job is None or job["polls"] <= POLLS_IN_PROGRESS:
            return _q_error(404, "Not Found", "File not found or export not complete.", "RP_2.0")
        records = self._records(job)
        records = self.s.faults.records("qualtrics", request.url.path, records, None, id_key="responseId",
                                        time_keys=())
        name = f"{SURVEY_NAME}.{job['format']}"
        if job["format"] == "json":
            data = orjson.dumps({"responses": records}, default=str)
        elif job["format"] == "ndjson":
            data = b"".join(orjson.dumps(r, default=str) + b"\n" for r in records)
        else:
            data = self._csv(records)
        if not job["compress"]:
            return Response(data, media_type="application/json" if job["format"] != "csv" else "text/csv")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # fixed: same seed, same bytes
            z.writestr(info, data)
        return Response(buf.getvalue(), media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{SURVEY_NAME}.zip"'})

    def _records(self, job: dict) -> list[dict]:
        depts = list(self.org.people.departments)
        people = self.org.people.employees
        out = []
        for r in self.org.surveys:
            if r.source != "qualtrics" or r.submitted_at > job["cutoff"]:
                continue
            if job["after"] and r.submitted_at <= job["after"]:
                continue
            if job["start"] and r.submitted_at < job["start"]:
                continue
            if job["end"] and r.submitted_at >= job["end"]:
                continue
            e = people[r.person]
            started = r.submitted_at - timedelta(seconds=95 + r.person % 200)
            values = {"startDate": timefmt.iso_z(started), "endDate": timefmt.iso_z(r.submitted_at), "status": 0,
                      "ipAddress": None, "progress": 100, "duration": int((r.submitted_at - started).total_seconds()),
                      "finished": 1, "recordedDate": r.submitted_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                      "_recordId": r.response_id, "locationLatitude": None, "locationLongitude": None,
                      "recipientLastName": e.last_name, "recipientFirstName": e.first_name, "recipientEmail": e.email,
                      "externalDataReference": e.employee_id, "distributionChannel": "email", "userLanguage": "EN"}
            labels = {"status": "IP Address", "finished": "True"}
            for q, v in r.answers:
                values[q] = v
                labels[q] = str(v)
            values["department"] = r.department
            out.append({"responseId": r.response_id, "values": values, "labels": labels,
                        "displayedFields": [q for q, _ in r.answers] + [f"{QUALTRICS_COLLAB}_{i}" for i in
                                                                       range(1, len(depts) + 1)
                                                                       if depts[i - 1] == r.department],
                        "displayedValues": {}})
        return out

    def _csv(self, records: list[dict]) -> bytes:
        """Qualtrics CSV: column ids, question texts, then ImportId JSON, then one row per response."""
        columns: list[str] = []
        for r in records:
            for k in r["values"]:
                if k not in columns:
                    columns.append(k)
        if not columns:
            columns = ["startDate", "endDate", "recordedDate", "_recordId"]
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["ResponseId" if c == "_recordId" else c for c in columns])
        w.writerow([self._question_text(c) for c in columns])
        w.writerow([json.dumps({"ImportId": c}) for c in columns])
        for r in records:
            w.writerow(["" if r["values"].get(c) is None else r["values"].get(c, "") for c in columns])
        return out.getvalue().encode("utf-8")

    def _question_text(self, column: str) -> str:
        depts = list(self.org.people.departments)
        if column == QUALTRICS_ENPS:
            return "How likely are you to recommend Acme as a place to work?"
        if column.startswith(QUALTRICS_COLLAB + "_"):
            i = int(column.split("_")[1])
            return f"How well does your department work with {depts[i - 1]}? - {depts[i - 1]}"
        return column

    async def definition(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        depts = list(self.org.people.departments)
        questions = {
            QUALTRICS_ENPS: {"QuestionText": self._question_text(QUALTRICS_ENPS), "QuestionType": "MC",
                             "Selector": "NPS", "DataExportTag": QUALTRICS_ENPS},
            QUALTRICS_COLLAB: {"QuestionText": "How well does your department work with department X? (0-10)",
                               "QuestionType": "Matrix", "Selector": "Likert", "DataExportTag": QUALTRICS_COLLAB,
                               "Choices": {str(i): {"Display": d} for i, d in enumerate(depts, start=1)}},
        }
        return json_response({"result": {"SurveyID": QUALTRICS_SURVEY_ID, "SurveyName": SURVEY_NAME,
                                          "Questions": questions,
                                          "EmbeddedData": [{"Field": "department"}]}, "meta": _meta("200 - OK")})


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
