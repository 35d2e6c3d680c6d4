"""Survey CSV: good rows land, a wrong header, an out-of-scale answer and an unknown department are
quarantined with clear reasons, free text stays out unless enabled, reruns change nothing."""

from __future__ import annotations

import pytest

from connectors._survey import DEFAULT_MAP_PATH, SurveyRows, load_question_map, unmapped
from connectors.privacy import Pseudonymiser
from connectors.survey_csv import SOURCE, SurveyCsvExtractor
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

KEY = "test-key-0123456789abcdef"
HEADER = "response_id,survey_id,submitted_at,respondent_email,department,question_id,answer\n"
GOOD = (
    "r1,ai-readiness-check,2026-03-02T09:00:00Z,ann@acme.example,Finance,RES1,2\n"
    "r1,ai-readiness-check,2026-03-02T09:00:00Z,ann@acme.example,Finance,USE1,4\n"
    "r1,ai-readiness-check,2026-03-02T09:00:00Z,ann@acme.example,Finance,COMMENT,Saves me time - ask bob@acme.example\n"
    "r2,ai-readiness-check,2026-03-02T10:00:00+01:00,,support,PSY1,3\n"
    "r2,ai-readiness-check,2026-03-02T10:00:00+01:00,,support,RES2,7\n"
    "r2,ai-readiness-check,2026-03-02T10:00:00+01:00,,support,Q_NEW,2\n"
    "r3,ai-readiness-check,2026-03-02T11:00:00Z,,Narnia,RES1,3\n"
    "r4,ai-readiness-check,2026-03-02T12:00:00Z,,,RES1,3\n"
    "r5,ai-readiness-check,2026-03-02T13:00:00Z,,HR,RES1,often\n"
)


@pytest.fixture
def drop(tmp_path):
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "a_pulse.csv").write_text(HEADER + GOOD)
    (folder / "b_wrong.csv").write_text("response,survey,when,email,dept,question,value\nx,y,z,,Sales,enps,5\n")
    return folder


def land(folder, tmp_path, free_text=False):
    p = Pseudonymiser(KEY)
    extractor = SurveyCsvExtractor(folder, p, SurveyRows("csv", load_question_map(DEFAULT_MAP_PATH), p, free_text))
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, extractor, "run")
        answers = conn.execute(
            "select response_id, question_id, construct, person_key, department, answer_value, answer_text, "
            "target_department, submitted_at::varchar from raw_survey_csv.answers order by 1, 2").fetchall()
        quarantine = conn.execute("select stream, record_id, reason, payload from quarantine.records order by 2").fetchall()
        questions = conn.execute("select survey_id, question_id, is_mapped from raw_survey_csv.questions").fetchall()
        responses = conn.execute("select response_id, is_anonymous, answers_landed from raw_survey_csv.responses order by 1").fetchall()
    return report, answers, quarantine, questions, responses


def test_bad_rows_quarantined_with_reasons_and_the_rest_landed(drop, tmp_path):
    report, answers, quarantine, questions, responses = land(drop, tmp_path)
    by_key = {(a[0], a[1]): a for a in answers}
    # landed: r1's two scored answers (no free text), r2's in-scale answers incl. the unmapped one
    assert set(by_key) == {("r1", "RES1"), ("r1", "USE1"), ("r2", "PSY1"), ("r2", "Q_NEW")}
    assert by_key[("r1", "USE1")][2:6] == ("usefulness", Pseudonymiser(KEY).person_key("ANN@acme.example"), "Finance", 4.0)
    assert by_key[("r2", "PSY1")][2:5] == ("psychological_safety", None, "Customer Support")  # anonymous, spelling normalised
    assert by_key[("r2", "PSY1")][8] == "2026-03-02 09:00:00"  # +01:00 -> UTC
    assert by_key[("r2", "Q_NEW")][2] is None and by_key[("r2", "Q_NEW")][5] == 2.0
    reasons = {q[1]: q[2] for q in quarantine}
    assert "wrong header" in reasons["b_wrong.csv"] and "b_wrong.csv" in reasons["b_wrong.csv"]
    assert "answer 7 to RES2 (resistance) is outside its scale 1-5" in reasons["ai-readiness-check/r2/RES2"]
    assert "unknown department 'Narnia'" in reasons["ai-readiness-check/r3"]
    assert "without a department" in reasons["ai-readiness-check/r4"]
    assert "'often' to RES1 (resistance) is not a number" in reasons["ai-readiness-check/r5/RES1"]
    assert report.rejects == 5 and report.rows_by_table["answers"] == 4
    assert unmapped([{"survey_id": s, "question_id": q, "is_mapped": m} for s, q, m in questions]) == [("ai-readiness-check", "Q_NEW")]
    assert responses == [("r1", False, 2), ("r2", True, 2), ("r5", True, 0)]
    for _, _, _, payload in quarantine:
        assert "@" not in payload  # quarantined payloads are scrubbed


def test_free_text_only_when_enabled_and_scrubbed(drop, tmp_path):
    _, answers, *_ = land(drop, tmp_path, free_text=True)
    text = {a[1]: a[6] for a in answers if a[0] == "r1"}["COMMENT"]
    assert text.startswith("Saves me time - ask person:") and "bob@" not in text


def test_rerun_is_idempotent_and_skips_unchanged_files(drop, tmp_path):
    land(drop, tmp_path)
    report, answers, quarantine, *_ = land(drop, tmp_path)
    assert report.batches == 0 and len(answers) == 4 and len(quarantine) == 5
    (drop / "a_pulse.csv").write_text(HEADER + GOOD + "r6,ai-readiness-check,2026-03-03T08:00:00Z,,IT,USE1,5\n")
    report, answers, *_ = land(drop, tmp_path)
    assert report.batches == 1 and len(answers) == 5


def test_source_definition_builds_from_settings(drop):
    settings = SOURCE.settings({"SURVEY_CSV_PATH": str(drop), "ARCHIPELAGO_LAND_FREE_TEXT": "true"})
    (extractor,) = SOURCE.build(settings, Pseudonymiser(KEY))
    assert extractor.rows.land_free_text is True and extractor.specs == SOURCE.specs()
