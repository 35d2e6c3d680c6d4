"""Jira Cloud REST v3: enhanced search, changelogs, comments, users, fields; legacy search is gone.

Issues are shown as of the simulated now. The embedded changelog of a search result carries at
most the latest 40 histories (with the real `total`), as Jira Cloud's enhanced search does; the
full history comes from `/issue/{id}/changelog` or `/changelog/bulkfetch`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from sandbox.gen_jira import PROJECTS, STATUS_CATEGORY, STATUSES
from sandbox.server import jql, timefmt
from sandbox.server.auth import basic_credentials
from sandbox.server.http import BadParam, int_param, json_response
from sandbox.server.state import ServerState
from sandbox.tickets import Ticket

EMBEDDED_CHANGELOG_CAP = 40
TEAM_FIELD = "customfield_10001"
PRIORITY_IDS = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4"}
ISSUETYPE_IDS = {"Epic": "10000", "Story": "10001", "Task": "10002", "Bug": "10004", "Idea": "10005"}
RESOLUTIONS = {"Done": ("10000", "Work has been completed on this issue."),
               "Won't Do": ("10001", "This issue won't be actioned.")}
PROJECT_IDS = {key: str(10000 + i) for i, key in enumerate(PROJECTS)}
NAVIGABLE = ("summary", "issuetype", "status", "assignee", "reporter", "created", "updated", "resolutiondate",
             "resolution", "labels", "priority", "project", "parent", "components", TEAM_FIELD, "comment")
FIELD_NAMES = {"summary": "Summary", "issuetype": "Issue Type", "status": "Status", "assignee": "Assignee",
               "reporter": "Reporter", "created": "Created", "updated": "Updated", "resolutiondate": "Resolved",
               "resolution": "Resolution", "labels": "Labels", "priority": "Priority", "project": "Project",
               "parent": "Parent", "components": "Components", TEAM_FIELD: "Team", "comment": "Comment"}
GONE = {"errorMessages": ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                          "A full migration guideline is available at "
                          "https://developer.atlassian.com/changelog/#CHANGE-2046"], "errors": {}}


def routes(state: ServerState) -> list[Route]:
    api = JiraApi(state)
    return [
        Route("/rest/api/3/search/jql", api.search, methods=["GET", "POST"]),
        Route("/rest/api/3/search/approximate-count", api.approximate_count, methods=["POST"]),
        Route("/rest/api/3/search", api.gone, methods=["GET", "POST"]),
        Route("/rest/api/2/search", api.gone, methods=["GET", "POST"]),
        Route("/rest/api/3/issue/{key}/changelog", api.changelog),
        Route("/rest/api/3/issue/{key}/comment", api.comments),
        Route("/rest/api/3/issue/{key}", api.issue),
        Route("/rest/api/3/changelog/bulkfetch", api.bulkfetch, methods=["POST"]),
        Route("/rest/api/3/users/search", api.users),
        Route("/rest/api/3/user", api.user),
        Route("/rest/api/3/myself", api.myself),
        Route("/rest/api/3/field", api.fields),
    ]


def _error(status: int, message: str):
    return json_response({"errorMessages": [message], "errors": {}}, status)


class JiraApi:
    def __init__(self, state: ServerState):
        self.s = state
        self.org = state.org

    # --- plumbing ------------------------------------------------------------------------------
    def _auth(self, request: Request):
        creds = basic_credentials(request)
        c = self.s.credentials
        if creds != (c.jira_email, c.jira_api_token):
            return _error(401, "Client must be authenticated to access this resource.")
        return None

    def _visible(self, now: datetime) -> list[tuple[datetime, Ticket]]:
        """Issues created by `now`, with their last update, ordered by (updated, id)."""
        def build():
            rows = [(t.updated_at(now), t) for t in self.org.jira.tickets if t.created <= now]
            rows.sort(key=lambda r: (r[0], r[1].id))
            return rows
        return self.s.cached(("jira-visible",), build) if now == self.s.now else build()

    def _by_key(self) -> dict[str, Ticket]:
        def build():
            m = {t.key: t for t in self.org.jira.tickets}
            m.update({str(t.id): t for t in self.org.jira.tickets})
            return m
        return self.s.cached(("jira-keys",), build)

    def _find(self, key: str) -> Ticket | None:
        t = self._by_key().get(key.upper()) or self._by_key().get(key)
        return t if t is not None and t.created <= self.s.now else None

    def user(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        account = request.query_params.get("accountId", "")
        for e in self.org.people.employees:
            if e.jira_account_id == account and e.start_date <= self.s.now.date():
                return json_response(self._user(e.idx))
        return _error(404, f"Specified user does not exist or you do not have required permissions: {account}")

    def _user(self, idx: int | None):
        if idx is None:
            return None
        users = self.s.cached(("jira-users",), dict)  # filled on demand, rebuilt when the clock moves
        if idx not in users:
            users[idx] = self._build_user(idx)
        return users[idx]

    def _build_user(self, idx: int):
        e = self.org.people.employees[idx]
        u = {"self": self.s.url(f"/jira/rest/api/3/user?accountId={e.jira_account_id}"),
             "accountId": e.jira_account_id, "accountType": "atlassian"}
        if idx not in self.org.jira.hidden_email:
            u["emailAddress"] = e.email
        u.update({"avatarUrls": {"48x48": f"https://avatar.example/{e.jira_account_id}/48"},
                  "displayName": e.display_name, "active": e.employed_on(self.s.now.date()),
                  "timeZone": "Europe/Amsterdam"})
        return u

    # --- rendering -----------------------------------------------------------------------------
    def _status(self, name: str):
        sid, cat = STATUSES[name]
        cid, colour, cname = STATUS_CATEGORY[cat]
        return {"self": self.s.url(f"/jira/rest/api/3/status/{sid}"), "description": "", "name": name, "id": sid,
                "statusCategory": {"self": self.s.url(f"/jira/rest/api/3/statuscategory/{cid}"), "id": cid,
                                   "key": cat, "colorName": colour, "name": cname}}

    def _team(self, team_id: str | None):
        if team_id is None:
            return None
        team = self._teams().get(team_id)
        return {"id": team_id, "name": team.name if team else team_id, "title": team.name if team else team_id,
                "isShared": True, "isVisible": True}

    def _teams(self):
        return self.s.cached(("jira-teams",), lambda: {t.id: t for t in self.org.people.teams})

    def _comment(self, t: Ticket, c):
        when, author, body, _public, cid = c
        return {"self": self.s.url(f"/jira/rest/api/3/issue/{t.id}/comment/{cid}"), "id": str(cid),
                "author": self._user(author), "updateAuthor": self._user(author),
                "body": {"type": "doc", "version": 1,
                         "content": [{"type": "paragraph", "content": [{"type": "text", "text": body}]}]},
                "created": timefmt.jira(when), "updated": timefmt.jira(when), "jsdPublic": True}

    def _field_values(self, t: Ticket, now: datetime, wanted: set[str]):
        st = t.state_at(now)
        project = st["project"]
        out = {}
        for name in NAVIGABLE:
            if name not in wanted:
                continue
            if name == "summary":
                out[name] = st["summary"]
            elif name == "issuetype":
                it = st["issuetype"]
                out[name] = {"self": self.s.url(f"/jira/rest/api/3/issuetype/{ISSUETYPE_IDS[it]}"),
                             "id": ISSUETYPE_IDS[it], "description": "", "name": it, "subtask": False,
                             "hierarchyLevel": 1 if it == "Epic" else 0}
            elif name == "status":
                out[name] = self._status(st["status"])
            elif name in ("assignee", "reporter"):
                out[name] = self._user(st[name])
            elif name == "created":
                out[name] = timefmt.jira(t.created)
            elif name == "updated":
                out[name] = timefmt.jira(t.updated_at(now))
            elif name == "resolutiondate":
                out[name] = timefmt.jira(st["resolutiondate"])
            elif name == "resolution":
                rid, text = RESOLUTIONS.get(st["resolution"] or "", (None, None))
                out[name] = None if rid is None else {
                    "self": self.s.url(f"/jira/rest/api/3/resolution/{rid}"), "id": rid,
                    "description": text, "name": st["resolution"]}
            elif name == "labels":
                out[name] = list(st["labels"])
            elif name == "priority":
                pid = PRIORITY_IDS[st["priority"]]
                out[name] = {"self": self.s.url(f"/jira/rest/api/3/priority/{pid}"), "name": st["priority"], "id": pid}
            elif name == "project":
                out[name] = {"self": self.s.url(f"/jira/rest/api/3/project/{PROJECT_IDS[project]}"),
                             "id": PROJECT_IDS[project], "key": project, "name": PROJECTS[project],
                             "projectTypeKey": "software", "simplified": False}
            elif name == "parent":
                parent = self._by_key().get(st["parent"]) if st["parent"] else None
                out[name] = None if parent is None else {
                    "id": str(parent.id), "key": parent.key, "self": self.s.url(f"/jira/rest/api/3/issue/{parent.id}"),
                    "fields": {"summary": parent.fields["summary"], "status": self._status(parent.state_at(now)["status"])}}
                if out[name] is None:
                    del out[name]  # Jira omits parent for top-level issues
            elif name == "components":
                out[name] = []
            elif name == TEAM_FIELD:
                out[name] = self._team(st["team"])
            elif name == "comment":
                comments = [self._comment(t, c) for c in t.comments_until(now)]
                out[name] = {"comments": comments, "self": self.s.url(f"/jira/rest/api/3/issue/{t.id}/comment"),
                             "maxResults": len(comments), "total": len(comments), "startAt": 0}
        return out

    def _item(self, fieldname: str, old, new):
        if fieldname in ("assignee", "reporter"):
            emp = self.org.people.employees
            f = lambda i: None if i is None else emp[i].jira_account_id  # noqa: E731
            n = lambda i: None if i is None else emp[i].display_name  # noqa: E731
            return {"field": fieldname, "fieldtype": "jira", "fieldId": fieldname, "from": f(old),
                    "fromString": n(old), "to": f(new), "toString": n(new),
                    "tmpFromAccountId": f(old), "tmpToAccountId": f(new)}
        if fieldname == "status":
            return {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": STATUSES[old][0],
                    "fromString": old, "to": STATUSES[new][0], "toString": new}
        if fieldname == "team":
            teams = self._teams()
            name = lambda i: None if i is None else teams[i].name  # noqa: E731
            return {"field": "Team", "fieldtype": "custom", "fieldId": TEAM_FIELD, "from": old,
                    "fromString": name(old), "to": new, "toString": name(new)}
        if fieldname == "labels":
            return {"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": None,
                    "fromString": " ".join(old), "to": None, "toString": " ".join(new)}
        if fieldname == "priority":
            return {"field": "priority", "fieldtype": "jira", "fieldId": "priority", "from": PRIORITY_IDS[old],
                    "fromString": old, "to": PRIORITY_IDS[new], "toString": new}
        if fieldname == "resolution":
            return {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution", "from": None,
                    "fromString": None, "to": RESOLUTIONS[new][0], "toString": new}
        return None  # resolutiondate is derived, Jira logs no item for it

    def histories(self, t: Ticket, now: datetime, field_ids: set[str] | None = None) -> list[dict]:
        out = []
        for when, author, items, cid in t.changes_until(now):
            rendered = [i for i in (self._item(*item) for item in items) if i is not None]
            if field_ids is not None:
                rendered = [i for i in rendered if i["fieldId"] in field_ids]
            if rendered:
                h = {"id": str(cid), "author": self._user(author), "created": timefmt.jira(when), "items": rendered}
                out.append(h)
        return out

    def render(self, t: Ticket, now: datetime, wanted: set[str], expand: set[str]):
        issue = {"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
                 "id": str(t.id), "self": self.s.url(f"/jira/rest/api/3/issue/{t.id}"), "key": t.key}
        if wanted:
            issue["fields"] = self._field_values(t, now, wanted)
        if "changelog" in expand:
            hs = self.histories(t, now)
            shown = hs[-EMBEDDED_CHANGELOG_CAP:]
            issue["changelog"] = {"startAt": len(hs) - len(shown), "maxResults": len(shown), "total": len(hs),
                                  "histories": shown}
        return issue

    # --- endpoints -----------------------------------------------------------------------------
    async def gone(self, request: Request):
        return json_response(GONE, 410)

    async def search(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError:
                return _error(400, "The request body is not valid JSON.")
            params = {k: body.get(k) for k in ("jql", "nextPageToken", "maxResults", "fields", "expand")}
            if isinstance(params["fields"], list):
                params["fields"] = ",".join(params["fields"])
            if isinstance(params["expand"], list):
                params["expand"] = ",".join(params["expand"])
        else:
            params = dict(request.query_params)
        return await run_in_threadpool(self._search, params)

    def _search(self, params: dict):
        jql_text = params.get("jql") or ""
        try:
            query = jql.parse(jql_text)
        except jql.JqlError as e:
            return _error(400, str(e))
        if not query.bounded:
            return _error(400, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
        wanted = _wanted_fields(params.get("fields"))
        expand = {e.strip() for e in (params.get("expand") or "").split(",") if e.strip()}
        cap = 5000 if not wanted and "changelog" not in expand else 100
        try:
            max_results = int_param(str(params["maxResults"]) if params.get("maxResults") is not None else None,
                                    50, 1, cap)
        except BadParam as e:
            return _error(400, f"maxResults: {e}")
        digest = hashlib.sha256(jql_text.encode()).hexdigest()[:16]
        offset, now = 0, self.s.now
        token = params.get("nextPageToken")
        if token:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
                offset, now = int(decoded["o"]), datetime.fromisoformat(decoded["n"])
                if decoded["q"] != digest:
                    raise ValueError("token belongs to another query")
            except (ValueError, KeyError, TypeError):
                return _error(400, "The provided next page token is invalid or expired.")
        # Every page of one search reads the same filtered list: build it once per query and clock.
        rows = self.s.cached(("jira-search", digest, now.isoformat()), lambda: self._filter(query, now))
        page = rows[offset: offset + max_results]
        issues = [self.render(t, now, wanted, expand) for _, t in page]
        previous = self.render(rows[offset - 1][1], now, wanted, expand) if offset > 0 and page else None
        issues = self.s.faults.records("jira", "/rest/api/3/search/jql", issues, previous,
                                       id_key="id", time_keys=())
        for issue in issues:  # malformed_record: break the timestamp inside fields
            if issue.get("id") is None and "fields" in issue and "updated" in issue["fields"]:
                issue["fields"]["updated"] = "not-a-timestamp"
        body = {"issues": issues}
        if "names" in expand:
            body["names"] = {f: FIELD_NAMES[f] for f in wanted}
        end = offset + len(page)
        if end < len(rows):
            body["nextPageToken"] = base64.urlsafe_b64encode(
                json.dumps({"o": end, "n": now.isoformat(), "q": digest}).encode()).decode()
            body["isLast"] = False
        else:
            body["isLast"] = True  # and no nextPageToken key at all (JRACLOUD-92184)
        return json_response(body)

    async def approximate_count(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        try:
            body = json.loads(await request.body() or b"{}")
            query = jql.parse(body.get("jql") or "")
        except (json.JSONDecodeError, jql.JqlError) as e:
            return _error(400, str(e))
        if not query.bounded:
            return _error(400, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
        rows = await run_in_threadpool(self._filter, query, self.s.now)
        return json_response({"count": len(rows)})

    def _filter(self, query: jql.Query, now: datetime):
        ops = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}
        out = []
        for updated, t in self._visible(now):
            project = t.fields["project"]
            if query.projects is not None and project not in query.projects:
                continue
            if project in query.excluded_projects:
                continue
            if query.keys is not None and t.key not in query.keys and str(t.id) not in query.keys:
                continue
            ok = True
            for name, op, value in query.date_filters:
                # minute resolution: compare against the timestamp truncated to the minute
                stamp = (updated if name == "updated" else t.created).replace(second=0, microsecond=0)
                if not ops[op](stamp, value):
                    ok = False
                    break
            if ok:
                out.append((updated, t))
        for name, desc in reversed(query.order or [("updated", False)]):
            key = {"updated": lambda r: r[0], "created": lambda r: r[1].created, "id": lambda r: r[1].id,
                   "key": lambda r: (r[1].fields["project"], int(r[1].key.split("-")[1]))}[name]
            out.sort(key=key, reverse=desc)
        return out

    async def issue(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        t = self._find(request.path_params["key"])
        if t is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        fields = request.query_params.get("fields") or "*navigable"
        expand = {e.strip() for e in request.query_params.get("expand", "").split(",") if e.strip()}
        issue = self.render(t, self.s.now, _wanted_fields(fields), expand)
        if "changelog" in expand:  # the single-issue endpoint embeds up to 100 histories
            hs = self.histories(t, self.s.now)
            issue["changelog"] = {"startAt": 0, "maxResults": min(100, len(hs)), "total": len(hs), "histories": hs[:100]}
        return json_response(issue)

    async def changelog(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        t = self._find(request.path_params["key"])
        if t is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        try:
            start = int_param(request.query_params.get("startAt"), 0, 0, 10**9)
            size = int_param(request.query_params.get("maxResults"), 100, 1, 100)
        except BadParam as e:
            return _error(400, str(e))
        hs = self.histories(t, self.s.now)
        values = hs[start: start + size]
        is_last = start + len(values) >= len(hs)
        body = {"self": self.s.url(f"/jira/rest/api/3/issue/{t.key}/changelog?maxResults={size}&startAt={start}"),
                "maxResults": size, "startAt": start, "total": len(hs), "isLast": is_last, "values": values}
        if not is_last:
            body["nextPage"] = self.s.url(
                f"/jira/rest/api/3/issue/{t.key}/changelog?maxResults={size}&startAt={start + size}")
        return json_response(body)

    async def bulkfetch(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return _error(400, "The request body is not valid JSON.")
        keys = body.get("issueIdsOrKeys") or []
        if not keys or len(keys) > 1000:
            return _error(400, "issueIdsOrKeys must list between 1 and 1000 issues.")
        field_ids = set(body["fieldIds"]) if body.get("fieldIds") else None
        size = max(1, min(10000, int(body.get("maxResults") or 1000)))
        start = 0
        if body.get("nextPageToken"):
            try:
                start = int(base64.urlsafe_b64decode(body["nextPageToken"].encode()).decode())
            except ValueError:
                return _error(400, "The provided next page token is invalid.")
        flat = []
        for key in keys:
            t = self._find(str(key))
            if t is None:
                continue
            flat.extend((t, h) for h in self.histories(t, self.s.now, field_ids))
        page = flat[start: start + size]
        logs: list[dict] = []
        for t, h in page:
            if not logs or logs[-1]["issueId"] != str(t.id):
                logs.append({"issueId": str(t.id), "changeHistories": []})
            logs[-1]["changeHistories"].append(h)
        end = start + len(page)
        token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(flat) else None
        return json_response({"issueChangeLogs": logs, "nextPageToken": token})

    async def comments(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        t = self._find(request.path_params["key"])
        if t is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        try:
            start = int_param(request.query_params.get("startAt"), 0, 0, 10**9)
            size = int_param(request.query_params.get("maxResults"), 100, 1, 5000)
        except BadParam as e:
            return _error(400, str(e))
        all_comments = t.comments_until(self.s.now)
        page = [self._comment(t, c) for c in all_comments[start: start + size]]
        return json_response({"startAt": start, "maxResults": size, "total": len(all_comments), "comments": page})

    async def users(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        try:
            start = int_param(request.query_params.get("startAt"), 0, 0, 10**9)
            size = int_param(request.query_params.get("maxResults"), 50, 1, 1000)
        except BadParam as e:
            return _error(400, str(e))
        today = self.s.now.date()
        people = [e.idx for e in self.org.people.employees if e.start_date <= today]
        return json_response([self._user(i) for i in people[start: start + size]])

    async def myself(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        return json_response({"accountId": "557058:sandbox-bot", "emailAddress": self.s.credentials.jira_email,
                              "displayName": "Sandbox Integration", "active": True, "timeZone": "UTC",
                              "accountType": "atlassian"})

    async def fields(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        out = []
        for fid in NAVIGABLE:
            custom = fid.startswith("customfield_")
            f = {"id": fid, "key": fid, "name": FIELD_NAMES[fid], "custom": custom, "navigable": True,
                 "searchable": True, "clauseNames": [fid]}
            if custom:
                f["schema"] = {"type": "team", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team",
                               "customId": 10001}
            out.append(f)
        return json_response(out)


def _wanted_fields(spec: str | None) -> set[str]:
    """Jira's `fields` parameter: default id only; *all / *navigable; `-name` excludes."""
    if not spec:
        return set()
    wanted: set[str] = set()
    for part in (p.strip() for p in spec.split(",")):
        if part in ("*all", "*navigable"):
            wanted |= set(NAVIGABLE)
        elif part.startswith("-"):
            wanted.discard(part[1:])
        elif part in NAVIGABLE:
            wanted.add(part)
        elif part == "id":
            continue
    return wanted
