"""ServiceNow: incidents, their assignment history (sys_audit), groups and users, via the Table API.

Each table is read incrementally by a time column (`sys_updated_on`, or `sys_created_on` for the
append-only sys_audit), ordered by that column then `sys_id`, with offset paging. Offset paging
over rows that change while we read can skip a row, so pages overlap by a few rows, and when the
previous page's last row is not found in the overlap (more rows moved than it covers) the read
restarts from the newest time landed. Between runs the query starts `overlap` before the cursor;
versions already landed in that window are remembered in the state and not landed twice.

Raw tables: `raw_servicenow.incidents`, `assignment_history` (sys_audit rows for assignment group,
assignee and state), `groups` (id and name), `users` (identity_key -> person_key).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors import records as r
from connectors.base import Batch, Column, StreamSpec
from connectors.errors import RecordError, SourceRequestError
from connectors.http import SourceHttpClient, checked_base_url
from connectors.pagination import OffsetPaginator, paginate
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared

log = logging.getLogger(__name__)

SOURCE_NAME = "servicenow"
BASE_URL_VARIABLE, USER_VARIABLE, PASSWORD_VARIABLE = "SERVICENOW_BASE_URL", "SERVICENOW_USER", "SERVICENOW_PASSWORD"
AUDITED_FIELDS = ("assignment_group", "assigned_to", "state")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_RESTARTS = 20

INCIDENTS = StreamSpec(
    source=SOURCE_NAME,
    name="incidents",
    description="One row per incident, latest version (descriptions are not landed).",
    columns=(
        Column("sys_id", "VARCHAR"),
        Column("number", "VARCHAR"),
        Column("state", "VARCHAR", "1 new, 2 in progress, 3 on hold, 6 resolved, 7 closed, 8 cancelled"),
        Column("priority", "VARCHAR"),
        Column("category", "VARCHAR"),
        Column("subcategory", "VARCHAR", "e.g. ai_assistant: what ai_tool_ticket_subcategories selects"),
        Column("assignment_group_id", "VARCHAR"),
        Column("assigned_to_key", "VARCHAR", "identity_key of the sys_user sys_id"),
        Column("caller_key", "VARCHAR"),
        Column("opened_by_key", "VARCHAR"),
        Column("resolved_by_key", "VARCHAR"),
        Column("opened_at", "TIMESTAMP"),
        Column("resolved_at", "TIMESTAMP"),
        Column("closed_at", "TIMESTAMP"),
        Column("reassignment_count", "INTEGER"),
        Column("reopen_count", "INTEGER"),
        Column("close_code", "VARCHAR"),
        Column("sys_created_on", "TIMESTAMP"),
        Column("sys_updated_on", "TIMESTAMP"),
        Column("sys_mod_count", "INTEGER"),
    ),
    primary_key=("sys_id",),
    updated_column="sys_updated_on",
)
ASSIGNMENT_HISTORY = StreamSpec(
    source=SOURCE_NAME,
    name="assignment_history",
    description="sys_audit rows of incidents' assignment_group, assigned_to and state.",
    columns=(
        Column("sys_id", "VARCHAR", "the audit row"),
        Column("document_key", "VARCHAR", "incident sys_id"),
        Column("table_name", "VARCHAR"),
        Column("field_name", "VARCHAR"),
        Column("old_value", "VARCHAR", "group sys_id, identity_key for assigned_to, or state"),
        Column("new_value", "VARCHAR"),
        Column("user_key", "VARCHAR", "identity_key of the user_name who made the change"),
        Column("record_checkpoint", "INTEGER"),
        Column("created_at", "TIMESTAMP"),
    ),
    primary_key=("sys_id",),
)
GROUPS = StreamSpec(
    source=SOURCE_NAME,
    name="groups",
    description="Assignment groups by sys_id and name (mapped to departments downstream).",
    columns=(
        Column("sys_id", "VARCHAR"),
        Column("name", "VARCHAR"),
        Column("parent_id", "VARCHAR"),
        Column("manager_key", "VARCHAR"),
        Column("active", "BOOLEAN"),
        Column("sys_updated_on", "TIMESTAMP"),
    ),
    primary_key=("sys_id",),
    updated_column="sys_updated_on",
)
USERS = StreamSpec(
    source=SOURCE_NAME,
    name="users",
    description="sys_user: identity_key (of sys_id) and user_name_key (of user_name, as sys_audit names users) -> person_key.",
    columns=(
        Column("identity_key", "VARCHAR"),
        Column("user_name_key", "VARCHAR"),
        Column("person_key", "VARCHAR"),
        Column("department_id", "VARCHAR"),
        Column("manager_key", "VARCHAR"),
        Column("active", "BOOLEAN"),
        Column("sys_updated_on", "TIMESTAMP"),
    ),
    primary_key=("identity_key",),
    updated_column="sys_updated_on",
)


def ref(value: Any, name: str) -> str | None:
    """A reference field: `{"link", "value"}`, `{"display_value", "value"}`, a bare sys_id, or ''."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return r.text(value, name)


