"""HR directory from a CSV export (columns in docs/configuration.md).

Lands `raw_directory_csv.employees`: one row per person and `valid_from` (the date the row's
department, team and role took effect). E-mails become `person_key`s here; names are read only
to check the row and are never landed. The file is read strictly (`connectors.csv_files`): a file that cannot be read whole fails the step naming
file and line and is read again once fixed; undeclared columns are dropped and listed by name
unless `DIRECTORY_CSV_EXTRA_COLUMNS` allow-lists them.

An export is dated by `DIRECTORY_CSV_SNAPSHOT_DATE` when set, else by the file's modification date
(the day it arrived). The same file with the same date is skipped; an unchanged file that arrives
again (a later date) lands again as a snapshot of that date, so a stable organisation stays current
and only an export that stops arriving goes stale. Without the `valid_from` column a row is valid
from the snapshot date (`valid_from_reported` false): the models may apply a person's first known
department back to their start date (docs/configuration.md, `ARCHIPELAGO_DIRECTORY_BACKFILL`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors.base import Batch, Column, Reject, StreamSpec
from connectors.csv_files import (
    CsvSettings,
    declared_payload,
    encoding_variable,
    extra_columns_variable,
    file_fingerprint,
    parse_date,
    read_export,
    require,
)
from connectors.errors import ConfigError, RecordError
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable

SOURCE_NAME = "directory_csv"
PATH_VARIABLE = "DIRECTORY_CSV_PATH"
SNAPSHOT_VARIABLE = "DIRECTORY_CSV_SNAPSHOT_DATE"
PREFIX = "DIRECTORY_CSV"
REQUIRED_COLUMNS = (
    "employee_id", "email", "display_name", "department", "team", "role_family",
    "job_title", "manager_email", "location", "start_date", "end_date",
)
DECLARED_COLUMNS = (*REQUIRED_COLUMNS, "valid_from")
# What a quarantined row keeps: declared columns that are not names (e-mails become person keys).
_PAYLOAD_COLUMNS = tuple(c for c in DECLARED_COLUMNS if c not in ("display_name", "employee_id"))
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BATCH_ROWS = 50_000

EMPLOYEES = StreamSpec(
    source=SOURCE_NAME,
    name="employees",
    description="One row per person and valid_from date, from the directory CSV export.",
    columns=(
        Column("person_key", "VARCHAR", "keyed hash of the work e-mail"),
        Column("valid_from", "DATE", "date this department/team/role took effect"),
        Column("valid_from_reported", "BOOLEAN", "true when the export carried valid_from (job history)"),
        Column("employee_key", "VARCHAR", "keyed hash of the HR employee id"),
        Column("department", "VARCHAR"),
        Column("team", "VARCHAR"),
        Column("role_family", "VARCHAR"),
        Column("job_title", "VARCHAR"),
        Column("manager_person_key", "VARCHAR"),
        Column("location", "VARCHAR"),
        Column("start_date", "DATE", "employment start"),
        Column("end_date", "DATE", "employment end; empty while employed"),
        Column("snapshot_date", "DATE", "date of the export the row came from"),
        Column("source_line", "BIGINT", "line in the CSV file"),
    ),
    primary_key=("person_key", "valid_from"),
    updated_column="snapshot_date",
)


class DirectoryCsvExtractor:
    source = SOURCE_NAME
    name = "employees"
    specs = (EMPLOYEES,)

    def __init__(self, path: Path, pseudonymiser: Pseudonymiser, snapshot_date: dt.date | None = None,
                 csv_settings: CsvSettings | None = None):
        self.path = path
        self.pseudonymiser = pseudonymiser
        self.snapshot_date = snapshot_date
        self.csv_settings = csv_settings or CsvSettings.from_settings({}, PREFIX)

    def _snapshot(self) -> dt.date:
        if self.snapshot_date:
            return self.snapshot_date
        return dt.datetime.fromtimestamp(self.path.stat().st_mtime, dt.UTC).date()

    def _parse(self, line: int, raw: dict[str, str], extra: dict[str, str], snapshot: dt.date,
               has_valid_from: bool) -> dict[str, Any]:
        email = require(raw["email"], "email")
        if not _EMAIL.match(email):
            raise RecordError("email is not an e-mail address")
        require(raw["display_name"], "display_name")
        start = parse_date(raw["start_date"], "start_date")
        end = parse_date(raw["end_date"], "end_date")
        if start and end and end < start:
            raise RecordError(f"end_date {end} is before start_date {start}")
        valid_from = parse_date(raw.get("valid_from", ""), "valid_from") if has_valid_from else None
        manager = raw["manager_email"]
        if manager and not _EMAIL.match(manager):
            raise RecordError("manager_email is not an e-mail address")
        p = self.pseudonymiser
        return {
            "person_key": p.person_key(email),
            "valid_from": valid_from or snapshot,
            "valid_from_reported": valid_from is not None,
            "employee_key": p.identity_key(SOURCE_NAME, raw["employee_id"]),
            "department": require(raw["department"], "department"),
            "team": raw["team"] or None,
            "role_family": raw["role_family"] or None,
            "job_title": raw["job_title"] or None,
            "manager_person_key": p.person_key(manager) if manager else None,
            "location": raw["location"] or None,
            "start_date": start,
            "end_date": end,
            "snapshot_date": snapshot,
            "source_line": line,
            "_extra": p.scrub(extra) or None,
        }

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        fingerprint = file_fingerprint(self.path)
        snapshot = self._snapshot()
        if state and state.get("sha256") == fingerprint and state.get("snapshot_date", snapshot.isoformat()) >= snapshot.isoformat():
            return  # landed already as of this date (a state without a date predates dating: same file, skip)
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        seen: set[tuple[str, dt.date]] = set()
        export = read_export(self.path, DECLARED_COLUMNS, PATH_VARIABLE, self.csv_settings, required=REQUIRED_COLUMNS)
        has_valid_from = "valid_from" in export.header
        for csv_row in export.rows:
            line, raw = csv_row.line, csv_row.values
            try:
                if csv_row.problem:
                    raise RecordError(csv_row.problem)
                row = self._parse(line, raw, csv_row.extra, snapshot, has_valid_from)
                key = (row["person_key"], row["valid_from"])
                if key in seen:
                    raise RecordError("the same person appears twice for the same valid_from")
                seen.add(key)
                rows.append(row)
            except RecordError as exc:
                payload = declared_payload(raw, _PAYLOAD_COLUMNS, self.pseudonymiser.scrub, line)
                rejects.append(Reject("employees", f"line {line}: {exc}", payload, str(line)))
            if len(rows) >= BATCH_ROWS:
                # State only on the last batch: a file half landed is landed again, whole.
                yield Batch(rows={"employees": rows}, rejects=rejects, unknown_fields=export.unknown_columns)
                rows, rejects = [], []
        yield Batch(rows={"employees": rows}, rejects=rejects,
                    state={"sha256": fingerprint, "file": self.path.name, "snapshot_date": snapshot.isoformat()},
                    unknown_fields=export.unknown_columns)


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[DirectoryCsvExtractor]:
    snapshot = None
    if settings.get(SNAPSHOT_VARIABLE):
        try:
            snapshot = dt.date.fromisoformat(settings[SNAPSHOT_VARIABLE])
        except ValueError as exc:
            raise ConfigError(f"{SNAPSHOT_VARIABLE}={settings[SNAPSHOT_VARIABLE]!r} is not an ISO date (YYYY-MM-DD).") from exc
    return [DirectoryCsvExtractor(Path(settings[PATH_VARIABLE]).expanduser(), pseudonymiser, snapshot,
                                  CsvSettings.from_settings(settings, PREFIX))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Directory CSV export",
    variables=(
        Variable(PATH_VARIABLE, "path of the directory CSV export"),
        Variable(SNAPSHOT_VARIABLE, "date the export was taken (default: file modification date)", required=False),
        encoding_variable(PREFIX),
        extra_columns_variable(PREFIX),
    ),
    extractors={"employees": (EMPLOYEES,)},
    build=_build,
)
