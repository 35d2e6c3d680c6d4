"""Zendesk Support API v2: cursor-based incremental tickets (with metric_sets), the time-based
incremental ticket event export, audits, metrics, satisfaction ratings, groups and users, all as of
the simulated now."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from sandbox import schedules
from sandbox.gen_zendesk import Customer
from sandbox.routing import ZENDESK_GROUPS
from sandbox.server import paging, timefmt
from sandbox.server.auth import basic_credentials
from sandbox.server.http import BadParam, int_param, json_response
from sandbox.server.state import ServerState
from sandbox.tickets import Ticket

SYSTEM_USER = -1
EVENTS_PER_PAGE = 1000
# The ticket event export names an audit's channel as the agent interface shows it, not by its id.
VIA_NAMES = {"web": "Web form", "email": "Mail", "chat": "Chat", "api": "Web service", "rule": "Rule"}
# Keys of a Create/Change child event that are not the changed field itself.
CHILD_KEYS = ("id", "via", "via_reference_id", "event_type")
FORM_ID, BRAND_ID, DEPT_FIELD = 360000011111, 360000022222, 360000033333


def routes(state: ServerState) -> list[Route]:
    api = ZendeskApi(state)
    return [
        Route("/api/v2/incremental/tickets/cursor.json", api.incremental_tickets),
        Route("/api/v2/incremental/users/cursor.json", api.incremental_users),
        Route("/api/v2/incremental/ticket_events.json", api.incremental_ticket_events),
        Route("/api/v2/incremental/ticket_events", api.incremental_ticket_events),
        Route("/api/v2/tickets/{id:int}.json", api.ticket),
        Route("/api/v2/tickets/{id:int}/audits.json", api.audits),
        Route("/api/v2/tickets/{id:int}/audits", api.audits),
        Route("/api/v2/tickets/{id:int}/metrics.json", api.ticket_metrics_one),
        Route("/api/v2/tickets/{id:int}/metrics", api.ticket_metrics_one),
        Route("/api/v2/ticket_metrics.json", api.ticket_metrics),
        Route("/api/v2/ticket_metrics", api.ticket_metrics),
        Route("/api/v2/satisfaction_ratings.json", api.satisfaction_ratings),
        Route("/api/v2/satisfaction_ratings", api.satisfaction_ratings),
        Route("/api/v2/groups.json", api.groups),
        Route("/api/v2/groups", api.groups),
        Route("/api/v2/users.json", api.users),
        Route("/api/v2/users", api.users),
        Route("/api/v2/business_hours/schedules.json", api.schedules),
        Route("/api/v2/business_hours/schedules", api.schedules),
        Route("/api/v2/business_hours/schedules/{id:int}/holidays.json", api.holidays),
        Route("/api/v2/business_hours/schedules/{id:int}/holidays", api.holidays),
    ]


def _error(status: int, error: str, description: str):
    return json_response({"error": error, "description": description}, status)


class ZendeskApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org
        self.z = state.org.zendesk
        self.base = "/zendesk/api/v2"
        self._customer_ids: dict[int, Customer] | None = None

    def _auth(self, request: Request):
        c = self.s.credentials
        if basic_credentials(request) != (f"{c.zendesk_email}/token", c.zendesk_api_token):
            return json_response({"error": "Couldn't authenticate you"}, 401)
        return None

    # --- identities ----------------------------------------------------------------------------
    def _agent_id(self, idx: int | None) -> int | None:
        return None if idx is None else self.org.people.employees[idx].zendesk_user_id

    def _customers(self) -> dict[int, Customer]:
        if self._customer_ids is None:  # customers do not change with the clock
            self._customer_ids = {c.id: c for c in self.z.customers}
        return self._customer_ids

    # --- ticket views --------------------------------------------------------------------------
    def _visible(self) -> list[tuple[datetime, Ticket]]:
        now = self.s.now

        def build():
            rows = [(t.updated_at(now), t) for t in self.z.tickets if t.created <= now]
            rows.sort(key=lambda r: (r[0], r[1].id))
            return rows
        return self.s.cached(("zd-visible",), build)

    def _export_order(self) -> tuple[list[tuple[int, int]], list[tuple[datetime, Ticket]]]:
        """Visible tickets in the export's cursor order, (Unix second, id), with those keys alongside."""
        def build():
            rows = sorted(self._visible(), key=lambda r: (timefmt.epoch(r[0]), r[1].id))
            return [(timefmt.epoch(u), t.id) for u, t in rows], rows
        return self.s.cached(("zd-export-order",), build)

    def _export_rows(self, ts: int, last_id: int, cutoff: datetime, limit: int) -> list[tuple[datetime, Ticket]]:
        """Up to `limit` tickets after the cursor (ts, last_id), changed at or before `cutoff`."""
        keys, rows = self._export_order()
        first = bisect_right(keys, (ts, last_id))
        second = timefmt.epoch(cutoff)
        whole = bisect_left(keys, (second, -1))  # before it, every ticket is older than the cutoff's second
        end = bisect_right(keys, (second, 10**18))
        out = rows[first:min(whole, first + limit)] if first < whole else []
        if len(out) < limit:
            out += [r for r in rows[max(first, whole):end] if r[0] <= cutoff][: limit - len(out)]
        return out

    def _by_id(self) -> dict[int, Ticket]:
        return self.s.cached(("zd-ids",), lambda: {t.id: t for t in self.z.tickets})

    def _find(self, ticket_id: int) -> Ticket | None:
        t = self._by_id().get(ticket_id)
        return t if t is not None and t.created <= self.s.now else None

    def ticket_json(self, t: Ticket, now: datetime) -> dict:
        st = t.state_at(now)
        updated = t.updated_at(now)
        rating = st["satisfaction"]
        if rating is None:
            rating = {"score": "offered" if st["status"] in ("solved", "closed") else "unoffered"}
        customer = self._customers()[st["requester"]]
        return {
            "url": self.s.url(f"{self.base}/tickets/{t.id}.json"), "id": t.id, "external_id": None,
            "via": {"channel": st["channel"], "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": timefmt.iso_z(t.created), "updated_at": timefmt.iso_z(updated),
            "generated_timestamp": timefmt.epoch(updated), "type": st["type"], "subject": st["subject"],
            "raw_subject": st["subject"], "description": st["subject"], "priority": st["priority"], "status": st["status"],
            "recipient": None, "requester_id": customer.id, "submitter_id": customer.id,
            "assignee_id": self._agent_id(st["assignee"]), "organization_id": customer.organization_id,
            "group_id": self.z.groups[st["group"]], "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [],
            "forum_topic_id": None, "problem_id": None, "has_incidents": False, "is_public": True, "due_at": None,
            "tags": list(st["tags"]), "custom_fields": [{"id": DEPT_FIELD, "value": None}],
            "satisfaction_rating": rating, "sharing_agreement_ids": [], "custom_status_id": 360000044444,
            "fields": [{"id": DEPT_FIELD, "value": None}], "followup_ids": [], "ticket_form_id": FORM_ID,
            "brand_id": BRAND_ID, "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
        }

    def metric_json(self, t: Ticket, now: datetime) -> dict:
        st = t.state_at(now)
        changes = t.changes_until(now)
        groups, assignees, reopens = 1, 0, 0
        initially_assigned = assigned = status_updated = last_solved = first_solved = None
        for when, _, items, _ in changes:
            for name, old, new in items:
                if name == "group":
                    groups += 1
                elif name == "assignee" and new is not None:
                    assignees += 1
                    initially_assigned = initially_assigned or when
                    assigned = when
                elif name == "status":
                    status_updated = when
                    if old == "solved" and new == "open":
                        reopens += 1
                    if new == "solved":
                        last_solved = when
                        first_solved = first_solved or when
        comments = t.comments_until(now)
        public = [c for c in comments if c[3] and c[1] is not None]
        solved_now = st["status"] in ("solved", "closed")

        def span(end: datetime | None):
            if end is None:
                return {"calendar": None, "business": None}
            return {"calendar": int((end - t.created).total_seconds() // 60), "business": schedules.business_minutes(t.created, end)}

        full = span(last_solved if solved_now else None)
        return {
            "url": self.s.url(f"{self.base}/ticket_metrics/{t.id + 7_000_000}.json"), "id": t.id + 7_000_000,
            "ticket_id": t.id, "created_at": timefmt.iso_z(t.created), "updated_at": timefmt.iso_z(t.updated_at(now)),
            "group_stations": groups, "assignee_stations": assignees, "reopens": reopens, "replies": len(public),
            "assignee_updated_at": timefmt.iso_z(assigned), "requester_updated_at": timefmt.iso_z(t.created),
            "status_updated_at": timefmt.iso_z(status_updated or t.created),
            "initially_assigned_at": timefmt.iso_z(initially_assigned), "assigned_at": timefmt.iso_z(assigned),
            "solved_at": timefmt.iso_z(last_solved if solved_now else None),
            "latest_comment_added_at": timefmt.iso_z(comments[-1][0] if comments else None),
            "reply_time_in_minutes": span(public[0][0] if public else None),
            "first_resolution_time_in_minutes": span(first_solved),
            "full_resolution_time_in_minutes": full,
            "agent_wait_time_in_minutes": {"calendar": 0, "business": 0},
            "requester_wait_time_in_minutes": full,
            "on_hold_time_in_minutes": {"calendar": 0, "business": 0},
            "custom_status_updated_at": timefmt.iso_z(status_updated or t.created),
        }

    # --- incremental export ---------------------------------------------------------------------
    async def incremental_tickets(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        return await run_in_threadpool(self._incremental_tickets, request)

    def _position(self, request: Request) -> tuple[int, int]:
        q = request.query_params
        if q.get("cursor"):
            ts, _, rest = paging.decode(q["cursor"]).partition(".0||")
            return int(ts), int(rest.strip("|"))
        if not q.get("start_time"):
            raise BadParam("start_time or cursor is required")
        start = int(q["start_time"])
        if start > timefmt.epoch(self.s.now) - 60:
            raise BadParam("Too recent start_time. Use a start_time older than 1 minute")
        return start, -1  # ticket ids are positive: -1 keeps every ticket at start_time

    def _incremental_tickets(self, request: Request):
        try:
            ts, last_id = self._position(request)
            per_page = int_param(request.query_params.get("per_page"), 1000, 1, 1000)
        except (BadParam, ValueError) as e:
            return _error(400, "InvalidValue", str(e))
        includes = set(request.query_params.get("include", "").split(","))
        cutoff = self.s.now - timedelta(minutes=1)  # Zendesk leaves out the last minute's changes
        rows = self._export_rows(ts, last_id, cutoff, per_page + 1)
        page = rows[:per_page]
        now = self.s.now
        tickets = [self.ticket_json(t, now) for _, t in page]
        prev = None
        tickets = self.s.faults.records("zendesk", request.url.path, tickets, prev, id_key="id",
                                        time_keys=("updated_at",))
        if page:
            after = paging.encode(f"{timefmt.epoch(page[-1][0])}.0||{page[-1][1].id}|")
        else:
            after = request.query_params.get("cursor") or paging.encode(f"{ts}.0||{last_id}|")
        body = {"tickets": tickets, "after_cursor": after,
                "after_url": self.s.url(f"{self.base}/incremental/tickets/cursor.json?"
                                        + urlencode(_keep(request, cursor=after))),
                "before_cursor": None, "before_url": None, "end_of_stream": len(rows) <= per_page}
        if "metric_sets" in includes:
            body["metric_sets"] = [self.metric_json(t, now) for _, t in page]
        if "groups" in includes:
            body["groups"] = self._groups_json()
        return json_response(body)

    async def incremental_users(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        try:
            ts, last_id = self._position(request)
            per_page = int_param(request.query_params.get("per_page"), 1000, 1, 1000)
        except (BadParam, ValueError) as e:
            return _error(400, "InvalidValue", str(e))
        keys, users = self.s.cached(("zd-users-sorted",), self._users_in_export_order)
        rows = users[bisect_right(keys, (ts, last_id)):]
        page = [{k: v for k, v in u.items() if k != "_ts"} for u in rows[:per_page]]
        after = paging.encode(f"{rows[per_page - 1 if len(rows) > per_page else -1]['_ts']}.0||"
                              f"{rows[per_page - 1 if len(rows) > per_page else -1]['id']}|") if rows else \
            (request.query_params.get("cursor") or paging.encode(f"{ts}.0||{last_id}|"))
        return json_response({"users": page, "after_cursor": after,
                              "after_url": self.s.url(f"{self.base}/incremental/users/cursor.json?"
                                                      + urlencode(_keep(request, cursor=after))),
                              "before_cursor": None, "before_url": None, "end_of_stream": len(rows) <= per_page})

    # --- incremental ticket event export (time-based) -------------------------------------------
    def _audit_index(self) -> tuple[list[tuple[int, int]], list[tuple]]:
        """Every audit up to now as (Unix seconds, audit id), sorted, and alongside what renders it:
        (ticket, None) for the creation audit, (ticket, change) or (ticket, comment) for the others."""
        now = self.s.now

        def build():
            rows = []
            for t in self.z.tickets:
                if t.created > now:
                    continue
                rows.append((timefmt.epoch(t.created), 9_000_000_000 + t.id * 100, t, None, None))
                for change in t.changes_until(now):
                    rows.append((timefmt.epoch(change[0]), 9_500_000_000 + change[3], t, change, None))
                for c in t.comments_until(now):
                    rows.append((timefmt.epoch(c[0]), 9_500_000_000 + c[4], t, None, c))
            rows.sort(key=lambda r: (r[0], r[1]))
            return [(r[0], r[1]) for r in rows], [r[2:] for r in rows]
        return self.s.cached(("zd-audit-index",), build)

    def _audit(self, t: Ticket, change, comment) -> dict:
        if change is not None:
            return self._change_audit(t, change)
        return self._comment_audit(t, comment) if comment is not None else self._creation_audit(t)

    async def incremental_ticket_events(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        return await run_in_threadpool(self._incremental_ticket_events, request)

    def _incremental_ticket_events(self, request: Request):
        q = request.query_params
        try:
            if not q.get("start_time"):
                raise BadParam("start_time is required")
            start = int(q["start_time"])
            per_page = int_param(q.get("per_page"), EVENTS_PER_PAGE, 1, EVENTS_PER_PAGE)
        except (BadParam, ValueError) as e:
            return _error(400, "InvalidValue", str(e))
        cutoff = timefmt.epoch(self.s.now) - 60  # Zendesk leaves out the last minute's events
        if start > cutoff:
            return _error(400, "InvalidValue", "Too recent start_time. Use a start_time older than 1 minute")
        keys, renderers = self._audit_index()
        first = bisect_left(keys, (start, 0))
        last = bisect_right(keys, (cutoff, 10**13))
        stop = min(first + per_page, last)
        if stop < last and stop > first:
            # A page ends on a second boundary: every event of its last second is on it.
            stop = bisect_right(keys, (keys[stop - 1][0], 10**13), lo=stop)
        chosen = range(first, stop)
        end_of_stream = stop - first < per_page
        end_time = keys[stop - 1][0] if stop > first else start
        if not end_of_stream and end_time == start:
            end_time += 1  # a page wholly inside one second: the next starts after it
        comments = "comment_events" in q.get("include", "").split(",")
        events = [_ticket_event(self._audit(*renderers[i]), keys[i][0], comments) for i in chosen]
        nxt = self.s.url(f"{self.base}/incremental/ticket_events.json?" + urlencode(_keep(request, start_time=end_time)))
        return json_response({"ticket_events": events, "next_page": nxt, "count": len(events),
                              "end_of_stream": end_of_stream, "end_time": end_time})

    # --- single ticket, audits, metrics ---------------------------------------------------------
    async def ticket(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        t = self._find(request.path_params["id"])
        if t is None:
            return json_response({"error": "RecordNotFound", "description": "Not found"}, 404)
        return json_response({"ticket": self.ticket_json(t, self.s.now)})

    def audits_json(self, t: Ticket, now: datetime) -> list[dict]:
        rows = [(when, change[3], self._change_audit(t, change)) for change in t.changes_until(now)
                for when in (change[0],)]
        rows += [(comment[0], comment[4], self._comment_audit(t, comment)) for comment in t.comments_until(now)]
        rows.sort(key=lambda r: (r[0], r[1]))
        return [self._creation_audit(t)] + [r[2] for r in rows]

    def _creation_audit(self, t: Ticket) -> dict:
        groups = self.z.groups
        customer = self._customers()[t.fields["requester"]]
        created_id = 9_000_000_000 + t.id * 100
        return {
            "id": created_id, "ticket_id": t.id, "created_at": timefmt.iso_z(t.created), "author_id": customer.id,
            "metadata": {"system": {"client": "Mozilla/5.0", "location": "Amsterdam, NH, Netherlands"}, "custom": {}},
            "via": {"channel": t.fields["channel"], "source": {"from": {}, "to": {}, "rel": None}},
            "events": [
                {"id": created_id + 1, "type": "Comment", "author_id": customer.id, "body": t.fields["subject"],
                 "html_body": f"<p>{t.fields['subject']}</p>", "plain_body": t.fields["subject"], "public": True,
                 "attachments": [], "audit_id": created_id},
                {"id": created_id + 2, "type": "Create", "field_name": "status", "value": "new"},
                {"id": created_id + 3, "type": "Create", "field_name": "group_id", "value": str(groups[t.fields["group"]])},
                {"id": created_id + 4, "type": "Create", "field_name": "priority", "value": t.fields["priority"]},
                {"id": created_id + 5, "type": "Create", "field_name": "subject", "value": t.fields["subject"]},
                {"id": created_id + 6, "type": "Create", "field_name": "requester_id", "value": str(customer.id)},
                {"id": created_id + 7, "type": "Create", "field_name": "tags", "value": list(t.fields["tags"])},
            ]}

    def _change_audit(self, t: Ticket, change) -> dict:
        groups = self.z.groups
        when, author, items, cid = change
        events = []
        for k, (name, old, new) in enumerate(items):
            eid = cid * 10 + k
            if name == "group":
                events.append({"id": eid, "type": "Change", "field_name": "group_id",
                               "value": str(groups[new]), "previous_value": str(groups[old])})
            elif name == "assignee":
                events.append({"id": eid, "type": "Change", "field_name": "assignee_id",
                               "value": _s(self._agent_id(new)), "previous_value": _s(self._agent_id(old))})
            elif name == "status":
                events.append({"id": eid, "type": "Change", "field_name": "status", "value": new,
                               "previous_value": old})
            elif name == "satisfaction":
                events.append({"id": eid, "type": "SatisfactionRating", "score": new["score"],
                               "assignee_id": self._agent_id(t.state_at(when)["assignee"]), "body": new["comment"]})
        closing = any(n == "status" and v == "closed" for n, _, v in items)
        customer_id = self._customers()[t.fields["requester"]].id
        author_id = self._agent_id(author) if author is not None else (SYSTEM_USER if closing else customer_id)
        via = {"channel": "rule", "source": {"from": {"id": 360000055555, "title": "Close solved tickets after 4 days"},
                                             "to": {}, "rel": "automation"}} if closing else \
            {"channel": t.fields["channel"], "source": {"from": {}, "to": {}, "rel": None}}
        return {"id": 9_500_000_000 + cid, "ticket_id": t.id, "created_at": timefmt.iso_z(when),
                "author_id": author_id, "metadata": {"system": {}, "custom": {}}, "via": via, "events": events}

    def _comment_audit(self, t: Ticket, comment) -> dict:
        when, author, body, public, cid = comment
        aid = 9_500_000_000 + cid
        return {"id": aid, "ticket_id": t.id, "created_at": timefmt.iso_z(when),
                "author_id": self._agent_id(author), "metadata": {"system": {}, "custom": {}},
                "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
                "events": [{"id": aid + 1, "type": "Comment", "author_id": self._agent_id(author),
                            "body": body, "html_body": f"<p>{body}</p>", "plain_body": body,
                            "public": public, "attachments": [], "audit_id": aid}]}

    async def audits(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        t = self._find(request.path_params["id"])
        if t is None:
            return json_response({"error": "RecordNotFound", "description": "Not found"}, 404)
        try:
            page, envelope = paging.zendesk_list(request, self.audits_json(t, self.s.now), "audits",
                                                 self.s.url(f"{self.base}/tickets/{t.id}/audits.json"))
        except BadParam as e:
            return _error(400, "InvalidPaginationParameter", str(e))
        return json_response({"audits": page, **envelope})

    async def ticket_metrics_one(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        t = self._find(request.path_params["id"])
        if t is None:
            return json_response({"error": "RecordNotFound", "description": "Not found"}, 404)
        return json_response({"ticket_metric": self.metric_json(t, self.s.now)})

    async def ticket_metrics(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        visible = sorted((t for _, t in self._visible()), key=lambda t: t.id)
        try:
            page, envelope = paging.zendesk_list(request, visible, "ticket_metrics",
                                                 self.s.url(f"{self.base}/ticket_metrics.json"))
        except BadParam as e:
            return _error(400, "InvalidPaginationParameter", str(e))
        return json_response({"ticket_metrics": [self.metric_json(t, self.s.now) for t in page], **envelope})

    # --- satisfaction ratings, groups, users ----------------------------------------------------
    def _ratings(self) -> list[dict]:
        now = self.s.now

        def build():
            out = []
            for t in self.z.tickets:
                for when, _, items, _ in t.changes_until(now):
                    for name, _, new in items:
                        if name == "satisfaction":
                            st = t.state_at(when)
                            out.append({
                                "url": self.s.url(f"{self.base}/satisfaction_ratings/{new['id']}.json"),
                                "id": new["id"], "assignee_id": self._agent_id(st["assignee"]),
                                "group_id": self.z.groups[st["group"]], "requester_id": st["requester"],
                                "ticket_id": t.id, "score": new["score"], "created_at": timefmt.iso_z(when),
                                "updated_at": timefmt.iso_z(when), "comment": new["comment"], "reason": None,
                                "_ts": timefmt.epoch(when)})
            out.sort(key=lambda r: (r["_ts"], r["id"]))
            return out
        return self.s.cached(("zd-ratings",), build)

    async def satisfaction_ratings(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        q = request.query_params
        try:
            start = int(q["start_time"]) if q.get("start_time") else None
            end = int(q["end_time"]) if q.get("end_time") else None
        except ValueError:
            return _error(400, "InvalidValue", "start_time and end_time are Unix seconds")
        score = q.get("score")
        # Every page of a read asks the same filter: compute it once per clock tick, page by slicing.
        rows = self.s.cached(("zd-ratings-filtered", start, end, score), lambda: [
            r for r in self._ratings() if (start is None or r["_ts"] >= start) and (end is None or r["_ts"] < end)
            and (score in (None, "", "received") or r["score"] == score)])
        try:
            page, envelope = paging.zendesk_list(request, rows, "satisfaction_ratings",
                                                 self.s.url(f"{self.base}/satisfaction_ratings.json"))
        except BadParam as e:
            return _error(400, "InvalidPaginationParameter", str(e))
        page = [{k: v for k, v in r.items() if k != "_ts"} for r in page]
        page = self.s.faults.records("zendesk", request.url.path, page, None, id_key="id", time_keys=("created_at",))
        return json_response({"satisfaction_ratings": page, **envelope})

    def _groups_json(self) -> list[dict]:
        created = timefmt.iso_z(timefmt.day_start(self.org.timeline.start) - timedelta(days=700))
        return [{"url": self.s.url(f"{self.base}/groups/{gid}.json"), "id": gid, "is_public": True, "name": name,
                 "description": f"{ZENDESK_GROUPS[name][0]} queue", "default": name == "Support Tier 1",
                 "deleted": False, "created_at": created, "updated_at": created}
                for name, gid in self.z.groups.items()]

    async def groups(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        try:
            page, envelope = paging.zendesk_list(request, self._groups_json(), "groups",
                                                 self.s.url(f"{self.base}/groups.json"))
        except BadParam as e:
            return _error(400, "InvalidPaginationParameter", str(e))
        return json_response({"groups": page, **envelope})

    # --- business-hours schedules ---------------------------------------------------------------
    async def schedules(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        created = timefmt.iso_z(timefmt.day_start(self.org.timeline.start) - timedelta(days=700))
        return json_response({"schedules": [{
            "id": schedules.SCHEDULE_ID, "name": schedules.SCHEDULE_NAME, "time_zone": schedules.ZENDESK_TIME_ZONE,
            "intervals": schedules.intervals(), "created_at": created, "updated_at": created}]})

    async def holidays(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        if request.path_params["id"] != schedules.SCHEDULE_ID:
            return json_response({"error": "RecordNotFound", "description": "Not found"}, 404)
        tl = self.org.timeline
        return json_response({"holidays": schedules.holidays(tl.start.year - 1, tl.horizon.year + 1)})

    def _users(self) -> list[dict]:
        today = self.s.now.date()

        def build():
            out = []
            for idx in self.z.agents:
                e = self.org.people.employees[idx]
                if e.start_date > today:
                    continue
                left = e.end_date is not None and e.end_date < today
                created = timefmt.day_start(e.start_date) + timedelta(hours=9)
                updated = timefmt.day_start(e.end_date) + timedelta(hours=18) if left else created
                dept = e.assignment_at(today).department
                default_group = next((gid for n, gid in self.z.groups.items() if ZENDESK_GROUPS[n][0] == dept), None)
                out.append({"id": e.zendesk_user_id, "url": self.s.url(f"{self.base}/users/{e.zendesk_user_id}.json"),
                            "name": e.display_name, "email": e.email, "created_at": timefmt.iso_z(created),
                            "updated_at": timefmt.iso_z(updated), "time_zone": "Amsterdam",
                            "iana_time_zone": "Europe/Amsterdam", "phone": None, "locale": "en-US", "organization_id": None,
                            "role": "agent", "verified": True, "active": not left, "suspended": left,
                            "default_group_id": default_group, "_ts": timefmt.epoch(updated)})
            first = timefmt.day_start(self.org.timeline.start) - timedelta(days=365)
            for c in self.z.customers:
                out.append({"id": c.id, "url": self.s.url(f"{self.base}/users/{c.id}.json"), "name": c.name,
                            "email": c.email, "created_at": timefmt.iso_z(first), "updated_at": timefmt.iso_z(first),
                            "time_zone": "Amsterdam", "iana_time_zone": "Europe/Amsterdam", "phone": None,
                            "locale": "en-US", "organization_id": c.organization_id, "role": "end-user",
                            "verified": True, "active": True, "suspended": False, "default_group_id": None,
                            "_ts": timefmt.epoch(first)})
            return out
        return self.s.cached(("zd-users",), build)

    def _users_in_export_order(self) -> tuple[list[tuple[int, int]], list[dict]]:
        users = sorted(self._users(), key=lambda u: (u["_ts"], u["id"]))
        return [(u["_ts"], u["id"]) for u in users], users

    async def users(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        roles = set(request.query_params.getlist("role[]")) | set(request.query_params.getlist("role"))
        rows = [u for u in self._users() if not roles or u["role"] in roles]
        rows.sort(key=lambda u: u["id"])
        try:
            page, envelope = paging.zendesk_list(request, rows, "users", self.s.url(f"{self.base}/users.json"))
        except BadParam as e:
            return _error(400, "InvalidPaginationParameter", str(e))
        page = [{k: v for k, v in u.items() if k != "_ts"} for u in page]
        return json_response({"users": page, **envelope})


def _ticket_event(audit: dict, timestamp: int, comments: bool) -> dict:
    """An audit as the ticket event export shows it: the changed field is the key of each child."""
    channel = audit["via"]["channel"]
    via = VIA_NAMES.get(channel, channel)
    children = []
    for e in audit["events"]:
        kind = e["type"]
        if kind in ("Create", "Change"):
            child = {"id": e["id"], "via": via, "via_reference_id": None, e["field_name"]: e["value"]}
            if kind == "Change":
                child["previous_value"] = e.get("previous_value")
            child["event_type"] = kind
        elif kind == "Comment":
            if not comments:
                children.append({"id": e["id"], "via": via, "via_reference_id": None, "comment_present": True,
                                 "comment_public": e["public"], "event_type": "Comment"})
                continue
            child = {**e, "via": audit["via"], "via_reference_id": None, "created_at": audit["created_at"],
                     "event_type": "Comment"}
        else:
            child = {**{k: v for k, v in e.items() if k != "type"}, "via": via, "event_type": kind}
        children.append(child)
    return {"id": audit["id"], "ticket_id": audit["ticket_id"], "timestamp": timestamp,
            "created_at": audit["created_at"], "updater_id": audit["author_id"], "via": via,
            "system": audit["metadata"]["system"], "merged_ticket_ids": [], "event_type": "Audit",
            "child_events": children}


def _s(value) -> str | None:
    return None if value is None else str(value)


def _keep(request: Request, **override) -> dict:
    params = {k: v for k, v in request.query_params.items() if k not in ("start_time", "cursor")}
    params.update(override)
    return params