@dataclass(frozen=True)
class Table:
    name: str  # ServiceNow table
    spec: StreamSpec
    fields: tuple[str, ...]
    time_column: str
    query: str = ""  # extra encoded-query conditions


class ServiceNowTableExtractor:
    """One table, incrementally by its time column; `parse` turns a record into a row."""

    source = SOURCE_NAME

    def __init__(
        self,
        client: SourceHttpClient,
        pseudonymiser: Pseudonymiser,
        table: Table,
        parse: Callable[[ServiceNowTableExtractor, Mapping[str, Any]], dict[str, Any]],
        *,
        page_size: int = 1000,
        page_overlap: int = 20,
        overlap: dt.timedelta = dt.timedelta(minutes=5),
        extra_fields: Iterable[str] = (),
    ):
        self.client = client
        self.p = r.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.table = table
        self.name = table.spec.name
        self.specs = (table.spec,)
        self.parse = parse
        self.page_size = page_size
        self.page_overlap = min(page_overlap, page_size - 1)
        self.overlap = overlap
        # sys_user records carry `name` and user_name (a login); groups' `name` is kept.
        user_keys = ("name", "user_name", "phone", "mobile_phone") if table.name == "sys_user" else ()
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, redact_keys=user_keys)
        # A user record keeps nothing undeclared (names, phones, addresses); other tables ask for the
        # allow-listed fields too, since the query names the fields it wants.
        self.undeclared = UndeclaredFields(() if table.name == "sys_user" else extra_fields, self.scrub)
        self.fields = (*table.fields, *sorted(set(self.undeclared.allowed) - set(table.fields)))
        self.restarts = 0

    def identity(self, value: Any, name: str) -> str | None:
        return self.p.identity_key(SOURCE_NAME, ref(value, name))

    def _params(self, since: dt.datetime | None) -> dict[str, Any]:
        t = self.table
        conditions = [c for c in (f"{t.time_column}>={since:{TIME_FORMAT}}" if since else "", t.query) if c]
        conditions.append(f"ORDERBY{t.time_column}^ORDERBYsys_id")
        return {
            "sysparm_query": "^".join(conditions),
            "sysparm_fields": ",".join(self.fields),
            "sysparm_display_value": "false",
            "sysparm_exclude_reference_link": "true",
        }

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        state = dict(state or {})
        cursor = r.timestamp(state.get("since"), "state.since")
        recent: dict[str, str] = dict(state.get("recent") or {})
        landed: dict[str, str] = {}
        start = (cursor - self.overlap) if cursor else None
        path = f"/api/now/table/{self.table.name}"
        restarts = 0
        while True:
            paginator = OffsetPaginator(self.page_size, overlap=self.page_overlap)
            anchor: str | None = None  # last sys_id of the previous page
            anchor_time: dt.datetime | None = None  # and its time: rows shifted past it are later
            restart = False
            for _, payload in paginate(self.client, "GET", path, self._params(start), paginator, prefetch=True):
                result = payload.get("result") if isinstance(payload, Mapping) else None
                if not isinstance(result, list):
                    raise SourceRequestError(f"servicenow: {path} answered without a `result` list")
                ids = [x.get("sys_id") if isinstance(x, Mapping) else None for x in result]
                # Without rows moving, the previous page's last row is the overlap's last row.
                restart = (
                    self.page_overlap > 0 and anchor is not None and anchor_time is not None
                    and anchor not in ids[: self.page_overlap] and restarts < MAX_RESTARTS
                )
                batch = Batch(rows={self.name: []})
                page_time = anchor_time
                for raw in result:
                    try:
                        if not isinstance(raw, Mapping):
                            raise RecordError("record is not an object")
                        row = self.parse(self, raw)
                    except RecordError as exc:
                        batch.rejects.append(self.scrub.reject(self.name, str(exc), raw, r.record_id(raw, "sys_id", "number")))
                        continue
                    stamp: dt.datetime = row["_time"]
                    page_time = stamp
                    version = stamp.isoformat()
                    sys_id = row["sys_id"] if "sys_id" in row else row["_id"]
                    if recent.get(sys_id, "") >= version or landed.get(sys_id, "") >= version:
                        continue
                    landed[sys_id] = recent[sys_id] = version
                    batch.rows[self.name].append({k: v for k, v in row.items() if k not in ("_time", "_id")})
                    if cursor is None or stamp > cursor:
                        cursor = stamp
                if restart:
                    # A row may have been skipped after the anchor: the state must not pass it.
                    cursor = min(cursor, anchor_time) if cursor else anchor_time
                anchor, anchor_time = (ids[-1] if ids else None), page_time
                if cursor is not None:
                    floor = (cursor - self.overlap - dt.timedelta(seconds=1)).isoformat()
                    recent = {k: v for k, v in recent.items() if v >= floor}
                    batch.state = {"since": cursor.isoformat(), "recent": dict(recent)}  # a copy: `recent` moves on
                yield batch
                if restart:
                    break
            if not restart:
                return
            restarts += 1
            self.restarts += 1
            log.warning("servicenow: %s rows moved while paging; re-reading from %s", self.table.name, cursor)
            start = cursor


