"""Zendesk Support: tickets with their metrics and audit trail, users and groups.

Tickets come from the cursor-based incremental export with `include=metric_sets` (ticket metrics
sideloaded, so no per-ticket metrics call), one page per batch; the batch's state is the page's
`after_cursor`, so the next run (or a resumed one) continues exactly there. Reassignments live in
ticket audits, read in bulk from the time-based incremental ticket event export
(`include=comment_events`), 1000 audits a page, resumed from the last page's `end_time`.
Users come from the incremental user export; groups are small and re-read each run.

Raw tables: `raw_zendesk.tickets`, `ticket_metrics`, `ticket_audit_events` (one row per audit
event), `users` (identity_key -> person_key, role), `groups` (id and name, for the group ->
department mapping), `business_hours_schedules` (time zone and weekly intervals, minutes since Sunday
00:00 local) and `schedule_holidays`, both re-read whole each run (the working calendars use the
latest read only, so a schedule or holiday deleted in Zendesk drops out).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from connectors import records as r
from connectors.base import Batch, Column, StreamSpec
from connectors.errors import RecordError, SourceRequestError
from connectors.http import SourceHttpClient, checked_base_url
from connectors.pagination import CursorPaginator, TimeBasedPaginator, paginate, zendesk_cursor
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared
from connectors.working_calendars import within_one_day

log = logging.getLogger(__name__)

SOURCE_NAME = "zendesk"
BASE_URL_VARIABLE, EMAIL_VARIABLE, TOKEN_VARIABLE = "ZENDESK_BASE_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"
TICKETS_PATH = "/api/v2/incremental/tickets/cursor.json"
USERS_PATH = "/api/v2/incremental/users/cursor.json"
GROUPS_PATH = "/api/v2/groups.json"
SCHEDULES_PATH = "/api/v2/business_hours/schedules.json"
HOLIDAYS_PATH = "/api/v2/business_hours/schedules/{id}/holidays.json"
EVENTS_PATH = "/api/v2/incremental/ticket_events.json"
# `via` names of the ticket event export -> the channel ids the ticket export uses.
VIA_CHANNELS = {"web form": "web", "mail": "email", "chat": "chat", "web service": "api", "rule": "rule",
                "closed ticket": "closed_ticket", "phone call (inbound)": "voice", "api": "api"}
# Keys of a Create/Change child event other than the changed field itself.
CHILD_EVENT_KEYS = frozenset({"id", "via", "via_reference_id", "event_type", "type", "previous_value", "author_id",
                              "created_at", "audit_id", "added_tags", "removed_tags"})
USER_ID_KEYS = ("requester_id", "submitter_id", "assignee_id", "author_id", "collaborator_ids", "follower_ids",
                "email_cc_ids", "user_id")
# Audit change events on these fields carry user ids as values.
PERSON_FIELDS = frozenset({"assignee_id", "requester_id", "submitter_id"})
DURATIONS = ("reply_time", "first_resolution_time", "full_resolution_time", "agent_wait_time",
             "requester_wait_time", "on_hold_time")

TICKETS = StreamSpec(
    source=SOURCE_NAME,
    name="tickets",
    description="One row per ticket, latest version (subject and description are not landed).",
    columns=(
        Column("ticket_id", "BIGINT"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
        Column("generated_timestamp", "BIGINT", "Unix seconds of the export's change record"),
        Column("status", "VARCHAR"),
        Column("priority", "VARCHAR"),
        Column("ticket_type", "VARCHAR"),
        Column("channel", "VARCHAR", "via.channel"),
        Column("tags", "JSON"),
        Column("requester_key", "VARCHAR"),
        Column("submitter_key", "VARCHAR"),
        Column("assignee_key", "VARCHAR"),
        Column("group_id", "BIGINT"),
        Column("organization_id", "BIGINT"),
        Column("brand_id", "BIGINT"),
        Column("satisfaction_rating_id", "BIGINT"),
        Column("satisfaction_score", "VARCHAR", "offered | unoffered | good | bad"),
        Column("custom_fields", "JSON"),
    ),
    primary_key=("ticket_id",),
    updated_column="updated_at",
)
TICKET_METRICS = StreamSpec(
    source=SOURCE_NAME,
    name="ticket_metrics",
    description="Ticket metric set per ticket (durations in minutes, calendar and business).",
    columns=(
        Column("ticket_id", "BIGINT"),
        Column("metric_id", "BIGINT"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
        Column("group_stations", "INTEGER"),
        Column("assignee_stations", "INTEGER"),
        Column("reopens", "INTEGER"),
        Column("replies", "INTEGER"),
        *(Column(f"{d}_{kind}", "BIGINT") for d in DURATIONS for kind in ("calendar", "business")),
        Column("initially_assigned_at", "TIMESTAMP"),
        Column("assigned_at", "TIMESTAMP"),
        Column("solved_at", "TIMESTAMP"),
        Column("status_updated_at", "TIMESTAMP"),
        Column("latest_comment_added_at", "TIMESTAMP"),
    ),
    primary_key=("ticket_id",),
    updated_column="updated_at",
)
AUDIT_EVENTS = StreamSpec(
    source=SOURCE_NAME,
    name="ticket_audit_events",
    description="One row per audit event: creation, field changes (group, assignee, status, ...), comments.",
    columns=(
        Column("audit_id", "BIGINT"),
        Column("event_id", "BIGINT"),
        Column("ticket_id", "BIGINT"),
        Column("created_at", "TIMESTAMP"),
        Column("author_key", "VARCHAR", "identity_key of the audit's author"),
        Column("channel", "VARCHAR"),
        Column("event_type", "VARCHAR", "Create | Change | Comment | ..."),
        Column("field_name", "VARCHAR"),
        Column("value", "VARCHAR", "identity_key for person fields; JSON text for lists"),
        Column("previous_value", "VARCHAR"),
        Column("is_public", "BOOLEAN", "comments only"),
    ),
    primary_key=("audit_id", "event_id"),
)
SATISFACTION = StreamSpec(
    source=SOURCE_NAME,
    name="satisfaction_ratings",
    description="CSAT ratings with the assignee and group rated (comments are not landed).",
    columns=(
        Column("rating_id", "BIGINT"),
        Column("ticket_id", "BIGINT"),
        Column("score", "VARCHAR", "good | bad | offered | unoffered"),
        Column("assignee_key", "VARCHAR"),
        Column("group_id", "BIGINT"),
        Column("requester_key", "VARCHAR"),
        Column("reason", "VARCHAR"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
    ),
    primary_key=("rating_id",),
    updated_column="updated_at",
)
USERS = StreamSpec(
    source=SOURCE_NAME,
    name="users",
    description="Zendesk users: identity_key -> person_key, role and default group.",
    columns=(
        Column("identity_key", "VARCHAR"),
        Column("person_key", "VARCHAR"),
        Column("role", "VARCHAR", "end-user | agent | admin"),
        Column("active", "BOOLEAN"),
        Column("suspended", "BOOLEAN"),
        Column("default_group_id", "BIGINT"),
        Column("organization_id", "BIGINT"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
    ),
    primary_key=("identity_key",),
    updated_column="updated_at",
)
GROUPS = StreamSpec(
    source=SOURCE_NAME,
    name="groups",
    description="Ticket groups by id and name (mapped to departments downstream).",
    columns=(
        Column("group_id", "BIGINT"),
        Column("name", "VARCHAR"),
        Column("is_public", "BOOLEAN"),
        Column("deleted", "BOOLEAN"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
    ),
    primary_key=("group_id",),
    updated_column="updated_at",
)

SCHEDULES = StreamSpec(
    source=SOURCE_NAME,
    name="business_hours_schedules",
    description="Business-hours schedules: Zendesk time zone name and weekly intervals (minutes since Sunday 00:00 local).",
    columns=(
        Column("schedule_id", "BIGINT"),
        Column("name", "VARCHAR"),
        Column("time_zone", "VARCHAR", "Zendesk's zone name, e.g. Amsterdam or Eastern Time (US & Canada)"),
        Column("intervals", "JSON", "[{start_time, end_time}] in minutes since Sunday 00:00 local"),
        Column("created_at", "TIMESTAMP"),
        Column("updated_at", "TIMESTAMP"),
    ),
    primary_key=("schedule_id",),
)
SCHEDULE_HOLIDAYS = StreamSpec(
    source=SOURCE_NAME,
    name="schedule_holidays",
    description="Holidays of each business-hours schedule (dates inclusive).",
    columns=(
        Column("schedule_id", "BIGINT"),
        Column("holiday_id", "BIGINT"),
        Column("name", "VARCHAR"),
        Column("start_date", "DATE"),
        Column("end_date", "DATE"),
    ),
    primary_key=("schedule_id", "holiday_id"),
)

# Fields each record type is known to carry (read, or deliberately left out): any other is undeclared.
TICKET_KNOWN = frozenset((
    "id", "url", "external_id", "created_at", "updated_at", "generated_timestamp", "status", "priority", "type",
    "subject", "raw_subject", "description", "tags", "requester_id", "submitter_id", "assignee_id", "group_id",
    "organization_id", "brand_id", "via", "custom_fields", "fields", "satisfaction_rating", "collaborator_ids",
    "follower_ids", "email_cc_ids", "has_incidents", "is_public", "due_at", "recipient", "problem_id",
    "sharing_agreement_ids", "followup_ids", "forum_topic_id", "allow_channelback", "allow_attachments",
    "from_messaging_channel", "ticket_form_id", "custom_status_id", "encoded_id",
))
METRIC_KNOWN = frozenset((
    "id", "ticket_id", "url", "created_at", "updated_at", "group_stations", "assignee_stations", "reopens", "replies",
    "initially_assigned_at", "assigned_at", "solved_at", "status_updated_at", "latest_comment_added_at",
    "assignee_updated_at", "requester_updated_at", "custom_status_updated_at", "reply_time_in_seconds",
    *(f"{d}_in_minutes" for d in DURATIONS),
))
RATING_KNOWN = frozenset(("id", "url", "ticket_id", "score", "assignee_id", "group_id", "requester_id", "reason",
                          "reason_id", "reason_code", "comment", "created_at", "updated_at"))
GROUP_KNOWN = frozenset(("id", "url", "name", "description", "default", "is_public", "deleted", "created_at", "updated_at"))
SCHEDULE_KNOWN = frozenset(("id", "url", "name", "time_zone", "intervals", "created_at", "updated_at"))
HOLIDAY_KNOWN = frozenset(("id", "url", "name", "start_date", "end_date"))


def _channel(via: Any) -> str | None:
    """The channel id (`web`, `email`, ...) of an event's `via`: an object, or the interface's name."""
    if isinstance(via, Mapping):
        return r.text(via.get("channel"), "via.channel")
    if via is None:
        return None
    name = r.text(via, "via")
    return VIA_CHANNELS.get(name.lower(), name.lower())


def _changed_field(child: Mapping[str, Any]) -> str:
    """A Create/Change child event names its field by its key (`{"status": "open", ...}`)."""
    fields = [k for k in child if k not in CHILD_EVENT_KEYS]
    if not fields:
        raise RecordError("change event names no field")
    return "tags" if "tags" in fields else fields[0]


def _int(value: Any, name: str) -> int:
    """A required integer id; plain ints skip the validator."""
    return value if type(value) is int else r.integer(value, name, required=True)


def _value_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


class ZendeskTicketsExtractor:
    """Tickets with their metric sets, then the ticket events (audits) since the last run.

    Both come from Zendesk's incremental exports: tickets from the cursor-based one (1000 a page,
    metric sets sideloaded), audits from the time-based ticket event export (1000 a page, comments
    sideloaded), rather than one audits request per ticket. Each batch's state carries both
    positions, so a run stopped anywhere resumes where its last batch ended.
    """

    source = SOURCE_NAME
    name = "tickets"
    specs = (TICKETS, TICKET_METRICS, AUDIT_EVENTS)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, *, per_page: int = 1000,
                 start_time: int = 0, audits: bool = True, events_per_page: int | None = None,
                 extra_fields: Iterable[str] = ()):
        self.client = client
        self.events_per_page = events_per_page  # None: the export's own page size (1000)
        self.p = r.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.per_page = per_page
        self.start_time = start_time
        self.audits = audits
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, USER_ID_KEYS)
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)
        self._channels: dict[str, str | None] = {}  # `via` name -> channel id

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        state = dict(state or {})
        for batch in self._ticket_batches(state):
            batch.state = state = {**state, **(batch.state or {})}
            yield batch
        if self.audits:
            for batch in self._event_batches(state):
                batch.state = state = {**state, **(batch.state or {})}
                yield batch

    def _ticket_batches(self, state: dict[str, Any]) -> Iterator[Batch]:
        params: dict[str, Any] = {"include": "metric_sets", "per_page": self.per_page}
        if state.get("cursor"):
            params["cursor"] = state["cursor"]
        else:
            params["start_time"] = int(state.get("start_time", self.start_time))
        paginator = zendesk_cursor()
        for _, payload in paginate(self.client, "GET", TICKETS_PATH, params, paginator, prefetch=True):
            tickets = payload.get("tickets") if isinstance(payload, Mapping) else None
            if not isinstance(tickets, list):
                raise SourceRequestError(f"zendesk: {TICKETS_PATH} answered without a `tickets` list")
            batch = Batch(rows={"tickets": [], "ticket_metrics": []})
            # The export repeats a ticket changed while it is read: keep its latest version.
            latest: dict[int, dict[str, Any]] = {}
            for raw in tickets:
                try:
                    row = self._ticket(raw)
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("tickets", str(exc), raw, r.record_id(raw, "id")))
                    continue
                seen = latest.get(row["ticket_id"])
                if seen is None or (row["generated_timestamp"] or 0) >= (seen["generated_timestamp"] or 0):
                    latest[row["ticket_id"]] = row
            batch.rows["tickets"] = list(latest.values())
            for raw in payload.get("metric_sets") or []:
                try:
                    batch.rows["ticket_metrics"].append(self._metrics(raw))
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("ticket_metrics", str(exc), raw, r.record_id(raw, "id")))
            cursor = paginator.cursor or params.get("cursor")
            batch.state = {"cursor": cursor} if cursor else None
            yield batch

    def _event_batches(self, state: dict[str, Any]) -> Iterator[Batch]:
        """Audit events from the time-based ticket event export. The next run starts at the last
        page's `end_time`; the audits of that second already landed are remembered in the state
        and skipped when they come again."""
        start = int(state.get("events_start_time", self.start_time))
        params: dict[str, Any] = {"start_time": start, "include": "comment_events"}
        if self.events_per_page:
            params["per_page"] = self.events_per_page
        landed = {start: set(state.get("events_at_start") or ())}  # audit ids of a second already landed
        paginator = TimeBasedPaginator()
        for _, payload in paginate(self.client, "GET", EVENTS_PATH, params, paginator, prefetch=True):
            events = payload.get("ticket_events") if isinstance(payload, Mapping) else None
            if not isinstance(events, list):
                raise SourceRequestError(f"zendesk: {EVENTS_PATH} answered without a `ticket_events` list")
            rows: dict[tuple[int, int], dict[str, Any]] = {}
            batch = Batch(rows={"ticket_audit_events": []})
            for raw in events:
                stamp, audit_id = (raw.get("timestamp"), raw.get("id")) if isinstance(raw, Mapping) else (None, None)
                if audit_id in landed.get(stamp, ()):
                    continue  # landed by the run before (the export repeats the second it ended on)
                try:
                    for row in self._event_rows(raw):
                        rows[row["audit_id"], row["event_id"]] = row
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("ticket_audit_events", str(exc), raw, r.record_id(raw, "id")))
                landed.setdefault(stamp, set()).add(audit_id)
            batch.rows["ticket_audit_events"] = list(rows.values())
            end = paginator.end_time
            if end is not None:
                landed = {end: landed.get(end, set())}
                batch.state = {"events_start_time": end, "events_at_start": sorted(landed[end])}
            yield batch

    def _ticket(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise RecordError("ticket is not an object")
        tags = raw.get("tags") or []
        if not isinstance(tags, list):
            raise RecordError("tags is not a list")
        rating = r.mapping(raw.get("satisfaction_rating"), "satisfaction_rating")
        custom = raw.get("custom_fields")
        return {
            "ticket_id": r.integer(raw.get("id"), "id", required=True),
            "created_at": r.timestamp(raw.get("created_at"), "created_at", required=True),
            "updated_at": r.timestamp(raw.get("updated_at"), "updated_at", required=True),
            "generated_timestamp": r.integer(raw.get("generated_timestamp"), "generated_timestamp"),
            "status": r.text(raw.get("status"), "status"),
            "priority": r.text(raw.get("priority"), "priority"),
            "ticket_type": r.text(raw.get("type"), "type"),
            "channel": r.text(r.mapping(raw.get("via"), "via").get("channel"), "via.channel"),
            "tags": tags,
            "requester_key": self.p.identity_key(SOURCE_NAME, raw.get("requester_id")),
            "submitter_key": self.p.identity_key(SOURCE_NAME, raw.get("submitter_id")),
            "assignee_key": self.p.identity_key(SOURCE_NAME, raw.get("assignee_id")),
            "group_id": r.integer(raw.get("group_id"), "group_id"),
            "organization_id": r.integer(raw.get("organization_id"), "organization_id"),
            "brand_id": r.integer(raw.get("brand_id"), "brand_id"),
            "satisfaction_rating_id": r.integer(rating.get("id"), "satisfaction_rating.id"),
            "satisfaction_score": r.text(rating.get("score"), "satisfaction_rating.score"),
            "custom_fields": self.scrub(custom) if custom else None,
            "_extra": self.undeclared.extra(raw, TICKET_KNOWN),
        }

    def _metrics(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise RecordError("metric set is not an object")
        row = {
            "ticket_id": r.integer(raw.get("ticket_id"), "ticket_id", required=True),
            "metric_id": r.integer(raw.get("id"), "id"),
            "created_at": r.timestamp(raw.get("created_at"), "created_at"),
            "updated_at": r.timestamp(raw.get("updated_at"), "updated_at"),
            "group_stations": r.integer(raw.get("group_stations"), "group_stations"),
            "assignee_stations": r.integer(raw.get("assignee_stations"), "assignee_stations"),
            "reopens": r.integer(raw.get("reopens"), "reopens"),
            "replies": r.integer(raw.get("replies"), "replies"),
        }
        for duration in DURATIONS:
            value = r.mapping(raw.get(f"{duration}_in_minutes"), f"{duration}_in_minutes")
            for kind in ("calendar", "business"):
                row[f"{duration}_{kind}"] = r.integer(value.get(kind), f"{duration}_in_minutes.{kind}")
        for name in ("initially_assigned_at", "assigned_at", "solved_at", "status_updated_at", "latest_comment_added_at"):
            row[name] = r.timestamp(raw.get(name), name)
        row["_extra"] = self.undeclared.extra(raw, METRIC_KNOWN)
        return row

    def _event_rows(self, event: Any) -> list[dict[str, Any]]:
        """One row per child event of a ticket event (an audit): creation, changes, comments.

        The export's bulk (a million rows and more at 10,000 employees): plain ints, strings and
        dicts, the common case, take fast paths; anything else goes through the shared validators.
        """
        if type(event) is not dict:
            event = r.mapping(event, "ticket event")
        audit_id = _int(event.get("id"), "id")
        ticket_id = _int(event.get("ticket_id"), "ticket_id")
        created = r.timestamp(event.get("created_at"), "created_at", required=True)
        identity_key = self.p.identity_key
        author = identity_key(SOURCE_NAME, event.get("updater_id"))
        via = event.get("via")
        channel = self._channels.get(via) if type(via) is str else None
        if channel is None:
            channel = _channel(via)
            if type(via) is str:
                self._channels[via] = channel
        children = event.get("child_events")
        if not isinstance(children, list):
            raise RecordError("child_events is not a list")
        rows = []
        for child in children:
            if type(child) is not dict:
                child = r.mapping(child, "child event")
            kind = child.get("event_type") or child.get("type")
            if type(kind) is not str:
                kind = r.text(kind, "child.event_type")
            field = value = previous = None
            if kind == "Create" or kind == "Change":
                field = _changed_field(child)
                value, previous = child.get(field), child.get("previous_value")
                if field in PERSON_FIELDS:
                    value = identity_key(SOURCE_NAME, value)
                    previous = identity_key(SOURCE_NAME, previous)
            child_author = child.get("author_id")
            rows.append({
                "audit_id": audit_id,
                "event_id": _int(child.get("id"), "child.id"),
                "ticket_id": ticket_id,
                "created_at": created,
                "author_key": (identity_key(SOURCE_NAME, child_author) if child_author is not None else None) or author,
                "channel": channel,
                "event_type": kind,
                "field_name": field,
                "value": value if value is None or type(value) is str else _value_text(value),
                "previous_value": previous if previous is None or type(previous) is str else _value_text(previous),
                "is_public": r.boolean(child.get("public"), "child.public") if kind == "Comment" else None,
            })
        return rows


class ZendeskUsersExtractor:
    source = SOURCE_NAME
    name = "users"
    specs = (USERS,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, *, per_page: int = 1000,
                 start_time: int = 0):
        self.client = client
        self.p = r.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.per_page = per_page
        self.start_time = start_time
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, USER_ID_KEYS + ("id",), redact_keys=("name", "phone", "photo"))

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        params: dict[str, Any] = {"per_page": self.per_page}
        if state and state.get("cursor"):
            params["cursor"] = state["cursor"]
        else:
            params["start_time"] = self.start_time
        paginator = zendesk_cursor()
        for _, payload in paginate(self.client, "GET", USERS_PATH, params, paginator):
            users = payload.get("users") if isinstance(payload, Mapping) else None
            if not isinstance(users, list):
                raise SourceRequestError(f"zendesk: {USERS_PATH} answered without a `users` list")
            batch = Batch(rows={"users": []})
            for raw in users:
                try:
                    batch.rows["users"].append(self._user(raw))
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("users", str(exc), raw, None))
            cursor = paginator.cursor or params.get("cursor")
            batch.state = {"cursor": cursor} if cursor else None
            yield batch

    def _user(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise RecordError("user is not an object")
        user_id = r.integer(raw.get("id"), "id", required=True)
        return {
            "identity_key": self.p.identity_key(SOURCE_NAME, user_id),
            "person_key": self.p.person_key(r.text(raw.get("email"), "email")),
            "role": r.text(raw.get("role"), "role"),
            "active": r.boolean(raw.get("active"), "active"),
            "suspended": r.boolean(raw.get("suspended"), "suspended"),
            "default_group_id": r.integer(raw.get("default_group_id"), "default_group_id"),
            "organization_id": r.integer(raw.get("organization_id"), "organization_id"),
            "created_at": r.timestamp(raw.get("created_at"), "created_at"),
            "updated_at": r.timestamp(raw.get("updated_at"), "updated_at", required=True),
            "_extra": None,  # user profiles carry names, phones, photos: nothing else is kept
        }


class ZendeskSatisfactionExtractor:
    """Ratings since the newest one landed (minus an overlap), cursor-paged; versions already
    landed in the overlap are remembered in the state and skipped."""

    source = SOURCE_NAME
    name = "satisfaction_ratings"
    specs = (SATISFACTION,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, *, overlap_seconds: int = 3600,
                 extra_fields: Iterable[str] = ()):
        self.client = client
        self.p = r.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.overlap = overlap_seconds
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, USER_ID_KEYS)
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        since = int((state or {}).get("since", 0))
        recent: dict[str, str] = dict((state or {}).get("recent") or {})
        params = {"page[size]": 100, "start_time": max(0, since - self.overlap)}
        paginator = CursorPaginator("meta.after_cursor", "page[after]", more_path="meta.has_more")
        for _, payload in paginate(self.client, "GET", "/api/v2/satisfaction_ratings.json", params, paginator):
            batch = Batch(rows={"satisfaction_ratings": []})
            for raw in (payload or {}).get("satisfaction_ratings") or []:
                try:
                    row = self._rating(raw)
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("satisfaction_ratings", str(exc), raw, r.record_id(raw, "id")))
                    continue
                version = row["updated_at"].isoformat()
                key = str(row["rating_id"])
                if recent.get(key, "") >= version:
                    continue  # already landed (overlap window or a repeated record)
                recent[key] = version
                batch.rows["satisfaction_ratings"].append(row)
                since = max(since, int(row["created_at"].replace(tzinfo=dt.UTC).timestamp()))
            floor = dt.datetime.fromtimestamp(since - self.overlap - 1, dt.UTC).replace(tzinfo=None).isoformat()
            recent = {k: v for k, v in recent.items() if v >= floor}
            batch.state = {"since": since, "recent": dict(recent)}  # a copy: `recent` moves on
            yield batch

    def _rating(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise RecordError("rating is not an object")
        created = r.timestamp(raw.get("created_at"), "created_at", required=True)
        return {
            "rating_id": r.integer(raw.get("id"), "id", required=True),
            "ticket_id": r.integer(raw.get("ticket_id"), "ticket_id"),
            "score": r.text(raw.get("score"), "score"),
            "assignee_key": self.p.identity_key(SOURCE_NAME, raw.get("assignee_id")),
            "group_id": r.integer(raw.get("group_id"), "group_id"),
            "requester_key": self.p.identity_key(SOURCE_NAME, raw.get("requester_id")),
            "reason": r.text(raw.get("reason"), "reason"),
            "created_at": created,
            "updated_at": r.timestamp(raw.get("updated_at"), "updated_at") or created,
            "_extra": self.undeclared.extra(raw, RATING_KNOWN),
        }


class ZendeskGroupsExtractor:
    """Groups are few: read them all every run (a rename shows up at once)."""

    source = SOURCE_NAME
    name = "groups"
    specs = (GROUPS,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, *, extra_fields: Iterable[str] = ()):
        self.client = client
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, USER_ID_KEYS)
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        batch = Batch(rows={"groups": []})
        paginator = CursorPaginator("meta.after_cursor", "page[after]", more_path="meta.has_more")
        for _, payload in paginate(self.client, "GET", GROUPS_PATH, {"page[size]": 100}, paginator):
            for raw in (payload or {}).get("groups") or []:
                try:
                    if not isinstance(raw, Mapping):
                        raise RecordError("group is not an object")
                    batch.rows["groups"].append({
                        "group_id": r.integer(raw.get("id"), "id", required=True),
                        "name": r.text(raw.get("name"), "name", required=True),
                        "is_public": r.boolean(raw.get("is_public"), "is_public"),
                        "deleted": r.boolean(raw.get("deleted"), "deleted"),
                        "created_at": r.timestamp(raw.get("created_at"), "created_at"),
                        "updated_at": r.timestamp(raw.get("updated_at"), "updated_at"),
                        "_extra": self.undeclared.extra(raw, GROUP_KNOWN),
                    })
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("groups", str(exc), raw, r.record_id(raw, "id")))
        yield batch


class ZendeskSchedulesExtractor:
    """Business-hours schedules and their holidays: a handful of rows, read whole every run."""

    source = SOURCE_NAME
    name = "business_hours"
    specs = (SCHEDULES, SCHEDULE_HOLIDAYS)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, *, extra_fields: Iterable[str] = ()):
        self.client = client
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, USER_ID_KEYS)
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        batch = Batch(rows={"business_hours_schedules": [], "schedule_holidays": []})
        payload = self.client.get_json(SCHEDULES_PATH) or {}
        for raw in payload.get("schedules") or []:
            try:
                batch.rows["business_hours_schedules"].append(self._schedule(raw))
            except RecordError as exc:
                batch.rejects.append(self.scrub.reject("business_hours_schedules", str(exc), raw, r.record_id(raw, "id")))
                continue
            schedule_id = raw["id"]
            holidays = self.client.get_json(HOLIDAYS_PATH.format(id=schedule_id)) or {}
            for holiday in holidays.get("holidays") or []:
                try:
                    batch.rows["schedule_holidays"].append(self._holiday(schedule_id, holiday))
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("schedule_holidays", str(exc), holiday,
                                                           r.record_id(holiday, "id")))
        yield batch

    def _schedule(self, raw: Any) -> dict[str, Any]:
        raw = r.mapping(raw, "schedule")
        intervals = raw.get("intervals")
        if not isinstance(intervals, list):
            raise RecordError("intervals is not a list")
        clean = []
        for interval in intervals:
            interval = r.mapping(interval, "interval")
            start = r.integer(interval.get("start_time"), "start_time", required=True)
            end = r.integer(interval.get("end_time"), "end_time", required=True)
            if not within_one_day(start, end):
                raise RecordError(f"interval {start}-{end} is not inside one day of the week")
            clean.append({"start_time": start, "end_time": end})
        return {
            "schedule_id": r.integer(raw.get("id"), "id", required=True),
            "name": r.text(raw.get("name"), "name", required=True),
            "time_zone": r.text(raw.get("time_zone"), "time_zone", required=True),
            "intervals": json.dumps(clean),
            "created_at": r.timestamp(raw.get("created_at"), "created_at"),
            "updated_at": r.timestamp(raw.get("updated_at"), "updated_at"),
            "_extra": self.undeclared.extra(raw, SCHEDULE_KNOWN),
        }

    def _holiday(self, schedule_id: int, raw: Any) -> dict[str, Any]:
        raw = r.mapping(raw, "holiday")
        start, end = r.date(raw.get("start_date"), "start_date"), r.date(raw.get("end_date"), "end_date")
        if start is None or end is None or end < start:
            raise RecordError("holiday needs start_date <= end_date")
        return {
            "schedule_id": schedule_id,
            "holiday_id": r.integer(raw.get("id"), "id", required=True),
            "name": r.text(raw.get("name"), "name", required=True),
            "start_date": start,
            "end_date": end,
            "_extra": self.undeclared.extra(raw, HOLIDAY_KNOWN),
        }


def make_client(settings: Mapping[str, str], **options: Any) -> SourceHttpClient:
    return SourceHttpClient(
        SOURCE_NAME,
        checked_base_url(settings[BASE_URL_VARIABLE], BASE_URL_VARIABLE),
        auth=(f"{settings[EMAIL_VARIABLE]}/token", settings[TOKEN_VARIABLE]),
        credential_variables=(EMAIL_VARIABLE, TOKEN_VARIABLE), url_variable=BASE_URL_VARIABLE,
        secrets=(settings[TOKEN_VARIABLE],),
        **options,
    )


def build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser, **client_options: Any) -> list[Any]:
    """Extractors sharing one client (one session per source); `client_options` reach the client."""
    client = make_client(settings, **client_options)
    extra = allowed_fields(settings, SOURCE_NAME)  # user profiles never keep extra fields
    return [
        ZendeskGroupsExtractor(client, pseudonymiser, extra_fields=extra),
        ZendeskUsersExtractor(client, pseudonymiser),
        ZendeskTicketsExtractor(client, pseudonymiser, extra_fields=extra),
        ZendeskSatisfactionExtractor(client, pseudonymiser, extra_fields=extra),
        ZendeskSchedulesExtractor(client, pseudonymiser, extra_fields=extra),
    ]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Zendesk Support",
    variables=(
        Variable(BASE_URL_VARIABLE, "account URL, e.g. https://acme.zendesk.com"),
        Variable(EMAIL_VARIABLE, "e-mail of the API user"),
        Variable(TOKEN_VARIABLE, "API token", secret=True),
        extra_fields_variable(SOURCE_NAME, "ticket_form_id"),
    ),
    extractors={
        "groups": ZendeskGroupsExtractor.specs,
        "users": ZendeskUsersExtractor.specs,
        "tickets": ZendeskTicketsExtractor.specs,
        "satisfaction_ratings": ZendeskSatisfactionExtractor.specs,
        "business_hours": ZendeskSchedulesExtractor.specs,
    },
    build=lambda settings, pseudonymiser: build(settings, pseudonymiser),
)
