"""Jira Cloud: issues, their full change history, comments and the people on them.

Issues come from the enhanced search (`/rest/api/3/search/jql`, `nextPageToken` until `isLast` or
the token is missing), ordered by `updated`, with the changelog embedded. The embedded changelog
is capped (40 histories), so issues with more are completed through the bulk changelog endpoint,
or per issue where bulk fetch is unavailable. JQL compares at minute resolution in the API user's
time zone, so each run re-reads an overlap window; the state remembers which versions in that
window were already landed, so a rerun yields only what is new or changed.

Raw tables: `raw_jira.issues`, `issue_changes` (one row per changelog item), `comments`, `users`
(identity_key -> person_key, for accounts whose e-mail Jira shows).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors import records as r
from connectors.base import Batch, Column, Reject, StreamSpec
from connectors.errors import RecordError, SourceRequestError
from connectors.http import SourceHttpClient, SourceStatusError, checked_base_url
from connectors.pagination import CursorPaginator, OffsetPaginator, next_page_token, paginate
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared

log = logging.getLogger(__name__)

SOURCE_NAME = "jira"
BASE_URL_VARIABLE, EMAIL_VARIABLE, TOKEN_VARIABLE = "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"
SEARCH_PATH = "/rest/api/3/search/jql"
TEAM_FIELD_TYPE = "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"
EPIC_LINK_TYPE = "com.pyxis.greenhopper.jira:gh-epic-link"
# Changelog items whose from/to are account ids: pseudonymised, their display names dropped.
PERSON_FIELDS = frozenset({"assignee", "reporter", "creator"})
USER_ID_KEYS = ("accountId", "tmpFromAccountId", "tmpToAccountId")
BASE_FIELDS = (
    "issuetype", "project", "status", "priority", "resolution", "created", "updated", "resolutiondate",
    "assignee", "reporter", "creator", "labels", "components", "parent", "comment",
)
# Top-level keys of a search hit that carry nothing to land.
ISSUE_ENVELOPE = ("id", "key", "self", "expand", "fields", "changelog", "renderedFields", "names", "schema")

ISSUES = StreamSpec(
    source=SOURCE_NAME,
    name="issues",
    description="One row per Jira issue, latest version.",
    columns=(
        Column("issue_id", "VARCHAR"),
        Column("issue_key", "VARCHAR"),
        Column("project_key", "VARCHAR"),
        Column("issue_type", "VARCHAR"),
        Column("status", "VARCHAR"),
        Column("status_category", "VARCHAR", "new | indeterminate | done"),
        Column("priority", "VARCHAR"),
        Column("resolution", "VARCHAR"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
        Column("resolved_at", "TIMESTAMP"),
        Column("assignee_key", "VARCHAR", "identity_key of the assignee's accountId"),
        Column("reporter_key", "VARCHAR"),
        Column("creator_key", "VARCHAR"),
        Column("parent_id", "VARCHAR"),
        Column("parent_key", "VARCHAR"),
        Column("parent_type", "VARCHAR"),
        Column("epic_key", "VARCHAR", "the parent when it is an epic, or the legacy Epic Link"),
        Column("labels", "JSON", "list of labels"),
        Column("components", "JSON", "list of component names"),
        Column("team_id", "VARCHAR", "Atlassian team field id"),
        Column("team_name", "VARCHAR"),
        Column("changelog_total", "INTEGER", "histories Jira reports for the issue"),
        Column("comment_total", "INTEGER"),
    ),
    primary_key=("issue_id",),
    updated_column="updated_at",
)
ISSUE_CHANGES = StreamSpec(
    source=SOURCE_NAME,
    name="issue_changes",
    description="One row per changelog item (a field change within a history entry).",
    columns=(
        Column("issue_id", "VARCHAR"),
        Column("history_id", "VARCHAR"),
        Column("item_index", "INTEGER", "position of the item within its history entry"),
        Column("changed_at", "TIMESTAMP"),
        Column("author_key", "VARCHAR", "identity_key of who made the change"),
        Column("field", "VARCHAR"),
        Column("field_type", "VARCHAR", "jira | custom"),
        Column("field_id", "VARCHAR"),
        Column("from_value", "VARCHAR", "id before; identity_key for person fields"),
        Column("from_string", "VARCHAR", "display value before; NULL for person fields"),
        Column("to_value", "VARCHAR"),
        Column("to_string", "VARCHAR"),
    ),
    primary_key=("issue_id", "history_id", "item_index"),
)
COMMENTS = StreamSpec(
    source=SOURCE_NAME,
    name="comments",
    description="Comments' authors and times (bodies are not landed).",
    columns=(
        Column("comment_id", "VARCHAR"),
        Column("issue_id", "VARCHAR"),
        Column("author_key", "VARCHAR"),
        Column("update_author_key", "VARCHAR"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
        Column("is_public", "BOOLEAN", "Jira Service Management jsdPublic, when present"),
    ),
    primary_key=("comment_id",),
    updated_column="updated_at",
)
USERS = StreamSpec(
    source=SOURCE_NAME,
    name="users",
    description="Jira accounts whose e-mail Jira shows: identity_key -> person_key.",
    columns=(
        Column("identity_key", "VARCHAR"),
        Column("person_key", "VARCHAR"),
        Column("account_type", "VARCHAR"),
        Column("active", "BOOLEAN"),
    ),
    primary_key=("identity_key",),
)


def _is_person_item(item: Mapping[str, Any]) -> bool:
    name = str(item.get("fieldId") or item.get("field") or "").lower()
    return name in PERSON_FIELDS or "tmpToAccountId" in item or "tmpFromAccountId" in item


def _person_item_ids(item: Mapping[str, Any], identity: Any) -> Mapping[str, Any]:
    """In a quarantined changelog item of a person field, `from`/`to` are account ids."""
    if "items" not in item and ("from" in item or "to" in item) and _is_person_item(item):
        return {**item, **{k: identity(item[k]) for k in ("from", "to") if item.get(k) not in (None, "")}}
    return item


def _merged(first: Batch, later: Batch) -> Batch:
    """Two consecutive batches as one: rows and rejects of both, the later one's state."""
    rows = {name: first.rows.get(name, []) + later.rows.get(name, []) for name in {*first.rows, *later.rows}}
    return Batch(rows=rows, rejects=first.rejects + later.rejects, state=later.state or first.state)


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="microseconds")


