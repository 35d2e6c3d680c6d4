"""The privacy floor of every published table as one blocking Dagster check (one step, one query a table).

The rule of each table comes from its dbt model's meta (`expectations.privacy_rule`); k from
ARCHIPELAGO_PRIVACY_K, the same variable dbt suppresses with. A failure names the table, the first
offending row's key and the column, stops publication in the run (blocking, ERROR severity) and is
kept in meta.check_results, which the publish step reads as well.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from expectations.privacy_rule import RuleError, check_table, missing_rule_outcome, parse_rule
from pipelines.checks.mart_suites import relation_of
from pipelines.quality import privacy_k, record_outcomes, write_data_docs
from pipelines.resources import WarehouseResource

CHECK_NAME = "privacy_floor"


def _result(key: dg.AssetKey, outcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.WARN if outcome.success else dg.AssetCheckSeverity.ERROR,
        metadata={"table": outcome.table, "observed": outcome.observed_value[:500], **{
            name: str(outcome.details[name]) for name in ("row_key", "column", "k") if name in outcome.details}},
        description=outcome.describe()[:2000],
    )


def build_privacy_check(published: Mapping[str, Mapping[str, Any]]) -> dg.AssetChecksDefinition:
    """`published`: published name -> model meta with its `asset_key` (pipelines.assets.dbt.published_models_meta)."""
    tables = {meta["asset_key"]: name for name, meta in published.items()}

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(CHECK_NAME, asset=key, blocking=True,
                              description=f"no people figure of {name} over a group below the privacy floor k")
            for key, name in tables.items()
        ],
        can_subset=True,
        name="privacy_floor_checks",
    )
    def privacy_floor_checks(context: dg.AssetCheckExecutionContext,
                             warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
        k = privacy_k()
        selected = [key for key in tables if dg.AssetCheckKey(key, CHECK_NAME) in context.selected_asset_check_keys]
        outcomes = []
        with warehouse.connect() as conn:
            for key in selected:
                name = tables[key]
                try:
                    outcome = check_table(conn, parse_rule(name, published[name]), relation_of(key), k)
                except RuleError as exc:
                    outcome = missing_rule_outcome(name, exc)
                if not outcome.success:
                    context.log.warning(outcome.describe())
                outcomes.append((key, outcome))
            record_outcomes(conn, context.run.run_id, [o for _, o in outcomes])
            write_data_docs(conn, warehouse.home_path, context.run.run_id)
        for key, outcome in outcomes:
            yield _result(key, outcome)

    return privacy_floor_checks
