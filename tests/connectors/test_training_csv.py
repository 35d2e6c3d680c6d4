"""Training CSV: documented columns land pseudonymised; bad rows and a wrong header are quarantined."""

from __future__ import annotations

import datetime as dt

from connectors.privacy import Pseudonymiser
from connectors.training_csv import TrainingCsvExtractor
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

KEY = "test-key-0123456789abcdef"
HEADER = "email,module_id,module_name,started_on,completed_on,pre_score,post_score\n"


def test_rows_land_and_bad_rows_are_quarantined(tmp_path):
    folder = tmp_path / "trainings"
    folder.mkdir()
    (folder / "2026-03.csv").write_text(HEADER + (
        "ann@acme.example,ai-101,AI basics,2026-03-01,2026-03-05,40,70\n"
        "bob@acme.example,ai-101,AI basics,2026-03-02,,35,\n"
        "not-an-email,ai-101,AI basics,2026-03-01,,,\n"
        "cem@acme.example,ai-101,AI basics,2026-03-09,2026-03-01,,\n"
        "dee@acme.example,ai-101,AI basics,2026-03-01,,120,\n"
        "eve@acme.example,ai-101,AI basics,03/01/2026,,,\n"
        "ann@acme.example,ai-101,AI basics,2026-03-01,2026-03-05,40,70\n"
    ))
    (folder / "old.csv").write_text("mail,module\nann@acme.example,x\n")
    p = Pseudonymiser(KEY)
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, TrainingCsvExtractor(folder, p), "run")
        rows = conn.execute("select person_key, module_id, started_on, completed_on, pre_score, post_score, "
                            "source_line from raw_training_csv.enrolments order by source_line").fetchall()
        reasons = [r[0] for r in conn.execute("select reason from quarantine.records order by record_id").fetchall()]
        rerun = land_extractor(conn, TrainingCsvExtractor(folder, p), "run2")
    assert rows == [
        (p.person_key("ann@acme.example"), "ai-101", dt.date(2026, 3, 1), dt.date(2026, 3, 5), 40.0, 70.0, 2),
        (p.person_key("bob@acme.example"), "ai-101", dt.date(2026, 3, 2), None, 35.0, None, 3),
    ]
    assert reasons == [
        "2026-03.csv line 4: email is not an e-mail address",
        "2026-03.csv line 5: completed_on 2026-03-01 is before started_on 2026-03-09",
        "2026-03.csv line 6: pre_score 120 is outside [0, 100]",
        "2026-03.csv line 7: started_on '03/01/2026' is not an ISO date (YYYY-MM-DD)",
        "2026-03.csv line 8: the same person and module_id already appear on line 2",
        reasons[5],
    ]
    assert reasons[5].startswith("wrong header:") and "old.csv" in reasons[5] and "module_name" in reasons[5]
    assert report.rows == 2 and report.rejects == 6 and rerun.batches == 0
