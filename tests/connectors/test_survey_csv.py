"""Survey CSV: good rows land, a wrong header, an out-of-scale answer and an unknown department are
quarantined with clear reasons, free text stays out unless enabled, reruns change nothing."""

from __future__ import annotations

import pytest

from connectors._survey import DEFAULT_MAP_PATH, load_question_map, unmapped
from connectors.privacy import Pseudonymiser
from connectors.survey_csv import SOURCE, SurveyCsvExtractor
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

KEY = "test-key-0123456789abcdef"
HEADER = "response_id,survey_id,submitted_at,respondent_email,department,question_id,answer\n"
GOOD = (
    "r1,pulse-q1,2026-03-02T09:00:00Z,ann@acme.example,Finance,tool_nps_m365_copilot,9\n"
    "r1,pulse-q1,2026-03-02T09:00:00Z,ann@acme.example,Finance,ai_usefulness,4\n"
    "r1,pulse-q1,2026-03-02T09:00:00Z,ann@acme.example,Finance,comment,Saves me time - ask bob@acme.example\n"
    "r2,pulse-q1,2026-03-02T10:00:00+01:00,,support,collab_sales,3\n"
    "r2,pulse-q1,2026-03-02T10:00:00+01:00,,support,enps,11\n"
    "r2,pulse-q1,2026-03-02T10:00:00+01:00,,support,q_new_item,2\n"
    "r3,pulse-q1,2026-03-02T11:00:00Z,,Narnia,enps,8\n"
    "r4,pulse-q1,2026-03-02T12:00:00Z,,,enps,8\n"
    "r5,pulse-q1,2026-03-02T13:00:00Z,,HR,ai_resistance,often\n"
)


@pytest.fixture
def drop(tmp_path):
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "a_pulse.csv").write_text(HEADER + GOOD)
    (folder / "b_wrong.csv").write_text("response,survey,when,email,dept,question,value\nx,y,z,,Sales,enps,5\n")
    return folder


def land(folder, tmp_path, free_text=False):
    extractor = SurveyCsvExtractor(folder, Pseudonymiser(KEY), load_question_map(DEFAULT_MAP_PATH), free_text)
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
    assert set(by_key) == {("r1", "tool_nps_m365_copilot"), ("r1", "ai_usefulness"), ("r2", "collab_sales"), ("r2", "q_new_item")}
    assert by_key[("r1", "tool_nps_m365_copilot")][2:6] == ("tool_nps", Pseudonymiser(KEY).person_key("ANN@acme.example"), "Finance", 9.0)
    assert by_key[("r2", "collab_sales")][3:5] == (None, "Customer Support")  # anonymous, spelling normalised
    assert by_key[("r2", "collab_sales")][7] == "Sales"
    assert by_key[("r2", "collab_sales")][8] == "2026-03-02 09:00:00"  # +01:00 -> UTC
    assert by_key[("r2", "q_new_item")][2] is None
    reasons = {q[1]: q[2] for q in quarantine}
    assert "wrong header" in reasons["b_wrong.csv"] and "b_wrong.csv" in reasons["b_wrong.csv"]
    assert "answer 11 to enps (enps) is outside its scale 0-10" in reasons["pulse-q1/r2/enps"]
    assert "unknown department 'Narnia'" in reasons["pulse-q1/r3"]
    assert "without a department" in reasons["pulse-q1/r4"]
    assert "'often' to ai_resistance (resistance) is not a number" in reasons["pulse-q1/r5/ai_resistance"]
    assert report.rejects == 5 and report.rows_by_table["answers"] == 4
    assert unmapped([{"survey_id": s, "question_id": q, "is_mapped": m} for s, q, m in questions]) == [("pulse-q1", "q_new_item")]
    assert responses == [("r1", False, 2), ("r2", True, 2), ("r5", True, 0)]
    for _, _, _, payload in quarantine:
        assert "@" not in payload  # quarantined payloads are scrubbed


def test_free_text_only_when_enabled_and_scrubbed(drop, tmp_path):
    _, answers, *_ = land(drop, tmp_path, free_text=True)
    text = {a[1]: a[6] for a in answers if a[0] == "r1"}["comment"]
    assert text.startswith("Saves me time - ask person:") and "bob@" not in text


def test_rerun_is_idempotent_and_skips_unchanged_files(drop, tmp_path):
    land(drop, tmp_path)
    report, answers, quarantine, *_ = land(drop, tmp_path)
    assert report.batches == 0 and len(answers) == 4 and len(quarantine) == 5
    (drop / "a_pulse.csv").write_text(HEADER + GOOD + "r6,pulse-q1,2026-03-03T08:00:00Z,,IT,enps,7\n")
    report, answers, *_ = land(drop, tmp_path)
    assert report.batches == 1 and len(answers) == 5


def test_source_definition_builds_from_settings(drop):
    settings = SOURCE.settings({"SURVEY_CSV_PATH": str(drop), "ARCHIPELAGO_LAND_FREE_TEXT": "true"})
    (extractor,) = SOURCE.build(settings, Pseudonymiser(KEY))
    assert extractor.rows.land_free_text is True and extractor.specs == SOURCE.specs()
