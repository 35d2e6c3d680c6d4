"""Microsoft 365 Copilot: per-user usage report snapshots and Copilot licences, into `raw_m365_copilot`.

Usage: `GET /beta/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')` (JSON; the v1.0
path answers CSV), following `@odata.nextLink`. The report is a snapshot of each licensed user's
last activity date per app, not an event log, so every run lands it under its `reportRefreshDate`;
activity days are derived downstream from how last-activity dates change between snapshots.

Users are named by UPN, which becomes `person_key`. A tenant with "Display concealed user, group,
and site names" on replaces UPNs by hashes that match no directory e-mail: such rows are
quarantined with a reason saying which setting to turn off, never landed as people nobody can join.

Licences: `/v1.0/subscribedSkus` tells which SKUs are Copilot; `/v1.0/users` with `assignedLicenses`
and `assignedPlans` tells who holds one and since when (the Copilot plan's `assignedDateTime`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from connectors import records as rec
from connectors._clock import server_date
from connectors.base import Batch, Column, Reject, StreamSpec
from connectors.errors import RecordError, SourceRequestError
from connectors.http import SourceHttpClient
from connectors.msgraph_auth import (
    BASE_URL_VARIABLE,
    CLIENT_ID_VARIABLE,
    DEFAULT_BASE_URL,
    DEFAULT_LOGIN_URL,
    LOGIN_URL_VARIABLE,
    SECRET_VARIABLE,
    TENANT_VARIABLE,
    graph_client,
)
from connectors.pagination import NextLinkPaginator, paginate
from connectors.privacy import Pseudonymiser, is_email
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared

log = logging.getLogger(__name__)

SOURCE_NAME = "m365_copilot"
IDENTITY_NAMESPACE = "msgraph"  # Graph object ids, shared with the directory connector
TOOL = "m365_copilot"
REPORT_PATH = "/beta/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')"
USERS_PATH = "/v1.0/users"
_HASHED = re.compile(r"^[0-9A-Fa-f]{32,64}$")
CONCEALED_REASON = (
    "concealed user names: the tenant reports users by hashed names that match no "
    "directory e-mail, so usage cannot be attributed. Turn off 'Display concealed user, group, and site "
    "names' (Microsoft 365 admin center > Settings > Org settings > Reports, or PATCH /admin/reportSettings "
    "displayConcealedNames=false), then run again"
)
# App -> report key of its last activity date.
APPS = {
    "copilot_chat": "copilotChatLastActivityDate", "teams": "microsoftTeamsCopilotLastActivityDate",
    "word": "wordCopilotLastActivityDate", "excel": "excelCopilotLastActivityDate",
    "powerpoint": "powerPointCopilotLastActivityDate", "outlook": "outlookCopilotLastActivityDate",
    "onenote": "oneNoteCopilotLastActivityDate", "loop": "loopCopilotLastActivityDate",
}

USAGE = StreamSpec(
    SOURCE_NAME, "usage_user_detail",
    (Column("report_refresh_date", "DATE", "the day the report's data is as of (lags a few days)"),
     Column("person_key", "VARCHAR", "keyed hash of the user principal name (work e-mail)"),
     Column("tool", "VARCHAR"),
     Column("last_activity_date", "DATE", "last Copilot activity in any app"),
     *(Column(f"{app}_last_activity_date", "DATE") for app in APPS),
     Column("report_period_days", "INTEGER"),
     Column("snapshot_date", "DATE", "day the report was read (server clock)")),
    primary_key=("report_refresh_date", "person_key"),
    description="Microsoft 365 Copilot usage user detail, one snapshot per report refresh date.",
)
LICENCES = StreamSpec(
    SOURCE_NAME, "licences",
    (Column("snapshot_date", "DATE", "day the licence list was read (server clock)"),
     Column("user_key", "VARCHAR", "identity_key of the Graph object id (namespace msgraph)"),
     Column("sku_id", "VARCHAR"),
     Column("person_key", "VARCHAR", "from mail, else the user principal name"),
     Column("tool", "VARCHAR"),
     Column("sku_part_number", "VARCHAR"),
     Column("licensed_since", "TIMESTAMP", "assignedDateTime of the SKU's Copilot service plan"),
     Column("account_enabled", "BOOLEAN")),
    primary_key=("snapshot_date", "user_key", "sku_id"),
    description="Users holding a Microsoft 365 Copilot licence on each snapshot day.",
)


def is_concealed(upn: str) -> bool:
    """A UPN the tenant hashed: no e-mail shape, a long hex string (e.g. an upper-case MD5)."""
    return not is_email(upn) and bool(_HASHED.match(upn))


class CopilotUsageReportExtractor:
    source = SOURCE_NAME
    name = "usage_user_detail"
    specs = (USAGE,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, extra_fields: Iterable[str] = ()):
        self.client = client
        self.p = rec.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.scrub = rec.Scrubber(pseudonymiser, IDENTITY_NAMESPACE)
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)
        self.concealed = 0  # rows quarantined because the tenant conceals user names

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        refresh = None
        pending = None  # one page behind, so the last page can carry the cursor
        for response, payload in paginate(self.client, "GET", REPORT_PATH, None, NextLinkPaginator("@odata.nextLink")):
            if pending is not None:
                yield pending
            snapshot = server_date(response)
            values = payload.get("value") if isinstance(payload, Mapping) else None
            if not isinstance(values, list):
                raise SourceRequestError(f"{SOURCE_NAME}: the usage report page has no `value` list")
            pending = Batch()
            for record in values:
                row = self._row(pending, record, snapshot)
                if row is not None:
                    refresh = max(refresh or row["report_refresh_date"], row["report_refresh_date"])
        if pending is not None:
            pending.state = {"last_report_refresh_date": refresh.isoformat() if refresh else
                             (state or {}).get("last_report_refresh_date")}
            yield pending

    def _row(self, batch: Batch, record: Any, snapshot: dt.date) -> dict[str, Any] | None:
        try:
            if not isinstance(record, Mapping):
                raise RecordError("record is not an object")
            upn = rec.text(record.get("userPrincipalName"), "userPrincipalName", required=True).strip()
            if is_concealed(upn):
                # The hash itself stays out of quarantine: an unsalted hash of an e-mail is re-identifiable.
                if not self.concealed:
                    log.warning("%s: %s", SOURCE_NAME, CONCEALED_REASON)
                self.concealed += 1
                batch.rejects.append(Reject(USAGE.name, CONCEALED_REASON,
                                            {"reportRefreshDate": record.get("reportRefreshDate")}))
                return None
            if not is_email(upn):
                raise RecordError("userPrincipalName is not an e-mail address")
            periods = record.get("copilotActivityUserDetailsByPeriod") or []
            period = rec.integer(periods[0].get("reportPeriod"), "reportPeriod") if periods and isinstance(periods[0], Mapping) else None
            row = {"report_refresh_date": rec.date(record.get("reportRefreshDate"), "reportRefreshDate"),
                   "person_key": self.p.person_key(upn), "tool": TOOL,
                   "last_activity_date": rec.date(record.get("lastActivityDate"), "lastActivityDate"),
                   **{f"{app}_last_activity_date": rec.date(record.get(key), key) for app, key in APPS.items()},
                   "report_period_days": period, "snapshot_date": snapshot}
            if row["report_refresh_date"] is None:
                raise RecordError("reportRefreshDate is missing")
        except RecordError as exc:
            batch.rejects.append(self.scrub.reject(USAGE.name, f"usage report: {exc}", record,
                                                   rec.record_id(record, "userPrincipalName")))
            return None
        known = {"reportRefreshDate", "userPrincipalName", "displayName", "lastActivityDate",
                 "copilotActivityUserDetailsByPeriod", *APPS.values()}
        row["_extra"] = self.undeclared.extra(record, known)
        batch.rows.setdefault(USAGE.name, []).append(row)
        return row


class CopilotLicencesExtractor:
    source = SOURCE_NAME
    name = "licences"
    specs = (LICENCES,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, page_size: int = 999):
        self.client = client
        self.p = rec.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.scrub = rec.Scrubber(pseudonymiser, IDENTITY_NAMESPACE, ("id",))
        self.page_size = page_size

    def _copilot_skus(self) -> dict[str, tuple[str, set[str]]]:
        """Copilot SKU id -> (part number, its service plan ids)."""
        payload = self.client.get_json("/v1.0/subscribedSkus")
        skus = {}
        for sku in (payload or {}).get("value") or []:
            part = str(sku.get("skuPartNumber") or "")
            if "copilot" in part.lower() and sku.get("skuId"):
                plans = {str(p.get("servicePlanId")) for p in sku.get("servicePlans") or [] if isinstance(p, Mapping)}
                skus[str(sku["skuId"])] = (part, plans)
        return skus

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        skus = self._copilot_skus()
        params = {"$select": "id,userPrincipalName,mail,accountEnabled,assignedLicenses,assignedPlans",
                  "$top": self.page_size}
        snapshot = None
        for response, payload in paginate(self.client, "GET", USERS_PATH, params, NextLinkPaginator("@odata.nextLink")):
            snapshot = snapshot or server_date(response)
            batch = Batch()
            for user in (payload or {}).get("value") or []:
                self._add(batch, user, skus, snapshot)
            yield batch
        yield Batch(state={"last_snapshot": (snapshot or server_date(None)).isoformat(), "copilot_skus": sorted(skus)})

    def _add(self, batch: Batch, user: Any, skus: Mapping[str, tuple[str, set[str]]], snapshot: dt.date) -> None:
        try:
            if not isinstance(user, Mapping):
                raise RecordError("user is not an object")
            held = [str(lic.get("skuId")) for lic in user.get("assignedLicenses") or [] if isinstance(lic, Mapping)]
            mine = [s for s in held if s in skus]
            if not mine:
                return
            uid = rec.text(user.get("id"), "id", required=True)
            email = rec.text(user.get("mail"), "mail") or rec.text(user.get("userPrincipalName"), "userPrincipalName")
            plans = [p for p in user.get("assignedPlans") or [] if isinstance(p, Mapping)]
            rows = []
            for sku in mine:
                dates = [rec.timestamp(p.get("assignedDateTime"), "assignedPlans.assignedDateTime") for p in plans
                         if str(p.get("servicePlanId")) in skus[sku][1] and p.get("capabilityStatus", "Enabled") == "Enabled"]
                rows.append({"snapshot_date": snapshot, "user_key": self.p.identity_key(IDENTITY_NAMESPACE, uid),
                             "sku_id": sku, "person_key": self.p.person_key(email) if is_email(email) else None,
                             "tool": TOOL, "sku_part_number": skus[sku][0],
                             "licensed_since": min((d for d in dates if d), default=None),
                             "account_enabled": rec.boolean(user.get("accountEnabled"), "accountEnabled")})
        except RecordError as exc:
            batch.rejects.append(self.scrub.reject(LICENCES.name, f"user licences: {exc}", user,
                                                   rec.record_id(user, "id")))
            return
        batch.rows.setdefault(LICENCES.name, []).extend(rows)


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[Any]:
    return [CopilotLicencesExtractor(graph_client(settings), pseudonymiser),
            CopilotUsageReportExtractor(graph_client(settings), pseudonymiser, allowed_fields(settings, SOURCE_NAME))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Microsoft 365 Copilot usage and licences",
    variables=(
        Variable(TENANT_VARIABLE, "Entra ID tenant id"),
        Variable(CLIENT_ID_VARIABLE, "app registration (client) id with Reports.Read.All and User.Read.All"),
        Variable(SECRET_VARIABLE, "client secret", secret=True),
        Variable(BASE_URL_VARIABLE, "Graph base URL", required=False, default=DEFAULT_BASE_URL),
        Variable(LOGIN_URL_VARIABLE, "Entra ID login URL", required=False, default=DEFAULT_LOGIN_URL),
        extra_fields_variable(SOURCE_NAME, "copilotActivityUserDetailsByPeriod"),
    ),
    extractors={"licences": (LICENCES,), "usage_user_detail": (USAGE,)},
    build=_build,
)
