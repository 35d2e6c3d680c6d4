"""A failed dbt build is one line naming the failed nodes and what to do (pipelines/dbt_failures.py)."""

from __future__ import annotations

import json

from pipelines.dbt_failures import FULL_REFRESH_HINT, failure_line

# dbt's message for an incremental model with on_schema_change='fail' whose table has other columns.
OUT_OF_SYNC = (
    "Compilation Error in model int_tickets__handoffs (models/intermediate/tickets/int_tickets__handoffs.sql)\n"
    "  The source and target schemas on this incremental model are out of sync!\n"
    "  They can be reconciled in several ways: ..."
)


def _results(tmp_path, *results):
    (tmp_path / "run_results.json").write_text(json.dumps({"results": list(results)}))
    return tmp_path


def test_a_schema_change_after_an_upgrade_says_to_run_a_full_refresh(tmp_path):
    target = _results(
        tmp_path,
        {"unique_id": "model.archipelago.stg_jira__issues", "status": "success", "message": "OK"},
        {"unique_id": "model.archipelago.int_tickets__handoffs", "status": "error", "message": OUT_OF_SYNC},
        {"unique_id": "model.archipelago.handoffs_weekly", "status": "skipped", "message": None},
    )
    line = failure_line(target)
    assert line.startswith("dbt build failed on 1 node(s): int_tickets__handoffs: Compilation Error in model")
    assert line.endswith(FULL_REFRESH_HINT)
    assert "\n" not in line


def test_failed_tests_are_named_and_counted(tmp_path):
    failed = [{"unique_id": f"test.archipelago.not_null_t{i}_c.abc{i}", "status": "fail",
               "message": f"Got {i} results, configured to fail if != 0"} for i in range(1, 6)]
    line = failure_line(_results(tmp_path, *failed))
    assert line.startswith("dbt build failed on 5 node(s): not_null_t1_c: Got 1 results")
    assert "not_null_t3_c" in line and "not_null_t4_c" not in line and " and 2 more;" in line
    assert "--full-refresh" not in line and "run_results.json" in line


def test_no_line_when_dbt_failed_before_building(tmp_path):
    assert failure_line(tmp_path) is None  # no run_results.json: dbt's own error stands
    assert failure_line(_results(tmp_path, {"unique_id": "model.a.b", "status": "success", "message": "OK"})) is None
    (tmp_path / "run_results.json").write_text("{not json")
    assert failure_line(tmp_path) is None
