"""Survey answers from a CSV export (long format, docs/configuration.md), into `raw_survey_csv`.

One row per answer: `response_id,survey_id,submitted_at,respondent_email,department,question_id,answer`.
Undeclared columns are dropped and listed by name (answers land only from these columns).
Rows are grouped into responses and go through the shared survey rules (`connectors._survey`):
question map, scales, departments, pseudonymised or anonymous respondents, free text off by default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors import records as rec
from connectors._csv_drop import drop_batches
from connectors._survey import (
    FREE_TEXT,
    Answer,
    SurveyResponse,
    SurveyRows,
    as_number,
    survey_rows,
    survey_specs,
)
from connectors.base import Batch, Reject
from connectors.csv_files import CsvSettings, encoding_variable, read_export
from connectors.errors import RecordError
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable

SOURCE_NAME = "survey_csv"
PATH_VARIABLE = "SURVEY_CSV_PATH"
PREFIX = "SURVEY_CSV"
COLUMNS = ("response_id", "survey_id", "submitted_at", "respondent_email", "department", "question_id", "answer")
SPECS = survey_specs(SOURCE_NAME)
_RESPONDENT = ("submitted_at", "respondent_email", "department")


class SurveyCsvExtractor:
    source = SOURCE_NAME
    name = "answers"
    specs = SPECS

    def __init__(self, path: Path, pseudonymiser: Pseudonymiser, rows: SurveyRows, csv_settings: CsvSettings | None = None):
        self.path = path
        self.pseudonymiser = pseudonymiser
        self.rows = rows
        self.csv_settings = csv_settings or CsvSettings.from_settings({}, PREFIX)

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        return drop_batches(self.path, PATH_VARIABLE, state, "answers", self._read_file)

    def _read_file(self, file: Path) -> Batch:
        batch = Batch()
        for response in self._responses(file, batch):
            self.rows.add(batch, response)
        return batch

    def _responses(self, file: Path, batch: Batch) -> list[SurveyResponse]:
        """Group the file's rows by response; a response whose rows disagree on the respondent is rejected."""
        grouped: dict[tuple[str, str], tuple[dict[str, str], list[tuple[int, dict[str, str]]]]] = {}
        export = read_export(file, COLUMNS, PATH_VARIABLE, self.csv_settings)
        batch.unknown_fields = export.unknown_columns
        for csv_row in export.rows:
            line, raw = csv_row.line, csv_row.values
            if csv_row.problem:  # shifted fields: nothing in the row can be trusted, keep only where it is
                batch.rejects.append(Reject("answers", f"{file.name} line {line}: {csv_row.problem}",
                                            {"file": file.name, "line": line}, f"{file.name}:{line}"))
                continue
            key = (raw["survey_id"], raw["response_id"])
            first, lines = grouped.setdefault(key, (raw, []))
            lines.append((line, raw))
        responses = []
        for (survey_id, response_id), (first, lines) in grouped.items():
            where = f"{file.name} line {lines[0][0]}"
            clash = [c for c in _RESPONDENT if any(raw[c] != first[c] for _, raw in lines)]
            problem = None
            if not survey_id:
                problem = f"{where}: survey_id is empty"
            elif clash:
                problem = f"{where}: rows of response {response_id} disagree on {', '.join(clash)}"
            else:
                try:
                    submitted = rec.timestamp(first["submitted_at"], "submitted_at")
                except RecordError as exc:
                    problem = f"{where}: {exc}"
            if problem:
                payload = {"file": file.name, "lines": [n for n, _ in lines], "survey_id": survey_id,
                           "response_id": response_id, "department": first["department"]}
                batch.rejects.append(Reject("responses", problem, self.pseudonymiser.scrub(payload),
                                            f"{survey_id}/{response_id}"))
                continue
            # A CSV cell has no type: a number is a score, anything else is free text.
            answers = [Answer((raw["question_id"],), raw["answer"], "text" if as_number(raw["answer"]) is None else "number")
                       for _, raw in lines if raw["question_id"]]
            responses.append(SurveyResponse(
                survey_id, response_id, submitted, first["respondent_email"] or None, first["department"] or None,
                answers, {"file": file.name}))
        return responses


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[SurveyCsvExtractor]:
    return [SurveyCsvExtractor(Path(settings[PATH_VARIABLE]).expanduser(), pseudonymiser,
                               survey_rows("csv", settings, pseudonymiser), CsvSettings.from_settings(settings, PREFIX))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Survey CSV export",
    variables=(
        Variable(PATH_VARIABLE, "survey CSV export: a file, or a directory of *.csv files"),
        FREE_TEXT,
        encoding_variable(PREFIX),
    ),
    extractors={"answers": SPECS},
    build=_build,
)
