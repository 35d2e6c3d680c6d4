"""A dbt step whose build succeeded but whose event for a model or test never reached Dagster fails in
one line, instead of a successful run that silently skips that asset's checks and the publication.

Real dbt and a real Dagster materialisation of one seed and its tests; dbt's output passes through a
filter that writes Spark's console progress bar in front of one test's event line, as the local Spark
session's JVM did when it shared dbt's stdout (pipelines/spark_log4j2.properties)."""

from __future__ import annotations

import dagster as dg
from archipelago_testing import failures, isolated_env, temp_instance

SEED = dg.AssetKey(["staging", "ticket_group_departments"])
CORRUPTING_DBT = """#!/usr/bin/env bash
set -o pipefail
"{dbt}" "$@" | sed -u '/"rules_ticket_group_departments".*"LogTestResult"/s/^/[Stage 7:>                                  (0 + 1) \\/ 1]/'
"""


def test_a_test_event_lost_in_dbts_output_fails_the_step_in_one_line(tmp_path, monkeypatch):
    from pipelines.assets.dbt import dbt_executable  # noqa: PLC0415
    from pipelines.definitions import ASSETS, CHECKS, RESOURCES  # noqa: PLC0415 - sets the dbt to run

    isolated_env(monkeypatch, tmp_path / "home")
    wrapper = tmp_path / "dbt"
    wrapper.write_text(CORRUPTING_DBT.format(dbt=dbt_executable()))
    wrapper.chmod(0o755)
    monkeypatch.setenv("ARCHIPELAGO_DBT_EXECUTABLE", str(wrapper))

    result = dg.materialize([*ASSETS, *CHECKS], selection=[SEED], resources=RESOURCES,
                            instance=temp_instance(tmp_path / "instance"), raise_on_error=False)

    assert not result.success
    line = failures(result)
    assert line.startswith("dbt_models: ") and "\n" not in line, line
    assert ("DbtBuildError: dbt build finished but Dagster received no result for 1 selected node(s) "
            "(staging/ticket_group_departments:rules_ticket_group_departments)") in line, line
    # The seed's own event was read: the seed is materialised, only the lost test is named.
    assert [event.asset_key for event in result.get_asset_materialization_events()] == [SEED]
