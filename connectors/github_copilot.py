"""GitHub Copilot: seats and the per-user usage-metrics reports, into `raw_github_copilot`.

Usage comes from the usage-metrics report API (api_formats.md 4b): for each day,
`GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=` (and `user-teams-1-day`) answers with
signed `download_links`; each link serves NDJSON, one user per line. `204` means no report for the
day. The retired `/orgs/{org}/copilot/metrics` endpoint is never called. Days are read one at a
time, oldest first, from the cursor to yesterday (by the server's clock, from its `Date` header);
whole days land together, so a killed run resumes after the last landed day. Reports of the
last few days can still fill in, so each run reads them again (rows merge by key).

Seats (`/orgs/{org}/copilot/billing/seats`, `Link` paging) are a snapshot: who holds a seat,
since when, and their last activity, landed per snapshot day so seat history can be rebuilt.
Logins become `identity_key('github', login)`, the namespace of the identity-override file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson

from connectors import records as rec
from connectors._clock import server_date
from connectors.base import Batch, Column, StreamSpec
from connectors.errors import ConfigError, RecordError, SourceAuthError, SourceRequestError
from connectors.http import SourceHttpClient, SourceStatusError
from connectors.pagination import header_link_paginator, paginate
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared

SOURCE_NAME = "github_copilot"
IDENTITY_SOURCE = "github"  # vendor-id namespace shared with the identity-override file
TOOL = "github_copilot"
ORG_VARIABLE, TOKEN_VARIABLE, URL_VARIABLE = "GITHUB_ORG", "GITHUB_TOKEN", "GITHUB_BASE_URL"
BACKFILL_VARIABLE = "GITHUB_COPILOT_BACKFILL_DAYS"
DEFAULT_BACKFILL_DAYS = 365  # the report API keeps one year
REFRESH_DAYS = 3  # days before the cursor read again: late reports fill in
BATCH_ROWS = 20_000  # rows per landed batch (whole days); fewer, larger merges land faster
# The activity counters every breakdown carries (api_formats.md 4b).
COUNTERS = (
    "user_initiated_interaction_count", "code_generation_activity_count", "code_acceptance_activity_count",
    "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum",
)


def _counter_columns() -> tuple[Column, ...]:
    return tuple(Column(name, "BIGINT") for name in COUNTERS)


_KEY = (Column("day", "DATE"), Column("identity_key", "VARCHAR", "keyed hash of the GitHub login"))

USER_DAY = StreamSpec(
    SOURCE_NAME, "user_day_usage",
    (*_KEY, Column("tool", "VARCHAR"), Column("organization_id", "VARCHAR"), Column("enterprise_id", "VARCHAR"),
     *_counter_columns(), Column("used_agent", "BOOLEAN"), Column("used_chat", "BOOLEAN"), Column("used_cli", "BOOLEAN"),
     Column("cli_prompt_count", "BIGINT"), Column("cli_request_count", "BIGINT"), Column("cli_session_count", "BIGINT"),
     Column("cli_prompt_tokens_sum", "BIGINT"), Column("cli_output_tokens_sum", "BIGINT")),
    primary_key=("day", "identity_key"),
    description="One row per Copilot user and active day (users-1-day report); intensity in the counters.",
)
USER_DAY_IDE = StreamSpec(
    SOURCE_NAME, "user_day_ide",
    (*_KEY, Column("ide", "VARCHAR"), *_counter_columns(), Column("ide_version", "VARCHAR"),
     Column("plugin", "VARCHAR"), Column("plugin_version", "VARCHAR")),
    primary_key=("day", "identity_key", "ide"),
    description="users-1-day totals_by_ide, one row per user, day and IDE.",
)
USER_DAY_FEATURE = StreamSpec(
    SOURCE_NAME, "user_day_feature",
    (*_KEY, Column("feature", "VARCHAR"), *_counter_columns()),
    primary_key=("day", "identity_key", "feature"),
    description="users-1-day totals_by_feature (code_completion, chat, agent, ...).",
)
USER_DAY_LANGUAGE_FEATURE = StreamSpec(
    SOURCE_NAME, "user_day_language_feature",
    (*_KEY, Column("language", "VARCHAR"), Column("feature", "VARCHAR"), *_counter_columns()),
    primary_key=("day", "identity_key", "language", "feature"),
    description="users-1-day totals_by_language_feature.",
)
USER_DAY_TEAMS = StreamSpec(
    SOURCE_NAME, "user_day_teams",
    (*_KEY, Column("organization_id", "VARCHAR"), Column("team_id", "VARCHAR"), Column("team_slug", "VARCHAR")),
    primary_key=("day", "identity_key", "team_id"),
    description="user-teams-1-day: the teams a user belonged to that day (teams of >= 5 seats only).",
)
SEATS = StreamSpec(
    SOURCE_NAME, "seats",
    (Column("snapshot_date", "DATE", "day the seat list was read (server clock)"),
     Column("identity_key", "VARCHAR", "keyed hash of the assignee's login"),
     Column("tool", "VARCHAR"),
     Column("assignee_type", "VARCHAR"), Column("plan_type", "VARCHAR"),
     Column("seat_created_at", "TIMESTAMP", "licensed since"), Column("seat_updated_at", "TIMESTAMP"),
     Column("pending_cancellation_date", "DATE"),
     Column("last_activity_at", "TIMESTAMP"), Column("last_activity_editor", "VARCHAR"),
     Column("last_authenticated_at", "TIMESTAMP"),
     Column("assigning_team_slug", "VARCHAR", "team the seat came through; NULL when assigned directly")),
    primary_key=("snapshot_date", "identity_key"),
    description="Copilot seats as listed on each snapshot day.",
)
USAGE_SPECS = (USER_DAY, USER_DAY_IDE, USER_DAY_FEATURE, USER_DAY_LANGUAGE_FEATURE, USER_DAY_TEAMS)


def parse_ndjson(text: str) -> tuple[list[Any], list[tuple[int, str]]]:
    """Records of a report file, and (line, problem) for lines that are not JSON.

    The docs show both NDJSON and a JSON array, so an array (or an object holding one) is accepted too.
    """
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            data = orjson.loads(stripped)
            return (data if isinstance(data, list) else [data]), []
        except ValueError:
            pass  # maybe NDJSON whose first record is an array: fall through line by line
    out: list[Any] = []
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(orjson.loads(line))
        except ValueError:
            bad.append((number, line[:200]))
    return out, bad


def client_for(settings: Mapping[str, str]) -> SourceHttpClient:
    return SourceHttpClient(
        SOURCE_NAME, settings.get(URL_VARIABLE, "https://api.github.com"),
        headers={"Authorization": f"Bearer {settings[TOKEN_VARIABLE]}", "Accept": "application/vnd.github+json",
                 "X-GitHub-Api-Version": "2022-11-28"},
        credential_variables=(TOKEN_VARIABLE, ORG_VARIABLE), url_variable=URL_VARIABLE,
    )


# Fields read, or documented and deliberately left out (the per-model breakdowns: no model reads them;
# `GITHUB_COPILOT_EXTRA_FIELDS` can keep them): any other field is undeclared.
USER_DAY_KNOWN = frozenset({"day", "user_login", "user_id", "organization_id", "enterprise_id", "used_agent", "used_chat",
                            "used_cli", "totals_by_cli", "totals_by_ide", "totals_by_feature", "totals_by_language_feature",
                            "totals_by_language_model", "totals_by_model_feature", *COUNTERS})
SEAT_KNOWN = frozenset({"assignee", "assigning_team", "plan_type", "created_at", "updated_at", "pending_cancellation_date",
                        "last_activity_at", "last_activity_editor", "last_authenticated_at"})


class CopilotUsageExtractor:
    source = SOURCE_NAME
    name = "usage"
    specs = USAGE_SPECS

    def __init__(self, client: SourceHttpClient, org: str, pseudonymiser: Pseudonymiser,
                 backfill_days: int = DEFAULT_BACKFILL_DAYS, today: Callable[[], dt.date] | None = None,
                 extra_fields: Iterable[str] = ()):
        self.client = client
        self.org = org
        self.p = rec.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.scrub = rec.Scrubber(pseudonymiser, IDENTITY_SOURCE, ("user_login", "login"))
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)
        self.backfill_days = backfill_days
        self._today = today

    def _report(self, kind: str, day: dt.date) -> tuple[list[Any], list[tuple[int, str]]] | None:
        """Records and unreadable lines of one 1-day report; None when the server has none for the day (204)."""
        path = f"/orgs/{self.org}/copilot/metrics/reports/{kind}"
        response, meta = self.client.request_json("GET", path, params={"day": day.isoformat()})
        if response.status_code == 204:
            return None
        links = meta.get("download_links") if isinstance(meta, dict) else None
        if not isinstance(links, list):
            raise SourceRequestError(f"{SOURCE_NAME}: {path} answered without download_links for {day}")
        records: list[Any] = []
        bad: list[tuple[int, str]] = []
        for link in links:
            found, problems = parse_ndjson(self._download(path, day, link))
            records += found
            bad += problems
        return records, bad

    def _download(self, path: str, day: dt.date, link: str) -> str:
        try:
            return self.client.get(link).text
        except (SourceAuthError, SourceStatusError):
            # Signed links expire: ask for fresh ones once, then give up with the error.
            meta = self.client.get_json(path, params={"day": day.isoformat()})
            fresh = (meta or {}).get("download_links") or []
            # Same file in the fresh list: the path stays, the signature (query) changes.
            base = link.split("?", 1)[0]
            match = next((f for f in fresh if f.split("?", 1)[0] == base), None)
            if match is None:
                raise
            return self.client.get(match).text

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        last = (state or {}).get("last_report_day")
        day = dt.date.fromisoformat(last) - dt.timedelta(days=REFRESH_DAYS - 1) if last else None
        today = self._today() if self._today else None
        if day is None or today is None:
            # One cheap request tells the server's today (and so the first day of a first run).
            response = self.client.get(f"/orgs/{self.org}/copilot/billing/seats", params={"per_page": 1})
            today = today or server_date(response)
            day = day or today - dt.timedelta(days=self.backfill_days)
        batch = Batch()
        while day < today:
            if self._add_day(batch, day):
                # A day with a report moves the cursor; trailing empty days are asked again next run.
                last = max(day.isoformat(), last or "")
                batch.state = {"last_report_day": last}
            if batch.row_count >= BATCH_ROWS:
                yield batch  # several days per transaction: landing cost is per batch
                batch = Batch()
            day += dt.timedelta(days=1)
        if batch.row_count or batch.rejects or batch.state:
            yield batch

    def _add_day(self, batch: Batch, day: dt.date) -> bool:
        """Add one day's user and team reports to `batch`; False when the server has none (204)."""
        users = self._report("users-1-day", day)
        if users is None:
            return False
        teams = self._report("user-teams-1-day", day) or ([], [])
        for kind, spec, add, (found, bad) in (("users-1-day", USER_DAY, self._add_user, users),
                                              ("user-teams-1-day", USER_DAY_TEAMS, self._add_team, teams)):
            for record in found:
                add(batch, record, day)
            for line, text in bad:
                batch.rejects.append(self.scrub.reject(
                    spec.name, f"{kind} {day}: line {line} is not JSON", {"line": text}, f"{day}:{line}"))
        return True

    # ------------------------------------------------------------ records -> rows

    def _identity(self, record: Mapping[str, Any]) -> str:
        login = rec.text(record.get("user_login"), "user_login", required=True)
        return self.p.identity_key(IDENTITY_SOURCE, login)

    def _day(self, record: Mapping[str, Any], day: dt.date) -> dt.date:
        return rec.date(record.get("day"), "day") or day

    def _add_user(self, batch: Batch, record: Any, day: dt.date) -> None:
        try:
            if not isinstance(record, Mapping):
                raise RecordError(f"record is {type(record).__name__}, expected an object")
            key = {"day": self._day(record, day), "identity_key": self._identity(record)}
            cli = rec.mapping(record.get("totals_by_cli"), "totals_by_cli")
            tokens = rec.mapping(cli.get("token_usage"), "totals_by_cli.token_usage")
            row = {**key, "tool": TOOL,
                   "organization_id": rec.text(record.get("organization_id"), "organization_id"),
                   "enterprise_id": rec.text(record.get("enterprise_id"), "enterprise_id"),
                   **_counters(record, ""),
                   "used_agent": rec.boolean(record.get("used_agent"), "used_agent"),
                   "used_chat": rec.boolean(record.get("used_chat"), "used_chat"),
                   "used_cli": rec.boolean(record.get("used_cli"), "used_cli"),
                   "cli_prompt_count": rec.integer(cli.get("prompt_count"), "totals_by_cli.prompt_count"),
                   "cli_request_count": rec.integer(cli.get("request_count"), "totals_by_cli.request_count"),
                   "cli_session_count": rec.integer(cli.get("session_count"), "totals_by_cli.session_count"),
                   "cli_prompt_tokens_sum": rec.integer(tokens.get("prompt_tokens_sum"), "token_usage.prompt_tokens_sum"),
                   "cli_output_tokens_sum": rec.integer(tokens.get("output_tokens_sum"), "token_usage.output_tokens_sum")}
            ides = [{**key, "ide": rec.text(t.get("ide"), "totals_by_ide.ide", required=True),
                     **_counters(t, "totals_by_ide."),
                     "ide_version": rec.text(rec.mapping(t.get("last_known_ide_version"), "ide").get("ide_version"), "ide_version"),
                     "plugin": rec.text(rec.mapping(t.get("last_known_plugin_version"), "plugin").get("plugin"), "plugin"),
                     "plugin_version": rec.text(rec.mapping(t.get("last_known_plugin_version"), "plugin").get("plugin_version"),
                                                "plugin_version")}
                    for t in _items(record, "totals_by_ide")]
            features = [{**key, "feature": rec.text(t.get("feature"), "totals_by_feature.feature", required=True),
                         **_counters(t, "totals_by_feature.")} for t in _items(record, "totals_by_feature")]
            lang = [{**key, "language": rec.text(t.get("language"), "totals_by_language_feature.language", required=True),
                     "feature": rec.text(t.get("feature"), "totals_by_language_feature.feature", required=True),
                     **_counters(t, "totals_by_language_feature.")} for t in _items(record, "totals_by_language_feature")]
        except RecordError as exc:
            batch.rejects.append(self.scrub.reject(USER_DAY.name, f"users-1-day {day}: {exc}", record,
                                                   rec.record_id(record, "user_id")))
            return
        row["_extra"] = self.undeclared.extra(record, USER_DAY_KNOWN)
        batch.rows.setdefault(USER_DAY.name, []).append(row)
        batch.rows.setdefault(USER_DAY_IDE.name, []).extend(ides)
        batch.rows.setdefault(USER_DAY_FEATURE.name, []).extend(features)
        batch.rows.setdefault(USER_DAY_LANGUAGE_FEATURE.name, []).extend(lang)

    def _add_team(self, batch: Batch, record: Any, day: dt.date) -> None:
        try:
            if not isinstance(record, Mapping):
                raise RecordError(f"record is {type(record).__name__}, expected an object")
            row = {"day": self._day(record, day), "identity_key": self._identity(record),
                   "organization_id": rec.text(record.get("organization_id"), "organization_id"),
                   "team_id": rec.text(record.get("team_id"), "team_id", required=True),
                   "team_slug": rec.text(record.get("slug"), "slug")}
        except RecordError as exc:
            batch.rejects.append(self.scrub.reject(USER_DAY_TEAMS.name, f"user-teams-1-day {day}: {exc}", record,
                                                   rec.record_id(record, "user_id")))
            return
        batch.rows.setdefault(USER_DAY_TEAMS.name, []).append(row)


