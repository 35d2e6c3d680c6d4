"""Qualtrics survey responses (v3 async export, api_formats.md 8), into `raw_qualtrics`.

Per survey: `POST /API/v3/surveys/{id}/export-responses` starts a JSON export; `GET
.../export-responses/{progressId}` is polled, with growing pauses, while the export is
`inProgress`; `GET .../export-responses/{fileId}/file` downloads the ZIP holding one JSON file
`{"responses": [...]}`. Incremental the way Qualtrics recommends: the first export asks for
`allowContinuation`, and each next one sends the `continuationToken` the last completed export
returned, so no clock of ours decides what is new. Tokens expire after a week: a refused token
falls back to `startDate` = the latest recordedDate landed (inclusive; responses merge by key).
Question ids (`QID1`, breakouts `QID2_3`, text entry `QID3_TEXT`) go through the shared survey rules.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import orjson

from connectors import records as rec
from connectors._survey import (
    FREE_TEXT,
    Answer,
    SurveyResponse,
    SurveyRows,
    id_list,
    survey_rows,
    survey_specs,
)
from connectors.base import Batch
from connectors.errors import RecordError, SourceRequestError
from connectors.http import SourceHttpClient, SourceStatusError
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import extra_fields_variable, reports_undeclared

log = logging.getLogger(__name__)

SOURCE_NAME = "qualtrics"
TOKEN_VARIABLE, SURVEYS_VARIABLE, URL_VARIABLE = "QUALTRICS_API_TOKEN", "QUALTRICS_SURVEY_IDS", "QUALTRICS_BASE_URL"
SPECS = survey_specs(SOURCE_NAME)
BATCH_RESPONSES = 2000
_QUESTION = re.compile(r"^QID\d+(_[A-Za-z0-9]+)*$")
_DEPARTMENT_KEYS = ("department", "Department", "dept")
_EMAIL_KEYS = ("recipientEmail", "email", "Email")
_KNOWN = frozenset({"responseId", "values", "labels", "displayedFields", "displayedValues"})


def client_for(settings: Mapping[str, str]) -> SourceHttpClient:
    return SourceHttpClient(
        SOURCE_NAME, settings[URL_VARIABLE], headers={"X-API-TOKEN": settings[TOKEN_VARIABLE]},
        credential_variables=(TOKEN_VARIABLE, URL_VARIABLE), url_variable=URL_VARIABLE,
    )


def _answers(values: Mapping[str, Any], labels: Mapping[str, Any]) -> list[Answer]:
    out = []
    for key, value in values.items():
        if not _QUESTION.match(key) or key.endswith("_DO"):
            continue  # metadata, embedded data and display order are not answers
        if key.endswith("_TEXT"):
            kind = "text"
        elif isinstance(value, list):
            kind, value = "choice", labels.get(key) or value
        else:
            kind = "number" if isinstance(value, int | float) and not isinstance(value, bool) else "text"
        out.append(Answer((key,), value, kind))
    return out


def to_response(survey_id: str, record: Any) -> SurveyResponse:
    if not isinstance(record, Mapping):
        raise RecordError("response is not an object")
    values = rec.mapping(record.get("values"), "values")
    labels = rec.mapping(record.get("labels"), "labels")
    when = values.get("recordedDate") or values.get("endDate")
    return SurveyResponse(
        survey_id=survey_id,
        response_id=rec.text(record.get("responseId") or values.get("_recordId"), "responseId", required=True),
        submitted_at=rec.timestamp(when, "recordedDate", required=True),
        email=next((str(values[k]) for k in _EMAIL_KEYS if values.get(k)), None),
        department=next((str(values[k]) for k in _DEPARTMENT_KEYS if values.get(k)), None),
        answers=_answers(values, labels),
        # Only top-level fields we do not model: `values` also holds IP addresses, locations and names.
        extra={k: v for k, v in record.items() if k not in _KNOWN},
    )


class QualtricsExtractor:
    source = SOURCE_NAME
    name = "responses"
    specs = SPECS

    def __init__(self, client: SourceHttpClient, survey_ids: list[str], rows: SurveyRows, *,
                 poll_first: float = 0.1, poll_max: float = 15.0, poll_timeout: float = 900.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.survey_ids = survey_ids
        self.rows = rows
        self.undeclared = rows.undeclared
        self.poll_first, self.poll_max, self.poll_timeout = poll_first, poll_max, poll_timeout
        self._sleep = sleep
        self.polls = 0  # for tests and benchmarks

    def _start(self, base: str, cursor: Mapping[str, Any]) -> str:
        """Start an export from the cursor; the progress id."""
        body: dict[str, Any] = {"format": "json", "compress": True, "useLabels": False, "breakoutSets": True,
                                "includeDisplayOrder": False, "exportResponsesInProgress": False, "timeZone": "UTC",
                                "sortByLastModifiedDate": False}
        if cursor.get("token"):
            try:
                started = self.client.post_json(base, json={**body, "continuationToken": cursor["token"]})
                return rec.text(_result(started).get("progressId"), "result.progressId", required=True)
            except SourceStatusError as exc:
                if exc.status != 400:
                    raise
                log.warning("%s: continuation token refused (expired?); exporting from %s instead",
                            SOURCE_NAME, cursor.get("last_recorded") or "the beginning")
        body["allowContinuation"] = True
        if cursor.get("last_recorded"):
            body["startDate"] = cursor["last_recorded"]
        started = self.client.post_json(base, json=body)
        return rec.text(_result(started).get("progressId"), "result.progressId", required=True)

    def _export(self, survey_id: str, cursor: Mapping[str, Any]) -> tuple[list[Any], str | None]:
        """The responses of a new export from `cursor`, and the continuation token it returned."""
        base = f"/API/v3/surveys/{survey_id}/export-responses"
        progress_id = self._start(base, cursor)
        waited, pause = 0.0, self.poll_first
        while True:
            result = _result(self.client.get_json(f"{base}/{progress_id}"))
            self.polls += 1
            status = result.get("status")
            if status == "complete":
                file_id = rec.text(result.get("fileId"), "result.fileId", required=True)
                break
            if status == "failed":
                raise SourceRequestError(f"{SOURCE_NAME}: export of survey {survey_id} failed on the Qualtrics side")
            if status != "inProgress":
                raise SourceRequestError(f"{SOURCE_NAME}: export of survey {survey_id} has unknown status {status!r}")
            if waited >= self.poll_timeout:
                raise SourceRequestError(
                    f"{SOURCE_NAME}: export of survey {survey_id} still in progress after {waited:.0f} s "
                    f"({result.get('percentComplete', '?')}% done); the next run starts a new export")
            self._sleep(pause)
            waited += pause
            pause = min(self.poll_max, pause * 2)
        raw = self.client.get(f"{base}/{file_id}/file").content
        return _unpack(survey_id, raw), rec.text(result.get("continuationToken"), "result.continuationToken")

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        cursors: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (state or {}).get("surveys", {}).items()}
        for survey_id in self.survey_ids:
            cursor = cursors.get(survey_id, {})
            records, token = self._export(survey_id, cursor)
            latest = cursor.get("last_recorded")
            for offset in range(0, max(len(records), 1), BATCH_RESPONSES):
                batch = Batch()
                for record in records[offset:offset + BATCH_RESPONSES]:
                    try:
                        response = to_response(survey_id, record)
                    except RecordError as exc:
                        rid = rec.record_id(record, "responseId")
                        batch.rejects.append(self.rows.reject("responses", f"survey {survey_id}: {exc}",
                                                              {"responseId": rid}, rid or ""))
                        continue
                    self.rows.add(batch, response)
                    stamp = response.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                    latest = max(latest or stamp, stamp)
                if offset + BATCH_RESPONSES >= len(records):
                    # The export is landed whole: only now may the cursor move past it.
                    cursors[survey_id] = {"token": token, "last_recorded": latest}
                    batch.state = {"surveys": {k: dict(v) for k, v in cursors.items()}}
                yield batch


def _result(payload: Any) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping) or not isinstance(payload.get("result"), Mapping):
        raise SourceRequestError(f"{SOURCE_NAME}: answer without a `result` object")
    return payload["result"]


def _unpack(survey_id: str, raw: bytes) -> list[Any]:
    """The responses of an export file: a ZIP with one JSON file (or the JSON itself, uncompressed)."""
    try:
        if raw[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                if len(names) != 1:
                    raise SourceRequestError(f"{SOURCE_NAME}: export of {survey_id} holds {len(names)} files, expected 1")
                raw = archive.read(names[0])
        document = orjson.loads(raw.decode("utf-8-sig"))
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError) as exc:
        raise SourceRequestError(f"{SOURCE_NAME}: export file of survey {survey_id} is unreadable ({type(exc).__name__})") from None
    responses = document.get("responses") if isinstance(document, Mapping) else None
    if not isinstance(responses, list):
        raise SourceRequestError(f"{SOURCE_NAME}: export file of survey {survey_id} has no `responses` list")
    return responses


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[QualtricsExtractor]:
    surveys = id_list(settings, SURVEYS_VARIABLE, "Qualtrics survey id (SV_...)")
    return [QualtricsExtractor(client_for(settings), surveys, survey_rows("qualtrics", settings, pseudonymiser))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Qualtrics",
    variables=(
        Variable(TOKEN_VARIABLE, "API token (header X-API-TOKEN)", secret=True),
        Variable(SURVEYS_VARIABLE, "comma-separated survey ids (SV_...)"),
        Variable(URL_VARIABLE, "datacenter base URL, e.g. https://fra1.qualtrics.com"),
        FREE_TEXT,
        extra_fields_variable(SOURCE_NAME, "displayedFields"),
    ),
    extractors={"responses": SPECS},
    build=_build,
)
