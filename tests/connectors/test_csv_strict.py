"""CSV exports are read as meant or refused, never half read (issue: nothing lost, nothing leaked):
an unterminated quote, a wrong field count, other encodings, undeclared columns carrying names."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from archipelago.status import status_lines
from connectors._survey import DEFAULT_MAP_PATH, SurveyRows, load_question_map
from connectors.csv_files import CsvFileError, CsvSettings, read_export
from connectors.directory_csv import REQUIRED_COLUMNS, DirectoryCsvExtractor
from connectors.directory_csv import SOURCE as DIRECTORY
from connectors.privacy import Pseudonymiser
from connectors.survey_csv import SurveyCsvExtractor
from connectors.training_csv import TrainingCsvExtractor
from pipelines.landing import land_extractor, read_cursor
from pipelines.warehouse import connect

P = Pseudonymiser("test-key-0123456789abcdef")
SURVEY_HEADER = "response_id,survey_id,submitted_at,respondent_email,department,question_id,answer\n"
DIRECTORY_HEADER = ",".join(REQUIRED_COLUMNS)


def survey_lines(n: int) -> list[str]:
    return [f"r{i},pulse,2026-03-02T09:00:00Z,p{i}@acme.example,Finance,RES1,{1 + i % 5}" for i in range(n)]


def survey_extractor(folder):
    return SurveyCsvExtractor(folder, P, SurveyRows("csv", load_question_map(DEFAULT_MAP_PATH), P, False))


def test_an_unterminated_quote_refuses_the_file_and_keeps_its_cursor(tmp_path):
    folder = tmp_path / "surveys"
    folder.mkdir()
    lines = survey_lines(384)
    lines[8] = lines[8].replace("Finance", '"Finance')  # the quote never closes: the rest of the file is one field
    (folder / "a_broken.csv").write_text(SURVEY_HEADER + "\n".join(lines) + "\n")
    (folder / "b_good.csv").write_text(SURVEY_HEADER + "\n".join(survey_lines(3)) + "\n")
    with connect(tmp_path / "wh.duckdb") as conn:
        with pytest.raises(CsvFileError, match=r"a_broken\.csv: line 10: a quoted field is never closed"):
            land_extractor(conn, survey_extractor(folder), "run1")
        # nothing of the broken file landed, the good file did, and only the good file's cursor moved
        assert conn.execute("select count(*) from raw_survey_csv.answers").fetchone()[0] == 3
        assert list(read_cursor(conn, "survey_csv", "answers")["files"]) == ["b_good.csv"]
        (folder / "a_broken.csv").write_text(SURVEY_HEADER + "\n".join(survey_lines(384)) + "\n")  # fixed
        report = land_extractor(conn, survey_extractor(folder), "run2")
        assert report.batches == 1
        assert conn.execute("select count(distinct response_id) from raw_survey_csv.answers").fetchone()[0] == 384


def test_a_quote_closing_on_a_later_line_refuses_the_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"x\ny",\n2,3\n')
    with pytest.raises(CsvFileError, match=r"line 2: a quoted field runs past the end of the line"):
        read_export(path, ("a", "b"), "X_PATH")


def test_a_row_with_the_wrong_field_count_is_quarantined_without_its_values(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_text("\n".join([
        DIRECTORY_HEADER,
        "E1,ann@acme.com,Ann Smit,Sales,Field,sales,Rep,,Amsterdam,2020-01-01,",
        "E2,bo@acme.com,Bos, Bo,Sales,Field,sales,Rep,,Amsterdam,2020-01-01,",  # unquoted comma: shifted
    ]) + "\n")
    [batch] = DirectoryCsvExtractor(path, P, dt.date(2026, 11, 1)).batches(None)
    assert len(batch.rows["employees"]) == 1
    [reject] = batch.rejects
    assert reject.reason == "line 3: the row has 12 fields, the header 11"
    assert reject.payload == {"line": 3}
    assert "Bos" not in repr(batch) and "bo@acme.com" not in repr(batch)


def test_undeclared_columns_are_dropped_listed_and_only_allow_listed_ones_land(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_text("\n".join([
        DIRECTORY_HEADER + ",name,home_address,cost_centre",
        "E1,ann@acme.com,Ann Smit,Sales,Field,sales,Rep,,Amsterdam,2020-01-01,,Anouk Bos,1 Main St 4,CC7",
        "E2,not-an-email,Bo Bos,Sales,Field,sales,Rep,,Amsterdam,2020-01-01,,Bo Bos,2 Main St,CC7",
    ]) + "\n")
    with connect(tmp_path / "warehouse.duckdb") as conn:
        extractor = DirectoryCsvExtractor(path, P, dt.date(2026, 11, 1), CsvSettings(extra_columns=frozenset({"cost_centre"})))
        report = land_extractor(conn, extractor, "run1")
        extra = conn.execute("select _extra from raw_directory_csv.employees").fetchall()
        payload = conn.execute("select payload from quarantine.records").fetchone()[0]
        unknown = conn.execute("select field from meta.unknown_fields order by 1").fetchall()
        everything = str(conn.execute("select * from raw_directory_csv.employees").fetchall()) + payload
    assert extra == [('{"cost_centre":"CC7"}',)]
    assert report.unknown_fields == ["name", "home_address"] and unknown == [("home_address",), ("name",)]
    assert json.loads(payload)["line"] == 3 and "email" in json.loads(payload)
    for leaked in ("Anouk", "Main St", "Bo Bos", "Ann Smit", "@acme.com"):
        assert leaked not in everything
    assert "  undeclared fields dropped (names only; allow-list to keep): directory_csv: home_address, name" \
        in status_lines(tmp_path)


def test_the_allow_list_is_a_per_source_setting():
    [extractor] = DIRECTORY.build({"DIRECTORY_CSV_PATH": "/x.csv", "DIRECTORY_CSV_EXTRA_COLUMNS": "grade, cost_centre"}, P)
    assert extractor.csv_settings.extra_columns == {"grade", "cost_centre"}


TRAINING = "email,module_id,module_name,started_on,completed_on,pre_score,post_score\n" \
           "zoë@acme.example,ai-101,Één module,2026-03-01,,40,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be"])
def test_utf8_with_or_without_bom_and_utf16_by_bom_are_detected(tmp_path, encoding):
    path = tmp_path / "t.csv"
    data = TRAINING.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    [row] = read_export(path, TRAINING.split("\n")[0].split(","), "TRAINING_CSV_PATH").rows
    assert row.values["module_name"] == "Één module"


def test_a_latin1_file_is_an_error_naming_file_and_line_unless_its_encoding_is_set(tmp_path):
    folder = tmp_path / "trainings"
    folder.mkdir()
    (folder / "march.csv").write_bytes(TRAINING.encode("latin-1"))
    with connect(tmp_path / "wh.duckdb") as conn:
        with pytest.raises(CsvFileError, match=r"march\.csv: line 2: bytes that are not utf-8 .*TRAINING_CSV_ENCODING"):
            land_extractor(conn, TrainingCsvExtractor(folder, P), "run1")
        assert read_cursor(conn, "training_csv", "enrolments") is None
        settings = CsvSettings.from_settings({"TRAINING_CSV_ENCODING": "latin-1"}, "TRAINING_CSV")
        land_extractor(conn, TrainingCsvExtractor(folder, P, settings), "run2")
        assert conn.execute("select module_name from raw_training_csv.enrolments").fetchall() == [("Één module",)]
