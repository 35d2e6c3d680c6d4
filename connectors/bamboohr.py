"""BambooHR employee directory: department, division, job title and supervisor, as a daily snapshot.

`GET {BAMBOOHR_BASE_URL}/v1/employees/directory` with Basic `api_key:x` and `Accept: application/json`.
The directory lists active employees only and names a supervisor by display name; the supervisor is
resolved to an employee within the same directory (names are used for that and then dropped).
BambooHR answers 404 for an empty directory and 403 when the company does not share it.

Raw table: `raw_bamboohr.employees`, one row per employee and snapshot date.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from connectors import records as r
from connectors.base import Batch, Column, StreamSpec
from connectors.errors import ConfigError, RecordError, SourceAuthError, SourceRequestError
from connectors.http import SourceHttpClient, SourceStatusError, checked_base_url, server_date
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable
from connectors.undeclared import UndeclaredFields, allowed_fields, extra_fields_variable, reports_undeclared

SOURCE_NAME = "bamboohr"
COMPANY_VARIABLE, KEY_VARIABLE, BASE_URL_VARIABLE = "BAMBOOHR_COMPANY", "BAMBOOHR_API_KEY", "BAMBOOHR_BASE_URL"
DEFAULT_BASE_URL = "https://api.bamboohr.com/api/gateway.php/{company}"
DIRECTORY_PATH = "/v1/employees/directory"
EMPLOYEE_NAMESPACE = "employee_id"  # shared with Graph's employeeId
NAME_FIELDS = ("displayName", "firstName", "lastName", "preferredName", "supervisor")
KNOWN = frozenset((
    "id", "workEmail", "jobTitle", "department", "division", "location", "supervisor", "supervisorEId",
    "supervisorId", "supervisorEmail", "employeeNumber", "status", "hireDate", "terminationDate",
    *NAME_FIELDS, "workPhone", "mobilePhone", "workPhoneExtension", "photoUploaded", "photoUrl", "canUploadPhoto",
    "linkedIn", "pronouns", "homePhone", "skypeUsername", "facebook", "twitterFeed", "instagram", "pinterest",
))

EMPLOYEES = StreamSpec(
    source=SOURCE_NAME,
    name="employees",
    description="BambooHR directory, one row per active employee and snapshot date.",
    columns=(
        Column("employee_key", "VARCHAR", "identity_key of the BambooHR employee id"),
        Column("snapshot_date", "DATE"),
        Column("person_key", "VARCHAR", "from workEmail"),
        Column("employee_number_key", "VARCHAR", "identity_key of employeeNumber in the shared employee_id namespace"),
        Column("department", "VARCHAR"),
        Column("division", "VARCHAR"),
        Column("job_title", "VARCHAR"),
        Column("location", "VARCHAR"),
        Column("supervisor_employee_key", "VARCHAR", "supervisor resolved within the directory"),
        Column("supervisor_person_key", "VARCHAR"),
        Column("supervisor_resolution", "VARCHAR", "id | email | name | ambiguous_name | unknown_name | broken_record | none"),
    ),
    primary_key=("employee_key", "snapshot_date"),
)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class BambooHrDirectoryExtractor:
    source = SOURCE_NAME
    name = "employees"
    specs = (EMPLOYEES,)

    def __init__(self, client: SourceHttpClient, pseudonymiser: Pseudonymiser, *,
                 today: Callable[[], dt.date] = _today, extra_fields: Iterable[str] = ()):
        self.client = client
        self.p = r.cached(pseudonymiser)  # keys are HMACs; the same people recur
        self.today = today
        self.scrub = r.Scrubber(pseudonymiser, SOURCE_NAME, ("id", "supervisorEId"), redact_keys=NAME_FIELDS)
        self.undeclared = UndeclaredFields(extra_fields, self.scrub)

    @reports_undeclared
    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        snapshot = self.today()
        try:
            response, payload = self.client.request_json("GET", DIRECTORY_PATH)
            stamp = server_date(response)  # the source's day, not ours
            snapshot = stamp.date() if stamp else snapshot
        except SourceStatusError as exc:
            if exc.status != 404:
                raise
            reason = exc.headers.get("X-BambooHR-Error-Message")
            if reason:  # e.g. "Company not found": not an empty directory
                raise ConfigError(f"bamboohr: {DIRECTORY_PATH} answered 404 ({reason}); check {COMPANY_VARIABLE} "
                                  f"and {BASE_URL_VARIABLE}.") from None
            payload = {"employees": []}  # BambooHR's way of saying the directory is empty
        except SourceAuthError as exc:
            raise SourceAuthError(f"{exc} A 403 also means the company does not share its employee directory "
                                  "(BambooHR settings: Employee directory).") from None
        employees = payload.get("employees") if isinstance(payload, Mapping) else None
        if not isinstance(employees, list):
            raise SourceRequestError(f"bamboohr: {DIRECTORY_PATH} answered without an `employees` list")
        batch = Batch(rows={"employees": []})
        valid = [e for e in employees if isinstance(e, Mapping)]
        names = Counter(str(e.get("displayName")) for e in valid if e.get("displayName"))
        by_name = {str(e.get("displayName")): e for e in valid if e.get("displayName")}
        by_email = {str(e["workEmail"]).lower(): e for e in valid if e.get("workEmail")}
        seen: set[str] = set()
        for raw in employees:
            try:
                row = self._employee(raw, snapshot, names, by_name, by_email)
            except RecordError as exc:
                batch.rejects.append(self.scrub.reject("employees", str(exc), raw, None))
                continue
            if row["employee_key"] in seen:
                continue
            seen.add(row["employee_key"])
            batch.rows["employees"].append(row)
        batch.state = {"snapshot_date": snapshot.isoformat(), "employees": len(seen)}
        yield batch

    def _employee(self, raw: Any, snapshot: dt.date, names: Counter, by_name: dict, by_email: dict) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise RecordError("employee is not an object")
        employee_id = r.text(raw.get("id"), "id", required=True)  # a string or a number: cast
        email = r.text(raw.get("workEmail"), "workEmail")
        supervisor, how = self._supervisor(raw, names, by_name, by_email)
        return {
            "employee_key": self.p.identity_key(SOURCE_NAME, employee_id),
            "snapshot_date": snapshot,
            "person_key": self.p.person_key(email),
            "employee_number_key": self.p.identity_key(EMPLOYEE_NAMESPACE, raw.get("employeeNumber")),
            "department": r.text(raw.get("department"), "department"),
            "division": r.text(raw.get("division"), "division"),
            "job_title": r.text(raw.get("jobTitle"), "jobTitle"),
            "location": r.text(raw.get("location"), "location"),
            "supervisor_employee_key": self.p.identity_key(SOURCE_NAME, supervisor.get("id")) if supervisor else
            (self.p.identity_key(SOURCE_NAME, raw.get("supervisorEId")) if how == "id" else None),
            "supervisor_person_key": self.p.person_key(supervisor.get("workEmail")) if supervisor else
            self.p.person_key(raw.get("supervisorEmail")),
            "supervisor_resolution": how,
            "_extra": self.undeclared.extra(raw, KNOWN),
        }

    @staticmethod
    def _supervisor(raw: Mapping, names: Counter, by_name: dict, by_email: dict) -> tuple[Mapping | None, str]:
        """The supervisor's directory entry, preferring ids and e-mails over names."""
        if raw.get("supervisorEId"):
            return None, "id"
        if raw.get("supervisorEmail"):
            return by_email.get(str(raw["supervisorEmail"]).lower()), "email"
        name = raw.get("supervisor")
        if not name:
            return None, "none"
        if names.get(str(name), 0) > 1:
            return None, "ambiguous_name"
        found = by_name.get(str(name))
        if found is None:
            return None, "unknown_name"
        if found.get("id") in (None, ""):
            return None, "broken_record"  # the supervisor's own entry is quarantined
        return found, "name"


