"""OpenAI organisation: completions usage per user and project, members and projects, into `raw_openai`.

Usage: `GET /v1/organization/usage/completions` with daily buckets grouped by `user_id` and
`project_id`, paged by `page`/`next_page` while `has_more` (api_formats.md 6a). Recent buckets can
still fill in, so each run asks again from the start of the last bucket it landed; rows merge by
(day, user, project). Members (`/v1/organization/users`, `after=last_id`) are the seats: who is a
member since when, landed per snapshot day, with the e-mail turned into `person_key`. Projects
(`/v1/organization/projects`) name what a project is for (e.g. a recruiting assistant), so the
marts can attribute a project's usage to a catalogue tool. Vendor user ids become
`identity_key('openai', id)`, the namespace of the identity-override file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from connectors import records as rec
from connectors._clock import server_date
from connectors.base import Batch, Column, StreamSpec
from connectors.errors import ConfigError, RecordError, SourceRequestError
from connectors.http import SourceHttpClient
from connectors.pagination import openai_cursor, paginate
from connectors.privacy import Pseudonymiser, is_email
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared

SOURCE_NAME = "openai"
IDENTITY_SOURCE = "openai"
TOOL = "openai_chatgpt"  # catalogue tool of the organisation's OpenAI seats
KEY_VARIABLE, URL_VARIABLE = "OPENAI_ADMIN_KEY", "OPENAI_BASE_URL"
BACKFILL_VARIABLE = "OPENAI_USAGE_BACKFILL_DAYS"
DEFAULT_BACKFILL_DAYS = 365
NONE = "(none)"  # key part for a usage group without a user or project (e.g. a service API key)
TOKEN_FIELDS = (
    "input_tokens", "output_tokens", "input_cached_tokens", "input_audio_tokens", "output_audio_tokens",
    "num_model_requests",
)

USAGE = StreamSpec(
    SOURCE_NAME, "completions_usage",
    (Column("day", "DATE", "UTC day of the 1d bucket"),
     Column("identity_key", "VARCHAR", f"keyed hash of the OpenAI user id; '{NONE}' for usage without a user"),
     Column("project_id", "VARCHAR", f"'{NONE}' for usage outside a project"),
     Column("tool", "VARCHAR"),
     Column("bucket_start", "TIMESTAMP"), Column("bucket_end", "TIMESTAMP"),
     *(Column(name, "BIGINT") for name in TOKEN_FIELDS)),
    primary_key=("day", "identity_key", "project_id"),
    description="Completions usage per day, user and project; intensity = requests and tokens.",
)
MEMBERS = StreamSpec(
    SOURCE_NAME, "members",
    (Column("snapshot_date", "DATE", "day the member list was read (server clock)"),
     Column("identity_key", "VARCHAR", "keyed hash of the OpenAI user id"),
     Column("person_key", "VARCHAR", "keyed hash of the member's e-mail"),
     Column("tool", "VARCHAR"), Column("role", "VARCHAR"),
     Column("added_at", "TIMESTAMP", "member (seat) since"),
     Column("is_service_account", "BOOLEAN")),
    primary_key=("snapshot_date", "identity_key"),
    description="Organisation members as listed on each snapshot day: the tool's seats.",
)
PROJECTS = StreamSpec(
    SOURCE_NAME, "projects",
    (Column("project_id", "VARCHAR"), Column("name", "VARCHAR"), Column("status", "VARCHAR"),
     Column("created_at", "TIMESTAMP"), Column("archived_at", "TIMESTAMP")),
    primary_key=("project_id",),
    description="Projects of the organisation, to tell what a project's usage is for.",
)


def client_for(settings: Mapping[str, str]) -> SourceHttpClient:
    return SourceHttpClient(
        SOURCE_NAME, settings.get(URL_VARIABLE, "https://api.openai.com"),
        headers={"Authorization": f"Bearer {settings[KEY_VARIABLE]}"},
        credential_variables=(KEY_VARIABLE,), url_variable=URL_VARIABLE,
    )


def _list(payload: Any, key: str, what: str) -> list[Any]:
    items = payload.get(key) if isinstance(payload, Mapping) else None
    if not isinstance(items, list):
        raise SourceRequestError(f"{SOURCE_NAME}: {what} page without a `{key}` list")
    return items


# Fields of a usage result and of a member that are read or deliberately left out (`name` is a person's
# name; the finer token breakdowns and the group keys we do not group by): any other field is undeclared.
USAGE_KNOWN = frozenset({
    "object", "user_id", "project_id", *TOKEN_FIELDS, "input_cache_write_tokens", "input_uncached_tokens",
    "input_text_tokens", "output_text_tokens", "input_cached_text_tokens", "input_cached_audio_tokens",
    "input_image_tokens", "input_cached_image_tokens", "output_image_tokens", "api_key_id", "model", "batch",
    "service_tier",
})
MEMBER_KNOWN = frozenset({"object", "id", "email", "name", "role", "added_at", "is_service_account", "user"})


class CompletionsUsageExtractor:
    source = SOURCE_NAME
    name = "completions_usage"
    specs = (USAGE,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser,
                 backfill_days: int = DEFAULT_BACKFILL_DAYS, now: Callable[[], dt.datetime] | None = None,
                 extra_fields: Iterable[str] = ()):
        self.client = client
        self.p = rec.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.scrub = rec.Scrubber(pseudonymiser, IDENTITY_SOURCE, ("user_id",))
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)
        self.backfill_days = backfill_days
        self._now = now or (lambda: dt.datetime.now(dt.UTC))

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        start = (state or {}).get("start_time")
        if start is None:
            today = self._now().astimezone(dt.UTC).date() - dt.timedelta(days=self.backfill_days)
            start = int(dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp())
        params = {"start_time": start, "bucket_width": "1d", "group_by": ["user_id", "project_id"], "limit": 31}
        for _, payload in paginate(self.client, "GET", "/v1/organization/usage/completions", params, openai_cursor()):
            batch = Batch()
            last_start = None
            for bucket in _list(payload, "data", "usage"):
                last_start = self._add_bucket(batch, bucket) or last_start
            if last_start is not None:
                # Resume from the last bucket seen: it may still be filling in.
                batch.state = {"start_time": max(last_start, start)}
            yield batch

    def _add_bucket(self, batch: Batch, bucket: Any) -> int | None:
        try:
            if not isinstance(bucket, Mapping):
                raise RecordError("bucket is not an object")
            begin = rec.integer(bucket.get("start_time"), "start_time", required=True)
            end = rec.integer(bucket.get("end_time"), "end_time")
            results = bucket.get("results") or []
            if not isinstance(results, list):
                raise RecordError("results is not a list")
        except RecordError as exc:
            batch.rejects.append(self.scrub.reject(USAGE.name, f"usage bucket: {exc}", bucket))
            return None
        start_at = rec.timestamp(begin, "start_time")
        for result in results:
            try:
                if not isinstance(result, Mapping):
                    raise RecordError("result is not an object")
                for required in ("input_tokens", "output_tokens", "num_model_requests"):
                    rec.integer(result.get(required), required, required=True)
                user = rec.text(result.get("user_id"), "user_id")
                row = {"day": start_at.date(),
                       "identity_key": self.p.identity_key(IDENTITY_SOURCE, user) if user else NONE,
                       "project_id": rec.text(result.get("project_id"), "project_id") or NONE,
                       "tool": TOOL, "bucket_start": start_at,
                       "bucket_end": rec.timestamp(end, "end_time") if end is not None else None,
                       **{name: rec.integer(result.get(name), name) for name in TOKEN_FIELDS}}
            except RecordError as exc:
                batch.rejects.append(self.scrub.reject(USAGE.name, f"usage result of bucket {begin}: {exc}", result))
                continue
            row["_extra"] = self.undeclared.extra(result, USAGE_KNOWN)
            batch.rows.setdefault(USAGE.name, []).append(row)
        return begin


class MembersExtractor:
    source = SOURCE_NAME
    name = "members"
    specs = (MEMBERS, PROJECTS)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, extra_fields: Iterable[str] = ()):
        self.client = client
        self.p = rec.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.scrub = rec.Scrubber(pseudonymiser, IDENTITY_SOURCE, ("id",))
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        snapshot = None
        users = paginate(self.client, "GET", "/v1/organization/users", {"limit": 100}, openai_cursor("last_id", "after"))
        for response, payload in users:
            snapshot = snapshot or server_date(response)
            batch = Batch()
            for user in _list(payload, "data", "users"):
                self._add_member(batch, user, snapshot)
            yield batch
        projects = paginate(self.client, "GET", "/v1/organization/projects", {"limit": 100, "include_archived": "true"},
                            openai_cursor("last_id", "after"))
        for _, payload in projects:
            batch = Batch()
            for project in _list(payload, "data", "projects"):
                self._add_project(batch, project)
            yield batch
        yield Batch(state={"last_snapshot": (snapshot or server_date(None)).isoformat()})

    def _add_member(self, batch: Batch, user: Any, snapshot: dt.date) -> None:
        try:
            if not isinstance(user, Mapping):
                raise RecordError("user is not an object")
            uid = rec.text(user.get("id"), "id", required=True)
            email = rec.text(user.get("email"), "email")
            row = {"snapshot_date": snapshot, "identity_key": self.p.identity_key(IDENTITY_SOURCE, uid),
                   "person_key": self.p.person_key(email) if is_email(email) else None,
                   "tool": TOOL, "role": rec.text(user.get("role"), "role"),
                   "added_at": rec.timestamp(user.get("added_at"), "added_at"),
                   "is_service_account": rec.boolean(user.get("is_service_account"), "is_service_account")}
        except RecordError as exc:
            # `name` is a person's name, which the shared scrubber only knows under longer keys.
            payload = {k: v for k, v in user.items() if k != "name"} if isinstance(user, Mapping) else user
            batch.rejects.append(self.scrub.reject(MEMBERS.name, f"member: {exc}", payload))
            return
        row["_extra"] = self.undeclared.extra(user, MEMBER_KNOWN)
        batch.rows.setdefault(MEMBERS.name, []).append(row)

    def _add_project(self, batch: Batch, project: Any) -> None:
        try:
            if not isinstance(project, Mapping):
                raise RecordError("project is not an object")
            row = {"project_id": rec.text(project.get("id"), "id", required=True),
                   "name": rec.text(project.get("name"), "name"), "status": rec.text(project.get("status"), "status"),
                   "created_at": rec.timestamp(project.get("created_at"), "created_at"),
                   "archived_at": rec.timestamp(project.get("archived_at"), "archived_at")}
        except RecordError as exc:
            batch.rejects.append(self.scrub.reject(PROJECTS.name, f"project: {exc}", project))
            return
        batch.rows.setdefault(PROJECTS.name, []).append(row)


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[Any]:
    raw = settings.get(BACKFILL_VARIABLE, str(DEFAULT_BACKFILL_DAYS))
    if not raw.isdigit() or not 1 <= int(raw) <= 3660:
        raise ConfigError(f"{BACKFILL_VARIABLE}={raw!r}: expected a number of days")
    extra = allowed_fields(settings, SOURCE_NAME)
    return [MembersExtractor(client_for(settings), pseudonymiser, extra),
            CompletionsUsageExtractor(client_for(settings), pseudonymiser, int(raw), extra_fields=extra)]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="OpenAI organisation",
    variables=(
        Variable(KEY_VARIABLE, "organisation Admin API key (not a project key)", secret=True),
        Variable(URL_VARIABLE, "API base URL", required=False, default="https://api.openai.com"),
        Variable(BACKFILL_VARIABLE, "days of usage read on the first run", required=False, default=str(DEFAULT_BACKFILL_DAYS)),
        extra_fields_variable(SOURCE_NAME, "api_key_id"),
    ),
    extractors={"members": (MEMBERS, PROJECTS), "completions_usage": (USAGE,)},
    build=_build,
)