class JiraIssuesExtractor:
    source = SOURCE_NAME
    name = "issues"
    specs = (ISSUES, ISSUE_CHANGES, COMMENTS, USERS)

    def __init__(
        self,
        client: SourceHttpClient,
        pseudonymiser: Pseudonymiser,
        *,
        page_size: int = 100,
        overlap: dt.timedelta = dt.timedelta(minutes=5),
        jql_filter: str | None = None,
        pages_per_batch: int = 5,
        extra_fields: Iterable[str] = (),
    ):
        self.client = client
        self.p = r.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.page_size = page_size
        self.overlap = overlap
        self.jql_filter = jql_filter
        self.pages_per_batch = max(1, pages_per_batch)
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, USER_ID_KEYS, _person_item_ids)
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)
        # Allow-listed issue fields (`fields.customfield_10010`) must be asked for: the search names its fields.
        self.extra_issue_fields = tuple(sorted(n.split(".", 1)[1] for n in self.undeclared.allowed if n.startswith("fields.")))
        self._bulk_changelog = True
        self.team_fields: tuple[str, ...] = ()
        self.epic_link_fields: tuple[str, ...] = ()

    # ---------------------------------------------------------------- discovery

    def _discover_fields(self) -> None:
        """Find the Team and legacy Epic Link custom fields, whose ids differ per site."""
        try:
            fields = self.client.get_json("/rest/api/3/field")
        except SourceStatusError as exc:
            log.warning("jira: field list unavailable (HTTP %s); team and epic-link fields not read", exc.status)
            return
        teams, epics = [], []
        for field in fields if isinstance(fields, list) else []:
            custom = (field.get("schema") or {}).get("custom") if isinstance(field, dict) else None
            if custom == TEAM_FIELD_TYPE:
                teams.append(field["id"])
            elif custom == EPIC_LINK_TYPE:
                epics.append(field["id"])
        self.team_fields, self.epic_link_fields = tuple(teams), tuple(epics)

    def _time_zone(self) -> dt.tzinfo:
        """JQL dates are read in the API user's time zone."""
        try:
            me = self.client.get_json("/rest/api/3/myself")
            return ZoneInfo(str((me or {}).get("timeZone") or "UTC"))
        except (SourceStatusError, ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    # ---------------------------------------------------------------- extraction

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        self._discover_fields()
        zone = self._time_zone()
        state = dict(state or {})
        cursor = r.timestamp(state.get("updated"), "state.updated")
        recent: dict[str, str] = dict(state.get("recent") or {})
        since = (cursor - self.overlap) if cursor else dt.datetime(1970, 1, 1)
        local = since.replace(tzinfo=dt.UTC).astimezone(zone)
        bound = f'updated >= "{local:%Y-%m-%d %H:%M}"'
        jql = f"({self.jql_filter}) AND {bound}" if self.jql_filter else bound
        params = {
            "jql": f"{jql} ORDER BY updated ASC, key ASC",
            "fields": ",".join((*BASE_FIELDS, *self.team_fields, *self.epic_link_fields, *self.extra_issue_fields)),
            "expand": "changelog",
            "maxResults": self.page_size,
        }
        landed: dict[str, str] = {}  # issue id -> updated landed in this run
        paginator = next_page_token()
        pending: Batch | None = None  # a few pages per batch: fewer, larger merges when landing
        pages = 0
        for _, payload in paginate(self.client, "GET", SEARCH_PATH, params, paginator, prefetch=True):
            issues = payload.get("issues") if isinstance(payload, dict) else None
            if not isinstance(issues, list):
                raise SourceRequestError(f"jira: {SEARCH_PATH} answered without an `issues` list")
            batch = Batch(rows={"issues": [], "issue_changes": [], "comments": [], "users": []})
            users: dict[str, dict[str, Any]] = {}
            truncated: dict[str, int] = {}
            comments_truncated: list[str] = []
            for raw in issues:
                issue_users: dict[str, dict[str, Any]] = {}  # merged only if the issue is landed
                issue_rejects: list[Reject] = []  # likewise its broken histories and comments
                try:
                    issue, changes, comments, n_histories, n_comments = self._parse_issue(raw, issue_users, issue_rejects)
                except RecordError as exc:
                    rid = r.record_id(raw, "key", "id")
                    batch.rejects.append(self.scrub.reject("issues", str(exc), raw, rid))
                    continue
                version = _iso(issue["updated_at"])
                issue_id = issue["issue_id"]
                if recent.get(issue_id, "") >= version or landed.get(issue_id, "") >= version:
                    continue  # this version is already landed (overlap window or repeated page)
                landed[issue_id] = version
                recent[issue_id] = version
                users.update(issue_users)
                batch.rejects.extend(issue_rejects)
                batch.rows["issues"].append(issue)
                batch.rows["issue_changes"].extend(changes)
                batch.rows["comments"].extend(comments)
                if (issue["changelog_total"] or 0) > n_histories:
                    truncated[issue_id] = issue["changelog_total"]
                if (issue["comment_total"] or 0) > n_comments:
                    comments_truncated.append(issue_id)
                if cursor is None or issue["updated_at"] > cursor:
                    cursor = issue["updated_at"]
            if truncated:
                self._complete_changelogs(list(truncated), batch, users)
            for issue_id in comments_truncated:
                self._complete_comments(issue_id, batch, users)
            batch.rows["users"] = list(users.values())
            if cursor is not None:
                # The next query starts at the minute below cursor - overlap: remember that far back.
                floor = _iso(cursor - self.overlap - dt.timedelta(minutes=1))
                recent = {k: v for k, v in recent.items() if v >= floor}
                batch.state = {"updated": _iso(cursor), "recent": dict(recent)}  # a copy: `recent` moves on
            pending = batch if pending is None else _merged(pending, batch)
            pages += 1
            if pages % self.pages_per_batch == 0 or not paginator.has_next_page:
                yield pending
                pending = None

    # ---------------------------------------------------------------- parsing

    def _user(self, value: Any, name: str, users: dict[str, dict[str, Any]]) -> str | None:
        """identity_key of a Jira user object; records the person mapping when the e-mail is shown."""
        user = r.mapping(value, name)
        key = self.p.identity_key(SOURCE_NAME, user.get("accountId"))
        email = user.get("emailAddress")
        if key and email:
            users[key] = {
                "identity_key": key,
                "person_key": self.p.person_key(email),
                "account_type": r.text(user.get("accountType"), f"{name}.accountType"),
                "active": r.boolean(user.get("active"), f"{name}.active"),
            }
        return key

    def _parse_issue(self, raw: Any, users: dict, rejects: list[Reject]) -> tuple[dict, list[dict], list[dict], int, int]:
        """Issue row, its change rows and comment rows, and how many histories/comments were embedded."""
        if not isinstance(raw, Mapping):
            raise RecordError("issue is not an object")
        issue_id = r.text(raw.get("id"), "id", required=True)
        key = r.text(raw.get("key"), "key", required=True)
        f = r.mapping(raw.get("fields"), "fields")
        updated = r.timestamp(f.get("updated"), "fields.updated", required=True)
        status = r.mapping(f.get("status"), "fields.status")
        parent = r.mapping(f.get("parent"), "fields.parent")
        parent_fields = r.mapping(parent.get("fields"), "fields.parent.fields")
        parent_type = r.text(r.mapping(parent_fields.get("issuetype"), "parent.issuetype").get("name"), "parent type")
        labels = f.get("labels") or []
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise RecordError("fields.labels is not a list of strings")
        components = f.get("components") or []
        if not isinstance(components, list):
            raise RecordError("fields.components is not a list")
        epic_key = r.text(parent.get("key"), "parent.key") if (parent_type or "").lower() == "epic" else None
        for fid in self.epic_link_fields:
            epic_key = epic_key or r.text(f.get(fid), fid)
        team_id = team_name = None
        for fid in self.team_fields:
            team = f.get(fid)
            if isinstance(team, Mapping):
                team_id, team_name = r.text(team.get("id"), fid), r.text(team.get("name") or team.get("title"), fid)
            elif team not in (None, ""):
                team_id = r.text(team, fid)
        changelog = r.mapping(raw.get("changelog"), "changelog")
        comment_field = r.mapping(f.get("comment"), "fields.comment")
        known_fields = (*BASE_FIELDS, *self.team_fields, *self.epic_link_fields, "summary")
        extra = {
            **(self.undeclared.extra(raw, ISSUE_ENVELOPE) or {}),
            **({"fields": x} if (x := self.undeclared.extra(f, known_fields, within="fields")) else {}),
        }
        issue = {
            "issue_id": issue_id,
            "issue_key": key,
            "project_key": r.text(r.mapping(f.get("project"), "fields.project").get("key"), "project.key")
            or key.rsplit("-", 1)[0],
            "issue_type": r.text(r.mapping(f.get("issuetype"), "fields.issuetype").get("name"), "issuetype.name"),
            "status": r.text(status.get("name"), "status.name"),
            "status_category": r.text(r.mapping(status.get("statusCategory"), "statusCategory").get("key"), "statusCategory.key"),
            "priority": r.text(r.mapping(f.get("priority"), "fields.priority").get("name"), "priority.name"),
            "resolution": r.text(r.mapping(f.get("resolution"), "fields.resolution").get("name"), "resolution.name"),
            "created_at": r.timestamp(f.get("created"), "fields.created", required=True),
            "updated_at": updated,
            "resolved_at": r.timestamp(f.get("resolutiondate"), "fields.resolutiondate"),
            "assignee_key": self._user(f.get("assignee"), "assignee", users),
            "reporter_key": self._user(f.get("reporter"), "reporter", users),
            "creator_key": self._user(f.get("creator"), "creator", users),
            "parent_id": r.text(parent.get("id"), "parent.id"),
            "parent_key": r.text(parent.get("key"), "parent.key"),
            "parent_type": parent_type,
            "epic_key": epic_key,
            "labels": labels,
            "components": [r.text(r.mapping(c, "component").get("name"), "component.name") for c in components],
            "team_id": team_id,
            "team_name": team_name,
            "changelog_total": r.integer(changelog.get("total"), "changelog.total"),
            "comment_total": r.integer(comment_field.get("total"), "comment.total"),
            "_extra": extra or None,
        }
        histories = changelog.get("histories") or []
        if not isinstance(histories, list):
            raise RecordError("changelog.histories is not a list")
        changes = self._parse_histories(issue_id, histories, users, rejects)
        embedded_comments = comment_field.get("comments") or []
        comments = self._parse_comments(issue_id, embedded_comments, users, rejects)
        return issue, changes, comments, len(histories), len(embedded_comments) if isinstance(embedded_comments, list) else 0

    def _parse_histories(self, issue_id: str, histories: list, users: dict, rejects: list[Reject]) -> list[dict]:
        rows: list[dict] = []
        for history in histories:
            try:
                rows.extend(self._parse_history(issue_id, history, users))
            except RecordError as exc:
                rejects.append(self.scrub.reject("issue_changes", f"issue {issue_id}: {exc}", history,
                                                 r.record_id(history, "id")))
        return rows

    def _parse_history(self, issue_id: str, history: Any, users: dict) -> list[dict]:
        if not isinstance(history, Mapping):
            raise RecordError("changelog history is not an object")
        history_id = r.text(history.get("id"), "history.id", required=True)
        changed_at = r.timestamp(history.get("created"), "history.created", required=True)
        author = self._user(history.get("author"), "history.author", users)
        items = history.get("items")
        if not isinstance(items, list):
            raise RecordError("history.items is not a list")
        rows = []
        for index, item in enumerate(items):
            item = r.mapping(item, "history.item")
            field_id = r.text(item.get("fieldId"), "fieldId")
            field = r.text(item.get("field"), "field")
            if _is_person_item(item):
                from_value = self.p.identity_key(SOURCE_NAME, item.get("tmpFromAccountId") or item.get("from"))
                to_value = self.p.identity_key(SOURCE_NAME, item.get("tmpToAccountId") or item.get("to"))
                from_string = to_string = None
            else:
                from_value, to_value = r.text(item.get("from"), "from"), r.text(item.get("to"), "to")
                from_string, to_string = r.text(item.get("fromString"), "fromString"), r.text(item.get("toString"), "toString")
            rows.append({
                "issue_id": issue_id,
                "history_id": history_id,
                "item_index": index,
                "changed_at": changed_at,
                "author_key": author,
                "field": field,
                "field_type": r.text(item.get("fieldtype"), "fieldtype"),
                "field_id": field_id,
                "from_value": from_value,
                "from_string": from_string,
                "to_value": to_value,
                "to_string": to_string,
            })
        return rows

    def _parse_comments(self, issue_id: str, comments: Any, users: dict, rejects: list[Reject]) -> list[dict]:
        rows = []
        for comment in comments if isinstance(comments, list) else []:
            try:
                if not isinstance(comment, Mapping):
                    raise RecordError("comment is not an object")
                created = r.timestamp(comment.get("created"), "comment.created", required=True)
                rows.append({
                    "comment_id": r.text(comment.get("id"), "comment.id", required=True),
                    "issue_id": issue_id,
                    "author_key": self._user(comment.get("author"), "comment.author", users),
                    "update_author_key": self._user(comment.get("updateAuthor"), "comment.updateAuthor", users),
                    "created_at": created,
                    "updated_at": r.timestamp(comment.get("updated"), "comment.updated") or created,
                    "is_public": r.boolean(comment.get("jsdPublic"), "comment.jsdPublic"),
                })
            except RecordError as exc:
                rejects.append(self.scrub.reject("comments", f"issue {issue_id}: {exc}", comment, r.record_id(comment, "id")))
        return rows

    # ---------------------------------------------------------------- completing truncated lists

    def _complete_changelogs(self, issue_ids: list[str], batch: Batch, users: dict) -> None:
        """Replace the capped embedded changelog of these issues by their full history."""
        histories: dict[str, list] = {i: [] for i in issue_ids}
        fetched = False
        if self._bulk_changelog:
            try:
                for chunk_start in range(0, len(issue_ids), 1000):
                    body = {"issueIdsOrKeys": issue_ids[chunk_start : chunk_start + 1000], "maxResults": 1000}
                    paginator = CursorPaginator("nextPageToken", "nextPageToken", in_body=True)
                    for _, payload in paginate(self.client, "POST", "/rest/api/3/changelog/bulkfetch", None,
                                               paginator, json=body):
                        for log_entry in (payload or {}).get("issueChangeLogs") or []:
                            issue_id = str(log_entry.get("issueId"))
                            if issue_id in histories:
                                histories[issue_id].extend(log_entry.get("changeHistories") or [])
                fetched = True
            except SourceStatusError as exc:
                if exc.status not in (404, 405, 501):
                    raise
                log.info("jira: bulk changelog unavailable (HTTP %s); fetching per issue", exc.status)
                self._bulk_changelog = False
                histories = {i: [] for i in issue_ids}
        if not fetched:
            for issue_id in issue_ids:
                paginator = OffsetPaginator(100, offset_param="startAt", limit_param="maxResults",
                                            records_path="values", total_header=None, total_path="total",
                                            last_path="isLast")
                for _, payload in paginate(self.client, "GET", f"/rest/api/3/issue/{issue_id}/changelog", None, paginator):
                    histories[issue_id].extend((payload or {}).get("values") or [])
        complete = set(issue_ids)
        kept = [c for c in batch.rows["issue_changes"] if c["issue_id"] not in complete]
        for issue_id in issue_ids:
            kept.extend(self._parse_histories(issue_id, histories[issue_id], users, batch.rejects))
        batch.rows["issue_changes"] = kept

    def _complete_comments(self, issue_id: str, batch: Batch, users: dict) -> None:
        paginator = OffsetPaginator(100, offset_param="startAt", limit_param="maxResults", records_path="comments",
                                    total_header=None, total_path="total")
        comments: list = []
        for _, payload in paginate(self.client, "GET", f"/rest/api/3/issue/{issue_id}/comment", None, paginator):
            comments.extend((payload or {}).get("comments") or [])
        kept = [c for c in batch.rows["comments"] if c["issue_id"] != issue_id]
        kept.extend(self._parse_comments(issue_id, comments, users, batch.rejects))
        batch.rows["comments"] = kept


def make_client(settings: Mapping[str, str], **options: Any) -> SourceHttpClient:
    return SourceHttpClient(
        SOURCE_NAME,
        checked_base_url(settings[BASE_URL_VARIABLE], BASE_URL_VARIABLE),
        auth=(settings[EMAIL_VARIABLE], settings[TOKEN_VARIABLE]),
        credential_variables=(EMAIL_VARIABLE, TOKEN_VARIABLE), url_variable=BASE_URL_VARIABLE,
        **options,
    )


def build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser, **client_options: Any) -> list[JiraIssuesExtractor]:
    """Extractors for a configured site; `client_options` go to `SourceHttpClient` (tests: `sleep`)."""
    return [JiraIssuesExtractor(make_client(settings, **client_options), pseudonymiser,
                                extra_fields=allowed_fields(settings, SOURCE_NAME))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Jira Cloud",
    variables=(
        Variable(BASE_URL_VARIABLE, "site URL, e.g. https://acme.atlassian.net"),
        Variable(EMAIL_VARIABLE, "e-mail of the API user"),
        Variable(TOKEN_VARIABLE, "API token of that user", secret=True),
        extra_fields_variable(SOURCE_NAME, "fields.customfield_10010"),
    ),
    extractors={"issues": JiraIssuesExtractor.specs},
    build=lambda settings, pseudonymiser: build(settings, pseudonymiser),
)
