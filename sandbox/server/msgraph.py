"""Microsoft Graph: client-credentials token, /v1.0/users ($select, $expand=manager, $top, nextLink),
subscribedSkus and assignedLicenses/assignedPlans, and the Microsoft 365 Copilot usage user detail
report (beta JSON with nextLink, v1.0 CSV) as a last-activity snapshot of the simulated day."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.server import paging, timefmt
from sandbox.server.auth import bearer_token
from sandbox.server.http import BadParam, int_param, json_response
from sandbox.server.state import ServerState
from sandbox.usage import M365_APPS

COPILOT_SKU = "639dec6b-bb19-468b-871c-c5c441c4b0cb"  # Microsoft_365_Copilot
E3_SKU = "05e9a617-0261-4cee-bb44-138d3ef5d965"  # SPE_E3
COPILOT_PLAN = "fe6c28b3-d468-44ea-bbd0-a10a5167435c"  # M365_COPILOT_APPS service plan
REPORT_LAG_DAYS = 2  # reportRefreshDate trails the current day
DEFAULT_USER_PROPS = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                      "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")
CSV_COLUMNS = ("Report Refresh Date", "User Principal Name", "Display Name", "Last Activity Date",
               "Copilot Chat Last Activity Date", "Microsoft Teams Copilot Last Activity Date",
               "Word Copilot Last Activity Date", "Excel Copilot Last Activity Date",
               "PowerPoint Copilot Last Activity Date", "Outlook Copilot Last Activity Date",
               "OneNote Copilot Last Activity Date", "Loop Copilot Last Activity Date", "Report Period")
APP_KEYS = {"copilotChat": "copilotChatLastActivityDate", "microsoftTeams": "microsoftTeamsCopilotLastActivityDate",
            "word": "wordCopilotLastActivityDate", "excel": "excelCopilotLastActivityDate",
            "powerPoint": "powerPointCopilotLastActivityDate", "outlook": "outlookCopilotLastActivityDate",
            "oneNote": "oneNoteCopilotLastActivityDate", "loop": "loopCopilotLastActivityDate"}
PERIODS = {"D7": 7, "D30": 30, "D90": 90, "D180": 180, "ALL": 0}
_REPORT = re.compile(r"^getMicrosoft365CopilotUsageUserDetail\(period='(\w+)'\)$")


def _graph_error(status: int, code: str, message: str):
    return json_response({"error": {"code": code, "message": message,
                                    "innerError": {"date": "2026-01-01T00:00:00", "request-id": "sandbox"}}}, status)


class login:  # noqa: N801 - mounted as its own "host" (login.microsoftonline.com)
    @staticmethod
    def routes(state: ServerState) -> list[Route]:
        async def token(request: Request):
            tenant = request.path_params["tenant"]
            # parsed by hand: starlette's form parser needs python-multipart, which is not installed
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
            c = state.credentials
            if tenant != c.msgraph_tenant_id:
                return json_response({"error": "invalid_request", "error_description":
                                      f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the "
                                      "correct tenant ID and are signing into the correct cloud.",
                                      "error_codes": [90002]}, 400)
            if form.get("grant_type") != "client_credentials":
                return json_response({"error": "unsupported_grant_type", "error_description":
                                      "AADSTS70003: The app requested an unsupported grant type.",
                                      "error_codes": [70003]}, 400)
            if form.get("client_id") != c.msgraph_client_id:
                return json_response({"error": "unauthorized_client", "error_description":
                                      f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not "
                                      "found in the directory.", "error_codes": [700016]}, 400)
            if form.get("client_secret") != c.msgraph_client_secret:
                return json_response({"error": "invalid_client", "error_description":
                                      "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                                      "in the request is the client secret value, not the client secret ID.",
                                      "error_codes": [7000215]}, 401)
            scope = form.get("scope", "")
            if not scope.endswith("/.default"):
                return json_response({"error": "invalid_scope", "error_description":
                                      "AADSTS1002012: The provided value for scope is not valid. Client credential "
                                      "flows must have a scope value with /.default suffixed to the resource "
                                      "identifier (application ID URI).", "error_codes": [1002012]}, 400)
            tok = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48)
            with state.lock:
                state.graph_tokens[tok] = state.wall_time() + 3599
            return json_response({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                  "access_token": tok})

        return [Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"])]


def routes(state: ServerState) -> list[Route]:
    api = GraphApi(state)
    return [
        Route("/v1.0/users", api.users),
        Route("/v1.0/users/delta", api.users_delta),
        Route("/v1.0/subscribedSkus", api.subscribed_skus),
        Route("/v1.0/copilot/reports/{call}", api.report_csv),
        Route("/beta/copilot/reports/{call}", api.report_json),
        Route("/beta/reports/{call}", api.report_json),
    ]


class GraphApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org

    def _auth(self, request: Request):
        token = bearer_token(request)
        if not token:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        expiry = self.s.graph_tokens.get(token)
        if expiry is None:
            return _graph_error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
        if expiry < self.s.wall_time():
            return _graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        return None

    # --- users --------------------------------------------------------------------------------
    def _user_objects(self) -> list[dict]:
        today = self.s.now.date()

        def build():
            people = self.org.people.employees
            seats = {}
            for s in self.org.seats.for_tool("m365_copilot"):
                if s.start <= today and (s.end is None or s.end > today):
                    seats[s.person] = s
            out = []
            for e in people:
                if e.start_date > today:
                    continue
                left = e.end_date is not None and e.end_date < today
                if left and (today - e.end_date).days > 30:
                    continue  # deleted 30 days after leaving
                job = e.assignment_at(e.end_date if left else today)
                manager = people[job.manager] if job.manager is not None else None
                licences = [{"disabledPlans": [], "skuId": E3_SKU}]
                plans = []
                if e.idx in seats and not left:
                    licences.append({"disabledPlans": [], "skuId": COPILOT_SKU})
                    plans.append({"assignedDateTime": timefmt.iso_z(datetime.combine(seats[e.idx].start, time(9))),
                                  "capabilityStatus": "Enabled", "service": "M365CopilotApps",
                                  "servicePlanId": COPILOT_PLAN})
                out.append({
                    "id": e.graph_id, "businessPhones": [], "displayName": e.display_name, "givenName": e.first_name,
                    "surname": e.last_name, "jobTitle": job.job_title, "mail": e.email, "mobilePhone": None,
                    "officeLocation": e.location, "preferredLanguage": "en-US", "userPrincipalName": e.email,
                    "department": job.department, "companyName": "Acme", "employeeId": e.employee_id,
                    "accountEnabled": not left, "employeeHireDate": timefmt.iso_z(datetime.combine(e.start_date, time())),
                    "assignedLicenses": licences if not left else [], "assignedPlans": plans,
                    "_manager": manager,
                })
            return out
        return self.s.cached(("graph-users",), build)

    async def users(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        return await run_in_threadpool(self._users, request)

    def _users(self, request: Request):
        q = request.query_params
        try:
            top = int_param(q.get("$top"), 100, 1, 999)
            skip = int(paging.decode(q["$skiptoken"])) if q.get("$skiptoken") else 0
        except (BadParam, ValueError) as e:
            return _graph_error(400, "Request_BadRequest", f"Invalid paging parameter: {e}")
        if "$skip" in q:
            return _graph_error(400, "Request_BadRequest", "'$skip' is not supported by the service.")
        select = [p for p in q.get("$select", "").split(",") if p] or list(DEFAULT_USER_PROPS)
        expand = q.get("$expand", "")
        manager_select = None
        if expand:
            m = re.fullmatch(r"manager(?:\(\$select=([^)]*)\))?", expand)
            if not m:
                return _graph_error(400, "Request_BadRequest", f"Expand on '{expand}' is not supported by the sandbox.")
            manager_select = (m.group(1) or "id,displayName,userPrincipalName,mail").split(",")
        rows = self._user_objects()
        page = rows[skip: skip + top]
        value = []
        for u in page:
            item = {k: u.get(k) for k in select if k != "manager"}
            if manager_select is not None and u["_manager"] is not None:
                mgr = u["_manager"]
                mobj = {"id": mgr.graph_id, "displayName": mgr.display_name, "userPrincipalName": mgr.email,
                        "mail": mgr.email, "jobTitle": mgr.assignment_at(self.s.now.date()).job_title}
                item["manager"] = {"@odata.type": "#microsoft.graph.user", **{k: mobj.get(k) for k in manager_select}}
            value.append(item)
        value = self.s.faults.records("msgraph", request.url.path, value,
                                      None, id_key="id", time_keys=("employeeHireDate",))
        body = {"@odata.context": self.s.url(f"/graph/v1.0/$metadata#users({','.join(select)})")}
        if skip + top < len(rows):
            params = {k: v for k, v in q.items() if k != "$skiptoken"}
            params["$skiptoken"] = paging.encode(str(skip + top))
            body["@odata.nextLink"] = self.s.url("/graph/v1.0/users?" + urlencode(params))
        body["value"] = value
        return json_response(body)

    # --- delta query: the directory's incremental feed ---------------------------------------
    def _changed_between(self, since, until) -> tuple[set[str], set[str]]:
        """Graph ids of users whose record changed in (since, until], and of users deleted then."""
        changed, removed = set(), set()
        seat_days: dict[int, list] = {}
        for seat in self.org.seats.for_tool("m365_copilot"):
            seat_days.setdefault(seat.person, []).extend(d for d in (seat.start, seat.end) if d is not None)
        for e in self.org.people.employees:
            days = [e.start_date, *(a.valid_from for a in e.history[1:]), *seat_days.get(e.idx, [])]
            if e.end_date is not None:
                days.append(e.end_date + timedelta(days=1))  # disabled the day after leaving
                gone = e.end_date + timedelta(days=31)
                if since < gone <= until:
                    removed.add(e.graph_id)
            if any(since < d <= until for d in days):
                changed.add(e.graph_id)
        return changed - removed, removed

    async def users_delta(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        return await run_in_threadpool(self._users_delta, request)

    def _users_delta(self, request: Request):
        q = request.query_params
        select = [p for p in q.get("$select", "").split(",") if p] or list(DEFAULT_USER_PROPS)
        try:
            if q.get("$skiptoken"):
                offset, since, started = paging.decode(q["$skiptoken"]).split("|")
                offset = int(offset)
            else:
                offset, started = 0, self.s.now.isoformat()
                since = paging.decode(q["$deltatoken"]) if q.get("$deltatoken") else ""
            since_day = datetime.fromisoformat(since).date() if since else None
        except (BadParam, ValueError) as e:
            return _graph_error(400, "Request_BadRequest", f"Invalid delta or skip token: {e}")
        users = self._user_objects()
        if since_day is None:
            rows = [{k: u.get(k) for k in select} for u in users]
        else:
            changed, removed = self._changed_between(since_day, self.s.now.date())
            rows = [{k: u.get(k) for k in select} for u in users if u["id"] in changed]
            rows += [{"id": gid, "@removed": {"reason": "changed"}} for gid in sorted(removed)]
        page_size = 200
        page = rows[offset: offset + page_size]
        body: dict = {"@odata.context": self.s.url("/graph/v1.0/$metadata#users")}
        keep = {k: v for k, v in q.items() if k not in ("$skiptoken", "$deltatoken")}
        if offset + page_size < len(rows):
            keep["$skiptoken"] = paging.encode(f"{offset + page_size}|{since}|{started}")
            body["@odata.nextLink"] = self.s.url("/graph/v1.0/users/delta?" + urlencode(keep))
        else:
            keep["$deltatoken"] = paging.encode(started)
            body["@odata.deltaLink"] = self.s.url("/graph/v1.0/users/delta?" + urlencode(keep))
        body["value"] = page
        return json_response(body)

    async def subscribed_skus(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        users = self._user_objects()
        copilot = sum(1 for u in users if any(lic["skuId"] == COPILOT_SKU for lic in u["assignedLicenses"]))
        e3 = sum(1 for u in users if u["assignedLicenses"])
        tenant = self.s.credentials.msgraph_tenant_id
        return json_response({"@odata.context": self.s.url("/graph/v1.0/$metadata#subscribedSkus"), "value": [
            {"accountName": "Acme", "appliesTo": "User", "capabilityStatus": "Enabled", "consumedUnits": copilot,
             "id": f"{tenant}_{COPILOT_SKU}", "prepaidUnits": {"enabled": copilot + 25, "suspended": 0, "warning": 0,
                                                               "lockedOut": 0},
             "servicePlans": [{"servicePlanId": COPILOT_PLAN, "servicePlanName": "M365_COPILOT_APPS",
                               "provisioningStatus": "Success", "appliesTo": "User"}],
             "skuId": COPILOT_SKU, "skuPartNumber": "Microsoft_365_Copilot"},
            {"accountName": "Acme", "appliesTo": "User", "capabilityStatus": "Enabled", "consumedUnits": e3,
             "id": f"{tenant}_{E3_SKU}", "prepaidUnits": {"enabled": e3 + 50, "suspended": 0, "warning": 0, "lockedOut": 0},
             "servicePlans": [], "skuId": E3_SKU, "skuPartNumber": "SPE_E3"},
        ]})

    # --- Copilot usage report -----------------------------------------------------------------
    def report_rows(self, period: str) -> list[dict]:
        """One row per Copilot-licensed user on the report refresh date."""
        refresh = self.s.now.date() - timedelta(days=REPORT_LAG_DAYS)
        usage = self.org.usage.tools["m365_copilot"]
        last_any = usage.last_active(refresh)
        last_app = {app: usage.last_active(refresh, (usage.apps & (1 << i)) != 0) for i, app in enumerate(M365_APPS)}
        people = self.org.people.employees
        rows = []
        for i, s in enumerate(usage.seats):
            if not (s.start <= refresh and (s.end is None or s.end > refresh)):
                continue
            e = people[s.person]
            upn, name = e.email, e.display_name
            if self.s.msgraph_concealed:
                upn = name = hashlib.md5(e.email.encode()).hexdigest().upper()

            def day(ix) -> str:
                return "" if ix < 0 else (usage.start + timedelta(days=int(ix))).isoformat()

            row = {"reportRefreshDate": refresh.isoformat(), "userPrincipalName": upn, "displayName": name,
                   "lastActivityDate": day(last_any[i])}
            for app, key in APP_KEYS.items():
                row[key] = day(last_app[app][i])
            row["copilotActivityUserDetailsByPeriod"] = [{"reportPeriod": PERIODS[period]}]
            rows.append(row)
        rows.sort(key=lambda r: r["userPrincipalName"])
        return rows

    def _period(self, request: Request) -> str | None:
        m = _REPORT.match(request.path_params["call"])
        if not m or m.group(1) not in PERIODS:
            return None
        return m.group(1)

    async def report_json(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        period = self._period(request)
        if period is None:
            return _graph_error(400, "BadRequest", "Resource not found for the segment or invalid period; "
                                "use getMicrosoft365CopilotUsageUserDetail(period='D7|D30|D90|D180|ALL').")
        rows = await run_in_threadpool(lambda: self.s.cached(("graph-report", period), lambda: self.report_rows(period)))
        q = request.query_params
        try:
            top = int_param(q.get("$top"), 200, 1, 1000)
            skip = int(paging.decode(q["$skiptoken"])) if q.get("$skiptoken") else 0
        except (BadParam, ValueError) as e:
            return _graph_error(400, "BadRequest", f"Invalid paging parameter: {e}")
        page = self.s.faults.records("msgraph", request.url.path, rows[skip: skip + top], None,
                                     id_key="userPrincipalName", time_keys=("lastActivityDate",))
        body: dict = {"@odata.context": self.s.url("/graph/beta/$metadata#Collection(microsoft.graph.copilotUsageUserDetail)")}
        if skip + top < len(rows):
            params = {k: v for k, v in q.items() if k != "$skiptoken"}
            params["$skiptoken"] = paging.encode(str(skip + top))
            body["@odata.nextLink"] = self.s.url(request.url.path + "?" + urlencode(params))
        body["value"] = page
        return json_response(body)

    async def report_csv(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        period = self._period(request)
        if period is None:
            return _graph_error(400, "BadRequest", "use getMicrosoft365CopilotUsageUserDetail(period='D7|D30|D90|D180|ALL').")
        rows = await run_in_threadpool(lambda: self.s.cached(("graph-report", period), lambda: self.report_rows(period)))
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(CSV_COLUMNS)
        keys = ("copilotChatLastActivityDate", "microsoftTeamsCopilotLastActivityDate", "wordCopilotLastActivityDate",
                "excelCopilotLastActivityDate", "powerPointCopilotLastActivityDate", "outlookCopilotLastActivityDate",
                "oneNoteCopilotLastActivityDate", "loopCopilotLastActivityDate")
        for r in rows:
            w.writerow([r["reportRefreshDate"], r["userPrincipalName"], r["displayName"], r["lastActivityDate"],
                        *[r[k] for k in keys], PERIODS[period]])
        # Graph CSV reports start with a UTF-8 byte order mark
        return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="application/octet-stream",
                        headers={"Content-Disposition": "attachment; filename=\"Microsoft365CopilotUsageUserDetail.csv\""})
