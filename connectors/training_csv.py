"""AI trainings from a CSV export (docs/configuration.md), into `raw_training_csv.enrolments`.

One row per person and module: `email,module_id,module_name,started_on,completed_on,pre_score,post_score`.
A row that breaks the format (no e-mail, a date that is not ISO, completion before start, a score
outside 0-100, a wrong field count) is quarantined with its file and line; the other rows land.
Files are read strictly (`connectors.csv_files`): encoding, quoting and undeclared columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors._csv_drop import drop_batches
from connectors.base import Batch, Column, Reject, StreamSpec
from connectors.csv_files import (
    CsvSettings,
    declared_payload,
    encoding_variable,
    extra_columns_variable,
    parse_date,
    parse_float,
    read_export,
    require,
)
from connectors.errors import RecordError
from connectors.privacy import Pseudonymiser, is_email
from connectors.registry import SourceDefinition, Variable

SOURCE_NAME = "training_csv"
PATH_VARIABLE = "TRAINING_CSV_PATH"
PREFIX = "TRAINING_CSV"
COLUMNS = ("email", "module_id", "module_name", "started_on", "completed_on", "pre_score", "post_score")

ENROLMENTS = StreamSpec(
    source=SOURCE_NAME,
    name="enrolments",
    description="One row per person and AI training module.",
    columns=(
        Column("person_key", "VARCHAR", "keyed hash of the work e-mail"),
        Column("module_id", "VARCHAR"),
        Column("module_name", "VARCHAR"),
        Column("started_on", "DATE"),
        Column("completed_on", "DATE", "NULL while not completed"),
        Column("pre_score", "DOUBLE", "assessment before the module, 0-100"),
        Column("post_score", "DOUBLE", "assessment after the module, 0-100"),
        Column("source_file", "VARCHAR"),
        Column("source_line", "BIGINT"),
    ),
    primary_key=("person_key", "module_id"),
)


class TrainingCsvExtractor:
    source = SOURCE_NAME
    name = "enrolments"
    specs = (ENROLMENTS,)

    def __init__(self, path: Path, pseudonymiser: Pseudonymiser, csv_settings: CsvSettings | None = None):
        self.path = path
        self.pseudonymiser = pseudonymiser
        self.csv_settings = csv_settings or CsvSettings.from_settings({}, PREFIX)

    def _row(self, file: Path, line: int, raw: dict[str, str], extra: dict[str, str]) -> dict[str, Any]:
        email = require(raw["email"], "email")
        if not is_email(email):
            raise RecordError("email is not an e-mail address")
        started = parse_date(raw["started_on"], "started_on")
        completed = parse_date(raw["completed_on"], "completed_on")
        if completed and not started:
            raise RecordError("completed_on is set but started_on is empty")
        if started and completed and completed < started:
            raise RecordError(f"completed_on {completed} is before started_on {started}")
        return {
            "person_key": self.pseudonymiser.person_key(email),
            "module_id": require(raw["module_id"], "module_id"),
            "module_name": raw["module_name"] or None,
            "started_on": started,
            "completed_on": completed,
            "pre_score": parse_float(raw["pre_score"], "pre_score", 0, 100),
            "post_score": parse_float(raw["post_score"], "post_score", 0, 100),
            "source_file": file.name,
            "source_line": line,
            "_extra": self.pseudonymiser.scrub(extra) if extra else None,
        }

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        return drop_batches(self.path, PATH_VARIABLE, state, "enrolments", self._read_file)

    def _read_file(self, file: Path) -> Batch:
        export = read_export(file, COLUMNS, PATH_VARIABLE, self.csv_settings)
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        seen: dict[tuple[str, str], int] = {}
        for csv_row in export.rows:
            line, raw = csv_row.line, csv_row.values
            try:
                if csv_row.problem:
                    raise RecordError(csv_row.problem)
                row = self._row(file, line, raw, csv_row.extra)
                key = (row["person_key"], row["module_id"])
                if key in seen:
                    raise RecordError(f"the same person and module_id already appear on line {seen[key]}")
                seen[key] = line
                rows.append(row)
            except RecordError as exc:
                payload = declared_payload(raw, COLUMNS, self.pseudonymiser.scrub, line, file=file.name)
                rejects.append(Reject("enrolments", f"{file.name} line {line}: {exc}", payload, f"{file.name}:{line}"))
        return Batch(rows={"enrolments": rows}, rejects=rejects, unknown_fields=export.unknown_columns)


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[TrainingCsvExtractor]:
    return [TrainingCsvExtractor(Path(settings[PATH_VARIABLE]).expanduser(), pseudonymiser,
                                 CsvSettings.from_settings(settings, PREFIX))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Training CSV export",
    variables=(
        Variable(PATH_VARIABLE, "training CSV export: a file, or a directory of *.csv files"),
        encoding_variable(PREFIX),
        extra_columns_variable(PREFIX),
    ),
    extractors={"enrolments": (ENROLMENTS,)},
    build=_build,
)
