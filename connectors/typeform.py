"""Typeform survey responses (Responses API, api_formats.md 7), into `raw_typeform`.

`GET /forms/{form_id}/responses` newest first, `page_size` per page, older pages by `before=<token
of the last item>` until a page comes back short (the official SDK's way; `page_count` is not a
cursor). Incremental by `since` = the newest `submitted_at` landed (inclusive, so the boundary
response is read again and merges by key). The cursor moves only after a form's last page: pages
arrive newest first, so a run killed half-way reads the form again from the old `since`.
Hidden fields give the department (and an e-mail on identified forms); other hidden fields are
undeclared (`hidden.<name>`): listed by name, landed only when `TYPEFORM_EXTRA_FIELDS` names them. Answers go through the shared survey rules (`connectors._survey`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

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
from connectors.http import SourceHttpClient
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import extra_fields_variable, reports_undeclared

SOURCE_NAME = "typeform"
TOKEN_VARIABLE, FORMS_VARIABLE, URL_VARIABLE = "TYPEFORM_TOKEN", "TYPEFORM_FORM_IDS", "TYPEFORM_BASE_URL"
PAGE_SIZE = 1000  # the API's maximum
SPECS = survey_specs(SOURCE_NAME)
# Typeform answer type -> kind of the shared survey rules. Contact details and uploads never land.
_KINDS = {"number": "number", "boolean": "boolean", "choice": "choice", "choices": "choice", "date": "choice",
          "text": "text", "email": "pii", "phone_number": "pii", "url": "pii", "file_url": "pii", "payment": "pii"}
_EMAIL_HIDDEN = ("email", "respondent_email", "work_email")
_KNOWN = frozenset({"landing_id", "token", "response_id", "response_type", "landed_at", "submitted_at", "metadata",
                    "hidden", "calculated", "variables", "answers", "definition"})


def client_for(settings: Mapping[str, str]) -> SourceHttpClient:
    return SourceHttpClient(
        SOURCE_NAME, settings.get(URL_VARIABLE, "https://api.typeform.com"),
        headers={"Authorization": f"Bearer {settings[TOKEN_VARIABLE]}"}, credential_variables=(TOKEN_VARIABLE,), url_variable=URL_VARIABLE,
    )


def _answer(item: Mapping[str, Any]) -> Answer:
    field = rec.mapping(item.get("field"), "answer.field")
    ids = tuple(str(v) for v in (field.get("ref"), field.get("id")) if v)
    if not ids:
        raise RecordError("an answer has no field ref or id")
    kind_name = str(item.get("type") or "")
    kind = _KINDS.get(kind_name, "text")  # an unknown type is treated like free text: never landed by default
    value = item.get(kind_name)
    if kind_name == "choice":
        choice = rec.mapping(value, "choice")
        value = choice.get("label") or choice.get("other") or choice.get("ref")
    elif kind_name == "choices":
        choices = rec.mapping(value, "choices")
        value = [*(choices.get("labels") or []), *([choices["other"]] if choices.get("other") else [])]
    return Answer(ids, value, kind)


def to_response(form_id: str, item: Any) -> SurveyResponse:
    """A Typeform response item as a survey response; RecordError when it breaks the format."""
    if not isinstance(item, Mapping):
        raise RecordError("response item is not an object")
    hidden = rec.mapping(item.get("hidden"), "hidden")
    answers = item.get("answers") or []
    if not isinstance(answers, list):
        raise RecordError("answers is not a list")
    email = next((str(hidden[k]) for k in _EMAIL_HIDDEN if hidden.get(k)), None)
    # Fields we do not read (metadata, user agent and network, is left out on purpose): undeclared.
    extra = {**{f"hidden.{k}": v for k, v in hidden.items() if k != "department" and k not in _EMAIL_HIDDEN},
             **{k: v for k, v in item.items() if k not in _KNOWN}}
    return SurveyResponse(
        survey_id=form_id,
        response_id=rec.text(item.get("response_id") or item.get("token"), "response_id", required=True),
        submitted_at=rec.timestamp(item.get("submitted_at"), "submitted_at", required=True),
        email=email,
        department=rec.text(hidden.get("department"), "hidden.department"),
        answers=[_answer(a) for a in answers if isinstance(a, Mapping)],
        extra=extra,
    )


class TypeformExtractor:
    source = SOURCE_NAME
    name = "responses"
    specs = SPECS

    def __init__(self, client: SourceHttpClient, form_ids: list[str], rows: SurveyRows, page_size: int = PAGE_SIZE):
        self.client = client
        self.form_ids = form_ids
        self.rows = rows
        self.undeclared = rows.undeclared
        self.page_size = page_size

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        cursors: dict[str, str] = dict((state or {}).get("since", {}))
        for form_id in self.form_ids:
            since = cursors.get(form_id)
            newest = since
            params: dict[str, Any] = {"page_size": self.page_size}
            if since:
                params["since"] = since
            while True:
                payload = self.client.get_json(f"/forms/{form_id}/responses", params=params)
                items = payload.get("items") if isinstance(payload, Mapping) else None
                if not isinstance(items, list):
                    raise SourceRequestError(f"{SOURCE_NAME}: responses of form {form_id} came without `items`")
                batch = Batch()
                for item in items:
                    try:
                        response = to_response(form_id, item)
                    except RecordError as exc:
                        batch.rejects.append(self.rows.reject(
                            "responses", f"form {form_id}: {exc}", {"response_id": rec.record_id(item, "response_id", "token")},
                            rec.record_id(item, "response_id", "token")))
                        continue
                    self.rows.add(batch, response)
                    stamp = response.submitted_at.strftime("%Y-%m-%dT%H:%M:%S")
                    newest = max(newest or stamp, stamp)
                last_page = len(items) < self.page_size
                if last_page:
                    if newest:
                        cursors[form_id] = newest
                    batch.state = {"since": dict(cursors)}
                yield batch
                if last_page:
                    break
                token = rec.record_id(items[-1], "token", "response_id")
                if not token or token == params.get("before"):
                    raise SourceRequestError(f"{SOURCE_NAME}: form {form_id}: cannot page past item without a token")
                params["before"] = token


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[TypeformExtractor]:
    forms = id_list(settings, FORMS_VARIABLE, "Typeform form id")
    return [TypeformExtractor(client_for(settings), forms, survey_rows("typeform", settings, pseudonymiser))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Typeform",
    variables=(
        Variable(TOKEN_VARIABLE, "personal access token with responses:read", secret=True),
        Variable(FORMS_VARIABLE, "comma-separated form ids"),
        Variable(URL_VARIABLE, "API base URL (EU accounts: https://api.eu.typeform.com)", required=False,
                 default="https://api.typeform.com"),
        FREE_TEXT,
        extra_fields_variable(SOURCE_NAME, "hidden.cohort"),
    ),
    extractors={"responses": SPECS},
    build=_build,
)