def _incident(x: ServiceNowTableExtractor, raw: Mapping[str, Any]) -> dict[str, Any]:
    updated = r.timestamp(raw.get("sys_updated_on"), "sys_updated_on", required=True)
    return {
        "sys_id": r.text(raw.get("sys_id"), "sys_id", required=True),
        "number": r.text(raw.get("number"), "number"),
        "state": r.text(raw.get("state"), "state"),
        "priority": r.text(raw.get("priority"), "priority"),
        "category": r.text(raw.get("category"), "category"),
        "subcategory": r.text(raw.get("subcategory"), "subcategory"),
        "assignment_group_id": ref(raw.get("assignment_group"), "assignment_group"),
        "assigned_to_key": x.identity(raw.get("assigned_to"), "assigned_to"),
        "caller_key": x.identity(raw.get("caller_id"), "caller_id"),
        "opened_by_key": x.identity(raw.get("opened_by"), "opened_by"),
        "resolved_by_key": x.identity(raw.get("resolved_by"), "resolved_by"),
        "opened_at": r.timestamp(raw.get("opened_at"), "opened_at"),
        "resolved_at": r.timestamp(raw.get("resolved_at"), "resolved_at"),
        "closed_at": r.timestamp(raw.get("closed_at"), "closed_at"),
        "reassignment_count": r.integer(raw.get("reassignment_count"), "reassignment_count"),
        "reopen_count": r.integer(raw.get("reopen_count"), "reopen_count"),
        "close_code": r.text(raw.get("close_code"), "close_code"),
        "sys_created_on": r.timestamp(raw.get("sys_created_on"), "sys_created_on"),
        "sys_updated_on": updated,
        "sys_mod_count": r.integer(raw.get("sys_mod_count"), "sys_mod_count"),
        "_extra": x.undeclared.extra(raw, INCIDENT_KNOWN),
        "_time": updated,
    }


def _audit(x: ServiceNowTableExtractor, raw: Mapping[str, Any]) -> dict[str, Any]:
    created = r.timestamp(raw.get("sys_created_on"), "sys_created_on", required=True)
    field = r.text(raw.get("fieldname"), "fieldname", required=True)
    old, new = r.text(raw.get("oldvalue"), "oldvalue"), r.text(raw.get("newvalue"), "newvalue")
    if field == "assigned_to":
        old, new = x.p.identity_key(SOURCE_NAME, old), x.p.identity_key(SOURCE_NAME, new)
    return {
        "sys_id": r.text(raw.get("sys_id"), "sys_id", required=True),
        "document_key": r.text(raw.get("documentkey"), "documentkey", required=True),
        "table_name": r.text(raw.get("tablename"), "tablename"),
        "field_name": field,
        "old_value": old,
        "new_value": new,
        # sys_audit names the user by user_name: keyed in the same namespace as users.user_name_key.
        "user_key": x.p.identity_key(f"{SOURCE_NAME}_user_name", raw.get("user")),
        "record_checkpoint": r.integer(raw.get("record_checkpoint"), "record_checkpoint"),
        "created_at": created,
        "_extra": x.undeclared.extra(raw, AUDIT_KNOWN),
        "_time": created,
    }


