"""ServiceNow Table API: incident, sys_audit, sys_user_group, sys_user, sys_user_grmember,
cmn_department, as of the simulated now, with offset paging, Link and X-Total-Count headers."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from sandbox.gen_servicenow import CLOSED, RESOLVED
from sandbox.ids import hex_id
from sandbox.routing import SERVICENOW_GROUPS
from sandbox.server import snquery, timefmt
from sandbox.server.auth import basic_credentials
from sandbox.server.http import BadParam, int_param, json_response
from sandbox.server.state import ServerState

TABLES = ("incident", "sys_audit", "sys_user_group", "sys_user", "sys_user_grmember", "cmn_department")
REFERENCES = {  # table -> field -> referenced table
    "incident": {"assignment_group": "sys_user_group", "assigned_to": "sys_user", "caller_id": "sys_user",
                 "opened_by": "sys_user", "resolved_by": "sys_user"},
    "sys_user": {"department": "cmn_department", "manager": "sys_user"},
    "sys_user_group": {"manager": "sys_user"},
    "sys_user_grmember": {"user": "sys_user", "group": "sys_user_group"},
    "sys_audit": {}, "cmn_department": {},
}
STATE_LABELS = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed"}
AUDITED = ("assignment_group", "assigned_to", "state")


def routes(state: ServerState) -> list[Route]:
    api = ServiceNowApi(state)
    return [Route("/api/now/table/{table}", api.table), Route("/api/now/v2/table/{table}", api.table)]


def _failure(status: int, message: str, detail: str):
    return json_response({"error": {"message": message, "detail": detail}, "status": "failure"}, status)


class ServiceNowApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org
        self.sn = state.org.servicenow

    def _auth(self, request: Request):
        c = self.s.credentials
        if basic_credentials(request) == (c.servicenow_user, c.servicenow_password):
            return None
        return _failure(401, "User Not Authenticated", "Required to provide Auth information")

    async def table(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        table = request.path_params["table"]
        if table not in TABLES:
            return _failure(400, "Invalid table " + table, None)
        if table in self.s.servicenow_denied_tables:
            return _failure(403, "User Not Authorized", f"Insufficient rights to query records in {table}; "
                            "grant the integration user a role that can read it (sys_audit needs admin or audit_read)")
        return await run_in_threadpool(self._table, request, table)

    def _table(self, request: Request, table: str):
        q = request.query_params
        records = self._records(table)
        known = set(records[0]) if records else {"sys_id", "sys_updated_on"}
        try:
            query = snquery.parse(q.get("sysparm_query", ""), known | {"sys_id", "sys_updated_on", "sys_created_on"})
            limit = int_param(q.get("sysparm_limit"), 10000, 1, 10000)
            offset = int_param(q.get("sysparm_offset"), 0, 0, 10**9)
        except (snquery.QueryError, BadParam) as e:
            return _failure(400, "Invalid query", str(e))
        # Every page of a paged read asks the same query: filter and sort the table once per clock tick.
        rows = self.s.cached(("sn-query", table, q.get("sysparm_query", "")), lambda: query.filter(records))
        total = len(rows)
        page = rows[offset: offset + limit]
        display = q.get("sysparm_display_value", "false").lower()
        exclude_links = q.get("sysparm_exclude_reference_link", "false").lower() == "true"
        fields = [f for f in q.get("sysparm_fields", "").split(",") if f]
        refs = REFERENCES[table]
        result = [self._render(r, refs, display, exclude_links, fields) for r in page]
        previous = self._render(rows[offset - 1], refs, display, exclude_links, fields) if offset > 0 and page else None
        result = self.s.faults.records("servicenow", request.url.path, result, previous, id_key="sys_id",
                                       time_keys=("sys_updated_on", "sys_created_on"))
        headers = {"X-Total-Count": str(total)}
        if q.get("sysparm_suppress_pagination_header", "false").lower() != "true":
            headers["Link"] = self._links(request, table, offset, limit, total)
        return json_response({"result": result}, 200, headers)

    def _links(self, request: Request, table: str, offset: int, limit: int, total: int) -> str:
        params = {k: v for k, v in request.query_params.items() if k not in ("sysparm_offset", "sysparm_limit")}

        def link(off: int, rel: str) -> str:
            url = self.s.url(f"/servicenow/api/now/table/{table}?"
                             + urlencode({**params, "sysparm_limit": limit, "sysparm_offset": off}))
            return f"<{url}>;rel=\"{rel}\""

        last = max(0, (total - 1) // limit * limit)
        parts = [link(0, "first")]
        if offset > 0:
            parts.append(link(max(0, offset - limit), "prev"))
        if offset + limit < total:
            parts.append(link(offset + limit, "next"))
        parts.append(link(last, "last"))
        return ",".join(parts)

    def _render(self, record: dict, refs: dict, display: str, exclude_links: bool, fields: list[str]) -> dict:
        out = {}
        for name in fields or record:
            if name not in record:
                out[name] = ""
                continue
            value = record[name]
            if name in refs:
                sys_id = value
                if sys_id in ("", None):
                    out[name] = "" if display == "false" else {"display_value": "", "value": ""} if display == "all" else ""
                    continue
                link = self.s.url(f"/servicenow/api/now/table/{refs[name]}/{sys_id}")
                label = self._label(refs[name], sys_id)
                if display == "true":
                    out[name] = label if exclude_links else {"display_value": label, "link": link}
                elif display == "all":
                    out[name] = {"display_value": label, "value": sys_id} if exclude_links else \
                        {"display_value": label, "link": link, "value": sys_id}
                else:
                    out[name] = sys_id if exclude_links else {"link": link, "value": sys_id}
            else:
                text = "" if value is None else str(value)
                if display == "all":
                    shown = STATE_LABELS.get(text, text) if name in ("state", "incident_state") else text
                    out[name] = {"display_value": shown, "value": text}
                elif display == "true" and name in ("state", "incident_state"):
                    out[name] = STATE_LABELS.get(text, text)
                else:
                    out[name] = text
        return out

    def _label(self, table: str, sys_id: str) -> str:
        labels = self.s.cached(("sn-labels",), self._build_labels)
        return labels.get((table, sys_id), sys_id)

    def _build_labels(self) -> dict:
        out = {}
        for name, sid in self.sn.groups.items():
            out[("sys_user_group", sid)] = name
        for name, sid in self.sn.departments.items():
            out[("cmn_department", sid)] = name
        for e in self.org.people.employees:
            out[("sys_user", e.servicenow_sys_id)] = e.display_name
        return out

    # --- tables as plain string records ----------------------------------------------------------
    def _records(self, table: str) -> list[dict]:
        return self.s.cached(("sn-table", table), lambda: getattr(self, f"_t_{table}")())

    def _uid(self, idx: int | None) -> str:
        return "" if idx is None else self.org.people.employees[idx].servicenow_sys_id

    def _user_name(self, idx: int | None) -> str:
        return "system" if idx is None else self.org.people.employees[idx].email.split("@")[0]

    def _t_incident(self) -> list[dict]:
        now = self.s.now
        groups = self.sn.groups
        out = []
        for t in self.sn.tickets:
            if t.created > now:
                continue
            st = t.state_at(now)
            changes = t.changes_until(now)
            updated = changes[-1][0] if changes else t.created
            out.append({
                "sys_id": st["sys_id"], "number": t.key, "state": st["state"], "incident_state": st["state"],
                "short_description": st["short_description"], "category": st["category"],
                "subcategory": st["subcategory"], "priority": st["priority"],
                "impact": "2", "urgency": "2", "active": "false" if st["state"] in (RESOLVED, CLOSED) else "true",
                "assignment_group": groups[st["assignment_group"]], "assigned_to": self._uid(st["assigned_to"]),
                "caller_id": self._uid(st["caller_id"]), "opened_by": self._uid(st["caller_id"]),
                "resolved_by": self._uid(st["assigned_to"]) if st["resolved_at"] else "",
                "reassignment_count": str(st["reassignment_count"]), "reopen_count": str(st["reopen_count"]),
                "opened_at": timefmt.servicenow(t.created), "resolved_at": timefmt.servicenow(st["resolved_at"]),
                "closed_at": timefmt.servicenow(st["closed_at"]),
                "sys_created_on": timefmt.servicenow(t.created), "sys_created_by": self._user_name(st["caller_id"]),
                "sys_updated_on": timefmt.servicenow(updated), "sys_updated_by": self._user_name(changes[-1][1] if changes else None),
                "sys_mod_count": str(len(changes)),
            })
        return out

    def _t_sys_audit(self) -> list[dict]:
        now = self.s.now
        groups = self.sn.groups
        out = []
        for t in self.sn.tickets:
            if t.created > now:
                continue
            for when, author, items, cid in t.changes_until(now):
                for k, (name, old, new) in enumerate(items):
                    if name not in AUDITED:
                        continue
                    if name == "assignment_group":
                        old_v, new_v = groups[old], groups[new]
                    elif name == "assigned_to":
                        old_v, new_v = self._uid(old), self._uid(new)
                    else:
                        old_v, new_v = old, new
                    out.append({
                        "sys_id": hex_id(self.org.seed, "sn-audit", cid * 10 + k), "tablename": "incident",
                        "fieldname": name, "documentkey": t.fields["sys_id"], "oldvalue": old_v or "",
                        "newvalue": new_v or "", "user": self._user_name(author), "reason": "",
                        "record_checkpoint": str(cid), "internal_checkpoint": f"{cid:x}",
                        "sys_created_on": timefmt.servicenow(when), "sys_created_by": self._user_name(author),
                        "sys_updated_on": timefmt.servicenow(when),
                    })
        return out

    def _t_sys_user_group(self) -> list[dict]:
        created = timefmt.servicenow(timefmt.day_start(self.org.timeline.start) - timedelta(days=900))
        return [{"sys_id": sid, "name": name, "description": f"{SERVICENOW_GROUPS[name]} assignment group",
                 "active": "true", "email": "", "manager": "", "type": "", "sys_created_on": created,
                 "sys_updated_on": created} for name, sid in self.sn.groups.items()]

    def _t_cmn_department(self) -> list[dict]:
        created = timefmt.servicenow(timefmt.day_start(self.org.timeline.start) - timedelta(days=900))
        return [{"sys_id": sid, "name": name, "id": name[:3].upper(), "sys_created_on": created,
                 "sys_updated_on": created} for name, sid in self.sn.departments.items()]

    def _t_sys_user(self) -> list[dict]:
        today = self.s.now.date()
        people = self.org.people.employees
        out = []
        for e in people:
            if e.start_date > today:
                continue
            left = e.end_date is not None and e.end_date < today
            job = e.assignment_at(e.end_date if left else today)
            # the record changes on the start date, on each job change and on leaving
            changed = max([a.valid_from for a in e.history if a.valid_from <= today] + [e.start_date]
                          + ([e.end_date] if left else []))
            out.append({
                "sys_id": e.servicenow_sys_id, "user_name": e.email.split("@")[0], "email": e.email,
                "first_name": e.first_name, "last_name": e.last_name, "name": e.display_name,
                "employee_number": e.employee_id, "title": job.job_title,
                "department": self.sn.departments[job.department], "manager": self._uid(job.manager),
                "active": "false" if left else "true", "locked_out": "false",
                "sys_created_on": timefmt.servicenow(timefmt.day_start(e.start_date) + timedelta(hours=8)),
                "sys_updated_on": timefmt.servicenow(timefmt.day_start(changed) + timedelta(hours=8)),
            })
        return out

    def _t_sys_user_grmember(self) -> list[dict]:
        today = self.s.now.date()
        out = []
        for name, dept in SERVICENOW_GROUPS.items():
            for idx in self.org.people.by_department[dept]:
                e = self.org.people.employees[idx]
                if not e.employed_on(today) or e.assignment_at(today).department != dept:
                    continue
                out.append({"sys_id": hex_id(self.org.seed, f"sn-member-{name}", idx), "group": self.sn.groups[name],
                            "user": e.servicenow_sys_id,
                            "sys_created_on": timefmt.servicenow(timefmt.day_start(e.start_date)),
                            "sys_updated_on": timefmt.servicenow(timefmt.day_start(e.start_date))})
        return out

