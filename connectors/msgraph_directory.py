"""Microsoft Graph directory: every user's department, job title and manager, as a daily snapshot.

`GET /v1.0/users?$select=...&$expand=manager($select=...)&$top=999`, following `@odata.nextLink`.
Departments change over time and silo metrics need the department on the day of a handoff, so each
run lands a snapshot keyed by (user, snapshot date); a second run on the same day replaces it.
`$expand=manager` is not available on the delta query, so the snapshot is read in full each run.

Raw table: `raw_msgraph_directory.users`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from connectors import records as r
from connectors.base import Batch, Column, StreamSpec
from connectors.errors import RecordError, SourceRequestError
from connectors.http import SourceHttpClient, server_date
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
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared

SOURCE_NAME = "msgraph_directory"
IDENTITY_NAMESPACE = "msgraph"  # Graph object ids, shared with the M365 Copilot connector
EMPLOYEE_NAMESPACE = "employee_id"  # HR employee ids, shared with BambooHR's employee number
USERS_PATH = "/v1.0/users"
SELECT = ("id", "userPrincipalName", "mail", "department", "jobTitle", "officeLocation", "companyName",
          "employeeId", "accountEnabled", "employeeHireDate")
MANAGER_SELECT = ("id", "userPrincipalName", "mail")
# Returned by $select or by Graph itself, read or deliberately not landed (names, phones).
KNOWN = frozenset((*SELECT, "manager", "displayName", "givenName", "surname", "businessPhones", "mobilePhone",
                   "preferredLanguage", "@odata.type", "@odata.id"))

USERS = StreamSpec(
    source=SOURCE_NAME,
    name="users",
    description="One row per Entra ID user and snapshot date.",
    columns=(
        Column("user_key", "VARCHAR", "identity_key of the Graph object id"),
        Column("snapshot_date", "DATE"),
        Column("person_key", "VARCHAR", "from mail, else the user principal name"),
        Column("upn_person_key", "VARCHAR", "from the user principal name (what Graph reports name users by)"),
        Column("employee_key", "VARCHAR", "identity_key of employeeId in the shared employee_id namespace"),
        Column("department", "VARCHAR"),
        Column("job_title", "VARCHAR"),
        Column("office_location", "VARCHAR"),
        Column("company_name", "VARCHAR"),
        Column("account_enabled", "BOOLEAN"),
        Column("hire_date", "DATE"),
        Column("manager_user_key", "VARCHAR"),
        Column("manager_person_key", "VARCHAR"),
    ),
    primary_key=("user_key", "snapshot_date"),
)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class GraphUsersExtractor:
    source = SOURCE_NAME
    name = "users"
    specs = (USERS,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, *, page_size: int = 999,
                 today: Callable[[], dt.date] = _today, extra_fields: Iterable[str] = ()):
        self.client = client
        self.p = r.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.page_size = page_size
        self.today = today
        self.scrub = r.Scrubber(pseudonymiser, IDENTITY_NAMESPACE, ("id",))
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        snapshot: dt.date | None = None
        params = {
            # Graph returns only what $select names: allow-listed fields are asked for too.
            "$select": ",".join((*SELECT, *sorted(self.undeclared.allowed - set(SELECT)))),
            "$expand": f"manager($select={','.join(MANAGER_SELECT)})",
            "$top": self.page_size,
        }
        seen: set[str] = set()
        paginator = NextLinkPaginator("@odata.nextLink")
        for response, payload in paginate(self.client, "GET", USERS_PATH, params, paginator):
            if snapshot is None:  # the source's day, from its first answer
                stamp = server_date(response)
                snapshot = stamp.date() if stamp else self.today()
            users = payload.get("value") if isinstance(payload, Mapping) else None
            if not isinstance(users, list):
                raise SourceRequestError(f"msgraph: {USERS_PATH} answered without a `value` list")
            batch = Batch(rows={"users": []})
            for raw in users:
                try:
                    row = self._user(raw, snapshot)
                except RecordError as exc:
                    batch.rejects.append(self.scrub.reject("users", str(exc), raw, None))
                    continue
                if row["user_key"] in seen:
                    continue  # a user repeated across pages
                seen.add(row["user_key"])
                batch.rows["users"].append(row)
            if not paginator.has_next_page:
                # The snapshot is complete only after the last page: state says so then.
                batch.state = {"snapshot_date": snapshot.isoformat(), "users": len(seen)}
            yield batch

    def _user(self, raw: Any, snapshot: dt.date) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise RecordError("user is not an object")
        user_id = r.text(raw.get("id"), "id", required=True)
        mail = r.text(raw.get("mail"), "mail")
        upn = r.text(raw.get("userPrincipalName"), "userPrincipalName")
        manager = r.mapping(raw.get("manager"), "manager")
        manager_mail = r.text(manager.get("mail"), "manager.mail") or r.text(manager.get("userPrincipalName"), "manager.userPrincipalName")
        hired = r.timestamp(raw.get("employeeHireDate"), "employeeHireDate")
        upn_is_mail = upn is not None and "@" in upn and "#EXT#" not in upn
        return {
            "user_key": self.p.identity_key(IDENTITY_NAMESPACE, user_id),
            "snapshot_date": snapshot,
            "person_key": self.p.person_key(mail or (upn if upn_is_mail else None)),
            "upn_person_key": self.p.person_key(upn) if upn_is_mail else None,
            "employee_key": self.p.identity_key(EMPLOYEE_NAMESPACE, raw.get("employeeId")),
            "department": r.text(raw.get("department"), "department"),
            "job_title": r.text(raw.get("jobTitle"), "jobTitle"),
            "office_location": r.text(raw.get("officeLocation"), "officeLocation"),
            "company_name": r.text(raw.get("companyName"), "companyName"),
            "account_enabled": r.boolean(raw.get("accountEnabled"), "accountEnabled"),
            "hire_date": hired.date() if hired else None,
            "manager_user_key": self.p.identity_key(IDENTITY_NAMESPACE, manager.get("id")),
            "manager_person_key": self.p.person_key(manager_mail),
            "_extra": self.undeclared.extra(raw, KNOWN),
        }


def build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser, **client_options: Any) -> list[GraphUsersExtractor]:
    return [GraphUsersExtractor(graph_client(settings, **client_options), pseudonymiser,
                                extra_fields=allowed_fields(settings, SOURCE_NAME))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Microsoft Graph directory (Entra ID users)",
    variables=(
        Variable(TENANT_VARIABLE, "Entra ID tenant id"),
        Variable(CLIENT_ID_VARIABLE, "app registration (client) id with User.Read.All"),
        Variable(SECRET_VARIABLE, "client secret", secret=True),
        Variable(BASE_URL_VARIABLE, "Graph base URL", required=False, default=DEFAULT_BASE_URL),
        Variable(LOGIN_URL_VARIABLE, "Entra ID login URL", required=False, default=DEFAULT_LOGIN_URL),
        extra_fields_variable(SOURCE_NAME, "employeeType"),
    ),
    extractors={"users": GraphUsersExtractor.specs},
    build=lambda settings, pseudonymiser: build(settings, pseudonymiser),
)
