"""OpenAI Admin API: organisation users, projects, and completions usage in time buckets.

Usage comes from the daily usage matrix: each person-day lands in one hour of that day (stable per
person), so 1h and 1m buckets sum to the 1d figures. Only completed days (before the simulated
today) have usage, like the real API's buckets filling in after the fact.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from sandbox import story
from sandbox.ids import hex_id
from sandbox.server import paging, timefmt
from sandbox.server.auth import bearer_token
from sandbox.server.http import BadParam, int_param, json_response
from sandbox.server.state import ServerState
from sandbox.usage import MODELS

WIDTHS = {"1d": (86400, 7, 31), "1h": (3600, 24, 168), "1m": (60, 60, 1440)}  # seconds, default, max limit
GROUP_KEYS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")


def _oa_error(status: int, message: str, type_: str = "invalid_request_error", param=None, code=None):
    return json_response({"error": {"message": message, "type": type_, "param": param, "code": code}}, status)


def routes(state: ServerState) -> list[Route]:
    api = OpenAiApi(state)
    return [
        Route("/v1/organization/usage/completions", api.completions),
        Route("/v1/organization/users", api.users),
        Route("/v1/organization/projects", api.projects),
    ]


class OpenAiApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org

    def _auth(self, request: Request):
        token = bearer_token(request)
        c = self.s.credentials
        if not token:
            return _oa_error(401, "You didn't provide an API key. You need to provide your API key in an Authorization "
                                  "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        if token == c.openai_project_key:
            return _oa_error(403, "You have insufficient permissions for this operation. Missing scopes: "
                                  "api.usage.read. Use an organization Admin API key.", code="insufficient_permissions")
        if token != c.openai_admin_key:
            return _oa_error(401, f"Incorrect API key provided: {token[:7]}****{token[-4:]}.", code="invalid_api_key")
        return None

    # --- projects and users -------------------------------------------------------------------
    def project_ids(self) -> dict[str, str]:
        names = ["Default project", *MODELS]
        return {name: f"proj_{hex_id(self.org.seed, 'openai-project', i, 24)}" for i, name in enumerate(names)}

    async def projects(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        created = {"Default project": self.org.timeline.island_start - timedelta(days=3),
                   "Marketing Content": self.org.timeline.island_start,
                   story.HR_RECRUITING_PROJECT: self.org.timeline.island_start + timedelta(days=30)}
        rows = [{"id": pid, "object": "organization.project", "name": name,
                 "created_at": timefmt.epoch(datetime.combine(created[name], time(9))), "archived_at": None,
                 "status": "active"} for name, pid in self.project_ids().items()
                if created[name] <= self.s.now.date()]
        return self._list(request, rows)

    def _users(self) -> list[dict]:
        today = self.s.now.date()

        def build():
            first_seat = {}
            for s in self.org.seats.for_tool("openai"):
                if s.person not in first_seat or s.start < first_seat[s.person].start:
                    first_seat[s.person] = s
            rows = []
            for person, user_id, email in self.org.openai_users():
                s = first_seat[person]
                if s.start > today or (s.end is not None and s.end <= today):
                    continue
                e = self.org.people.employees[person]
                rows.append({"object": "organization.user", "id": user_id, "name": e.display_name, "email": email,
                             "role": "owner" if not rows else "reader",
                             "added_at": timefmt.epoch(datetime.combine(s.start, time(10)))})
            rows.sort(key=lambda r: (r["added_at"], r["id"]))
            return rows
        return self.s.cached(("oa-users",), build)

    async def users(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        rows = self._users()
        emails = set(request.query_params.getlist("emails[]") + request.query_params.getlist("emails"))
        if emails:
            rows = [r for r in rows if r["email"] in emails]
        page = self._list(request, rows, fault_source=True)
        return page

    def _list(self, request: Request, rows: list[dict], fault_source: bool = False):
        try:
            limit = int_param(request.query_params.get("limit"), 20, 1, 100)
        except BadParam as e:
            return _oa_error(400, str(e), param="limit")
        after = request.query_params.get("after")
        start = 0
        if after:
            ids = [r["id"] for r in rows]
            if after not in ids:
                return _oa_error(400, f"Invalid 'after': no object with id {after!r}.", param="after")
            start = ids.index(after) + 1
        page = rows[start: start + limit]
        if fault_source:
            prev = rows[start - 1] if start > 0 and page else None
            page = self.s.faults.records("openai", request.url.path, page, prev, id_key="id", time_keys=("added_at",))
        return json_response({"object": "list", "data": page,
                              "first_id": page[0]["id"] if page else None, "last_id": page[-1]["id"] if page else None,
                              "has_more": start + limit < len(rows)})

    # --- usage --------------------------------------------------------------------------------
    def _events(self) -> list[tuple[int, str, str, str, int, int, int, int]]:
        """(epoch second, user_id, project_id, model, requests, input, cached, output), completed days only."""
        today = self.s.now.date()

        def build():
            usage = self.org.usage.tools["openai"]
            users = {person: uid for person, uid, _ in self.org.openai_users()}
            projects = self.project_ids()
            end = min(usage.day_index(today), usage.n_days)
            out = []
            for i, s in enumerate(usage.seats):
                cols = usage.active[i, :max(end, 0)].nonzero()[0]
                for col in cols:
                    day = usage.start + timedelta(days=int(col))
                    n = int(usage.intensity[i, col])
                    hour = 8 + (s.person + int(col)) % 9
                    stamp = timefmt.epoch(datetime.combine(day, time(hour, (s.person * 7) % 60)))
                    inp = n * (700 + (s.person * 37) % 900)
                    out.append((stamp, users[s.person], projects[s.project], MODELS[s.project], n, inp,
                                inp * 3 // 10, n * (250 + (s.person * 13) % 200)))
            out.sort()
            return out
        return self.s.cached(("oa-events",), build)

    async def completions(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        return await run_in_threadpool(self._completions, request)

    def _completions(self, request: Request):
        # arrays arrive as repeated params, `name[]` or comma lists; accept all three
        multi: dict[str, list[str]] = defaultdict(list)
        for k, v in parse_qsl(request.url.query, keep_blank_values=True):
            multi[k.removesuffix("[]")].extend(x for x in v.split(",") if x)
        q = {k: v[-1] for k, v in multi.items() if v}
        if "start_time" not in q:
            return _oa_error(400, "Missing required parameter: 'start_time'.", param="start_time")
        width_name = q.get("bucket_width", "1d")
        if width_name not in WIDTHS:
            return _oa_error(400, f"Invalid 'bucket_width': {width_name!r}; use 1m, 1h or 1d.", param="bucket_width")
        width, default_limit, max_limit = WIDTHS[width_name]
        group_by = multi.get("group_by", [])
        bad = [g for g in group_by if g not in GROUP_KEYS]
        if bad:
            return _oa_error(400, f"Invalid 'group_by': {bad[0]!r}.", param="group_by")
        try:
            start = int(q["start_time"])
            end = int(q["end_time"]) if q.get("end_time") else timefmt.epoch(self.s.now)
            limit = int_param(q.get("limit"), default_limit, 1, max_limit)
            if q.get("page"):
                start = int(paging.decode(q["page"]))
        except (ValueError, BadParam) as e:
            return _oa_error(400, f"Invalid parameter: {e}")
        start -= start % width  # buckets are aligned to their width (UTC)
        end = min(end, timefmt.epoch(self.s.now))
        users, projects, models = set(multi.get("user_ids", [])), set(multi.get("project_ids", [])), set(multi.get("models", []))
        events = self._events()
        buckets = []
        t = start
        while t < end and len(buckets) < limit:
            buckets.append(self._bucket(events, t, width, group_by, users, projects, models))
            t += width
        previous = self._bucket(events, start - width, width, group_by, users, projects, models) if q.get("page") else None
        # buckets are this endpoint's records: a duplicate repeats the previous page's last bucket
        buckets = self.s.faults.records("openai", request.url.path, buckets, previous, id_key="start_time",
                                        time_keys=("end_time",))
        has_more = t < end
        return json_response({"object": "page", "data": buckets, "has_more": has_more,
                              "next_page": paging.encode(str(t)) if has_more else None})


    def _bucket(self, events, t, width, group_by, users, projects, models) -> dict:
        groups: dict[tuple, list[int]] = {}
        for _, uid, pid, model, n, inp, cached, out in _window(events, t, t + width):
            if (users and uid not in users) or (projects and pid not in projects) or (models and model not in models):
                continue
            key = tuple((g, {"user_id": uid, "project_id": pid, "model": model}.get(g)) for g in group_by)
            acc = groups.setdefault(key, [0, 0, 0, 0])
            acc[0] += n
            acc[1] += inp
            acc[2] += cached
            acc[3] += out
        results = []
        for key, (n, inp, cached, out) in sorted(groups.items(), key=lambda kv: str(kv[0])):
            r = {"object": "organization.usage.completions.result", "input_tokens": inp,
                 "input_cached_tokens": cached, "output_tokens": out, "input_audio_tokens": 0,
                 "output_audio_tokens": 0, "num_model_requests": n, "project_id": None, "user_id": None,
                 "api_key_id": None, "model": None, "batch": None, "service_tier": None}
            r.update(dict(key))
            results.append(r)
        return {"object": "bucket", "start_time": t, "end_time": t + width, "results": results}


def _window(events, lo: int, hi: int):
    from bisect import bisect_left

    i = bisect_left(events, (lo,))
    while i < len(events) and events[i][0] < hi:
        yield events[i]
        i += 1
