"""GitHub Copilot: seats (Link paging) and the usage-metrics reports (signed NDJSON download links).

The legacy `/orgs/{org}/copilot/metrics` API was shut down on 2026-04-02 and answers 404 here.
Report links are signed with the server's key and expire after `download_ttl_seconds` of wall
time; the download itself needs no GitHub token, like the real pre-signed blob URLs.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.ids import hex_id
from sandbox.server import timefmt
from sandbox.server.auth import bearer_token
from sandbox.server.http import BadParam, int_param, json_response
from sandbox.server.state import ServerState

DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"
REPORTS_FROM = date(2025, 10, 10)  # the reports API has no data before this day
USERS_PER_FILE = 500
MIN_TEAM_SEATS = 5
ORG_ID = "90210"


def _gh_error(status: int, message: str, doc: str = "https://docs.github.com/rest"):
    return json_response({"message": message, "documentation_url": doc, "status": str(status)}, status)


def routes(state: ServerState) -> list[Route]:
    api = GitHubApi(state)
    return [
        Route("/orgs/{org}/copilot/billing/seats", api.seats),
        Route("/orgs/{org}/copilot/metrics/reports/{kind}", api.report),
        Route("/orgs/{org}/copilot/metrics", api.retired),
        Route("/orgs/{org}/team/{team}/copilot/metrics", api.retired),
        Route("/_reports/{kind}/{day}/{part}.ndjson", api.download),
    ]


class GitHubApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org

    def _auth(self, request: Request):
        header = request.headers.get("authorization", "")
        token = bearer_token(request) or (header[6:].strip() if header.lower().startswith("token ") else None)
        c = self.s.credentials
        if not token:
            return _gh_error(401, "Requires authentication")
        if token == c.github_token_no_scope:
            return _gh_error(403, "Resource not accessible by personal access token",
                             "https://docs.github.com/rest/copilot/copilot-user-management")
        if token != c.github_token:
            return _gh_error(401, "Bad credentials")
        if request.path_params.get("org") != c.github_org:
            return _gh_error(404, "Not Found")
        return None

    # --- seats --------------------------------------------------------------------------------
    def _seat_rows(self) -> list[dict]:
        today = self.s.now.date()

        def build():
            usage = self.org.usage.tools["github_copilot"]
            last = usage.last_active(today)
            people = self.org.people.employees
            rows = []
            for i, s in enumerate(usage.seats):
                if not (s.start <= today and (s.end is None or s.end > today)):
                    continue
                e = people[s.person]
                team = e.assignment_at(s.start).team
                active = None
                if last[i] >= 0:
                    d = usage.start + timedelta(days=int(last[i]))
                    active = datetime.combine(d, time(9)) + timedelta(minutes=(e.idx * 37) % 480)
                rows.append({
                    "created_at": timefmt.iso_z(datetime.combine(s.start, time(8, 30))),
                    "updated_at": timefmt.iso_z(datetime.combine(s.start, time(8, 30))),
                    "pending_cancellation_date": s.end.isoformat() if s.end and (s.end - today).days <= 30 else None,
                    "last_activity_at": timefmt.iso_z(active),
                    "last_activity_editor": "vscode/1.96.2/copilot/1.254.0" if active else None,
                    "last_authenticated_at": timefmt.iso_z(active),
                    "plan_type": "business",
                    "assignee": {"login": e.github_login, "id": e.github_id, "node_id": f"MDQ6VXNlcj{e.github_id}",
                                 "avatar_url": f"https://avatars.githubusercontent.com/u/{e.github_id}?v=4",
                                 "url": f"https://api.github.com/users/{e.github_login}", "type": "User",
                                 "site_admin": False},
                    "assigning_team": {"id": self.team_id(team.slug), "name": team.name, "slug": team.slug,
                                       "description": f"{team.department} / {team.name}", "privacy": "closed",
                                       "permission": "pull", "parent": None},
                })
            return rows
        return self.s.cached(("gh-seats",), build)

    def team_id(self, slug: str) -> int:
        return 1_000_000 + int(hex_id(self.org.seed, f"gh-team-{slug}", 0, 6), 16)

    async def seats(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        try:
            per_page = int_param(request.query_params.get("per_page"), 50, 1, 100)
            page = int_param(request.query_params.get("page"), 1, 1, 10**6)
        except BadParam as e:
            return _gh_error(422, f"Invalid request. {e}")
        rows = await run_in_threadpool(self._seat_rows)
        chunk = rows[(page - 1) * per_page: page * per_page]
        prev = rows[(page - 1) * per_page - 1] if page > 1 and chunk else None
        chunk = self.s.faults.records("github", request.url.path, chunk, prev, id_key="assignee",
                                      time_keys=("created_at",))
        last = max(1, math.ceil(len(rows) / per_page))
        base = self.s.url(request.url.path)

        def link(n: int, rel: str) -> str:
            return f"<{base}?{urlencode({'per_page': per_page, 'page': n})}>; rel=\"{rel}\""

        links = []
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        headers = {"Link": ", ".join(links)} if links else {}
        headers.update({"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-ratelimit-resource": "core"})
        return json_response({"total_seats": len(rows), "seats": chunk}, 200, headers)

    async def retired(self, request: Request):
        # GitHub answered plain 404s for the earlier sunset /copilot/usage endpoint (see e.g.
        # austenstone/github-value#180); the sandbox does the same for the /copilot/metrics shutdown.
        return _gh_error(404, "Not Found", "https://docs.github.com/rest")

    # --- usage-metrics reports ----------------------------------------------------------------
    async def report(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        kind = request.path_params["kind"]
        if kind not in ("users-1-day", "user-teams-1-day"):
            return _gh_error(404, "Not Found", DOCS)
        raw = request.query_params.get("day")
        if not raw:
            return _gh_error(422, 'Invalid request.\n\n"day" wasn\'t supplied.', DOCS)
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return _gh_error(422, f"Invalid request.\n\n{raw!r} is not a date (YYYY-MM-DD).", DOCS)
        records = await run_in_threadpool(self.records, kind, day)
        if not records:
            return Response(status_code=204)
        parts = max(1, math.ceil(len(records) / USERS_PER_FILE))
        expiry = int(self.s.wall_time() + self.s.download_ttl_seconds)
        links = []
        for part in range(parts):
            path = f"/github/_reports/{kind}/{day.isoformat()}/{part}.ndjson"
            sig = self.s.sign(f"{path}:{expiry}")
            links.append(self.s.url(f"{path}?{urlencode({'se': expiry, 'sig': sig})}"))
        return json_response({"download_links": links, "report_day": day.isoformat()})

    def records(self, kind: str, day: date) -> list[dict]:
        # data up to yesterday, from the reports' start, inside the generated usage
        usage = self.org.usage.tools["github_copilot"]
        if day < REPORTS_FROM or day >= self.s.now.date() or not 0 <= usage.day_index(day) < usage.n_days:
            return []
        return self.s.cached(("gh-report", kind, day), lambda: self._build_records(kind, day))

    def _build_records(self, kind: str, day: date) -> list[dict]:
        usage = self.org.usage.tools["github_copilot"]
        people = self.org.people.employees
        col = usage.day_index(day)
        out = []
        if kind == "user-teams-1-day":
            seated = [(s, people[s.person]) for s in usage.seats if s.start <= day and (s.end is None or s.end > day)]
            per_team: dict[str, list] = {}
            for _, e in seated:
                if e.employed_on(day):
                    per_team.setdefault(e.assignment_at(day).team.slug, []).append(e)
            for slug, members in sorted(per_team.items()):
                if len(members) < MIN_TEAM_SEATS:
                    continue  # GitHub leaves out teams with fewer than five seated users
                for e in members:
                    out.append({"user_id": e.github_id, "user_login": e.github_login, "day": day.isoformat(),
                                "organization_id": ORG_ID, "team_id": self.team_id(slug), "slug": slug})
            return out
        for i, s in enumerate(usage.seats):
            if not usage.active[i, col]:
                continue
            e = people[s.person]
            n = int(usage.intensity[i, col])
            gen = n * 3
            acc = int(gen * float(usage.accept_rate[i]))
            loc_sug, loc_add = gen * 6, acc * 5
            chat = (e.idx + col) % 3 != 0
            # Chat code blocks count in the totals, not in the inline completions (code_completion).
            chat_gen = 1 + n % 4 if chat else 0
            chat_acc = (chat_gen + 1) // 2
            total_gen, total_acc = gen + chat_gen, acc + chat_acc
            features = [{"feature": "code_completion", "code_generation_activity_count": gen,
                         "code_acceptance_activity_count": acc, "user_initiated_interaction_count": 0,
                         "loc_added_sum": loc_add, "loc_deleted_sum": 0,
                         "loc_suggested_to_add_sum": loc_sug, "loc_suggested_to_delete_sum": 0}]
            if chat:
                features.append({"feature": "chat_panel_ask_mode", "code_generation_activity_count": chat_gen,
                                 "code_acceptance_activity_count": chat_acc, "user_initiated_interaction_count": n,
                                 "loc_added_sum": 0, "loc_deleted_sum": 0, "loc_suggested_to_add_sum": 0,
                                 "loc_suggested_to_delete_sum": 0})
            out.append({
                "day": day.isoformat(), "enterprise_id": "1", "organization_id": ORG_ID, "user_id": e.github_id,
                "user_login": e.github_login, "user_initiated_interaction_count": n,
                "code_generation_activity_count": total_gen, "code_acceptance_activity_count": total_acc,
                "loc_suggested_to_add_sum": loc_sug, "loc_suggested_to_delete_sum": 0, "loc_added_sum": loc_add,
                "loc_deleted_sum": 0, "used_agent": (e.idx + col) % 5 == 0, "used_chat": chat, "used_cli": False,
                "totals_by_ide": [{"ide": "vscode", "code_generation_activity_count": total_gen,
                                   "code_acceptance_activity_count": total_acc, "user_initiated_interaction_count": n,
                                   "loc_added_sum": loc_add, "loc_deleted_sum": 0, "loc_suggested_to_add_sum": loc_sug,
                                   "loc_suggested_to_delete_sum": 0,
                                   "last_known_ide_version": {"ide_version": "1.96.2",
                                                              "sampled_at": f"{day.isoformat()}T00:00:02.000Z"}}],
                "totals_by_feature": features,
                "totals_by_language_feature": [], "totals_by_language_model": [], "totals_by_model_feature": [],
            })
        return out

    async def download(self, request: Request):
        kind, raw_day, part = (request.path_params[k] for k in ("kind", "day", "part"))
        path = f"/github/_reports/{kind}/{raw_day}/{part}.ndjson"
        expiry, sig = request.query_params.get("se", ""), request.query_params.get("sig", "")
        if not expiry.isdigit() or sig != self.s.sign(f"{path}:{expiry}"):
            return _blob_error("AuthenticationFailed", "Server failed to authenticate the request. Make sure the "
                               "value of Authorization header is formed correctly including the signature.")
        if int(expiry) < self.s.wall_time():
            return _blob_error("AuthenticationFailed", "Signed expiry time has expired; request a new download link.")
        try:
            records = await run_in_threadpool(self.records, kind, date.fromisoformat(raw_day))
            part_no = int(part)
        except ValueError:
            return _blob_error("InvalidUri", "The requested URI does not represent any resource on the server.", 400)
        chunk = records[part_no * USERS_PER_FILE: (part_no + 1) * USERS_PER_FILE]
        chunk = self.s.faults.records("github", path, chunk, None, id_key="user_id", time_keys=("day",))
        body = b"".join(orjson.dumps(r, default=str) + b"\n" for r in chunk)
        return Response(body, media_type="application/x-ndjson")


def _blob_error(code: str, message: str, status: int = 403):
    xml = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>')
    return Response(xml.encode(), status_code=status, media_type="application/xml")