def _items(record: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise RecordError(f"{name} is not a list of objects")
    return value


def _counters(record: Mapping[str, Any], prefix: str) -> dict[str, int | None]:
    counts = {name: rec.integer(record.get(name), prefix + name) for name in COUNTERS}
    negative = [n for n, v in counts.items() if v is not None and v < 0]
    if negative:
        raise RecordError(f"{prefix}{negative[0]} is negative")
    return counts


class CopilotSeatsExtractor:
    source = SOURCE_NAME
    name = "seats"
    specs = (SEATS,)

    def __init__(self, client: SourceHttpClient, org: str, pseudonymiser: Pseudonymiser, extra_fields: Iterable[str] = ()):
        self.client = client
        self.org = org
        self.p = rec.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.scrub = rec.Scrubber(pseudonymiser, IDENTITY_SOURCE, ("login",))
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        pages = paginate(self.client, "GET", f"/orgs/{self.org}/copilot/billing/seats", {"per_page": 100},
                         header_link_paginator())
        snapshot = None
        batch = None
        for response, payload in pages:
            if batch is not None:
                yield batch  # the previous page; the last one carries the cursor
            snapshot = snapshot or server_date(response)
            batch = Batch()
            seats = (payload or {}).get("seats")
            if not isinstance(seats, list):
                raise SourceRequestError(f"{SOURCE_NAME}: seats page without a `seats` list")
            for seat in seats:
                self._add(batch, seat, snapshot)
        if batch is not None:
            batch.state = {"last_snapshot": snapshot.isoformat()}
            yield batch

    def _add(self, batch: Batch, seat: Any, snapshot: dt.date) -> None:
        try:
            if not isinstance(seat, Mapping):
                raise RecordError("seat is not an object")
            assignee = rec.mapping(seat.get("assignee"), "assignee")
            login = rec.text(assignee.get("login"), "assignee.login")
            if not login:
                raise RecordError("seat has no assignee (pending invitation or deleted account): cannot be attributed")
            team = rec.mapping(seat.get("assigning_team"), "assigning_team")
            row = {"snapshot_date": snapshot, "identity_key": self.p.identity_key(IDENTITY_SOURCE, login), "tool": TOOL,
                   "assignee_type": rec.text(assignee.get("type"), "assignee.type"),
                   "plan_type": rec.text(seat.get("plan_type"), "plan_type"),
                   "seat_created_at": rec.timestamp(seat.get("created_at"), "created_at", required=True),
                   "seat_updated_at": rec.timestamp(seat.get("updated_at"), "updated_at"),
                   "pending_cancellation_date": rec.date(seat.get("pending_cancellation_date"), "pending_cancellation_date"),
                   "last_activity_at": rec.timestamp(seat.get("last_activity_at"), "last_activity_at"),
                   "last_activity_editor": rec.text(seat.get("last_activity_editor"), "last_activity_editor"),
                   "last_authenticated_at": rec.timestamp(seat.get("last_authenticated_at"), "last_authenticated_at"),
                   "assigning_team_slug": rec.text(team.get("slug"), "assigning_team.slug")}
        except RecordError as exc:
            batch.rejects.append(self.scrub.reject(SEATS.name, f"seat: {exc}", seat))
            return
        row["_extra"] = self.undeclared.extra(seat, SEAT_KNOWN)
        batch.rows.setdefault(SEATS.name, []).append(row)


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[Any]:
    raw = settings.get(BACKFILL_VARIABLE, str(DEFAULT_BACKFILL_DAYS))
    if not raw.isdigit() or not 1 <= int(raw) <= 366:
        raise ConfigError(f"{BACKFILL_VARIABLE}={raw!r}: expected a number of days from 1 to 366")
    org, extra = settings[ORG_VARIABLE], allowed_fields(settings, SOURCE_NAME)
    return [CopilotSeatsExtractor(client_for(settings), org, pseudonymiser, extra),
            CopilotUsageExtractor(client_for(settings), org, pseudonymiser, int(raw), extra_fields=extra)]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="GitHub Copilot",
    variables=(
        Variable(ORG_VARIABLE, "GitHub organisation whose Copilot seats and usage are read"),
        Variable(TOKEN_VARIABLE, "token with manage_billing:copilot or read:org (Copilot metrics: read)", secret=True),
        Variable(URL_VARIABLE, "API base URL", required=False, default="https://api.github.com"),
        Variable(BACKFILL_VARIABLE, "days of usage reports read on the first run", required=False,
                 default=str(DEFAULT_BACKFILL_DAYS)),
        extra_fields_variable(SOURCE_NAME, "totals_by_language_model"),
    ),
    extractors={"seats": (SEATS,), "usage": USAGE_SPECS},
    build=_build,
)
