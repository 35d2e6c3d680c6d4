"""Typeform Responses API: `GET /forms/{id}/responses` newest first, `before`/`after` tokens,
`since`/`until`, `page_size`, hidden field `department`; and the form definition."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.routing import Route

from sandbox.ids import hex_id
from sandbox.server import timefmt
from sandbox.server.auth import bearer_token
from sandbox.server.http import BadParam, int_param, json_response
from sandbox.server.state import ServerState
from sandbox.surveys import TYPEFORM_FORM_ID, TYPEFORM_QUESTIONS

TITLES = {
    "tool_nps": "How likely are you to recommend the AI tool you use most to a colleague?",
    "ai_usefulness": "AI tools make my work easier.",
    "ai_resistance": "I would rather keep working the way I did before AI tools.",
    "psych_safety": "In my team it is safe to admit a mistake made with an AI tool.",
}


def _tf_error(status: int, code: str, description: str):
    return json_response({"code": code, "description": description}, status)


def routes(state: ServerState) -> list[Route]:
    api = TypeformApi(state)
    return [Route("/forms/{form_id}/responses", api.responses), Route("/forms/{form_id}", api.form)]


class TypeformApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org

    def _auth(self, request: Request):
        token = bearer_token(request)
        if not token:
            return _tf_error(401, "AUTHENTICATION_FAILED", "Authentication credentials not found on the Request Headers")
        if token != self.s.credentials.typeform_token:
            return _tf_error(401, "AUTHENTICATION_FAILED", "The access token is not valid")
        if request.path_params["form_id"] != TYPEFORM_FORM_ID:
            return _tf_error(404, "FORM_NOT_FOUND", f"Non existing form with uid {request.path_params['form_id']}")
        return None

    def field_id(self, ref: str) -> str:
        return hex_id(self.org.seed, f"tf-field-{ref}", 0, 12)

    def _fields(self):
        return [{"id": self.field_id(ref), "ref": ref, "title": TITLES[ref], "type": "opinion_scale",
                 "properties": {"steps": 11 if scale == "0-10" else 5, "start_at_one": scale != "0-10"}}
                for ref, (_, scale) in TYPEFORM_QUESTIONS.items()]

    async def form(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        return json_response({"id": TYPEFORM_FORM_ID, "type": "form", "title": "Monthly AI pulse",
                              "hidden": ["department"], "fields": self._fields(),
                              "_links": {"display": f"https://acme.typeform.com/to/{TYPEFORM_FORM_ID}"}})

    def _items(self) -> list[dict]:
        now = self.s.now

        def build():
            out = []
            for r in self.org.surveys:
                if r.source != "typeform" or r.submitted_at > now:
                    continue
                landed = r.submitted_at - timedelta(seconds=40 + int(r.response_id[:2], 16))
                answers = [{"field": {"id": self.field_id(q), "type": "opinion_scale", "ref": q}, "type": "number",
                            "number": v} for q, v in r.answers]
                out.append({
                    "landing_id": r.response_id, "token": r.response_id, "response_id": r.response_id,
                    "response_type": "completed", "landed_at": timefmt.iso_z(landed),
                    "submitted_at": timefmt.iso_z(r.submitted_at),
                    "metadata": {"user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "platform": "other",
                                 "referer": f"https://acme.typeform.com/to/{TYPEFORM_FORM_ID}",
                                 "network_id": r.response_id[:10], "browser": "default"},
                    "hidden": {"department": r.department}, "calculated": {"score": 0}, "variables": [],
                    "answers": answers, "_at": r.submitted_at,
                })
            out.sort(key=lambda i: (i["_at"], i["token"]), reverse=True)  # newest first
            return out
        return self.s.cached(("tf-items",), build)

    async def responses(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        q = request.query_params
        try:
            size = int_param(q.get("page_size"), 25, 1, 1000)
            since, until = _when(q.get("since")), _when(q.get("until"))
        except BadParam as e:
            return _tf_error(400, "VALIDATION_ERROR", str(e))
        if (q.get("before") or q.get("after")) and q.get("sort"):
            return _tf_error(400, "VALIDATION_ERROR", "before/after cannot be combined with sort")
        items = self._items()
        if q.get("response_type") and "completed" not in q["response_type"].split(","):
            items = []
        if since:
            items = [i for i in items if i["_at"] >= since]
        if until:
            items = [i for i in items if i["_at"] <= until]
        for key, older in (("before", True), ("after", False)):
            token = q.get(key)
            if token:
                anchor = next((i for i in items if i["token"] == token), None)
                if anchor is None:
                    return _tf_error(400, "VALIDATION_ERROR", f"{key}: unknown response token {token}")
                mark = (anchor["_at"], anchor["token"])
                items = [i for i in items if ((i["_at"], i["token"]) < mark) == older and (i["_at"], i["token"]) != mark]
        if q.get("sort") == "submitted_at,asc" or (q.get("after") and not q.get("before")):
            items = list(reversed(items))
        page = [{k: v for k, v in i.items() if k != "_at"} for i in items[:size]]
        page = self.s.faults.records("typeform", request.url.path, page, None, id_key="token",
                                     time_keys=("submitted_at",))
        return json_response({"total_items": len(items), "page_count": max(1, math.ceil(len(items) / size)),
                              "items": page})


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    if value.isdigit():
        return timefmt.from_epoch(int(value))
    try:
        return datetime.fromisoformat(value.rstrip("Z")).replace(tzinfo=None)
    except ValueError:
        raise BadParam(f"{value!r} is neither Unix seconds nor an ISO 8601 date-time") from None
