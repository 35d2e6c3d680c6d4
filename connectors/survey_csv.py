"""Survey answers from a CSV export (long format, docs/configuration.md), into `raw_survey_csv`.

One row per answer: `response_id,survey_id,submitted_at,respondent_email,department,question_id,answer`.
Rows are grouped into responses and go through the shared survey rules (`connectors._survey`):
question map, scales, departments, pseudonymised or anonymous respondents, free text off by default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors import records as rec
from connectors._csv_drop import changed_files, header_reject
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
from connectors.csv_files import read_rows
from connectors.errors import ConfigError, RecordError
from connectors.privacy import Pseudonymiser
from connectors.registry import SourceDefinition, Variable

SOURCE_NAME = "survey_csv"
PATH_VARIABLE = "SURVEY_CSV_PATH"
COLUMNS = ("response_id", "survey_id", "submitted_at", "respondent_email", "department", "question_id", "answer")
SPECS = survey_specs(SOURCE_NAME)
_RESPONDENT = ("submitted_at", "respondent_email", "department")


class SurveyCsvExtractor:
    source = SOURCE_NAME
    name = "answers"
    specs = SPECS

    def __init__(self, path: Path, pseudonymiser: Pseudonymiser, rows: SurveyRows):
        self.path = path
        self.pseudonymiser = pseudonymiser
        self.rows = rows

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        for file, new_state in changed_files(self.path, PATH_VARIABLE, state):
            batch = Batch(state=new_state)
            try:
                responses = self._responses(file, batch)
            except ConfigError as exc:  # wrong header: quarantine the file, land the others
                yield Batch(rejects=[header_reject("answers", file, exc)], state=new_state)
                continue
            for response in responses:
                self.rows.add(batch, response)
            yield batch

    def _responses(self, file: Path, batch: Batch) -> list[SurveyResponse]:
        """Group the file's rows by response; a response whose rows disagree on the respondent is rejected."""
        grouped: dict[tuple[str, str], tuple[dict[str, str], list[tuple[int, dict[str, str]]]]] = {}
        for line, raw in read_rows(file, COLUMNS, PATH_VARIABLE):
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
                               survey_rows("csv", settings, pseudonymiser))]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Survey CSV export",
    variables=(
        Variable(PATH_VARIABLE, "survey CSV export: a file, or a directory of *.csv files"),
        FREE_TEXT,
    ),
    extractors={"answers": SPECS},
    build=_build,
)
