"""Survey and training CSV exports of the sandbox organisation, landed end to end through the registry."""

from __future__ import annotations

import shutil

import pytest

from connectors import survey_csv, training_csv
from connectors.privacy import Pseudonymiser
from pipelines.landing import land_extractor
from pipelines.warehouse import connect
from sandbox import SandboxServer, generate_organisation

pytestmark = pytest.mark.integration
P = Pseudonymiser("sandbox-test-key-0123456789")


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(generate_organisation(seed=1, employees=60, months=3), port=0) as server:
        yield server


def build(source, env):
    (extractor,) = source.SOURCE.build(source.SOURCE.settings(env), P)
    return extractor


def counts(conn):
    return conn.execute(
        "select (select count(*) from raw_survey_csv.answers), (select count(*) from raw_survey_csv.responses), "
        "(select count(*) from raw_training_csv.enrolments), (select count(*) from quarantine.records)").fetchone()


def test_full_load_incremental_after_advance_and_idempotent_rerun(sandbox, tmp_path):
    env = sandbox.env()
    org = sandbox.org
    with connect(tmp_path / "wh.duckdb") as conn:
        for source in (survey_csv, training_csv):
            land_extractor(conn, build(source, env), "r1")
        answers, responses, enrolments, rejects = counts(conn)
        constructs = dict(conn.execute("select construct, count(*) from raw_survey_csv.answers group by 1").fetchall())
        expected = [r for r in org.surveys if r.source == "csv" and r.submitted_at <= org.now]
        assert rejects == 0 and responses == len(expected) and answers == sum(len(r.answers) for r in expected)
        assert set(constructs) == {"resistance", "usefulness", "psychological_safety"}  # every question mapped
        assert enrolments == sum(1 for r in org.training if r.started_on <= org.now.date()) > 0
        for source in (survey_csv, training_csv):  # unchanged exports: nothing read again
            assert land_extractor(conn, build(source, env), "r2").batches == 0
        sandbox.advance(days=7)
        for source in (survey_csv, training_csv):
            land_extractor(conn, build(source, sandbox.env()), "r3")
        completed = conn.execute("select count(*) from raw_training_csv.enrolments where completed_on is not null").fetchone()[0]
        assert completed == sum(1 for r in org.training if r.completed_on and r.completed_on <= org.now.date())
        assert counts(conn)[2] == sum(1 for r in org.training if r.started_on <= org.now.date())
        dupes = conn.execute("select count(*) - count(distinct (person_key, module_id)) from raw_training_csv.enrolments").fetchone()[0]
        assert dupes == 0


def test_broken_survey_exports_are_quarantined_with_reasons_and_the_rest_lands(sandbox, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    good = sandbox.env()["SURVEY_CSV_PATH"]
    shutil.copy(good, folder / "readiness.csv")
    lines = (folder / "readiness.csv").read_text().splitlines()
    first = lines[1].split(",")
    broken = [",".join([first[0] + "X", *first[1:4], "Sales", "RES1", "9"]),  # out of the 1-5 scale
              ",".join([first[0] + "Y", *first[1:4], "Atlantis", "RES1", "3"])]  # unknown department
    (folder / "late.csv").write_text(lines[0] + "\n" + "\n".join(broken) + "\n")
    (folder / "legacy.csv").write_text("id,survey,when,question,value\n1,s,2026-01-01,RES1,3\n")
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, build(survey_csv, {"SURVEY_CSV_PATH": str(folder)}), "r1")
        reasons = sorted(r for (r,) in conn.execute("select reason from quarantine.records").fetchall())
        landed = conn.execute("select count(*) from raw_survey_csv.responses").fetchone()[0]
    assert len(reasons) == 3
    assert reasons[0].startswith("answer 9 to RES1 (resistance) is outside its scale 1-5")
    assert reasons[1].startswith("unknown department 'Atlantis'")
    assert reasons[2].startswith("wrong header: ") and "legacy.csv" in reasons[2] and "respondent_email" in reasons[2]
    assert landed == len(lines[1:]) // 4 + 1  # every sandbox response, plus the late one with its bad answer held back
    assert report.rejects == 3