def _group(x: ServiceNowTableExtractor, raw: Mapping[str, Any]) -> dict[str, Any]:
    updated = r.timestamp(raw.get("sys_updated_on"), "sys_updated_on", required=True)
    return {
        "sys_id": r.text(raw.get("sys_id"), "sys_id", required=True),
        "name": r.text(raw.get("name"), "name", required=True),
        "parent_id": ref(raw.get("parent"), "parent"),
        "manager_key": x.identity(raw.get("manager"), "manager"),
        "active": r.boolean(raw.get("active"), "active"),
        "sys_updated_on": updated,
        "_extra": x.undeclared.extra(raw, GROUP_KNOWN),
        "_time": updated,
    }


def _user(x: ServiceNowTableExtractor, raw: Mapping[str, Any]) -> dict[str, Any]:
    updated = r.timestamp(raw.get("sys_updated_on"), "sys_updated_on", required=True)
    sys_id = r.text(raw.get("sys_id"), "sys_id", required=True)
    return {
        "identity_key": x.p.identity_key(SOURCE_NAME, sys_id),
        "user_name_key": x.p.identity_key(f"{SOURCE_NAME}_user_name", raw.get("user_name")),
        "person_key": x.p.person_key(r.text(raw.get("email"), "email")),
        "department_id": ref(raw.get("department"), "department"),
        "manager_key": x.identity(raw.get("manager"), "manager"),
        "active": r.boolean(raw.get("active"), "active"),
        "sys_updated_on": updated,
        "_extra": None,  # a user record is names, phones and addresses: nothing else is kept
        "_time": updated,
        "_id": sys_id,
    }


INCIDENT_FIELDS = (
    "sys_id", "number", "state", "priority", "category", "subcategory", "assignment_group", "assigned_to", "caller_id", "opened_by",
    "resolved_by", "opened_at", "resolved_at", "closed_at", "reassignment_count", "reopen_count", "close_code",
    "sys_created_on", "sys_updated_on", "sys_mod_count",
)
AUDIT_FIELDS = ("sys_id", "documentkey", "tablename", "fieldname", "oldvalue", "newvalue", "user", "record_checkpoint",
                "sys_created_on")
GROUP_FIELDS = ("sys_id", "name", "parent", "manager", "active", "sys_updated_on")
USER_FIELDS = ("sys_id", "user_name", "email", "department", "manager", "active", "sys_updated_on")
# Asked for, or known and deliberately left out (free text): any other field is undeclared.
INCIDENT_KNOWN = frozenset((*INCIDENT_FIELDS, "short_description", "description"))
AUDIT_KNOWN = frozenset((*AUDIT_FIELDS, "reason"))
GROUP_KNOWN = frozenset((*GROUP_FIELDS, "description", "email"))

TABLES: dict[str, tuple[Table, Callable]] = {
    "groups": (Table("sys_user_group", GROUPS, GROUP_FIELDS, "sys_updated_on"), _group),
    "users": (Table("sys_user", USERS, USER_FIELDS, "sys_updated_on"), _user),
    "incidents": (Table("incident", INCIDENTS, INCIDENT_FIELDS, "sys_updated_on"), _incident),
    "assignment_history": (
        Table("sys_audit", ASSIGNMENT_HISTORY, AUDIT_FIELDS, "sys_created_on",
              f"tablename=incident^fieldnameIN{','.join(AUDITED_FIELDS)}"),
        _audit,
    ),
}


def make_client(settings: Mapping[str, str], **options: Any) -> SourceHttpClient:
    return SourceHttpClient(
        SOURCE_NAME,
        checked_base_url(settings[BASE_URL_VARIABLE], BASE_URL_VARIABLE),
        auth=(settings[USER_VARIABLE], settings[PASSWORD_VARIABLE]),
        credential_variables=(USER_VARIABLE, PASSWORD_VARIABLE), url_variable=BASE_URL_VARIABLE,
        secrets=(settings[PASSWORD_VARIABLE],),
        **options,
    )


def build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser, *, page_size: int = 1000,
          **client_options: Any) -> list[ServiceNowTableExtractor]:
    client = make_client(settings, **client_options)
    extra = allowed_fields(settings, SOURCE_NAME)
    return [ServiceNowTableExtractor(client, pseudonymiser, table, parse, page_size=page_size, extra_fields=extra)
            for table, parse in TABLES.values()]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="ServiceNow",
    variables=(
        Variable(BASE_URL_VARIABLE, "instance URL, e.g. https://acme.service-now.com"),
        Variable(USER_VARIABLE, "API user"),
        Variable(PASSWORD_VARIABLE, "API user's password", secret=True),
        extra_fields_variable(SOURCE_NAME, "u_cost_center"),
    ),
    extractors={name: (table.spec,) for name, (table, _) in TABLES.items()},
    build=lambda settings, pseudonymiser: build(settings, pseudonymiser),
)