def make_client(settings: Mapping[str, str], **options: Any) -> SourceHttpClient:
    company = settings[COMPANY_VARIABLE]
    base = (settings.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL).replace("{company}", company)
    return SourceHttpClient(
        SOURCE_NAME,
        checked_base_url(base, BASE_URL_VARIABLE),
        auth=(settings[KEY_VARIABLE], "x"),
        credential_variables=(KEY_VARIABLE, COMPANY_VARIABLE), url_variable=BASE_URL_VARIABLE,
        **options,
    )


def build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser, **client_options: Any) -> list[BambooHrDirectoryExtractor]:
    return [BambooHrDirectoryExtractor(make_client(settings, **client_options), pseudonymiser,
                                       extra_fields=allowed_fields(settings, SOURCE_NAME))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="BambooHR",
    variables=(
        Variable(COMPANY_VARIABLE, "company domain, e.g. acme for acme.bamboohr.com"),
        Variable(KEY_VARIABLE, "API key", secret=True),
        Variable(BASE_URL_VARIABLE, "API base URL", required=False, default=DEFAULT_BASE_URL),
        extra_fields_variable(SOURCE_NAME, "employmentHistoryStatus"),
    ),
    extractors={"employees": BambooHrDirectoryExtractor.specs},
    build=lambda settings, pseudonymiser: build(settings, pseudonymiser),
)
